"""The kiosk's own voice taken out of what the microphone hears while it speaks.

The room is made with sox: the reply, reverberated and 40 ms late, is what the microphone
hears of the speaker; voices are spoken by espeak-ng. The canceller is speexdsp's, and "stop"
is heard by the real whisper model.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from typing import cast

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.asr import Recognizer, Transcript
from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import RATE, AudioChunk, chunks_from_array, float_to_pcm16
from knotvoice.kiosk import echo
from knotvoice.kiosk.barge_in import BargeIn, answer_in
from knotvoice.kiosk.capture import Capture
from knotvoice.kiosk.echo import FRAME, LEAD_SECONDS, EchoCanceller, Reference
from knotvoice.knowledge import Knowledge
from knotvoice.lang import english
from knotvoice.settings import ListenSettings
from knotvoice.speech.reply import spoken_answer
from knotvoice.turn import FOLLOW_UPS_TO_REPLY, command_of
from script_modules import load_script

bench = load_script("barge_in_bench")

Audio = npt.NDArray[np.float32]

REPLY = (
    "Most knots are in your upper back and shoulder area. They feel tighter and denser than "
    "the muscles around them, like a knot in a rope. Heat, massage and gentle stretching help."
)


@pytest.fixture(scope="module")
def speak() -> Callable[[str, str], Audio]:
    """``text`` spoken by espeak-ng's ``voice`` as 16 kHz samples, made once each."""
    made: dict[tuple[str, str], Audio] = {}

    def said(text: str, voice: str) -> Audio:
        if (text, voice) not in made:
            made[(text, voice)] = bench.spoken("espeak-ng", voice, text)
        return made[(text, voice)]

    return said


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
    speak: Callable[[str, str], Audio],
) -> None:
    reply = speak(REPLY, "en-gb")
    echo = bench.through_the_room(reply)
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


@pytest.mark.parametrize("loudness_db", [-6.0, 0.0])
def test_stop_is_heard_over_the_kiosk_s_own_voice(
    speak: Callable[[str, str], Audio], whisper: WhisperRecognizer, loudness_db: float
) -> None:
    reply = speak(REPLY, "en-gb")
    heard = bench.through_the_room(reply) * np.float32(10 ** (loudness_db / 20))
    stop = speak("Okay, stop.", "en-us")
    at = 3 * RATE  # three seconds into the reply

    spotter = whisper.spotter(english().barge_in)
    echo_alone = bench.listen_over(reply, heard.copy(), spotter, ListenSettings())
    heard[at : at + len(stop)] += stop
    result = bench.listen_over(reply, heard, spotter, ListenSettings())

    assert result.cut, result.texts
    assert any("stop" in text.lower() for text in result.texts), result.texts
    assert not echo_alone.cut, f"the kiosk's own voice cut itself short: {echo_alone.texts}"


@pytest.mark.parametrize(("placed_at", "quieter_db"), [(0.3, 10.0), (0.0, None)])
def test_a_late_speaker_s_echo_goes_when_the_reply_is_placed_by_its_latency(
    speak: Callable[[str, str], Audio], placed_at: float, quieter_db: float | None
) -> None:
    # A sound server's buffer puts the reply 0.3 s behind what the kiosk handed it: more
    # than the canceller's tail, so the reply must be placed on the microphone's clock by
    # the speaker's latency.
    reply = speak(REPLY, "en-gb")
    late = round(0.3 * RATE)
    echo = np.concatenate([np.zeros(late, np.float32), bench.through_the_room(reply)])
    echo = echo[: len(reply)]
    reference = Reference(list(chunks_from_array(reply, RATE)), started=placed_at)
    with EchoCanceller() as canceller:
        left = np.concatenate(
            [
                reference.clean(canceller, chunk).to_float()
                for chunk in chunks_from_array(echo, RATE, 480)
            ]
        )
    settled = slice(2 * RATE, len(reply))
    if quieter_db is not None:
        assert decibels(left[settled]) < decibels(echo[settled]) - quieter_db
    else:
        assert decibels(left[settled]) > decibels(echo[settled]) - 6.0


def test_the_reply_is_placed_by_what_the_microphone_holds_and_the_speaker_s_latency(
    whisper: WhisperRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed: list[float] = []

    class Placed(Reference):
        def __init__(self, reply: list[AudioChunk], started: float) -> None:
            placed.append(started)
            super().__init__(reply, started)

    class Holding(bench.Room):  # type: ignore[misc,name-defined]
        queued_seconds = 0.25

    monkeypatch.setattr("knotvoice.kiosk.barge_in.Reference", Placed)
    silence = np.zeros(RATE, np.float32)
    capture = Capture(Holding(silence), ListenSettings(), threading.Event(), print, lambda: None)
    barge_in = BargeIn(ListenSettings(), whisper, None, lambda _event: None, print)
    reply = [AudioChunk(float_to_pcm16(silence))]

    barge_in.watch(bench.Playing(latency=0.1), capture, 0.5, reply)

    assert placed == [pytest.approx(0.35)]


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


def test_a_failing_canceller_costs_the_reply_its_cancelling_not_the_stop(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: Reference, canceller: EchoCanceller, chunk: AudioChunk) -> AudioChunk:
        raise RuntimeError("the echo canceller is closed")

    monkeypatch.setattr(Reference, "clean", broken)
    reply = speak(REPLY, "en-gb")
    heard = np.zeros(len(reply), np.float32)
    stop = speak("Okay, stop.", "en-us")
    heard[3 * RATE : 3 * RATE + len(stop)] += stop
    failures: list[tuple[str, BaseException]] = []
    capture = Capture(bench.Room(heard), ListenSettings(), threading.Event(), print, lambda: None)
    barge_in = BargeIn(
        ListenSettings(),
        whisper.spotter(english().barge_in),
        None,
        lambda _event: None,
        lambda stage, error: failures.append((stage, error)),
    )
    playback = bench.Playing()
    reply_chunks = list(chunks_from_array(reply, RATE))

    assert barge_in.watch(playback, capture, len(reply) / RATE, reply_chunks)
    assert playback.interrupted
    assert [stage for stage, _error in failures] == ["echo canceller"]


def test_an_answer_is_looked_for_in_words_the_did_you_mean_does_not_say_itself() -> None:
    # Heard over the kiosk asking "Is there no parking?", a "no" may be its own voice.
    assert answer_in(Transcript("No."), "Did you mean: Can a muscle knot be permanent?")
    assert not answer_in(Transcript("No."), "Did you mean: Is there no parking?")
    assert answer_in(Transcript("Yes."), "Did you mean: Is there no parking?")
    assert answer_in(Transcript("Yet.", alternatives=("Yes.",)), "Did you mean: Is it free?")
    # the visitor's voice and the kiosk's heard as one
    said = Transcript("Yes. In your upper back.")
    assert answer_in(said, "Did you mean: Is a knot in your upper back bad?") == "Yes."
    assert not answer_in(
        Transcript("Can a muscle knot be permanent?"),
        "Did you mean: Can a muscle knot be permanent?",
    )
    # Over an answer, a "say that again" in words it does not say itself
    over = FOLLOW_UPS_TO_REPLY
    assert answer_in(Transcript("Pardon?"), AGAIN, over) == "Pardon?"
    assert not answer_in(Transcript("Again."), AGAIN, over), "its own word, maybe its echo"
    assert not answer_in(Transcript("Yes."), AGAIN, over), "it asked nothing"


def listened_over(
    whisper: WhisperRecognizer,
    said: str,
    reply: Audio,
    heard: Audio,
    asks: str | None = None,
    settings: ListenSettings | None = None,
    *,
    latency: float = 0.0,
    spotter: Recognizer | None = None,
    to_its_end: bool = False,
) -> tuple[bool, BargeIn]:
    """The kiosk's barge-in listener over ``heard`` while ``reply`` (saying ``said``) plays
    with the speaker's ``latency``: whether the reply was cut, and the listener (its
    ``answer``, what it ``carried``). ``spotter`` hears each stretch (by default whisper's,
    as the kiosk's); ``to_its_end`` listens on over the echo tail, as the kiosk does."""
    settings = settings or ListenSettings()
    capture = Capture(bench.Room(heard), settings, threading.Event(), print, print)
    if spotter is None:
        spotter = whisper.spotter(english().barge_in)
    barge_in = BargeIn(settings, spotter, None, lambda _event: None, print, whisper)
    reply_chunks = list(chunks_from_array(reply, RATE))
    until = len(reply) / RATE + (settings.echo_tail_seconds if to_its_end else 0.0)
    cut = barge_in.watch(bench.Playing(latency), capture, until, reply_chunks, said=said, asks=asks)
    return cut, barge_in


@pytest.mark.parametrize("loudness_db", [-6.0, 0.0])
def test_a_yes_is_heard_over_the_did_you_mean_and_its_own_voice_is_no_answer(
    speak: Callable[[str, str], Audio], whisper: WhisperRecognizer, loudness_db: float
) -> None:
    asked = "Did you mean: Is a knot in your upper back something you should worry about?"
    reply = speak(asked, "en-gb")
    heard = bench.through_the_room(reply) * np.float32(10 ** (loudness_db / 20))
    yes = speak("Yes.", "en-us")

    def over(heard: Audio) -> BargeIn:
        return listened_over(whisper, asked, reply, heard, english().answer_prompt)[1]

    try:
        echo_alone = over(heard.copy())
        heard[2 * RATE : 2 * RATE + len(yes)] += yes
        answered = over(heard)
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert echo_alone.answer is None, "the kiosk's own voice is no answer"
    assert answered.answer is not None
    assert answered.answer.transcript.text.rstrip(".").lower() == "yes"
    assert answered.answer.start < len(reply) / RATE


@pytest.mark.parametrize(
    ("said", "command"), [("Say that again.", "repeat"), ("Slower, please.", "slower")]
)
def test_say_that_again_said_over_an_answer_cuts_it_short_to_be_answered(
    speak: Callable[[str, str], Audio], whisper: WhisperRecognizer, said: str, command: str
) -> None:
    # Over an answer only "stop" was listened for: a "say that again" was thrown away.
    reply = speak(REPLY, "en-gb")
    heard = bench.through_the_room(reply) * np.float32(10 ** (-6.0 / 20))
    request = speak(said, "en-us")
    heard[3 * RATE : 3 * RATE + len(request)] += request

    try:
        cut, barge_in = listened_over(whisper, REPLY, reply, heard)
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert cut, "the answer is cut short, to be said again at once"
    assert barge_in.answer is not None
    assert command_of(barge_in.answer.transcript.text) == command
    assert barge_in.answer.start < len(reply) / RATE


AGAIN = "Again? Yes: knots often come back, when what caused them goes on."
"""An answer that says "again" itself, alone."""


@pytest.mark.parametrize("loudness_db", [-6.0, 0.0])
@pytest.mark.parametrize("echo_cancel", [True, False])
@pytest.mark.parametrize(
    "said", [pytest.param(REPLY, id="answer"), pytest.param(AGAIN, id="saying-again")]
)
def test_the_kiosk_s_own_voice_does_not_ask_for_its_answer_again(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    said: str,
    echo_cancel: bool,
    loudness_db: float,
) -> None:
    # Its own "Again?" heard whole (``echo_cancel = false``) is no visitor's request.
    reply = speak(said, "en-gb")
    heard = bench.through_the_room(reply) * np.float32(10 ** (loudness_db / 20))
    settings = ListenSettings(echo_cancel=echo_cancel)

    try:
        _cut, barge_in = listened_over(whisper, said, reply, heard, settings=settings)
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert barge_in.answer is None, "the answer would start over by itself"


def with_its_echo(reply: Audio, late: float, loudness_db: float) -> Audio:
    """What the microphone hears of ``reply`` played ``late`` seconds late, and two seconds
    after it (the room's echo goes on)."""
    before = np.zeros(round(late * RATE), np.float32)
    room = bench.through_the_room(np.concatenate([before, reply, np.zeros(2 * RATE, np.float32)]))
    heard: Audio = room * np.float32(10 ** (loudness_db / 20))
    return heard


@pytest.mark.parametrize("latency", [0.0, 0.25])
@pytest.mark.parametrize("echo_cancel", [True, False])
@pytest.mark.parametrize("entry", ["massage-how-often", "find-knots", "knot-pain"])
def test_the_kiosk_s_own_last_words_are_no_question_begun_over_them(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    entry: str,
    echo_cancel: bool,
    latency: float,
) -> None:
    # Its own last words heard through the room (misheard by the spotter, "Body rotation.")
    # after the kiosk stopped listening over the reply, on a speaker that plays late.
    said = spoken_answer(knowledge.get(entry))
    reply = speak(said, "en-gb")
    heard = with_its_echo(reply, latency, 0.0)
    settings = ListenSettings(echo_cancel=echo_cancel)

    try:
        _cut, barge_in = listened_over(
            whisper, said, reply, heard, settings=settings, latency=latency, to_its_end=True
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert barge_in.carried == (), "its own last words would be answered as a question"


class Hears:
    """A spotter at the seam that hears every stretch as ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def stream(self) -> Hears:
        return self

    def accept(self, chunk: AudioChunk) -> None:
        return None

    def finish(self) -> Transcript:
        return Transcript(self.text)


def spotted_over_its_end(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    spotted: str,
    question: str,
    early: float,
) -> tuple[bool, BargeIn]:
    """``question`` begun ``early`` seconds before the end of ``REPLY`` in a silent room,
    every stretch heard by a spotter at the seam as ``spotted``: whether the reply was cut,
    and the listener (``listened_over``, on over the echo tail)."""
    reply = speak(REPLY, "en-gb")
    voice = speak(question, "en-us")
    heard = np.concatenate([with_its_echo(reply, 0.0, -60.0), np.zeros_like(voice)])
    at = len(reply) - round(early * RATE)
    heard[at : at + len(voice)] += voice
    spotter = cast(Recognizer, Hears(spotted))
    return listened_over(whisper, REPLY, reply, heard, spotter=spotter, to_its_end=True)


@pytest.mark.parametrize(
    ("spotted", "carried"),
    [("Massage and gentle stretching help.", False), ("How often should I massage it?", True)],
)
def test_what_is_heard_over_the_last_words_in_the_reply_s_own_words_alone_is_no_question(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    spotted: str,
    carried: bool,
) -> None:
    # Heard as the reply's own last words ("... massage and gentle stretching help."), it
    # may be their echo.
    question = "How often should I massage a knot?"
    _cut, barge_in = spotted_over_its_end(speak, whisper, spotted, question, 0.6)

    assert bool(barge_in.carried) is carried


@pytest.mark.parametrize(
    ("spotted", "carried"),
    [
        ("can I work enough out by myself?", True),
        ("Can I stop them coming back?", True),
        ("Okay, stop.", False),
        ("Please stop talking.", False),
        ("Wait, stop now.", False),
        ("Oh okay, please stop talking, thank you.", False),  # long, but a stop command
        ("Stop. Massage and gentle stretching help.", False),  # with its own last words
    ],
)
def test_a_question_begun_over_the_last_words_with_a_stop_s_word_in_it_is_no_stop(
    speak: Callable[[str, str], Audio],
    whisper: WhisperRecognizer,
    spotted: str,
    carried: bool,
) -> None:
    # "Can I work a knot out by myself at home?" begun half a second before the end of an
    # answer, heard by the spotter as "can I work enough out by myself?", was taken for a
    # "stop" and thrown away. A stop said there, heard with a word or two more, is a stop.
    question = "Can I work a knot out by myself at home?"
    cut, barge_in = spotted_over_its_end(speak, whisper, spotted, question, 0.5)

    assert bool(barge_in.carried) is carried
    assert cut is not carried, "a stop is a stop"


@pytest.mark.parametrize("loudness_db", [-6.0, 0.0])
def test_a_question_begun_over_the_last_words_is_handed_on_from_its_start(
    speak: Callable[[str, str], Audio], whisper: WhisperRecognizer, loudness_db: float
) -> None:
    # Heard over the answer, found to be no stop or "say that again", it was thrown away.
    reply = speak(REPLY, "en-gb")
    heard = with_its_echo(reply, 0.0, loudness_db)
    question = speak("How often should I massage a knot?", "en-us")
    at = len(reply) - round(0.6 * RATE)
    heard[at : at + len(question)] += question

    try:
        _cut, barge_in = listened_over(whisper, REPLY, reply, heard, to_its_end=True)
        carried = whisper.transcribe(barge_in.carried).text
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert barge_in.answer is None
    assert barge_in.carried[0].timestamp < at / RATE, "from its start"
    assert "often" in carried.lower() and "massage" in carried.lower(), carried


def test_a_reply_its_own_voice_cut_short_is_counted_by_the_benchmark(
    speak: Callable[[str, str], Audio],
) -> None:
    # The benchmark plays each answer whole with nobody speaking: a canceller new to the
    # room lets the kiosk's first words through, and what the spotter makes of them counts.
    def synthesize(text: str) -> list[AudioChunk]:
        return list(chunks_from_array(speak(text, "en-gb"), RATE))

    def heard_as(spotted: str) -> list[dict[str, object]]:
        spotter = cast(Recognizer, Hears(spotted))
        rows: list[dict[str, object]] = bench.run_own_voice(
            [REPLY], synthesize, spotter, ListenSettings()
        )
        return rows

    assert [(row["replies"], row["cut"]) for row in heard_as("Thank you.")] == [(1, 0), (1, 0)]
    cut = heard_as("And cancel, I think.")
    assert [(row["replies"], row["cut"]) for row in cut] == [(1, 1), (1, 1)]
    assert cut[1]["heard"] == ["And cancel, I think."]
