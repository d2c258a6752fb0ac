"""Voice activity and endpointing: where an utterance starts and where it ends.

Works on 16 kHz mono 16-bit chunks of any length; every duration is counted in samples of
audio, never in wall time, so a file read faster than real time ends utterances at the same
places as a live microphone.
"""

from __future__ import annotations

import collections
import enum
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import webrtcvad

from knotvoice.audio import RATE, WIDTH, AudioChunk
from knotvoice.settings import VadSettings

FRAME_MS = 30
"""Length of one voice-activity frame in milliseconds (webrtcvad takes 10, 20 or 30)."""
FRAME_SAMPLES = RATE * FRAME_MS // 1000
"""Samples per voice-activity frame."""


class NoiseFloor:
    """The room's background level: the quietest stretch of the last few seconds.

    Frame powers are smoothed over about 90 ms, then the minimum over ``window_frames`` is
    kept (a running minimum, so a voice that goes on does not lift it until it has filled
    the whole window without a pause).
    """

    SMOOTHING = 1.0 / 3.0
    """Weight of each new frame in the smoothed power (30 ms frames: about 90 ms)."""

    def __init__(self, window_frames: int) -> None:
        self._window = max(1, window_frames)
        self.level: float | None = None
        """The floor after the last frame (None before the first)."""
        self._smoothed: float | None = None
        self._frame = 0
        self._minima: collections.deque[tuple[int, float]] = collections.deque()
        """(frame number, smoothed power), increasing in both; the first is the minimum."""

    def update(self, power: float) -> float:
        """Take one frame's mean power (squared 16-bit sample values); return the floor."""
        previous = self._smoothed
        smoothed = power if previous is None else previous + self.SMOOTHING * (power - previous)
        self._smoothed = smoothed
        while self._minima and self._minima[-1][1] >= smoothed:
            self._minima.pop()
        self._minima.append((self._frame, smoothed))
        if self._minima[0][0] <= self._frame - self._window:
            self._minima.popleft()
        self._frame += 1
        self.level = self._minima[0][1]
        return self.level


class VoiceDetector:
    """Says whether one frame of audio holds speech.

    Speech is what webrtcvad calls speech and is loud enough: above a fixed loudness floor,
    and ``noise_margin_db`` above the room's background when one is given, so steady noise
    (a fan, traffic, a busy hall) is not taken for a voice that never stops.
    """

    def __init__(
        self,
        aggressiveness: int = 2,
        min_level_dbfs: float = -50.0,
        noise_margin_db: float | None = None,
        noise_window_seconds: float = 5.0,
    ) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0, 1, 2 or 3")
        self._vad = webrtcvad.Vad(aggressiveness)
        self._min_power = (32768.0 * 10.0 ** (min_level_dbfs / 20.0)) ** 2
        self._margin = None if noise_margin_db is None else 10.0 ** (noise_margin_db / 10.0)
        self._floor = NoiseFloor(round(noise_window_seconds * 1000 / FRAME_MS))

    @property
    def background_dbfs(self) -> float | None:
        """The room's background in dB full scale (at least -120), or None when it is not
        followed or no audio has come yet."""
        level = self._floor.level
        if self._margin is None or level is None:
            return None
        return max(-120.0, 10.0 * math.log10(max(level, 1e-30) / 32768.0**2))

    def is_speech(self, frame: bytes) -> bool:
        """``frame``: exactly ``FRAME_SAMPLES`` samples of 16 kHz mono 16-bit audio."""
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        power = float(np.mean(samples * samples))
        needed = self._min_power
        if self._margin is not None:
            needed = max(needed, self._floor.update(power) * self._margin)
        if power < needed:
            return False
        return bool(self._vad.is_speech(frame, RATE))


def frames(chunks: Iterable[AudioChunk]) -> Iterator[AudioChunk]:
    """Re-cut 16 kHz mono chunks into ``FRAME_SAMPLES`` frames (a short tail is dropped)."""
    splitter = FrameSplitter()
    for chunk in chunks:
        yield from splitter.split(chunk)


class FrameSplitter:
    """Cuts a stream of chunks into voice-activity frames, carrying the remainder over."""

    def __init__(self) -> None:
        self._pending = b""
        self._start = 0
        """Sample index of the first pending sample."""

    def reset(self) -> None:
        self._pending = b""

    def split(self, chunk: AudioChunk) -> list[AudioChunk]:
        if chunk.rate != RATE or chunk.channels != 1 or chunk.width != WIDTH:
            raise ValueError("voice activity needs 16 kHz mono 16-bit chunks")
        first = round(chunk.timestamp * RATE)
        if first != self._start + len(self._pending) // WIDTH:
            # Not a continuation (audio was skipped): start over at this chunk.
            self._pending = b""
        if not self._pending:
            self._start = first
        data = self._pending + chunk.audio
        size = FRAME_SAMPLES * WIDTH
        out = []
        offset = 0
        while offset + size <= len(data):
            out.append(AudioChunk(data[offset : offset + size], timestamp=self._start / RATE))
            self._start += FRAME_SAMPLES
            offset += size
        self._pending = data[offset:]
        return out


class Boundary(enum.StrEnum):
    START = "start"
    """Speech began; ``frames`` holds the pre-roll and the frames that started it."""
    SPEECH = "speech"
    """A frame inside the utterance."""
    END = "end"
    """The utterance ended (``reason`` says why); ``frames`` holds nothing."""


class EndReason(enum.StrEnum):
    SILENCE = "silence"
    MAX_LENGTH = "max_length"


@dataclass(frozen=True)
class VadEvent:
    kind: Boundary
    at: float
    """Audio time in seconds: start of speech, the frame's start, or the end of the utterance."""
    frames: tuple[AudioChunk, ...] = ()
    reason: EndReason | None = None


class Endpointer:
    """Turns frames into utterance boundaries: start, speech frames, end.

    Feed chunks with ``push``; it returns what happened in them. Durations are counted in
    frames of audio, so the result does not depend on how fast audio arrives.
    """

    def __init__(self, settings: VadSettings = VadSettings()) -> None:
        self.settings = settings
        self._detector = VoiceDetector(
            settings.aggressiveness,
            settings.min_level_dbfs,
            settings.noise_margin_db,
            settings.noise_window_seconds,
        )
        self._splitter = FrameSplitter()
        seconds_per_frame = FRAME_SAMPLES / RATE
        self._start_needed = max(1, round(settings.start_seconds / seconds_per_frame))
        window = max(self._start_needed, round(settings.start_window_seconds / seconds_per_frame))
        self._end_needed = max(1, round(settings.end_silence_seconds / seconds_per_frame))
        self._max_frames = max(1, round(settings.max_utterance_seconds / seconds_per_frame))
        preroll = round(settings.preroll_seconds / seconds_per_frame)
        self._window: collections.deque[tuple[AudioChunk, bool]] = collections.deque(maxlen=window)
        self._preroll: collections.deque[AudioChunk] = collections.deque(maxlen=max(preroll, 0))
        self._in_speech = False
        self._silent_frames = 0
        self._utterance_frames = 0

    @property
    def trailing_silence(self) -> float:
        """Seconds of silence at the end of the utterance so far (0 outside one)."""
        return self._silent_frames * FRAME_SAMPLES / RATE if self._in_speech else 0.0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def background_dbfs(self) -> float | None:
        """The room's background the detector follows, in dB full scale (None: it does not)."""
        return self._detector.background_dbfs

    def reset(self) -> None:
        """Forget any partial utterance and history (e.g. after the kiosk spoke)."""
        self._splitter.reset()
        self._window.clear()
        self._preroll.clear()
        self._in_speech = False
        self._silent_frames = 0
        self._utterance_frames = 0

    def push(self, chunk: AudioChunk) -> list[VadEvent]:
        events: list[VadEvent] = []
        for frame in self._splitter.split(chunk):
            events.extend(self._frame(frame, self._detector.is_speech(frame.audio)))
        return events

    def _frame(self, frame: AudioChunk, speech: bool) -> list[VadEvent]:
        end = frame.timestamp + FRAME_SAMPLES / RATE
        if not self._in_speech:
            if len(self._window) == self._window.maxlen:
                oldest, _ = self._window.popleft()
                if self._preroll.maxlen:
                    self._preroll.append(oldest)
            self._window.append((frame, speech))
            if sum(1 for _, flag in self._window if flag) < self._start_needed:
                return []
            first_voiced = next(index for index, (_, flag) in enumerate(self._window) if flag)
            window = [item for item, _ in self._window]
            started = (*self._preroll, *window)
            self._in_speech = True
            self._silent_frames = 0 if speech else 1
            self._utterance_frames = len(window) - first_voiced
            self._window.clear()
            self._preroll.clear()
            return [VadEvent(Boundary.START, window[first_voiced].timestamp, started)]
        self._utterance_frames += 1
        self._silent_frames = 0 if speech else self._silent_frames + 1
        events = [VadEvent(Boundary.SPEECH, frame.timestamp, (frame,))]
        if self._silent_frames >= self._end_needed:
            events.append(VadEvent(Boundary.END, end, reason=EndReason.SILENCE))
        elif self._utterance_frames >= self._max_frames:
            events.append(VadEvent(Boundary.END, end, reason=EndReason.MAX_LENGTH))
        if len(events) > 1:
            self._in_speech = False
            self._silent_frames = 0
            self._utterance_frames = 0
        return events
