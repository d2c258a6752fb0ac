"""Knowledge: the FAQ entries the kiosk can answer, loaded from a hand-editable YAML file.

The file looks like this::

    version: 1
    entries:
      - id: treat-knot                       # required, a slug: a-z, 0-9, "-" and "_"
        question: How do I get rid of a knot in my upper back?   # required
        alternatives: [my shoulder has a knot how do i get it out]
        answer: |                            # required, the written answer
          1. Rest. ...
        spoken: First, rest. Second, ...     # the answer as it should be read aloud
        topic: treating a knot
        keywords: [tennis ball, trapezius]
    matching:                                # optional: what matching needs to know
      core_terms: [knot, muscle]             # words that mark a question as in-domain
      synonyms: {lump: knot, remedy: treat}  # everyday word -> the word the entries use
      heard_as:                              # recognizer slips, repaired in this order
        - mri: [m r i, emery]                # the right words: [what is heard instead]
        - pattern: '\\b(a|the) not\\b'       # or a regular expression, for context
          replace: '\\1 knot'

``load`` returns the entries or raises ``KnowledgeError`` on the first problem;
``knotvoice.knowledge.check`` reports every problem at once, plus warnings about things that
will work badly by voice.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import logging
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from knotvoice.errors import KnowledgeError
from knotvoice.lang import without_emoji, words
from knotvoice.markup import characters, without_html

logger = logging.getLogger(__name__)

"""Environment variable naming the knowledge file to use instead of the bundled one."""

FORMAT_VERSION = 1

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REQUIRED = ("id", "question", "answer")
_TEXT_FIELDS = ("id", "question", "answer", "spoken", "topic")
_LIST_FIELDS = ("alternatives", "keywords")
_KNOWN_FIELDS = frozenset((*_TEXT_FIELDS, *_LIST_FIELDS))


@dataclass(frozen=True)
class Entry:
    """One FAQ entry."""

    id: str
    question: str
    """The canonical question, as shown and as read in a did-you-mean."""
    answer: str
    """The answer as written (may hold numbered lists and curly quotes), its HTML character
    references ("&amp;", "&#39;") read as the characters they stand for (``markup.characters``),
    as are those of every text of the entry."""
    alternatives: tuple[str, ...] = ()
    """Other ways people ask the same thing."""
    spoken: str | None = None
    """The answer written for speaking, when it differs from ``answer``."""
    topic: str = ""
    """A few words naming the entry, used when the kiosk lists what it can help with."""
    keywords: tuple[str, ...] = ()
    """Key terms of the answer that also point to this entry ("tennis ball")."""

    @property
    def phrases(self) -> tuple[str, ...]:
        """The question followed by its alternatives: every way of asking for this entry."""
        return (self.question, *self.alternatives)

    @property
    def speech(self) -> str:
        """The text to read aloud: ``spoken`` when given, else ``answer``."""
        return self.spoken if self.spoken else self.answer


@dataclass(frozen=True)
class Repair:
    """One recognition-slip repair, applied to normalized text with ``re.sub``."""

    pattern: str
    """Regular expression (a plain misheard form becomes ``\\b(?:form|...)\\b``)."""
    replace: str
    """Replacement; may refer to groups of ``pattern`` ("\\1 knot")."""
    heard: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    """The misheard forms a plain repair was written with (empty for a regular expression)."""


@dataclass(frozen=True)
class MatchingHints:
    """What matching needs to know about the knowledge's domain (its ``matching:`` section).

    Empty for a file without the section: matching then uses only the generic rules.
    """

    core_terms: tuple[str, ...] = ()
    """Words that mark a question as being about this knowledge even when it also names
    another topic that only the answers mention."""
    synonyms: tuple[tuple[str, str], ...] = ()
    """(everyday word, the word the entries use for it) pairs, lowercase single words."""
    heard_as: tuple[Repair, ...] = ()
    """Recognition-slip repairs, in the order they are applied."""

    @property
    def synonym_map(self) -> dict[str, str]:
        """``synonyms`` as a mapping from the everyday word to the knowledge's word."""
        return dict(self.synonyms)


@dataclass(frozen=True)
class Lines:
    """Where one entry is written in its file (lines count from 1)."""

    start: int
    """The line the entry starts on."""
    fields: tuple[tuple[str, int], ...] = ()
    """(field, line) of each field the entry gives, and of each item of its lists
    ("alternatives[2]")."""

    def of(self, field: str) -> int:
        """The line of ``field``, else of its list, else the entry's first line."""
        given = dict(self.fields)
        return given.get(field, given.get(field.split("[", 1)[0], self.start))


def line_of(lines: Lines | None, field: str) -> int | None:
    """The line of ``field`` in the entry written at ``lines`` (None: not known)."""
    return lines.of(field) if lines is not None else None


@dataclass(frozen=True)
class Knowledge:
    """All entries of one knowledge file."""

    entries: tuple[Entry, ...]
    source: str = ""
    """Path of the file the entries came from."""
    matching: MatchingHints = MatchingHints()
    """Domain words and recognition slips of this knowledge (empty when the file has none)."""
    lines: tuple[Lines, ...] = dataclasses.field(default=(), compare=False, repr=False)
    """Where each entry is written in ``source``, in entry order (empty when not read)."""

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Entry ids in file order."""
        return tuple(entry.id for entry in self.entries)


@dataclass(frozen=True)
class Problem:
    """One finding of ``lint`` (or the reason ``load`` refused a file)."""

    severity: Literal["error", "warning"]
    entry: str | None
    """Id of the entry concerned, ``#N`` (1-based) when it has no usable id, None for the file."""
    field: str
    """Field concerned ("answer", "alternatives[2]"), empty for the whole file or entry."""
    message: str
    file: str = ""
    """Path of the knowledge file."""
    line: int | None = None
    """Line of the file the problem is on (from 1), None when it is not one line's."""

    def __str__(self) -> str:
        parts = [self.file or "<knowledge>"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.entry is not None:
            parts.append(f"entry {self.entry}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


def load(path: str | Path, *, said: bool = True) -> Knowledge:
    """Read and validate a knowledge file.

    Raises ``KnowledgeError`` with a one-line "file: line: entry: field: message" on the first
    error (the line when the error is about an entry).
    Warnings (see ``lint``) are logged, not raised; how many entries it holds is logged at
    INFO when ``said``, else at DEBUG (a load that another one says).
    """
    knowledge, problems = read(Path(path))
    for problem in problems:
        if problem.severity == "error":
            raise KnowledgeError(str(problem))
    for problem in problems:
        logger.debug("%s", problem)
    if knowledge is None:  # pragma: no cover - an unreadable file always has an error
        raise KnowledgeError(f"{path}: cannot read the knowledge file")
    logger.log(
        logging.INFO if said else logging.DEBUG,
        "loaded %d entries from %s",
        len(knowledge.entries),
        knowledge.source,
    )
    return knowledge


def vocabulary(knowledge: Knowledge) -> list[str]:
    """Sorted unique lowercase words of all questions, alternatives and keywords."""
    words: set[str] = set()
    for entry in knowledge.entries:
        for text in (*entry.phrases, *entry.keywords):
            words.update(words_of(text))
    return sorted(words)


def words_of(text: str) -> list[str]:
    """Lowercase words of ``text``; apostrophes inside words are kept ("don't")."""
    return words(text)


CLOSING_MARKS = ".?!\u2026\u061f\uff1f\uff01\u3002"
"""What may close a question or sentence: "?", ".", "!", "\u2026", and the Arabic and
full-width marks an imported FAQ keeps as written."""


def phrase_key(text: str) -> str:
    """``text`` with case, punctuation and spacing normalised, to compare phrases."""
    return " ".join(words_of(text))


# --- reading and checking ------------------------------------------------------------------


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def error(
        self, entry: str | None, field: str, message: str, lines: Lines | None = None
    ) -> None:
        """An error; with ``lines``, naming the line of ``field`` in the entry written there."""
        self.problems.append(
            Problem("error", entry, field, message, self.file, line_of(lines, field))
        )

    def warning(
        self, entry: str | None, field: str, message: str, lines: Lines | None = None
    ) -> None:
        self.problems.append(
            Problem("warning", entry, field, message, self.file, line_of(lines, field))
        )


def read(path: Path) -> tuple[Knowledge | None, list[Problem]]:
    """Parse and check ``path``: the entries that are valid (None when the file itself could
    not be read) and every error found."""
    out = _Collector(str(path))
    parsed, data, root = _parse_yaml(path, out)
    if not parsed:
        _import_hint(path, out)
        return None, out.problems
    raw_entries = _top_level(data, out)
    if not isinstance(data, dict) or "entries" not in data:
        # YAML's own structure (a list, a mapping) is a knowledge file gone wrong, not text
        _import_hint(path, out, written=data is None or isinstance(data, str))
    hints = MatchingHints()
    if isinstance(data, dict) and data.get("matching") is not None:
        hints = _matching(data["matching"], out)
    written = _entry_lines(root)
    entries: list[Entry] = []
    places: list[Lines | None] = []
    for index, raw in enumerate(raw_entries):
        lines = written[index] if index < len(written) else None
        entry = _entry(raw, index, out, lines)
        if entry is not None:
            entries.append(entry)
            places.append(lines)
    _check_across(entries, out, places)
    knowledge = Knowledge(
        entries=tuple(entries),
        source=str(path),
        matching=hints,
        lines=tuple(lines for lines in places if lines is not None)
        if len(written) == len(raw_entries)
        else (),
    )
    return knowledge, out.problems


def _entry_lines(root: yaml.Node | None) -> list[Lines]:
    """Where each item of the file's ``entries:`` list is written (none without the list, or
    when it is an alias of a list written elsewhere)."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "entries" and isinstance(value, yaml.SequenceNode):
            return [_lines_of(item) for item in value.value] if _written_at(key, value) else []
    return []


def _written_at(key: yaml.Node, value: yaml.Node) -> bool:
    """Whether ``value`` is written after its ``key``, not an alias (``*name``) of a value
    written above, whose lines are the anchor's."""
    return bool(value.start_mark.line >= key.start_mark.line)


def _lines_of(node: yaml.Node) -> Lines:
    fields: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            fields.append((str(key.value), key.start_mark.line + 1))
            if isinstance(value, yaml.SequenceNode) and _written_at(key, value):
                fields.extend(
                    (f"{key.value}[{i}]", item.start_mark.line + 1)
                    for i, item in enumerate(value.value)
                )
    return Lines(node.start_mark.line + 1, tuple(fields))


NOT_FOUND = "file not found; check the path"
"""What a knowledge file not there is told (after its path; then, where the settings named
it, where that was: ``app.knowledge_named``)."""
_DOCUMENTS = frozenset((".docx", ".odt", ".pdf", ".xlsx", ".ods", ".csv", ".tsv", ".html"))
"""Kinds of file an FAQ is written in that ``knowledge import`` reads, never a knowledge
file."""


def _import_hint(path: Path, out: _Collector, written: bool = True) -> None:
    """Point a file that holds no knowledge to the importer: an operator who gives the kiosk
    their FAQ's text (named ``.txt``, or ``.yaml`` with no ``entries:``, ``written`` as text
    rather than as YAML's lists and mappings) is told how to make one of it. A document
    (a Word file) is told so alone: its bytes read as text were "not UTF-8 (byte 12)"."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return
    named, making = shlex.quote(str(path)), shlex.quote(str(path.with_suffix(".yaml")))
    command = f"`knotvoice knowledge import {named} -o {making}`"
    if suffix in (".yaml", ".yml"):
        if not written or _written_as_knowledge(path):
            return  # a knowledge file gone wrong, not a text named .yaml
        text = shlex.quote(str(path.with_suffix(".txt")))
        command = f"rename it {text}, then `knotvoice knowledge import {text} -o {named}`"
    for number, problem in enumerate(out.problems):
        if problem.severity == "error":
            message = (
                f"a {suffix} document, not a knowledge file; {command} makes one of it"
                if suffix in _DOCUMENTS
                else f"{problem.message}; a plain-text FAQ? {command} makes a knowledge file of it"
            )
            out.problems[number] = dataclasses.replace(problem, message=message)
            return


def _written_as_knowledge(path: Path) -> bool:
    """Whether ``path`` has a line opening ``entries:`` or ``version:``, as a knowledge file's
    (unreadable files are taken for one: no hint)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return re.search(r"^(?:entries|version)\s*:", text, re.MULTILINE) is not None


class _KeyTwice(yaml.constructor.ConstructorError):
    """A mapping gives one key twice."""


_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[\w-]+:\s+)?(["'])(.*)$""")
"""A line whose value opens with a quote: the quote, and the rest of the line."""


def _quote_left_open(text: str, exc: yaml.MarkedYAMLError) -> int | None:
    """The line (1-based) of a value whose quote is not closed on its line, between where
    the block YAML gave up on began and where it gave up: the quote ran on to a later one
    (in a comment, another value) and what follows that one broke the file. None when
    there is none, or YAML gave up on something else."""
    if "expected <block end>" not in str(exc.problem) or exc.problem_mark is None:
        return None
    first = exc.context_mark.line if exc.context_mark is not None else 0
    lines = text.splitlines()[first : exc.problem_mark.line]
    for number, line in reversed(list(enumerate(lines, start=first + 1))):
        found = _OPENING_QUOTE.match(line)
        if found is None:
            continue
        quote, rest = found.groups()
        closed = rest.replace("''", "") if quote == "'" else re.sub(r"\\.", "", rest)
        if quote not in closed:
            return number
    return None


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters YAML refuses in a file (a tab, line breaks and U+0085 it takes)."""


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: YAML keeps only the
    last, so a second ``entries:`` or ``answer:`` would drop the first without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # "<<: *base": another entry's fields, its own after it replace them
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise _KeyTwice(
                    None,
                    None,
                    f"{key!r} is given twice (the second would replace the first); "
                    "merge the two or remove one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_KEY_LINE_RE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[\w-]+):\s+(?P<value>\S.*?)\s*$")
"""A line of a key and its value ("    answer: 'It's free.'"), or a list's first key's."""
_INDICATORS = "*&@`%!|>?,-"
"""What YAML reads as its own at the start of a text: the text must be in quotes."""


def _text_slip(text: str, exc: yaml.MarkedYAMLError) -> str | None:
    """What an operator wrote wrong where ``exc`` stopped reading ``text``, and what to do,
    for the slips YAML's own words do not tell: a text in quotes with more after its closing
    quote ('It's free.', "Free" entry), a text opening with a mark YAML reads as its own
    (*Free* entry, @ the desk), a list in brackets whose items ask (a "?"), a key indented
    further than the one above it, and two documents in one file; else None."""
    what = str(exc.problem or "")
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    lines = text.splitlines()
    if "another document" in what:
        return (
            f"line {mark.line + 1}: a second document starts here ('---'): a knowledge file "
            "holds one; put its entries under the first 'entries:' and remove the '---' lines"
        )
    marks = {mark.line} | ({exc.context_mark.line} if exc.context_mark is not None else set())
    for number in sorted(marks):
        line = lines[number] if number < len(lines) else ""
        found = _KEY_LINE_RE.match(line)
        if found is None:
            continue
        value = found["value"]
        opening = value[0]
        if opening in "'\"":
            closed = value.find(opening, 1)
            while opening == "'" and closed != -1 and value[closed + 1 : closed + 2] == "'":
                closed = value.find(opening, closed + 2)  # '' is a quote inside
            if closed != -1 and value[closed + 1 :].strip()[:1] not in ("", "#"):
                return (
                    f"line {number + 1}: the text opens with a quote ({opening}) that closes "
                    "before its end; put the whole text in double quotes, a quote inside it "
                    'written \\" (an apostrophe is fine: "It\'s free.")'
                )
        if opening == "[" and "expected ',' or ']'" in what:
            return (
                f"line {number + 1}: an item of the list in brackets holds a mark YAML reads "
                "as its own ('?' or ': '); put each item in double quotes, or write the list "
                "as lines, each starting with '- '"
            )
        if (
            opening in _INDICATORS
            and not re.fullmatch(r"[|>][-+0-9]*", value)  # a block of text's mark
            and not re.fullmatch(r"\*[\w-]+|&[\w-]+(?:\s.*)?", value)  # an alias, an anchor
        ):
            return (
                f"line {number + 1}: a text starting with '{opening}' must be in quotes; put "
                "the whole text in double quotes"
            )
    line = lines[mark.line] if mark.line < len(lines) else ""
    found = _KEY_LINE_RE.match(line)
    above = next(
        (_KEY_LINE_RE.match(lines[at]) for at in range(mark.line - 1, -1, -1) if lines[at].strip()),
        None,
    )
    if (
        "mapping values are not allowed" in what
        and found is not None
        and found["key"] in _KNOWN_FIELDS  # not "Sundays: call 111" going on from above
        and above is not None
        and len(found["indent"]) > len(above["indent"])
    ):
        return (
            f"line {mark.line + 1}: this key is indented further than the one above it, so "
            "it was read as more of that one's text; indent it as the other keys of its entry"
        )
    return None


def _parse_yaml(path: Path, out: _Collector) -> tuple[bool, object, yaml.Node | None]:
    """(True, data, its YAML nodes, which know their lines) when the file was read as YAML,
    else (False, None, None) with the error in out."""
    if not path.exists():
        out.error(None, "", NOT_FOUND)
        return False, None, None
    if path.is_dir():
        out.error(None, "", "is a directory; give the path of a .yaml knowledge file")
        return False, None, None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        out.error(None, "", f"line {line}: not UTF-8 text; save the file as UTF-8")
        return False, None, None
    except OSError as exc:
        out.error(None, "", f"cannot read ({exc.strerror}); check the file's permissions")
        return False, None, None
    if (control := _CONTROL_RE.search(text)) is not None:
        # YAML refuses them, with the character's place in the whole text: its line here
        line = text.count("\n", 0, control.start()) + 1
        code = f"U+{ord(control.group()):04X}"
        out.error(
            None,
            "",
            f"line {line}: a control character ({code}) the file cannot hold (a word "
            "processor's line break pastes as one); delete it",
        )
        return False, None, None
    loader = _UniqueKeys(text)  # a safe loader
    try:
        root = loader.get_single_node()
        data: object = loader.construct_document(root) if root is not None else None
        return True, data, root
    except yaml.MarkedYAMLError as exc:
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        # a quote never closed is found at the end of the file: where it opened is the fault
        unclosed = "quoted scalar" in str(exc.context or "") and exc.context_mark is not None
        mark = exc.context_mark if unclosed else exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        if isinstance(exc, _KeyTwice):
            out.error(None, "", f"{where}{what}")
        elif unclosed:
            out.error(None, "", f"{where}a quote opened here is never closed; close it")
        elif (
            "flow" in str(exc.context or "")
            and exc.context_mark is not None
            and exc.problem_mark is not None
            and exc.context_mark.line != exc.problem_mark.line
        ):
            # a list or mapping in brackets never closed is found lines later
            opened, closing = ("[", "]") if "sequence" in str(exc.context) else ("{", "}")
            out.error(
                None,
                "",
                f"line {exc.context_mark.line + 1}: invalid YAML: the '{opened}' opened here "
                "is not closed "
                f"before line {exc.problem_mark.line + 1} ({what}); close it with "
                f"'{closing}' after its last item",
            )
        elif (opened_at := _quote_left_open(text, exc)) is not None:
            # a quote not closed on its line runs on to the next quote, lines later
            out.error(
                None,
                "",
                f"line {opened_at}: a quote opened here is not closed on its line; close it",
            )
        elif "'\\t'" in what:
            out.error(
                None, "", f"{where}a tab where YAML takes only spaces; replace it with spaces"
            )
        elif (slip := _text_slip(text, exc)) is not None:
            out.error(None, "", slip)
        elif "expected <block end>" in what:
            out.error(
                None,
                "",
                f"{where}invalid YAML ({what}): this line is not indented as the lines above "
                "it; indent it with spaces as the other lines of its entry are",
            )
        elif "mapping values are not allowed" in what:
            out.error(
                None,
                "",
                f"{where}invalid YAML ({what}): a text holding ': ' must be in quotes; put the "
                "whole text in double quotes",
            )
        else:
            out.error(None, "", f"{where}invalid YAML ({what}); fix the syntax there")
        return False, None, None
    except yaml.YAMLError as exc:
        what = " ".join(str(exc).split())
        out.error(None, "", f"invalid YAML ({what}); fix the syntax")
        return False, None, None
    finally:
        loader.dispose()


def _top_level(data: object, out: _Collector) -> list[object]:
    if not isinstance(data, dict):
        kind = "empty" if data is None else _kind(data)
        out.error(None, "", f"is {kind}; it must be a mapping with 'version' and 'entries'")
        return []
    version = data.get("version")
    if "version" not in data:
        out.warning(None, "version", f"missing; add 'version: {FORMAT_VERSION}'")
    elif version is None:
        out.error(None, "version", f"is empty; write 'version: {FORMAT_VERSION}'")
    elif str(version).strip() == str(FORMAT_VERSION) and not isinstance(version, int):
        out.error(None, "version", f"is {version!r}, text; write {FORMAT_VERSION} without quotes")
    elif version != FORMAT_VERSION or isinstance(version, bool):
        out.error(None, "version", f"is {version!r}; this knotvoice reads version {FORMAT_VERSION}")
    for key in data:
        if key not in ("version", "entries", "matching"):
            out.warning(None, str(key), "unknown top-level field; it is ignored")
    if "entries" not in data:
        out.error(None, "entries", "missing; add an 'entries:' list of questions and answers")
        return []
    raw_entries = data["entries"]
    if raw_entries is None:
        raw_entries = []  # "entries:" with nothing under it
    if not isinstance(raw_entries, list):
        out.error(None, "entries", f"is {_kind(raw_entries)}; it must be a list of entries")
        return []
    if not raw_entries:
        out.error(None, "entries", "is empty; add at least one question and answer")
    return list(raw_entries)


_MATCHING_FIELDS = ("core_terms", "synonyms", "heard_as")
_WORD_ONLY_RE = re.compile(r"[a-z]+")
_PHRASE_RE = re.compile(r"[a-z]+(?: [a-z]+)*")


def _matching(raw: object, out: _Collector) -> MatchingHints:
    """Check the optional ``matching:`` section; problems go to ``out``."""
    if not isinstance(raw, dict):
        out.error(None, "matching", f"is {_kind(raw)}; it must be a mapping (see the format)")
        return MatchingHints()
    for key in raw:
        if key not in _MATCHING_FIELDS:
            out.warning(None, f"matching.{key}", "unknown field; it is ignored")
    core: list[str] = []
    raw_core = raw.get("core_terms")
    if raw_core is not None and not isinstance(raw_core, list):
        out.error(None, "matching.core_terms", f"is {_kind(raw_core)}; it must be a list of words")
    elif raw_core is not None:
        for i, item in enumerate(raw_core):
            word = _hint_text(item, f"matching.core_terms[{i}]", out, phrase=False)
            if word is not None:
                core.append(word)
    return MatchingHints(
        core_terms=tuple(core),
        synonyms=_synonyms(raw.get("synonyms"), out),
        heard_as=_heard_as(raw.get("heard_as"), out),
    )


def _synonyms(raw: object, out: _Collector) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        out.error(
            None, "matching.synonyms", f"is {_kind(raw)}; it must map words to words (lump: knot)"
        )
        return ()
    pairs: list[tuple[str, str]] = []
    for key, value in raw.items():
        label = f"matching.synonyms.{key}"
        word = _hint_text(key, label, out, phrase=False, what="key")
        target = _hint_text(value, label, out, phrase=False)
        if word is None or target is None:
            continue
        if word == target:
            out.warning(None, label, "maps a word to itself; remove it")
        pairs.append((word, target))
    return tuple(pairs)


def _heard_as(raw: object, out: _Collector) -> tuple[Repair, ...]:
    if raw is None:
        return ()
    field = "matching.heard_as"
    if isinstance(raw, dict):
        return tuple(_plain_repairs(raw, field, out))
    if not isinstance(raw, list):
        out.error(
            None,
            field,
            f"is {_kind(raw)}; it must be a list (or mapping) of repairs, see the format",
        )
        return ()
    repairs: list[Repair] = []
    for i, item in enumerate(raw):
        label = f"{field}[{i}]"
        if not isinstance(item, dict) or not item:
            out.error(
                None,
                label,
                f"is {_kind(item)}; write 'right words: [heard forms]' or 'pattern:' and 'replace:'",
            )
        elif "pattern" in item or "replace" in item:
            repair = _regex_repair(item, label, out)
            if repair is not None:
                repairs.append(repair)
        else:
            repairs.extend(_plain_repairs(item, label, out))
    return tuple(repairs)


def _plain_repairs(raw: dict[Any, Any], field: str, out: _Collector) -> list[Repair]:
    """``right words: [heard forms]`` pairs as whole-word repairs, in file order."""
    repairs: list[Repair] = []
    for key, value in raw.items():
        label = f"{field}.{key}"
        right = _hint_text(key, label, out, what="key")
        heard = [value] if isinstance(value, str) else value
        if not isinstance(heard, list) or not heard:
            out.error(None, label, f"is {_kind(value)}; it must be a list of misheard forms")
            continue
        forms: list[str] = []
        for i, item in enumerate(heard):
            form = _hint_text(item, f"{label}[{i}]", out)
            if form is None:
                continue
            if form == right:
                out.warning(None, f"{label}[{i}]", "is the right words themselves; remove it")
                continue
            forms.append(form)
        if right is None or not forms:
            continue
        ordered = sorted(dict.fromkeys(forms), key=len, reverse=True)
        # Forms are lowercase letters and single spaces (checked above): nothing to escape.
        pattern = r"\b(?:" + "|".join(ordered) + r")\b"
        repairs.append(Repair(pattern, right, tuple(ordered)))
    return repairs


def _regex_repair(raw: dict[Any, Any], field: str, out: _Collector) -> Repair | None:
    for key in raw:
        if key not in ("pattern", "replace"):
            out.warning(None, f"{field}.{key}", "unknown field; it is ignored")
    pattern, replace = raw.get("pattern"), raw.get("replace")
    if not isinstance(pattern, str) or not pattern.strip():
        why = "missing" if pattern is None else f"is {_kind(pattern)}"
        out.error(None, f"{field}.pattern", f"{why}; write a regular expression as text")
        return None
    if not isinstance(replace, str):
        why = "missing" if replace is None else f"is {_kind(replace)}"
        out.error(None, f"{field}.replace", f"{why}; write the replacement as text ('' deletes)")
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        what = " ".join(str(exc).split())
        out.error(
            None, f"{field}.pattern", f"is not a valid regular expression ({what}); fix the pattern"
        )
        return None
    if _repeats_a_repeat(compiled):
        out.error(
            None,
            f"{field}.pattern",
            "repeats a part that itself repeats (as `(\\w+ ?)+` does): some questions would "
            "take it forever to match, and the kiosk would stop answering; write it without "
            "the outer repetition",
        )
        return None
    try:
        compiled.sub(replace, "")
    except (re.error, IndexError) as exc:
        what = " ".join(str(exc).strip("'\"").split())
        out.error(
            None, f"{field}.replace", f"is not a valid replacement ({what}); fix the group numbers"
        )
        return None
    return Repair(pattern, replace)


def _repeats_a_repeat(pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` repeats without end a part that repeats inside (``(a+)+``,
    ``(\\w+ ?)+``): the backtracking regular expressions do on a text that almost matches
    takes time exponential in its length."""
    # the parser of ``re`` itself (its public name, sre_parse, is deprecated)
    sre: Any = importlib.import_module("re._constants")
    parser: Any = importlib.import_module("re._parser")

    def walk(items: Any, repeated: bool) -> bool:
        for op, value in items:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                least, most, inner = value
                if repeated and most > 1 and least != most:
                    return True
                parts, repeated_inside = [inner], repeated or most == sre.MAXREPEAT
            elif op is sre.SUBPATTERN:
                parts, repeated_inside = [value[-1]], repeated
            elif op is sre.BRANCH:
                parts, repeated_inside = value[1], repeated
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                parts, repeated_inside = [value[1]], repeated
            else:
                continue
            if any(walk(part, repeated_inside) for part in parts):
                return True
        return False

    return walk(parser.parse(pattern.pattern, pattern.flags).data, False)


def _hint_text(
    value: object, field: str, out: _Collector, *, phrase: bool = True, what: str = ""
) -> str | None:
    """``value`` as lowercase words (one word unless ``phrase``), or None with an error."""
    where = f"{what} " if what else ""
    if value is None:
        out.error(None, field, f"{where}is empty; write it, or remove it")
        return None
    if not isinstance(value, str):
        out.error(None, field, f"{where}is {_kind(value)}; write it as text (quote it)")
        return None
    text = " ".join(value.lower().split())
    if not (_PHRASE_RE if phrase else _WORD_ONLY_RE).fullmatch(text):
        kind = "lowercase words" if phrase else "one lowercase word"
        out.error(
            None,
            field,
            f"{where}{value!r} must be {kind} in letters only, as the recognizer writes them",
        )
        return None
    return text


def _entry(raw: object, index: int, out: _Collector, lines: Lines | None = None) -> Entry | None:
    """Check one raw entry, written at ``lines``; None when it has errors (they are in
    ``out``)."""
    label = f"#{index + 1}"
    if not isinstance(raw, dict):
        out.error(
            label,
            "",
            f"is {_kind(raw)}; each entry must be a mapping with id, question, answer",
            lines,
        )
        return None
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        label = raw_id.strip()
    errors_before = len(out.problems)

    text: dict[str, str | None] = {}
    for field in _TEXT_FIELDS:
        value = raw.get(field)
        if isinstance(value, str) and field != "id":
            value = characters(value)  # "&amp;" as "&", for the screen, speech and matching
        if value is None:
            if field in _REQUIRED:
                if field in raw:
                    out.error(label, field, f"is empty; write {_a(field)}", lines)
                else:
                    out.error(label, field, f"missing; every entry needs {_a(field)}", lines)
            text[field] = None
        elif not isinstance(value, str):
            out.error(label, field, _not_text(value), lines)
            text[field] = None
        elif not value.strip():
            if field in _REQUIRED:
                out.error(label, field, f"is empty; write {_a(field)}", lines)
            elif field == "spoken":
                out.error(label, field, f"is empty; write {_a(field)} or remove the field", lines)
            text[field] = None
        elif field in ("answer", "spoken") and not re.search(
            r"[^\W_]", without_emoji(without_html(value))
        ):
            # "\U0001f389", "<br>": the kiosk said nothing, and the screen waited on it
            out.error(
                label,
                field,
                f"{value.strip()!r} says nothing read aloud (only emoji, marks or tags); "
                "write it in words",
                lines,
            )
            text[field] = None
        else:
            text[field] = value.strip()
    entry_id = text["id"]
    if entry_id is not None and not _ID_RE.match(entry_id):
        out.error(
            label, "id", f"{entry_id!r} is not a slug; use lowercase letters, digits and -", lines
        )

    lists: dict[str, tuple[str, ...]] = {}
    for field in _LIST_FIELDS:
        lists[field] = _text_list(raw.get(field), label, field, out, lines)

    for key in raw:
        if key not in _KNOWN_FIELDS:
            out.warning(label, str(key), "unknown field; it is ignored (check the spelling)", lines)

    has_errors = any(p.severity == "error" for p in out.problems[errors_before:])
    if has_errors or entry_id is None or text["question"] is None or text["answer"] is None:
        return None
    return Entry(
        id=entry_id,
        question=text["question"],
        answer=text["answer"],
        alternatives=lists["alternatives"],
        spoken=text["spoken"],
        topic=text["topic"] or "",
        keywords=lists["keywords"],
    )


def _text_list(
    value: object, label: str, field: str, out: _Collector, lines: Lines | None
) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        out.error(label, field, "is text; write it as a list ('- ...' on each line)", lines)
        return ()
    if not isinstance(value, list):
        out.error(label, field, f"is {_kind(value)}; it must be a list of texts", lines)
        return ()
    items: list[str] = []
    for i, item in enumerate(value):
        if item is not None and not isinstance(item, str):
            out.error(label, f"{field}[{i}]", _not_text(item), lines)
        elif item is None or not (read := characters(item)).strip():
            out.error(label, f"{field}[{i}]", "is empty; remove it", lines)
        else:
            items.append(" ".join(read.split()))
    return tuple(items)


def _check_across(
    entries: Iterable[Entry], out: _Collector, places: Sequence[Lines | None]
) -> None:
    """Errors between entries (written at ``places``): duplicate ids, a phrase that asks for
    two entries."""
    seen_ids: set[str] = set()
    owner: dict[str, tuple[str, str]] = {}
    for entry, lines in zip(entries, places, strict=True):
        if entry.id in seen_ids:
            out.error(entry.id, "id", "duplicate id; another entry above has it, rename one", lines)
            continue
        seen_ids.add(entry.id)
        for field, phrase in _fields_of_phrases(entry):
            key = phrase_key(phrase)
            if not key:
                out.error(
                    entry.id, field, f"{phrase!r} has no words; write the question in words", lines
                )
                continue
            other = owner.get(key)
            if other is None:
                owner[key] = (entry.id, field)
            elif other[0] != entry.id:
                what = "the question" if other[1] == "question" else other[1]
                out.error(
                    entry.id,
                    field,
                    f"{phrase!r} is also {what} of entry {other[0]}; keep it in one entry",
                    lines,
                )


def _fields_of_phrases(entry: Entry) -> list[tuple[str, str]]:
    return [("question", entry.question)] + [
        (f"alternatives[{i}]", alt) for i, alt in enumerate(entry.alternatives)
    ]


def _not_text(value: object) -> str:
    """Why ``value`` is no text, and what to write: YAML reads an unquoted ``Yes`` or ``5.50``
    as true/false or a number, where the operator wrote an answer."""
    kind = _kind(value)
    if isinstance(value, bool):
        kind += " (YAML reads an unquoted yes, no, on or off so)"
    if isinstance(value, dict | list):
        return f"is {kind}; it must be text"
    return f"is {kind}; it must be text: put it in quotes"


def _kind(value: Any) -> str:
    names = {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        datetime.date: "a date",
        datetime.datetime: "a date and time",
    }
    if value is None:
        return "empty"
    return names.get(type(value), type(value).__name__)


def _a(field: str) -> str:
    return {"id": "an id", "answer": "an answer", "question": "a question"}.get(field, field)
