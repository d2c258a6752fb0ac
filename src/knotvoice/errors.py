"""The one small exception hierarchy of knotvoice.

Every message is a single line that tells the user what to do; the command line prints it
as it is and exits non-zero. "No match" is never an exception (see ``matcher``).
"""


class KnotvoiceError(Exception):
    """Base of every error a user can hit; ``str(error)`` is the one-line message."""


class KnowledgeError(KnotvoiceError):
    """A knowledge file is missing, unreadable or invalid."""


class AudioInputError(KnotvoiceError):
    """An audio file is missing, not audio, or empty."""


class ModelError(KnotvoiceError):
    """A speech model is missing, broken or of the wrong kind."""


class DownloadError(KnotvoiceError):
    """A model download failed; nothing was installed."""


class DeviceError(KnotvoiceError):
    """An audio device is missing, busy or cannot do what was asked."""
