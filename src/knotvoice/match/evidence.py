"""Evidence: how much a question looks like each entry, in a few signals that hold for any FAQ.

For a question and every entry of the knowledge, ``Evidence.signals`` gives one row of
``SIGNALS``: the question's content words (weighted by how rare they are across entries,
misheard words mapped to the nearest word the knowledge uses) against the entry's phrasings,
against all of its phrasings together and against its answer; its meaning against the
phrasings and against the answer's sentences; a classifier of meaning trained on the
phrasings; and how the entry stands against the best other entry in each. Two signals belong
to the question alone: the share of its words the knowledge does not know, and its length.

An entry whose question is its only phrasing (an FAQ imported without alternatives) is
matched by its answer's sentences as well, as if they were ways of asking it (``stand_ins``):
visitors often ask with the answer's words, and its question can then be left out and asked
as a new question when the matcher is fitted.

Nothing here decides; ``match.calibration`` turns a row into the probability that the entry
is the right answer, fitted for each knowledge file.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from knotvoice.knowledge import Entry, Knowledge, phrase_key
from knotvoice.lang import english
from knotvoice.markup import without_addresses
from knotvoice.match import Embedder
from knotvoice.match.semantic import Classifier
from knotvoice.match.text import STOPWORDS, Normalizer, stem, terms

__all__ = ["SIGNALS", "Evidence", "Query"]

Array = npt.NDArray[np.float32]

SIGNALS = (
    "words_phrasing",
    "words_entry",
    "words_answer",
    "meaning_phrasing",
    "meaning_answer",
    "classifier",
    "meaning_lead",
    "words_lead",
    "classifier_lead",
    "unknown",
    "length",
    "spelling",
    "core",
    "everyday",
)
"""The signals of a (question, entry) pair, in the order of ``Evidence.signals``' columns:

- words_phrasing: weighted F1 of the question's content words with the closest phrasing's;
- words_entry: share of the question's word weight found in any phrasing, topic or keyword;
- words_answer: share of the question's word weight found in the answer;
- meaning_phrasing: highest cosine between the question and one of the phrasings;
- meaning_answer: highest cosine with the answer, one of its sentences, or the topic;
- classifier: probability of the entry by a classifier of meaning over the phrasings;
- *_lead: the entry's value minus the best other entry's, for the three above that compete;
- unknown: share of the question's word weight the knowledge does not know at all;
- length: log(1 + number of content words);
- spelling: closest whole-phrasing spelling match (token set ratio, 0 to 1);
- core: 1 when the question names one of the knowledge's ``core_terms`` (the words its
  ``matching`` section says it is about, a synonym of one counting), 0 when it names none,
  0.5 for a knowledge that names no core terms;
- everyday: how much closer in meaning the question is to the closest of the language's
  everyday questions (``Evidence.everyday``) than to the entry (its closest phrasing, answer
  sentence or topic): high for a question like those no FAQ answers.
"""

FUZZY_CUTOFF = 85.0
"""A heard word counts as a knowledge word when their spelling similarity reaches this."""
FUZZY_MIN_LENGTH = 4
"""Shorter words are only matched exactly."""
COMPOUND_PART = 2
"""A compound word is split only into words of at least this many letters ("wi fi")."""
SYNONYM_SIMILARITY = 0.9
"""Similarity credited to a word matched through the knowledge's ``synonyms``."""
SPELLED = 20
"""Spelling is compared for the entries closest by words and meaning, this many of them."""
SPELLED_AT_ONCE = 8_000_000
"""``spelled_like`` compares at most this many pairs at once (32 MB of scores)."""
OFFTOPIC_NEAR = 0.75
"""An everyday question this close in meaning to one of the FAQ's phrasings may be in the
FAQ's domain: it is not taken as one no FAQ answers."""
CLASSIFIER_MAX_ENTRIES = 300
"""A knowledge with more entries than this gets no trained classifier (its training would
take minutes on a Pi); closeness in meaning stands in for it."""

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_LISTED_RE = re.compile(r"\s*(?:,|&|/|\band\b)\s*")
"""What sets apart the subjects a topic lists ("food, drink and facilities")."""


@dataclass(frozen=True)
class Query:
    """A question made ready for ``Evidence.signals``."""

    text: str
    """The normalized text."""
    weights: dict[str, float]
    """Known knowledge term -> its rarity weight times how surely it was heard (0 to 1)."""
    total: float
    """Weight of all the question's content words, known or not."""
    unknown: float
    """Share of ``total`` the knowledge does not know."""
    length: int
    """Number of content words."""
    unknown_words: tuple[str, ...] = ()
    """Content words the knowledge does not know (stemmed)."""
    core: float = 0.5
    """1 when it names one of the knowledge's core terms, 0 when not, 0.5 when there are none."""


def answer_sentences(text: str) -> list[str]:
    """The sentences of an answer worth comparing with a question (three words or more)."""
    parts = (part.strip(" -*\u2022\t0123456789.)") for part in _SENTENCE.split(text))
    return [part for part in parts if len(part.split()) >= 3]


def answer_of(entry: Entry) -> str:
    """What ``entry``'s answer says, for matching: its addresses left out (an e-mail address
    at "riverside-pool.co.uk" made the contact entry the answer to "is there a pool")."""
    return without_addresses(entry.answer)


def stand_ins(entry: Entry) -> tuple[str, ...]:
    """The answer's sentences that are matched as ways of asking ``entry`` besides its
    phrasings: all of them when its question is its only phrasing, else none."""
    if entry.alternatives:
        return ()
    taken = {phrase_key(text) for text in entry.phrases}
    found: list[str] = []
    for sentence in answer_sentences(answer_of(entry)):
        key = phrase_key(sentence)
        if key not in taken:
            taken.add(key)
            found.append(sentence)
    return tuple(found)


@dataclass(frozen=True)
class _OutOfAnswer:
    """What an answer's sentence standing in for alternatives (``stand_ins``) takes out of its
    own entry's answer while it is asked left out: else it finds itself there, word for word
    and in meaning, as no visitor's question does."""

    owner: int
    """Number of its entry."""
    vectors: npt.NDArray[np.int64]
    """Its answer's vectors that hold it: the sentence's own and the whole answer's."""
    sentence: int
    """The sentence's own vector (-1: none), left out of the classifier of meaning too."""
    kept: frozenset[str]
    """The terms its answer says without it."""
    own: frozenset[str]
    """Its terms the knowledge says nowhere else (unknown while it is left out)."""


class Evidence:
    """Everything about a knowledge file that questions are compared with, worked out once."""

    def __init__(
        self,
        knowledge: Knowledge,
        embedder: Embedder | None,
        everyday: Sequence[str] | None = None,
    ) -> None:
        """``everyday``: questions no FAQ answers (default: the English ones of ``lang/``)."""
        self.knowledge = knowledge
        self.embedder = embedder
        self.normalize = Normalizer(knowledge.matching)
        self._synonyms = {stem(word): stem(known) for word, known in knowledge.matching.synonyms}
        self._core = frozenset(
            stem(word) for text in knowledge.matching.core_terms for word in text.split()
        )
        entries = knowledge.entries
        self.size = len(entries)
        ways = [(*entry.phrases, *stand_ins(entry)) for entry in entries]
        self.phrasings: tuple[str, ...] = tuple(p for texts in ways for p in texts)
        """Every question and alternative, entry by entry (and the ``stand_ins``)."""
        self.owner = np.array([n for n, texts in enumerate(ways) for _ in texts], dtype=np.int64)
        """The entry (its number) each phrasing belongs to."""
        self.stand_in = np.array(
            [
                n >= len(entry.phrases)
                for entry, texts in zip(entries, ways, strict=True)
                for n in range(len(texts))
            ],
            dtype=np.bool_,
        )
        """Whether each phrasing is one of its entry's ``stand_ins``, not written for it."""
        normalized = [self.normalize(text) for text in self.phrasings]
        self._normalized = normalized
        written: dict[str, int] = {}
        for number, (text, owner) in enumerate(zip(normalized, self.owner.tolist(), strict=True)):
            if not self.stand_in[number]:
                written[text] = owner if written.get(text, owner) == owner else -1
        self._written = {text: owner for text, owner in written.items() if owner >= 0 and text}
        """Normalized phrasing -> its entry (a wording two entries share is in neither)."""
        named: dict[tuple[str, ...], list[int]] = {}
        listed: dict[tuple[str, ...], list[int]] = {}
        for number, entry in enumerate(entries):
            labels = [(named, label) for label in (entry.topic, *entry.keywords)]
            if _LISTED_RE.search(entry.topic):
                labels += [(listed, part) for part in _LISTED_RE.split(entry.topic)]
            for table, label in labels:
                key = self._name_key(self.normalize(label))
                if key and number not in table.setdefault(key, []):
                    table[key].append(number)
        self._shared = {key: tuple(owners) for key, owners in named.items() if len(owners) > 1}
        """A topic's or keyword's ``_name_key`` -> the entries it names, when it names several."""
        self._listed = {key: tuple(owners) for key, owners in listed.items() if len(owners) > 1}
        """The same of each subject a topic lists ("bookings" of "bookings and prices", a
        section's name), when it names several entries."""
        self._phrasing_terms = [frozenset(terms(text)) for text in normalized]
        named_as = [self.normalize(" ".join((entry.topic, *entry.keywords))) for entry in entries]
        about = [frozenset(terms(text)) for text in named_as]
        answered = [
            self.normalize(f"{answer_of(entry)} {without_addresses(entry.spoken or '')}")
            for entry in entries
        ]
        self._answer_terms = [frozenset(terms(text)) for text in answered]
        written_all = [*normalized, *answered, *named_as]
        self._words = frozenset(word for text in written_all for word in text.split())
        """Every word the knowledge writes, normalized."""
        self._pairs = frozenset(
            pair for text in written_all for pair in itertools.pairwise(text.split())
        )
        """Every two words it writes one after the other ("wi fi" of "Wi-Fi")."""
        # Rarity: how many entries use a term anywhere (phrasings, topic, keywords, answer).
        used: list[set[str]] = [set(about[n] | self._answer_terms[n]) for n in range(self.size)]
        for number, found in enumerate(self._phrasing_terms):
            used[int(self.owner[number])] |= found
        frequency: dict[str, int] = {}
        for bag in used:
            for term in bag:
                frequency[term] = frequency.get(term, 0) + 1
        self._rare = math.log(1.0 + max(self.size, 1))
        elsewhere = set().union(*about, *self._answer_terms) if about else set()
        self._beyond_phrasings = frozenset(elsewhere)
        """Terms the topics, keywords or answers use (so known whatever phrasing is left out)."""
        self.weight = {t: math.log(1.0 + self.size / count) for t, count in frequency.items()}
        """Rarity weight of every term the knowledge uses."""
        self._vocabulary = sorted(frequency)
        postings: dict[str, list[int]] = {}
        for number, found in enumerate(self._phrasing_terms):
            for term in found:
                postings.setdefault(term, []).append(number)
        self._postings = {t: np.array(n, dtype=np.int64) for t, n in postings.items()}
        self._phrasing_weight = np.array(
            [sum(self.weight[t] for t in found) for found in self._phrasing_terms],
            dtype=np.float32,
        )
        self._in_entry: dict[str, npt.NDArray[np.int32]] = {}
        """Term -> per entry, how many of its phrasings, topic and keywords hold it."""
        for term, numbers in self._postings.items():
            counts = np.zeros(self.size, dtype=np.int32)
            np.add.at(counts, self.owner[numbers], 1)
            self._in_entry[term] = counts
        for n, found in enumerate(about):
            for term in found:
                self._in_entry.setdefault(term, np.zeros(self.size, dtype=np.int32))[n] += 1
        self._in_answer: dict[str, npt.NDArray[np.bool_]] = {}
        for n, found in enumerate(self._answer_terms):
            for term in found:
                self._in_answer.setdefault(term, np.zeros(self.size, dtype=np.bool_))[n] = True
        answers = [
            (n, text)
            for n, entry in enumerate(entries)
            for text in dict.fromkeys(
                (
                    answer_of(entry),
                    *answer_sentences(answer_of(entry)),
                    *([entry.topic] if entry.topic else ()),
                )
            )
            if text.strip()
        ]
        self._answer_owner = np.array([n for n, _ in answers], dtype=np.int64)
        naming = frozenset().union(*about)
        at = {key: number for number, key in enumerate(answers)}
        self._out_of_answer: dict[int, _OutOfAnswer] = {}
        for number in np.flatnonzero(self.stand_in).tolist():
            owner = int(self.owner[number])
            entry, sentence = entries[owner], self.phrasings[number]
            whole = answer_of(entry)
            held = {at.get((owner, text), -1) for text in (sentence, whole)} - {-1}
            rest = whole.replace(sentence, " ", 1)
            kept = frozenset(
                terms(self.normalize(f"{rest} {without_addresses(entry.spoken or '')}"))
            )
            own = frozenset(
                term
                for term in self._phrasing_terms[number]
                if term not in kept
                and term not in naming
                and ((said := self._in_answer.get(term)) is None or int(said.sum()) <= 1)
                and self._postings[term].tolist() == [number]
            )
            self._out_of_answer[number] = _OutOfAnswer(
                owner,
                np.array(sorted(held), dtype=np.int64),
                at.get((owner, sentence), -1),
                kept,
                own,
            )
        self._lookups: dict[str, tuple[str, float]] = {}
        self.phrasing_vectors: Array | None = None
        self._answer_vectors: Array | None = None
        self.classifier: Classifier | None = None
        self.everyday: tuple[str, ...] = tuple(english().offtopic if everyday is None else everyday)
        """The everyday questions this knowledge is compared with: those not close in meaning
        to any of its phrasings (all of them without a sentence model)."""
        self._everyday_vectors: Array | None = None
        if embedder is not None and self.phrasings:
            self.phrasing_vectors = embedder.embed(list(self.phrasings), keep=True)
            self._answer_vectors = embedder.embed([text for _, text in answers], keep=True)
            self.classifier = self.train_classifier()
            if self.everyday:
                vectors = embedder.embed(list(self.everyday), keep=True)
                apart = (vectors @ self.phrasing_vectors.T).max(axis=1) < OFFTOPIC_NEAR
                self.everyday = tuple(t for t, far in zip(self.everyday, apart, strict=True) if far)
                self._everyday_vectors = vectors[apart]

    def train_classifier(self, leave_out: Collection[int] = ()) -> Classifier | None:
        """A classifier of meaning over the phrasings (those in ``leave_out`` left out) and the
        answers' sentences: an answer's words are often how a visitor asks."""
        if self.phrasing_vectors is None or not 2 <= self.size <= CLASSIFIER_MAX_ENTRIES:
            return None
        keep = np.ones(len(self.phrasings), dtype=np.bool_)
        keep[list(leave_out)] = False
        vectors, owners = self.phrasing_vectors[keep], self.owner[keep]
        if self._answer_vectors is not None:
            answers = np.ones(len(self._answer_vectors), dtype=np.bool_)
            for number in leave_out:
                out = self._out_of_answer.get(number)
                if out is not None and out.sentence >= 0:
                    answers[out.sentence] = False
            vectors = np.vstack([vectors, self._answer_vectors[answers]])
            owners = np.r_[owners, self._answer_owner[answers]]
        return Classifier.train(vectors, owners, self.size)

    def query(self, text: str, leave_out: Collection[int] = ()) -> Query:
        """``text`` normalized, its content words weighed and mapped to the knowledge's; a
        word only the ``leave_out`` phrasings use counts as unknown."""
        normalized = self.compounded(self.normalize(text))
        words = terms(normalized)
        found: dict[str, float] = {}
        strange: list[str] = []
        total = unknown = 0.0
        for word in words:
            term, similarity = self._lookup(word)
            if similarity > 0.0 and leave_out and self._only_in(term, leave_out):
                similarity = 0.0
            weight = self.weight.get(term, self._rare)
            total += weight
            if similarity == 0.0:
                unknown += weight
                strange.append(word)
            else:
                found[term] = max(found.get(term, 0.0), weight * similarity)
        share = unknown / total if total > 0 else 1.0
        core = 0.5 if not self._core else float(bool(self._core & found.keys()))
        return Query(normalized, found, total, share, len(words), tuple(strange), core)

    def compounded(self, normalized: str) -> str:
        """``normalized`` with each compound word written as the knowledge writes it: "wifi"
        as "wi fi" where it writes "Wi-Fi" (its hyphen a space once normalized), "car park"
        as "carpark" where it writes "carpark" and never "car park"."""
        said = normalized.split()
        out: list[str] = []
        at = 0
        while at < len(said):
            word = said[at]
            following = said[at + 1] if at + 1 < len(said) else ""
            joined = word + following
            if (
                following
                and joined in self._words
                and (word, following) not in self._pairs
                and STOPWORDS.isdisjoint((word, following, joined))  # "a way" is no "away"
            ):
                out.append(joined)
                at += 2
                continue
            split = None
            if word not in self._words and len(word) >= 2 * COMPOUND_PART:
                split = next(
                    (
                        (word[:cut], word[cut:])
                        for cut in range(COMPOUND_PART, len(word) - COMPOUND_PART + 1)
                        if (word[:cut], word[cut:]) in self._pairs
                    ),
                    None,
                )
            out.extend(split or (word,))
            at += 1
        return " ".join(out)

    def _only_in(self, term: str, phrasings: Collection[int]) -> bool:
        """True when no phrasing but ``phrasings``, and no topic, keyword or answer, uses
        ``term`` (an answer's sentence among ``phrasings`` taken out of its answer)."""
        for number in phrasings:
            out = self._out_of_answer.get(number)
            if out is not None and term in out.own:
                return True
        if term in self._beyond_phrasings:
            return False
        numbers = self._postings.get(term)
        return numbers is None or set(numbers.tolist()) <= set(phrasings)

    def _lookup(self, word: str) -> tuple[str, float]:
        """The knowledge term a heard word stands for, and how surely (0: unknown)."""
        cached = self._lookups.get(word)
        if cached is not None:
            return cached
        synonym = self._synonyms.get(word)
        found: tuple[str, float] = (word, 0.0)
        if word in self.weight:
            found = (word, 1.0)
        elif synonym is not None and synonym in self.weight:
            found = (synonym, SYNONYM_SIMILARITY)
        elif len(word) >= FUZZY_MIN_LENGTH and self._vocabulary:
            best = process.extractOne(
                word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if best is not None:
                found = (str(best[0]), float(best[1]) / 100.0)
        if len(self._lookups) < 20_000:
            self._lookups[word] = found
        return found

    def signals(
        self,
        query: Query,
        vector: Array | None,
        *,
        leave_out: Sequence[int] = (),
        classifier: Classifier | None = None,
        everyday_out: int = -1,
        spelled: Array | None = None,
    ) -> Array:
        """One row of ``SIGNALS`` per entry for ``query`` (embedded as ``vector``).

        ``leave_out`` phrasings are left out as if the knowledge did not have them (a
        phrasing asked as a question must not find itself); ``classifier`` replaces the
        knowledge's own (one trained without them); ``everyday_out`` is the number of an
        everyday question left out likewise (-1: none); ``spelled``, when given, is how
        closely ``query`` is spelled like every phrasing (``spelled_like``), worked out for
        many questions at once.
        """
        size = self.size
        rows = np.zeros((size, len(SIGNALS)), dtype=np.float32)
        if size == 0:
            return rows
        left_out = np.array(sorted(set(leave_out)), dtype=np.int64)
        taken_out = [
            out
            for number in left_out.tolist()
            if (out := self._out_of_answer.get(number)) is not None
        ]
        total = query.total if query.total > 0 else 1.0
        for term, weight in query.weights.items():
            in_entry = self._in_entry.get(term)
            if in_entry is not None:
                if len(left_out):
                    in_entry = in_entry.copy()
                    for number in left_out:
                        if term in self._phrasing_terms[number]:
                            in_entry[self.owner[number]] -= 1
                rows[:, 1] += weight * (in_entry > 0)
            in_answer = self._in_answer.get(term)
            if in_answer is not None:
                for out in taken_out:
                    if in_answer[out.owner] and term not in out.kept:
                        in_answer = in_answer.copy()
                        in_answer[out.owner] = False
                rows[:, 2] += weight * in_answer
        rows[:, 1:3] /= total
        f1 = self._word_f1(query)
        if len(left_out):
            f1[left_out] = 0.0
        rows[:, 0] = self._best_per_entry(f1, 0.0)
        chosen = classifier if classifier is not None else self.classifier
        if vector is not None and self.phrasing_vectors is not None:
            likeness = (self.phrasing_vectors @ vector).astype(np.float32)
            if len(left_out):
                likeness[left_out] = -1.0
            rows[:, 3] = self._best_per_entry(likeness, -1.0)
            assert self._answer_vectors is not None
            answers = np.full(size, -1.0, dtype=np.float32)
            likeness = self._answer_vectors @ vector
            for out in taken_out:
                likeness[out.vectors] = -1.0
            np.maximum.at(answers, self._answer_owner, likeness)
            rows[:, 4] = answers
            if chosen is not None:
                rows[:, 5] = chosen.probabilities(vector)
            else:
                rows[:, 5] = _softmax(rows[:, 3] * 20.0)
        else:
            rows[:, 5] = 1.0 / size
        rows[:, 11] = self._spelling(query.text, rows[:, 0] + rows[:, 3], left_out, spelled)
        for lead, column in ((6, 3), (7, 0), (8, 5)):
            rows[:, lead] = _lead(rows[:, column])
        rows[:, 9] = query.unknown
        rows[:, 10] = math.log1p(query.length)
        rows[:, 12] = query.core
        if vector is not None and self._everyday_vectors is not None:
            likeness = self._everyday_vectors @ vector
            if 0 <= everyday_out < len(likeness):
                likeness[everyday_out] = -1.0
            if len(likeness):
                rows[:, 13] = float(likeness.max()) - np.maximum(rows[:, 3], rows[:, 4])
        return rows

    def written_for(self, query: Query) -> int | None:
        """The entry (its number) one of whose phrasings ``query`` is, word for word once
        normalized; None when it is none's."""
        return self._written.get(query.text)

    def sharing(self, query: Query) -> tuple[int, ...]:
        """The entries (their numbers) whose topic or keyword ``query`` is, when it is that of
        two or more ("membership" over its prices, how to cancel and how to freeze it; said
        "memberships?" or "what about membership" too); empty otherwise."""
        return self._shared.get(self._name_key(query.text), ())

    def listing(self, query: Query) -> tuple[int, ...]:
        """The entries whose topic lists ``query`` among its subjects ("bookings" of
        "bookings and prices"), when it names two or more: the reply to a question turned
        away names the topics, and a visitor says back one of their subjects."""
        return self._listed.get(self._name_key(query.text), ())

    @staticmethod
    def _name_key(normalized: str) -> tuple[str, ...]:
        """What a topic, or a question asking about it alone, is compared by: its words'
        stems ("memberships" as "membership"), after a lead-in ("what about") and less the
        words said around a topic ("the", "please"), but no other: "do you have parking"
        asks something of parking."""
        language = english()
        for lead in language.topic_lead_ins:
            if normalized.startswith(f"{lead} "):
                normalized = normalized[len(lead) + 1 :]
                break
        return tuple(
            stem(word) for word in normalized.split() if word not in language.topic_fillers
        )

    def nearest_wording(self, text: str, entry: int) -> str:
        """The alternative of entry number ``entry`` nearest ``text``: in meaning with a
        sentence model, else in words ("" for an entry without alternatives, or, without a
        sentence model, with none sharing a word with ``text``)."""
        # an entry's question is its first phrasing, then its alternatives
        numbers = np.flatnonzero((self.owner == entry) & ~self.stand_in)[1:]
        if not len(numbers):
            return ""
        if self.embedder is not None and self.phrasing_vectors is not None:
            likeness = self.phrasing_vectors[numbers] @ self.embedder.embed([text])[0]
        else:
            likeness = self._word_f1(self.query(text))[numbers]
            if not likeness.max() > 0.0:
                return ""
        return self.phrasings[int(numbers[int(np.argmax(likeness))])]

    def likeness_in_words(self, query: Query) -> float:
        """The ``words`` signal of ``query``'s closest entry (0 to 1): the first column of
        ``signals``, without the rest of their cost."""
        f1 = self._word_f1(query)
        return float(f1.max()) if len(f1) else 0.0

    def _word_f1(self, query: Query) -> Array:
        """Per phrasing: how its content words and ``query``'s overlap (weighted F1)."""
        total = query.total if query.total > 0 else 1.0
        hits = np.zeros(len(self.phrasings), dtype=np.float32)
        for term, weight in query.weights.items():
            numbers = self._postings.get(term)
            if numbers is not None:
                hits[numbers] += weight
        recall = hits / total
        precision = hits / np.maximum(self._phrasing_weight, 1e-9)
        f1 = np.where(hits > 0, 2 * recall * precision / np.maximum(recall + precision, 1e-9), 0)
        result: Array = f1.astype(np.float32)
        return result

    def spelled_like(self, texts: Sequence[str]) -> Array | None:
        """How closely each of ``texts`` (normalized, as ``query`` makes them) is spelled like
        every phrasing (0 to 1), on every core in one pass; None when a question compares its
        spelling with only some entries' phrasings (more than ``SPELLED`` entries), where
        this would do more work than it saves, or too many pairs to hold at once."""
        if self.size > SPELLED or not self.phrasings or not texts:
            return None
        if len(texts) * len(self.phrasings) > SPELLED_AT_ONCE:
            return None
        scores: Array = process.cdist(
            texts, self._normalized, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1
        )
        scores /= np.float32(100.0)
        return scores

    def _spelling(
        self,
        text: str,
        closeness: Array,
        left_out: npt.NDArray[np.int64],
        spelled: Array | None = None,
    ) -> Array:
        """How closely ``text`` is spelled like each entry's closest phrasing, for the entries
        closest by words and meaning (``SPELLED`` of them; the others get 0)."""
        if spelled is not None:  # every entry is among the closest
            spelling = spelled.copy()
            spelling[left_out] = 0.0
            return self._best_per_entry(spelling, 0.0)
        entries = np.argsort(-closeness)[:SPELLED]
        chosen = np.flatnonzero(np.isin(self.owner, entries))
        if len(left_out):
            chosen = np.setdiff1d(chosen, left_out)
        spelling = np.zeros(len(self.phrasings), dtype=np.float32)
        if len(chosen):
            texts = [self._normalized[n] for n in chosen]
            scores = process.cdist([text], texts, scorer=fuzz.token_set_ratio)[0]
            spelling[chosen] = np.asarray(scores, dtype=np.float32) / 100.0
        return self._best_per_entry(spelling, 0.0)

    def _best_per_entry(self, values: Array, floor: float) -> Array:
        best = np.full(self.size, floor, dtype=np.float32)
        np.maximum.at(best, self.owner, values)
        return best


def _lead(values: Array) -> Array:
    """Each value minus the best of the others (0 when there are no others)."""
    if len(values) < 2:
        return np.zeros_like(values)
    order = np.argsort(values)
    best, second = values[order[-1]], values[order[-2]]
    lead: Array = values - np.where(np.arange(len(values)) == order[-1], second, best)
    return lead.astype(np.float32)


def _softmax(scores: Array) -> Array:
    shifted = np.exp(scores - scores.max())
    result: Array = (shifted / shifted.sum()).astype(np.float32)
    return result
