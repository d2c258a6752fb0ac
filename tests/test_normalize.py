"""Spoken and typed questions reduce to one comparable form."""

from __future__ import annotations

import pytest

from knotvoice.normalize import content_words, normalize, number_to_words


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("How often should I massage a knot?", "how often should i massage a knot"),
        ("Why won't my knot go away?", "why will not my knot go away"),
        ("I don't know, can't it be dangerous?", "i do not know can not it be dangerous"),
        ("I'm sore. What's causing it?", "i am sore what is causing it"),
        ("Um, uh, so like, is it dangerous?", "is it dangerous"),
        ("Hey kiosk, excuse me, can you tell me what causes knots, please?", "what causes knots"),
        ("I was wondering, does an MRI show nerve damage?", "does an mri show nerve damage"),
        ("Does an M.R.I. show nerve damage?", "does an mri show nerve damage"),
        ("does an m r i show nerve damage", "does an mri show nerve damage"),
        ("does emri show nerve damage", "does mri show nerve damage"),
        ("How often should I massage a not?", "how often should i massage a knot"),
        ("can messaging a knot make it worse", "can massaging a knot make it worse"),
        ("Massage for 6 minutes a day", "massage for six minutes a day"),
        ("I've had it for 25 years", "i have had it for twenty five years"),
        ("my body's inflamed", "my body inflamed"),
        ("\u201cWhy won\u2019t it go away?\u201d", "why will not it go away"),
        ("why is my upper mac numb", "why is my upper back numb"),
        ("What happens when a knot lets go?", "what happens when a knot release"),
        ("Can I rub it out on my own?", "can i rub it out myself"),
        ("Can I work it out by myself?", "can i work it out myself"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalize(heard: str, expected: str) -> None:
    assert normalize(heard) == expected


def test_not_stays_not_outside_knot_contexts() -> None:
    assert normalize("Why is my knot not getting better?") == "why is my knot not getting better"


def test_normalize_is_idempotent() -> None:
    text = "Hey kiosk, um, what's the 1st thing to do about a not in my back?"
    assert normalize(normalize(text)) == normalize(text)


def test_numbers_read_as_words() -> None:
    assert number_to_words(0) == "zero"
    assert number_to_words(42) == "forty two"
    assert number_to_words(1906) == "one thousand nine hundred six"
    assert normalize("the 21st time") == "the twenty first time"


def test_content_words_drop_function_words() -> None:
    assert content_words("Can massaging a knot in my back make it worse?") == [
        "massaging",
        "knot",
        "back",
        "worse",
    ]
    assert content_words("Um, can you tell me, is it?") == []


def test_words_that_tell_entries_apart_are_kept() -> None:
    assert content_words("What happens when I massage a knot by myself?") == [
        "happens",
        "massage",
        "knot",
        "myself",
    ]
