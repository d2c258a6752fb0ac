"""Endpointing: utterances start where speech starts and end after the trailing silence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.audio import RATE, chunks_from_array, join, read_audio
from knotvoice.kiosk.vad import (
    Boundary,
    Endpointer,
    EndReason,
    NoiseFloor,
    VadEvent,
    VoiceDetector,
)
from knotvoice.settings import VAD_DETECTORS, VadSettings
from knotvoice.speech.tts import Synthesizer
from room_noise import at_level, coloured_noise

ROOT = Path(__file__).resolve().parents[1]


def silence(seconds: float) -> npt.NDArray[np.float32]:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def question(synthesizer: Synthesizer) -> npt.NDArray[np.float32]:
    """A spoken question at 16 kHz, trimmed to where the voice is."""
    chunks = synthesizer.synthesize("How often should you massage a knot in your back?")
    samples = join(chunks_from_array(join(chunks), chunks[0].rate))
    loud = np.nonzero(np.abs(samples) > 0.02)[0]
    return samples[loud[0] : loud[-1] + 1]


@pytest.fixture(params=VAD_DETECTORS)
def detector(request: pytest.FixtureRequest) -> str:
    """Every behaviour here holds for each voice detector."""
    name: str = request.param
    return name


def run(
    samples: npt.NDArray[np.float32],
    detector: str,
    chunk: int = 1600,
    unsure: Callable[[], bool] | None = None,
    **settings: Any,
) -> list[VadEvent]:
    endpointer = Endpointer(VadSettings(detector=detector, **settings), unsure)
    events: list[VadEvent] = []
    for piece in chunks_from_array(samples, RATE, chunk_samples=chunk):
        events.extend(e for e in endpointer.push(piece) if e.kind is not Boundary.SPEECH)
    return events


def test_one_question_is_one_utterance_ending_after_half_a_second_of_silence(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    speech_seconds = len(question) / RATE
    events = run(np.concatenate([silence(1.0), question, silence(2.0)]), detector)
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    start, end = events
    assert start.at == pytest.approx(1.0, abs=0.1)
    assert end.reason is EndReason.SILENCE
    assert end.at == pytest.approx(1.0 + speech_seconds + 0.5, abs=0.15)


def test_a_longer_end_silence_ends_later(question: npt.NDArray[np.float32], detector: str) -> None:
    audio = np.concatenate([silence(1.0), question, silence(3.0)])
    short = run(audio, detector)[-1].at
    long = run(audio, detector, end_silence_seconds=1.2)[-1].at
    assert long - short == pytest.approx(0.7, abs=0.1)


def test_a_pause_after_words_that_cannot_be_answered_is_waited_on_longer(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    speech_seconds = len(question) / RATE
    audio = np.concatenate([silence(1.0), question, silence(3.0)])
    asked: list[bool] = []

    def unsure() -> bool:
        asked.append(True)
        return True

    events = run(audio, detector, unsure=unsure)
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    assert len(asked) == 1, "asked once a pause, when it would end the question"
    assert events[-1].reason is EndReason.SILENCE
    assert events[-1].at == pytest.approx(1.0 + speech_seconds + 1.5, abs=0.15)
    sure = run(audio, detector, unsure=lambda: False)
    assert sure[-1].at == pytest.approx(1.0 + speech_seconds + 0.5, abs=0.15)
    none = run(audio, detector, unsure=unsure, end_silence_unsure_seconds=0.0)
    assert none[-1].at == sure[-1].at, "0 waits for nothing more"


def test_a_visitor_who_goes_on_within_the_longer_wait_is_one_utterance(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    audio = np.concatenate([silence(0.5), question, silence(1.2), question, silence(2.0)])
    asked: list[bool] = []

    def unsure() -> bool:
        asked.append(True)
        return len(asked) == 1  # the first half unsure, the whole question answered

    events = run(audio, detector, unsure=unsure)
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    assert len(asked) == 2
    last_voice = 0.5 + 2 * len(question) / RATE + 1.2
    assert events[-1].at == pytest.approx(last_voice + 0.5, abs=0.15)
    assert [e.kind for e in run(audio, detector, unsure=lambda: False)] == [
        Boundary.START,
        Boundary.END,
    ] * 2


def test_two_questions_with_a_pause_between_are_two_utterances(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    audio = np.concatenate([silence(0.5), question, silence(1.5), question, silence(1.0)])
    kinds = [e.kind for e in run(audio, detector)]
    assert kinds == [Boundary.START, Boundary.END, Boundary.START, Boundary.END]


def test_a_monologue_is_cut_at_the_maximum_length(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    audio = np.concatenate([silence(0.5), question, question, silence(1.0)])
    events = run(audio, detector, max_utterance_seconds=1.5)
    start, end = events[0], events[1]
    assert end.reason is EndReason.MAX_LENGTH
    assert end.at - start.at == pytest.approx(1.5, abs=0.1)


def test_boundaries_do_not_depend_on_chunk_size(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    audio = np.concatenate([silence(0.7), question, silence(1.5)])
    tiny = [(e.kind, e.at, e.reason) for e in run(audio, detector, chunk=160)]
    whole = [(e.kind, e.at, e.reason) for e in run(audio, detector, chunk=len(audio))]
    odd = [(e.kind, e.at, e.reason) for e in run(audio, detector, chunk=1234)]
    assert tiny == whole == odd


def test_the_start_carries_the_audio_just_before_it(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    audio = np.concatenate([silence(1.0), question, silence(1.0)])
    start = run(audio, detector)[0]
    assert start.frames[0].timestamp <= start.at - 0.25
    # Frames are consecutive: nothing is lost or repeated between pre-roll and speech.
    stamps = [frame.timestamp for frame in start.frames]
    frame_seconds = Endpointer(VadSettings(detector=detector)).frame_seconds
    assert np.allclose(np.diff(stamps), frame_seconds)


def test_silence_and_faint_hiss_are_not_speech(detector: str) -> None:
    rng = np.random.default_rng(1)
    hiss = (rng.standard_normal(RATE * 3) * 0.001).astype(np.float32)
    assert run(np.concatenate([silence(2.0), hiss]), detector) == []


@pytest.mark.parametrize("exponent", [1.0, 2.0], ids=["pink", "brown"])
def test_in_a_noisy_room_a_question_still_ends_after_half_a_second_of_silence(
    question: npt.NDArray[np.float32], exponent: float, detector: str
) -> None:
    # A voice at -18 dBFS over steady noise 12 dB below it, noise before and after: the
    # kiosk must not take the noise for a voice that never stops.
    speech = np.concatenate([silence(4.0), at_level(question, -18.0), silence(4.0)])
    audio = speech + coloured_noise(len(speech) / RATE, exponent, -30.0, seed=3)
    speech_end = (4.0 * RATE + len(question)) / RATE
    events = run(audio, detector)
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    start, end = events
    assert start.at == pytest.approx(4.0, abs=0.3)
    assert end.reason is EndReason.SILENCE
    assert speech_end + 0.3 <= end.at <= speech_end + 0.6
    # Without the room's background, the same noise is heard as speech.
    unaware = run(audio, detector, noise_margin_db=None, max_utterance_seconds=30.0)
    assert [(e.kind, e.at) for e in unaware] != [(e.kind, e.at) for e in events]


def test_steady_noise_alone_starts_no_utterance(detector: str) -> None:
    for exponent in (0.0, 1.0, 2.0):
        assert run(coloured_noise(8.0, exponent, -30.0, seed=5), detector) == [], exponent


def test_the_background_falls_at_once_and_rises_only_after_its_window() -> None:
    floor = NoiseFloor(window_frames=10)
    quiet, loud = 100.0, 10_000.0
    for _ in range(20):
        level = floor.update(loud)
    assert level == pytest.approx(loud)
    for _ in range(5):
        level = floor.update(quiet)
    assert level < loud / 5
    for _ in range(9):
        level = floor.update(loud)
    assert level < loud / 2, "a voice that goes on does not lift the floor within the window"
    for _ in range(20):
        level = floor.update(loud)
    assert level == pytest.approx(loud, rel=0.01)


def test_the_endpointer_says_how_loud_the_room_is() -> None:
    endpointer = Endpointer(VadSettings())
    assert endpointer.background_dbfs is None, "nothing heard yet"
    for piece in chunks_from_array(coloured_noise(3.0, 1.0, -30.0, seed=7), RATE):
        endpointer.push(piece)
    background = endpointer.background_dbfs
    assert background is not None and -36.0 < background < -29.0
    for piece in chunks_from_array(silence(6.0), RATE):
        endpointer.push(piece)
    assert endpointer.background_dbfs == -120.0, "a silent room, once the noise is 5 s gone"
    unaware = Endpointer(VadSettings(noise_margin_db=None))
    unaware.push(next(iter(chunks_from_array(silence(1.0), RATE))))
    assert unaware.background_dbfs is None


@pytest.mark.parametrize("exponent", [1.0, 2.0], ids=["pink", "brown"])
@pytest.mark.parametrize("hearing", ["silero", "webrtc+silero"])
def test_noise_that_starts_with_the_voice_does_not_hold_the_question_open(
    question: npt.NDArray[np.float32], exponent: float, hearing: str
) -> None:
    # A bus passes as the visitor speaks: noise 12 dB below the voice starts with it and goes
    # on 1.5 s after it, in a room that was silent before. The room's background has not
    # caught up with the noise, so only the detector can tell the voice from it.
    voice = at_level(question, -18.0)
    noise_seconds = len(voice) / RATE + 1.5
    noisy = np.concatenate([voice, silence(1.5)]) + coloured_noise(
        noise_seconds, exponent, -30.0, seed=4
    )
    audio = np.concatenate([silence(2.0), noisy, silence(2.0)])
    speech_end = 2.0 + len(voice) / RATE
    noise_end = 2.0 + noise_seconds

    events = run(audio, hearing)
    assert [e.kind for e in events] == [Boundary.START, Boundary.END]
    assert events[1].at <= speech_end + 0.5 + 0.35, "the question ends soon after the voice"
    # webrtcvad takes the noise for speech until the noise stops.
    webrtc = run(audio, "webrtc")
    assert webrtc[-1].at >= noise_end


@pytest.mark.parametrize("exponent", [1.0, 2.0], ids=["pink", "brown"])
def test_a_burst_of_noise_in_a_quiet_room_is_no_question_where_silero_listens(
    exponent: float, detector: str
) -> None:
    # A trolley rolls past the kiosk: 1.5 s of noise in a silent room, nobody speaking.
    audio = np.concatenate(
        [silence(2.0), coloured_noise(1.5, exponent, -24.0, seed=6), silence(2.0)]
    )
    started = [e for e in run(audio, detector) if e.kind is Boundary.START]
    if "silero" in detector:
        assert started == []
    else:
        assert len(started) == 1, "webrtcvad takes a burst of noise for a voice"


def telephone_band(samples: npt.NDArray[np.float32], dbfs: float) -> npt.NDArray[np.float32]:
    """``samples`` as a cheap microphone hears them (nothing below 300 Hz or above 3.4 kHz),
    at ``dbfs``."""
    spectrum = np.fft.rfft(samples)
    frequencies = np.fft.rfftfreq(len(samples), 1.0 / RATE)
    spectrum[(frequencies < 300.0) | (frequencies > 3400.0)] = 0.0
    return at_level(np.fft.irfft(spectrum, len(samples)).astype(np.float32), dbfs)


def test_a_telephone_band_question_is_one_utterance(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    narrow = telephone_band(question, -24.0)
    audio = np.concatenate([silence(1.0), narrow, silence(2.0)])
    assert [e.kind for e in run(audio, detector) if e.kind is not Boundary.SPEECH] == [
        Boundary.START,
        Boundary.END,
    ]


def test_a_quiet_voice_is_heard_after_minutes_of_silence(
    question: npt.NDArray[np.float32], detector: str
) -> None:
    # A kiosk waits in a quiet room for minutes between visitors; a cheap narrow-band
    # microphone and a soft voice. silero's memory drifted in such a wait until it missed
    # such a question (it heard it after two seconds of quiet).
    narrow = telephone_band(question, -30.0)
    audio = np.concatenate([silence(150.0), narrow, silence(2.0)])
    starts = [e for e in run(audio, detector, chunk=4800) if e.kind is Boundary.START]
    assert len(starts) == 1


@pytest.mark.parametrize("hearing", ["webrtc+silero", "webrtc"])
def test_a_recorded_telephone_question_is_heard_after_minutes_of_silence(hearing: str) -> None:
    # The question the kiosk soak lost: flite's awb voice through a telephone-band
    # microphone, 100 s after the last sound.
    clip = (
        ROOT / "audio_fixtures" / "knots" / "eval2" / "none__hip-stretch__flite-awb__telephone.flac"
    )
    voice = join(read_audio(clip))
    audio = np.concatenate([silence(100.0), voice, silence(2.0)])
    starts = [e for e in run(audio, hearing, chunk=4800) if e.kind is Boundary.START]
    assert len(starts) == 1


def test_the_voice_detector_is_the_one_the_settings_name() -> None:
    assert VadSettings().detector == "webrtc+silero"
    assert VoiceDetector(detector="silero").frame_samples == 512
    assert VoiceDetector(detector="webrtc").frame_samples == 480
    assert VoiceDetector(detector="webrtc+silero").frame_samples == 480
    with pytest.raises(ValueError, match="unknown voice detector 'rnnoise'"):
        VoiceDetector(detector="rnnoise")
