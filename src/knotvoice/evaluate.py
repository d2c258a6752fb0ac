"""Evaluation: how often the kiosk answers right, and how often it answers wrong.

A manifest lists recorded questions with the entry each should get (``-``: none). Every clip
goes through exactly the runtime path (``turn.Dialogue``, as a new visitor's first
question), so the figures are the ones a visitor would see. The most important figure is *safe*: an in-domain question gets the right
answer, a did-you-mean or a reject, never a confident wrong answer.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz, process

from knotvoice.asr import Recognizer
from knotvoice.audio import (
    RATE,
    AudioChunk,
    check_audio,
    is_audio,
    longer_than_a_question,
    read_audio,
)
from knotvoice.errors import AudioInputError, KnotvoiceError
from knotvoice.kiosk.vad import Boundary, Endpointer
from knotvoice.knowledge import Knowledge, load
from knotvoice.lang import english, words
from knotvoice.match import Decision, Match, MatchStage, Reason
from knotvoice.match.text import normalize
from knotvoice.settings import VadSettings
from knotvoice.turn import Dialogue, Turn, hear, typed

__all__ = [
    "NO_ANSWER",
    "WINDOWS_1252",
    "ClipOutcome",
    "EvalReport",
    "Failure",
    "Figures",
    "Latency",
    "ManifestError",
    "ManifestRow",
    "Sample",
    "Totals",
    "check_clips",
    "check_expected",
    "evaluate",
    "evaluate_transcripts",
    "evaluate_typed",
    "format_table",
    "format_total",
    "manifest_encoding",
    "manifest_knowledge",
    "name_lines",
    "read_manifest",
    "samples",
    "total",
    "untyped_lines",
    "word_errors",
]

logger = logging.getLogger(__name__)

NO_ANSWER = "-"
"""The expected value of a clip that must get no answer."""

_REQUIRED_COLUMNS = ("file", "expected", "text")

_LINES_NAMED = 10
"""Lines of clips that cannot be heard named in one error; the rest are counted."""

Progress = Callable[[int, int, str], None]
"""Called after each clip with (clips done, clips in all, file name)."""


class ManifestError(KnotvoiceError):
    """A manifest is missing or malformed."""


@dataclass(frozen=True)
class ManifestRow:
    """One clip of a manifest."""

    file: str
    """Path of the clip, relative to the manifest's folder ("": none, a question typed)."""
    expected: str
    """Entry id the clip should get, or ``-`` for none."""
    text: str
    """What is said in the clip."""
    voice: str = ""
    variant: str = ""
    line: int = 0
    """Line of the manifest the clip is on (1: the first line of the file)."""


@dataclass(frozen=True)
class Sample:
    """One question to score: what was said and what the recognizer heard."""

    file: str
    expected: str
    reference: str
    """What was said."""
    heard: str
    """What the matcher gets (a transcript, or the reference itself for typed runs)."""
    voice: str = ""
    """The manifest's voice column, if any."""
    variant: str = ""
    """The manifest's variant column, if any."""
    heard_first: str = ""
    """What the recognizer heard, when the question was heard again (``heard`` is then what
    it was heard again as); "" when it was not."""
    unheard: bool = False
    """The kiosk's voice detector finds no speech in the clip: at the kiosk nothing would
    be heard of it."""


@dataclass(frozen=True)
class ClipOutcome:
    """What one clip got, to find out why a figure is what it is."""

    file: str
    expected: str
    """Entry id the clip should get, or ``-`` for none."""
    said: str
    """What is said in the clip (the manifest's text)."""
    heard: str
    """What the matcher got: the transcript (as heard again, when it was), or the text itself
    for typed runs."""
    decision: str
    """answer, confirm or reject."""
    entry: str
    """Entry id answered or proposed (a did-you-mean), or ``-`` when the clip was turned away."""
    score: float
    """Score of the closest entry in [0, 100]."""
    right: bool
    """The clip got what it should: its entry answered outright, or no answer for ``-``."""
    voice: str
    variant: str
    closest: str
    """Entry id of the best candidate, answered or not (as the turn log's ``closest``), or
    ``-`` when there was none."""
    heard_first: str
    """What the recognizer heard, when the question was heard again; "" when it was not."""
    unheard: bool = False
    """The kiosk's voice detector finds no speech in the clip (too quiet, or none): at the
    kiosk nothing would be heard of it, whatever it got here."""


@dataclass(frozen=True)
class Failure:
    """A clip that did not get what it should."""

    file: str
    expected: str
    got: str
    """Entry id answered or proposed (a did-you-mean), or ``-`` when the clip was turned away."""
    decision: str
    """answer, confirm or reject."""
    transcript: str
    score: float
    """Score of the closest entry in [0, 100]."""
    closest: str
    """Entry id of the best candidate, answered or not, or ``-`` when there was none."""
    heard_first: str
    """What the recognizer heard, when the question was heard again (``transcript`` is then
    what it was heard again as); "" when it was not."""


@dataclass(frozen=True)
class Latency:
    """Milliseconds spent in one stage over all clips."""

    p50: float
    p95: float


@dataclass(frozen=True)
class Figures:
    """How the clips of one manifest or more fared: counts, and rates in [0, 1] (None with
    nothing to count)."""

    n_in: int
    """Clips whose question the knowledge answers."""
    n_out: int
    """Clips that must get no answer."""
    top1: float | None
    """In-domain clips answered outright with the right entry."""
    safe: float | None
    """In-domain clips answered right, confirmed or rejected: never a wrong answer."""
    confirm_rate: float | None
    """In-domain clips that got a did-you-mean."""
    reject_rate: float | None
    """In-domain clips that got no answer."""
    false_accepts: int
    """Out-of-domain clips that got an answer."""
    false_accept_rate: float | None


@dataclass(frozen=True)
class EvalReport(Figures):
    """Accuracy and speed over one manifest."""

    engine: str
    wer: float | None
    """Word error rate of the transcripts against what was said (normalized words), over the
    clips whose text says something: of what the recognizer heard (``heard_first`` of a
    question heard again), the recognizer's own error rate."""
    wer_clips: int
    """Clips the word error rate covers: those with a text."""
    latency: dict[str, Latency]
    """Per stage ("asr", "match", "tts") latency in milliseconds; "match" includes hearing a
    question again when it was not answered as heard."""
    failures: tuple[Failure, ...]
    clips: tuple[ClipOutcome, ...] = ()
    """Every clip in the manifest's order, right or not."""

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON-ready values: the engine, the figures, the rest, every
        clip's outcome last."""
        data = {"engine": self.engine, **asdict(self)}
        data["failures"] = [asdict(failure) for failure in self.failures]
        data["latency"] = {name: asdict(value) for name, value in self.latency.items()}
        data["clips"] = [asdict(clip) for clip in self.clips]
        return data


_CLIP_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif")
"""How a clip's file name ends: a header's first cell that ends so is a clip's row."""
WINDOWS_1252 = "Windows-1252"
"""The encoding of a manifest that is not Unicode, as Excel on Windows saves "Text" and "CSV"."""


def _decoded(data: bytes) -> tuple[str, str]:
    """A manifest's bytes as text, and the encoding they were read in: UTF-8 (a byte order
    mark in front ignored), UTF-16 with its byte order mark, as a spreadsheet saves "Unicode
    text", else Windows-1252 ("café", "£"), as the FAQ import reads them. Bytes that are UTF-8
    are never read as anything else. ``UnicodeDecodeError`` for bytes that are no text (a NUL,
    as a clip or a workbook has), and for a file with lines in UTF-8 and others not, which no
    one encoding reads right."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        if b"\0" in data or _mixed_line(data) is not None:
            raise
    return data.decode("cp1252"), WINDOWS_1252


def _mixed_line(data: bytes) -> int | None:
    """The number of the first line that is not UTF-8 in a file some other line of which is
    UTF-8 beyond ASCII ("café" saved as UTF-8, then a line added as Windows-1252); else None."""
    utf8 = False
    other: int | None = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other = other or number
        else:
            utf8 = True
    return other if utf8 else None


def _text(data: bytes) -> str:
    return _decoded(data)[0]


def manifest_encoding(path: Path | str) -> str:
    """The encoding ``read_manifest`` reads a manifest in: UTF-8, UTF-16 or ``WINDOWS_1252``."""
    return _decoded(Path(path).read_bytes())[1]


def _lines(text: str) -> list[str]:
    """A manifest's lines, each with its line break."""
    return io.StringIO(text, newline="").readlines()


def _is_comment(line: str, folder: Path | None = None) -> bool:
    """Whether a manifest's line is a comment: it starts with ``#``, and (given the manifest's
    ``folder``) is no row of a clip whose own name starts with one ("#2 bread.wav")."""
    if not line.lstrip().startswith("#"):
        return False
    first, tab, _ = line.partition("\t")
    if folder is None or not tab:
        return True
    try:
        return not (folder / first.strip()).is_file()
    except (OSError, ValueError):  # a name too long, or with a zero: a comment's words
        return True


@dataclass(frozen=True)
class Totals(Figures):
    """The clips of several reports counted together (``total``): the counts summed, the
    rates worked out again from them."""

    manifests: int

    def to_json(self) -> dict[str, Any]:
        """The totals as plain JSON-ready values, the number of manifests first."""
        return {"manifests": self.manifests, **asdict(self)}


def total(reports: Sequence[EvalReport]) -> Totals:
    """The clips of ``reports`` counted together, as one report's figures."""
    n_in = sum(report.n_in for report in reports)
    n_out = sum(report.n_out for report in reports)

    def summed(rate: Callable[[EvalReport], float | None]) -> float | None:
        # Each rate is a count over the report's in-domain clips.
        return _rate(sum(round((rate(report) or 0.0) * report.n_in) for report in reports), n_in)

    accepts = sum(report.false_accepts for report in reports)
    return Totals(
        manifests=len(reports),
        n_in=n_in,
        n_out=n_out,
        top1=summed(lambda report: report.top1),
        safe=summed(lambda report: report.safe),
        confirm_rate=summed(lambda report: report.confirm_rate),
        reject_rate=summed(lambda report: report.reject_rate),
        false_accepts=accepts,
        false_accept_rate=_rate(accepts, n_out),
    )


def _rate(count: int, of: int) -> float | None:
    """``count`` as a share of ``of``; None with nothing to count."""
    return count / of if of else None


def manifest_knowledge(path: Path | str) -> Path | None:
    """The knowledge file a manifest names in a ``# knowledge: PATH`` line (the path relative
    to the manifest's folder), or None."""
    path = Path(path)
    try:
        lines = _lines(_text(path.read_bytes()))
    except (OSError, UnicodeDecodeError):
        return None
    for line in filter(_is_comment, lines):
        key, _, value = line.lstrip()[1:].partition(":")
        if key.strip().lower() == "knowledge" and value.strip():
            return (path.parent / value.strip()).resolve()
    return None


def read_manifest(path: Path | str) -> list[ManifestRow]:
    """Rows of a tab-separated manifest with columns file, expected, text (voice, variant),
    named in any case. Lines starting with ``#`` are comments (``# knowledge: PATH``) but for
    a row whose clip's name starts with one (a file by that name is there), and
    blank lines are skipped, anywhere; a file in double quotes (as a spreadsheet writes one
    with a space) is read without them."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest; give the path of a manifest.tsv") from None
    try:
        text = _text(data)
    except UnicodeDecodeError:
        mixed = _mixed_line(data)
        if mixed is not None:
            raise ManifestError(
                f"{path}: line {mixed} is not UTF-8 text where other lines are; save the "
                "manifest as UTF-8"
            ) from None
        if is_audio(path):
            raise ManifestError(
                f"{path} is an audio file, not a manifest; list clips in a manifest.tsv (file, "
                "expected and text, tab-separated), or hear one with knotvoice ask --audio FILE"
            ) from None
        raise ManifestError(
            f"{path}: not text in UTF-8, UTF-16 or Windows-1252; save the manifest as UTF-8"
        ) from None
    lines = _lines(text)
    comments = next(
        (n for n, line in enumerate(lines) if line.strip() and not _is_comment(line)), len(lines)
    )
    # Comments after the header are emptied, not dropped, so that lines keep their numbers.
    body = ["\n" if _is_comment(line, path.parent) else line for line in lines[comments:]]
    reader = csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or ()]
        missing = [c for c in _REQUIRED_COLUMNS if c not in reader.fieldnames]
        if missing:
            header = body[0].lower().replace(",", " ").replace(";", " ").split() if body else []
            if all(column in header for column in _REQUIRED_COLUMNS):
                # "file expected text" with spaces (or commas) between: one column to csv
                how = "separated by spaces or commas, not tabs: put a tab between its columns"
                raise ManifestError(f"{path}: line {comments + 1}: its header is {how}")
            first = body[0].split("\t") if body else []
            if len(first) >= 2 and Path(first[0].strip()).suffix.lower() in _CLIP_SUFFIXES:
                raise ManifestError(
                    f"{path}: line {comments + 1} is a clip's row, and no header is above it; "
                    "add a first line naming the columns: file, expected and text, tab-separated"
                )
            raise ManifestError(
                f"{path}: missing column(s) {', '.join(missing)}; the header must name "
                "file, expected and text, tab-separated (voice and variant are optional)"
            )
        twice = sorted({name for name in reader.fieldnames if reader.fieldnames.count(name) > 1})
        if twice:
            raise ManifestError(
                f"{path}: the header names the column(s) {', '.join(twice)} twice; name each "
                "once (file, expected, text, voice, variant)"
            )
        rows = []
        for row in reader:
            rest: list[str] = row.get(None) or []  # type: ignore[assignment]
            cells = [row.get(name) or "" for name in reader.fieldnames]
            if not any(cell.strip() for cell in (*cells, *rest)):
                continue  # tabs or spaces alone
            amiss = _tabs_amiss(row, reader.fieldnames, rest)
            if amiss is not None:
                raise ManifestError(f"{path}: line {comments + reader.line_num}: {amiss}")
            file = (row.get("file") or "").strip()
            if len(file) > 1 and file[0] == file[-1] == '"':
                file = file[1:-1]
            expected = (row["expected"] or "").strip()
            said = (row["text"] or "").strip()
            if not file and not said and not expected:
                continue  # tabs alone
            if not expected:
                raise ManifestError(
                    f"{path}: line {comments + reader.line_num}: {file or repr(said)} has no "
                    f"expected entry; put an entry id in its expected column, or {NO_ANSWER} for "
                    "a question the FAQ must not answer"
                )
            # A row without a file is a typed question (``--typed``); a run that hears the
            # clips refuses it (``check_clips``).
            rows.append(
                ManifestRow(
                    file,
                    expected,
                    said,
                    (row.get("voice") or "").strip(),
                    (row.get("variant") or "").strip(),
                    comments + reader.line_num,
                )
            )
    except csv.Error as error:
        # The line the csv module could not read is not counted in its line_num.
        raise ManifestError(
            f"{path}: line {comments + reader.line_num + 1}: not a manifest row ({error}); fix "
            "the line, or remove it"
        ) from None
    if not rows:
        raise ManifestError(f"{path}: the manifest lists no clips; add rows under the header")
    return rows


def _tabs_amiss(row: dict[str, str | None], names: Sequence[str], rest: list[str]) -> str | None:
    """What is wrong with the tabs of a manifest's ``row`` (``rest``: its cells past the
    header's ``names``), None when nothing is. A tab missing read the question as the
    expected entry's id (no text is a clip of silence, but an id has no spaces), spaces for
    tabs read a row as its first field; one too many left a cell unread."""
    needed = [name for name in names if name in ("file", "expected", "text")]
    present = [name for name in needed if row.get(name) is not None]
    # the last field read, not the question's, holds words that had to be fields of their own
    # ("q1.wav treat-knot How do I...": spaces, not tabs)
    last = present[-1] if present else "text"
    short = len(present) < len(needed) and last != "text" and len((row.get(last) or "").split()) > 1
    if not short and not any(cell.strip() for cell in rest):
        return None
    given = sum(row.get(name) is not None for name in names) + len(rest)
    fix = (
        "put a tab between each of its fields"
        if short
        else "remove the extra tab, or name the column in the header"
    )
    return (
        f"{given} tab-separated field{'' if given == 1 else 's'} where the header names "
        f"{len(names)}; {fix}"
    )


def _holds(path: Path, ids: Sequence[str]) -> bool:
    """Whether the knowledge file ``path`` loads and holds every entry of ``ids``."""
    try:
        held = {entry.id for entry in load(path, said=False).entries}
    except KnotvoiceError:
        return False
    return set(ids) <= held


def check_expected(
    manifest: Path | str, knowledge: Knowledge, *, given: bool = False, fix: str | None = None
) -> None:
    """Raise ``ManifestError`` when a manifest expects entries ``knowledge`` does not hold: it
    was written for another knowledge file, or an id is misspelt, and every such clip would
    be scored a miss. ``given``: the knowledge was chosen with ``--knowledge``; ``fix``: what
    to do instead, when the command chooses the knowledge another way."""
    known = {entry.id for entry in knowledge.entries}
    rows = read_manifest(manifest)
    no_entry = [
        row
        for row in rows
        if row.expected not in known and " ".join(words(row.expected)) in english().no_entry
    ]
    if no_entry:
        raise ManifestError(
            f"{manifest}: {name_lines([row.line for row in no_entry])}: expected "
            f"{no_entry[0].expected!r} is no entry id; write {NO_ANSWER} for a question the FAQ "
            "must not answer"
        )
    lines: dict[str, int] = {}  # each unknown id, and the first line it is on
    for row in rows:
        if row.expected != NO_ANSWER and row.expected not in known:
            lines.setdefault(row.expected, row.line)
    unknown = list(lines)
    if not unknown:
        return
    one = len(unknown) == 1
    right = len({row.expected for row in rows} & known)
    if right > len(unknown) or (right and all(_nearest(entry_id, known) for entry_id in unknown)):
        # written for this knowledge: an id mistyped, on a line of its own (every one spelt
        # like an entry's, in a manifest too short to tell by the ids it spells right; one
        # that spells none right is another FAQ's, however like these its ids are)
        named = ", ".join(
            f"{entry_id} (line {lines[entry_id]}{_nearest(entry_id, known)})"
            for entry_id in unknown[:3]
        ) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        raise ManifestError(
            f"{manifest}: expected {'entry' if one else 'entries'} {named} "
            f"{'is' if one else 'are'} not in {knowledge.source}; write "
            f"{'its' if one else 'each'} id as the knowledge file spells it"
        )
    named = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
    named_in = manifest_knowledge(manifest)
    if (
        given
        and named_in is not None
        and named_in != Path(knowledge.source).resolve()
        and _holds(named_in, unknown)
    ):
        # the manifest says which FAQ it was written for, and --knowledge overrode it
        advice = f"its '# knowledge:' line names {named_in}; leave out --knowledge to use it"
    elif given:
        advice = "pass the knowledge file it was written for as --knowledge FILE, or fix the ids"
    elif named_in is not None:
        advice = "fix its '# knowledge:' line, or the ids"
    else:
        advice = (
            "pass --knowledge FILE, or add a line '# knowledge: FILE' (relative to the "
            "manifest) above its header"
        )
    raise ManifestError(
        f"{manifest}: expected {'entry' if one else 'entries'} {named} {'is' if one else 'are'} "
        f"not in {knowledge.source}; {fix or advice}"
    )


def _nearest(entry_id: str, known: set[str]) -> str:
    """ ", did you mean ID?" for the id of ``known`` spelt most like ``entry_id``, when one is
    close; "" otherwise."""
    found = process.extractOne(entry_id.lower(), sorted(known), scorer=fuzz.ratio, score_cutoff=80)
    return f", did you mean {found[0]}?" if found is not None else ""


def check_clips(manifest: Path | str, typed: bool = True) -> None:
    """Raise ``ManifestError`` naming the manifest's line when one of its clips is missing or
    not audio (only each file's header and first block are read), and the lines of any
    others, so a run stops before any clip is heard and one pass mends them all. ``typed``:
    a row without a clip may be scored by its text alone (``eval --typed``; calibrate learns
    from clips only)."""
    manifest = Path(manifest)
    bad: list[tuple[int, str]] = []
    alone = ", score the manifest's text alone with --typed" if typed else ""
    for row in read_manifest(manifest):
        if not row.file:
            bad.append((row.line, f"no clip in its file column; give the clip's file{alone}"))
            continue
        clip = manifest.parent / row.file
        if not clip.exists() and not Path(row.file).is_absolute():
            bad.append(
                (
                    row.line,
                    f"{row.file}: no such audio file, looked for {clip.resolve()}; a clip's path "
                    "is relative to the manifest's folder: give it from there",
                )
            )
            continue
        try:
            long = longer_than_a_question(check_audio(clip), "a question's clip")
        except AudioInputError as error:
            bad.append((row.line, str(error)))
            continue
        if long is not None:
            # An hour of speech was heard whole and counted as one question (WER 13412%).
            bad.append((row.line, f"{row.file}: {long}"))
    if not bad:
        return
    (line, problem), others = bad[0], [line for line, _ in bad[1:]]
    also = ""
    if others:
        also = f"; the clip{'s' * (len(others) > 1)} of {name_lines(others)} cannot be heard either"
    raise ManifestError(f"{manifest}: line {line}: {problem}, or remove the line{also}")


def name_lines(lines: Sequence[int]) -> str:
    """Manifest lines for a message: "line 4", "lines 4, 6 and 9"; past ten, the rest are
    counted ("and 3 more")."""
    shown = [str(line) for line in lines[:_LINES_NAMED]]
    rest = len(lines) - len(shown)
    if rest:
        named = ", ".join(shown) + f" and {rest} more"
    else:
        named = " and ".join(filter(None, (", ".join(shown[:-1]), shown[-1])))
    return f"line{'s' * (len(lines) > 1)} {named}"


def untyped_lines(manifest: Path | str) -> list[int]:
    """The lines of a manifest's rows without text (a clip of silence), which a typed run
    leaves out: typed, such a row would be an empty question, scored as one turned away.
    ``ManifestError`` when no row has a text, as there is then nothing to type."""
    rows = read_manifest(manifest)
    lines = [row.line for row in rows if not row.text]
    if len(lines) == len(rows):
        raise ManifestError(
            f"{manifest}: no row has a text; --typed scores each row's text: write what the "
            "clips say in the text column, or leave out --typed"
        )
    return lines


def repeated_lines(manifest: Path | str) -> list[int]:
    """The lines of a manifest's rows whose clip an earlier row already lists (a row pasted
    twice): each is heard and counted again, and nothing said so."""
    manifest = Path(manifest)
    seen: set[Path] = set()
    lines = []
    for row in read_manifest(manifest):
        if not row.file:
            continue  # a typed question: asking one twice is the writer's choice
        clip = (manifest.parent / row.file).resolve()
        if clip in seen:
            lines.append(row.line)
        seen.add(clip)
    return lines


def samples(manifest: Path | str, transcripts: Path | str | None = None) -> list[Sample]:
    """Samples of a manifest: typed (the manifest's text) or, given a transcript file
    (tab-separated file, text, transcript), what the recognizer heard for each clip."""
    rows = read_manifest(manifest)
    if transcripts is None:
        return [
            Sample(row.file, row.expected, row.text, row.text, row.voice, row.variant)
            for row in rows
        ]
    heard: dict[str, str] = {}
    with Path(transcripts).open(newline="", encoding="utf-8") as handle:
        for record in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(record) >= 3 and record[0] != "file":
                heard[Path(record[0]).name] = record[2]
    return [
        Sample(row.file, row.expected, row.text, heard[Path(row.file).name], row.voice, row.variant)
        for row in rows
        if Path(row.file).name in heard
    ]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word-level edit distance, reference words) between two texts, both normalized."""
    ref = normalize(reference).split()
    hyp = normalize(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)
            )
        previous = current
    return previous[-1], len(ref)


def _percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class _Outcome:
    sample: Sample
    match: Match
    timings: dict[str, float]


def _report(engine: str, outcomes: Sequence[_Outcome]) -> EvalReport:
    n_in = n_out = top1 = safe = confirm = reject = accepts = 0
    errors = words = texts = 0
    failures: list[Failure] = []
    clips: list[ClipOutcome] = []
    for outcome in outcomes:
        sample, match = outcome.sample, outcome.match
        closest = match.best.entry.id if match.best is not None else NO_ANSWER
        got = NO_ANSWER if match.decision is Decision.REJECT else closest
        answered = match.decision is Decision.ANSWER
        wrong: bool
        if sample.expected == NO_ANSWER:
            n_out += 1
            accepts += answered
            wrong = answered
        else:
            n_in += 1
            right = answered and got == sample.expected
            top1 += right
            safe += right or not answered
            confirm += match.decision is Decision.CONFIRM
            reject += match.decision is Decision.REJECT
            wrong = not right
        score = match.best.score if match.best is not None else 0.0
        clips.append(
            ClipOutcome(
                sample.file,
                sample.expected,
                sample.reference,
                sample.heard,
                match.decision.value,
                got,
                score,
                not wrong,
                sample.voice,
                sample.variant,
                closest,
                sample.heard_first,
                sample.unheard,
            )
        )
        if wrong:
            failures.append(
                Failure(
                    sample.file,
                    sample.expected,
                    got,
                    match.decision.value,
                    sample.heard,
                    score,
                    closest,
                    sample.heard_first,
                )
            )
        # The recognizer's word error rate: of what it heard, not of the hearing again that
        # the knowledge's key words put right.
        edits, count = word_errors(sample.reference, sample.heard_first or sample.heard)
        if count:
            errors += edits
            words += count
            texts += 1

    latency = {
        stage: Latency(
            round(_percentile([o.timings[stage] for o in outcomes], 0.5), 3),
            round(_percentile([o.timings[stage] for o in outcomes], 0.95), 3),
        )
        for stage in ("asr", "match", "tts")
    }
    return EvalReport(
        engine=engine,
        n_in=n_in,
        n_out=n_out,
        top1=_rate(top1, n_in),
        safe=_rate(safe, n_in),
        confirm_rate=_rate(confirm, n_in),
        reject_rate=_rate(reject, n_in),
        false_accepts=accepts,
        false_accept_rate=_rate(accepts, n_out),
        wer=_rate(errors, words),
        wer_clips=texts,
        latency=latency,
        failures=tuple(failures),
        clips=tuple(clips),
    )


class SpeechStage(Protocol):
    def synthesize(self, text: str) -> list[AudioChunk]: ...


def _outcome(sample: Sample, turn: Turn, asr_ms: float, speech: SpeechStage | None) -> _Outcome:
    tts_ms = 0.0
    if speech is not None and turn.reply:
        start = time.perf_counter()
        speech.synthesize(turn.reply)
        tts_ms = (time.perf_counter() - start) * 1000.0
    match = turn.match or Match(Decision.REJECT, None, None, sample.heard, Reason.NO_QUESTION)
    return _Outcome(sample, match, {"asr": asr_ms, "match": turn.match_ms, "tts": tts_ms})


def evaluate(
    manifest: Path | str,
    recognizer: Recognizer,
    matcher: MatchStage,
    *,
    speech: SpeechStage | None = None,
    progress: Progress | None = None,
    vad: VadSettings | None = None,
) -> EvalReport:
    """Run every clip of a manifest through the runtime path and score the decisions.

    Clip paths are relative to the manifest's folder. With a speech stage the replies are
    synthesized too, so the report includes text-to-speech latency. With ``vad``, the
    kiosk's voice detector, each clip in which it finds no speech is marked ``unheard``.
    """
    manifest = Path(manifest)
    rows = read_manifest(manifest)
    outcomes: list[_Outcome] = []
    for done, row in enumerate(rows, start=1):
        audio = list(read_audio(manifest.parent / row.file))
        transcript, asr_ms = hear(recognizer, audio)
        turn = Dialogue(matcher).respond(transcript)
        again = turn.transcript.text != transcript.text
        sample = Sample(
            row.file,
            row.expected,
            row.text,
            turn.transcript.text,
            row.voice,
            row.variant,
            transcript.text if again else "",
            vad is not None and not speech_in(audio, vad),
        )
        outcomes.append(_outcome(sample, turn, asr_ms, speech))
        logger.debug("%s: %r -> %s", row.file, turn.transcript.text, turn.action)
        if progress is not None:
            progress(done, len(rows), row.file)
    return _report(recognizer.name, outcomes)


def speech_in(audio: Sequence[AudioChunk], vad: VadSettings) -> bool:
    """Whether the kiosk's voice detector (``vad``) finds speech start in ``audio``, as heard
    after half a second of the clip's room (``_room``), as a kiosk's microphone hears the
    room before a visitor speaks (a clip cut to its first sound was told unheard, the
    detector taking its voice for the room's), and a second of silence after it."""
    endpointer = Endpointer(vad)
    before, after = _room(audio, 0.5), AudioChunk(bytes(2 * RATE))
    return any(
        event.kind is Boundary.START
        for chunk in (before, *audio, after)
        for event in endpointer.push(chunk)
    )


def _room(audio: Sequence[AudioChunk], seconds: float) -> AudioChunk:
    """``seconds`` of noise as loud as the quietest 20 ms of ``audio`` (mono 16 kHz): the
    room the clip was recorded in, or silence for a clip with silence in it. Silence before
    a clip of noise alone set the detector's room to nothing, and the noise was speech."""
    samples = np.concatenate(
        [np.frombuffer(chunk.audio, dtype="<i2") for chunk in audio] or [np.zeros(0, "<i2")]
    ).astype(np.float64)
    frame = RATE // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    level = float(np.sqrt((frames**2).mean(axis=1)).min()) if len(frames) else 0.0
    noise = np.random.default_rng(0).normal(0.0, level, int(RATE * seconds))
    return AudioChunk(np.clip(noise, -32768, 32767).astype("<i2").tobytes())


def unheard_files(report: EvalReport) -> list[str]:
    """The clips of ``report`` in which the kiosk would hear nothing: its voice detector
    finds no speech in them, or the recognizer heard no words."""
    return [clip.file for clip in report.clips if clip.unheard or not clip.heard.strip()]


def evaluate_typed(manifest: Path | str, matcher: MatchStage) -> EvalReport:
    """Score the text of every row of a manifest that has one, as typed questions (no audio;
    ``untyped_lines`` are left out). Nothing is heard or spoken, so the report has no word
    error rate and only the matching latency."""
    untyped_lines(manifest)
    typed = [sample for sample in samples(manifest) if sample.reference]
    report = evaluate_transcripts(typed, matcher)
    return replace(report, wer=None, wer_clips=0, latency={"match": report.latency["match"]})


def evaluate_transcripts(
    rows: Iterable[Sample], matcher: MatchStage, *, engine: str = "text"
) -> EvalReport:
    """Score texts already heard (typed questions or cached transcripts), without audio."""
    outcomes = []
    for sample in rows:
        turn = Dialogue(matcher).respond(replace(typed(sample.heard), engine=engine))
        outcomes.append(_outcome(sample, turn, 0.0, None))
    return _report(engine, outcomes)


def _percent(value: float | None) -> str:
    return f"{100.0 * value:5.1f}%" if value is not None else "   n/a"


def format_table(report: EvalReport) -> str:
    """A readable summary of a report, each figure saying what it counts, failures last."""
    lines = [
        f"engine                 {report.engine}",
        f"in-domain clips        {report.n_in:<6}  expect an entry",
        f"out-of-domain clips    {report.n_out:<6}  expect no answer (-)",
        f"top-1                  {_percent(report.top1)}  of in-domain clips answered with "
        "their entry",
        f"safe                   {_percent(report.safe)}  of in-domain clips not answered wrong: "
        "right, did-you-mean or turned away",
        f"did-you-mean rate      {_percent(report.confirm_rate)}  of in-domain clips asked "
        '"Did you mean ...?"',
        f"reject rate            {_percent(report.reject_rate)}  of in-domain clips turned away",
        f"off-topic answered     {report.false_accepts} of {report.n_out} "
        f"({_percent(report.false_accept_rate)})  out-of-domain clips given an answer",
    ]
    if report.wer_clips:
        lines.append(
            f"word error rate        {_percent(report.wer)} (over {report.wer_clips} of "
            f"{report.n_in + report.n_out} clips)  words the recognizer got wrong against the "
            "text, before any hearing again"
        )
    # Typed, nothing is heard: the table has no recognition latency.
    heard = "asr" in report.latency
    lines.append("latency (ms)           p50       p95  per clip")
    for stage, latency in report.latency.items():
        # A question not answered as heard is heard again while it is matched.
        note = "  with hearing again" if heard and stage == "match" else ""
        lines.append(f"  {stage:<20} {latency.p50:8.1f}  {latency.p95:8.1f}{note}")
    if report.failures:
        lines.append(f"failures ({len(report.failures)}):")
        for failure in report.failures:
            if not heard:
                said = f"asked {failure.transcript!r}"
            elif failure.heard_first:
                said = f"heard {failure.heard_first!r} (again as {failure.transcript!r})"
            else:
                said = f"heard {failure.transcript!r}"
            where = f"{failure.file}: " if failure.file else ""
            lines.append(f"  {where}expected {failure.expected}, got {_got(failure)} {said}")
    return "\n".join(lines)


def format_total(totals: Totals) -> str:
    """The one line of several reports' clips counted together."""

    def counted(rate: float | None, of: int) -> str:
        if rate is None:
            return f"n/a of {of}"
        return f"{round(rate * of)} of {of} ({100.0 * rate:.1f}%)"

    return (
        f"{f'all {totals.manifests} manifests':<23}top-1 {counted(totals.top1, totals.n_in)}, "
        f"safe {counted(totals.safe, totals.n_in)}, did-you-mean "
        f"{counted(totals.confirm_rate, totals.n_in)}, turned away "
        f"{counted(totals.reject_rate, totals.n_in)} in-domain clips; off-topic answered "
        f"{counted(totals.false_accept_rate, totals.n_out)}"
    )


def _got(failure: Failure) -> str:
    """What a failing clip got, as the visitor met it: "answer X (score 80)", "did-you-mean X
    (score 40)", "turned away (closest X, score 25)": the score out of 100, as `ask` says it
    (a bare number said nothing of what it was)."""
    decision = Decision(failure.decision)
    if decision is Decision.ANSWER:
        return f"answer {failure.got} (score {failure.score:.0f})"
    if decision is Decision.CONFIRM:
        return f"did-you-mean {failure.got} (score {failure.score:.0f})"
    if failure.closest == NO_ANSWER:
        return "turned away (no entry close)"
    return f"turned away (closest {failure.closest}, score {failure.score:.0f})"
