"""Spoken and typed questions reduce to one comparable form."""

from __future__ import annotations

from pathlib import Path

import pytest

from knotvoice.knowledge import MatchingHints, Repair, load
from knotvoice.match.text import Normalizer, content_words, normalize, number_to_words

KNOTS = load(Path(__file__).resolve().parents[1] / "knowledge" / "knots.yaml").matching


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("How often should I massage a knot?", "how often should i massage a knot"),
        ("Why won't my knot go away?", "why will not my knot go away"),
        ("I don't know, can't it be dangerous?", "i do not know can not it be dangerous"),
        ("I'm sore. What's causing it?", "i am sore what is causing it"),
        ("Um, uh, so like, is it dangerous?", "is it dangerous"),
        ("Hey kiosk, excuse me, can you tell me what causes knots, please?", "what causes knots"),
        ("Massage for 6 minutes a day", "massage for six minutes a day"),
        ("I've had it for 25 years", "i have had it for twenty five years"),
        ("my body's inflamed", "my body inflamed"),
        ("\u201cWhy won\u2019t it go away?\u201d", "why will not it go away"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalize(heard: str, expected: str) -> None:
    assert normalize(heard) == expected
    assert normalize(heard, KNOTS) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("I was wondering, does an MRI show nerve damage?", "does an mri show nerve damage"),
        ("Does an M.R.I. show nerve damage?", "does an mri show nerve damage"),
        ("does an m r i show nerve damage", "does an mri show nerve damage"),
        ("does emri show nerve damage", "does mri show nerve damage"),
        ("How often should I massage a not?", "how often should i massage a knot"),
        ("can messaging a knot make it worse", "can massaging a knot make it worse"),
        ("why is my upper mac numb", "why is my upper back numb"),
        ("what causes numbers in my upper back", "what causes numbness in my upper back"),
        ("is a not in my back dangerous", "is a knot in my back dangerous"),
        ("What happens when a knot lets go?", "what happens when a knot release"),
        ("Can I rub it out on my own?", "can i rub it out myself"),
        ("Can I work it out by myself?", "can i work it out myself"),
    ],
)
def test_the_knot_faq_repairs_its_own_slips(heard: str, expected: str) -> None:
    assert normalize(heard, KNOTS) == expected
    assert Normalizer(KNOTS)(heard) == expected


@pytest.mark.parametrize(
    "heard",
    [
        "How often should I massage a not?",
        "does an m r i show nerve damage",
        "can messaging a knot make it worse",
    ],
)
def test_without_hints_no_domain_slip_is_repaired(heard: str) -> None:
    """Another FAQ must not inherit the knot FAQ's repairs ("a not" is English there)."""
    assert normalize(heard) == normalize(heard, MatchingHints()) != normalize(heard, KNOTS)


def test_hints_of_another_faq_repair_only_its_own_slips() -> None:
    library = MatchingHints(
        heard_as=(
            Repair(r"\b(?:bar row|borough)\b", "borrow"),
            Repair(r"\b(a|the|my) look\b", r"\1 book"),
        )
    )
    assert normalize("Can I borough a look?", library) == "can i borrow a book"
    assert (
        normalize("can i bar row the look for a week", library)
        == "can i borrow the book for a week"
    )
    assert normalize("How often should I massage a not?", library) == (
        "how often should i massage a not"
    )
    assert content_words("Can I borough my look?", library) == ["borrow", "book"]


def test_not_stays_not_outside_knot_contexts() -> None:
    text = "Why is my knot not getting better?"
    assert normalize(text, KNOTS) == "why is my knot not getting better"


def test_normalize_is_idempotent() -> None:
    text = "Hey kiosk, um, what's the 1st thing to do about a not in my back?"
    assert normalize(normalize(text)) == normalize(text)
    assert normalize(normalize(text, KNOTS), KNOTS) == normalize(text, KNOTS)


def test_numbers_read_as_words() -> None:
    assert number_to_words(0) == "zero"
    assert number_to_words(42) == "forty two"
    assert number_to_words(1906) == "one thousand nine hundred six"
    assert normalize("the 21st time") == "the twenty first time"


def test_content_words_drop_function_words() -> None:
    assert content_words("Can messaging a knot in my back make it worse?", KNOTS) == [
        "massaging",
        "knot",
        "back",
        "make",
        "worse",
    ]
    assert content_words("Um, can you tell me, is it?") == []


def test_words_that_tell_entries_apart_are_kept() -> None:
    # Question words and "how long", "how often" ask different things: they are kept.
    assert content_words("When does it open, and how often do I massage a knot?", KNOTS) == [
        "when",
        "open",
        "how",
        "often",
        "massage",
        "knot",
    ]
