"""``script/endpoint_bench.py``: how it scores utterances, and one clip through it for real."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from knotvoice.settings import VadSettings
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]
VOICE = (5.0, 8.0)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("endpoint_bench")


def scored(bench: ModuleType, *found: tuple[float, float]) -> Any:
    outcome = bench.Outcome()
    bench.score(list(found), VOICE, VadSettings(), outcome)
    return outcome


def test_one_utterance_around_the_voice_is_a_clean_ending(bench: ModuleType) -> None:
    outcome = scored(bench, (4.9, 8.45))
    assert outcome == bench.Outcome(delays=[pytest.approx(0.45)])


def test_a_question_heard_in_two_parts_is_split(bench: ModuleType) -> None:
    outcome = scored(bench, (4.9, 6.5), (6.6, 8.5))
    assert outcome.split == 1 and outcome.delays == [pytest.approx(0.5)]


def test_noise_heard_alone_is_a_phantom_and_a_late_start_loses_a_sound(
    bench: ModuleType,
) -> None:
    outcome = scored(bench, (1.0, 2.0), (5.5, 8.5))
    assert (outcome.phantom, outcome.late, outcome.split) == (1, 1, 0)


def test_an_utterance_that_never_ends_ran_to_the_maximum_length(bench: ModuleType) -> None:
    outcome = scored(bench, (4.9, math.inf))
    assert outcome.max_length == 1 and outcome.delays == [math.inf]


def test_a_clip_in_steady_noise_ends_soon_after_its_voice(
    bench: ModuleType, tmp_path: Path
) -> None:
    header, *rows = (ROOT / "audio_fixtures" / "tuning" / "manifest.tsv").read_text().splitlines()
    name, *rest = next(row.split("\t") for row in rows if row.endswith("\tclean"))
    clip = ROOT / "audio_fixtures" / "tuning" / name
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join([header, "\t".join([str(clip), *rest])]) + "\n")
    report = bench.run_endpointing([manifest], VadSettings(), "test", lambda message: None)
    assert report["clips"] == 1
    beds = {(bed["noise"], bed["detector"]): bed for bed in report["beds"]}
    for name, *_ in bench.BEDS:
        for hearing in ("silero", "webrtc+silero"):
            heard = beds[(name, hearing)]
            assert heard["max_length"] == heard["phantom"] == 0, (name, hearing)
            assert 200 <= heard["end_after_voice_p95_ms"] <= 700, (name, hearing)
    assert {("pink 12 dB", "webrtc"), ("pink 12 dB", "webrtc+silero, no background")} <= set(beds)
    assert "pink 12 dB" in bench.format_report(report)
