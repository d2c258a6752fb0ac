"""What ``script/benchmark`` reads (the benchmark itself is not run here: its numbers depend
on the machine, and it loads every model)."""

from __future__ import annotations

from pathlib import Path

from script_modules import load_script


def test_the_default_run_reads_a_manifest_as_eval_does(tmp_path: Path) -> None:
    """Every FAQ's manifest opens with a '# knowledge:' line: the default run took it for the
    header and stopped on KeyError 'file', and timed the clips against the knots FAQ."""
    benchmark = load_script("benchmark")
    manifest = tmp_path / "clips" / "manifest.tsv"
    manifest.parent.mkdir()
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
