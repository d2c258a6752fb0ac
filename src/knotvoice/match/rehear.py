"""Hearing a question again for the FAQ's own key words.

A small recognizer slips on exactly the words an FAQ is about: "could my knot be with me
permanently" comes out as "could my heart be with me permanently", and no hearing of the
beam says "knot". When the heard question cannot be answered, ``rehear`` puts each of the
knowledge's key terms in place of each word the recognizer was unsure of and keeps a
reading only when both hold:

- the matcher answers it outright by its words (so only readings that would change the
  outcome are checked against the audio), and
- the recognizer finds it nearly as likely as what it heard: at most ``max_cost`` nats
  less likely, given the same audio (``Transcript.fit``).

The reading that fits best is then matched in full, meaning included, exactly as the kiosk
will answer it, and kept only when that still answers it.

The second check is what keeps a real "heart" a heart: "what are the signs of a heart
attack" read as "a knot attack" costs whisper about 15 nats; a misheard knot costs 0 to 6.

Everything here holds for any FAQ: the key terms come from the knowledge's ``matching``
section (its ``core_terms`` and the words its ``heard_as`` repairs produce).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace

from knotvoice.asr import Transcript
from knotvoice.knowledge import Knowledge, vocabulary
from knotvoice.lang import words
from knotvoice.match import Decision, Match, MatchStage
from knotvoice.match.text import STOPWORDS

_log = logging.getLogger(__name__)

_PARTS = re.compile(r"^(\W*)(\w[\w']*?)(\W*)$")


@dataclass(frozen=True)
class RehearSettings:
    """When a question is heard again, and which readings are kept."""

    max_confidence: float = 0.9
    """Only words the recognizer gave less than this confidence are read again."""
    max_cost: float = 6.0
    """A reading is kept when it is at most this many nats less likely than what was heard."""
    min_score: float = 60.0
    """... and the matcher answers it with at least this score."""
    max_readings: int = 6
    """At most this many readings (those the matcher scores highest) are checked against the
    audio: each costs the recognizer one pass of its decoder."""


def key_terms(knowledge: Knowledge, max_share: float = 1 / 3) -> tuple[str, ...]:
    """The words a misheard question is read again with, spelled as the entries' questions
    spell them ("MRI"): the knowledge's core terms, and the words its recognition-slip repairs
    produce that at most ``max_share`` of the entries use. A word most entries use ("upper",
    "back") fits too many misheard words ("older people" read as "upper people") to be
    worth the risk."""
    hints = knowledge.matching
    spellings: dict[str, str] = {}
    entries_with: dict[str, int] = {}
    for entry in knowledge.entries:
        seen: set[str] = set()
        for phrase in entry.phrases:
            for word in words(phrase, keep_case=True):
                spellings.setdefault(word.lower(), word)
                seen.add(word.lower())
        for word in seen:
            entries_with[word] = entries_with.get(word, 0) + 1
    limit = max_share * len(knowledge.entries)
    core = {word for text in hints.core_terms for word in words(text)}
    found: dict[str, str] = {}
    for text in (*hints.core_terms, *(repair.replace for repair in hints.heard_as)):
        for word in words(text):
            if word not in spellings or word in STOPWORDS:
                continue
            if word in core or entries_with[word] <= limit:
                found.setdefault(word, spellings[word])
    return tuple(found.values())


def readings(
    transcript: Transcript, terms: Sequence[str], known: Set[str], cutoff: float
) -> list[str]:
    """What was heard with one word replaced by a key term: a word the recognizer gave less
    than ``cutoff`` confidence and that is not one of the ``known`` content words."""
    words = [word.text for word in transcript.words]
    found: list[str] = []
    for position, word in enumerate(transcript.words):
        parts = _PARTS.match(word.text)
        if parts is None or word.confidence >= cutoff:
            continue
        lead, bare, trail = parts.groups()
        if bare.lower() in known:
            continue
        for term in terms:
            changed = [*words[:position], f"{lead}{term}{trail}", *words[position + 1 :]]
            found.append(" ".join(changed))
    return found


@functools.lru_cache(maxsize=8)
def _words_of(knowledge: Knowledge) -> tuple[tuple[str, ...], frozenset[str]]:
    """The key terms and the content words of ``knowledge`` (worked out once per knowledge)."""
    known = frozenset(word for word in vocabulary(knowledge) if word not in STOPWORDS)
    return key_terms(knowledge), known


def rehear(
    transcript: Transcript, matcher: MatchStage, settings: RehearSettings | None = None
) -> tuple[Transcript, Match]:
    """The transcript to answer and its match: ``transcript`` itself when it is answered or
    cannot be heard again, else the best reading that the audio bears out, with what was
    heard kept as its alternatives. The returned transcript no longer holds ``fit``."""
    settings = settings or RehearSettings()
    match = matcher.match(transcript.text, transcript.alternatives)
    fit = transcript.fit
    plain = replace(transcript, fit=None)
    if match.decision is Decision.ANSWER or fit is None or not transcript.words:
        return plain, match
    terms, known = _words_of(matcher.knowledge)
    candidates: list[tuple[str, Match]] = []
    for text in readings(transcript, terms, known, settings.max_confidence):
        reading = matcher.match(text, meaning=False)
        if (
            reading.decision is Decision.ANSWER
            and reading.best is not None
            and reading.best.score >= settings.min_score
        ):
            candidates.append((text, reading))
    if not candidates:
        return plain, match
    candidates.sort(key=lambda item: item[1].best.score if item[1].best else 0.0, reverse=True)
    candidates = candidates[: settings.max_readings]
    heard = " ".join(word.text for word in transcript.words)
    scores = fit([heard, *(text for text, _ in candidates)])
    floor = scores[0] - settings.max_cost
    best = max(range(len(candidates)), key=lambda n: scores[n + 1])
    if scores[best + 1] < floor:
        _log.debug("no reading of %r fits the audio", heard)
        return plain, match
    text = candidates[best][0]
    alternatives = (transcript.text, *transcript.alternatives)
    # The kiosk answers the reading with everything the matcher weighs, meaning included.
    reading = matcher.match(text, alternatives)
    if reading.decision is not Decision.ANSWER:
        _log.debug("%r fits the audio but is not answered in full", text)
        return plain, match
    _log.info("heard %r again as %r (%.1f nats)", heard, text, scores[0] - scores[best + 1])
    heard_again = replace(reading, reason=f"{reading.reason}, heard again")
    return replace(plain, text=text, alternatives=alternatives), heard_again
