"""Calibration: the probability that an entry is the right answer, fitted for each FAQ.

A logistic regression over ``evidence.SIGNALS`` is fitted per knowledge file, from what the
file itself and the language data can teach:

- every phrasing asked as a question while it is left out of the knowledge (so it cannot
  find itself), and the same phrasings as visitors would say them: wrapped in openers and
  closers ("um, quick question, ..."), and asked indirectly (``lang/en.yaml``'s ``visitor``;
  its fillers and slips of short words make a third way, which no fit uses:
  ``docs/matching.md``), a file of many phrasings one of the two ways for most of them
  (``SPOKEN_AT_MOST``); an entry without alternatives has its answer's sentences for
  phrasings too (``evidence.stand_ins``), so its question is asked while left out, against
  its answer, and each of those sentences is asked left out of its answer too (else it would
  find itself there, as no visitor's question does); in a file of such entries alone
  (``learns_from_answers_alone``) its question as visitors say it is asked once more with
  the question kept, as a visitor who asks in its words ("do you have wifi" of "Is there
  Wi-Fi?") is heard at the kiosk;
- everyday questions no FAQ of one organisation answers (``lang/en-offtopic.txt``), leaving
  out those close in meaning to one of this FAQ's phrasings (``Evidence.everyday``), each
  asked while left out of them, as the ``everyday`` signal compares a question with them;
- when the operator has them, questions recorded at the kiosk with the entry each should get.

The classifier of meaning is retrained without each fold of phrasings, so a left-out phrasing
is judged as a new question would be. The fit is kept in the cache directory, keyed by the
knowledge file's content, so the next start reuses it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import heapq
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knotvoice.lang import Language, english
from knotvoice.match.evidence import SIGNALS, Evidence
from knotvoice.match.semantic import Classifier, cores

__all__ = [
    "ANSWER_AT",
    "CONFIRM_AT",
    "VERSION",
    "Calibration",
    "Example",
    "Fit",
    "Judged",
    "cross_check",
    "examples",
    "fit",
    "load_or_fit",
    "spoken_variants",
]

logger = logging.getLogger(__name__)

ANSWER_AT = 0.6
"""A question is answered when its best entry is at least this likely to be right (the same
for every FAQ; ``matcher`` decides by it)."""
CONFIRM_AT = 0.3
"""Below ``ANSWER_AT`` but at least this likely: "Did you mean ...?"."""
VERSION = 22
"""Changes whenever the signals or the fitting change, so an older kept fit is not reused."""
FOLDS = 5
"""Phrasings are left out a fifth at a time when the classifier of meaning is retrained."""
VARIANTS = 2
"""Spoken variants of each phrasing learnt from, at most (``SPOKEN_AT_MOST``)."""
SPOKEN_AT_MOST = 480
"""Spoken variants learnt from in all, when there are more phrasings (answers' sentences
standing in for alternatives among them) than ``VARIANTS`` each would allow: each phrasing
is then said one way (which one is drawn by its words) and the rest of these go to
phrasings drawn by their words, one more way each; with more than this many phrasings,
each is said one way. Each variant costs an embedding and a row of signals over every
entry: the knots FAQ's 472 phrasings took 4.8 to 5.6 s to fit with two variants each, 3.2
to 3.7 s of it embedding the variants."""
MAX_PHRASINGS = 1500
"""A larger knowledge learns from a sample of its phrasings: a few thousand questions are
plenty for the regressions' dozen weights, and each one costs an embedding and a row of
signals over every entry (a 300-entry FAQ of 4,028 phrasings spent 200 s of its 257 s
build fitting, on 12,858 questions). The sample is chosen by the phrasings' own words, so
an edit changes it only by the phrasings it adds or takes away, and the rest keep their
embeddings."""
CANDIDATES = 8
"""Per question, the entries learnt from: those closest by words or meaning."""
PENALTY = 1.0
"""L2 penalty of the regression (on standardized signals)."""
EVERYDAY_QUANTILE = 0.99
"""Where a decision is moved to what everyday questions get (``_everyday_shift``), the share
of them put below a threshold: the aim of at most one off-topic question in a hundred."""
ANSWERS_ALONE_QUANTILE = 0.985
"""The same for a fit that learns from answers alone (``learns_from_answers_alone``): its
decision is placed where this share of the everyday questions stays below ``ANSWER_AT``.
Chosen on the development sets (``docs/matching.md``): at 0.99 such a fit turned away
most questions it had the right entry for; at 0.97 it answered more questions outside it."""

FITS_KEPT = 100
"""Fits kept in the cache folder at most (2 to 3 kB each), those used longest ago deleted
first beyond them: each edit of an FAQ, and each FAQ, has one."""

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Example:
    """A question to learn from, and the entry that answers it."""

    text: str
    expected: int
    """Number of the entry that answers it; -1 when none does."""
    leave_out: tuple[int, ...] = ()
    """Phrasings left out while judging it (the phrasing it was made from)."""
    fold: int = -1
    """Fold of the phrasing it was made from (-1: none)."""
    source: str = "phrasing"
    """phrasing, spoken (a phrasing as a visitor would say it), found (the same, its
    phrasing kept: ``examples``), answer (one of an answer's sentences standing in for
    alternatives, ``evidence.stand_ins``, as written or said), offtopic or recorded."""

    @property
    def in_place(self) -> bool:
        """Made from its entry's only phrasing, which stays in place while it is asked (an
        entry is never left with none): it finds itself word for word, and says nothing of
        how a visitor's own words fare."""
        return not self.leave_out and self.source in ("phrasing", "spoken")


@dataclass(frozen=True)
class Regression:
    """A fitted logistic regression: standardized inputs times weights, plus a bias.

    An input is taken no further than the values it was fitted on (``low`` to ``high``): a
    weight learnt over the lengths of real questions says nothing of a text of 20,000 words,
    which, taken at its word, was answered with full confidence."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    low: tuple[float, ...]
    high: tuple[float, ...]

    def logits(self, rows: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """The log-odds of each row."""
        mean = np.asarray(self.mean)
        scale = np.asarray(self.scale)
        within = np.clip(rows, np.asarray(self.low), np.asarray(self.high))
        result: npt.NDArray[np.float64] = ((within - mean) / scale) @ np.asarray(
            self.weights
        ) + self.bias
        return result

    def probabilities(self, rows: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """The probability of each row."""
        logits = self.logits(rows)
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))
        return result


DECIDING = (
    "likelihood",
    "likelihood_lead",
    "words_phrasing",
    "words_entry",
    "words_answer",
    "meaning_phrasing",
    "meaning_answer",
    "meaning_lead",
    "classifier",
    "unknown",
    "length",
    "core",
    "everyday",
)
"""What the decision weighs about the best entry: how likely the ranking finds it, by how much
it leads the next one, and its own signals (see ``evidence.SIGNALS``)."""
_COLUMNS = [SIGNALS.index(name) for name in DECIDING[2:]]
RANKING = tuple(name for name in SIGNALS if name != "everyday")
"""What the ranking weighs about each entry: every signal but how like an everyday question
the question is, which says whether it is in the FAQ at all, not which entry answers it."""
_RANKED = [SIGNALS.index(name) for name in RANKING]


@dataclass(frozen=True)
class Calibration:
    """Two fitted regressions: one ranks the entries for a question (how likely each is the
    right answer), the other judges the best of them (how likely the question is answered
    right by it at all, or is outside the FAQ)."""

    ranking: Regression
    deciding: Regression

    def likelihoods(self, signals: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """How likely each entry (a row of ``signals``) is the right answer, to rank them."""
        return self.ranking.probabilities(signals[:, _RANKED])

    def confidence(
        self, signals: npt.NDArray[np.float32], likelihoods: npt.NDArray[np.float64], entry: int
    ) -> float:
        """The probability that ``entry`` is the right answer to the question."""
        return float(
            self.deciding.probabilities(deciding_row(signals, likelihoods, entry)[None])[0]
        )

    def describe(self) -> dict[str, float]:
        """Each input's weight (standardized), for logs and ``knowledge calibrate``."""
        weights = dict(zip(RANKING, self.ranking.weights, strict=True))
        weights.update(
            {f"decide:{n}": w for n, w in zip(DECIDING, self.deciding.weights, strict=True)}
        )
        return {name: round(weight, 2) for name, weight in weights.items()}


def deciding_row(
    signals: npt.NDArray[np.float32], likelihoods: npt.NDArray[np.float64], entry: int
) -> npt.NDArray[np.float64]:
    """What the decision weighs about ``entry`` (see ``DECIDING``)."""
    others = np.delete(likelihoods, entry)
    lead = likelihoods[entry] - (others.max() if len(others) else 0.0)
    row: npt.NDArray[np.float64] = np.r_[likelihoods[entry], lead, signals[entry, _COLUMNS]]
    return row.astype(np.float64)


@dataclass(frozen=True)
class Fit:
    """A calibration and what it was fitted from."""

    calibration: Calibration
    knowledge: str
    """Digest of the knowledge file's content and the embedding model."""
    questions: dict[str, int]
    """How many questions of each source it learnt from."""
    seconds: float
    """Time the fit took."""


def _digest(evidence: Evidence, recorded: Sequence[Example]) -> str:
    knowledge = evidence.knowledge
    identity = getattr(evidence.embedder, "identity", type(evidence.embedder).__name__)
    parts = [f"v{VERSION}", str(identity), repr(knowledge.matching)]
    for entry in knowledge.entries:
        parts.extend((entry.id, *entry.phrases, entry.answer, entry.topic, *entry.keywords))
    parts.extend(f"{example.text}\t{example.expected}" for example in recorded)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def spoken_variants(text: str, count: int, language: Language | None = None) -> list[str]:
    """``text`` said ``count`` ways a visitor might say it (the same ways every time)."""
    visitor = (language or english()).visitor
    body = text.strip().rstrip("?.!").strip()
    body = body[:1].lower() + body[1:]
    found: list[str] = []
    for style in range(count):
        pick = random.Random(f"{text}|{style}")
        if style % 3 == 0:
            said = f"{pick.choice(visitor.prefixes)} {body}"
            if pick.random() < 0.5:
                said = f"{said} {pick.choice(visitor.suffixes)}"
        elif style % 3 == 1:
            said = pick.choice(visitor.indirect).format(q=body)
        else:
            words = body.split()
            slips = dict(visitor.slips)
            words = [
                slips.get(word.lower(), word) if pick.random() < 0.3 else word for word in words
            ]
            if len(words) > 3:
                words.insert(pick.randrange(1, len(words)), pick.choice(visitor.fillers))
            said = " ".join(word for word in words if word)
        found.append(re.sub(r"\s+", " ", said).strip())
    return found


def _draw(text: str, number: int) -> tuple[bytes, int]:
    """Where a phrasing falls in the sample's draw: by its words, wherever it is in the file."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:8], number


def folds(count: int) -> list[int]:
    """The fold of each of ``count`` phrasings (the same every time)."""
    fold = [number % FOLDS for number in range(count)]
    random.Random(1).shuffle(fold)
    return fold


def examples(
    evidence: Evidence,
    language: Language | None = None,
    recorded: Sequence[Example] = (),
) -> list[Example]:
    """Everything a knowledge file's calibration learns from (see the module's doc)."""
    language = language or english()
    count = len(evidence.phrasings)
    numbers = list(range(count))
    if count > MAX_PHRASINGS:
        drawn = heapq.nsmallest(
            MAX_PHRASINGS, numbers, key=lambda n: _draw(evidence.phrasings[n], n)
        )
        numbers = sorted(drawn)
    fold = folds(count)
    # Phrasings said every way: all of them, unless that is more than SPOKEN_AT_MOST.
    every_way = set(numbers)
    if len(numbers) * VARIANTS > SPOKEN_AT_MOST:
        more = max(0, SPOKEN_AT_MOST - len(numbers)) // max(VARIANTS - 1, 1)
        every_way = set(
            heapq.nsmallest(more, numbers, key=lambda n: _draw(evidence.phrasings[n], n))
        )
    phrasings_of = np.bincount(evidence.owner, minlength=evidence.size)
    answers_alone = learns_from_answers_alone(evidence, recorded)
    found: list[Example] = []
    for number in numbers:
        text, owner = evidence.phrasings[number], int(evidence.owner[number])
        # A phrasing is asked while left out, unless it is its entry's only one: an entry
        # left with no phrasing would teach that sharing a question's words is a bad sign.
        alone = phrasings_of[owner] < 2
        leave_out = () if alone else (number,)
        # An answer's sentence standing in for alternatives is learnt from as a phrasing is.
        written, said = (
            ("answer", "answer") if evidence.stand_in[number] else ("phrasing", "spoken")
        )
        found.append(Example(text, owner, leave_out, fold[number], written))
        variants = spoken_variants(text, VARIANTS, language)
        if number not in every_way:
            variants = [variants[_draw(text, number)[0][0] % VARIANTS]]
        found.extend(Example(variant, owner, leave_out, fold[number], said) for variant in variants)
        if answers_alone and not evidence.stand_in[number]:
            # and with its question kept: at the kiosk it is there to be found, and a fit
            # that never saw it found gave its words no weight ("do you have wifi" of "Is
            # there Wi-Fi?" was turned away)
            found.extend(Example(variant, owner, (), fold[number], "found") for variant in variants)
    # The everyday questions the evidence keeps (those close in meaning to one of the FAQ's
    # phrasings may be in its domain and are not among them).
    found.extend(Example(text, -1, source="offtopic") for text in evidence.everyday)
    found.extend(recorded)
    return found


def signals_of(evidence: Evidence, questions: Sequence[Example]) -> list[npt.NDArray[np.float32]]:
    """Each question's signals, judged without its own phrasing (and, for the classifier of
    meaning, without its fold of phrasings)."""
    vectors = None
    if evidence.embedder is not None and evidence.phrasing_vectors is not None:
        vectors = evidence.embedder.embed([q.text for q in questions], keep=True)
    fold = folds(len(evidence.phrasings))
    numbers = sorted({q.fold for q in questions if q.fold >= 0})

    def train(number: int) -> Classifier | None:
        return evidence.train_classifier([n for n, f in enumerate(fold) if f == number])

    # Each fold's classifier on a core of its own: their matrix products let go of the
    # interpreter.
    with concurrent.futures.ThreadPoolExecutor(max(1, min(len(numbers), cores()))) as pool:
        classifiers = dict(zip(numbers, pool.map(train, numbers), strict=True))
    everyday = {text: number for number, text in enumerate(evidence.everyday)}
    queries = [evidence.query(question.text, question.leave_out) for question in questions]
    spelled = evidence.spelled_like([query.text for query in queries])
    return [
        evidence.signals(
            query,
            vectors[number] if vectors is not None else None,
            leave_out=question.leave_out,
            classifier=classifiers.get(question.fold),
            everyday_out=everyday.get(question.text, -1),
            spelled=spelled[number] if spelled is not None else None,
        )
        for number, (question, query) in enumerate(zip(questions, queries, strict=True))
    ]


def training_rows(
    questions: Sequence[Example], rows: Sequence[npt.NDArray[np.float32]]
) -> tuple[Array, Array]:
    """The (question, entry) pairs learnt from: for each question, the entries closest by
    words or meaning (and the right one); label 1 for the right entry."""
    features: list[npt.NDArray[np.float32]] = []
    labels: list[Array] = []
    for question, signals in zip(questions, rows, strict=True):
        closeness = signals[:, 0] + signals[:, 3]
        chosen = set(np.argsort(-closeness)[:CANDIDATES].tolist())
        if question.expected >= 0:
            chosen.add(question.expected)
        picked = sorted(chosen)
        features.append(signals[picked])
        labels.append(np.array([float(n == question.expected) for n in picked]))
    return np.concatenate(features).astype(np.float64), np.concatenate(labels)


def regression(
    features: Array,
    labels: Array,
    weights: Array | None = None,
    penalty: float = PENALTY,
    signs: Sequence[int] | None = None,
) -> Regression:
    """A logistic regression by Newton's method on standardized features (L2 penalty),
    each row counted ``weights`` times (default once).

    With ``signs`` (one per feature: 1, -1, or 0 for either), a weight of the wrong sign is
    held at zero and the rest fitted again, the worst first, until none is left.
    """
    counts = np.ones(len(labels)) if weights is None else weights
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    design = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    ridge = np.r_[np.full(features.shape[1], penalty), 0.0]
    free = np.ones(design.shape[1], dtype=np.bool_)
    beta = _newton(design, labels, counts, ridge, free)
    if signs is not None:
        sign = np.r_[np.asarray(signs, dtype=np.float64), 0.0]
        while (wrong := np.flatnonzero(free & (sign * beta < 0))).size:
            free[wrong[np.argmin(sign[wrong] * beta[wrong])]] = False
            beta = _newton(design, labels, counts, ridge, free)
    return Regression(
        tuple(mean.tolist()),
        tuple(scale.tolist()),
        tuple(beta[:-1].tolist()),
        float(beta[-1]),
        tuple(features.min(axis=0).tolist()),
        tuple(features.max(axis=0).tolist()),
    )


def _newton(
    design: Array, labels: Array, counts: Array, ridge: Array, free: npt.NDArray[np.bool_]
) -> Array:
    """The penalized maximum of the likelihood over the ``free`` columns (the rest zero)."""
    columns = design[:, free]
    penalty = np.diag(ridge[free])
    fitted = np.zeros(columns.shape[1])
    for _ in range(50):
        chance = 1.0 / (1.0 + np.exp(-np.clip(columns @ fitted, -40, 40)))
        gradient = columns.T @ (counts * (chance - labels)) + penalty @ fitted
        hessian = (columns * (counts * chance * (1.0 - chance))[:, None]).T @ columns + penalty
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            # Every label alike (a fold of a one-entry file: each question right): the
            # unpenalized intercept runs off, and its curvature with it. The least-squares
            # step goes on as far as it can.
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        fitted -= step
        if np.abs(step).max() < 1e-8:
            break
    beta = np.zeros(design.shape[1])
    beta[free] = fitted
    return beta


SIGNS = {
    "likelihood": 1,
    "likelihood_lead": 1,
    "words_phrasing": 1,
    "words_entry": 1,
    "words_answer": 1,
    "meaning_phrasing": 1,
    "meaning_answer": 1,
    "classifier": 1,
    "meaning_lead": 1,
    "words_lead": 1,
    "classifier_lead": 1,
    "spelling": 1,
    "unknown": -1,
    "everyday": -1,
    "length": 0,
    "core": 0,
}
"""The sign each input's weight must have when a fit is held to them (``calibrate``): a closer
match can only raise the probability, a word the knowledge does not know or a likeness to an
everyday question only lower it; length and core terms may go either way."""


def calibrate(
    questions: Sequence[Example],
    rows: Sequence[npt.NDArray[np.float32]],
    held: bool = False,
    lowered: bool | None = None,
) -> Calibration:
    """Fit the ranking on every question's closest entries, then the decision on each
    question's best-ranked entry (right, wrong, or a question outside the FAQ).

    ``held`` (``held_to_signs``): both are held to ``SIGNS``, as the questions asked against
    the answers are most of what the fit learns of how visitors' own words fare, too few and
    too unlike them to teach which way each piece of evidence points (a free fit of a
    three-entry FAQ learnt that sharing words with an entry makes it less likely).
    ``lowered`` (default: ``held``; ``learns_from_answers_alone``): the decision is placed by
    what everyday questions get (``_everyday_shift``).
    """
    features, labels = training_rows(questions, rows)
    ranking = regression(
        features[:, _RANKED], labels, signs=[SIGNS[name] for name in RANKING] if held else None
    )
    decided: list[npt.NDArray[np.float64]] = []
    right: list[float] = []
    inside = sum(q.expected >= 0 for q in questions)
    outside = len(questions) - inside
    for question, signals in zip(questions, rows, strict=True):
        likelihoods = ranking.probabilities(signals[:, _RANKED])
        best = int(np.argmax(likelihoods))
        decided.append(deciding_row(signals, likelihoods, best))
        right.append(float(best == question.expected))
    # Questions inside and outside the FAQ count alike, however many of each were learnt from:
    # the decision is not to learn that most questions are outside it.
    counts = None
    if inside and outside:
        counts = np.array(
            [0.5 * len(questions) / (inside if q.expected >= 0 else outside) for q in questions]
        )
    rows_decided, labels = np.stack(decided), np.array(right)
    signs = [SIGNS[name] for name in DECIDING] if held else None
    deciding = regression(rows_decided, labels, counts, signs=signs)
    shift = 0.0
    if outside and all(q.in_place for q in questions if q.expected >= 0):
        # Only questions that find themselves: raised until everyday questions reach
        # a did-you-mean.
        shift = max(0.0, _everyday_shift(questions, rows_decided, labels, counts, CONFIRM_AT))
    elif outside and (held if lowered is None else lowered):
        # Learnt from answers' sentences: placed where few everyday questions are answered.
        shift = _everyday_shift(
            questions, rows_decided, labels, counts, ANSWER_AT, signs, ANSWERS_ALONE_QUANTILE
        )
    if shift:
        deciding = replace(deciding, bias=deciding.bias + shift)
    return Calibration(ranking, deciding)


def held_to_signs(evidence: Evidence, recorded: Sequence[Example] = ()) -> bool:
    """Whether a fit of ``evidence``'s knowledge is held to ``SIGNS``: when it learns from
    answers alone (``learns_from_answers_alone``), and also while more of its entries have
    only their answers' sentences to stand in for alternatives than have alternatives (an
    imported FAQ given its first alternatives, as ``knowledge check`` advises), unless a
    question recorded at the kiosk is one of its entries'. Fitted freely, such a file learnt
    from too few questions of visitors' kind which way each piece of evidence points: a bike café's
    FAQ given one alternative ("can you look at my e-bike") weighed the words of the closest
    phrasing -1.14 in its decision, found that very wording 0.003 likely, and answered
    "could you look at my e-bike" with how to donate a bike (0.99; ``docs/matching.md``)."""
    if learns_from_answers_alone(evidence, recorded):
        return True
    entries = evidence.knowledge.entries
    written = sum(bool(entry.alternatives) for entry in entries)
    # most entries with their answers alone, as measured; a written FAQ given one new entry
    # is fitted freely as before (held, one cinema FAQ so lost 6 of its 28 right answers)
    return (
        bool(evidence.stand_in.any())
        and len(entries) - written > written
        and not any(q.expected >= 0 for q in recorded)
    )


def learns_from_answers_alone(evidence: Evidence, recorded: Sequence[Example] = ()) -> bool:
    """Whether a fit of ``evidence``'s knowledge learns of questions inside it only from its
    entries' questions asked against their answers' sentences: some answers stand in for
    alternatives, no entry has a second phrasing written for it, and no question recorded at
    the kiosk is one of its entries'. One entry's alternatives, or one recorded question it
    answers, are enough to fit freely."""
    return (
        bool(evidence.stand_in.any())
        and not any(entry.alternatives for entry in evidence.knowledge.entries)
        and not any(question.expected >= 0 for question in recorded)
    )


def _everyday_shift(
    questions: Sequence[Example],
    rows: Array,
    labels: Array,
    counts: Array | None,
    probability: float,
    signs: Sequence[int] | None = None,
    quantile: float = EVERYDAY_QUANTILE,
) -> float:
    """How far the decision's log-odds must move for all but ``1 - quantile`` of the
    everyday questions, each judged by a decision fitted without its fold, to get less than
    ``probability``.

    ``calibrate`` moves a decision by it in two cases. When every entry has a single
    phrasing and no answer sentence to stand in for alternatives (and no question was
    recorded at the kiosk), every question inside the FAQ the fit learns from finds itself
    word for word, and the decision learns that only such a question is answered right: it
    is raised (never lowered) until everyday questions reach a did-you-mean, so a visitor's
    own words are not all turned away. When no entry has alternatives and answers' sentences
    stand in for them (``learns_from_answers_alone``), the decision learns its boldness from
    questions asked against answers alone, each sentence left out of its own answer: it is
    placed (raised or lowered) where ``ANSWERS_ALONE_QUANTILE`` of the everyday questions
    are not answered.
    """
    outside = [n for n, q in enumerate(questions) if q.expected < 0]
    logits: list[float] = []
    for fold in range(FOLDS):
        left = set(outside[fold::FOLDS])
        if not left:
            continue
        keep = [n for n in range(len(questions)) if n not in left]
        model = regression(
            rows[keep], labels[keep], None if counts is None else counts[keep], signs=signs
        )
        logits.extend(model.logits(rows[sorted(left)]).tolist())
    if not logits:
        return 0.0
    ceiling = float(np.log(probability / (1.0 - probability)))
    # The held-out logits are of decisions fitted without them; the same shift is given to
    # the decision fitted on all of them.
    return ceiling - float(np.quantile(logits, quantile))


def fit(
    evidence: Evidence,
    language: Language | None = None,
    recorded: Sequence[Example] = (),
) -> Fit:
    """Fit the calibration of ``evidence``'s knowledge (seconds; see the module's doc)."""
    start = time.perf_counter()
    questions = examples(evidence, language, recorded)
    alone = learns_from_answers_alone(evidence, recorded)
    calibration = calibrate(
        questions, signals_of(evidence, questions), held_to_signs(evidence, recorded), alone
    )
    sources: dict[str, int] = {}
    for question in questions:
        sources[question.source] = sources.get(question.source, 0) + 1
    seconds = time.perf_counter() - start
    logger.info(
        "calibrated matching for %s in %.1f s from %s",
        evidence.knowledge.source or "the knowledge",
        seconds,
        ", ".join(f"{n} {source}" for source, n in sources.items()),
    )
    return Fit(calibration, _digest(evidence, recorded), sources, seconds)


def kept_file(cache_dir: Path, digest: str) -> Path:
    """Where the fit of the knowledge and recordings of ``digest`` (``Fit.knowledge``) is
    kept in ``cache_dir``."""
    return cache_dir / f"calibration-{digest}.json"


def load_or_fit(
    evidence: Evidence, cache_dir: Path | None, recorded: Sequence[Example] = ()
) -> Fit:
    """The kept fit of this knowledge (same content, same model), else a fresh one, kept."""
    digest = _digest(evidence, recorded)
    path = kept_file(cache_dir, digest) if cache_dir is not None else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            with contextlib.suppress(OSError):
                # used now (its access time; its modification time says when it was fitted)
                os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
            return Fit(
                Calibration(
                    _regression(data["calibration"]["ranking"], len(RANKING)),
                    _regression(data["calibration"]["deciding"], len(DECIDING)),
                ),
                data["knowledge"],
                dict(data["questions"]),
                float(data["seconds"]),
            )
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, OverflowError) as error:
            # Damaged, or written by hand: a fit that does not fit the signals would fail
            # every question.
            logger.warning("the kept calibration %s is damaged (%s); fitting again", path, error)
    made = fit(evidence, recorded=recorded)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_text(json.dumps(asdict(made)), encoding="utf-8")
            partial.replace(path)
        except OSError as error:
            logger.warning("could not keep the calibration in %s (%s)", cache_dir, error)
        else:
            _forget_old_fits(path)
    return made


def _forget_old_fits(made: Path) -> None:
    """Delete the kept fits beside ``made`` (the fit just kept, never deleted) used longest
    ago beyond ``FITS_KEPT``: every edit of a knowledge file kept one more, for good. By
    their times, so on a Pi with no clock of its own, started again behind the time it had,
    the fit just made was the oldest of all, deleted at once and made again at every start."""
    found = []
    for path in made.parent.glob("calibration-*.json"):
        with contextlib.suppress(OSError):
            stat = path.stat()
            if path != made:
                found.append((max(stat.st_atime, stat.st_mtime), path))
    found.sort(reverse=True)
    for _, path in found[FITS_KEPT - 1 :]:
        with contextlib.suppress(OSError):
            path.unlink()


def _regression(data: dict[str, object], size: int) -> Regression:
    """The regression kept as ``data``, of ``size`` inputs; ValueError when it is not one."""

    def floats(name: str) -> tuple[float, ...]:
        values = data[name]
        if not isinstance(values, list) or len(values) != size:
            raise ValueError(f"{name} is not a list of {size} numbers")
        return tuple(_finite(value, name) for value in values)

    regression = Regression(
        floats("mean"),
        floats("scale"),
        floats("weights"),
        _finite(data["bias"], "bias"),
        floats("low"),
        floats("high"),
    )
    if min(regression.scale) <= 0.0:
        raise ValueError("a scale is not positive")
    if any(low > high for low, high in zip(regression.low, regression.high, strict=True)):
        raise ValueError("a range ends below its start")
    return regression


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} is not a finite number")
    return float(value)


@dataclass(frozen=True)
class Judged:
    """How one question learnt from fares when it is not learnt from (cross-fitted)."""

    question: Example
    best: int
    """Number of the entry found most likely."""
    probability: float
    """How likely that entry was found to be right."""


def cross_check(
    evidence: Evidence,
    language: Language | None = None,
    recorded: Sequence[Example] = (),
) -> list[Judged]:
    """Every question the calibration learns from, judged by a calibration fitted without
    its fold: how a knowledge file would fare with questions it has not seen."""
    questions = examples(evidence, language, recorded)
    rows = signals_of(evidence, questions)
    # Every fold is fitted the way the knowledge is, whichever questions it leaves out.
    alone = learns_from_answers_alone(evidence, recorded)
    held_fit = held_to_signs(evidence, recorded)
    fold = [q.fold if q.fold >= 0 else n % FOLDS for n, q in enumerate(questions)]
    judged: list[Judged | None] = [None] * len(questions)
    for held in range(FOLDS):
        train = [n for n in range(len(questions)) if fold[n] != held]
        if not train:
            continue
        calibration = calibrate(
            [questions[n] for n in train], [rows[n] for n in train], held_fit, alone
        )
        for number in range(len(questions)):
            if fold[number] == held:
                likelihoods = calibration.likelihoods(rows[number])
                best = int(np.argmax(likelihoods))
                chance = calibration.confidence(rows[number], likelihoods, best)
                judged[number] = Judged(questions[number], best, chance)
    return [item for item in judged if item is not None]
