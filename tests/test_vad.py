"""Endpointing: utterances start where speech starts and end after the trailing silence."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.audio import RATE, chunks_from_array, join
from knotvoice.kiosk.vad import Boundary, Endpointer, EndReason, VadEvent
from knotvoice.settings import VadSettings
from knotvoice.speech.tts import Synthesizer


def silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def question(synthesizer: Synthesizer) -> npt.NDArray[np.float32]:
    """A spoken question at 16 kHz, trimmed to where the voice is."""
    chunks = synthesizer.synthesize("How often should you massage a knot in your back?")
    samples = join(chunks_from_array(join(chunks), chunks[0].rate))
    loud = np.nonzero(np.abs(samples) > 0.02)[0]
    return samples[loud[0] : loud[-1] + 1]


def run(
    samples: npt.NDArray[np.float32], settings: VadSettings | None = None, chunk: int = 1600
) -> list[VadEvent]:
    endpointer = Endpointer(settings or VadSettings())
    events: list[VadEvent] = []
    for piece in chunks_from_array(samples, RATE, chunk_samples=chunk):
        events.extend(e for e in endpointer.push(piece) if e.kind is not Boundary.SPEECH)
    return events


def test_one_question_is_one_utterance_ending_after_half_a_second_of_silence(
    question: npt.NDArray[np.float32],
) -> None:
    speech_seconds = len(question) / RATE
    events = run(np.concatenate([silence(1.0), question, silence(2.0)]))
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    start, end = events
    assert start.at == pytest.approx(1.0, abs=0.1)
    assert end.reason is EndReason.SILENCE
    assert end.at == pytest.approx(1.0 + speech_seconds + 0.5, abs=0.15)


def test_a_longer_end_silence_ends_later(question: npt.NDArray[np.float32]) -> None:
    audio = np.concatenate([silence(1.0), question, silence(3.0)])
    short = run(audio)[-1].at
    long = run(audio, VadSettings(end_silence_seconds=1.2))[-1].at
    assert long - short == pytest.approx(0.7, abs=0.1)


def test_two_questions_with_a_pause_between_are_two_utterances(
    question: npt.NDArray[np.float32],
) -> None:
    audio = np.concatenate([silence(0.5), question, silence(1.5), question, silence(1.0)])
    kinds = [e.kind for e in run(audio)]
    assert kinds == [Boundary.START, Boundary.END, Boundary.START, Boundary.END]


def test_a_monologue_is_cut_at_the_maximum_length(question: npt.NDArray[np.float32]) -> None:
    audio = np.concatenate([silence(0.5), question, question, silence(1.0)])
    events = run(audio, VadSettings(max_utterance_seconds=1.5))
    start, end = events[0], events[1]
    assert end.reason is EndReason.MAX_LENGTH
    assert end.at - start.at == pytest.approx(1.5, abs=0.1)


def test_boundaries_do_not_depend_on_chunk_size(question: npt.NDArray[np.float32]) -> None:
    audio = np.concatenate([silence(0.7), question, silence(1.5)])
    tiny = [(e.kind, e.at, e.reason) for e in run(audio, chunk=160)]
    whole = [(e.kind, e.at, e.reason) for e in run(audio, chunk=len(audio))]
    odd = [(e.kind, e.at, e.reason) for e in run(audio, chunk=1234)]
    assert tiny == whole == odd


def test_the_start_carries_the_audio_just_before_it(question: npt.NDArray[np.float32]) -> None:
    audio = np.concatenate([silence(1.0), question, silence(1.0)])
    start = run(audio)[0]
    assert start.frames[0].timestamp <= start.at - 0.25
    # Frames are consecutive: nothing is lost or repeated between pre-roll and speech.
    stamps = [frame.timestamp for frame in start.frames]
    assert np.allclose(np.diff(stamps), 0.03)


def test_silence_and_faint_hiss_are_not_speech() -> None:
    rng = np.random.default_rng(1)
    hiss = (rng.standard_normal(RATE * 3) * 0.001).astype(np.float32)
    assert run(np.concatenate([silence(2.0), hiss])) == []
