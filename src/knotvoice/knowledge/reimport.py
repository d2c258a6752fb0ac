"""An FAQ imported again over the knowledge file made of it: what was added there is kept.

An operator imports their FAQ, then adds alternatives, topics, keywords and spoken answers to
the knowledge file (``knotvoice knowledge add``, an editor, ``knowledge calibrate``'s advice).
When the FAQ itself changes (a price in the Word document) and is imported over that file,
those additions belong to the entries still there: each imported entry takes them from the
entry of the file it is (the same id, else the same question, else the same answer), and
keeps that entry's id, so recordings' manifests and the turn log still name it.

A field the FAQ itself gives (``ImportResult.fields``: a spreadsheet's column of
alternatives or topics, a document's sections as topics) is the FAQ's, edits and deletions
included: a sheet exported, edited and imported again says what its entries are. The file
keeps the fields the FAQ does not give; its wordings are added to those the FAQ's text
gathered (a question without an answer of its own above another).

A column of alternatives is the FAQ's that way only where the sheet reads as the file's
export: for at least half of the paired entries that have alternatives in the file, it
lists every one of that entry's. Its deletions stand, and the summary names the file's
alternatives it left out and their entries (a wording added to the file with ``knotvoice
knowledge add`` since the export is among them: the operator adds it to the sheet to keep
it). Otherwise the sheet is the operator's own, which never listed the
wordings added to the file: the file's alternatives it does not list are kept, and counted
with the rest kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from knotvoice.knowledge import Entry, Knowledge, phrase_key
from knotvoice.knowledge.faq_import import ImportResult


@dataclass(frozen=True)
class Kept:
    """The import with the file's additions, and what was kept or left out."""

    result: ImportResult
    alternatives: int
    topics: int
    keywords: int
    spoken: int
    unspoken: tuple[str, ...]
    """Ids of entries whose spoken answer was left out: their answer changed."""
    gone: tuple[str, ...]
    """Ids of the file's entries the FAQ no longer has, left out."""
    unlisted: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The file's alternatives left out because the FAQ, read as the file's export, does
    not list them (deleted there, or added to the file since the export), each entry's id
    with its alternatives left out."""
    retopiced: tuple[tuple[str, str], ...] = ()
    """The file's topics the FAQ's own (its sections, a column) took the place of, each
    with its entry's id: an operator's topics were replaced without a word."""
    untopiced: tuple[tuple[str, str], ...] = ()
    """The file's topics left out where the FAQ, which gives topics, gives its entry none
    (a question above its first section), each with its entry's id."""
    gone_wordings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The alternatives of the entries left out (``gone``), each entry's id with its own
    (each once): an entry whose question and answer were both reworded in the FAQ is one of
    them, and its wordings went unnamed."""

    def summary(self) -> str:
        """What was kept and left out, as one sentence's parts ("" when nothing)."""
        counts = (
            (self.alternatives, "alternative", "alternatives"),
            (self.topics, "topic", "topics"),
            (self.keywords, "keyword", "keywords"),
            (self.spoken, "spoken answer", "spoken answers"),
        )
        kept = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
        parts = [f"kept its {', '.join(kept)}"] if kept else []
        if self.unspoken:
            parts.append(
                f"left out the spoken answer of {', '.join(self.unspoken)}, whose answer "
                "changed: write it again"
            )
        left = sum(len(wordings) for _, wordings in self.unlisted)
        if left == 1:
            ((entry_id, (wording,)),) = self.unlisted
            parts.append(
                f"left out the alternative {wording!r} of {entry_id} that the FAQ does not "
                "list: add it there to keep it"
            )
        elif left:
            named = "; ".join(
                f"{', '.join(repr(wording) for wording in wordings)} of {entry_id}"
                for entry_id, wordings in self.unlisted
            )
            parts.append(
                f"left out {left} alternatives that the FAQ does not list ({named}): add them "
                "there to keep them"
            )
        if self.retopiced:
            parts.append(
                f"gave the FAQ's topics (its sections or column) in place of the file's "
                f"{_some(self.retopiced)}: to keep the file's, write them in the FAQ"
            )
        if self.untopiced:
            parts.append(
                f"left out the file's topics {_some(self.untopiced)}, whose entries the FAQ "
                "gives none (its sections or column): to keep them, write them in the FAQ"
            )
        if self.gone:
            with_them = ""
            if self.gone_wordings:
                count = sum(len(wordings) for _, wordings in self.gone_wordings)
                named = "; ".join(
                    f"{', '.join(repr(wording) for wording in wordings)} of {entry_id}"
                    for entry_id, wordings in self.gone_wordings
                )
                with_them = (
                    f", with {count} alternative{'s' * (count > 1)} ({named}; in the file "
                    f"replaced): add {'it' if count == 1 else 'them'} to an entry reworded "
                    "from its own, if one is"
                )
            parts.append(f"left out {', '.join(self.gone)}, no longer in the FAQ{with_them}")
        return "; ".join(parts)


def _some(topics: tuple[tuple[str, str], ...], most: int = 3) -> str:
    """Topics with their entries' ids, as a summary names them: at most ``most``."""
    shown = ", ".join(f"{topic!r} of {entry_id}" for entry_id, topic in topics[:most])
    return shown + (f" and {len(topics) - most} more" if topics[most:] else "")


def keep_edits(result: ImportResult, old: Knowledge) -> Kept | None:
    """``result`` with what the knowledge file ``old`` adds to its entries, or None when
    ``old`` is not made of this FAQ (fewer than half the imported entries are among its
    entries): another FAQ imported over a file takes nothing of it."""
    pairs = _pairs(result.entries, old.entries)
    if 2 * len(pairs) < len(result.entries):
        return None
    given = result.fields
    taken = {entry.id for entry in result.entries}
    # every wording once in the file: a wording of the file's that the FAQ now gives
    # another entry (or this one) is that entry's
    wordings = {phrase_key(phrase) for entry in result.entries for phrase in entry.phrases}
    exported = "alternatives" in given and _lists_the_file(pairs.values(), wordings)
    entries: list[Entry] = []
    counts = dict.fromkeys(("alternatives", "topics", "keywords", "spoken"), 0)
    unspoken: list[str] = []
    unlisted: dict[str, list[str]] = {}
    retopiced: list[tuple[str, str]] = []
    untopiced: list[tuple[str, str]] = []
    for entry in result.entries:
        before = pairs.get(entry.id)
        if before is None:
            entries.append(entry)
            continue
        keeps_id = before.id == entry.id or before.id not in taken
        added = []
        for wording in before.alternatives:
            key = phrase_key(wording)
            if not key or key in wordings:
                continue
            if exported:
                unlisted.setdefault(before.id, []).append(wording)
            else:
                added.append(wording)
                wordings.add(key)
        keywords = [] if "keywords" in given else list(before.keywords)
        topic = entry.topic if "topic" in given else before.topic
        if before.topic and phrase_key(before.topic) != phrase_key(topic):
            (retopiced if topic else untopiced).append((before.id, before.topic))
        same_answer = phrase_key(before.answer) == phrase_key(entry.answer)
        spoken = entry.spoken if "spoken" in given else before.spoken if same_answer else None
        if before.spoken and "spoken" not in given and not same_answer:
            unspoken.append(before.id)
        counts["alternatives"] += len(added)
        counts["topics"] += bool(topic and "topic" not in given)
        counts["keywords"] += len(keywords)
        counts["spoken"] += bool(spoken and "spoken" not in given)
        entries.append(
            dataclasses.replace(
                entry,
                id=before.id if keeps_id else entry.id,
                alternatives=(*entry.alternatives, *added),
                topic=topic,
                keywords=(*entry.keywords, *keywords),
                spoken=spoken,
            )
        )
    matched = {before.id for before in pairs.values()}
    notes = tuple(
        dataclasses.replace(note, entry=_renamed(note.entry, pairs, taken)) for note in result.notes
    )
    return Kept(
        ImportResult(tuple(entries), notes, given),
        counts["alternatives"],
        counts["topics"],
        counts["keywords"],
        counts["spoken"],
        tuple(unspoken),
        tuple(entry.id for entry in old.entries if entry.id not in matched),
        tuple((entry_id, tuple(wordings)) for entry_id, wordings in unlisted.items()),
        tuple(retopiced),
        tuple(untopiced),
        tuple(
            (entry.id, tuple(dict.fromkeys(entry.alternatives)))
            for entry in old.entries
            if entry.id not in matched and entry.alternatives
        ),
    )


def _lists_the_file(paired: Iterable[Entry], wordings: set[str]) -> bool:
    """Whether an FAQ with a column of alternatives reads as the export of the file it is
    imported over: for at least half of the file's paired entries that have alternatives,
    the FAQ lists every one of them (``wordings``, as ``phrase_key``). The operator's own
    sheet never listed the wordings added to the file since its import."""
    with_wordings = [entry for entry in paired if entry.alternatives]
    listed = sum(
        all(phrase_key(wording) in wordings for wording in entry.alternatives)
        for entry in with_wordings
    )
    return 2 * listed >= len(with_wordings)


def _pairs(new: tuple[Entry, ...], old: tuple[Entry, ...]) -> dict[str, Entry]:
    """Imported entry id -> the entry of the file it is: the one of the same id, else of the
    same question (or one of its wordings), else of the same answer; each at most once."""
    found: dict[str, Entry] = {}
    used: set[str] = set()
    ways: tuple[tuple[Callable[[Entry], Iterable[str]], Callable[[Entry], str]], ...] = (
        (lambda e: (e.id,), lambda e: e.id),
        (lambda e: (phrase_key(p) for p in e.phrases), lambda e: phrase_key(e.question)),
        (lambda e: (phrase_key(e.answer),), lambda e: phrase_key(e.answer)),
    )
    for old_keys, new_key in ways:
        index: dict[str, Entry] = {}
        for entry in old:
            for key in old_keys(entry):
                index.setdefault(key, entry)
        for entry in new:
            match = index.get(new_key(entry))
            if entry.id not in found and match is not None and match.id not in used:
                found[entry.id] = match
                used.add(match.id)
    return found


def _renamed(entry_id: str | None, pairs: dict[str, Entry], taken: set[str]) -> str | None:
    """A note's entry id after its entry took the id of the file's entry it is."""
    before = pairs.get(entry_id) if entry_id is not None else None
    if before is None or (before.id != entry_id and before.id in taken):
        return entry_id
    return before.id
