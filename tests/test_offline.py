"""No network at run time: the kiosk and the server start and answer inside a network
namespace that has nothing but loopback (``unshare -n``; skipped where it is not allowed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alsa_devices import DEFAULT_RATE, MIC, SPEAKER, write_config
from knotvoice.audio import join, read_audio

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "audio_fixtures" / "demo" / "how-often-massage.wav"
LOOPBACK_ONLY = 'ip link set lo up && ! ip -o link show | grep -v ": lo:" && exec "$0" "$@"'
"""Bring loopback up, fail (status 1) if the namespace has any other link, then run."""


def offline(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a network namespace of its own with loopback only."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip to make a network namespace")
    try:
        allowed = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"cannot make a network namespace here ({error})")
    if allowed.returncode != 0:
        pytest.skip(f"cannot make a network namespace here ({allowed.stderr.decode().strip()})")
    return subprocess.run(
        ["unshare", "-n", "sh", "-c", LOOPBACK_ONLY, *command],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


@pytest.mark.model
def test_the_kiosk_answers_with_no_network(tmp_path: Path) -> None:
    devices = write_config(tmp_path)
    question = join(read_audio(DEMO))
    silence = np.zeros(16000 * 2, dtype=np.float32)
    tail = np.zeros(16000 * 60, dtype=np.float32)
    devices.write_input(np.concatenate([silence, question, tail]), 16000, DEFAULT_RATE)
    result = offline(
        sys.executable, "-m", "knotvoice", "listen", "--json", "--max-turns", "1",
        "--input-device", MIC, "--output-device", SPEAKER, "--log-dir", str(tmp_path / "log"),
        env={"ALSA_CONFIG_PATH": str(devices.config)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    decided = [(e["decision"], e["entry"]) for e in events if e["event"] == "decision"]
    assert decided == [("answer", "massage-how-often")]
    assert len(devices.output()) > DEFAULT_RATE, "the answer was played"
    assert (tmp_path / "log" / "turns.jsonl").read_text().count("\n") == 1


@pytest.mark.model
def test_the_server_answers_over_loopback_with_no_network(tmp_path: Path) -> None:
    probe = Path(__file__).with_name("offline_probe.py")
    result = offline(sys.executable, str(probe), str(tmp_path / "log"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["uri"].startswith("tcp://127.0.0.1:")
    assert seen["type"] == "handled" and "six minutes a day" in seen["text"]
    assert seen["exit"] == 0
    assert (tmp_path / "log" / "turns.jsonl").read_text().count("\n") == 1
