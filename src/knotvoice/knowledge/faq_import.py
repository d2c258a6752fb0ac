"""FAQ import: a plain-text FAQ becomes a draft knowledge file.

The text is read as paragraphs (runs of non-blank lines). A line ending in ``?`` is a question (so
is one ending in the Arabic ``\u061f`` or the full-width ``\uff1f``, read as ``?`` is everywhere
below and kept as written) and stands on its own, also once what surrounds it is set aside:
markdown emphasis (``**``, ``_``), quotes, emoji after it and a note in brackets after it, which
stays in the question ("Can I pay by card? (credit or debit)"). A line with a label (``Q:``,
``Q.``, ``Question:``; the labels are ``labels`` in ``lang/en.yaml``) is a question even
without ``?`` (one labelled ``Q -``, or ``Q3`` before a capital, only with it), and
``Q: ... ? A: ...`` is a question and its answer on one line, as is a question in bold or
quotes followed by text ("**How much is it?** Ten pounds.") or, a tab apart, by text that is not a note in brackets (a spreadsheet's row pasted as text: a cell
of only the question's number, label or section before it is read as such, a note in
brackets in the cell after it stays with it, and cells after the answer are lines of it).
A markdown table gives an entry for each row with a question in one cell and its answer in the
next; its header and rule are left out, and so, with a note, is a table or row without one. A
table whose header names its columns (``| Question | Answer | Topic |``, as in a spreadsheet)
is read by their names, and its other columns are left out with a note. Without names, a
column of categories before the questions gives their topics, and a row of one title over
questions ("| Tickets |") names their section, as a heading does.
What marks a question as one is left out of it: the label (``**Q:**`` too), a number (``1.``,
``1)``, ``(1)``), a heading's ``#``, a bullet, the emphasis and the quotes; so is the label of
the answer under it (``A:``, ``A.``, ``Answer:``), whatever the case. A question line
without such marks that closes a paragraph, directly under a finished sentence ("... 20 pounds a
year." then "Why not join today?"), is part of that paragraph's text; so is a line of several
sentences ending in ``?`` directly under a question ("Yes. There is a hoist. Why not come and
see?"): it answers the question, it is no other wording of it. A markdown heading that
is no question is a section title (``## Tickets`` over questions): neither an entry nor answer
text, but the topic of the entries under it (with a note at the title), where there are two
sections or more (one over them all names the FAQ) and it is a few words; a page title
opening the text (``# FAQ``) names none. Over answer text or a table (``## Parking``) a
heading is their question, with a note. A table under a question (or under text ending in
``:``) is its answer, a line a row ("Sunday: Closed"); in one of more than two columns
each cell after the first follows its column's name ("A4: Black & white 10p, Colour 50p"),
from the header or, with none marked (a Word table), from a first row of names: over the
first column an empty corner, or names without a digit over columns with one. A
paragraph without a letter or digit (a rule such as ``---``) is left out. Everything else is
answer text. The rules, in the order they apply:

- **Answer.** The answer of a question is the paragraph directly under it, plus each further
  paragraph that continues it: a list (a paragraph starting with ``1.``, ``-``, ``*`` or a
  bullet), or any paragraph after one that is not finished (a heading such as "Treatment",
  or a line ending in ``:``), and, where every question is marked as one (a label, a
  number, a heading's ``#``, a bullet, emphasis), any paragraph up to the next question,
  a table under its text too; unless a section title stands between them. Answer text is
  otherwise kept as written, but for its lines wrapped by hand (an e-mail's), which are
  joined: a long line with no stop at its end, over one going on in lowercase, and for the
  blanks around its lines: a list's item indented under another's text ("  - passport"
  under "- ID") stays in it, indented as markdown nests lists, by the width of the other's
  mark ("- ", "1. "). A rule
  under a line of text ("Parking" over "-------") makes it a markdown heading.
- **Repeated question.** A question asked again (same words, ignoring case and punctuation)
  is not a new entry: if it brings an answer, that answer is added to the first one's.
- **Question without answer.** A question directly followed by another question becomes an
  alternative of the next entry, so it is still answerable; but where most answers stand on
  the line right under their question, one a blank line over the next question is an answer
  forgotten, and dropped (unless asked again with an answer). A question at the end of the
  text with no answer is dropped, and so is one over a question asked again: that is no new
  entry to gather other wordings. Where more than half the questions so have no answer of
  their own (a web page printed with its answers folded away), the text is refused.
- **Question without words.** A question with no letter or digit in it (a ``?`` alone) is
  dropped: a knowledge file cannot hold it. The text under it is read as if it were not
  there (after a finished answer, an orphan paragraph).
- **Preamble.** Text before the first question (a title, an introduction) is not an entry.
- **Footer.** Text under the last rule (``---``, an e-mail's ``--`` over its signature,
  and the few words of its sign-off over that), with no question or heading after it (a
  page's address, "Registered charity no. ..."), is not an entry, nor is text after a table
  of questions and under no question ("Reception: please update this sheet"): a table's
  answers are in its rows. A row of such a table with no answer is dropped, with a note.
- **Closing words.** A last paragraph under an answer that opens as closing words do ("We
  look forward to seeing you! - Claire", "Questions? Call us on ...": ``closings`` in
  ``lang/en.yaml``), of nothing the last question asks ("How do I contact you?"), is no
  entry either; nor are the last answer's lines from one that so opens under a finished
  line (a Word document's "Questions? Call us on ..." with no rule over it), its first
  line kept. Contact details an answer gives ("Contact us within 48 hours") stay its own.
- **A web page's menu and footer**, as a PDF or Word document made of the page shows them
  (a saved page, ``.html``, marks them: they are left out by their tags). A question over
  nothing but a few links, most of them a menu's ("- What's On?" over "- FAQ", "- Contact",
  "Home > FAQ": ``page_links`` in ``lang/en.yaml``), is a menu's item, and no entry; a
  top-level heading under text alone is the page's title. After the last question, the
  text from a line that opens as a page's last lines do (a copyright line, a cookie
  banner: ``page_footers``), or from a footer's title over it ("Find us" over an address:
  ``page_footer_titles``), is no entry nor answer; not the first line of the last
  answer, nor a line that names what the last question asks ("Do you use cookies?").
- **A web page's sign-up box** (a newsletter's), as a PDF or Word document made of the page
  shows it: from a line of a few words without a stop that says a sign-up ("Join our
  mailing list": ``page_signups`` in ``lang/en.yaml``), not the first line under a question
  nor under one about it ("Do you have a newsletter?"), to the next question, heading or
  table, where a line of it says one more or asks for an e-mail address ("Subscribe",
  "Your email address": ``page_signup_fields``) or nothing follows it, is no entry nor answer.
- **Section title.** A title line alone of up to four words without a digit, set as a
  title ("PARKING", "**Parking**", "Opening Hours"), directly over a question, and not under
  a question or under text ending in ``:``, is a section title, as a markdown heading is,
  where the text has two or more; then so is such a line in sentence case ("Opening
  times") with a blank line between it and its question.
- **Title line.** A paragraph under no question (after a finished answer) that opens with a
  line of a few words without a full stop or ``?`` ("Opening hours", "Parking:") is that
  line as a question and the text under it as its answer; so is such a line alone over a
  paragraph of text. In a FAQ with no question at all, every such title is one.
- **Bold line.** Where the text's questions, two or more, are each a line in bold (as a
  Word document's bold questions are read), a bold line of a few words that opens as a
  question does ("What happens if I miss my appointment": ``question_openers`` in
  ``lang/en.yaml``) is a question whose "?" was forgotten; other bold lines ("Please
  note") are answer text.
- **Orphan paragraph.** Another paragraph under no question (after a finished answer) becomes an
  entry of its own; its question is a placeholder, the paragraph's first sentence with
  words, for a person to rewrite. One that opens with a question and goes on after it on
  its first line ("How much is a swim? Adults £5.") is that question and its answer; first
  in the text, it is preamble, and its note says to put the answer under the question.

- **An ending every answer shares.** A last sentence (or several) that ends at least four
  answers and two thirds of them word for word ("Still need help? Contact us.", "Was this
  helpful?": a web page's or a help desk's words under each answer) is left out of them
  and of their spoken forms, with a note: the kiosk read it after every answer, and as an
  answer's words it made every entry alike. An answer of that sentence alone keeps it; one
  that holds a number ("Call 0117 496 0321 to book.") is only told of.

Each of these cases gives a one-line ``Note`` with the line it concerns; ``to_yaml`` writes
the notes as comments above the entries. Ids are slugs of the question, made unique: accents
are folded to plain letters and other characters left out ("Fundbüro" gives ``fundburo``); a
question with no letter or digit left gives a numbered id (``entry-3``).
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import functools
import html
import io
import itertools
import json
import logging
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import FORMAT_VERSION, Entry, phrase_key
from knotvoice.knowledge.office import (
    OfficeError,
    Sheet,
    markdown_cell,
    markdown_row,
    opens_as_asked,
    read_office,
)
from knotvoice.lang import english, straighten, words
from knotvoice.markup import characters, literal, tags_as_text

logger = logging.getLogger(__name__)

_QUESTION_MARKS = "?\u061f\uff1f"
"""What ends a question: ``?``, and the Arabic ``\u061f`` and full-width ``\uff1f`` a FAQ may be
written with; each is read as ``?`` is."""
_LIST_START_RE = re.compile(r"^\s*(\d+[.)]|[-*\u2022])\s")
_ITEM_RE = re.compile(r"(?:\d+[.)]|[-*+\u2022])\s+(?=\S)")
"""A list's item's mark and the blanks after it ("- ", "2. "), as ``markup`` reads them."""
_HEADING_RE = re.compile(r"^#+\s")
_RULE_RE = re.compile(r"^(?:[-=_*~\u2013\u2014]\s*){2,}$")
"""A line that is a rule: "---", "***", "===", an e-mail's "--" over its signature."""
_DASH = r"\s+[-\u2013\u2014](?=[*_]*\s)"
"""The dash of a label written so ("Q - ", "A - ")."""
_BARE = r"(?P<number>\d+)(?=[*_]*\s+[*_]*(?-i:[A-Z\u00c0-\u00d6\u00d8-\u00de]))"
"""The number of a question's label written with neither stop nor dash ("Q3 When ..."),
before a word with a capital."""


def _labels(kind: str) -> tuple[str, str]:
    """The labels of ``kind`` ("question", "answer") as a pattern, and as one before a bare
    number ("Q3", "Question 3": a letter's label takes the number with no space between)."""
    labels = sorted(english().labels[kind], key=len, reverse=True)
    bare = (re.escape(label) + ("" if len(label) == 1 else r"\s*") for label in labels)
    return rf"(?:{'|'.join(map(re.escape, labels))})", rf"(?:{'|'.join(bare)})"


_QUESTION_LABEL, _QUESTION_LABEL_BARE = _labels("question")
_ANSWER_LABEL_WORD, _ANSWER_LABEL_BARE = _labels("answer")
_QUESTION_MARK_RE = re.compile(
    rf"^(?:(?P<label>[*_]*(?:{_QUESTION_LABEL}\s*\d*\s*:|{_QUESTION_LABEL}\s*\d*[.)](?=[*_]*\s)"
    rf"|(?P<loose>{_QUESTION_LABEL}\s*(?P<dashed>\d*){_DASH}|{_QUESTION_LABEL_BARE}{_BARE})"
    rf"(?=.*[{_QUESTION_MARKS}]))[*_]*)"
    r"|\d+[.)]\s|\(\d+\)\s|#+\s|[-*\u2022]\s)\s*",
    re.IGNORECASE,
)
"""What opens a question and is left out of it: a label (``lang/en.yaml`` ``labels``), a
number, a heading's or a list's mark."""

_ANSWER_LABEL = rf"{_ANSWER_LABEL_WORD}\s*\d*\s*:|{_ANSWER_LABEL_WORD}\s*\d*[.)](?=[*_]*\s)"


@functools.cache
def _answer_labels(loose: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """An answer's label, and where one follows a question on its line, under a question
    labelled ``loose``-ly: "" (with a colon or stop, "Q:", "Q1."), "-" (with a dash, "Q - ")
    or the number of a bare label ("Q3 " gives "3"). "A - " is a label only under a question
    labelled with a dash or a bare number, and "A3 " only under "Q3 ", as elsewhere they may
    begin a sentence ("A - B roads are closed", "A4 paper is sold at the desk")."""
    labels = [_ANSWER_LABEL]
    if loose:
        labels.append(rf"{_ANSWER_LABEL_WORD}\s*\d*{_DASH}")
    if loose.isdigit():
        labels.append(rf"{_ANSWER_LABEL_BARE}{loose}(?!\d)(?=[*_]*\s)")
    mark = rf"[*_]*(?:{'|'.join(labels)})[*_]*"
    return (
        re.compile(rf"^{mark}\s*", re.IGNORECASE),
        re.compile(rf"(?<=[{_QUESTION_MARKS}])\s+(?={mark})", re.IGNORECASE),
    )


_NOTE_AFTER_RE = re.compile(r"\s+(?:\([^()]*\)|\[[^\[\]]*\])$")
_NUMBER_CELL_RE = re.compile(r"#?\d+[.)]?")
"""A spreadsheet's cell of only a row's number, before its question's."""
_LABEL_CELL_RE = re.compile(rf"{_QUESTION_LABEL}\s*\d*\s*[.:)]?", re.IGNORECASE)
"""A spreadsheet's cell of only a question's label ("Q1"), read with the question's cell."""
_EMPHASIS = ("**", "__", "*", "_")
_WRAPPERS = (
    *((mark, mark) for mark in _EMPHASIS),
    ('"', '"'),
    ("\u201c", "\u201d"),
    ("\u2018", "\u2019"),
)
_EMOJI_PARTS = frozenset("\u200d\u20e3\ufe0e\ufe0f")
_FINISHED_RE = re.compile(rf"[.!{_QUESTION_MARKS}][\"'\u201d\u2019)]*$")
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?$")
_TABLE_CELL_RE = re.compile(r"(?<!\\)\|")
_LINE_BREAK_TAG_RE = re.compile(r"\s*<br\s*/?>\s*", re.IGNORECASE)
_ASIDE_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_SENTENCE_END_RE = re.compile(rf"(?<=[.!{_QUESTION_MARKS}])\s")
_COLUMNS = {
    field: frozenset(phrase_key(name) for name in names)
    for field, names in english().columns.items()
}
"""A spreadsheet's column names by the field they hold (``lang/en.yaml``), as ``phrase_key``
gives them."""
_QUESTION_COLUMNS = _COLUMNS["question"]
_ANSWER_COLUMNS = _COLUMNS["answer"]
_EXTRA_COLUMNS = tuple(
    (field, _COLUMNS[field]) for field in ("id", "alternatives", "topic", "keywords", "spoken")
)
"""The other fields of an entry a spreadsheet may have a column of, and the column's names."""
_KEYWORDS_SPLIT_RE = re.compile(r"\s*[\n;|,]\s*")
_CSV_SUFFIXES = frozenset((".csv", ".tsv"))
_COLUMN_NAME_RE = re.compile(r"^(?:#|no\.|nr\.|ref\.|[^\W\d_]+(?:[ _-][^\W\d_]+){0,2})$", re.I)
"""A column's name: up to three words, no digit or punctuation ("Question", "Answer text"),
or a number's ("#", "No.")."""
_SAMPLE = 4096
"""Characters of a CSV whose whole lines say what sets its cells apart."""
_LINKED_DATA_RE = re.compile(r"<script[^<>]*application/ld\+json", re.IGNORECASE)
"""A page's data for search engines, which may hold its FAQ (schema.org ``FAQPage``)."""
_HTML_BLOCK_RE = re.compile(r"<(?:p|div|h[1-6]|li|dt|dd|tr)\b[^<>]*>", re.IGNORECASE)
"""A block of HTML: a FAQ with two or more is HTML."""
_TITLE_RE = re.compile(
    rf"^(?=.*[^\W\d_])[^.!{_QUESTION_MARKS};,|]{{1,40}}(?<![\s\u2013\u2014-]):?$"
)
"""A title line: a few words, with no sentence's punctuation ("Opening hours", "Parking:")."""
_SECTION_RE = re.compile(
    rf"^(?=.*[^\W\d_])[^.!{_QUESTION_MARKS};|]{{1,40}}(?<![\s\u2013\u2014,-]):?$"
)
"""A section's title: a title line, or one listing ("Food, drink and facilities")."""
_NOT_SLUG_RE = re.compile(r"[^a-z0-9]+")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
"""An entry's id as a knowledge file takes it."""
_MAX_ID_LENGTH = 48


@dataclass(frozen=True)
class Note:
    """Something the import did on its own that a person should look at."""

    line: int
    """1-based line of the source text."""
    message: str
    entry: str | None = None
    """Id of the entry it concerns."""
    place: str = ""
    """Where it is, for a source without lines its reader sees (a Word document, a PDF): the
    words it is at; else the line."""

    def __str__(self) -> str:
        return f"{self.place or f'line {self.line}'}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    entries: tuple[Entry, ...]
    notes: tuple[Note, ...]
    fields: frozenset[str] = frozenset()
    """The entries' other fields the FAQ itself gives ("alternatives", "topic", "keywords",
    "spoken", "id": a spreadsheet's or table's named columns; "topic" of its sections too).
    An FAQ imported again over its knowledge file gives these; the file keeps the others."""


@dataclass
class _Paragraph:
    line: int
    lines: list[str]
    is_question: bool = False
    is_heading: bool = False
    is_table: bool = False
    """A markdown table not read as questions and answers."""
    marked: bool = False
    """A question marked as one (a label, a number, a heading's ``#``, a bullet, emphasis, a
    table's cell), not only by its ``?``."""
    titled: str = ""
    """What a question without ``?`` over the text under it is ("heading", "line"), or
    empty."""
    level: int = 0
    """A markdown heading's level (the number of its ``#``), also once made a question."""
    heading: int = 0
    """A question written as a markdown heading ("## Can I park?"): its level."""
    subheading: bool = False
    """A heading under a question's, read as a line of its answer (``_sub_headings``)."""
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    """A question from a table with named columns: its row's cells of other fields
    (``_EXTRA_COLUMNS``)."""
    left_out: tuple[str, ...] = ()
    """The first question of such a table: the names of its other columns with text, which
    are left out."""
    remarks: tuple[str, ...] = ()
    """The first question of a table: what its import says of the table's columns."""
    in_table: bool = False
    """A question from a table's row: a section a row of the table names holds it, and its
    answer is in the row, all of it."""
    unanswered: str = ""
    """A table's row not read: the question in it, whose answer's cell is empty."""
    loose: str = ""
    """How loosely the question is labelled (``_answer_labels``): its answer's label may be
    so too."""
    menu: bool = False
    """Part of a web page's menu: a question over nothing but links (``_menus``), or those
    links."""
    signup: bool = False
    """Part of a web page's sign-up box, a newsletter's (``_signups``)."""
    aside: bool = False
    """A question read as its answer's text, among questions marked as such (``_asides``)."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def is_plain(self) -> bool:
        """Text: no question, heading or table."""
        return not (self.is_question or self.is_heading or self.is_table)

    @property
    def is_list(self) -> bool:
        return bool(_LIST_START_RE.match(self.lines[0]))

    @property
    def is_finished(self) -> bool:
        return bool(_FINISHED_RE.search(self.lines[-1]))


@dataclass(frozen=True)
class _QuestionLine:
    question: str
    """The question with its marks and what surrounds it set aside."""
    answer: str
    """The answer written after it on the same line (``Q: ... ? A: ...``), or empty."""
    marked: bool
    """Whether a label, number, heading mark, bullet or emphasis marks it as a question."""
    labelled: bool
    """Whether a label (``Q:``) marks it as a question."""
    sentences: int
    """How many sentences with words it holds."""
    loose: str = ""
    """How loosely its label is written: "-" with a dash ("Q - "), its number when bare
    ("Q3 "), else "" (``_answer_labels``)."""


@dataclass
class _Draft:
    line: int
    question: str
    alternatives: list[str]
    paragraphs: list[str]
    orphan: bool = False
    topic: str = ""
    keywords: list[str] = dataclasses.field(default_factory=list)
    spoken: str = ""
    id: str = ""
    """The id a spreadsheet's column of ids gives it (else one is made of its question)."""
    gathered: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    """The questions without an answer of their own above it (line, question), now its
    alternatives: they go where it goes if it has no answer either."""
    given: set[str] = dataclasses.field(default_factory=set)
    """The fields the FAQ gives it by name (``ImportResult.fields``)."""
    unanswered: bool = False
    """Its answer's label stands with nothing after it ("A:"): no other wording of the
    question under it, as a question alone over another is."""


def read_faq(path: str | Path) -> ImportResult:
    """``parse_faq`` on a text file (``parse_csv`` on a ``.csv`` or ``.tsv`` file), as a text
    editor or spreadsheet on any system saves it: UTF-8, UTF-16 with its byte order mark
    (Windows' "Unicode"), or else Windows-1252 (the "ANSI" of Windows Notepad and Excel),
    which a note says so its £, € and quotes are checked. A Word or OpenDocument text
    (``.docx``, ``.odt``) is read as its text (``office``, then ``parse_faq``); an Excel or
    OpenDocument workbook (``.xlsx``, ``.ods``) as the rows of its sheet that asks most
    (``_read_sheets``); a PDF as the text its pages show (``pdf``, then ``parse_faq``). An
    RTF, an old ``.doc`` or ``.xls`` or a file with a password is refused with what to save
    it as instead.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KnowledgeError(
            f"{path}: file not found; check the path of the FAQ (text, .html, .docx, .pdf, .xlsx or .csv)"
        ) from None
    except IsADirectoryError:
        raise KnowledgeError(
            f"{path}: is a directory; give the path of a plain-text FAQ file in it (questions, "
            "each followed by its answer), or of a .csv or .tsv of them"
        ) from None
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc.strerror})") from None
    if not _without_mark(data).replace(b"\x00", b"").strip():
        # a document saved before it was written, or copied as it downloaded (a text
        # editor's empty file may hold its byte order mark alone, UTF-16's in NULs)
        raise KnowledgeError(
            f"{path}: the file is empty; save the FAQ in it again, or check the path"
        )
    if data.startswith(_ZIP_MAGIC):
        try:
            return _read_office(data)
        except KnowledgeError as exc:
            raise KnowledgeError(f"{path}: {exc}") from None
    if data.lstrip()[:5] == _PDF_MAGIC:
        from knotvoice.knowledge.pdf import pdf_text  # pdfminer loads in a second: only here

        try:
            return parse_document(pdf_text(data))
        except (OfficeError, KnowledgeError) as exc:
            raise KnowledgeError(f"{path}: {exc}") from None
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise KnowledgeError(f"{path}: {what}")
    text, note = _decoded(data)
    if text is None and (kind := _NAMED_AS.get(path.suffix.lower())):
        # a picture or another file named as a document: "save it as UTF-8" was no help
        raise KnowledgeError(
            f"{path}: not {kind}, as its name says, nor text; open it and save it again as "
            f"{kind}, or give the FAQ's own file"
        )
    if text is None:
        raise KnowledgeError(
            f"{path}: not text in UTF-8, UTF-16 or Windows-1252; save the FAQ as UTF-8"
        )
    try:
        result = parse_csv(text) if path.suffix.lower() in _CSV_SUFFIXES else parse_faq(text)
    except KnowledgeError as exc:
        raise KnowledgeError(f"{path}: {exc}") from None
    if note is None:
        return result
    logger.info("%s", note)
    return dataclasses.replace(result, notes=(note, *result.notes))


def _without_mark(data: bytes) -> bytes:
    """``data`` without the byte order mark it starts with, if any."""
    for mark in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(mark):
            return data[len(mark) :]
    return data


def _decoded(data: bytes) -> tuple[str | None, Note | None]:
    """The text of a file's bytes, and a note when it is not Unicode; None when it is no
    text in an encoding a FAQ is saved in."""
    for mark, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(mark):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                return None, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None, None
    return text, Note(
        line,
        "not UTF-8 text; read as Windows-1252 (as Windows saves text): check that "
        "the £, € and quotes came out right, or save the FAQ as UTF-8",
    )


def parse_faq(text: str) -> ImportResult:
    """Turn a plain-text FAQ into entries and notes (see the module docstring for the rules).

    A byte order mark in front of the text is ignored; its character references (``&amp;``,
    ``&nbsp;``, ``&#39;``) are read as a knowledge file's are (``markup.characters``). HTML (a web page's FAQ pasted or saved
    with its tags, ``<p>``, ``<h2>``, ``<li>``) is read as the text a browser shows, its
    headings, bold, lists, links, tables (each row as a Word table's, its header's names
    over its cells) and line breaks (``<br>``) as their markdown, its
    entities (``&amp;``) as their characters, its menus, sidebars and footer (``<nav>``,
    ``<aside>``, ``<footer>``, or an element whose class, id or role says so:
    ``class="site-footer"``, ``role="navigation"``) left out unless they hold its only
    questions; notes give the
    lines of the HTML. The questions its
    scripts show (an accordion filled in the browser), which its text does not, are read from
    the FAQ data it gives search engines (schema.org ``FAQPage`` in ``application/ld+json``),
    with a note. Raises ``KnowledgeError`` when the text is a knowledge file already, or
    holds no question at all, or no question with an answer.
    """
    text = text.removeprefix("\ufeff")
    if _is_knowledge_file(text):
        raise KnowledgeError(
            "is a knowledge file already (YAML with 'entries'); import reads a plain-text FAQ: "
            "use the file as it is (`--knowledge`), or import its text"
        )
    if len(_HTML_BLOCK_RE.findall(text)) >= 2 or _LINKED_DATA_RE.search(text):
        shown = _HtmlText(main=bool(_MAIN_RE.search(text)))
        shown.feed(text)
        shown.close()
        try:
            result = _parse_text(shown.text())
        except KnowledgeError:
            if shown.faq_data:
                result = ImportResult((), ())
            else:  # a page whose only questions are in its footer (or a menu, a sidebar)
                shown = _HtmlText(page_parts=True)
                shown.feed(text)
                shown.close()
                result = _parse_text(shown.text())
        result = dataclasses.replace(
            result,
            notes=tuple(
                dataclasses.replace(
                    n,
                    line=shown.source_line(n.line),
                    message=_ON_LINE_RE.sub(
                        lambda m: f"on line {shown.source_line(int(m[1]))}", n.message
                    ),
                )
                for n in result.notes
            ),
        )
        return _with_faq_data(result, shown.faq_data)
    # the character references left in a text ("&amp;", "&nbsp;") read as a knowledge file's
    return _parse_text(characters(text))


_MAIN_RE = re.compile(r"<main\b", re.IGNORECASE)
_ON_LINE_RE = re.compile(r"\bon line (\d+)")
"""A note's mention of another line of the text (``merged into the one on line 3``)."""
_MARKUP_RE = re.compile(r"^\s*(?:#+|[-*\u2022])\s+|\*\*|\|")
"""What the text read from a document marks its headings, bullets, bold and tables with."""
_PLACE_WORDS = 8


def parse_document(text: str) -> ImportResult:
    """``parse_faq`` on the text read from a Word document or a PDF, its notes placed by the
    words they are at (``at "How do I book a..."``): the lines of that text, which notes
    named, are nowhere in the document its reader sees."""
    result = parse_faq(text)
    lines = text.splitlines()

    def at(number: int) -> str:
        line = lines[number - 1] if 0 < number <= len(lines) else ""
        words = _MARKUP_RE.sub(" ", line).split()
        more = "..." if len(words) > _PLACE_WORDS else ""
        return f'at "{" ".join(words[:_PLACE_WORDS])}{more}"' if words else "at the start"

    def placed(note: Note) -> Note:
        place = at(note.line)

        # "merged into the one at" the same words is "the one above"
        def other(found: re.Match[str]) -> str:
            there = at(int(found[1]))
            return "above" if there == place else there

        message = _ON_LINE_RE.sub(other, note.message)
        return dataclasses.replace(note, place=place, message=message)

    return dataclasses.replace(result, notes=tuple(placed(note) for note in result.notes))


def _with_faq_data(shown: ImportResult, pairs: list[tuple[str, str]]) -> ImportResult:
    """``shown`` (the entries of a page's text) and, after them, each question of the page's
    FAQ data that its text does not show (filled in by its scripts), its answer HTML read as
    a page's text is, whole ("Need help? Call us." in one is no question), with a note. A
    question whose answer the text shows under other words ("Wifi" for "Is there wifi?") is
    shown already."""
    asked = {phrase_key(entry.question) for entry in shown.entries}
    answered = {phrase_key(entry.answer) for entry in shown.entries}
    drafts: list[_Draft] = []
    for question, answer in pairs:
        page = _HtmlText()
        page.feed(f"<div>{answer}</div>")
        page.close()
        text = re.sub(r"\n{3,}", "\n\n", page.text()).strip()
        question = " ".join(html.unescape(question).split())
        found = _question_line(question)
        question = found.question if found else question
        if text and phrase_key(question) not in asked and phrase_key(text) not in answered:
            asked.add(phrase_key(question))
            drafts.append(_Draft(1, question, [], [text]))
    if not drafts:
        return shown
    taken = {entry.id for entry in shown.entries}
    added = _result(drafts, [], taken)
    note = Note(
        1,
        f"{len(drafts)} question{'s' if drafts[1:] else ''} read from the page's FAQ data for search "
        "engines (schema.org FAQPage), not shown in its text (its scripts fill them in): "
        "check them against the page",
    )
    return ImportResult((*shown.entries, *added.entries), (note, *shown.notes), shown.fields)


_WORD_ITEM_RE = re.compile(r"(?m)^(\u2022|\u00b7|\uf0b7|o|\d+[.)])\t")
"""An item of a list as Word saves it as plain text: its bullet ("\u2022", "o" one level
in) or number, then a tab."""
_WORD_ITEMS = {"\u2022": "- ", "\u00b7": "- ", "\uf0b7": "- ", "o": "  - "}


def _parse_text(text: str) -> ImportResult:
    """``parse_faq`` on text without HTML, its character references read already."""
    text = _WORD_ITEM_RE.sub(lambda found: _WORD_ITEMS.get(found[1], f"{found[1]} "), text)
    paragraphs = _plain_titles(_titled(_sub_headings(_menus(_paragraphs(text)))))
    paragraphs = _title_lines(paragraphs, everywhere=not any(p.is_question for p in paragraphs))
    paragraphs = _asides(_signups(paragraphs))
    if not any(p.is_question for p in paragraphs):
        raise KnowledgeError(
            "no questions found; a question is a line of its own ending in '?', starting "
            "with 'Q:', or a title of a few words over its answer ('Parking')"
        )

    # where every question is marked, text before the next question is more of the answer
    marked = all(para.marked for para in paragraphs if para.is_question)
    drafts: list[_Draft] = []
    by_key: dict[str, _Draft] = {}
    twice: set[str] = set()  # questions asked under two sections or more
    pending: list[tuple[int, str]] = []  # questions left without answer, for the next entry
    # questions left without answer a blank line over the next, where answers stand right
    # under their questions: no wordings of it, dropped unless asked again with an answer
    apart: list[tuple[int, str]] = []
    close = _answers_close(paragraphs)
    notes: list[tuple[int, str, _Draft | None]] = []
    current: _Draft | None = None  # the entry whose answer is being read
    expecting = False  # the previous paragraph was a question: this one is its answer
    previous: _Paragraph | None = None
    section: tuple[int, str] | None = None  # the section title over the paragraph
    depth = 0  # its heading's level
    outside: tuple[tuple[int, str] | None, int] = (None, 0)  # the section around a table's
    under: dict[int, tuple[int, str]] = {}  # id of a draft -> the section title over it
    paragraphs, page = _page_footer(paragraphs)
    kept = paragraphs[:page]
    footer = closing = _footer(kept)
    if footer == len(kept):  # closing words, where no rule or signature marks a footer
        kept, closing = _closing(kept)
        footer = len(kept)
    paragraphs, page = [*kept, *paragraphs[page:]], len(kept)
    tabled = False  # the entry whose answer was read is a table's row: its answer is there

    for index, para in enumerate(paragraphs):
        if index >= page:
            if index == page:
                notes.append(
                    (
                        para.line,
                        "a web page's footer from here on (its contact details and links, the "
                        "copyright line, a cookie notice) is no part of the answer above it, and "
                        "not an entry; check that the entry above it is the FAQ's, not the "
                        "page's (a newsletter's sign-up)",
                        None,
                    )
                )
            continue
        if para.signup:
            if previous is None or not paragraphs[index - 1].signup:
                notes.append(
                    (
                        para.line,
                        f"{para.lines[0]!r} and the lines under it are a web page's sign-up box "
                        "(a newsletter's), no part of the answer above it, and not an entry; "
                        "left out",
                        None,
                    )
                )
            continue
        if para.menu:
            if index + 1 < len(paragraphs) and paragraphs[index + 1].menu:
                links = [
                    _LIST_START_RE.sub("", line).strip() for line in paragraphs[index + 1].lines
                ]
                notes.append(
                    (
                        para.line,
                        f"{para.lines[0]!r} over only links ("
                        f"{', '.join(repr(link) for link in links)}) is an item of a web page's "
                        "menu, not a question and its answer; both left out",
                        None,
                    )
                )
            continue
        if not phrase_key(para.text):  # a "?" alone, a rule such as "---"
            if _wordless(para):
                notes.append((para.line, f"question {para.text!r} has no words; dropped", None))
            continue
        if footer > index >= closing:
            notes.append(
                (
                    para.line,
                    "closing words at the end (a sign-off, contact details) are no part of the "
                    "answer above them, and not an entry; put them under a question if visitors "
                    "should hear them",
                    None,
                )
            )
            continue
        if index >= footer or (tabled and not expecting and not para.in_table and para.is_plain):
            where = (
                "at the end (a footer or a signature, by a rule)"
                if index >= footer
                else "after a table's questions"
            )
            notes.append(
                (
                    para.line,
                    f"text {where} is no part of the answer above it, and not an entry; put "
                    "it under a question if visitors should hear it",
                    None,
                )
            )
            continue
        if (
            para.is_table
            and current is not None
            and previous is not None
            and (
                expecting
                or not previous.is_finished
                # every question marked: a table under an answer's text is more of it
                or (marked and previous.is_plain and not tabled)
            )
        ):
            current.paragraphs.append(_table_text(para.lines))
            expecting = False
        elif para.is_table and para.unanswered and any(p.in_table for p in paragraphs):
            notes.append(
                (
                    para.line,
                    f"question {para.unanswered!r} has no answer in its table's row; dropped: "
                    "write its answer in the cell beside it",
                    None,
                )
            )
        elif para.is_table:
            notes.append(
                (
                    para.line,
                    "a table not read as questions and answers (a question in one cell, its "
                    "answer in the next) is left out; write what visitors should hear under a "
                    "question",
                    None,
                )
            )
        elif para.is_heading:
            # a section title: no entry, and the answer above it ends there
            # a page title opens the text, no other heading as high ("# Visiting" over
            # questions, then "# Tickets", is a section's)
            opening = _page_title(paragraphs, index) and not any(
                other.level == para.level
                for other in paragraphs[1:]
                if other.titled or other.is_heading
            )
            if para.level == _TABLE_SECTION_LEVEL and depth != _TABLE_SECTION_LEVEL:
                outside = (section, depth)
            section, depth = _section_title(para, opening), para.level
        elif para.is_question:
            if para.level and para.level <= depth:
                section = None  # a heading as high as the section's, over text, ends it
            if depth == _TABLE_SECTION_LEVEL and not para.in_table:
                section, depth = outside  # a section a table's row names ends with the table
            question = para.lines[0]
            key = phrase_key(question)
            if (
                expecting
                and current is not None
                and not current.paragraphs
                and phrase_key(current.question) != key
            ):
                pending.extend(_ungathered(current, notes))
                if current.unanswered:
                    notes.append(
                        (
                            current.line,
                            f"question {current.question!r} has no answer; dropped",
                            None,
                        )
                    )
                else:
                    pending.append((current.line, current.question))
                drafts.remove(current)
                del by_key[phrase_key(current.question)]
                if close and previous is not None and para.line > _end(previous):
                    # "Do you have a sauna?", its answer forgotten, a blank line over "Is
                    # there parking?" got the parking's answer as its wording
                    apart.extend(pending)
                    pending = []
            seen = by_key.get(key)
            if seen is not None and _other_section(under.get(id(seen)), section):
                twice.add(key)  # asked again under another section: its own entry there,
                seen = next(  # or the one asked under that section before
                    (
                        draft
                        for draft in drafts
                        if phrase_key(draft.question) == key
                        and not _other_section(under.get(id(draft)), section)
                    ),
                    None,
                )
            if seen is not None:
                notes.append(
                    (
                        para.line,
                        f"repeated question {question!r} merged into the one on line {seen.line}",
                        seen,
                    )
                )
                current = seen
            else:
                current = _Draft(para.line, question, [], [])
                drafts.append(current)
                by_key[key] = current
                if section is not None:
                    under[id(current)] = section
            asked_again = [(line, q) for line, q in apart if phrase_key(q) == key]
            apart = [(line, q) for line, q in apart if phrase_key(q) != key]
            for line, waiting in [*asked_again, *pending]:
                if phrase_key(waiting) == phrase_key(current.question):
                    notes.append(
                        (
                            line,
                            f"repeated question {waiting!r} merged into the one on line "
                            f"{current.line}",
                            current,
                        )
                    )
                    continue
                if seen is not None:
                    # a question asked again gathers none: one without an answer above it
                    # ("Can I bring my children?") is no other wording of it
                    notes.append((line, f"question {waiting!r} has no answer; dropped", None))
                    continue
                current.alternatives.append(waiting)
                current.gathered.append((line, waiting))
                notes.append(
                    (
                        line,
                        f"question {waiting!r} has no answer of its own; it is "
                        f"an alternative of {current.question!r}",
                        current,
                    )
                )
            pending = []
            expecting = True
            tabled = para.in_table
            _take_fields(current, para.fields)
            notes.extend((para.line, remark, None) for remark in para.remarks)
            if para.left_out:
                notes.append(
                    (
                        para.line,
                        f"the table's column{'s' if para.left_out[1:] else ''} "
                        f"{', '.join(repr(name) for name in para.left_out)} left out: move "
                        "what visitors should hear into the answers",
                        None,
                    )
                )
            if para.titled:
                notes.append(
                    (
                        para.line,
                        f"{para.titled} {question!r} has no '?'; it is the question of the text "
                        "under it: rewrite it as visitors ask it",
                        current,
                    )
                )
        elif current is None and (wordless := _wordless_above(paragraphs, index)) is not None:
            notes.append(
                (
                    para.line,
                    f"the answer of question {wordless.text!r} (line {wordless.line}), which has no "
                    "words, is dropped with it; write the question in words",
                    None,
                )
            )
        elif current is None:
            inline = _asked_and_answered(para)
            notes.append(
                (
                    para.line,
                    "text before the first question is not an entry; "
                    + (
                        f"if {inline[0]!r} is a question visitors ask, put its answer on the "
                        "line under it"
                        if inline
                        else "put it under a question if visitors should hear it"
                    ),
                    None,
                )
            )
        elif expecting:
            if answer := _unlabelled(para.text):
                current.paragraphs.append(answer)
                expecting = False
            else:  # "A:" alone: its answer may be under it
                current.unanswered = True
        elif (
            previous is not None
            and not previous.is_heading
            and (para.is_list or not previous.is_finished or marked)
        ):
            current.paragraphs.append(para.text)
            expecting = False
            if para.aside:
                notes.append(
                    (
                        para.line,
                        f"{para.text!r} is read as a line of the answer above it, as it is not "
                        "marked as the other questions are; if it is a question of its own, "
                        "mark it as they are, with its answer under it",
                        current,
                    )
                )
            elif previous.is_finished and _title_shaped(paragraphs, index):
                notes.append(
                    (
                        para.line,
                        f"{para.text!r} is read as the last line of the answer above it; if "
                        "it is a section's title, write it in capitals or as a heading "
                        f"('## {para.text}')",
                        current,
                    )
                )
        else:
            placeholder = _first_sentence(para.text)
            seen = by_key.get(phrase_key(placeholder))
            if seen is not None:
                # It opens with a question asked already: more of that answer.
                seen.paragraphs.append(para.text)
                current = seen
                notes.append(
                    (
                        para.line,
                        f"paragraph stands under no question but opens with the question "
                        f"on line {seen.line}; it is added to that answer",
                        seen,
                    )
                )
            else:
                inline = _asked_and_answered(para)
                if inline is not None:
                    # "How much is a swim? Adults £5." on a line of its own: its answer
                    # repeated the question, which the kiosk read out before the answer
                    question, answer = inline
                    note = (
                        f"question {question!r} and its answer are on one line: read as a "
                        "question and the text after it; put the answer on the line under it"
                    )
                else:
                    question, answer = placeholder, para.text
                    note = (
                        "paragraph stands under no question; it is an entry of its "
                        "own whose question is its first sentence: rewrite it as visitors "
                        "ask it, or move the paragraph into the answer above if it is more "
                        "of that"
                    )
                current = _Draft(para.line, question, [], [answer], orphan=inline is None)
                drafts.append(current)
                if section is not None:
                    under[id(current)] = section
                by_key[phrase_key(question)] = current
                notes.append((para.line, note, current))
            expecting = False
        previous = para

    if current is not None and not current.paragraphs:
        drafts.remove(current)
        pending = [*_ungathered(current, notes), (current.line, current.question), *pending]
    for line, waiting in [*pending, *apart]:
        notes.append((line, f"question {waiting!r} has no answer; dropped", None))
    if not drafts:
        raise KnowledgeError(
            "no question has an answer; write each answer on the lines under its question"
        )
    asked = {phrase_key(para.lines[0]) for para in paragraphs[:page] if para.is_question} - {""}
    gathered = sum(len(draft.gathered) for draft in drafts) + len(apart)
    if 2 * gathered > len(asked):
        # a web page printed with its answers folded away: each question over the next
        raise KnowledgeError(
            f"{gathered} of {len(asked)} questions have no answer of their own (each stands "
            "directly over the next); were the answers hidden when it was printed? open them, "
            "or import the saved web page (.html) itself; else write each answer under its "
            "question"
        )
    _told_apart(
        drafts, twice, lambda draft: under[id(draft)][1] if id(draft) in under else "", notes
    )
    _section_topics(drafts, under, notes)
    return _result(drafts, notes)


_ZIP_MAGIC = b"PK\x03\x04"
_PDF_MAGIC = b"%PDF-"
_NAMED_AS = {
    ".docx": "a Word document",
    ".odt": "an OpenDocument text",
    ".xlsx": "an Excel workbook",
    ".ods": "an OpenDocument spreadsheet",
    ".pdf": "a PDF",
}
"""What a file named so is read as, for one that is none: a document's own kind."""
_NOT_TEXT = (
    (b"{\\rtf", "rich text (RTF); save it as plain text (.txt) or as a Word document (.docx)"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "a Word or Excel file saved with a password, or in the old .doc or .xls format; save it "
        "without a password as .docx or .xlsx",
    ),
)


def _read_office(data: bytes) -> ImportResult:
    """The FAQ in a Word, Excel or OpenDocument file (``office.read_office``)."""
    try:
        found = read_office(data)
    except OfficeError as exc:
        raise KnowledgeError(str(exc)) from None
    return parse_document(found) if isinstance(found, str) else _read_sheets(found)


def _asks(cells: list[str]) -> bool:
    """Whether a spreadsheet's row has a cell that reads as a question."""
    return any(cell.rstrip().endswith(tuple(_QUESTION_MARKS)) for cell in cells)


def _read_sheets(sheets: list[Sheet]) -> ImportResult:
    """The entries of a workbook's sheet with the most rows that ask a question, else its
    first (the one it opens on) that has questions and answers, each read as ``parse_rows``
    reads a CSV's rows; a note for each other sheet with text, which is left out, and for a
    hidden one that asks (an FAQ hidden by mistake was left out unsaid, or "no sheet has a
    question"; a hidden sheet of lists for a form's choices is no FAQ, and not told)."""
    filled = [sheet for sheet in sheets if sheet.rows and not sheet.hidden]
    hidden = [sheet for sheet in sheets if sheet.hidden and _holds_faq(sheet)]
    # the sheet that asks most ("Updated, 1 March" on a cover is no question), else in order
    asking = sorted(filled, key=lambda sheet: -sum(_asks(cells) for _, cells in sheet.rows))
    for sheet in asking:
        try:
            result = parse_rows(sheet.rows, unit="row")
        except KnowledgeError:
            continue
        left = tuple(
            Note(
                1,
                f"sheet {other.title!r} left out: only the sheet {sheet.title!r} is read; "
                "if visitors should hear any of its rows, move them there",
                place="workbook",
            )
            for other in filled
            if other is not sheet
        ) + tuple(
            Note(
                1,
                f"sheet {other.title!r} left out: it is hidden; if visitors should hear any "
                f"of its rows, unhide it and move them to the sheet {sheet.title!r}",
                place="workbook",
            )
            for other in hidden
        )
        return dataclasses.replace(result, notes=(*left, *_hidden_notes(sheet), *result.notes))
    if hidden:
        several = bool(hidden[1:])
        raise KnowledgeError(
            "no visible sheet has a question and an answer in a row; the questions are on "
            f"the hidden sheet{'s' if several else ''} "
            f"{', '.join(repr(sheet.title) for sheet in hidden)}: unhide "
            f"{'them' if several else 'it'} and import again"
        )
    named = ", ".join(repr(sheet.title) for sheet in filled)
    raise KnowledgeError(
        f"no sheet has a question and an answer in a row{f' ({named})' if named else ''}; put "
        "questions in one column and their answers in the next"
    )


def _holds_faq(sheet: Sheet) -> bool:
    """Whether a sheet's rows read as questions and answers (a hidden sheet of lists for a
    form's choices does not, nor one of questions alone)."""
    if not any(_asks(cells) for _, cells in sheet.rows):
        return False
    try:
        parse_rows(sheet.rows, unit="row")
    except KnowledgeError:
        return False
    return True


def _hidden_notes(sheet: Sheet) -> tuple[Note, ...]:
    """What a sheet hides and the import left out, each for the operator to unhide or
    delete."""
    notes = []
    if sheet.hidden_rows:
        rows = sheet.hidden_rows
        named = ", ".join(map(str, rows[:10])) + (
            f" and {len(rows) - 10} more" if rows[10:] else ""
        )
        notes.append(
            Note(
                rows[0],
                f"row{'s' if rows[1:] else ''} {named} left out: hidden, filtered out or "
                f"folded away; show {'them' if rows[1:] else 'it'} to import "
                f"{'them' if rows[1:] else 'it'}",
                place=f"sheet {sheet.title!r}",
            )
        )
    if sheet.hidden_columns:
        columns = ", ".join(sheet.hidden_columns)
        notes.append(
            Note(
                1,
                f"hidden column{'s' if sheet.hidden_columns[1:] else ''} {columns} left out; "
                "unhide a column of questions or answers to import it",
                place=f"sheet {sheet.title!r}",
            )
        )
    return tuple(notes)


def parse_csv(text: str) -> ImportResult:
    """Turn a spreadsheet's questions and answers, saved as CSV, into entries and notes.

    Each row is a question in one column and its answer in the next: the columns named
    "question" and "answer" in a first row of names (a header; "FAQ question", "Our reply"
    too, beside an exact name or each other), else the first two, or a later column that
    clearly holds the questions (a section's name or a number before them) and the one after
    it (or, where that one holds a category's short names, the column of longer text). A
    question is one whatever it ends in, and an answer is kept whole, its lines and
    paragraphs too. Columns the first row names as other fields of an entry are read as
    those, with a note: other wordings ("Alternatives", "Other ways to ask": one a line, or
    between ``;`` or ``|``), its topic ("Topic", "Category", "Section"), keywords and the
    answer as spoken; so is a column before the questions' of a section's name for each row
    that repeats ("Tickets,Is there wifi?,Yes"), as the topics (not one name over every row,
    "General", which names the FAQ). A first row of other names
    (up to three words each, with no digit or punctuation: "Details"; or "#", "No.") is left
    out with a note, and so is a row without a question or an answer, and text in other
    columns (one note for a column of repeated names or of numbers). A question asked again
    adds its answer, wordings and keywords to the first one's. Commas, semicolons or tabs may
    set the cells apart (tabs when every line has one, whatever commas the answers hold).
    Raises ``KnowledgeError`` when no row has a question and an answer, or a quote opened
    in a cell is never closed.
    """
    text = text.removeprefix("\ufeff")
    start = 1
    if found := re.match(r"sep=([,;\t|])\r?\n", text):  # Excel's line naming the delimiter
        text, start = text[found.end() :], 2
    sample = text if len(text) <= _SAMPLE else text[: text.rfind("\n", 0, _SAMPLE) + 1] or text
    delimiter = "\t"
    if found:
        delimiter = found.group(1)
    elif not all("\t" in line for line in sample.splitlines() if line.strip()):
        try:
            guessed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            guessed = ","
        delimiter = _even_delimiter(sample, guessed)

    # Only the delimiter is guessed: every spreadsheet quotes as Excel does, a quote inside
    # a cell doubled ("a ""quoted"" word"), which the guess missed, cutting answers short.
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    line = start
    try:
        for row in reader:
            rows.append((line, [cell.strip() for cell in row]))
            line = reader.line_num + start
    except csv.Error as exc:
        raise KnowledgeError(
            f"line {line}: not CSV ({exc}); save the spreadsheet as CSV, or give a text FAQ"
        ) from None
    if (opened := _never_closed(text, delimiter, rows)) is not None:
        # A quote never closed took the lines after it into one cell (entries lost).
        raise KnowledgeError(
            f'line {opened}: a quote (") opened in this row is never closed, so the lines '
            "after it are read as one cell; close it, or take it out"
        )
    return parse_rows(rows)


def _never_closed(text: str, delimiter: str, rows: list[tuple[int, list[str]]]) -> int | None:
    """The line of the row whose quote is never closed, read to the file's end (strictly
    read, the file ends inside it) or to a later quote (a line in one of its cells holds a
    question and the cell after it: "Where can I park?,Behind the hall"), else None."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "end of data" in str(exc) and rows:
            return rows[-1][0]
    asked = re.compile(rf"[{_QUESTION_MARKS}]\s*{re.escape(delimiter)}\s*\S")
    for number, cells in rows:
        if any(asked.search(line) for cell in cells for line in cell.splitlines()[1:]):
            return number
    return None


def _even_delimiter(sample: str, guessed: str) -> str:
    """Of ``,``, ``;`` and tab, the one before which ``sample``'s quoted cells open, else the
    one that cuts most of its rows (read as CSV, so not inside quotes) into as many cells as
    the first, two or more; ``guessed`` (by ``csv.Sniffer``) where several do as well. The
    guess alone fails on a quoted cell of several lines, or takes commas in a file of ``;``
    (Excel saves so where ``,`` is the decimal mark)."""

    def fit(delimiter: str) -> tuple[int, int]:
        opened = len(re.findall(rf'(?:^|{re.escape(delimiter)})[ ]*"', sample, re.MULTILINE))
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            return opened, 0
        even = sum(len(row) == len(rows[0]) for row in rows) if rows and len(rows[0]) > 1 else 0
        return opened, even

    return max((guessed, ",", ";", "\t"), key=fit)


def parse_rows(rows: list[tuple[int, list[str]]], unit: str = "line") -> ImportResult:
    """Entries and notes from a spreadsheet's rows (each its line or row number and its
    cells), as ``parse_csv`` reads them; ``unit`` is what the numbers count: a CSV's "line",
    a sheet's "row"."""
    rows = [(number, [characters(cell) for cell in row]) for number, row in rows if any(row)]
    if not rows:
        raise KnowledgeError("no rows; put questions in one column and their answers in the next")
    notes: list[tuple[int, str, _Draft | None]] = []
    # a title over the column names ("Ferry FAQ", "Last updated: May" over "Question, Answer")
    named_at = next(
        (
            at
            for at, (_, row) in enumerate(rows[: _TITLE_ROWS + 1])
            if any(phrase_key(cell) in _QUESTION_COLUMNS | _ANSWER_COLUMNS for cell in row)
        ),
        0,
    )
    if all(_filled(row) < 2 for _, row in rows[:named_at]):
        for at, (number, row) in enumerate(rows[:named_at]):
            title = " ".join(" ".join(row).split())
            which = "first row" if at == 0 else "row"
            notes.append(
                (number, f"{which} {title!r} is a title over the column names; left out", None)
            )
        rows = rows[named_at:]
    first = rows[0]
    names = [phrase_key(cell) for cell in first[1]]
    extras = _extra_columns(names)
    asks, says = (
        [at for at in _named(names, wanted) if at not in extras.values()]
        for wanted in (_QUESTION_COLUMNS, _ANSWER_COLUMNS)
    )
    if not (any(name in _QUESTION_COLUMNS | _ANSWER_COLUMNS for name in names) or (asks and says)):
        asks = says = []  # "Response times,Within two days" names no column: it is a row
    # a first row of one cell that names no column is no row of names ("Tickets" over rows)
    alone = _filled(first[1]) < 2
    header = not any(cell.endswith(tuple(_QUESTION_MARKS)) for cell in first[1]) and bool(
        asks
        or says
        or (
            len(rows) > 1
            and not alone
            and all(_COLUMN_NAME_RE.match(cell) for cell in first[1] if cell)
        )
    )
    rows = rows[header:]
    body = [row for _, row in rows]
    width = max((len(row) for row in body), default=0)
    asked = _question_column(body, asks) if asks else None
    said = next((at for at in says if at != asked), None)
    named = asked is not None and said is not None
    if asked is None:
        # the questions may be in the last column, answers before them, when none is named
        before = [at for at in range(width) if at != said]
        asked = _question_column(body, before or [1 if said == 0 else 0])
    if said is None:
        beside = asked + 1 if asked + 1 < width or asked == 0 else asked - 1
        said = _answer_column(body, asked, beside, width)
        if said > beside:
            notes.append(
                (
                    rows[0][0],
                    f"answers are read from column {_letter(said)}, which holds longer text "
                    f"than column {_letter(beside)} beside the questions",
                    None,
                )
            )
    if said < asked and not named:
        notes.append(
            (
                rows[0][0],
                f"questions are read from column {_letter(asked)}, which holds more of them, "
                f"and their answers from column {_letter(said)} before it",
                None,
            )
        )
    if header and not named:
        notes.append(
            (
                first[0],
                f"first row {', '.join(first[1])!r} is taken for column names and left out; "
                f"questions are read from column {_letter(asked)}, answers from column "
                f"{_letter(said)}",
                None,
            )
        )
    extras = {field: at for field, at in extras.items() if header and at not in (asked, said)}
    unnamed = [  # before the questions, or between them and their answers
        at
        for at in range(max(asked, said))
        if at not in (asked, said) and not (header and at < len(names) and names[at])
    ]
    section = None if "topic" in extras else _section_column(body, unnamed, extras)
    if section is not None:
        extras["topic"] = section
    topics = extras.get("topic")
    if (
        topics is not None
        and names[topics : topics + 1] not in (["topic"], ["topics"])
        and len(_names(body, topics)) < 2
    ):
        del extras["topic"]  # one name over every row ("General") names the FAQ, not its entries
    asking = [(number, row) for number, row in rows if asked < len(row) and phrase_key(row[asked])]
    notes.extend(_extra_notes(extras, first, asking or rows, header))
    topical = extras.get("topic")
    drafts: list[_Draft] = []
    by_key: dict[str, list[_Draft]] = {}  # each question's drafts, one a topic
    twice: set[str] = set()  # questions asked under two topics or more
    left_out: dict[int, list[tuple[int, str]]] = {}
    titles = _title_rows(rows)
    under: dict[int, tuple[int, str]] = {}  # id of a draft -> the title row over it
    over: tuple[int, str] | None = None  # the title row over this one
    # A sheet of topics by group; not one naming each entry's id, as `knowledge export`
    # writes it, whose blank topic is an entry's own
    grouped = topical is not None and "id" not in extras
    above = ""  # the topic of the rows before, for a blank cell under it
    filled: list[int] = []
    last: _Draft | None = None  # the entry the row above gave its answer
    last_row = 0  # the number of the row above
    for number, row in rows:
        if number in titles:
            over = (number, titles[number])
            above = ""
            last = None
            continue
        cells = row + [""] * (max(asked, said, *extras.values()) + 1 - len(row))
        question = " ".join(cells[asked].split())
        if (found := _question_line(question)) is not None:
            question = found.question
        answer = _unlabelled(_cell_lines(cells[said]))
        fields = {field: cells[at] for field, at in extras.items()}
        if _question_line(" ".join(fields.get("topic", "").split())) is not None:
            fields["topic"] = ""  # a question in the topics' column: a row out of line, noted
        elif grouped and phrase_key(question):
            if fields["topic"].strip():
                above = fields["topic"]  # a group's first row, kept or not
            elif above and phrase_key(answer):
                # A group's name written once, over its rows (a sheet's merged cells saved
                # as CSV, or a category typed only on the first row): theirs too.
                fields["topic"] = above
                filled.append(number)
        for at, cell in enumerate(cells):
            kept = at in (asked, said) or (
                at in extras.values() and (at != topical or fields["topic"])
            )
            if cell and not kept:
                left_out.setdefault(at, []).append((number, cell))
        if last is not None and number != last_row + 1:
            last = None  # a blank row sets the row under it apart
        last_row = number
        if (
            not phrase_key(question)
            and phrase_key(answer)
            and last is not None
            # nothing else in it: a row with its own topic or keywords is a row of its own
            and not any(cell.strip() for at, cell in enumerate(cells) if at != said)
        ):
            # "", "Saturday 9am to 1pm" under "What are the opening times?", "Monday to
            # Friday 9am to 6pm": its answer's next line, left out before
            last.paragraphs[-1] += f"\n{answer}"
            notes.append(
                (
                    number,
                    f"row without a question read as more of the answer above it, to "
                    f"{last.question!r}: give it a question if it is an entry of its own",
                    last,
                )
            )
            continue
        last = None
        if not phrase_key(question):
            shown = answer or " ".join(" ".join(cell for cell in row if cell).split())
            notes.append((number, f"row without a question left out: {shown!r}", None))
        elif not phrase_key(answer):
            notes.append((number, f"question {question!r} has no answer; dropped", None))
        elif (
            seen := next(
                (
                    draft
                    for draft in by_key.get(phrase_key(question), ())
                    if _same_topic(
                        _row_topic(fields, over),
                        _row_topic({"topic": draft.topic}, under.get(id(draft))),
                    )
                ),
                None,
            )
        ) is not None:
            seen.paragraphs.append(answer)
            last = seen
            topic = " ".join(fields.get("topic", "").split())
            other = f"; its topic {topic!r} left out" if topic not in ("", seen.topic) else ""
            _take_fields(seen, fields)
            notes.append(
                (
                    number,
                    f"repeated question {question!r} merged into the one "
                    f"{_at(unit, seen.line)}{other}",
                    seen,
                )
            )
        else:
            if phrase_key(question) in by_key:
                twice.add(phrase_key(question))  # asked again under another topic
            draft = last = _Draft(number, question, [], [answer])
            _take_fields(draft, fields)
            drafts.append(draft)
            by_key.setdefault(phrase_key(question), []).append(draft)
            if over is not None:
                under[id(draft)] = over
    if filled:
        notes.append(
            (
                filled[0],
                f"{len(filled)} {'row' if len(filled) == 1 else 'rows'} with a blank cell in "
                f"the topics' column {_letter(topical or 0)} read as under the topic above "
                f"{'it' if len(filled) == 1 else 'them'}; give a row's own topic there if not",
                None,
            )
        )
    _told_apart(
        drafts, twice, lambda draft: _row_topic({"topic": draft.topic}, under.get(id(draft))), notes
    )
    _section_topics(drafts, under, notes)
    named_on = {at: first[0] for at, cell in enumerate(first[1]) if header and cell.strip()}
    notes.extend(_left_out_notes(left_out, asked, said, named_on))
    if not drafts:
        raise KnowledgeError(
            "no row has a question and an answer; put questions in one column and "
            "their answers in the next"
        )
    return _result(drafts, notes, unit=unit)


def _at(unit: str, number: int) -> str:
    """Where a note's other row is: "on line 3" of a CSV, "in row 3" of a sheet."""
    return f"{'on' if unit == 'line' else 'in'} {unit} {number}"


def _title_rows(rows: list[tuple[int, list[str]]]) -> dict[int, str]:
    """The rows of a sheet that hold a section's title alone over rows of questions
    ("Tickets" in a row of its own), by number: a few words, no digit, no question; none
    unless two sections or more are so named (one over every row names the FAQ)."""
    filled = [_filled(row) for _, row in rows]
    last = max((at for at, count in enumerate(filled) if count > 1), default=-1)
    titles = {}
    for at, (number, row) in enumerate(rows[:last]):
        title = " ".join(" ".join(row).split())
        if (
            filled[at] == 1
            and len(title.split()) <= _TITLE_ROW_WORDS
            and _SECTION_RE.match(title)
            and not any(char.isdigit() for char in title)
            and _question_line(title) is None
        ):
            titles[number] = title
    return titles if len({phrase_key(title) for title in titles.values()}) > 1 else {}


_TITLE_ROWS = 3
"""A sheet's rows of one cell over its column names, at most: its title, when it was last
updated, by whom."""
_TITLE_ROW_WORDS = 5
"""The most words of a section's title in a sheet's row of its own ("Food, drink and
facilities")."""


def _filled(row: list[str]) -> int:
    """How many of a row's cells hold text."""
    return sum(bool(cell.strip()) for cell in row)


def _extra_columns(names: list[str]) -> dict[str, int]:
    """The columns a first row names as another field of the entries (``_EXTRA_COLUMNS``):
    field -> column, the first so named; none that names a question or an answer."""
    found: dict[str, int] = {}
    for field, wanted in _EXTRA_COLUMNS:
        for at in _named(names, wanted):
            answers = field != "spoken" and not _ANSWER_COLUMNS.isdisjoint(names[at].split())
            if at not in found.values() and names[at] not in _QUESTION_COLUMNS and not answers:
                found[field] = at  # not "Alternative answer": that is no other wording
                break
    return found


def _names(rows: list[list[str]], column: int) -> list[str]:
    """The names in a column of topics, each once, in order: its cells' texts, less any that
    reads as a question."""
    cells = dict.fromkeys(" ".join(row[column].split()) for row in rows if column < len(row))
    return [cell for cell in cells if cell and _question_line(cell) is None]


def _section_column(rows: list[list[str]], columns: list[int], taken: dict[str, int]) -> int | None:
    """Of ``columns`` (those before the questions' without a name), one of a section's or
    category's name for each row ("Tickets,Is there wifi?,Yes"): short names without a
    sentence's punctuation or a digit (not a date), none a question, one at least on two
    rows."""
    for at in columns:
        if at in taken.values():
            continue
        cells = [" ".join(row[at].split()) for row in rows if at < len(row) and row[at].strip()]
        if len(set(cells)) < len(cells) and all(
            _TITLE_RE.match(cell)
            and _question_line(cell) is None
            and not any(char.isdigit() for char in cell)
            for cell in cells
        ):
            return at
    return None


def _extra_notes(
    extras: dict[str, int],
    first: tuple[int, list[str]],
    rows: list[tuple[int, list[str]]],
    header: bool,
) -> list[tuple[int, str, None]]:
    """A note for each column read as another field of the entries than question and answer
    (a column of topics with the first few it holds)."""
    what = {
        "id": "the entries' ids",
        "alternatives": "other wordings of each question (one a line, or between ';' or '|')",
        "topic": "the entries' topics",
        "keywords": "the entries' keywords (a line each, or between commas)",
        "spoken": "the answers as spoken",
    }
    notes: list[tuple[int, str, None]] = []
    for field, at in sorted(extras.items(), key=lambda item: item[1]):
        name = first[1][at] if header and at < len(first[1]) else ""
        called = f" {name!r}" if name else ""
        said = what[field]
        if field == "topic":
            shown = [repr(topic) for topic in _names([row for _, row in rows], at)]
            if shown:
                said += f" ({', '.join(shown[:3])}{', ...' if len(shown) > 3 else ''})"
            else:  # an exported file's column of topics, none written yet
                said += ", empty in every row"
        notes.append(
            (first[0] if name else rows[0][0], f"column {_letter(at)}{called} read as {said}", None)
        )
    return notes


def wordings(cell: str) -> list[str]:
    """The wordings a spreadsheet's cell of other wordings holds: one a line, or, in a cell of
    one line, between ``;`` or ``|`` (or a comma after a ``?``: ``_listed_wordings``), or
    after each ``?`` where every part asks ("Card or
    cash? Which do you take" is one), without what marks each as a question (a bullet, a
    number, quotes)."""
    if "\n" in cell:
        return [wording for piece in cell.splitlines() if phrase_key(wording := _wording(piece))]
    # "Can I get online? Do you have internet?" is two; "Card or cash? Which do you take" one
    asked = [re.split(rf"(?<=[{_QUESTION_MARKS}])\s+", p.strip()) for p in _listed_wordings(cell)]
    pieces = [
        part for parts in asked for part in (parts if _all_asked(parts) else [" ".join(parts)])
    ]
    return [wording for piece in pieces if phrase_key(wording := _wording(piece))]


def _listed_wordings(cell: str) -> list[str]:
    """A cell's line cut between ``;`` or ``|``; without them, at commas after a question's
    mark ("dogs allowed?, are pets ok?"), never at other commas: one wording has them
    ("do you sell tickets, gift cards, or vouchers?", "hi there, I was wondering, ...")."""
    if re.search("[;|]", cell):
        return re.split("[;|]", cell)
    return re.split(rf"(?<=[{_QUESTION_MARKS}]),\s*", cell.strip())


def _all_asked(parts: list[str]) -> bool:
    """Whether each of ``parts`` ends in a question mark."""
    return all(part.rstrip().endswith(tuple(_QUESTION_MARKS)) for part in parts)


def keywords(cell: str) -> list[str]:
    """The keywords a cell holds: one a line, or, in a cell of one line, between commas."""
    pieces = cell.splitlines() if "\n" in cell else _KEYWORDS_SPLIT_RE.split(cell)
    return [" ".join(piece.split()) for piece in pieces if phrase_key(piece)]


def _take_fields(draft: _Draft, fields: dict[str, str]) -> None:
    """Add to ``draft`` what a row's cells of other fields hold (field -> cell, as
    ``_EXTRA_COLUMNS`` names them): its wordings and keywords after those it has, its topic and
    spoken answer where it has none."""
    draft.given |= fields.keys()
    draft.alternatives.extend(wordings(fields.get("alternatives", "")))
    for keyword in keywords(fields.get("keywords", "")):
        if keyword not in draft.keywords:
            draft.keywords.append(keyword)
    draft.topic = draft.topic or " ".join(fields.get("topic", "").split())
    given = fields.get("id", "").strip().lower()  # "Q1", "FAQ-01" as q1, faq-01
    draft.id = draft.id or (given if _ID_RE.match(given) else _slug(given))
    spoken = "\n".join(line.strip() for line in fields.get("spoken", "").splitlines()).strip()
    draft.spoken = draft.spoken or spoken


def _wording(piece: str) -> str:
    """One wording of a cell of several, without what marks it as a question (a bullet, a
    number, quotes)."""
    piece = " ".join(piece.split())
    found = _question_line(piece)
    return found.question if found is not None else piece.strip("\"'\u201c\u201d-\u2022* ")


def _named(names: list[str], wanted: frozenset[str]) -> list[int]:
    """The columns whose name (as ``phrase_key`` gives it) is one of ``wanted``; else those
    whose name holds one of its words of more than three letters ("FAQ question", "Answer
    text", but not "FAQ category")."""
    exact = [at for at, name in enumerate(names) if name in wanted]
    return exact or [
        at
        for at, name in enumerate(names)
        if any(len(word) > 3 and word in wanted for word in name.split())
    ]


def _question_column(rows: list[list[str]], columns: list[int]) -> int:
    """Which of ``columns`` holds a spreadsheet's questions: the first, unless another
    clearly does (a section's name or a number before them, "Tickets,Is there wifi?,Yes"):
    more of its cells than the first's read as questions, and more than half of those with
    text."""

    cells = {
        at: [" ".join(row[at].split()) for row in rows if at < len(row) and row[at]]
        for at in columns
    }
    questions = {at: sum(_question_line(cell) is not None for cell in cells[at]) for at in cells}
    # a column of numbers ("1", "2.", "#3") numbers the questions, unless all are numbers
    numbered = [at for at in columns if all(_NUMBER_CELL_RE.fullmatch(c) for c in cells[at])]
    columns = [at for at in columns if at not in numbered] or columns
    best = max(columns, key=lambda at: (questions[at], -at))
    if questions[best] > questions[columns[0]] and 2 * questions[best] > len(cells[best]):
        return best
    return columns[0]


def _answer_column(rows: list[list[str]], asked: int, beside: int, width: int) -> int:
    """Which column holds the answers where no column is named: the one ``beside`` the
    questions, unless it holds a category's short names (as ``_section_column`` finds them)
    and another column text twice as long on average, in at least half the rows
    ("Is there wifi?,Facilities,Yes, ask for the code." without its column names)."""
    if _section_column(rows, [beside], {}) is None:
        return beside

    def length(at: int) -> float:
        cells = [row[at] for row in rows if at < len(row) and row[at].strip()]
        return sum(map(len, cells)) / len(cells) if 2 * len(cells) >= len(rows) else 0.0

    others = [at for at in range(width) if at not in (asked, beside)]
    longest = max(others, key=length, default=beside)
    return longest if length(longest) >= 2 * length(beside) else beside


def _letter(column: int) -> str:
    """A column's name as a spreadsheet shows it: A for the first, AA after Z."""
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _left_out_notes(
    left_out: dict[int, list[tuple[int, str]]], asked: int, said: int, named_on: dict[int, int]
) -> list[tuple[int, str, None]]:
    """A note for each row with text in another column than the question's and the answer's;
    one for a column of short cells (numbers, dates, names), less any of its cells that reads
    as a question, which keeps a note of its own, on the line of the column's name
    (``named_on``: a column's line, for those named in a row of column names) or else of its
    first cell. A column of names that repeat, without a digit, may be a section's or
    category's under a name the import does not know ("Area"): its note says to name it
    Topic."""
    notes: list[tuple[int, str, None]] = []
    for column, cells in sorted(left_out.items()):
        alone = [(n, text) for n, text in cells if _question_line(text) is not None]
        grouped = [(n, text) for n, text in cells if _question_line(text) is None]
        seen = list(dict.fromkeys(text for _, text in grouped))
        short = all(_TITLE_RE.match(text) or _NUMBER_CELL_RE.fullmatch(text) for text in seen)
        if len(grouped) < 2 or not short:
            alone, grouped = cells, []
        notes.extend((n, f"text in other columns left out: {text!r}", None) for n, text in alone)
        if grouped:
            shown = ", ".join(repr(text) for text in seen[:3]) + (", ..." if len(seen) > 3 else "")
            names = len(seen) < len(grouped) and not any(c.isdigit() for t in seen for c in t)
            advice = (
                "if it names each row's topic, give it the column name Topic"
                if names
                else "move what visitors should hear into the answers"
            )
            notes.append(
                (
                    named_on.get(column, grouped[0][0]),
                    f"column {_letter(column)} left out ({len(grouped)} rows: {shown}); "
                    f"questions are read from column {_letter(asked)}, answers from column "
                    f"{_letter(said)}: {advice}",
                    None,
                )
            )
    return notes


def _result(
    drafts: list[_Draft],
    notes: list[tuple[int, str, _Draft | None]],
    taken: set[str] | None = None,
    unit: str = "line",
) -> ImportResult:
    """The entries of ``drafts``, with ids (those a column of ids gave first, so an id made
    of a question never takes one; none of ``taken``), and the notes, in the order of their
    lines (each at its ``unit`` and number, when that is not a line)."""
    _claim_alternatives(drafts, notes, unit)
    _cut_shared_ending(drafts, notes)
    catch_all: dict[str, list[_Draft]] = {}
    for draft in drafts:
        if draft.topic and english().catch_all(draft.topic):
            catch_all.setdefault(draft.topic, []).append(draft)
            draft.topic = ""
    for name, members in catch_all.items():
        notes.append((members[0].line, _catch_all_note(f"topic {name!r}", len(members)), None))
    used: set[str] = set(taken or ())
    ids: dict[int, str] = {}
    for draft in drafts:  # each id a row gives is its first row's, before any is renamed
        if draft.id and draft.id not in used:
            used.add(draft.id)
            ids[id(draft)] = draft.id
    for draft in drafts:
        if draft.id and id(draft) not in ids:
            ids[id(draft)] = _unique(draft.id, used)
            # Manifests and the turn log name entries by id: a renamed one is said.
            notes.append(
                (
                    draft.line,
                    f"id {draft.id!r} is an entry's above; this entry's is "
                    f"{ids[id(draft)]!r}: give it an id of its own in the source",
                    draft,
                )
            )
    forms = _written_forms(drafts) if any(draft.topic for draft in drafts) else {}
    entries: list[Entry] = []
    for number, draft in enumerate(drafts, start=1):
        entry_id = ids.get(id(draft)) or _unique(_slug(draft.question) or f"entry-{number}", used)
        ids[id(draft)] = entry_id
        alternatives = tuple(draft.alternatives)
        entries.append(
            Entry(
                id=entry_id,
                question=draft.question,
                answer=_answer_text(draft),
                alternatives=alternatives,
                spoken=draft.spoken or None,
                topic=_topic_case(draft.topic, forms),
                keywords=tuple(draft.keywords),
            )
        )
    result_notes = tuple(
        Note(
            line,
            message,
            ids.get(id(draft)) if draft is not None else None,
            place="" if unit == "line" else f"{unit} {line}",
        )
        for line, message, draft in sorted(notes, key=lambda n: n[0])
    )
    for note in result_notes:
        logger.info("%s", note)
    given = frozenset(field for draft in drafts for field in draft.given)
    return ImportResult(entries=tuple(entries), notes=result_notes, fields=given)


_SHARED_ENDING_LEAST = 4
"""How many answers, at least (and two thirds of all), end alike for their ending to be
left out."""
_ENDING_STOP_RE = re.compile(r"(?<=[.!?\u2026])\s+|\s*\n\s*")


@functools.cache
def _abbreviation_re() -> re.Pattern[str]:
    """A stop that ends no sentence: after a word of ``lang/en.yaml``'s ``stopped_short`` (a
    title, "e.g.", "a.m.") or an initial."""
    words = "|".join(map(re.escape, english().stopped_short))
    return re.compile(rf"\b(?:{words}|[A-Z])\.$")


def _sentence_starts(text: str) -> list[int]:
    """Where each sentence of ``text`` starts (the first at 0): after a stop and a space, or
    a line's end (a list's item, a paragraph without a stop); a stop after an abbreviation
    ("Dr. Patel", "9 a.m. Monday") ends none."""
    starts = [0]
    for stop in _ENDING_STOP_RE.finditer(text):
        if "\n" in stop.group() or not _abbreviation_re().search(text[: stop.start()]):
            starts.append(stop.end())
    return starts


def shared_ending(answers: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The last sentences that at least ``_SHARED_ENDING_LEAST`` of ``answers``, and two
    thirds of them, end with word for word (case and punctuation aside), as the first of
    them writes them, and the numbers of the answers that have more to say than that
    ending; ("", ()) when no ending is so shared. The ending goes back a sentence only where
    every answer that ends so has that sentence before it (one that is the ending alone
    aside): a sentence some of them have before a page's footer is their own."""
    said = []
    for answer in answers:
        text = "\n".join(" ".join(line.split()) for line in answer.strip().splitlines())
        starts = _sentence_starts(text)
        said.append([text[a:b].strip() for a, b in itertools.pairwise([*starts, len(text)])])
    least = max(_SHARED_ENDING_LEAST, -(-2 * len(answers) // 3))
    ending: list[str] = []
    sharing = list(range(len(answers)))
    while True:
        depth = len(ending) + 1
        tails: dict[str, list[int]] = {}
        for number in sharing:
            if len(said[number]) >= depth and (key := phrase_key(said[number][-depth])):
                tails.setdefault(key, []).append(number)
        alike = max(tails.values(), key=len, default=[])
        if sum(len(said[n]) > depth for n in alike) < least or (ending and len(tails) > 1):
            break
        ending.insert(0, said[alike[0]][-depth])
        sharing = alike
    if not ending:
        return "", ()
    return " ".join(ending), tuple(n for n in sharing if len(said[n]) > len(ending))


def _without_ending(text: str, ending: str) -> str | None:
    """``text`` without its last sentences that are ``ending`` (word for word, case and
    punctuation aside), its lines and paragraphs kept; None when it does not so end, or is
    no more than that."""
    key = phrase_key(ending)
    for cut in reversed(_sentence_starts(text)[1:]):
        tail = phrase_key(text[cut:])
        if tail == key:
            return text[:cut].rstrip() if phrase_key(text[:cut]) else None
        if len(tail) > len(key):
            break
    return None


def _cut_shared_ending(drafts: list[_Draft], notes: list[tuple[int, str, _Draft | None]]) -> None:
    """Leave out the last sentences most answers end with word for word (a page's "Still
    need help? Contact us." under each: ``shared_ending``), and their spoken forms' too,
    with a note; one that holds a number (a telephone's, a price, a time) is only told."""
    answered = [draft for draft in drafts if any(text.strip() for text in draft.paragraphs)]
    ending, sharing = shared_ending(["\n\n".join(draft.paragraphs) for draft in answered])
    if not ending:
        return
    first = answered[sharing[0]].line
    if any(char.isdigit() for char in ending):
        notes.append(
            (
                first,
                f"{len(sharing)} answers end with {ending!r}, which the kiosk says after each "
                "of them; take it out of those that do not need it",
                None,
            )
        )
        return
    cut = 0
    for number in sharing:
        draft = answered[number]
        left = _without_ending("\n\n".join(draft.paragraphs), ending)
        if left is None:
            continue  # its sentences end otherwise than its lines show
        draft.paragraphs = left.split("\n\n")
        spoken = _without_ending(draft.spoken, ending) if draft.spoken else None
        draft.spoken = draft.spoken if spoken is None else spoken
        cut += 1
    if cut:
        notes.append(
            (
                first,
                f"{cut} answers ended with {ending!r}: left out (the kiosk would say it after "
                "each answer); write it into an answer that needs it",
                None,
            )
        )


def _claim_alternatives(
    drafts: list[_Draft], notes: list[tuple[int, str, _Draft | None]], unit: str = "line"
) -> None:
    """Leave each wording to one entry, so the draft loads: an alternative that is another
    entry's question (asked again later with an answer of its own), or an alternative an
    earlier entry has, is dropped with a note; a repeat within one entry silently."""
    questions = {phrase_key(draft.question): draft for draft in drafts}
    claimed: dict[str, _Draft] = {}
    for draft in drafts:
        kept: list[str] = []
        for alternative in draft.alternatives:
            key = phrase_key(alternative)
            owner = questions.get(key) or claimed.get(key)
            if owner is draft or key in {phrase_key(k) for k in kept}:
                continue
            if owner is not None:
                what = "the question" if key in questions else "an alternative of the question"
                notes.append(
                    (
                        draft.line,
                        f"alternative {alternative!r} is also {what} {_at(unit, owner.line)}; "
                        "it is left to that entry",
                        draft,
                    )
                )
                continue
            claimed[key] = draft
            kept.append(alternative)
        draft.alternatives[:] = kept


def to_yaml(result: ImportResult) -> str:
    """The entries in the knowledge file format, notes as comments above their entries, their
    texts written so the knowledge's loader reads them as they are (a "&lt;" the FAQ shows as
    such is written "&amp;lt;": ``markup.literal``)."""
    review = "Review the notes below, then add" if result.notes else "Add"
    out = [
        f"# Imported from an FAQ. {review} alternatives, spoken forms, topics and",
        "# keywords; check the file with `knotvoice knowledge lint`.",
    ]
    loose = [note for note in result.notes if note.entry is None]
    out.extend(f"# NOTE {note}" for note in loose)
    out.append(f"version: {FORMAT_VERSION}")
    out.append("entries:")
    for entry in result.entries:
        out.append("")
        out.extend(f"  # NOTE {note}" for note in result.notes if note.entry == entry.id)
        data: dict[str, Any] = {"id": entry.id, "question": literal(entry.question)}
        if entry.alternatives:
            data["alternatives"] = [literal(wording) for wording in entry.alternatives]
        data["answer"] = literal(entry.answer)
        for field, value in (
            ("spoken", literal(entry.spoken or "")),
            ("topic", literal(entry.topic)),
            ("keywords", [literal(keyword) for keyword in entry.keywords]),
        ):
            if value:
                data[field] = value
        text = yaml.dump([data], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        out.extend(("  " + line) if line else line for line in text.splitlines())
    return "\n".join(out) + "\n"


# --- helpers -------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: _Paragraph | None = None  # the paragraph of answer text being read
    written = text.splitlines()
    lines = [raw.strip() for raw in written]
    items: list[tuple[int, int]] = []  # the list items a line may be in (``_nested``)
    table = _table_lines(lines)
    questions = [_question_line(line) if line else None for line in lines]
    asking = [line for at, line in enumerate(lines) if at + 1 not in table and questions[at]]
    bold = _asks_in_bold(asking)
    # the questions are numbered: the number after the last question's opens the next one
    numbered = len(asking) > 1 and all(_QUESTION_NUMBER_RE.match(line) for line in asking)
    last = 0  # the number of the last numbered question
    listing = False  # a numbered list is in the answer being read
    # no line a question alone, and most lines each a question and its answer ("Can
    # visitors play? Yes, on weekdays."): each such line is read as one and the other
    text_lines = [line for at, line in enumerate(lines, start=1) if line and at not in table]
    both = sum(_asked_on_line(line) is not None for line in text_lines)
    inline = not any(questions) and both > 1 and 2 * both > len(text_lines)
    for number, line in enumerate(lines, start=1):
        if inline and number not in table and (asked_answered := _asked_on_line(line)):
            paragraphs.append(_Paragraph(number, [asked_answered[0]], is_question=True))
            current = _Paragraph(number, [asked_answered[1]])
            paragraphs.append(current)
            items.clear()
            continue
        if numbered and (found_number := _QUESTION_NUMBER_RE.match(line)):
            if questions[number - 1] is not None:
                last, listing = int(found_number[1]), False
            elif (
                not listing
                and int(found_number[1]) == last + 1
                # set apart from the answer above: a blank line, or the end of its sentence
                # and no list's item (a list's "2." under "1. Call us." is the answer's)
                and (
                    number == 1
                    or not lines[number - 2]
                    or (
                        bool(_FINISHED_RE.search(lines[number - 2]))
                        and not _LIST_START_RE.match(lines[number - 2])
                    )
                )
                and (asked_unmarked := _bold_question(f"**{found_number[2]}**"))
            ):
                paragraphs.append(
                    _Paragraph(
                        number,
                        [asked_unmarked],
                        is_question=True,
                        marked=True,
                        titled="numbered line",
                    )
                )
                last += 1
                current = None
                items.clear()
                continue
            else:
                listing = True  # the answer's own numbered list: its numbers are its own
        if number in table:
            items.clear()
            if number - 1 not in table:
                end = number
                while end + 1 in table:
                    end += 1
                paragraphs.extend(_table(list(enumerate(lines[number - 1 : end], start=number))))
            current = None
            continue
        found = questions[number - 1]
        # a plain question ending a paragraph of answer text ("Why not join today?") is part of it
        rhetorical = (
            found is not None
            and not found.marked
            and current is not None
            and current.is_finished
            and (number == len(lines) or not lines[number])
        )
        # several sentences under a question are its answer, never a wording of it
        answering = (
            found is not None
            and not found.labelled
            and found.sentences > 1
            and current is None
            and bool(paragraphs)
            and paragraphs[-1].is_question
        )
        if line and (found is not None or _RULE_RE.match(line) or _HEADING_RE.match(line)):
            items.clear()  # a question, heading or rule ends the lists above it
        if not line:
            current = None
        elif _RULE_RE.match(line) and found is None:
            underline = set(line.replace(" ", ""))
            if (
                current is not None
                and len(current.lines) == 1
                and len(line) >= 3
                and underline in ({"="}, {"-"})
            ):
                # a markdown heading underlined ("Parking" over "-------")
                level = 1 if line[0] == "=" else 2
                paragraphs[-1] = _Paragraph(
                    current.line,
                    [f"{'#' * level} {current.lines[0]}"],
                    is_heading=True,
                    level=level,
                )
            else:  # a rule ("---", an e-mail's "--" over its signature) ends the text above
                paragraphs.append(_Paragraph(number, [line]))
            current = None
        elif found is None and bold and (asked := _bold_question(line)):
            paragraphs.append(
                _Paragraph(number, [asked], is_question=True, marked=True, titled="bold line")
            )
            current = None
            items.clear()
        elif (
            found is not None
            and not found.marked
            and line[:1].islower()
            and current is not None
            and paragraphs[-1] is current
            and len(current.lines) == 1
            # its start: a line of its own in capitals, not an answer under a question
            and current.lines[-1][:1].isupper()
            and not (len(paragraphs) > 1 and paragraphs[-2].is_question)
            and _sentence_count(current.lines[-1]) == 1
            and len(words(f"{current.lines[-1]} {line}")) <= _ASKED_WORDS
            and not re.search(r"[.!:;,]\W*$", current.lines[-1])
            and (whole := _question_line(f"{current.lines[-1]} {line}")) is not None
            and opens_as_asked(whole.question)
        ):
            # a question wrapped by hand ("How do I apply for a permit if I" over "live
            # outside the borough?", as a PDF's or an e-mail's text holds it): its end alone
            # was the question, its start text before it
            paragraphs[-1] = _Paragraph(
                number - 1, [whole.question], is_question=True, marked=whole.marked
            )
            current = None
        elif found is not None and not (rhetorical or answering):
            paragraphs.append(
                _Paragraph(
                    number,
                    [found.question],
                    is_question=True,
                    marked=found.marked,
                    loose=found.loose,
                    heading=len(line) - len(line.lstrip("#")) if _HEADING_RE.match(line) else 0,
                )
            )
            current = _Paragraph(number, [found.answer]) if found.answer else None
            if current is not None:
                paragraphs.append(current)
        elif _HEADING_RE.match(line):
            level = len(line) - len(line.lstrip("#"))
            paragraphs.append(_Paragraph(number, [line], is_heading=True, level=level))
            current = None
        elif current is None:
            line = _nested(written[number - 1], line, items)
            if paragraphs and paragraphs[-1].loose:
                line = _unlabelled(line, loose=paragraphs[-1].loose)
            current = _Paragraph(number, [line])
            paragraphs.append(current)
        else:
            current.lines.append(_nested(written[number - 1], line, items))
    return paragraphs


def _cell_lines(cell: str) -> str:
    """A cell's lines without the blanks around them, but for its lists' items in another's
    (``_nested``): an answer exported to a spreadsheet is imported back as it was."""
    items: list[tuple[int, int]] = []
    return "\n".join(
        _nested(line, line.strip(), items) if line.strip() else "" for line in cell.splitlines()
    )


def _nested(written: str, line: str, items: list[tuple[int, int]]) -> str:
    """A line of answer text as it is kept (``line``, ``written`` without the blanks around
    it): a list's item in another, written indented at least as far as that one's text
    starts, is indented as markdown nests lists, by the width of that one's mark ("  - "
    under "- ID", "   - " under "1. Book"); any other line is kept without its blanks.
    ``items`` holds the items the lines above are in, each as where its text starts in the
    lines written and in those kept, for the next line: an item written less indented than
    one's text is out of that one, and a line of text less indented than the first one's
    text is out of the list."""
    indent = len(written[: len(written) - len(written.lstrip())].expandtabs(4))
    item = _ITEM_RE.match(line)
    if item is None:
        if items and indent < items[0][0]:
            items.clear()  # text out of the list
        return line
    while items and indent < items[-1][0]:
        items.pop()
    at = items[-1][1] if items else 0
    items.append((indent + item.end(), at + item.end()))
    return " " * at + line


def _footer(paragraphs: list[_Paragraph]) -> int:
    """Where the text's footer starts: the text under its last rule (``---``), when no
    question or heading follows it (a page's address, "Registered charity no. 1234567");
    else past the end."""
    rules = [at for at, para in enumerate(paragraphs) if para.is_plain and _is_rule(para.text)]
    start = rules[-1] + 1 if rules else len(paragraphs)
    if any(not para.is_plain for para in paragraphs[start:]):
        return len(paragraphs)
    above = paragraphs[start - 2] if rules and start >= 2 else None
    answers = start >= 3 and paragraphs[start - 3].is_question  # the last answer, not a sign-off
    if (
        paragraphs[start - 1].text.strip() == "--"
        and above is not None
        and above.is_plain
        and not answers
        and len(phrase_key(above.text).split()) <= _SIGN_OFF_WORDS
    ):
        return start - 2  # an e-mail's sign-off over its signature ("Thanks, Margaret")
    return start


def _is_rule(text: str) -> bool:
    """Whether a paragraph is a rule across the text ("---", "* * *", an e-mail's "--"): no
    word, and more than one mark; one mark alone is no rule but an icon (the "+" of a web
    page's accordion, left when its question was read)."""
    return not phrase_key(text) and len("".join(text.split())) > 1


_SIGN_OFF_WORDS = 4
"""An e-mail's sign-off over the "--" of its signature has at most this many words."""


def _closes(line: str, asked: _Paragraph, openings: tuple[str, ...] | None = None) -> bool:
    """Whether ``line`` opens as closing words do ("We look forward to seeing you!",
    "Questions? Call us on ...": ``closings`` in ``lang/en.yaml``; or as ``openings`` do)
    of nothing the last question (``asked``) asks ("How do I contact you?")."""
    opening = straighten(_MARKUP_RE.sub(" ", line)).strip().lower()
    asking = set(words(asked.lines[0])) - english().stopwords
    return any(
        opening.startswith(closing)
        # a whole word ("questions?", "we use cookies"), or the start of one ("(c) 20")
        and not (closing[-1].isalpha() and opening[len(closing) : len(closing) + 1].isalnum())
        and not asking & set(words(closing))
        for closing in (english().closings if openings is None else openings)
    )


def _closing(paragraphs: list[_Paragraph]) -> tuple[list[_Paragraph], int]:
    """The paragraphs, their closing words set apart, and where those start: the last
    paragraph, under an answer, when it opens as such words do (``_closes``), or its lines
    from one that does under a finished line or a list's item (a Word document's "Questions?
    Call us on ..." under the last answer's first lines); else past the end."""
    asked = [para for para in paragraphs if para.is_question]
    end = len(paragraphs)
    if end < 2 or not asked or not paragraphs[-1].is_plain:
        return paragraphs, end
    last = paragraphs[-1]
    if paragraphs[-2].is_plain and _closes(last.lines[0], asked[-1]):
        return paragraphs, end - 1
    for at in range(1, len(last.lines)):
        above = last.lines[at - 1]
        if (_FINISHED_RE.search(above) or _LIST_START_RE.match(above)) and _closes(
            last.lines[at], asked[-1]
        ):
            answer = dataclasses.replace(last, lines=last.lines[:at])
            return [*paragraphs[:-1], answer, _Paragraph(last.line + at, last.lines[at:])], end
    return paragraphs, end


def _page_footer(paragraphs: list[_Paragraph]) -> tuple[list[_Paragraph], int]:
    """The paragraphs, a web page's footer set apart, and where it starts (past the end for
    none): as a PDF or a Word document made of the page shows it, after its last question,
    from the first line that opens as a page's last lines do (its copyright line, a cookie
    banner: ``page_footers`` in ``lang/en.yaml``), other than the first line of that
    question's answer; or from a footer's title ("Find us": ``page_footer_titles``) among
    the lines of a few words without a stop directly over it (an address, "Tel: ...")."""
    asked = [at for at, para in enumerate(paragraphs) if para.is_question and not para.titled]
    if not asked:
        return paragraphs, len(paragraphs)
    last = asked[-1]
    places = [
        (at, number)
        for at in range(last + 1, len(paragraphs))
        for number in range(len(paragraphs[at].lines))
    ]

    def line(place: tuple[int, int]) -> str:
        return paragraphs[place[0]].lines[place[1]]

    start = next(
        (
            index
            for index, place in enumerate(places)
            if place != (last + 1, 0)
            and _closes(line(place), paragraphs[last], english().page_footers)
        ),
        None,
    )
    if start is None and places and places[-1] != (last + 1, 0):
        # A document's last line that ends on its copyright ("Brookfield Dental is
        # registered with the CQC. © 2026 Brookfield Dental Ltd."): the whole line.
        said = _SENTENCE_END_RE.split(line(places[-1]))[1:]
        if any(_closes(part, paragraphs[last], english().page_footers) for part in said):
            start = len(places) - 1
    if start is None:
        return paragraphs, len(paragraphs)
    top = start
    while top and not (
        _FINISHED_RE.search(line(places[top - 1]))
        or len(words(line(places[top - 1]))) > _FOOTER_LINE_WORDS
    ):
        top -= 1
    titles = english().page_footer_titles
    start = next(
        (index for index in range(top, start) if _words_of(line(places[index])) in titles),
        start,
    )
    at, number = places[start]
    if not number:
        return paragraphs, at
    para = paragraphs[at]
    split = [
        dataclasses.replace(para, lines=para.lines[:number]),
        _Paragraph(para.line + number, para.lines[number:]),
    ]
    return [*paragraphs[:at], *split, *paragraphs[at + 1 :]], at + 1


_FOOTER_LINE_WORDS = 6
"""A line of a web page's footer (an address's, "Tel: 017687 72391") has at most this many
words."""


def _words_of(line: str) -> str:
    """A line's words, without its markup, lowercase, one space apart."""
    return " ".join(words(_MARKUP_RE.sub(" ", line)))


def _menus(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with each question over nothing but a web page's links (``_links_only``)
    and those links marked as a menu's (``_Paragraph.menu``): a PDF or Word document made of
    a page shows its menu's items as a list, "- What's On?" among them, the links after it
    as its answer."""
    found = list(paragraphs)
    for index, (para, below) in enumerate(itertools.pairwise(paragraphs)):
        if para.is_question and below.is_plain and _links_only(below):
            found[index] = _Paragraph(para.line, para.lines, menu=True)
            found[index + 1] = dataclasses.replace(below, menu=True)
    return found


def _asides(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with a question asked within an answer ("Forgotten your card number
    too?" between its lines) read as the answer's text: where two questions or more are
    marked as such (``Q:``, ``1.``, ``##``, bold), each after a blank line, and every other
    question is one ending in ``?`` in a marked question's own block of lines (no blank line
    from it), under its answer's text, with no answer's label (``A:``) under it. It cut that
    answer short and became an entry of its own. A file with questions of another kind (a
    section of unmarked ones) is left as it is: its unmarked questions are questions."""
    marked = [index for index, para in enumerate(paragraphs) if para.is_question and para.marked]
    # rows of a sheet, one under another, are not set apart
    if len(marked) < 2 or not all(_blank_before(paragraphs, index) for index in marked):
        return paragraphs
    asides = []
    asked = False  # in a marked question's own block of lines
    for index, para in enumerate(paragraphs):
        if para.is_question and para.marked:
            asked = True
            continue
        if para.is_heading or para.is_table or _blank_before(paragraphs, index):
            asked = False
        if not para.is_question:
            continue
        below = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        labelled = below is not None and below.is_plain and _unlabelled(below.text) != below.text
        if not asked or para.titled or not paragraphs[index - 1].is_plain or labelled:
            return paragraphs  # a question of another kind: none is an aside
        asides.append(index)
    found = list(paragraphs)
    for index in asides:
        found[index] = dataclasses.replace(found[index], is_question=False, aside=True)
    return found


def _blank_before(paragraphs: list[_Paragraph], index: int) -> bool:
    """Whether a blank line (or nothing) is over the paragraph at ``index``."""
    before = paragraphs[index - 1] if index else None
    return before is None or before.line + len(before.lines) < paragraphs[index].line


def _signups(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with a web page's sign-up box (a newsletter's) marked as one
    (``_Paragraph.signup``), as a PDF or Word document made of the page shows it: from a
    line of a few words without a stop that says a sign-up ("Join our mailing list":
    ``page_signups`` in ``lang/en.yaml``), a heading or in text but not the first line under
    a question, nor of what the question above asks ("Do you have a newsletter?"), to the
    next question, heading or table, where one more line of it says a sign-up or holds an
    e-mail address's field ("Your email address", "Subscribe": ``page_signup_fields``), or
    where none comes after it (a page's last words, its field and button over a page's
    break, in its margin, left out)."""
    found = list(paragraphs)
    asked: _Paragraph | None = None
    index = 0
    while index < len(found):
        para = found[index]
        if para.is_question and not para.titled:
            asked = para
        for number, line in enumerate(para.lines):
            if para.is_table or (number and not para.is_plain):
                break
            if (para.is_plain and not number and index and found[index - 1].is_question) or not (
                said := _signup_said(line)
            ):
                continue
            if asked is not None and (
                set(said) & set(words(asked.lines[0])) or _signup_said(asked.lines[0], whole=True)
            ):
                continue  # how to sign up, under a question about it
            end = index + 1
            while end < len(found) and found[end].is_plain:
                end += 1
            under = [
                *para.lines[number + 1 :],
                *(more for other in found[index + 1 : end] for more in other.lines),
            ]
            if end < len(found) and not any(
                _signup_said(more, whole=True)
                or _says(more, english().page_signup_fields)
                or "@" in more
                for more in under
            ):
                continue  # over more questions, a box shows what it asks for
            box = [_Paragraph(para.line + number, para.lines[number:], signup=True)]
            box += [dataclasses.replace(other, signup=True) for other in found[index + 1 : end]]
            kept = [dataclasses.replace(para, lines=para.lines[:number])] if number else []
            found[index:end] = [*kept, *box]
            index += len(kept) + len(box) - 1
            break
        index += 1
    return found


_SIGNUP_WORDS = 6
"""A sign-up box's title ("Sign up for our newsletter") has at most this many words."""


def _signup_said(line: str, *, whole: bool = False) -> tuple[str, ...]:
    """The sign-up ``line`` says (``page_signups``), as its words, when it is a title of a
    few words without a stop (or, ``whole``, any line); else empty."""
    if not whole and (len(words(line)) > _SIGNUP_WORDS or _FINISHED_RE.search(line)):
        return ()
    return _says(line, english().page_signups)


def _says(line: str, phrases: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The first of ``phrases`` (each as its words) whose words ``line`` holds in a row."""
    said = words(_MARKUP_RE.sub(" ", line))
    return next(
        (
            phrase
            for phrase in phrases
            for at in range(len(said) - len(phrase) + 1)
            if tuple(said[at : at + len(phrase)]) == phrase
        ),
        (),
    )


_TRAIL_RE = re.compile(r"\s+[\u203a\u00bb>|/\u2022\u00b7]\s+")
"""What stands between the links of a trail of them ("Home \u203a FAQ")."""
_LINK_WORDS = 3


def _links_only(para: _Paragraph) -> bool:
    """Whether a paragraph is nothing but a web page's links: each line a link's few words
    without a stop or digit (a menu's item, "- Contact") or a trail of them ("Home > FAQ"),
    more than half of them, and two at least, links every page has (``page_links`` in
    ``lang/en.yaml``)."""
    links = [
        link
        for line in para.lines
        for link in _TRAIL_RE.split(_LIST_START_RE.sub("", line).strip())
    ]
    if any(
        not phrase_key(link)
        or len(words(link)) > _LINK_WORDS
        or _FINISHED_RE.search(link)
        or _has_digit(link)
        for link in links
    ):
        return False
    known = sum(_words_of(link) in english().page_links for link in links)
    return known >= 2 and 2 * known > len(links)


def _asks_in_bold(asked: list[str]) -> bool:
    """Whether the text's questions (``asked``, its lines that ask), two or more, are each a
    line in bold ("**Do you deliver?**", as a Word document's bold questions are read): a
    bold line that opens as a question does is one of them, though its "?" was forgotten
    (``_bold_question``)."""
    return len(asked) > 1 and all(line.startswith(("**", "__")) for line in asked)


_QUESTION_NUMBER_RE = re.compile(r"^[*_]*(\d+)[.)]\s+(.*?)[*_]*$")
"""A line opening with a number ("2. Are dogs allowed"): the number, and the rest."""


def _bold_question(line: str) -> str | None:
    """The question a bold line of a few words opening with a question's word is, without
    its "?" ("**What happens if I miss my appointment**"), else None: a bold line that opens
    otherwise ("**Please note**") is answer text."""
    for mark in ("**", "__"):
        inside = line[len(mark) : -len(mark)].strip()
        if not (line.startswith(mark) and line.endswith(mark) and _ASKED_RE.match(inside)):
            continue
        said = words(inside)
        if 2 < len(said) <= _ASKED_WORDS and said[0] in english().question_openers:
            return inside
    return None


_ASKED_RE = re.compile(rf"^[^.!{_QUESTION_MARKS};:|*_]+$")
"""A bold line that may be a question without its "?": no sentence's punctuation."""
_ASKED_WORDS = 16


def _sub_headings(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with each heading under a question's heading, deeper than it and
    asking nothing ("## How much are tickets?" over "### Adults" and "### Children"), made
    a line of that question's answer: each was an entry of its own, and the question was
    left with no answer, or only the text over the first."""
    found = list(paragraphs)
    asked = 0  # the level of the question's heading being answered, or 0
    for index, para in enumerate(paragraphs):
        below = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        if para.is_question:
            # a page's title that asks ("# Got a question?") is over sections, not answered
            asked = 0 if index == 0 and (para.heading or para.level) == 1 else para.heading
        elif (
            para.is_heading
            and asked
            and para.level > asked
            and below is not None
            and not (below.is_question or below.is_heading)
        ):
            found[index] = _Paragraph(para.line, [_heading_text(para.lines[0])], subheading=True)
        elif para.is_heading:
            asked = 0  # a section's title, over questions, ends the answer above it
    return found


def _titled(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with each markdown heading that is directly over answer text or a table
    ("## Parking", "## Opening hours") made the question of it; a heading over a question
    stays a section title, and so does a page title (``# FAQ``) opening the text."""
    titled = list(paragraphs)
    for index, (para, below) in enumerate(itertools.pairwise(paragraphs)):
        if (
            not para.is_heading
            or below.is_question
            or below.is_heading
            or not phrase_key(below.text)
            or _page_title(paragraphs, index)
        ):
            continue
        question = _heading_text(para.lines[0])
        if phrase_key(question):
            titled[index] = _Paragraph(
                para.line,
                [question],
                is_question=True,
                marked=True,
                titled="heading",
                level=para.level,
            )
    return titled


def _page_title(paragraphs: list[_Paragraph], index: int) -> bool:
    """Whether heading ``index`` is a page's title (``# FAQ``): one of the top level (a
    single ``#``) opening the text, or under text alone (a web page's menu, as a PDF of
    the page shows it) where no other heading is of the top level."""
    if paragraphs[index].level != 1:
        return False
    if index == 0:
        return True
    return all(
        not (para.is_question or para.is_heading) for para in paragraphs[:index]
    ) and not any(para.is_heading and para.level == 1 for para in paragraphs[index + 1 :])


def _plain_titles(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """``paragraphs`` with each title line alone ("PARKING", "Opening hours", "**Tickets**")
    directly over a question, and not itself an answer (under a question, or under text
    ending in ``:``), made a section title as a markdown heading is: it was read as more of
    the answer above it ("Yes, all cards. PARKING") or as an entry whose answer was its own
    title. Only a title of four words at most without a digit, and only where the text has
    two such titles or more, each a section's then (the first line of the text too): a
    line closing an answer ("Blue badge bays by the entrance", "Open 9am to 5pm daily") is
    more of it. Where two such titles or more set the text out in sections, a title-shaped
    line in sentence case ("Opening times", "Rules and lessons") set apart by a blank line
    from the question under it is a section's too: it was dropped as text before the first
    question, or made an entry whose answer was itself."""
    shaped = [index for index in range(len(paragraphs)) if _title_shaped(paragraphs, index)]
    found = [index for index in shaped if _looks_like_title(paragraphs[index].lines[0])]
    if found[1:]:
        found = [
            index
            for index in shaped
            if index in found
            or (
                paragraphs[index].lines[0].strip()[:1].isupper()
                and _blank_before(paragraphs, index + 1)
            )
        ]
    titled = list(paragraphs)
    for index in found if found[1:] else []:
        titled[index] = _Paragraph(
            paragraphs[index].line, paragraphs[index].lines, is_heading=True, level=2
        )
    return titled


def _title_shaped(paragraphs: list[_Paragraph], index: int) -> bool:
    """Whether paragraph ``index`` could be a section's title: a line alone of four words at
    most without a digit, directly over a question, and not itself an answer (under a
    question, or under text ending in ``:``)."""
    para = paragraphs[index]
    before = paragraphs[index - 1] if index else None
    line = para.lines[0]
    return (
        index + 1 < len(paragraphs)
        and len(para.lines) == 1
        and not (para.is_question or para.is_heading or para.is_table or para.is_list)
        and not para.menu
        and bool(_SECTION_RE.match(line))
        and len(phrase_key(line).split()) <= 4
        and not any(char.isdigit() for char in line)
        and paragraphs[index + 1].is_question
        and not (before is not None and (before.is_question or before.text.endswith(":")))
    )


def _looks_like_title(line: str) -> bool:
    """Whether a line is set as a title: in capitals ("PARKING"), bold ("**Parking**") or
    with each word of four letters or more capitalised ("Opening Hours"); a line closing an
    answer ("Free for customers", "Hope this helps") is none of these."""
    text = line.strip()
    if text.startswith(("**", "__")) and text.endswith(("**", "__")):
        return True
    if text.isupper():
        return True
    long = [word for word in words(text, keep_case=True) if len(word) >= 4]
    return bool(long) and all(word[0].isupper() for word in long)


def _heading_text(line: str) -> str:
    """A markdown heading's words, without its ``#``, emphasis or closing ``:``."""
    text = _HEADING_RE.sub("", line).strip()
    for opening, closing in _WRAPPERS:
        if text.startswith(opening) and text.endswith(closing):
            text = text[len(opening) : -len(closing)].strip() or text
    return text.rstrip(":").strip()


def _section_title(para: _Paragraph, opening: bool) -> tuple[int, str] | None:
    """A section title's line and words, to name the entries under it; None for a page title
    opening the text (``# FAQ``) and for a heading longer than a few words."""
    name = _subject(_heading_text(para.lines[0]))
    if (opening and para.level < 2) or not _SECTION_RE.match(name):
        return None
    return para.line, name


def _subject(title: str) -> str:
    """A section title without its number ("1. Tickets & Prices") and the words that say
    only that it holds questions ("Parking FAQs", "Frequently asked questions about
    membership": ``section_title_words``); the title as it is if nothing else is left. Both
    had given no topic, and the last "parking FAQs"."""
    name = re.sub(r"^(?:\d+[.):]|[A-Z][.)])\s+", "", title).strip()
    for trim in english().section_title_words:
        pattern = r"\s+".join(map(re.escape, trim.split()))
        name = re.sub(rf"^{pattern}\s*[:\-\u2013]?\s+|\s+{pattern}$", "", name, flags=re.I)
    return name.strip() if phrase_key(name) else title


_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019-]*")
_SENTENCE_OPENS = ".!?:;\n\"'\u201c\u2018(*#>\u2022\u2013\u2014-" + _QUESTION_MARKS


def _written_forms(drafts: list[_Draft]) -> dict[str, collections.Counter[str]]:
    """How the FAQ writes each word within its sentences (lower-cased word -> its forms
    counted), its questions and answers read: a word a sentence opens with tells nothing of
    whether it is a name, nor does a wording, often typed all in small letters ("will an
    mri show it")."""
    forms: dict[str, collections.Counter[str]] = {}
    for draft in drafts:
        for text in (draft.question, *draft.paragraphs):
            for found in _WORD_RE.finditer(text):
                before = text[: found.start()].rstrip(" \t")
                if before and before[-1] not in _SENTENCE_OPENS:
                    word = found.group()
                    forms.setdefault(word.lower(), collections.Counter())[word] += 1
    return forms


def _topic_case(topic: str, forms: dict[str, collections.Counter[str]]) -> str:
    """A topic as it reads within a sentence ("You can ask me about ..."), as the FAQ's own
    text writes its words: a heading's "Opening Hours" or "OPENING HOURS" as "opening hours",
    its names ("Harbour Station", "WiFi", "NHS") as the answers write them. A word the text
    does not use keeps a mix of cases, or a short word in capitals that is no function word
    (an abbreviation: "GP", not "AND"), and is otherwise lower-cased."""

    def cased(found: re.Match[str]) -> str:
        word = found.group()
        written = forms.get(word.lower())
        if written:
            lower = written[word.lower()]
            form, count = max(
                ((form, count) for form, count in written.items() if form != word.lower()),
                key=lambda pair: pair[1],
                default=(word.lower(), 0),
            )
            return form if count > lower else word.lower()
        if word.isupper():
            short = len(word) <= 3 and word.lower() not in english().stopwords
            return word if short else word.lower()
        return word.lower() if word[1:] == word[1:].lower() else word

    return _WORD_RE.sub(cased, topic)


def _other_section(seen: tuple[int, str] | None, section: tuple[int, str] | None) -> bool:
    """Whether a question asked before under section title ``seen`` is asked again under
    another, ``section``: the same words asking of another thing ("How much does it cost?"
    under "Swimming" and under "Gym")."""
    return (
        seen is not None and section is not None and phrase_key(seen[1]) != phrase_key(section[1])
    )


def _same_topic(one: str, other: str) -> bool:
    """Whether two rows' topics (``_row_topic``) are one: the same, or either not given."""
    return not one or not other or phrase_key(one) == phrase_key(other)


def _row_topic(fields: dict[str, str], over: tuple[int, str] | None) -> str:
    """The topic of a sheet's row: its cell of topics, else the title row over it."""
    return " ".join(fields.get("topic", "").split()) or (over[1] if over is not None else "")


def _told_apart(
    drafts: list[_Draft],
    twice: set[str],
    section_of: Callable[[_Draft], str],
    notes: list[tuple[int, str, _Draft | None]],
) -> None:
    """Each draft of a question asked under several sections (``twice``: its key) told
    apart by its section's name after it ("How much does it cost? (Gym)"), with a note: the
    sections' answers were merged into one that said both prices, and a knowledge file holds
    a question once. Drafts with one answer under each section are one question asked again
    ("Popular questions" over the sections that hold them): merged into the first."""
    groups: dict[str, list[_Draft]] = {}
    for draft in drafts:
        if phrase_key(draft.question) in twice:
            groups.setdefault(phrase_key(draft.question), []).append(draft)
    for group in groups.values():
        if len({phrase_key(_answer_text(draft)) for draft in group}) == 1:
            # the same answer under each ("Popular questions" over the sections that hold
            # them): one question asked again, merged as one
            first = group[0]
            for draft in group[1:]:
                drafts.remove(draft)
                first.alternatives.extend(
                    wording for wording in draft.alternatives if wording not in first.alternatives
                )
                notes[:] = [note for note in notes if note[2] is not draft]
                notes.append(
                    (
                        draft.line,
                        f"repeated question {draft.question!r} merged into the one on line "
                        f"{first.line}",
                        first,
                    )
                )
            continue
        names = list(dict.fromkeys(section_of(draft) for draft in group))
        for draft in group:
            name = section_of(draft)
            if not name:
                continue
            asked = draft.question
            draft.question = f"{asked} ({name})"
            listed = " and under ".join(repr(other) for other in names if other)
            notes.append(
                (
                    draft.line,
                    f"question {asked!r} is asked under {listed}: each is an entry of its own, "
                    "its section's name after it; rewrite each as visitors ask it",
                    draft,
                )
            )


def _section_topics(
    drafts: list[_Draft],
    under: dict[int, tuple[int, str]],
    notes: list[tuple[int, str, _Draft | None]],
) -> None:
    """Give each draft the name of the section title over it (``under``: by ``id`` of the
    draft) as its topic, with a note at each title; none when fewer than two sections have
    entries (one title over them all names the FAQ, not its entries)."""
    sections: dict[tuple[int, str], list[_Draft]] = {}
    for draft in drafts:
        if id(draft) in under:
            sections.setdefault(under[id(draft)], []).append(draft)
    if len({phrase_key(name) for _, name in sections}) < 2:
        return
    forms = _written_forms(drafts)
    for (line, title), members in sections.items():
        name = _topic_case(title, forms)
        if english().catch_all(title):
            notes.append((line, _catch_all_note(f"section title {title!r}", len(members)), None))
            continue
        count = f"{len(members)} {'entry' if len(members) == 1 else 'entries'}"
        for draft in members:
            draft.topic = draft.topic or name  # a table's column of topics comes first
            draft.given.add("topic")
        topic = "the topic" if name == title else f"the topic {name!r}"
        notes.append(
            (
                line,
                f"section title {title!r} is {topic} of the {count} under it; the kiosk names "
                "topics to a visitor it turns away: make each a few words visitors would ask "
                "about",
                None,
            )
        )


def _catch_all_note(what: str, count: int) -> str:
    """The note on a section or topic that holds what the others do not, over ``count``
    entries (``Language.catch_all``)."""
    entries = "1 entry gets" if count == 1 else f"{count} entries get"
    return (
        f"{what} names what the other sections do not, no subject to name to a visitor: its "
        f"{entries} no topic; give each a topic of its own if visitors ask about it"
    )


def _title_lines(paragraphs: list[_Paragraph], everywhere: bool) -> list[_Paragraph]:
    """``paragraphs`` with each that opens with a title line ("Opening hours", "Parking:": a
    few words without a full stop or ``?``) and goes on under it split into that line as a
    question and the text under it as its answer; and so each title line alone over answer
    text. Only after a finished answer (where the paragraph would stand under no question),
    unless ``everywhere`` (a FAQ with no line ending in ``?``)."""
    split: list[_Paragraph] = []
    for index, para in enumerate(paragraphs):
        before = paragraphs[index - 1] if index else None
        below = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        plain = not (
            para.is_question
            or para.is_heading
            or para.is_table
            or para.is_list
            or para.menu
            or para.subheading
        )
        placed = everywhere or (
            before is not None
            and not (before.is_question or before.is_heading)
            and before.is_finished
        )
        title = _heading_text(para.lines[0])
        if not (plain and placed and _TITLE_RE.match(para.lines[0])):
            split.append(para)
        elif len(para.lines) > 1:
            split.append(_Paragraph(para.line, [title], is_question=True, titled="line"))
            split.append(_Paragraph(para.line + 1, para.lines[1:]))
        elif (
            below is not None
            and not (below.is_question or below.is_heading or below.is_table)
            and not _TITLE_RE.match(below.lines[0])
        ):
            split.append(_Paragraph(para.line, [title], is_question=True, titled="line"))
        else:
            split.append(para)
    return split


def _table_text(rows: list[str]) -> str:
    """A table as lines of text, one a row, its header and rule left out: "Sunday | Closed"
    as "Sunday: Closed"; a cell past the second after its column's name ("Adult: Weekday
    £5, Weekend £7"). A table of more than two columns with no header marked (a Word
    document's) has its column names in its first row where that row reads as names (see
    ``_names_columns``)."""
    cells = [
        [
            _LINE_BREAK_TAG_RE.sub(" ", c.strip().replace("\\|", "|"))
            for c in _TABLE_CELL_RE.split(row.removeprefix("|").removesuffix("|"))
        ]
        for row in rows
    ]
    rule = next((i for i, row in enumerate(rows) if _TABLE_RULE_RE.match(row)), None)
    header_rows = {rule - 1, rule} if rule is not None else {0} if _names_columns(cells) else set()
    header = cells[min(header_rows)] if header_rows else []
    lines = []
    for index, row in enumerate(cells):
        if index in header_rows:
            continue
        if len(row) > 2 and len(header) == len(row):
            rest = ", ".join(
                f"{name} {cell}".strip() for name, cell in zip(header[1:], row[1:], strict=True)
            )
            row = [row[0], rest]
        lines.append(": ".join(cell for cell in row if cell))
    return "\n".join(line for line in lines if line)


def _names_columns(cells: list[list[str]]) -> bool:
    """Whether the first row of a table of more than two columns, not marked as its header,
    names its columns: every row as long, and over the first column an empty corner, or
    over each other column a name without a digit where some row under it has one
    ("| Size | Black & white | Colour |" over "| A4 | 10p | 50p |"), or no digit in it over
    rows that each number its first cell ("Band" over "Band 1", "Band 2")."""
    first, *under = cells
    if len(first) <= 2 or not under or any(len(row) != len(first) for row in under):
        return False
    names = first[1:]
    if not all(names):
        return False
    if not first[0] and all(row[0] for row in under):
        return True
    if all(
        not _has_digit(name) and any(_has_digit(row[column]) for row in under)
        for column, name in enumerate(names, start=1)
    ):
        return True
    # no digit in the first row, whose first cell each row under it numbers ("| Band |
    # What it covers | Cost |" over "| Band 1 | Check-up | £26.80 |")
    named = first[0].casefold()
    return not any(_has_digit(cell) for cell in first) and all(
        row[0].casefold().startswith(named) and _has_digit(row[0]) for row in under
    )


def _has_digit(text: str) -> bool:
    """Whether ``text`` has a digit in it ("10p", "£1")."""
    return any(char.isdigit() for char in text)


def _table_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines that are rows of a markdown table: lines between ``|``,
    and a header, its rule (``---|---``) and the lines with a ``|`` under it."""
    rows: set[int] = set()
    for number, line in enumerate(lines, start=1):
        if line.startswith("|") and line.count("|") > 1:
            rows.add(number)
        elif _TABLE_RULE_RE.match(line) and number > 1 and "|" in lines[number - 2]:
            rows.update((number - 1, number))
            below = number + 1
            while below <= len(lines) and "|" in lines[below - 1]:
                rows.add(below)
                below += 1
    return rows


def _table(rows: list[tuple[int, str]]) -> list[_Paragraph]:
    """A markdown table's rows with a question in one cell and text in the next, as questions
    and their answers; its header and rule are left out. A table without such a row is one
    paragraph for a note, and so is each other row of a table that has them. A table whose
    header names its question and answer columns is read as a spreadsheet's rows are
    (``_named_table``)."""
    header = next(
        (
            index
            for index in range(len(rows) - 1)
            if _TABLE_RULE_RE.match(rows[index + 1][1]) and not _TABLE_RULE_RE.match(rows[index][1])
        ),
        None,
    )
    # a table from a Word document has no rule: its first row may name the columns
    if named := _named_table(rows, 0 if header is None else header, ruled=header is not None):
        return named
    # or its second, under the table's title ("| Ferry FAQ |" over "| Question | Answer |")
    title = _section_row(*rows[0]) if header is None else None
    if title is not None and len(rows) > 2 and (named := _named_table(rows, 1, ruled=False)):
        return [title, *named]
    read: list[_Paragraph] = []
    unread: list[_Paragraph] = []
    asked: list[tuple[_Paragraph, list[str], int]] = []  # a question, its row's cells, its cell
    for index, (number, row) in enumerate(rows):
        if _TABLE_RULE_RE.match(row) or (
            index + 1 < len(rows) and _TABLE_RULE_RE.match(rows[index + 1][1])
        ):
            continue  # the rule, and the header above it
        cells = _table_cells(row)
        for at, cell in enumerate(cells[:-1]):
            found = _question_line(_LINE_BREAK_TAG_RE.sub(" ", cell)) if cell else None
            answers = [found.answer] if found is not None and found.answer else []
            answers += [_LINE_BREAK_TAG_RE.sub("\n", c) for c in cells[at + 1 :] if c]
            if found is not None and phrase_key(cells[at + 1]):
                question = _Paragraph(
                    number, [found.question], is_question=True, marked=True, in_table=True
                )
                read += [question, _Paragraph(number, "\n".join(answers).splitlines())]
                asked.append((question, cells, at))
                break
        else:
            asks = next((found for cell in cells if (found := _question_line(cell))), None)
            unread.append(
                _Paragraph(
                    number,
                    [row],
                    is_table=True,
                    unanswered=asks.question if asks is not None else "",
                )
            )
    if not read:
        return [_Paragraph(rows[0][0], [row for _, row in rows], is_table=True)]
    _topics_beside(asked)
    # a row of one cell over questions ("| Tickets |", merged across the table) names their
    # section, as a heading over them does; one under the last ("Prices as of May") is left
    # out with a note
    last = read[-1].line
    unread = [
        (_section_row(para.line, para.lines[0]) if para.line < last else None) or para
        for para in unread
    ]
    return sorted(read + unread, key=lambda para: para.line)


def _section_row(line: int, row: str) -> _Paragraph | None:
    """A table's row (its line and text) of a section's title alone, as a heading; None for
    any other row."""
    cells = [cell for cell in _table_cells(row) if cell]
    if len(cells) != 1 or not _SECTION_RE.match(title := _heading_text(cells[0])):
        return None
    if _question_line(title) is not None:
        return None
    return _Paragraph(line, [title], is_heading=True, level=_TABLE_SECTION_LEVEL)


_TABLE_SECTION_LEVEL = 6
"""The heading level of a section's title in a table: under any of the document's own."""


def _topics_beside(asked: list[tuple[_Paragraph, list[str], int]]) -> None:
    """A column before the questions of a table without column names (``asked``: each
    question, its row's cells and its cell) that holds a section's or category's name for
    each row ("| Parking | Is there a car park? | Yes |"), as the topics of their entries,
    with a note at the first; as a spreadsheet's is read."""
    before = min(at for _, _, at in asked)
    cells = [row for _, row, _ in asked]
    section = _section_column(cells, list(range(before)), {})
    if section is None or len(_names(cells, section)) < 2:
        return  # no such column, or one name over every row: the FAQ's, not its entries'
    for question, row, _ in asked:
        question.fields = {"topic": row[section]}
    rows = [(question.line, row) for question, row, _ in asked]
    (note,) = _extra_notes({"topic": section}, rows[0], rows, header=False)
    asked[0][0].remarks = (note[1],)


def _table_cells(row: str) -> list[str]:
    """A markdown table row's cells."""
    inner = row.removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in _TABLE_CELL_RE.split(inner)]


def _named_table(rows: list[tuple[int, str]], header: int, ruled: bool) -> list[_Paragraph]:
    """A markdown table under a header that names a column of questions and one of answers
    ("| Question | Answer | Topic |"), as questions and their answers, the cells of other
    named fields with each question (``_EXTRA_COLUMNS``), the table's other columns left out;
    each row without a question or an answer a paragraph for a note. Empty when the header
    names no such columns, or, with no rule under it (a Word table's), asks a question."""
    named = _table_cells(rows[header][1])
    if not ruled and any(cell.endswith(tuple(_QUESTION_MARKS)) for cell in named):
        return []
    names = [phrase_key(cell) for cell in named]
    extras = _extra_columns(names)
    asks, says = (
        [at for at in _named(names, wanted) if at not in extras.values()]
        for wanted in (_QUESTION_COLUMNS, _ANSWER_COLUMNS)
    )
    said = next((at for at in says if at not in asks[:1]), None)
    if not asks or said is None:
        return []
    asked = asks[0]
    paragraphs: list[_Paragraph] = []
    other: dict[int, str] = {}
    for number, row in rows[header + 1 + ruled :]:
        cells = _table_cells(row)
        cells += [""] * (len(names) - len(cells))
        question = " ".join(_LINE_BREAK_TAG_RE.sub(" ", cells[asked]).split())
        if (found := _question_line(question)) is not None:
            question = found.question
        answer = _LINE_BREAK_TAG_RE.sub("\n", cells[said])
        if not (phrase_key(question) and phrase_key(answer)):
            unanswered = question if phrase_key(question) else ""
            paragraphs.append(_Paragraph(number, [row], is_table=True, unanswered=unanswered))
            continue
        fields = {field: _LINE_BREAK_TAG_RE.sub("\n", cells[at]) for field, at in extras.items()}
        paragraphs.append(
            _Paragraph(
                number, [question], is_question=True, marked=True, fields=fields, in_table=True
            )
        )
        paragraphs.append(_Paragraph(number, answer.splitlines()))
        for at, cell in enumerate(cells):
            if cell and at not in (asked, said, *extras.values()):
                other.setdefault(at, named[at] if at < len(named) else "")
    first = next((para for para in paragraphs if para.is_question), None)
    if first is not None:
        first.left_out = tuple(
            name or f"column {_letter(at)}" for at, name in sorted(other.items())
        )
    return paragraphs


def _is_knowledge_file(text: str) -> bool:
    """Whether ``text`` is a knowledge file's YAML rather than a plain-text FAQ."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "entries" in data


def _row(cells: list[str]) -> _QuestionLine | None:
    """A question and its answer a tab apart: a spreadsheet's row pasted as text, whatever the
    answer ends in ("Yes. Why not try our cake?"). The question is the first cell, after a
    cell of only its number, its label ("1.", "Q1") or its section's name ("Tickets") if there
    is one (before a question of three words or more and an answer of two or more, a
    sentence, or a one-word answer such as "Yes": not a header, "Day<TAB>Is it
    open?<TAB>Hours"); a note in brackets in the next cell stays with it, and cells after the
    answer are lines of it. None when the row holds no question with an answer after it in
    that place: the line is read as a line is."""
    cells = [cell.strip() for cell in cells]
    if len(cells) > 2:
        first, second, third = cells[:3]
        # a section's name, but not a table's header pasted under a question: its names are a
        # word or two ("Facility<TAB>Available?<TAB>Opening times")
        section = (
            _TITLE_RE.match(first)
            and second[:1].isupper()
            and len(second.split()) > 2
            and (len(third.split()) > 1 or _FINISHED_RE.search(third) or _is_yes_or_no(third))
            and _question_line(second)
        )
        if _NUMBER_CELL_RE.fullmatch(first) or section:
            cells = cells[1:]
        elif _LABEL_CELL_RE.fullmatch(first) or (
            second[:1].islower() and not _question_line(first)  # "yes, round the back"
        ):
            cells = [f"{first} {second}", *cells[2:]]  # "Q1", or a question cut by a tab
    asked = _question_line(cells[0]) if cells[0] else None
    if asked is None or asked.answer:
        return None
    after = [text for text in cells[1:] if text]
    notes = list(itertools.takewhile(_ASIDE_RE.fullmatch, after))
    after = after[len(notes) :]
    if not (after and phrase_key(after[0])):
        return None
    answer = "\n".join([_unlabelled(after[0], asked.loose), *after[1:]])
    question = " ".join([asked.question, *notes])
    return dataclasses.replace(asked, question=question, answer=answer, marked=True)


def _is_yes_or_no(text: str) -> bool:
    """Whether ``text`` is a one-word answer ("Yes", "No."): an answer, not a column name."""
    return phrase_key(text) in english().one_word_answers


def _question_line(line: str) -> _QuestionLine | None:
    """The question on ``line``, or None when it is answer text (see the module docstring)."""
    if "\t" in line and (row := _row(line.split("\t"))):
        return row
    text, answer, asides = line, "", ""  # asides: notes in brackets after the question
    labelled = marked = False
    loose = ""
    while True:
        before = text
        if not answer and (split := _wrapped_question(text)):
            text, answer = split
            marked = True
        for opening, closing in _WRAPPERS:
            inside = text[len(opening) : -len(closing)].strip()
            if text.startswith(opening) and text.endswith(closing) and inside:
                marked = marked or opening in _EMPHASIS
                text = inside
                break
        if (found := _QUESTION_MARK_RE.match(text)) and found.end() < len(text):
            labelled = labelled or found.group("label") is not None
            if found.group("loose") is not None:
                loose = found.group("number") or found.group("dashed") or "-"
            marked = True
            text = text[found.end() :]
        if labelled and not answer and (inline := _answer_labels(loose)[1].search(text)):
            text, answer = text[: inline.start()], _unlabelled(text[inline.end() :], loose)
        text = _without_emoji_after(text)
        if aside := _NOTE_AFTER_RE.search(text):
            text, asides = text[: aside.start()], f"{aside.group().strip()} {asides}"
        if text == before:
            break
    if not (text.endswith(tuple(_QUESTION_MARKS)) or labelled):
        return None
    return _QuestionLine(
        " ".join(f"{text} {asides}".split()),
        answer,
        marked,
        labelled,
        _sentence_count(text),
        loose,
    )


def _sentence_count(text: str) -> int:
    """How many sentences with words ``text`` holds. A sentence ends in ``.``, ``!`` or ``?``
    before a word that is not in lowercase, and not in an abbreviation such as "e.g."."""
    count, sentence = 0, ""
    for part in _SENTENCE_END_RE.split(" ".join(text.split())):
        if phrase_key(sentence) and not part[:1].islower() and sentence.split()[-1].count(".") < 2:
            count, sentence = count + 1, part
        else:
            sentence = f"{sentence} {part}".strip()
    return count + bool(phrase_key(sentence))


def _wrapped_question(text: str) -> tuple[str, str] | None:
    """The question in bold or quotes at the start of ``text`` and the answer after it on the
    same line ("**How much is a ticket?** Ten pounds."), or None."""
    for opening, closing in _WRAPPERS:
        found = re.match(
            rf"{re.escape(opening)}(?P<question>[^\s].*?[{_QUESTION_MARKS}]"
            rf"(?:\s*{_ASIDE_RE.pattern})?)"
            rf"{re.escape(closing)}(?:\s*[:\u2013\u2014-])?\s+(?P<answer>.+)$",
            text,
        )
        if found is None:
            continue
        answer = _without_emoji_after(found.group("answer"))
        if phrase_key(_ASIDE_RE.sub("", answer)):  # more than a note in brackets or an emoji
            return found.group("question"), _unlabelled(answer)
        return None
    return None


def _without_emoji_after(text: str) -> str:
    """``text`` without the emoji and other symbols at its end, such as the "+" or "\u2212"
    that opens an answer on a web page's FAQ ("How do I book? +")."""
    end = len(text)
    while end and (
        text[end - 1].isspace()
        or text[end - 1] in _EMOJI_PARTS
        or unicodedata.category(text[end - 1]) in ("So", "Sk", "Sm")
    ):
        end -= 1
    return text[:end]


def _wordless(para: _Paragraph) -> bool:
    """Whether ``para`` is a question without a word ("???", "🦁🐧?"), dropped."""
    return para.is_question and not phrase_key(para.text)


def _wordless_above(paragraphs: Sequence[_Paragraph], index: int) -> _Paragraph | None:
    """The question without a word whose answer ``paragraphs[index]`` is a paragraph of (no
    question or heading between them), if any."""
    for para in reversed(paragraphs[:index]):
        if _wordless(para):
            return para
        if para.is_question or para.is_heading:
            return None
    return None


def _asked_and_answered(para: _Paragraph) -> tuple[str, str] | None:
    """The question a paragraph opens with and the text after it on its first line and
    below ("How much is a swim? Adults £5."), or None when its first sentence asks nothing
    or nothing follows it."""
    first = para.lines[0]
    found = re.match(rf"\s*(\S.*?[{_QUESTION_MARKS}])\s+(\S.*)$", first)
    if found is None or _sentence_count(found.group(1)) != 1:
        return None
    question, rest = found.group(1), found.group(2)
    if not phrase_key(question) or not phrase_key(rest) or rest.endswith(tuple(_QUESTION_MARKS)):
        return None
    return question, "\n".join([rest, *para.lines[1:]])


def _asked_on_line(line: str) -> tuple[str, str] | None:
    """The question a line opens with and its answer after it, a dash between or not ("Can
    visitors play? - Yes, on weekdays."), or None (``_asked_and_answered``)."""
    found = _asked_and_answered(_Paragraph(0, [line])) if line else None
    if found is None:
        return None
    answer = re.sub(r"^[-\u2013\u2014]\s+", "", found[1])
    return (found[0], answer) if phrase_key(answer) else None


def _end(para: _Paragraph) -> int:
    """The line after ``para``: the next paragraph's when no blank line is between."""
    return para.line + len(para.lines)


def _answers_close(paragraphs: Sequence[_Paragraph]) -> bool:
    """Whether most answers stand on the line right under their question: a blank line
    then ends an entry. In a text with a blank line between each question and its answer (a
    page copied paragraph by paragraph) it says nothing."""
    close = apart = 0
    for question, answer in itertools.pairwise(paragraphs):
        if not question.is_question or answer.is_question or answer.is_heading:
            continue
        if answer.is_table or answer.in_table or question.in_table:
            continue
        if answer.line == _end(question):
            close += 1
        else:
            apart += 1
    return close > apart


def _ungathered(
    draft: _Draft, notes: list[tuple[int, str, _Draft | None]]
) -> list[tuple[int, str]]:
    """The questions ``draft`` gathered as its alternatives, taken back with their notes, for
    ``draft`` has no answer to give them either."""
    lines = {line for line, _ in draft.gathered}
    notes[:] = [note for note in notes if not (note[2] is draft and note[0] in lines)]
    return draft.gathered


def _unlabelled(answer: str, loose: str = "") -> str:
    """``answer`` without an ``A:`` or ``Answer:`` label in front of it (or ``A -`` or ``A3``,
    under a question labelled so: ``loose``, see ``_answer_labels``)."""
    found = _answer_labels(loose)[0].match(answer)
    if found and not answer[found.end() :].strip() and found.group().rstrip(" *_").endswith(":"):
        return ""  # "A:" with nothing after it: no answer, not one of "A:"
    return answer[found.end() :].lstrip() if found and answer[found.end() :].strip() else answer


def _answer_text(draft: _Draft) -> str:
    """The answer's paragraphs, each once (a FAQ pasted twice merged its repeated questions'
    answers into answers read out twice), an HTML line break left in a text FAQ (``<br>``) a
    new line."""
    paragraphs: dict[str, str] = {}
    for text in map(_unwrapped, draft.paragraphs):
        paragraphs.setdefault(phrase_key(text) or text, text)
    return _LINE_BREAK_TAG_RE.sub("\n", "\n\n".join(paragraphs.values()))


def _unwrapped(text: str) -> str:
    """``text`` with the lines of a sentence wrapped by hand (an e-mail's, a text file's at
    72 letters) joined again: spoken, each line's end was a full stop ("filling in the.
    form in the shed"). A line is joined to the next when it is long, ends with no stop,
    colon or semicolon, and the next goes on in lowercase or with a number; a list, a
    table or a line of a timetable ("Sunday: Closed") stays as it is."""
    lines = text.split("\n")
    joined = [lines[0]]
    for line in lines[1:]:
        above = joined[-1]
        if (
            len(above) >= _WRAPPED_LENGTH
            and not above.rstrip().endswith((".", "!", ":", ";", "|", *_QUESTION_MARKS))
            and (line[:1].islower() or line[:1].isdigit())
            and not _LIST_START_RE.match(line)
            and not _LIST_START_RE.match(above)
        ):
            joined[-1] = f"{above.rstrip()} {line.lstrip()}"
        else:
            joined.append(line)
    return "\n".join(joined)


_WRAPPED_LENGTH = 40
"""A line at least this long may be one wrapped by hand; a shorter one ends where its
writer ended it ("towels" over "goggles")."""


def _first_sentence(text: str) -> str:
    """The first sentence of ``text`` that has words."""
    sentences = _SENTENCE_END_RE.split(" ".join(text.split()))
    return next((s for s in sentences if phrase_key(s)), sentences[0]).rstrip(".!")


def _slug(text: str) -> str:
    """Lowercase ASCII letters and digits of ``text``'s words joined by ``-`` (empty when none
    is left)."""
    folded = unicodedata.normalize("NFKD", phrase_key(text).casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    words = [word for word in (_NOT_SLUG_RE.sub("", word) for word in plain.split()) if word]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX_ID_LENGTH and slug:
            break
        slug = candidate
    return slug


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate = f"{slug}-{n}"
        n += 1
    used.add(candidate)
    return candidate


def _faq_pairs(data: object) -> list[tuple[str, str]]:
    """The questions and answers of schema.org ``Question`` items anywhere in ``data`` (JSON
    for search engines: an ``FAQPage``'s ``mainEntity``, an ``@graph``), each its ``name``
    and its ``acceptedAnswer``'s ``text``."""
    if isinstance(data, list):
        return [pair for item in data for pair in _faq_pairs(item)]
    if not isinstance(data, dict):
        return []
    kind = data.get("@type")
    if kind == "Question" or (isinstance(kind, list) and "Question" in kind):
        answers = data.get("acceptedAnswer") or data.get("suggestedAnswer")
        first = answers[0] if isinstance(answers, list) and answers else answers
        question, answer = data.get("name"), first.get("text") if isinstance(first, dict) else None
        if isinstance(question, str) and isinstance(answer, str):
            return [(question, answer)]
        return []
    return [pair for value in data.values() for pair in _faq_pairs(value)]


@dataclass
class _Chrome:
    """An element of what a page shows around its FAQ, being read (``_HtmlText``)."""

    tag: str
    start: int
    """Where its text starts among the parts read."""
    depth: int = 1
    """How many elements of its tag are open, itself included."""
    asks: bool = False
    """A heading in it asks a question: it is the FAQ's after all."""


@dataclass
class _Row:
    """A table's row being read (``_HtmlText``)."""

    start: int
    """Where its text starts among the parts read."""
    line: int
    """The HTML's line it starts on."""
    first: bool
    """The first row of its table."""
    cells: list[str] = dataclasses.field(default_factory=list)
    cell: int | None = None
    """Where the text of the cell being read starts among the parts read; None between
    cells."""
    headers: int = 0
    """How many of its cells are headers (``<th>``)."""


_INDENTED_ITEM_RE = re.compile(r"^( +)(?:-|\d+\.) ")
"""An item of a list in an item, as ``_HtmlText`` writes it: its indent."""


def _unredirected(address: str) -> str:
    """The address a link leads to through a redirect of Google's (a Google Docs export's
    links are "https://www.google.com/url?q=https://example.org/book&sa=D&..."), else
    ``address``."""
    found = urllib.parse.urlsplit(address)
    if found.netloc.endswith("google.com") and found.path == "/url":
        target = urllib.parse.parse_qs(found.query).get("q", [""])[0]
        if target.startswith(("http://", "https://", "mailto:", "tel:")):
            return target
    return address


class _HtmlText(HTMLParser):
    """The text of HTML as a browser shows it, in the markdown ``parse_faq`` reads, with the
    line of the HTML each line of it comes from. What a page shows around its FAQ is left
    out: its menus, sidebars and footer, a cookie banner, the trail of links over its title,
    "Was this page helpful?", and whatever stands outside its ``<main>``."""

    _BLOCKS = frozenset(
        [
            "p",
            "div",
            "section",
            "article",
            "header",
            "main",
            "ul",
            "ol",
            "dl",
            "dt",
            "dd",
            "details",
            "summary",
            "blockquote",
            "form",
        ]
    )
    _HIDDEN = frozenset(
        ("script", "style", "head", "title", "noscript", "template", "del", "s", "strike")
    )
    """What a page does not show as its text, or shows struck through: taken back ("<s>No</s>
    baby changing")."""
    _PAGE_PARTS = frozenset(("nav", "aside", "footer"))
    """What a page shows that is no part of its FAQ: its menus, sidebars and footer ("Follow
    us on Facebook", "\u00a9 2026 ...") were read as entries of their own."""

    _PART_ROLES = frozenset(("navigation", "contentinfo", "complementary"))
    _PART_NAMES = frozenset(("footer", "sidebar", "nav", "navbar", "navigation"))
    """The roles, and the words of a class or id, of a page's menus, sidebars and footer
    built of other elements (``<div class="site-footer">``, ``role="contentinfo"``): left
    out as a ``<footer>`` is, its heading "Where is the gym?" was read as an entry. What
    ``aria-hidden`` hides is read: an accordion hides its answers so until opened."""
    _CHROME_ROLES = frozenset(("banner", "search"))
    _CHROME_NAMES = frozenset(
        {"breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "gdpr", "feedback"}
        | {"helpful", "share", "sharing", "social", "newsletter", "recommendations", "upsell"}
    )
    """The words of a class or id, and the roles, of what a page shows around its FAQ: a
    cookie banner, the trail of links over its title ("Home > Help > FAQs"), "Was this page
    helpful? Yes No", links to share it, a shop's newsletter box and products it
    recommends. Such an element is read all the same when a heading, a ``<summary>`` or a
    ``<dt>`` in it asks a question: it is a section of the FAQ ("Do you use cookies?")."""
    _CHROME_CLASSES = frozenset(
        {"faq-vote", "faq-votes", "article-vote", "article-votes", "article-meta"}
        | {"article-author", "related-articles", "recent-articles", "article-relatives"}
        | {"article-subscribe", "article-vote-feedback"}
    )
    """Whole classes of what a help centre (Zendesk's, Freshdesk's, an FAQ plugin's) shows
    around an answer: "Was this answer helpful? Yes No" after each, the article's author and
    date, its lists of related and recently viewed articles. A word of them alone ("vote",
    "author") names a section of the FAQ as often ("where-do-i-vote", "author-events")."""
    _UNSEEN_RE = re.compile(
        r"^(?:material-(?:icons|symbols)(?:-\w+)?|glyphicon|dashicons|(?!has-|with-|no-)"
        r"[\w-]+-icon|sr-only|visually-?hidden|screen-reader-(?:text|only)|hidden-visually)$",
        re.IGNORECASE,
    )
    """A class of what a page shows as no text: an icon's (``material-icons``' "expand_more",
    ``elementor-accordion-icon``), or words for screen readers alone ("Show answer to: ",
    "(click to expand)"): read, they ran into the question ("Do you deliver?expand_more",
    dropped with no ``?`` at its end). Not a class around an icon (``has-icon``,
    ``list-icons``, ``elementor-icon-list-items``) nor a symbol's (``currency-symbol``:
    "\u00a312"), which hold what the page shows."""
    _VOID = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "param",
            "source",
            "track",
            "wbr",
        ]
    )
    """Elements with no end tag: none holds what a page shows around its FAQ."""

    def __init__(self, page_parts: bool = False, main: bool = False) -> None:
        """``page_parts``: read the page's menus, sidebars and footer too; ``main``: the
        page has a ``<main>`` element, and only what it holds is read, unless ``page_parts``."""
        super().__init__(convert_charrefs=True)
        self._skipped = self._HIDDEN if page_parts else self._HIDDEN | self._PAGE_PARTS
        self._page_parts = page_parts
        self._outside = main and not page_parts  # before or after the page's <main>
        self._chrome: _Chrome | None = None  # the banner or box being read
        self._part: list[str | int] | None = None  # a menu, sidebar or footer's tag, depth
        self._unseen: list[str | int] | None = None  # an icon's or screen reader's tag, depth
        self._parts: list[str] = []
        self._origins: list[int] = []  # the HTML's line of each part
        self._skipping = 0
        self._link: tuple[str, int] | None = None  # address, and where its text starts
        self._tables: list[tuple[int, _Row | None]] = []  # each open: rows read, row open
        self._glued = False  # an inline element closing a question just ended
        self._data: list[str] | None = None  # the text of a script of data for search engines
        self._blocks: list[tuple[str, int]] = []  # each block open: its tag, where its text starts
        # each list open: its items numbered so far, None when it is bulleted
        self._lists: list[int | None] = []
        self._item: tuple[str, str] | None = None  # a numbered item's marks, before its text
        self.faq_data: list[tuple[str, str]] = []
        """The questions and answers (HTML) of the page's schema.org ``FAQPage`` data."""

    def _emit(self, part: str) -> None:
        if "\n" in part:
            self._glued = False  # a new line or block ("- " of a list) sets it apart already
        self._parts.append(part)
        self._origins.append(self.getpos()[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and (dict(attrs).get("type") or "").lower() == "application/ld+json":
            self._data = []
        if tag == "main":
            self._outside = False
        if self._part is not None and tag == self._part[0]:
            self._part[1] = int(self._part[1]) + 1
        elif (
            self._part is None
            and not self._page_parts
            and tag not in self._VOID
            and self._is_page_part(attrs)
        ):
            self._part = [tag, 1]
            self._skipping += 1
        if self._unseen is not None and tag == self._unseen[0]:
            self._unseen[1] = int(self._unseen[1]) + 1
        elif self._unseen is None and tag not in self._VOID and self._is_unseen(attrs):
            self._unseen = [tag, 1]
            self._skipping += 1
        if self._chrome is not None and tag == self._chrome.tag:
            self._chrome.depth += 1
        elif (
            self._chrome is None
            and not (self._page_parts or self._skipping or self._outside)
            and tag not in self._VOID
            and self._is_chrome(attrs)
        ):
            self._chrome = _Chrome(tag, len(self._parts))
        if tag in self._skipped:
            self._skipping += 1
            return
        if self._skipping or self._outside:
            return  # a list, table or bold inside a menu or footer shows nothing either
        if self._item is not None and tag not in self._VOID:
            # a numbered item's number goes before its text, not alone before a block of
            # it ("<li><p>Is there parking?</p>..."): such an item is marked as before
            blocked = tag in self._BLOCKS or tag in ("li", "table") or tag[0] == "h"
            self._emit(self._item[0] if blocked else self._item[1])
            self._item = None
        if re.fullmatch(r"h[1-6]", tag):
            self._emit(f"\n\n{'#' * int(tag[1])} ")
        elif tag in ("ol", "ul"):
            if not self._lists:  # a list in an item goes on under it
                self._emit("\n\n")
            self._blocks.append((tag, len(self._parts)))
            start = dict(attrs).get("start") or ""
            self._lists.append(None if tag == "ul" else int(start) - 1 if start.isdigit() else 0)
        elif tag in self._BLOCKS:
            self._emit("\n\n")
            self._blocks.append((tag, len(self._parts)))
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            # an item of a numbered list keeps its number: the order of steps is the answer's
            numbered = self._lists[-1] if self._lists else None
            if numbered is not None:
                self._lists[-1] = numbered + 1
            indent = "  " * (len(self._lists) - 1)  # an item of a list in an item
            if numbered is None:
                self._emit(f"\n{indent}- ")
            else:
                self._item = (f"\n{indent}- ", f"\n{indent}{numbered + 1}. ")
        elif tag == "table":
            self._emit("\n\n")
            self._tables.append((0, None))
        elif tag == "tr" and self._tables:
            self._end_row()  # one left open ("<tr><td>1<tr><td>2")
            rows, _ = self._tables[-1]
            self._tables[-1] = (rows + 1, _Row(len(self._parts), self.getpos()[0], not rows))
        elif tag in ("td", "th") and (row := self._row()) is not None:
            self._end_cell(row)
            row.cell = len(self._parts)
            row.headers += tag == "th"
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag == "a":
            self._link = (_unredirected(dict(attrs).get("href") or ""), len(self._parts))

    def handle_endtag(self, tag: str) -> None:
        chrome = self._chrome
        if chrome is not None and (tag in ("summary", "dt") or re.fullmatch(r"h[1-6]", tag)):
            last = next((part for part in reversed(self._parts) if part.strip()), "")
            chrome.asks = chrome.asks or last.rstrip().endswith(tuple(_QUESTION_MARKS))
        self._end(tag)
        for kind in ("_part", "_unseen"):
            open_ = getattr(self, kind)
            if open_ is not None and tag == open_[0]:
                open_[1] = int(open_[1]) - 1
                if not open_[1]:
                    setattr(self, kind, None)
                    self._skipping = max(0, self._skipping - 1)
        if chrome is not None and tag == chrome.tag:
            chrome.depth -= 1
            if not chrome.depth:
                self._chrome = None
                if not chrome.asks:  # around the FAQ: what it showed is left out
                    del self._parts[chrome.start :], self._origins[chrome.start :]

    def _end(self, tag: str) -> None:
        if tag in ("li", "ol", "ul"):
            self._item = None  # an item with no text: no number alone
        if tag == "script" and self._data is not None:
            try:
                found = json.loads("".join(self._data))
            except ValueError:
                found = None  # not JSON: no data
            self._data = None
            asked = {phrase_key(question) for question, _ in self.faq_data}
            for question, answer in _faq_pairs(found):
                if phrase_key(question) and phrase_key(question) not in asked:
                    asked.add(phrase_key(question))
                    self.faq_data.append((question, answer))
        if tag == "main" and not self._page_parts:
            self._outside = True
        if tag in self._skipped:
            self._skipping = max(0, self._skipping - 1)
        elif self._skipping or self._outside:
            return
        elif tag == "table":
            self._end_row()
            del self._tables[-1:]
            self._emit("\n\n")
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCKS:
            if tag in ("ol", "ul") and self._lists:
                self._lists.pop()
            opened = [at for at, (name, _) in enumerate(self._blocks) if name == tag]
            if opened:
                start = self._blocks[opened[-1]][1]
                del self._blocks[opened[-1] :]
                self._one_answer(start)
            if not (tag in ("ol", "ul", "li") and self._lists):
                self._emit("\n\n")
            if tag == "summary" and self._blocks and self._blocks[-1][0] == "details":
                # a <details>' answer is what follows its <summary>
                self._blocks[-1] = ("details", len(self._parts))
        elif tag in ("td", "th") and (row := self._row()) is not None:
            self._end_cell(row)
        elif tag == "tr":
            self._end_row()
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag in ("span", "button", "label"):
            # "<span>Can I park?</span><span>Yes.</span>": text glued to a question an
            # element of its own closed is shown apart by the page's style (not "Still not
            # sure?</span><span> Call us", a sentence running on)
            last = next((part for part in reversed(self._parts) if part), "")
            self._glued = last.endswith(tuple(_QUESTION_MARKS))
        elif tag == "a" and self._link is not None:
            address, start = self._link
            self._link = None
            shown = "".join(self._parts[start:]).strip()
            if re.match(r"(?:https?|mailto|tel):", address) and shown and shown != address:
                self._parts[start:] = [f"[{shown}]({address})"]
                self._origins[start:] = self._origins[start : start + 1] or [self.getpos()[0]]

    def _one_answer(self, start: int) -> None:
        """The paragraphs of a block that ended, from part ``start``, set as the lines of one
        when they are all sentences of an answer: an accordion's panel, a ``<dd>`` or a
        ``<details>`` holding "Yes, the car park is free." and "It closes at 6pm." is one
        answer, where the second was read as an entry of its own (a paragraph under no
        question). Not when one of them is a question, a heading, a list, a table, bold or
        a title (no full stop): the FAQ's own structure, read as before."""
        shown = [
            para.strip()
            for para in re.split(r"\n[ \t]*\n", "".join(self._parts[start:]))
            if para.strip()
        ]
        if len(shown) < 2 or not all(map(_answer_sentences, shown)):
            return
        seen = gap = False
        for at in range(start, len(self._parts)):
            part = self._parts[at]
            if part.strip():
                seen, gap = True, False
            elif seen and "\n" in part:
                self._parts[at] = "" if gap else "\n"
                gap = True

    def close(self) -> None:
        super().close()
        while self._tables:  # a table left open at the end: its last row is shown all the same
            self._end_row()
            del self._tables[-1]

    def _row(self) -> _Row | None:
        """The table's row being read, one begun for a cell outside any ("<table><td>");
        None outside a table (a cell alone shows its text as it is)."""
        if not self._tables:
            return None
        rows, row = self._tables[-1]
        if row is None:
            row = _Row(len(self._parts), self.getpos()[0], first=not rows)
            self._tables[-1] = (rows + 1, row)
        return row

    def _end_cell(self, row: _Row) -> None:
        """The cell being read in ``row`` ended: its text, its lines a ``<br>`` apart, is
        one of the row's cells (as a Word table's cell is: ``office.markdown_cell``)."""
        if row.cell is None:
            return
        text = "".join(self._parts[row.cell :])
        del self._parts[row.cell :], self._origins[row.cell :]
        row.cells.append(markdown_cell(" ".join(line.split()) for line in text.split("\n")))
        row.cell = None

    def _end_row(self) -> None:
        """The row being read ended: a line of markdown, as a Word table's row is
        (``office.markdown_row``), a first row of headers (``<th>``) alone marked as the
        table's header; the text between its cells shows nothing."""
        rows, row = self._tables[-1] if self._tables else (0, None)
        if row is None:
            return
        self._end_cell(row)
        self._tables[-1] = (rows, None)
        del self._parts[row.start :], self._origins[row.start :]
        if row.cells:
            header = row.first and row.headers == len(row.cells)
            self._parts += ["\n", markdown_row(row.cells, header=header)]
            self._origins += [row.line, row.line]

    def handle_data(self, data: str) -> None:
        if self._data is not None:
            self._data.append(data)
        shown = not (self._skipping or self._outside)
        if self._glued and data and shown:
            self._glued = False
            if not data[0].isspace():
                self._emit("\n")
        if shown and self._item is not None and data.strip():
            self._emit(self._item[1])
            self._item = None
        if shown:
            # a tag in the text the page shows ("&lt;b&gt;") is text (``markup.characters``)
            self._emit(tags_as_text(re.sub(r"\s+", " ", data.replace("\xa0", " "))))

    def _is_page_part(self, attrs: list[tuple[str, str | None]]) -> bool:
        """Whether an element is a page's menu, sidebar or footer (``_PART_NAMES``)."""
        found = dict(attrs)
        if (found.get("role") or "").lower() in self._PART_ROLES:
            return True
        named = f"{found.get('class') or ''} {found.get('id') or ''}"
        return not self._PART_NAMES.isdisjoint(re.split(r"[\s_-]+", named.lower()))

    def _is_unseen(self, attrs: list[tuple[str, str | None]]) -> bool:
        """Whether an element shows no text: an icon's, or a screen reader's (``_UNSEEN_RE``)."""
        classes = (dict(attrs).get("class") or "").split()
        return any(self._UNSEEN_RE.search(name) for name in classes)

    def _is_chrome(self, attrs: list[tuple[str, str | None]]) -> bool:
        """Whether an element is what a page shows around its FAQ (``_CHROME_NAMES``)."""
        found = dict(attrs)
        if (found.get("role") or "").lower() in self._CHROME_ROLES:
            return True
        named = (
            f"{found.get('class') or ''} {found.get('id') or ''} {found.get('aria-label') or ''}"
        )
        if not self._CHROME_CLASSES.isdisjoint((found.get("class") or "").lower().split()):
            return True
        return not self._CHROME_NAMES.isdisjoint(re.split(r"[\s_-]+", named.lower()))

    def text(self) -> str:
        """The text shown, a paragraph a block, its lines without spaces around them."""
        # spaces run together are one, as a browser shows them ("Yes <img> free")
        # an item of a list in an item keeps its indent (``_nested`` reads it)
        return "\n".join(
            (found[1] if (found := _INDENTED_ITEM_RE.match(line)) else "") + " ".join(line.split())
            for line in "".join(self._parts).split("\n")
        )

    def source_line(self, line: int) -> int:
        """The HTML's line that line ``line`` of ``text()`` comes from (both 1-based)."""
        at = 1
        for part, origin in zip(self._parts, self._origins, strict=True):
            if at >= line and part.strip():
                return origin
            at += part.count("\n")
        return self._origins[-1] if self._origins else line


_ANSWER_END_RE = re.compile(r"[.!\u2026][\"'\u201d\u2019)]*$")


def _answer_sentences(paragraph: str) -> bool:
    """Whether a paragraph of a web page's text is sentences of an answer: ending with a
    full stop, asking nothing in its first sentence, no line of it marked up (``_MARKUP_RE``:
    a heading, an item of a list, bold, a table's row)."""
    first = _SENTENCE_END_RE.split(" ".join(paragraph.split()))[0]
    return (
        bool(_ANSWER_END_RE.search(paragraph))
        and not first.endswith(tuple(_QUESTION_MARKS))
        and not any(_MARKUP_RE.search(line) for line in paragraph.split("\n"))
    )


class _Dumper(yaml.SafeDumper):
    """Writes multi-line texts as literal blocks, so answers stay readable."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
