"""Voice activity and endpointing: where an utterance starts and where it ends.

Works on 16 kHz mono 16-bit chunks of any length; every duration is counted in samples of
audio, never in wall time, so a file read faster than real time ends utterances at the same
places as a live microphone.

Voice detectors tell speech from the rest, frame by frame: webrtcvad, silero's small neural
model (bundled with faster-whisper, run by numpy in ``silero.py``), or both. Noise that starts
when the visitor starts (a bus passing, a door, a hiss on the line) is speech to webrtcvad
until it stops, so an utterance ends half a second after the noise, not after the voice, and
noise alone can start one; silero hears where the voice ends, for a little CPU on every frame,
but alone it misses some speech through a telephone-band microphone. Both together (webrtcvad's
speech where silero agrees) keep silero's ends and webrtcvad's starts (``docs/kiosk.md``).
"""

from __future__ import annotations

import collections
import enum
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import webrtcvad

from knotvoice.audio import RATE, WIDTH, AudioChunk
from knotvoice.errors import ModelError
from knotvoice.kiosk import silero
from knotvoice.kiosk.silero import SileroModel, silero_model_path
from knotvoice.settings import VAD_DETECTORS, VadSettings

FRAME_MS = 30
"""Length of one webrtcvad frame in milliseconds (it takes 10, 20 or 30)."""
FRAME_SAMPLES = RATE * FRAME_MS // 1000
"""Samples per webrtcvad frame."""
SILERO_FRAME_SAMPLES = silero.FRAME
"""Samples per silero frame (32 ms; the model takes 512 at 16 kHz)."""
SILERO_CONTEXT = silero.CONTEXT
"""Samples of the frame before that the model sees with each frame."""
SILERO_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
"""Speech probability a frame needs, by aggressiveness 0 to 3 (silero's own default is 0.5)."""
SILERO_HYSTERESIS = 0.15
"""Inside an utterance, a frame is speech down to this much below the threshold (silero's own
rule, its ``neg_threshold``: a syllable's quiet end, or speech through a telephone-band
microphone, is not a pause)."""
SILERO_QUIET = 0.15
"""A silero probability below this is no voice at all (silero's own ``neg_threshold`` at its
default threshold)."""
SILERO_FRESH_AFTER = round(2.0 * RATE / silero.FRAME)
"""Frames of no voice (2 s) after which silero's memory starts afresh: a kiosk hears a
quiet room for hours, and the model's memory of it drifts until it misses a narrow-band
voice (after 100 s of silence it missed a telephone-band question it hears after 2 s)."""
SILERO_CONFIRMS = 0.25
"""With both detectors, the silero probability that confirms a frame webrtcvad calls speech.
At 0.35, 7 of 195 telephone-band clips of the development sets were cut in two (webrtcvad
alone: 2); at 0.15, noise that starts with the voice held a question open longer (p95 790
against 670 ms after the voice; ``docs/kiosk.md``)."""


class Classifier(Protocol):
    """Says whether one frame holds a voice; may follow the frames before it."""

    frame_samples: int
    hears_every_frame: bool
    """Whether it follows the frames before and must hear the quiet ones too."""

    def speech(self, frame: bytes, inside: bool) -> bool:
        """``inside``: the frame falls inside an utterance."""
        ...

    def reset(self) -> None: ...


class _Webrtc:
    frame_samples = FRAME_SAMPLES
    hears_every_frame = False

    def __init__(self, aggressiveness: int) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def speech(self, frame: bytes, inside: bool) -> bool:
        return bool(self._vad.is_speech(frame, RATE))

    def reset(self) -> None:
        pass


@functools.cache
def _silero_model() -> SileroModel:
    """silero's model, loaded once per process and shared (it keeps no state of its own)."""
    try:
        return SileroModel(silero_model_path())
    except (OSError, ValueError) as error:
        raise ModelError(
            f"cannot load the silero voice detector ({error}); reinstall knotvoice "
            '(`./script/setup`) or set vad_detector = "webrtc" in [listen]'
        ) from None


class _Silero:
    """silero's model, frame after frame: its memory of the frames before is kept."""

    frame_samples = SILERO_FRAME_SAMPLES
    hears_every_frame = True

    def __init__(self, aggressiveness: int) -> None:
        self._model = _silero_model()
        self._threshold = SILERO_THRESHOLDS[aggressiveness]
        self.reset()

    def reset(self) -> None:
        self._h, self._c = self._model.initial_state()
        self._context = np.zeros(SILERO_CONTEXT, dtype=np.float32)
        self._quiet = 0

    def probability(self, frame: bytes) -> float:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32768.0
        heard = np.concatenate([self._context, samples])
        probability, self._h, self._c = self._model.probability(heard, self._h, self._c)
        self._context = samples[-SILERO_CONTEXT:]
        # The model's memory drifts while nothing is said (its cell state grows without
        # bound: 40 after 2 s of a quiet room, 280 after 2 minutes) and it grows deaf to a
        # quiet or narrow-band voice; after a while with no voice it starts afresh.
        self._quiet = self._quiet + 1 if probability < SILERO_QUIET else 0
        if self._quiet >= SILERO_FRESH_AFTER:
            self._h, self._c = self._model.initial_state()
            self._quiet = 0
        return probability

    def speech(self, frame: bytes, inside: bool) -> bool:
        needed = self._threshold - (SILERO_HYSTERESIS if inside else 0.0)
        return self.probability(frame) >= needed


class _Both:
    """webrtcvad hears a voice only where silero agrees.

    webrtcvad takes steady or sudden noise for speech; silero tells noise from a voice but
    misses some telephone-band speech outright. Together, a frame is speech when webrtcvad
    calls it so and silero gives it at least ``SILERO_CONFIRMS``: a question ends with the
    voice when noise starts with it, noise alone starts none, and silero's doubt about a
    narrow-band voice does not stop webrtcvad from hearing it. silero hears every frame, in
    its own 32 ms steps; each webrtcvad frame takes its latest probability.
    """

    frame_samples = FRAME_SAMPLES
    hears_every_frame = True

    def __init__(self, aggressiveness: int) -> None:
        self._webrtc = _Webrtc(aggressiveness)
        self._silero = _Silero(aggressiveness)
        self.reset()

    def reset(self) -> None:
        self._webrtc.reset()
        self._silero.reset()
        self._pending = b""
        self._probability = 0.0

    def speech(self, frame: bytes, inside: bool) -> bool:
        self._pending += frame
        step = SILERO_FRAME_SAMPLES * WIDTH
        while len(self._pending) >= step:
            self._probability = self._silero.probability(self._pending[:step])
            self._pending = self._pending[step:]
        return self._webrtc.speech(frame, inside) and self._probability >= SILERO_CONFIRMS


_CLASSIFIERS: dict[str, type[_Webrtc] | type[_Silero] | type[_Both]] = {
    "webrtc": _Webrtc,
    "webrtc+silero": _Both,
    "silero": _Silero,
}


def classifier(detector: str, aggressiveness: int) -> Classifier:
    """The voice detector named ``detector`` (one of ``VAD_DETECTORS``)."""
    if not 0 <= aggressiveness <= 3:
        raise ValueError("aggressiveness must be 0, 1, 2 or 3")
    if detector not in _CLASSIFIERS:
        known = ", ".join(VAD_DETECTORS)
        raise ValueError(f"unknown voice detector {detector!r}; use one of {known}")
    return _CLASSIFIERS[detector](aggressiveness)


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

    Speech is what the voice detector (webrtcvad, silero or both) calls speech and is loud enough:
    above a fixed loudness floor, and ``noise_margin_db`` above the room's background when one
    is given, so steady noise (a fan, traffic, a busy hall) is not taken for a voice that
    never stops.
    """

    def __init__(
        self,
        aggressiveness: int = 2,
        min_level_dbfs: float = -50.0,
        noise_margin_db: float | None = None,
        noise_window_seconds: float = 5.0,
        detector: str = VAD_DETECTORS[0],
    ) -> None:
        self._classifier = classifier(detector, aggressiveness)
        self._min_power = (32768.0 * 10.0 ** (min_level_dbfs / 20.0)) ** 2
        self._margin = None if noise_margin_db is None else 10.0 ** (noise_margin_db / 10.0)
        self._floor = NoiseFloor(round(noise_window_seconds * RATE / self.frame_samples))

    @classmethod
    def of(cls, settings: VadSettings) -> VoiceDetector:
        """The detector the settings describe."""
        return cls(
            settings.aggressiveness,
            settings.min_level_dbfs,
            settings.noise_margin_db,
            settings.noise_window_seconds,
            settings.detector,
        )

    @property
    def frame_samples(self) -> int:
        """Samples of each frame ``is_speech`` takes."""
        return self._classifier.frame_samples

    @property
    def background_dbfs(self) -> float | None:
        """The room's background in dB full scale (at least -120), or None when it is not
        followed or no audio has come yet."""
        level = self._floor.level
        if self._margin is None or level is None:
            return None
        return max(-120.0, 10.0 * math.log10(max(level, 1e-30) / 32768.0**2))

    def reset(self) -> None:
        """Forget the frames before (the room's background is kept)."""
        self._classifier.reset()

    def is_speech(self, frame: bytes, inside: bool = False, skip_quiet: bool = False) -> bool:
        """``frame``: exactly ``frame_samples`` samples of 16 kHz mono 16-bit audio;
        ``inside``: it falls inside an utterance (where silero asks less of a voice).

        With ``skip_quiet``, a frame too quiet to be a voice is not shown to the detector at
        all. In a pause after speech that saves the CPU recognition needs then (a silero turn
        costs about a millisecond, and whisper, working ahead in the pause, slows when it
        runs beside it); elsewhere the detector hears every frame, as silero follows what
        came before and starts a voice later after a gap.
        """
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        power = float(np.mean(samples * samples))
        needed = self._min_power
        if self._margin is not None:
            needed = max(needed, self._floor.update(power) * self._margin)
        if power < needed and (skip_quiet or not self._classifier.hears_every_frame):
            return False
        return self._classifier.speech(frame, inside) and power >= needed


class FrameSplitter:
    """Cuts a stream of chunks into voice-activity frames, carrying the remainder over."""

    def __init__(self, frame_samples: int = FRAME_SAMPLES) -> None:
        self.frame_samples = frame_samples
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
        size = self.frame_samples * WIDTH
        out = []
        offset = 0
        while offset + size <= len(data):
            out.append(AudioChunk(data[offset : offset + size], timestamp=self._start / RATE))
            self._start += self.frame_samples
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

    def __init__(
        self,
        settings: VadSettings = VadSettings(),
        unsure: Callable[[], bool] | None = None,
    ) -> None:
        """``unsure`` is asked when a pause has lasted ``end_silence_seconds``: True when
        what was said so far cannot be answered or is not over ("Can I buy a..."), and the
        utterance then ends only after ``end_silence_unsure_seconds`` (a visitor who
        hesitates goes on; ``docs/kiosk.md``)."""
        self.settings = settings
        self._unsure = unsure
        self._detector = VoiceDetector.of(settings)
        self._splitter = FrameSplitter(self._detector.frame_samples)
        seconds_per_frame = self.frame_seconds
        self._start_needed = max(1, round(settings.start_seconds / seconds_per_frame))
        window = max(self._start_needed, round(settings.start_window_seconds / seconds_per_frame))
        self._end_needed = max(1, round(settings.end_silence_seconds / seconds_per_frame))
        self._end_unsure = round(settings.end_silence_unsure_seconds / seconds_per_frame)
        self._waiting = False
        """The pause under way has lasted ``end_silence_seconds`` and what was said so far
        cannot be answered or is not over: it ends the utterance only at
        ``end_silence_unsure_seconds``."""
        self._max_frames = max(1, round(settings.max_utterance_seconds / seconds_per_frame))
        preroll = round(settings.preroll_seconds / seconds_per_frame)
        self._window: collections.deque[tuple[AudioChunk, bool]] = collections.deque(maxlen=window)
        self._preroll: collections.deque[AudioChunk] = collections.deque(maxlen=max(preroll, 0))
        self._in_speech = False
        self._silent_frames = 0
        self._utterance_frames = 0

    @property
    def frame_seconds(self) -> float:
        """Length of one frame, in seconds: every boundary falls on a frame's edge."""
        return self._detector.frame_samples / RATE

    @property
    def trailing_silence(self) -> float:
        """Seconds of silence at the end of the utterance so far (0 outside one)."""
        return self._silent_frames * self.frame_seconds if self._in_speech else 0.0

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
        self._detector.reset()
        self._window.clear()
        self._preroll.clear()
        self._in_speech = False
        self._silent_frames = 0
        self._utterance_frames = 0
        self._waiting = False

    def push(self, chunk: AudioChunk) -> list[VadEvent]:
        events: list[VadEvent] = []
        for frame in self._splitter.split(chunk):
            pausing = self._in_speech and self._silent_frames > 0
            speech = self._detector.is_speech(frame.audio, self._in_speech, pausing)
            events.extend(self._frame(frame, speech))
        return events

    def _frame(self, frame: AudioChunk, speech: bool) -> list[VadEvent]:
        end = frame.timestamp + self.frame_seconds
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
        if speech:
            self._waiting = False
        events = [VadEvent(Boundary.SPEECH, frame.timestamp, (frame,))]
        if self._silent_frames >= self._end_needed and not self._wait_longer():
            events.append(VadEvent(Boundary.END, end, reason=EndReason.SILENCE))
        elif self._utterance_frames >= self._max_frames:
            events.append(VadEvent(Boundary.END, end, reason=EndReason.MAX_LENGTH))
        if len(events) > 1:
            self._in_speech = False
            self._silent_frames = 0
            self._utterance_frames = 0
            self._waiting = False
        return events

    def _wait_longer(self) -> bool:
        """True while a pause that would end the utterance is waited on, what was said so far
        being unsure (asked once a pause, when it reaches ``end_silence_seconds``)."""
        if self._silent_frames == self._end_needed and self._unsure is not None:
            self._waiting = self._end_unsure > self._end_needed and self._unsure()
        return self._waiting and self._silent_frames < self._end_unsure
