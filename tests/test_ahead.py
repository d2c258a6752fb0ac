"""Work done ahead at a pause, and dropped when the visitor speaks on.

The question under way must stop at its next pass once dropped, so that the question as it
now stands is not kept waiting behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np
import pytest

from knotvoice.asr import Transcript
from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import AudioChunk, chunks_from_array
from knotvoice.dropped import Dropped, droppable
from knotvoice.kiosk.ahead import Ahead
from knotvoice.turn import Understood

WAIT = 10.0
"""Longest wait on the work's thread, in seconds."""


class Gated:
    """A recognizer at the seam whose first utterance is held until ``release``."""

    name = "gated"
    streaming = False

    def __init__(self) -> None:
        self.started = threading.Event()
        self.gate = threading.Event()
        self.calls = 0

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        heard = len(list(chunks))
        self.calls += 1
        if self.calls == 1:
            self.started.set()
            assert self.gate.wait(WAIT), "never released"
        return Transcript(f"{heard} chunks", engine=self.name)

    def stream(self) -> object:
        raise NotImplementedError

    def spotter(self, words: Sequence[str]) -> Gated:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        return None

    def expect(self, answers: str) -> None:
        return None


def chunks(count: int) -> list[AudioChunk]:
    return list(chunks_from_array(np.zeros(480 * count, dtype=np.float32), 16000, 480))


@pytest.mark.parametrize("ended", ["next pause", "speech went on", "took too long"])
def test_work_dropped_or_given_up_is_not_worked_out_and_the_next_is(ended: str) -> None:
    # The kiosk drops the work when speech goes on (or starts anew at the next pause), and
    # gives it up when its wait at the end of speech runs out; either way the work stops at
    # its next pass instead of holding up the next question.
    recognizer = Gated()
    understood: list[str] = []

    def understand(transcript: Transcript) -> Understood | None:
        understood.append(transcript.text)
        return None

    ahead = Ahead(recognizer.transcribe, understand)
    try:
        ahead.start(chunks(10))  # a pause after ten chunks
        assert recognizer.started.wait(WAIT)
        if ended == "speech went on":
            ahead.drop()
        elif ended == "took too long":
            assert ahead.result(timeout=0.05) is None
        ahead.start(chunks(14))  # the next pause
        recognizer.gate.set()
        worked = ahead.result(timeout=WAIT)
    finally:
        ahead.close()
    assert worked is not None and worked.transcript.text == "14 chunks"
    assert understood == ["14 chunks"], "the first work stopped before it was worked out"


def test_a_dropped_whisper_pass_stops_before_its_beam_search(
    whisper: WhisperRecognizer,
) -> None:
    # The encoder's pass cannot be stopped halfway; the beam search after it, as long again,
    # is not run for a question dropped meanwhile.
    # a faint hiss (silence itself is heard as nothing without a pass of whisper's)
    hiss = np.random.default_rng(7).integers(-150, 151, 16000) / 32768.0
    audio = list(chunks_from_array(hiss.astype(np.float32), 16000))
    dropped = threading.Event()
    dropped.set()
    with droppable(dropped), pytest.raises(Dropped):
        whisper.transcribe(audio)
    assert whisper.transcribe(audio).text.strip() == "", "outside it, heard as before"
