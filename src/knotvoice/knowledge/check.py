"""Checking a knowledge file: every problem at once, and what will work badly by voice.

``lint`` lists the errors ``load`` would stop at and the warnings a person should act on:
symbols an answer still holds once made ready to speak (read out by name), entries with
too few ways of asking, repeated phrasings, missing
topics, recognition-slip repairs that can never match, and (given a speech model's
vocabulary) words the recognizer cannot hear.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from knotvoice.knowledge import (
    Entry,
    Knowledge,
    Lines,
    Problem,
    line_of,
    phrase_key,
    read,
    vocabulary,
    words_of,
)
from knotvoice.lang import english, unaccented
from knotvoice.markup import EMAIL, WEB_ADDRESS, OddReference, html_tags, odd_references
from knotvoice.match.calibration import Example, Judged
from knotvoice.match.text import STOPWORDS, normalize
from knotvoice.settings import VoiceSettings
from knotvoice.speech.speakable import speakable
from knotvoice.speech.tts import LONG_REPLY_WORDS
from knotvoice.turn import command_of

__all__ = [
    "MIN_ALTERNATIVES",
    "CheckReport",
    "Confused",
    "EntryFigures",
    "check_calibration",
    "comment_cuts",
    "lint",
]

MIN_ALTERNATIVES = 3
"""Fewer alternatives than this earn a warning: people rarely ask in the canonical words."""

# Symbols the speech engine reads out by name ("equals", "section", "asterisk"), when an
# answer made ready to speak (``speakable``) still holds them.
_BAD_SPOKEN_CHARS = "*#/\\<>[]{}_~@=\u00a7"


_COMMENT_IN_TEXT = re.compile(r"\s(#\S.*)$")
"""What follows a plain text on its line when it is a comment that cut the text short ("#5
upstairs"); one written as a comment has a space after its "#" ("# and so on")."""


def comment_cuts(path: Path, source: str) -> list[Problem]:
    """Text after an unquoted " #" is a YAML comment: "room #5" in a plain answer loses "#5"
    (and all after it) without an error. One warning per such line: a plain (unquoted) text
    followed on its last line by a comment that reads as text. A text in quotes or in a
    block (``|``, ``>``) keeps its "#", over as many lines as it goes on."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = text.splitlines()
    found: list[Problem] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if not isinstance(token, yaml.ScalarToken) or not token.plain:
                continue
            end = token.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            cut = _COMMENT_IN_TEXT.match(rest) if rest[:1].isspace() else None
            if cut is None:
                continue
            lost = cut.group(1)
            lost = lost if len(lost) <= 30 else f"{lost[:27]}..."
            message = (
                f"line {end.line + 1}: ' #' starts a YAML comment, so {lost!r} is left out of "
                "the text; put the whole text in quotes"
            )
            found.append(Problem("warning", None, "", message, source))
    except yaml.YAMLError:
        pass  # the file does not load: `read` says where
    return found


def lint(path: str | Path, known: Callable[[str], bool] | None = None) -> list[Problem]:
    """Every problem of a knowledge file: the errors ``load`` would raise, then warnings.

    Warnings: answers of two words or fewer, answers two entries share, an ending most
    answers share ("Still need help? Contact us."), answers whose symbols
    will be read out badly and have no ``spoken`` form, spoken
    forms with such symbols, replies of over ``LONG_REPLY_WORDS`` words, text cut short by an
    unquoted " #", entries with fewer than ``MIN_ALTERNATIVES`` alternatives, phrases
    of one entry that are the same after normalising case and punctuation, missing topics,
    misheard forms that normalising changes (so they never match), unknown fields. With
    ``known`` (e.g. ``VoskModel.knows``), one warning per word of the questions, alternatives
    and keywords the speech model does not know.
    """
    knowledge, problems = read(Path(path))
    if knowledge is not None:
        source = str(path)
        for entry, lines in _placed(knowledge):
            problems.extend(_entry_warnings(entry, source, lines))
        problems.extend(_accent_twins(_placed(knowledge), source))
        problems.extend(_answer_twins(_placed(knowledge), source))
        problems.extend(_shared_ending(_placed(knowledge), source))
        problems.extend(_repair_warnings(knowledge, source))
        problems.extend(language_warnings(knowledge.entries, source))
        problems.extend(comment_cuts(Path(path), source))
        if known is not None and not any(p.severity == "error" for p in problems):
            problems.extend(_vocabulary_problems(knowledge, known))
    return sorted(problems, key=lambda p: p.severity != "error")


def _placed(knowledge: Knowledge) -> list[tuple[Entry, Lines | None]]:
    """Each entry with where it is written: a warning names the line, which tells apart two
    entries given the same id (an error, but each is still warned of)."""
    if len(knowledge.lines) != len(knowledge.entries):
        return [(entry, None) for entry in knowledge.entries]
    return list(zip(knowledge.entries, knowledge.lines, strict=True))


SHORT_ANSWER_WORDS = 2
"""A reply of this many words or fewer ("Yes.", "£5.") says nothing of what it answers; the
shortest of every FAQ in ``knowledge/`` and ``audio_fixtures/`` has more."""
LONG_QUESTION_WORDS = 25
"""A question of more words is too long to read out to a visitor; the longest of every FAQ in
``knowledge/`` and ``audio_fixtures/`` has 13."""
ENGLISH_SHARE = 0.2
"""A knowledge whose words are less often than this English function words (they are 38 to
55% of the words of every English FAQ in ``knowledge/`` and ``audio_fixtures/typed/``, 5% of
a German one) is not taken for English."""
ENGLISH_MIN_WORDS = 30
"""Fewer words (or letters, in a script other than the Latin alphabet) than this say too
little of the language they are in."""
_LATIN_LAST = "\u024f"
"""The last letter of the Latin alphabets (accented letters included): a letter after it is
of another script (Greek, Cyrillic, Arabic, Japanese, ...)."""


def english_share(texts: Sequence[str]) -> tuple[float, int]:
    """Of the words of ``texts``, the share that are English function words (the language
    data's stopwords), and how many words there are; web and e-mail addresses are no
    language's words ("?page=1&section=opening" is not German)."""
    words = [
        word for text in texts for word in words_of(EMAIL.sub(" ", WEB_ADDRESS.sub(" ", text)))
    ]
    return sum(word in STOPWORDS for word in words) / max(1, len(words)), len(words)


def language_warnings(entries: Sequence[Entry], source: str) -> list[Problem]:
    """One warning when the entries' questions and answers do not look like English: the
    speech recognizers, the matcher's word lists and the kiosk's own replies are English."""
    texts = [text for entry in entries for text in (*entry.phrases, entry.answer)]
    share, count = english_share(texts)
    # NFKC: full-width Latin letters (as a Japanese keyboard types them) are the Latin ones
    letters = [c for text in texts for c in unicodedata.normalize("NFKC", text) if c.isalpha()]
    other = sum(char > _LATIN_LAST for char in letters) / max(1, len(letters))
    if len(letters) >= ENGLISH_MIN_WORDS and other > 0.5:
        # Japanese or Chinese write no spaces: a sentence is one "word" to ``english_share``
        why = f"{100 * other:.0f}% of their letters are not English letters"
    elif count >= ENGLISH_MIN_WORDS and share < ENGLISH_SHARE:
        why = (
            f"{100 * share:.0f}% of their words are common English words, where English has "
            "over a third"
        )
    else:
        return []
    return [
        Problem(
            "warning",
            None,
            "entries",
            f"do not look like English ({why}); knotvoice hears, matches and speaks "
            "English: questions in another language will not be heard or answered",
            source,
        )
    ]


def long_speech_warnings(
    entries: Sequence[Entry], source: str, lines: Lines | None = None
) -> list[Problem]:
    """One warning per entry whose reply, as read aloud, has over ``LONG_REPLY_WORDS``
    words: a visitor will not stand through it. ``lines``: where the one entry given is
    written."""
    found: list[Problem] = []
    for entry in entries:
        count = len(words_of(entry.speech))
        if count <= LONG_REPLY_WORDS:
            continue
        minutes = max(1, round(count / VoiceSettings().rate))
        what = "write it shorter" if entry.spoken else "add a 'spoken' form"
        field = "spoken" if entry.spoken else "answer"
        too_long = (
            " (a reply of thousands of words may not be spoken at all: its speech takes longer "
            "to make than the kiosk waits)"
            if count >= 1000
            else ""
        )
        found.append(
            Problem(
                "warning",
                entry.id,
                field,
                f"is {count} words, about {minutes} min read aloud{too_long}; {what} of under "
                "about 60 words",
                source,
                line_of(lines, field),
            )
        )
    return found


def long_question_warnings(
    entries: Sequence[Entry], source: str, lines: Lines | None = None
) -> list[Problem]:
    """One warning per entry whose question has over ``LONG_QUESTION_WORDS`` words: it is
    read out to visitors, in a did-you-mean and as a question to ask when theirs is turned
    away. ``lines``: where the one entry given is written."""
    return [
        Problem(
            "warning",
            entry.id,
            "question",
            f'is {count} words; it is read out to visitors ("Did you mean ...?", and as a '
            f"question to ask when theirs is turned away): ask it in {LONG_QUESTION_WORDS} "
            "words or fewer, as a visitor would, and put the detail in the answer",
            source,
            line_of(lines, "question"),
        )
        for entry in entries
        if (count := len(words_of(entry.question))) > LONG_QUESTION_WORDS
    ]


def _entry_warnings(entry: Entry, source: str, lines: Lines | None) -> list[Problem]:
    found = long_speech_warnings([entry], source, lines)
    found += long_question_warnings([entry], source, lines)

    def warn(field: str, message: str) -> None:
        found.append(Problem("warning", entry.id, field, message, source, line_of(lines, field)))

    said = words_of(entry.answer)  # "T.B.C." as "tbc" too
    if not said or {" ".join(said), "".join(said)} & english().placeholder_answers:
        warn(
            "answer",
            f"{entry.answer.strip()!r} is no answer yet; the kiosk would read it out as it "
            "is: write the answer",
        )
    elif len(words_of(entry.speech)) <= SHORT_ANSWER_WORDS:
        field = "spoken" if entry.spoken else "answer"
        warn(
            field,
            f"{entry.speech.strip()!r} does not say what it answers: a visitor whose question "
            "was misheard cannot tell it is not theirs; answer in a sentence that does (not "
            "'Yes.' but 'Yes, you can park behind the hall.')",
        )
    for field, text in (("question", entry.question), ("answer", entry.answer)):
        if tags := html_tags(text):
            warn(
                field,
                f"has HTML tags ({_listed(tags)}), which the screen shows as written and speech "
                f"leaves out; {_instead(tags)}",
            )
    if entry.spoken is not None and (tags := html_tags(entry.spoken)):
        warn("spoken", f"has HTML tags ({_listed(tags)}), which speech leaves out; remove them")
    for field, text in _texts(entry):
        if odd := odd_references(text):
            warn(
                field,
                f"has character references shown and read as written: {_odd_listed(odd)}",
            )
        if unseen := _invisible(text):
            warn(
                field,
                f"has characters no one sees ({unseen}), as copied text brings: they split "
                "words and can turn a line shown round; delete them",
            )
    if entry.spoken is None and (symbols := _read_badly(entry.answer)):
        warn("answer", f"has symbols read out badly ({symbols}); add a 'spoken' form")
    if entry.spoken is not None and (symbols := _read_badly(entry.spoken)):
        warn("spoken", f"has symbols read out badly ({symbols}); write them as words")
    if len(entry.alternatives) < MIN_ALTERNATIVES:
        warn(
            "alternatives",
            f"only {len(entry.alternatives)}; add at least "
            f"{MIN_ALTERNATIVES} ways people would ask this aloud",
        )
    first: dict[str, str] = {}
    for field, phrase in _phrasings(entry):
        key = phrase_key(phrase)
        if key in first:
            warn(
                field,
                f"{phrase!r} is the same as {first[key]} once case and "
                "punctuation are ignored; remove one",
            )
        elif key:
            first[key] = field
    if not entry.topic:
        warn("topic", "missing; add 2-4 words naming the entry")
    elif english().asks_yes_or_no(entry.topic):
        told = english().replies.topics.format(topics=entry.topic)
        warn(
            "topic",
            f"{entry.topic!r} is a yes-or-no question, which the kiosk does not name to a "
            f'visitor turned away ("{told}" reads badly); name its subject, or begin it '
            'with "whether"',
        )
    return found


def _answer_twins(placed: list[tuple[Entry, Lines | None]], source: str) -> list[Problem]:
    """One warning per entry whose answer is another's, word for word (case and punctuation
    aside): the two are one entry asked two ways, and the matcher weighs them apart."""
    first: dict[str, str] = {}
    found: list[Problem] = []
    for entry, lines in placed:
        said = " ".join(words_of(entry.answer))
        if len(said.split()) <= SHORT_ANSWER_WORDS:
            continue  # warned of as too short to say what it answers
        if said not in first:
            first[said] = entry.id
            continue
        other = first[said]
        message = (
            f"is the answer of entry {other} too; make them one entry: put this entry's "
            f"question among {other}'s alternatives"
        )
        found.append(
            Problem("warning", entry.id, "answer", message, source, line_of(lines, "answer"))
        )
    return found


def _shared_ending(placed: list[tuple[Entry, Lines | None]], source: str) -> list[Problem]:
    """One warning, at the first of them, of answers most of which end alike ("Still need
    help? Contact us.", imported before the import left it out), as the kiosk says them
    (their spoken forms, where they have them): it says it after every answer."""
    from knotvoice.knowledge.faq_import import shared_ending

    ending, sharing = shared_ending([entry.spoken or entry.answer for entry, _ in placed])
    if not ending:
        return []
    entry, lines = placed[sharing[0]]
    field = "spoken" if entry.spoken else "answer"
    message = (
        f"it and {len(sharing) - 1} other answers end with {ending!r}, which the kiosk says "
        "after each of them; take it out of those that do not need it"
    )
    return [Problem("warning", entry.id, field, message, source, line_of(lines, field))]


def _phrasings(entry: Entry) -> list[tuple[str, str]]:
    """The entry's question and alternatives, each with the field that holds it."""
    return [("question", entry.question)] + [
        (f"alternatives[{i}]", alt) for i, alt in enumerate(entry.alternatives)
    ]


_WRITTEN_WITH = "\u200c\u200d\u200e\u200f\u061c"
"""Invisible characters some scripts and emoji are written with: the joiners, and the marks
of a right-to-left text's direction."""
_TAGS = range(0xE0020, 0xE0080)
"""Tag characters: a flag emoji's letters (England's, Scotland's)."""


def _invisible(text: str) -> str:
    """The control and format characters of ``text`` (a zero-width space, a right-to-left
    override, a bell, a soft hyphen) other than a line's end, a tab and what a script or an
    emoji is written with (``_WRITTEN_WITH``, ``_TAGS``), as a warning lists them
    ("U+200B, U+202E"); "" when there is none."""
    found = (
        char
        for char in text
        if unicodedata.category(char) in ("Cc", "Cf")
        and char not in "\n\r\t" + _WRITTEN_WITH
        and ord(char) not in _TAGS
    )
    return ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(found))


def _texts(entry: Entry) -> list[tuple[str, str]]:
    """Each text of ``entry`` with its field, in the order written."""
    texts = [("question", entry.question)]
    texts += [(f"alternatives[{i}]", text) for i, text in enumerate(entry.alternatives)]
    texts += [("answer", entry.answer)] + ([("spoken", entry.spoken)] if entry.spoken else [])
    texts += [("topic", entry.topic)] if entry.topic else []
    return texts + [(f"keywords[{i}]", text) for i, text in enumerate(entry.keywords)]


def _odd_listed(odd: Sequence[OddReference], most: int = 4) -> str:
    """Character references left as written, as a warning lists them, each with what to
    write ("'&amp' (write '&amp;')"), at most ``most``."""
    said = []
    for reference in odd[:most]:
        if reference.twice:
            said.append(
                f"'&amp;{reference.written[1:]}' (encoded twice: write {reference.meant!r})"
            )
        elif reference.meant:
            said.append(f"{reference.written!r} (write {reference.meant!r})")
        elif reference.written.startswith("&#"):
            said.append(f"{reference.written!r} (no character's number)")
        else:
            said.append(f"{reference.written!r} (no character's name: check its spelling)")
    return ", ".join(said) + (", ..." if len(odd) > most else "")


_MARKDOWN_FOR = {
    "**bold**": ("b", "strong"),
    "*italic*": ("i", "em"),
    "a new line": ("br", "p", "div"),
    'lines starting "- " (or "1. ")': ("ul", "ol", "li"),
    'a line starting "# "': ("h1", "h2", "h3", "h4", "h5", "h6"),
    "[its text](address)": ("a",),
}
"""The markdown (``markup.py``) to write for the HTML elements it stands in for."""


def _listed(tags: Sequence[str], most: int = 4) -> str:
    """HTML ``tags`` as a warning lists them: their end tags ("</b>") only when there is
    nothing else, at most ``most``."""
    starts = [tag for tag in tags if not tag.startswith("</")] or list(tags)
    return ", ".join(starts[:most]) + (", ..." if len(starts) > most else "")


def _instead(tags: Sequence[str]) -> str:
    """What to write in place of HTML ``tags``: the markdown the screen shows and speech
    reads ("write **bold** for <b>"), and which tags to remove."""
    found = (re.match(r"</?([a-z0-9]+)", tag.lower()) for tag in tags)
    elements = list(dict.fromkeys(element.group(1) for element in found if element))
    swaps = []
    for markdown, these in _MARKDOWN_FOR.items():
        if named := [f"<{element}>" for element in elements if element in these]:
            swaps.append(f"{markdown} for {' and '.join(named)}")
    others = [
        f"<{element}>"
        for element in elements
        if not any(element in these for these in _MARKDOWN_FOR.values())
    ]
    if any(tag.startswith("<!--") for tag in tags):
        others.append("<!-- -->")
    said = [f"write {', '.join(swaps)}"] if swaps else []
    said += [f"remove {' and '.join(others)}"] if others else []
    return "; ".join(said)


def _accent_twins(placed: Sequence[tuple[Entry, Lines | None]], source: str) -> list[Problem]:
    """A phrasing another entry has but for its accents ("when is the cafe open", as a
    recognizer writes it, and "When is the café open?"): the same wording in two entries is
    an error, this one loads, and the question goes to either entry."""
    found: list[Problem] = []
    owner: dict[str, tuple[str, str, str]] = {}
    for entry, lines in placed:
        for field, phrase in _phrasings(entry):
            key = unaccented(phrase_key(phrase))
            if not key:
                continue
            other = owner.setdefault(key, (entry.id, field, phrase))
            if other[0] != entry.id and phrase_key(other[2]) != phrase_key(phrase):
                what = "the question" if other[1] == "question" else other[1]
                found.append(
                    Problem(
                        "warning",
                        entry.id,
                        field,
                        f"{phrase!r} is {what} of entry {other[0]} but for its accents "
                        f"({other[2]!r}): one question given to two entries; keep it in one",
                        source,
                        line_of(lines, field),
                    )
                )
    return found


def _repair_warnings(knowledge: Knowledge, source: str) -> list[Problem]:
    """A misheard form that normalising changes ("um", "please" dropped) never matches."""
    found: list[Problem] = []
    for repair in knowledge.matching.heard_as:
        for form in repair.heard:
            seen = normalize(form)
            if seen != form:
                found.append(
                    Problem(
                        "warning",
                        None,
                        f"matching.heard_as.{repair.replace}",
                        f"{form!r} never matches: questions read as {seen!r} before repairs "
                        "(fillers and politeness dropped); write it that way or remove it",
                        source,
                    )
                )
    return found


def _vocabulary_problems(knowledge: Knowledge, known: Callable[[str], bool]) -> list[Problem]:
    first_use: dict[str, tuple[str, int | None]] = {}
    for entry, lines in _placed(knowledge):
        for text in (*entry.phrases, *entry.keywords):
            for word in words_of(text):
                first_use.setdefault(word, (entry.id, lines.start if lines else None))
    return [
        Problem(
            "warning",
            first_use[word][0],
            "vocabulary",
            f"{word!r} is not in the speech model's vocabulary; it cannot be heard, reword it",
            knowledge.source,
            first_use[word][1],
        )
        for word in vocabulary(knowledge)
        if not known(word)
    ]


def _read_badly(text: str) -> str:
    """The symbols of ``text`` that are still there once it is made ready to speak
    (``speakable``: quotes, dashes, lists, links, amounts and units are read as said), as
    they are listed in a warning ("'=', '§'"); "" when there is none."""
    spoken = speakable(text)
    return ", ".join(repr(c) for c in dict.fromkeys(c for c in spoken if c in _BAD_SPOKEN_CHARS))


@dataclass(frozen=True)
class EntryFigures:
    """How the questions made from one entry's phrasings fare."""

    entry: str
    asked: int
    """Questions made from its phrasings (each left out, as said and as visitors say it)."""
    answered: int
    """... answered with this entry."""
    confirmed: int
    """... given a did-you-mean for this entry."""
    taken_for: dict[str, int]
    """... answered or proposed as another entry: how often each."""
    unchecked: int = 0
    """Questions made from its only phrasing, which stays in place while they are asked (an
    entry cannot be left with none): they say nothing of how visitors' own words fare, and
    are not counted in ``asked``."""


@dataclass(frozen=True)
class Confused:
    """Questions made from one entry's phrasings that were taken for another entry."""

    asked: str
    taken: str
    """The entry they were answered or proposed as."""
    count: int
    example: str
    """One of them: a question recorded at the kiosk when one was (the kiosk misjudged it
    with every phrasing in place), else a phrasing as written, else one as said."""
    source: str = "phrasing"
    """Where ``example`` comes from: ``recorded``, ``phrasing`` (asked as if the file did not
    hold it) or ``spoken`` (a phrasing as a visitor might say it, asked as if the file did
    not hold that phrasing)."""
    phrasing: str = ""
    """For a ``spoken`` example, the phrasing it was said from (empty when not known)."""


_EXAMPLE_FIRST = ("recorded", "phrasing")
"""The sources of the example of a pair of entries taken for one another, the one an
operator can best try or find first; any other (as said) comes after them."""


@dataclass(frozen=True)
class CheckReport:
    """What ``knotvoice knowledge check`` finds: how each entry fares, which entries are
    asked alike, which everyday questions would be answered, and what to do about it."""

    entries: tuple[EntryFigures, ...]
    confused: tuple[Confused, ...]
    """Pairs of entries (asked, taken for), most often first."""
    offtopic_answered: tuple[tuple[str, str, float], ...]
    """Everyday questions that would get an answer: (question, entry, probability)."""
    offtopic_asked: int
    advice: tuple[str, ...]
    alone: tuple[str, ...] = ()
    """The entries whose question is their only phrasing: a visitor's own words are matched
    against their question and answer only (the answer's sentences standing in for
    alternatives, when it has some of three words or more)."""

    @property
    def asked_against_answers(self) -> tuple[str, ...]:
        """The entries of ``alone`` whose question was asked as a new question, against their
        answer's sentences (not those whose answer has none, or whose question the fit's
        sample left out)."""
        alone = set(self.alone)
        return tuple(f.entry for f in self.entries if f.entry in alone and f.asked)

    @property
    def answered_share(self) -> float:
        asked = sum(figures.asked for figures in self.entries)
        return sum(figures.answered for figures in self.entries) / asked if asked else 0.0

    @property
    def unchecked(self) -> tuple[str, ...]:
        """The entries whose phrasings could not be asked as new questions: their question
        is their only phrasing (questions recorded for them may still have been asked)."""
        return tuple(f.entry for f in self.entries if f.unchecked)


WEAK_SHARE = 0.7
"""An entry whose phrasings, asked as new questions, get its answer less often than this
gets advice."""


def check_calibration(
    knowledge: Knowledge,
    judged: Sequence[Judged],
    answer_at: float,
    confirm_at: float,
    nearest: Callable[[str, str], str] | None = None,
) -> CheckReport:
    """Figures and advice from questions judged without having been learnt from;
    ``nearest(question, entry)``: the entry's alternative nearest the question, named in the
    advice on an everyday question it would answer ("" when none is)."""
    ids = [entry.id for entry in knowledge.entries]
    tallies = {entry_id: EntryFigures(entry_id, 0, 0, 0, {}) for entry_id in ids}
    pairs: dict[tuple[str, str], int] = {}
    examples: dict[tuple[str, str], Example] = {}
    # Each phrasing as written, by the phrasing left out: what a variant was said from.
    written = {
        item.question.leave_out: item.question.text
        for item in judged
        if item.question.source == "phrasing" and item.question.leave_out
    }
    offtopic: list[tuple[str, str, float]] = []
    offtopic_asked = 0
    for item in judged:
        question = item.question
        got = ids[item.best] if ids else ""
        if question.expected < 0:
            if command_of(question.text) is not None:
                continue  # "no", "stop": a follow-up, never matched as a question
            offtopic_asked += 1
            if item.probability >= answer_at and question.source == "offtopic":
                offtopic.append((question.text, got, round(item.probability, 2)))
            continue
        if question.source in ("answer", "found"):
            # an answer's sentence standing in for alternatives: no one asks it; a question
            # asked with its phrasing kept says nothing of how other words fare
            continue
        wanted = ids[question.expected]
        tally = tallies[wanted]
        if question.in_place:
            tallies[wanted] = replace(tally, unchecked=tally.unchecked + 1)
            continue
        right = got == wanted
        tallies[wanted] = replace(
            tally,
            asked=tally.asked + 1,
            answered=tally.answered + (right and item.probability >= answer_at),
            confirmed=tally.confirmed + (right and confirm_at <= item.probability < answer_at),
        )
        if not right and item.probability >= confirm_at:
            tally.taken_for[got] = tally.taken_for.get(got, 0) + 1
            pairs[(wanted, got)] = pairs.get((wanted, got), 0) + 1
            key = (wanted, got)
            if key not in examples or _rank(question) < _rank(examples[key]):
                examples[key] = question
    entries = tuple(tallies.values())

    def confusion(asked: str, taken: str, count: int) -> Confused:
        example = examples[(asked, taken)]
        said_from = written.get(example.leave_out, "") if example.source == "spoken" else ""
        return Confused(asked, taken, count, example.text, example.source, said_from)

    confused = tuple(
        confusion(asked, taken, count)
        for (asked, taken), count in sorted(pairs.items(), key=lambda item: -item[1])
    )
    offtopic.sort(key=lambda item: -item[2])
    alone = tuple(entry.id for entry in knowledge.entries if not entry.alternatives)
    # The figures are of typed wordings: a file in another language is told first that
    # visitors' questions will not be heard or answered, whatever the figures say, and an
    # answer no visitor will stand through is told next.
    first = tuple(
        f"the entries {problem.message}"
        for problem in language_warnings(knowledge.entries, knowledge.source)
    )
    first += tuple(
        f"entry {problem.entry}: {problem.field}: {problem.message}"
        for problem in (
            *long_speech_warnings(knowledge.entries, knowledge.source),
            *long_question_warnings(knowledge.entries, knowledge.source),
        )
    )
    return CheckReport(
        entries,
        confused,
        tuple(offtopic),
        offtopic_asked,
        first
        + _advice(
            entries,
            confused,
            offtopic,
            alone,
            knowledge.source,
            any(entry.topic for entry in knowledge.entries),
            nearest,
        ),
        alone,
    )


def _rank(question: Example) -> int:
    """Where a question taken for another entry stands among the examples of it (lowest
    first): ``_EXAMPLE_FIRST``, then the rest."""
    return (
        _EXAMPLE_FIRST.index(question.source)
        if question.source in _EXAMPLE_FIRST
        else len(_EXAMPLE_FIRST)
    )


def _alike(confused: Sequence[Confused]) -> list[tuple[Confused, Confused | None]]:
    """The pairs of entries taken for one another, either way: the way taken more often,
    and the other way (None when it never was), the pairs taken most often first."""
    found: dict[frozenset[str], list[Confused]] = {}
    for pair in confused:  # most often first
        found.setdefault(frozenset((pair.asked, pair.taken)), []).append(pair)
    return [
        (ways[0], ways[1] if len(ways) > 1 else None)
        for ways in sorted(found.values(), key=lambda ways: -sum(way.count for way in ways))
    ]


def _example(pair: Confused) -> str:
    """``pair``'s example, said so that an operator who asks it knows what to expect: a
    phrasing was asked as if the file did not hold it, as a visitor's own words are; as it
    is in the file, the kiosk answers it."""
    if pair.source == "recorded":
        return f"{pair.example!r}, recorded for {pair.asked}"
    if pair.source == "phrasing":
        return (
            f"the phrasing {pair.example!r} of {pair.asked}, asked as if the file did not hold "
            "it (it does, so that wording is answered; others near it may not be)"
        )
    said = f"{pair.phrasing!r} of {pair.asked}" if pair.phrasing else f"a phrasing of {pair.asked}"
    return (
        f"{pair.example!r} ({said} as a visitor might say it, asked as if the file did not "
        "hold that phrasing)"
    )


def _advice(
    entries: Sequence[EntryFigures],
    confused: Sequence[Confused],
    offtopic: Sequence[tuple[str, str, float]],
    alone: Sequence[str] = (),
    source: str = "",
    topics: bool = True,
    nearest: Callable[[str, str], str] | None = None,
) -> tuple[str, ...]:
    """What to do, most telling first; ``alone``: the entries whose question is their only
    phrasing; ``source``: the knowledge file, named in the command that adds a wording;
    ``topics``: whether any entry has a topic; ``nearest``: as ``check_calibration``'s."""
    found: list[str] = []
    if alone:
        named = ", ".join(alone[:3]) + (f" and {len(alone) - 3} more" if len(alone) > 3 else "")
        whose, its, it = (
            ("its question is its only phrasing", "it and its answer", "it")
            if len(alone) == 1
            else ("their questions are their only phrasings", "them and their answers", "each")
        )
        found.append(
            f"{named}: {whose}, so visitors' own words are matched against {its} only, "
            f"and many are turned away or answered wrongly; add at least {MIN_ALTERNATIVES} "
            f'alternatives to {it} (knotvoice knowledge add ENTRY "WORDING"'
            + (f" {shlex.quote(source)})" if source else ")")
        )
    for figures in entries:
        if figures.entry in alone:
            continue  # told above to get alternatives
        if figures.asked and figures.answered / figures.asked < WEAK_SHARE:
            share = round(100 * figures.answered / figures.asked)
            elsewhere = sum(figures.taken_for.values())
            turned = figures.asked - figures.answered - figures.confirmed - elsewhere
            # Another entry is named only when being taken for others is most of the misses.
            other = max(figures.taken_for, key=lambda k: figures.taken_for[k], default="")
            found.append(
                f"entry {figures.entry}: its phrasings, asked in other words, get its answer "
                f"{share}% of the time ({turned} turned away, {figures.confirmed} a "
                f"did-you-mean, {elsewhere} taken for another entry); add alternatives in "
                "visitors' own words"
                + (f" that say what sets it apart from {other}" if elsewhere > turned else "")
            )
    # An entry without alternatives has none to change: it is told to get some instead.
    for pair, back in _alike(confused)[:5]:
        asked, taken = pair.asked, pair.taken
        if pair.count < 3:
            continue  # told only of entries taken for another often one way or the other
        bare = [entry for entry in (asked, taken) if entry in alone]
        if len(bare) == 2:
            what = (
                f"{asked} and {taken} have no alternatives yet: add some to each that say "
                "what tells them apart"
            )
        elif bare:
            other = taken if bare[0] == asked else asked
            what = (
                f"{bare[0]} has no alternatives yet: add some that say what tells it apart "
                f"from {other}"
            )
        else:
            what = "make their alternatives say what tells them apart, or merge them"
        both = f" and {back.count} of {taken} for {asked}" if back else ""
        found.append(
            f"entries {asked} and {taken} are asked alike: asked as new questions, "
            f"{pair.count} wordings of {asked} were taken for {taken}{both}, such as "
            f"{_example(pair)}; {what}"
        )
    for question, entry, _ in offtopic[:5]:
        # The alternative an operator would change first: the one nearest the question.
        wording = nearest(question, entry) if nearest is not None and entry not in alone else ""
        what = (
            f"{entry} has no alternatives yet, so its question and answer are all it is "
            "matched by: add some in visitors' own words, then check again"
            if entry in alone
            else f"make the alternatives of {entry} more specific"
            + (f", first its alternative nearest to it, {wording!r}" if wording else "")
        )
        found.append(
            f"a question like {question!r} would get the answer of {entry}: right if your "
            f"visitors should get it; if not, {what}"
        )
    if not topics:
        replies = english().replies
        found.append(
            "no entry has a topic, so a visitor turned away hears the nearest questions read "
            f'out ("{replies.questions.format(questions="...")}"); give each entry a topic '
            "(its subject in a few words, `topic:` in the file): the kiosk then says "
            f'"{replies.topics.format(topics="A, B or C")}", and whisper hears your subjects '
            "better"
        )
    return tuple(found)
