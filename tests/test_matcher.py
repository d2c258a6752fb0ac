"""The matcher: the right entry for people's own words, one calibrated decision, any FAQ.

The quick tests run the matcher on words alone (no sentence-embedding model) or with a small
stand-in embedder; the rest use the real model and the project's knowledge and tuning sets.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.evaluate import evaluate_typed
from knotvoice.knowledge import Entry, Knowledge, load
from knotvoice.match import Decision, Match, Reason
from knotvoice.match import calibration as calibrating
from knotvoice.match.evidence import SIGNALS, Evidence, stand_ins
from knotvoice.match.matcher import ANSWER_AT, CONFIRM_AT, Matcher, hearing_weights
from knotvoice.match.semantic import SemanticModel

ROOT = Path(__file__).resolve().parents[1]
KNOTS = ROOT / "knowledge" / "knots.yaml"
KNOTS_TUNING = ROOT / "audio_fixtures" / "tuning" / "manifest.tsv"

LIBRARY = Knowledge(
    (
        Entry(
            "opening-hours",
            "When is the library open?",
            "We are open from nine until six, Monday to Saturday.",
            ("what time do you open", "what are your opening hours", "are you open on sunday"),
            topic="opening hours",
        ),
        Entry(
            "borrow",
            "How many books can I borrow?",
            "You can borrow up to twelve books for three weeks with a library card.",
            (
                "how many books can i take out",
                "what is the borrowing limit",
                "how long can i keep a book",
            ),
            topic="borrowing books",
        ),
        Entry(
            "printing",
            "Can I print something here?",
            "Printing costs ten pence a page; send your file to the printer from any computer.",
            ("how much does printing cost", "is there a printer", "can i print a document"),
            topic="printing",
        ),
        Entry(
            "join",
            "How do I join the library?",
            "Bring a photo ID and proof of your address to the front desk to get a library card.",
            ("how do i get a library card", "can i become a member", "what do i need to sign up"),
            topic="joining",
        ),
    ),
    source="library.yaml",
)


class Bag:
    """A stand-in sentence embedder for quick tests: words hashed into a unit vector, so texts
    sharing words are alike. The real model is tested below."""

    identity = "bag-of-words"

    def embed(self, texts: Sequence[str], *, keep: bool = False) -> npt.NDArray[np.float32]:
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace("?", " ").split():
                digest = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16)
                vectors[row, digest % 64] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = vectors / np.maximum(norms, 1e-9)
        return result


def answered(match: Match) -> str | None:
    if match.decision is Decision.ANSWER and match.best is not None:
        return match.best.entry.id
    return None


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    return Matcher(LIBRARY, Bag(), cache_dir=tmp_path_factory.mktemp("cache"))


def test_likeness_in_words_is_the_words_signal_of_the_closest_entry(library: Matcher) -> None:
    """Hearing a question again ranks up to hundreds of readings by it: it must be cheap,
    and the same figure the full evidence gives."""
    evidence = library.evidence
    for text in ("how many books can I borrow", "borrow", "the weather today", ""):
        full = evidence.signals(evidence.query(text), None)[
            :, SIGNALS.index("words_phrasing")
        ].max()
        assert library.likeness_in_words(text) == pytest.approx(float(full), abs=0.0)
    assert library.likeness_in_words("how many books can I borrow") > 0.5
    assert library.likeness_in_words("the weather today") == 0.0


def test_a_question_in_the_faq_s_own_words_is_answered(library: Matcher) -> None:
    match = library.match("how many books can I borrow from you")
    assert answered(match) == "borrow"
    assert match.reason is Reason.LIKELY
    assert match.probability >= ANSWER_AT
    assert match.best is not None and match.runner_up is not None
    assert match.best.score >= match.runner_up.score


@pytest.mark.parametrize(("second", "offered"), [(0.02, False), (0.35, True)])
def test_a_did_you_mean_offers_another_entry_only_if_it_is_worth_asking_about(
    library: Matcher, monkeypatch: pytest.MonkeyPatch, second: float, offered: bool
) -> None:
    """The screen shows the runner-up of a close call as "the other one", and a visitor may
    say so: an entry the judge thinks all but certainly wrong is no choice to offer."""
    ids = [entry.id for entry in LIBRARY.entries]
    ranking = np.array([0.4 if i == "printing" else 0.3 if i == "join" else 0.0 for i in ids])
    chances = np.array([0.45 if i == "printing" else second if i == "join" else 0.0 for i in ids])
    monkeypatch.setattr(library, "_judge", lambda *args, **kwargs: (ranking, chances))
    match = library.match("could I print something in colour")
    assert (match.decision, match.reason) == (Decision.CONFIRM, Reason.CLOSE_CALL)
    assert match.best is not None and match.best.entry.id == "printing"
    assert (match.runner_up is not None) == offered


def test_one_of_an_entrys_phrasings_word_for_word_is_that_entrys(
    tmp_path: Path, library: Matcher
) -> None:
    """The operator wrote that wording into the entry: it is answered whatever the fit makes
    of it, and only when it is word for word."""
    match = library.match("What is the Borrowing Limit?")
    assert answered(match) == "borrow"
    assert match.reason is Reason.WRITTEN
    assert library.match("what is the borrowing limit here").reason is not Reason.WRITTEN
    shared = replace(LIBRARY.entries[2], alternatives=("what is the borrowing limit",))
    both = Matcher(
        Knowledge((*LIBRARY.entries[:2], shared), source="shared.yaml"), Bag(), cache_dir=tmp_path
    )
    assert both.match("what is the borrowing limit").reason is not Reason.WRITTEN


def test_a_topic_or_keyword_several_entries_share_is_asked_about_not_answered(
    tmp_path: Path,
) -> None:
    """An operator who gave several entries one topic ("membership" over its prices, how to
    cancel and how to freeze it) saw a visitor who said it alone answered with one of them,
    most often not the one meant; now the best two of them are offered."""
    opening, borrow, printing, join = LIBRARY.entries
    shared = Knowledge(
        (
            replace(opening, keywords=("front desk",)),
            replace(borrow, topic="library card"),
            printing,
            replace(join, topic="library card", keywords=("front desk",)),
        ),
        source="shared.yaml",
    )
    matcher = Matcher(shared, Bag(), cache_dir=tmp_path)
    for said, sharers in (
        ("Library card?", {"borrow", "join"}),
        ("library cards", {"borrow", "join"}),
        ("What about the library card?", {"borrow", "join"}),
        ("Tell me about library cards, please.", {"borrow", "join"}),
        ("front desk", {"opening-hours", "join"}),
    ):
        match = matcher.match(said)
        assert match.decision is Decision.CONFIRM
        assert match.reason is Reason.SHARED
        assert match.best is not None and match.runner_up is not None
        assert {match.best.entry.id, match.runner_up.entry.id} == sharers
    assert matcher.match("printing").reason is not Reason.SHARED
    assert matcher.match("how do I get a library card").reason is not Reason.SHARED
    assert matcher.match("library card fees").reason is not Reason.SHARED
    assert matcher.match("do you have library cards").reason is not Reason.SHARED
    written = Knowledge(
        (*shared.entries[:3], replace(shared.entries[3], alternatives=("library card",))),
        source="written.yaml",
    )
    match = Matcher(written, Bag(), cache_dir=tmp_path).match("library card")
    assert answered(match) == "join"
    assert match.reason is Reason.WRITTEN


def test_one_subject_of_a_topic_that_lists_several_is_asked_about_not_turned_away(
    tmp_path: Path,
) -> None:
    """A section "Cards and membership" names its entries' topic; a visitor turned away is
    told "You can ask me about cards and membership" and says back "membership": it was
    turned away again, with the same words. Now the likeliest of those entries is offered,
    unless the question is answered outright as before."""
    opening, borrow, printing, join = LIBRARY.entries
    listed = Knowledge(
        (
            opening,
            replace(borrow, topic="cards and membership"),
            printing,
            replace(join, topic="cards and membership"),
        ),
        source="listed.yaml",
    )
    matcher = Matcher(listed, Bag(), cache_dir=tmp_path)
    for said in ("membership", "What about membership?", "cards"):
        match = matcher.match(said)
        assert match.decision is not Decision.REJECT, said
        assert match.best is not None and match.best.entry.id in {"borrow", "join"}
    assert matcher.match("printing").reason is not Reason.SHARED
    assert matcher.match("membership fees for students").reason is not Reason.SHARED


@pytest.mark.parametrize("question", ["what is the capital of france", "tell me a joke"])
def test_a_question_outside_the_faq_is_not_answered(library: Matcher, question: str) -> None:
    assert library.match(question).decision is not Decision.ANSWER


@pytest.mark.parametrize("said", ["", "   ", "um, uh, er"])
def test_no_question_heard_is_rejected(library: Matcher, said: str) -> None:
    match = library.match(said)
    assert match.decision is Decision.REJECT
    assert match.reason is Reason.NO_QUESTION


def test_a_word_that_only_the_answer_uses_still_points_to_its_entry(library: Matcher) -> None:
    # "photo ID" is in no phrasing of "join", only in its answer.
    ranking = library.probabilities(["do I need a photo id and proof of address"])
    assert LIBRARY.entries[int(np.argmax(ranking))].id == "join"


def test_a_less_likely_hearing_counts_by_how_likely_the_recognizer_found_it(
    library: Matcher,
) -> None:
    garbled = "how many hooks can I bore oh"
    alone = library.match(garbled)
    with_others = library.match(garbled, ["how many books can I borrow"], [-8.0, -8.5])
    assert with_others.probability > alone.probability
    assert with_others.best is not None and with_others.best.entry.id == "borrow"
    assert with_others.decision is not Decision.REJECT
    unlikely = library.match(garbled, ["how many books can I borrow"], [-3.0, -30.0])
    assert unlikely.probability == pytest.approx(alone.probability, abs=1e-6)


def test_hearings_weigh_by_likelihood() -> None:
    assert hearing_weights(3, [-1.0, -1.0, -1.0]) == pytest.approx([1 / 3] * 3)
    assert hearing_weights(2, [0.0, -50.0]) == pytest.approx([1.0, 0.0], abs=1e-9)
    assert hearing_weights(2, []) == pytest.approx([1.0, 0.0])


def test_a_fit_s_signals_worked_out_at_once_on_every_core_are_those_of_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evidence = Evidence(LIBRARY, Bag())
    questions = calibrating.examples(evidence)
    assert evidence.spelled_like(["when do you open"]) is not None
    monkeypatch.setattr(calibrating, "cores", lambda: 3)
    together = calibrating.signals_of(evidence, questions)
    monkeypatch.setattr(Evidence, "spelled_like", lambda self, texts: None)
    monkeypatch.setattr(calibrating, "cores", lambda: 1)
    alone = calibrating.signals_of(evidence, questions)
    assert all(np.array_equal(a, b) for a, b in zip(together, alone, strict=True))
    assert any(q.leave_out for q in questions), "left-out phrasings are judged without them"
    # Each question is judged by the classifier trained without its own fold.
    number, question = next((n, q) for n, q in enumerate(questions) if q.fold == 3)
    fold = calibrating.folds(len(evidence.phrasings))
    without = evidence.train_classifier([n for n, f in enumerate(fold) if f == 3])
    own = evidence.signals(
        evidence.query(question.text, question.leave_out),
        Bag().embed([question.text])[0],
        leave_out=question.leave_out,
        classifier=without,
    )
    assert np.array_equal(own, together[number])


def test_the_calibration_is_kept_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    assert list(tmp_path.glob("calibration-*.json"))

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("fitted again although a calibration is kept")

    monkeypatch.setattr(calibrating, "fit", refuse)
    second = Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    assert second.fit.calibration == first.fit.calibration


def test_the_fits_kept_are_those_used_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each edit of an FAQ kept one more fit, for good (105 edits: 105 more files).
    monkeypatch.setattr(calibrating, "FITS_KEPT", 3)
    old = []
    for number in range(4):
        path = tmp_path / f"calibration-old{number}.json"
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (1_000_000 + number, 1_000_000 + number))
        old.append(path)
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)  # fitted and kept: the newest
    (fitted,) = set(tmp_path.glob("calibration-*.json")) - set(old)
    assert set(tmp_path.glob("calibration-*.json")) == {fitted, old[3], old[2]}
    # A fit read again is used now: it outlives those used before it. It is marked so by
    # hand: a card mounted noatime (as a Pi's often is) never marks a file read.
    os.utime(fitted, (900_000, 900_000))
    marked: list[str] = []
    monkeypatch.setattr(os, "utime", lambda path, **_: marked.append(str(path)))
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    assert marked == [str(fitted)]
    monkeypatch.undo()
    monkeypatch.setattr(calibrating, "FITS_KEPT", 3)
    os.utime(fitted, ns=(time.time_ns(), 900_000 * 10**9))
    edited = Knowledge((*LIBRARY.entries[1:], LIBRARY.entries[0]))
    Matcher(edited, Bag(), cache_dir=tmp_path)
    (refit,) = set(tmp_path.glob("calibration-*.json")) - {fitted, *old}
    assert set(tmp_path.glob("calibration-*.json")) == {refit, fitted, old[3]}


def test_a_fit_just_made_is_kept_when_the_others_were_used_by_a_clock_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Pi with no clock of its own, started again behind the time it had: the fit it made
    # was the oldest of all by its times, deleted at once and made again at every start.
    monkeypatch.setattr(calibrating, "FITS_KEPT", 3)
    later = time.time() + 30 * 86400
    ahead = []
    for number in range(4):
        path = tmp_path / f"calibration-ahead{number}.json"
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (later + number, later + number))
        ahead.append(path)
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    (fitted,) = set(tmp_path.glob("calibration-*.json")) - set(ahead)
    assert set(tmp_path.glob("calibration-*.json")) == {fitted, ahead[3], ahead[2]}

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("fitted again at the next start")

    monkeypatch.setattr(calibrating, "fit", refuse)
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    assert fitted.exists()


def _short_mean(kept: dict[str, Any]) -> None:
    kept["ranking"]["mean"] = kept["ranking"]["mean"][:-2]


def _mean_a_number(kept: dict[str, Any]) -> None:
    kept["ranking"]["mean"] = 1.5


def _bias_a_string(kept: dict[str, Any]) -> None:
    kept["deciding"]["bias"] = "x"


def _weight_not_a_number(kept: dict[str, Any]) -> None:
    kept["deciding"]["weights"][0] = float("nan")


def _range_upside_down(kept: dict[str, Any]) -> None:
    kept["deciding"]["low"], kept["deciding"]["high"] = (
        kept["deciding"]["high"],
        kept["deciding"]["low"],
    )


@pytest.mark.parametrize(
    "damage",
    [_short_mean, _mean_a_number, _bias_a_string, _weight_not_a_number, _range_upside_down],
)
def test_a_kept_calibration_of_the_wrong_shape_is_one_warning_and_fitted_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[dict[str, Any]], None]
) -> None:
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    (kept,) = tmp_path.glob("calibration-*.json")
    data = json.loads(kept.read_text())
    damage(data["calibration"])
    kept.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        matcher = Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    (warning,) = caplog.records
    assert warning.getMessage().startswith(f"the kept calibration {kept} is damaged (")
    assert answered(matcher.match("how many books can I borrow from you")) == "borrow"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    assert not caplog.records, "the fit is kept whole again"


def test_a_changed_knowledge_file_is_calibrated_again(tmp_path: Path) -> None:
    Matcher(LIBRARY, Bag(), cache_dir=tmp_path)
    entries = (*LIBRARY.entries[:3], Entry("wifi", "Is there wifi?", "Yes, ask at the desk."))
    Matcher(Knowledge(entries, source="library.yaml"), Bag(), cache_dir=tmp_path)
    assert len(list(tmp_path.glob("calibration-*.json"))) == 2


def test_every_signal_is_in_each_row() -> None:
    evidence = Evidence(LIBRARY, Bag())
    query = evidence.query("how much does it cost to print a page")
    rows = evidence.signals(query, Bag().embed([query.text])[0])
    assert rows.shape == (len(LIBRARY.entries), len(SIGNALS))
    assert int(np.argmax(rows[:, SIGNALS.index("words_phrasing")])) == 2


def test_a_compound_word_counts_however_it_is_written() -> None:
    """A visitor's "wifi" found nothing of "Is there Wi-Fi?" (its hyphen a space once
    normalized: "wi fi"), so "is there wifi" was held back; "car park" found nothing of
    "carpark". A compound is now read as the knowledge writes it; two words it also writes
    apart stay apart."""
    knowledge = Knowledge(
        (
            Entry("wifi", "Is there Wi-Fi?", "Yes, ask at the desk for the password."),
            Entry("parking", "Where is the carpark?", "Behind the hall; the bus stop is in front."),
            Entry("stop", "Where do I stop?", "At the bus stop, a minute away."),
        ),
        source="hall.yaml",
    )
    evidence = Evidence(knowledge, None)
    for said, read in (
        ("is there wifi", "is there wi fi"),
        ("is there wi fi", "is there wi fi"),
        ("where is the car park", "where is the carpark"),
        ("where is the bus stop", "where is the bus stop"),  # "busstop" is no word of it
        ("is there a way in", "is there a way in"),  # "a way" is no "away"
    ):
        assert evidence.query(said).text == read
    assert evidence.written_for(evidence.query("Is there wifi?")) == 0


def test_a_phrasing_left_out_does_not_find_itself() -> None:
    evidence = Evidence(LIBRARY, Bag())
    text = evidence.phrasings[5]  # an alternative of "borrow"
    own = evidence.signals(evidence.query(text), Bag().embed([text])[0])
    left_out = evidence.signals(evidence.query(text, [5]), Bag().embed([text])[0], leave_out=[5])
    column = SIGNALS.index("meaning_phrasing")
    assert own[1, column] == pytest.approx(1.0, abs=1e-5)
    assert left_out[1, column] < 0.99


def test_an_answer_s_sentence_left_out_does_not_find_itself_in_its_answer() -> None:
    """The fit asks each sentence standing in for alternatives while it is left out: found
    in its own answer, word for word and in meaning, it taught the fit that a question inside
    the FAQ shares an answer's words and meaning as no visitor's does."""
    bare = Entry("photos", "Can I take photos?", "Yes, without flash. Tripods need a permit.")
    hours = Entry("hours", "When are you open?", "Nine to five on weekdays.")
    evidence = Evidence(Knowledge((bare, hours), "m.yaml"), Bag())
    number = evidence.phrasings.index("Tripods need a permit")
    text = evidence.phrasings[number]
    vector = Bag().embed([text])[0]
    kept = evidence.signals(evidence.query(text), vector)
    query = evidence.query(text, [number])
    left = evidence.signals(query, vector, leave_out=[number])
    words, meaning = SIGNALS.index("words_answer"), SIGNALS.index("meaning_answer")
    assert kept[0, words] == pytest.approx(1.0)
    assert kept[0, meaning] == pytest.approx(1.0, abs=1e-5)
    # "tripods", "permit": said nowhere else, so words the knowledge does not know
    assert query.unknown == pytest.approx(1.0)
    assert left[0, words] == 0.0
    assert left[0, meaning] < 0.5  # against "Yes, without flash" alone
    # a sentence of another entry's answer keeps its place
    assert left[1, meaning] == kept[1, meaning]


BAKERY = Knowledge(
    (
        Entry("open", "What time do you open?", "We open at 7am and close at 4pm every day."),
        Entry(
            "gluten-free",
            "Do you sell gluten-free bread?",
            "Yes, we bake a gluten-free loaf every Friday. Order it by Thursday.",
        ),
        Entry(
            "birthday-cake",
            "Can I order a birthday cake?",
            "Yes. Birthday cakes need three days' notice. Ask at the counter.",
        ),
        Entry(
            "vegan",
            "Do you have vegan options?",
            "Our sourdough, baguettes and fruit buns are vegan. Cakes contain eggs and butter.",
        ),
        Entry("seating", "Is there seating?", "We have six tables inside and two outside."),
        Entry("cards", "Do you take cards?", "We take cards and contactless payments."),
    ),
    source="bakery.yaml",
)
"""A bakery's FAQ as an operator imported it: no alternatives."""


def test_a_word_one_answer_mentions_in_passing_does_not_take_the_question(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    """The bakery answered "do you sell cake" with its vegan options (0.99): "Cakes contain
    eggs and butter." stood in for an alternative, and the fit, which asked that sentence
    against the very answer holding it, had learnt to trust an answer's words over the
    entry's own question."""
    matcher = Matcher(BAKERY, semantic, cache_dir=tmp_path)
    for question in ("do you sell cake", "do you do wedding cakes"):
        assert answered(matcher.match(question)) != "vegan", question
    assert answered(matcher.match("can I get a cake for my son's birthday")) == "birthday-cake"
    assert answered(matcher.match("is there anything vegan")) == "vegan"


def test_an_entry_without_alternatives_is_matched_by_its_answer_s_sentences() -> None:
    """Its question alone says little of how visitors ask, so its answer's sentences stand in
    for alternatives and the fit can ask the question left out, against the answer. An entry
    with alternatives gets none, and a stand-in said word for word is not a wording the
    knowledge wrote."""
    bare = Entry("photos", "Can I take photos?", "Yes, without flash. Tripods need a permit.")
    hours = Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",))
    evidence = Evidence(Knowledge((bare, hours), "m.yaml"), Bag())
    assert stand_ins(bare) == ("Yes, without flash", "Tripods need a permit")
    assert stand_ins(hours) == ()
    assert evidence.phrasings[:3] == ("Can I take photos?", *stand_ins(bare))
    assert evidence.stand_in.tolist() == [False, True, True, False, False]

    learnt = calibrating.examples(evidence)
    (question,) = [e for e in learnt if e.text == "Can I take photos?"]
    assert (question.leave_out, question.source) == ((0,), "phrasing")
    # Each stand-in is learnt from, as written and as said, left out as a phrasing is.
    assert [e.source for e in learnt if e.leave_out == (1,)] == ["answer"] * 3
    # One entry's alternative, or one question recorded for an entry, is enough for the fit
    # to learn freely; a question recorded outside the FAQ is not.
    assert not calibrating.learns_from_answers_alone(evidence)
    alone = Evidence(Knowledge((bare, replace(hours, alternatives=())), "p.yaml"), Bag())
    assert calibrating.learns_from_answers_alone(alone)
    for expected, free in ((0, True), (-1, False)):
        recorded = calibrating.Example("may i use flash", expected, source="recorded")
        assert calibrating.learns_from_answers_alone(alone, [recorded]) is not free

    # A file of more entries with their answers alone than with alternatives is fitted held
    # to the signs, not lowered to the everyday questions; one question recorded for an
    # entry frees it, and so do as many entries with alternatives as without.
    toilets = Entry("toilets", "Where are the toilets?", "By the door. Turn left.")
    mixed = Evidence(Knowledge((bare, toilets, hours), "t.yaml"), Bag())
    assert calibrating.held_to_signs(mixed) and calibrating.held_to_signs(alone)
    assert not calibrating.held_to_signs(evidence)
    recorded = calibrating.Example("may i use flash", 0, source="recorded")
    assert not calibrating.held_to_signs(mixed, [recorded])
    questions = calibrating.examples(mixed)
    rows = calibrating.signals_of(mixed, questions)
    fitted = calibrating.fit(mixed).calibration
    assert fitted == calibrating.calibrate(questions, rows, held=True, lowered=False)
    assert fitted != calibrating.calibrate(questions, rows, held=False)
    assert evidence.written_for(evidence.query("can i take photos")) == 0
    assert evidence.written_for(evidence.query("tripods need a permit")) is None


def test_a_fit_held_to_signs_gives_no_evidence_the_wrong_direction() -> None:
    """Correlated evidence can get a weight against its meaning in a free fit; held to its
    sign, that weight stays at zero and the rest are fitted without it."""
    rng = np.random.default_rng(5)
    features = rng.normal(size=(400, 2))
    noise = rng.normal(scale=0.5, size=400)
    labels = (features[:, 0] - 0.8 * features[:, 1] + noise > 0).astype(np.float64)
    free = calibrating.regression(features, labels)
    held = calibrating.regression(features, labels, signs=[1, 1])
    assert free.weights[1] < 0.0
    assert held.weights[1] == 0.0 and held.weights[0] > 0.0
    assert calibrating.regression(features, labels, signs=[0, 0]) == free


def test_a_question_like_an_everyday_one_is_marked_as_such() -> None:
    everyday = ("what will the weather be like tomorrow", "where can i buy a coffee")
    evidence = Evidence(LIBRARY, Bag(), everyday)
    column = SIGNALS.index("everyday")

    def signal(text: str, everyday_out: int = -1) -> float:
        row = evidence.signals(
            evidence.query(text), Bag().embed([text])[0], everyday_out=everyday_out
        )
        return float(row[:, column].max())

    weather = signal("what will the weather be like today")
    assert weather > signal("how many books can i borrow from the library") + 0.3
    assert weather > 0.0, "closer to an everyday question than to any entry"
    # An everyday question learnt from is compared with the others, not with itself.
    assert evidence.everyday == everyday
    assert signal(everyday[1], everyday_out=1) < signal(everyday[1]) - 0.3


def test_spoken_variants_sound_like_visitors_and_are_repeatable() -> None:
    said = calibrating.spoken_variants("How many books can I borrow?", 3)
    assert said == calibrating.spoken_variants("How many books can I borrow?", 3)
    assert len(set(said)) == 3
    assert all("borrow" in text or "bore" in text for text in said)


def test_the_calibration_learns_from_the_faq_and_from_questions_outside_any_faq() -> None:
    evidence = Evidence(LIBRARY, Bag())
    learnt = calibrating.examples(evidence)
    sources = {example.source for example in learnt}
    assert sources == {"phrasing", "spoken", "offtopic"}
    phrasings = [example for example in learnt if example.source == "phrasing"]
    assert all(example.leave_out == (n,) for n, example in enumerate(phrasings))
    assert len(phrasings) == len(evidence.phrasings)


def test_an_offtopic_question_close_to_a_phrasing_is_not_learnt_as_offtopic() -> None:
    wifi = Knowledge((Entry("wifi", "is there any free wifi", "Yes."),), source="w.yaml")
    learnt = calibrating.examples(Evidence(wifi, Bag()))
    offtopic = {example.text for example in learnt if example.source == "offtopic"}
    assert "is there any free wifi" not in offtopic


@pytest.mark.parametrize(
    "entries",
    [
        (Entry("only", "Where is the car park?", "Behind the station."),),
        (
            Entry("a", "Where is the car park?", "Behind the station.", ()),
            Entry("b", "Is there a lift?", "Yes."),
        ),
        (Entry("a", "Hours?", "Nine."), Entry("b", "Price?", "Free.")),
        (
            Entry("a", "Wo ist der Bahnhof?", "Links."),
            Entry("b", "Wie spät ist es?", "Neun Uhr."),
        ),
    ],
    ids=["one entry", "no alternatives", "one-word answers", "not English"],
)
def test_small_and_odd_knowledge_files_work(tmp_path: Path, entries: tuple[Entry, ...]) -> None:
    matcher = Matcher(Knowledge(entries, source="odd.yaml"), Bag(), cache_dir=tmp_path)
    for question in ("where can I park my car", "wie spät ist es", "hello?"):
        match = matcher.match(question)
        assert match.decision in (Decision.ANSWER, Decision.CONFIRM, Decision.REJECT)
        assert 0.0 <= match.probability <= 1.0


def test_a_thousand_entries_match_on_words_alone(tmp_path: Path) -> None:
    names = [
        f"{a}{b}{c}"
        for a in "bdfgk"
        for b in ("ar", "el", "os", "un")
        for c in ("tam", "vik", "zor", "pel", "mun", "rax", "sol", "bek", "lio", "dra")
    ]
    entries = tuple(
        Entry(f"room-{n}", f"Where is the {names[n % 200]} room on floor {n // 200}?", "Upstairs.")
        for n in range(1000)
    )
    matcher = Matcher(Knowledge(entries, source="rooms.yaml"), None, cache_dir=tmp_path)
    match = matcher.match("where's the gostam room on floor three")
    assert match.best is not None and match.best.entry.question.startswith("Where is the gostam")


def test_an_input_beyond_what_a_fit_learnt_from_counts_as_the_edge_of_it() -> None:
    # Longer questions were more often right, in the questions it learnt from.
    lengths = np.array([[1.0], [2.0], [2.0], [3.0], [3.0], [4.0]])
    fitted = calibrating.regression(lengths, np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0]))
    longest, far_longer = fitted.probabilities(np.array([[4.0], [400.0]]))
    assert longest == far_longer
    assert (
        fitted.probabilities(np.array([[-50.0]]))[0] == fitted.probabilities(np.array([[1.0]]))[0]
    )


def test_thresholds_are_the_same_for_every_faq() -> None:
    assert 0.0 < CONFIRM_AT < ANSWER_AT < 1.0


# --- the real model ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def knots(semantic: SemanticModel) -> Matcher:
    return Matcher(load(KNOTS), semantic, cache_dir=semantic.cache_dir)


@pytest.mark.parametrize(
    "question", ["what about a tennis ball", "what is a trigger point", "how do I sleep"]
)
def test_a_question_gets_the_same_decision_with_or_without_its_closing_mark(
    knots: Matcher, question: str
) -> None:
    # Typed questions often have no "?", and a recognizer adds one as it likes.
    said = [
        knots.match(text)
        for text in (
            question,
            f"{question}?",
            f"{question}.",
            f"{question} ?!",
            f"{question}\uff1f",
            f"{question}\u061f",
        )
    ]
    assert {(m.decision, m.best.entry.id if m.best else None) for m in said} == {
        (said[0].decision, said[0].best.entry.id if said[0].best else None)
    }
    assert max(m.probability for m in said) - min(m.probability for m in said) < 1e-6


def test_a_typed_question_s_emoji_change_nothing(knots: Matcher) -> None:
    """ "my back hurts" was answered (0.93) and "\U0001f600 my back hurts \U0001f915" turned
    away (0.10), and the report then called it far outside the FAQ."""
    plain = knots.match("my back hurts")
    for typed in (
        "\U0001f600 my back hurts \U0001f915",
        "my back hurts \U0001f44d\U0001f3fd\u200d",
    ):
        decorated = knots.match(typed)
        assert (decorated.decision, decorated.best) == (plain.decision, plain.best)


def test_typed_tuning_questions_are_answered_right(knots: Matcher) -> None:
    report = evaluate_typed(KNOTS_TUNING, knots)
    assert report.top1 is not None and report.top1 >= 0.95
    assert report.safe is not None and report.safe >= 0.98
    assert report.false_accepts == 0


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather going to be like tomorrow?",
        "Where can I buy a train ticket?",
        pytest.param(
            "How do I tie a bowline knot?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="a known miss: the rope knot gets self-release's answer (0.64), as it "
                "did before typed without its '?' (docs/matching.md)",
            ),
        ),
        "Is paracetamol safe for children?",
    ],
)
def test_everyday_and_near_topic_questions_are_not_answered(knots: Matcher, question: str) -> None:
    assert knots.match(question).decision is not Decision.ANSWER


@pytest.mark.parametrize("times", [80, 20_000])
def test_one_word_typed_over_and_over_is_not_answered(knots: Matcher, times: int) -> None:
    """Eighty "knot"s were answered with where to find knots, and 20,000 with whether massage
    makes a knot worse, at full confidence: its length, far beyond any question's, was taken
    for evidence."""
    match = knots.match(" ".join(["knot"] * times))
    assert match.decision is not Decision.ANSWER, match


def test_a_library_faq_is_answered_with_the_real_model(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    matcher = Matcher(LIBRARY, semantic, cache_dir=tmp_path)
    assert answered(matcher.match("can I take out a dozen novels at once")) in ("borrow", None)
    assert answered(matcher.match("what do I bring to get a card")) == "join"
    assert matcher.match("what's the score in the football").decision is not Decision.ANSWER


HALL = Knowledge(
    tuple(
        Entry(entry_id, question, answer)
        for entry_id, question, answer in (
            (
                "book",
                "How do I book the hall?",
                "Email the hall secretary or ring us (Tuesdays and Thursdays, 10am to 12pm). "
                "We will send you a booking form.",
            ),
            (
                "cost",
                "How much does it cost to hire",
                "Community groups: 15 pounds an hour. Private parties: 25 pounds an hour. A "
                "deposit of 50 pounds is due when you book.",
            ),
            (
                "party",
                "Can I book for a children's party?",
                "Yes! Children's parties are very welcome on Saturdays. Bouncy castles must be "
                "used outside only, on the lawn.",
            ),
            (
                "cancel",
                "What is the cancellation policy?",
                "If you cancel more than 4 weeks before, we refund everything. Less than 4 "
                "weeks: we keep the deposit.",
            ),
            (
                "people",
                "How many people does the hall hold?",
                "The main hall seats 120 people at tables or 180 in rows. The small meeting "
                "room holds 20.",
            ),
            (
                "kitchen",
                "Is there a kitchen",
                "Yes, a fully equipped kitchen with a cooker, two ovens and a dishwasher. You "
                "must bring your own tea towels.",
            ),
            (
                "access",
                "Is the hall accessible for wheelchairs?",
                "Yes. There is a ramp at the side entrance, a hearing loop in the main hall and "
                "an accessible toilet.",
            ),
            ("wifi", "Is there Wi-Fi?", "Yes, the password is on the noticeboard by the door."),
            (
                "music",
                "Can we play music?",
                "Music is allowed until 11pm. Please keep the fire doors closed so as not to "
                "disturb neighbours.",
            ),
            (
                "alcohol",
                "Can we bring alcohol?",
                "Alcohol may be served at private events with the hall committee's written "
                "permission.",
            ),
            (
                "leave",
                "What time must we leave by?",
                "All events must finish by 11:30pm and the hall must be empty and locked by "
                "midnight.",
            ),
        )
    ),
    source="hall.yaml",
)
"""A church hall's FAQ as an operator imported it: no alternatives, no topics."""


def test_an_faq_without_alternatives_answers_its_question_asked_in_other_words(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    """An imported FAQ's fit asked each question only while it was left out, so it gave
    the words of a question no weight: "do you have wifi" was turned away (0.04) though
    "Is there Wi-Fi?" was there to be found."""
    matcher = Matcher(HALL, semantic, cache_dir=tmp_path)
    match = matcher.match("do you have wifi")
    # asked about (0.32 on this file; answered on a longer one): no longer turned away
    assert match.best is not None and match.best.entry.id == "wifi", match
    assert match.decision is not Decision.REJECT, match
    assert matcher.match("is the chemist open on sunday").decision is Decision.REJECT


CAMPSITE = Knowledge(
    tuple(
        Entry(id_, question, answer)
        for id_, question, answer in (
            ("arrive", "What time is check-in?", "Check-in opens at 2pm at reception."),
            ("leave", "What time is check-out?", "Please leave your pitch by 11am."),
            ("dogs", "Are dogs allowed?", "Yes, dogs on a lead are welcome."),
            (
                "access",
                "Is the site suitable for wheelchair users?",
                "The toilet block has an accessible shower room and the paths are level.",
            ),
            ("fires", "Can we have a campfire?", "Fire pits can be hired from reception."),
            ("shop", "Is there a shop on site?", "A small shop at reception sells milk and gas."),
            (
                "contact",
                "How do I contact you?",
                "Call 01234 567890 or email stay@riverside-pool.co.uk and we will reply "
                "within a day.",
            ),
            ("power", "Do you have electric hook-ups?", "Most pitches have a 16 amp hook-up."),
        )
    ),
    source="campsite.yaml",
)
"""A campsite's FAQ as an operator imported it, its e-mail address at a pool's name."""


def test_an_address_in_an_answer_is_no_subject_of_it(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    """The campsite answered "pool" and "is there a pool" with how to contact it."""
    matcher = Matcher(CAMPSITE, semantic, cache_dir=tmp_path)
    for question in ("pool", "is there a pool"):
        assert answered(matcher.match(question)) is None, question
    assert answered(matcher.match("what is your email address")) == "contact"


def test_an_imported_faq_given_its_first_alternative_still_answers_in_other_words(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    """The campsite as imported, then given one alternative, as `knowledge check` advises.
    Its fit, no longer learning from the answers alone, came out against the evidence's
    meaning: "do you have wheelchair access" got 0.0004, "is the site accessible" (answered
    before the alternative) 0.11. Held to the signs it answers both, and still not what the
    campsite does not answer."""
    entries = tuple(
        replace(entry, alternatives=("is there wheelchair access",))
        if entry.id == "access"
        else entry
        for entry in CAMPSITE.entries
    )
    matcher = Matcher(Knowledge(entries, "campsite.yaml"), semantic, cache_dir=tmp_path)
    for question in ("do you have wheelchair access", "is the site accessible"):
        assert answered(matcher.match(question)) == "access", question
    assert answered(matcher.match("can I bring my dog")) == "dogs"
    for question in ("are you hiring", "where are the toilets", "is there a pool"):
        assert answered(matcher.match(question)) is None, question


def rooms(count: int) -> tuple[Entry, ...]:
    """``count`` entries of three phrasings each."""
    return tuple(
        Entry(
            f"room-{n}",
            f"Where is room {n} of wing {n % 7}?",
            f"Room {n} is on floor {n % 5}.",
            alternatives=(f"how do I find room {n}", f"which way to room number {n}"),
        )
        for n in range(count)
    )


def spoken(found: Sequence[calibrating.Example]) -> list[calibrating.Example]:
    return [example for example in found if example.source == "spoken"]


def test_a_large_knowledge_learns_from_a_sample_of_its_phrasings() -> None:
    cap = calibrating.MAX_PHRASINGS
    entries = rooms(cap // 3 + 50)
    evidence = Evidence(Knowledge(entries, "big.yaml"), None)
    assert len(evidence.phrasings) > cap
    found = calibrating.examples(evidence)
    asked = [example for example in found if example.source == "phrasing"]
    assert len(asked) == cap
    assert len({example.text for example in asked}) == cap
    # The sample is the same every time: a restart reuses the kept fit's questions.
    assert [e.text for e in calibrating.examples(evidence) if e.source == "phrasing"] == [
        e.text for e in asked
    ]
    # An operator's edit (a wording added to the first entry) moves every phrasing after it
    # along, yet the sample changes only by the new wording: the rest keep their embeddings.
    first = replace(entries[0], alternatives=(*entries[0].alternatives, "is room 0 upstairs"))
    edited = Evidence(Knowledge((first, *entries[1:]), "big.yaml"), None)
    again = {e.text for e in calibrating.examples(edited) if e.source == "phrasing"}
    assert len(again) == cap
    assert len(again - {e.text for e in asked}) <= 1


def test_a_knowledge_of_many_phrasings_learns_from_fewer_ways_of_saying_them() -> None:
    budget, ways = calibrating.SPOKEN_AT_MOST, calibrating.VARIANTS
    # Up to the budget, every phrasing is said every way.
    few = Evidence(Knowledge(rooms(budget // ways // 3), "few.yaml"), None)
    assert len(spoken(calibrating.examples(few))) == ways * len(few.phrasings)
    # Beyond it (the knots FAQ's 472 phrasings took 5.6 s to fit with two ways each), every
    # phrasing is said one way and the budget's rest goes to some of them, or one way each
    # when there are more phrasings than the budget.
    cases = (
        (budget // ways // 3 + 1, budget),  # 243 phrasings: just over
        (budget // 3 - 20, budget),
        (budget // 3 + 20, 3 * (budget // 3 + 20)),
    )
    for count, expected in cases:
        evidence = Evidence(Knowledge(rooms(count), "many.yaml"), None)
        found = calibrating.examples(evidence)
        said = spoken(found)
        assert len(said) == expected
        asked = {(e.expected, e.leave_out) for e in found if e.source == "phrasing"}
        assert {(e.expected, e.leave_out) for e in said} == asked
    # Which ways are said is the same every time (a restart reuses the kept fit), and an
    # operator's edit (a wording added to the first entry) changes only a few of them.
    entries = rooms(budget // 3 - 20)
    said_texts = [e.text for e in spoken(calibrating.examples(Evidence(Knowledge(entries), None)))]
    again = [e.text for e in spoken(calibrating.examples(Evidence(Knowledge(entries), None)))]
    assert again == said_texts
    first = replace(entries[0], alternatives=(*entries[0].alternatives, "is room 0 upstairs"))
    edited = Evidence(Knowledge((first, *entries[1:]), "many.yaml"), None)
    changed = {e.text for e in spoken(calibrating.examples(edited))} ^ set(said_texts)
    assert len(changed) <= 4


def test_a_knowledge_of_single_phrasings_is_decided_against_everyday_questions() -> None:
    """When every entry's only phrasing stays in place while it is asked (and nothing was
    recorded), the questions learnt from all find themselves word for word. The decision is
    then raised until nearly every everyday question stays under the did-you-mean threshold,
    so a question partway to an entry is no longer turned away; with any phrasing left out,
    or a recorded question, the decision is the one fitted."""
    rng = np.random.default_rng(3)
    entries = 4

    def rows(entry: int, level: float) -> npt.NDArray[np.float32]:
        signals = rng.uniform(0.0, 0.3, size=(entries, len(SIGNALS)))
        if entry >= 0:
            signals[entry] = level + rng.uniform(-0.05, 0.05, len(SIGNALS))
        return signals.astype(np.float32)

    inside = [calibrating.Example(f"q{n}", n % entries) for n in range(40)]
    outside = [calibrating.Example(f"o{n}", -1, source="offtopic") for n in range(400)]
    signals = [rows(q.expected, 1.0) for q in inside] + [rows(-1, 0.0) for _ in outside]
    left_out = [replace(q, leave_out=(n,)) for n, q in enumerate(inside)]
    recorded = calibrating.Example("r", 0, source="recorded")

    single = calibrating.calibrate([*inside, *outside], signals)
    fitted = calibrating.calibrate([*left_out, *outside], signals)
    assert fitted.deciding.weights == single.deciding.weights
    assert single.deciding.bias > fitted.deciding.bias
    with_recorded = [*signals, rows(0, 1.0)]
    assert calibrating.calibrate([*inside, *outside, recorded], with_recorded) == (
        calibrating.calibrate([*left_out, *outside, recorded], with_recorded)
    )

    def chance(calibration: calibrating.Calibration, row: npt.NDArray[np.float32]) -> float:
        likelihoods = calibration.likelihoods(row)
        return calibration.confidence(row, likelihoods, int(np.argmax(likelihoods)))

    partway = rows(2, 0.6)
    assert chance(single, partway) > chance(fitted, partway)
    everyday = [chance(single, rows(-1, 0.0)) for _ in range(200)]
    assert np.mean(np.array(everyday) < CONFIRM_AT) >= 0.97


def test_a_fit_learnt_from_answers_is_held_to_signs_and_to_everyday_questions() -> None:
    """When answers' sentences stand in for alternatives, the fit learns little of how
    visitors' own words fare: both regressions are held to the sign of their evidence, and
    the decision is lowered until at most one everyday question in a hundred would be
    answered. Fitted freely, the same questions answer many everyday ones."""
    rng = np.random.default_rng(7)
    entries = 4

    def rows(entry: int, level: float) -> npt.NDArray[np.float32]:
        signals = rng.uniform(0.0, 0.3, size=(entries, len(SIGNALS)))
        signals[entry] = level + rng.uniform(-0.05, 0.05, len(SIGNALS))
        return signals.astype(np.float32)

    def everyday() -> npt.NDArray[np.float32]:
        """An everyday question partway to some entry."""
        return rows(int(rng.integers(entries)), float(rng.uniform(0.0, 0.8)))

    inside = [
        calibrating.Example(
            f"q{n}", n % entries, (n,), source="phrasing" if n < entries else "answer"
        )
        for n in range(40)
    ]
    outside = [calibrating.Example(f"o{n}", -1, source="offtopic") for n in range(400)]
    signals = [rows(q.expected, float(rng.uniform(0.5, 1.0))) for q in inside]
    signals += [everyday() for _ in outside]
    held = calibrating.calibrate([*inside, *outside], signals, held=True)
    free = calibrating.calibrate([*inside, *outside], signals, held=False)

    for fitted, names in (
        (held.ranking, calibrating.RANKING),
        (held.deciding, calibrating.DECIDING),
    ):
        assert all(
            calibrating.SIGNS[name] * weight >= 0.0
            for name, weight in zip(names, fitted.weights, strict=True)
        )

    def answered(
        calibration: calibrating.Calibration, questions: list[npt.NDArray[np.float32]]
    ) -> float:
        chances = []
        for row in questions:
            likelihoods = calibration.likelihoods(row)
            chances.append(calibration.confidence(row, likelihoods, int(np.argmax(likelihoods))))
        return float(np.mean(np.array(chances) >= ANSWER_AT))

    fresh = [everyday() for _ in range(400)]
    assert answered(held, fresh) <= 0.02 < answered(free, fresh)


def test_an_answer_pasted_with_character_references_is_matched_by_its_characters(
    tmp_path: Path,
) -> None:
    """An answer pasted from a web page ("The Mill B&amp;B is 200&nbsp;m away") gave the
    FAQ the words "amp" and "nbsp": a visitor heard as "amp" was answered with it. Read as
    "B&B" and a space, it holds neither; "b and b" still finds it."""
    path = tmp_path / "hall.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: stay\n    question: Where can I stay overnight?\n"
        "    alternatives: [is there somewhere to sleep, where do people stay, any hotels near]\n"
        "    answer: The Mill B&amp;B is 200&nbsp;m away.\n    keywords: [B&amp;B]\n"
        "    topic: staying over\n"
        "  - id: food\n    question: Do you serve food?\n"
        "    alternatives: [can I eat here, is there a cafe, where can I get lunch]\n"
        "    answer: 'Yes: fish &amp; chips, &pound;6 to &pound;9.'\n    topic: food\n"
        "  - id: park\n    question: Is there parking?\n"
        "    alternatives: [where do I park, car park, can I bring my car]\n"
        "    answer: Yes, free parking behind the hall.\n    topic: parking\n",
        encoding="utf-8",
    )
    matcher = Matcher(load(path), cache_dir=tmp_path)
    assert answered(matcher.match("is there a b and b nearby")) == "stay"
    for heard in ("amp", "nbsp", "pound"):
        assert matcher.match(heard).decision is Decision.REJECT, heard


def test_a_fit_whose_questions_are_all_of_one_kind_does_not_fail() -> None:
    """Importing an FAQ of one question crashed its check: in a fold every question was
    right, the intercept ran off and Newton's step met a singular matrix."""
    rows = np.random.default_rng(7).normal(size=(40, 3))
    fitted = calibrating.regression(rows, np.ones(40))
    assert np.all(np.isfinite(fitted.logits(rows)))
    assert np.all(fitted.logits(rows) > 0), "everything was right: everything is likely"
