"""Hearing a question again for the FAQ's own key words.

A small recognizer slips on exactly the words an FAQ is about: "could my knot be with me
permanently" comes out as "could my heart be with me permanently", and no hearing of the
beam says "knot". When the heard question is not answered, ``rehear`` puts each of the
knowledge's key terms in place of each word the recognizer was unsure of, keeps the readings
most like the knowledge's phrasings in words, and asks the recognizer how likely each is
given the same audio (``Transcript.fit``; a reading a quick look finds far less likely is
looked at no further). The reading that fits best, if it is at most ``max_cost`` nats less
likely than what was heard, is matched like any question and taken only when the matcher
answers it.

The audio check is what keeps a real "heart" a heart: "what are the signs of a heart attack"
read as "a knot attack" costs whisper about 15 nats; a misheard knot costs 0 to 6.

Everything here holds for any FAQ: the key terms are the knowledge's ``core_terms`` (its
``matching`` section, when it has one) and the rarer words of its phrasings.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace

from knotvoice.asr import Transcript
from knotvoice.dropped import check
from knotvoice.knowledge import Knowledge, vocabulary
from knotvoice.lang import words
from knotvoice.match import Decision, Match, MatchStage, Reason
from knotvoice.match.text import STOPWORDS

_log = logging.getLogger(__name__)

_PARTS = re.compile(r"^(\W*)(\w[\w']*?)(\W*)$")
MAX_TERMS = 30
"""At most this many key terms are tried in place of each word the recognizer was unsure of."""


@dataclass(frozen=True)
class RehearSettings:
    """When a question is heard again, and which readings are kept."""

    max_confidence: float = 0.9
    """Only words the recognizer gave less than this confidence are read again."""
    max_cost: float = 6.0
    """A reading is kept when it is at most this many nats less likely than what was heard."""
    max_readings: int = 6
    """At most this many readings (those most like the knowledge's phrasings in words) are
    checked against the audio: each costs the recognizer one pass of its decoder."""


def key_terms(knowledge: Knowledge, max_share: float = 1 / 3) -> tuple[str, ...]:
    """The words a misheard question is read again with, spelled as the entries' questions
    spell them ("MRI"): the knowledge's core terms (its ``matching`` section), then the words
    of its phrasings that at most ``max_share`` of the entries use, those in most phrasings
    first, ``MAX_TERMS`` in all. A word most entries use ("upper", "back") fits too many
    misheard words ("older people" read as "upper people") to be worth the risk."""
    spellings: dict[str, str] = {}
    entries_with: dict[str, int] = {}
    phrasings_with: dict[str, int] = {}
    for entry in knowledge.entries:
        seen: set[str] = set()
        for phrase in entry.phrases:
            found_here = {word.lower(): word for word in words(phrase, keep_case=True)}
            for lower, spelled in found_here.items():
                spellings.setdefault(lower, spelled)
                phrasings_with[lower] = phrasings_with.get(lower, 0) + 1
            seen |= set(found_here)
        for word in seen:
            entries_with[word] = entries_with.get(word, 0) + 1
    limit = max(1.0, max_share * len(knowledge.entries))
    core = [word for text in knowledge.matching.core_terms for word in words(text)]
    rare = sorted(
        (
            word
            for word, count in entries_with.items()
            if count <= limit and len(word) >= 3 and word.isalpha() and word not in STOPWORDS
        ),
        key=lambda word: (-phrasings_with[word], word),
    )
    found: dict[str, str] = {}
    for word in (*core, *rare):
        if word in spellings and len(found) < MAX_TERMS:
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
    cannot be heard again, else the best reading that the audio bears out and the matcher
    answers, with what was heard kept as its alternatives. The returned transcript no longer
    holds ``fit`` (nor ``timing``: the recognizer's state for them goes with it)."""
    settings = settings or RehearSettings()
    match = matcher.match(transcript.text, transcript.alternatives, transcript.likelihoods)
    fit = transcript.fit
    plain = replace(transcript, fit=None, timing=None)
    if match.decision is Decision.ANSWER or fit is None:
        return plain, match
    check()
    transcript = transcript.timed()
    if not transcript.words:
        return plain, match
    terms, known = _words_of(matcher.knowledge)
    found = readings(transcript, terms, known, settings.max_confidence)
    if not found:
        return plain, match
    found.sort(key=matcher.likeness_in_words, reverse=True)
    found = found[: settings.max_readings]
    heard = " ".join(word.text for word in transcript.words)
    try:
        scores = fit([heard, *found], within=settings.max_cost)
    except Exception as error:  # the question is still answered as first heard
        _log.warning("hearing %r again failed: %s", heard, error)
        return plain, match
    floor = scores[0] - settings.max_cost
    fitting = sorted(
        (n for n in range(len(found)) if scores[n + 1] >= floor), key=lambda n: -scores[n + 1]
    )
    if not fitting:
        _log.debug("no reading of %r fits the audio", heard)
        return plain, match
    text = found[fitting[0]]
    alternatives = (transcript.text, *transcript.alternatives)
    reading = matcher.match(text, alternatives)
    if reading.decision is not Decision.ANSWER:
        _log.debug("%r fits the audio but is not answered", text)
        return plain, match
    _log.info("heard %r again as %r (%.1f nats)", heard, text, scores[0] - scores[fitting[0] + 1])
    heard_again = replace(reading, reason=Reason.HEARD_AGAIN)
    return replace(plain, text=text, alternatives=alternatives, likelihoods=()), heard_again
