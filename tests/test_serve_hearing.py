"""The server hears an utterance while it arrives (``knotvoice.serve.hearing``): its transcript
is ready when Home Assistant's voice device stops sending, without changing what is heard.

The voice detector and the audio are real (a recorded question, and silence); the recognizer
is a stand-in at the seam that says how much audio it was given, and when.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from knotvoice.asr import RecognizerStream, Transcript
from knotvoice.audio import RATE, AudioChunk
from knotvoice.kiosk.ahead import Ahead
from knotvoice.serve.agent import Utterance
from knotvoice.serve.hearing import Hearing
from knotvoice.settings import VadSettings
from test_serve import CLIP

WAIT = 30.0


def clip() -> npt.NDArray[np.float32]:
    samples, rate = soundfile.read(CLIP, dtype="float32")
    assert rate == RATE
    return np.asarray(samples, dtype=np.float32)


def silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


class Counting:
    """Hears "N samples" in any audio of N samples; ``given`` lists what each hearing was
    given, ``heard`` is set at each."""

    name = "fake"
    streaming = False

    def __init__(self, fail_first: bool = False) -> None:
        self.given: list[int] = []
        self.heard = threading.Event()
        self.fail_first = fail_first

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        samples = sum(chunk.samples for chunk in chunks)
        self.given.append(samples)
        self.heard.set()
        if self.fail_first and len(self.given) == 1:
            raise RuntimeError("the engine failed")
        return Transcript(f"{samples} samples", engine=self.name)

    def stream(self) -> RecognizerStream:
        raise NotImplementedError

    def spotter(self, words: Sequence[str]) -> Counting:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        pass

    def expect(self, answers: str) -> None:
        pass


class Streamed(Counting):
    """A streaming recognizer: its stream counts the samples it accepts."""

    streaming = True

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.accepted = 0
        self.finished = 0
        self.settled: list[int] = []
        self.fail_at = fail_at

    def stream(self) -> RecognizerStream:
        recognizer = self

        class Stream:
            def accept(self, chunk: AudioChunk) -> None:
                if recognizer.fail_at is not None and recognizer.accepted >= recognizer.fail_at:
                    raise RuntimeError("the engine failed")
                recognizer.accepted += chunk.samples

            def partial(self) -> str:
                return ""

            def settle(self) -> str:
                recognizer.settled.append(recognizer.accepted)
                return f"{recognizer.accepted} settled"

            def finish(self) -> Transcript:
                recognizer.finished += 1
                return Transcript(f"{recognizer.accepted} streamed", engine="fake")

        return Stream()


def hearing_of(recognizer: Counting) -> Hearing:
    return Hearing(recognizer, recognizer.transcribe, VadSettings())


def send(utterance: Utterance, *parts: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Give ``parts`` to ``utterance`` in 10 ms pieces, as a voice device streams them; the
    samples it kept."""
    whole = np.concatenate(parts)
    step = RATE // 100
    for start in range(0, len(whole), step):
        piece = whole[start : start + step]
        utterance.add((piece * 32767.0).astype("<i2").tobytes(), RATE, 2, 1)
    return utterance.samples()


def test_a_question_ending_in_silence_is_heard_before_the_audio_stops() -> None:
    recognizer = Counting()
    hearing = hearing_of(recognizer)
    utterance = Utterance(30.0, hearing)
    question = clip()
    samples = send(utterance, question, silence(0.7))
    assert recognizer.heard.wait(WAIT), "nothing was heard before the audio stopped"
    (early,) = recognizer.given
    assert early < len(samples), "it should be heard at the pause, not at the stop"
    transcript = hearing.finish(samples).result(WAIT)
    assert transcript.text == f"{early} samples"
    assert hearing.worked_ahead
    assert recognizer.given == [early], "the stop should not hear it again"


def test_the_transcript_waits_for_no_reply_worked_out_with_it_and_that_work_goes_on() -> None:
    # Home Assistant may use knotvoice for speech to text alone: its transcript is sent once
    # heard, while the reply is still being worked out, and that work is not dropped.
    recognizer = Counting()
    gate, prepared = threading.Event(), threading.Event()
    given: list[str] = []

    def prepare(transcript: Transcript) -> None:
        assert gate.wait(WAIT)
        given.append(transcript.text)
        prepared.set()

    hearing = Hearing(recognizer, recognizer.transcribe, VadSettings(), prepare)
    samples = send(Utterance(30.0, hearing), clip(), silence(0.7))
    transcript = hearing.finish(samples).result(WAIT)
    assert not given, "the transcript should not wait for the reply"
    gate.set()
    assert prepared.wait(WAIT), "the reply's work was dropped"
    assert given == [transcript.text] and hearing.worked_ahead


def test_speech_going_on_after_a_pause_is_heard_with_the_rest() -> None:
    recognizer = Counting()
    hearing = hearing_of(recognizer)
    utterance = Utterance(30.0, hearing)
    first, pause = clip(), silence(0.4)
    samples = send(utterance, first, pause, clip(), silence(0.7))
    transcript = hearing.finish(samples).result(WAIT)
    heard = int(transcript.text.split()[0])
    assert heard > len(first) + len(pause), "the words after the pause were not heard"
    assert hearing.worked_ahead


def test_a_hearing_ahead_that_failed_is_heard_again_whole_at_the_stop() -> None:
    recognizer = Counting(fail_first=True)
    hearing = hearing_of(recognizer)
    samples = send(Utterance(30.0, hearing), clip(), silence(0.7))
    transcript = hearing.finish(samples).result(WAIT)
    assert transcript.text == f"{len(samples)} samples"
    assert not hearing.worked_ahead


def test_audio_longer_than_an_utterance_keeps_is_not_heard_as_it_comes() -> None:
    # A device that streams on and on: the utterance keeps its last second, heard whole at
    # the stop, and holds no more than that.
    recognizer = Streamed()
    utterance = Utterance(1.0, hearing_of(recognizer))
    samples = send(utterance, silence(0.5), clip(), silence(0.7))
    assert len(samples) == RATE
    assert utterance.hearing is None
    deadline = time.monotonic() + WAIT
    while hearing_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not hearing_threads()
    assert recognizer.finished == 0


def test_a_streaming_recognizer_hears_the_audio_as_it_comes_and_settles_at_the_pause() -> None:
    recognizer = Streamed()
    prepared: list[str] = []

    def prepare(transcript: Transcript) -> None:
        prepared.append(transcript.text)

    hearing = Hearing(recognizer, recognizer.transcribe, VadSettings(), prepare)
    question = clip()
    samples = send(Utterance(30.0, hearing), question, silence(0.7))
    deadline = time.monotonic() + WAIT
    while not recognizer.settled and time.monotonic() < deadline:
        time.sleep(0.01)
    # Heard before the stop: the question, then it settled in the pause, and what it heard
    # was worked out; the rest of the pause is held back, so the stop needs no final result.
    (settled,) = recognizer.settled
    assert len(question) - RATE // 2 < settled < len(samples) - RATE // 4
    assert prepared == [f"{settled} settled"]
    transcript = hearing.finish(samples).result(WAIT)
    assert transcript.text == f"{settled} streamed"
    assert recognizer.accepted == settled and recognizer.finished == 1
    assert hearing.worked_ahead
    assert recognizer.given == [], "nothing was heard twice"


def test_a_streaming_recognizer_hears_the_held_pause_when_the_voice_goes_on() -> None:
    recognizer = Streamed()
    hearing = hearing_of(recognizer)
    question, pause = clip(), silence(0.6)
    samples = send(Utterance(30.0, hearing), question, pause, question, silence(0.7))
    hearing.finish(samples).result(WAIT)
    first, second = recognizer.settled
    assert first < len(question) + len(pause) < second
    assert recognizer.accepted == second, "every chunk up to the last settle was heard"


def test_a_streaming_recognizer_that_fails_midway_hears_the_utterance_whole() -> None:
    recognizer = Streamed(fail_at=RATE // 2)
    hearing = hearing_of(recognizer)
    samples = send(Utterance(30.0, hearing), clip(), silence(0.7))
    transcript = hearing.finish(samples).result(WAIT)
    assert transcript.text == f"{len(samples)} samples"
    assert not hearing.worked_ahead


def hearing_threads() -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread.name.startswith(("knotvoice-heard", "knotvoice-ahead"))
    ]


@pytest.mark.parametrize("recognizer", [Counting(), Streamed()], ids=["whole", "streaming"])
def test_an_utterance_forgotten_midway_leaves_no_thread_behind(recognizer: Counting) -> None:
    # A voice device that goes away mid-question, a thousand times over months.
    utterance = Utterance(30.0, hearing_of(recognizer))
    send(utterance, clip(), silence(0.3))
    assert hearing_threads(), "the utterance should be heard on threads of its own"
    utterance.close()
    deadline = time.monotonic() + WAIT
    while hearing_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not hearing_threads()


def test_an_utterance_forgotten_as_work_ahead_starts_is_dropped_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The client goes away just as a pause is heard: the work started there is dropped, and
    # the log says nothing of an utterance that could not be heard as it came.
    recognizer = Counting()
    hearing = hearing_of(recognizer)
    utterance = Utterance(30.0, hearing)
    starting, go_on = threading.Event(), threading.Event()
    start = Ahead.start

    def held_start(ahead: Ahead, chunks: Sequence[AudioChunk]) -> None:
        starting.set()
        assert go_on.wait(WAIT)
        start(ahead, chunks)

    monkeypatch.setattr(Ahead, "start", held_start)
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        send(utterance, clip(), silence(0.3))
        assert starting.wait(WAIT), "no work was started at the pause"
        closing = threading.Thread(target=utterance.close)
        closing.start()
        closing.join(timeout=0.2)  # the utterance is forgotten meanwhile, or waits for it
        go_on.set()
        closing.join(timeout=WAIT)
        deadline = time.monotonic() + WAIT
        while hearing_threads() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert not hearing_threads()
    assert not [record.getMessage() for record in caplog.records]
