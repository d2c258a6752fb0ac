"""Every recorded fixture through the real engines: whisper, the matcher, text-to-speech."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from knotvoice.audio import read_audio
from knotvoice.knowledge import Knowledge
from knotvoice.matcher import Decision, Matcher
from knotvoice.semantic import SemanticModel
from knotvoice.tts import Synthesizer
from knotvoice.turn import TurnResult, run_turn
from knotvoice.whisper_engine import WhisperRecognizer

ROOT = Path(__file__).resolve().parents[1]
TUNING = ROOT / "audio_fixtures" / "tuning"
with (TUNING / "manifest.tsv").open(newline="") as handle:
    CLIPS = list(csv.DictReader(handle, delimiter="\t"))

TOP1_FLOOR = 0.9
"""Measured 0.95 on these clips with tiny.en and its other hearings (0.89 from its best hearing
alone); the goal is 0.95 (see the README's figures)."""

_results: dict[str, TurnResult] = {}


@pytest.fixture(scope="module")
def pipeline(
    knowledge: Knowledge,
    whisper: WhisperRecognizer,
    synthesizer: Synthesizer,
    semantic: SemanticModel,
) -> tuple[WhisperRecognizer, Matcher, Synthesizer]:
    return whisper, Matcher(knowledge, semantic=semantic), synthesizer


@pytest.mark.parametrize("clip", [pytest.param(clip, id=clip["file"]) for clip in CLIPS])
def test_fixture_gets_a_safe_spoken_reply(
    clip: dict[str, str], pipeline: tuple[WhisperRecognizer, Matcher, Synthesizer]
) -> None:
    recognizer, matcher, speech = pipeline
    result = run_turn(read_audio(TUNING / clip["file"]), recognizer, matcher, speech)
    _results[clip["file"]] = result
    best = result.match.best
    if clip["expected"] == "-":
        assert result.match.decision is not Decision.ANSWER, (
            f"answered an out-of-domain question ({result.transcript.text!r})"
        )
        assert result.reply.startswith("Sorry")
    elif result.match.decision is Decision.ANSWER:
        assert best is not None and best.entry.id == clip["expected"], (
            f"confident wrong answer for {result.transcript.text!r}"
        )
    samples = np.concatenate([chunk.to_float() for chunk in result.reply_audio])
    assert len(samples) > 0.5 * result.reply_audio[0].rate and np.abs(samples).max() > 0.1


def test_most_fixtures_are_answered_outright_with_the_right_entry() -> None:
    in_domain = [clip for clip in CLIPS if clip["expected"] != "-"]
    if len(_results) < len(CLIPS):
        pytest.skip("runs after the per-clip tests")
    right = sum(
        1
        for clip in in_domain
        if (result := _results[clip["file"]]).match.decision is Decision.ANSWER
        and result.match.best is not None
        and result.match.best.entry.id == clip["expected"]
    )
    assert right / len(in_domain) >= TOP1_FLOOR
