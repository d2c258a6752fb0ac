"""The hands-free kiosk loop: listen, recognise while the visitor speaks, answer aloud.

The pieces are separate and small: a ``Microphone`` yields chunks, an ``Endpointer`` finds
where utterances start and end, the recognizer streams while someone speaks, a ``Dialogue``
decides what to say, the synthesizer renders it and a ``Speaker`` plays it. This module holds
the state machine that strings them together and reports what happens as ``Event``s.

Every time in here is audio time: seconds of captured audio since listening began. A file
fed faster than real time ends utterances and follow-up windows at the same places as a
live microphone.
"""

from __future__ import annotations

import difflib
import enum
import logging
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol, TextIO

from knotvoice.asr import Recognizer, RecognizerStream, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.dialogue import DialogueStep, command_of
from knotvoice.errors import DeviceError
from knotvoice.microphone import Microphone, MicrophoneSettings
from knotvoice.speaker import DeviceSpeaker, Playback, Speaker
from knotvoice.vad import Boundary, Endpointer, VadEvent, VadSettings

_LOG = logging.getLogger(__name__)


# --- settings -------------------------------------------------------------------------------


class TriggerMode(enum.StrEnum):
    VAD = "vad"
    """Always listening: any speech is a question."""
    WAKE = "wake"
    """Only speech that starts with the wake phrase (or follows a reply closely) counts."""
    PUSH = "push"
    """Only speech after a trigger press (a key, a button) counts."""


@dataclass(frozen=True)
class ListenSettings:
    """How the kiosk listens, when it answers and when it stops."""

    mode: TriggerMode = TriggerMode.VAD
    wake_phrase: str = "hey kiosk"
    """Words a question must start with in ``wake`` mode (a trigger press also does)."""
    wake_reply: str = "Yes?"
    """Said when the wake phrase comes alone, inviting the question."""
    follow_up_seconds: float = 8.0
    """After a reply, speech starting within this long needs no wake phrase or press."""
    no_speech_timeout_seconds: float = 8.0
    """After a press, a lone wake phrase or a did-you-mean, how long to wait for speech."""
    max_turns: int | None = None
    """Stop after this many answered or rejected questions (None: run until stopped)."""
    idle_exit_seconds: float | None = None
    """Stop after this much audio in which nobody spoke (None: never)."""
    slow_rate: int = 120
    """Speaking rate in words per minute for "slower, please"."""
    barge_in: bool = True
    """Let a spoken "stop" cut a reply short (a trigger press always can)."""
    barge_in_words: tuple[str, ...] = ("stop", "quiet", "enough", "cancel", "shut")
    """Any of these words heard while the kiosk speaks stops the reply."""
    barge_in_min_level_dbfs: float = -35.0
    """Speech quieter than this (dB full scale) during a reply is taken for the kiosk's own echo."""
    barge_in_max_seconds: float = 2.0
    """Longest stretch recognised while listening for "stop" during a reply."""
    echo_tail_seconds: float = 0.3
    """Audio after the end of a reply still treated as its echo."""
    vad: VadSettings = field(default_factory=VadSettings)
    microphone: MicrophoneSettings = field(default_factory=MicrophoneSettings)
    retry_first_seconds: float = 0.5
    """First wait before re-opening a lost microphone (wall clock; doubles each try)."""
    retry_max_seconds: float = 30.0
    """Longest wait between tries to re-open a lost microphone (wall clock)."""


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something that happened; ``at`` is in seconds of audio time."""

    kind: ClassVar[str] = "event"
    at: float

    def to_dict(self) -> dict[str, Any]:
        """The event as plain data, ``{"event": kind, "at": ..., ...}`` (for JSON lines)."""
        data = {
            name: round(value, 3) if isinstance(value, float) else value
            for name, value in asdict(self).items()
        }
        return {"event": self.kind, **data}


@dataclass(frozen=True)
class Listening(Event):
    kind: ClassVar[str] = "listening"
    mode: str = "vad"
    device: str = ""
    """The capture device, "index 'name'"."""
    rate: int = 0
    """The rate the capture device runs at, in Hertz."""


@dataclass(frozen=True)
class SpeechStarted(Event):
    kind: ClassVar[str] = "speech_started"


@dataclass(frozen=True)
class Heard(Event):
    """A finished utterance; ``at`` is where it ended."""

    kind: ClassVar[str] = "transcript"
    text: str = ""
    start: float = 0.0
    """Where the speech started, in seconds of audio time."""
    accepted: bool = True
    """False when it was ignored (no wake phrase, or heard while the kiosk was speaking)."""


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


@dataclass(frozen=True)
class ReplyStarted(Event):
    kind: ClassVar[str] = "reply_started"
    text: str = ""
    seconds: float = 0.0
    """Length of the reply audio."""


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


@dataclass(frozen=True)
class ListenSummary:
    turns: int
    """Answered or rejected questions."""
    replies: int
    """Replies started (answers, did-you-means, rejections, repeats)."""
    errors: int
    seconds: float
    """Audio time listened, in seconds."""


# --- the pieces the loop is given -----------------------------------------------------------


class Responder(Protocol):
    """What decides the reply to an utterance (``knotvoice.dialogue.Dialogue``)."""

    def respond(self, text: str, alternatives: Sequence[str] = ()) -> DialogueStep: ...


class SpeechStage(Protocol):
    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]: ...


class AudioSource(Protocol):
    """A capture device (``Microphone``): chunks in audio time."""

    def open(self, rescan: bool = False) -> None: ...

    def read(self) -> AudioChunk: ...

    def close(self) -> None: ...


class Trigger(Protocol):
    """A push-to-talk button: a key, a GPIO pin, a test.

    ``poll`` never blocks; it is true once for each press since the previous poll.
    """

    def poll(self) -> bool: ...


class EventTrigger:
    """A trigger pressed by calling ``press()`` from any thread.

    A GPIO button drives it from its callback, e.g. ``button.when_pressed = trigger.press``.
    """

    def __init__(self) -> None:
        self._pressed = threading.Event()

    def press(self) -> None:
        self._pressed.set()

    def poll(self) -> bool:
        if self._pressed.is_set():
            self._pressed.clear()
            return True
        return False


class KeyTrigger(EventTrigger):
    """Each line read from ``stream`` (the Enter key on a terminal) is a press."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream if stream is not None else sys.stdin
        self._thread = threading.Thread(target=self._run, daemon=True, name="knotvoice-keys")
        self._thread.start()

    def _run(self) -> None:
        for _line in self._stream:
            self.press()


# --- the loop -------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def strip_wake_phrase(text: str, wake_phrase: str) -> str | None:
    """The question after the wake phrase ("" if it came alone), or None if it is missing.

    Recognisers spell the phrase loosely ("Hey, Kiosk." / "hey kiosks"), so the first words
    are compared fuzzily.
    """
    wake = _words(wake_phrase)
    if not wake:
        return text.strip()
    heard = text.split()
    for size in (len(wake), len(wake) + 1, len(wake) - 1):
        if size <= 0 or size > len(heard):
            continue
        prefix = _words(" ".join(heard[:size]))
        ratio = difflib.SequenceMatcher(None, " ".join(prefix), " ".join(wake)).ratio()
        if ratio >= 0.75:
            return " ".join(heard[size:]).lstrip(" ,.!?;:").strip()
    return None


class _Stop(Exception):
    """The loop has been asked to end."""


class _Loop:
    def __init__(
        self,
        settings: ListenSettings,
        recognizer: Recognizer,
        responder: Responder,
        synthesizer: SpeechStage,
        events: Callable[[Event], None],
        microphone: AudioSource,
        speaker: Speaker,
        trigger: Trigger | None,
        stop: threading.Event,
        rehear: Callable[[Transcript], Transcript] | None = None,
    ) -> None:
        self.rehear = rehear
        self.settings = settings
        self.recognizer = recognizer
        self.responder = responder
        self.synthesizer = synthesizer
        self.emit = events
        self.microphone = microphone
        self.speaker = speaker
        self.trigger = trigger
        self.stop = stop
        self.endpointer = Endpointer(settings.vad)
        self.now = 0.0
        self.turns = 0
        self.replies = 0
        self.errors = 0
        self.last_speech = 0.0
        self.open_until = -1.0
        """Speech starting before this audio time needs no wake phrase or press."""
        self.awaiting_until: float | None = None
        """When set: a question is expected before this audio time (else a timeout)."""
        self.stream: RecognizerStream | None = None
        self.utterance_start = 0.0
        self.utterance_open = False
        self.failing: set[str] = set()
        self.last_rate: int | None = None
        self.playback: Playback | None = None
        self.rescan = False
        """Look for re-plugged devices at the next quiet moment (the speaker went missing)."""

    # -- plumbing --

    def fail(self, stage: str, error: BaseException) -> None:
        """Report a failure once per stage until that stage works again."""
        self.errors += 1
        message = str(error) or type(error).__name__
        if stage not in self.failing:
            if isinstance(error, DeviceError):
                _LOG.warning("%s: %s", stage, message)
            else:
                _LOG.error("%s failed", stage, exc_info=error)
            self.failing.add(stage)
        self.emit(Failed(self.now, stage, message))

    def worked(self, stage: str) -> None:
        if stage in self.failing:
            self.failing.discard(stage)
            _LOG.info("%s works again", stage)

    def read(self) -> AudioChunk:
        """The next chunk; waits out a lost microphone with back-off."""
        while True:
            if self.stop.is_set():
                raise _Stop
            try:
                chunk = self.microphone.read()
            except DeviceError as error:
                self.fail("microphone", error)
                self.recover()
                continue
            self.now = chunk.timestamp + chunk.seconds
            return chunk

    def silence_speaker(self) -> None:
        """Stop a reply still playing (before PortAudio restarts, or when the loop ends)."""
        playback, self.playback = self.playback, None
        if playback is not None and not playback.done():
            playback.stop()
            playback.wait(timeout=2.0)

    def recover(self) -> None:
        self.silence_speaker()
        self.microphone.close()
        self.endpointer.reset()
        self.stream = None
        self.utterance_open = False
        delay = self.settings.retry_first_seconds
        while True:
            if self.stop.wait(delay):
                raise _Stop
            try:
                self.microphone.open(rescan=True)
            except DeviceError as error:
                _LOG.debug("microphone still unavailable: %s", error)
                delay = min(max(delay * 2, 0.1), self.settings.retry_max_seconds)
                continue
            self.worked("microphone")
            self.emit_listening()
            return

    def reopen(self) -> None:
        """Re-open the microphone after a re-scan, so a re-plugged speaker can be found."""
        self.endpointer.reset()
        try:
            self.microphone.open(rescan=True)
        except DeviceError as error:
            self.fail("microphone", error)
            self.recover()

    def emit_listening(self) -> None:
        device = getattr(self.microphone, "device", None)
        self.emit(
            Listening(
                self.now,
                str(self.settings.mode),
                device.label() if device is not None else "",
                int(getattr(self.microphone, "rate", 0) or 0),
            )
        )

    def done(self) -> bool:
        limit = self.settings.max_turns
        return limit is not None and self.turns >= limit

    # -- listening --

    def run(self) -> None:
        self.emit_listening()
        while not self.done():
            if self.rescan and not self.utterance_open:
                self.rescan = False
                self.reopen()
            chunk = self.read()
            pressed = self.trigger is not None and self.trigger.poll()
            if pressed and self.settings.mode is not TriggerMode.VAD and not self.utterance_open:
                # A press opens the microphone (push) or stands in for the wake phrase (wake).
                self.endpointer.reset()
                self.open_until = self.now + self.settings.no_speech_timeout_seconds
                self.awaiting_until = self.open_until
            for event in self.endpointer.push(chunk):
                self.on_vad(event)
                if self.done():
                    return
            if self.utterance_open or self.endpointer.in_speech:
                self.last_speech = self.now
            if (
                self.awaiting_until is not None
                and not self.utterance_open
                and self.now > self.awaiting_until
            ):
                self.awaiting_until = None
                self.emit(TimedOut(self.now))
            idle = self.settings.idle_exit_seconds
            if idle is not None and self.now - self.last_speech >= idle:
                _LOG.info("nobody spoke for %.1f s of audio; stopping", idle)
                return

    def on_vad(self, event: VadEvent) -> None:
        if event.kind is Boundary.START:
            open_ = event.at <= self.open_until
            if self.settings.mode is TriggerMode.PUSH and not open_:
                return
            self.utterance_open = True
            self.utterance_start = event.at
            self.emit(SpeechStarted(event.at))
            try:
                self.stream = self.recognizer.stream()
                for frame in event.frames:
                    self.stream.accept(frame)
            except Exception as error:
                self.stream = None
                self.fail("recognizer", error)
            return
        if not self.utterance_open:
            return
        if event.kind is Boundary.SPEECH:
            if self.stream is not None:
                try:
                    for frame in event.frames:
                        self.stream.accept(frame)
                except Exception as error:
                    self.stream = None
                    self.fail("recognizer", error)
            return
        self.utterance_open = False
        stream, self.stream = self.stream, None
        if stream is None:
            return
        try:
            transcript = stream.finish()
        except Exception as error:
            self.fail("recognizer", error)
            return
        self.worked("recognizer")
        self.on_utterance(transcript, self.utterance_start, event.at)

    def question_of(self, text: str, follow_up: bool) -> str | None:
        """The question in an utterance: after the wake phrase in wake mode (unless it follows
        a reply), None when the wake phrase is missing."""
        if self.settings.mode is not TriggerMode.WAKE:
            return text
        question = strip_wake_phrase(text, self.settings.wake_phrase)
        if question is None and follow_up:
            return text
        return question

    def heard_question(
        self, transcript: Transcript, follow_up: bool
    ) -> tuple[Transcript, str | None]:
        """The transcript a question is answered from, and the question in it: heard again
        when it cannot be answered as heard. A follow-up ("repeat it", "yes") is no question
        and is never read as one; a reading that loses the wake phrase is not taken."""
        question = self.question_of(transcript.text.strip(), follow_up)
        if self.rehear is None or not question or command_of(question) is not None:
            return transcript, question
        try:
            again = self.rehear(transcript)
        except Exception as error:  # the question is still answered as first heard
            _LOG.warning("hearing %r again failed: %s", transcript.text, error)
            return transcript, question
        again_question = self.question_of(again.text.strip(), follow_up)
        return (again, again_question) if again_question else (transcript, question)

    def on_utterance(self, transcript: Transcript, start: float, end: float) -> None:
        follow_up = start <= self.open_until
        transcript, question = self.heard_question(transcript, follow_up)
        text = transcript.text.strip()
        accepted = bool(text) and question is not None
        self.emit(Heard(end, text, start, accepted))
        if question is None or not text:
            return
        self.awaiting_until = None
        if not question:
            # The wake phrase alone: invite the question.
            self.speak(self.settings.wake_reply, None, counts=False)
            self.awaiting_until = self.open_until
            return
        alternatives = transcript.alternatives
        if question != text:
            stripped = (
                strip_wake_phrase(other, self.settings.wake_phrase) for other in alternatives
            )
            alternatives = tuple(other for other in stripped if other)
        try:
            step = self.responder.respond(question, alternatives)
        except Exception as error:
            self.fail("dialogue", error)
            return
        entry = step.entry.id if step.entry is not None else None
        self.emit(Decided(end, step.action, entry, question, step.reply))
        if step.action in ("stop", "none") or not step.reply:
            return
        rate = self.settings.slow_rate if step.action == "slower" else None
        if step.action == "repeat":
            rate = self.last_rate
        self.speak(step.reply, rate, counts=step.action in ("answer", "reject"))
        if step.action == "confirm":
            self.awaiting_until = self.open_until

    # -- speaking --

    def speak(self, text: str, rate: int | None, counts: bool) -> None:
        try:
            audio = (
                self.synthesizer.synthesize(text, rate)
                if rate
                else self.synthesizer.synthesize(text)
            )
        except Exception as error:
            self.fail("synthesizer", error)
            self.spoken(counts)
            return
        self.worked("synthesizer")
        self.last_rate = rate
        seconds = sum(chunk.seconds for chunk in audio)
        try:
            playback = self.speaker.play(audio)
        except Exception as error:
            self.fail("speaker", error)
            self.rescan = isinstance(error, DeviceError)
            self.spoken(counts)
            return
        self.replies += 1
        self.playback = playback
        self.emit(ReplyStarted(self.now, text, seconds))
        interrupted = self.hear_while_speaking(playback, self.now + seconds)
        if not playback.wait(timeout=seconds + 10.0):
            _LOG.warning("playback did not end in time; stopping it")
            playback.stop()
            playback.wait(timeout=2.0)
        self.playback = None
        if playback.error is not None:
            self.fail("speaker", playback.error)
            self.rescan = True
        else:
            self.worked("speaker")
        self.emit(
            ReplyFinished(
                self.now, interrupted or playback.interrupted, playback.frames, playback.rate
            )
        )
        self.endpointer.reset()
        self.spoken(counts)

    def spoken(self, counts: bool) -> None:
        """A reply is over (or could not be given): count the turn, open the follow-up."""
        if counts:
            self.turns += 1
        self.open_until = self.now + self.settings.follow_up_seconds
        self.last_speech = self.now

    def hear_while_speaking(self, playback: Playback, reply_end: float) -> bool:
        """Read the microphone while the reply plays; True if a "stop" or a press cut it.

        What the microphone hears now is mostly the kiosk itself, so it is never taken as a
        question. Loud speech is recognised briefly to catch "stop".
        """
        settings = self.settings
        listener = Endpointer(
            VadSettings(
                aggressiveness=3,
                min_level_dbfs=settings.barge_in_min_level_dbfs,
                end_silence_seconds=0.3,
                max_utterance_seconds=settings.barge_in_max_seconds,
                preroll_seconds=0.2,
            )
        )
        stream: RecognizerStream | None = None
        started = 0.0
        window_end = reply_end + settings.echo_tail_seconds
        while self.now < window_end:
            chunk = self.read()
            if self.trigger is not None and self.trigger.poll():
                playback.stop()
                return True
            if not settings.barge_in:
                continue
            for event in listener.push(chunk):
                try:
                    if event.kind is Boundary.START:
                        started = event.at
                        stream = self.recognizer.stream()
                    if stream is None:
                        continue
                    for frame in event.frames:
                        stream.accept(frame)
                    if event.kind is not Boundary.END:
                        continue
                    heard, stream = stream, None
                    text = heard.finish().text
                except Exception as error:
                    stream = None
                    self.fail("recognizer", error)
                    continue
                self.emit(Heard(event.at, text, started, False))
                if set(_words(text)) & set(settings.barge_in_words):
                    playback.stop()
                    return True
        return False


def listen(
    settings: ListenSettings,
    recognizer: Recognizer,
    responder: Responder,
    synthesizer: SpeechStage,
    events: Callable[[Event], None],
    *,
    microphone: AudioSource | None = None,
    speaker: Speaker | None = None,
    trigger: Trigger | None = None,
    stop: threading.Event | None = None,
    rehear: Callable[[Transcript], Transcript] | None = None,
) -> ListenSummary:
    """Run the kiosk loop until ``max_turns``, ``idle_exit_seconds`` or ``stop`` is set.

    ``responder`` is a ``Dialogue``; ``microphone`` defaults to a ``Microphone`` built from
    ``settings.microphone`` and ``speaker`` to a ``DeviceSpeaker`` on the default output
    device. Raises ``DeviceError`` when the microphone cannot be opened at the start; a
    microphone lost later is re-opened with back-off, and a failing stage costs one turn.
    ``rehear`` may replace a transcript that cannot be answered by a better reading of it
    (``knotvoice.rehear.rehearing``).
    """
    source = microphone if microphone is not None else Microphone(settings.microphone)
    loop = _Loop(
        settings,
        recognizer,
        responder,
        synthesizer,
        events,
        source,
        speaker if speaker is not None else DeviceSpeaker(),
        trigger,
        stop if stop is not None else threading.Event(),
        rehear,
    )
    source.open()
    try:
        loop.run()
    except _Stop:
        pass
    finally:
        loop.silence_speaker()
        source.close()
    return ListenSummary(loop.turns, loop.replies, loop.errors, loop.now)


__all__: Sequence[str] = (
    "AudioSource",
    "Decided",
    "Event",
    "EventTrigger",
    "Failed",
    "Heard",
    "KeyTrigger",
    "ListenSettings",
    "ListenSummary",
    "Listening",
    "ReplyFinished",
    "ReplyStarted",
    "Responder",
    "SpeechStage",
    "SpeechStarted",
    "TimedOut",
    "Trigger",
    "TriggerMode",
    "listen",
    "strip_wake_phrase",
)
