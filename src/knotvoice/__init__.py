"""knotvoice: an offline voice FAQ assistant."""

import os

# One BLAS thread: the matcher's small matrix products (one question at a time) run three to
# four times faster on one thread than on two, and the recognizer keeps its own threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
