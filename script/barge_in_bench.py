"""Whether "stop" is heard while the kiosk speaks, for ``script/benchmark --barge-in``.

A reply (the first seven seconds of the knots FAQ's longest answer, in the kiosk's own voice)
plays; the microphone hears it through a room (sox's reverb, 40 ms late) at a level against
the visitor's voice, and three seconds in a visitor says a short phrase: a stop phrase, a
request to hear the answer again ("pardon?"), or something else. Each phrase is spoken by
several espeak-ng and flite voices. The kiosk's real barge-in listener (``BargeIn.watch``,
whisper's spotter, and the kiosk's whisper hearing again what may be a request) hears it,
once with the reply's echo taken out and once without. For each echo level it reports the
stops that cut the reply, the requests taken, the other phrases that cut it, how many
stretches the spotter recognised and how many were heard again, and the processor time that
took. Then every answer of the knowledge is played whole with nobody speaking, and the replies
its own voice cut short are counted: a canceller new to the room learns it over a reply's
first seconds, and meanwhile the kiosk's voice is heard as words.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knotvoice.asr import Recognizer, RecognizerStream, Transcript
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
from knotvoice.kiosk.barge_in import BargeIn
from knotvoice.kiosk.capture import Capture
from knotvoice.kiosk.events import Event, Heard
from knotvoice.settings import ListenSettings

Audio = npt.NDArray[np.float32]

STOPS = (
    "stop",
    "stop please",
    "okay, stop",
    "enough",
    "that's enough, thanks",
    "cancel",
    "be quiet",
    "please stop talking",
)
"""What a visitor says to cut a reply short."""
REQUESTS = ("say that again", "pardon?", "slower, please", "sorry, what?")
"""What a visitor says over a reply to have it said again (from the start, at once)."""
OTHERS = ("thank you", "hmm, okay", "yes")
"""What a visitor says over a reply that must not cut it."""
VOICES = (
    ("espeak-ng", "en-us"),
    ("espeak-ng", "en-gb-x-rp"),
    ("espeak-ng", "en-us+f2"),
    ("flite", "slt"),
    ("flite", "rms"),
    ("flite", "awb"),
)
"""(program, voice) of the visitors."""
ECHOES = (None, -6.0, 0.0)
"""Level of the kiosk's voice at the microphone against the visitor's, in dB (None: none)."""
OWN_ECHOES = (-6.0, 0.0)
"""Levels of the kiosk's voice at the microphone (as ``ECHOES``) at which whole replies are
heard with nobody speaking."""
SPEAKS_AT = 3.0
"""Seconds into the reply the visitor speaks."""
HEARD_FOR = 7.0
"""Seconds of the reply listened to (a stop, or not, is decided by then)."""
VOICE_PEAK = 0.5
"""Peak of a visitor's phrase (full scale 1)."""


def spoken(program: str, voice: str, text: str) -> Audio:
    """``text`` said by ``voice`` of espeak-ng or flite, 16 kHz, peaking at ``VOICE_PEAK``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "said.wav"
        if program == "flite":
            command = ["flite", "-voice", voice, "-t", text, "-o", str(path)]
        else:
            command = ["espeak-ng", "-v", voice, "-w", str(path), text]
        subprocess.run(command, check=True, timeout=60, capture_output=True)
        samples = join(read_audio(path))
    peak = float(np.abs(samples).max()) or 1.0
    result: Audio = (samples / peak * VOICE_PEAK).astype(np.float32)
    return result


def said_by_the_kiosk(synthesize: Callable[[str], Sequence[AudioChunk]], text: str) -> Audio:
    """``text`` in the kiosk's voice (``synthesize``), as 16 kHz samples."""
    chunks = synthesize(text)
    return join(chunks_from_array(join(chunks), chunks[0].rate if chunks else RATE))


def through_the_room(samples: Audio) -> Audio:
    """What a microphone hears of ``samples`` played by the kiosk's speaker: reverberated and
    40 ms late, as long as ``samples``."""
    with tempfile.TemporaryDirectory() as folder:
        dry, wet = Path(folder) / "dry.wav", Path(folder) / "wet.wav"
        write_wav(dry, [AudioChunk(float_to_pcm16(samples))])
        subprocess.run(
            ["sox", "-R", "-D", str(dry), str(wet), "reverb", "40", "50", "60", "pad", "0.04", "0"],
            check=True,
            timeout=60,
        )
        heard = join(read_audio(wet))
    return heard[: len(samples)]


class Room:
    """A microphone stand-in: ``heard`` in 30 ms chunks, then silence."""

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
    """A reply being played, as ``BargeIn`` sees it (it can only be stopped)."""

    rate = RATE
    frames = 0
    interrupted = False

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency

    error: DeviceError | None = None

    def done(self) -> bool:
        return self.interrupted

    def stop(self) -> None:
        self.interrupted = True

    def wait(self, timeout: float) -> bool:
        return True


class Counted:
    """The kiosk's recognizer, counting the stretches it hears again."""

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer
        self.name = recognizer.name
        self.streaming = recognizer.streaming
        self.heard = 0

    def stream(self) -> RecognizerStream:
        return self.recognizer.stream()

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        self.heard += 1
        return self.recognizer.transcribe(chunks)

    def spotter(self, words: Sequence[str]) -> Recognizer:
        return self.recognizer.spotter(words)

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        self.recognizer.bias(phrases, prompt)

    def expect(self, answers: str) -> None:
        self.recognizer.expect(answers)


@dataclass(frozen=True)
class Outcome:
    """What the listener made of one phrase over the reply."""

    cut: bool
    """The reply was cut short."""
    texts: tuple[str, ...]
    """What the spotter heard, stretch by stretch."""
    seconds: float
    """Processor time the listening took."""
    again: str | None = None
    """The request to say the reply again taken, as heard (None: none)."""
    heard_again: int = 0
    """Stretches heard again by the kiosk's recognizer."""


def listen_over(
    reply: Audio,
    heard: Audio,
    spotter: Recognizer,
    settings: ListenSettings,
    latency: float = 0.0,
    hearing: Recognizer | None = None,
    said: str = "",
) -> Outcome:
    """Run the kiosk's barge-in listener over ``heard`` while ``reply`` plays (on a speaker
    ``latency`` seconds behind), saying ``said``: a request to say it again is heard again
    by ``hearing``, the kiosk's recognizer (with none, by the spotter's hearing)."""
    events: list[Event] = []
    failures: list[BaseException] = []
    capture = Capture(Room(heard), settings, threading.Event(), failures.append, lambda: None)
    counted = Counted(hearing) if hearing is not None else None
    barge_in = BargeIn(
        settings,
        spotter,
        None,
        events.append,
        lambda _stage, error: failures.append(error),
        counted,
    )
    playback = Playing(latency)
    began = time.process_time()
    chunks = list(chunks_from_array(reply, RATE))
    cut = barge_in.watch(playback, capture, len(reply) / RATE, chunks, said=said)
    if failures:
        raise failures[0]
    texts = tuple(event.text for event in events if isinstance(event, Heard))
    again = barge_in.answer.transcript.text if barge_in.answer is not None else None
    heard_again = counted.heard if counted is not None else 0
    return Outcome(cut, texts, time.process_time() - began, again, heard_again)


@dataclass
class Tally:
    """One echo level, with or without the echo taken out."""

    stops: int = 0
    stops_cut: int = 0
    requests: int = 0
    requests_taken: int = 0
    others: int = 0
    others_cut: int = 0
    stretches: int = 0
    heard_again: int = 0
    seconds: float = 0.0
    missed: list[str] = field(default_factory=list)

    def add(self, phrase: str, result: Outcome) -> None:
        if phrase in STOPS:
            self.stops += 1
            self.stops_cut += result.cut
            if not result.cut:
                self.missed.append(" / ".join(result.texts) or "(nothing)")
        elif phrase in REQUESTS:
            self.requests += 1
            self.requests_taken += result.cut and result.again is not None
        else:
            self.others += 1
            self.others_cut += result.cut
        # Each request taken was a stretch the spotter recognised too.
        self.stretches += len(result.texts) + (result.again is not None)
        self.heard_again += result.heard_again
        self.seconds += result.seconds


def run_barge_in(
    reply_text: str,
    synthesize: Callable[[str], Sequence[AudioChunk]],
    spotter: Recognizer,
    settings: ListenSettings,
    log: Callable[[str], None] = lambda _message: None,
    voices: Sequence[tuple[str, str]] = VOICES,
    hearing: Recognizer | None = None,
) -> dict[str, Any]:
    """Every phrase in every voice over the reply at every echo level, with and without
    echo cancelling (see the module's doc); ``hearing`` is the kiosk's recognizer."""
    reply = said_by_the_kiosk(synthesize, reply_text)[: round(HEARD_FOR * RATE)]
    room = through_the_room(reply)
    tallies = {(echo, cancel): Tally() for echo in ECHOES for cancel in (True, False)}
    at = round(SPEAKS_AT * RATE)
    for program, voice in voices:
        log(f"{program} {voice}")
        for phrase in STOPS + REQUESTS + OTHERS:
            said = spoken(program, voice, phrase)
            for echo in ECHOES:
                heard = np.zeros(len(reply), np.float32)
                if echo is not None:
                    heard += room * np.float32(10 ** (echo / 20))
                end = min(len(heard), at + len(said))
                heard[at:end] += said[: end - at]
                for cancel in (True, False):
                    result = listen_over(
                        reply,
                        heard,
                        spotter,
                        replace(settings, echo_cancel=cancel),
                        hearing=hearing,
                        said=reply_text,
                    )
                    tallies[(echo, cancel)].add(phrase, result)
    return {
        "reply_seconds": round(len(reply) / RATE, 2),
        "voices": [f"{program} {voice}" for program, voice in voices],
        "rows": [
            {
                "echo_db": echo,
                "echo_cancel": cancel,
                "stops_cut": tally.stops_cut,
                "stops": tally.stops,
                "requests_taken": tally.requests_taken,
                "requests": tally.requests,
                "others_cut": tally.others_cut,
                "others": tally.others,
                "stretches": tally.stretches,
                "heard_again": tally.heard_again,
                "seconds": round(tally.seconds, 1),
                "missed": tally.missed,
            }
            for (echo, cancel), tally in tallies.items()
        ],
    }


def run_own_voice(
    answers: Sequence[str],
    synthesize: Callable[[str], Sequence[AudioChunk]],
    spotter: Recognizer,
    settings: ListenSettings,
    log: Callable[[str], None] = lambda _message: None,
    hearing: Recognizer | None = None,
) -> list[dict[str, Any]]:
    """Each of ``answers`` said whole through the room at each of ``OWN_ECHOES``, echo
    cancelling on, nobody speaking: for each level, how many replies cut themselves short
    (their own voice taken for a "stop" or a "say that again") and what was heard."""
    cuts: dict[float, list[str]] = {echo: [] for echo in OWN_ECHOES}
    for number, text in enumerate(answers, 1):
        log(f"reply {number} of {len(answers)}, nobody speaking")
        reply = said_by_the_kiosk(synthesize, text)
        room = through_the_room(reply)
        for echo, heard_then in cuts.items():
            heard = room * np.float32(10 ** (echo / 20))
            result = listen_over(reply, heard, spotter, settings, hearing=hearing, said=text)
            if result.cut:
                heard_then.append(result.again or " / ".join(result.texts) or "(nothing)")
    return [
        {"echo_db": echo, "replies": len(answers), "cut": len(heard), "heard": heard}
        for echo, heard in cuts.items()
    ]


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"a reply of {report['reply_seconds']} s; each phrase {SPEAKS_AT:.0f} s in, in "
        f"{len(report['voices'])} voices ({', '.join(report['voices'])})",
        "",
        f"{'kiosk at the mic':18} {'echo cancel':>11} {'stop heard':>11} {'again taken':>11} "
        f"{'others cut':>11} {'recognised':>11} {'heard again':>11} {'cpu':>8}",
    ]
    for row in report["rows"]:
        echo = "silent" if row["echo_db"] is None else f"{row['echo_db']:+.0f} dB"
        lines.append(
            f"{echo:18} {'on' if row['echo_cancel'] else 'off':>11} "
            f"{row['stops_cut']:>5} of {row['stops']:<3} "
            f"{row.get('requests_taken', 0):>5} of {row.get('requests', 0):<3} "
            f"{row['others_cut']:>5} of {row['others']:<3} {row['stretches']:>11} "
            f"{row.get('heard_again', 0):>11} {row['seconds']:>6.1f} s"
        )
    for row in report.get("own_voice", []):
        lines.append(
            f"nobody speaking, the kiosk at {row['echo_db']:+.0f} dB: {row['cut']} of "
            f"{row['replies']} whole replies cut themselves short"
            + "".join(f"\n  heard: {heard}" for heard in row["heard"])
        )
    lines += [
        "",
        "kiosk at the mic: its reply, through a room (sox reverb, 40 ms late), against the "
        "visitor's voice. stop heard: stop phrases that cut the reply; again taken: requests "
        "to hear it again that cut it to be said again; others cut: other phrases that cut it; "
        "recognised: stretches the spotter recognised; heard again: those the kiosk's "
        "recognizer heard again; cpu: processor time. nobody speaking: each of the "
        "knowledge's answers played whole, echo cancelling on; what the spotter heard of "
        "the kiosk's own voice that cut it.",
    ]
    return "\n".join(lines)
