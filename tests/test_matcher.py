"""The matcher picks the right entry for people's own words and refuses what it can't answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from knotvoice.evaluate import evaluate_transcripts, samples
from knotvoice.knowledge import Entry, Knowledge, MatchingHints, load
from knotvoice.match import Decision, Match
from knotvoice.match.matcher import Matcher, MatchSettings
from knotvoice.match.semantic import SemanticModel

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge" / "knots.yaml"
EVAL_MANIFEST = ROOT / "audio_fixtures" / "eval" / "manifest.tsv"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load(KNOWLEDGE))


def _small() -> Knowledge:
    return Knowledge(
        (
            Entry("massage", "How often should you massage a knot in your back?", "Daily."),
            Entry("mri", "Does an MRI show a knot in your back?", "Sometimes."),
            Entry("numb", "What causes numbness with a knot in your back?", "A nerve."),
        )
    )


def _answered(match: Match) -> str | None:
    if match.decision is Decision.ANSWER and match.best is not None:
        return match.best.entry.id
    return None


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("What can I do to get rid of a knot in my shoulder?", "treat-knot"),
        ("How do I work a knot out with a tennis ball?", "self-release"),
        ("Does sitting with bad posture give you knots?", "causes"),
        ("Why won't this knot leave?", "wont-go-away"),
        ("Are back knots dangerous?", "dangerous"),
        ("Can a knot last forever?", "permanent"),
        ("Can an MRI detect inflammation?", "mri-inflammation"),
        ("Will an MRI detect a damaged nerve?", "mri-nerve-damage"),
        ("What does it do when you release a muscle knot?", "release-effect"),
        ("Can massage make a knot worse?", "massage-worse"),
        ("How many minutes a day should I massage?", "massage-how-often"),
        ("What are the symptoms of inflammation?", "inflammation-signs"),
        ("Can knots in the back be painful?", "knot-pain"),
        ("Where are muscle knots located?", "find-knots"),
        ("Why does my upper back tingle?", "numbness"),
        ("Do many people have upper back pain?", "upper-back-pain-common"),
        ("What's a good remedy for a knot in my back?", "treat-knot"),
        ("Can I massage a knot out by myself?", "self-release"),
        ("Does sitting hunched over cause knots?", "causes"),
        ("This knot has been there for a month and won't budge, why?", "wont-go-away"),
        ("What happens when a knot lets go?", "release-effect"),
        ("Can a muscle knot make my back hurt?", "knot-pain"),
        ("What does a knot feel like?", "find-knots"),
        ("Why do I have pins and needles in my upper back?", "numbness"),
    ],
)
def test_typed_paraphrases_get_the_right_answer(
    matcher: Matcher, question: str, entry: str
) -> None:
    assert _answered(matcher.match(question)) == entry


@pytest.mark.parametrize(
    ("heard", "entry"),
    [
        ("how often should I massage a not", "massage-how-often"),
        ("Um, so, how often should I massage a not?", "massage-how-often"),
        ("can messaging a knot make it worse", "massage-worse"),
        ("does an m r i show nerve damage", "mri-nerve-damage"),
        ("does emri show nerve damage", "mri-nerve-damage"),
        ("what causes numbers in my upper back", "numbness"),
        ("why won't my not go away", "wont-go-away"),
        ("Hey kiosk, excuse me, is a not in my back dangerous?", "dangerous"),
        ("how often should I massachusetts a knot", "massage-how-often"),
        ("why is my upper mac numb", "numbness"),
    ],
)
def test_recognition_slips_still_find_the_entry(matcher: Matcher, heard: str, entry: str) -> None:
    assert _answered(matcher.match(heard)) == entry


def test_the_knot_slips_come_from_the_knowledge_file(matcher: Matcher) -> None:
    heard = "how often should I massage a not"
    assert matcher.match(heard).query == "how often should i massage a knot"
    bare = Matcher(replace(matcher.knowledge, matching=MatchingHints()))
    assert bare.match(heard).query == "how often should i massage a not"


# "lump" names the core through the knowledge's synonyms (lump: knot).
@pytest.mark.parametrize(
    "question", ["should I put something cold on my knot", "should I put something cold on my lump"]
)
def test_core_terms_keep_a_knot_question_next_to_another_topic(
    matcher: Matcher, question: str
) -> None:
    assert matcher.match(question).decision is not Decision.REJECT
    bare = Matcher(replace(matcher.knowledge, matching=MatchingHints()))
    assert bare.match(question).decision is Decision.REJECT


LIBRARY_ENTRIES = """\
version: 1
entries:
  - id: hours
    question: When is the library open?
    alternatives: [what are your opening hours, what time do you close, are you open on sunday]
    answer: We are open from nine to six, Monday to Saturday.
    topic: opening hours
  - id: borrow
    question: How many books can I borrow?
    alternatives: [how many books can i take out, is there a limit on borrowing books]
    answer: You can borrow up to ten books for three weeks.
    topic: borrowing books
  - id: renew
    question: How do I renew a book?
    alternatives: [can i keep my book longer, how do i extend my loan]
    answer: Renew it at the desk or online, up to twice.
    topic: renewing books
"""
LIBRARY_MATCHING = """\
matching:
  core_terms: [book, books, library]
  synonyms: {lend: borrow, shut: close}
  heard_as:
    - borrow: [borough, barrow]
    - pattern: '\\b(a|my|the) look\\b'
      replace: '\\1 book'
"""


def test_another_faq_brings_its_own_slips_and_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "library.yaml"
    path.write_text(LIBRARY_ENTRIES + LIBRARY_MATCHING, encoding="utf-8")
    library = Matcher(load(path))
    renew = library.match("how do I renew my look")
    assert renew.query == "how do i renew my book"
    assert _answered(renew) == "renew"
    assert _answered(library.match("how many books can I borough")) == "borrow"
    assert _answered(library.match("what time do you shut")) == "hours"
    # The knot FAQ's repairs stay with the knot FAQ.
    assert library.match("is a not dangerous").query == "is a not dangerous"
    assert library.match("What should I do for a sore throat?").decision is Decision.REJECT


def test_another_faq_without_a_matching_section_works(tmp_path: Path) -> None:
    path = tmp_path / "library.yaml"
    path.write_text(LIBRARY_ENTRIES, encoding="utf-8")
    library = Matcher(load(path))
    assert _answered(library.match("When is the library open?")) == "hours"
    assert _answered(library.match("Um, how many books can I take out?")) == "borrow"
    assert library.match("What should I do for a sore throat?").decision is Decision.REJECT
    # Nothing repairs its slips or knows its synonyms, so these are not answered outright.
    assert library.match("how do I renew my look").query == "how do i renew my look"
    assert _answered(library.match("how do I renew my look")) is None
    assert _answered(library.match("what time do you shut")) is None


@pytest.mark.parametrize(
    "question",
    [
        "What should I do for a sore throat?",
        "Is my blood pressure too high?",
        "What is a normal blood pressure?",
        "How long does it take to recover from knee surgery?",
        "Does knee surgery hurt?",
        "My child has a fever, what should I do?",
        "my kid has a fever and a sore back",
        "why does my tummy hurt",
        "What causes numbness in my feet?",
        "Can I take ibuprofen for a knot?",
        "What's the best way to treat a cold?",
        "Is it dangerous to have high blood sugar?",
        "How do I get rid of a migraine?",
        "Is a lump in my breast dangerous?",
        "Can arthritis make my shoulder stiff?",
        "My lower back hurts after lifting, what should I do?",
        "What's the capital of France?",
        "Where can I park my car?",
        "How long does a frozen shoulder last?",
        "Do I need to stretch for tendonitis in my elbow?",
        "How much do the foam rollers cost?",
        "Can I buy a massage ball here?",
        "Which brand of foam roller is best?",
        "What foods help with inflammation?",
        "What's the difference between a sports massage and a Swedish massage?",
        "Is an MRI safe if I have a pacemaker?",
        "How do I pop a dislocated shoulder back in?",
        "How do you tie a bowline sailing knot?",
        "hello",
        "",
    ],
)
def test_questions_outside_the_faq_are_rejected(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert match.decision is Decision.REJECT, (question, match)


@pytest.mark.parametrize(
    "question", ["How do I tie a tie knot?", "How do I untie a knot in my necklace?"]
)
def test_a_knot_that_is_tied_is_never_answered(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).decision is not Decision.ANSWER


def test_a_knot_question_naming_another_topic_is_only_a_did_you_mean(
    knowledge: Knowledge, semantic: SemanticModel
) -> None:
    # The kiosk cannot tell whether the elbow or the knot is the question; it offers the
    # knot answer rather than refusing, and meaning does not make it an outright answer.
    question = "I keep digging my elbow into this knot, am I making it worse"
    for matcher in (Matcher(knowledge), Matcher(knowledge, semantic=semantic)):
        match = matcher.match(question)
        assert match.decision is Decision.CONFIRM, match
        assert match.best is not None and match.best.entry.id == "massage-worse"
    # Without a knot it is another topic altogether.
    elbow = Matcher(knowledge).match("I keep digging my elbow into this, am I making it worse")
    assert elbow.decision is Decision.REJECT


@pytest.mark.parametrize("question", ["massage", "a knot in my upper back"])
def test_ambiguous_questions_are_confirmed_not_answered(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert match.decision is Decision.CONFIRM
    assert match.best is not None and match.runner_up is not None
    assert match.best.entry.id != match.runner_up.entry.id


def test_match_reports_candidates_and_the_normalized_query(matcher: Matcher) -> None:
    match = matcher.match("Um, how often should I massage a knot?")
    assert match.query == "how often should i massage a knot"
    assert match.best is not None and match.runner_up is not None
    assert 0.0 <= match.runner_up.score <= match.best.score <= 100.0
    assert matcher.knowledge.get(match.best.entry.id) is match.best.entry


def test_the_deciding_word_wins_over_the_shared_phrase() -> None:
    matcher = Matcher(_small())
    assert _answered(matcher.match("how often do I massage it")) == "massage"
    assert _answered(matcher.match("will an MRI show it")) == "mri"
    assert _answered(matcher.match("what causes the numbness")) == "numb"


def test_the_shared_phrase_alone_is_not_enough() -> None:
    match = Matcher(_small()).match("a knot in your back")
    assert match.decision is not Decision.ANSWER


def test_fuzzy_tokens_can_be_switched_off() -> None:
    question = "how often do I masage it"
    assert _answered(Matcher(_small()).match(question)) == "massage"
    strict = Matcher(_small(), MatchSettings(use_fuzzy_tokens=False))
    assert _answered(strict.match(question)) != "massage"


def test_a_close_call_between_two_entries_is_confirmed() -> None:
    knowledge = Knowledge(
        (
            Entry("a", "Can massaging a knot make it worse?", "Yes."),
            Entry("b", "Can massaging a knot make it better?", "Yes."),
        )
    )
    match = Matcher(knowledge).match("can massaging a knot make it")
    assert match.decision is Decision.CONFIRM


MISHEARD_MRI = "We'll then re-show if my back is inflamed."
HEARD_MRI = "Would an MRI show if my back is inflamed?"


def test_another_hearing_answers_what_the_first_could_not(matcher: Matcher) -> None:
    assert matcher.match(MISHEARD_MRI).decision is not Decision.ANSWER
    match = matcher.match(MISHEARD_MRI, alternatives=("would and then show", HEARD_MRI))
    assert _answered(match) == "mri-inflammation"
    assert "another hearing" in match.reason


def test_the_first_hearing_wins_when_it_is_answered(matcher: Matcher) -> None:
    match = matcher.match(
        "How often should I massage a knot?", alternatives=("Can massaging a knot make it worse?",)
    )
    assert _answered(match) == "massage-how-often"


def test_an_off_topic_word_in_any_hearing_keeps_the_question_rejected(matcher: Matcher) -> None:
    # "aspirin" misheard as "us for an" would otherwise answer how often to massage a knot.
    match = matcher.match(
        "Is it safe to take aspirin every day?",
        alternatives=("Is it safe to take us for an every day?",),
    )
    assert match.decision is Decision.REJECT
    assert _answered(matcher.match("Is it safe to take us for an every day?")) is not None


def test_an_off_topic_word_in_another_hearing_turns_a_did_you_mean_into_a_reject(
    matcher: Matcher,
) -> None:
    misheard = "Why does mind keep hurt when I run?"
    assert matcher.match(misheard).decision is Decision.CONFIRM
    match = matcher.match(misheard, alternatives=("Why does my knee hurt when I run?",))
    assert match.decision is Decision.REJECT


def test_a_weak_alternative_hearing_is_not_answered(knowledge: Knowledge) -> None:
    strict = Matcher(knowledge, MatchSettings(alternative_score=100.0))
    match = strict.match(MISHEARD_MRI, alternatives=(HEARD_MRI,))
    assert match.decision is not Decision.ANSWER


def test_empty_knowledge_rejects_everything() -> None:
    match = Matcher(Knowledge(())).match("how often should I massage a knot")
    assert match.decision is Decision.REJECT
    assert match.best is None


@pytest.mark.skipif(not EVAL_MANIFEST.is_file(), reason="no eval manifest")
def test_typed_eval_questions_meet_the_quality_gate(
    knowledge: Knowledge, semantic: SemanticModel
) -> None:
    # The matcher as the kiosk runs it: words, then meaning for close calls.
    report = evaluate_transcripts(samples(EVAL_MANIFEST), Matcher(knowledge, semantic=semantic))
    assert report.n_in > 0 and report.n_out > 0
    # Only entry ids, never the questions: the held-out phrasings must not leak into tuning.
    failures = "\n".join(f"{f.expected} <- {f.decision} {f.got}" for f in report.failures)
    # Regression floors just under the reached figures (top-1 87.5%, safe 95.8%, no false
    # accepts); the targets are top-1 >= 0.95, safe >= 0.99 and false accepts <= 0.02.
    assert report.top1 >= 0.85, failures
    assert report.safe >= 0.95, failures
    assert report.false_accept_rate <= 0.02, failures
