"""The pure helpers of ``script/listen_bench.py`` (the real-time benchmark itself is not run
here: it takes minutes and its numbers depend on the machine)."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from script_modules import load_script

RATE = 16000


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("listen_bench")


def clip(
    lead: float, voiced: float, tail: float, noise_dbfs: float | None = None
) -> npt.NDArray[np.float32]:
    """Silence or noise, a 300 Hz vowel-like tone at -20 dBFS, then silence or noise."""
    total = round((lead + voiced + tail) * RATE)
    rng = np.random.default_rng(7)
    if noise_dbfs is None:
        samples = np.zeros(total, dtype=np.float32)
    else:
        samples = (rng.standard_normal(total) * 10 ** (noise_dbfs / 20)).astype(np.float32)
    start, end = round(lead * RATE), round((lead + voiced) * RATE)
    t = np.arange(end - start) / RATE
    samples[start:end] += (np.sin(2 * np.pi * 300 * t) * 0.1 * math.sqrt(2)).astype(np.float32)
    return samples


def test_speech_span_finds_the_voiced_part_of_a_clean_clip(bench: ModuleType) -> None:
    first, end = bench.speech_span(clip(0.3, 2.0, 0.4), RATE)
    assert first == pytest.approx(0.3 * RATE, abs=0.02 * RATE)
    assert end == pytest.approx(2.3 * RATE, abs=0.02 * RATE)


def test_speech_span_ignores_steady_noise_around_the_speech(bench: ModuleType) -> None:
    first, end = bench.speech_span(clip(0.3, 2.0, 0.6, noise_dbfs=-35.0), RATE)
    assert first == pytest.approx(0.3 * RATE, abs=0.02 * RATE)
    assert end == pytest.approx(2.3 * RATE, abs=0.02 * RATE)


def test_speech_span_of_silence_is_empty(bench: ModuleType) -> None:
    assert bench.speech_span(np.zeros(RATE, dtype=np.float32), RATE) == (0, 0)


def test_percentile_is_nearest_rank_and_nan_when_empty(bench: ModuleType) -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 50) == 51.0
    assert bench.percentile(values, 95) == 95.0
    assert bench.percentile([3.0], 95) == 3.0
    assert math.isnan(bench.percentile([], 50))


def test_first_audible_sample(bench: ModuleType) -> None:
    block = np.zeros(480, dtype=np.int16)
    assert bench.first_audible(block) is None
    block[100], block[300] = -30, -2000
    assert bench.first_audible(block) == 300


def test_manifest_knowledge_line_is_relative_to_the_manifest(
    bench: ModuleType, tmp_path: Path
) -> None:
    manifest = tmp_path / "set" / "manifest.tsv"
    manifest.parent.mkdir()
    manifest.write_text(
        "# knowledge: ../faq.yaml\nfile\texpected\ttext\na.wav\tx\tWhat is x?\n\t\t\n"
    )
    rows, knowledge = bench.read_manifest(manifest)
    assert [row["file"] for row in rows] == ["a.wav"]
    assert knowledge == (tmp_path / "faq.yaml").resolve()


def test_the_speech_of_a_noisy_fixture_is_where_its_voice_is(
    bench: ModuleType, tmp_path: Path
) -> None:
    """A question rendered in brown noise by ``script/make-fixtures`` and read from its
    manifest has its speech where the same question rendered clean has it: the benchmark
    does not start the clock while the visitor is still speaking. A recording of one's own
    (a voice not of ``make-fixtures``) is still measured by energy."""
    fixtures = load_script("make-fixtures")
    assert bench.RENDERED_LEAD_SECONDS == fixtures.LEAD_SECONDS
    assert bench.RENDERED_TAIL_SECONDS == fixtures.TAIL_SECONDS

    voice = fixtures.Voice("flite", "awb")
    text = "How do I loosen a tight knot in my back?"
    noisy = fixtures.Variant("brown6db", noise="brownnoise", snr_db=6.0)
    lines = ["file\texpected\ttext\tvoice\tvariant"]
    for variant in (fixtures.CLEAN, noisy):
        work = tmp_path / variant.name
        work.mkdir()
        clip = fixtures.Clip(f"{variant.name}.wav", "-", text, voice, variant)
        fixtures.render(clip, tmp_path, work)
        lines.append(f"{clip.file}\t-\t{text}\t{voice.label}\t{variant.name}")
    lines.append(f"{noisy.name}.wav\t-\t{text}\tmy-recorder\t{noisy.name}")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    rows, _ = bench.read_manifest(manifest)
    clean, rendered, recorded = (bench.clip_of(row, tmp_path) for row in rows)
    voice_start, voice_end = bench.speech_span(
        np.frombuffer(clean.pcm.tobytes(), dtype=np.int16).astype(np.float32) / 32768.0,
        bench.PIPE_RATE,
    )
    for clip in (clean, rendered):
        assert clip.speech_start == pytest.approx(voice_start / bench.PIPE_RATE, abs=0.03)
        assert clip.speech_end == pytest.approx(voice_end / bench.PIPE_RATE, abs=0.03)
    # By energy, the voice's last sound is lost under the noise.
    assert recorded.speech_end < voice_end / bench.PIPE_RATE - 0.05


def test_a_turn_splits_its_wait_where_the_kiosk_found_the_end_of_speech(
    bench: ModuleType,
) -> None:
    """The reply started 900 ms after the last voiced sample and 300 ms after the kiosk
    found the end of speech: 600 ms went to finding the end (the silence it waits for,
    noise it heard as speech) and the rest to the kiosk's own work and the speaker."""
    pcm = np.zeros(RATE, dtype=np.int16)
    turn = bench.Turn(bench.Clip("q.wav", "-", "q", 1.0, 0.1, 0.6, pcm), end=10.0)
    turn.reply_started = bench.Line(10.9, {"event": "reply_started", "after_speech_ms": 300.0})
    turn.audible = 10.95
    stages = turn.stages()
    assert stages["end_found"] == pytest.approx(600.0)
    assert stages["after_end_found"] == pytest.approx(350.0)
    assert stages["total"] == pytest.approx(950.0)

    # A reply that follows no question says nothing of where an end was found.
    turn.reply_started = bench.Line(10.9, {"event": "reply_started", "after_speech_ms": None})
    assert turn.stages()["end_found"] is None
    assert turn.stages()["after_end_found"] is None


KIOSK = {
    "start_ms": 1000.0,
    "peak_rss_mb": 300.0,
    "cpu_s": 5.0,
    "exit_code": 0,
    "errors": 0,
    "mic_rate": 44100,
    "reply_rates": [22050],
}
"""What a run measured of the kiosk's process, for a report made without one."""
MACHINE = {
    "end_silence_s": 0.5,
    "writer_max_late_ms": 0.0,
    "writer_late_blocks": 0,
    "writer_dropped_blocks": 0,
    "wall_s": 10.0,
    "benchmark_cpu_s": 1.0,
    "pulseaudio_cpu_s": 1.0,
    "load_average_start": [0.0],
    "load_average_end": [0.0],
}


def report_of(bench: ModuleType, folder: Path, turns: list[Any], **options: Any) -> Any:
    """The report of a run of ``turns`` with the ``--listen`` ``options`` given."""
    chosen = bench.ListenOptions(
        "whisper",
        None,
        folder / "manifest.tsv",
        2,
        None,
        [],
        0,
        1.0,
        60.0,
        300.0,
        False,
        **options,
    )
    return bench.build_report(chosen, folder, turns, bench.Calibration(), KIOSK, MACHINE)


def question(bench: ModuleType, end: float, name: str = "q.wav") -> Any:
    """A turn of a one-second clip whose voice ended at ``end``."""
    pcm = np.zeros(RATE, dtype=np.int16)
    return bench.Turn(bench.Clip(name, "-", "q", 1.0, 0.1, 0.6, pcm), end=end)


def test_a_stop_said_over_a_reply_is_timed_to_the_reply_going_quiet(
    bench: ModuleType, tmp_path: Path
) -> None:
    """ "stop" ended 10.0 s in; the kiosk's transcript of it came 0.6 s later and the reply's
    last sample 0.7 s later: the report says both, and how many of the stops said cut the
    reply. A reply the stop did not cut is no stop timed."""
    cut = question(bench, 5.0)
    cut.stop_end = 10.0
    cut.stop_heard = bench.Line(10.6, {"event": "transcript", "accepted": False})
    cut.silent = 10.7
    assert cut.stages()["stop_heard"] == pytest.approx(600.0)
    assert cut.stages()["stop_silent"] == pytest.approx(700.0)
    missed = question(bench, 20.0, "r.wav")
    missed.stop_end = 25.0
    missed.notes.append("the stop did not cut the reply")
    assert missed.stages()["stop_silent"] is None

    report = report_of(bench, tmp_path, [cut, missed], stop_after=1.5)
    assert report["summary"]["stops"] == {"said": 2, "heard": 1, "cut": 1}
    assert report["summary"]["stop_silent"]["p50"] == pytest.approx(700.0)
    text = bench.format_report(report)
    assert '"stop" said 1.5 s into 2, heard over 1, cut 1 short' in text
    rows = {line[:22].strip(): line.split()[-3:] for line in text.splitlines()}
    assert rows['"stop" to transcript'] == ["600", "600", "1"]
    assert rows['"stop" to silence'] == ["700", "700", "1"]

    # Without --stop-after the report says nothing of stops.
    assert '"stop"' not in bench.format_report(report_of(bench, tmp_path, [question(bench, 5.0)]))


def test_replies_to_questions_begun_over_a_reply_are_reported_apart(
    bench: ModuleType, tmp_path: Path
) -> None:
    """With --ask-over, a visitor who asks on while the kiosk finishes waits 1.5 s for the
    reply where one who waits for the quiet waits 0.5 s: the report says the two apart, and
    how long before the reply's end each question was begun."""
    quiet, over = question(bench, 5.0), question(bench, 20.0, "r.wav")
    quiet.audible, over.audible = 5.5, 21.5
    over.over = 0.5
    report = report_of(bench, tmp_path, [quiet, over], ask_over=0.5)
    assert report["summary"]["over_reply"] == {"n": 1, "p50": 1500.0, "p95": 1500.0}
    assert report["summary"]["into_quiet"] == {"n": 1, "p50": 500.0, "p95": 500.0}
    text = bench.format_report(report)
    rows = {line[:22].strip(): line.split()[-3:] for line in text.splitlines()}
    assert rows["begun over a reply"] == ["1500", "1500", "1"]
    assert rows["said into quiet"] == ["500", "500", "1"]
    assert "begun 0.50 s before the reply's end" in text

    # Without --ask-over, no question is begun over a reply and nothing is said of them.
    plain = bench.format_report(report_of(bench, tmp_path, [question(bench, 5.0)]))
    assert "begun over" not in plain


def read_fifo(fd: int, seconds: float) -> list[tuple[float, bytes]]:
    """What a reader of the FIFO gets for ``seconds``, each read with its time."""
    import os
    import select
    import time

    reads = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            reads.append((time.monotonic(), os.read(fd, 65536)))
    return reads


def test_a_mark_is_when_its_sample_was_spoken_not_when_its_block_was_handed_over(
    bench: ModuleType, tmp_path: Path
) -> None:
    """Fed in 40 ms blocks, the first and the last sample of one block are stamped 40 ms
    apart, not together when the block is handed over: the benchmark's end of speech is the
    visitor's, wherever it falls in the microphone's block."""
    mic = bench.DirectMic(tmp_path)
    writer = bench.FifoWriter(mic.fifo, bench.PIPE_RATE, drop=True, block_seconds=0.04)
    writer.start()
    try:
        block = writer.block
        pcm = np.zeros(3 * block, dtype=np.int16)
        segment = writer.play(pcm, {"first": block, "last": 2 * block - 1})
        reads = read_fifo(mic.keeper, 0.2)
        assert segment.done.wait(2.0)
        reads += read_fifo(mic.keeper, 0.15)
    finally:
        writer.stop()
        mic.stop()
    gap = segment.times["last"] - segment.times["first"]
    assert gap == pytest.approx((block - 1) / bench.PIPE_RATE, abs=0.001)
    assert sum(len(data) for _, data in reads) // 2 >= 3 * block  # all of it was fed


def test_a_direct_microphone_nobody_reads_drops_blocks_instead_of_failing(
    bench: ModuleType, tmp_path: Path
) -> None:
    """An ALSA device nobody records from is a sound card overrunning: the writer goes on
    (the kiosk may open its microphone later) and counts what it dropped."""
    mic = bench.DirectMic(tmp_path)
    writer = bench.FifoWriter(mic.fifo, bench.PIPE_RATE, drop=True, block_seconds=0.01)
    writer.start()
    try:
        segment = writer.play(np.zeros(writer.rate, dtype=np.int16))
        assert segment.done.wait(3.0)
    finally:
        writer.stop()
        mic.stop()
    assert writer.error is None
    assert writer.dropped > 0


def test_a_direct_microphone_is_fed_at_its_own_rate(bench: ModuleType, tmp_path: Path) -> None:
    """A question given at the pipe source's rate reaches a 44.1 kHz device as long as it
    was, and its marks move with it."""
    mic = bench.DirectMic(tmp_path)
    writer = bench.FifoWriter(mic.fifo, bench.DIRECT_RATE, drop=True, block_seconds=0.03)
    writer.start()
    try:
        seconds = 0.3
        tone = bench.tone(seconds, bench.PIPE_RATE)
        segment = writer.play(tone, {"end": len(tone) - 1})
        reads = []
        while not segment.done.is_set():
            reads += read_fifo(mic.keeper, 0.05)
        reads += read_fifo(mic.keeper, 0.1)
    finally:
        writer.stop()
        mic.stop()
    samples = np.frombuffer(b"".join(data for _, data in reads), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 1000)
    assert (loud[-1] - loud[0]) / bench.DIRECT_RATE == pytest.approx(seconds, abs=0.01)
    assert segment.pcm.shape[0] == pytest.approx(seconds * bench.DIRECT_RATE, abs=2)
    assert segment.marks["end"] == pytest.approx(seconds * bench.DIRECT_RATE, abs=2)


def test_a_direct_microphone_refuses_a_block_it_could_not_drop_whole(
    bench: ModuleType, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="too long to drop whole"):
        bench.FifoWriter(tmp_path / "mic.fifo", bench.DIRECT_RATE, drop=True, block_seconds=0.1)
