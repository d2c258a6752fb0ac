"""Listening while the kiosk speaks: a spoken "stop" (or a press) cuts the reply short.

What the microphone hears during a reply is mostly the kiosk itself, so it is never taken as
a question. The reply's echo is taken out (``echo``), then loud speech is recognised briefly
and checked for the language's stop words. A "say that again" or "slower" said over any
reply cuts it short too and is answered as if said just after it (the reply is said again);
over a reply that asks the visitor to pick (a did-you-mean, questions read out), so does
their answer: a yes, a no or "the other one", as a tap on the screen is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from knotvoice.asr import Recognizer, RecognizerStream, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.kiosk.capture import Capture
from knotvoice.kiosk.echo import EchoCanceller, Reference, available
from knotvoice.kiosk.events import Event, Heard
from knotvoice.kiosk.speaker import Playback
from knotvoice.kiosk.triggers import Trigger
from knotvoice.kiosk.vad import Boundary, Endpointer, EndReason
from knotvoice.lang import english, words
from knotvoice.settings import ListenSettings, VadSettings
from knotvoice.turn import (
    FOLLOW_UPS_TO_PROPOSAL,
    FOLLOW_UPS_TO_REPLY,
    MISHEARD_ANSWER_WORDS,
    command_of,
)

__all__ = ["Answer", "BargeIn"]

DETECTOR = "webrtc"
"""The voice detector that hears speech over a reply, whatever ``vad_detector`` says. What
it must tell apart is the visitor's voice from what is left of the kiosk's own, and silero
calls both a voice: with ``webrtc+silero`` here the echo of a loud reply alone once cut the
reply short, where webrtcvad's utterances did not (``docs/kiosk.md``)."""

REQUEST_WORDS = 5
"""A stretch said over an answer that the spotter heard in at most this many words may be
a "say that again" or "slower" misheard ("save that again", "powered in" for "pardon?"), and
is heard again by the kiosk's recognizer: each costs a second decode, so what is left of the
kiosk's own voice, mostly heard longer, is not. Of 110 stretches of such requests said over
an answer (six wordings, six voices, the kiosk silent, 6 dB below the visitor and as loud),
the spotter heard 70 in at most three words (``MISHEARD_ANSWER_WORDS``: "good you say that
again", "you say that's again" were lost) and 108 in at most five (``docs/kiosk.md``)."""

CARRIED_FROM = 1.0
"""A stretch begun over at most the reply's last this many seconds, whose voice goes on after
the kiosk stops listening over it, and which is no stop, "say that again" or answer, is the
visitor's next question begun early: what was heard of it is handed to the kiosk as its
start (``BargeIn.carried``). Before, it was heard over the reply, thrown away, and the
question was lost, or only its end was heard after the reply. Only with the reply's echo
taken out: without, the kiosk's own voice through a room, as loud as a visitor's, went on
past its end and was heard as other words ("Body rotation."). A stop's word in it makes it
no stop when it says more (``more_than_stop``): "Can I work a knot out by myself at home?",
heard as "can I work enough out by myself?", was taken for a "stop" and thrown away (in 3
of 5 runs of ``script/benchmark --listen --ask-over 0.5``)."""

END_SILENCE = 0.3
"""Seconds of silence that end a stretch heard over a reply."""

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
"""Where one sentence of a transcript ends and the next begins."""


@dataclass(frozen=True)
class Answer:
    """What the visitor said over a reply that the kiosk answers as if said just after it: a
    "say that again" or "slower", or the answer to what the reply asked."""

    transcript: Transcript
    start: float
    """Where the speech started, in seconds of audio time."""
    end: float
    """Where it ended, in seconds of audio time."""
    frames: tuple[AudioChunk, ...]
    """The utterance as the recognizer heard it (its echo taken out)."""
    ended: str
    """Why the utterance ended ("silence", "max_length")."""
    behind: float
    """Seconds of audio captured and not read yet when it ended."""
    asr_ms: float
    """Milliseconds it took to recognise."""
    found: float
    """When its end was found (monotonic seconds): the reply to it is late from then."""


def answer_in(
    transcript: Transcript, reply: str, awaited: Sequence[str] = FOLLOW_UPS_TO_PROPOSAL
) -> str | None:
    """The words of ``transcript``, heard over the reply that says ``reply``, that are one of
    the ``awaited`` commands (by default its answers: a yes, a no, "the other one"), or None.
    They are the hearing, or a sentence of it (the visitor's voice and what is left of the
    kiosk's heard as one: "Yes. In your upper back."), or another hearing of a short one;
    never the reply's own words ("no" heard over "Did you mean: Is there no parking?", or
    "again" over "... then do it again", may be its echo)."""
    text = transcript.text.strip()
    heard = [text, *_SENTENCE_END.split(text)]
    if command_of(text) is None and len(words(text)) <= MISHEARD_ANSWER_WORDS:
        heard += transcript.alternatives
    own = set(words(reply))
    for said in heard:
        if command_of(said) in awaited and not set(words(said)) <= own:
            return said.strip()
    return None


def more_than_stop(spotted: str, reply: str) -> bool:
    """Whether a stretch the spotter heard as ``spotted``, a stop's word in it, says more than
    a stop: it is longer than a command said with a word or two more ("wait, stop now",
    "please stop talking"; at most ``REQUEST_WORDS``), is no stop command however long, and
    says something beside the stop's words that ``reply`` (the reply's text, whose echo may
    be heard with it) does not."""
    said = words(spotted)
    beside = set(said) - set(english().barge_in) - set(words(reply))
    return len(said) > REQUEST_WORDS and bool(beside) and command_of(spotted) != "stop"


def may_command(spotted: str, reply: str) -> bool:
    """Whether a stretch heard over a reply that asks nothing, which the spotter heard as
    ``spotted``, may be a "say that again" or "slower", to be heard again by the kiosk's
    recognizer: the spotter heard it as one, or in at most ``REQUEST_WORDS`` words, and not
    in the words of ``reply`` (the reply's text) alone, which are its echo."""
    said = words(spotted)
    if said and set(said) <= set(words(reply)):
        return False
    return len(said) <= REQUEST_WORDS or command_of(spotted) in FOLLOW_UPS_TO_REPLY


@dataclass(frozen=True)
class _Watching:
    """The reply a ``BargeIn`` watches (``BargeIn.watch``)."""

    until: float
    """Audio time to listen to."""
    latency: float
    """Seconds the speaker takes to play what it is given."""
    said: str
    asks: str | None
    text: str
    """What it says."""


class BargeIn:
    """Watches the microphone while a reply plays."""

    def __init__(
        self,
        settings: ListenSettings,
        recognizer: Recognizer,
        trigger: Trigger | None,
        emit: Callable[[Event], None],
        fail: Callable[[str, BaseException], None],
        hearing: Recognizer | None = None,
    ) -> None:
        """``recognizer`` spots the stop words (``Recognizer.spotter``); ``hearing``, the
        kiosk's own recognizer, hears again what is said over a reply that asks something,
        and what may be a "say that again" over any other (without it, the spotter's hearing
        is looked in)."""
        self._settings = settings
        self._recognizer = recognizer
        self._hearing = hearing
        self._trigger = trigger
        self._emit = emit
        self._fail = fail
        self._stop_words = frozenset(english().barge_in)
        self._repeat_prompt = english().repeat_prompt
        self.carried: tuple[AudioChunk, ...] = ()
        """The start of a question begun over the last reply watched's last words
        (``CARRIED_FROM``) and going on after it, echo taken out: the kiosk hears it as the
        start of its next utterance. Empty otherwise."""
        self.answer: Answer | None = None
        """What was said over the last reply watched to be answered next (a "say that
        again", or the answer to what it asked, perhaps begun over it and ended after); None
        otherwise."""

    def watch(
        self,
        playback: Playback,
        capture: Capture,
        until: float,
        reply: Sequence[AudioChunk] = (),
        said: str = "",
        asks: str | None = None,
        *,
        text: str = "",
    ) -> bool:
        """Read the microphone until audio time ``until`` (after a reply that may be answered,
        one with ``said`` or ``asks``, on to the end of an utterance begun before it), or
        until ``playback`` fails; True when a
        "stop", a press, a "say that again" or an answer cut the reply (``playback`` is
        stopped then). ``reply`` is what ``playback`` plays, from now: its echo is taken out
        of what the microphone hears. ``said`` is the reply's text (empty for one the
        dialogue does not say again): a "say that again" or "slower" over it is kept in
        ``answer``, in words it does not say itself. ``asks`` is set when it asks the
        visitor to pick (a did-you-mean, questions read out): all that is said over it is
        heard again by ``hearing``, told to expect ``asks`` ("Yes. No.", or ""), and an
        answer to it is kept in ``answer`` too; over another, only what ``may_command``,
        told to expect a "pardon?" (``repeat_prompt``). ``text`` is what the reply says,
        whatever it is: a stretch begun over its last words and going on after them that
        is no stop or answer, and not in its words alone, is the start of the visitor's
        next question (``carried``)."""
        self.answer = None
        self.carried = ()
        settings = self._settings
        reference = None
        if settings.barge_in and settings.echo_cancel and reply and available():
            # Where the reply's first sound falls on the microphone's clock: what was heard
            # up to now, what was captured and not read yet, and the speaker's latency.
            heard_at = capture.now + capture.behind + playback.latency
            reference = Reference(reply, heard_at)
        watching = _Watching(until, playback.latency, said, asks, text or said)
        if reference is None:
            return self._watch(playback, capture, watching, None)
        with EchoCanceller() as canceller:
            return self._watch(playback, capture, watching, (reference, canceller))

    def _watch(
        self,
        playback: Playback,
        capture: Capture,
        watching: _Watching,
        echo: tuple[Reference, EchoCanceller] | None,
    ) -> bool:
        settings = self._settings
        until, said, asks = watching.until, watching.said, watching.asks
        listener = Endpointer(
            VadSettings(
                detector=DETECTOR,
                aggressiveness=3,
                min_level_dbfs=settings.barge_in_min_level_dbfs,
                end_silence_seconds=END_SILENCE,
                max_utterance_seconds=settings.barge_in_max_seconds,
                preroll_seconds=0.2,
            )
        )
        stream: RecognizerStream | None = None
        started = 0.0
        frames: list[AudioChunk] = []
        # What may be said over it to be answered after it, and what that is heard after.
        awaited: tuple[str, ...] = FOLLOW_UPS_TO_REPLY if said else ()
        if asks is not None:
            awaited += FOLLOW_UPS_TO_PROPOSAL
        expect = self._repeat_prompt if asks is None else asks
        # What may be answered, begun over the reply, is heard to its end, though it ends
        # after: a "say that again" begun over the last words, as a yes to a did-you-mean;
        # so is what may be a question begun over its last words (``CARRIED_FROM``).
        later = until + settings.barge_in_max_seconds
        late = until - settings.echo_tail_seconds - CARRIED_FROM
        # The kiosk's own voice is heard to the reply's end and its echo's, played late.
        after = until + watching.latency
        while capture.now < until or (
            capture.now < later
            and listener.in_speech
            and (bool(awaited) or (echo is not None and started >= late))
        ):
            if playback.error is not None:
                # The reply broke off: what the microphone hears next is a visitor, not it.
                return False
            chunk = capture.read()
            if self._trigger is not None and self._trigger.poll():
                playback.stop()
                return True
            if not settings.barge_in:
                continue
            if echo is not None:
                try:
                    chunk = echo[0].clean(echo[1], chunk)
                except Exception as error:  # the reply goes on, heard without it
                    self._fail("echo canceller", error)
                    echo = None
            for event in listener.push(chunk):
                try:
                    if event.kind is Boundary.START:
                        started, frames = event.at, []
                        stream = self._recognizer.stream()
                    if stream is None:
                        continue
                    for frame in event.frames:
                        stream.accept(frame)
                    frames.extend(event.frames)
                    if event.kind is not Boundary.END:
                        continue
                    heard, stream = stream, None
                    found = time.monotonic()
                    text = heard.finish().text
                    stop = bool(set(words(text)) & self._stop_words)
                    # Over an answer, not every stretch of its echo is heard again.
                    hear = asks is not None or may_command(text, said)
                    again = (
                        self._hear_again(text, frames, expect)
                        if awaited and hear and not stop
                        else None
                    )
                except Exception as error:
                    stream = None
                    self._fail("recognizer", error)
                    continue
                ended = str(event.reason or "")
                if again is not None:
                    transcript, asr_ms = again
                    text = transcript.text
                    command = answer_in(transcript, said, awaited)
                    if command is not None:
                        # The visitor's answer: the loop answers it as said after the reply.
                        behind = capture.behind
                        self.answer = Answer(
                            replace(transcript, text=command),
                            started,
                            event.at,
                            tuple(frames),
                            ended,
                            behind,
                            asr_ms,
                            found,
                        )
                        if event.at >= until:
                            return False  # begun over the reply, and ended after it
                        playback.stop()
                        return True
                voice_until = event.at - (END_SILENCE if event.reason is EndReason.SILENCE else 0.0)
                if (
                    (not stop or more_than_stop(text, watching.text))
                    and echo is not None
                    and started >= late
                    and voice_until > after
                    and not set(words(text)) <= set(words(watching.text))
                ):
                    # Nothing to answer, and no stop (at most a stop's word in a question,
                    # "can I stop them coming back"): a question begun over the last words.
                    self.carried = tuple(frames)
                    return False
                self._emit(
                    Heard(
                        event.at,
                        text,
                        started,
                        False,
                        ended=ended,
                        behind_ms=round(capture.behind * 1000.0, 1),
                    )
                )
                if stop:
                    playback.stop()
                    return True
        return False

    def _hear_again(
        self, spotted: str, frames: Sequence[AudioChunk], expect: str
    ) -> tuple[Transcript, float]:
        """What the kiosk's recognizer hears of an utterance said over a reply, told to expect
        ``expect``, and the milliseconds it took; the spotter's hearing ``spotted`` when there
        is no other recognizer."""
        if self._hearing is None:
            return Transcript(spotted), 0.0
        began = time.perf_counter()
        self._hearing.expect(expect)
        transcript = self._hearing.transcribe(frames)
        return transcript, (time.perf_counter() - began) * 1000.0
