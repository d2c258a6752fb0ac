"""What ``script/benchmark`` reads (the benchmark itself is not run here: its numbers depend
on the machine, and it loads every model)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knotvoice.evaluate import ManifestError
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]
CLIP = next((ROOT / "audio_fixtures" / "knots" / "eval12").glob("*.flac"))


def test_the_default_run_reads_a_manifest_as_eval_does(tmp_path: Path) -> None:
    """Every FAQ's manifest opens with a '# knowledge:' line: the default run took it for the
    header and stopped on KeyError 'file', and timed the clips against the knots FAQ."""
    benchmark = load_script("benchmark")
    manifest = tmp_path / "clips" / "manifest.tsv"
    manifest.parent.mkdir()
    shutil.copy(CLIP, manifest.parent / "q1.flac")
    manifest.write_text(
        "# knowledge: ../faq.yaml\nfile\texpected\ttext\nq1.flac\twifi\tIs the wifi free?\n",
        encoding="utf-8",
    )
    rows, knowledge = benchmark.read_clips(manifest)
    assert [(row.file, row.expected) for row in rows] == [("q1.flac", "wifi")]
    assert knowledge == tmp_path / "faq.yaml"
    manifest.write_text("file\texpected\ttext\nq1.flac\t-\tweather\n", encoding="utf-8")
    rows, knowledge = benchmark.read_clips(manifest)
    assert [row.file for row in rows] == ["q1.flac"] and knowledge is None
    # a clip missing was a traceback, its path given from the manifest's folder
    manifest.write_text("file\texpected\ttext\nq2.flac\t-\tweather\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"line 2: q2.flac: no such audio file, looked for"):
        benchmark.read_clips(manifest)


def test_a_limit_below_zero_is_refused() -> None:
    """--limit -1 ran every clip but the last, without a word."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "script" / "benchmark"), "--limit", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "-1 is below 0; give 0 for all the clips" in result.stderr


def test_help_says_what_each_run_does_and_what_its_flags_take() -> None:
    """--help gave one line and bare --engine, --model and --manifest; --json claimed only
    --listen and --matching, though --endpointing and --barge-in print JSON too."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "script" / "benchmark"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())
    assert "Without --listen it runs the clips of a manifest" in shown
    assert "--model DIR model directory (default: the bundled one)" in shown
    assert "(default: audio_fixtures/eval/manifest.tsv)" in shown
    assert "print the report as JSON (all but the default run)" in shown


def test_a_script_started_by_a_python_without_knotvoice_runs_with_the_project_s() -> None:
    """`python3 script/benchmark --help` with .venv/bin not on PATH (the system's Python)
    stopped on "ModuleNotFoundError: No module named 'knotvoice'": it is started again with
    .venv/bin/python. Here a Python that reads no site-packages (-S) stands in for it."""
    for script in ("benchmark", "soak"):
        result = subprocess.run(
            [sys.executable, "-S", str(ROOT / "script" / script), "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: {script} ")
