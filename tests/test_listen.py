"""The kiosk loop end to end: questions spoken into a capture device, answers out of a speaker.

The devices are real PortAudio devices backed by files (see ``alsa_devices``); recognition,
matching and speech are the real engines. Questions are spoken by espeak-ng and laid out with
silence between them long enough for the previous answer, as a visitor would wait for it.
"""

from __future__ import annotations

import io
import itertools
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from rapidfuzz import fuzz

from alsa_devices import DEFAULT_RATE, MIC, SPEAKER, FileDevices, bounded_listen, file_devices
from knotvoice.asr import Recognizer, Transcript, Word
from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import RATE, AudioChunk, chunks_from_array, float_to_pcm16, join, read_audio
from knotvoice.cli import main
from knotvoice.errors import DeviceError
from knotvoice.journal import Journal, read_turns
from knotvoice.kiosk.devices import refresh
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Failed,
    Heard,
    Listening,
    ListenSummary,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
    TimedOut,
)
from knotvoice.kiosk.inbox import Choice, Choose, Inbox
from knotvoice.kiosk.logbook import Logbook
from knotvoice.kiosk.loop import SpeechStage, listen
from knotvoice.kiosk.speaker import DeviceSpeaker, Finished, Playback, Speaker, WavSpeaker
from knotvoice.kiosk.triggers import EventTrigger, KeyTrigger, question_in, strip_wake_phrase
from knotvoice.knowledge import Knowledge
from knotvoice.lang import english
from knotvoice.match import Candidate, Decision, Match, MatchStage
from knotvoice.match.matcher import Matcher
from knotvoice.settings import (
    ListenSettings,
    MicrophoneSettings,
    SpeakerSettings,
    TriggerMode,
    VadSettings,
)
from knotvoice.speech.reply import did_you_mean, reply_text, spoken_answer
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import NEXT_VISITOR_SECONDS, Dialogue, Turn, Understood

Audio = npt.NDArray[np.float32]
FIXTURES = Path(__file__).resolve().parents[1] / "audio_fixtures"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Audio]:
    """Questions spoken by espeak-ng, as 16 kHz float samples (made once per text)."""
    directory = tmp_path_factory.mktemp("clips")
    made: dict[str, Audio] = {}

    def clip(text: str) -> Audio:
        if text not in made:
            path = directory / f"clip-{len(made)}.wav"
            subprocess.run(
                ["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(path), text],
                check=True,
                timeout=60,
            )
            made[text] = join(read_audio(path))
        return made[text]

    return clip


def silence(seconds: float) -> Audio:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def reply_seconds(synthesizer: Synthesizer, text: str) -> float:
    return sum(chunk.seconds for chunk in synthesizer.synthesize(text))


def answer_of(knowledge: Knowledge, entry_id: str) -> str:
    return spoken_answer(knowledge.get(entry_id))


class Recorder:
    """Collects events; optionally reacts to them (the way a test presses a button)."""

    def __init__(self, react: Callable[[Event], None] | None = None) -> None:
        self.events: list[Event] = []
        self._react = react

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if self._react is not None:
            self._react(event)

    def of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]

    def decisions(self) -> list[tuple[str, str | None]]:
        return [(e.decision, e.entry) for e in self.events if isinstance(e, Decided)]

    def finished(self) -> list[ReplyFinished]:
        return [e for e in self.events if isinstance(e, ReplyFinished)]


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[FileDevices]:
    with file_devices(tmp_path) as made:
        yield made


def run_on_devices(
    devices: FileDevices,
    audio: Audio,
    settings: ListenSettings,
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: SpeechStage,
    recorder: Recorder,
    trigger: EventTrigger | None = None,
    matcher: MatchStage | None = None,
) -> ListenSummary:
    # A long silent tail: the file device gives stale samples once in.raw runs out.
    devices.write_input(np.concatenate([audio, silence(60.0)]), RATE, DEFAULT_RATE)
    settings = replace(
        settings,
        microphone=MicrophoneSettings(device=MIC),
        idle_exit_seconds=settings.idle_exit_seconds or 30.0,
    )
    return bounded_listen(
        settings,
        whisper,
        Dialogue(matcher or Matcher(knowledge)),
        synthesizer,
        recorder,
        speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
        trigger=trigger,
    )


def test_spoken_questions_get_spoken_answers(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    questions = [
        ("How often should you massage a knot?", "massage-how-often"),
        ("Can you see inflammation on an MRI?", "mri-inflammation"),
        ("What is the wifi password?", None),
    ]
    parts = [silence(1.0)]
    for text, entry in questions:
        answer = (
            answer_of(knowledge, entry)
            if entry
            else reply_text(Match(Decision.REJECT, None, None, ""), knowledge)
        )
        parts += [clips(text), silence(reply_seconds(synthesizer, answer) + 3.0)]
    recorder = Recorder()
    summary = run_on_devices(
        devices,
        np.concatenate(parts),
        ListenSettings(max_turns=3),
        whisper,
        knowledge,
        synthesizer,
        recorder,
    )

    assert recorder.decisions() == [
        ("answer", "massage-how-often"),
        ("answer", "mri-inflammation"),
        ("reject", None),
    ]
    turned_away = [e for e in recorder.events if isinstance(e, Decided)][-1]
    assert turned_away.closest and turned_away.runner_up, "the screen shows their topics"
    assert turned_away.closest != turned_away.runner_up
    assert summary.turns == 3
    stamps = [event.at for event in recorder.events]
    assert stamps == sorted(stamps), "events come in audio-time order"
    assert [type(e) for e in recorder.events[:5]] == [
        Listening,
        SpeechStarted,
        Heard,
        Decided,
        ReplyStarted,
    ]

    # The replies are in the speaker's output, one after the other, and say the answers.
    finished = recorder.finished()
    answers = [e.answer for e in recorder.events if isinstance(e, Decided)]
    played = devices.output()
    assert len(finished) == 3
    assert len(played) == sum(e.frames for e in finished)
    offset = 0
    for event, answer in zip(finished, answers, strict=True):
        assert not event.interrupted
        reply = played[offset : offset + event.frames].astype(np.float32) / 32768.0
        offset += event.frames
        assert np.sqrt(np.mean(reply**2)) > 0.01, "the reply is not silent"
        heard = whisper.transcribe(chunks_from_array(reply, event.rate)).text
        assert fuzz.token_set_ratio(heard.lower(), answer.lower()) >= 70, (heard, answer)


def test_saying_stop_cuts_the_reply_short_and_the_kiosk_listens_on(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    long_answer = reply_seconds(synthesizer, answer_of(knowledge, "treat-knot"))
    # The reply goes on while "stop" is recognised, and the room echoes it: the microphone
    # then hears the kiosk's own words, which were answered ("to release the tension.") or
    # turned away. (File devices run ahead of real time: what the microphone holds is
    # always more than the 2 s at most let pass.)
    rate = synthesizer.synthesize("x")[0].rate
    own = join(chunks_from_array(join(synthesizer.synthesize("the trigger points.")), rate))
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How do you get rid of a knot in your upper back?"),
            silence(1.5),
            clips("Stop!"),
            silence(0.35),
            own,
            silence(3.0),
            clips("How often should you massage a knot?"),
        ]
    )
    recorder = Recorder()
    run_on_devices(
        devices, audio, ListenSettings(max_turns=2), whisper, knowledge, synthesizer, recorder
    )

    assert recorder.decisions() == [("answer", "treat-knot"), ("answer", "massage-how-often")]
    first, second = recorder.finished()
    started = recorder.of(ReplyStarted)[0]
    assert first.interrupted and not second.interrupted
    assert first.at - started.at < 4.0 < long_answer, "stopped right after the stop"
    barge = [e for e in recorder.of(Heard) if isinstance(e, Heard) and not e.accepted]
    assert barge and "stop" in barge[0].text.lower()
    assert barge[0].ended == "silence", "heard over the reply, it says why it ended too"
    questions = [e.text for e in recorder.of(Heard) if isinstance(e, Heard) and e.accepted]
    assert len(questions) == 2, f"its own words are no question: {questions}"


@pytest.mark.parametrize(
    ("said", "then"),
    [
        ("Yes.", "massage-how-often"),  # its answer
        ("No.", "treat-knot"),  # the other entry it was between, proposed in turn
    ],
)
def test_a_yes_or_no_said_before_the_did_you_mean_is_over_answers_it(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    said: str,
    then: str,
) -> None:
    # A "yes" said while "Did you mean: ...?" was still being read out was heard over it,
    # thrown away (no "stop" in it), and the kiosk then waited for the answer in silence.
    asked = did_you_mean(knowledge.get("massage-how-often"))
    reply = (
        spoken_answer(knowledge.get(then))
        if said == "Yes."
        else did_you_mean(knowledge.get(then), then=True)
    )
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            # The end of a question not answered outright is found after a second and a half.
            silence(VadSettings().end_silence_unsure_seconds + 0.5),
            clips(said),
            silence(reply_seconds(synthesizer, asked) + reply_seconds(synthesizer, reply)),
        ]
    )
    recorder = Recorder()
    try:
        run_on_devices(
            devices,
            audio,
            ListenSettings(max_turns=1, idle_exit_seconds=12.0),
            whisper,
            knowledge,
            synthesizer,
            recorder,
            matcher=Unsure(knowledge),
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.entry) for e in decided][:2] == [
        ("confirm", "massage-how-often"),
        ("answer" if said == "Yes." else "confirm", then),
    ]
    assert decided[1].answers_proposal
    heard = [e for e in recorder.of(Heard) if isinstance(e, Heard)]
    assert [(e.text.rstrip(".").lower(), e.accepted) for e in heard][1:] == [
        (said.rstrip(".").lower(), True)
    ]
    started = [e for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)]
    assert heard[1].start < started[0].at + started[0].seconds, "said over the did-you-mean"
    prompt, second, *_ = recorder.finished()
    assert prompt.interrupted, "it cuts the did-you-mean short, as a tap on Yes does"
    assert [e.text for e in started][:2] == [asked, reply]
    # What the visitor hears after the did-you-mean is the reply to their answer.
    played = devices.output()
    out = played[prompt.frames : prompt.frames + second.frames].astype(np.float32) / 32768.0
    spoken = whisper.transcribe(chunks_from_array(out, second.rate)).text
    assert fuzz.token_set_ratio(spoken.lower(), reply.lower()) >= 70, (spoken, reply)


@pytest.mark.parametrize(
    ("said", "then"), [("Say that again.", "repeat"), ("Slower, please.", "slower")]
)
def test_say_that_again_said_over_an_answer_says_it_again_at_once(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    said: str,
    then: str,
) -> None:
    # Said while the answer was still being read out, "say that again" was heard over it,
    # found to hold no "stop" and thrown away: the visitor heard the rest of an answer they
    # had lost the thread of, and had to ask once more after it.
    answer = answer_of(knowledge, "treat-knot")
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How do you get rid of a knot in your upper back?"),
            silence(2.0),  # the end of the question is found after half a second
            clips(said),
            silence(3 * reply_seconds(synthesizer, answer)),
        ]
    )
    recorder = Recorder()
    try:
        run_on_devices(
            devices,
            audio,
            ListenSettings(idle_exit_seconds=8.0),
            whisper,
            knowledge,
            synthesizer,
            recorder,
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert recorder.decisions() == [("answer", "treat-knot"), (then, None)]
    heard = [e for e in recorder.of(Heard) if isinstance(e, Heard) and e.accepted]
    started = [e for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)]
    over = started[0].at + started[0].seconds
    assert heard[1].start < over, "said over the answer"
    assert started[1].at < over, "said again at once, not after the rest of it"
    assert [e.text for e in started] == [answer, answer]
    cut, again = recorder.finished()
    assert cut.interrupted and not again.interrupted
    # The visitor hears the answer begun, then the whole answer (slower, if asked).
    played = devices.output()
    assert len(played) == cut.frames + again.frames
    first = played[: cut.frames].astype(np.float32) / 32768.0
    second = played[cut.frames :].astype(np.float32) / 32768.0
    begun = whisper.transcribe(chunks_from_array(first, cut.rate)).text
    whole = whisper.transcribe(chunks_from_array(second, again.rate)).text
    assert fuzz.partial_ratio(begun.lower(), answer.lower()) >= 70, (begun, answer)
    assert fuzz.token_set_ratio(whole.lower(), answer.lower()) >= 70, (whole, answer)
    if then == "slower":
        assert started[1].seconds > started[0].seconds * 1.2


def test_say_that_again_over_the_last_answer_of_a_run_says_it_again(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # With `--max-turns 1`, "say that again" heard over the one answer cut it short and the
    # run ended there: the visitor heard half an answer and silence.
    answer = answer_of(knowledge, "treat-knot")
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How do you get rid of a knot in your upper back?"),
            silence(2.0),
            clips("Say that again."),
            silence(2 * reply_seconds(synthesizer, answer)),
        ]
    )
    recorder = Recorder()
    try:
        summary = run_on_devices(
            devices,
            audio,
            ListenSettings(max_turns=1),
            whisper,
            knowledge,
            synthesizer,
            recorder,
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert recorder.decisions() == [("answer", "treat-knot"), ("repeat", None)]
    assert [e.text for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)] == [
        answer,
        answer,
    ]
    cut, again = recorder.finished()
    assert cut.interrupted and not again.interrupted, "the answer is said again whole"
    assert len(devices.output()) == cut.frames + again.frames
    assert summary.turns == 1, "a repeat is no question"


KNOT_IN_BACK = "How do you get rid of a knot in your upper back?"
HOW_OFTEN = "How often should you massage a knot?"


def begun_over_its_end(
    clips: Callable[[str], Audio],
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    question: str,
    then: str,
    early: float,
) -> Audio:
    """``question`` (one the knots FAQ's ``treat-knot`` answers), then ``then`` begun
    ``early`` seconds before the answer's end: the answer starts once half a second of
    silence ends the question."""
    seconds = reply_seconds(synthesizer, answer_of(knowledge, "treat-knot"))
    return np.concatenate(
        [
            silence(1.0),
            clips(question),
            silence(0.5 + seconds - early),
            clips(then),
            silence(seconds + 5.0),
        ]
    )


def test_say_that_again_begun_over_the_end_of_an_answer_is_heard_whole(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # Begun as the answer's last words played and ended after them, the request was heard
    # only up to the end of the reply: what was said after it was heard as a question of its
    # own ("again"), and the answer was not said again.
    answer = answer_of(knowledge, "treat-knot")
    # The request starts as its last words play and goes on past its echo tail.
    audio = begun_over_its_end(clips, synthesizer, knowledge, KNOT_IN_BACK, "Say that again.", 0.8)
    settings = ListenSettings(idle_exit_seconds=4.0)
    recorder = Recorder()
    try:
        run_on_devices(
            devices,
            audio,
            settings,
            whisper,
            knowledge,
            synthesizer,
            recorder,
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    started = [e for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)]
    over = started[0].at + started[0].seconds
    said = [e for e in recorder.of(Heard) if isinstance(e, Heard) and e.accepted][1]
    assert said.start < over, "begun over the answer's last words"
    assert said.at > over + settings.echo_tail_seconds, "ended after the kiosk stopped listening"
    assert recorder.decisions() == [("answer", "treat-knot"), ("repeat", None)]
    assert "again" in said.text.lower() and "say" in said.text.lower(), said.text
    assert [e.text for e in started] == [answer, answer]


@pytest.mark.parametrize(
    ("then", "early", "entry", "said"),
    [
        (HOW_OFTEN, 0.8, "massage-how-often", ("often", "massage")),
        (HOW_OFTEN, 1.2, "massage-how-often", ("often", "massage")),
        # a stop's word in it: taken for a "stop", it was thrown away with the answer's end
        ("How can I stop a knot from coming back?", 0.8, "wont-go-away", ("stop", "back")),
    ],
)
def test_a_question_begun_over_the_last_words_of_an_answer_is_answered(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    then: str,
    early: float,
    entry: str,
    said: tuple[str, str],
) -> None:
    # A visitor who asked their next question as the answer's last words played had it
    # heard over the answer, found to be no stop or "say that again" and thrown away: the
    # question was lost, or only its end was heard after the answer and turned away.
    audio = begun_over_its_end(clips, synthesizer, knowledge, KNOT_IN_BACK, then, early)
    recorder = Recorder()
    run_on_devices(
        devices,
        audio,
        ListenSettings(max_turns=2, idle_exit_seconds=4.0),
        whisper,
        knowledge,
        synthesizer,
        recorder,
    )

    started = [e for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)]
    over = started[0].at + started[0].seconds
    heard = [e for e in recorder.of(Heard) if isinstance(e, Heard) and e.accepted]
    assert heard[1].start < over, "begun over the answer's last words"
    assert all(word in heard[1].text.lower() for word in said), heard[1]
    assert recorder.decisions() == [("answer", "treat-knot"), ("answer", entry)]
    assert not any(e.interrupted for e in recorder.finished()), "the answer was said whole"


@pytest.mark.parametrize("follow_up", [6.0, 0.0])
def test_a_question_begun_over_an_answer_needs_the_wake_phrase_where_one_after_it_would(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    follow_up: float,
) -> None:
    # Begun over the answer's last words, it is a question said with no wake phrase: taken
    # in the follow-up window, not with `--follow-up 0` (no question without the phrase).
    woken = f"Hey kiosk, {KNOT_IN_BACK[0].lower()}{KNOT_IN_BACK[1:]}"
    audio = begun_over_its_end(clips, synthesizer, knowledge, woken, HOW_OFTEN, 0.8)
    settings = ListenSettings(
        mode=TriggerMode.WAKE, follow_up_seconds=follow_up, idle_exit_seconds=4.0
    )
    recorder = Recorder()
    run_on_devices(devices, audio, settings, whisper, knowledge, synthesizer, recorder)

    taken = [("answer", "massage-how-often")] if follow_up else []
    assert recorder.decisions() == [("answer", "treat-knot"), *taken]


def test_wake_phrase_then_follow_up_without_it(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    answer = reply_seconds(synthesizer, answer_of(knowledge, "massage-how-often"))
    settings = ListenSettings(mode=TriggerMode.WAKE, follow_up_seconds=6.0)
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),  # no wake phrase: ignored
            silence(2.0),
            clips("Hey kiosk, how often should you massage a knot?"),
            silence(answer + 1.5),
            clips("Could you repeat that?"),  # within the follow-up window
            silence(answer + 1.5 + 6.0 + 2.0),
            clips("How do you get rid of a knot in your upper back?"),  # window closed: ignored
        ]
    )
    recorder = Recorder()
    run_on_devices(devices, audio, settings, whisper, knowledge, synthesizer, recorder)

    assert recorder.decisions() == [("answer", "massage-how-often"), ("repeat", None)]
    replies = [e.text for e in recorder.of(ReplyStarted) if isinstance(e, ReplyStarted)]
    assert replies == [answer_of(knowledge, "massage-how-often")] * 2
    heard = [(e.accepted, e.text.lower()) for e in recorder.of(Heard) if isinstance(e, Heard)]
    assert [accepted for accepted, _ in heard] == [False, True, True, False]
    assert "rid of" in heard[-1][1]


def test_push_to_talk_stops_once_no_press_can_come() -> None:
    """Under a service manager a push-to-talk kiosk's standard input is /dev/null, or the
    button's program stops (crashed, its GPIO chip busy): the kiosk heard no question again
    and said nothing of why, then (its input's end only logged) went on deaf, its status
    well, never restarted. Each line read is a press; once the input ends, after the last
    press, it stops with an error saying why."""
    pipe = io.StringIO("17 falling\n")  # a press, as a GPIO monitor prints one
    trigger = KeyTrigger(pipe)
    deadline = time.monotonic() + 10
    while not trigger._ended.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trigger.poll()  # the press
    with pytest.raises(DeviceError) as raised:
        trigger.poll()
    assert str(raised.value).startswith(
        "--trigger push: standard input has ended, so no press can come (the button's program "
        "stopped; under a service with none it is /dev/null)"
    )
    assert "\n" not in str(raised.value)


def test_push_to_talk_answers_only_after_a_press(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    button = EventTrigger()
    answer = reply_seconds(synthesizer, answer_of(knowledge, "mri-inflammation"))
    audio = np.concatenate(
        [
            silence(1.0),
            clips("Can you see inflammation on an MRI?"),
            silence(answer + 12.0),
            clips("Where do you find the knots in your back?"),  # nobody pressed: not even heard
        ]
    )

    def press_when_listening(event: Event) -> None:
        if isinstance(event, Listening):
            button.press()

    recorder = Recorder(press_when_listening)
    settings = ListenSettings(mode=TriggerMode.PUSH, follow_up_seconds=5.0)
    run_on_devices(devices, audio, settings, whisper, knowledge, synthesizer, recorder, button)

    assert recorder.decisions() == [("answer", "mri-inflammation")]
    assert len(recorder.of(SpeechStarted)) == 1


class ClipSource:
    """A microphone stand-in at the loop's seam: plays an array, then silence.

    It can lose the device once after ``fail_after`` seconds and refuse ``refusals`` re-opens.
    """

    def __init__(self, audio: Audio, fail_after: float | None = None, refusals: int = 0) -> None:
        self._chunks = list(chunks_from_array(audio, RATE))
        self._position = 0
        self._fail_after = fail_after
        self._refusals = refusals
        self.opens = 0

    def open(self, rescan: bool = False) -> None:
        self.opens += 1
        if self.opens > 1 and self._refusals > 0:
            self._refusals -= 1
            raise DeviceError("audio device 0 'usb mic' is gone; plug it back in")

    def read(self) -> AudioChunk:
        at = self._position * 0.1
        if self._fail_after is not None and at >= self._fail_after:
            self._fail_after = None
            raise DeviceError("audio device 0 'usb mic' is gone; plug it back in")
        self._position += 1
        if self._position <= len(self._chunks):
            return AudioChunk(self._chunks[self._position - 1].audio, timestamp=at)
        return AudioChunk(float_to_pcm16(np.zeros(1600, np.float32)), timestamp=at)

    def close(self) -> None:
        return None


def test_a_lost_microphone_is_retried_and_logged_once(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    audio = np.concatenate(
        [silence(3.0), clips("How often should you massage a knot?"), silence(1.0)]
    )
    source = ClipSource(audio, fail_after=1.0, refusals=3)
    recorder = Recorder()
    settings = ListenSettings(max_turns=1, idle_exit_seconds=20.0, retry_first_seconds=0.001)
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        bounded_listen(
            settings,
            whisper,
            Dialogue(Matcher(knowledge)),
            synthesizer,
            recorder,
            microphone=source,
            speaker=WavSpeaker(tmp_path),
        )

    assert source.opens == 5
    assert [e.stage for e in recorder.events if isinstance(e, Failed)] == ["microphone"]
    assert len([r for r in caplog.records if "gone" in r.getMessage()]) == 1
    assert len(recorder.of(Listening)) == 2
    assert recorder.decisions() == [("answer", "massage-how-often")]
    assert (tmp_path / "reply-0001.wav").is_file()


@pytest.mark.parametrize("waits", [True, False])
def test_a_visitor_who_hesitates_mid_question_is_answered_the_whole_question(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    waits: bool,
) -> None:
    # "Can a knot" alone cannot be answered; a second's pause after it is a hesitation.
    first, second = voiced(clips("Can a knot")), voiced(clips("be dangerous?"))
    audio = np.concatenate([silence(1.0), first, silence(1.0), second, silence(1.0)])
    recorder = Recorder()
    vad = VadSettings() if waits else VadSettings(end_silence_unsure_seconds=0.0)
    settings = ListenSettings(vad=vad, max_turns=1, idle_exit_seconds=20.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    heard = [e for e in recorder.events if isinstance(e, Heard)]
    if waits:
        assert recorder.decisions() == [("answer", "dangerous")]
        assert "dangerous" in heard[0].text.lower()
        assert heard[0].at > 1.0 + (len(first) + len(second)) / RATE + 1.0, "heard to its end"
    else:
        # Ended at the first half second of the pause, as a kiosk not waiting does.
        assert recorder.decisions()[0][0] != "answer"
        assert "dangerous" not in heard[0].text.lower()


def test_a_visitor_who_hesitates_after_a_first_half_the_kiosk_would_answer_is_heard_whole(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # "Can I get rid of a knot by" alone is answered with the ways to treat a knot; its last
    # word shows that the visitor has not finished.
    first, second = (
        voiced(clips("Can I get rid of a knot by")),
        voiced(clips("pressing on it myself?")),
    )
    audio = np.concatenate([silence(1.0), first, silence(1.0), second, silence(1.0)])
    recorder = Recorder()
    settings = ListenSettings(max_turns=1, idle_exit_seconds=20.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    heard = [e for e in recorder.events if isinstance(e, Heard)]
    assert recorder.decisions() == [("answer", "self-release")]
    assert "myself" in heard[0].text.lower()


@pytest.mark.parametrize(
    ("said", "over"),
    [
        ("Can I buy a", False),
        ("Can I bring my...", False),
        ("How many times a week should I?", False),
        ("Is there, um", False),
        ("I've just moved to the area, can we?", False),
        ("how do i get to the", False),
        ("Can I, I wanna", False),
        ("How can I, can I?", False),
        ("How much is it?", True),
        ("Is it safe?", True),
        ("Can you do it?", True),
        ("Where am I?", True),
        ("I can rub out a knot myself, can I?", True),
        ("Knots in your back don't last, do they?", True),
        ("Hey kiosk", True),
        ("", True),
    ],
)
def test_words_that_show_a_question_is_not_over(said: str, over: bool) -> None:
    assert english().unfinished(said) is not over


class BrokenOnce:
    """A dialogue whose first step fails, as a bug in a stage would."""

    def __init__(self, dialogue: Dialogue) -> None:
        self._dialogue = dialogue
        self._calls = 0

    def understand(self, transcript: Transcript) -> Understood | None:
        return None

    def reset(self) -> None:
        self._dialogue.reset()

    def respond(
        self,
        transcript: Transcript,
        understood: Understood | None = None,
        follow_up: bool = True,
        *,
        after_reply: bool = True,
    ) -> Turn:
        self._calls += 1
        if self._calls == 1:
            raise RuntimeError("matcher exploded")
        return self._dialogue.respond(transcript, follow_up=follow_up, after_reply=after_reply)


def test_one_bad_turn_is_reported_and_the_loop_goes_on(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    question = clips("How often should you massage a knot?")
    answer = reply_seconds(synthesizer, answer_of(knowledge, "massage-how-often"))
    audio = np.concatenate([silence(1.0), question, silence(2.0), question, silence(answer)])
    recorder = Recorder()
    with caplog.at_level(logging.INFO, logger="knotvoice"):
        summary = bounded_listen(
            ListenSettings(max_turns=1, idle_exit_seconds=20.0),
            whisper,
            BrokenOnce(Dialogue(Matcher(knowledge))),
            synthesizer,
            recorder,
            microphone=ClipSource(audio),
            speaker=WavSpeaker(tmp_path),
        )

    failures = [e for e in recorder.events if isinstance(e, Failed)]
    assert [(e.stage, e.message) for e in failures] == [("dialogue", "matcher exploded")]
    assert recorder.decisions() == [("answer", "massage-how-often")]
    assert (summary.turns, summary.errors) == (1, 1)
    logged = [r for r in caplog.records if r.name == "knotvoice.kiosk.events"]
    assert not [r for r in logged if r.levelno >= logging.WARNING], (
        "the failure's own line is all the operator sees: no traceback"
    )
    (traceback,) = [r for r in logged if r.exc_info]
    assert traceback.levelno == logging.INFO, "a developer gets it with -v"


class Hanging:
    """A speech stage whose rendering hangs until it is let go, as espeak-ng's did."""

    def __init__(self) -> None:
        self.rendering = threading.Event()
        self.let_go = threading.Event()

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        self.rendering.set()
        self.let_go.wait(timeout=60.0)
        return []


def test_a_stop_while_a_reply_hangs_in_rendering_ends_the_kiosk_at_once(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
) -> None:
    audio = np.concatenate([silence(1.0), clips("How often should you massage a knot?")])
    voice = Hanging()
    stop = threading.Event()
    recorder = Recorder()
    summaries: list[ListenSummary] = []

    def run() -> None:
        summaries.append(
            listen(
                ListenSettings(idle_exit_seconds=20.0),
                whisper,
                Dialogue(Matcher(knowledge)),
                voice,
                recorder,
                microphone=ClipSource(audio),
                speaker=WavSpeaker(tmp_path),
                stop=stop,
            )
        )

    kiosk = threading.Thread(target=run, daemon=True)
    kiosk.start()
    try:
        assert voice.rendering.wait(timeout=60.0), "the question got to its reply"
        stop.set()  # SIGTERM
        kiosk.join(timeout=5.0)
        assert not kiosk.is_alive(), "the kiosk did not stop while the reply rendered"
    finally:
        voice.let_go.set()
    assert recorder.decisions() == [("answer", "massage-how-often")]
    assert not recorder.of(ReplyStarted) and not recorder.of(Failed), "a stop is no error"
    assert summaries[0].errors == 0


class BehindSource(ClipSource):
    """A microphone whose queue holds 0.8 s of audio the kiosk has not read."""

    queued_seconds = 0.8


def test_a_question_cut_at_the_longest_utterance_and_a_kiosk_behind_say_so(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    question = clips("How often should you massage a knot?")
    longest = 0.75 * 2 * len(question) / RATE
    ended = {}
    for said in ("once", "twice"):
        spoken = question if said == "once" else np.concatenate([question, question])
        recorder = Recorder()
        bounded_listen(
            ListenSettings(
                max_turns=1,
                idle_exit_seconds=15.0,
                vad=VadSettings(max_utterance_seconds=longest),
            ),
            whisper,
            Dialogue(Matcher(knowledge)),
            synthesizer,
            recorder,
            microphone=BehindSource(np.concatenate([silence(1.0), spoken, silence(15.0)])),
            speaker=WavSpeaker(tmp_path),
        )
        first = next(e for e in recorder.events if isinstance(e, Heard))
        ended[said] = first.ended
        assert first.to_dict()["behind_ms"] == 800.0
    assert ended == {"once": "silence", "twice": "max_length"}


@pytest.mark.parametrize(
    ("heard", "question"),
    [
        ("Hey kiosk, where do knots come from?", "where do knots come from?"),
        ("Hey, Kiosk. Where do knots come from?", "Where do knots come from?"),
        ("hey kiosks", ""),
        ("Where do knots come from?", None),
    ],
)
def test_the_wake_phrase_is_found_in_loose_spellings(heard: str, question: str | None) -> None:
    assert strip_wake_phrase(heard, "hey kiosk") == question


def test_the_question_after_the_wake_phrase_keeps_its_words_to_hear_again() -> None:
    said = "hey kiosk where do knots come from"
    timed = tuple(Word(word, 0.3 * n, 0.3 * n + 0.3, 0.9) for n, word in enumerate(said.split()))
    asked: list[str] = []

    def timing() -> tuple[Word, ...]:
        asked.append(said)
        return timed

    pending = Transcript(said, engine="whisper", timing=timing)
    question = question_in(pending, TriggerMode.WAKE, "hey kiosk", follow_up=False)
    assert question is not None and question.text == "where do knots come from"
    assert asked == [], "the timings wait until hearing again asks for them"
    assert [word.text for word in question.timed().words] == [
        "where",
        "do",
        "knots",
        "come",
        "from",
    ]
    given = question_in(
        replace(pending, words=timed, timing=None), TriggerMode.WAKE, "hey kiosk", False
    )
    assert given is not None and given.words == timed[2:]


def run_on_clips(
    audio: Audio,
    settings: ListenSettings,
    whisper: Recognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    recorder: Recorder,
    speaker: Speaker,
    trigger: EventTrigger | None = None,
    alive: Callable[[], None] | None = None,
    matcher: MatchStage | None = None,
    inbox: Inbox | None = None,
) -> ListenSummary:
    return bounded_listen(
        settings,
        whisper,
        Dialogue(matcher if matcher is not None else Matcher(knowledge)),
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=speaker,
        trigger=trigger,
        alive=alive,
        inbox=inbox,
    )


def after_an_answer(
    clips: Callable[[str], Audio], synthesizer: Synthesizer, knowledge: Knowledge, follow_up: str
) -> Audio:
    """A question about how often to massage a knot, its answer's time, then ``follow_up``."""
    answer = answer_of(knowledge, "massage-how-often")
    return np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(reply_seconds(synthesizer, answer) + 1.5),
            clips(follow_up),
            silence(1.0),
        ]
    )


@pytest.mark.parametrize("follow_up", [8.0, 0.0])
def test_the_wake_phrase_alone_invites_the_question(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    follow_up: float,
) -> None:
    # With no follow-up window (--follow-up 0) the kiosk said "Yes?" and then ignored the
    # question for want of the wake phrase: it waits --no-speech-timeout for it.
    audio = np.concatenate(
        [
            silence(1.0),
            clips("Hey kiosk!"),
            silence(2.5),
            clips("How often should you massage a knot?"),
            silence(1.0),
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(
        mode=TriggerMode.WAKE, follow_up_seconds=follow_up, max_turns=1, idle_exit_seconds=20.0
    )
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    replies = [e.text for e in recorder.events if isinstance(e, ReplyStarted)]
    assert replies == ["Yes?", answer_of(knowledge, "massage-how-often")]
    assert recorder.decisions() == [("answer", "massage-how-often")]


def test_a_question_a_second_after_the_wake_phrase_needs_no_invitation(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    wake, question = voiced(clips("Hey kiosk!")), voiced(clips("How often should I massage it?"))
    audio = np.concatenate([silence(1.0), wake, silence(1.0), question, silence(1.0)])
    recorder = Recorder()
    settings = ListenSettings(mode=TriggerMode.WAKE, max_turns=1, idle_exit_seconds=20.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    replies = [e.text for e in recorder.events if isinstance(e, ReplyStarted)]
    assert replies == [answer_of(knowledge, "massage-how-often")]


def test_slower_please_repeats_the_answer_more_slowly(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    audio = after_an_answer(clips, synthesizer, knowledge, "Speak more slowly.")
    recorder = Recorder()
    settings = ListenSettings(idle_exit_seconds=10.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    assert recorder.decisions() == [("answer", "massage-how-often"), ("slower", None)]
    first, second = (e for e in recorder.events if isinstance(e, ReplyStarted))
    assert first.text == second.text == answer_of(knowledge, "massage-how-often")
    assert second.seconds > first.seconds * 1.2


def test_slower_again_is_slower_still(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # A visitor who asked for "slower" twice heard the second at the speed of the first.
    answer = answer_of(knowledge, "massage-how-often")
    slow = sum(chunk.seconds for chunk in synthesizer.synthesize(answer, 120))
    audio = np.concatenate(
        [
            after_an_answer(clips, synthesizer, knowledge, "Speak more slowly."),
            silence(slow + 1.5),
            clips("Speak more slowly."),
            silence(1.0),
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(slow_rate=120, idle_exit_seconds=10.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    assert recorder.decisions() == [("answer", "massage-how-often")] + [("slower", None)] * 2
    first, second, third = (e for e in recorder.events if isinstance(e, ReplyStarted))
    assert first.text == second.text == third.text == answer
    assert second.seconds > first.seconds * 1.2
    assert third.seconds > second.seconds * 1.15


def test_a_key_press_stops_the_reply_at_once(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    key = EventTrigger()

    def press_when_speaking(event: Event) -> None:
        if isinstance(event, ReplyStarted):
            key.press()

    audio = np.concatenate([silence(1.0), clips("How often should you massage a knot?")])
    recorder = Recorder(press_when_speaking)
    settings = ListenSettings(max_turns=1, idle_exit_seconds=20.0)
    run_on_clips(
        audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path), key
    )

    (started,) = (e for e in recorder.events if isinstance(e, ReplyStarted))
    (finished,) = recorder.finished()
    assert finished.interrupted
    assert finished.at - started.at <= 0.11, "stopped within one chunk of audio"


def test_the_watchdog_hears_from_the_kiosk_while_it_speaks(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    speaking = threading.Event()
    signs_while_speaking: list[float] = []

    def follow(event: Event) -> None:
        if isinstance(event, ReplyStarted):
            speaking.set()
        elif isinstance(event, ReplyFinished):
            speaking.clear()

    def alive() -> None:
        if speaking.is_set():
            signs_while_speaking.append(time.monotonic())

    audio = np.concatenate([silence(1.0), clips("How often should you massage a knot?")])
    recorder = Recorder(follow)
    settings = ListenSettings(max_turns=1, idle_exit_seconds=20.0)
    speaker = WavSpeaker(tmp_path)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, speaker, None, alive)

    (started,) = (e for e in recorder.events if isinstance(e, ReplyStarted))
    assert started.seconds > 5.0
    # A reply longer than the watchdog's interval must not get the kiosk restarted.
    assert len(signs_while_speaking) >= started.seconds / 0.1 * 0.9


def test_a_press_with_nobody_speaking_times_out(
    tmp_path: Path,
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    button = EventTrigger()

    def press_when_listening(event: Event) -> None:
        if isinstance(event, Listening):
            button.press()

    recorder = Recorder(press_when_listening)
    settings = ListenSettings(
        mode=TriggerMode.PUSH, no_speech_timeout_seconds=3.0, idle_exit_seconds=6.0
    )
    summary = run_on_clips(
        silence(1.0),
        settings,
        whisper,
        knowledge,
        synthesizer,
        recorder,
        WavSpeaker(tmp_path),
        button,
    )

    (timeout,) = (e for e in recorder.events if isinstance(e, TimedOut))
    assert 3.0 <= timeout.at <= 3.2
    assert summary.turns == 0 and summary.seconds == pytest.approx(6.0, abs=0.1)


class UnpluggedSpeaker:
    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        raise DeviceError("audio device 1 'usb speaker' is gone; plug it back in")


def test_a_missing_speaker_costs_the_replies_but_is_logged_once(
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    question = clips("How often should you massage a knot?")
    audio = np.concatenate([silence(1.0), question, silence(2.0), question, silence(1.0)])
    recorder = Recorder()
    settings = ListenSettings(max_turns=2, idle_exit_seconds=20.0)
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        summary = run_on_clips(
            audio, settings, whisper, knowledge, synthesizer, recorder, UnpluggedSpeaker()
        )

    assert [e.stage for e in recorder.events if isinstance(e, Failed)] == ["speaker"] * 2
    assert len([r for r in caplog.records if "gone" in r.getMessage()]) == 1
    assert (summary.turns, summary.replies) == (2, 0)


class BrokenSpeaker:
    """A speaker that fails a second into each reply, as one pulled out mid-sentence would."""

    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        rate = chunks[0].rate
        return Finished(rate, rate, DeviceError("audio device 1 'usb speaker' is gone"))


class DeadSpeaker:
    """A speaker whose stream fails as it starts (its device taken by another program)."""

    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        return Finished(chunks[0].rate, 0, DeviceError("audio device 1 'usb speaker' is busy"))


def test_a_reply_the_speaker_failed_to_start_is_logged_as_failed(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reply whose playback failed as it started was told as one said silently, as with no
    sound device: `knotvoice status` said "speaker none (replies are not said aloud)" and
    the turn log had the question answered, with no error."""
    audio = np.concatenate([silence(1.0), clips("How often should you massage a knot?")])
    journal = Journal(tmp_path / "log")
    logbook = Logbook(journal, whisper.name, lambda: "knots.yaml@test")
    recorder = Recorder(logbook)
    settings = ListenSettings(max_turns=1, idle_exit_seconds=10.0)
    run_on_clips(
        np.concatenate([audio, silence(2.0)]),
        settings,
        whisper,
        knowledge,
        synthesizer,
        recorder,
        DeadSpeaker(),
    )
    logbook.close()

    (turn,) = read_turns(journal.directory)
    assert turn["decision"] == "answer"
    assert turn["error"] == "speaker: audio device 1 'usb speaker' is busy"
    assert [e.stage for e in recorder.events if isinstance(e, Failed)] == ["speaker"]
    # nothing is said: the screen shows no reply being spoken
    assert {e.aloud for e in recorder.events if isinstance(e, ReplyStarted)} == {False}
    assert main(["status", "--log-dir", str(journal.directory)]) == 0
    (line,) = (line for line in capsys.readouterr().out.splitlines() if line.startswith("speaker"))
    assert line.startswith("speaker       no reply played yet; failing since "), line


def test_a_question_asked_again_after_the_speaker_failed_is_answered(
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """The kiosk listened for "stop" for as long as the reply would have lasted had it played
    to the end: a visitor who heard it break off and asked again went unanswered."""
    question = clips("How often should you massage a knot?")
    answer = reply_seconds(synthesizer, answer_of(knowledge, "massage-how-often"))
    assert answer > 8.0
    audio = np.concatenate([silence(1.0), question, silence(3.0), question, silence(answer)])
    recorder = Recorder()
    settings = ListenSettings(max_turns=2, idle_exit_seconds=20.0)
    summary = run_on_clips(
        audio, settings, whisper, knowledge, synthesizer, recorder, BrokenSpeaker()
    )

    assert recorder.decisions() == [("answer", "massage-how-often")] * 2
    assert [e.stage for e in recorder.events if isinstance(e, Failed)] == ["speaker"] * 2
    assert summary.turns == 2


class OverAtOnce:
    """A reply on a sound device that has played it all before the kiosk looks (a file
    device, or a short reply on a fast one)."""

    def __init__(self, rate: int, frames: int) -> None:
        self.rate, self.frames, self.latency = rate, frames, 0.0
        self.interrupted, self.error = False, None
        over = Finished(rate, frames)  # over as it starts, but not only shown
        self.done, self.stop, self.wait = over.done, over.stop, over.wait


class FastSpeaker:
    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        return OverAtOnce(chunks[0].rate, sum(chunk.samples for chunk in chunks))


def test_a_reply_a_fast_device_played_at_once_was_said_aloud(
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """A reply played on a device that was through with it before the kiosk looked was told
    to the screen as not said aloud ("Shown, not spoken"), as if there were no speaker."""
    question = clips("How often should you massage a knot?")
    audio = np.concatenate([silence(1.0), question, silence(2.0)])
    recorder = Recorder()
    settings = ListenSettings(max_turns=1, idle_exit_seconds=10.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, FastSpeaker())

    assert recorder.decisions() == [("answer", "massage-how-often")]
    started = [e for e in recorder.events if isinstance(e, ReplyStarted)]
    assert [e.aloud for e in started] == [True]
    assert not [e for e in recorder.events if isinstance(e, Failed)]


class Rescanning(ClipSource):
    """A microphone stand-in that looks for the devices again when re-opened to, as the
    microphone does (PortAudio restarted): the speaker's devices are real."""

    def __init__(self, audio: Audio) -> None:
        super().__init__(audio)
        self.rescans = 0

    def open(self, rescan: bool = False) -> None:
        super().open(rescan)
        if rescan:
            refresh()
            self.rescans += 1


def test_a_speaker_plugged_back_in_says_the_reply_of_that_turn(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """The speaker is pulled out after the first answer and plugged back in while the third
    question is answered. PortAudio had looked for devices while it was out, so it did not
    know of it: the third reply was lost too, and only the next one played."""
    massage = answer_of(knowledge, "massage-how-often")
    mri = answer_of(knowledge, "mri-inflammation")
    asked_again = clips("Can you see inflammation on an MRI?")
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(reply_seconds(synthesizer, massage) + 3.0),
            asked_again,
            silence(3.0),
            asked_again,
            silence(reply_seconds(synthesizer, mri) + 3.0),
        ]
    )

    def pull_and_plug(event: Event) -> None:
        if isinstance(event, ReplyFinished) and len(recorder.finished()) == 1:
            devices.unplug()
        if isinstance(event, Decided) and len(recorder.decisions()) == 3:
            devices.plug_back()

    recorder = Recorder(pull_and_plug)
    source = Rescanning(audio)
    summary = bounded_listen(
        ListenSettings(max_turns=3, idle_exit_seconds=20.0),
        whisper,
        Dialogue(Matcher(knowledge)),
        synthesizer,
        recorder,
        microphone=source,
        speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
    )

    assert recorder.decisions() == [
        ("answer", "massage-how-often"),
        ("answer", "mri-inflammation"),
        ("answer", "mri-inflammation"),
    ]
    (failed,) = (e for e in recorder.events if isinstance(e, Failed))
    assert failed.stage == "speaker" and f"named like {SPEAKER!r}" in failed.message
    started = [e for e in recorder.events if isinstance(e, ReplyStarted)]
    assert [(e.text, e.aloud) for e in started] == [(massage, True), (mri, True)]
    assert summary.replies == 2 and source.rescans >= 2
    last = recorder.finished()[-1]
    played = devices.output()
    assert len(played) == sum(e.frames for e in recorder.finished())
    reply = played[len(played) - last.frames :].astype(np.float32) / 32768.0
    heard = whisper.transcribe(chunks_from_array(reply, last.rate)).text
    assert fuzz.token_set_ratio(heard.lower(), mri.lower()) >= 70, heard


def test_a_speaker_pulled_out_partway_says_the_reply_again_once_it_is_back(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real speaker device breaks off a second into the first answer and is there again
    at once: the visitor hears that answer again from its start. It breaks off in the second
    answer and stays out: the kiosk goes on, and answers the question asked again once it is
    plugged back in. Each failure is one warning, and `knotvoice status` says the speaker
    works again. Before, the rest of a reply cut off partway was lost, and status said the
    speaker had failed, as if it still did."""
    massage = answer_of(knowledge, "massage-how-often")
    mri = answer_of(knowledge, "mri-inflammation")
    asked_again = clips("Can you see inflammation on an MRI?")
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(2 * reply_seconds(synthesizer, massage) + 3.0),
            asked_again,
            silence(reply_seconds(synthesizer, mri) + 3.0),
            asked_again,
            silence(reply_seconds(synthesizer, mri) + 3.0),
        ]
    )
    cut_after = 40_000  # bytes: about a second of the reply
    journal = Journal(tmp_path / "log")
    logbook = Logbook(journal, whisper.name, lambda: "knots.yaml@test")

    def pull_and_plug(event: Event) -> None:
        logbook(event)
        failed = [e for e in recorder.events if isinstance(e, Failed)]
        if isinstance(event, Decided) and len(recorder.decisions()) == 2:
            devices.cut_next_reply(cut_after)
        if isinstance(event, Failed) and len(failed) == 2:
            devices.unplug()  # out before the kiosk looks for it again
        if isinstance(event, Decided) and len(recorder.decisions()) == 3:
            devices.plug_back()

    recorder = Recorder(pull_and_plug)
    with file_devices(tmp_path / "devices", cuttable=True) as devices:
        devices.cut_next_reply(cut_after)
        with caplog.at_level(logging.WARNING, logger="knotvoice"):
            summary = bounded_listen(
                ListenSettings(max_turns=3, idle_exit_seconds=40.0),
                whisper,
                Dialogue(Matcher(knowledge)),
                synthesizer,
                recorder,
                microphone=Rescanning(audio),
                speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
            )
        played = devices.output()

    assert recorder.decisions() == [
        ("answer", "massage-how-often"),
        ("answer", "mri-inflammation"),
        ("answer", "mri-inflammation"),
    ]
    started = [(e.text, e.aloud) for e in recorder.events if isinstance(e, ReplyStarted)]
    assert started == [(massage, True), (massage, True), (mri, True), (mri, True)]
    failed = [e for e in recorder.events if isinstance(e, Failed)]
    assert [e.stage for e in failed] == ["speaker"] * 2
    assert "'testspk' stopped working" in failed[0].message
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 2 and all(line.startswith("speaker: ") for line in warned), warned
    assert summary.turns == 3
    # The first answer, said again from its start and to its end.
    again = recorder.finished()[1]
    assert again.frames == pytest.approx(reply_seconds(synthesizer, massage) * again.rate, rel=0.02)
    cut = cut_after // 2
    reply = played[cut : cut + again.frames].astype(np.float32) / 32768.0
    heard = whisper.transcribe(chunks_from_array(reply, again.rate)).text
    assert fuzz.token_set_ratio(heard.lower(), massage.lower()) >= 70, heard
    assert heard.lower().split()[:2] == massage.lower().split()[:2], heard
    assert main(["status", "--log-dir", str(journal.directory)]) == 0
    out = capsys.readouterr().out
    (line,) = (line for line in out.splitlines() if line.startswith("speaker "))
    assert line.startswith("speaker       replies played; ok since "), out
    assert "(failed at " in line and "'testspk' stopped working" in line, line


class ClockJumpSpeaker(WavSpeaker):
    """A speaker during whose start the wall clock is set an hour forward, as NTP does on a
    Raspberry Pi without a real-time clock once the network comes up."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(directory)
        self._monkeypatch = monkeypatch

    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        real = time.time
        self._monkeypatch.setattr(time, "time", lambda: real() + 3600.0)
        return super().play(chunks)


def test_a_clock_set_forward_during_a_turn_does_not_count_as_reply_latency(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reply latency the turn log keeps (``knotvoice report``'s p50 and p95) is time that
    passed, whatever the clock on the wall was set to meanwhile."""
    audio = np.concatenate([silence(1.0), clips("How often should you massage a knot?")])
    recorder = Recorder()
    speaker = ClockJumpSpeaker(tmp_path, monkeypatch)
    settings = ListenSettings(max_turns=1, idle_exit_seconds=20.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, speaker)

    (started,) = [e for e in recorder.events if isinstance(e, ReplyStarted)]
    assert started.after_speech_ms is not None and 0 <= started.after_speech_ms < 60_000


class Recording:
    """A dialogue that keeps every transcript the loop gives it."""

    def __init__(self, dialogue: Dialogue) -> None:
        self._dialogue = dialogue
        self.heard: list[Transcript] = []

    def understand(self, transcript: Transcript) -> Understood | None:
        return self._dialogue.understand(transcript)

    def reset(self) -> None:
        self._dialogue.reset()

    def respond(
        self,
        transcript: Transcript,
        understood: Understood | None = None,
        follow_up: bool = True,
        *,
        after_reply: bool = True,
    ) -> Turn:
        self.heard.append(transcript)
        return self._dialogue.respond(transcript, understood, follow_up, after_reply=after_reply)


def test_the_kiosk_answers_from_what_the_recognizer_heard_in_full(
    tmp_path: Path,
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # The dialogue gets the whole transcript, so it can hear a question again against the
    # audio; the decision event names the question it was answered from.
    clip = join(read_audio(FIXTURES / "tuning" / "knot-pain__02__espeak-en-us-m7__slow.wav"))
    reply = reply_seconds(synthesizer, answer_of(knowledge, "knot-pain"))
    audio = np.concatenate([silence(1.0), clip, silence(reply + 2.0)])
    dialogue = Recording(Dialogue(Matcher(knowledge)))
    recorder = Recorder()
    summary = bounded_listen(
        ListenSettings(max_turns=1, idle_exit_seconds=20.0),
        whisper,
        dialogue,
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=WavSpeaker(tmp_path),
    )
    assert len(dialogue.heard) == 1
    assert dialogue.heard[0].fit is not None, "whisper can score readings"
    assert dialogue.heard[0].timed().words, "with its words and their confidences"
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [e.entry for e in decided] == ["knot-pain"]
    assert "knot" in decided[0].question.lower()
    assert summary.errors == 0


class Streaming:
    """A streaming recognizer at the loop's seam: asked before the end of the utterance it
    has heard ``so_far``, and at the end it hears ``final``."""

    name = "streaming"
    streaming = True

    def __init__(self, so_far: str, final: str) -> None:
        self.so_far, self.final = so_far, final

    def stream(self) -> Streaming:
        return self

    def accept(self, chunk: AudioChunk) -> None:
        return None

    def partial(self) -> str:
        return self.so_far

    def settle(self) -> str:
        return self.so_far

    def finish(self) -> Transcript:
        return Transcript(self.final, engine=self.name)

    def transcribe(self, chunks: object) -> Transcript:
        return self.finish()

    def spotter(self, words: Sequence[str]) -> Streaming:
        return Streaming("", "")

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        return None

    def expect(self, answers: str) -> None:
        return None


class Counting(Recording):
    """A dialogue that also keeps every text it is asked to work out."""

    def __init__(self, dialogue: Dialogue) -> None:
        super().__init__(dialogue)
        self.worked_out: list[str] = []

    def understand(self, transcript: Transcript) -> Understood | None:
        self.worked_out.append(transcript.text)
        return super().understand(transcript)


@pytest.mark.parametrize(
    ("so_far", "ahead"),
    [
        ("How often should you massage a knot?", True),
        ("How often should you massage", False),  # the last words came after the pause
        ("What causes knots in the upper back?", False),  # another entry's question
    ],
)
def test_a_streaming_recognizer_s_question_is_matched_during_the_pause(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    so_far: str,
    ahead: bool,
) -> None:
    # vosk has heard the question by the time the visitor pauses: what it heard so far is
    # matched then, and that match is the answer only when the final transcript says the same.
    final = "How often should you massage a knot?"
    question = clips(final)
    reply = reply_seconds(synthesizer, answer_of(knowledge, "massage-how-often"))
    dialogue = Counting(Dialogue(Matcher(knowledge)))
    recorder = Recorder()
    summary = bounded_listen(
        ListenSettings(max_turns=1, idle_exit_seconds=20.0),
        Streaming(so_far, final),
        dialogue,
        synthesizer,
        recorder,
        microphone=ClipSource(np.concatenate([silence(1.0), question, silence(reply + 2.0)])),
        speaker=WavSpeaker(tmp_path),
    )
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.entry, e.question, e.ahead) for e in decided] == [
        ("answer", "massage-how-often", final, ahead)
    ]
    assert dialogue.worked_out[0] == so_far, "worked out during the pause"
    assert [t.text for t in dialogue.heard] == [final]
    assert summary.errors == 0


def test_a_streaming_recognizer_s_unsure_question_is_worked_out_once_over_the_longer_wait(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # "What causes" alone is turned away: the kiosk waits a second more for the rest, and,
    # none coming, turns it away from what it worked out at the pause.
    question = voiced(clips("What causes"))
    dialogue = Counting(Dialogue(Matcher(knowledge)))
    recorder = Recorder()
    bounded_listen(
        ListenSettings(max_turns=1, idle_exit_seconds=20.0),
        Streaming("What causes", "What causes"),
        dialogue,
        synthesizer,
        recorder,
        microphone=ClipSource(np.concatenate([silence(1.0), question, silence(6.0)])),
        speaker=WavSpeaker(tmp_path),
    )
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.ahead) for e in decided] == [("reject", True)]
    assert dialogue.worked_out == ["What causes"]
    heard = [e for e in recorder.events if isinstance(e, Heard)]
    assert heard[0].at - (1.0 + len(question) / RATE) == pytest.approx(1.5, abs=0.2)


def voiced(clip: Audio) -> Audio:
    """``clip`` without the silence before and after its speech."""
    loud = np.flatnonzero(np.abs(clip) > 0.01)
    return clip[loud[0] : loud[-1] + 1]


class Settling(Streaming):
    """A streaming recognizer that keeps the audio it is given and how much it had been
    given each time it was told to settle."""

    def __init__(self, text: str) -> None:
        super().__init__(text, text)
        self.given: list[AudioChunk] = []
        self.settled: list[int] = []

    def accept(self, chunk: AudioChunk) -> None:
        self.given.append(chunk)

    def settle(self) -> str:
        self.settled.append(len(self.given))
        return self.so_far


def test_a_streaming_recognizer_settles_at_each_pause_and_hears_every_word_spoken_after(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # vosk finishes what it heard a moment into a pause, so the end of speech leaves it
    # nothing to do; the rest of the pause waits unheard, and is heard after all when the
    # visitor speaks on.
    final = "How often should you massage a knot?"
    first, second = voiced(clips("How often should you")), voiced(clips("massage a knot?"))
    gap = 0.4
    question_start = 1.0
    reply = reply_seconds(synthesizer, answer_of(knowledge, "massage-how-often"))
    recognizer = Settling(final)
    recorder = Recorder()
    summary = bounded_listen(
        ListenSettings(max_turns=1, idle_exit_seconds=20.0),
        recognizer,
        Dialogue(Matcher(knowledge)),
        synthesizer,
        recorder,
        microphone=ClipSource(
            np.concatenate(
                [silence(question_start), first, silence(gap), second, silence(reply + 2.0)]
            )
        ),
        speaker=WavSpeaker(tmp_path),
    )
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.entry, e.ahead) for e in decided] == [
        ("answer", "massage-how-often", True)
    ]
    assert len(recognizer.settled) == 2, "settled in the pause inside and at the end"
    given = recognizer.given
    assert given[: recognizer.settled[0]] != given, "heard on after the pause inside"
    for before, after in itertools.pairwise(given):
        assert after.timestamp == pytest.approx(before.timestamp + before.seconds, abs=1e-6)
    spoken_end = question_start + (len(first) + RATE * gap + len(second)) / RATE
    heard_to = given[-1].timestamp + given[-1].seconds
    assert spoken_end < heard_to < spoken_end + 0.3, "the end of the pause is not heard"
    assert summary.errors == 0


class Unsure:
    """A matcher at the dialogue's seam that asks back about every question: "Did you mean:
    How often should you massage a knot?" (the real knowledge's entry)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        return np.zeros(len(self.knowledge.entries))

    def likeness_in_words(self, text: str) -> float:
        return 0.0

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        best = Candidate(self.knowledge.get("massage-how-often"), 60.0)
        return Match(
            Decision.CONFIRM, best, Candidate(self.knowledge.get("treat-knot"), 58.0), text
        )


def follow_up_without_wake_phrase(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer | None,
    synthesizer: Synthesizer,
    matcher: MatchStage,
    asked: str,
    said: Sequence[str],
    max_turns: int,
    recognizer: Recognizer | None = None,
) -> Recorder:
    """A kiosk with --trigger wake --follow-up 0 hears a question with the wake phrase, says
    ``asked`` and then hears each of ``said`` without it, a second apart."""
    heard = [part for text in said for part in (clips(text), silence(1.0))]
    audio = np.concatenate(
        [
            silence(1.0),
            clips("Hey kiosk, how often should you massage a knot?"),
            silence(reply_seconds(synthesizer, asked) + 2.0),
            *heard,
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(
        mode=TriggerMode.WAKE, follow_up_seconds=0.0, max_turns=max_turns, idle_exit_seconds=20.0
    )
    hearing = recognizer or whisper
    assert hearing is not None
    bounded_listen(
        settings,
        hearing,
        Dialogue(matcher),
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=WavSpeaker(tmp_path),
    )
    return recorder


def test_a_did_you_mean_waits_for_its_answer_with_no_follow_up_window(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # "Did you mean ...?" and then "Yes." was ignored for want of the wake phrase.
    entry = knowledge.get("massage-how-often")
    asked = did_you_mean(entry)
    recorder = follow_up_without_wake_phrase(
        tmp_path, clips, whisper, synthesizer, Unsure(knowledge), asked, ["Yes."], 1
    )

    assert recorder.decisions() == [("confirm", entry.id), ("answer", entry.id)]


def test_a_did_you_mean_no_one_answers_ends_the_last_of_max_turns(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """With --max-turns 1 (the README's first check on a Pi), a question met with a
    did-you-mean that no one answered kept the kiosk running until it was killed: the
    did-you-mean's question never counted."""
    asked = did_you_mean(knowledge.get("massage-how-often"))
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(reply_seconds(synthesizer, asked) + 30.0),
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(max_turns=1, no_speech_timeout_seconds=3.0, idle_exit_seconds=60.0)
    summary = run_on_clips(
        audio,
        settings,
        whisper,
        knowledge,
        synthesizer,
        recorder,
        WavSpeaker(tmp_path),
        matcher=Unsure(knowledge),
    )
    assert recorder.decisions() == [("confirm", "massage-how-often")]
    assert any(isinstance(event, TimedOut) for event in recorder.events)
    assert summary.turns == 1 and summary.seconds < 30.0


class Refusing(Unsure):
    """A matcher at the dialogue's seam that turns every question away, nearest to "How
    often should you massage a knot?", then "How do I treat a knot?"."""

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        confirm = super().match(text, alternatives, likelihoods)
        return replace(confirm, decision=Decision.REJECT)


def test_a_question_read_out_after_a_reject_is_answered_when_picked_with_no_wake_phrase(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # A file without topics: the reject read out two questions to ask, and "The first one."
    # was ignored for want of the wake phrase (or, with it, met with silence, as nothing had
    # been proposed). Other speech still needs the wake phrase, and is not heard as a yes.
    bare = replace(knowledge, entries=tuple(replace(e, topic="") for e in knowledge.entries))
    entry = bare.get("massage-how-often")
    turned_away = reply_text(Refusing(bare).match("q"), bare)
    assert turned_away.endswith(f"Or: {bare.get('treat-knot').question}")
    recognizer = Expecting(whisper)
    try:
        recorder = follow_up_without_wake_phrase(
            tmp_path,
            clips,
            whisper,
            synthesizer,
            Refusing(bare),
            turned_away,
            ["Is the cafe next door open?", "The first one."],
            2,
            recognizer,
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert recorder.decisions() == [("reject", None), ("answer", entry.id)]
    accepted = [(e.text.rstrip(".?"), e.accepted) for e in recorder.events if isinstance(e, Heard)]
    (asked, taken), picked = accepted[1:]
    # heard "Is the ..." or, after other tests' turns on the shared recognizer, "Isn't the ..."
    assert asked.endswith("the cafe next door open") and not taken, "no wake phrase"
    assert picked == ("The first one", True)
    assert recognizer.at_start == ["", "", ""]  # no "Yes. No." after questions read out
    replies = [e.text for e in recorder.events if isinstance(e, ReplyStarted)]
    assert replies == [turned_away, spoken_answer(entry)]
    # the screen is told which questions were read out, to show them as choices
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [e.offered for e in decided] == [(entry.id, "treat-knot"), ()]


class WholeUtterance:
    """A recognizer at the seam that hears an utterance whole when it ends (``transcribe``),
    taking its pieces as they come."""

    def stream(self) -> WholeUtterance:
        self.chunks: list[AudioChunk] = []
        return self

    def accept(self, chunk: AudioChunk) -> None:
        self.chunks.append(chunk)

    def partial(self) -> str:
        return ""

    def settle(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return self.transcribe(self.chunks)

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        raise NotImplementedError


class Scripted(WholeUtterance):
    """A recognizer at the seam that hears each utterance as the next of ``texts``, in the
    order the utterances begin (work ahead on the same utterance hears it alike)."""

    name = "scripted"
    streaming = False

    def __init__(self, texts: Sequence[str | tuple[str, ...]]) -> None:
        """Each of ``texts`` a hearing, or a tuple of the hearing and its alternatives."""
        self.texts = [(text,) if isinstance(text, str) else text for text in texts]
        self.heard: dict[float, tuple[str, ...]] = {}

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        start = next(iter(chunks)).timestamp
        if start not in self.heard:
            self.heard[start] = self.texts.pop(0) if self.texts else ("",)
        text, *others = self.heard[start]
        return Transcript(text, engine=self.name, alternatives=tuple(others))

    def spotter(self, words: Sequence[str]) -> Recognizer:
        return Scripted([])

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        return None

    def expect(self, answers: str) -> None:
        return None


@pytest.mark.parametrize(
    ("hearing", "waited"),
    [
        (("What causes",), True),  # a question turned away: the visitor may go on
        (("",), False),  # nothing heard (a cough)
        (("U.S.", "Yes."), False),  # a "yes" misheard, another hearing has it
    ],
)
def test_only_a_question_not_yet_answerable_is_waited_on(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    hearing: tuple[str, ...],
    waited: bool,
) -> None:
    voice = voiced(clips("What causes"))
    audio = np.concatenate([silence(1.0), voice, silence(6.0)])
    recorder = Recorder()
    settings = ListenSettings(max_turns=1, idle_exit_seconds=4.0)
    run_on_clips(
        audio, settings, Scripted([hearing]), knowledge, synthesizer, recorder, WavSpeaker(tmp_path)
    )
    heard = [e for e in recorder.events if isinstance(e, Heard)]
    ended = heard[0].at - (1.0 + len(voice) / RATE)
    assert ended == pytest.approx(1.5 if waited else 0.5, abs=0.2)


def test_with_a_wake_phrase_the_question_after_it_is_worked_out_during_the_pause(
    tmp_path: Path, clips: Callable[[str], Audio], knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    # What the kiosk answers is what follows the phrase: worked out at the pause, the
    # reply is ready at the end of speech, and the wait is judged on the question asked.
    said = "Hey kiosk, how often should you massage a knot?"
    dialogue = Counting(Dialogue(Matcher(knowledge)))
    recorder = Recorder()
    bounded_listen(
        ListenSettings(mode=TriggerMode.WAKE, max_turns=1, idle_exit_seconds=4.0),
        Scripted([said]),
        dialogue,
        synthesizer,
        recorder,
        microphone=ClipSource(np.concatenate([silence(1.0), clips(said), silence(6.0)])),
        speaker=WavSpeaker(tmp_path),
    )
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.entry, e.ahead) for e in decided] == [
        ("answer", "massage-how-often", True)
    ]
    assert set(dialogue.worked_out) == {"how often should you massage a knot?"}


def test_a_microphone_lost_while_a_question_is_waited_on_leaves_the_next_one_as_new(
    tmp_path: Path, clips: Callable[[str], Audio], knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    # The device goes 0.8 s into the wait: the next question, shorter, is worked out ahead
    # and waited on as any other, not taken for the one lost.
    long, voice = voiced(clips("What causes the knots in my upper back")), voiced(clips("Why"))
    lost_at = 1.0 + len(long) / RATE + 1.3
    second = 1.0 + len(long) / RATE + 4.0
    audio = np.concatenate([silence(1.0), long, silence(4.0), voice, silence(6.0)])
    recorder = Recorder()
    bounded_listen(
        ListenSettings(max_turns=1, idle_exit_seconds=4.0, retry_first_seconds=0.001),
        Scripted(["What causes", "What causes"]),
        Dialogue(Matcher(knowledge)),
        synthesizer,
        recorder,
        microphone=ClipSource(audio, fail_after=lost_at),
        speaker=WavSpeaker(tmp_path),
    )
    decided = [e for e in recorder.events if isinstance(e, Decided)]
    assert [(e.decision, e.ahead) for e in decided] == [("reject", True)]
    heard = [e for e in recorder.events if isinstance(e, Heard)]
    assert heard[-1].start == pytest.approx(second, abs=0.2)
    assert heard[-1].at - (second + len(voice) / RATE) == pytest.approx(1.5, abs=0.2)


def test_after_questions_read_out_only_a_pick_needs_no_wake_phrase(
    tmp_path: Path, clips: Callable[[str], Audio], knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    # The same as the test above with whisper, at the recognizer's seam: chatter after the
    # questions read out is ignored, "The first one." picks the first.
    bare = replace(knowledge, entries=tuple(replace(e, topic="") for e in knowledge.entries))
    turned_away = reply_text(Refusing(bare).match("q"), bare)
    said = ["Is the cafe next door open?", "The first one."]
    recognizer = Scripted(["Hey kiosk, how often should you massage a knot?", *said])
    recorder = follow_up_without_wake_phrase(
        tmp_path, clips, None, synthesizer, Refusing(bare), turned_away, said, 2, recognizer
    )

    entry = bare.get("massage-how-often")
    assert recorder.decisions() == [("reject", None), ("answer", entry.id)]
    accepted = [(e.text, e.accepted) for e in recorder.events if isinstance(e, Heard)]
    assert accepted[1:] == [(said[0], False), (said[1], True)]


@pytest.mark.parametrize(
    ("said", "then"), [("Say that again.", "repeat"), ("Slower, please.", "slower")]
)
def test_a_say_that_again_heard_over_an_answer_has_it_said_again_at_once(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    said: str,
    then: str,
) -> None:
    # At the recognizer's seam: what is said over the answer is heard again in full (the
    # spotter heard nothing of it), and the answer starts over at once.
    question = "How often should you massage a knot?"
    answer = answer_of(knowledge, "massage-how-often")
    audio = np.concatenate(
        [
            silence(1.0),
            clips(question),
            silence(1.5),
            clips(said),
            silence(3 * reply_seconds(synthesizer, answer)),
        ]
    )
    recorder = Recorder()
    bounded_listen(
        ListenSettings(idle_exit_seconds=8.0),
        Scripted([question, said]),
        Dialogue(Matcher(knowledge)),
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=WavSpeaker(tmp_path),
    )

    assert recorder.decisions() == [("answer", "massage-how-often"), (then, None)]
    first, second = (e for e in recorder.events if isinstance(e, ReplyStarted))
    assert first.text == second.text == answer
    assert second.at < first.at + first.seconds, "said again before the answer was over"
    assert [e.interrupted for e in recorder.finished()] == [True, False]


def test_after_questions_read_out_a_pick_needs_no_press_in_push_to_talk(
    tmp_path: Path, clips: Callable[[str], Audio], knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    # With a button to press (and no follow-up window): the question is asked with a press,
    # the questions read out are picked without one, and chatter in between is not heard as
    # a question.
    bare = replace(knowledge, entries=tuple(replace(e, topic="") for e in knowledge.entries))
    turned_away = reply_text(Refusing(bare).match("q"), bare)
    said = ["How often should you massage a knot?", "Is the cafe next door open?", "The first one."]
    audio = np.concatenate(
        [
            silence(1.0),
            clips(said[0]),
            silence(reply_seconds(synthesizer, turned_away) + 2.0),
            *(part for text in said[1:] for part in (clips(text), silence(1.0))),
        ]
    )
    button = EventTrigger()
    presses: list[float] = []

    def press_once(event: Event) -> None:
        if isinstance(event, Listening) and not presses:
            presses.append(event.at)
            button.press()

    recorder = Recorder(press_once)
    settings = ListenSettings(
        mode=TriggerMode.PUSH, follow_up_seconds=0.0, max_turns=2, idle_exit_seconds=20.0
    )
    bounded_listen(
        settings,
        Scripted(said),
        Dialogue(Refusing(bare)),
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=WavSpeaker(tmp_path),
        trigger=button,
    )
    entry = bare.get("massage-how-often")
    assert recorder.decisions() == [("reject", None), ("answer", entry.id)]
    accepted = [(e.text, e.accepted) for e in recorder.events if isinstance(e, Heard)]
    assert accepted == [(said[0], True), (said[1], False), (said[2], True)]


def test_after_questions_read_out_a_pick_misheard_is_taken_from_another_hearing(
    tmp_path: Path, clips: Callable[[str], Audio], knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    """ "The first one." heard as "The fast one." with "The first one." the runner-up: the
    dialogue takes a short hearing's pick from its other hearings, but the kiosk asked the
    top one only whether it was a pick, and ignored it for want of the wake phrase."""
    bare = replace(knowledge, entries=tuple(replace(e, topic="") for e in knowledge.entries))
    turned_away = reply_text(Refusing(bare).match("q"), bare)
    said = ["The first one."]
    recognizer = Scripted(
        ["Hey kiosk, how often should you massage a knot?", ("The fast one.", "The first one.")]
    )
    recorder = follow_up_without_wake_phrase(
        tmp_path, clips, None, synthesizer, Refusing(bare), turned_away, said, 2, recognizer
    )
    entry = bare.get("massage-how-often")
    assert recorder.decisions() == [("reject", None), ("answer", entry.id)]


def test_a_yes_long_after_a_did_you_mean_is_not_taken_for_its_answer(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # A visitor left a did-you-mean unanswered; the next one began with "Okay." a while
    # later and was read the answer to the question the last visitor was asked.
    entry = knowledge.get("massage-how-often")
    asked = did_you_mean(entry)
    question = clips("How often should you massage a knot?")
    audio = np.concatenate(
        [
            silence(1.0),
            question,
            silence(reply_seconds(synthesizer, asked) + 2.0),
            clips("Yes."),  # right after it: the answer
            silence(reply_seconds(synthesizer, spoken_answer(entry)) + 2.0),
            question,
            silence(reply_seconds(synthesizer, asked) + 30.0),
            clips("Okay."),  # long after: nothing to answer
            silence(1.0),
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(idle_exit_seconds=40.0)
    recognizer = Expecting(whisper)
    try:
        bounded_listen(
            settings,
            recognizer,
            Dialogue(Unsure(knowledge)),
            synthesizer,
            recorder,
            microphone=ClipSource(audio),
            speaker=WavSpeaker(tmp_path),
        )
    finally:
        whisper.expect("")  # the session's shared recognizer

    assert recorder.decisions() == [
        ("confirm", entry.id),
        ("answer", entry.id),
        ("confirm", entry.id),
        ("none", None),
    ]
    replies = [e.text for e in recorder.events if isinstance(e, ReplyStarted)]
    assert replies == [asked, spoken_answer(entry), asked]
    # Heard as the answer it likely is right after a did-you-mean only.
    assert recognizer.at_start == ["", english().answer_prompt, "", ""]


def test_a_did_you_mean_said_again_late_can_be_answered(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # Asked to say the did-you-mean again a while after it, the kiosk did, and then took the
    # "Yes." that answered it for one said too late.
    entry = knowledge.get("massage-how-often")
    asked = did_you_mean(entry)
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(reply_seconds(synthesizer, asked) + 30.0),
            clips("Could you repeat that?"),
            silence(reply_seconds(synthesizer, asked) + 2.0),
            clips("Yes."),
            silence(1.0),
        ]
    )
    recorder = Recorder()
    # no --max-turns: a did-you-mean no one answered in time ends its last turn
    settings = ListenSettings(idle_exit_seconds=40.0)
    summary = bounded_listen(
        settings,
        whisper,
        Dialogue(Unsure(knowledge)),
        synthesizer,
        recorder,
        microphone=ClipSource(audio),
        speaker=WavSpeaker(tmp_path),
    )

    assert recorder.decisions() == [
        ("confirm", entry.id),
        ("repeat", None),
        ("answer", entry.id),
    ]
    # one question: counted when its did-you-mean timed out, not again when answered
    assert summary.turns == 1


class ExpectingVoice:
    """The real voice, noting what the kiosk asks it to render ahead and to say."""

    def __init__(self, synthesizer: Synthesizer) -> None:
        self.synthesizer = synthesizer
        self.log: list[tuple[str, str]] = []

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        self.log.append(("said", text))
        return self.synthesizer.synthesize(text, rate)

    def expect(self, texts: Sequence[str]) -> None:
        self.log.extend(("expected", text) for text in texts)


def test_a_question_whose_late_did_you_mean_is_refused_then_taken_counts_once(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """A did-you-mean timed out (its question counted), then refused on the screen, whose
    buttons stay ("No"), and the other entry taken ("Yes"): the other did-you-mean counted
    the question anew, so with --max-turns 2 the kiosk stopped before a second question."""
    audio = np.concatenate(
        [silence(1.0), clips("How often should you massage a knot?"), silence(40.0)]
    )
    inbox = Inbox()

    def tap(event: Event) -> None:
        if isinstance(event, TimedOut):
            inbox.put(Choose(Choice.NO))
        if isinstance(event, Decided) and (event.decision, event.entry) == (
            "confirm",
            "treat-knot",
        ):
            inbox.put(Choose(Choice.YES))

    recorder = Recorder(tap)
    summary = run_on_clips(
        audio,
        ListenSettings(idle_exit_seconds=30.0),
        whisper,
        knowledge,
        synthesizer,
        recorder,
        WavSpeaker(tmp_path),
        matcher=Unsure(knowledge),
        inbox=inbox,
    )
    assert recorder.decisions() == [
        ("confirm", "massage-how-often"),
        ("confirm", "treat-knot"),
        ("answer", "treat-knot"),
    ]
    assert summary.turns == 1


def test_a_reply_that_is_no_answer_is_rendered_during_the_pause(
    devices: FileDevices,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    """Answers are rendered at start; a reject (which names the topics nearest the question)
    or a did-you-mean was rendered only after the end of speech, while the visitor waited.
    It is rendered when the question is worked out ahead, in the pause."""
    voice = ExpectingVoice(synthesizer)
    recorder = Recorder()
    run_on_devices(
        devices,
        np.concatenate([silence(1.0), clips("What is the wifi password?"), silence(8.0)]),
        ListenSettings(max_turns=1),
        whisper,
        knowledge,
        voice,
        recorder,
    )
    assert recorder.decisions() == [("reject", None)]
    (decided,) = [event for event in recorder.events if isinstance(event, Decided)]
    said = voice.log.index(("said", decided.answer))
    reject = english().replies.reject
    assert any(kind == "expected" and reject in text for kind, text in voice.log[:said])
    if decided.ahead:  # the reply worked out in the pause is the one rendered then
        assert ("expected", decided.answer) in voice.log[:said]


class Mishearing(WholeUtterance):
    """Whisper at the loop's seam, except that an utterance without ``kept`` in what whisper
    heard comes out as ``heard``, with ``others`` as its other hearings (a short request
    misheard, the words said among the runner-ups)."""

    name = "whisper"
    streaming = False

    def __init__(
        self, whisper: WhisperRecognizer, kept: str, heard: str, others: tuple[str, ...]
    ) -> None:
        self.whisper, self.kept, self.heard, self.others = whisper, kept, heard, others

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        transcript = self.whisper.transcribe(chunks)
        if not transcript.text or self.kept in transcript.text.lower():
            return transcript
        return Transcript(self.heard, engine=self.name, alternatives=self.others)

    def spotter(self, words: Sequence[str]) -> Recognizer:
        return self.whisper.spotter(words)

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        self.whisper.bias(phrases, prompt)

    def expect(self, answers: str) -> None:
        self.whisper.expect(answers)


def test_a_misheard_say_that_again_after_an_answer_says_it_again(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    # Heard as "See that again.", the visitor's request was asked as a question and turned
    # away, though whisper's other hearings held it.
    audio = after_an_answer(clips, synthesizer, knowledge, "Say that again.")
    recorder = Recorder()
    misheard = Mishearing(whisper, "knot", "See that again.", ("Say that again.", "Say it again."))
    settings = ListenSettings(idle_exit_seconds=10.0)
    run_on_clips(audio, settings, misheard, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    assert recorder.decisions() == [("answer", "massage-how-often"), ("repeat", None)]
    first, second = (e for e in recorder.events if isinstance(e, ReplyStarted))
    assert first.text == second.text == answer_of(knowledge, "massage-how-often")


class Expecting(Mishearing):
    """Whisper at the loop's seam, keeping what it was told to expect as each utterance
    began (its stream opened)."""

    def __init__(self, whisper: WhisperRecognizer) -> None:
        super().__init__(whisper, "", "", ())
        self.told = ""
        self.at_start: list[str] = []

    def expect(self, answers: str) -> None:
        self.told = answers
        self.whisper.expect(answers)

    def stream(self) -> WholeUtterance:
        self.at_start.append(self.told)
        return super().stream()

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return self.whisper.transcribe(chunks)


@pytest.mark.parametrize(("later", "replies"), [(20.0, 2), (NEXT_VISITOR_SECONDS + 5.0, 1)])
def test_say_that_again_from_the_next_visitor_is_not_told_the_last_ones_answer(
    tmp_path: Path,
    clips: Callable[[str], Audio],
    whisper: WhisperRecognizer,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
    later: float,
    replies: int,
) -> None:
    answer = answer_of(knowledge, "massage-how-often")
    audio = np.concatenate(
        [
            silence(1.0),
            clips("How often should you massage a knot?"),
            silence(reply_seconds(synthesizer, answer) + later),
            clips("Could you repeat that?"),
            silence(1.0),
        ]
    )
    recorder = Recorder()
    settings = ListenSettings(idle_exit_seconds=later + 10.0)
    run_on_clips(audio, settings, whisper, knowledge, synthesizer, recorder, WavSpeaker(tmp_path))

    assert recorder.decisions() == [("answer", "massage-how-often"), ("repeat", None)]
    said = [e.text for e in recorder.events if isinstance(e, ReplyStarted)]
    assert said == [answer] * replies
