"""Spoken text made comparable: one normal form for typed questions and recognizer output.

Recognizers differ in casing, punctuation, digits and contractions, and people wrap their
question in fillers ("um", "so") and politeness ("excuse me, can you tell me ...").
``normalize`` removes all of that so the matcher compares only what was asked, and repairs a
few recognition slips that are common for this domain ("m r i" for "MRI", "a not" for
"a knot").
"""

from __future__ import annotations

import re

__all__ = ["STOPWORDS", "content_words", "normalize", "number_to_words", "word_set"]

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

# Recognition slips common for this domain: (pattern, replacement) on normalized text.
_SLIPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (
            r"\b(?:m r i|m r eye|em are eye|em are i|m are i|emri|emmeri|emery|emory|mr i|m ri)\b",
            "mri",
        ),
        (r"\bmri s\b", "mri"),
        (r"\b(?:naught|knott|nought)\b", "knot"),
        (r"\b(?:naughts|knotts|noughts)\b", "knots"),
        (r"\b(?:nots|nuts)\b", "knots"),
        (r"\b(?:my|your|the) mac\b", "my back"),
        (r"\b(?:upper|mapper|upper my|up a) mac\b", "upper back"),
        (r"\b(?:an|and|on) my (?:ride|right)\b", "an mri"),
        (r"\bmaster (?:a )?(?:not|knot)\b", "massage a knot"),
        (r"\b(?:him|mac|an|and) not\b", "a knot"),
        (r"\bnotted\b", "knotted"),
        # "not" heard for "knot" after a determiner or "muscle", or before "in my back".
        (
            r"\b(a|the|my|your|this|that|one|muscle|muscles|big|tight|painful|little|small) not\b",
            r"\1 knot",
        ),
        (
            r"\bnot (in|on) (my|your|the|his|her|their|our) (upper |lower |middle )?back\b",
            r"knot \1 \2 \3back",
        ),
        (r"\b(?:messaging|messeging)\b", "massaging"),
        (r"\b(a|the) message\b", r"\1 massage"),
        (r"\bmessage (a|the|my|your|it|knots|muscle|muscles|knot)\b", r"massage \1"),
        (r"\bmessages\b", "massages"),
        (r"\bin (?:flames|frame|framed|flamed)\b", "inflamed"),
        (r"\bin flammation\b", "inflammation"),
        (r"\bnumb ness\b", "numbness"),
        (r"\bnumbers in\b", "numbness in"),
        (r"\btrapeze ius\b", "trapezius"),
        (r"\bup a back\b", "upper back"),
        (r"\bupper bag\b", "upper back"),
        # Everyday phrasings of the knowledge's words.
        (r"\b(?:let|lets|letting) (?:it |the knot |a knot |my knot )?go\b", "release"),
        (r"\bby (myself|yourself|ourselves)\b", r"\1"),
        (r"\bon (?:my|your) own\b", "myself"),
    )
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


def normalize(text: str) -> str:
    """Lowercase words with punctuation, fillers, politeness and common slips removed.

    Digits become words ("6" -> "six", "1st" -> "first"), contractions are expanded
    ("won't" -> "will not", "what's" -> "what is"), possessive "'s" is dropped, and words a
    recognizer often splits or mishears in this domain are repaired ("m r i" -> "mri",
    "massage a not" -> "massage a knot").
    """
    text = text.translate(_APOSTROPHES).lower()
    text = re.sub(r"(?<=[a-z])\.(?=[a-z]\b)", " ", text)  # "m.r.i." -> "m r i."
    text = text.replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "1,000" -> "1000"
    text = re.sub(r"(?<=\d)\.(?=\d)", " point ", text)
    text = _NUMBER.sub(lambda match: " " + _spell_number(match) + " ", text)
    tokens = [_expand(token) for token in _TOKEN.findall(text)]
    text = " ".join(tokens)
    text = _WRAPPERS.sub(" ", text)
    words = [word for word in text.split() if word not in _FILLERS]
    text = " ".join(words)
    for pattern, replacement in _SLIPS:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


def content_words(text: str) -> list[str]:
    """The words of ``text`` (normalized first) that carry meaning, in order."""
    return [word for word in normalize(text).split() if word not in STOPWORDS]
