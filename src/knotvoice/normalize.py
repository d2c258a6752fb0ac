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

if TYPE_CHECKING:
    from knotvoice.knowledge import MatchingHints

__all__ = [
    "STOPWORDS",
    "Normalizer",
    "content_words",
    "normalize",
    "number_to_words",
    "word_set",
]

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})

_CONTRACTIONS: dict[str, str] = {
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "i'm": "i am",
    "what's": "what is",
    "where's": "where is",
    "how's": "how is",
    "who's": "who is",
    "why's": "why is",
    "when's": "when is",
    "that's": "that is",
    "there's": "there is",
    "here's": "here is",
    "it's": "it is",
    "he's": "he is",
    "she's": "she is",
    "y'all": "you all",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
    "dunno": "do not know",
}
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'s", ""),  # possessive once the "x is" forms above are handled
)

_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

# Phrases that wrap a question without being part of it, longest first within each group.
_WRAPPER_PHRASES: tuple[str, ...] = (
    "hey kiosk",
    "hi kiosk",
    "hello kiosk",
    "okay kiosk",
    "ok kiosk",
    "kiosk",
    "excuse me",
    "pardon me",
    "sorry to bother you",
    "i was wondering if you could tell me",
    "i was wondering if you know",
    "i was wondering if",
    "i was wondering whether",
    "i was wondering",
    "i am wondering",
    "i wonder if",
    "i wonder whether",
    "i wonder",
    "can you please tell me",
    "could you please tell me",
    "would you please tell me",
    "can you tell me",
    "could you tell me",
    "would you tell me",
    "will you tell me",
    "can you let me know",
    "could you let me know",
    "do you know",
    "do you happen to know",
    "would you know",
    "i would like to know",
    "i would love to know",
    "i want to know",
    "i need to know",
    "i would like to ask",
    "i want to ask",
    "i have a question",
    "quick question",
    "my question is",
    "question",
    "tell me",
    "thank you very much",
    "thank you",
    "thanks a lot",
    "thanks",
    "please",
    "hello",
    "hi there",
    "hey there",
    "hi",
    "hey",
    "okay",
    "ok",
    "alright",
    "you know",
    "i mean",
    "sort of",
    "kind of",
)
_FILLERS = frozenset(
    {
        "um",
        "umm",
        "uh",
        "uhh",
        "uh-huh",
        "er",
        "erm",
        "ah",
        "ahh",
        "eh",
        "hmm",
        "hm",
        "mm",
        "mmm",
        "mhm",
        "oh",
        "so",
        "like",
        "well",
        "actually",
        "basically",
        "just",
        "really",
        "anyway",
        "right",
    }
)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")
_SPACES = re.compile(r"\s+")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` as a set (for word lists in code)."""
    return frozenset(text.split())


STOPWORDS: frozenset[str] = word_set(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    else ever every few for from further get gets getting got had has have having he her here
    hers herself him himself his how i if in into is it its itself just let me might mine more
    most much must my no nor not now of off on once one only or other our ours ourselves
    out over same shall she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up upon us very was we were what
    when whether which while who whom whose will with would yes yet you your yours
    yourself yourselves thing things something anything way ways kind sort lot lots really
    maybe please thanks thank tell know wonder wondering ask asking question want wanted need
    like use used go goes going make makes made take takes say said
    gonna wanna okay ok hey hi hello um uh er erm hmm well actually basically just still
    someone somebody anyone anybody person place possible possibly usually tend
    first probably certain certainly lately recently
    husband wife partner boyfriend girlfriend mum mom mam dad mother father daughter son
    friend friends mate mates colleague colleagues boss neighbour neighbor
    reckon reckons reckoned suppose supposed guess convinced yesterday today tonight nobody
    """
)
"""Function words that never decide which entry a question means."""


def number_to_words(number: int) -> str:
    """Spell a whole number in words ("26" -> "twenty six"); up to the billions."""
    if number < 0:
        return "minus " + number_to_words(-number)
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    for size, name in (
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1000, "thousand"),
        (100, "hundred"),
    ):
        if number >= size:
            high, rest = divmod(number, size)
            words = f"{number_to_words(high)} {name}"
            return words if rest == 0 else f"{words} {number_to_words(rest)}"
    raise AssertionError("unreachable")  # pragma: no cover


def _ordinal(words: str) -> str:
    *head, last = words.split(" ")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _spell_number(match: re.Match[str]) -> str:
    token = match.group(0)
    digits = re.sub(r"\D", "", token)
    if len(digits) > 12:
        return " ".join(_ONES[int(digit)] for digit in digits)
    words = number_to_words(int(digits))
    return _ordinal(words) if digits != token else words


def _expand(token: str) -> str:
    if token in _CONTRACTIONS:
        return _CONTRACTIONS[token]
    for suffix, replacement in _SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix):
            return token[: -len(suffix)] + replacement
    return token.replace("'", "")


_WRAPPERS = re.compile(
    r"\b(?:"
    + "|".join(re.escape(phrase) for phrase in sorted(_WRAPPER_PHRASES, key=len, reverse=True))
    + r")\b"
)


def _generic(text: str) -> str:
    text = text.translate(_APOSTROPHES).lower()
    text = re.sub(r"(?<=[a-z])\.(?=[a-z]\b)", " ", text)  # "m.r.i." -> "m r i."
    text = text.replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "1,000" -> "1000"
    text = re.sub(r"(?<=\d)\.(?=\d)", " point ", text)
    text = _NUMBER.sub(lambda match: " " + _spell_number(match) + " ", text)
    tokens = [_expand(token) for token in _TOKEN.findall(text)]
    text = " ".join(tokens)
    text = _WRAPPERS.sub(" ", text)
    return " ".join(word for word in text.split() if word not in _FILLERS)


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
