"""What the server does for each request, with no protocol in it: answer a question, hear an
utterance, speak a reply.

Every connection is its own turn, and many run at once. The models are loaded once and
shared; every blocking call (recognition, matching, synthesis) runs in a thread, so the
event loop that reads every connection never waits for one. Each engine is used by one
thread at a time and has threads of its own, so two connections that need the same engine
queue for it while the others go on: audio waits in the recognizer's own queue, holding no
thread a typed question needs, and a turn holds the matcher only while it matches, never
while hearing again waits for the recognizer.

A turn goes on from the one before in its conversation, as at the kiosk: Home Assistant
sends each with a conversation id, kept while the visitor speaks again within a few minutes,
but closes the microphone after every reply, so a visitor answers a did-you-mean by waking
the device again and saying "yes". Each conversation has a ``Dialogue`` of its own (the most
recently heard ``MAX_CONVERSATIONS`` are kept). A turn of no conversation stands alone:
``standalone`` turns the kiosk's turn into one reply that needs no answer back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from typing import Any, ClassVar, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
import soxr

from knotvoice.asr import Recognizer, Transcript
from knotvoice.audio import RATE, WIDTHS, AudioChunk, chunks_from_array, pcm_to_float
from knotvoice.dropped import Dropped, check
from knotvoice.errors import AudioInputError, KnotvoiceError
from knotvoice.knowledge import Entry, Knowledge
from knotvoice.lang import english
from knotvoice.match import Match, MatchStage
from knotvoice.reload import Reloader
from knotvoice.serve.hearing import Hearing
from knotvoice.settings import VadSettings
from knotvoice.speech.ready import ReadyReplies
from knotvoice.speech.reply import small_talk, spoken_answer, spoken_question
from knotvoice.speech.speakable import speakable
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import (
    Action,
    Dialogue,
    Turn,
    Understood,
    command_of,
    leaves,
    rejection,
    thanks,
    too_long,
    typed,
)

__all__ = [
    "FOLLOW_UP_SECONDS",
    "MAX_CONVERSATIONS",
    "Agent",
    "Answered",
    "Reply",
    "RequestError",
    "ServedEvent",
    "Spoken",
    "Transcribed",
    "Utterance",
    "conversed",
    "standalone",
]

_log = logging.getLogger(__name__)

T = TypeVar("T")
_P = ParamSpec("_P")

MAX_SPEAK_CHARS = 10_000
"""Longest text synthesized for one request, in characters (an FAQ answer is a few hundred):
of a longer one, the start is spoken."""
MIN_RATE, MAX_RATE = 1_000, 384_000
"""Audio rates accepted, in Hertz."""
MAX_CHANNELS = 32
FOLLOW_UP_SECONDS = 300.0
"""Seconds after a reply within which the next turn of its conversation may answer it (a
"yes" to a did-you-mean): Home Assistant's own conversation timeout (5 minutes), after which
it starts a new conversation anyway. A "yes" later answers nothing, as at the kiosk."""
MAX_CONVERSATIONS = 256
"""Conversations remembered at most: one more forgets the one heard from least recently, so
that a server that runs for months keeps a bounded memory."""


class RequestError(KnotvoiceError):
    """A request this server cannot serve (a service it does not offer)."""


# --- what a turn says when nothing can follow it ---------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the agent says back for one question."""

    handled: bool
    """True when the FAQ answered it, or asks back what its next turn may answer (a
    did-you-mean in a conversation); False for a question turned away, whose reply answers
    nothing (Home Assistant speaks and shows it all the same, but records the turn as a
    failure to handle, as it does its own for a sentence it does not know)."""
    text: str
    """What to say ("" to say nothing)."""
    turn: Turn
    """The turn it came from, with the match behind it."""


def _question(entry: Entry) -> str:
    return f"{spoken_question(entry)}?"


def standalone(turn: Turn, knowledge: Knowledge | None) -> Reply:
    """The turn as one reply that expects nothing back.

    An answer is the answer. A did-you-mean names the question (or the two questions) it is
    between and asks for the question again in those words: it never speaks an answer the
    matcher was not sure of, since no "no" can follow to correct it. "Stop" says nothing,
    nor does an "okay" to an answer or a "cool"; a thanks says "You're welcome", and a "bye"
    goodbye (Home Assistant's Assist dialog showed an empty reply to it). Anything else (a
    reject, a follow-up command with nothing to follow) is the kiosk's reject, which names a
    few topics (or questions, in a file without topics): handled only for a greeting or a
    request for help, which it answers.
    """
    replies = english().replies
    match = turn.match
    if turn.action is Action.ANSWER:
        return Reply(True, turn.reply, turn)
    if turn.action is Action.STOP:
        return Reply(True, replies.goodbye if leaves(turn.transcript.text) else "", turn)
    if turn.action is Action.CONFIRM and match is not None and match.best is not None:
        best = _question(match.best.entry)
        other = match.runner_up
        if other is not None and other.entry.id != match.best.entry.id:
            text = replies.unsure_between.format(question=best, other=_question(other.entry))
        else:
            text = replies.unsure.format(question=best)
        return Reply(False, text, turn)
    if turn.action is Action.REJECT and turn.reply:
        # a greeting greeted back, or a request for help told what to ask, answers it
        return Reply(small_talk(turn.transcript.text) is not None, turn.reply, turn)
    if turn.action is Action.NONE and thanks(turn.transcript.text):
        return Reply(True, replies.welcome, turn)
    if turn.action is Action.NONE and turn.acknowledged:  # "okay", "cool" to an answer
        return Reply(True, "", turn)
    return Reply(False, rejection(knowledge), turn)


def conversed(
    turn: Turn, knowledge: Knowledge | None, last: Reply | None = None, woken: bool = True
) -> Reply:
    """The turn as a reply in a conversation whose next turn may answer it (the visitor
    starts that turn again: Home Assistant closes the microphone after every reply).

    A did-you-mean is the kiosk's ("Did you mean: ...?"), says how to answer it and is
    handled: a question asked back, not a failure; so is the "which one" a bare yes to two
    questions read out gets. How to answer: with the wake word first when the visitor
    ``woken`` a voice device, else (a question typed in Home Assistant's Assist dialog) by
    saying or typing it. A no to it that leaves nothing more to propose asks for the
    question again, handled too: it answers what was asked. "Say that again" says ``last``
    (the conversation's last reply) again; anything else is as ``standalone`` has it: an
    answer is the answer, a reject names a few topics, and a yes with nothing to say yes to
    is refused."""
    replies = english().replies
    if turn.action is Action.CONFIRM and turn.reply:
        how = replies.say_yes if woken else replies.reply_yes
        return Reply(True, f"{turn.reply} {how}", turn)
    if turn.action is Action.REJECT and turn.answers_proposal and len(turn.offered) > 1:
        how = replies.say_which if woken else replies.reply_which
        return Reply(True, f"{turn.reply} {how}", turn)
    if turn.action in (Action.REPEAT, Action.SLOWER) and turn.reply and last is not None:
        return Reply(last.handled, last.text, turn)
    if turn.action is Action.REJECT and turn.answers_proposal and turn.reply:
        # a no to a did-you-mean, asked to ask again: the visitor answered what was asked
        return Reply(True, turn.reply, turn)
    return standalone(turn, knowledge)


# --- audio in ---------------------------------------------------------------------------------


class Utterance:
    """Audio of one utterance as it arrives, in any rate, width and channel count, made 16 kHz
    mono at once (so a connection holds about 64 KB a second whatever it sends), of which the
    last ``max_seconds`` are kept: a device that streams too long has the question at the
    end, unless all that comes after it is quiet (then that is not kept). ``samples`` gives
    it to the recognizer."""

    def __init__(self, max_seconds: float, hearing: Hearing | None = None) -> None:
        """``hearing``: is given the 16 kHz audio as it comes, to hear it meanwhile."""
        self.max_seconds = max_seconds
        self.hearing = hearing
        self._limit = round(max_seconds * RATE)
        """Samples kept at most."""
        self._heard = Fraction(0)
        """Audio taken so far, in samples at 16 kHz, counted exactly (as a fraction: another
        rate's frames need not make whole samples), so that audio of exactly ``max_seconds``
        drops nothing."""
        self._parts: deque[npt.NDArray[np.float32]] = deque()
        self._held = 0
        """Samples in ``_parts``."""
        self._format: tuple[int, int, int] | None = None
        self._resampler: soxr.ResampleStream | None = None
        self._partial = b""
        """The start of a frame split between two pieces."""
        self._held_aside: deque[npt.NDArray[np.float32]] = deque()
        """Quiet come once the longest was kept: kept only if more than quiet follows it."""
        self._aside = 0
        """Samples in ``_held_aside``, at most about ``max_seconds`` (older quiet goes)."""
        self._quiet = 0
        """Samples of quiet come since the longest was kept, not kept so far (``quiet``)."""

    @property
    def seconds(self) -> float:
        """Audio kept so far, in seconds."""
        return float(min(self._heard, Fraction(self._limit)) / RATE)

    @property
    def quiet(self) -> float:
        """Quiet at the end, come once ``max_seconds`` were kept and not kept, in seconds."""
        return self._quiet / RATE

    @property
    def dropped(self) -> float:
        """Audio dropped from the start to keep ``max_seconds``, in seconds: whole samples at
        16 kHz, none when less than one was (quiet after the longest is not kept, and not
        counted: its start was heard)."""
        return max(0, math.floor(self._heard) - self._limit - self._quiet) / RATE

    @staticmethod
    def check_format(rate: object, width: object, channels: object) -> tuple[int, int, int]:
        """The format as whole numbers, or ``AudioInputError`` saying what is wrong."""
        for name, value in (("rate", rate), ("width", width), ("channels", channels)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise AudioInputError(f"audio {name} must be a whole number, not {value!r}")
        assert isinstance(rate, int) and isinstance(width, int) and isinstance(channels, int)
        if not MIN_RATE <= rate <= MAX_RATE:
            raise AudioInputError(
                f"audio rate {rate} Hz is out of range; send {MIN_RATE} to {MAX_RATE} Hz"
            )
        if width not in WIDTHS:
            raise AudioInputError(f"audio width {width} bytes is not 1, 2, 3 or 4")
        if not 1 <= channels <= MAX_CHANNELS:
            raise AudioInputError(f"audio channels {channels} is not 1 to {MAX_CHANNELS}")
        return rate, width, channels

    def add(self, audio: bytes, rate: int, width: int, channels: int) -> None:
        """Take a piece of PCM (its format checked with ``check_format``)."""
        if self._format != (rate, width, channels):
            self._flush()
            self._format = (rate, width, channels)
            self._resampler = (
                soxr.ResampleStream(rate, RATE, 1, dtype="float32") if rate != RATE else None
            )
        frame = width * channels
        audio = self._partial + audio
        whole = len(audio) // frame * frame
        self._partial = audio[whole:]
        if not whole:
            return
        self._heard += Fraction(whole // frame * RATE, rate)
        mono = pcm_to_float(audio[:whole], width, channels)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono)
        self._keep(mono)

    def _keep(self, part: npt.NDArray[np.float32]) -> None:
        room = max(self._limit - self._held, 0)
        if len(part) > room and _quiet(part):
            # Quiet past the longest is held aside, rather than the start dropped for it (a
            # question, then 40 s of a quiet room, was heard "you"): kept in its place only
            # when more than quiet follows (a pause within a question that came late).
            if room:
                self._append(part[:room])
            self._held_aside.append(part[room:])
            self._aside += len(part) - room
            self._quiet += len(part) - room
            while self._aside - len(self._held_aside[0]) >= self._limit:
                self._aside -= len(self._held_aside.popleft())  # never kept either way
            return
        while self._held_aside:  # more than quiet follows: it was a pause, kept in its place
            self._append(self._held_aside.popleft())
        self._aside = self._quiet = 0
        self._append(part)

    def _append(self, part: npt.NDArray[np.float32]) -> None:
        if self.hearing is not None:
            self.hearing.add(part)
        self._parts.append(part)
        self._held += len(part)
        excess = self._held - self._limit
        if excess > 0 and self.hearing is not None:
            # Too long to be heard as it comes: its kept end is heard whole at the stop.
            self.hearing.close()
            self.hearing = None
        while excess > 0:
            first = self._parts.popleft()
            if len(first) > excess:
                self._parts.appendleft(first[excess:])
            cut = min(len(first), excess)
            self._held -= cut
            excess -= cut

    def _flush(self) -> None:
        if self._resampler is not None:
            self._keep(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        self._resampler = None
        self._partial = b""

    def close(self) -> None:
        """Forget the utterance (the client went, or started another): what was heard of it
        meanwhile is dropped."""
        if self.hearing is not None:
            self.hearing.close()

    def samples(self) -> npt.NDArray[np.float32]:
        """Everything kept, as 16 kHz mono float samples (ends the utterance)."""
        self._flush()
        self._format = None
        if not self._parts:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._parts).astype(np.float32, copy=False)


QUIET_RMS = 0.005
"""Audio at most this loud (-46 dBFS) is a quiet room, not a voice."""


def _quiet(part: npt.NDArray[np.float32]) -> bool:
    return not len(part) or float(np.sqrt(np.mean(np.square(part)))) <= QUIET_RMS


# --- speech out -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s")
_LAST_SPACE = re.compile(r"\s\S*$")


def _start_of(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, ended after its last whole
    sentence there, else after its last whole word, else at the limit (whichever keeps more
    than half of it)."""
    head = text[: limit + 1]  # a space just past the limit ends a sentence or a word too
    ends = [found.end() for found in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] > limit // 2:
        return head[: ends[-1]].rstrip()
    space = _LAST_SPACE.search(head)
    if space is not None and space.start() > limit // 2:
        return head[: space.start()].rstrip()
    return text[:limit]


# --- what the server reports --------------------------------------------------------------------


@dataclass(frozen=True)
class ServedEvent:
    """Something the server did for one request (one log line, or one JSON line)."""

    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        data = {
            name: round(value, 2) if isinstance(value, float) else value
            for name, value in asdict(self).items()
        }
        return {"event": self.kind, **data}


@dataclass(frozen=True)
class Answered(ServedEvent):
    """A question answered, or not (one conversation turn)."""

    kind: ClassVar[str] = "turn"
    transcript: str
    decision: str
    """answer, confirm, reject, stop, ... (the kiosk's action)."""
    handled: bool
    entry: str | None
    """Id of the entry answered or proposed."""
    score: float | None
    reply: str
    conversation_id: str | None = None
    heard: bool = False
    """True when the question came from this server's own recognizer, whose other hearings
    the matcher weighed as the kiosk does."""
    match_ms: float = 0.0
    """Milliseconds from the question to its reply, waiting for the matcher included."""
    ahead: bool = False
    """True when the reply was worked out at a pause in the audio, before the question came."""
    closest: str | None = None
    """Id of the entry the question came closest to, answered or not (for `knotvoice report`,
    which offers its wording to that entry)."""
    probability: float | None = None
    """How likely that entry was the answer (None: not matched)."""
    offered: tuple[str, ...] = ()
    """Ids of the entries whose questions a reject read out, to be picked on the next turn
    ("the first one")."""
    repeated: bool = False
    """True when the reply was the conversation's last said again ("say that again"): not
    handled when that was not, yet no refusal."""
    answers_proposal: bool = False
    """True when the turn answered the conversation's open did-you-mean (a yes, a no, "yes,
    where are they?"), not a question asked."""
    leaned: bool = False
    """True when the question was answered as leaning on the answer before it."""

    def turn_line(self) -> dict[str, Any]:
        """The turn as a line of the turn log, as the kiosk writes its own (``knotvoice
        report`` reads both): the server adds what it was answered with."""
        return {
            "heard": self.transcript,
            "question": self.transcript,
            "decision": self.decision,
            "entry": self.entry,
            "closest": self.closest,
            "probability": self.probability,
            "offered": list(self.offered),
            "handled": self.handled,
            "repeated": self.repeated,
            "answers_proposal": self.answers_proposal,
            **({"leaned": True} if self.leaned else {}),
            "score": self.score,
            "match_ms": round(self.match_ms, 1),
            "heard_here": self.heard,
            "conversation": self.conversation_id,
            "front": "serve",
        }


@dataclass(frozen=True)
class Transcribed(ServedEvent):
    kind: ClassVar[str] = "transcript"
    text: str
    audio_seconds: float
    dropped_seconds: float
    """Audio dropped from the start of an utterance longer than the longest, not heard."""
    asr_ms: float
    """Milliseconds from the end of the audio to the transcript."""
    ahead: bool = False
    """True when the utterance was heard while it came (worked out at a pause, or streamed),
    so that its end waited only for what was left."""


@dataclass(frozen=True)
class Spoken(ServedEvent):
    kind: ClassVar[str] = "speech"
    characters: int
    audio_seconds: float
    tts_ms: float


# --- the agent ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A reply worked out at a pause in the audio, before Home Assistant asked the question."""

    transcript: Transcript
    matcher: MatchStage
    """The matcher it is worked out with: a knowledge file loaded since makes it stale."""
    reply: Future[Reply]
    """Done once worked out (failed: worked out again when asked)."""


class _Heard:
    """The last few transcripts this server's recognizer made, by text: when Home Assistant
    sends one back as a question, the turn gets the whole hearing (its alternatives and its
    fit to the audio), as the kiosk does, and the reply worked out at a pause, if any."""

    def __init__(self, size: int = 8, seconds: float = 120.0) -> None:
        self._size = size
        self._seconds = seconds
        self._items: OrderedDict[str, tuple[float, Transcript]] = OrderedDict()
        self._prepared: OrderedDict[str, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, transcript: Transcript) -> None:
        if not transcript.text.strip():
            return
        with self._lock:
            self._items.pop(transcript.text, None)
            self._items[transcript.text] = (time.monotonic(), transcript)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def prepare(self, prepared: _Prepared) -> None:
        with self._lock:
            self._prepared.pop(prepared.transcript.text, None)
            self._prepared[prepared.transcript.text] = prepared
            while len(self._prepared) > self._size:
                self._prepared.popitem(last=False)

    def take(self, text: str) -> tuple[Transcript | None, _Prepared | None]:
        """The transcript of ``text``, and the reply prepared for that very hearing."""
        with self._lock:
            found = self._items.pop(text, None)
            prepared = self._prepared.pop(text, None)
        if found is None or time.monotonic() - found[0] > self._seconds:
            return None, None
        transcript = found[1]
        return transcript, prepared if prepared and _same(prepared.transcript, transcript) else None


def _same(prepared: Transcript, heard: Transcript) -> bool:
    """Whether a reply worked out from ``prepared`` is the reply to ``heard``: the very
    hearing, or the same words where neither holds more that the matcher weighs (other
    hearings, their likelihoods, a way to hear it again: a streaming recognizer's text as it
    settled at a pause, and at the end)."""
    if prepared is heard:
        return True
    plain = (
        not t.alternatives and not t.likelihoods and t.fit is None and t.timing is None
        for t in (prepared, heard)
    )
    return prepared.text.strip() == heard.text.strip() and all(plain)


class _OneAtATime:
    """``matcher`` used by one thread at a time, each match waiting for ``lock``: one lock for
    every version of the knowledge's matcher, since the versions share one sentence-embedding
    model."""

    def __init__(self, matcher: MatchStage, lock: threading.Lock) -> None:
        self._matcher = matcher
        self._lock = lock

    @property
    def knowledge(self) -> Knowledge:
        return self._matcher.knowledge

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        with self._lock:
            return self._matcher.match(text, alternatives, likelihoods)

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        with self._lock:
            return self._matcher.probabilities(texts, likelihoods)

    def likeness_in_words(self, text: str) -> float:
        with self._lock:
            return self._matcher.likeness_in_words(text)


class _Conversation:
    """What one conversation remembers between its turns: its dialogue (an open
    did-you-mean, the last reply), when it last replied and what it said. Its turns are
    answered one at a time: each waits for ``turn`` on the event loop, holding no thread,
    and holds ``lock`` while it answers in a thread (which goes on when its client is gone)."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.turn = asyncio.Lock()
        self.lock = threading.Lock()
        self.replied: float | None = None
        """When it last replied, by the agent's clock (seconds); None before its first."""
        self.said: Reply | None = None
        """Its last reply that said something, as "say that again" says it again."""


class _Conversations:
    """The conversations heard from most recently, by id: at most ``size``."""

    def __init__(self, start: Callable[[], Dialogue], size: int = MAX_CONVERSATIONS) -> None:
        """``start`` makes the dialogue of a conversation heard from for the first time."""
        self._start = start
        self._size = size
        self._items: OrderedDict[str, _Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, conversation_id: str) -> _Conversation:
        """The conversation of ``conversation_id``, begun if it was not (or was forgotten)."""
        with self._lock:
            found = self._items.pop(conversation_id, None)
            if found is None:
                found = _Conversation(self._start())
            self._items[conversation_id] = found
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return found


def _understood(prepared: _Prepared, reply: Reply) -> Understood | None:
    """The question of a reply worked out at a pause, as worked out: a conversation's turn
    takes it on from there without matching it again (None when it was no question)."""
    turn = reply.turn
    if turn.match is None:
        return None
    return Understood(turn.transcript, turn.match, turn.match_ms, prepared.matcher.knowledge)


class Agent:
    """Answers, hears and speaks for every connection of the server."""

    def __init__(
        self,
        matchers: Reloader[MatchStage],
        recognizer: Recognizer | None = None,
        synthesizer: Synthesizer | None = None,
        *,
        max_audio_seconds: float = 30.0,
        report: Callable[[ServedEvent], None] | None = None,
        workers: int = 4,
        vad: VadSettings | None = None,
        answers: ReadyReplies | None = None,
        max_conversations: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``matchers`` holds the matcher of the knowledge as it is now; ``recognizer`` and
        ``synthesizer`` are optional (without them the server offers no speech-to-text or
        text-to-speech); ``report`` hears of every request served (from any thread);
        ``workers`` threads answer typed questions, and as many questions heard here; ``vad``
        finds the pauses in an utterance as it comes (``knotvoice.serve.hearing``);
        ``answers`` (the synthesizer's voice, keeping what it renders) has the knowledge's
        answers rendered ahead, as the kiosk has them, so that speaking one costs a read;
        ``max_conversations`` are remembered at most; ``clock`` tells the time in seconds
        (whether a turn came within ``FOLLOW_UP_SECONDS`` of its conversation's reply)."""
        self.matchers = matchers
        self._answers = answers
        self._ready_for: Knowledge | None = None
        """The knowledge whose answers ``answers`` was told to expect."""
        self._ready: frozenset[str] = frozenset()
        """Those answers, as spoken."""
        if answers is not None:
            self._expect_answers()
        self.vad = vad if vad is not None else VadSettings()
        self.recognizer = recognizer
        self.synthesizer = synthesizer
        self.max_audio_seconds = max_audio_seconds
        self._report = report
        self._answering = ThreadPoolExecutor(workers, thread_name_prefix="knotvoice-match")
        # Turns that may hear again wait for the recognizer: in threads of their own.
        self._answering_heard = ThreadPoolExecutor(workers, thread_name_prefix="knotvoice-rehear")
        self._hearing_pool = ThreadPoolExecutor(1, thread_name_prefix="knotvoice-hear")
        # pyttsx3 wants one thread: the synthesizer has its own.
        self._voice = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knotvoice-voice")
        self._matching = threading.Lock()
        self._hearing = threading.Lock()
        self._heard = _Heard()
        self._clock = clock
        self._conversations = _Conversations(
            lambda: Dialogue(self._locked(self.matchers.current), follow=self._current),
            max_conversations,
        )

    @property
    def knowledge(self) -> Knowledge:
        return self.matchers.current.knowledge

    @property
    def conversations(self) -> int:
        """Conversations remembered (at most ``max_conversations``)."""
        return len(self._conversations)

    @property
    def recognizing(self) -> bool:
        """True while the recognizer is at work for some connection."""
        return self._hearing.locked()

    def utterance(self) -> Utterance:
        """A new utterance, heard while it comes when there is a recognizer."""
        recognizer = self.recognizer
        if recognizer is None:
            return Utterance(self.max_audio_seconds)
        hearing = Hearing(recognizer, self._hear, self.vad, self._prepare)
        return Utterance(self.max_audio_seconds, hearing)

    def _hear(self, chunks: Sequence[AudioChunk]) -> Transcript:
        """A whole utterance recognised, once no other connection's is (work dropped while
        it waited stops then: ``knotvoice.dropped``)."""
        assert self.recognizer is not None
        with self._hearing:
            check()
            return self.recognizer.transcribe(chunks)

    def close(self) -> None:
        """Let running work finish in its threads; queued work is dropped."""
        for pool in (self._answering, self._answering_heard, self._hearing_pool, self._voice):
            pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, work: Callable[[], T], pool: ThreadPoolExecutor) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, work)

    # answering

    async def answer(
        self, text: str, conversation_id: str | None = None, satellite: str | None = None
    ) -> Reply:
        """The reply to one question, typed or transcribed elsewhere, as a turn of the
        conversation ``conversation_id`` (None: a turn that stands alone), said to the voice
        satellite ``satellite`` if Home Assistant names one. A text longer than
        ``MAX_QUESTION_CHARS`` that was not heard here is no question: it is refused
        unmatched and not reported (one heard here is at most ``max_seconds`` of speech).

        A did-you-mean says the wake word starts the turn that answers it when the question
        came from a satellite; else it was typed in the Assist dialog, or said into its
        microphone on a phone or in a browser, and its answer is said or typed there."""
        start = time.perf_counter()
        heard, prepared = self._heard.take(text)
        refusal = too_long(text) if heard is None else None
        if refusal is not None:
            _log.info("refused a question of %d characters", len(text))
            turn = Turn(typed(text), Action.REJECT, None, None, refusal)
            return Reply(False, refusal, turn)
        transcript = self._locked_fit(heard) if heard is not None else typed(text)
        hears_again = transcript.fit is not None or transcript.timing is not None
        pool = self._answering_heard if hears_again else self._answering
        if conversation_id is None:
            reply = await self._worked_out(prepared)
            ahead = reply is not None
            if reply is None:
                reply = await self._run(lambda: self._respond(transcript), pool)
        else:
            conversation = self._conversations.get(conversation_id)
            # Its turns one after another, waiting here rather than in a thread.
            async with conversation.turn:
                if conversation.dialogue.pending is not None or command_of(text) is not None:
                    # Worked out as a question standing alone: this may answer the last turn.
                    prepared = None
                worked = await self._worked_out(prepared)
                # Else the conversation goes on from the question as worked out at the pause.
                understood = _understood(prepared, worked) if prepared and worked else None
                woken = satellite is not None
                reply = await self._run(
                    lambda: self._converse(conversation, transcript, understood, woken), pool
                )
            ahead = understood is not None and reply.turn.match is understood.match
        best = reply.turn.match.best if reply.turn.match is not None else None
        self._emit(
            Answered(
                transcript=reply.turn.transcript.text,
                decision=str(reply.turn.action),
                handled=reply.handled,
                entry=reply.turn.entry.id if reply.turn.entry is not None else None,
                score=round(best.score, 1) if best is not None else None,
                reply=reply.text,
                conversation_id=conversation_id,
                heard=heard is not None,
                match_ms=(time.perf_counter() - start) * 1000.0,
                ahead=ahead,
                closest=best.entry.id if best is not None else None,
                probability=(
                    round(reply.turn.match.probability, 3) if reply.turn.match is not None else None
                ),
                offered=tuple(entry.id for entry in reply.turn.offered),
                repeated=reply.turn.action in (Action.REPEAT, Action.SLOWER)
                and bool(reply.turn.reply),
                answers_proposal=reply.turn.answers_proposal,
                leaned=reply.turn.leaned,
            )
        )
        return reply

    async def _worked_out(self, prepared: _Prepared | None) -> Reply | None:
        """The reply ``prepared`` at a pause, when it is there and of the knowledge as it is."""
        if prepared is None or prepared.matcher is not self.matchers.current:
            return None
        try:
            return await asyncio.wrap_future(prepared.reply)
        except (Exception, Dropped):  # the voice went on after all, or it failed
            return None

    def _respond(self, transcript: Transcript, matcher: MatchStage | None = None) -> Reply:
        # The matcher is taken once, so a turn never spans two versions of the knowledge.
        matcher = matcher if matcher is not None else self.matchers.current
        turn = Dialogue(self._locked(matcher)).respond(transcript)
        return standalone(turn, matcher.knowledge)

    def _converse(
        self,
        conversation: _Conversation,
        transcript: Transcript,
        understood: Understood | None,
        woken: bool,
    ) -> Reply:
        """The reply to a turn of ``conversation``, its question already worked out
        (``understood``) or not: a yes, a no or "say that again" within
        ``FOLLOW_UP_SECONDS`` of the reply before goes on from it. ``woken``: the visitor
        woke a voice device (``conversed``)."""
        with conversation.lock:
            dialogue = conversation.dialogue
            replied = conversation.replied
            soon = replied is not None and self._clock() - replied <= FOLLOW_UP_SECONDS
            turn = dialogue.respond(transcript, understood, soon, after_reply=soon)
            reply = conversed(turn, dialogue.matcher.knowledge, conversation.said, woken)
            conversation.replied = self._clock()
            if turn.reply and turn.action not in (Action.REPEAT, Action.SLOWER):
                conversation.said = reply
            return reply

    def _current(self) -> MatchStage:
        """The matcher of the knowledge as it is now, used one thread at a time."""
        return self._locked(self.matchers.current)

    def _locked(self, matcher: MatchStage) -> MatchStage:
        return _OneAtATime(matcher, self._matching)

    def _prepare(self, transcript: Transcript) -> None:
        """Work out the reply to a question heard at a pause, on the hearing's thread, so that
        it is ready when Home Assistant asks it; dropped when the voice goes on."""
        if not transcript.text.strip() or too_long(transcript.text) is not None:
            return
        matcher = self.matchers.current
        reply: Future[Reply] = Future()
        self._heard.prepare(_Prepared(transcript, matcher, reply))
        try:
            reply.set_result(self._respond(self._locked_fit(transcript), matcher))
        except Dropped as dropped:
            reply.set_exception(dropped)
            raise
        except Exception as error:  # it is worked out when asked, as without this
            _log.warning("could not work out a reply at a pause: %s", error)
            reply.set_exception(error)

    def _locked_fit(self, transcript: Transcript) -> Transcript:
        """``transcript`` whose fit to the audio and word timings (passes of the recognizer's
        model, made when hearing again asks for them) wait for the recognizer like any other
        use of it."""
        return replace(
            transcript,
            fit=self._after_hearing(transcript.fit),
            timing=self._after_hearing(transcript.timing),
        )

    def _after_hearing(self, work: Callable[_P, T] | None) -> Callable[_P, T] | None:
        """``work`` made to wait for the recognizer (None stays None)."""
        if work is None:
            return None

        def locked(*args: _P.args, **kwargs: _P.kwargs) -> T:
            with self._hearing:
                return work(*args, **kwargs)

        return locked

    # hearing

    async def transcribe(self, utterance: Utterance) -> Transcript:
        """What was said in ``utterance``."""
        recognizer = self.recognizer
        if recognizer is None:
            raise RequestError("this server offers no speech-to-text")
        if utterance.dropped >= 0.05:
            quiet = f", nor {utterance.quiet:.1f} s of quiet after it" if utterance.quiet else ""
            _log.warning(
                "an utterance of %.1f s is longer than %g s: its first %.1f s were not "
                "heard%s (max_audio in the config's [serve] sets the longest)",
                utterance.seconds + utterance.dropped + utterance.quiet,
                utterance.max_seconds,
                utterance.dropped,
                quiet,
            )
        elif utterance.quiet >= 0.05:
            _log.info(
                "an utterance of %.1f s is longer than %g s: its last %.1f s, quiet, were "
                "not heard",
                utterance.seconds + utterance.quiet,
                utterance.max_seconds,
                utterance.quiet,
            )
        start = time.perf_counter()
        # Taken once it ends: its last resampled samples may make it too long to be heard
        # as it came, and its hearing closed.
        samples = utterance.samples()
        hearing = utterance.hearing
        if hearing is not None:
            transcript = await asyncio.wrap_future(hearing.finish(samples))
        else:
            chunks = list(chunks_from_array(samples, RATE))
            transcript = await self._run(lambda: self._hear(chunks), self._hearing_pool)
        self._heard.keep(transcript)
        self._emit(
            Transcribed(
                transcript.text,
                utterance.seconds,
                utterance.dropped,
                (time.perf_counter() - start) * 1000.0,
                hearing is not None and hearing.worked_ahead,
            )
        )
        return transcript

    # speaking

    async def synthesize(self, text: str) -> list[AudioChunk]:
        """``text`` spoken in knotvoice's voice, as chunks at the voice's own rate, made fit
        for speaking first as the kiosk's replies are (Home Assistant sends any agent's reply
        here: bold marks, emoji, links and "£35/month" are read as words, not as symbols)."""
        synthesizer = self.synthesizer
        if synthesizer is None:
            raise RequestError("this server offers no text-to-speech")
        if len(text) > MAX_SPEAK_CHARS:
            whole, text = len(text), _start_of(text, MAX_SPEAK_CHARS)
            _log.warning(
                "a text to speak of %d characters is longer than %d: its first %d are spoken",
                whole,
                MAX_SPEAK_CHARS,
                len(text),
            )
        start = time.perf_counter()

        def speak() -> list[AudioChunk]:
            # Made speakable in the voice's thread: the event loop serves every connection.
            spoken = speakable(text)
            if self._answers is not None and spoken in self._expect_answers():
                return self._answers.synthesize(spoken)
            return synthesizer.synthesize(spoken)

        audio = await self._run(speak, self._voice)
        self._emit(
            Spoken(
                len(text),
                sum(chunk.seconds for chunk in audio),
                (time.perf_counter() - start) * 1000.0,
            )
        )
        return audio

    def _expect_answers(self) -> frozenset[str]:
        """The knowledge's answers as spoken, rendered ahead (again, after a reload): only
        these are kept, not what other agents' replies Home Assistant has spoken here."""
        knowledge = self.knowledge
        if self._answers is not None and knowledge is not self._ready_for:
            self._ready_for = knowledge
            self._ready = frozenset(spoken_answer(entry) for entry in knowledge.entries)
            self._answers.expect(sorted(self._ready))
        return self._ready

    def _emit(self, event: ServedEvent) -> None:
        if isinstance(event, Answered):
            _log.debug(
                "turn: %r -> %s %s%s",
                event.transcript,
                event.decision,
                event.entry or "-",
                f" ({event.score})" if event.score is not None else "",
            )
        elif isinstance(event, Transcribed):
            _log.debug("heard %r in %.1f s of audio", event.text, event.audio_seconds)
        if self._report is not None:
            self._report(event)
