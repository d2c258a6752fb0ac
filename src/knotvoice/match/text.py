"""Spoken text made comparable: one normal form for typed questions and recognizer output.

Recognizers differ in casing, punctuation, digits and contractions, and people wrap their
question in fillers ("um", "so") and politeness ("excuse me, can you tell me ...").
``normalize`` removes all of that so the matcher compares only what was asked.

Everything here holds for any FAQ. What depends on the FAQ's own domain -- recognition slips
such as "m r i" for "MRI" or "a not" for "a knot" -- comes from the knowledge file's
``matching:`` section (``MatchingHints``): ``normalize(text, hints)`` repairs them too.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from knotvoice.lang import english, straighten, words

if TYPE_CHECKING:
    from knotvoice.knowledge import MatchingHints

__all__ = [
    "STOPWORDS",
    "Normalizer",
    "content_words",
    "normalize",
    "number_to_words",
    "ordinal_words",
    "stem",
    "terms",
    "word_set",
]

_ENGLISH = english()
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")
_SPACES = re.compile(r"\s+")

STOPWORDS: frozenset[str] = _ENGLISH.stopwords
"""Function words that never decide which entry a question means (``lang/en.yaml``)."""


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` as a set (for word lists in code)."""
    return frozenset(text.split())


def number_to_words(number: int) -> str:
    """Spell a whole number in words ("26" -> "twenty six"); up to the billions."""
    if number < 0:
        return "minus " + number_to_words(-number)
    ones = _ENGLISH.ones
    if number < 20:
        return ones[number]
    if number < 100:
        ten, one = divmod(number, 10)
        return _ENGLISH.tens[ten] + ("" if one == 0 else " " + ones[one])
    for name, size in _ENGLISH.scales:
        if number >= size:
            high, rest = divmod(number, size)
            words = f"{number_to_words(high)} {name}"
            return words if rest == 0 else f"{words} {number_to_words(rest)}"
    raise AssertionError("unreachable")  # pragma: no cover


def _ordinal(words: str) -> str:
    *head, last = words.split(" ")
    if last in _ENGLISH.ordinals:
        last = _ENGLISH.ordinals[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def ordinal_words(number: int) -> str:
    """Spell an ordinal in words ("21" -> "twenty first")."""
    return _ordinal(number_to_words(number))


def _spell_number(match: re.Match[str]) -> str:
    token = match.group(0)
    digits = re.sub(r"\D", "", token)
    if len(digits) > 12:
        return " ".join(_ENGLISH.ones[int(digit)] for digit in digits)
    words = number_to_words(int(digits))
    return _ordinal(words) if digits != token else words


_WRAPPERS = re.compile(
    r"\b(?:"
    + "|".join(re.escape(phrase) for phrase in sorted(_ENGLISH.wrappers, key=len, reverse=True))
    + r")\b"
)


def _generic(text: str) -> str:
    text = straighten(text).lower()
    text = re.sub(r"(?<=[a-z])\.(?=[a-z]\b)", " ", text)  # "m.r.i." -> "m r i."
    text = text.replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "1,000" -> "1000"
    text = re.sub(r"(?<=\d)\.(?=\d)", " point ", text)
    text = _NUMBER.sub(lambda match: " " + _spell_number(match) + " ", text)
    tokens = [_ENGLISH.expand(token) for token in words(text)]
    text = " ".join(tokens)
    text = _WRAPPERS.sub(" ", text)
    return " ".join(word for word in text.split() if word not in _ENGLISH.fillers)


class Normalizer:
    """``normalize`` with one knowledge's recognition-slip repairs compiled once."""

    def __init__(self, hints: MatchingHints | None = None) -> None:
        repairs = hints.heard_as if hints is not None else ()
        self._repairs = tuple((re.compile(r.pattern), r.replace) for r in repairs)

    def __call__(self, text: str) -> str:
        """The normal form of ``text``, slips of this normalizer's knowledge repaired."""
        text = _generic(text)
        for pattern, replacement in self._repairs:
            text = pattern.sub(replacement, text)
        return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=16)
def _normalizer(hints: MatchingHints | None) -> Normalizer:
    return Normalizer(hints)


def normalize(text: str, hints: MatchingHints | None = None) -> str:
    """Lowercase words with punctuation, fillers and politeness removed.

    Digits become words ("6" -> "six", "1st" -> "first"), contractions are expanded
    ("won't" -> "will not", "what's" -> "what is") and possessive "'s" is dropped. With
    ``hints`` (a knowledge's ``matching`` section), the recognition slips it lists are
    repaired too, in order ("m r i" -> "mri", "massage a not" -> "massage a knot").
    """
    return _normalizer(hints)(text)


def content_words(text: str, hints: MatchingHints | None = None) -> list[str]:
    """The words of ``text`` (normalized first, with ``hints``) that carry meaning, in order."""
    return [word for word in normalize(text, hints).split() if word not in STOPWORDS]


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem so that "massaging", "massages" and "massage" compare equal. Each word
    is stemmed once: a question's words and a report's are mostly the same few thousand."""
    irregular = _ENGLISH.stems.get(word)
    if irregular is not None:
        return irregular
    if len(word) <= 3 or word.endswith("ss"):
        return word
    for ending in _ENGLISH.stem_endings:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)] + ("i" if ending in ("ies", "ied") else "")
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def terms(normalized: str) -> list[str]:
    """The stemmed content words of a normalized text, in order."""
    return [stem(word) for word in normalized.split() if word not in STOPWORDS]
