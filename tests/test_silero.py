"""silero's voice model run by numpy gives what onnxruntime gives, and fails clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.audio import RATE, chunks_from_array, join
from knotvoice.errors import ModelError
from knotvoice.kiosk import vad
from knotvoice.kiosk.silero import CONTEXT, FRAME, SileroModel, silero_model_path
from knotvoice.speech.tts import Synthesizer
from room_noise import coloured_noise


@pytest.fixture(scope="module")
def speech_and_noise(synthesizer: Synthesizer) -> npt.NDArray[np.float32]:
    chunks = synthesizer.synthesize("Is it all right to use a foam roller every day?")
    voice = join(chunks_from_array(join(chunks), chunks[0].rate))
    quiet = np.zeros(8000, dtype=np.float32)
    noise = coloured_noise(len(voice) / RATE, 2.0, -30.0, seed=3)[: len(voice)]
    return np.concatenate([quiet, voice, quiet, noise, quiet, voice + noise, quiet])


def probabilities(samples: npt.NDArray[np.float32], step: object) -> list[float]:
    """Frame after frame, as the kiosk hears them: each with the end of the one before."""
    heard: list[float] = []
    context = np.zeros(CONTEXT, dtype=np.float32)
    for start in range(0, len(samples) - FRAME + 1, FRAME):
        frame = samples[start : start + FRAME]
        heard.append(step(np.concatenate([context, frame])))  # type: ignore[operator]
        context = frame[-CONTEXT:]
    return heard


def test_numpy_hears_what_onnxruntime_hears(
    speech_and_noise: npt.NDArray[np.float32],
) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(
        str(silero_model_path()), providers=["CPUExecutionProvider"]
    )
    state = {"h": np.zeros((1, 1, 128), np.float32), "c": np.zeros((1, 1, 128), np.float32)}

    def by_onnxruntime(heard: npt.NDArray[np.float32]) -> float:
        out, state["h"], state["c"] = session.run(None, {"input": heard[None, :], **state})
        return float(np.asarray(out).reshape(-1)[0])

    model = SileroModel(silero_model_path())
    h, c = model.initial_state()

    def by_numpy(heard: npt.NDArray[np.float32]) -> float:
        nonlocal h, c
        probability, h, c = model.probability(heard, h, c)
        return probability

    expected = probabilities(speech_and_noise, by_onnxruntime)
    got = probabilities(speech_and_noise, by_numpy)
    assert max(expected) > 0.9 and min(expected) < 0.1, "the clip holds speech and no speech"
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_a_file_that_is_not_the_model_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = tmp_path / "silero_vad_v6.onnx"
    wrong.write_bytes(b"\x0a\x03abc")  # a protobuf message, but no graph in it
    monkeypatch.setattr(vad, "silero_model_path", lambda: wrong)
    vad._silero_model.cache_clear()
    try:
        with pytest.raises(ModelError, match='vad_detector = "webrtc"'):
            vad.classifier("webrtc+silero", 2)
        whole = silero_model_path().read_bytes()
        wrong.write_bytes(whole[: len(whole) // 2])  # a download cut short
        vad._silero_model.cache_clear()
        with pytest.raises(ModelError, match="cut short"):
            vad.classifier("webrtc+silero", 2)
        monkeypatch.setattr(vad, "silero_model_path", lambda: tmp_path / "gone.onnx")
        vad._silero_model.cache_clear()
        with pytest.raises(ModelError, match="cannot load the silero voice detector"):
            vad.classifier("silero", 2)
    finally:
        vad._silero_model.cache_clear()
