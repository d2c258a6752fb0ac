"""The language knotvoice speaks: its words as data, and the one tokenizer.

Every word list the code needs (stopwords, fillers, the phrases that wrap a question, the
follow-up commands, what the kiosk says when it does not answer) lives in one data file per
language, ``lang/<code>.yaml``. Nothing of any one FAQ is here: that lives in the FAQ's own
knowledge file.

``words`` is the one tokenizer: every module that cuts text into words uses it, so "don't",
"MRI" and "24" are the same words everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from knotvoice.errors import KnotvoiceError

__all__ = [
    "Language",
    "Replies",
    "Visitor",
    "english",
    "load",
    "straighten",
    "without_emoji",
    "words",
]

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]+")
"""Emoji and the pictographs, joiners and variation selectors they are made of."""


def without_emoji(text: str) -> str:
    """``text`` without its emoji, which say nothing of what is asked or answered."""
    return _EMOJI.sub("", text)


def straighten(text: str) -> str:
    """``text`` with curly and other look-alike apostrophes made straight."""
    return text.translate(_APOSTROPHES)


_ACCENTS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")
"""The accents of Latin letters, once apart from them."""


def unaccented(text: str) -> str:
    """``text`` with its Latin letters' accents taken off ("café" as "cafe"), as a
    recognizer writes English words; letters of other alphabets kept whole."""
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", text)))


def words(text: str, *, keep_case: bool = False) -> list[str]:
    """The words of ``text``: runs of letters and digits, apostrophes inside words kept
    ("don't"), curly apostrophes made straight; lowercase unless ``keep_case``."""
    text = straighten(text)
    return _WORD.findall(text if keep_case else text.lower())


@dataclass(frozen=True)
class Replies:
    """What the kiosk says that is not an answer."""

    reject: str
    greeting: str
    """Said before the topics to a greeting the knowledge does not answer."""
    welcome: str
    """Said to a thanks where every turn has a reply (``knotvoice serve``)."""
    goodbye: str
    """Said to a "bye" where every turn has a reply (``knotvoice serve``)."""
    did_you_mean: str
    """With ``{question}``: the entry's question without its question mark."""
    did_you_mean_again: str
    """The did-you-mean asked again when its answer was not understood (a "yes" misheard),
    with ``{question}`` as above."""
    did_you_mean_then: str
    """The other entry a did-you-mean was between, proposed after a no to the first, with
    ``{question}`` as above."""
    topics: str
    """With ``{topics}``: a few of the knowledge's topics, listed."""
    topics_or: str
    """Joins the last two topics listed ("a, b or c")."""
    questions: str
    """With ``{questions}``: two of the knowledge's questions (each ending in "?"), named
    instead of topics when no entry has one."""
    questions_or: str
    """Joins the two questions."""
    ask_again: str
    """Said when a did-you-mean is declined."""
    withdrawn: str
    """Said to a "yes" to a did-you-mean whose entry has left the knowledge file since."""
    which_one: str
    """Said to a bare "yes" to the two questions a reject read out: with ``{questions}``,
    the two, joined as ``questions`` joins them."""
    wake_reply: str
    """Said when the wake phrase comes alone, inviting the question."""
    failed: str
    """Shown on the screen when a question could not be heard or answered (an error)."""
    say_yes: str
    """Said after a did-you-mean answered on the next turn, when the visitor must start that
    turn again (``knotvoice serve``: Home Assistant closes the microphone after a reply): how
    to, without the wake word's name, which the server is not told."""
    say_which: str
    """Said after ``which_one`` where ``say_yes`` is said after a did-you-mean."""
    reply_yes: str
    """Said instead of ``say_yes`` after a question that came from no voice satellite:
    typed in Home Assistant's Assist dialog, or said into its microphone on a phone or in a
    browser, whose next turn needs no wake word."""
    reply_which: str
    """Said instead of ``say_which`` where ``reply_yes`` is said instead of ``say_yes``."""
    unsure: str
    """A did-you-mean that expects no yes or no: with ``{question}``, the question it
    proposes (ending in "?")."""
    unsure_between: str
    """The same between two questions, ``{question}`` and ``{other}``."""
    too_long: str
    """A typed question refused for its length: with ``{characters}``, its length, and
    ``{limit}``, the most taken."""


@dataclass(frozen=True)
class Visitor:
    """How visitors wrap and pad a question when they say it aloud."""

    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    fillers: tuple[str, ...]
    """Said in mid-sentence."""
    indirect: tuple[str, ...]
    """Templates with ``{q}``, the question without its question mark."""
    slips: tuple[tuple[str, str], ...]
    """(said, written) pairs of short words a small recognizer gets wrong; "" when dropped."""


@dataclass(frozen=True)
class Language:
    """The words of one language that the code needs (see ``lang/en.yaml``)."""

    code: str
    stopwords: frozenset[str]
    """Function words that never decide which entry a question means."""
    fillers: frozenset[str]
    """Hesitations and discourse words, dropped before matching."""
    wrappers: tuple[str, ...]
    """Phrases that wrap a question without being part of it."""
    contractions: dict[str, str]
    """Whole contracted words and their written-out forms."""
    contraction_endings: tuple[tuple[str, str], ...]
    """Endings of other contractions and what they become, in the order they are tried."""
    ones: tuple[str, ...]
    """Number words from zero to nineteen."""
    tens: tuple[str, ...]
    """Number words for the tens ("" for zero and ten)."""
    scales: tuple[tuple[str, int], ...]
    """Words for powers of ten, largest first."""
    ordinals: dict[str, str]
    """Irregular ordinals ("one": "first"); the rest add "th"."""
    list_ordinals: tuple[str, ...]
    """How the items of a numbered list are read ("First", "Second", ...)."""
    always_capitalised: frozenset[str]
    """Words written with a capital wherever they stand ("I"), besides the days and months."""
    spoken_symbols: dict[str, str]
    """How written symbols are read: or, and, percent, range, at, slash, per, plus, by (the
    "x" between dimensions), times (the "x" after a number alone) and step (a menu path's
    "&gt;" or arrow)."""
    tags_said: dict[str, str]
    """How a tag written as text ("\\<b>") is read: "opening" and "closing", each with the
    tag's ``{name}``."""
    marks_said: dict[str, str]
    """The names of the marks an answer may write as text standing alone ("\\*"), as read."""
    keypad_said: dict[str, str]
    """How the "*" and "#" keys of a phone's keypad are read in a code to dial ("star")."""
    comparisons: dict[str, str]
    """Comparison signs and how they are read before a number or a word ("<": "less than",
    "≥": "at least")."""
    describing_before: frozenset[str]
    """Words before an amount or a measure that make it describe the next word, its unit said
    in the singular ("a £30 deposit": "a 30 pound deposit")."""
    currencies: dict[str, tuple[str, str]]
    """Currency symbol -> the names of its unit and of its hundredth, singular."""
    said_as: dict[str, str]
    """Written forms read as other words wherever they stand ("24/7": "24 7")."""
    said_as_in_lowercase: dict[str, str]
    """Written forms read as other words only as written, in lowercase ("inc.": "including";
    "Acme Inc." is a name)."""
    before_number: dict[str, str]
    """Short forms read as a word only before a number ("No.": "number")."""
    number_labels: frozenset[str]
    """Words (in lowercase) after which a number is a label, never a date ("page 13/2")."""
    plurals_without_s: frozenset[str]
    """Plurals with no "s" ("people"), counted things as any plural is."""
    unit_other_words: dict[str, tuple[str, frozenset[str]]]
    """A unit's short form -> the word it stands for before one of some words ("10 min
    spend": minimum), and those words."""
    sound_words: frozenset[str]
    """Words whisper writes in capitals for a sound, not speech ("MUSIC PLAYING.")."""
    before_time: frozenset[str]
    """Words (in lowercase) after which "9.30" is a time of day."""
    per_short_forms: dict[str, str]
    """Short forms after an amount of money ("pp": "per person")."""
    rate_words: frozenset[str]
    """Words (in lowercase) a spaced "/" after an amount reads "per" before ("£35 / month")."""
    name_beside_words: frozenset[str]
    """Words (in lowercase) that make a short day or month that is also a word a name."""
    street_short_forms: dict[str, str]
    """Street words written short ("St": "Street"), read in full after a name."""
    fractions: dict[str, tuple[str, str]]
    """A fraction as written -> said alone and after a whole number ("and a half")."""
    service_numbers: tuple[str, ...]
    """Emergency and health line numbers, said digit by digit ("111") in a sentence with one
    of ``service_number_cues``."""
    service_number_cues: tuple[str, ...]
    """Words that make a service number one to dial ("call", "NHS"), any case."""
    service_numbers_after_cue: frozenset[str]
    """Service numbers dialled only just after a cue ("Ring 101"; "101 High Street" is not)."""
    scale_abbreviations: dict[str, str]
    """Short forms of the scales after an amount of money ("m": "million")."""
    units: dict[str, tuple[str, str]]
    """Unit of measure as written -> its name in the singular and in the plural."""
    days: tuple[str, ...]
    """The days of the week by name, Monday first."""
    months: tuple[str, ...]
    """The months by name, January first."""
    name_short_forms: dict[str, str]
    """Short forms of days and months -> their names ("Mon": "Monday")."""
    name_short_forms_also_words: frozenset[str]
    """Short forms that are also words ("Sat"), names only beside a number or a name."""
    date_order: str
    """The order of a date written in numbers: "dmy" or "mdy"."""
    ordinal_suffixes: tuple[str, ...]
    """What follows a day of the month written in figures ("st", "th")."""
    clock_suffixes: tuple[str, ...]
    """What follows a time of day on the twelve-hour clock ("am", "pm")."""
    clock_words: dict[str, str]
    """How a time on the hour and a minute under ten are said: o_clock, hundred (after an
    hour past noon on the 24-hour clock), oh (before a minute under ten), midnight, noon (a
    "12" before "noon" or "midnight" is not said)."""
    hours_and_minutes: tuple[str, str]
    """The words for the hour and the minute of a length of time written short ("1h 30m")."""
    abbreviations: dict[str, str]
    """Abbreviations read as words ("hrs": "hours")."""
    plurals: dict[str, str]
    """Irregular plurals ("penny": "pence")."""
    plural_endings: tuple[tuple[str, str], ...]
    """Endings of other words and what they become in the plural, in the order they are tried."""
    commands: dict[str, tuple[str, ...]]
    """Follow-up command -> the phrases that say it."""
    command_edges: frozenset[str]
    """Words dropped at either end of a command."""
    command_leading: frozenset[str]
    """Words dropped before a command, though a command on their own."""
    yes_leading: frozenset[str]
    """Words that say yes at the start of a longer reply to a did-you-mean."""
    barge_in: tuple[str, ...]
    """Words that stop a reply when heard while the kiosk speaks."""
    greetings: frozenset[tuple[str, ...]]
    """What greets the kiosk ("hello", "good morning"), as words said."""
    asking_for_help: frozenset[tuple[str, ...]]
    """What asks the kiosk what it can do ("what can you do", "help"), as words said."""
    one_word_answers: frozenset[str]
    """Answers of one word to a yes-or-no question ("yes", "free"), in a spreadsheet's row."""
    catch_all_topics: frozenset[str]
    """Names of a section that holds what the others do not ("other", "general"), as their
    words (``catch_all``)."""
    section_title_words: tuple[str, ...]
    """Words around a section's subject that say only that it holds questions ("FAQs"),
    longest first."""
    asking_words: frozenset[str]
    """Words of a question that ask, not what it asks about ("where", "bring", "allowed"):
    ``knotvoice report`` groups questions by their other words."""
    yes_no_openers: frozenset[str]
    """Words that open a yes-or-no question ("are", "is")."""
    helper_openers: frozenset[str]
    """Helping verbs that open one before a ``helper_subjects`` word ("can I", "do you")."""
    helper_subjects: frozenset[str]
    """Words after which a helping verb opens a question."""
    leaning_openers: frozenset[tuple[str, ...]]
    """What opens a question that leans on the one before it ("and", "what about")."""
    leaning_words: frozenset[str]
    """Words that point back to the question before ("it", "they")."""
    leaning_asking: frozenset[str]
    """Words that ask of the entry before, not about something else ("much", "cost")."""
    leaning_price_asks: frozenset[str]
    """Words that ask a price ("much", "cost")."""
    leaning_priced: frozenset[str]
    """Words besides a currency's that say an answer names a price ("free", "fee")."""
    leaning_most_words: int
    """The most words a question leaning on the one before it has."""
    gratitude: frozenset[str]
    """Words that thank ("thanks", "cheers"), not only take in an answer ("cool", "got
    it"): a thanks is told "You're welcome"."""
    leaving: frozenset[tuple[str, ...]]
    """Stop phrases that end the visit ("bye", "never mind"), as words said."""
    question_openers: frozenset[str]
    """Words a question opens with ("what", "is"): a bold line of an FAQ whose questions are
    in bold is one without its "?"."""
    closings: tuple[str, ...]
    """How an FAQ's closing words after its last answer open, lowercase ("we look forward
    to", "questions?")."""
    stopped_short: tuple[str, ...]
    """Words whose stop ends no sentence ("Dr" of "Dr. Patel", "a.m" of "9 a.m. Monday"),
    as written without it."""
    placeholder_answers: frozenset[str]
    """What an answer still to be written says ("todo", "tbc"), as its words."""
    no_entry: frozenset[str]
    """What a manifest's expected column may say for no entry ("none", "n a"), as its
    words."""
    page_footers: tuple[str, ...]
    """How the lines that end a web page open, lowercase: its copyright line, a cookie
    banner ("copyright 20", "we use cookies")."""
    page_footer_titles: frozenset[str]
    """The titles of a web page's footer's columns ("find us"), as their words."""
    page_links: frozenset[str]
    """The links of a web page's menu ("home", "contact"), as their words."""
    page_signups: tuple[tuple[str, ...], ...]
    """What a web page's sign-up box says ("mailing list", "subscribe"), each as its
    words."""
    page_signup_fields: tuple[tuple[str, ...], ...]
    """What a sign-up box's field for an e-mail address says ("your email"), each as its
    words."""
    columns: dict[str, frozenset[str]]
    """A spreadsheet's column names, lowercase, by the field they hold: question, answer,
    id, alternatives, topic, keywords, spoken."""
    column_titles: dict[str, str]
    """The name of each field's column in an exported sheet: the first of its names,
    capitalised ("Question")."""
    labels: dict[str, tuple[str, ...]]
    """The labels of a text FAQ's questions ("question": "q", ...) and answers ("answer")."""
    topic_lead_ins: tuple[str, ...]
    """Said before a topic to ask about it alone ("what about")."""
    topic_fillers: frozenset[str]
    """Words said around a topic asked about alone ("the", "please")."""
    answer_prompt: str
    """What a did-you-mean's answer is likely to be, for the recognizer (``expect``)."""
    repeat_prompt: str
    """What is likely to be said over an answer, for the recognizer (``expect``)."""
    replies: Replies
    stems: dict[str, str]
    """Irregular word forms and the stem they share ("worse": "wors")."""
    stem_endings: tuple[str, ...]
    """Endings a stem drops, tried in order."""
    visitor: Visitor
    offtopic: tuple[str, ...]
    """Everyday things people say to a kiosk that no one FAQ answers (``<code>-offtopic.txt``)."""
    unfinished_last_words: frozenset[str]
    """Words that never end a sentence ("the", "to", "um")."""
    unfinished_helpers: frozenset[str]
    """Helping verbs ("should"): with one of ``unfinished_subjects`` after it, the words
    that end a question not over ("how often should I")."""
    unfinished_subjects: frozenset[str]
    """Subjects of a helping verb ("I", "we"), lowercase."""
    unfinished_marks: tuple[str, ...]
    """Marks a recognizer ends a text with for a voice that trails off ("...", ",")."""

    def unfinished(self, text: str) -> bool:
        """Whether ``text``, what a visitor said up to a pause, shows that the sentence is not
        over: "Can I buy a...", "How often should I?", "Is there, um"."""
        if text.rstrip().endswith(self.unfinished_marks):
            return True
        said = self.said(text)
        if not said:
            return False
        if said[-1] in self.unfinished_last_words:
            return True
        if len(said) < 2 or said[-1] not in self.unfinished_subjects:
            return False
        helper = said[-2]
        return helper in self.unfinished_helpers and not self._tag(text, helper)

    def _tag(self, text: str, helper: str) -> bool:
        """Whether ``text``, ending in ``helper`` and its subject, ends in a tag question: a
        statement holding the same helping verb, a comma, then the two ("I can do it
        myself, can I?", "Knots don't last, do they?"), not the two said twice ("How can
        I, can I")."""
        statement, comma, tag = text.rpartition(",")
        before, tagged = self.said(statement), words(tag)
        return bool(comma) and len(tagged) == 2 and helper in before and before[-2:] != tagged

    def catch_all(self, name: str) -> bool:
        """Whether a section's or topic's ``name`` holds what the others do not ("Other",
        "General questions"): no subject a visitor asks about."""
        return " ".join(words(name)) in self.catch_all_topics

    def asks_yes_or_no(self, topic: str) -> bool:
        """Whether ``topic`` is written as a yes-or-no question ("are knots dangerous", "can
        I park here"), which reads badly in "You can ask me about ...": three words or more,
        the first one of ``yes_no_openers``, or of ``helper_openers`` before one of
        ``helper_subjects`` ("can recycling collection" is a subject)."""
        said = words(topic)
        if len(said) < 3 or "-" in topic.split()[0]:  # "Do-it-yourself repairs"
            return False
        return said[0] in self.yes_no_openers or (
            said[0] in self.helper_openers and said[1] in self.helper_subjects
        )

    def follow_up_words(self) -> frozenset[str]:
        """Every word the follow-up commands are said with ("yes", "pardon", "slower"), with
        the words allowed around them."""
        said = {word for phrases in self.commands.values() for p in phrases for word in p.split()}
        return frozenset(said | self.command_edges | self.command_leading)

    def said(self, text: str) -> list[str]:
        """The words of ``text`` as said, lowercase, each contraction written out as its words
        ("won't" -> "will", "not"; "wanna" -> "want", "to")."""
        return [part for word in words(text) for part in self.expand(word).split()]

    def expand(self, word: str) -> str:
        """A lowercase word with its contraction written out ("won't" -> "will not",
        "they're" -> "they are", "kiosk's" -> "kiosk"); other words as they are, without
        apostrophes."""
        if word in self.contractions:
            return self.contractions[word]
        for ending, replacement in self.contraction_endings:
            if word.endswith(ending) and len(word) > len(ending):
                return word[: -len(ending)] + replacement
        return word.replace("'", "")

    def plural(self, word: str) -> str:
        """The plural of a lowercase word ("hour" -> "hours", "penny" -> "pence")."""
        if word in self.plurals:
            return self.plurals[word]
        for ending, replacement in self.plural_endings:
            if word.endswith(ending):
                return word[: len(word) - len(ending)] + replacement
        return word

    def singular(self, word: str) -> str:
        """The singular of a lowercase plural ("hours" -> "hour", "pence" -> "penny"); other
        words as they are."""
        for one, many in self.plurals.items():
            if many == word:
                return one
        for ending, replacement in self.plural_endings:
            if replacement and word.endswith(replacement):
                one = word[: len(word) - len(replacement)] + ending
                if self.plural(one) == word:
                    return one
        return word


def _text_list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data[key]
    if isinstance(value, str):
        return tuple(value.split())
    for item in value:
        if not isinstance(item, str):  # YAML's unquoted on, off, yes, no, 0111, 1:30
            raise ValueError(
                f"{key}: an unquoted yes, no, on, off or number is not read as written; "
                "quote each word of the list"
            )
    return tuple(value)


def _phrases(data: dict[str, Any], key: str) -> frozenset[tuple[str, ...]]:
    """The phrases listed under ``key``, each as its words."""
    return frozenset(tuple(words(phrase)) for phrase in _text_list(data, key))


@functools.cache
def load(code: str = "en") -> Language:
    """The language ``code`` from its data file (read once)."""
    folder = resources.files("knotvoice.lang")
    try:
        text = folder.joinpath(f"{code}.yaml").read_text("utf-8")
        offtopic = folder.joinpath(f"{code}-offtopic.txt").read_text("utf-8")
    except FileNotFoundError:
        raise KnotvoiceError(f"no language data for {code!r}; knotvoice speaks 'en'") from None
    data: dict[str, Any] = yaml.safe_load(text)
    visitor = data["visitor"]
    unfinished = data["unfinished"]
    numbers = data["numbers"]
    scales = sorted(((str(k), int(v)) for k, v in numbers["scales"].items()), key=lambda s: -s[1])
    return Language(
        code=str(data["code"]),
        stopwords=frozenset(_text_list(data, "stopwords")),
        fillers=frozenset(_text_list(data, "fillers")),
        wrappers=_text_list(data, "wrappers"),
        contractions={str(k): str(v) for k, v in data["contractions"].items()},
        contraction_endings=tuple((str(a), str(b)) for a, b in data["contraction_endings"]),
        ones=tuple(str(word) for word in numbers["ones"]),
        tens=tuple(str(word) for word in numbers["tens"]),
        scales=tuple(scales),
        ordinals={str(k): str(v) for k, v in numbers["ordinals"].items()},
        list_ordinals=tuple(str(word) for word in numbers["list_ordinals"]),
        always_capitalised=frozenset(_text_list(data, "always_capitalised")),
        spoken_symbols={str(k): str(v) for k, v in data["spoken_symbols"].items()},
        tags_said={str(k): str(v) for k, v in data["tags_said"].items()},
        marks_said={str(k): str(v) for k, v in data["marks_said"].items()},
        keypad_said={str(k): str(v) for k, v in data["keypad_said"].items()},
        comparisons={str(k): str(v) for k, v in data["comparisons"].items()},
        describing_before=frozenset(_text_list(data, "describing_before")),
        currencies={str(k): (str(v[0]), str(v[1])) for k, v in data["currencies"].items()},
        said_as={str(k): str(v) for k, v in data["said_as"].items()},
        said_as_in_lowercase={str(k): str(v) for k, v in data["said_as_in_lowercase"].items()},
        before_number={str(k): str(v) for k, v in data["before_number"].items()},
        number_labels=frozenset(word.lower() for word in _text_list(data, "number_labels")),
        plurals_without_s=frozenset(_text_list(data, "plurals_without_s")),
        unit_other_words={
            str(unit): (str(other["said"]), frozenset(_text_list(other, "before")))
            for unit, other in data["unit_other_words"].items()
        },
        sound_words=frozenset(word.lower() for word in _text_list(data, "sound_words")),
        before_time=frozenset(word.lower() for word in _text_list(data, "before_time")),
        per_short_forms={str(k): str(v) for k, v in data["per_short_forms"].items()},
        rate_words=frozenset(word.lower() for word in _text_list(data, "rate_words")),
        name_beside_words=frozenset(word.lower() for word in _text_list(data, "name_beside_words")),
        street_short_forms={str(k): str(v) for k, v in data["street_short_forms"].items()},
        fractions={str(k): (str(v[0]), str(v[1])) for k, v in data["fractions"].items()},
        service_numbers=_text_list(data, "service_numbers"),
        service_number_cues=_text_list(data, "service_number_cues"),
        service_numbers_after_cue=frozenset(_text_list(data, "service_numbers_after_cue")),
        scale_abbreviations={str(k): str(v) for k, v in data["scale_abbreviations"].items()},
        units={str(k): (str(v[0]), str(v[1])) for k, v in data["units"].items()},
        days=_text_list(data, "days"),
        months=_text_list(data, "months"),
        name_short_forms={str(k): str(v) for k, v in data["name_short_forms"].items()},
        name_short_forms_also_words=frozenset(_text_list(data, "name_short_forms_also_words")),
        date_order=str(data["date_order"]),
        ordinal_suffixes=_text_list(data, "ordinal_suffixes"),
        clock_suffixes=_text_list(data, "clock_suffixes"),
        clock_words={str(k): str(v) for k, v in data["clock_words"].items()},
        hours_and_minutes=(
            str(data["hours_and_minutes"][0]),
            str(data["hours_and_minutes"][1]),
        ),
        abbreviations={str(k): str(v) for k, v in data["abbreviations"].items()},
        plurals={str(k): str(v) for k, v in data["plurals"].items()},
        plural_endings=tuple((str(a), str(b)) for a, b in data["plural_endings"]),
        commands={str(k): tuple(str(p) for p in v) for k, v in data["commands"].items()},
        command_edges=frozenset(_text_list(data, "command_edges")),
        command_leading=frozenset(_text_list(data, "command_leading")),
        yes_leading=frozenset(_text_list(data, "yes_leading")),
        barge_in=_text_list(data, "barge_in"),
        greetings=_phrases(data, "greetings"),
        asking_for_help=_phrases(data, "asking_for_help"),
        one_word_answers=frozenset(_text_list(data, "one_word_answers")),
        asking_words=frozenset(_text_list(data, "asking_words")),
        question_openers=frozenset(_text_list(data, "question_openers")),
        yes_no_openers=frozenset(_text_list(data, "yes_no_openers")),
        helper_openers=frozenset(_text_list(data, "helper_openers")),
        helper_subjects=frozenset(_text_list(data, "helper_subjects")),
        leaning_openers=_phrases(data["leaning"], "openers"),
        leaning_words=frozenset(_text_list(data["leaning"], "words")),
        leaning_asking=frozenset(_text_list(data["leaning"], "asking")),
        leaning_price_asks=frozenset(_text_list(data["leaning"], "price_asks")),
        leaning_priced=frozenset(_text_list(data["leaning"], "priced")),
        leaning_most_words=int(data["leaning"]["most_words"]),
        gratitude=frozenset(_text_list(data, "gratitude")),
        leaving=_phrases(data, "leaving"),
        closings=_text_list(data, "closings"),
        stopped_short=_text_list(data, "stopped_short"),
        placeholder_answers=frozenset(
            " ".join(words(text)) for text in _text_list(data, "placeholder_answers")
        ),
        no_entry=frozenset(" ".join(words(text)) for text in _text_list(data, "no_entry")),
        page_footers=_text_list(data, "page_footers"),
        page_footer_titles=frozenset(
            " ".join(words(title)) for title in _text_list(data, "page_footer_titles")
        ),
        page_links=frozenset(" ".join(words(link)) for link in _text_list(data, "page_links")),
        page_signups=tuple(tuple(words(said)) for said in _text_list(data, "page_signups")),
        page_signup_fields=tuple(
            tuple(words(said)) for said in _text_list(data, "page_signup_fields")
        ),
        section_title_words=tuple(
            sorted(
                (" ".join(words(name)) for name in _text_list(data, "section_title_words")),
                key=len,
                reverse=True,
            )
        ),
        catch_all_topics=frozenset(
            " ".join(words(name)) for name in _text_list(data, "catch_all_topics")
        ),
        columns={
            str(field): frozenset(str(name).lower() for name in names)
            for field, names in data["columns"].items()
        },
        column_titles={
            str(field): str(names[0])[:1].upper() + str(names[0])[1:]
            for field, names in data["columns"].items()
        },
        labels={
            str(kind): tuple(str(label).lower() for label in labels)
            for kind, labels in data["labels"].items()
        },
        topic_lead_ins=_text_list(data, "topic_lead_ins"),
        topic_fillers=frozenset(_text_list(data, "topic_fillers")),
        answer_prompt=str(data["answer_prompt"]),
        repeat_prompt=str(data["repeat_prompt"]),
        replies=Replies(**{str(k): str(v) for k, v in data["replies"].items()}),
        stems={str(k): str(v) for k, v in data["stems"].items()},
        stem_endings=tuple(str(e) for e in data["stem_endings"]),
        visitor=Visitor(
            prefixes=_text_list(visitor, "prefixes"),
            suffixes=_text_list(visitor, "suffixes"),
            fillers=_text_list(visitor, "fillers"),
            indirect=_text_list(visitor, "indirect"),
            slips=tuple((str(said), str(written)) for said, written in visitor["slips"]),
        ),
        offtopic=tuple(
            line.strip()
            for line in offtopic.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ),
        unfinished_last_words=frozenset(_text_list(unfinished, "last_words")),
        unfinished_helpers=frozenset(_text_list(unfinished, "helpers")),
        unfinished_subjects=frozenset(_text_list(unfinished, "subjects")),
        unfinished_marks=_text_list(unfinished, "marks"),
    )


def english() -> Language:
    """English, the language of every word the kiosk hears and says today."""
    return load("en")
