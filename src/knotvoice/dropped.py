"""Work that may be dropped while under way.

The kiosk works a question out at a pause, on a thread of its own, in case the pause is the
end of speech; when the visitor speaks on, that work is dropped. A pass of a speech model
cannot be stopped halfway, but between passes the work looks whether it is still wanted
(``check``) and stops if not, so that its thread is free for the question as it now stands.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

__all__ = ["Dropped", "check", "droppable"]

_DROPPED: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "knotvoice_dropped", default=None
)


class Dropped(BaseException):
    """Raised by ``check`` in work that was dropped. Like asyncio's ``CancelledError`` it is
    no ``Exception``, so code that survives its own failures does not take it for one."""


def check() -> None:
    """Raise ``Dropped`` when the work this thread is doing has been dropped; nothing outside
    ``droppable``."""
    dropped = _DROPPED.get()
    if dropped is not None and dropped.is_set():
        raise Dropped


@contextlib.contextmanager
def droppable(dropped: threading.Event) -> Iterator[None]:
    """Within the block, ``check`` raises ``Dropped`` once ``dropped`` is set."""
    token = _DROPPED.set(dropped)
    try:
        yield
    finally:
        _DROPPED.reset(token)
