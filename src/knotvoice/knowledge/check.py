"""Checking a knowledge file: every problem at once, and what will work badly by voice.

``lint`` lists the errors ``load`` would stop at and the warnings a person should act on:
answers read out badly, entries with too few ways of asking, repeated phrasings, missing
topics, recognition-slip repairs that can never match, and (given a speech model's
vocabulary) words the recognizer cannot hear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from knotvoice.knowledge import Entry, Knowledge, Problem, phrase_key, read, vocabulary, words_of
from knotvoice.match.text import normalize

__all__ = ["MIN_ALTERNATIVES", "lint"]

MIN_ALTERNATIVES = 3
"""Fewer alternatives than this earn a warning: people rarely ask in the canonical words."""

# Things a speech engine reads out badly or literally: curly quotes, dashes, bullets and other
# symbols, and numbered list items at the start of a line.
_BAD_SPOKEN_CHARS = (
    "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"  # curly quotes and guillemets
    "\u2013\u2014\u2026\u2022\u00b7"  # en and em dash, ellipsis, bullets
    "*#/\\|<>[]{}_~^@=\u00a7"
)
_LIST_ITEM_RE = re.compile(r"^\s*(\d+[.)]|[-*•])\s", re.MULTILINE)


def lint(path: str | Path, known: Callable[[str], bool] | None = None) -> list[Problem]:
    """Every problem of a knowledge file: the errors ``load`` would raise, then warnings.

    Warnings: answers whose symbols will be read out badly and have no ``spoken`` form, spoken
    forms with such symbols, entries with fewer than ``MIN_ALTERNATIVES`` alternatives, phrases
    of one entry that are the same after normalising case and punctuation, missing topics,
    misheard forms that normalising changes (so they never match), unknown fields. With
    ``known`` (e.g. ``VoskModel.knows``), one warning per word of the questions, alternatives
    and keywords the speech model does not know.
    """
    knowledge, problems = read(Path(path))
    if knowledge is not None:
        source = str(path)
        for entry in knowledge.entries:
            problems.extend(_entry_warnings(entry, source))
        problems.extend(_repair_warnings(knowledge, source))
        if known is not None and not any(p.severity == "error" for p in problems):
            problems.extend(_vocabulary_problems(knowledge, known))
    return sorted(problems, key=lambda p: p.severity != "error")


def _entry_warnings(entry: Entry, source: str) -> list[Problem]:
    found: list[Problem] = []

    def warn(field: str, message: str) -> None:
        found.append(Problem("warning", entry.id, field, message, source))

    if entry.spoken is None and _speaks_badly(entry.answer):
        warn("answer", "has lists or symbols that are read out badly; add a 'spoken' form")
    if entry.spoken is not None and _speaks_badly(entry.spoken):
        warn("spoken", "has lists or symbols that are read out badly; write them as words")
    if len(entry.alternatives) < MIN_ALTERNATIVES:
        warn(
            "alternatives",
            f"only {len(entry.alternatives)}; add at least "
            f"{MIN_ALTERNATIVES} ways people would ask this aloud",
        )
    first: dict[str, str] = {}
    fields = [("question", entry.question)] + [
        (f"alternatives[{i}]", alt) for i, alt in enumerate(entry.alternatives)
    ]
    for field, phrase in fields:
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
    first_use: dict[str, str] = {}
    for entry in knowledge.entries:
        for text in (*entry.phrases, *entry.keywords):
            for word in words_of(text):
                first_use.setdefault(word, entry.id)
    return [
        Problem(
            "warning",
            first_use[word],
            "vocabulary",
            f"{word!r} is not in the speech model's vocabulary; it cannot be heard, reword it",
            knowledge.source,
        )
        for word in vocabulary(knowledge)
        if not known(word)
    ]


def _speaks_badly(text: str) -> bool:
    return bool(_LIST_ITEM_RE.search(text)) or any(c in _BAD_SPOKEN_CHARS for c in text)
