"""Matching: a transcript becomes a decision about which FAQ entry answers it.

Every question of the knowledge says "knot in your back"; what tells entries apart is a word
or two ("massage", "MRI", "numbness"). So the matcher compares *content words*, weighted by
how rare they are across entries (IDF), tolerates recognition slips by fuzzy-matching each
heard word to the knowledge vocabulary, and adds a whole-string fuzzy score as a tie-breaker.

What is particular to one FAQ -- its recognition slips, everyday synonyms of its words and the
words that mark a question as in-domain -- comes from the knowledge's ``matching`` section;
the rules here hold for any FAQ.

It answers only when one entry clearly wins. A close call between two entries asks
"Did you mean ...?"; a question whose words are mostly unknown to the knowledge ("sore
throat", "knee surgery") is rejected even when a generic word like "pain" matches.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from knotvoice.knowledge import Entry, Knowledge, MatchingHints
from knotvoice.match import Candidate, Decision, Embedder, Match
from knotvoice.match.semantic import Classifier
from knotvoice.match.text import STOPWORDS, Normalizer, normalize, word_set

__all__ = ["MatchSettings", "Matcher", "stem", "terms"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds and switches of the matcher (scores are in [0, 100])."""

    answer_score: float = 55.0
    """A best score at or above this can be answered outright (given the margin)."""
    confirm_score: float = 50.0
    """A best score at or above this (but not answerable) is confirmed; below, rejected."""
    margin: float = 6.0
    """Best must beat the runner-up by at least this to be answered; else confirm."""
    max_unknown_share: float = 0.5
    """Reject when more than this share of the query's content words is unknown."""
    min_known_weight: float = 1.2
    """Reject when the known content words weigh less than this in total (too vague)."""
    answer_min_weight: float = 1.8
    """Confirm rather than answer when the known content words weigh less than this (a
    lone "massage" fits several entries)."""
    fuzzy_token_cutoff: float = 85.0
    """A heard word counts as a knowledge word when their similarity reaches this."""
    fuzzy_min_length: int = 4
    """Words shorter than this are only matched exactly."""
    min_explained: float = 0.4
    """Reject when the best entry's questions and keywords explain less than this share of
    the query's weight (the rest being unknown words or words found only in answers)."""
    min_phrasing_weight: float = 3.0
    """A question made only of common words ("get a knot out of your back") weighs at least
    this much, so matching its common words alone does not cover it fully."""
    max_distinctive_share: float = 0.3
    """To be answered, a query must share with the best entry a word found in at most this
    share of the entries ("massage", "mri"); sharing only words most entries have ("upper
    back") gets a did-you-mean, unless the best wins by ``common_margin``."""
    common_margin: float = 10.0
    """A query sharing only common words with the best entry is answered when the best beats
    the runner-up by at least this ("what does a knot feel like")."""
    min_known_explained: float = 0.55
    """Confirm rather than answer when the best entry explains less than this share of the
    query's known words (the rest pointing to other entries)."""
    off_topic_reject: bool = True
    """Reject any query holding an unknown word of ``OFF_TOPIC`` (another body part,
    illness or medicine)."""
    off_topic_weight: float = 2.0
    """How many unknown words an unknown word of ``OFF_TOPIC`` counts as."""
    answer_only_weight: float = 0.5
    """Weight of a word found only in answers, as a share of the rarest word's weight."""
    synonym_similarity: float = 0.9
    """Similarity credited to a word matched through the knowledge's ``synonyms``."""
    keyword_credit: float = 0.8
    """Credit for a query word found only in an entry's keywords."""
    answer_credit: float = 0.3
    """Credit for a query word found only in an entry's answer."""
    union_share: float = 0.4
    """Share of the query words found anywhere in the entry (vs. in the one phrasing)."""
    centrality: float = 0.5
    """How much a word's share of an entry's phrasings adds to its weight in that entry."""
    phrase_weight: float = 0.35
    """Share of the whole-string fuzzy score (token_set_ratio) in the final score."""
    use_idf: bool = True
    """Weight content words by rarity across entries (else every word weighs 1)."""
    use_fuzzy_tokens: bool = True
    """Map misheard words to the nearest knowledge word."""
    use_keywords: bool = True
    """Count entry keywords and answer words as weaker evidence."""
    use_synonyms: bool = True
    """Map everyday words to the knowledge's words (its ``matching.synonyms``)."""
    ood_guard: bool = True
    """Reject queries whose content words are mostly unknown to the knowledge."""
    semantic_weight: float = 0.5
    """With a sentence-embedding model: share of meaning (100 x cosine) in the blended score
    that may turn a did-you-mean into an answer."""
    semantic_score: float = 60.0
    """A did-you-mean is answered by meaning only when the blended score reaches this, ..."""
    semantic_margin: float = 8.0
    """... beats the runner-up's by this, and the entry is also the closest in meaning ..."""
    semantic_similarity: float = 0.6
    """... with a cosine of at least this to one of its phrasings."""
    classifier_probability: float = 0.6
    """With a sentence-embedding model: a did-you-mean, or a question rejected only for being
    unlike every phrasing, that names one of the knowledge's ``core_terms`` is answered when a
    classifier of meaning, trained on the phrasings, gives one of the two entries the words
    found closest at least this probability."""
    classifier_strength: float = 16.0
    """How closely that classifier fits the phrasings (inverse of its L2 penalty)."""
    rescue_similarity: float = 0.7
    """With a sentence-embedding model: a question the words reject only for being unlike
    every phrasing (not for naming another topic) is answered when one entry has a phrasing
    this close in meaning, ..."""
    rescue_margin: float = 0.05
    """... no other entry has one within this cosine of it ("what is behind all this
    tightness in my upper back" is a causes question in other words), ..."""
    rescue_probability: float = 0.5
    """... and the classifier of meaning gives that entry at least this probability: the
    nearest phrasing alone is fooled by a garbled hearing ("careful not to leave a knot too
    aggressively" lies nearest a dangerous phrasing)."""
    core_relief: float = 0.15
    """How much the out-of-domain guard gives way (unknown share up, explained share down)
    for a query naming one of the knowledge's ``core_terms``: "my partner wants to massage my
    knots but can't find them" is about the domain, so a did-you-mean beats "I don't know"."""
    alternative_score: float = 60.0
    """An alternative hearing that the recognizer found less likely is answered only when it
    would be answered on its own and scores at least this (a slip heard the other way can
    otherwise turn "what causes lower back pain" into an answer), ..."""
    alternative_probability: float = 0.15
    """... and, with a sentence-embedding model, when the classifier of meaning gives its
    entry at least this probability; else it is a did-you-mean. Answers from a less likely
    hearing go wrong several times as often as answers from the likeliest."""
    meaning_veto: float = 0.2
    """With a sentence-embedding model: an answer the words find is a did-you-mean instead when
    the classifier of meaning gives its entry less than this probability and another entry
    holds the phrasing closest in meaning ("what is a knot and what brings it on" shares its
    one rare word with release-effect, but asks about causes). 0 turns this off."""
    answer_min_words: int = 3
    """To be answered, by words or by meaning, a query must be at least this many words long
    (fillers aside). A word or two ("stop", "never", "test test", "MRI") is more often
    a command, a check of the microphone or half a question than a question: it gets a
    did-you-mean when the entry is about that word ("numbness"), else it is rejected."""


# Words of health and everyday topics this kind of FAQ does not cover. A query holding one the
# knowledge does not know is out of domain even when a generic word ("pain") matches, so each
# weighs as ``off_topic_weight`` unknown words.
OFF_TOPIC: frozenset[str] = word_set(
    """
    knee knees ankle ankles foot feet toe toes hip hips wrist wrists elbow elbows hand hands
    finger fingers arm arms leg legs thigh calf shin head headache headaches migraine
    migraines throat tonsils ear ears eye eyes nose sinus sinuses tooth teeth toothache gum
    gums jaw stomach belly abdomen bowel bowels gut chest heart lung lungs breathing breath
    kidney liver bladder skin rash acne hair scalp fever fevers temperature flu cold colds
    cough coughing covid virus infection vaccine vaccines allergy allergies asthma diabetes
    cancer tumor tumour blood pressure cholesterol sugar insulin pregnant pregnancy baby
    babies child children kid kids toddler surgery operation pill pills tablet
    tablets antibiotics ibuprofen paracetamol aspirin prescription dose dentist pharmacy
    appointment insurance diet weight sleep insomnia anxiety depression stroke seizure
    tummy hamstring hamstrings groin pelvis spine disc discs sciatica bruise bruises burn
    burns cut cuts wound fracture broken sprain sprained snoring dizziness dizzy nausea
    vomiting diarrhea constipation period periods menstrual urine wart warts mole moles
    breast breasts nipple armpit lymph gland glands thyroid tonsil appendix hernia gout
    arthritis osteoporosis shingles lupus bunion bunions fasciitis plantar tendonitis
    tendinitis bursitis whiplash concussion ligament ligaments tendon tendons cartilage
    meniscus scoliosis pacemaker pacemakers implant implants dislocated dislocation
    food foods meal meals vitamin vitamins supplement supplements pillow pillows mattress
    mattresses necklace necklaces shoelace shoelaces lace laces rope ropes sailing boat boats
    bowline untie untying tying
    sell sells selling sold buy buying bought price prices cost costs shop shops stock refund
    delivery parking voucher vouchers gift brand brands product products discount booking
    """
)
GENERIC: frozenset[str] = word_set(
    """
    pain hurt ach sor caus common normal often long why where bad good feel show see find sign
    help treat better wors happen get time day week problem
    """
)
"""Words too general to place a question in the knowledge's domain on their own
("why does my tummy hurt"): a query needs at least one known word besides these."""
OFF_TOPIC_PHRASES: tuple[str, ...] = (
    "blood pressure",
    "blood sugar",
    "heart rate",
    "heart attack",
    "sore throat",
    "runny nose",
    "high blood",
    "low blood",
    "hay fever",
    "pins and needles in my feet",
    "lower back surgery",
    "frozen shoulder",
    "carpal tunnel",
    "difference between",
    "tie a",
)

OFF_TOPIC_REASON = "off topic"
ALTERNATIVE_REASON = "clear winner in another hearing"
UNBORNE_REASON = "another hearing, unlike it in meaning"
UNLIKE_REASON = "unlike it in meaning"
"""An answer the words found, held back because meaning points to another entry."""
OTHER_TOPIC_TOO_REASON = "another topic too"
"""A question about the knowledge's core ("my knot") that also names another topic ("with
my elbow") is at most a did-you-mean: the words alone cannot tell which of the two it is
about."""
FEW_WORDS_REASON = "too few words"
"""A word or two is at most a did-you-mean, and only for an entry about one of its words."""
_NAMES_OTHER = frozenset({OFF_TOPIC_REASON, OTHER_TOPIC_TOO_REASON})
_RECENT = 4
"""How many full matches a matcher keeps (see ``Matcher.match``)."""
_RESCUABLE = frozenset({"out of domain", "too vague", "low score"})
"""Reasons of a word-based reject that meaning may overrule: the words were unlike the
phrasings, but named no other topic."""

_IRREGULAR: dict[str, str] = {
    "worse": "wors",
    "worst": "wors",
    "worsen": "wors",
    "numbness": "numb",
    "swelling": "swell",
    "swollen": "swell",
    "ached": "ach",
    "aching": "ach",
    "aches": "ach",
    "achy": "ach",
    "sore": "sor",
    "soreness": "sor",
    "worry": "worri",
    "worrying": "worri",
    "body": "bodi",
    "remedy": "remedi",
    "tingly": "tingl",
}
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "atory",
    "ously",
    "ness",
    "ment",
    "ings",
    "ing",
    "edly",
    "ful",
    "ous",
    "ies",
    "ied",
    "ed",
    "es",
    "ly",
    "s",
    "y",
    "e",
)


def _off_topic_stems() -> frozenset[str]:
    single = {stem(word) for word in OFF_TOPIC}
    return frozenset(single | {stem(phrase.replace(" ", "_")) for phrase in OFF_TOPIC_PHRASES})


def stem(word: str) -> str:
    """A crude stem so that "massaging", "massages" and "massage" compare equal."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word.endswith("ss"):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("i" if suffix in ("ies", "ied") else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def terms(text: str, hints: MatchingHints | None = None) -> list[str]:
    """Stemmed content words of ``text`` (normalized first, with ``hints``)."""
    return _terms(normalize(text, hints))


def _terms(normalized: str) -> list[str]:
    return [stem(word) for word in normalized.split() if word not in STOPWORDS]


_OFF_TOPIC_STEMS = _off_topic_stems()
_GENERIC_STEMS = frozenset(stem(word) for word in GENERIC)


@dataclass(frozen=True)
class _EntryIndex:
    entry: Entry
    phrasings: tuple[frozenset[str], ...]
    """Terms of the question and of each alternative."""
    texts: tuple[str, ...]
    """Normalized question and alternatives, for the whole-string fuzzy score."""
    strong: frozenset[str]
    """Terms of the question, alternatives and topic."""
    keywords: frozenset[str]
    answer: frozenset[str]
    about: frozenset[str]
    """Terms of the question, topic and keywords: what the entry is about."""
    centrality: dict[str, float]
    """Share of the entry's phrasings that hold each term, in (0, 1]."""


@dataclass(frozen=True)
class _Term:
    text: str
    """The knowledge term a heard word was mapped to (the heard term when unknown)."""
    weight: float
    similarity: float
    """1.0 for an exact hit, less for a synonym or fuzzy hit, 0.0 when unknown."""
    strong: bool
    """True when the term is in some entry's questions, topic or keywords."""


@dataclass(frozen=True)
class _Scored:
    candidate: Candidate
    explained: float
    """Share of the query's weight found in the entry's questions and keywords, in [0, 1]."""
    known_explained: float
    """The same share of the query's known words only."""
    distinctive: bool
    """True when the entry shares a word with the query that few entries have."""


class Matcher:
    """Picks the FAQ entry that answers a question, or says it does not know.

    Everything that depends only on the knowledge is computed once here, so ``match`` only
    looks at the query.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        settings: MatchSettings | None = None,
        semantic: Embedder | None = None,
    ) -> None:
        self._knowledge = knowledge
        self.settings = settings or MatchSettings()
        self._semantic = semantic
        self._recent: dict[tuple[str, tuple[str, ...], MatchSettings], Match] = {}
        hints = knowledge.matching
        self._normalize = Normalizer(hints)
        self._synonyms = {stem(word): stem(known) for word, known in hints.synonyms}
        core = frozenset(stem(word) for word in hints.core_terms)
        self._core = core | {word for word, known in self._synonyms.items() if known in core}
        use_keywords = self.settings.use_keywords
        indexes: list[_EntryIndex] = []
        for entry in knowledge.entries:
            texts = (entry.question, *entry.alternatives)
            phrasings = tuple(frozenset(self._terms(text)) for text in texts)
            strong = frozenset().union(*phrasings, self._terms(entry.topic))
            keywords = frozenset(t for k in entry.keywords for t in self._terms(k))
            answer = frozenset(
                self._terms(entry.spoken or entry.answer) + self._terms(entry.answer)
            )
            indexes.append(
                _EntryIndex(
                    entry,
                    phrasings,
                    tuple(self._normalize(text) for text in texts),
                    strong,
                    keywords if use_keywords else frozenset(),
                    answer if use_keywords else frozenset(),
                    phrasings[0] | frozenset(self._terms(entry.topic)) | keywords,
                    {t: sum(t in p for p in phrasings) / len(phrasings) for t in strong},
                )
            )
        self._entries = tuple(indexes)
        count = max(len(indexes), 1)
        frequency: dict[str, int] = {}
        for index in indexes:
            for term in index.strong | index.keywords:
                frequency[term] = frequency.get(term, 0) + 1
        self._rare = math.log(1.0 + count)
        self._weights = {
            term: (math.log(1.0 + count / df) if self.settings.use_idf else 1.0)
            for term, df in frequency.items()
        }
        self._strong = sorted(frequency)
        self._frequency = frequency
        self._distinctive_limit = max(1.0, self.settings.max_distinctive_share * count)
        answer_terms: set[str] = set()
        for index in indexes:
            answer_terms |= index.answer
        self._answer_only = frozenset(answer_terms - frequency.keys())
        self._cache: dict[str, _Term] = {}
        known_texts = " ".join(text for index in indexes for text in index.texts)
        self._off_topic_phrases = tuple(
            phrase for phrase in OFF_TOPIC_PHRASES if phrase not in known_texts
        )
        self._entry_number = {index.entry.id: n for n, index in enumerate(indexes)}
        self._phrasing_vectors: npt.NDArray[np.float32] | None = None
        self._phrasing_owner = np.array(
            [number for number, index in enumerate(indexes) for _ in index.texts], dtype=np.int64
        )
        self._classifier: Classifier | None = None
        if semantic is not None and indexes:
            self._phrasing_vectors = semantic.embed([t for index in indexes for t in index.texts])
            if len(indexes) > 1:
                self._classifier = Classifier.train(
                    self._phrasing_vectors,
                    self._phrasing_owner,
                    len(indexes),
                    strength=self.settings.classifier_strength,
                )

    @property
    def knowledge(self) -> Knowledge:
        return self._knowledge

    def _terms(self, text: str) -> list[str]:
        return _terms(self._normalize(text))

    def _weight(self, term: str) -> float:
        if term in self._weights:
            return self._weights[term]
        # Words found only in answers, and unknown words, are rare by definition.
        return self._rare if self.settings.use_idf else 1.0

    def _lookup(self, term: str) -> _Term:
        """Map one heard term to the knowledge vocabulary (exactly, by synonym, or fuzzily)."""
        cached = self._cache.get(term)
        if cached is not None:
            return cached
        settings = self.settings
        unknown_weight = self._weight(term)
        if term in _OFF_TOPIC_STEMS:
            unknown_weight *= settings.off_topic_weight
        found = _Term(term, unknown_weight, 0.0, False)
        synonym = self._synonyms.get(term) if settings.use_synonyms else None
        if term in self._weights:
            found = _Term(term, self._weights[term], 1.0, True)
        elif synonym is not None and synonym in self._weights:
            found = _Term(synonym, self._weights[synonym], settings.synonym_similarity, True)
        elif term in self._answer_only:
            found = _Term(term, self._rare * settings.answer_only_weight, 1.0, False)
        elif settings.use_fuzzy_tokens and len(term) >= settings.fuzzy_min_length:
            best = process.extractOne(
                term, self._strong, scorer=fuzz.ratio, score_cutoff=settings.fuzzy_token_cutoff
            )
            if best is not None:
                known = str(best[0])
                found = _Term(known, self._weights[known], float(best[1]) / 100.0, True)
        if len(self._cache) < 10_000:
            self._cache[term] = found
        return found

    def _score(self, index: _EntryIndex, query: list[_Term], text: str) -> _Scored:
        settings = self.settings
        total = sum(term.weight for term in query)
        hits: dict[str, float] = {}
        matched = 0.0
        explained = 0.0
        for term in query:
            if term.similarity == 0.0:
                continue
            if term.text in index.strong:
                credit = 1.0
            elif term.text in index.keywords:
                credit = settings.keyword_credit
            elif term.text in index.answer:
                credit = settings.answer_credit
            else:
                continue
            matched += term.weight * term.similarity * credit
            if term.strong and credit >= settings.keyword_credit:
                explained += term.weight * term.similarity
            hits[term.text] = max(hits.get(term.text, 0.0), term.similarity)
        known = sum(term.weight * term.similarity for term in query if term.strong)
        if total <= 0.0 or known <= 0.0:
            return _Scored(Candidate(index.entry, 0.0), 0.0, 0.0, False)
        recall = matched / total
        words = 0.0
        central = settings.centrality
        weights = {
            t: self._weight(t) * (1.0 - central + central * index.centrality.get(t, 0.0))
            for t in index.strong
        }
        for phrasing in index.phrasings:
            weight = max(sum(weights[t] for t in phrasing), settings.min_phrasing_weight)
            coverage = sum(weights[t] * hits[t] for t in phrasing if t in hits) / weight
            own = sum(t.weight * t.similarity for t in query if t.text in phrasing) / total
            blended = settings.union_share * recall + (1.0 - settings.union_share) * own
            if blended + coverage > 0.0:
                words = max(words, 2.0 * blended * coverage / (blended + coverage))
        score = 100.0 * words
        if settings.phrase_weight > 0.0:
            phrase = max(
                (fuzz.token_set_ratio(text, candidate) for candidate in index.texts), default=0.0
            )
            score = (1.0 - settings.phrase_weight) * score + settings.phrase_weight * phrase
        distinctive = any(self._frequency.get(term, 0) <= self._distinctive_limit for term in hits)
        return _Scored(
            Candidate(index.entry, round(score, 2)),
            explained / total,
            explained / known,
            distinctive,
        )

    def _rank(self, text: str) -> tuple[str, list[_Term], list[_Scored]]:
        query_text = self._normalize(text)
        marked = query_text
        for phrase in self._off_topic_phrases:
            if phrase in marked:
                marked = marked.replace(phrase, phrase.replace(" ", "_"))
        query = [self._lookup(term) for term in _terms(marked)]
        scored = [self._score(index, query, query_text) for index in self._entries]
        scored.sort(key=lambda item: item.candidate.score, reverse=True)
        return query_text, query, scored

    def _off_topic(self, query: list[_Term]) -> bool:
        """True when the query names another body part, illness or medicine: an off-topic
        word the knowledge does not know, or knows only from answers ("a cold" in "hot and
        cold therapy") while the query names none of the knowledge's ``core_terms``."""
        core = self._names_core(query)
        for term in query:
            if term.strong or not (term.text in _OFF_TOPIC_STEMS or "_" in term.text):
                continue
            if term.similarity == 0.0 or not core:
                return True
        return False

    def match(self, text: str, alternatives: Sequence[str] = (), *, meaning: bool = True) -> Match:
        """Decide which entry answers ``text``: answer, confirm (close call) or reject.

        ``alternatives`` are other hearings of the same question, most likely first. When
        ``text`` is not answered, the first alternative that clearly is gets answered. A
        hearing that names an off-topic word ("knee" heard as "mind keep") makes the question
        a reject: "aspirin" heard as "us for an" must not be answered. ``meaning=False``
        leaves a did-you-mean as it is, without asking the sentence-embedding model.

        The last few full matches are kept: the kiosk matches a question once when hearing it
        again and once more when answering it.
        """
        if not meaning or self._semantic is None or self._phrasing_vectors is None:
            return self._match_hearings(text, alternatives)[0]
        key = (text, tuple(alternatives), self.settings)
        match = self._recent.pop(key, None)
        if match is None:
            match = self._match_in_full(text, alternatives, self._semantic)
        self._recent[key] = match
        if len(self._recent) > _RECENT:
            del self._recent[next(iter(self._recent))]
        return match

    def _match_in_full(self, text: str, alternatives: Sequence[str], semantic: Embedder) -> Match:
        """The decision of the words, settled or held back by meaning."""
        heard, scored = self._match_hearings(text, alternatives)
        if heard.decision is not Decision.ANSWER and self._few_words(heard.query):
            return heard
        if heard.reason == OTHER_TOPIC_TOO_REASON or (
            heard.decision is Decision.REJECT and heard.reason not in _RESCUABLE
        ):
            return heard
        vector: npt.NDArray[np.float32] = semantic.embed([heard.query])[0]
        if heard.decision is Decision.ANSWER:
            return self._held_back(heard, vector)
        if heard.decision is Decision.CONFIRM:
            settled = self._by_meaning(heard, scored, self._closest(vector))
            if settled.decision is Decision.CONFIRM:
                return self._by_classifier(settled, scored, vector)
            return settled
        rescued = self._rescue_by_meaning(heard, vector)
        if rescued.decision is Decision.REJECT:
            return self._by_classifier(rescued, scored, vector)
        return rescued

    def _chance(self, vector: npt.NDArray[np.float32], entry: Entry) -> float | None:
        """The classifier of meaning's probability that ``entry`` answers the embedded query
        (None without a classifier)."""
        if self._classifier is None:
            return None
        return float(self._classifier.probabilities(vector)[self._entry_number[entry.id]])

    def _held_back(self, match: Match, vector: npt.NDArray[np.float32]) -> Match:
        """An answer stands unless meaning rules its entry out; else it is a did-you-mean.

        An answer from a less likely hearing needs the classifier of meaning to give its entry
        at least ``alternative_probability`` ("does stress cause knots" heard less likely as
        "does dress cause no tight knots" must not be answered with how to treat one). One
        from the likeliest hearing is held back only when the classifier gives its entry less
        than ``meaning_veto`` and another entry holds the phrasing closest in meaning.
        """
        if match.best is None:
            return match
        settings = self.settings
        other_hearing = match.reason == ALTERNATIVE_REASON
        floor = settings.alternative_probability if other_hearing else settings.meaning_veto
        chance = self._chance(vector, match.best.entry)
        if chance is None or chance >= floor:
            return match
        own = self._entry_number[match.best.entry.id]
        if not other_hearing and int(np.argmax(self._closest(vector))) == own:
            return match
        logger.debug("%r is unlike its entry in meaning", match.query)
        reason = UNBORNE_REASON if other_hearing else UNLIKE_REASON
        return replace(match, decision=Decision.CONFIRM, reason=reason)

    def _closest(self, vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Each entry's highest cosine between a query's embedding and one of its phrasings'."""
        closest = np.full(len(self._entries), -1.0, dtype=np.float32)
        if self._phrasing_vectors is not None:
            np.maximum.at(closest, self._phrasing_owner, self._phrasing_vectors @ vector)
        return closest

    def _by_classifier(
        self, match: Match, scored: list[_Scored], vector: npt.NDArray[np.float32]
    ) -> Match:
        """A did-you-mean, or a question whose words were unlike every phrasing, about the
        knowledge's core ("knot") is answered when the classifier of meaning clearly picks
        one of the two entries the words found closest ("what makes muscle knots form" is a
        causes question, however close its words come to treat-knot)."""
        if self._classifier is None or len(scored) < 2:
            return match
        if not self._names_core([self._lookup(term) for term in _terms(match.query)]):
            return match
        probabilities = self._classifier.probabilities(vector)
        number = self._entry_number
        pair = [item.candidate for item in scored[:2]]
        chances = [float(probabilities[number[candidate.entry.id]]) for candidate in pair]
        pick = 0 if chances[0] >= chances[1] else 1
        if chances[pick] < self.settings.classifier_probability:
            return match
        logger.debug("%r answered by the classifier of meaning", match.query)
        return replace(
            match,
            decision=Decision.ANSWER,
            best=pair[pick],
            runner_up=pair[1 - pick],
            reason="clear winner by meaning",
        )

    def _few_words(self, query_text: str) -> bool:
        """True when the normalized query is shorter than an answer needs."""
        return len(query_text.split()) < self.settings.answer_min_words

    def _names_core(self, query: list[_Term]) -> bool:
        """True when the query names one of the knowledge's ``core_terms`` (directly, by a
        synonym or by a slip the fuzzy lookup repairs)."""
        return any(term.strong and term.text in self._core for term in query)

    def _rescue_by_meaning(self, match: Match, vector: npt.NDArray[np.float32]) -> Match:
        """A question the words found unlike every phrasing is answered when it is very close
        in meaning to one entry's phrasings, clearly closer to them than to any other's, and
        the classifier of meaning agrees."""
        closest = self._closest(vector)
        if len(closest) < 2:
            return match
        runner, best = (int(number) for number in np.argsort(closest)[-2:])
        settings = self.settings
        if (
            closest[best] < settings.rescue_similarity
            or closest[best] - closest[runner] < settings.rescue_margin
        ):
            return match
        # Only now the classifier: most rescuable rejects are far from every phrasing.
        chance = self._chance(vector, self._entries[best].entry)
        if chance is not None and chance < settings.rescue_probability:
            return match
        logger.debug("%r answered by meaning alone", match.query)
        return replace(
            match,
            decision=Decision.ANSWER,
            best=Candidate(self._entries[best].entry, round(100.0 * float(closest[best]), 2)),
            runner_up=Candidate(
                self._entries[runner].entry, round(100.0 * float(closest[runner]), 2)
            ),
            reason="closest in meaning",
        )

    def _match_hearings(
        self, text: str, alternatives: Sequence[str]
    ) -> tuple[Match, list[_Scored]]:
        """The decision over all hearings, with the entries scored for the deciding one."""
        first, scored = self._match_one(text)
        if first.decision is Decision.ANSWER or not alternatives or first.reason in _NAMES_OTHER:
            return first, scored
        others = [self._match_one(other) for other in alternatives]
        if any(other.reason in _NAMES_OTHER for other, _ in others):
            return replace(first, decision=Decision.REJECT, reason=OFF_TOPIC_REASON), scored
        for other, other_scored in others:
            if (
                other.decision is Decision.ANSWER
                and other.best is not None
                and other.best.score >= self.settings.alternative_score
            ):
                logger.debug("%r answered as %r", first.query, other.query)
                return replace(other, reason=ALTERNATIVE_REASON), other_scored
        return first, scored

    def _by_meaning(
        self, match: Match, scored: list[_Scored], closest: npt.NDArray[np.float32]
    ) -> Match:
        """A did-you-mean becomes an answer when the words lean to one entry and its meaning
        agrees ("how regularly should i knead it" is a massage-how-often question)."""
        settings = self.settings
        number = self._entry_number
        weight = settings.semantic_weight
        blended = sorted(
            (
                (1.0 - weight) * item.candidate.score
                + weight * 100.0 * max(float(closest[number[item.candidate.entry.id]]), 0.0),
                number[item.candidate.entry.id],
            )
            for item in scored
        )[::-1]
        if len(blended) < 2:
            return match
        (best_score, best), (runner_score, runner) = blended[0], blended[1]
        if (
            best_score >= settings.semantic_score
            and best_score - runner_score >= settings.semantic_margin
            and int(np.argmax(closest)) == best
            and closest[best] >= settings.semantic_similarity
        ):
            logger.debug("%r answered by meaning", match.query)
            return replace(
                match,
                decision=Decision.ANSWER,
                best=Candidate(self._entries[best].entry, round(best_score, 2)),
                runner_up=Candidate(self._entries[runner].entry, round(runner_score, 2)),
                reason="clear winner by meaning",
            )
        return match

    def _match_one(self, text: str) -> tuple[Match, list[_Scored]]:
        query_text, query, scored = self._rank(text)
        return self._decide(query_text, query, scored), scored

    def _decide(self, query_text: str, query: list[_Term], scored: list[_Scored]) -> Match:
        """The words' decision, held back when the query names another topic: rejected, or
        only a did-you-mean when it also names the knowledge's core ("a knot by my elbow")."""
        match = self._judge(query_text, query, scored)
        settings = self.settings
        if not (settings.ood_guard and settings.off_topic_reject and self._off_topic(query)):
            return match
        if match.decision is Decision.REJECT or not self._names_core(query):
            return replace(match, decision=Decision.REJECT, reason=OFF_TOPIC_REASON)
        logger.debug("%r names another topic too: at most a did-you-mean", query_text)
        return replace(match, decision=Decision.CONFIRM, reason=OTHER_TOPIC_TOO_REASON)

    def _judge(self, query_text: str, query: list[_Term], scored: list[_Scored]) -> Match:
        """The decision the words make, leaving aside whether they name another topic."""
        settings = self.settings
        best = scored[0].candidate if scored else None
        runner_up = scored[1].candidate if len(scored) > 1 else None
        unknown = tuple(term.text for term in query if term.similarity == 0.0)

        def decide(decision: Decision, reason: str) -> Match:
            logger.debug("%r -> %s (%s) %s", query_text, decision, reason, best)
            return Match(decision, best, runner_up, query_text, reason, unknown)

        if best is None or not query:
            return decide(Decision.REJECT, "no question heard")
        if settings.ood_guard:
            core = self._names_core(query)
            unknown_limit = settings.max_unknown_share + (settings.core_relief if core else 0.0)
            if len(unknown) / len(query) > unknown_limit:
                return decide(Decision.REJECT, "out of domain")
            explained_floor = settings.min_explained - (settings.core_relief if core else 0.0)
            if scored[0].explained < explained_floor:
                return decide(Decision.REJECT, "out of domain")
        if settings.ood_guard and all(term.text in _GENERIC_STEMS for term in query if term.strong):
            return decide(Decision.REJECT, "no domain word")
        known_weight = sum(term.weight * term.similarity for term in query if term.strong)
        if known_weight < settings.min_known_weight:
            return decide(Decision.REJECT, "too vague")
        if best.score < settings.confirm_score:
            return decide(Decision.REJECT, "low score")
        if self._few_words(query_text):
            # "Numbness?" may be half a question about numbness; "stop" or "test test" is none.
            about = self._entries[self._entry_number[best.entry.id]].about
            if any(term.strong and term.text in about for term in query):
                return decide(Decision.CONFIRM, FEW_WORDS_REASON)
            return decide(Decision.REJECT, FEW_WORDS_REASON)
        gap = best.score - (runner_up.score if runner_up else 0.0)
        if gap < settings.margin:
            return decide(Decision.CONFIRM, "close call")
        if best.score < settings.answer_score or known_weight < settings.answer_min_weight:
            return decide(Decision.CONFIRM, "weak match")
        if not scored[0].distinctive and gap < settings.common_margin:
            return decide(Decision.CONFIRM, "only common words")
        if scored[0].known_explained < settings.min_known_explained:
            return decide(Decision.CONFIRM, "partly other entries")
        return decide(Decision.ANSWER, "clear winner")
