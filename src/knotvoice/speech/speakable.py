"""Text made fit for speaking: lists read as lists, no curly quotes or stray symbols, prices,
dates, times, units and phone numbers as they are said (the words from ``lang/en.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from knotvoice.lang import english, without_emoji
from knotvoice.markup import EMAIL, WEB_ADDRESS, Line, lines, web_address, without_html
from knotvoice.match.text import number_to_words, ordinal_words

_ENGLISH = english()


def _either(words: Iterable[str]) -> str:
    """A regular expression for any of ``words``, the longest tried first."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_ORDINALS = _ENGLISH.list_ordinals
_SAY = _ENGLISH.spoken_symbols
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": "", "\u201d": "", '"': ""})
_PHONE = re.compile(r"(?<![\w+.,])(\+\s?(?=\d)|(?=0))(\d+(?:[ \-]\d+)*)(?!\w)")
_TRUNK_ZERO = re.compile(r"(?<![\w+])(\+\d{1,3})\s?\(0\)\s?(?=\d)")
"""The "(0)" after a country code ("+44 (0)20 ..."), not dialled from abroad and not said."""
_AREA_CODE = re.compile(r"(?<![\w+])\((0\d{2,5})\)\s?(?=\d)")
"""An area code in brackets ("(0161) 234 5678"): a phone number's first group."""
_NORTH_AMERICAN = re.compile(
    r"(?<![\w+.,/-])(?:(\+\s?1|1)[-. ]?)?(?:\((\d{3})\)\s?|(\d{3})[-.])(\d{3})[-.](\d{4})"
    r"(?![\w-]|\.\d)"
)
"""A phone number written as North America writes one ("555-123-4567", "(555) 123-4567",
"1-800-555-0199", "212.555.0147", "+1 212-555-0123")."""
_PHONE_DIGITS = 9
"""The fewest digits of a phone number."""
_PHONE_MOST = {"0": 12, "+": 15}
"""The most digits of a phone number dialled within its country (after its leading 0) and
from abroad (after its "+")."""
_CURRENCY = "".join(re.escape(symbol) for symbol in _ENGLISH.currencies)
_SERVICE_NUMBER = re.compile(
    rf"(?<![\w.,:/\-{_CURRENCY}])("
    + "|".join(re.escape(number) for number in _ENGLISH.service_numbers)
    + r")(?![\w%\u00b0/\-\u2013]|[.,:]\d)"
)
"""A number dialled as written ("NHS 111"), said digit by digit."""
_SERVICE_CUE = re.compile(rf"\b(?:{_either(_ENGLISH.service_number_cues)})\b", re.IGNORECASE)
_JUST_CUED = re.compile(
    rf"\b(?:{_either(_ENGLISH.service_number_cues)})\s+(?:\w+\s+)?(?:on\s+)?$", re.IGNORECASE
)
"""A word that says to dial just before a number ("Ring 101", "call us on 105")."""
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_SENTENCE_REACH = 150
"""How far from a service number a word that makes it one to dial is looked for, in
characters (within its sentence)."""
_WHOLE = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
"""A whole number, its thousands maybe set apart by commas ("1,200")."""
_CENTS = r",\d\d(?!\d)"
"""The hundredths of an amount after a decimal comma ("€4,50"): two digits, where three set
thousands apart ("£1,250")."""
_PER_UNIT = re.compile(
    rf"(?<![\w./])(?<![^\W\d_]-)((?:{_WHOLE})(?:\.\d+|{_CENTS})?[{_CURRENCY}]?)"
    rf"(?:/|(\s?/\s?)(?![^\W\d_]+\s*[{_CURRENCY}\d]))(?=[^\W\d_])"
)
"""A "/" between an amount and a unit ("£35/month", "2,50€/hour", "£2 / cup"), read "per"; a
"/" with spaces around it that sets things apart ("Adult £12 / Child £6", "01234 567890 /
bookings@...") is none: ``_per_unit``."""
_RATE_WORD = re.compile(rf"(?:{_either(_ENGLISH.rate_words)})s?\b", re.IGNORECASE)
_PER_SHORT = re.compile(
    rf"([{_CURRENCY}](?:{_WHOLE})(?:\.\d\d|{_CENTS})?)\s?({_either(_ENGLISH.per_short_forms)})"
    r"(?![\w/])"
)
"""An amount with what it is per written short ("£5pp", "£2 pppn")."""
_SAID_AS = re.compile(
    r"(?<![\w./])("
    + "|".join(
        f"{re.escape(written)}|{re.escape(written.capitalize())}"
        for written in sorted(_ENGLISH.said_as, key=len, reverse=True)
    )
    + "|"
    + _either(_ENGLISH.said_as_in_lowercase)
    + r")(?![\w/]|\.\w)"
)
_ABBREVIATION = re.compile(
    r"(?:(?<![\w.,])(\d+(?:[.,]\d+)*)([ -]?)|(?<![\w@./-]))("
    + "|".join(
        f"{re.escape(short)}|{re.escape(short.capitalize())}" for short in _ENGLISH.abbreviations
    )
    + r")(?![\w@/-]|\.\w)(?:\.(?=\s+[a-z]))?"
)
"""An abbreviation ("hrs", "2 wks"), with its full stop in a sentence going on ("30 sec. then")."""
_BEFORE_NUMBER = re.compile(r"(?<![\w.#])(" + _either(_ENGLISH.before_number) + r")\s?(?=\d)")
_STREET = re.compile(
    r"(\b[A-Z][a-z]+(?:['\u2019]s)? )("
    + "|".join(re.escape(short) for short in _ENGLISH.street_short_forms)
    + r")(?:\.(?=\s+[a-z\d]|[,;]))?(?![\w']|\.\w|\.?\s+[A-Z])"
)
"""A street word written short after a name (or a saint's: "St Mary's St") and not before one
("High St", not "St Mary's")."""
_FRACTION = re.compile(
    r"(?<![\d/.])(?:(\d+)(?:\s?(?=\D)|\s(?=\d/)))?("
    + "|".join(re.escape(written) for written in _ENGLISH.fractions)
    + r")(?![\d/])"
)
_ORDINAL = "(?:" + "|".join(_ENGLISH.ordinal_suffixes) + ")"
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(\d{1,2})/(\d{1,2})/(\d{4}|\d\d)(?![\w/-]|\.\d)"
    r"|(?<![\w./-])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\w/-]|\.\d)"
)
_DAY_AND_MONTH = re.compile(
    rf"(?<![\w./\-{_CURRENCY}])(\d{{1,2}})/(\d{{1,2}})(?![\w/\-{_CURRENCY}]|[.,]\d)"
)
"""A day and month written in numbers without a year ("25/12", "05/11"), in the language's
order; not two amounts ("£14/7")."""
_LABELLED = re.compile(
    r"(?<![\w.])(?:" + _either(_ENGLISH.number_labels) + r")s?\s*$",
    re.IGNORECASE,
)
"""A word naming a thing by its number just before one ("page 13/2", "Gate 13/1", "platforms
1/2")."""
_ISO_DATE = re.compile(r"(?<![\w./-])(\d{4})-(\d\d)-(\d\d)(?![\w/-]|\.\d)")
_NAMES = "|".join((*_ENGLISH.days, *_ENGLISH.months))
_SHORT_NAMES = _either(_ENGLISH.name_short_forms)
_CLOCK = "(?:" + "|".join(re.escape(suffix) for suffix in _ENGLISH.clock_suffixes) + ")"
_SHORT_NAME = re.compile(
    rf"(?<![\w.])({_SHORT_NAMES})"
    r"(?:\.(?=\s+(?:[a-z&]|\d{4}(?!\d)|\d{1,2}:\d\d|"
    rf"\d{{1,2}}(?:[:.]\d\d)?\s?{_CLOCK}(?!\w))|\s*[,;&\-\u2013]))?(?![\w'])"
)
"""A day or month written short, with the full stop of its short form: before a sentence
that starts with a number ("Open Mon-Fri. 20% off") the stop ends the sentence and stays; a
time of day or a year after it ("Mon.-Sat. 9am", "Jan. 2027") is of the same phrase, as is a
dash or comma after it, spaced or not ("Mon. - Fri.")."""
_BESIDE = rf"\s*(?:[-\u2013/,&]|\s(?:{_SAY['and']}|{_SAY['range']}|{_SAY['or']})\b)?\s*"
"""What may stand between a short name and the number or name that makes it one."""
_NAME_AFTER = re.compile(rf"\.?{_BESIDE}(?:\d|(?:{_SHORT_NAMES}|{_NAMES})\b)")
_NAME_BEFORE = re.compile(rf"(?:\d\w*|\b(?:{_SHORT_NAMES}|{_NAMES})(?:\.(?!\s*$))?){_BESIDE}$")
"""A number or a day or month just before a short name; one that ends a sentence ("Open Sat &
Sun. Sun cream ...") is not beside the next."""
_BESIDE_WORDS = _either(_ENGLISH.name_beside_words)
_NAME_LABEL = re.compile(r"\.?[ \t]*:")
_NAME_WORD_AFTER = re.compile(rf"[,:]?\s+(?:{_BESIDE_WORDS})\b", re.IGNORECASE)
_NAME_WORD_BEFORE = re.compile(rf"\b(?:{_BESIDE_WORDS})\s+$", re.IGNORECASE)
_COUNTED = re.compile(
    rf"\s+(?:[^\W\d_]+(?<![sui]s)s|{_either(_ENGLISH.plurals_without_s)})\b", re.IGNORECASE
)
"""A plural after a number ("2/3 nights", "1/2 days", "2/3 people": counts, not a fraction)."""
_DAY_NAMED = re.compile(
    r"\b(?:"
    + _either(
        (
            *_ENGLISH.days,
            *(short for short, name in _ENGLISH.name_short_forms.items() if name in _ENGLISH.days),
        )
    )
    + r")\b"
)
"""A day named in full or short ("Monday", "Mon", "Sat")."""
_THE = re.compile(r"\b[Tt]he\s+(?:\w+\s+)?$")
""""The" just before a word, or two ("The Sun", "The Rising Sun"): a name."""
_NAME_REACH = 40
"""How far before a match the words that tell what it is (a number or day beside a short
name, a label, a word of opening times) are looked for, in characters (looking through the
whole text before each would take seconds on a long one): ``_before``."""


def _before(found: re.Match[str]) -> str:
    """The text just before ``found``, as far as ``_NAME_REACH``."""
    return found.string[max(0, found.start() - _NAME_REACH) : found.start()]


_NAMES_RANGE = re.compile(rf"\b({_NAMES})\s*[-\u2013]\s*({_NAMES})\b")
_MONTH_TO_DAY = re.compile(
    rf"\b({_either(_ENGLISH.months)})\s*[-\u2013]\s*"
    rf"(?=(?:[12]?\d|3[01])(?:{_ORDINAL})?\s+(?:{_either(_ENGLISH.months)})\b"
    rf"|(?:[^\W\d_]+ ){{1,2}}(?:{_either(_ENGLISH.months)})\b)"
)
"""A range of dates between months ("1st March \u2013 31st October", "25 Dec-2 Jan", "24/12 -
26/12" once its dates are read): a day and a month after the dash ("Closed in January - 2
weeks" is no range)."""
_BEFORE_TIME = _either(_ENGLISH.before_time)
_FOUR_DIGIT_RANGE = re.compile(
    rf"(?<![\w.])((?:{_BEFORE_TIME}):?\s+)"
    r"((?:[01]\d|2[0-3])[0-5]\d)\s*[-\u2013]\s*((?:[01]\d|2[0-3])[0-5]\d)(?![\w%/-]|[.,:]\d)",
    re.IGNORECASE,
)
"""Two times of day written in four digits after a word that comes before a time ("open
0900-1700", "hours: 0800-1800"), at least one with a leading zero: "1200-1330" may be two
years', and "ref 2026-0142" is a reference."""
_BARE_DOTTED_TIME = re.compile(
    rf"(?<![\w.,{_CURRENCY}])(\d{{1,2}})\.([0-5]\d)(?!\d|[.,]\d|\s?%"
    rf"|\s?(?:{_either(_ENGLISH.units)})(?![\w\u00b0]))"
)
"""A time of day maybe, written with a full stop and no "am" or "pm" ("at 9.30", "09.00",
"2.30-4.30"): ``_bare_dotted_time`` says when."""
_LINK = rf"(?:{_SAY['range']}|{_SAY['and']}|{_BEFORE_TIME})"
_DOTTED_RANGE_START = re.compile(
    rf"(?<![\d.,{_CURRENCY}])\d{{1,2}}[.:][0-5]\d\s*[-\u2013]\s*$"
    rf"|\b(?:{_BEFORE_TIME})\s+\d{{1,2}}[.:][0-5]\d(?:\s?{_CLOCK})?\s+{_LINK}\s+$"
    rf"|(?<![\d.,{_CURRENCY}])(?:\d{{1,2}}:|0\d[.:])[0-5]\d(?:\s?{_CLOCK})?\s+{_LINK}\s+$",
    re.IGNORECASE,
)
"""The start of a range of times just before one: a time with a dash ("2.30-", not an
amount: "£4.50-6.50"), or with a word after a word that comes before a time ("open 9.30 to
", not "from 3.20 to "), or written with a colon or a leading zero ("9:30 to ", "08.30
to ")."""
_DOTTED_RANGE_END = re.compile(
    rf"\s*[-\u2013]\s*\d{{1,2}}(?:[.:][0-5]\d)?(?!\d|[.,]\d)"
    rf"|\s+(?:{_BEFORE_TIME})\s+\d{{1,2}}[.:][0-5]\d(?!\d|[.,]\d)",
    re.IGNORECASE,
)
"""The end of a range of times just after one ("-4.30", "until 14.00")."""
_NOT_A_TIME_AFTER = re.compile(
    rf"\s*(?:[-\u2013]\s*\d{{1,2}}[.:][0-5]\d)?\s?(?:{_either(_ENGLISH.units)}|{_SAY['per']})\b"
)
"""A measure or a rate after a number or a range of them ("1.25-2.50 kg", "2.40 per hour")."""
_CUED_TIME = re.compile(rf"(?<![\w.])(?:{_BEFORE_TIME})\s+$", re.IGNORECASE)
_DOTTED_TIME = re.compile(
    rf"(?<![\d.{_CURRENCY}])(\d{{1,2}})\.(\d\d)"
    rf"(?=(?:\s?[-\u2013]\s?\d{{1,2}}(?:[.:]\d\d)?)?\s?{_CLOCK}(?!\w))",
    re.IGNORECASE,
)
"""A time written with a full stop before its "am" or "pm", or before a range's end that has
one ("6.30-8.30pm", "6.30-9am"; "6.30" alone was said "six point three zero")."""
_NOON_OR_MIDNIGHT = _either((_ENGLISH.clock_words["noon"], _ENGLISH.clock_words["midnight"]))
_TWELVE_WORD = re.compile(
    rf"(?<![\d:.{_CURRENCY}])(?<!\d[-\u2013])12(?:[:.]00)?\s?({_NOON_OR_MIDNIGHT})\b",
    re.IGNORECASE,
)
"""Noon or midnight written after its hour ("12noon", "12 midnight", "12.00 noon"): the
word alone (not an amount, "£12 noon to close", nor a range's end, "ages 5-12 noon")."""
_TIME = re.compile(rf"(?<![\d:.])(\d{{1,2}}):(\d\d)(\s?{_CLOCK}(?!\w))?(?![\d:])", re.IGNORECASE)
_RANGE_END = (
    rf"[{_CURRENCY}](?:{_WHOLE})(?:\.\d\d|{_CENTS})?"
    rf"|\d{{1,2}}(?::\d\d)?(?:\s?{_CLOCK}(?!\w))?|\d{{1,2}}{_ORDINAL}(?!\w)"
    rf"|\b(?:{_NOON_OR_MIDNIGHT})\b"
)
_TIME_RANGE = re.compile(
    rf"(?<![\d:\-])({_RANGE_END})(\s*)[\u2013-](\s*)({_RANGE_END})(?![\d\-]|:\d)", re.IGNORECASE
)
_NUMBER_RANGE = re.compile(
    r"(?<![\w.,:/\-\u2013])([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)[\u2013-]"
    r"([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?![\w/\-\u2013]|[.,:]\d)"
)
"""Two whole numbers with a dash between and no spaces ("Rooms 101-105", "1990-1995"), which
the time ranges leave to this when either has more than two digits."""
_DECIMAL_COMMA = r",(\d\d)(?!\d)"
"""``_CENTS``, its digits taken."""
_MONEY_WHOLE = rf"\d{{1,3}}(?:\.\d{{3}})+(?=,\d\d(?!\d))|{_WHOLE}"
"""The whole units of an amount, set apart by full stops before a decimal comma
("€1.250,50")."""
_MONEY = re.compile(
    rf"([{_CURRENCY}])\s?({_MONEY_WHOLE})(?:\.(\d+)|{_DECIMAL_COMMA})?"
    rf"(?:\s({'|'.join(re.escape(name) for name, _ in _ENGLISH.scales)})\b"
    rf"|({'|'.join(re.escape(short) for short in _ENGLISH.scale_abbreviations)})\b)?"
)
_MONEY_AFTER = re.compile(
    rf"(?<![\w.,{_CURRENCY}])({_MONEY_WHOLE})(?:\.(\d\d)|{_DECIMAL_COMMA})?\s?([{_CURRENCY}])"
    r"(?!\w|\s?\d)"
)
"""An amount with its currency's symbol after it ("4,50 €")."""
_COMPARISON = re.compile(
    rf"(?P<kept>(?i:{WEB_ADDRESS.pattern})|{EMAIL.pattern}|<[^\s<>][^<>\n]*(?<=\S)>)"
    r"|(?<![<>=!~|\-\u2013\u2014])(?:"
    rf"(?<=[\w%)])(?P<after>{_either(_ENGLISH.comparisons)})(?=[ \t]*[{_CURRENCY}]?\d)"
    rf"|(?<![\w%)])(?P<before>{_either(_ENGLISH.comparisons)})"
    rf"(?=[ \t]*(?:[{_CURRENCY}]?\d|[^\W\d_])))[ \t]*"
)
"""A comparison sign before a number or a word ("age < 16", "> 2 hours", "\u2264 5"), or
after a word and before a number ("age<16"); not an arrow's ("->", "=>", "<<"), nor one of
a web or e-mail address or a bracketed placeholder ("<your name>"), which are ``kept``."""
_STEP = re.compile(
    r"\b([A-Z][\w'\u2019-]*)[ \t]+(?:>|->|=>|[\u2192\u00bb\u203a\u21d2\u2794\u279c])[ \t]+"
    r"(?=[A-Z])"
)
"""A step of a menu's path between two names ("Account > Subscriptions", "Settings \u2192
Security", "Home \u00bb Help"): "then", where a ">" was "more than" and an arrow read by
its name or not at all. A ">" before a word in lowercase ("quality > quantity", "children
> five") is a comparison, and a "\u00bb" against a word a quote mark ("\u00bbTom\u00ab")."""
_SIGNS = frozenset("".join(_ENGLISH.comparisons))
"""The characters of the comparison signs."""
_NO_BREAK = str.maketrans(dict.fromkeys("\u00a0\u2007\u202f", " "))
"""No-break spaces ("&nbsp;", "9\u00a0am"), read as spaces."""
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
"""A control character other than those that end a line and a tab (a terminal's colour code
whole, "\\x1b[31m"): no word, and a zero ended the text espeak-ng was handed where it stood."""
_LINE_ENDS = str.maketrans(dict.fromkeys("\x0b\x0c\x1c\x1d\x1e\x85", "\n"))
"""Control characters that end a line (Word's line break within a paragraph, a form feed)."""
_CLOCK_HOURS = re.compile(r"(?<![\w.,])(\d{1,2})h\s*[-\u2013]\s*(\d{1,2})h(?!\w)")
"""Hours of a clock written with an "h" ("8h-18h"): a range of times, not of lengths."""
_HOURS_MINUTES = re.compile(r"(?<![\w.,])(\d+)\s?h\s?(\d{1,2})\s?m(?!\w)")
"""A length of time written short ("1h 30m"), whose "m" is no metre."""
_DIMENSION = re.compile(r"(?<=\d)(" + _either(_ENGLISH.units) + r")?\s?[x\u00d7]\s?(?=\d)")
"""An "x" between two numbers, the first maybe with its unit ("2.4m x 1.8m"): "by"."""
_MONEY_TIMES = re.compile(
    rf"(?<![\w.,])(\d+|[{_CURRENCY}]\s?\d+(?:\.\d+|{_CENTS})?)\s?[x\u00d7]\s?(?=[{_CURRENCY}]\s?\d|\d)"
)
"""An "x" beside an amount of money ("2 x \u00a310", "\u00a35 x 3"): times, not a dimension."""
_TIMES = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)\s?[x\u00d7](?![\w\u00d7])")
_KEYS = re.compile(r"(?<![^\s(])[\d*#]*[*#][\d*#]*(?![\w*#])|(?P<times>(?<=\d) \* (?=\d))")
"""Digits with a keypad's "*" or "#" among them, standing apart ("£5*", a footnote's, is
not), or a "*" between two numbers (``_keys``)."""
_UNIT = re.compile(
    rf"(?<![\w.,])((?:{_WHOLE})(?:\.\d+)?)([ -]?)(" + _either(_ENGLISH.units) + r")(?![\w\u00b0])"
    r"(?:\.(?=\s+[a-z]))?"
)
"""A unit after a number, and the full stop of its short form in a sentence going on ("15
min. early")."""
_SLASHED_UNIT = re.compile(
    rf"(?<![\w.,])((?:{_WHOLE})(?:\.\d+)?)([ -]?)("
    + _either(unit for unit in _ENGLISH.units if "/" in unit)
    + r")(?![\w\u00b0])"
)
"""A unit with a "/" in it ("30 km/h"), read before a "/" between words is read "or"."""
_PER_UNIT_NAME = re.compile(
    rf"(?<=\b{_SAY['per']} )(" + _either(_ENGLISH.units) + r")(?![\w\u00b0])"
)
_NUMBER_PLURAL = re.compile(r"(?<![\w.,'])(\d{1,2})s\b")
_NAME_RANGE = re.compile(r"\b([A-Z][a-z]+)\u2013([A-Z][a-z]+)\b")
_DASHES = re.compile(r"\s*[\u2013\u2014]+\s*|--+")
_WRITTEN_TAG = re.compile(r"\\<(/?)([A-Za-z][\w-]*)(?:\s[^<>\n]*)?/?>")
"""A tag written as text, escaped as ``markup.characters`` and ``markup.tags_as_text`` have it
("\\<b>", "\\</b>"): its end mark and its name."""
_WRITTEN_MARK = re.compile(r"(?<!\S)\\(" + _either(_ENGLISH.marks_said) + r")(?=[\s.,;:!?)]|$)")
"""A mark written as text standing alone ("the \\* means"), said by its name."""
_WORD = re.compile(r"\w")
_SYMBOLS = re.compile(r"[*_#~^<>|\\{}\[\]@]")
_MARKUP_AT_END = "*_~ \t"
_CLOSING_HASHES = re.compile(r"(?:(?<=\s)#{2,}|(?<=[.!?,:;])#+|^#+)\s*$")
"""Marks at a line's end that close it, not a key to press: a run of "#" ("Price list
####"), or one after its last sentence's mark ("Call us!#"); "Then press #" keeps its key."""
_SENTENCE_ENDS = ".!?\u2026\u3002\uff01\uff1f"
"""Marks that end a sentence: "." "!" "?", an ellipsis, and the full-width ones of Chinese
and Japanese (their full stop, exclamation and question marks)."""
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_RUN_WORDS = 12
"""The most words of a list item read in one sentence with the others ("Bring, your receipt
and a photo ID."): an item longer, or one that holds a sentence of its own, is read as a
sentence, and so are the others of its list."""
_LABEL = re.compile(r"(?<=\S):\s+")
"""The colon after a list item's label ("Weekends: 7am to 11am"), read within a list's
sentence as a comma: espeak-ng reads a colon with the falling tone of a full stop."""
_PLAIN_FIRST = re.compile(r"([*_~]*)([A-Z][a-z]*)\b(?!['\u2019]?[A-Z])")
"""A text's first word, written with one capital at its start ("Vegetarian", "A")."""
_CAPITALISED = {
    *_ENGLISH.days,
    *_ENGLISH.months,
    *_ENGLISH.name_short_forms,
    *_ENGLISH.always_capitalised,
}
"""First words that keep their capital within a sentence: a day or a month ("Mon")."""


_OPENING_WORD = re.compile(r"^[*\s]*[a-z]+(?=[\s,;!?]|\.?$)")
"""A sentence's first word, all in lower case (after a footnote's mark), not the start of an
address ("www.x.org")."""


def _sentence(text: str) -> str:
    """A line as a sentence: emphasis marks after its last word set aside, and a line that
    leads into what follows (ending in ":" or ";") ended with a full stop (``_read_lines``
    reads a line ending in ":" on into the next)."""
    text = _CLOSING_HASHES.sub("", text.strip()).rstrip(_MARKUP_AT_END)
    if text and text[-1] in ",:;":
        text = text[:-1]
    if text and text[-1] not in _SENTENCE_ENDS:
        text += "."
    return text


def _opened(sentence: str) -> str:
    """``sentence``, read after another's full stop, with a capital: a footnote or an item
    written on from the line it hangs on ("* except bank holidays") opens a sentence there.
    A word written with a capital inside ("eBay") or an address ("www.x.org") is kept."""

    def capital(found: re.Match[str]) -> str:
        word = found.group(0)
        start = len(word) - len(word.lstrip("* \t"))
        return word[:start] + word[start:].capitalize()

    return _OPENING_WORD.sub(capital, sentence, count=1)


def _read_lines(shown: Iterable[Line]) -> str:
    """An answer's lines as the screen shows them (``markup.lines``) read out: each list as a
    list (``_list``), each other line as a sentence, and a line that leads into what follows
    (ending in ":", "We can offer:") read on into it with a pause, as a person reading it
    aloud does ("We can offer, vegetarian dishes and ..."), where its full stop made it a
    thought of its own."""
    read = [(line, _body(line)) for line in shown]
    read = [(line, body) for line, body in read if body.strip()]
    said: list[str] = []
    lead = ""
    start = 0
    while start < len(read):
        end = start + 1
        line, body = read[start]
        listed = _listed(line)
        if listed:
            while end < len(read) and _listed(read[end][0]):
                end += 1
            spoken = _list(_nested(read[start:end]))
        else:
            spoken = _sentence(body)
        if lead and spoken:
            spoken = f"{lead}, {_lowered(spoken)}"
        leads_on = not listed and not line.heading and body.rstrip().endswith(":")
        if end < len(read) and leads_on and spoken.endswith("."):
            lead = spoken[:-1]
        elif spoken:
            lead = ""
            said.append(spoken)
        start = end
    said += [f"{lead}."] if lead else []
    return " ".join(said[:1] + [_opened(sentence) for sentence in said[1:]])


def _body(line: Line) -> str:
    """A line's text as it is read: without its marks, quotes or emoji, short forms,
    comparison signs and a menu path's steps said."""
    body = "".join(span.text for span in line.spans)
    body = _STEP.sub(rf"\1, {_ENGLISH.spoken_symbols['step']} ", body)
    if _SIGNS.intersection(body):
        body = _COMPARISON.sub(_comparison, body)
    return _SAID_AS.sub(_said_as, without_emoji(body.translate(_QUOTES)))


def _comparison(found: re.Match[str]) -> str:
    """A comparison sign as it is read ("< 16": "less than 16"), with a capital where it
    opens a line; an address or a placeholder as written, and so a ">" that opens a line
    before a word: a quoted line, as markdown and e-mail write one ("> Note: ...")."""
    sign = found.group("after") or found.group("before")
    after = found.string[found.end() : found.end() + 1]
    if not sign or (sign == ">" and found.start() == 0 and not after.isdigit()):
        return found.group()
    said = _ENGLISH.comparisons[sign]
    if found.group("after"):
        return f" {said} "
    return f"{said.capitalize() if found.start() == 0 else said} "


def _nested(items: list[tuple[Line, str]]) -> list[tuple[int | None, str]]:
    """A list's items as they are read (number, text), an item's own list read on from its
    text ("proof of address, a bill or a bank statement"), not as items of the outer one."""
    base = min(line.depth for line, _ in items)
    read: list[tuple[int | None, str]] = []
    start = 0
    while start < len(items):
        line, text = items[start]
        end = start + 1
        while end < len(items) and items[end][0].depth > base:
            end += 1
        text = text.strip()
        if end > start + 1 and line.depth == base:
            inner = _list(_nested(items[start + 1 : end]))
            text = f"{text.rstrip('.,;:' + _MARKUP_AT_END)}, {_lowered(inner)}".rstrip(".")
        read.append((line.number, text))
        start = end
    return read


def _listed(line: Line) -> bool:
    """Whether ``line`` is a list's item."""
    return line.bullet or line.number is not None


def _list(items: list[tuple[int | None, str]]) -> str:
    """A list as it is read out. Items that are all phrases (no sentence of their own, at
    most ``_RUN_WORDS`` words) make one sentence, "a, b and c", as a person reads them out
    ("; " between items that hold a pause, a comma or brackets: "Weekends, 7am to 11am; and
    ..."); other items are sentences of their own, a numbered one after its ordinal
    ("First, ...")."""
    bodies = [body.rstrip(_MARKUP_AT_END) for _, body in items]
    phrases = [body.rstrip(".,;:" + _MARKUP_AT_END) for body in bodies]
    if len(phrases) > 1 and all(_phrase(phrase) for phrase in phrases):
        parts = [_LABEL.sub(", ", phrases[0])]
        parts += [_lowered(_LABEL.sub(", ", phrase)) for phrase in phrases[1:]]
        between = "; " if any(re.search(r"[,(]", part) for part in parts) else ", "
        *most, last = parts
        if last.split(" ", 1)[0].lower() in (_SAY["and"], _SAY["or"]):
            return _sentence(between.join(parts))
        glue = between if between == "; " else " "
        return _sentence(f"{between.join(most)}{glue}{_SAY['and']} {last}")
    said: list[str] = []
    for (number, _), body in zip(items, bodies, strict=True):
        if number is None:
            said.append(_sentence(body))
            continue
        ordinal = _ORDINALS[number - 1] if 0 < number <= len(_ORDINALS) else f"Number {number}"
        said.append(_sentence(f"{ordinal}, {_lowered(body)}"))
    return " ".join(said[:1] + [_opened(sentence) for sentence in said[1:]])


def _phrase(text: str) -> bool:
    """Whether a list item is a phrase to read in a run with the others: at most
    ``_RUN_WORDS`` words and no sentence's end within it ("Rest. Allow your body to rest"
    is two sentences)."""
    return len(text.split()) <= _RUN_WORDS and not _SENTENCE_END.search(text)


def _lowered(text: str) -> str:
    """``text`` read on from words before it: its first word in lower case when it has its
    capital only for opening a sentence ("Vegetarian dishes", "A roll-in shower"). A name
    keeps it: a word in capitals ("NHS"), a day or a month ("Mon"), one always written with one
    ("I"), or a word before another with a capital ("Harbour Room"). espeak-ng reads
    either alike; the text is also shown (Home Assistant shows the reply)."""
    found = _PLAIN_FIRST.match(text)
    if not found or found.group(2) in _CAPITALISED:
        return text
    if len(found.group(2)) > 1 and re.match(r"\s+[*_~]*[A-Z]", text[found.end() :]):
        return text
    return f"{found.group(1)}{found.group(2).lower()}{text[found.end() :]}"


def _said_as(found: re.Match[str]) -> str:
    """A written form as its words, capitalised when it was ("E.g." For example)."""
    written = found.group(1)
    if written in _ENGLISH.said_as_in_lowercase:
        return _ENGLISH.said_as_in_lowercase[written]
    said = _ENGLISH.said_as.get(written) or _ENGLISH.said_as[written.lower()]
    return said.capitalize() if written[0].isupper() and written not in _ENGLISH.said_as else said


def _fraction(found: re.Match[str]) -> str:
    """A fraction as it is said: "2½" 2 and a half, "½" half, "a ¼" a quarter."""
    whole, written = found.groups()
    alone, after_whole = _ENGLISH.fractions[written]
    if whole:
        return f"{whole} {after_whole}"
    article, _, rest = alone.partition(" ")
    before = found.string[: found.start()].rstrip().rsplit(" ", 1)[-1]
    near = _before(found)
    if "/" in written and (
        _LABELLED.search(near)
        or _NAME_WORD_BEFORE.search(near)
        or _DAY_NAMED.search(before)
        or not re.match(r"\s+[^\W\d_]", found.string[found.end() :])
        or _COUNTED.match(found.string, found.end())
    ):
        # not before a word, after a label ("platforms 1/2"), a date ("Closed 1/3", "Sat
        # 1/3"), or two counts of things ("2/3 nights")
        return written
    said = rest if rest and before.lower() == article else alone
    return said.capitalize() if before[-1:] in ("", ".", "!", "?") else said


def _service_number(found: re.Match[str]) -> str:
    """A service number digit by digit ("1 1 1") in a sentence that says to dial it ("Call
    NHS 111"); in another ("Room 111", "111 tickets"), after a label ("call about room 101")
    or in a range ("101-105") a number as it is."""
    near = _before(found)
    if not _to_dial(found) or _LABELLED.search(near):
        return found.group(0)
    if found.group(1) in _ENGLISH.service_numbers_after_cue and not _JUST_CUED.search(near):
        return found.group(0)  # "Phone us; we are at 101 High Street"
    return " ".join(found.group(1))


def _to_dial(found: re.Match[str]) -> bool:
    """Whether the sentence around ``found`` says to dial a number ("call", "phone")."""
    text = found.string
    before = text[max(0, found.start() - _SENTENCE_REACH) : found.start()]
    before = before[max((end.end() for end in _SENTENCE_END.finditer(before)), default=0) :]
    after = text[found.end() : found.end() + _SENTENCE_REACH]
    end = _SENTENCE_END.search(after)
    return bool(_SERVICE_CUE.search(f"{before} {after[: end.start() if end else None]}"))


def _date(day: str, month: str, year: str, written: str) -> str:
    """A date as it is said ("first March 2026"); ``written`` when it is none."""
    if not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
        return written
    return f"{ordinal_words(int(day))} {_ENGLISH.months[int(month) - 1]} {year}"


def _numeric_date(found: re.Match[str]) -> str:
    """A date written in numbers ("01/03/2026", "01.03.2026"), in the language's order."""
    parts = dict(zip(_ENGLISH.date_order, [part for part in found.groups() if part], strict=True))
    if int(parts["m"]) > 12 >= int(parts["d"]):  # a date only the other way ("12/25/2026")
        parts["d"], parts["m"] = parts["m"], parts["d"]
    return _date(parts["d"], parts["m"], parts["y"], found.group(0))


def _day_and_month(found: re.Match[str]) -> str:
    """A day and month without a year ("25/12": "25th December") when it can be no other
    pair of numbers: its day is past 12, or one of them is written with a leading zero
    ("05/11"); "10/11", "1/2" are left to be read as they are ("10 or 11", half), as is a
    number that labels a thing ("page 13/2", ``number_labels``)."""
    order = [part for part in _ENGLISH.date_order if part != "y"]
    parts = dict(zip(order, found.groups(), strict=True))
    day, month = parts["d"], parts["m"]
    if int(day) <= 12 and not any(part.startswith("0") for part in (day, month)):
        return found.group(0)
    if _LABELLED.search(_before(found)):
        return found.group(0)
    return _date(day, month, "", found.group(0)).rstrip()


def _short_name(found: re.Match[str]) -> str:
    """A day or month written short ("Mon") as its name; a short form that is also a word
    ("Sat") only beside a number or another day or month, as a label ("Sat:") or beside a
    word of opening times ("Sun closed", "Closed Sat", ``name_beside_words``)."""
    short, text = found.group(1), found.string
    before = _before(found)
    if short in _ENGLISH.name_short_forms_also_words and not (
        _NAME_AFTER.match(text, found.end(1))
        or _NAME_BEFORE.search(before)
        or (_opening_times(found) and not _THE.search(before))
    ):
        return found.group(0)
    return _ENGLISH.name_short_forms[short]


def _opening_times(found: re.Match[str]) -> bool:
    """Whether the short day ``found`` (one that is also a word: "Sat", "Sun") is one of
    opening times: another day is named in the text, and it is a label ("Sat:") or beside
    a word of opening times ("Sun closed", "Closed on Sat", ``name_beside_words``). Not a
    month ("Jan: bookings" is a person), nor in "The Rising Sun opens at noon"."""
    text = found.string
    if _ENGLISH.name_short_forms[found.group(1)] not in _ENGLISH.days:
        return False
    if not any(day.start() != found.start() for day in _DAY_NAMED.finditer(text)):
        return False
    return bool(
        _NAME_LABEL.match(text, found.end(1))
        or _NAME_WORD_AFTER.match(text, found.end())
        or _NAME_WORD_BEFORE.search(_before(found))
    )


def _web(found: re.Match[str]) -> str:
    """A web address as a person reads it out: no scheme and no "www." (said "double-u
    double-u double-u dot"), no query or fragment ("?id=3#top"), each "/" said (espeak-ng
    says each of its dots "dot")."""
    site, path = web_address(found.group(0))
    return f" {_SAY['slash']} ".join(part for part in (site, *path.split("/")) if part)


def _phone(found: re.Match[str]) -> str:
    """A phone number (a leading "+" or 0, nine digits or more) read digit by digit, a pause
    between its groups; other numbers as they are. Groups past the most digits a phone
    number has are left as numbers of their own ("call 01632 960123 24 hours a day")."""
    plus, groups = found.group(1), re.split(r"[ \-]", found.group(2))
    most = _PHONE_MOST["+" if plus else "0"]
    taken = 0
    while taken < len(groups) and sum(map(len, groups[: taken + 1])) <= most:
        taken += 1
    if sum(map(len, groups[:taken])) < _PHONE_DIGITS:
        return found.group(0)
    said = ", ".join(" ".join(group) for group in groups[:taken])
    rest = found.group(2)[len(" ".join(groups[:taken])) :]
    return (f"{_SAY['plus']} " if plus else "") + said + rest


def _per_short(found: re.Match[str]) -> str:
    """An amount and what it is per, said in full ("£5pp": "£5 per person"); the full stop of
    "p.a." kept where it ends a sentence too ("£30 p.a. Juniors £10")."""
    amount, short = found.groups()
    ends = short.endswith(".") and re.match(r"\s*$|\s+[A-Z]", found.string[found.end() :])
    return f"{amount} {_ENGLISH.per_short_forms[short]}{'.' if ends else ''}"


def _per_unit(found: re.Match[str]) -> str:
    """An amount and a "/" read "per" ("£35/month"); a "/" with spaces around it only after
    money ("£2 / cup") or before a word of a rate ("5 / hour", ``rate_words``): "10-6 /
    Winter" and "01234 567890 / bookings@..." set things apart."""
    amount, spaced = found.groups()
    text, start = found.string, found.start()
    money = text[start - 1 : start] in _CURRENCY or amount[-1:] in _CURRENCY
    if spaced and not money and not _RATE_WORD.match(text, found.end()):
        return found.group(0)
    return f"{amount} {_SAY['per']} "


def _north_american(found: re.Match[str]) -> str:
    """A North American phone number digit by digit, a pause between its groups."""
    country, *groups = found.groups()
    said = ", ".join(" ".join(group) for group in groups if group)
    if country:
        return f"{_SAY['plus'] + ' ' if country.startswith('+') else ''}1, {said}"
    return said


def _four_digit_range(found: re.Match[str]) -> str:
    """Two times of day in four digits as times ("0900-1700": "09:00 to 17:00", then said
    as times are), when one has a leading zero."""
    cue, start, end = found.groups()
    if not (start.startswith("0") or end.startswith("0")):
        return found.group(0)
    return f"{cue}{start[:2]}:{start[2:]} {_SAY['range']} {end[:2]}:{end[2:]}"


def _bare_dotted_time(found: re.Match[str]) -> str:
    """A time written with a full stop and no "am" or "pm" as a time ("09.00", "at 9.30",
    "2.30-4.30", "9.30 to 4.30"): with a leading zero, after a word that comes before a time
    (``before_time``), or in a range with one; else a number ("2.30 metres", "costs 4.50",
    "from 4.50", "between 1.20 and 1.95 metres", "at 2.40 per hour")."""
    hour, minute = found.groups()
    text, before = found.string, _before(found)
    if int(hour) > 23 or _NOT_A_TIME_AFTER.match(text, found.end()):
        return found.group(0)
    if (
        (len(hour) == 2 and hour.startswith("0"))
        or _CUED_TIME.search(before)
        or _DOTTED_RANGE_START.search(before)
        or _DOTTED_RANGE_END.match(text, found.end())
    ):
        return f"{hour}:{minute}"
    return found.group(0)


def _keys(found: re.Match[str]) -> str:
    """A "*" between numbers read "times" ("5*2", and "5\\*2" as markdown escapes it); a
    code to dial or a key to press read key by key ("*123#", "*100*2#": "star 1 2 3 hash",
    "press #": "press hash"); "#5" left to be read "number 5", a "*" alone to be left out."""
    keys = found.group(0)
    if found.group("times") or re.fullmatch(r"\d+(?:\*\d+)+", keys):
        return re.sub(r"\s*\*\s*", f" {_SAY['times']} ", keys)
    if re.fullmatch(r"#\d+|\d+\*", keys) or (
        keys == "#" and re.match(r"\s*\d", found.string[found.end() :])
    ):
        return keys  # a number ("#5", "bus # 5"), or one with its footnote's mark ("12*")
    if not re.search(r"[\d#]", keys):
        return keys  # a footnote's "*" ("* except bank holidays"), left out
    return " ".join(_ENGLISH.keypad_said.get(key, key) for key in keys)


def _counted(word: str, number: float) -> str:
    """``word`` agreeing with ``number`` ("hour", "hours")."""
    return word if number == 1 else _ENGLISH.plural(word)


def _abbreviation(found: re.Match[str]) -> str:
    """An abbreviation as its word, agreeing with a number just before it ("2 hrs": "2
    hours"; "a 3-yr plan": "a 3-year plan")."""
    number, joint, short = found.groups()
    word = _ENGLISH.abbreviations[short.lower()]
    if number is not None:
        singular = _ENGLISH.singular(word)
        one = joint == "-" or float(number.replace(",", "")) == 1
        word = f"{number}{joint or ' '}{singular if one else _ENGLISH.plural(singular)}"
    return word.capitalize() if short[0].isupper() else word


def _range(found: re.Match[str]) -> str:
    """A range read with "to", its dash spaced or not ("9am - 5pm", "9 - 5", "8 \u2013 14":
    heard "9, 5" as two numbers; a score, "3 - 1", is said with "to" too). A spaced dash
    after a label's number ("Gate 5 - 10 minutes' walk"), after digits said one by one
    ("9 9 9 - 24 hours") or between two whole numbers that fall, past the hours of a clock
    ("Sleeps 4 - 1 double" is; "Room 14 - 6 beds" is not), sets them apart."""
    start, before, after, end = found.groups()
    near = _before(found)
    if (before or after) and (
        _LABELLED.search(near)
        or re.search(r"\d\s$", near)
        or (start.isdigit() and end.isdigit() and int(end) < int(start) > 12)
    ):
        return f"{start}, {end}"
    return f"{start} {_SAY['range']} {end}"


def _number_range(found: re.Match[str]) -> str:
    """A range of whole numbers read with "to" when it rises, its end at most a digit longer
    ("101-105", "95-110"), and from three digits up as long as its start. Any other pair is a
    code or a number to dial ("555-1234", "3000-200") and stays as written; so does a pair of
    four digits or more in a sentence that says to dial it ("Call 2345-6789")."""
    start, end = found.groups()
    first, last = int(start.replace(",", "")), int(end.replace(",", ""))
    longer = len(str(last)) - len(str(first))
    if first >= last or longer > 1 or (longer == 1 and first > 99):
        return found.group(0)
    if min(len(start), len(end)) >= 4 and start.isdigit() and end.isdigit() and _to_dial(found):
        return found.group(0)
    return f"{start} {_SAY['range']} {end}"


def _time(found: re.Match[str]) -> str:
    """A time of day as it is said: on the hour "9 o'clock", "9am" or midnight, a minute
    under ten with "oh" ("12 oh 5"), an afternoon's on the 24-hour clock as on the 12-hour
    one ("17:00" "5pm", "17:30" "5:30pm": "17 hundred" was heard as a year); other times as
    they are ("9:30")."""
    hour, minute, suffix = int(found.group(1)), int(found.group(2)), found.group(3) or ""
    words = _ENGLISH.clock_words
    if hour > 24 or minute > 59:
        return found.group(0)
    if 12 < hour < 24 and not suffix:
        hour, suffix = hour - 12, words["pm"]
    elif minute >= 10 and not found.group(1).startswith("0"):
        return found.group(0)
    if minute >= 10:
        return f"{hour}:{minute}{suffix}"
    if minute:
        return f"{hour} {words['oh']} {minute}{suffix}"
    if suffix:
        return f"{hour}{suffix}"
    if hour in (0, 24):
        return words["midnight"]
    return f"{hour} {words['o_clock']}"


def _money(found: re.Match[str]) -> str:
    """An amount of money as it is said: "£4.50" "4 pounds 50", "£0.50" "50 pence",
    "£1.5m" "1.5 million pounds", "€4,50" "4 euros 50"."""
    symbol, whole, hundredths, after_comma, scale, short = found.groups()
    scale = scale or _ENGLISH.scale_abbreviations.get(short or "")
    return _amount(symbol, whole, hundredths or after_comma, scale, _describing(found))


def _describing(found: re.Match[str]) -> bool:
    """Whether an amount or a measure describes the word after it ("a £30 deposit", "a 2 m
    wall"), its unit then said in the singular: after "a" or "an", before a word that is not
    one of the small words ("a £5 or £10 note", "a £5 per hour charge" stay as they are)."""
    before = re.search(r"(\w+)\s+$", found.string[: found.start()])
    after = re.match(r"\s+([^\W\d_]+)", found.string[found.end() :])
    return bool(
        before
        and before.group(1).lower() in _ENGLISH.describing_before
        and after
        and after.group(1).lower() not in _ENGLISH.stopwords
        and after.group(1).lower() != _SAY["per"]
    )


def _money_after(found: re.Match[str]) -> str:
    """An amount of money with its symbol after it ("4,50 €") as it is said."""
    whole, hundredths, after_comma, symbol = found.groups()
    return _amount(symbol, whole, hundredths or after_comma, None)


def _amount(
    symbol: str, whole: str, hundredths: str | None, scale: str | None, describing: bool = False
) -> str:
    """An amount in the currency of ``symbol`` as it is said, its whole units' thousands set
    apart by commas ("1.250" before a decimal comma read as "1,250"); ``describing`` the next
    word, its unit in the singular ("a 30 pound deposit")."""
    whole = whole.replace(".", ",")
    unit, hundredth = _ENGLISH.currencies[symbol]
    units_said = unit if describing else _ENGLISH.plural(unit)
    if scale or (hundredths and len(hundredths) != 2):
        amount = f"{whole}.{hundredths}" if hundredths else whole
        return f"{amount}{f' {scale}' if scale else ''} {units_said}"
    units = int(whole.replace(",", ""))
    cents = int(hundredths or 0)
    if units == 0 and cents:
        return f"{cents} {_counted(hundredth, cents)}"
    said = f"{whole} {unit if units == 1 else units_said}"
    return f"{said} {cents}" if cents else said


def _hours_minutes(found: re.Match[str]) -> str:
    """A length of time written short as it is said ("1h 30m": 1 hour 30 minutes)."""
    hour, minute = _ENGLISH.hours_and_minutes
    hours, minutes = found.groups()
    return f"{hours} {_counted(hour, int(hours))} {minutes} {_counted(minute, int(minutes))}"


def _unit(found: re.Match[str]) -> str:
    """A unit of measure after a number as its name, agreeing with the number ("1 kg" 1
    kilogram, "2.5km" 2.5 kilometres, "a 10-km walk" a 10-kilometre walk, "a 2 m wall" a 2
    metre wall)."""
    number, joint, unit = found.groups()
    if unit in _ENGLISH.unit_other_words:
        said, before = _ENGLISH.unit_other_words[unit]
        after = re.match(r"[\s,]*(?:\d+\s+)?([^\W\d_]+)", found.string[found.end() :])
        if after is not None and after.group(1).lower() in before:
            return f"{number} {said}"  # "10 min spend", "10 min, 40 max"
    one, many = _ENGLISH.units[unit]
    single = joint == "-" or float(number.replace(",", "")) == 1 or _describing(found)
    said = one if single else many
    return f"{number}{joint or ' '}{said}"


def _number_plural(found: re.Match[str]) -> str:
    """A number's plural in words ("under-3s": "under-threes")."""
    *head, last = number_to_words(int(found.group(1))).split(" ")
    return " ".join([*head, _ENGLISH.plural(last)])


def _money_times(found: re.Match[str]) -> str:
    """ "2 x \u00a310": "2 times \u00a310", where one side of the "x" is money; else as it was
    (a dimension, read "by" later)."""
    after = found.string[found.end() :]
    if found.group(1)[0].isdigit() and not re.match(rf"[{_CURRENCY}]", after):
        return found.group(0)
    return f"{found.group(1)} {_SAY['times']} "


def _written_tag(found: re.Match[str]) -> str:
    """A tag written as text ("\\</b>") as it is read ("closing b tag")."""
    said = _ENGLISH.tags_said["closing" if found.group(1) else "opening"]
    said = said.format(name=found.group(2).lower())
    # a word of its own beside another ("<b>bold</b>")
    before = found.string[found.start() - 1 : found.start()]
    after = found.string[found.end() : found.end() + 1]
    return f"{' ' if _WORD.match(before) else ''}{said}{' ' if _WORD.match(after) else ''}"


_TABLE_ROW = re.compile(r"^[ \t]*\|(.*)\|[ \t]*$")
"""A row of a markdown table ("| Monday | 9-5 |")."""
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
"""The rule under a markdown table's header ("|---|---|")."""
_CODE = re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])")
"""Words marked as code ("Type `help`"): said without their backticks."""


def _table_rows(text: str) -> str:
    """``text`` with a markdown table's rows as lines, each its first cell and the rest
    after a colon ("Monday: 9-5"), each after its column's name where there are more than
    two ("Adult: Peak 12, Off-peak 8", as an imported table's are); its header over its
    rule, and the rule, not read on their own: a table was read "Day Hours.,. Monday 9 to
    5."."""
    if "|" not in text:
        return text
    written = text.split("\n")
    header = {at - 1 for at, line in enumerate(written) if at and _TABLE_RULE.match(line)}
    kept = []
    names: list[str] = []  # the columns' names of the table being read
    for at, line in enumerate(written):
        row = _TABLE_ROW.match(line)
        if row is None:
            names = []
        if _TABLE_RULE.match(line):
            continue
        cells = [cell.strip() for cell in row.group(1).split("|")] if row else []
        if at in header and cells:
            names = cells
            continue
        if cells:
            first, rest = cells[0], cells[1:]
            if len(names) > 2:
                rest = [
                    f"{name} {cell}" if name and cell else cell
                    for name, cell in zip(names[1:], rest, strict=False)
                ]
            rest = [cell for cell in rest if cell]
            line = (
                f"{first}: {', '.join(rest)}" if first and rest else ", ".join(filter(None, cells))
            )
        kept.append(line)
    return "\n".join(kept)


def speakable(text: str) -> str:
    """Rewrite written text so a speech engine reads it naturally.

    Its lines are read as the screen shows them (``markup.lines``), without their marks or
    their emphasis's and an escaped mark without its backslash: a list of short items as one
    sentence ("a, b and c"), a longer list's items as sentences, numbered ones "First, ...
    Second, ..."; headings and footnotes as sentences of their own; a line leading into a list
    ("We can offer:") on into it; curly quotes, emoji, dashes and markup symbols are dropped or
    replaced by pauses; "/" reads as "or" ("per" after an amount: "£35/month"), "&" as "and", a range
    ("9-5", "8am-5pm", "Monday\u2013Friday") with "to"; e-mail and web addresses are read as
    addresses, phone numbers digit by digit, amounts of money with their currency's name
    ("£4.50": "4 pounds 50", and with a decimal comma or the symbol after, "€4,50" and "4,50 €":
    "4 euros 50"), units of measure by their names ("2km": "2 kilometres", "55 x 40 cm": "55 by
    40 centimetres"), dates, days and months by name ("01/03/2026": "first March 2026", "25/12": "25th December",
    "Mon-Fri": "Monday to Friday"), times on the hour as said ("9:00": "9 o'clock", an
    afternoon's as on the 12-hour clock: "8:00-18:00": "8 o'clock to 6pm"; "12noon": "noon"),
    fractions ("2½": "2 and a half"), short forms and abbreviations such as "e.g.", "inc." and
    "hrs" as words, markdown links as their text (and their address when a person would read it
    out), service numbers to dial ("call 111") digit by digit, codes to dial key by key ("*123#": "star 1 2
    3 hash"), a "*" between numbers as "times" and "3s" as "threes". HTML tags
    ("<b>", "<br>") are left out, one that starts a new line in a browser read as a line's end,
    and one written as text ("\\<b>", shown "<b>") is said by its name ("b tag"), as is a mark
    written as text that stands alone ("the \\* means": "the asterisk means");
    comparison signs before a number or a word are read as words ("age < 16": "age less than
    16", "≥ 18": "at least 18"), and a no-break space as a space; control characters (a
    terminal's colour codes, a zero) are left out. Text struck through ("~~No~~", "<del>")
    is not read, nor are SSML's tags. A time written with a full stop is a time where it can
    be no amount ("at 9.30", "09.00", "2.30-4.30"; not "from 4.50"), as are four digits after
    a word of opening times ("open 0900-1700"); "Sat:" or "Sun closed" beside other days are
    days; "£5pp" is "per person"; a North American number is dialled digit by digit.
    """
    # As the screen shows them, but for HTML tags, shown as written: a tag is no word. A tag
    # or a mark written as text is said by its name, as the words it shows.
    text = _WRITTEN_MARK.sub(lambda found: _ENGLISH.marks_said[found.group(1)], text)
    text = _WRITTEN_TAG.sub(_written_tag, text)
    text = _CODE.sub(r"\1", _table_rows(text))
    text = _read_lines(
        lines(without_html(_CONTROL.sub("", text).translate(_LINE_ENDS).translate(_NO_BREAK)))
    )
    text = _KEYS.sub(_keys, text)
    text = _ISO_DATE.sub(
        lambda found: _date(found.group(3), found.group(2), found.group(1), found.group(0)), text
    )
    text = _NUMERIC_DATE.sub(_numeric_date, text)
    text = _DAY_AND_MONTH.sub(_day_and_month, text)
    text = _FRACTION.sub(_fraction, text)
    text = _SHORT_NAME.sub(_short_name, text)
    text = _BEFORE_NUMBER.sub(lambda found: _ENGLISH.before_number[found.group(1)] + " ", text)
    text = _STREET.sub(
        lambda found: found.group(1) + _ENGLISH.street_short_forms[found.group(2)], text
    )
    text = _NAMES_RANGE.sub(rf"\1 {_SAY['range']} \2", text)
    text = _MONTH_TO_DAY.sub(rf"\1 {_SAY['range']} ", text)
    text = _FOUR_DIGIT_RANGE.sub(_four_digit_range, text)
    text = _NORTH_AMERICAN.sub(_north_american, text)
    text = _PHONE.sub(_phone, _AREA_CODE.sub(r"\1 ", _TRUNK_ZERO.sub(r"\1 ", text)))
    text = _SERVICE_NUMBER.sub(_service_number, text)
    text = _PER_SHORT.sub(_per_short, text)
    text = _PER_UNIT.sub(_per_unit, text)
    text = _ABBREVIATION.sub(_abbreviation, text)
    text = EMAIL.sub(lambda found: f"{found.group(1)} {_SAY['at']} {found.group(2)}", text)
    text = WEB_ADDRESS.sub(_web, text)
    text = _SLASHED_UNIT.sub(_unit, text)
    text = re.sub(r"\band/or\b", _SAY["or"], text)
    text = text.replace("&", f" {_SAY['and']} ").replace("%", f" {_SAY['percent']}")
    text = re.sub(r"(?<=\w)/(?=\w)|(?<=[^\W\d_])\s+/\s+(?=[^\W\d_])", f" {_SAY['or']} ", text)
    text = re.sub(r"\s*/\s*", ", ", text)
    text = _CLOCK_HOURS.sub(lambda found: f"{found[1]}:00 {_SAY['range']} {found[2]}:00", text)
    text = _DOTTED_TIME.sub(r"\1:\2", text)
    text = _BARE_DOTTED_TIME.sub(_bare_dotted_time, text)
    text = _TWELVE_WORD.sub(r"\1", text)
    text = _TIME_RANGE.sub(_range, text)
    text = _NUMBER_RANGE.sub(_number_range, text)
    text = _TIME.sub(_time, text)
    text = _MONEY_TIMES.sub(_money_times, text)
    text = _MONEY.sub(_money, _MONEY_AFTER.sub(_money_after, text))
    text = _HOURS_MINUTES.sub(_hours_minutes, text)
    text = _DIMENSION.sub(lambda found: f"{found.group(1) or ''} {_SAY['by']} ", text)
    text = _TIMES.sub(rf"\1 {_SAY['times']}", text)
    text = _UNIT.sub(_unit, text)
    text = _PER_UNIT_NAME.sub(lambda found: _ENGLISH.units[found.group(1)][0], text)
    text = _NUMBER_PLURAL.sub(_number_plural, text)
    text = _NAME_RANGE.sub(rf"\1 {_SAY['range']} \2", text)
    text = _DASHES.sub(", ", text)
    text = _SYMBOLS.sub(" ", text)
    text = text.replace("(", ", ").replace(")", ", ")
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip()
