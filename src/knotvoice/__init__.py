"""knotvoice: an offline voice FAQ assistant."""

__version__ = "0.1.0"
