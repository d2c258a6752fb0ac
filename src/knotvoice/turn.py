"""One turn: what the kiosk heard becomes what it does and says.

Every front end answers through ``Dialogue.respond``: ``knotvoice ask`` (typed or recorded),
``knotvoice eval``, and the kiosk loop. So an evaluation measures exactly what a visitor
gets. A turn is a follow-up command ("yes" after a did-you-mean, "the first one" after the
questions a reject read out, "say that again", "stop"), or a question: heard again for the
knowledge's key words when it cannot be answered as heard, matched, and given its reply.
The turn owns no engine; recognition and speech synthesis happen around it.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from knotvoice.asr import Recognizer, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.knowledge import Entry, Knowledge
from knotvoice.lang import english, words
from knotvoice.match import Candidate, Decision, Match, MatchStage, Reason
from knotvoice.match.rehear import RehearSettings, rehear
from knotvoice.match.text import content_words, normalize, stem, terms
from knotvoice.speech.reply import (
    did_you_mean,
    nearest,
    read_out,
    reply_text,
    small_talk,
    which_one,
)

__all__ = [
    "COMMANDS",
    "MAX_QUESTION_CHARS",
    "MISHEARD_ANSWER_WORDS",
    "NEXT_VISITOR_SECONDS",
    "Action",
    "Dialogue",
    "Turn",
    "Understood",
    "as_text",
    "command_of",
    "hear",
    "picks",
    "rejection",
    "tapped",
    "too_long",
    "typed",
]

logger = logging.getLogger(__name__)


class Action(enum.StrEnum):
    """What the kiosk does after one utterance."""

    ANSWER = "answer"
    CONFIRM = "confirm"
    """Ask "Did you mean ...?"."""
    REJECT = "reject"
    REPEAT = "repeat"
    """Say the last reply again."""
    SLOWER = "slower"
    """Say the last reply again, slowly."""
    STOP = "stop"
    NONE = "none"
    """Nothing to do ("yes" with nothing proposed, silence)."""


@dataclass(frozen=True)
class Turn:
    """One utterance and what the kiosk does about it."""

    transcript: Transcript
    """What the turn was answered from: as heard, or as heard again."""
    action: Action
    match: Match | None
    """The match behind the turn (None for repeat, slower, stop and none)."""
    entry: Entry | None
    """The entry answered or proposed, if any."""
    reply: str
    """What to say ("" when nothing is to be said)."""
    match_ms: float = 0.0
    """Milliseconds spent matching (hearing again included)."""
    offered: tuple[Entry, ...] = ()
    """The entries whose questions a reject read out to ask ("You can ask me, for example:
    ...? Or: ...?"), or that a "yes" to them asks which of: "the first one" answers the
    first of them and "the other one" the second; a bare "yes", which could mean either,
    has them read out again ("Which one: ...? Or: ...?"), unless only one was read out."""
    answers_proposal: bool = False
    """The utterance answered the open did-you-mean (or the questions a reject read out): a
    "yes", a "no" or "the other one", not a question."""
    acknowledged: bool = False
    """The utterance took in the answer before it ("okay", "lovely", "thanks"): nothing to
    do."""
    leaned: bool = False
    """The question was answered as leaning on the answer before it ("how much is it?"), not
    on its own words alone."""


@dataclass(frozen=True)
class Understood:
    """A question worked out: what it was answered from and its match. It changes nothing in
    the dialogue, so it may be worked out ahead (while the visitor might still speak on)."""

    transcript: Transcript
    match: Match
    match_ms: float
    """Milliseconds spent matching (hearing again included)."""
    knowledge: Knowledge
    """The knowledge it was matched against: a turn answers from one knowledge, so a question
    worked out before the knowledge file changed is worked out again."""


COMMANDS = ("other", "slower", "repeat", "stop", "no", "first", "yes", "thanks")
"""The follow-up commands, in the order they are looked for ("no, the other one": other).
"first" is "yes" but for the questions a reject read out, where it names the first and a
bare "yes" could mean either."""
NEXT_VISITOR_SECONDS = 120.0
"""Seconds after the last reply after which whoever speaks is taken for the next visitor: the
conversation (the last reply, an open did-you-mean) is forgotten, and the screen cleared."""
MISHEARD_ANSWER_WORDS = 3
"""An utterance turned away while a did-you-mean is open, of at most this many words, is
taken for its answer misheard (the did-you-mean is asked once more); a longer one is a new
question."""
FOLLOW_UPS_TO_PROPOSAL = ("yes", "first", "no", "other")
"""The commands that answer a did-you-mean."""
FOLLOW_UPS_TO_REPLY = ("repeat", "slower")
"""The commands that ask for the last reply again."""


def command_of(text: str) -> str | None:
    """The follow-up command an utterance is (one of ``COMMANDS``), or None when it is
    something else (a question)."""
    language = english()
    said = language.said(text)
    heard = list(said)
    edges, leading = language.command_edges, language.command_leading
    while said and (said[0] in edges or (len(said) > 1 and said[0] in leading)):
        said.pop(0)
    while said and said[-1] in edges:
        said.pop()
    # As said ("uh huh", though "uh" is an edge word), then without its edge words.
    phrases = _command_phrases()
    for phrase in (tuple(heard), tuple(said)):
        if phrase in phrases:
            return phrases[phrase]
    if not said:
        # Edge words alone: thanks ("thank you", "okay, thanks") is nothing to do; a greeting
        # or a hesitation ("hey kiosk", "um") is left to be answered as a question.
        thanks = language.commands["thanks"]
        return "thanks" if any(word in thanks for word in heard) else None
    while len(heard) > 1 and heard[0] in leading:
        heard.pop(0)
    return _strung(heard)


def thanks(text: str) -> bool:
    """Whether ``text`` is a thanks ("thank you", "cheers") rather than an answer taken in
    ("cool", "got it"): a follow-up "thanks" with a word of the language's ``gratitude``."""
    if command_of(text) != "thanks":
        return False
    return not english().gratitude.isdisjoint(english().said(text))


def leans(text: str) -> bool:
    """Whether ``text`` is a short question that leans on the one before it ("and for
    children?", "how much is it?"): the language's ``leaning``."""
    language = english()
    said = language.said(text)
    while said and said[0] in language.command_edges:
        said.pop(0)
    if not said or len(said) > language.leaning_most_words:
        return False
    opens = any(tuple(said[: len(opener)]) == opener for opener in language.leaning_openers)
    return opens or not language.leaning_words.isdisjoint(said)


def _asks_of(text: str, entry: Entry, knowledge: Knowledge) -> bool:
    """Whether every word ``text`` asks about is in ``entry`` (its question, alternatives
    and answer), the words that ask ("how", "much", "it") left out; or, asking of nothing
    but a price, it asks it of an answer that names one (``_priced``)."""
    language = english()
    asking = (
        language.asking_words
        | language.question_openers
        | language.leaning_words
        | language.leaning_asking
    )
    hints = knowledge.matching
    said = [word for word in content_words(text, hints) if word not in asking]
    written = " ".join((entry.question, *entry.alternatives, entry.answer))
    about = {stem(word) for word in said}
    if about and about <= set(terms(normalize(written, hints))):
        return True  # "and at weekends?", "how do I pay for it?" of "pay and display"
    # "how much is it?", "is there a fee for it?" of an answer with a price; not "where is
    # it?", "is that all?" or "and what can you do?", which any answer would pass
    prices = language.leaning_price_asks
    asks_price = not prices.isdisjoint(language.said(text))
    return asks_price and all(word in prices for word in said) and _priced(entry)


def _priced(entry: Entry) -> bool:
    """Whether ``entry``'s answer names a price: a number with a currency's sign before it
    or after it, or with its name or a word of the language's ``leaning.priced`` after it
    ("£3", "3 pounds", "50p", "12 EUR"); a currency's own unit named ("a pound coin", "five
    euros"); or "free" ("entry is free"). Not "5 p.m.", "step-free", "feel free" or "per
    cent"."""
    return _PRICE.search(entry.answer) is not None


def _price_pattern() -> re.Pattern[str]:
    language = english()
    signs = "".join(re.escape(sign) for sign in language.currencies)

    def either(words: Iterable[str]) -> str:
        return "|".join(sorted(map(re.escape, words), key=len, reverse=True))

    units = language.currencies.values()
    named = {form for names in units for name in names for form in (name, language.plural(name))}
    # named alone, a currency's own unit ("pound"), not its hundredth ("per cent")
    whole = {form for names in units for form in (names[0], language.plural(names[0]))}
    after = either(named | language.leaning_priced)
    return re.compile(
        rf"[{signs}]\s?\d"
        rf"|\d(?:[.,]\d+)?\s?(?:[{signs}]|(?:{after})\b(?!\.?\s?m\b))"
        rf"|\b(?:{either(whole)})\b"
        r"|(?<![-\w])(?<!feel )free\b(?!-)",
        re.IGNORECASE,
    )


_PRICE = _price_pattern()


def leaves(text: str) -> bool:
    """Whether ``text`` says goodbye ("bye", "never mind": the language's ``leaving``), which
    ends the visit, not only the reply."""
    said = english().said(text)
    return any(
        tuple(said[start : start + len(phrase)]) == phrase
        for phrase in english().leaving
        for start in range(len(said))
    )


def picks(transcript: Transcript) -> bool:
    """Whether ``transcript`` answers a proposal (a yes, a no, "the other one"): as heard
    or, when heard short, as another hearing of it has it (as ``Dialogue`` hears it after
    questions read out)."""
    command = command_of(transcript.text)
    if command is not None or len(words(transcript.text)) > MISHEARD_ANSWER_WORDS:
        return command in FOLLOW_UPS_TO_PROPOSAL
    return any(command_of(other) in FOLLOW_UPS_TO_PROPOSAL for other in transcript.alternatives)


@functools.cache
def _command_phrases() -> dict[tuple[str, ...], str]:
    """Each command phrase's words -> its command (the first of ``COMMANDS`` that has it)."""
    commands = english().commands
    return {
        tuple(phrase.split()): command
        for command in reversed(COMMANDS)
        for phrase in commands[command]
    }


@functools.cache
def _longest_phrase() -> int:
    """The most words of a command phrase."""
    return max(len(phrase) for phrase in _command_phrases())


def _strung(said: list[str]) -> str | None:
    """The command of words that string several commands' phrases together ("nope, not
    that", "no, the second one", "uh huh, exactly"), edge words between them: None when a
    word is in no phrase or the phrases disagree. Thanks goes with any other ("no thanks"),
    stop outweighs any ("no, never mind"), "no" gives way to the other one, and asking
    again to asking slower; thanks strung with thanks alone ("lovely, cheers") is thanks."""
    edges = english().command_edges
    phrases = _command_phrases()
    longest = _longest_phrase()
    # parts[start]: the commands of said[start:], longest phrases first; None when it is
    # not made of phrases and edge words. Worked from the end, so no length is too long.
    parts: list[tuple[str, ...] | None] = [None] * len(said) + [()]
    for start in reversed(range(len(said))):
        for length in range(min(longest, len(said) - start), 0, -1):
            command = phrases.get(tuple(said[start : start + length]))
            rest = parts[start + length]
            if command is not None and rest is not None:
                parts[start] = (command, *rest)
                break
        else:
            if said[start] in edges:
                parts[start] = parts[start + 1]
    found = parts[0]
    if not found:
        return None
    commands = set(found) - {"thanks"}
    if not commands:
        return "thanks"
    if "stop" in commands:
        return "stop"
    for gives_way, to in (("no", "other"), ("no", "first"), ("yes", "first"), ("repeat", "slower")):
        if commands == {gives_way, to}:
            return to
    return commands.pop() if len(commands) == 1 else None


def _yes_with_more(text: str, proposed: Entry) -> bool:
    """Whether ``text`` opens with a yes ("um, yeah, ...") and goes on only in words that
    agree with ``proposed``: words that ask ("Yes, where are they?") or that the entry
    itself uses ("Yes, the toilets, where?"). "Yeah, no.", "Yes, the other one", "Yes, I
    mean the weather" do not."""
    language = english()
    said = list(words(text))
    edges = language.command_edges | language.command_leading
    while said and said[0] in edges:
        said.pop(0)
    if len(said) < 2 or said[0] not in language.yes_leading:
        return False
    rest = said[1:]
    if command_of(" ".join(rest)) not in (None, "yes", "thanks") or set(rest) & _refusing():
        return False
    own = " ".join((proposed.question, *proposed.alternatives, proposed.answer, proposed.topic))
    known = {language.singular(word) for word in words(own)}
    agreeing = language.stopwords | language.fillers | edges | language.asking_words
    return all(word in agreeing or language.singular(word) in known for word in rest)


@functools.cache
def _refusing() -> frozenset[str]:
    """The words of the follow-up commands other than a yes ("no", "wrong", "second"), less
    those a yes is said with too ("that one") and stopwords."""
    commands = english().commands
    agreeing = {word for phrase in commands["yes"] for word in phrase.split()}
    refusing = {
        word
        for command in COMMANDS
        if command not in ("yes", "thanks")
        for phrase in commands[command]
        for word in phrase.split()
    }
    return frozenset(refusing - agreeing - english().stopwords)


MAX_QUESTION_CHARS = 500
"""Longest typed question, in characters (an FAQ question is well under 100): a longer one
is refused before it is matched or logged."""


def too_long(text: str) -> str | None:
    """What to say to a typed question longer than ``MAX_QUESTION_CHARS`` (None when it is
    not)."""
    if len(text) <= MAX_QUESTION_CHARS:
        return None
    return english().replies.too_long.format(characters=len(text), limit=MAX_QUESTION_CHARS)


TYPED = "text"
"""The engine of a typed question's transcript."""
TAPPED = "tap"
"""The engine of a choice tapped on the screen."""


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def rejection(knowledge: Knowledge | None) -> str:
    """The reject of nothing asked: "I can't answer that", and a few of the topics to ask
    about."""
    return reply_text(Match(Decision.REJECT, None, None, ""), knowledge)


def tapped(text: str) -> Transcript:
    """A did-you-mean's choice tapped on the screen ("yes", "the other one") as a transcript:
    typed, but a tap on a button left from before answers nothing, as a "yes" said does."""
    return Transcript(text=text, engine=TAPPED)


def typed(text: str) -> Transcript:
    """A typed question as a transcript (``as_text``)."""
    return Transcript(text=as_text(text), engine=TYPED)


def as_text(text: str) -> str:
    """``text`` with each character of text that was not UTF-8 (a lone surrogate: a Latin-1
    terminal's "café", a JSON "\\udce9") a space: the sentence model cannot take one, and
    a page cannot be sent one."""
    return _SURROGATE_RE.sub(" ", text)


def hear(recognizer: Recognizer, chunks: Iterable[AudioChunk]) -> tuple[Transcript, float]:
    """Recognise an utterance; returns the transcript and the milliseconds it took."""
    start = time.perf_counter()
    transcript = recognizer.transcribe(chunks)
    return transcript, (time.perf_counter() - start) * 1000.0


def _in(match: Match | None, knowledge: Knowledge) -> Match | None:
    """``match``'s proposal as entries of ``knowledge`` (the same ids): None when it no
    longer has the entry proposed (a "yes" agreed to that one), without the other entry
    when only that one is gone."""
    if match is None or match.best is None:
        return match
    entries = {entry.id: entry for entry in knowledge.entries}
    if match.best.entry.id not in entries:
        return None
    other = match.runner_up
    return replace(
        match,
        best=replace(match.best, entry=entries[match.best.entry.id]),
        runner_up=(
            replace(other, entry=entries[other.entry.id])
            if other is not None and other.entry.id in entries
            else None
        ),
    )


class Dialogue:
    """Turns utterances into turns, remembering the last reply and any open did-you-mean (or
    questions a reject read out)."""

    def __init__(
        self,
        matcher: MatchStage,
        rehearing: RehearSettings | None = None,
        follow: Callable[[], MatchStage] | None = None,
    ) -> None:
        """``follow``, when given, says which matcher answers now (one that follows its
        knowledge file); it is asked once per turn, so no turn mixes two knowledges."""
        self.matcher = matcher
        self._rehearing = rehearing
        self._follow = follow
        self._pending: Match | None = None
        self._offered = False
        """Whether ``_pending`` is the questions a reject read out, not a did-you-mean."""
        self._asked_again = False
        self._last_reply = ""
        self._answered = False
        """Whether the last reply was an answer (not a did-you-mean or a reject)."""
        self._answered_entry: Entry | None = None
        """The entry the last reply answered, if it was an answer."""
        self._proposed: tuple[Match | None, bool] = (None, False)
        """What the last reply proposed (``_pending`` and ``_offered`` as it was said):
        saying it again proposes it again."""

    @property
    def pending(self) -> Match | None:
        """The did-you-mean (or the questions a reject read out) waiting for a yes or no, if
        any."""
        return self._pending

    def reset(self) -> None:
        """Forget the conversation (a new visitor)."""
        self._pending = None
        self._last_reply = ""
        self._answered = False
        self._answered_entry = None
        self._proposed = (None, False)

    def understand(self, transcript: Transcript) -> Understood | None:
        """The question ``transcript`` asks, matched (heard again when not answered as
        heard); None when it is a follow-up command or nothing. Safe from any thread."""
        if not transcript.text.strip() or command_of(transcript.text) is not None:
            return None
        return self._understood(
            transcript, self._follow() if self._follow is not None else self.matcher
        )

    def _understood(self, transcript: Transcript, matcher: MatchStage) -> Understood:
        start = time.perf_counter()
        heard, match = rehear(transcript, matcher, self._rehearing)
        return Understood(heard, match, (time.perf_counter() - start) * 1000.0, matcher.knowledge)

    def respond(
        self,
        transcript: Transcript,
        understood: Understood | None = None,
        follow_up: bool = True,
        *,
        after_reply: bool = True,
    ) -> Turn:
        """The turn for one utterance (typed or recognised); ``understood`` is its question
        already worked out (by ``understand``). ``follow_up`` is False when the utterance
        came long after the did-you-mean was asked: a "yes" then answers nothing (it may be
        the next visitor's), and the did-you-mean is forgotten. ``after_reply`` is False when
        it came after the follow-up window of the last reply."""
        withdrawn = False
        if self._follow is not None:
            current = self._follow()
            if current.knowledge is not self.matcher.knowledge:
                # A did-you-mean asked before the file changed is answered from it as it is
                # now: an answer edited since is read as edited, an entry removed is
                # proposed no more.
                pending = _in(self._pending, current.knowledge)
                withdrawn = self._pending is not None and pending is None
                self._pending = pending
                proposal, as_offered = self._proposed
                self._proposed = (_in(proposal, current.knowledge), as_offered)
                if self._answered_entry is not None:  # leant on as it is now, if still there
                    answered = self._answered_entry.id
                    self._answered_entry = next(
                        (entry for entry in current.knowledge.entries if entry.id == answered),
                        None,
                    )
                if proposal is not None and self._proposed[0] is None:
                    # said again, the proposal gone would ask a yes that answers nothing
                    self._last_reply = english().replies.ask_again
            self.matcher = current
        text = transcript.text
        if not text.strip():
            return Turn(transcript, Action.NONE, None, None, "")
        transcript, command = self._command(transcript, follow_up, after_reply)
        pending = self._pending
        if command in FOLLOW_UPS_TO_PROPOSAL and pending is not None and not follow_up:
            self._pending = None
            return Turn(transcript, Action.NONE, None, None, "")
        if command in FOLLOW_UPS_TO_PROPOSAL and pending is not None and pending.best is not None:
            if command == "yes" and self._offered and pending.runner_up is not None:
                # Two questions were read out: a bare yes could mean either, so ask which.
                both = (pending.best.entry, pending.runner_up.entry)
                return self._said(
                    Turn(
                        transcript,
                        Action.REJECT,
                        pending,
                        None,
                        which_one(both),
                        offered=both,
                        answers_proposal=True,
                    )
                )
            self._pending = None
            if command in ("yes", "first"):
                return self._answer(transcript, pending, pending.best, pending.runner_up)
            if command == "other" and pending.runner_up is not None:
                return self._answer(transcript, pending, pending.runner_up, pending.best)
            if command == "no" and pending.runner_up is not None and not self._offered:
                # the other entry it was between, itself likely: proposed in turn
                second = pending.runner_up
                self._pending = replace(pending, best=second, runner_up=None)
                self._asked_again = False
                reply = did_you_mean(second.entry, then=True)
                return self._said(
                    Turn(
                        transcript,
                        Action.CONFIRM,
                        self._pending,
                        second.entry,
                        reply,
                        answers_proposal=True,
                    )
                )
            ask_again = english().replies.ask_again
            return self._said(
                Turn(transcript, Action.REJECT, pending, None, ask_again, answers_proposal=True)
            )
        if command in ("repeat", "slower"):
            # The reply said again asks again what it asked, even once its time had passed.
            action = Action.REPEAT if command == "repeat" else Action.SLOWER
            offered: tuple[Entry, ...] = ()
            if self._last_reply:
                self._pending, self._offered = self._proposed
                if self._offered and self._pending is not None:
                    said = (self._pending.best, self._pending.runner_up)
                    offered = tuple(found.entry for found in said if found is not None)
            return Turn(transcript, action, None, None, self._last_reply, offered=offered)
        if command == "stop":
            # The reply stops. A did-you-mean stays open to a yes or a tap, as the screen's
            # Stop button leaves it, its question and choices still shown, but is not asked
            # again of what is not its answer; a "bye" or "never mind" forgets it.
            if leaves(transcript.text):
                # the visitor goes: a "yes", "say that again" or "okay" after it takes up
                # nothing of theirs (the next visitor's "say that again" brought it back)
                self.reset()
            self._asked_again = True
            return Turn(transcript, Action.STOP, None, None, "")
        if command in FOLLOW_UPS_TO_PROPOSAL and withdrawn and follow_up:
            # What was proposed has left the knowledge file since: the question is asked again
            # (a yes to it is told it can no longer be answered; a no was already doing so).
            replies = english().replies
            again = replies.ask_again if command == "no" else replies.withdrawn
            # a no still answers what was asked (a yes is told it is gone)
            no = command == "no"
            return self._said(
                Turn(transcript, Action.REJECT, None, None, again, answers_proposal=no)
            )
        if command == "yes" and self._answered and after_reply:
            # "okay", "lovely" after an answer: taken, and the answer left to finish.
            return Turn(transcript, Action.NONE, None, None, "", acknowledged=True)
        if command in FOLLOW_UPS_TO_PROPOSAL and transcript.engine == TYPED:
            # Typed, a "yes" to nothing is no talk in the room: the visitor who typed it is
            # told what can be asked rather than shown nothing.
            nothing = Match(Decision.REJECT, None, None, "", Reason.NO_QUESTION)
            return self._turned_away(transcript, nothing, 0.0)
        if command == "thanks":
            # "cool", "thanks" after an answer takes it in; there is nothing else to do
            taken = self._answered and after_reply
            return Turn(transcript, Action.NONE, None, None, "", acknowledged=taken)
        if command in FOLLOW_UPS_TO_PROPOSAL:
            # Nothing was proposed: there is nothing to agree or disagree with.
            return Turn(transcript, Action.NONE, None, None, "")
        if understood is not None and understood.knowledge is not self.matcher.knowledge:
            understood = None  # worked out ahead, and the knowledge file has changed since
        # the matcher of this turn, not the one a reload may have brought since it began
        understood = understood or self._understood(transcript, self.matcher)
        transcript, match, match_ms = understood.transcript, understood.match, understood.match_ms
        if (
            match.decision is Decision.REJECT
            and follow_up
            and pending is not None
            and pending.best is not None
            and not self._offered
            and _yes_with_more(transcript.text, pending.best.entry)
        ):
            # "Yes, where are they?": the did-you-mean's yes, and words that cannot be answered
            # on their own.
            self._pending = None
            return self._answer(transcript, pending, pending.best, pending.runner_up)
        if self._misheard_answer(match, transcript, follow_up) and pending and pending.best:
            # Most likely a yes or no misheard: ask once more rather than turn it away.
            self._asked_again = True
            proposed = pending.best.entry
            again = did_you_mean(proposed, again=True)
            return self._said(Turn(transcript, Action.CONFIRM, pending, proposed, again, match_ms))
        leaned = self._leaning(transcript, match, after_reply)
        if leaned is not None:  # no did-you-mean is open (``_leaning``)
            match, match_ms = leaned[0], match_ms + leaned[1]
            entry = match.best.entry if match.best is not None else None
            reply = reply_text(match, self.matcher.knowledge)
            return self._said(
                Turn(transcript, Action.ANSWER, match, entry, reply, match_ms, leaned=True)
            )
        if match.decision is Decision.REJECT:
            return self._turned_away(transcript, match, match_ms)
        reply = reply_text(match, self.matcher.knowledge)
        entry = match.best.entry if match.best is not None else None
        if match.decision is Decision.CONFIRM:
            self._pending, self._offered = match, False
            self._asked_again = False
            return self._said(Turn(transcript, Action.CONFIRM, match, entry, reply, match_ms))
        self._pending = None
        return self._said(Turn(transcript, Action.ANSWER, match, entry, reply, match_ms))

    def _leaning(
        self, transcript: Transcript, match: Match, after_reply: bool
    ) -> tuple[Match, float] | None:
        """The match of ``transcript``, not answered on its own (``match``), with the question
        answered just before it put first, and the milliseconds it took, when it leans on
        that one ("and for children?", "how much is it?": ``leans``) and is then answered;
        None otherwise."""
        before = self._answered_entry
        if (
            before is None
            or not after_reply
            or self._pending is not None
            or match.decision is Decision.ANSWER
            or not leans(transcript.text)
            or small_talk(transcript.text) is not None
            or not _asks_of(transcript.text, before, self.matcher.knowledge)
        ):
            return None
        start = time.perf_counter()
        joined = self.matcher.match(
            f"{before.question} {transcript.text}",
            tuple(f"{before.question} {other}" for other in transcript.alternatives),
            transcript.likelihoods,
        )
        if joined.decision is not Decision.ANSWER:
            return None
        return joined, (time.perf_counter() - start) * 1000.0

    def _turned_away(self, transcript: Transcript, match: Match, match_ms: float) -> Turn:
        """The turn of ``transcript`` turned away (``match``): the reply names what can be
        asked, and questions it reads out (a file without topics) are offered to pick."""
        reply = reply_text(match, self.matcher.knowledge, transcript.text)
        self._pending = offer = self._offer(match, transcript.text)
        self._offered = offer is not None
        picks = () if offer is None else (offer.best, offer.runner_up)
        offered = tuple(found.entry for found in picks if found is not None)
        return self._said(Turn(transcript, Action.REJECT, match, None, reply, match_ms, offered))

    def _offer(self, match: Match, heard: str) -> Match | None:
        """The questions the reject of ``match`` (of ``heard``) reads out, as a did-you-mean
        between them (the first as its best); None when it reads out none."""
        named = read_out(self.matcher.knowledge, nearest(match, heard))
        if not named:
            return None
        found = (match.best, match.runner_up)
        scores = {candidate.entry.id: candidate.score for candidate in found if candidate}
        first, *second = (Candidate(entry, scores.get(entry.id, 0.0)) for entry in named)
        return replace(match, best=first, runner_up=second[0] if second else None)

    def _command(
        self, transcript: Transcript, follow_up: bool, after_reply: bool
    ) -> tuple[Transcript, str | None]:
        """The follow-up command ``transcript`` says, if any, and the hearing that says it.

        As heard; or, while a follow-up is awaited (a yes or no to a did-you-mean, a
        "pardon" after a reply), as another hearing of the same audio has it: a short word
        alone is easily misheard ("Yet." for "Yep.", "Parton." for "Pardon?"), and the
        recognizer's runner-up hearings often hold it. A command no one awaits is taken as
        heard only, so a question is never lost to a hearing it was not."""
        command = command_of(transcript.text)
        if command is not None:
            return transcript, command
        awaited: tuple[str, ...] = ()
        short = len(words(transcript.text)) <= MISHEARD_ANSWER_WORDS
        if follow_up and self._pending is not None and (short or not self._offered):
            # After questions read out, a long hearing is more likely a new question.
            awaited += FOLLOW_UPS_TO_PROPOSAL
        if after_reply and self._last_reply:
            awaited += FOLLOW_UPS_TO_REPLY
        for other in transcript.alternatives:
            command = command_of(other)
            if command in awaited:
                return replace(transcript, text=other), command
        return transcript, None

    def _misheard_answer(self, match: Match, transcript: Transcript, follow_up: bool) -> bool:
        """Whether an utterance turned away is more likely the answer to the open
        did-you-mean, misheard ("U.S." for "yes") or unsaid ("hmm"), than a new question: it
        came soon after, it is short and heard (not typed) or asks nothing at all ("hmm"
        typed; a greeting is no hesitation), and the did-you-mean has not been asked again
        already (nor stopped)."""
        heard_short = (
            transcript.engine not in (TYPED, TAPPED)
            and len(words(transcript.text)) <= MISHEARD_ANSWER_WORDS
        )
        hesitation = not match.query and small_talk(transcript.text) is None
        return (
            match.decision is Decision.REJECT
            and self._pending is not None
            and not self._offered
            and follow_up
            and (
                (not self._asked_again and (heard_short or hesitation))
                # typed, a hesitation is the visitor's, however often, and after a stop
                or (hesitation and transcript.engine == TYPED)
            )
        )

    def _answer(
        self, transcript: Transcript, match: Match, chosen: Candidate, other: Candidate | None
    ) -> Turn:
        answered = replace(
            match, decision=Decision.ANSWER, best=chosen, runner_up=other, reason=Reason.CONFIRMED
        )
        reply = reply_text(answered, self.matcher.knowledge)
        turn = Turn(transcript, Action.ANSWER, answered, chosen.entry, reply, answers_proposal=True)
        return self._said(turn)

    def _said(self, turn: Turn) -> Turn:
        if turn.reply:
            self._answered = turn.action is Action.ANSWER
            self._answered_entry = turn.entry if self._answered else None
            self._last_reply = turn.reply
            self._proposed = (self._pending, self._offered)
        return turn
