"""What the kiosk reports: one small frozen event per thing that happens.

Every event carries ``at``, the time in seconds of captured audio since listening began, so a
file fed faster than real time gives the same events as a live microphone. ``Stages`` keeps
track of which stage is failing, so a failure is logged once and not on every try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from knotvoice.audio import AudioChunk
from knotvoice.errors import DeviceError

__all__ = [
    "Decided",
    "Event",
    "Failed",
    "Heard",
    "ListenSummary",
    "Listening",
    "Partial",
    "ReplyFinished",
    "ReplyStarted",
    "SpeechStarted",
    "Stages",
    "TimedOut",
    "WorksAgain",
]

_LOG = logging.getLogger(__name__)

_NOT_DATA = {"data": False}
"""Metadata of a field that is no plain data (audio): left out of ``Event.to_dict``."""


@dataclass(frozen=True)
class Event:
    """Something that happened; ``at`` is in seconds of audio time, ``wall`` the wall-clock
    time it was reported (Unix seconds): the two together show how far behind the audio the
    kiosk is."""

    kind: ClassVar[str] = "event"
    at: float
    wall: float = field(default_factory=time.time, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """The event as plain data, ``{"event": kind, "at": ..., ...}`` (for JSON lines)."""
        data = {}
        for item in fields(self):
            if item.metadata.get("data", True):
                value = getattr(self, item.name)
                data[item.name] = round(value, 3) if isinstance(value, float) else value
        return {"event": self.kind, **data}


@dataclass(frozen=True)
class Listening(Event):
    kind: ClassVar[str] = "listening"
    mode: str = "vad"
    device: str = ""
    """The capture device, "index 'name'"."""
    rate: int = 0
    """The rate the capture device runs at, in Hertz."""
    engine: str = ""
    """The speech recognizer that hears ("vosk", "whisper")."""


@dataclass(frozen=True)
class SpeechStarted(Event):
    kind: ClassVar[str] = "speech_started"
    background_dbfs: float | None = None
    """The room's background when speech started, in dB full scale: steady noise the voice
    must rise above (None when the voice detector does not follow it)."""


@dataclass(frozen=True)
class Heard(Event):
    """A finished utterance; ``at`` is where it ended."""

    kind: ClassVar[str] = "transcript"
    text: str = ""
    start: float = 0.0
    """Where the speech started, in seconds of audio time."""
    accepted: bool = True
    """False when it was ignored (no wake phrase, or heard while the kiosk was speaking)."""
    typed: bool = False
    """True for a question typed or a choice tapped on the kiosk's screen."""
    tapped: str = ""
    """The did-you-mean's button tapped on the screen ("yes", "other" or "no"; ``text`` is
    the words that say it); empty for what was said or typed."""
    ended: str = ""
    """Why the utterance ended: "silence" (the speaker stopped) or "max_length" (it ran to
    the longest an utterance may be, and was cut there); empty for what was typed."""
    behind_ms: float = 0.0
    """Audio the microphone had captured and the kiosk not yet read when the utterance ended,
    in milliseconds: the device's input latency, and more while the kiosk falls behind (a
    busy processor, audio that arrives in bursts); it answers as right, only later."""
    audio: tuple[AudioChunk, ...] = field(default=(), repr=False, compare=False, metadata=_NOT_DATA)
    """The utterance as the recognizer was given it (16 kHz mono 16-bit chunks); empty for
    what was typed or tapped. Not in ``to_dict``."""


@dataclass(frozen=True)
class Partial(Event):
    """What a streaming recognizer has heard so far of the utterance under way."""

    kind: ClassVar[str] = "partial"
    text: str = ""


@dataclass(frozen=True)
class Decided(Event):
    kind: ClassVar[str] = "decision"
    decision: str = ""
    """answer, confirm, reject, repeat, slower, stop or none."""
    entry: str | None = None
    """Id of the entry answered or proposed."""
    question: str = ""
    answer: str = ""
    """What the kiosk says back ("" for nothing)."""
    probability: float | None = None
    """How likely the entry is the right answer (None when nothing was matched)."""
    asr_ms: float = 0.0
    """Milliseconds of recognition after the end of speech (0 when it was done ahead)."""
    match_ms: float = 0.0
    """Milliseconds of matching after the end of speech (0 when it was done ahead)."""
    ahead: bool = False
    """True when the question was recognised and matched during the pause that ended it."""
    hearings: tuple[str, ...] = ()
    """The recognizer's other hearings of the question, most likely first."""
    closest: str | None = None
    """Id of the entry the question came closest to, answered or not."""
    runner_up: str | None = None
    """Id of the other entry a did-you-mean is between, or the second closest of a question
    turned away (None when there is none)."""
    offered: tuple[str, ...] = ()
    """Ids of the entries whose questions a reject read out to ask (a file without topics):
    "the first one" or "the other one" picks one."""
    answers_proposal: bool = False
    """The utterance answered the did-you-mean (or the questions a reject read out): a "yes",
    a "no" or "the other one", not a question."""
    leaned: bool = False
    """The question was answered as leaning on the answer before it ("how much is it?")."""


@dataclass(frozen=True)
class ReplyStarted(Event):
    kind: ClassVar[str] = "reply_started"
    text: str = ""
    seconds: float = 0.0
    """Length of the reply audio."""
    tts_ms: float = 0.0
    """Milliseconds to render the reply (0 when it was rendered ahead)."""
    after_speech_ms: float | None = None
    """Milliseconds from the end of the visitor's speech being found to the reply
    starting to play (None for a reply that follows no question)."""
    aloud: bool = True
    """False when nothing says the reply out loud (no sound device, or replies written to
    files): it is only shown."""


@dataclass(frozen=True)
class ReplyFinished(Event):
    kind: ClassVar[str] = "reply_finished"
    interrupted: bool = False
    """Cut short by a spoken "stop" or a trigger press."""
    frames: int = 0
    """Frames handed to the playback device."""
    rate: int = 0
    """Playback rate in Hertz."""


@dataclass(frozen=True)
class TimedOut(Event):
    """Nobody spoke after a press, a lone wake phrase or a did-you-mean."""

    kind: ClassVar[str] = "timeout"


@dataclass(frozen=True)
class Failed(Event):
    kind: ClassVar[str] = "error"
    stage: str = ""
    """microphone, recognizer, dialogue, synthesizer or speaker."""
    message: str = ""
    logged: bool = field(default=False, metadata=_NOT_DATA)
    """Whether the log says it, as a warning (a device's failure, said once until it works
    again): a display need not say it a second time."""


@dataclass(frozen=True)
class WorksAgain(Event):
    """A stage that failed works again (a speaker plugged back in says a reply, a microphone
    delivers again)."""

    kind: ClassVar[str] = "works_again"
    stage: str = ""
    """microphone, recognizer, synthesizer or speaker."""


@dataclass(frozen=True)
class ListenSummary:
    turns: int
    """Answered or rejected questions."""
    replies: int
    """Replies started (answers, did-you-means, rejections, repeats)."""
    errors: int
    seconds: float
    """Audio time listened, in seconds."""


class Stages:
    """Which stages are failing: a failure is logged once per stage until it works again,
    every failure is reported as a ``Failed`` event, and a failing stage that works again
    as a ``WorksAgain`` event."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        self._failing: set[str] = set()
        self.errors = 0
        """Failures reported so far."""

    def fail(self, stage: str, error: BaseException, at: float) -> None:
        self.errors += 1
        message = str(error) or type(error).__name__
        if stage not in self._failing:
            if isinstance(error, DeviceError):
                _LOG.warning("%s: %s", stage, message)
            else:
                # The ``Failed`` event is the line the operator reads; the traceback is for
                # a developer, with ``-v``.
                _LOG.info("%s failed", stage, exc_info=error)
            self._failing.add(stage)
        self._emit(Failed(at, stage, message, logged=isinstance(error, DeviceError)))

    def worked(self, stage: str, at: float) -> None:
        if stage in self._failing:
            self._failing.discard(stage)
            _LOG.info("%s works again", stage)
            self._emit(WorksAgain(at, stage))
