"""FAQ import: a plain-text FAQ becomes a draft knowledge file.

The text is read as paragraphs (runs of non-blank lines). A line ending in ``?`` is a question
and stands on its own; everything else is answer text. What marks a question as one is left
out of it: a label (``Q:``, ``Q.``, ``Question:``), a number (``1.``, ``1)``), a heading's
``#`` or a bullet; so is the label of the answer under it (``A:``, ``A.``, ``Answer:``),
whatever the case. The rules, in the order they apply:

- **Answer.** The answer of a question is the paragraph directly under it, plus each further
  paragraph that continues it: a list (a paragraph starting with ``1.``, ``-``, ``*`` or a
  bullet), or any paragraph after one that is not finished (a heading such as "Treatment",
  or a line ending in ``:``). Answer text is otherwise kept as written.
- **Repeated question.** A question asked again (same words, ignoring case and punctuation)
  is not a new entry: if it brings an answer, that answer is added to the first one's.
- **Question without answer.** A question directly followed by another question becomes an
  alternative of the next entry, so it is still answerable. A question at the end of the text
  with no answer is dropped.
- **Preamble.** Text before the first question (a title, an introduction) is not an entry.
- **Orphan paragraph.** A paragraph under no question (after a finished answer) becomes an
  entry of its own; its question is a placeholder, the paragraph's first sentence, for a
  person to rewrite.

Each of these cases gives a one-line ``Note`` with the line it concerns; ``to_yaml`` writes
the notes as comments above the entries. Ids are slugs of the question, made unique: accents
are folded to plain letters and other characters left out ("Fundbüro" gives ``fundburo``); a
question with no letter or digit left gives a numbered id (``entry-3``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import FORMAT_VERSION, Entry, phrase_key

logger = logging.getLogger(__name__)

_LIST_START_RE = re.compile(r"^(\d+[.)]|[-*\u2022])\s")
_QUESTION_MARK_RE = re.compile(
    r"^(?:(?:q|question)\s*\d*\s*:|(?:q|question)\s*\d*[.)]\s|\d+[.)]\s|#+\s|[-*\u2022]\s)\s*",
    re.IGNORECASE,
)
_ANSWER_MARK_RE = re.compile(
    r"^(?:(?:a|answer)\s*\d*\s*:|(?:a|answer)\s*\d*[.)]\s)\s*", re.IGNORECASE
)
_FINISHED_RE = re.compile(r"[.!?][\"'\u201d\u2019)]*$")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s")
_NOT_SLUG_RE = re.compile(r"[^a-z0-9]+")
_MAX_ID_LENGTH = 48


@dataclass(frozen=True)
class Note:
    """Something the import did on its own that a person should look at."""

    line: int
    """1-based line of the source text."""
    message: str
    entry: str | None = None
    """Id of the entry it concerns."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    entries: tuple[Entry, ...]
    notes: tuple[Note, ...]


@dataclass
class _Paragraph:
    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def is_question(self) -> bool:
        return len(self.lines) == 1 and self.lines[0].endswith("?")

    @property
    def is_list(self) -> bool:
        return bool(_LIST_START_RE.match(self.lines[0]))

    @property
    def is_finished(self) -> bool:
        return bool(_FINISHED_RE.search(self.lines[-1]))


@dataclass
class _Draft:
    line: int
    question: str
    alternatives: list[str]
    paragraphs: list[str]
    orphan: bool = False


def read_faq(path: str | Path) -> ImportResult:
    """``parse_faq`` on a UTF-8 text file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found; give the path of a plain-text FAQ") from None
    except UnicodeDecodeError:
        raise KnowledgeError(f"{path}: not UTF-8 text; save the FAQ as UTF-8") from None
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return parse_faq(text)
    except KnowledgeError as exc:
        raise KnowledgeError(f"{path}: {exc}") from None


def parse_faq(text: str) -> ImportResult:
    """Turn a plain-text FAQ into entries and notes (see the module docstring for the rules).

    Raises ``KnowledgeError`` when the text is a knowledge file already, or holds no question
    at all, or no question with an answer.
    """
    if _is_knowledge_file(text):
        raise KnowledgeError(
            "is a knowledge file already (YAML with 'entries'); import reads a plain-text FAQ: "
            "use the file as it is (`--knowledge`), or import its text"
        )
    paragraphs = _paragraphs(text)
    if not any(p.is_question for p in paragraphs):
        raise KnowledgeError("no questions found; a question is a line of its own ending in '?'")

    drafts: list[_Draft] = []
    by_key: dict[str, _Draft] = {}
    pending: list[tuple[int, str]] = []  # questions left without answer, for the next entry
    notes: list[tuple[int, str, _Draft | None]] = []
    current: _Draft | None = None  # the entry whose answer is being read
    expecting = False  # the previous paragraph was a question: this one is its answer
    previous: _Paragraph | None = None

    for para in paragraphs:
        if para.is_question:
            question = " ".join(para.lines[0].split())
            key = phrase_key(question)
            if (
                expecting
                and current is not None
                and not current.paragraphs
                and phrase_key(current.question) != key
            ):
                pending.append((current.line, current.question))
                drafts.remove(current)
                del by_key[phrase_key(current.question)]
            seen = by_key.get(key)
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
            for line, waiting in pending:
                current.alternatives.append(waiting)
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
        elif current is None:
            notes.append(
                (
                    para.line,
                    "text before the first question is not an entry; "
                    "put it under a question if visitors should hear it",
                    None,
                )
            )
        elif expecting:
            current.paragraphs.append(_unlabelled(para.text))
            expecting = False
        elif para.is_list or (previous is not None and not previous.is_finished):
            current.paragraphs.append(para.text)
            expecting = False
        else:
            placeholder = _first_sentence(para.text)
            current = _Draft(para.line, placeholder, [], [para.text], orphan=True)
            drafts.append(current)
            notes.append(
                (
                    para.line,
                    "paragraph stands under no question; it is an entry of its "
                    "own whose question is its first sentence: rewrite it",
                    current,
                )
            )
            expecting = False
        previous = para

    if current is not None and not current.paragraphs:
        drafts.remove(current)
        notes.append((current.line, f"question {current.question!r} has no answer; dropped", None))
    for line, waiting in pending:
        notes.append((line, f"question {waiting!r} has no answer; dropped", None))
    if not drafts:
        raise KnowledgeError(
            "no question has an answer; write each answer on the lines under its question"
        )

    ids: dict[int, str] = {}
    used: set[str] = set()
    entries: list[Entry] = []
    for number, draft in enumerate(drafts, start=1):
        entry_id = _unique(_slug(draft.question) or f"entry-{number}", used)
        ids[id(draft)] = entry_id
        alternatives = tuple(dict.fromkeys(draft.alternatives))
        entries.append(
            Entry(
                id=entry_id,
                question=draft.question,
                answer=_answer_text(draft),
                alternatives=alternatives,
            )
        )
    result_notes = tuple(
        Note(line, message, ids.get(id(draft)) if draft is not None else None)
        for line, message, draft in sorted(notes, key=lambda n: n[0])
    )
    for note in result_notes:
        logger.info("%s", note)
    return ImportResult(entries=tuple(entries), notes=result_notes)


def to_yaml(result: ImportResult) -> str:
    """The entries in the knowledge file format, notes as comments above their entries."""
    out = [
        "# Imported from a plain-text FAQ. Review the notes below, then add alternatives,",
        "# spoken forms, topics and keywords; check the file with `knotvoice knowledge lint`.",
    ]
    loose = [note for note in result.notes if note.entry is None]
    out.extend(f"# NOTE {note}" for note in loose)
    out.append(f"version: {FORMAT_VERSION}")
    out.append("entries:")
    for entry in result.entries:
        out.append("")
        out.extend(f"  # NOTE {note}" for note in result.notes if note.entry == entry.id)
        data: dict[str, Any] = {"id": entry.id, "question": entry.question}
        if entry.alternatives:
            data["alternatives"] = list(entry.alternatives)
        data["answer"] = entry.answer
        for field, value in (
            ("spoken", entry.spoken),
            ("topic", entry.topic),
            ("keywords", list(entry.keywords)),
        ):
            if value:
                data[field] = value
        text = yaml.dump([data], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        out.extend(("  " + line) if line else line for line in text.splitlines())
    return "\n".join(out) + "\n"


# --- helpers -------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: _Paragraph | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current = None
        elif line.endswith("?"):
            paragraphs.append(_Paragraph(number, [_unmarked(line)]))
            current = None
        elif current is None:
            current = _Paragraph(number, [line])
            paragraphs.append(current)
        else:
            current.lines.append(line)
    return paragraphs


def _is_knowledge_file(text: str) -> bool:
    """Whether ``text`` is a knowledge file's YAML rather than a plain-text FAQ."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "entries" in data


def _unmarked(question: str) -> str:
    """``question`` without the labels, numbers, heading marks and bullets in front of it."""
    while (found := _QUESTION_MARK_RE.match(question)) and found.end() < len(question):
        question = question[found.end() :]
    return question


def _unlabelled(answer: str) -> str:
    """``answer`` without an ``A:`` or ``Answer:`` label in front of it."""
    found = _ANSWER_MARK_RE.match(answer)
    return answer[found.end() :].lstrip() if found and answer[found.end() :].strip() else answer


def _answer_text(draft: _Draft) -> str:
    return "\n\n".join(draft.paragraphs)


def _first_sentence(text: str) -> str:
    sentence = _SENTENCE_END_RE.split(" ".join(text.split()), maxsplit=1)[0]
    return sentence.rstrip(".!")


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


class _Dumper(yaml.SafeDumper):
    """Writes multi-line texts as literal blocks, so answers stay readable."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
