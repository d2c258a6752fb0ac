"""knotvoice: an offline voice FAQ assistant."""

import ctypes
import functools
import os

# One BLAS thread: the matcher's small matrix products (one question at a time) run three to
# four times faster on one thread than on two, and the recognizer keeps its own threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the most malloc arenas a process may have."""


@functools.cache
def _on_glibc() -> bool:
    """Whether the C library is glibc."""
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, OSError, ValueError):
        return False


@functools.cache
def _libc() -> ctypes.CDLL:
    """The C library the process runs on (loaded once)."""
    return ctypes.CDLL(None)


def _one_malloc_arena() -> None:
    """Have every thread allocate from one glibc malloc arena (as ``MALLOC_ARENA_MAX=1``).

    The recognizer runs on several threads (working ahead, the stop spotter, the server's
    turns); with an arena each, every thread keeps the memory its last recognition freed, and
    the kiosk's peak was about 50 MB higher for no gain in speed (``docs/kiosk.md``). An
    operator's own ``MALLOC_ARENA_MAX`` (or ``GLIBC_TUNABLES`` arena setting) wins; elsewhere
    than glibc nothing changes.
    """
    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return
    if _on_glibc():
        _libc().mallopt(_M_ARENA_MAX, 1)


_one_malloc_arena()


def give_back_memory() -> None:
    """Return the memory malloc holds free to the system (glibc's ``malloc_trim``).

    Whisper's encoder takes about 55 MB while it hears a question and frees it after; malloc
    keeps it, and the sentence model's layers, read while the question is matched, came on
    top of it. Given back after each recognition, the two are never held at once: the
    kiosk's peak is the larger of them, not their sum (``docs/kiosk.md``). Elsewhere than
    glibc it does nothing.
    """
    if _on_glibc():
        _libc().malloc_trim(0)


__version__ = "0.1.0"
