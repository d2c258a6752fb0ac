"""``script/serve_bench.py``: ``script/benchmark --serve`` sends what a Home Assistant voice
device sends and times the three services (its figures are not checked: they depend on the
machine)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from knotvoice.knowledge import load
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "audio_fixtures" / "eval" / "manifest.tsv"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("serve_bench")


@pytest.mark.parametrize("speech_end", [1.0, 3.0])
def test_a_clip_is_sent_up_to_the_silence_home_assistant_waits_for(
    bench: ModuleType, speech_end: float
) -> None:
    # The rendered clip is longer than 1.7 s and shorter than 3.7 s: cut, then padded.
    clip = ROOT / "audio_fixtures" / "eval" / "treat-knot__01__espeak-en-gb__clean.wav"
    pcm = bench._audio(clip, speech_end)
    assert len(pcm) == round((speech_end + bench.AFTER_VOICE_SECONDS) * bench.RATE) * 2


@pytest.mark.model
def test_a_question_goes_through_the_real_server_and_is_heard_before_the_audio_stops(
    bench: ModuleType,
) -> None:
    options = bench.ServeOptions(
        engine="whisper", model=None, manifest=MANIFEST, limit=1, start_timeout=120.0
    )
    report = bench.run_serve(options, ROOT, lambda message: None)
    (clip,) = report["clips"]
    assert "knot" in clip["heard"].lower()
    answer = load(ROOT / "knowledge" / "knots.yaml").get("treat-knot").speech
    assert clip["reply"].split(".")[0] == answer.split(".")[0], "the question was answered"
    assert report["heard_ahead"] == 1, "the question should be heard before the audio stopped"
    assert report["answered_ahead"] == 1, "and answered then too"
    assert all(value > 0 for value in clip["ms"].values())
    assert "audio-stop to transcript" in bench.format_report(report)
