"""What ``knotvoice report`` costs on a full turn log (``script/benchmark --report``).

A made-up log of a busy kiosk's year is written the way the kiosk rotates its own: the
questions are the texts of the repository's manifests, half of them with a word left out (as
misheard, or worded otherwise), answered, confirmed with a did-you-mean or rejected at random,
one every few minutes. ``knotvoice report --since`` over all of it is then run in a process of
its own, and its wall time and peak resident memory are reported beside those of the same
command on an empty log (what the interpreter and its imports take).
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

TURNS = 200_000
"""The most turns the turn log keeps (20 files of about 10,000, and the one written to)."""
PER_FILE = 10_000
"""Turns in each rotated file."""
SECONDS_APART = 157.0
"""Between two turns: 200,000 turns a year."""
DECISIONS = ("answer", "confirm", "reject")
SHARES = (0.6, 0.15, 0.25)
"""How often each decision is made: three in five questions answered."""


@dataclass(frozen=True)
class ReportCost:
    turns: int
    wordings: int
    """Distinct question texts the log was made from (before words were left out)."""
    seconds: float
    """Wall time of ``knotvoice report`` over the whole log."""
    peak_mb: float
    """Its peak resident memory."""
    empty_seconds: float
    empty_peak_mb: float
    """The same command on an empty log: the interpreter and its imports."""
    questions: int
    """Questions the report counted (every turn of the log is one)."""
    groups_listed: int
    commit: str
    command: str


def wordings(root: Path) -> list[str]:
    """Every question text of the manifests under ``root``, once each, in order."""
    texts: set[str] = set()
    for manifest in sorted(root.rglob("manifest.tsv")):
        with manifest.open(encoding="utf-8") as handle:
            rows = [line for line in handle if not line.startswith("#")]
        texts.update(row["text"] for row in csv.DictReader(rows, delimiter="\t") if row.get("text"))
    return sorted(texts)


def write_log(directory: Path, texts: list[str], turns: int, seed: int = 7) -> None:
    """``turns`` turn lines in ``directory``, oldest first, rotated as the kiosk rotates."""
    rng = random.Random(seed)
    now = time.time()

    def line(number: int) -> str:
        words = rng.choice(texts).split()
        if len(words) > 3 and rng.random() < 0.5:
            del words[rng.randrange(len(words))]
        text = " ".join(words)
        decision = rng.choices(DECISIONS, SHARES)[0]
        entry = f"entry-{rng.randrange(20)}"
        turn = {
            "time": now - (turns - number) * SECONDS_APART,
            "question": text,
            "heard": text,
            "decision": decision,
            "entry": None if decision == "reject" else entry,
            "closest": entry,
            "probability": round(rng.random(), 3),
            "reply_ms": round(rng.uniform(400.0, 900.0), 1),
            "asr_ms": 120.0,
            "match_ms": 4.0,
            "hearings": [text, text + " please"],
            "engine": "whisper",
            "knowledge": "faq.yaml@3f9c1a20be",
            "knowledge_file": "/opt/knotvoice/knowledge/faq.yaml",
            "conversation": "kiosk",
            "front": "kiosk",
        }
        return json.dumps(turn) + "\n"

    for first in range(0, turns, PER_FILE):
        newest = first + PER_FILE >= turns
        name = "turns.jsonl" if newest else f"turns-{first // PER_FILE:020d}.jsonl"
        with (directory / name).open("w", encoding="utf-8") as handle:
            handle.writelines(line(number) for number in range(first, min(first + PER_FILE, turns)))


_MEASURED = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                print("peak-kb", line.split()[1], file=sys.stderr)

atexit.register(peak)
sys.argv = ["knotvoice", *sys.argv[1:]]
runpy.run_module("knotvoice", run_name="__main__")
"""
"""``knotvoice`` run so that it says its peak resident memory when it exits. Its own peak
(``VmHWM``): the kernel's ``ru_maxrss`` of a child also counts the memory of the process it
was started from, until its ``exec`` (this benchmark's, with knotvoice loaded)."""


def _timed(log_dir: Path, since: str) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, peak resident MB and the JSON of ``knotvoice report`` over ``log_dir``,
    in a process of its own."""
    command = [sys.executable, "-c", _MEASURED, "report", "--log-dir", str(log_dir)]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, "--since", since, "--json"], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - began
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("peak-kb ")]
    return seconds, int(peaks[-1]) / 1024, json.loads(done.stdout)


def run_report(
    root: Path, turns: int, commit: str, command: str, log: Callable[[str], None]
) -> ReportCost:
    texts = wordings(root / "audio_fixtures")
    with tempfile.TemporaryDirectory(prefix="knotvoice-report-") as folder:
        empty, full = Path(folder) / "empty", Path(folder) / "full"
        empty.mkdir()
        (empty / "turns.jsonl").write_text("")  # a kiosk's log with no turn yet
        full.mkdir()
        log(f"writing {turns} turns of {len(texts)} wordings")
        write_log(full, texts, turns)
        since = f"{turns * SECONDS_APART / 86400 + 2:.0f}d"
        empty_seconds, empty_peak, _ = _timed(empty, since)
        log(f"knotvoice report --since {since} over them")
        seconds, peak, data = _timed(full, since)
    listed = data.get("top_unanswered")
    return ReportCost(
        turns,
        len(texts),
        round(seconds, 2),
        round(peak, 1),
        round(empty_seconds, 2),
        round(empty_peak, 1),
        int(str(data.get("questions", 0))),
        len(listed) if isinstance(listed, list) else 0,
        commit,
        command,
    )


def as_json(cost: ReportCost) -> dict[str, object]:
    return asdict(cost)


def format_report(cost: ReportCost) -> str:
    return "\n".join(
        (
            f"knotvoice report over {cost.turns} turns ({cost.wordings} wordings, "
            f"{cost.questions} questions counted) at {cost.commit}",
            f"  {cost.seconds:.1f} s, peak {cost.peak_mb:.0f} MB "
            f"(on an empty log: {cost.empty_seconds:.1f} s, {cost.empty_peak_mb:.0f} MB)",
        )
    )
