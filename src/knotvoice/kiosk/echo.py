"""The kiosk's own voice taken out of what the microphone hears while it speaks.

While a reply plays, the microphone hears the kiosk about as loud as a visitor, and a spoken
"stop" drowns in it. The reply is known sample by sample, so an echo canceller (speexdsp's
adaptive filter, Debian's ``libspeexdsp1``, called through ctypes) learns the path from the
speaker to the microphone as the reply plays and subtracts what it predicts. Without the
library the kiosk listens without it (logged once).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knotvoice.audio import RATE, AudioChunk, chunks_from_array, float_to_pcm16, join

__all__ = ["EchoCanceller", "Reference", "available"]

_LOG = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

FRAME = 160
"""Samples the canceller takes at a time (10 ms at 16 kHz)."""
TAIL_SECONDS = 0.25
"""Longest echo it follows (the device's latency and the room's early reflections): a longer
tail follows more of a room but learns it more slowly."""
LEAD_SECONDS = 0.05
"""The reply is taken to start this much before the kiosk believes it did: an echo heard
before its reference cannot be cancelled, one heard after it can (within the tail)."""
_SET_SAMPLING_RATE = 24
"""``SPEEX_ECHO_SET_SAMPLING_RATE`` of speexdsp's ``speex_echo_ctl``."""


@functools.cache
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        library = ctypes.CDLL(name)
    except OSError:
        _LOG.warning(
            "no echo cancelling while the kiosk speaks: libspeexdsp is missing "
            "(install it with `sudo apt-get install libspeexdsp1`)"
        )
        return None
    library.speex_echo_state_init.restype = ctypes.c_void_p
    library.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    library.speex_echo_cancellation.restype = None
    library.speex_echo_cancellation.argtypes = [ctypes.c_void_p] + [ctypes.c_void_p] * 3
    library.speex_echo_ctl.restype = ctypes.c_int
    library.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    library.speex_echo_state_destroy.restype = None
    library.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    return library


def available() -> bool:
    """Whether echo cancelling can be done here."""
    return _library() is not None


class EchoCanceller:
    """Takes the echo of what was played out of what was heard, 16 kHz mono, in step.

    ``clean(heard, played)`` returns as many samples as it is given, 10 ms later than they
    came (the canceller works on whole frames).
    """

    def __init__(self, tail_seconds: float = TAIL_SECONDS) -> None:
        library = _library()
        if library is None:
            raise RuntimeError("libspeexdsp is not installed")
        self._library = library
        self._state: int | None = library.speex_echo_state_init(
            FRAME, max(FRAME, round(tail_seconds * RATE))
        )
        rate = ctypes.c_int(RATE)
        library.speex_echo_ctl(self._state, _SET_SAMPLING_RATE, ctypes.byref(rate))
        self._heard = np.zeros(0, dtype=np.int16)
        self._played = np.zeros(0, dtype=np.int16)
        self._out = np.zeros(FRAME, dtype=np.int16)

    def clean(self, heard: Audio, played: Audio) -> Audio:
        """``heard`` less the echo of ``played`` (the samples sent to the speaker at the same
        time, as long as ``heard``)."""
        if self._state is None:
            raise RuntimeError("the echo canceller is closed")
        self._heard = np.concatenate([self._heard, _pcm(heard)])
        self._played = np.concatenate([self._played, _pcm(played)])
        whole = len(self._heard) // FRAME * FRAME
        cleaned = [self._out]
        for start in range(0, whole, FRAME):
            mic = np.ascontiguousarray(self._heard[start : start + FRAME])
            reference = np.ascontiguousarray(self._played[start : start + FRAME])
            out = np.empty(FRAME, dtype=np.int16)
            self._library.speex_echo_cancellation(
                self._state, mic.ctypes.data, reference.ctypes.data, out.ctypes.data
            )
            cleaned.append(out)
        self._heard, self._played = self._heard[whole:], self._played[whole:]
        ready = np.concatenate(cleaned)
        self._out = ready[len(heard) :]
        result: Audio = ready[: len(heard)].astype(np.float32) / 32768.0
        return result

    def close(self) -> None:
        if self._state is not None:
            self._library.speex_echo_state_destroy(self._state)
            self._state = None

    def __enter__(self) -> EchoCanceller:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Reference:
    """A reply as the microphone's clock sees it: the samples played at any audio time."""

    def __init__(self, reply: Sequence[AudioChunk], started: float) -> None:
        rate = reply[0].rate if reply else RATE
        self._samples = join(chunks_from_array(join(reply), rate))
        self._started = started - LEAD_SECONDS

    def at(self, chunk: AudioChunk) -> Audio:
        """The reply's samples played while ``chunk`` was heard (silence outside it)."""
        count = chunk.samples
        first = round((chunk.timestamp - self._started) * RATE)
        result = np.zeros(count, dtype=np.float32)
        begin, end = max(first, 0), min(first + count, len(self._samples))
        if begin < end:
            result[begin - first : end - first] = self._samples[begin:end]
        return result

    def clean(self, canceller: EchoCanceller, chunk: AudioChunk) -> AudioChunk:
        """``chunk`` with the reply's echo taken out."""
        cleaned = canceller.clean(chunk.to_float(), self.at(chunk))
        return AudioChunk(float_to_pcm16(cleaned), timestamp=chunk.timestamp)


def _pcm(samples: Audio) -> npt.NDArray[np.int16]:
    return np.frombuffer(float_to_pcm16(samples), dtype="<i2").astype(np.int16)
