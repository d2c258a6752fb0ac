"""The recorded-question fixtures: manifests, audio format and the held-out evaluation sets,
for the original knots sets and for every FAQ's sets under audio_fixtures/<faq>/."""

from __future__ import annotations

import re
import wave
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import yaml

from entries import ENTRY_IDS
from script_modules import load_script

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
KNOWLEDGE = ROOT / "knowledge" / "knots.yaml"
HEADER = ["file", "expected", "text", "voice", "variant"]
NO_ANSWER = "-"


@dataclass(frozen=True)
class Row:
    set_name: str
    file: str
    expected: str
    text: str
    voice: str
    variant: str

    @property
    def path(self) -> Path:
        return FIXTURES / self.set_name / self.file


def normalize(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", "", text.lower().replace("-", " ")).split())


def read_manifest(set_name: str) -> list[Row]:
    lines = (FIXTURES / set_name / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == HEADER
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == len(HEADER), f"{set_name}/manifest.tsv line {number}: {line!r}"
        assert all(field.strip() for field in fields), f"empty field on line {number}"
        rows.append(Row(set_name, *fields))
    return rows


TUNING = read_manifest("tuning")
EVAL = read_manifest("eval")
ALL_ROWS = TUNING + EVAL


def questions() -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / "questions.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def phrasings(rows: list[Row]) -> dict[str, set[str]]:
    """Distinct spoken texts per expected id."""
    texts: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        texts[row.expected].add(normalize(row.text))
    return texts


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: f"{row.set_name}/{row.file}")
def test_clip_is_short_audible_16khz_mono_16bit(row: Row) -> None:
    with wave.open(str(row.path), "rb") as wav:
        assert wav.getframerate() == 16000
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.5 < seconds < 6.0
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    assert np.sqrt(np.mean(samples**2)) > 0.005, "clip is (nearly) silent"
    assert np.max(np.abs(samples)) < 1.0, "clip clips"


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: f"{row.set_name}/{row.file}")
def test_file_name_carries_expected_voice_and_variant(row: Row) -> None:
    head, _key, voice, variant = row.file.removesuffix(".wav").split("__")
    assert head == ("none" if row.expected == NO_ANSWER else row.expected)
    assert voice == re.sub(r"[^a-z0-9]+", "-", row.voice.lower()).strip("-")
    assert variant == row.variant
    assert row.voice.split(":")[0] in {"espeak", "flite"}


def test_expected_ids_are_known_entries() -> None:
    for row in ALL_ROWS:
        assert row.expected == NO_ANSWER or row.expected in ENTRY_IDS, row.file


def test_no_stray_or_duplicate_files() -> None:
    for set_name, rows in (("tuning", TUNING), ("eval", EVAL)):
        listed = [row.file for row in rows]
        assert len(listed) == len(set(listed))
        on_disk = {path.name for path in (FIXTURES / set_name).glob("*.wav")}
        assert on_disk == set(listed)


def test_every_entry_has_three_tuning_and_three_eval_phrasings() -> None:
    tuning, held_out = phrasings(TUNING), phrasings(EVAL)
    for entry_id in ENTRY_IDS:
        assert len(tuning[entry_id]) >= 3, entry_id
        assert len(held_out[entry_id]) >= 3, entry_id


def test_tuning_clips_of_an_entry_use_different_voices() -> None:
    voices: dict[str, set[str]] = defaultdict(set)
    for row in TUNING:
        voices[row.expected].add(row.voice)
    for entry_id in ENTRY_IDS:
        assert len(voices[entry_id]) >= 3, entry_id


def test_eval_phrasings_are_rendered_in_two_voices() -> None:
    voices: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in EVAL:
        voices[(row.expected, normalize(row.text))].add(row.voice)
    in_domain = {key: found for key, found in voices.items() if key[0] != NO_ANSWER}
    assert all(len(found) >= 2 for found in in_domain.values())
    assert sum(1 for row in EVAL if row.expected != NO_ANSWER) >= 96


def test_eval_phrasings_are_held_out_from_tuning() -> None:
    tuning_texts = {normalize(row.text) for row in TUNING}
    leaked = sorted({row.text for row in EVAL if normalize(row.text) in tuning_texts})
    assert leaked == []


def test_out_of_domain_counts() -> None:
    assert len(phrasings(TUNING)[NO_ANSWER]) >= 10
    assert len(phrasings(EVAL)[NO_ANSWER]) >= 25
    near = questions()["eval"]["none"]["near"]
    assert len(near) >= 12
    eval_texts = phrasings(EVAL)[NO_ANSWER]
    assert {normalize(text) for text in near.values()} <= eval_texts


def test_manifests_match_questions_file() -> None:
    data = questions()
    for set_name, rows in (("tuning", TUNING), ("eval", EVAL)):
        spec = data[set_name]
        wanted: dict[str, set[str]] = defaultdict(set)
        for entry_id, texts in spec["entries"].items():
            wanted[entry_id] |= {normalize(text) for text in texts}
        for group in spec["none"].values():
            wanted[NO_ANSWER] |= {normalize(text) for text in group.values()}
        assert phrasings(rows) == wanted, set_name


def knowledge_texts(data: Any) -> tuple[set[str], set[str]]:
    """Entry ids and all questions and alternatives of the knowledge file, normalized."""
    entries = data.get("entries", data) if isinstance(data, dict) else data
    if isinstance(entries, dict):
        entries = [{"id": key, **value} for key, value in entries.items()]
    ids: set[str] = set()
    texts: set[str] = set()
    for entry in entries:
        ids.add(str(entry["id"]))
        texts.add(normalize(str(entry.get("question", ""))))
        texts |= {normalize(str(text)) for text in entry.get("alternatives") or ()}
    return ids, texts - {""}


def test_eval_texts_are_not_in_the_knowledge_file() -> None:
    if not KNOWLEDGE.is_file():
        pytest.skip("knowledge/knots.yaml not written yet")
    ids, texts = knowledge_texts(yaml.safe_load(KNOWLEDGE.read_text(encoding="utf-8")))
    assert set(ENTRY_IDS) <= ids
    leaked = sorted({row.text for row in EVAL if normalize(row.text) in texts})
    assert leaked == []


# --- The FAQ sets: audio_fixtures/<faq>/questions.yaml rendered into audio_fixtures/<faq>/<set>/

FAQ_MAX_SECONDS = 8.0
FAQ_VOICE_ENGINES = {"espeak", "flite", "piper"}
STEREO_VARIANT = "stereo44k"


@dataclass(frozen=True)
class FaqSet:
    faq: str
    name: str
    questions: dict[str, Any]
    knowledge: Path
    """The knowledge file the questions file names, resolved."""
    comment: str
    """The manifest's first line."""
    rows: tuple[Row, ...]

    @property
    def label(self) -> str:
        return f"{self.faq}/{self.name}"

    @property
    def folder(self) -> Path:
        return FIXTURES / self.faq / self.name


def read_faq_sets() -> list[FaqSet]:
    found = []
    for questions_file in sorted(FIXTURES.glob("*/questions.yaml")):
        faq = questions_file.parent.name
        data = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
        assert isinstance(data, dict), questions_file
        knowledge = (ROOT / str(data["knowledge"])).resolve()
        for name in data:
            if name in ("knowledge", "rerender"):
                continue
            lines = (FIXTURES / faq / name / "manifest.tsv").read_text(encoding="utf-8")
            comment, header, *body = lines.splitlines()
            assert header.split("\t") == HEADER, f"{faq}/{name}/manifest.tsv"
            rows = []
            for number, line in enumerate(body, start=3):
                fields = line.split("\t")
                assert len(fields) == len(HEADER), f"{faq}/{name}/manifest.tsv line {number}"
                assert all(field.strip() for field in fields), f"empty field on line {number}"
                rows.append(Row(f"{faq}/{name}", *fields))
            found.append(FaqSet(faq, name, data, knowledge, comment, tuple(rows)))
    return found


FAQ_SETS = read_faq_sets()
FAQ_ROWS = [row for faq_set in FAQ_SETS for row in faq_set.rows]


def by_label(faq_set: FaqSet) -> str:
    return faq_set.label


def test_there_are_faq_sets() -> None:
    labels = {faq_set.label for faq_set in FAQ_SETS}
    assert {"railway/tuning", "railway/eval", "gp-surgery/tuning", "gp-surgery/eval"} <= labels
    assert "knots/eval2" in labels


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_manifest_names_its_knowledge_file(faq_set: FaqSet) -> None:
    prefix = "# knowledge: "
    assert faq_set.comment.startswith(prefix)
    named = faq_set.comment.removeprefix(prefix)
    assert not Path(named).is_absolute()
    assert (faq_set.folder / named).resolve() == faq_set.knowledge
    assert faq_set.knowledge.is_file()


@pytest.mark.parametrize("row", FAQ_ROWS, ids=lambda row: f"{row.set_name}/{row.file}")
def test_faq_clip_is_short_audible_16bit_flac(row: Row) -> None:
    info = soundfile.info(str(row.path))
    assert info.format == "FLAC"
    assert info.subtype == "PCM_16"
    if row.variant == STEREO_VARIANT:
        assert (info.samplerate, info.channels) == (44100, 2)
    else:
        assert (info.samplerate, info.channels) == (16000, 1)
    assert 0.5 < info.duration < FAQ_MAX_SECONDS
    data, _rate = soundfile.read(str(row.path), dtype="float64", always_2d=True)
    assert np.sqrt(np.mean(data**2)) > 0.005, "clip is (nearly) silent"
    assert np.max(np.abs(data)) < 1.0, "clip clips"


@pytest.mark.parametrize("row", FAQ_ROWS, ids=lambda row: f"{row.set_name}/{row.file}")
def test_faq_file_name_carries_expected_voice_and_variant(row: Row) -> None:
    assert row.file.endswith(".flac")
    head, _key, voice, variant = row.file.removesuffix(".flac").split("__")
    assert head == ("none" if row.expected == NO_ANSWER else row.expected)
    assert voice == re.sub(r"[^a-z0-9]+", "-", row.voice.lower()).strip("-")
    assert variant == row.variant
    assert row.voice.split(":")[0] in FAQ_VOICE_ENGINES


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_manifest_rows_match_the_files(faq_set: FaqSet) -> None:
    listed = [row.file for row in faq_set.rows]
    assert len(listed) == len(set(listed))
    on_disk = {path.name for path in faq_set.folder.iterdir() if path.name != "manifest.tsv"}
    assert on_disk == set(listed)


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_expected_ids_are_entries_of_its_knowledge_file(faq_set: FaqSet) -> None:
    ids, _texts = knowledge_texts(yaml.safe_load(faq_set.knowledge.read_text(encoding="utf-8")))
    expected = {row.expected for row in faq_set.rows} - {NO_ANSWER}
    assert expected <= ids
    texts = phrasings(list(faq_set.rows))
    for entry_id in ids:
        assert len(texts[entry_id]) >= 3, f"{faq_set.label}: {entry_id} has too few questions"


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_questions_are_rendered_twice_in_different_voices_and_variants(
    faq_set: FaqSet,
) -> None:
    renders: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in faq_set.rows:
        renders[(row.expected, normalize(row.text))].append(row)
    for key, rows in renders.items():
        assert len(rows) == 2, key
        assert len({row.voice for row in rows}) == 2, key
        assert len({row.variant for row in rows}) == 2, key


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_manifest_matches_its_questions_file(faq_set: FaqSet) -> None:
    spec = faq_set.questions[faq_set.name]
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry_id, texts in spec["entries"].items():
        wanted[entry_id] |= {normalize(text) for text in texts}
    for group in spec["none"].values():
        wanted[NO_ANSWER] |= {normalize(text) for text in group.values()}
    assert phrasings(list(faq_set.rows)) == wanted


@pytest.mark.parametrize("faq_set", FAQ_SETS, ids=by_label)
def test_faq_out_of_domain_share(faq_set: FaqSet) -> None:
    texts = phrasings(list(faq_set.rows))
    total = sum(len(found) for found in texts.values())
    out_of_domain = len(texts[NO_ANSWER])
    assert out_of_domain * 3 >= total, "out-of-domain questions must be a third of the set"
    near = faq_set.questions[faq_set.name]["none"]["near"]
    assert len(near) * 2 >= out_of_domain, "half the out-of-domain questions must be near"


def other_sets_of_the_same_knowledge(faq_set: FaqSet) -> list[Row]:
    rows = [
        row
        for other in FAQ_SETS
        if other.knowledge == faq_set.knowledge and other.label != faq_set.label
        for row in other.rows
    ]
    if faq_set.knowledge == KNOWLEDGE.resolve():
        rows += ALL_ROWS
    return rows


@pytest.mark.parametrize(
    "faq_set", [s for s in FAQ_SETS if s.name.startswith("eval")], ids=by_label
)
def test_faq_eval_questions_are_held_out(faq_set: FaqSet) -> None:
    _ids, knowledge = knowledge_texts(yaml.safe_load(faq_set.knowledge.read_text(encoding="utf-8")))
    evaluated = {normalize(row.text) for row in faq_set.rows}
    assert sorted(evaluated & knowledge) == []
    others = {normalize(row.text) for row in other_sets_of_the_same_knowledge(faq_set)}
    assert sorted(evaluated & others) == []


def test_the_korean_clips_are_its_questions_each_once_on_disk() -> None:
    """The clips that time the vosk kiosk on its bundled (Korean) model say what
    ``korean/questions.txt`` says, each as a 16 kHz mono clip outside every FAQ."""
    lines = (FIXTURES / "korean" / "questions.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    rows = read_manifest("korean")
    assert [row.text for row in rows] == texts
    assert {row.expected for row in rows} == {NO_ANSWER}
    assert {path.name for path in (FIXTURES / "korean").glob("*.wav")} == {r.file for r in rows}
    for row in rows:
        with wave.open(str(row.path), "rb") as clip:
            assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth()) == (16000, 1, 2)
            assert 1.0 < clip.getnframes() / 16000 < 8.0, row.file


TYPED_SETS = sorted((FIXTURES / "typed").glob("*/manifest.tsv"))
OPERATOR_SETS = sorted((FIXTURES / "operator").glob("*/manifest.tsv"))


@pytest.mark.parametrize("manifest", TYPED_SETS, ids=lambda path: path.parent.name)
def test_a_typed_set_names_its_faq_and_only_its_entries(manifest: Path) -> None:
    """Each typed set's questions point at entries of the FAQ it names, two or more an entry
    asked (at most two entries left unasked, there to be taken for another), and at least a third of them are
    questions the FAQ does not answer."""
    comment, header, *body = manifest.read_text(encoding="utf-8").splitlines()
    named = manifest.parent / comment.removeprefix("# knowledge: ")
    ids, _texts = knowledge_texts(yaml.safe_load(named.read_text(encoding="utf-8")))
    assert header.split("\t") == ["file", "expected", "text"]
    expected = [line.split("\t")[1] for line in body]
    assert all(len(line.split("\t")) == 3 for line in body)
    assert set(expected) - {NO_ANSWER} <= ids
    asked = {entry_id: expected.count(entry_id) for entry_id in ids}
    assert all(count >= 2 for count in asked.values() if count)
    assert sum(1 for count in asked.values() if not count) <= 2
    assert expected.count(NO_ANSWER) >= len(expected) / 3


@pytest.mark.parametrize("manifest", OPERATOR_SETS, ids=lambda path: path.parent.name)
def test_an_operator_s_set_names_its_faq_and_only_its_entries(manifest: Path) -> None:
    """An operator's own set points at entries of the FAQ it names (each asked as often as
    the operator's questions fell), and a third or more are questions it does not answer."""
    comment, header, *body = manifest.read_text(encoding="utf-8").splitlines()
    named = manifest.parent / comment.removeprefix("# knowledge: ")
    ids, _texts = knowledge_texts(yaml.safe_load(named.read_text(encoding="utf-8")))
    assert header.split("\t") == ["file", "expected", "text"]
    assert all(len(line.split("\t")) == 3 for line in body)
    expected = [line.split("\t")[1] for line in body]
    assert set(expected) - {NO_ANSWER} <= ids
    assert expected.count(NO_ANSWER) >= len(expected) / 3
    assert len(OPERATOR_SETS) >= 2


def own_faq(
    tmp_path: Path, knowledge: str | None, asked: tuple[str, ...] = ("Can I get online?",)
) -> Path:
    """A developer's fixtures folder outside the repository: one FAQ with one set, the
    ``asked`` questions of its one entry."""
    faq = tmp_path / "fixtures" / "library"
    faq.mkdir(parents=True)
    (tmp_path / "faq.yaml").write_text(
        "version: 1\nentries:\n  - id: wifi\n    question: Is there wifi?\n    answer: Yes.\n",
        encoding="utf-8",
    )
    spec: dict[str, Any] = {"dev": {"entries": {"wifi": list(asked)}}}
    if knowledge is not None:
        spec["knowledge"] = knowledge
    (faq / "questions.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return faq


@pytest.mark.parametrize("knowledge", ["../../faq.yaml", None])
def test_make_fixtures_says_where_a_questions_file_s_knowledge_path_starts(
    tmp_path: Path, knowledge: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knowledge: ../../faq.yaml` beside the questions file is read from the repository
    root: the error said only "fix `knowledge:`", and without the line it looked for a file
    called None."""
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, knowledge)
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"make-fixtures: {faq / 'questions.yaml'}")
    if knowledge is None:
        assert "names no knowledge file; add a line `knowledge: PATH`" in error
    else:
        assert f"is relative to the repository root ({ROOT}), not to the questions file" in error
    assert "None" not in error
    assert not list(faq.glob("dev/*.flac"))


def test_make_fixtures_renders_a_faq_in_the_voices_and_conditions_asked(tmp_path: Path) -> None:
    """A developer's own questions were rendered across all ten voices and ten conditions,
    with no way to keep a quick run to a few; two and two now meet in every combination."""
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"), ("Can I get online?", "Is wifi free?"))
    voices = ["--voice", "espeak:en-gb", "--voice", "flite:slt"]
    conditions = ["--condition", "clean", "--condition", "fast"]
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library", *voices, *conditions]) == 0
    rows = fixtures.manifest_rows(faq / "dev" / "manifest.tsv")
    assert sorted((row[3], row[4]) for row in rows) == [
        ("espeak:en-gb", "clean"),
        ("espeak:en-gb", "fast"),
        ("flite:slt", "clean"),
        ("flite:slt", "fast"),
    ]
    assert sorted(path.name for path in (faq / "dev").glob("*.flac")) == sorted(
        row[0] for row in rows
    )


def test_make_fixtures_leaves_a_recording_of_one_s_own_beside_a_set_it_makes_again(
    tmp_path: Path,
) -> None:
    """Every .flac of a set's folder was deleted before its clips were made again, a
    developer's own recording among them."""
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"))
    (faq / "dev").mkdir()
    own = faq / "dev" / "visitor_at_the_desk.flac"
    own.write_bytes(b"a recording")
    named_alike = faq / "dev" / "desk__monday__anna.flac"
    named_alike.write_bytes(b"a recording")
    stale = faq / "dev" / "wifi__old-key__espeak-en-gb__clean.flac"
    stale.write_bytes(b"made before")
    quick = ["--voice", "espeak:en-gb", "--voice", "flite:slt", "--condition", "clean"]
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library", *quick]) == 0
    assert own.read_bytes() == named_alike.read_bytes() == b"a recording"
    assert not stale.exists()
    made = [row[0] for row in fixtures.manifest_rows(faq / "dev" / "manifest.tsv")]
    assert sorted(path.name for path in (faq / "dev").glob("*.flac")) == sorted(
        [*made, own.name, named_alike.name]
    )


def test_make_fixtures_that_fails_midway_leaves_the_clips_made_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A voice missing at the second clip (piper, from a Python without it) left a set's
    folder emptied of the clips made before, its manifest naming them, and a traceback."""
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"))
    quick = ["--voice", "espeak:en-gb", "--voice", "flite:slt", "--condition", "clean"]
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library", *quick]) == 0
    before = {path.name: path.read_bytes() for path in (faq / "dev").iterdir()}
    synthesize = fixtures.Synthesizer.synthesize

    def missing_flite(self: object, voice: Any, *args: Any) -> None:
        if voice.engine == "flite":
            raise fixtures.FixtureError("flite is missing; run ./script/setup")
        synthesize(self, voice, *args)

    monkeypatch.setattr(fixtures.Synthesizer, "synthesize", missing_flite)
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library", *quick]) == 1
    assert "flite is missing" in capsys.readouterr().err
    after = {path.name: path.read_bytes() for path in (faq / "dev").iterdir()}
    assert after == before


@pytest.mark.parametrize("name", ["..", "../elsewhere", "ABSOLUTE"])
def test_make_fixtures_refuses_a_set_named_outside_its_folder(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A set named ".." had the .flac files of the folder above deleted and its clips put there.
    name = str(tmp_path / "elsewhere") if name == "ABSOLUTE" else name
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"))
    spec = {"knowledge": str(tmp_path / "faq.yaml"), name: {"entries": {"wifi": ["Wifi?"]}}}
    (faq / "questions.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    kept = faq.parent / "keep_me.flac"
    kept.write_bytes(b"a recording")
    quick = ["--voice", "espeak:en-gb", "--voice", "flite:slt", "--condition", "clean"]
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library", *quick]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"set {name!r} is no folder name" in error and "name it with a word" in error
    assert kept.read_bytes() == b"a recording"
    assert not list(tmp_path.rglob("*__*.flac"))


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (
            ["--faq", "library", "--voice", "espeak:en-gb", "--voice", "flite:sl"],
            "no --voice flite:sl; give one of: espeak:en-gb",
        ),
        (["--faq", "library", "--voice", "espeak:en-gb"], "give --voice twice or more"),
        (["--voice", "espeak:en-gb", "--voice", "flite:slt"], "name the FAQ with --faq NAME"),
        # a FAQ of another folder: where to say so
        (["--faq", "bakery"], "give original or one of: library, or the --out folder that holds"),
    ],
)
def test_make_fixtures_refuses_voices_it_cannot_use_before_rendering(
    tmp_path: Path, extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"))
    assert fixtures.main(["--out", str(faq.parent), *extra]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and needle in error
    assert not (faq / "dev").exists()


def test_make_fixtures_help_shows_how_to_write_and_render_one_s_own_questions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--help gave one line, "Render the spoken-question fixtures from the questions files in
    audio_fixtures/": nothing of what a questions file holds or how to render one's own."""
    fixtures = load_script("make-fixtures")
    with pytest.raises(SystemExit) as done:
        fixtures.main(["--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    lines = shown.splitlines()
    start = next(n for n, line in enumerate(lines) if "knowledge: knowledge/my-faq.yaml" in line)
    end = lines.index("", start)
    example = yaml.safe_load("\n".join(line.removeprefix("      ") for line in lines[start:end]))
    clips = fixtures.plan_faq_set("dev", example)
    assert {clip.expected for clip in clips} == {"wifi", NO_ANSWER} and len(clips) == 8
    assert "--out DIR --faq NAME" in shown and "knotvoice eval" in shown


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ("wifi: [Can I get online here?, Is it free?]", "not valid YAML at line 4"),
        ("wifi: Can I get online here?", "the questions of wifi must be a list"),
        # an empty question was a traceback (a piper clip of no audio) or a silent clip
        ("wifi:\n      - Is it free?\n      - ''", "wifi: a question is empty"),
        # questions outside the FAQ as a list were left out without a word ("0 clips")
        ("wifi: [Is it free]\n  none:\n    - Will it rain?", "none: must hold 'near:'"),
        # a slug names clip files: one with "/" failed in sox's own words
        (
            "wifi: [Is it free]\n  none:\n    near:\n      rain/snow: Will it rain?",
            "'rain/snow' names clip files",
        ),
    ],
)
def test_make_fixtures_refuses_a_questions_file_it_cannot_read_in_one_line(
    tmp_path: Path, entry: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A flow list of questions ending in '?' printed PyYAML's traceback; one question
    written without its list was rendered letter by letter, until piper failed on one."""
    fixtures = load_script("make-fixtures")
    faq = own_faq(tmp_path, str(tmp_path / "faq.yaml"))
    (faq / "questions.yaml").write_text(
        f"knowledge: {tmp_path / 'faq.yaml'}\ndev:\n  entries:\n    {entry}\n", encoding="utf-8"
    )
    assert fixtures.main(["--out", str(faq.parent), "--faq", "library"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and needle in error
    assert not (faq / "dev").exists()
