"""Shared fixtures: the real engines, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knotvoice.commands import recognition_bias
from knotvoice.knowledge import Knowledge, load
from knotvoice.semantic import SemanticModel
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
def whisper(whisper_model: WhisperModel, knowledge: Knowledge) -> WhisperRecognizer:
    """Whisper as the kiosk runs it: biased toward the knowledge by its prompt."""
    return WhisperRecognizer(whisper_model, prompt=recognition_bias(knowledge)[1])


@pytest.fixture(scope="session")
def synthesizer() -> Synthesizer:
    return Synthesizer.load()


@pytest.fixture(scope="session")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    """The sentence-embedding model the kiosk matches meanings with."""
    return SemanticModel.load(cache_dir=tmp_path_factory.mktemp("embeddings"))
