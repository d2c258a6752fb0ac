"""The hands-free kiosk loop: listen, recognise while the visitor speaks, answer aloud.

The pieces are separate and small: ``Capture`` reads the microphone and waits out a lost
device, an ``Endpointer`` finds where utterances start and end, the recognizer streams
while someone speaks, the trigger decides which speech is a question, the ``Dialogue``
decides what to do about it, the synthesizer renders the reply, a ``Speaker`` plays it and
``BargeIn`` listens for "stop" meanwhile. An ``Inbox`` brings what the kiosk's screen
sends: a typed question or a tapped choice, answered like a spoken one, and a stop. This
module holds only the state machine that strings them together; what happens is reported as
``Event``s.

Every time in here is audio time: seconds of captured audio since listening began. A file
fed faster than real time ends utterances and follow-up windows at the same places as a
live microphone.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Protocol

from knotvoice.asr import Recognizer, RecognizerStream, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.errors import DeviceError
from knotvoice.kiosk.ahead import (
    SETTLE_AFTER,
    WORK_AHEAD_AFTER,
    WORK_AHEAD_TIMEOUT,
    Ahead,
    Worked,
)
from knotvoice.kiosk.barge_in import Answer, BargeIn
from knotvoice.kiosk.capture import AudioSource, Capture, Stopped
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Heard,
    Listening,
    ListenSummary,
    Partial,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
    Stages,
    TimedOut,
)
from knotvoice.kiosk.inbox import Choose, Inbox, Stop, interrupting
from knotvoice.kiosk.microphone import Microphone
from knotvoice.kiosk.speaker import DeviceSpeaker, Finished, Playback, Speaker
from knotvoice.kiosk.triggers import Trigger, question_in
from knotvoice.kiosk.vad import Boundary, Endpointer, VadEvent
from knotvoice.lang import english, words
from knotvoice.match import Decision
from knotvoice.settings import SLOWEST_RATE, ListenSettings, TriggerMode
from knotvoice.speech.reply import reply_text
from knotvoice.turn import (
    MISHEARD_ANSWER_WORDS,
    NEXT_VISITOR_SECONDS,
    Action,
    Turn,
    Understood,
    as_text,
    command_of,
    picks,
    tapped,
    typed,
)

__all__ = ["Responder", "SpeechStage", "listen"]

_LOG = logging.getLogger(__name__)

ECHO_PASSES_AT_MOST = 2.0
"""Seconds of audio let pass unheard after a reply is cut short, however far behind the
kiosk is: a visitor's next question may follow."""

PARTIAL_EVERY = 0.25
"""Seconds of audio between looks at what a streaming recognizer has heard so far."""
STOP_CHECK_SECONDS = 0.1
"""Wall-clock seconds between looks for a stop while a reply renders."""
SLOWER_AGAIN = 0.8
"""A "slower" after a reply already slow speaks at this share of its rate."""


def _aloud(playback: Playback) -> bool:
    """Whether a reply is said: played on a device that has not failed. One only shown or
    written to a file is over as it starts; one on a fast device (a file) may be over before
    it is looked at, and was said all the same."""
    return not isinstance(playback, Finished) and playback.error is None


def _between(turn: Turn) -> bool:
    """Whether the screen is told of the turn's second closest entry: the other one of a
    did-you-mean, and the second topic a reject names (a "no" to a did-you-mean, turned
    away in other words, names none)."""
    if turn.action is Action.CONFIRM:
        return True
    return (
        turn.action is Action.REJECT
        and turn.match is not None
        and turn.match.decision is Decision.REJECT
    )


class Responder(Protocol):
    """What decides what to do about an utterance (``knotvoice.turn.Dialogue``)."""

    def understand(self, transcript: Transcript) -> Understood | None: ...

    def reset(self) -> None: ...

    def respond(
        self,
        transcript: Transcript,
        understood: Understood | None = None,
        follow_up: bool = True,
        *,
        after_reply: bool = True,
    ) -> Turn: ...


class SpeechStage(Protocol):
    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]: ...


@dataclass(frozen=True)
class _Waited:
    """A question worked out at a pause found unsure, waited on for the visitor to go on."""

    worked: Worked
    heard: int
    """How many chunks of the utterance it heard."""
    clock: float
    """When the pause reached ``end_silence`` (monotonic seconds): the end of speech, if
    nothing more is said."""

    def covers(self, voiced: int) -> bool:
        """True when nothing was said since (the utterance's first ``voiced`` chunks hold
        all its speech so far)."""
        return self.heard >= voiced


class _Kiosk:
    """The state machine: idle, in an utterance, speaking; and the windows after a reply."""

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
        alive: Callable[[], None] | None = None,
        inbox: Inbox | None = None,
    ) -> None:
        self.settings = settings
        self.recognizer = recognizer
        self.responder = responder
        self.synthesizer = synthesizer
        self.emit = events
        self.speaker = speaker
        self.trigger = trigger
        self.inbox = inbox
        self.stop = stop
        self.stages = Stages(events)
        self.capture = Capture(microphone, settings, stop, self.on_lost, self.on_back, alive)
        self.barge_in = BargeIn(
            settings,
            recognizer.spotter(english().barge_in),
            interrupting(trigger, inbox),
            events,
            self.fail,
            recognizer,
        )
        self.ahead = Ahead(recognizer.transcribe, self.understand_ahead)
        self.endpointer = Endpointer(settings.vad, self.unsure_so_far)
        self.utterance: list[AudioChunk] = []
        """The audio of the utterance under way: what the recognizer was given, and what a
        streaming one that settled at a pause has not been given (``settled``)."""
        self.voiced = 0
        """How many chunks of ``utterance`` reach its last one that held speech."""
        self.settled: int | None = None
        """How many chunks of ``utterance`` a streaming recognizer had heard when it settled
        at a pause; the chunks after them wait, unheard, for speech to go on. None when it has
        not settled."""
        self.speech_end_clock = 0.0
        """When the end of the last question was found (monotonic seconds: a clock set
        meanwhile, as NTP does after a boot, is no latency)."""
        self.turns = 0
        self.proposal_counted = False
        """The question whose did-you-mean is under way was counted as a turn when no
        answer came to it in time (until another question comes)."""
        self.replies = 0
        self.last_speech = 0.0
        self.open_until = -1.0
        """Speech starting before this audio time needs no wake phrase or press."""
        self.replied = 0.0
        """When the last reply was over (audio time)."""
        self.awaiting_until: float | None = None
        """When set: a question is expected before this audio time (else a timeout)."""
        self.proposed_until = -1.0
        """A "yes" or "no" starting before this audio time answers the did-you-mean just asked;
        one starting later does not (the visitor left; the next one says "okay" to begin)."""
        self.offered_until = -1.0
        """A pick ("the first one", "the other one") starting before this audio time answers
        the questions a reject just read out, with no trigger; any other speech needs one."""
        self.stream: RecognizerStream | None = None
        self.utterance_start = 0.0
        self.utterance_open = False
        self.partial = ""
        """What a streaming recognizer had heard of the utterance at the last look."""
        self.partial_due = 0.0
        self.last_rate: int | None = None
        self.playback: Playback | None = None
        self.echo_until = 0.0
        """Audio time until which what the microphone hears is the echo of a reply cut short."""
        self.answered: Answer | None = None
        """What the visitor said over the last reply that cut it short, to be answered next: a
        "say that again" or "slower", or the answer to the did-you-mean (or to the questions
        read out) said before the kiosk had finished asking it."""
        self.carried: collections.deque[AudioChunk] = collections.deque()
        """The start of a question begun over the last reply (``BargeIn.carried``), read
        before the microphone."""
        self.rescan = False
        """Look for re-plugged devices at the next quiet moment (the speaker went missing)."""
        self.waited: _Waited | None = None
        """The question worked out at the last pause of the utterance under way, kept for the
        end of speech while the visitor is waited for (``unsure_so_far``)."""

    def understand_ahead(self, transcript: Transcript) -> Understood | None:
        """The question worked out ahead (at a pause), and a reply that is not an answer (a
        did-you-mean, a reject naming the nearest topics) rendered while the pause may still
        become the end: answers are rendered at start, these only once known. With a wake
        phrase, what follows it is worked out."""
        settings = self.settings
        after_phrase = question_in(transcript, settings.mode, settings.wake_phrase, False)
        if after_phrase is not None and after_phrase.text:
            transcript = after_phrase
        understood = self.responder.understand(transcript)
        expect = getattr(self.synthesizer, "expect", None)
        if understood is not None and understood.match.decision is not Decision.ANSWER and expect:
            expect([reply_text(understood.match, understood.knowledge, understood.transcript.text)])
        return understood

    @property
    def now(self) -> float:
        return self.capture.now

    def fail(self, stage: str, error: BaseException) -> None:
        self.stages.fail(stage, error, self.now)

    def worked(self, stage: str) -> None:
        self.stages.worked(stage, self.now)

    # -- the microphone --

    def on_lost(self, error: DeviceError) -> None:
        """The microphone failed: drop the utterance and any reply, then wait for it."""
        self.fail("microphone", error)
        self.silence_speaker()
        self.endpointer.reset()
        self.stream = None
        self.utterance_open = False
        self.waited = None

    def on_back(self) -> None:
        self.worked("microphone")
        self.emit_listening()

    def silence_speaker(self) -> None:
        """Stop a reply still playing (before PortAudio restarts, or when the loop ends)."""
        playback, self.playback = self.playback, None
        if playback is not None and not playback.done():
            playback.stop()
            playback.wait(timeout=2.0)

    def emit_listening(self) -> None:
        source = self.capture.source
        device = getattr(source, "device", None)
        self.emit(
            Listening(
                self.now,
                str(self.settings.mode),
                device.label() if device is not None else "",
                int(getattr(source, "rate", 0) or 0),
                self.recognizer.name,
            )
        )

    def done(self) -> bool:
        """Whether ``max_turns`` questions have been answered, and nothing said over the last
        reply waits to be answered (a "say that again" over the last answer is no question:
        it is said again before the kiosk stops)."""
        limit = self.settings.max_turns
        return limit is not None and self.turns >= limit and self.answered is None

    # -- listening --

    def run(self) -> None:
        self.emit_listening()
        while not self.done():
            if self.answered is not None:
                self.answer_early()
                continue
            if self.rescan and not self.utterance_open:
                self.rescan = False
                self.endpointer.reset()
                self.capture.rescan()
            # A question begun over the reply's last words is heard from its start.
            chunk = self.carried.popleft() if self.carried else self.capture.read()
            if self.inbox is not None and not self.utterance_open and self.take_inbox():
                continue
            try:
                pressed = self.trigger is not None and self.trigger.poll()
            except DeviceError:
                # no press can come again: the question under way is answered first
                if self.utterance_open or self.now < self.open_until or self.answered:
                    pressed = False
                else:
                    raise
            if pressed and self.settings.mode is not TriggerMode.VAD and not self.utterance_open:
                # A press opens the microphone (push) or stands in for the wake phrase (wake).
                self.endpointer.reset()
                self.open_until = self.now + self.settings.no_speech_timeout_seconds
                self.awaiting_until = self.open_until
            for event in self.endpointer.push(chunk):
                self.on_vad(event)
                if self.done():
                    return
            if self.utterance_open:
                self.work_ahead()
                self.show_partial()
            if self.utterance_open or self.endpointer.in_speech:
                self.last_speech = self.now
            if (
                self.awaiting_until is not None
                and not self.utterance_open
                and self.now > self.awaiting_until
            ):
                self.awaiting_until = None
                self.emit(TimedOut(self.now))
                if self.proposed_until >= 0.0 and not self.proposal_counted:
                    # a did-you-mean no one answered: its question's turn is over (with
                    # --max-turns 1 the kiosk waited on for ever)
                    self.turns += 1
                    self.proposal_counted = True
            idle = self.settings.idle_exit_seconds
            if idle is not None and self.now - self.last_speech >= idle:
                _LOG.info("nobody spoke for %.1f s of audio; stopping", idle)
                return

    def on_vad(self, event: VadEvent) -> None:
        if event.kind is Boundary.START:
            if self.settings.mode is TriggerMode.PUSH and event.at > max(
                self.open_until, self.offered_until
            ):
                return
            self.utterance_open = True
            self.utterance_start = event.at
            self.utterance, self.voiced, self.settled = [], 0, None
            self.waited = None
            self.partial, self.partial_due = "", event.at + PARTIAL_EVERY
            self.ahead.drop()
            self.emit(SpeechStarted(event.at, self.endpointer.background_dbfs))
            self.stream = None
            try:
                # Soon after a did-you-mean, the answer to it is likely.
                proposed = event.at <= self.proposed_until
                self.recognizer.expect(english().answer_prompt if proposed else "")
                self.stream = self.recognizer.stream()
                self.feed(event)
            except Exception as error:
                self.stream = None
                self.fail("recognizer", error)
            return
        if not self.utterance_open:
            return
        if event.kind is Boundary.SPEECH:
            self.feed(event)
            return
        self.utterance_open = False
        waited = (
            self.waited if self.waited is not None and self.waited.covers(self.voiced) else None
        )
        self.waited = None
        self.speech_end_clock = waited.clock if waited is not None else time.monotonic()
        behind = self.capture.behind
        stream, self.stream = self.stream, None
        if stream is None:
            return
        worked = None
        if waited is not None and not self.recognizer.streaming:
            worked = waited.worked
        elif not self.recognizer.streaming and self.ahead.covers(self.voiced):
            worked = self.ahead.result(timeout=WORK_AHEAD_TIMEOUT)
        if worked is not None:
            transcript, understood, asr_ms = worked.transcript, worked.understood, 0.0
        else:
            began = time.perf_counter()
            try:
                transcript = stream.finish()
            except Exception as error:
                self.ahead.drop()
                self.fail("recognizer", error)
                return
            asr_ms = (time.perf_counter() - began) * 1000.0
            understood = self.matched_ahead(transcript, waited.worked if waited else None)
        self.worked("recognizer")
        self.on_utterance(
            transcript,
            self.utterance_start,
            event.at,
            understood,
            asr_ms,
            ended=str(event.reason or ""),
            behind=behind,
        )

    def feed(self, event: VadEvent) -> None:
        if self.stream is not None:
            self.utterance.extend(event.frames)
            if self.settled is None:
                self.hear(event.frames)

    def hear_held(self) -> None:
        """Speech went on after a streaming recognizer settled: it hears what it was not
        given, and goes on as a new segment."""
        if self.settled is None:
            return
        held, self.settled = self.utterance[self.settled :], None
        self.hear(held)

    def hear(self, frames: Sequence[AudioChunk]) -> None:
        """Give ``frames`` to the recognizer; one that fails loses the utterance."""
        if self.stream is None:
            return
        try:
            for frame in frames:
                self.stream.accept(frame)
        except Exception as error:
            self.stream = None
            self.fail("recognizer", error)

    def work_ahead(self) -> None:
        """At a pause, start recognising and matching what was said so far (a streaming
        recognizer has heard it: once the pause is long enough it settles, and what it
        heard is matched)."""
        silence = self.endpointer.trailing_silence
        if silence == 0.0:
            self.voiced = len(self.utterance)
            self.hear_held()
            if not self.ahead.covers(self.voiced):
                self.ahead.drop()  # the visitor spoke on: it stops at its next pass
        elif silence < WORK_AHEAD_AFTER or (self.waited and self.waited.covers(self.voiced)):
            return  # not yet a pause, or worked out and found unsure: the visitor is waited for
        elif not self.recognizer.streaming:
            if not self.ahead.covers(self.voiced):
                self.ahead.start(self.utterance)
        elif silence >= SETTLE_AFTER and self.stream is not None and self.settled is None:
            # What it has heard is finished now, not after the end of speech: the rest of
            # the pause is held back, so the final transcript is this text unless speech
            # goes on.
            try:
                text = self.stream.settle().strip()
            except Exception:  # the final transcript will be matched
                _LOG.debug("the recognizer could not settle at a pause", exc_info=True)
                return
            self.settled = len(self.utterance)
            if text:
                self.ahead.start_heard(Transcript(text, engine=self.recognizer.name), self.voiced)

    def matched_ahead(
        self, transcript: Transcript, waited: Worked | None = None
    ) -> Understood | None:
        """The question a streaming recognizer heard, matched ahead from its text so far (or
        at the pause waited on, ``waited``), when the final ``transcript`` says just that;
        else None."""
        if waited is not None:
            self.ahead.drop()
            return waited.understood_as(transcript) if waited.same_as(transcript) else None
        if not self.ahead.covers(self.voiced):
            self.ahead.drop()
            return None
        worked = self.ahead.result_for(transcript, timeout=WORK_AHEAD_TIMEOUT)
        return worked.understood_as(transcript) if worked is not None else None

    def unsure_so_far(self) -> bool:
        """Asked by the endpointer when a pause would end the question: True when what was
        said so far is a question that would not be answered (a did-you-mean or a turn
        away), one whose words show it is not over (``Language.unfinished``: "Can I buy
        a..."), or the wake phrase alone, so the visitor, who may be hesitating, is given
        longer to go on. What was worked out is kept for the end of speech (``waited``)."""
        self.waited = None
        if not self.utterance_open or self.stream is None:
            return False
        try:
            return self.found_unsure()
        except Exception:  # the question ends here, as if sure
            _LOG.warning("could not tell whether to wait for more of a question", exc_info=True)
            self.waited = None
            return False

    def found_unsure(self) -> bool:
        """``unsure_so_far``'s work."""
        clock = time.monotonic()
        if self.recognizer.streaming:
            covered = self.ahead.heard is not None and self.ahead.covers(self.voiced)
        else:
            covered = self.ahead.covers(self.voiced)
        if not covered:
            return False
        worked = self.ahead.result(timeout=WORK_AHEAD_TIMEOUT)
        if worked is None:
            return False
        self.waited = _Waited(worked, self.voiced, clock)
        heard = worked.transcript
        question = self.question_of(heard, self.utterance_start)
        if question is None:
            return False  # no question for the kiosk (talk in the room, with no wake phrase)
        if not question.text:
            # The wake phrase alone: the question may follow. Nothing heard: a cough.
            return bool(heard.text.strip())
        if len(words(heard.text)) <= MISHEARD_ANSWER_WORDS and any(
            command_of(other) is not None for other in heard.alternatives
        ):
            return False  # a follow-up command misheard ("U.S." for "yes"), as turn.py has it
        understood = worked.understood
        if understood is None:
            return False  # a follow-up command
        # A question answered outright may still be half said ("Can I bring my..."): the
        # first half of a question often matches an entry with confidence.
        return understood.match.decision is not Decision.ANSWER or english().unfinished(
            question.text
        )

    def show_partial(self) -> None:
        """Report what a streaming recognizer has heard so far, when it changed."""
        if self.stream is None or not self.recognizer.streaming or self.now < self.partial_due:
            return
        self.partial_due = self.now + PARTIAL_EVERY
        try:
            text = self.stream.partial().strip()
        except Exception:  # the final transcript will tell
            _LOG.debug("no partial transcript", exc_info=True)
            return
        if text and text != self.partial:
            self.partial = text
            self.emit(Partial(self.now, text))

    def take_inbox(self) -> bool:
        """Answer what the screen sent: a typed question or a tapped choice, like a spoken
        question but with no trigger needed. True when something was answered. A stop with
        no reply playing has nothing to cut; a failing item costs that item only."""
        assert self.inbox is not None
        item = self.inbox.take()
        if item is None or isinstance(item, Stop):
            return False
        try:
            text = " ".join(as_text(item.text).split())
            self.speech_end_clock = time.monotonic()
            self.awaiting_until = None
            tapped_choice = str(item.choice) if isinstance(item, Choose) else ""
            self.emit(Heard(self.now, text, self.now, True, typed=True, tapped=tapped_choice))
            self.answer(tapped(text) if tapped_choice else typed(text), self.now)
        except Stopped:
            raise
        except Exception as error:
            self.fail("screen", error)
        return True

    def answer_early(self) -> None:
        """Answer what the visitor said over the last reply, which cut it short (a "say that
        again" before the answer was over, a "yes" before the did-you-mean was), as if said
        right after it."""
        assert self.answered is not None
        answered, self.answered = self.answered, None
        self.utterance = list(answered.frames)
        self.speech_end_clock = answered.found
        self.on_utterance(
            answered.transcript,
            answered.start,
            answered.end,
            asr_ms=answered.asr_ms,
            ended=answered.ended,
            behind=answered.behind,
        )

    def on_utterance(
        self,
        transcript: Transcript,
        start: float,
        end: float,
        understood: Understood | None = None,
        asr_ms: float = 0.0,
        *,
        ended: str = "",
        behind: float = 0.0,
    ) -> None:
        question = self.question_of(transcript, start)
        worked_on = understood.transcript.text if understood is not None else None
        if question is None or question.text not in (transcript.text.strip(), worked_on):
            understood = None  # worked out with the wake phrase in it
        text = transcript.text.strip()
        accepted = bool(text) and question is not None
        self.emit(
            Heard(
                end,
                text,
                start,
                accepted,
                ended=ended,
                behind_ms=round(behind * 1000.0, 1),
                audio=tuple(self.utterance),
            )
        )
        if question is None or not text:
            return
        self.awaiting_until = None
        if not question.text:
            # The wake phrase alone: invite the question.
            self.speak(english().replies.wake_reply, None, counts=False, answers=False)
            self.wait_for_speech()
            return
        self.answer(question, end, understood, asr_ms, start=start)

    def question_of(self, transcript: Transcript, start: float) -> Transcript | None:
        """The question an utterance begun at ``start`` asks the kiosk (``question_in``);
        None when it asks none (no trigger, and no follow-up or pick that needs none)."""
        follow_up = start <= self.open_until
        # A pick of the questions a reject read out needs no trigger; other speech does.
        picking = start <= self.offered_until and picks(transcript)
        question = question_in(
            transcript, self.settings.mode, self.settings.wake_phrase, follow_up or picking
        )
        if self.settings.mode is TriggerMode.PUSH and not (follow_up or picking):
            return None  # begun in the window for a pick, and no pick
        return question

    def answer(
        self,
        question: Transcript,
        end: float,
        understood: Understood | None = None,
        asr_ms: float = 0.0,
        *,
        start: float | None = None,
    ) -> None:
        """Decide what to do about a question, say so, and say the reply. ``start`` is when
        a spoken question began (None for one typed or tapped on the screen, which shows the
        did-you-mean's choices until they are answered)."""
        ahead = understood is not None
        if (start if start is not None else self.now) > self.replied + NEXT_VISITOR_SECONDS:
            # The next visitor: "pardon?" is no request to hear the last one's answer.
            self.responder.reset()
        follow_up = start is None or start <= max(self.proposed_until, self.offered_until)
        after_reply = start is None or start <= self.open_until
        try:
            turn = self.responder.respond(question, understood, follow_up, after_reply=after_reply)
        except Exception as error:
            self.fail("dialogue", error)
            return
        # worked out ahead, unless matched again after (a question leaning on the answer)
        ahead = understood is not None and turn.match is understood.match
        entry = turn.entry.id if turn.entry is not None else None
        other = turn.match.runner_up if turn.match is not None else None
        self.emit(
            Decided(
                end,
                str(turn.action),
                entry,
                turn.transcript.text,
                turn.reply,
                turn.match.probability if turn.match is not None else None,
                round(asr_ms, 1),
                0.0 if ahead else round(turn.match_ms, 1),
                ahead,
                turn.transcript.alternatives,
                best.entry.id if (best := turn.match and turn.match.best) else None,
                other.entry.id if other is not None and _between(turn) else None,
                tuple(entry.id for entry in turn.offered),
                answers_proposal=turn.answers_proposal,
                leaned=turn.leaned,
            )
        )
        if turn.action in (Action.STOP, Action.NONE) or not turn.reply:
            return
        rate = self.settings.slow_rate if turn.action is Action.SLOWER else None
        if rate is not None and self.last_rate is not None and self.last_rate <= rate:
            # Slower again: slower still, down to the slowest rate.
            rate = max(round(self.last_rate * SLOWER_AGAIN), min(SLOWEST_RATE, self.last_rate))
        if turn.action is Action.REPEAT:
            rate = self.last_rate
        # The did-you-mean said again (the last question asked one) is asked anew, and so
        # are the questions a reject read out.
        again = turn.action in (Action.REPEAT, Action.SLOWER)
        proposes = turn.action is Action.CONFIRM or (again and self.proposed_until >= 0.0)
        offers = not proposes and (bool(turn.offered) or (again and self.offered_until >= 0.0))
        asks = english().answer_prompt if proposes else "" if offers else None
        if turn.action in (Action.ANSWER, Action.REJECT, Action.CONFIRM) and not (
            turn.answers_proposal
        ):
            self.proposal_counted = False  # a new question
        # a did-you-mean answered after it timed out was counted then: once a question
        counts = turn.action in (Action.ANSWER, Action.REJECT) and not self.proposal_counted
        self.speak(turn.reply, rate, counts=counts, asks=asks)
        if proposes:
            self.wait_for_speech()
            self.proposed_until, self.offered_until = self.open_until, -1.0
        elif offers:
            # "The first one" may follow with no trigger, as after a did-you-mean; but a
            # question still needs one, and none following is no timeout.
            waited = self.now + self.settings.no_speech_timeout_seconds
            self.proposed_until, self.offered_until = -1.0, max(self.open_until, waited)
        elif turn.action in (Action.ANSWER, Action.REJECT):
            self.proposed_until = self.offered_until = -1.0

    def wait_for_speech(self) -> None:
        """The kiosk asked something ("Yes?", "Did you mean ...?"): the answer needs no
        trigger for ``no_speech_timeout_seconds`` (or the follow-up window, if longer), and
        none coming is a timeout. ``--follow-up 0`` closes the window after an answer only."""
        waited = self.now + self.settings.no_speech_timeout_seconds
        self.open_until = max(self.open_until, waited)
        self.awaiting_until = self.open_until

    # -- speaking --

    def speak(
        self,
        text: str,
        rate: int | None,
        counts: bool,
        answers: bool = True,
        *,
        asks: str | None = None,
    ) -> None:
        """Say ``text``, listening meanwhile for "stop", and for "say that again" or "slower"
        (``answered``) when it is a reply the dialogue says again (``answers``: not the "Yes?"
        to the wake phrase alone). ``asks`` is set when the reply asks the visitor to pick (a
        did-you-mean, questions read out): their answer said over it is taken too, heard as
        likely one of ``asks`` ("Yes. No.", or "" when nothing in particular is expected)."""
        began = time.perf_counter()
        try:
            audio = self.render(text, rate)
        except Stopped:
            raise
        except Exception as error:
            self.fail("synthesizer", error)
            self.spoken(counts)
            return
        self.worked("synthesizer")
        self.last_rate = rate
        seconds = sum(chunk.seconds for chunk in audio)
        playback = self.play(audio)
        if playback is None:
            self.spoken(counts)
            return
        self.replies += 1
        tts_ms = (time.perf_counter() - began) * 1000.0
        waited = (time.monotonic() - self.speech_end_clock) * 1000.0 if answers else None
        # A playback over as soon as it starts (no sound device, a wav file) says nothing. One
        # that failed as it started has its failure told first, so the turn's line says it (it
        # was logged as answered, and the status said there was no sound device).
        broke = playback.error if playback.done() else None
        if broke is not None:
            self.fail("speaker", broke)
        self.emit(
            ReplyStarted(self.now, text, seconds, round(tts_ms, 1), waited, aloud=_aloud(playback))
        )
        said = text if answers else ""
        interrupted = self.hear_over(playback, audio, seconds, said, asks, text)
        if playback.error is not None:
            # Told once for the reply, however its second try goes.
            if broke is None:
                self.fail("speaker", playback.error)
            again = None if interrupted else self.play_again(audio)
            if again is not None:
                self.finished(playback, interrupted)
                playback = again
                self.emit(ReplyStarted(self.now, text, seconds, aloud=_aloud(again)))
                interrupted = self.hear_over(playback, audio, seconds, said, asks, text)
                if playback.error is not None:
                    _LOG.info("speaker: the reply broke off again (%s)", playback.error)
        if playback.error is not None:
            self.rescan = True
        else:
            self.worked("speaker")
        self.finished(playback, interrupted)
        self.let_echo_pass()
        self.endpointer.reset()
        self.spoken(counts)

    def hear_over(
        self,
        playback: Playback,
        audio: list[AudioChunk],
        seconds: float,
        said: str,
        asks: str | None,
        text: str,
    ) -> bool:
        """Listen over ``playback`` of ``audio`` (``seconds`` long, saying ``text``) until it
        ends; True when something said or pressed over it cut it short (``BargeIn.watch``)."""
        self.playback = playback
        latency = playback.latency  # read while its stream is open
        until = self.now + seconds + self.settings.echo_tail_seconds
        interrupted = self.barge_in.watch(
            playback, self.capture, until, audio, said, asks, text=text
        )
        self.answered = self.barge_in.answer
        # A question begun over its last words is taken as one said in the window after it,
        # whatever its trigger: so it is kept only where that window is open. With a
        # trigger and ``--follow-up 0``, that is after the wake reply and a did-you-mean
        # only (not after an answer, nor after questions a reject read out, where only a
        # pick needs no trigger).
        settings = self.settings
        untriggered = settings.mode is TriggerMode.VAD or settings.follow_up_seconds > 0
        self.carried = collections.deque(
            self.barge_in.carried if untriggered or not said or asks else ()
        )
        if not playback.wait(timeout=seconds + 10.0):
            _LOG.warning("playback did not end in time; stopping it")
            playback.stop()
            playback.wait(timeout=2.0)
        self.playback = None
        if interrupted and self.answered is None and not self.inbox:
            # Cut short with nothing to answer next (a "stop"), the kiosk listens for a
            # question: what the microphone holds, what the speaker had yet to play, and the
            # room's echo are no question. (Something to answer is answered at once; what
            # the microphone holds is heard over that reply.)
            echo = self.capture.behind + latency + self.settings.echo_tail_seconds
            self.echo_until = self.capture.now + min(echo, ECHO_PASSES_AT_MOST)
        return interrupted

    def let_echo_pass(self) -> None:
        """After a reply cut short, the microphone still hears it (``echo_until``): what was
        captured while the "stop" was recognised, what the speaker had yet to play, and the
        room's echo. Heard as a question, the kiosk's own last words were answered ("to
        release the tension.") or turned away; they are let pass unheard."""
        while self.capture.now < self.echo_until:
            self.capture.read()

    def finished(self, playback: Playback, interrupted: bool) -> None:
        self.emit(
            ReplyFinished(
                self.now, interrupted or playback.interrupted, playback.frames, playback.rate
            )
        )

    def play(self, audio: list[AudioChunk]) -> Playback | None:
        """Start playing a reply. A speaker that does not open is looked for again at once
        and tried a second time: one plugged back in since PortAudio last looked for devices
        is found, and says the reply of this turn, not only the next one's. None when it
        cannot be played (the failure told)."""
        try:
            return self.speaker.play(audio)
        except DeviceError as error:
            failed: Exception = error
        except Exception as error:
            self.fail("speaker", error)
            return None
        _LOG.info("speaker: %s; looking for the devices again", failed)
        self.endpointer.reset()
        # A microphone that does not open again is waited out at the next read.
        if self.capture.rescan():
            try:
                return self.speaker.play(audio)
            except Exception as error:
                failed = error
        self.fail("speaker", failed)
        return None

    def play_again(self, audio: list[AudioChunk]) -> Playback | None:
        """The reply broke off part-way (the speaker failed; that is told): look for the
        devices again at once and start the reply again from its start, so a speaker plugged
        back in says the whole of it in this turn. None when it does not open: not told
        again, it is the same failure, and the devices are looked for again at the next
        quiet moment."""
        _LOG.info("speaker: the reply broke off; looking for the devices again")
        self.endpointer.reset()
        # A microphone that does not open again is waited out at the next read.
        if not self.capture.rescan():
            return None
        try:
            return self.speaker.play(audio)
        except Exception as error:
            _LOG.info("speaker: the reply could not be started again (%s)", error)
            return None

    def render(self, text: str, rate: int | None) -> list[AudioChunk]:
        """The reply's audio, rendered on a thread of its own: a stop is heard while it renders
        (``Stopped``), even when the rendering hangs."""
        rendered: Future[list[AudioChunk]] = Future()

        def run() -> None:
            try:
                audio = (
                    self.synthesizer.synthesize(text, rate)
                    if rate
                    else self.synthesizer.synthesize(text)
                )
            except BaseException as error:
                rendered.set_exception(error)
            else:
                rendered.set_result(audio)

        threading.Thread(target=run, name="knotvoice-reply", daemon=True).start()
        while not wait([rendered], timeout=STOP_CHECK_SECONDS).done:
            if self.stop.is_set():
                raise Stopped
        return rendered.result()

    def spoken(self, counts: bool) -> None:
        """A reply is over (or could not be given): count the turn, open the follow-up."""
        if counts:
            self.turns += 1
        self.open_until = self.now + self.settings.follow_up_seconds
        self.last_speech = self.replied = self.now


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
    alive: Callable[[], None] | None = None,
    inbox: Inbox | None = None,
) -> ListenSummary:
    """Run the kiosk loop until ``max_turns``, ``idle_exit_seconds`` or ``stop`` is set.

    ``responder`` is a ``Dialogue``; ``microphone`` defaults to a ``Microphone`` built from
    ``settings.microphone`` and ``speaker`` to a ``DeviceSpeaker`` on the default output
    device; ``inbox`` brings typed questions, taps and stops from the kiosk's screen.
    Raises ``DeviceError`` when the microphone cannot be opened at the start; a
    microphone lost later is re-opened with back-off, and a failing stage costs one turn.
    ``alive`` is called for every chunk read: a sign the loop is not stuck (a watchdog).
    """
    source = microphone if microphone is not None else Microphone(settings.microphone)
    kiosk = _Kiosk(
        settings,
        recognizer,
        responder,
        synthesizer,
        events,
        source,
        speaker if speaker is not None else DeviceSpeaker(),
        trigger,
        stop if stop is not None else threading.Event(),
        alive,
        inbox,
    )
    source.open()
    try:
        kiosk.run()
    except Stopped:
        pass
    finally:
        kiosk.silence_speaker()
        kiosk.ahead.close()
        source.close()
    return ListenSummary(kiosk.turns, kiosk.replies, kiosk.stages.errors, kiosk.now)
