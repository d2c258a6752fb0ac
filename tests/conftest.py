"""Shared fixtures: the real engines, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knotvoice.knowledge import Knowledge, load
from knotvoice.tts import Synthesizer
from knotvoice.whisper_engine import WhisperModel, WhisperRecognizer

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge" / "knots.yaml"
FIXTURES = ROOT / "audio_fixtures"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load(KNOWLEDGE)


@pytest.fixture(scope="session")
def whisper_model() -> WhisperModel:
    return WhisperModel.load()


@pytest.fixture(scope="session")
def whisper(whisper_model: WhisperModel) -> WhisperRecognizer:
    return WhisperRecognizer(whisper_model)


@pytest.fixture(scope="session")
def synthesizer() -> Synthesizer:
    return Synthesizer.load()
