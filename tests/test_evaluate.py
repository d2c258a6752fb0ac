"""Evaluation scores clips through the runtime path and reports what a visitor would notice."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pytest

from knotvoice.asr import RecognizerStream, Transcript, Word, transcribe_with
from knotvoice.audio import RATE, AudioChunk, chunks_from_array, read_audio, write_wav
from knotvoice.evaluate import (
    WINDOWS_1252,
    EvalReport,
    ManifestError,
    Sample,
    check_clips,
    check_expected,
    evaluate,
    evaluate_transcripts,
    evaluate_typed,
    format_table,
    format_total,
    manifest_encoding,
    manifest_knowledge,
    read_manifest,
    samples,
    speech_in,
    total,
    unheard_files,
    untyped_lines,
    word_errors,
)
from knotvoice.knowledge import load
from knotvoice.match.matcher import Matcher
from knotvoice.settings import VadSettings

ROOT = Path(__file__).resolve().parents[1]

# Each clip is a tone of its own length; the fake recognizer "hears" the text for that length.
HEARD = {
    1: "How often should I massage a not?",
    2: "Can an MRI detect inflammation?",
    3: "Is a muscle knot dangerous?",
    4: "What should I do for a sore throat?",
    5: "How often should I see the dentist?",
}
MANIFEST = [
    ("often.wav", "massage-how-often", "How often should I massage a knot?", 1),
    ("mri.wav", "mri-inflammation", "Can an MRI detect inflammation?", 2),
    ("wrong.wav", "permanent", "Can a muscle knot be permanent?", 3),
    ("throat.wav", "-", "What should I do for a sore throat?", 4),
    ("dentist.wav", "-", "How often should I see a dentist?", 5),
]


class LengthStream:
    def __init__(self) -> None:
        self.samples = 0

    def accept(self, chunk: AudioChunk) -> None:
        self.samples += chunk.samples

    def partial(self) -> str:
        return ""

    def settle(self) -> str:
        return ""

    def finish(self) -> Transcript:
        seconds = self.samples / RATE
        return Transcript(HEARD[round(seconds * 10)], engine="fake", audio_seconds=seconds)


class LengthRecognizer:
    """Stands in for an engine: the clip's length in tenths of a second picks the text."""

    name = "fake"
    streaming = True

    def stream(self) -> RecognizerStream:
        return LengthStream()

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return transcribe_with(self, chunks)

    def spotter(self, words: Sequence[str]) -> LengthRecognizer:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        pass

    def expect(self, answers: str) -> None:
        return None


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load(ROOT / "knowledge" / "knots.yaml"))


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    lines = ["file\texpected\ttext\tvoice\tvariant"]
    for name, expected, text, tenths in MANIFEST:
        tone = 0.2 * np.sin(np.arange(tenths * RATE // 10) * 2 * np.pi * 440 / RATE)
        write_wav(tmp_path / "clips" / name, chunks_from_array(tone, RATE))
        lines.append(f"clips/{name}\t{expected}\t{text}\tsine\tclean")
    path = tmp_path / "manifest.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_scores_every_clip_through_the_turn(manifest: Path, matcher: Matcher) -> None:
    progress: list[tuple[int, int, str]] = []
    report = evaluate(
        manifest, LengthRecognizer(), matcher, progress=lambda *step: progress.append(step)
    )
    assert (report.n_in, report.n_out) == (3, 2)
    assert report.top1 == pytest.approx(2 / 3)
    # "Is a muscle knot dangerous?" for a "permanent" clip is a confident wrong answer.
    assert report.safe == pytest.approx(2 / 3)
    assert report.false_accepts == 0
    assert report.engine == "fake"
    assert [failure.file for failure in report.failures] == ["clips/wrong.wav"]
    failure = report.failures[0]
    assert (failure.expected, failure.got, failure.decision) == ("permanent", "dangerous", "answer")
    assert failure.transcript == HEARD[3]
    assert [step[0] for step in progress] == [1, 2, 3, 4, 5]
    assert report.latency["asr"].p95 >= report.latency["asr"].p50 >= 0.0
    assert report.latency["tts"].p50 == 0.0
    assert report.wer is not None and 0.0 < report.wer < 1.0


def test_report_as_json_and_table(manifest: Path, matcher: Matcher) -> None:
    report = evaluate(manifest, LengthRecognizer(), matcher)
    data = json.loads(json.dumps(report.to_json()))
    assert data["n_in"] == 3 and data["failures"][0]["file"] == "clips/wrong.wav"
    assert set(data["latency"]) == {"asr", "match", "tts"}
    table = format_table(report)
    assert "top-1" in table and "66.7%" in table and "clips/wrong.wav" in table


def test_json_tells_what_every_clip_got(manifest: Path, matcher: Matcher) -> None:
    """A word error rate of 12% or a did-you-mean rate of 10% comes from clips that passed as
    well: --json listed only the failures, so what was heard and decided for the others was
    nowhere, nor which voice or variant a failure was rendered in."""
    report = evaluate(manifest, LengthRecognizer(), matcher)
    clips = json.loads(json.dumps(report.to_json()))["clips"]
    assert [clip["file"] for clip in clips] == [f"clips/{row[0]}" for row in MANIFEST]
    often = clips[0]
    assert often["said"] == "How often should I massage a knot?"
    assert often["heard"] == HEARD[1]
    assert (often["decision"], often["entry"], often["right"]) == (
        "answer",
        "massage-how-often",
        True,
    )
    assert (often["voice"], often["variant"]) == ("sine", "clean")
    wrong = clips[2]
    assert (wrong["expected"], wrong["entry"], wrong["right"]) == ("permanent", "dangerous", False)
    assert [clip["right"] for clip in clips[3:]] == [True, True]
    assert all(0.0 <= clip["score"] <= 100.0 for clip in clips)


def test_transcripts_are_scored_without_audio(matcher: Matcher) -> None:
    rows = [
        Sample(
            "a",
            "massage-how-often",
            "how often should I massage a knot",
            "how often should I massage a not",
        ),
        Sample("b", "-", "how do I fix a sore throat", "how do I fix a sore throat"),
    ]
    report = evaluate_transcripts(rows, matcher)
    assert isinstance(report, EvalReport)
    assert (report.top1, report.safe, report.false_accepts) == (1.0, 1.0, 0)
    # The matcher repairs "not" to "knot", but the word error rate measures the recognizer:
    # one wrong word of the fourteen said.
    assert report.wer == pytest.approx(1 / 14)


def test_a_turn_away_is_not_told_as_the_entry_it_came_closest_to(matcher: Matcher) -> None:
    """A clip turned away read "got reject find-knots (25)", as if the right entry had been
    chosen, and --json gave the closest entry as the one the clip got."""
    rows = [
        Sample("away.wav", "find-knots", "", "a knot"),
        Sample("mean.wav", "dangerous", "", "should I see a doctor"),
        Sample("off.wav", "-", "", "how often should I massage a knot"),
    ]
    report = evaluate_transcripts(rows, matcher)
    failures = format_table(report).split("failures (3):\n")[1].splitlines()
    assert failures[0].startswith(
        "  away.wav: expected find-knots, got turned away (closest find-knots, score "
    )
    assert failures[0].endswith(") heard 'a knot'")
    assert failures[1].startswith(
        "  mean.wav: expected dangerous, got did-you-mean dangerous (score "
    )
    assert failures[2].startswith("  off.wav: expected -, got answer massage-how-often (score ")
    data = json.loads(json.dumps(report.to_json()))
    away = data["clips"][0]
    assert (away["decision"], away["entry"], away["closest"]) == ("reject", "-", "find-knots")
    assert (data["failures"][0]["got"], data["failures"][0]["closest"]) == ("-", "find-knots")
    mean = data["clips"][1]
    assert (mean["decision"], mean["entry"], mean["closest"]) == (
        "confirm",
        "dangerous",
        "dangerous",
    )


class HeardAgainRecognizer(LengthRecognizer):
    """Hears "heart" for "knot", unsure of it; the audio bears "knot" out."""

    heard = "Could my heart be with me permanently?"
    meant = "Could my knot be with me permanently?"

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        list(chunks)
        words = tuple(
            Word(word, 0.1 * n, 0.1 * n + 0.1, 0.3 if word == "heart" else 0.97)
            for n, word in enumerate(self.heard.split())
        )
        scores = {self.heard: -2.5, self.meant: -5.0}

        def fit(texts: Sequence[str], within: float | None = None) -> tuple[float, ...]:
            return tuple(scores.get(text, -40.0) for text in texts)

        return Transcript(self.heard, words, "fake", 1.0, (), fit)


def test_a_question_heard_again_shows_both_hearings(tmp_path: Path, matcher: Matcher) -> None:
    """A failure showed only what the question was heard again as, as if the recognizer had
    heard that; a typed run's failures said "heard" of text nobody heard."""
    write_wav(tmp_path / "q.wav", chunks_from_array(np.zeros(RATE // 10), RATE))
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        f"file\texpected\ttext\nq.wav\tdangerous\t{HeardAgainRecognizer.meant}\n",
        encoding="utf-8",
    )
    report = evaluate(manifest, HeardAgainRecognizer(), matcher)
    table = format_table(report)
    assert table.endswith(
        "q.wav: expected dangerous, got answer permanent "
        f"(score {report.failures[0].score:.0f}) heard {HeardAgainRecognizer.heard!r} "
        f"(again as {HeardAgainRecognizer.meant!r})"
    )
    assert "  match " in table and table.split("  match ")[1].split("\n")[0].endswith(
        "with hearing again"
    )
    (clip,) = json.loads(json.dumps(report.to_json()))["clips"]
    assert (clip["heard_first"], clip["heard"]) == (
        HeardAgainRecognizer.heard,
        HeardAgainRecognizer.meant,
    )
    typed = format_table(evaluate_typed(manifest, matcher))
    assert "got answer permanent" in typed and "heard" not in typed
    assert typed.endswith(f" asked {HeardAgainRecognizer.meant!r}")


def test_the_word_error_rate_is_of_what_the_recognizer_heard(
    tmp_path: Path, matcher: Matcher
) -> None:
    """The word error rate was worked out on the question as heard again, which the FAQ's key
    words put right: a recognizer hearing "heart" for "knot" scored 0%."""
    write_wav(tmp_path / "q.wav", chunks_from_array(np.zeros(RATE // 10), RATE))
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        f"file\texpected\ttext\nq.wav\tpermanent\t{HeardAgainRecognizer.meant}\n",
        encoding="utf-8",
    )
    report = evaluate(manifest, HeardAgainRecognizer(), matcher)
    assert report.clips[0].heard == HeardAgainRecognizer.meant  # heard again, and answered
    # One wrong word ("heart") of the seven said.
    assert report.wer == pytest.approx(1 / 7)
    assert "14.3% (over 1 of 1 clips)  words the recognizer got wrong against the text, " in (
        format_table(report)
    )


def test_typed_samples_come_from_the_manifest_text(manifest: Path) -> None:
    rows = samples(manifest)
    assert [row.heard for row in rows] == [row[2] for row in MANIFEST]


def test_cached_transcripts_are_joined_by_file_name(manifest: Path, tmp_path: Path) -> None:
    cache = tmp_path / "transcripts.tsv"
    cache.write_text("file\ttext\twhisper\nx/often.wav\tHow often\tHow off ten\n", encoding="utf-8")
    rows = samples(manifest, cache)
    assert [(row.file, row.heard) for row in rows] == [("clips/often.wav", "How off ten")]


def test_word_error_rate_counts_word_edits() -> None:
    assert word_errors(
        "How often should I massage a knot?", "how often should I massage a knot"
    ) == (0, 7)
    assert word_errors("can a knot be permanent", "can knot be pretty permanent") == (2, 5)
    assert word_errors("", "knot") == (1, 0)


def test_bad_manifests_say_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest"):
        read_manifest(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tanswer\nx.wav\tcauses\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="missing column") as missing:
        read_manifest(bad)
    assert str(missing.value).endswith(
        "missing column(s) file, expected, text; the header must name file, expected and "
        "text, tab-separated (voice and variant are optional)"
    )
    short = tmp_path / "short.tsv"
    short.write_text("file\texpected\ttext\nx.wav\tcauses\twhat causes a knot\n")
    assert [row.expected for row in read_manifest(short)] == ["causes"]
    empty = tmp_path / "empty.tsv"
    empty.write_text("file\texpected\ttext\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="no clips"):
        read_manifest(empty)


def test_a_row_whose_question_is_its_last_field_is_told_what_it_lacks(tmp_path: Path) -> None:
    """With the question before the expected column, a row without its expected id was told
    to put tabs in, as if written with spaces."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("file\ttext\texpected\nx.wav\twhat causes a knot\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"line 2: x.wav has no expected entry"):
        read_manifest(manifest)


@pytest.mark.parametrize(
    ("row", "said"),
    [
        # the question read as the expected entry's id: "causes what causes a knot is not in"
        (
            "x.wav\tcauses what causes a knot",
            "2 tab-separated fields where the header names 3; put a tab between each of its fields",
        ),
        (
            "x.wav causes\twhat causes a knot",
            "2 tab-separated fields where the header names 3; put a tab between each",
        ),
        # spaces for every tab: read as one field, "has no expected entry"
        (
            "x.wav causes what causes a knot",
            "1 tab-separated field where the header names 3; put a tab between each",
        ),
        # a fourth cell, left unread
        (
            "x.wav\tcauses\twhat causes\ta knot",
            "4 tab-separated fields where the header names 3; remove the extra tab, or name the column in the header",
        ),
    ],
)
def test_a_row_with_a_tab_missing_or_too_many_is_named(tmp_path: Path, row: str, said: str) -> None:
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(f"file\texpected\ttext\ny.wav\tcauses\twhy\n{row}\n", encoding="utf-8")
    with pytest.raises(ManifestError) as error:
        read_manifest(manifest)
    assert f"{manifest}: line 3: {said}" in str(error.value)


def test_a_column_named_twice_is_refused_and_empty_cells_past_the_header_are_read(
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("file\texpected\ttext\ttext\nx.wav\tcauses\twhy\t\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"names the column\(s\) text twice; name each once"):
        read_manifest(manifest)
    # a spreadsheet's trailing empty cells, and a line of tabs alone
    manifest.write_text("file\texpected\ttext\nx.wav\tcauses\twhy\t\t\n\t\t\n", encoding="utf-8")
    assert [row.text for row in read_manifest(manifest)] == ["why"]


def test_a_clip_given_as_the_manifest_is_told_apart_from_text_to_save_as_utf8(
    tmp_path: Path,
) -> None:
    """``eval question.wav`` was told to save the manifest as UTF-8."""
    clip = write_wav(tmp_path / "question.wav", chunks_from_array(np.full(RATE, 0.1), RATE))
    with pytest.raises(ManifestError) as error:
        read_manifest(clip)
    assert str(error.value) == (
        f"{clip} is an audio file, not a manifest; list clips in a manifest.tsv (file, expected "
        "and text, tab-separated), or hear one with knotvoice ask --audio FILE"
    )
    workbook = tmp_path / "manifest.xlsx"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh")
    with pytest.raises(ManifestError) as error:
        read_manifest(workbook)
    assert str(error.value) == (
        f"{workbook}: not text in UTF-8, UTF-16 or Windows-1252; save the manifest as UTF-8"
    )


WINDOWS_TEXT = (
    "file\texpected\ttext\ncaf\u00e9.wav\t-\tis the caf\u00e9 \u00a35 \u2018a cup\u2019?\n"
)


def test_a_manifest_saved_by_excel_on_windows_is_read(tmp_path: Path) -> None:
    """A manifest saved as Windows-1252 (Excel's "Text" or "CSV" on Windows) with "café" or
    "£" in it was refused as not UTF-8."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_bytes(("# knowledge: caf\u00e9.yaml\r\n" + WINDOWS_TEXT).encode("cp1252"))
    (row,) = read_manifest(manifest)
    assert (row.file, row.text) == ("caf\u00e9.wav", "is the caf\u00e9 \u00a35 \u2018a cup\u2019?")
    assert manifest_encoding(manifest) == WINDOWS_1252
    assert manifest_knowledge(manifest) == tmp_path / "caf\u00e9.yaml"


def test_a_utf8_manifest_is_never_read_as_windows_1252(tmp_path: Path) -> None:
    """UTF-8's "é" is two bytes that Windows-1252 reads too, as "Ã©"."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(WINDOWS_TEXT, encoding="utf-8")
    (row,) = read_manifest(manifest)
    assert (row.file, row.text) == ("caf\u00e9.wav", "is the caf\u00e9 \u00a35 \u2018a cup\u2019?")
    assert manifest_encoding(manifest) == "UTF-8"
    # A line added in Windows-1252 to a UTF-8 file: one encoding reads either line wrong.
    with manifest.open("ab") as handle:
        handle.write("b.wav\t-\tcr\u00e8me br\u00fbl\u00e9e\n".encode("cp1252"))
    with pytest.raises(ManifestError) as error:
        read_manifest(manifest)
    assert str(error.value) == (
        f"{manifest}: line 3 is not UTF-8 text where other lines are; save the manifest as UTF-8"
    )


def test_a_line_too_long_to_be_a_clip_is_refused_with_its_line(tmp_path: Path) -> None:
    """A text of more than 128 KB (two files pasted together, a binary saved as text) was a
    traceback from the csv module."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file\texpected\ttext\na.wav\tcauses\twhat causes a knot\n"
        f"b.wav\tcauses\t{'word ' * 40_000}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as long:
        read_manifest(manifest)
    assert str(long.value).startswith(f"{manifest}: line 3: not a manifest row (field larger")
    assert str(long.value).endswith("; fix the line, or remove it")


def test_a_clip_without_an_expected_entry_is_refused_with_its_line(tmp_path: Path) -> None:
    """A forgotten id is not read as ``-``: the clip would count as an off-topic question."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "# knowledge: knots.yaml\nfile\texpected\ttext\na.wav\tcauses\twhat causes a knot\n"
        "b.wav\t\thow often should I massage a knot\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as blank:
        read_manifest(manifest)
    assert str(blank.value) == (
        f"{manifest}: line 4: b.wav has no expected entry; put an entry id in its expected "
        "column, or - for a question the FAQ must not answer"
    )
    manifest.write_text("file\texpected\ttext\nc.wav\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r": line 2: c\.wav has no expected entry; put an"):
        read_manifest(manifest)


def test_a_clip_check_names_every_line_whose_clip_cannot_be_heard(tmp_path: Path) -> None:
    """Only the first bad clip was named: a manifest with three took three runs to mend."""
    write_wav(tmp_path / "good.wav", chunks_from_array(np.zeros(RATE), RATE))
    (tmp_path / "notes.wav").write_text("not a recording\n", encoding="utf-8")
    (tmp_path / "takes").mkdir()
    manifest = tmp_path / "manifest.tsv"
    rows = ["good.wav", "gone.wav", "good.wav", "notes.wav", "takes"]
    manifest.write_text(
        "file\texpected\ttext\n" + "".join(f"{row}\t-\tweather\n" for row in rows),
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as bad:
        check_clips(manifest)
    assert str(bad.value) == (
        f"{manifest}: line 3: gone.wav: no such audio file, looked for {tmp_path / 'gone.wav'}; "
        "a clip's path is relative to the manifest's folder: give it from there, or remove the "
        "line; the clips of lines 5 and 6 cannot be heard either"
    )
    manifest.write_text(
        "file\texpected\ttext\n" + "".join(f"{row}\t-\tweather\n" for row in rows[:3]),
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as one:
        check_clips(manifest)
    assert str(one.value).endswith("or remove the line")
    manifest.write_text("file\texpected\ttext\n" + "gone.wav\t-\tx\n" * 14, encoding="utf-8")
    with pytest.raises(ManifestError) as many:
        check_clips(manifest)
    assert str(many.value).endswith(
        "; the clips of lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 3 more cannot be heard either"
    )


def test_a_clip_longer_than_any_question_is_refused_before_any_is_heard(tmp_path: Path) -> None:
    """An 11-minute recording was heard whole as one question: 830 MB, and a word error
    rate of 13412% that took the manifest's from 25% to 516%, with exit 0."""
    write_wav(tmp_path / "q.wav", chunks_from_array(np.zeros(RATE * 5), RATE))
    write_wav(tmp_path / "long.wav", chunks_from_array(np.zeros(RATE * 61), RATE))
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file\texpected\ttext\nq.wav\t-\tweather\nlong.wav\t-\tweather\n", encoding="utf-8"
    )
    with pytest.raises(ManifestError) as long:
        check_clips(manifest)
    assert str(long.value) == (
        f"{manifest}: line 3: long.wav: 61 s long, where a question's clip is at most 60 s; cut "
        "it to the question, or remove the line"
    )


def test_a_missing_clip_says_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`eval relpath.tsv` said "clips/q.wav: no such audio file" of a clip that is there
    from the folder the command ran in, not saying that it was looked for from the
    manifest's folder."""
    write_wav(tmp_path / "clips" / "q.wav", chunks_from_array(np.zeros(RATE), RATE))
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "manifest.tsv").write_text(
        "file\texpected\ttext\nclips/q.wav\t-\tweather\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path / "sets")
    with pytest.raises(ManifestError) as missing:
        check_clips("manifest.tsv")
    assert str(missing.value) == (
        f"manifest.tsv: line 2: clips/q.wav: no such audio file, looked for "
        f"{tmp_path / 'sets' / 'clips' / 'q.wav'}; a clip's path is relative to the manifest's "
        "folder: give it from there, or remove the line"
    )


def test_comments_and_blank_lines_are_skipped_anywhere(tmp_path: Path) -> None:
    """A blank line under the knowledge line was taken for the header ("missing column(s)
    file, expected, text"), a row commented out under the header for a clip named "# ...",
    a knowledge line under the header for a clip without an expected entry, and a header
    written "File Expected Text" for no header."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "# knowledge: knots.yaml\n\n# read aloud twice\nFile\tExpected\tText\n"
        "#take1.wav\tcauses\twhat causes a knot\n\ntake2.wav\tcauses\twhat causes a knot\n"
        "  # take3.wav\t-\tweather\n",
        encoding="utf-8",
    )
    rows = read_manifest(manifest)
    assert [(row.file, row.line) for row in rows] == [("take2.wav", 7)]
    assert rows[0].text == "what causes a knot"
    assert manifest_knowledge(manifest) == tmp_path / "knots.yaml"
    manifest.write_text(
        "file\texpected\ttext\n# knowledge: knots.yaml\nq.wav\tcauses\tknot\n", encoding="utf-8"
    )
    assert [(row.file, row.line) for row in read_manifest(manifest)] == [("q.wav", 3)]
    assert manifest_knowledge(manifest) == tmp_path / "knots.yaml"
    # A clip whose own name starts with "#" is a row, not a comment: it was left out without
    # a word, and the figures counted one clip fewer.
    (tmp_path / "#2 bread.wav").write_bytes(b"RIFF")
    manifest.write_text(
        "file\texpected\ttext\n#2 bread.wav\tcauses\tknot\n#take1.wav\tcauses\tknot\n",
        encoding="utf-8",
    )
    assert [(row.file, row.line) for row in read_manifest(manifest)] == [("#2 bread.wav", 2)]
    # A comment too long to name a file, with a tab in it, is a comment.
    manifest.write_text(
        f"file\texpected\ttext\n# {'why ' * 80}\tnote\nq.wav\tcauses\tknot\n", encoding="utf-8"
    )
    assert [(row.file, row.line) for row in read_manifest(manifest)] == [("q.wav", 3)]


def test_a_spreadsheets_unicode_text_is_read_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A manifest saved as Excel's "Unicode text" (UTF-16 with its byte order mark) was
    refused as not UTF-8, after an audio decoder's "Note: Illegal Audio-MPEG-Header" lines;
    a file with a space, which a spreadsheet writes in double quotes, was looked for with
    its quotes."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "# knowledge: ../museum.yaml\r\nfile\texpected\ttext\r\n"
        '"../clips/tour two.wav"\tguided-tours\tWhat time does the tour start?\r\n'
        "../clips/hours1.wav\topening-hours\tWhen do you open on Sunday?\r\n",
        encoding="utf-16",
    )
    rows = read_manifest(manifest)
    assert [(row.file, row.expected, row.line) for row in rows] == [
        ("../clips/tour two.wav", "guided-tours", 3),
        ("../clips/hours1.wav", "opening-hours", 4),
    ]
    assert rows[1].text == "When do you open on Sunday?"
    assert manifest_knowledge(manifest) == (tmp_path / "../museum.yaml").resolve()
    assert capfd.readouterr().err == ""


def test_a_word_for_no_entry_is_told_to_be_written_as_a_dash(
    matcher: Matcher, tmp_path: Path
) -> None:
    """`none` in the expected column was "expected entry none is not in knots.yaml; fix
    its '# knowledge:' line, or the ids": the manifest's knowledge line was fine."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file\texpected\ttext\nq.wav\tcauses\tknot\nr.wav\tnone\tweather\ns.wav\tN/A\ttrains\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as none:
        check_expected(manifest, matcher.knowledge)
    assert str(none.value) == (
        f"{manifest}: lines 3 and 4: expected 'none' is no entry id; write - for a question "
        "the FAQ must not answer"
    )
    # "null" (read by YAML as nothing at all, so never among the words) is one too
    manifest.write_text("file\texpected\ttext\nq.wav\tnull\tweather\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="expected 'null' is no entry id; write - for"):
        check_expected(manifest, matcher.knowledge)


def test_a_byte_order_mark_or_spaced_header_is_read(tmp_path: Path) -> None:
    """As a spreadsheet saves it: a UTF-8 byte order mark, spaces around the header's names."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file \t expected\ttext\nq.wav\tcauses\twhat causes a knot\n", encoding="utf-8-sig"
    )
    assert [(row.file, row.expected) for row in read_manifest(manifest)] == [("q.wav", "causes")]
    manifest.write_text(
        "# knowledge: knots.yaml\nfile\texpected\ttext\nq.wav\tcauses\tknot\n",
        encoding="utf-8-sig",
    )
    assert manifest_knowledge(manifest) == tmp_path / "knots.yaml"
    assert [row.file for row in read_manifest(manifest)] == ["q.wav"]


def test_clips_without_text_are_left_out_of_the_word_error_rate(matcher: Matcher) -> None:
    rows = [
        Sample("a", "massage-how-often", "how often should I massage a knot", "how often a knot"),
        Sample("b", "massage-how-often", "", "how often should I massage a knot"),
    ]
    report = evaluate_transcripts(rows, matcher)
    # Three words dropped of the seven said in a; b's words are no errors against nothing.
    assert report.wer == pytest.approx(3 / 7) and report.wer_clips == 1
    assert "word error rate         42.9% (over 1 of 2 clips)" in format_table(report)


def test_a_typed_run_shows_no_recognition_or_speech_figures(
    tmp_path: Path, matcher: Matcher
) -> None:
    """Typed, nothing is heard or spoken: the table showed a word error rate of 0.0% "over 60
    of 60 clips" and recognition and speech latencies of 0.0 ms, figures that measure nothing."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file\texpected\ttext\n"
        "q1\tmassage-how-often\thow often should I massage a knot\n"
        "q2\t-\twhat is the weather\n",
        encoding="utf-8",
    )
    report = evaluate_typed(manifest, matcher)
    table = format_table(report)
    assert "word error rate" not in table
    assert "  match " in table and "  asr " not in table and "  tts " not in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["wer"] is None and set(data["latency"]) == {"match"}


def test_a_typed_run_leaves_out_rows_without_text(tmp_path: Path, matcher: Matcher) -> None:
    """One clip of silence (a row with no text) made `eval --typed` refuse the whole
    manifest."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "file\texpected\ttext\n"
        "q1\tmassage-how-often\thow often should I massage a knot\n"
        "silence.wav\t-\t\n"
        "q2\t-\twhat is the weather\n",
        encoding="utf-8",
    )
    assert untyped_lines(manifest) == [3]
    report = evaluate_typed(manifest, matcher)
    assert (report.n_in, report.n_out, report.top1) == (1, 1, 1.0)
    assert [clip.file for clip in report.clips] == ["q1", "q2"]
    manifest.write_text("file\texpected\ttext\nsilence.wav\t-\t\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="no row has a text; --typed scores each row's text"):
        evaluate_typed(manifest, matcher)


def test_the_table_names_its_rates_as_the_readme_and_the_check_do(matcher: Matcher) -> None:
    """The README promises did-you-mean and off-topic rates, and `knowledge check` speaks of
    did-you-means: the table said "confirm rate" and "false accepts 1 (50.0%)", of what unsaid."""
    rows = [
        Sample("a", "massage-how-often", "", "how often should I massage a knot"),
        Sample("b", "-", "", "what is the weather"),
        Sample("c", "-", "", "how often should I massage a knot"),
    ]
    table = format_table(evaluate_transcripts(rows, matcher))
    assert "did-you-mean rate        0.0%" in table
    assert "off-topic answered     1 of 2 ( 50.0%)" in table
    assert "confirm rate" not in table and "false accepts" not in table


def test_the_table_says_what_each_figure_counts(matcher: Matcher) -> None:
    """The table said "top-1 50.0%", "safe 100.0%" and "reject rate 50.0%" without saying of
    which clips: half of all of them, or of those the FAQ answers, and safe from what."""
    rows = [
        Sample("a", "massage-how-often", "", "how often should I massage a knot"),
        Sample("b", "massage-how-often", "", "what is the weather"),
        Sample("c", "-", "", "what is the weather"),
    ]
    lines = format_table(evaluate_transcripts(rows, matcher)).splitlines()

    def line(label: str) -> str:
        return next(line for line in lines if line.startswith(label))

    assert line("in-domain clips").endswith("expect an entry")
    assert line("out-of-domain clips").endswith("expect no answer (-)")
    assert line("top-1").endswith(" 50.0%  of in-domain clips answered with their entry")
    assert line("safe").endswith(
        "100.0%  of in-domain clips not answered wrong: right, did-you-mean or turned away"
    )
    assert line("did-you-mean rate").endswith('of in-domain clips asked "Did you mean ...?"')
    assert line("reject rate").endswith(" 50.0%  of in-domain clips turned away")
    assert line("off-topic answered").endswith("out-of-domain clips given an answer")


def test_several_reports_are_counted_together(matcher: Matcher) -> None:
    """Several manifests gave a report each and no figure over all their clips."""
    first = evaluate_transcripts(
        [
            Sample("a", "massage-how-often", "", "how often should I massage a knot"),
            Sample("b", "massage-how-often", "", "what is the weather"),
            Sample("c", "-", "", "what is the weather"),
        ],
        matcher,
    )
    second = evaluate_transcripts(
        [
            Sample("d", "causes", "", "what causes knots"),
            Sample("e", "-", "", "how often should I massage a knot"),
        ],
        matcher,
    )
    totals = total([first, second])
    assert (totals.manifests, totals.n_in, totals.n_out, totals.false_accepts) == (2, 3, 2, 1)
    assert totals.top1 == pytest.approx(2 / 3) and totals.safe == 1.0
    assert totals.reject_rate == pytest.approx(1 / 3) and totals.false_accept_rate == 0.5
    assert format_total(totals) == (
        "all 2 manifests        top-1 2 of 3 (66.7%), safe 3 of 3 (100.0%), did-you-mean "
        "0 of 3 (0.0%), turned away 1 of 3 (33.3%) in-domain clips; off-topic answered 1 of 2 "
        "(50.0%)"
    )
    # --json writes the figures in the table's order, after what the line is about
    figures = [
        "n_in",
        "n_out",
        "top1",
        "safe",
        "confirm_rate",
        "reject_rate",
        "false_accepts",
        "false_accept_rate",
    ]
    assert list(totals.to_json()) == ["manifests", *figures]
    assert list(first.to_json()) == [
        "engine",
        *figures,
        "wer",
        "wer_clips",
        "latency",
        "failures",
        "clips",
    ]


def test_rates_with_nothing_to_count_are_not_figures(matcher: Matcher) -> None:
    """Without in-domain clips there is no top-1 to show: n/a, not 0%."""
    rows = [Sample("a", "-", "what is the weather", "what is the weather")]
    report = evaluate_transcripts(rows, matcher)
    assert (report.n_in, report.n_out, report.top1, report.safe) == (0, 1, None, None)
    assert report.false_accept_rate is not None
    table = format_table(report)
    assert "top-1                     n/a" in table and "safe                      n/a" in table
    data = json.loads(json.dumps(report.to_json()))
    assert data["top1"] is None and data["safe"] is None and data["confirm_rate"] is None


def test_a_manifest_for_another_knowledge_file_is_refused(matcher: Matcher, tmp_path: Path) -> None:
    knots = matcher.knowledge
    manifest = tmp_path / "ferry.tsv"
    expected = ["dogs", "parking", "bikes", "dogs", "food", "-", "lost-property", "treat-knot"]
    manifest.write_text(
        "file\texpected\ttext\n"
        + "".join(f"q{n}.wav\t{entry}\tquestion {n}\n" for n, entry in enumerate(expected)),
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as unknown:
        check_expected(manifest, knots)
    assert str(unknown.value) == (
        f"{manifest}: expected entries dogs, parking, bikes and 2 more are not in "
        f"{knots.source}; pass --knowledge FILE, or add a line '# knowledge: FILE' (relative "
        "to the manifest) above its header"
    )
    # One id spelt like an entry's is mistyped, however few rows tell (it was told to pass the
    # knowledge file it was written for, given that very file).
    manifest.write_text(
        "file\texpected\ttext\nq.wav\ttreat-knott\tknot\nr.wav\tcauses\twhy\n",
        encoding="utf-8",
    )
    for given in (False, True):
        with pytest.raises(ManifestError) as mistyped:
            check_expected(manifest, knots, given=given)
        assert str(mistyped.value) == (
            f"{manifest}: expected entry treat-knott (line 2, did you mean treat-knot?) is not "
            f"in {knots.source}; write its id as the knowledge file spells it"
        )
    # Spelling no id right, it is another FAQ's, however like these its ids are.
    manifest.write_text("file\texpected\ttext\nq.wav\ttreat-knott\tknot\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"expected entry treat-knott is not in .*--knowledge"):
        check_expected(manifest, knots)
    # among the ids of this knowledge, a mistyped one is named with its line and the id meant
    manifest.write_text(
        "file\texpected\ttext\nq.wav\ttreat-knot\tknot\nr.wav\tTreat-Knott\tknot\n"
        "s.wav\tzebra-crossing\tzebra\nt.wav\tcauses\tcauses\n"
        "u.wav\tmassage-how-often\thow often\nv.wav\tcauses\twhy\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as mistyped:
        check_expected(manifest, knots)
    assert str(mistyped.value) == (
        f"{manifest}: expected entries Treat-Knott (line 3, did you mean treat-knot?), "
        f"zebra-crossing (line 4) are not in {knots.source}; write each id as the knowledge "
        "file spells it"
    )
    manifest.write_text(
        "# knowledge: ferry.yaml\nfile\texpected\ttext\nq.wav\tdogs\tdogs\n", encoding="utf-8"
    )
    with pytest.raises(ManifestError, match=r"fix its '# knowledge:' line, or the ids$"):
        check_expected(manifest, knots)
    # Given --knowledge, the manifest's own line is not what chose the file: it says which
    # file it names (a developer was told only to pass the file it was written for).
    with pytest.raises(ManifestError, match=r"not in .*; pass the knowledge file it was written"):
        check_expected(manifest, knots, given=True)  # the file it names is not there
    ferry = (manifest.parent / "ferry.yaml").resolve()
    entry = (
        "version: 1\nentries:\n  - id: {}\n    question: Is there {}?\n    answer: Yes, there is.\n"
    )
    ferry.write_text(entry.format("wifi", "wifi"), "utf-8")
    with pytest.raises(ManifestError, match=r"not in .*; pass the knowledge file it was written"):
        check_expected(manifest, knots, given=True)  # the file it names lacks the id too
    ferry.write_text(entry.format("dogs", "dogs"), "utf-8")
    with pytest.raises(ManifestError) as overridden:
        check_expected(manifest, knots, given=True)
    assert str(overridden.value).endswith(
        f"not in {knots.source}; its '# knowledge:' line names {ferry}; leave out --knowledge "
        "to use it"
    )
    manifest.write_text("file\texpected\ttext\nq.wav\ttreat-knot\tknot\n", encoding="utf-8")
    check_expected(manifest, knots)


class OneQuestion(LengthRecognizer):
    """Hears the same question in anything, as whisper may hear one in a whisper."""

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        list(chunks)
        return Transcript("How often should I massage a knot?", engine="fake")


def test_clips_the_kiosk_would_hear_nothing_in_are_named(tmp_path: Path, matcher: Matcher) -> None:
    """A silent clip was scored "safe", and one too quiet for the kiosk to start listening
    on was scored as answered, with no word of either. A clip cut to its first sound is
    heard: a kiosk hears the room before a visitor speaks (it was told unheard, and "check
    it is loud enough")."""
    spoken = np.concatenate(
        [
            np.frombuffer(chunk.audio, dtype="<i2").astype(np.float32) / 32768.0
            for chunk in read_audio(ROOT / "audio_fixtures" / "demo" / "how-often-massage.wav")
        ]
    )
    # a clip that starts with its voice, as espeak-ng writes one: a visitor's question comes
    # after the room's sound
    voiced = tmp_path / "espeak.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-gb", "-w", str(voiced), "Are you open late on weekdays?"],
        check=True,
    )
    read = np.concatenate(
        [np.frombuffer(chunk.audio, dtype="<i2") for chunk in read_audio(voiced)]
    ).astype(np.float32)
    cut = read[int(np.argmax(np.abs(read) > 300)) :] / 32768.0
    clips = {
        "said.wav": spoken,
        "cut.wav": cut,
        "whispered.wav": spoken * 0.003,
        "silent.wav": spoken * 0.0,
    }
    lines = ["file\texpected\ttext"]
    for name, samples_ in clips.items():
        write_wav(tmp_path / name, chunks_from_array(samples_, RATE))
        lines.append(f"{name}\tmassage-how-often\tHow often should I massage a knot?")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = evaluate(manifest, OneQuestion(), matcher, vad=VadSettings())
    assert report.top1 == 1.0  # scored as heard
    assert unheard_files(report) == ["whispered.wav", "silent.wav"]
    assert json.loads(json.dumps(report.to_json()))["clips"][2]["unheard"] is True
    assert unheard_files(evaluate(manifest, OneQuestion(), matcher)) == []  # no detector given


@pytest.mark.parametrize("detector", ["webrtc+silero", "webrtc", "silero"])
def test_a_clip_of_noise_alone_is_not_heard_by_any_detector(detector: str) -> None:
    """Heard after half a second of digital silence, a clip of steady noise or hum set the
    detector's room to nothing, and the webrtc detector took it for speech."""
    noise = np.random.default_rng(1).normal(0.0, 0.1, 2 * RATE)
    hum = 0.1 * np.sin(2 * np.pi * 100 * np.arange(2 * RATE) / RATE)
    settings = VadSettings(detector=detector)
    for sound in (noise, hum):
        assert not speech_in(list(chunks_from_array(sound.astype(np.float32), RATE)), settings)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("file expected text\nq.wav\tcauses\tknot\n", "line 1: its header is separated by spaces"),
        ("file,expected,text\nq.wav,causes,knot\n", "line 1: its header is separated by spaces"),
        ("# a note\nq.wav\tcauses\tknot\n", "line 2 is a clip's row, and no header is above it"),
    ],
)
def test_a_header_with_spaces_or_none_at_all_is_told_so(
    tmp_path: Path, text: str, said: str
) -> None:
    """Both were "missing column(s) file, expected, text", though the header named all three,
    or there was none."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=said):
        read_manifest(manifest)
