"""The pure helpers of ``script/listen_bench.py`` (the real-time benchmark itself is not run
here: it takes minutes and its numbers depend on the machine)."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType

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
