"""``script/soak`` itself, short: the kiosk in its own process on file devices, with every
fault on the way, and the server; each turn answered or failed in the open, each logged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def soak(tmp_path: Path, *args: str) -> dict[str, Any]:
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "script" / "soak"), *args, "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )
    assert report.is_file(), result.stderr[-3000:]
    data: dict[str, Any] = json.loads(report.read_text())
    return data


@pytest.mark.model
def test_a_short_kiosk_soak_with_every_fault(tmp_path: Path) -> None:
    report = soak(tmp_path, "kiosk", "--turns", "50", "--measure-at", "10")
    targets = report["targets"]
    # Memory is measured over too few turns here to say anything: the real soak has 1,000.
    del targets["memory growth <= 5%"]
    missed = [target for target, met in targets.items() if not met]
    # The checks a fault missed come first: a long message is cut in the test report.
    failed = {name: fault["missed"] for name, fault in report["faults"].items() if not fault["ok"]}
    assert not missed, (missed, failed, report["faults"], report["stderr_warnings"])
    assert report["outcomes"].get("lost", 0) == 0
    faults = report["faults"]
    assert set(faults) == {
        "microphone lost",
        "speaker gone",
        "knowledge broken",
        "log disk full",
        "SIGHUP burst",
    }
    assert faults["microphone lost"]["asked_again"] == "answered"
    assert faults["knowledge broken"]["while_broken_answered_from_the_last_good"]


@pytest.mark.model
def test_a_short_serve_soak(tmp_path: Path) -> None:
    report = soak(tmp_path, "serve", "--turns", "60", "--measure-at", "20")
    targets = report["targets"]
    del targets["memory growth <= 5%"], targets["no thread left over"]  # pools still filling
    assert all(targets.values()), [target for target, met in targets.items() if not met]
    assert report["log_lines"] == 60
    # Memory is read every turn, and each window's peak is its highest reading.
    first, last, peak = report["peaks"]["late"]
    assert (first, last) == (15, 60)
    assert peak == max(rss for turn, rss in report["rss_every_turn"] if first <= turn <= last)
    assert peak >= report["end"]["rss_mb"]
