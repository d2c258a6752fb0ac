"""The recorded-question fixtures: manifests, audio format and the held-out evaluation set."""

from __future__ import annotations

import re
import wave
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from entries import ENTRY_IDS

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
