"""What the turn log says: how the kiosk is doing, and which questions it could not answer.

``tally`` counts the turns of a period as it reads them (answered, did-you-mean, rejected,
per day), the reply latency, and groups the questions that were rejected or only got a
did-you-mean by knowledge file and what they ask (their words, then their meaning as the
matcher's sentence model reads it), most frequent first, each with the entry of that file it
came closest to: what to add a phrasing or an entry for. It keeps counts, not turns.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import logging
import math
import os
import re
import shlex
import sys
import time
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from knotvoice.errors import KnotvoiceError, KnowledgeError
from knotvoice.journal import STALE_SECONDS, Misstamped, read_status, read_turns
from knotvoice.knowledge import load, phrase_key
from knotvoice.lang import english, unaccented
from knotvoice.match.calibration import ANSWER_AT, CONFIRM_AT
from knotvoice.match.text import STOPWORDS, normalize, stem
from knotvoice.speech.reply import small_talk
from knotvoice.turn import FOLLOW_UPS_TO_PROPOSAL, command_of

if TYPE_CHECKING:
    from knotvoice.match.semantic import SemanticModel

__all__ = [
    "FIELDS",
    "Asked",
    "Day",
    "Summary",
    "Tally",
    "Worded",
    "by_day",
    "meanings",
    "page",
    "parse_since",
    "summarize",
    "tally",
    "unprintable",
]

logger = logging.getLogger(__name__)
_ENGLISH = english()

ALIKE = 75.0
"""Two questions that share this share of the words that say what they ask about (twice the
words they share over the words of both, 0 to 100; a word's stem counts, not its spelling,
and not the words that ask: ``_stems``) are grouped as one: "where can I park my car" and
"where do I park the car", "can I bring my dog" and "are dogs allowed"; not "what time does
the pool open" and "what time does the cafe open", nor "how much is parking" and "how much
is printing". Compared letter by letter, one word of a
short question was too little to tell them apart."""
SAME_SUBJECT = 0.73
"""Two groups of questions worded alike whose most frequent wordings mean this alike (the
cosine of their sentence embeddings, as the matcher reads a question) ask the same thing
and are one group: "do you have a swimming pool" and "is there a pool" (0.82), "can I take
photos" and "is photography allowed" (0.75); not "is there a bus" and "is there a train"
(0.71), nor "late checkout" and "early check in" (0.70). Measured on 43 pairs of questions
written for it (``docs/operating.md``)."""
APART = 0.12
"""Taken off the meaning's score of two wordings that share a content word (one that asks,
such as "where" or "bring", counts) while each has one of what it asks about of its own
("can I bring my dog" and "can I bring my cat", 0.82): the word they share draws their meanings together whatever the rest says
("bike parking" and "car parking", 0.81; "pool times" and "pool party hire"), so they must
mean each other more closely to be one ("what time do you close" and "what time do you
shut", 0.86). A wording whose words hold all of the other's ("where do I park my bike",
"bike parking") is not taken off."""
MEANT = 300
"""At most this many groups worded alike, the most frequent (of those as frequent, the
first asked), are compared by meaning: each is a sentence to embed, 10 to 40 ms on a 2-core
x86 machine and more on a Raspberry Pi. The rarer ones of a long or busy period are grouped
by their words alone."""
WORDINGS = 10
"""The wordings of a group listed (``Asked.wordings``), most frequent first."""
FIELDS = (
    "question",
    "heard",
    "decision",
    "handled",
    "entry",
    "closest",
    "probability",
    "offered",
    "repeated",
    "answers_proposal",
    "leaned",
    "reply_ms",
    "typed",
    "knowledge_file",
    "knowledge",
    "conversation",
    "front",
)
"""The keys of a turn line the report reads (``read_turns(..., fields=FIELDS)``)."""
QUESTIONS = ("answer", "confirm", "reject")
"""Decisions that answer a question (the others are follow-ups: repeat, stop, ...)."""


Embed = Callable[[Sequence[str]], "npt.NDArray[np.float32] | None"]
"""Texts to unit-length sentence embeddings, a row each (``SemanticModel.embed``); None when
there is no model to embed them with (``meanings``)."""


@dataclass(frozen=True)
class Worded:
    """One wording of a group of questions, and how often it was asked."""

    text: str
    count: int


@dataclass(frozen=True)
class Asked:
    """Questions that ask the same thing (worded alike, or meaning the same) that the kiosk
    did not answer."""

    question: str
    """The most frequent wording."""
    count: int
    """The questions of every wording."""
    closest: str | None
    """The entry they came closest to (the one most often proposed)."""
    examples: tuple[str, ...]
    """Up to three other wordings."""
    knowledge: str | None = None
    """The path of the knowledge file they were asked of (None: not logged; the command then
    adds to the file the settings name)."""
    probability: float | None = None
    """How likely the closest entry was the answer, at best over the questions (None: not
    logged, as in logs from before it was)."""
    declined: tuple[str, ...] = ()
    """The entries a did-you-mean proposed and the visitor said no to (a no to one, then to
    the other proposed in turn, names both; none when the wording has since been added to
    one: ``added``)."""
    added: str | None = None
    """The entry of the knowledge file, as it is now, whose phrasing the wording is: it was
    added since (``knotvoice knowledge add``), and there is nothing more to do."""
    gone: bool = False
    """Whether the closest entry is no longer in the knowledge file as it is now (taken
    out, or the file replaced by another FAQ): no command adds to it."""
    chosen: bool = False
    """Whether a visitor chose the closest entry: said yes to its did-you-mean, asked for it
    as "the other one", or picked it among the questions a reject read out."""
    wordings: tuple[Worded, ...] = ()
    """The wordings asked: ``question`` first, then the others, the most frequent first (at
    most ``WORDINGS``; their counts add up to ``count`` when there are no more)."""

    @property
    def far(self) -> bool:
        """True when even the closest entry was not worth a did-you-mean: the question is
        likely outside the FAQ, and its wording no phrasing of that entry."""
        return self.probability is not None and self.probability < CONFIRM_AT

    @property
    def unsure(self) -> bool:
        """True when the closest entry was worth a did-you-mean but not an answer, and no
        visitor chose it: whether the wording asks what it answers ("do you have a spa" of
        accessible rooms, 39% likely) only the operator can tell."""
        return (
            not self.chosen
            and self.probability is not None
            and CONFIRM_AT <= self.probability < ANSWER_AT
        )

    @property
    def closeness(self) -> str:
        """The closest entry and how close it came, as the report shows it: ``parking, 39%
        likely, not chosen by a visitor: add it there only if it asks what that entry
        answers``."""
        said = [self.closest or "-"]
        if self.gone and not self.added:
            # nothing said of the entry itself holds: it is not there to add to
            said.append(
                "no longer in the knowledge file: add the wording to the entry that answers "
                "it now, if one does"
            )
            return ", ".join(said)
        if self.probability is not None and self.closest and not self.far:
            said.append(f"{100 * self.probability:.0f}% likely")
        if self.far:
            said.append("far off: likely outside the FAQ")
        elif self.unsure and not self.added:
            said.append(
                "not chosen by a visitor: add it there only if it asks what that entry answers"
            )
        elif self.chosen and self.closest and not self.added:
            said.append("a visitor chose it")
        if self.declined:
            who = "the visitor" if self.count == 1 else "the visitors"
            said.append(f"{who} said no to {' and '.join(self.declined)}")
        if self.added:
            said.append(f"added since to {self.added}")
        return ", ".join(said)

    @property
    def command(self) -> str | None:
        """The command that adds the wording to the closest entry of the file it was asked of,
        ready to paste (None when no entry came close, it was far off, or the kiosk was
        unsure of it and no visitor chose it: ``unsure``)."""
        if self.closest is None or self.far or self.unsure or self.added or self.gone:
            return None
        # the wording as an alternative is written: without the recognizer's closing mark,
        # and without a typed control character (a terminal's escape, pasted in)
        said = "".join(char for char in self.question if not unprintable(char))
        wording = said.rstrip(" .?!\u2026\u3002\uff01\uff1f") or said
        if not wording.strip():
            return None
        words = [self.closest, wording] + ([self.knowledge] if self.knowledge else [])
        # "--": a wording that starts with a dash is the wording, not an option.
        dashes = "-- " if any(word.startswith("-") for word in words) else ""
        return f"knotvoice knowledge add {dashes}{' '.join(shlex.quote(w) for w in words)}"


@dataclass(frozen=True)
class Summary:
    turns: int
    answered: int
    confirmed: int
    rejected: int
    latency_p50_ms: float | None
    """End of speech to the reply's first sample, median (None: not measured; the kiosk
    measures it, a server's turns have no end of speech it sees)."""
    latency_p95_ms: float | None
    top_unanswered: tuple[Asked, ...]
    replies: int = 0
    """Turns that were a yes, no or "the other one" said to a did-you-mean (or a pick of the
    questions a reject read out): that question's reply, not a question."""
    follow_ups: int = 0
    """Turns that were no question: "say that again", "stop", a yes with nothing to say yes
    to, silence."""
    failed: int = 0
    """Turns that failed before they were decided."""

    def share(self, count: int) -> str:
        """`` (42%)``: ``count`` as a share of the questions (empty when there were none)."""
        return f" ({100 * count / self.turns:.0f}%)" if self.turns else ""

    def left_out(self) -> str:
        """`` (of 54 turns logged; not counted: 5 replies to a did-you-mean, ...)``: the
        turns, as ``knotvoice status`` counts them, that are no questions (empty when
        every turn was one)."""
        such = ' ("say that again", "stop", ...)'
        parts = [
            f"{count} {name if count == 1 else names}"
            for count, name, names in (
                (self.replies, "reply to a did-you-mean", "replies to a did-you-mean"),
                (self.follow_ups, f"follow-up{such}", f"follow-ups{such}"),
                (self.failed, "failed", "failed"),
            )
            if count
        ]
        logged = self.turns + self.replies + self.follow_ups + self.failed
        return f" (of {logged} turns logged; not counted: {', '.join(parts)})" if parts else ""

    def to_json(self) -> dict[str, Any]:
        """The figures as ``report --json`` writes them: ``turns`` named ``questions``, as the
        text says (a status's ``turns`` counts every turn)."""
        data = asdict(self)
        data = {"questions": data.pop("turns"), **data}
        data["top_unanswered"] = [
            {**asdict(asked), "command": asked.command} for asked in self.top_unanswered
        ]
        return data


def unprintable(char: str) -> bool:
    """Whether ``char`` is a control character, or one that reorders or breaks a line of a
    terminal (a right-to-left override, a line separator): text no visitor says."""
    return (
        unicodedata.category(char) in ("Cc", "Zl", "Zp")
        or "\u202a" <= char <= "\u202e"
        or "\u2066" <= char <= "\u2069"
    )


def parse_since(text: str) -> float:
    """A period such as ``7d``, ``12h``, ``30m`` or ``90s`` in seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if found is None:
        raise ValueError(f"{text!r} is not a period; write it like 7d, 12h, 30m or 90s")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[found.group(2)]
    seconds = float(found.group(1)) * unit
    if seconds <= 0:
        raise ValueError(f"{text!r} holds no time; write it like 7d, 12h, 30m or 90s")
    return seconds


def _percentile(values: array[float], share: float) -> float | None:
    if not values:
        return None
    ordered = np.sort(np.frombuffer(values, dtype=np.float64))
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return round(float(ordered[low] + (ordered[high] - ordered[low]) * (position - low)), 1)


def _proposed(turn: Mapping[str, Any]) -> str | None:
    """The entry ``turn`` proposed, or came closest to: of questions a reject read out (to
    pick from), the first."""
    offered = turn.get("offered") or ()
    entry = turn.get("entry") or (offered[0] if offered else turn.get("closest"))
    return str(entry) if entry else None


def _decision(turn: Mapping[str, Any]) -> str:
    """What became of ``turn`` as the visitor heard it: a served follow-up (``none``, a
    ``repeat`` with nothing to repeat) was replied to with a refusal (``"handled": false``), so
    it is a question rejected; the kiosk's own ``none`` is silence, no question. A served
    "say that again" that said a did-you-mean again (``repeated``) is no refusal."""
    decision = str(turn.get("decision"))
    if decision not in QUESTIONS and turn.get("handled") is False and not turn.get("repeated"):
        return "reject"
    return decision


class _Tied(Counter[str]):
    """Counts that remember where each key was first counted: of keys counted as often, the
    first counted is the most common (as among the turns in the log's order)."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, int] = {}

    def count_at(self, key: str, at: int, times: int = 1) -> None:
        self[key] += times
        self.first[key] = min(at, self.first.get(key, at))

    def add(self, other: _Tied) -> None:
        for key, times in other.items():
            self.count_at(key, other.first[key], times)

    def ranked(self) -> list[str]:
        return sorted(self, key=lambda key: (-self[key], self.first[key]))


class _Alike:
    """Questions not answered that are worded alike: first those of one wording (its words
    normalized), then a group of such wordings. It keeps counts, not turns. Questions whose
    visitor said no to their did-you-mean (``refused``) are a group of their own: their
    wording is no phrasing of the entry refused, however many said yes to it."""

    def __init__(self, key: str, path: str | None, name: str | None, refused: bool) -> None:
        self.key = key
        self.path = path
        self.name = name
        self.refused = refused
        self.wordings = _Tied()
        """How often each wording was heard, as logged."""
        self.entries = _Tied()
        """How often each entry was the one proposed or closest."""
        self.chances: dict[str, float] = {}
        """Per entry, how likely it was the answer, at best."""
        self.declined = _Tied()
        self.picked: set[str] = set()
        """Entries a visitor picked among the questions a reject read out: wanted, however
        unlikely the reject found them."""
        self.chosen: set[str] = set()
        """Entries a visitor chose: said yes to, asked for as "the other one", or picked."""
        self.meant = _Tied()
        """How often each wording of the groups that ask the same thing in other words
        (``join``) was heard: counted with this group, but no evidence of the entry its own
        wording is a phrasing of."""
        self.last = -1
        """Where in the log the last question worded so was (its place)."""

    @property
    def count(self) -> int:
        """The questions worded so, and those that ask the same in other words."""
        return sum(self.wordings.values()) + sum(self.meant.values())

    def came_near(
        self,
        entry: str | None,
        probability: object,
        at: int,
        picked: bool = False,
        chosen: bool = False,
    ) -> None:
        """``entry`` was proposed or closest for the question ``at`` (its place in the log);
        ``picked`` by the visitor among the questions a reject read out; ``chosen`` by the
        visitor (a pick, a yes or "the other one")."""
        if not entry:
            return
        self.entries.count_at(entry, at)
        if picked:
            self.picked.add(entry)
        if chosen:
            self.chosen.add(entry)
        if isinstance(probability, int | float) and probability > self.chances.get(entry, -1.0):
            self.chances[entry] = float(probability)

    def take(self, other: _Alike) -> None:
        self.wordings.add(other.wordings)
        self.entries.add(other.entries)
        for entry, chance in other.chances.items():
            self.chances[entry] = max(chance, self.chances.get(entry, chance))
        self.declined.add(other.declined)
        self.picked |= other.picked
        self.chosen |= other.chosen
        self.path = self.path or other.path

    def join(self, other: _Alike) -> None:
        """Count ``other``, which asks the same thing in other words, with this group. Its
        entries, chances and replies are left out: the command adds this group's wording to
        the entry this group's own questions came closest to, on their own evidence (a
        visitor's yes to another wording is no yes to this one)."""
        self.meant.add(other.wordings)
        self.meant.add(other.meant)

    def asked(self) -> Asked:
        question = self.wordings.ranked()[0]
        every = _Tied()
        every.add(self.wordings)
        every.add(self.meant)
        ranked = [question, *(text for text in every.ranked() if text != question)]
        wordings = tuple(Worded(text, every[text]) for text in ranked[:WORDINGS])
        closest = next(iter(self.entries.ranked()), None)
        declined = tuple(self.declined.ranked())
        return Asked(
            question,
            self.count,
            closest,
            tuple(ranked[1:4]),
            self.path,
            self.chances.get(closest) if closest and closest not in self.picked else None,
            declined if closest is None else (),
            chosen=closest in self.chosen,
            wordings=wordings,
        )


@dataclass
class _Proposed:
    """A did-you-mean whose reply (a yes, a no, "the other one") may come in the next turn."""

    turn: Mapping[str, Any]
    text: str
    entry: str | None
    at: int
    """The question's place among the questions of the log."""
    offered: bool = False
    """Questions a reject read out, not a did-you-mean: its probability was of a reject."""
    declined: str | None = None
    """The entry proposed first, which the visitor said no to (``entry`` came in turn)."""


class Tally:
    """The turn log of a period read once, turn by turn (``add``), keeping counts rather
    than turns: a year of a busy kiosk's turns (200,000) is read in little memory."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(QUESTIONS, 0)
        self.left_out = {"reply": 0, "follow-up": 0, "failed": 0}
        """Turns that are no question, by what they are."""
        self.latencies = array("d")
        self.served = False
        """Whether any turn was served to Home Assistant (whose turns log no latency)."""
        self._days: dict[str, dict[str, int]] = {}
        self._alike: dict[tuple[str | None, str | None, str, bool], _Alike] = {}
        self._answered: dict[tuple[tuple[str | None, str | None], str], int] = {}
        """Per knowledge file and wording (as compared), where in the log it was last
        answered: a wording turned away before then is no question to add."""
        self._waiting: dict[str, _Proposed] = {}
        """Per conversation (one for the kiosk), the did-you-mean (or the questions a reject
        read out) a reply would be to."""
        # Visitors repeat themselves: each text heard is read once, for its words as compared
        # and for the command it is.
        self._words = functools.cache(_words)
        self._command = functools.cache(command_of)

    def add(self, turn: Mapping[str, Any]) -> None:
        """Count one turn; turns come oldest first. A yes, no or "the other one" said to a
        did-you-mean (or to the questions a reject read out) is logged as a turn of its own
        (the kiosk logs a no as a question rejected); it is that question's reply, not a
        question: the did-you-mean takes the entry the visitor chose, or after a no, no entry
        (``declined`` names the one refused)."""
        self.served = self.served or turn.get("front") == "serve"
        decision = _decision(turn)
        if decision not in QUESTIONS:
            self.left_out["failed" if decision == "error" else "follow-up"] += 1
            return
        if turn.get("reply_ms") is not None and not turn.get("typed"):
            # from the end of speech: a question typed on the screen has none
            self.latencies.append(float(turn["reply_ms"]))
        conversation = str(turn.get("conversation"))
        proposed = self._waiting.pop(conversation, None)
        text = str(turn.get("question") or turn.get("heard") or "").strip()
        # A yes the server refused (``none``: of no conversation, or too late) replied to
        # nothing: the did-you-mean went unanswered, and the yes is a question turned away.
        replied = turn.get("decision") != "none"
        if "answers_proposal" in turn:
            # Logged since the kiosk and the server say so: a "yes, where are they?" is a
            # reply, and a yes typed after the kiosk forgot the did-you-mean (the next
            # visitor's) is a question turned away, not a no.
            reply = bool(turn["answers_proposal"])
        else:
            reply = replied and self._command(text) in FOLLOW_UPS_TO_PROPOSAL
        if proposed is not None and reply:
            if decision == "answer" and turn.get("entry"):
                self._settle(proposed, str(turn["entry"]), picked=True)
            elif decision == "confirm" and turn.get("entry"):
                # a no, and the other entry proposed in turn: its reply settles the question
                self._waiting[conversation] = replace(
                    proposed, entry=str(turn["entry"]), declined=proposed.entry
                )
            elif turn.get("offered"):
                # a yes to two questions read out, asked which one: still to be settled
                self._waiting[conversation] = proposed
            else:
                self._refused(proposed, proposed.entry)
            self.left_out["reply"] += 1
            return
        if proposed is not None:
            self._settle(proposed, proposed.entry)
        at = sum(self.counts.values())
        self.counts[decision] += 1
        date = time.strftime("%Y-%m-%d", time.localtime(float(turn.get("time", 0.0))))
        self._days.setdefault(date, dict.fromkeys(QUESTIONS, 0))[decision] += 1
        if decision == "answer":
            key = self._words(text)
            if key and not turn.get("leaned"):
                # a question answered only as leaning on the answer before it ("how much
                # is it?") says nothing of its words asked alone
                self._answered[self._where(turn), key] = at
            return
        entry = _proposed(turn)
        if decision == "confirm" or turn.get("offered"):
            # Counted once its reply says whether the visitor refused it.
            self._waiting[conversation] = _Proposed(
                turn, text, entry, at, bool(turn.get("offered"))
            )
            return
        if self._command(text) is not None or small_talk(text) is not None:
            # "yes", "no" or "say that again" with nothing to reply to, a greeting or "what
            # can you do?": turned away, but no wording to add to an entry ("4x 'no'" led
            # the list of questions not answered)
            return
        alike = self._wording(turn, text, at)
        if alike is not None:
            alike.came_near(entry, turn.get("probability"), at)

    def _refused(self, proposed: _Proposed, entry: str | None) -> None:
        """The visitor said no to ``entry`` (and to the one proposed before it, if any)."""
        refused = self._wording(proposed.turn, proposed.text, proposed.at, refused=True)
        for declined in (proposed.declined, entry):
            if refused is not None and declined:
                refused.declined.count_at(declined, proposed.at)

    def _settle(self, proposed: _Proposed, entry: str | None, picked: bool = False) -> None:
        """The question ``proposed`` proposed ``entry`` after all (its own, or the one the
        visitor chose: ``picked``; a visitor's choice is worth its wording's ``knowledge
        add``, however unlikely the kiosk found it). An entry proposed after a no, left
        unanswered, is no more than the visitor's no to the first."""
        if proposed.declined is not None and not picked:
            self._refused(proposed, None)
            return
        alike = self._wording(proposed.turn, proposed.text, proposed.at)
        if alike is not None:
            from_list = picked and proposed.offered
            # The probability logged is of the entry the question's turn proposed: not of
            # "the other one", nor of an entry proposed after a no.
            own = entry == _proposed(proposed.turn)
            chance = proposed.turn.get("probability") if own and not from_list else None
            alike.came_near(entry, chance, proposed.at, from_list, chosen=picked)

    def _wording(
        self, turn: Mapping[str, Any], text: str, at: int, refused: bool = False
    ) -> _Alike | None:
        key = self._words(text)
        if not key:
            return None
        path, name = self._where(turn)
        found = self._alike.get((path, name, key, refused))
        if found is None:
            found = self._alike[path, name, key, refused] = _Alike(key, path, name, refused)
        found.wordings.count_at(text, at)
        found.last = max(found.last, at)
        return found

    @staticmethod
    def _where(turn: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The knowledge file a turn was answered from: its path and its name."""
        path = str(turn["knowledge_file"]) if turn.get("knowledge_file") else None
        return path, _knowledge_name(turn)

    def summary(self, top: int = 10, embed: Embed | None = None) -> Summary:
        """The figures, and the ``top`` groups of questions not answered that ask the same
        thing: worded alike, and with ``embed`` (the sentence model's), meaning the same."""
        for proposed in self._waiting.values():
            self._settle(proposed, proposed.entry)
        self._waiting.clear()
        as_now = functools.cache(_as_now)  # each file read once, as it is now
        self._overrule(as_now)
        for (path, name, key, refused), alike in list(self._alike.items()):
            if self._answered.get(((path, name), key), -1) > alike.last:
                # answered since, worded so (an edit mended, a knowledge file put back):
                # nothing to add ("far off: likely outside the FAQ" of what it answers)
                del self._alike[path, name, key, refused]
        return Summary(
            turns=sum(self.counts.values()),
            answered=self.counts["answer"],
            confirmed=self.counts["confirm"],
            rejected=self.counts["reject"],
            latency_p50_ms=_percentile(self.latencies, 0.5),
            latency_p95_ms=_percentile(self.latencies, 0.95),
            top_unanswered=tuple(
                _added_since(group.asked(), as_now)
                for group in _grouped(self._alike.values(), embed)[:top]
            ),
            replies=self.left_out["reply"],
            follow_ups=self.left_out["follow-up"],
            failed=self.left_out["failed"],
        )

    def _overrule(self, as_now: Callable[[str], _Now]) -> None:
        """Wordings a visitor said no to, that the operator has since added to the entry
        refused (in the file they were asked of), join the same words not refused: the
        operator's word on them is the last, and the report shows them on one line, added
        since to that entry, not on a line that still says the visitor refused it."""
        for (path, name, key, refused), alike in list(self._alike.items()):
            if not refused or path is None:
                continue
            now = as_now(path).phrasings
            entry = next(
                (
                    now[phrased]
                    for phrased in map(phrase_key, alike.wordings.ranked())
                    if now.get(phrased) in alike.declined
                ),
                None,
            )
            if entry is None:
                continue
            del self._alike[path, name, key, True]
            alike.entries.count_at(entry, alike.declined.first[entry], alike.count)
            alike.declined, alike.refused = _Tied(), False
            kept = self._alike.setdefault((path, name, key, False), alike)
            if kept is not alike:
                kept.take(alike)

    def days(self) -> list[Day]:
        """The questions counted per local calendar day, oldest first; a day with none is
        left out."""
        return [
            Day(date, day["answer"], day["confirm"], day["reject"])
            for date, day in sorted(self._days.items())
        ]


@dataclass(frozen=True)
class _Now:
    """A knowledge file as it is now: its phrasings (as ``phrase_key``), the entry of each,
    and its entries' ids; both empty when it cannot be read."""

    phrasings: Mapping[str, str]
    ids: frozenset[str]


def _as_now(path: str) -> _Now:
    try:
        knowledge = load(path)
    except (KnowledgeError, OSError):
        return _Now({}, frozenset())
    found = {phrase_key(text): entry.id for entry in knowledge.entries for text in entry.phrases}
    return _Now(found, frozenset(knowledge.ids))


def _added_since(asked: Asked, as_now: Callable[[str], _Now]) -> Asked:
    """``asked``, with the entry its wording is now a phrasing of, in the file it was asked
    of: an operator who followed the report's advice sees it done, not the same command;
    or marked ``gone`` when its closest entry is in that file no more."""
    if asked.knowledge is None:
        return asked
    now = as_now(asked.knowledge)
    entry = now.phrasings.get(phrase_key(asked.question))
    if entry:
        return dataclasses.replace(asked, added=entry)
    if now.ids and asked.closest is not None and asked.closest not in now.ids:
        return dataclasses.replace(asked, gone=True)
    return asked


def _words(text: str, vocabulary: Set[str] = frozenset()) -> str:
    """What a question is compared by: the stems of its content words in alphabetical
    order, those that say what it asks about twice (``_stems``), so that they weigh twice
    the words that ask ("where can I park" and "where can I park my car" read alike, "what
    time does the pool open" and "what time does the cafe open" do not), or its words when
    it has no content word ("what is it"). Latin letters are compared without their
    accents: whisper writes "café" and "cafe" alike often."""
    every = _stems(text, vocabulary, asking=True)
    subject = _stems(text, vocabulary)
    weighed = [word for word in every if word not in subject] + [*subject, *subject]
    return " ".join(sorted(weighed)) or _said(text)


@functools.lru_cache(maxsize=1 << 16)
def _said(text: str) -> str:
    """``text`` normalized, its Latin letters without accents. A wording is read this way
    three times over (``_words``, ``_vocabulary``, and ``_words`` again with the
    vocabulary): once is enough for a year of a busy kiosk's questions."""
    return normalize(unaccented(text))


def _stems(text: str, vocabulary: Set[str] = frozenset(), asking: bool = False) -> frozenset[str]:
    """The stems of the words of ``text`` that say what it asks about: its content words
    without those that ask (``asking_words`` of ``lang/en.yaml``: "can I bring my dog" and
    "are dogs allowed" are both of dogs), or with them when it has no other. Two words
    whose letters together are one word of ``vocabulary`` (the other questions' words) are
    that word, as a recognizer or a visitor wrote it apart or together: "car park" and
    "carpark", "wi fi" and "wifi", "check in" and "checkin". A stem is stemmed again, so
    that "holidays" and "holiday" are one. With ``asking``, the words that ask too."""
    said = _said(text).split()
    joined: list[str] = []
    for word in said:
        if joined and joined[-1] + word in vocabulary:
            joined[-1] += word
        else:
            joined.append(word)
    content = [word for word in joined if word not in STOPWORDS]
    asks = () if asking else _ENGLISH.asking_words
    subject = [word for word in content if word not in asks] or content
    return frozenset(stem(stem(word)) for word in subject)


def _vocabulary(groups: Iterable[_Alike]) -> frozenset[str]:
    """The words of the questions of ``groups`` (normalized): what two words written
    apart may be together (``_stems``)."""
    return frozenset(
        word for group in groups for text in group.wordings for word in _said(text).split()
    )


class _Letters:
    """Each word as one letter of its own, so that comparing two questions' words in
    compiled code (``fuzz.ratio``) counts whole words, not the letters they are spelt with.
    Past the last character (a million words), a question's words are numbers instead:
    compared alike, only slower."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def __call__(self, words: str) -> str | list[int]:
        numbers = self._numbers
        key = [numbers.setdefault(word, 0x10000 + len(numbers)) for word in words.split()]
        if max(key, default=0) > sys.maxunicode:
            return key
        return "".join(map(chr, key))


def _grouped(wordings: Iterable[_Alike], embed: Embed | None = None) -> list[_Alike]:
    """Wordings gathered into groups worded alike, the largest group first, and with
    ``embed``, those groups into groups that mean the same (``_by_meaning``). The most
    frequent wordings come first and found the groups; each other wording joins the group
    of the same knowledge file whose first wording it is most like (``ALIKE``), or founds
    one. Each wording is compared, in compiled code, with the groups whose first wording
    shares one of its words (no other can be as like it as ``ALIKE``): a year of a busy
    kiosk's questions is grouped in seconds. Questions whose visitor refused their
    did-you-mean are grouped apart (``_Alike.refused``)."""
    groups: list[_Alike] = []
    by_name: dict[
        tuple[str | None, bool],
        tuple[list[_Alike], list[str | list[int] | None], set[str], dict[str | int, list[int]]],
    ] = {}
    """Per knowledge file name (and refused or not), its groups, their first wordings (as
    letters), their files' paths, and per word (letter), the groups whose first wording
    holds it, in order."""
    letters = _Letters()
    wordings = list(wordings)
    vocabulary = _vocabulary(wordings)
    for wording in sorted(wordings, key=lambda wording: -wording.count):
        known, keys, paths, holding = by_name.setdefault(
            (wording.name, wording.refused), ([], [], set(), {})
        )
        key = letters(_words(next(iter(wording.wordings)), vocabulary))
        words: set[str | int] = set(key)
        near = sorted({number for word in words for number in holding.get(word, ())})
        if wording.path and paths - {wording.path}:
            # A line without the path (logged before turns had it) groups with any file of
            # that name; two paths of one name are two files.
            choices = [
                None if known[number].path and known[number].path != wording.path else keys[number]
                for number in near
            ]
        else:
            choices = [keys[number] for number in near]
        found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=ALIKE)
        if found is not None:
            known[near[found[2]]].take(wording)
        else:
            group = _Alike(wording.key, None, wording.name, wording.refused)
            group.take(wording)
            for word in words:
                holding.setdefault(word, []).append(len(known))
            known.append(group)
            keys.append(key)
            groups.append(group)
        if wording.path:
            paths.add(wording.path)
    groups.sort(key=lambda group: -group.count)
    return groups if embed is None else _by_meaning(groups, embed, vocabulary)


def _by_meaning(
    groups: list[_Alike], embed: Embed, vocabulary: Set[str] = frozenset()
) -> list[_Alike]:
    """``groups`` (the largest first) gathered further into groups that ask the same thing
    in other words: "is there a pool" joins "do you have a swimming pool". Each group is
    read as its most frequent wording, embedded as the matcher embeds a question; it joins
    (``_Alike.join``) the group of the same knowledge file (and refused or not: ``_apart``)
    founded before it whose wording means it most (``SAME_SUBJECT``, less ``APART`` when the
    two share a content word and each has one of what it asks about of its own:
    ``_stems``), or founds one. Compared with the
    founders only, a group never drifts from its first meaning one near wording at a time.
    A wording with no content word ("yes", "what is it") says too little to be read for its
    meaning, and groups by its words alone; so do the groups past the ``MEANT`` most
    frequent, and a wording mostly in letters other than Latin ones (``_latin``)."""
    texts = [group.wordings.ranked()[0] for group in groups[:MEANT]]
    stems = [_stems(text, vocabulary) for text in texts]
    said = [_stems(text, vocabulary, asking=True) for text in texts]
    meant = [number for number, words in enumerate(stems) if words and _latin(texts[number])]
    if len(meant) < 2:
        return groups
    vectors = embed([texts[number] for number in meant])
    if vectors is None:
        return groups
    alike = vectors @ vectors.T
    founders: list[int] = []
    """Places in ``meant`` of the groups founded so far."""
    gone: set[int] = set()
    for place, number in enumerate(meant):
        group, words = groups[number], stems[number]
        best, score = None, SAME_SUBJECT
        for founder in founders:
            other = groups[meant[founder]]
            if _apart(other) != _apart(group) or (
                other.path and group.path and other.path != group.path
            ):
                continue
            theirs = stems[meant[founder]]
            shared = said[number] & said[meant[founder]]
            apart = bool(shared) and bool(words - theirs) and bool(theirs - words)
            meaning = float(alike[place, founder]) - (APART if apart else 0.0)
            if meaning >= score:
                best, score = founder, meaning
        if best is None:
            founders.append(place)
        else:
            groups[meant[best]].join(group)
            gone.add(number)
    kept = [group for number, group in enumerate(groups) if number not in gone]
    kept.sort(key=lambda group: -group.count)
    return kept


def _latin(text: str) -> bool:
    """Whether most letters of ``text`` are Latin ones, as the sentence model (English)
    reads: it reads a question in Korean or Greek as letters it knows no word of, and
    finds two such questions alike whatever they ask ("where is the car park" and "what
    time do you close", 0.75 in Korean and 0.77 in Greek)."""
    letters = [char for char in text if char.isalpha()]
    latin = sum(1 for char in letters if unicodedata.name(char, "").startswith("LATIN"))
    return latin * 2 > len(letters)


def _apart(group: _Alike) -> tuple[str | None, bool, str | None]:
    """What keeps groups apart whatever they mean: their knowledge file's name, and whether
    their visitors said no to a did-you-mean, and to which entry (their line names it)."""
    refused = next(iter(group.declined.ranked()), None) if group.refused else None
    return group.name, group.refused, refused


class _Meanings:
    """The matcher's sentence model's ``embed`` (``match.semantic``), loaded when first
    asked: a report with fewer than two questions to compare by meaning loads no model."""

    def __init__(self) -> None:
        self._model: SemanticModel | None = None
        self._tried = False

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32] | None:
        if not self._tried:
            self._tried = True
            self._model = _sentence_model()
        return None if self._model is None else self._model.embed(texts)


def meanings() -> Embed:
    """What ``Tally.summary`` groups the questions not answered by meaning with: the
    sentence model the matcher reads questions with, loaded when first needed. Without it
    (not installed, or it does not load: a warning says so) they are grouped by their words
    alone."""
    return _Meanings()


def _sentence_model() -> SemanticModel | None:
    from knotvoice.match.semantic import SemanticModel, default_model_dir

    if default_model_dir() is None:
        logger.warning("no sentence model installed: questions are grouped by their words alone")
        return None
    try:
        # No cache folder: a visitor's question is never kept.
        return SemanticModel.load()
    except KnotvoiceError as error:
        logger.warning("%s; questions are grouped by their words alone", error)
        return None


def tally(turns: Iterable[Mapping[str, Any]]) -> Tally:
    """``turns`` (turn log records, oldest first) counted."""
    counted = Tally()
    for turn in turns:
        counted.add(turn)
    return counted


def summarize(
    turns: Iterable[Mapping[str, Any]], top: int = 10, embed: Embed | None = None
) -> Summary:
    """Figures and the grouped unanswered questions of ``turns`` (turn log records); with
    ``embed``, grouped by meaning too (``Tally.summary``)."""
    return tally(turns).summary(top, embed)


def _knowledge_name(turn: Mapping[str, Any]) -> str | None:
    """The name of the knowledge file a turn was asked of: from its path, or for a line
    written before turns logged the path, from ``knowledge`` (``knots.yaml@3f9c1a20be``).
    A line without the path is grouped with lines of a file of that name, so a log from
    before and after groups as one; only a path is named in the command to add a wording (a
    bare name would be read from wherever the operator runs it)."""
    path = turn.get("knowledge_file")
    if path:
        return Path(str(path)).name
    return str(turn.get("knowledge") or "").rpartition("@")[0] or None


@dataclass(frozen=True)
class Day:
    """One day's questions by what became of them."""

    date: str
    """``YYYY-MM-DD``, local time."""
    answered: int
    confirmed: int
    rejected: int


def by_day(turns: Iterable[Mapping[str, Any]]) -> list[Day]:
    """The questions of ``turns`` counted per local calendar day, oldest first; a day with
    none is left out."""
    return tally(turns).days()


_BARS = (
    ("answered", "answered", "#2e9e4f"),
    ("confirmed", "did-you-mean", "#d9a400"),
    ("rejected", "rejected", "#c8323c"),
)
"""Each bar's parts, bottom first: the ``Day`` field, its name in the legend, its colour."""


def unwritten(log_dir: Path, since: float) -> tuple[int, str]:
    """The turns the kiosk writing to ``log_dir`` could not write since it started (a full
    disk, a read-only card; none when its status is older than ``since``), and a sentence
    saying so: no figure of the report counts them."""
    status = read_status(log_dir)
    if status is None or status.updated < since or not status.log_failures:
        return 0, ""
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.started))
    return status.log_failures, (
        f"{status.log_failures} turns since the kiosk started ({started}) could not be written "
        f"({status.log_error}): no figure here counts them"
    )


def read(
    log_dir: Path, since: float, now: float | None = None
) -> tuple[Iterator[dict[str, Any]], Misstamped]:
    """The turns the report counts, from ``since`` to now (``FIELDS`` of each), and the
    count of those left out for the kiosk's clock, filled in as they are read."""
    misstamped = Misstamped()
    until = (time.time() if now is None else now) + STALE_SECONDS
    return read_turns(log_dir, since, FIELDS, until, misstamped), misstamped


def misstamping(misstamped: Misstamped) -> str:
    """A sentence on the turns no period holds for the kiosk's clock ("" when none)."""
    parts = []
    if misstamped.later:
        parts.append(
            f"{misstamped.later} stamped more than a minute later than now (the clock set "
            "back since?)"
        )
    if misstamped.unset:
        parts.append(f"{misstamped.unset} stamped before the clock was set (1970)")
    if not parts:
        return ""
    return f"{' and '.join(parts)}: left out; the kiosk's clock was wrong when it logged them"


def page(
    summary: Summary,
    days: list[Day],
    period: str,
    since: float,
    unlogged: str = "",
    misstamped: str = "",
) -> str:
    """The report as a standalone HTML page (``/report`` on the screen server) of the turns
    of the last ``period`` (from ``since``, Unix seconds): the figures (with ``unlogged``, the
    turns no figure counts, as ``unwritten`` says them, and ``misstamped``, those no period
    holds, as ``misstamping`` says them), questions per day as a bar chart
    (inline SVG) with the same numbers in a table, and the questions not answered. Every text
    from the log is escaped."""
    esc = html.escape
    share = summary.share
    latency = (
        f"p50 {summary.latency_p50_ms:.0f} ms, p95 {summary.latency_p95_ms:.0f} ms"
        if summary.latency_p50_ms is not None and summary.latency_p95_ms is not None
        else "not measured"
    )
    figures = "".join(
        f"<tr><th scope='row'>{label}</th><td>{value}</td></tr>"
        for label, value in (
            ("questions", f"{summary.turns}{summary.left_out()}"),
            ("answered", f"{summary.answered}{share(summary.answered)}"),
            ("did-you-mean", f"{summary.confirmed}{share(summary.confirmed)}"),
            ("rejected", f"{summary.rejected}{share(summary.rejected)}"),
            ("reply after the end of speech was found", latency),
            *((("not logged", esc(unlogged)),) if unlogged else ()),
            *((("clock wrong", esc(misstamped)),) if misstamped else ()),
        )
    )
    rows = "".join(
        f"<tr><td>{asked.count}</td><td>{esc(asked.question)}</td>"
        f"<td>{esc(asked.closeness)}</td>"
        f"<td>{esc(' / '.join(f'{w.text} ({w.count}x)' for w in asked.wordings[1:4]))}</td>"
        f"<td><code>{_words_apart(asked.command or '-')}</code></td></tr>"
        for asked in summary.top_unanswered
    )
    unanswered = (
        "<table><thead><tr><th>times</th><th>question</th><th>closest entry</th>"
        f"<th>also worded</th><th>to add it</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Every question was answered.</p>"
    )
    daily = "".join(
        f"<tr><th scope='row'>{day.date}</th><td>{day.answered}</td><td>{day.confirmed}</td>"
        f"<td>{day.rejected}</td></tr>"
        for day in days
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>knotvoice report</title><link rel='stylesheet' href='/report.css'></head>"
        f"<body><main><h1>The last {esc(period)}: since "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(since))}</h1>"
        f"<table class='figures'>{figures}</table>"
        f"<h2>Questions per day</h2>{_chart(days)}"
        "<table><thead><tr><th>day</th><th>answered</th><th>did-you-mean</th>"
        f"<th>rejected</th></tr></thead><tbody>{daily}</tbody></table>"
        "<h2>Not answered, most often first</h2>"
        "<p>Add a wording to its closest entry only if it asks what that entry answers (the"
        " command beside it does so on the kiosk; a wording whose entry the kiosk was unsure of"
        " and no visitor chose has none), or write a new entry."
        f"</p>{unanswered}</main></body></html>"
    )


def _words_apart(command: str) -> str:
    """``command`` escaped, each word a ``<span>`` the style sheet keeps on one line: the
    page wraps it between its words only, never inside a file's path at a "-" or a "/"."""
    return " ".join(f"<span>{html.escape(word)}</span>" for word in command.split(" "))


def _chart(days: list[Day], width: int = 640, height: int = 200) -> str:
    """Stacked bars of answered, did-you-mean and rejected questions, a bar per day."""
    if not days:
        return "<p>No questions yet.</p>"
    most = max(day.answered + day.confirmed + day.rejected for day in days)
    slot = width / len(days)
    bars = []
    for number, day in enumerate(days):
        bottom = float(height)
        for field, name, colour in _BARS:
            count = int(getattr(day, field))
            if not count:
                continue
            tall = height * count / most
            bottom -= tall
            bars.append(
                f"<rect x='{number * slot + slot * 0.15:.1f}' y='{bottom:.1f}' "
                f"width='{slot * 0.7:.1f}' height='{tall:.1f}' fill='{colour}'>"
                f"<title>{day.date}: {count} {name}</title></rect>"
            )
    legend = " ".join(f"<tspan fill='{colour}'>&#9632; {name}</tspan>" for _, name, colour in _BARS)
    label = (
        f"Questions per day from {days[0].date} to {days[-1].date}, at most {most} a day: "
        "answered, did-you-mean and rejected"
    )
    return (
        f"<svg class='chart' role='img' aria-label='{html.escape(label)}' "
        f"viewBox='0 -24 {width} {height + 24}' xmlns='http://www.w3.org/2000/svg'>"
        f"<text x='0' y='-8' fill='#ffffff' font-size='14'>{legend}</text>{''.join(bars)}</svg>"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m knotvoice.report LOG_DIR PERIOD``: the report's page (``page``) of the turns
    of the last ``PERIOD`` on standard output, made at the lowest priority. The screen's
    ``/report`` runs it in a process of its own: a year of turns takes seconds of work that
    the kiosk, in the screen's process, must not wait behind."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m knotvoice.report LOG_DIR PERIOD (7d, 12h, ...)", file=sys.stderr)
        return 2
    os.nice(19)
    log_dir, period = args
    since = time.time() - parse_since(period)
    turns, misstamped = read(Path(log_dir), since)
    try:
        counted = tally(turns)
    except KnotvoiceError as error:
        print(f"knotvoice: error: {error}", file=sys.stderr)
        return 1
    summary = counted.summary(embed=meanings())
    # UTF-8 whatever the locale, as the screen reads it (a line edited by hand may hold
    # what UTF-8 cannot hold).
    unlogged = unwritten(Path(log_dir), since)[1]
    made = page(summary, counted.days(), period, since, unlogged, misstamping(misstamped))
    sys.stdout.buffer.write(made.encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
