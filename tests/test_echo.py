"""The kiosk's own voice taken out of what the microphone hears while it speaks.

The room is made with sox: the reply, reverberated and 40 ms late, is what the microphone
hears of the speaker; voices are spoken by espeak-ng. The canceller is speexdsp's, and "stop"
is heard by the real whisper model.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import (
    RATE,
    AudioChunk,
    chunks_from_array,
    float_to_pcm16,
    join,
    read_audio,
    write_wav,
)
from knotvoice.errors import DeviceError
from knotvoice.kiosk import echo
from knotvoice.kiosk.barge_in import BargeIn
from knotvoice.kiosk.capture import Capture
from knotvoice.kiosk.echo import FRAME, LEAD_SECONDS, EchoCanceller, Reference
from knotvoice.kiosk.events import Event, Heard
from knotvoice.lang import english
from knotvoice.settings import ListenSettings

Audio = npt.NDArray[np.float32]

REPLY = (
    "Most knots are in your upper back and shoulder area. They feel tighter and denser than "
    "the muscles around them, like a knot in a rope. Heat, massage and gentle stretching help."
)


@pytest.fixture(scope="module")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Audio]:
    """``text`` spoken by espeak-ng's ``voice`` as 16 kHz samples, peaking at half scale."""
    directory = tmp_path_factory.mktemp("voices")

    def said(text: str, voice: str) -> Audio:
        path = directory / f"{abs(hash((text, voice)))}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=60)
        samples = join(read_audio(path))
        scaled: Audio = (samples / np.abs(samples).max() * 0.5).astype(np.float32)
        return scaled

    return said


def through_the_room(samples: Audio, tmp_path: Path) -> Audio:
    """What a microphone hears of ``samples`` played by the kiosk's speaker."""
    dry, wet = tmp_path / "dry.wav", tmp_path / "wet.wav"
    write_wav(dry, [AudioChunk(float_to_pcm16(samples))])
    subprocess.run(
        ["sox", str(dry), str(wet), "reverb", "40", "50", "60", "pad", "0.04", "0"],
        check=True,
        timeout=60,
    )
    return join(read_audio(wet))


def cancelled(heard: Audio, played: Audio, block: int = 480) -> Audio:
    with EchoCanceller() as canceller:
        return np.concatenate(
            [
                canceller.clean(heard[at : at + block], played[at : at + block])
                for at in range(0, len(heard), block)
            ]
        )


def decibels(samples: Audio) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-20))


def test_the_kiosk_s_own_voice_is_taken_out_of_what_the_microphone_hears(
    speak: Callable[[str, str], Audio], tmp_path: Path
) -> None:
    reply = speak(REPLY, "en-gb")
    echo = through_the_room(reply, tmp_path)[: len(reply)]
    left = cancelled(echo, reply)
    settled = slice(2 * RATE, len(reply))  # after two seconds of the reply
    assert decibels(left[settled]) < decibels(echo[settled]) - 10.0


def test_a_voice_without_echo_comes_through_as_it_was(
    speak: Callable[[str, str], Audio],
) -> None:
    reply = speak(REPLY, "en-gb")
    visitor = speak("Stop, please. How often should I massage it?", "en-us")
    n = min(len(reply), len(visitor))
    left = cancelled(visitor[:n], reply[:n])
    # The canceller hands its samples on 10 ms (one frame) later; what it changes of a voice
    # it has no echo to take from stays far below the voice.
    change = left[FRAME:] - visitor[: n - FRAME]
    assert decibels(change) < decibels(visitor[:n]) - 10.0


def test_the_reference_is_the_reply_as_the_microphone_s_clock_sees_it() -> None:
    played = np.linspace(-0.5, 0.5, 22050, dtype=np.float32)  # one second at 22.05 kHz
    reply = [AudioChunk(float_to_pcm16(played), rate=22050)]
    reference = Reference(reply, started=2.0)
    before = AudioChunk(float_to_pcm16(np.zeros(480, np.float32)), timestamp=1.0)
    assert not reference.at(before).any(), "nothing was played before the reply"
    straddling = AudioChunk(
        float_to_pcm16(np.zeros(480, np.float32)), timestamp=2.0 - LEAD_SECONDS - 0.015
    )
    assert not reference.at(straddling)[:240].any()
    assert reference.at(straddling)[240:].any()
    middle = AudioChunk(float_to_pcm16(np.zeros(480, np.float32)), timestamp=2.5 - LEAD_SECONDS)
    assert reference.at(middle)[0] == pytest.approx(0.0, abs=0.01)
    after = AudioChunk(float_to_pcm16(np.zeros(480, np.float32)), timestamp=3.5)
    assert not reference.at(after).any(), "nothing is played after the reply"


class Room:
    """A microphone stand-in: what it hears is ``heard``, in 30 ms chunks, then silence."""

    def __init__(self, heard: Audio) -> None:
        self._chunks = list(chunks_from_array(heard, RATE, 480))
        self._read = 0

    def open(self, rescan: bool = False) -> None:
        return None

    def read(self) -> AudioChunk:
        at = self._read * 0.03
        chunk = self._chunks[self._read] if self._read < len(self._chunks) else None
        self._read += 1
        if chunk is None:
            return AudioChunk(float_to_pcm16(np.zeros(480, np.float32)), timestamp=at)
        return AudioChunk(chunk.audio, timestamp=at)

    def close(self) -> None:
        return None


class Playing:
    """A reply being played (the seam ``BargeIn`` stops)."""

    rate = RATE
    frames = 0
    interrupted = False
    error: DeviceError | None = None

    def done(self) -> bool:
        return self.interrupted

    def stop(self) -> None:
        self.interrupted = True

    def wait(self, timeout: float) -> bool:
        return True


@pytest.mark.parametrize("loudness_db", [-6.0, 0.0])
def test_stop_is_heard_over_the_kiosk_s_own_voice(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    tmp_path: Path,
    loudness_db: float,
) -> None:
    reply = speak(REPLY, "en-gb")
    heard = through_the_room(reply, tmp_path)[: len(reply)] * np.float32(10 ** (loudness_db / 20))
    stop = speak("Okay, stop.", "en-us")
    at = 3 * RATE  # three seconds into the reply
    heard[at : at + len(stop)] += stop
    events: list[Event] = []
    failures: list[BaseException] = []
    settings = ListenSettings()
    capture = Capture(Room(heard), settings, threading.Event(), failures.append, lambda: None)
    barge_in = BargeIn(
        settings,
        whisper.spotter(english().barge_in),
        None,
        events.append,
        lambda _stage, error: failures.append(error),
    )
    playback = Playing()
    reply_chunks = list(chunks_from_array(reply, RATE))

    cut = barge_in.watch(playback, capture, len(reply) / RATE, reply_chunks)

    assert not failures
    heard_texts = [event.text for event in events if isinstance(event, Heard)]
    assert cut and playback.interrupted, heard_texts
    assert any("stop" in text.lower() for text in heard_texts)


def test_without_the_library_the_kiosk_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing(name: str) -> ctypes.CDLL:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    echo._library.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            assert not echo.available()
            assert not echo.available()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "apt-get install libspeexdsp1" in warnings[0]
        with pytest.raises(RuntimeError, match="libspeexdsp"):
            EchoCanceller()
    finally:
        monkeypatch.undo()
        echo._library.cache_clear()
    assert echo.available()
