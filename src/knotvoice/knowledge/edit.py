"""Editing a knowledge file in place: a visitor's wording added to an entry as an alternative.

The file is changed the way a person would change it: one line under the entry's
``alternatives`` (or an ``alternatives`` list started under its question; or the wording
before the ``]`` of ``alternatives: [a, b]`` written on one line), every other byte,
comment and line break as it was. The new text is read back and checked before it replaces
the file in one rename, so a kiosk watching the file sees the old file or the new one, never
half of one, and a file that would not load is never written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import process

from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import Knowledge, load, phrase_key, read
from knotvoice.lang import unaccented
from knotvoice.turn import command_of

__all__ = ["Added", "add_alternative", "take_over"]


@dataclass(frozen=True)
class Added:
    """What ``add_alternative`` did."""

    path: Path
    entry: str
    wording: str
    line: int
    """Line of the file (from 1) that holds the wording."""
    changed: bool
    """False when the entry already had the wording (the file is untouched)."""


def add_alternative(path: Path, entry_id: str, wording: str) -> Added:
    """Add ``wording`` to the alternatives of entry ``entry_id`` in the knowledge file ``path``.

    Raises ``KnowledgeError`` (one line saying what to do) when the file does not load, the
    entry does not exist, the wording has no words, is a follow-up ("yes", "pardon") or
    belongs to another entry, or the file is
    laid out in a way this cannot edit safely; the file is untouched then.
    """
    wording = " ".join(wording.split())
    if not phrase_key(wording):
        what = f"{wording!r} has no words" if wording else "the wording is empty"
        raise KnowledgeError(f"{what}; give the question as a visitor asked it")
    if (command := command_of(wording)) is not None:
        # the kiosk takes it as a follow-up ("yes" to a did-you-mean), never as a question
        raise KnowledgeError(
            f"{wording!r} is what a visitor says to follow up a reply (the {command!r} command), "
            "so it is never matched to an entry; give the question as a visitor asked it"
        )
    knowledge = load(path)
    if entry_id not in knowledge.ids:
        raise KnowledgeError(f"{path}: no entry {entry_id!r}; {_closest(knowledge, entry_id)}")
    owner = _owner(knowledge, wording, entry_id)
    if owner is not None and owner != entry_id:
        raise KnowledgeError(
            f"{path}: {wording!r} is already a phrasing of entry {owner}; a wording belongs to"
            " one entry (remove it there first)"
        )
    raw = path.read_bytes().decode("utf-8")
    lines = raw.splitlines(keepends=True)
    if owner == entry_id:
        return Added(path, entry_id, wording, _line_of(raw, entry_id, wording), changed=False)
    flow = _in_flow(raw, entry_id, wording)
    if flow is not None:
        # alternatives: [a, b] written on one line: the wording goes in before its "]"
        _replace_checked(path, flow, entry_id, wording)
        return Added(path, entry_id, wording, _line_of(flow, entry_id, wording), changed=True)
    place, new_lines = _insertion(raw, lines, entry_id, wording, path)
    newline = "\r\n" if "\r\n" in raw else "\n"
    if place > 0 and not lines[place - 1].endswith(("\n", "\r")):
        lines[place - 1] += newline
    text = "".join([*lines[:place], *(line + newline for line in new_lines), *lines[place:]])
    _replace_checked(path, text, entry_id, wording)
    return Added(path, entry_id, wording, place + len(new_lines), changed=True)


def _closest(knowledge: Knowledge, entry_id: str) -> str:
    found = process.extract(entry_id, knowledge.ids, limit=3)
    names = ", ".join(str(name) for name, _, _ in found)
    return f"the closest are {names} (`knotvoice knowledge check` lists every entry)"


def _owner(knowledge: Knowledge, wording: str, entry_id: str) -> str | None:
    """The entry that already has ``wording`` as its question or an alternative; another
    than ``entry_id`` accents aside too: "when is the cafe open", as a recognizer writes
    it, asks what "When is the café open?" does, and given to another entry took its
    questions."""
    key = phrase_key(wording)
    for entry in knowledge.entries:
        if any(phrase_key(phrase) == key for phrase in entry.phrases):
            return entry.id
    key = unaccented(key)
    for entry in knowledge.entries:
        if entry.id != entry_id and any(
            unaccented(phrase_key(phrase)) == key for phrase in entry.phrases
        ):
            return entry.id
    return None


def _line_of(raw: str, entry_id: str, wording: str) -> int:
    """The line (from 1) of the entry's question or alternative that is ``wording``."""
    fields = _fields(raw, entry_id)
    if fields is None:
        return 0
    alternatives = fields.get("alternatives", (None, None))[1]
    nodes = [fields.get("question", (None, None))[1]]
    if isinstance(alternatives, yaml.SequenceNode):
        nodes.extend(alternatives.value)
    key = phrase_key(wording)
    for node in nodes:
        if isinstance(node, yaml.ScalarNode) and phrase_key(node.value) == key:
            return int(node.start_mark.line) + 1
    return 0


def _scalar(text: str, quoted: bool = False) -> str:
    """``text`` as one YAML scalar on one line, quoted only when it must be (or, when
    ``quoted``, always: in quotes it can be copied into a '- ...' list and a [...] list alike,
    and shows where it starts and ends; in double quotes, as "what's the price" reads, where
    single quotes wrote 'what''s the price')."""
    dumped = yaml.safe_dump(
        text, allow_unicode=True, width=1 << 20, default_style='"' if quoted else None
    )
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _insertion(
    raw: str, lines: list[str], entry_id: str, wording: str, path: Path
) -> tuple[int, list[str]]:
    """Where the new lines go (an index into ``lines``) and what they are."""
    scalar = _scalar(wording)
    by_hand = (
        f"{path}: add {_scalar(wording, quoted=True)} under the alternatives of entry "
        f"{entry_id} by hand"
    )
    fields = _fields(raw, entry_id)
    if fields is None:
        raise KnowledgeError(f"{by_hand} (its layout is not one this can edit)")
    if "alternatives" in fields:
        alternatives = fields["alternatives"][1]
        if isinstance(alternatives, yaml.SequenceNode) and alternatives.flow_style:
            # one written on one line took the wording (``_in_flow``)
            raise KnowledgeError(f"{by_hand} (its alternatives are a [...] list over lines)")
        if not isinstance(alternatives, yaml.SequenceNode):
            raise KnowledgeError(f"{by_hand} (its alternatives are not a '- ...' list)")
        if not alternatives.value:
            raise KnowledgeError(f"{by_hand} (its alternatives list is empty)")
        items = alternatives.value
        dash = lines[items[0].start_mark.line][: items[0].start_mark.column]
        if dash.strip() != "-" or any(
            lines[item.start_mark.line][: item.start_mark.column] != dash for item in items
        ):
            raise KnowledgeError(f"{by_hand} (its alternatives are not one '- ...' a line)")
        return _after(items[-1]), [f"{dash}{scalar}"]
    key, value = fields["question"]
    indent = " " * key.start_mark.column
    return _after(value), [f"{indent}alternatives:", f"{indent}  - {scalar}"]


def _in_flow(raw: str, entry_id: str, wording: str) -> str | None:
    """The file's text with ``wording`` added to the entry's alternatives written as a list
    in brackets on one line (``alternatives: [a, b]``), quoted, before the ``]``; None when
    they are not so written."""
    fields = _fields(raw, entry_id)
    alternatives = fields.get("alternatives", (None, None))[1] if fields else None
    if not isinstance(alternatives, yaml.SequenceNode) or not alternatives.flow_style:
        return None
    start, end = alternatives.start_mark, alternatives.end_mark
    if start.line != end.line or raw[end.index - 1] != "]":
        return None
    close = end.index - 1
    before = raw[:close].rstrip()
    joint = "" if before.endswith("[") else " " if before.endswith(",") else ", "
    return f"{before}{joint}{_scalar(wording, quoted=True)}{raw[close:]}"


def _fields(raw: str, entry_id: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    """The YAML nodes of entry ``entry_id`` in the file's text, field name -> (key, value);
    None when the file is not laid out as ``entries:`` with that entry in it."""
    root = yaml.compose(raw, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value == "entries" and isinstance(value, yaml.SequenceNode):
            for node in value.value:
                if isinstance(node, yaml.MappingNode) and any(
                    k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value == entry_id
                    for k, v in node.value
                ):
                    return {k.value: (k, v) for k, v in node.value}
    return None


def _after(node: yaml.Node) -> int:
    """The index of the line after the one ``node`` ends on."""
    end = node.end_mark
    return end.line if end.column == 0 else end.line + 1


def take_over(new: Path, old: Path) -> None:
    """Give ``new``, about to be renamed over ``old``, the permissions, owner and group of
    ``old``: a kiosk running as another user, or reading through its group, still reads the
    file once this user has replaced it. An owner or group this user may not give is left
    as it is (only root gives a file away)."""
    was = old.stat()
    for owner, group in ((was.st_uid, was.st_gid), (-1, was.st_gid)):
        try:
            os.chown(new, owner, group)
            break
        except PermissionError:
            continue
    os.chmod(new, was.st_mode & 0o7777)


def _replace_checked(path: Path, text: str, entry_id: str, wording: str) -> None:
    """Write ``text`` beside ``path``, check it loads with ``wording`` in ``entry_id``, then
    rename it over ``path`` (keeping its permissions, owner and group). A link is followed:
    the file it points to is replaced, and the link stays."""
    target = path.resolve()
    cannot = (
        f"{path}: cannot write the knowledge file (%s); run this as the user who owns it and its "
        f"folder, or add {wording!r} under the alternatives of entry {entry_id} by hand"
    )
    full = (
        f"{path}: cannot write the knowledge file (%s); free some space on its disk and run this "
        "again (the file is as it was)"
    )

    def failed(error: OSError) -> KnowledgeError:
        advice = full if error.errno in (errno.ENOSPC, errno.EDQUOT) else cannot
        return KnowledgeError(advice % (error.strerror or error))

    if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK | os.X_OK):
        raise KnowledgeError(cannot % "permission denied or a read-only folder")
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".yaml", dir=target.parent
        )
    except OSError as error:
        raise failed(error) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        knowledge, problems = read(temporary)
        loads = knowledge is not None and not any(p.severity == "error" for p in problems)
        if not loads or knowledge is None or _owner(knowledge, wording, entry_id) != entry_id:
            raise KnowledgeError(
                f"{path}: the edit would not load as meant; add {wording!r} under the"
                f" alternatives of entry {entry_id} by hand"
            )
        take_over(temporary, target)
        os.replace(temporary, target)
    except OSError as error:
        raise failed(error) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
