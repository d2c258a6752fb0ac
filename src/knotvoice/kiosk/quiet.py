"""The kiosk with no microphone or no speaker (``knotvoice screen``).

With no microphone the kiosk answers only what its screen sends, through the same loop as
ever: ``NoMicrophone`` gives silence at the pace of the clock (the loop's audio time is then
wall-clock time, and follow-up windows last as long as with a microphone) and ``Deaf``
recognises nothing. ``Mute`` plays nothing, for a kiosk with no sound device: its replies
are shown, not heard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from knotvoice.asr import Recognizer, Transcript
from knotvoice.audio import RATE, WIDTH, AudioChunk
from knotvoice.errors import DeviceError
from knotvoice.kiosk.devices import refresh
from knotvoice.kiosk.speaker import Finished

__all__ = ["Deaf", "Mute", "NoMicrophone"]

_LOG = logging.getLogger(__name__)

BLOCK_SECONDS = 0.03
"""Length of each block of silence, in seconds (as a microphone's block)."""


class NoMicrophone:
    """An ``AudioSource`` that hears silence, one block each ``BLOCK_SECONDS`` of wall
    time."""

    device = None
    rate = RATE

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._blocks = 0
        self._samples = round(RATE * BLOCK_SECONDS)

    def open(self, rescan: bool = False) -> None:
        """``rescan``: look for the devices again (a speaker plugged back in), as a
        microphone's re-open does; one that cannot be looked for is the speaker's to say."""
        if self._blocks == 0:
            self._start = time.monotonic()
        if rescan:
            try:
                refresh()
            except DeviceError as error:
                _LOG.debug("no re-scan of the devices: %s", error)

    def read(self) -> AudioChunk:
        due = self._start + (self._blocks + 1) * BLOCK_SECONDS
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        timestamp = self._blocks * BLOCK_SECONDS
        self._blocks += 1
        return AudioChunk(bytes(self._samples * WIDTH), timestamp=timestamp)

    def close(self) -> None:
        return None


class _Nothing:
    def accept(self, chunk: AudioChunk) -> None:
        return None

    def partial(self) -> str:
        return ""

    def settle(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript("", engine="none")


class Deaf:
    """A ``Recognizer`` that hears nothing (silence never reaches it anyway)."""

    name = "none"
    streaming = True

    def stream(self) -> _Nothing:
        return _Nothing()

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return Transcript("", engine="none")

    def spotter(self, words: Sequence[str]) -> Recognizer:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        """Nothing to listen for."""

    def expect(self, answers: str) -> None:
        """Nothing to listen for."""


class Mute:
    """A ``Speaker`` with no sound: each reply is over as soon as it starts."""

    def play(self, chunks: Sequence[AudioChunk]) -> Finished:
        rate = chunks[0].rate if chunks else RATE
        return Finished(rate, sum(chunk.samples for chunk in chunks))
