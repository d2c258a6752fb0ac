"""``script/report_bench.py``: the made-up year ``script/benchmark --report`` times the report
on (the benchmark's figures are not checked: they depend on the machine)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from knotvoice.journal import read_turns
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("report_bench")


def test_the_made_up_log_is_rotated_as_the_kiosk_rotates_and_read_back_oldest_first(
    bench: ModuleType, tmp_path: Path
) -> None:
    texts = bench.wordings(ROOT / "audio_fixtures")
    assert len(texts) > 1_000, "the questions of every manifest"
    bench.write_log(tmp_path, texts, 25_000)
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files[-1] == "turns.jsonl" and len(files) == 3
    turns = list(read_turns(tmp_path))
    assert len(turns) == 25_000
    times = [turn["time"] for turn in turns]
    assert times == sorted(times), "the rotated files first, the newest last"
    assert {turn["decision"] for turn in turns} == {"answer", "confirm", "reject"}


def test_the_report_counts_every_turn_and_says_its_own_peak(bench: ModuleType) -> None:
    cost = bench.run_report(ROOT, 3_000, "abc1234", "script/benchmark --report", print)
    assert cost.questions == 3_000 and cost.groups_listed == 10
    # Its own peak, not the benchmark's (knotvoice and its models loaded) counted with it.
    assert 10 < cost.empty_peak_mb <= cost.peak_mb < 300
    assert "3000 turns" in bench.format_report(cost)
