"""The microphone as the kiosk reads it: audio time kept, a lost device waited out.

``Capture`` reads chunks from an ``AudioSource`` (a ``Microphone``) and keeps ``now``, the
audio time at the end of the last chunk. When the device fails it reports the failure, lets
the loop drop what it was doing, and re-opens the device with back-off until it works again
or the kiosk is stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from knotvoice.audio import AudioChunk
from knotvoice.errors import DeviceError
from knotvoice.settings import ListenSettings

__all__ = ["AudioSource", "Capture", "Stopped"]

_LOG = logging.getLogger(__name__)


class AudioSource(Protocol):
    """A capture device (``Microphone``): chunks in audio time."""

    def open(self, rescan: bool = False) -> None: ...

    def read(self) -> AudioChunk: ...

    def close(self) -> None: ...


class Stopped(Exception):
    """The kiosk has been asked to stop."""


class Capture:
    """Reads an ``AudioSource`` for the kiosk, re-opening it when it is lost.

    ``on_lost(error)`` is called when the device fails (before the back-off begins) and
    ``on_back()`` once it delivers again. ``alive()`` is called for every chunk read, by the
    loop or while a reply plays, and every second while it waits for the device (a wait is no
    hang: the systemd watchdog keeps hearing from the kiosk).
    """

    def __init__(
        self,
        source: AudioSource,
        settings: ListenSettings,
        stop: threading.Event,
        on_lost: Callable[[DeviceError], None],
        on_back: Callable[[], None],
        alive: Callable[[], None] | None = None,
    ) -> None:
        self.source = source
        self._alive = alive
        self._settings = settings
        self._stop = stop
        self._on_lost = on_lost
        self._on_back = on_back
        self.now = 0.0
        """Audio time at the end of the last chunk read, in seconds."""
        self._lost: DeviceError | None = None
        """Why the device did not open again at a re-scan: waited out at the next read."""

    @property
    def behind(self) -> float:
        """Seconds of audio the device has captured that have not been read yet."""
        return float(getattr(self.source, "queued_seconds", 0.0))

    def read(self) -> AudioChunk:
        """The next chunk; waits out a lost microphone. Raises ``Stopped`` when asked to."""
        while True:
            if self._stop.is_set():
                raise Stopped
            if self._lost is not None:
                lost, self._lost = self._lost, None
                self._on_lost(lost)
                self._recover()
            try:
                chunk = self.source.read()
            except DeviceError as error:
                self._on_lost(error)
                self._recover()
                continue
            self.now = chunk.timestamp + chunk.seconds
            if self._alive is not None:
                self._alive()
            return chunk

    def rescan(self) -> bool:
        """Look for the devices again (a speaker plugged back in is found) and re-open this
        one, as PortAudio restarts under it. False when it does not open again: it is waited
        out at the next ``read``, not here."""
        try:
            self.source.open(rescan=True)
        except DeviceError as error:
            self._lost = error
            return False
        return True

    def _recover(self) -> None:
        self.source.close()
        delay = self._settings.retry_first_seconds
        while True:
            self._wait(delay)
            try:
                self.source.open(rescan=True)
            except DeviceError as error:
                _LOG.debug("microphone still unavailable: %s", error)
                delay = min(max(delay * 2, 0.1), self._settings.retry_max_seconds)
                continue
            self._on_back()
            return

    def _wait(self, seconds: float) -> None:
        """Wait ``seconds``, saying ``alive`` every second; ``Stopped`` when asked to stop."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stop.wait(min(left, 1.0)):
                raise Stopped
            if self._alive is not None:
                self._alive()
        if self._stop.is_set():
            raise Stopped
