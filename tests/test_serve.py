"""``knotvoice serve`` as Home Assistant talks to it: the ``wyoming`` client library over
loopback (127.0.0.1, and ::1 where the machine has it), against the real server with the
real engines.

Tests without a model use the real matcher by words alone and the real voice; the rest use
the session's whisper and sentence-embedding model (and are marked ``model``). Every wait
is bounded; nothing sleeps where an event can be awaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pytest
import soundfile
import soxr
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from knotvoice.asr import RecognizerStream, Word
from knotvoice.asr import Transcript as Heard
from knotvoice.asr.vosk import VoskModel, VoskRecognizer
from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import AudioChunk as Chunk
from knotvoice.audio import chunks_from_array, read_audio
from knotvoice.cli import main
from knotvoice.errors import AudioInputError, KnotvoiceError
from knotvoice.journal import Journal
from knotvoice.knowledge import Knowledge, load
from knotvoice.lang import english
from knotvoice.match import Candidate, Decision, Match, MatchStage, Reason
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel
from knotvoice.reload import Reloader
from knotvoice.serve import agent as agent_module
from knotvoice.serve.agent import (
    FOLLOW_UP_SECONDS,
    Agent,
    Answered,
    ServedEvent,
    Transcribed,
    Utterance,
    standalone,
)
from knotvoice.serve.server import MAX_PAYLOAD_BYTES, Server, check, serve
from knotvoice.settings import ServeSettings
from knotvoice.speech.ready import ReadyReplies
from knotvoice.speech.reply import did_you_mean, spoken_answer
from knotvoice.speech.speakable import speakable
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import MAX_QUESTION_CHARS, Action, Turn, typed
from marked import ASKED, SAID_ANSWER, marked_faq

ROOT = Path(__file__).resolve().parents[1]
TUNING = ROOT / "audio_fixtures" / "tuning"
CLIP = TUNING / "massage-how-often__04__flite-kal16__quiet.wav"
"""A recorded question whose expected entry is massage-how-often (16 kHz mono 16-bit)."""
KOREAN_CLIP = ROOT / "audio_fixtures" / "korean" / "ko01__espeak-ko__clean.wav"
"""A Korean question (16 kHz mono), for the Korean vosk model."""
KOREAN_SAID = "등에 뭉친 근육은 어떻게 풀어야 하나요"
"""What it says (``audio_fixtures/korean/manifest.tsv``)."""
ANSWERED = ("how often should I massage a knot", "massage-how-often", "six minutes a day")
OFF_TOPIC = "what's the weather going to be like today"
UNSURE = ("What about trigger points?", "dangerous", "treat-knot")
"""A question the matcher by words is unsure of: a did-you-mean of the first entry, with
the second as its runner-up."""

T = TypeVar("T")


def run(work: Awaitable[T], timeout: float = 60.0) -> T:
    """Run a scenario on a fresh event loop, bounded in time."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await work

    return asyncio.run(bounded())


def reloader_of(matcher: MatchStage) -> Reloader[MatchStage]:
    return Reloader(Path(matcher.knowledge.source), lambda k: Matcher(k), matcher)


@contextlib.asynccontextmanager
async def served(agent: Agent, idle_seconds: float = 10.0) -> AsyncIterator[tuple[Server, int]]:
    """The server on a free loopback port, stopped on the way out."""
    server = Server(agent, "tcp://127.0.0.1:0", idle_seconds=idle_seconds)
    listening = await server.start()
    assert listening.port is not None
    try:
        yield server, listening.port
    finally:
        await server.stop(grace=2.0)


async def ask(
    port: int, *events: Event, ends: tuple[str, ...], timeout: float = 30.0
) -> list[Event]:
    """Send ``events`` on a new connection, as Home Assistant does, and read until an event
    of a type in ``ends`` (or the end of the connection)."""
    received: list[Event] = []
    async with AsyncTcpClient(
        "127.0.0.1", port, connect_timeout=5.0, read_timeout=timeout
    ) as client:
        for event in events:
            await client.write_event(event)
        while True:
            got = await client.read_event()
            if got is None:
                break
            received.append(got)
            if got.type in ends:
                break
    return received


def question(
    text: str, conversation: str | None = "01JTEST", satellite: str | None = None
) -> Event:
    """A conversation turn as Home Assistant sends it (``conversation`` None: as another
    client may send it, in no conversation), from ``satellite`` (an Assist satellite's
    entity id) if given, with its device's id, and the language, as Home Assistant's
    Wyoming conversation agent sends both."""
    if conversation is None:
        return Transcript(text=text).event()
    context = {"conversation_id": conversation}
    if satellite is not None:
        context.update(device_id=f"device-of-{satellite}", satellite_id=satellite)
        return Transcript(text=text, context=context, language="en").event()
    return Transcript(text=text, context=context).event()


async def raw(port: int, data: bytes | Sequence[Event], timeout: float = 10.0) -> list[Event]:
    """Send raw bytes (or events, with nothing after them) and read every event until the
    server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    events: list[Event] = []
    try:
        if isinstance(data, bytes):
            writer.write(data)
            await writer.drain()
        else:
            for sent in data:
                await async_write_event(sent, writer)
        async with asyncio.timeout(timeout):
            while (event := await async_read_event(reader)) is not None:
                events.append(event)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return events


def reported_turns(
    reported: Sequence[ServedEvent], log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> str:
    """What `knotvoice report` prints of the turns the server reported, logged as the
    ``serve`` command logs them."""
    journal = Journal(log_dir)
    for event in reported:
        if isinstance(event, Answered):
            journal.write(event.turn_line())
    assert main(["report", "--log-dir", str(log_dir)]) == 0
    return capsys.readouterr().out


def describe_bytes() -> bytes:
    """A describe event as it goes over the wire."""
    event = Describe().event()
    header = {"type": event.type, "version": "1.0.0"}
    return (json.dumps(header) + "\n").encode()


async def connections_close(server: Server, timeout: float = 5.0) -> None:
    """Wait (bounded) until the server has no connection open."""
    async with asyncio.timeout(timeout):
        while server.connections:
            await asyncio.sleep(0.01)


def wav_events(
    samples: np.ndarray, rate: int, channels: int, chunk_seconds: float = 0.01
) -> list[Event]:
    """A recording as Home Assistant streams it: transcribe, audio-start, chunks, audio-stop."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    step = max(1, int(rate * chunk_seconds)) * 2 * channels
    chunks = [
        AudioChunk(rate=rate, width=2, channels=channels, audio=pcm[i : i + step]).event()
        for i in range(0, len(pcm), step)
    ]
    return [
        Transcribe(language="en").event(),
        AudioStart(rate=rate, width=2, channels=channels).event(),
        *chunks,
        AudioStop().event(),
    ]


# --- engines --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_words(knowledge: Knowledge, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The real matcher without the meaning model (no model to load)."""
    return Matcher(knowledge, cache_dir=tmp_path_factory.mktemp("words"))


@pytest.fixture(scope="module")
def by_meaning(knowledge: Knowledge, semantic: SemanticModel) -> Matcher:
    """The matcher as the server runs it."""
    return Matcher(knowledge, semantic, cache_dir=semantic.cache_dir)


class Unsure:
    """A matcher that is never sure: every question is a close call between two entries."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        best = Candidate(self.knowledge.get("release-effect"), 48.0)
        other = Candidate(self.knowledge.get("self-release"), 41.0)
        return Match(Decision.CONFIRM, best, other, text, Reason.CLOSE_CALL, 0.48)

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        return np.zeros(len(self.knowledge.entries))

    def likeness_in_words(self, text: str) -> float:
        return 0.0


class Gated:
    """The real matcher, held at a gate: ``entered`` is set when a question reaches it, and it
    matches once ``gate`` is open."""

    def __init__(self, matcher: MatchStage) -> None:
        self.matcher = matcher
        self.knowledge = matcher.knowledge
        self.entered = threading.Event()
        self.gate = threading.Event()

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        self.entered.set()
        assert self.gate.wait(10.0), "the gate was never opened"
        return self.matcher.match(text, alternatives, likelihoods)

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        return self.matcher.probabilities(texts, likelihoods)

    def likeness_in_words(self, text: str) -> float:
        return self.matcher.likeness_in_words(text)


class Held:
    """Stands in for an engine at the seam: hears ``text`` in any audio once ``gate`` is open
    (``entered`` says a hearing has begun), and is sure of every word it heard. ``audio`` is
    the 16 kHz mono PCM it was last given."""

    name = "fake"
    streaming = False

    def __init__(self, text: str) -> None:
        self.text = text
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.audio = b""
        self.given: list[int] = []
        """Samples of each audio it heard."""

    def stream(self) -> RecognizerStream:
        raise NotImplementedError

    def transcribe(self, chunks: Iterable[Chunk]) -> Heard:
        self.audio = b"".join(chunk.audio for chunk in chunks)
        self.given.append(len(self.audio) // 2)
        self.entered.set()
        assert self.gate.wait(10.0), "the gate was never opened"

        def fit(texts: Sequence[str], within: float | None = None) -> tuple[float, ...]:
            return tuple(0.0 for _ in texts)

        def timing() -> tuple[Word, ...]:
            return tuple(Word(word, 0.0, 0.1, 0.99) for word in self.text.split())

        return Heard(self.text, engine="fake", fit=fit, timing=timing)

    def spotter(self, words: Sequence[str]) -> Held:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        pass

    def expect(self, answers: str) -> None:
        return None


class Counting(Agent):
    """The agent, counting the utterances it has been asked to transcribe."""

    asked = 0

    async def transcribe(self, utterance: Utterance) -> Heard:
        self.asked += 1
        return await super().transcribe(utterance)


@pytest.fixture
def text_agent(by_words: Matcher, synthesizer: Synthesizer) -> Iterator[Agent]:
    """A server's agent with no recognizer: the FAQ agent and the voice."""
    agent = Agent(reloader_of(by_words), None, synthesizer)
    yield agent
    agent.close()


@pytest.fixture
def reported() -> list[ServedEvent]:
    """What the full agent reports serving."""
    return []


@pytest.fixture
def full_agent(
    by_meaning: Matcher,
    whisper: WhisperRecognizer,
    synthesizer: Synthesizer,
    reported: list[ServedEvent],
) -> Iterator[Agent]:
    """The agent as ``knotvoice serve`` builds it."""
    agent = Agent(reloader_of(by_meaning), whisper, synthesizer, report=reported.append)
    yield agent
    agent.close()


# --- describe -------------------------------------------------------------------------------


def test_describe_offers_what_home_assistant_needs(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, Describe().event(), ends=("info",))

    events = run(scenario())
    assert [event.type for event in events] == ["info"]
    # Home Assistant parses it with the wyoming classes, and needs, of a conversation agent:
    # an installed handle program with a name, whose installed models have languages.
    info = Info.from_event(events[0])
    assert info.satellite is None, "a server that claims to be a satellite gets no entities"
    (handle,) = info.handle
    assert handle.installed and handle.name == "knotvoice FAQ (knots)"
    assert handle.attribution.name and handle.version
    assert [model.languages for model in handle.models if model.installed] == [["en"]]
    assert "16 questions" in (handle.models[0].description or "")
    assert info.asr == [], "no recognizer, no speech-to-text offered"
    (tts,) = info.tts
    assert tts.installed and [voice.languages for voice in tts.voices] == [["en"]]
    assert tts.name == "knotvoice", "with no speech-to-text, the voice titles the entry"
    # the voice credits the engine that speaks it, with a link that leads somewhere
    assert tts.voices[0].attribution.name == "eSpeak NG"
    assert tts.voices[0].attribution.url.startswith("https://")


@pytest.mark.model
def test_describe_offers_the_recognizer_first(full_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(full_agent) as (_, port):
            return await ask(port, Describe().event(), ends=("info",))

    info = Info.from_event(run(scenario())[0])
    # Home Assistant takes asr[0] for speech-to-text.
    assert info.asr[0].installed and info.asr[0].name == "knotvoice"
    assert info.asr[0].models[0].name == "whisper"
    assert info.asr[0].models[0].attribution.url.startswith("https://"), "no empty link"
    assert info.asr[0].models[0].installed and info.asr[0].models[0].languages == ["en"]
    assert info.handle[0].installed


@pytest.mark.model
def test_home_assistant_shows_each_program_by_a_name_of_its_own(full_agent: Agent) -> None:
    """Home Assistant names its speech-to-text, voice and conversation agent entities after
    the programs of the info, which were all "knotvoice". The first of them (speech-to-text)
    keeps that name: it titles the integration's entry, and an entry found by zeroconf has it
    in its unique id, so a new name would be discovered as a new server."""

    async def scenario() -> list[Event]:
        async with served(full_agent) as (_, port):
            return await ask(port, Describe().event(), ends=("info",))

    info = Info.from_event(run(scenario())[0])
    shown = [program.name for program in (*info.asr, *info.tts, *info.handle)]
    assert shown == ["knotvoice", "knotvoice voice", "knotvoice FAQ (knots)"]
    # The voice's name is the id a pipeline keeps for it: unchanged.
    assert [voice.name for voice in info.tts[0].voices] == ["default"]


# --- conversation turns ---------------------------------------------------------------------


def test_a_faq_question_is_handled_with_its_answer(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, question(ANSWERED[0]), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert event.type == "handled"
    assert ANSWERED[2] in event.data["text"]


def test_home_assistant_gets_an_answer_with_tags_and_marks_written_as_text_in_words(
    tmp_path: Path, synthesizer: Synthesizer
) -> None:
    """An answer with a tag written as text ("&lt;b&gt;", kept as "\\<b>") came to Home
    Assistant, which shows and speaks the text, as "Type b before it and, b after it", and
    an escaped mark ("\\*") was left out. It comes as the kiosk says it: no marks, no
    backslash, the tag and the mark by their names."""
    matcher = Matcher(load(marked_faq(tmp_path)), cache_dir=tmp_path / "cache")
    agent = Agent(reloader_of(matcher), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await ask(port, question(ASKED), ends=("handled", "not-handled"))

    try:
        (event,) = run(scenario())
    finally:
        agent.close()
    assert event.type == "handled"
    assert event.data["text"] == SAID_ANSWER


def test_an_off_topic_question_is_not_handled_and_says_so(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, question(OFF_TOPIC), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert event.type == "not-handled"
    assert "can't answer" in event.data["text"]
    assert "You can ask me about" in event.data["text"]


def test_a_question_with_text_that_was_not_utf8_is_answered(text_agent: Agent) -> None:
    """A lone surrogate ("\\udce9", text that was not UTF-8) failed the turn inside the
    server: "transcript failed inside the server; see its log"."""

    async def scenario() -> Event | None:
        async with served(text_agent) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:  # as a client that sends JSON escapes sends it (wyoming's would refuse)
                writer.write(
                    b'{"type": "transcript", "data": {"text": '
                    b'"how often should I massage a kn\\udce9ot"}}\n'
                )
                await writer.drain()
                async with asyncio.timeout(30.0):
                    return await async_read_event(reader)
            finally:
                writer.close()

    event = run(scenario())
    assert event is not None and "failed" not in event.data["text"]
    reply = event.data["text"]
    assert ANSWERED[2] in reply or "How often should you massage a knot?" in reply  # or proposed


def test_a_did_you_mean_of_no_conversation_stands_alone_and_names_both_questions(
    knowledge: Knowledge, synthesizer: Synthesizer
) -> None:
    """A turn of no conversation has no next turn to say yes in: its did-you-mean names the
    questions it is between and speaks no answer."""
    reported: list[ServedEvent] = []
    unsure = Agent(reloader_of(Unsure(knowledge)), None, synthesizer, report=reported.append)

    async def scenario() -> list[Event]:
        async with served(unsure) as (_, port):
            text = "How do I press out a knot without anybody helping me?"
            return await ask(port, question(text, None), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert event.type == "not-handled"
    text = event.data["text"]
    assert "Can I push or rub out a knot myself?" in text
    assert "What happens when you release a muscle knot?" in text
    assert "Ask me again" in text
    # the turn names the entry it came closest to, as the kiosk's do: `knotvoice report`
    # offered no command to add a served question's wording to it
    (turn,) = [event for event in reported if isinstance(event, Answered)]
    assert (turn.closest, turn.probability) == ("release-effect", 0.48)


@pytest.mark.parametrize("with_runner_up", [True, False])
def test_a_did_you_mean_never_speaks_an_answer(knowledge: Knowledge, with_runner_up: bool) -> None:
    best = Candidate(knowledge.get("release-effect"), 74.2)
    other = Candidate(knowledge.get("self-release"), 67.7) if with_runner_up else None
    match = Match(Decision.CONFIRM, best, other, "press out a knot", Reason.CLOSE_CALL)
    turn = Turn(typed("press out a knot"), Action.CONFIRM, match, best.entry, "Did you mean?")
    reply = standalone(turn, knowledge)
    assert not reply.handled
    assert "What happens when you release a muscle knot?" in reply.text
    assert ("Can I push or rub out a knot myself?" in reply.text) == with_runner_up
    for entry in (best.entry, knowledge.get("self-release")):
        assert entry.speech[:40] not in reply.text


def test_stop_is_handled_with_nothing_to_say(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, question("stop"), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert event.type == "handled" and not event.data.get("text")


def test_a_goodbye_is_said_goodbye(text_agent: Agent) -> None:
    # Home Assistant's Assist dialog showed an empty reply to "goodbye".
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, question("Goodbye!"), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert (event.type, event.data.get("text")) == ("handled", english().replies.goodbye)


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("Thank you!", "You're welcome."),
        ("cheers", "You're welcome."),
        ("Cool, thanks.", "You're welcome."),
        ("Hello!", "Hello! You can ask me about"),
        ("Um, what can you do?", "You can ask me about"),
    ],
)
def test_thanks_a_greeting_and_asking_for_help_are_handled(
    text_agent: Agent, said: str, reply: str
) -> None:
    """Each was turned away, "not-handled" (an error in Home Assistant's pipeline), with
    "Sorry, I can't answer that"."""

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, question(said), ends=("handled", "not-handled"))

    (event,) = run(scenario())
    assert event.type == "handled" and event.data["text"].startswith(reply)


def test_okay_to_an_answer_is_taken_quietly(text_agent: Agent) -> None:
    """Home Assistant: "okay" after an answer was "not-handled", "Sorry, I can't answer
    that"."""

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            ends = ("handled", "not-handled")
            asked = await ask(port, question("How often should I massage a knot?"), ends=ends)
            return asked + await ask(port, question("okay"), ends=ends)

    answered, taken = run(scenario())
    assert answered.type == "handled" and answered.data["text"]
    assert taken.type == "handled" and not taken.data.get("text")


async def ask_alone(agent: Agent, said: str) -> list[Event]:
    """``said`` as the first turn of a conversation of its own."""
    async with served(agent) as (_, port):
        alone = question(said, conversation=f"01ALONE-{said}")
        return await ask(port, alone, ends=("handled", "not-handled"))


@pytest.mark.parametrize("said", ["cool", "Got it.", "nice"])
def test_an_answer_taken_in_is_not_told_you_are_welcome(text_agent: Agent, said: str) -> None:
    """Home Assistant answered "cool" after an answer with "You're welcome."."""

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            ends = ("handled", "not-handled")
            asked = await ask(port, question("How often should I massage a knot?"), ends=ends)
            return asked + await ask(port, question(said), ends=ends)

    answered, taken = run(scenario())
    assert answered.type == "handled" and answered.data["text"]
    assert taken.type == "handled" and not taken.data.get("text")
    # with no answer to take in, it is turned away as an "okay" is
    (alone,) = run(ask_alone(text_agent, said))
    assert alone.type == "not-handled"


class Clock:
    """The agent's clock, moved on by hand: a conversation's minutes pass without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SATELLITE = "assist_satellite.kiosk"
"""The voice satellite a visitor asks at: woken by its wake word for every turn."""


async def turns(
    port: int, *said: str | tuple[str, str | None], satellite: str | None = SATELLITE
) -> list[Event]:
    """Each turn's reply, a turn at a time, each on a connection of its own as Home Assistant
    sends them: a text alone is a turn of conversation ``01JCONV``; (text, id) one of ``id``
    (None: of no conversation); each from ``satellite`` (None: typed in the Assist
    dialog)."""
    replies = []
    for turn in said:
        text, conversation = turn if isinstance(turn, tuple) else (turn, "01JCONV")
        asked = question(text, conversation, satellite if conversation is not None else None)
        events = await ask(port, asked, ends=("handled", "not-handled"))
        replies.append(events[-1])
    return replies


def proposing(knowledge: Knowledge, entry: str, then: bool = False) -> str:
    """A did-you-mean of ``entry`` in a conversation, as spoken."""
    return f"{did_you_mean(knowledge.get(entry), then=then)} {english().replies.say_yes}"


def test_a_yes_on_the_next_turn_of_the_conversation_gets_the_answer_and_the_report_counts_it(
    by_words: Matcher,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Home Assistant closes the microphone after the did-you-mean; the visitor wakes the
    device again and says "yes" (the same conversation id). It was refused, and `knotvoice
    report` counted the visitor as saying no to the entry."""
    reported: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), None, synthesizer, report=reported.append)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, UNSURE[0], "Yes.")

    try:
        proposed, answered = run(scenario())
    finally:
        agent.close()
    assert proposed.type == "handled", "a question asked back, not a failure to handle"
    assert proposed.data["text"] == proposing(knowledge, UNSURE[1])
    assert answered.type == "handled"
    assert answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))
    out = reported_turns(reported, tmp_path, capsys)
    assert f"'{UNSURE[0]}' (closest: {UNSURE[1]}," in out and "a visitor chose it" in out
    assert f"knotvoice knowledge add {UNSURE[1]} '{UNSURE[0].rstrip('?')}'" in out
    assert "said no" not in out
    assert "1 reply to a did-you-mean" in out


def test_home_assistant_takes_a_did_you_mean_as_asked_back_and_a_question_turned_away_as_failed(
    by_words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """Home Assistant's Wyoming conversation agent speaks and shows the text of ``handled``
    and ``not-handled`` alike, but makes a ``not-handled`` turn an error ("failed to
    handle"). A did-you-mean was one, though it asks back and its "yes" is answered; it is
    handled now, and says that the yes needs the wake word again (Home Assistant closes the
    microphone after the reply). A question the FAQ turns away stays not handled, as Home
    Assistant's own agent fails a sentence it does not know."""
    agent = Agent(reloader_of(by_words), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, ANSWERED[0], UNSURE[0], OFF_TOPIC)

    try:
        answer, proposed, turned_away = run(scenario())
    finally:
        agent.close()
    # read as Home Assistant reads them
    assert Handled.is_type(answer.type)
    assert ANSWERED[2] in (Handled.from_event(answer).text or "")
    assert Handled.is_type(proposed.type)
    asked_back = Handled.from_event(proposed).text or ""
    assert asked_back == proposing(knowledge, UNSURE[1])
    assert asked_back.endswith(english().replies.say_yes) and "wake word" in asked_back
    assert NotHandled.is_type(turned_away.type)
    assert "can't answer" in (NotHandled.from_event(turned_away).text or "")


def test_a_no_proposes_the_runner_up_and_then_asks_again(
    by_words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    agent = Agent(reloader_of(by_words), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, UNSURE[0], "No.", "Say that again.", "No.", "Yes.")

    try:
        proposed, other, again, declined, late = run(scenario())
    finally:
        agent.close()
    assert proposed.data["text"] == proposing(knowledge, UNSURE[1])
    assert (other.type, other.data["text"]) == (
        "handled",
        proposing(knowledge, UNSURE[2], then=True),
    )
    assert again.data["text"] == other.data["text"], "said again, as it was said"
    # A no answers what was asked: Home Assistant made it an error ("failed to handle").
    assert (declined.type, declined.data["text"]) == ("handled", english().replies.ask_again)
    assert late.type == "not-handled" and "can't answer" in late.data["text"], "nothing open"


def test_a_yes_to_two_questions_read_out_asks_which_and_how_to_answer(
    synthesizer: Synthesizer, tmp_path: Path
) -> None:
    """A file without topics reads out two questions to one it turns away. A "yes" to them
    was asked "Which one: ...?" as a failure to handle, with no word of how to answer: Home
    Assistant closes the microphone after a reply, and "the first one" needs the wake word."""
    museum = load(ROOT / "knowledge" / "museum.yaml")
    agent = Agent(reloader_of(Matcher(museum, cache_dir=tmp_path)), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, OFF_TOPIC, "Yes.", "The first one.")

    try:
        turned_away, which, answered = run(scenario())
    finally:
        agent.close()
    assert turned_away.type == "not-handled" and "for example" in turned_away.data["text"]
    first = turned_away.data["text"].split("for example: ")[1].split("? Or: ")[0]
    assert (which.type, which.data["text"].split(": ")[0]) == ("handled", "Which one")
    assert which.data["text"].endswith(english().replies.say_which), which.data["text"]
    (entry,) = [e for e in museum.entries if e.question.rstrip("?") == first]
    assert (answered.type, answered.data["text"]) == ("handled", spoken_answer(entry))


def test_a_did_you_mean_typed_in_the_assist_dialog_says_to_say_or_type_the_answer(
    by_words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """A question typed in Home Assistant's Assist dialog comes from no satellite and was
    not heard here. Its did-you-mean said to wake the device with the wake word, which the
    dialog has none of; it now says to say or type the answer, and a typed "yes" answers."""
    agent = Agent(reloader_of(by_words), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, UNSURE[0], "Yes.", satellite=None)

    try:
        proposed, answered = run(scenario())
    finally:
        agent.close()
    assert proposed.type == "handled"
    text = proposed.data["text"]
    assert text == f"{did_you_mean(knowledge.get(UNSURE[1]))} {english().replies.reply_yes}"
    assert "wake word" not in text and "type yes or no" in text
    assert answered.type == "handled"
    assert answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))


def test_a_question_heard_here_from_no_named_satellite_says_to_say_or_type_the_answer(
    by_words: Matcher, knowledge: Knowledge
) -> None:
    """Home Assistant names the satellite of every voice device; a question it sends to be
    heard from none was said into the Assist dialog's microphone, on a phone or in a
    browser, which has no wake word: its did-you-mean told the visitor to say one."""
    agent = Agent(reloader_of(by_words), Held(UNSURE[0]), None)
    proposed, answered = heard_at_a_pause(agent, ANSWERED[0], "Yes.", satellite=None)[1:]
    text = f"{did_you_mean(knowledge.get(UNSURE[1]))} {english().replies.reply_yes}"
    assert proposed.data["text"] == text
    assert answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))


def test_each_satellite_answers_its_own_did_you_mean_as_home_assistant_sends_its_turns(
    by_words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """Home Assistant keeps one conversation id per voice satellite, for 5 minutes after its
    last turn, and sends it with the satellite's id: a visitor at one satellite says no and
    yes to the did-you-mean they heard while a visitor at another answers theirs."""
    agent = Agent(reloader_of(by_words), None, synthesizer)
    hall = ("01JG7Z3K9V5W2X8Y4M6N0P1Q2R", "assist_satellite.hall")
    desk = ("01JG7Z4A8B3C6D9E2F5G7H0J1K", "assist_satellite.desk")
    said = [(UNSURE[0], hall), (UNSURE[0], desk), ("No.", hall), ("Yes.", desk), ("Yes.", hall)]

    async def scenario() -> list[Event]:
        replies = []
        async with served(agent) as (_, port):
            for text, (conversation, satellite) in said:
                turn = question(text, conversation, satellite)
                replies.append((await ask(port, turn, ends=("handled", "not-handled")))[-1])
        return replies

    try:
        hall_asked, desk_asked, hall_other, desk_answered, hall_answered = run(scenario())
    finally:
        agent.close()
    assert hall_asked.data["text"] == desk_asked.data["text"] == proposing(knowledge, UNSURE[1])
    assert hall_other.data["text"] == proposing(knowledge, UNSURE[2], then=True)
    assert desk_answered.type == hall_answered.type == "handled"
    assert desk_answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))
    assert hall_answered.data["text"] == spoken_answer(knowledge.get(UNSURE[2]))


def test_a_yes_after_saying_it_again_still_answers(
    by_words: Matcher,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reported: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), None, synthesizer, report=reported.append)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await turns(port, ANSWERED[0], "Say that again.", UNSURE[0], "Pardon?", "Yes.")

    try:
        answer, repeated, proposed, again, answered = run(scenario())
    finally:
        agent.close()
    assert (repeated.type, repeated.data["text"]) == ("handled", answer.data["text"])
    assert (again.type, again.data["text"]) == ("handled", proposed.data["text"])
    assert answered.type == "handled"
    assert answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))
    # "pardon?" is no question turned away, and the yes after it is the visitor's choice
    out = reported_turns(reported, tmp_path, capsys)
    assert "questions     2 " in out and "Pardon" not in out
    assert f"knotvoice knowledge add {UNSURE[1]} '{UNSURE[0].rstrip('?')}'" in out


@pytest.mark.parametrize(
    ("conversation", "later", "answers"),
    [
        ("01JCONV", FOLLOW_UP_SECONDS - 1.0, True),
        ("01JOTHER", 0.0, False),
        (None, 0.0, False),
        ("01JCONV", FOLLOW_UP_SECONDS + 1.0, False),
    ],
    ids=["within-the-window", "another-conversation", "no-conversation", "too-late"],
)
def test_a_yes_of_another_conversation_or_too_late_answers_nothing(
    by_words: Matcher,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    conversation: str | None,
    later: float,
    answers: bool,
) -> None:
    clock = Clock()
    agent = Agent(reloader_of(by_words), None, synthesizer, clock=clock)

    async def scenario() -> Event:
        async with served(agent) as (_, port):
            await turns(port, UNSURE[0])
            clock.now += later
            (reply,) = await turns(port, ("Yes.", conversation))
            return reply

    try:
        reply = run(scenario())
    finally:
        agent.close()
    if answers:
        assert reply.type == "handled"
        assert reply.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))
    else:
        # as a yes was always refused: it may be the next visitor's
        assert reply.type == "not-handled"
        assert reply.data["text"].startswith(english().replies.reject)
        assert "You can ask me about" in reply.data["text"]


def test_the_server_remembers_a_bounded_number_of_conversations(
    by_words: Matcher, synthesizer: Synthesizer
) -> None:
    agent = Agent(reloader_of(by_words), None, synthesizer, max_conversations=3)
    dym, asked = UNSURE[0], ANSWERED[0]

    async def scenario() -> tuple[int, list[Event]]:
        async with served(agent) as (_, port):
            await turns(port, (dym, "c0"), (asked, "c1"), (asked, "c2"))
            remembered = agent.conversations
            replies = await turns(port, ("Yes.", "c0"))
            # c0 is the most recently heard from: a new conversation forgets c1 instead
            replies += (await turns(port, (dym, "c0"), (asked, "c3"), ("Yes.", "c0")))[-1:]
            await turns(port, (dym, "c0"), *((asked, f"d{n}") for n in range(10)))
            replies += await turns(port, ("Yes.", "c0"))
            return remembered, replies

    try:
        remembered, (first, kept, forgotten) = run(scenario())
    finally:
        agent.close()
    assert remembered == 3
    assert first.type == "handled" and kept.type == "handled"
    assert forgotten.type == "not-handled", "ten conversations since: c0 was forgotten"
    assert agent.conversations == 3


def heard_at_a_pause(
    agent: Agent, *said: str | tuple[str, str | None], satellite: str | None = SATELLITE
) -> list[Event]:
    """A question sent as audio, heard (by the agent's ``Held`` recognizer) at the pause after
    it, then asked as Home Assistant asks it, in conversation ``01JCONV``; each of ``said``
    is then a turn typed as ``turns`` has it (all from ``satellite``)."""
    samples, rate = soundfile.read(CLIP, dtype="float32")
    samples = np.concatenate([samples, np.zeros(round(0.7 * rate), dtype=np.float32)])

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            before = await turns(port, *said[:1], satellite=satellite)
            heard = await ask(port, *wav_events(samples, rate, 1), ends=("transcript",))
            text = heard[-1].data["text"]
            return [*before, *await turns(port, text, *said[1:], satellite=satellite)]

    try:
        return run(scenario())
    finally:
        agent.close()


def test_a_long_question_heard_here_is_not_refused_for_its_characters(by_words: Matcher) -> None:
    """Half a minute said to a voice device, heard here, came to more than 500 characters: it
    was refused with "Please ask in at most 500 characters", which means nothing said aloud.
    Only a text not heard here (typed, or heard elsewhere) is held to that."""
    long = " ".join([ANSWERED[0]] * 20)
    assert len(long) > MAX_QUESTION_CHARS
    reported: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), Held(long), None, report=reported.append)
    (reply,) = heard_at_a_pause(agent)
    assert "characters" not in reply.data["text"]
    assert [event.transcript for event in reported if isinstance(event, Answered)] == [long]


def test_a_question_worked_out_at_a_pause_goes_on_in_its_conversation(
    by_words: Matcher, knowledge: Knowledge
) -> None:
    reported: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), Held(UNSURE[0]), None, report=reported.append)
    proposed, answered = heard_at_a_pause(agent, ANSWERED[0], "Yes.")[1:]
    assert proposed.data["text"] == proposing(knowledge, UNSURE[1])
    assert answered.type == "handled"
    assert answered.data["text"] == spoken_answer(knowledge.get(UNSURE[1]))
    ahead = [event.ahead for event in reported if isinstance(event, Answered)]
    assert ahead == [False, True, False], "the did-you-mean was the one worked out at the pause"


def test_a_hearing_worked_out_at_a_pause_answers_an_open_did_you_mean(
    by_words: Matcher, knowledge: Knowledge
) -> None:
    """A short hearing turned away while a did-you-mean is open is its answer misheard, as at
    the kiosk: worked out at the pause as a question standing alone, it was a reject."""
    reported: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), Held("U.S."), None, report=reported.append)
    proposed, again = heard_at_a_pause(agent, UNSURE[0])
    entry = knowledge.get(UNSURE[1])
    assert proposed.data["text"] == proposing(knowledge, UNSURE[1])
    assert again.data["text"] == f"{did_you_mean(entry, again=True)} {english().replies.say_yes}"
    (transcribed,) = [event for event in reported if isinstance(event, Transcribed)]
    assert transcribed.ahead, "the hearing was worked out at the pause"
    assert not [event for event in reported if isinstance(event, Answered)][-1].ahead


def test_a_text_too_long_to_be_a_question_is_refused_and_not_logged(
    by_words: Matcher, synthesizer: Synthesizer
) -> None:
    # A FAQ question pasted two hundred times: as a question it would be answered, and
    # logged in full (the turn log holds 100 MB: a few hundred of these would push out
    # weeks of real questions).
    long = " ".join([ANSWERED[0]] * 200)
    served_events: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), None, synthesizer, report=served_events.append)

    async def scenario() -> tuple[list[Event], list[Event]]:
        async with served(agent) as (_, port):
            refused = await ask(port, question(long), ends=("handled", "not-handled"))
            answered = await ask(port, question(ANSWERED[0]), ends=("handled", "not-handled"))
            return refused, answered

    try:
        refused, answered = run(scenario())
    finally:
        agent.close()
    assert refused[-1].type == "not-handled"
    assert refused[-1].data["text"] == (
        f"That question is too long ({len(long)} characters). "
        f"Please ask in at most {MAX_QUESTION_CHARS} characters."
    )
    assert answered[-1].type == "handled"
    assert [event.transcript for event in served_events if isinstance(event, Answered)] == [
        ANSWERED[0]
    ]


def test_a_conversation_id_home_assistant_would_not_send_is_answered_but_not_logged(
    by_words: Matcher, synthesizer: Synthesizer
) -> None:
    served_events: list[ServedEvent] = []
    agent = Agent(reloader_of(by_words), None, synthesizer, report=served_events.append)
    ids: list[object] = ["01JTEST", "x" * 100_000, {"nested": ["x"] * 10_000}, 42]

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            turns = [
                Transcript(text=ANSWERED[0], context={"conversation_id": conversation}).event()
                for conversation in ids
            ]
            return [(await ask(port, turn, ends=("handled",)))[-1] for turn in turns]

    try:
        answers = run(scenario())
    finally:
        agent.close()
    assert [answer.type for answer in answers] == ["handled"] * len(ids)
    logged = [event.conversation_id for event in served_events if isinstance(event, Answered)]
    assert logged == ["01JTEST", None, None, None]


def test_fifty_clients_at_once_each_get_their_own_answer(text_agent: Agent) -> None:
    async def one(port: int, number: int) -> tuple[int, Event]:
        text = ANSWERED[0] if number % 2 else OFF_TOPIC
        if number % 10 == 0:
            events = await ask(port, Describe().event(), ends=("info",))
        else:
            events = await ask(port, question(text, f"c{number}"), ends=("handled", "not-handled"))
        return number, events[-1]

    async def scenario() -> list[tuple[int, Event]]:
        async with served(text_agent) as (server, port):
            results = await asyncio.gather(*(one(port, n) for n in range(50)))
            await connections_close(server)
            return results

    started = time.monotonic()
    results = run(scenario(), timeout=60.0)
    assert len(results) == 50
    for number, event in results:
        if number % 10 == 0:
            assert event.type == "info"
        elif number % 2:
            assert event.type == "handled" and ANSWERED[2] in event.data["text"]
        else:
            assert event.type == "not-handled"
    assert time.monotonic() - started < 60.0


# --- speech-to-text -------------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.parametrize(("rate", "channels"), [(16000, 1), (44100, 2)])
def test_a_recorded_question_is_transcribed_at_any_rate(
    full_agent: Agent,
    reported: list[ServedEvent],
    whisper: WhisperRecognizer,
    rate: int,
    channels: int,
) -> None:
    samples, clip_rate = soundfile.read(CLIP, dtype="float32")
    assert clip_rate == 16000
    if rate != clip_rate:
        samples = soxr.resample(samples, clip_rate, rate)
    if channels == 2:
        samples = np.stack([samples, samples * 0.9], axis=1)
    expected = whisper.transcribe(read_audio(CLIP)).text

    async def scenario() -> tuple[list[Event], list[Event]]:
        async with served(full_agent) as (_, port):
            heard = await ask(port, *wav_events(samples, rate, channels), ends=("transcript",))
            text = heard[-1].data["text"]
            # Then, as Home Assistant's pipeline does, the transcript as a conversation turn.
            answered = await ask(port, question(text), ends=("handled", "not-handled"))
            return heard, answered

    heard, answered = run(scenario(), timeout=120.0)
    assert [event.type for event in heard] == ["transcript"]
    assert heard[0].data["language"] == "en"
    text = heard[0].data["text"]
    if rate == clip_rate:
        assert text == expected
    else:
        assert "massage" in text.lower()
    assert answered[-1].type == "handled" and ANSWERED[2] in answered[-1].data["text"]
    turns = [event for event in reported if isinstance(event, Answered)]
    assert turns[-1].heard, "the turn should weigh the server's own hearing of it"
    assert turns[-1].entry == "massage-how-often"


@pytest.mark.model
def test_a_question_is_heard_while_it_is_sent_so_its_transcript_is_ready_at_the_stop(
    full_agent: Agent, reported: list[ServedEvent]
) -> None:
    # A voice device sends the question, then the silence its own voice detector waits for,
    # then audio-stop: the question is heard at the pause, not after the stop.
    samples, rate = soundfile.read(CLIP, dtype="float32")
    samples = np.concatenate([samples, np.zeros(round(0.7 * rate), dtype=np.float32)])

    async def scenario() -> tuple[list[Event], list[Event]]:
        async with served(full_agent) as (_, port):
            heard = await ask(port, *wav_events(samples, rate, 1), ends=("transcript",))
            text = heard[-1].data["text"]
            answered = await ask(port, question(text), ends=("handled", "not-handled"))
            return heard, answered

    heard, answered = run(scenario(), timeout=120.0)
    assert "massage" in heard[-1].data["text"].lower()
    (transcribed,) = [event for event in reported if isinstance(event, Transcribed)]
    assert transcribed.ahead, "the question should have been heard before the audio stopped"
    # Its reply was worked out then too, with everything the server heard.
    assert answered[-1].type == "handled" and ANSWERED[2] in answered[-1].data["text"]
    (turn,) = [event for event in reported if isinstance(event, Answered)]
    assert turn.ahead and turn.heard and turn.entry == "massage-how-often"


@pytest.mark.model
def test_vosk_hears_a_question_as_it_is_sent(
    korean_model: VoskModel, by_words: Matcher, synthesizer: Synthesizer
) -> None:
    reported: list[ServedEvent] = []
    # Limited to the clip's words: recognising freely, vosk's hearing of it changes by a word
    # now and then with where the process's memory lies, so two hearings could differ.
    recognizer = VoskRecognizer(korean_model, phrases=[KOREAN_SAID])
    agent = Agent(reloader_of(by_words), recognizer, synthesizer, report=reported.append)
    samples, rate = soundfile.read(KOREAN_CLIP, dtype="float32")
    samples = np.concatenate([samples, np.zeros(round(0.7 * rate), dtype=np.float32)])
    expected = recognizer.transcribe(chunks_from_array(samples, rate)).text

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            heard = await ask(port, *wav_events(samples, rate, 1), ends=("transcript",))
            await ask(port, question(heard[-1].data["text"]), ends=("handled", "not-handled"))
            return heard

    try:
        heard = run(scenario(), timeout=120.0)
    finally:
        agent.close()
    assert expected, "the Korean model should hear something in the Korean clip"
    assert heard[-1].data["text"] == expected, "heard as it came, as heard whole"
    (transcribed,) = [event for event in reported if isinstance(event, Transcribed)]
    assert transcribed.ahead, "the audio should have been heard as it came"
    # vosk settled what it heard in the pause, and its reply was worked out then.
    (turn,) = [event for event in reported if isinstance(event, Answered)]
    assert turn.ahead


@pytest.mark.model
def test_a_client_that_leaves_mid_audio_leaves_nothing_behind(
    full_agent: Agent, reported: list[ServedEvent]
) -> None:
    samples, rate = soundfile.read(CLIP, dtype="float32")
    events = wav_events(samples, rate, 1)

    async def scenario() -> list[Event]:
        async with served(full_agent) as (server, port):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for event in events[: len(events) // 2]:
                await async_write_event(event, writer)
            writer.close()
            await writer.wait_closed()
            await connections_close(server)
            return await ask(port, question(ANSWERED[0]), ends=("handled", "not-handled"))

    (answer,) = run(scenario())
    assert answer.type == "handled"
    assert not [event for event in reported if event.kind == "transcript"], "nothing was heard"


@pytest.mark.model
def test_a_busy_recognizer_holds_up_neither_describe_nor_questions(full_agent: Agent) -> None:
    """While one client's long utterance is being recognised, Home Assistant's describe
    (which gives up after 1 s) and another client's question are answered at once."""
    samples, rate = soundfile.read(CLIP, dtype="float32")
    long = np.concatenate([samples] * 8)  # about 25 s of audio: seconds of whisper

    async def scenario() -> tuple[float, float, list[Event]]:
        async with served(full_agent) as (_, port):
            hearing = asyncio.create_task(
                ask(port, *wav_events(long, rate, 1, chunk_seconds=0.5), ends=("transcript",))
            )
            # Wait until the recognizer is at work: its lock is taken.
            async with asyncio.timeout(30.0):
                while not full_agent.recognizing:
                    await asyncio.sleep(0.01)
            start = time.monotonic()
            await ask(port, Describe().event(), ends=("info",))
            describe_seconds = time.monotonic() - start
            start = time.monotonic()
            await ask(port, question(ANSWERED[0]), ends=("handled",))
            question_seconds = time.monotonic() - start
            still_hearing = full_agent.recognizing
            heard = await hearing
            assert still_hearing, "the recognizer finished too soon for this test to mean much"
            return describe_seconds, question_seconds, heard

    describe_seconds, question_seconds, heard = run(scenario(), timeout=180.0)
    assert describe_seconds < 1.0
    assert question_seconds < 10.0
    assert heard[-1].type == "transcript"


def test_hearing_a_question_again_waits_for_the_recognizer(text_agent: Agent) -> None:
    """What hearing again asks of the audio (how readings fit it, its word timings) is a pass
    of the recognizer's model: it waits while another connection is being recognised."""
    done: list[str] = []

    def fit(texts: Sequence[str], within: float | None = None) -> tuple[float, ...]:
        done.append("fit")
        return tuple(0.0 for _ in texts)

    def timing() -> tuple[Word, ...]:
        done.append("timing")
        return (Word("knot", 0.0, 0.4, 0.9),)

    heard = text_agent._locked_fit(Heard("a knot", engine="whisper", fit=fit, timing=timing))
    assert heard.fit is not None
    asks = [
        threading.Thread(target=heard.fit, args=(["a knot"],)),
        threading.Thread(target=heard.timed),
    ]
    with text_agent._hearing:
        for ask_ in asks:
            ask_.start()
        for ask_ in asks:
            ask_.join(timeout=0.3)
        assert done == [], "it ran while the recognizer was busy"
    for ask_ in asks:
        ask_.join(timeout=5.0)
    assert sorted(done) == ["fit", "timing"]


def test_a_typed_question_waits_for_no_speech_to_text(by_words: Matcher) -> None:
    """A question Home Assistant types is answered at once while many clients' audio waits
    for the one recognizer (more of them than the agent has threads)."""
    held = Held(OFF_TOPIC)
    held.gate.clear()
    agent = Counting(reloader_of(by_words), held, None, workers=2)
    audio = wav_events(np.zeros(1600, dtype=np.float32), 16000, 1)

    async def scenario() -> tuple[list[Event], bool, list[list[Event]]]:
        async with served(agent) as (_, port):
            hearing = [
                asyncio.create_task(ask(port, *audio, ends=("transcript",))) for _ in range(6)
            ]
            async with asyncio.timeout(10.0):
                while agent.asked < len(hearing):
                    await asyncio.sleep(0.01)
            answer = await ask(port, question(ANSWERED[0]), ends=("handled",), timeout=5.0)
            still_hearing = not held.gate.is_set()
            held.gate.set()
            return answer, still_hearing, await asyncio.gather(*hearing)

    answer, still_hearing, heard = run(scenario())
    agent.close()
    assert [event.type for event in answer] == ["handled"]
    assert still_hearing
    assert [events[-1].data["text"] for events in heard] == [OFF_TOPIC] * 6


def test_clients_that_leave_before_their_transcript_take_no_place_and_half_closed_are_told(
    by_words: Matcher,
) -> None:
    """Home Assistant closes the connection of a pipeline it cancels. Such a client was found
    gone only once its transcript was written: 70 of them held 64 places while their audio
    waited to be heard, and a question asked then was told the server was busy. A client
    that only ends its sending side (``nc -N``) still reads its transcript."""
    held = Held(OFF_TOPIC)
    held.gate.clear()
    agent = Counting(reloader_of(by_words), held, None, workers=1)
    audio = wav_events(np.zeros(1600, dtype=np.float32), 16000, 1)

    async def scenario() -> tuple[list[Event], int, list[Event]]:
        server = Server(agent, "tcp://127.0.0.1:0", max_connections=3)
        listening = await server.start()
        port = listening.port
        assert port is not None
        try:
            reader, half = await asyncio.open_connection("127.0.0.1", port)
            for event in audio:
                await async_write_event(event, half)
            half.write_eof()  # ends its side, reads on
            for _ in range(2):  # these leave
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                for event in audio:
                    await async_write_event(event, writer)
                writer.close()
            async with asyncio.timeout(5.0):
                while server.connections:
                    await asyncio.sleep(0.01)
            answer = await ask(port, question(ANSWERED[0]), ends=("handled",), timeout=5.0)
            held.gate.set()
            async with asyncio.timeout(10.0):
                told = await async_read_event(reader)
            half.close()
            return answer, agent.asked, [told] if told is not None else []
        finally:
            await server.stop(grace=1.0)

    answer, asked, told = run(scenario())
    agent.close()
    assert [event.type for event in answer] == ["handled"], "not turned away as busy"
    assert asked == 3
    assert [event.type for event in told] == ["transcript"]
    assert told[0].data["text"] == OFF_TOPIC


def test_a_typed_question_never_waits_while_a_heard_one_is_heard_again(
    by_words: Matcher,
) -> None:
    """A question this server heard and cannot answer as heard is heard again, which waits
    for the recognizer (busy with another client's audio): it holds up no typed question
    meanwhile."""
    held = Held(OFF_TOPIC)
    gated = Gated(by_words)
    gated.gate.set()
    agent = Agent(reloader_of(gated), held, None)
    audio = wav_events(np.zeros(1600, dtype=np.float32), 16000, 1)

    async def scenario() -> tuple[list[Event], bool, list[Event]]:
        async with served(agent) as (_, port):
            (transcript,) = await ask(port, *audio, ends=("transcript",))
            held.gate.clear()
            held.entered.clear()
            busy = asyncio.create_task(ask(port, *audio, ends=("transcript",)))
            assert await asyncio.to_thread(held.entered.wait, 10.0)
            heard = asyncio.create_task(
                ask(port, question(transcript.data["text"]), ends=("handled", "not-handled"))
            )
            assert await asyncio.to_thread(gated.entered.wait, 10.0)
            # another visitor's (a conversation's own turns come one after another)
            another = question(ANSWERED[0], "01JOTHER")
            answer = await ask(port, another, ends=("handled",), timeout=5.0)
            still_hearing = not held.gate.is_set()
            held.gate.set()
            await busy
            return answer, still_hearing, await heard

    answer, still_hearing, heard = run(scenario())
    agent.close()
    assert [event.type for event in answer] == ["handled"]
    assert still_hearing
    assert [event.type for event in heard] == ["not-handled"]


def test_audio_in_any_format_and_any_cut_becomes_16k_mono() -> None:
    """44.1 kHz stereo 24-bit, cut mid-frame, reads as the same sound at 16 kHz mono; of a
    longer utterance than the longest, the last is kept."""
    rate, seconds = 44100, 1.0
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * t)
    stereo = np.stack([tone, tone], axis=1)
    ints = (stereo * (1 << 23)).astype("<i4").reshape(-1)
    pcm = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    utterance = Utterance(max_seconds=0.5)
    for start in range(0, len(pcm), 1001):  # 1001 bytes: never a whole number of frames
        utterance.add(pcm[start : start + 1001], rate, 3, 2)
    samples = utterance.samples()
    assert utterance.seconds == pytest.approx(0.5, abs=1e-3)
    assert utterance.dropped == pytest.approx(0.5, abs=1e-3)
    assert len(samples) == pytest.approx(8000, abs=50)
    expected = soxr.resample(tone.astype(np.float32), rate, 16000)[-len(samples) :]
    middle = slice(100, 7800)
    assert np.abs(samples[middle] - expected[middle]).max() < 0.01


def test_quiet_after_a_question_that_fills_the_longest_is_not_kept_for_the_question() -> None:
    """A question, then 40 s of a quiet room (a voice device that did not hear the end of
    speech): the last 30 s were kept, all quiet, and heard "you"."""
    spoken = 0.5 * np.sin(2 * np.pi * 440.0 * np.arange(4800) / 16000)
    room = np.random.default_rng(3).standard_normal(16000) * 0.001  # -60 dBFS
    utterance = Utterance(max_seconds=0.5)
    for part in (spoken, room):
        pcm = (part * 32767).astype("<i2").tobytes()
        for start in range(0, len(pcm), 2048):
            utterance.add(pcm[start : start + 2048], 16000, 2, 1)
    samples = utterance.samples()
    assert len(samples) == 8000 and utterance.dropped == 0.0
    assert utterance.quiet == pytest.approx(0.8, abs=1e-3)
    assert np.abs(samples[:4800] - spoken).max() < 0.001, "the question was not kept"
    # a question that comes once it is full keeps its pauses, and drops the start
    late = Utterance(max_seconds=0.5)
    pause = np.zeros(1600)
    for part in (room, spoken, pause, spoken):
        pcm = (part * 32767).astype("<i2").tobytes()
        for start in range(0, len(pcm), 2048):
            late.add(pcm[start : start + 2048], 16000, 2, 1)
    heard = late.samples()
    assert len(heard) == 8000 and late.quiet == 0.0
    assert np.abs(heard[-4800:] - spoken).max() < 0.001
    assert np.abs(heard[-6400:-4800]).max() < 0.001, "the pause within it was kept"


@pytest.mark.parametrize("rate", [16000, 44100])
@pytest.mark.parametrize("frames", [1024, 2048])
def test_an_utterance_of_exactly_the_longest_drops_nothing(rate: int, frames: int) -> None:
    """Audio of exactly ``max_audio``, in the chunks a device sends, was counted a few
    femtoseconds too long, and its log said "its first 0.0 s were not heard"."""
    utterance = Utterance(max_seconds=30.0)
    pcm = bytes(2 * 30 * rate)
    for start in range(0, len(pcm), 2 * frames):
        utterance.add(pcm[start : start + 2 * frames], rate, 2, 1)
    assert (utterance.seconds, utterance.dropped) == (30.0, 0.0)
    assert len(utterance.samples()) == 30 * 16000


def test_of_an_utterance_too_long_the_end_is_heard(
    by_words: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    """A device that streams too long has the question at the end: the recognizer hears the
    last ``max_audio`` seconds, and one warning says how much was not heard."""
    held = Held(ANSWERED[0])
    agent = Agent(reloader_of(by_words), held, None, max_audio_seconds=0.5)
    silence = np.zeros(16000, dtype=np.float32)
    spoken = 0.5 * np.sin(2 * np.pi * 440.0 * np.arange(4800) / 16000)
    audio = wav_events(np.concatenate([silence, spoken]), 16000, 1)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await ask(port, *audio, ends=("transcript",))

    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        heard = run(scenario())
    agent.close()
    assert heard[-1].data["text"] == ANSWERED[0]
    samples = np.frombuffer(held.audio, dtype="<i2") / 32768.0
    assert len(samples) == 8000
    assert np.abs(samples[:3200]).max() == 0.0
    assert np.abs(samples[3200:] - spoken).max() < 0.001, "the question was not heard"
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "utterance of 1.3 s" in warnings[0] and "first 0.8 s" in warnings[0]


def test_an_utterance_made_too_long_by_its_last_resampled_samples_is_heard(
    by_words: Matcher,
) -> None:
    """At 44.1 kHz the resampler gives its last samples at the stop: when they make the
    utterance longer than the longest, its end is still heard, not refused."""
    held = Held(ANSWERED[0])
    agent = Agent(reloader_of(by_words), held, None, max_audio_seconds=1.0)
    audio = wav_events(np.zeros(44100 + 100, dtype=np.float32), 44100, 1)

    async def scenario() -> list[Event]:
        async with served(agent) as (_, port):
            return await ask(port, *audio, ends=("transcript", "error"))

    try:
        heard = run(scenario())
    finally:
        agent.close()
    assert heard[-1].type == "transcript" and heard[-1].data["text"] == ANSWERED[0]
    assert len(held.audio) == 2 * 16000, "the last second should be heard"


def test_work_dropped_while_it_waited_for_the_recognizer_is_not_heard(
    by_words: Matcher,
) -> None:
    """A question worked out at a pause waits while another connection is being heard; when
    the voice goes on meanwhile, the recognizer, once free, does not hear that pause's audio
    for nothing before the question as it now stands."""
    held = Held(ANSWERED[0])
    agent = Agent(reloader_of(by_words), held, None)
    samples, rate = soundfile.read(CLIP, dtype="float32")
    pause = np.zeros(round(0.3 * rate), dtype=np.float32)
    utterance = agent.utterance()
    hearing = utterance.hearing
    assert hearing is not None

    def send(audio: npt.NDArray[np.float32]) -> None:
        utterance.add((audio * 32767.0).astype("<i2").tobytes(), rate, 2, 1)

    try:
        with agent._hearing:  # another connection's question is being heard
            send(np.concatenate([samples, pause]))
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:  # the work at the pause waits for it
                job = hearing._ahead._job if hearing._ahead is not None else None
                if job is not None and job.running():
                    break
                time.sleep(0.01)
            else:
                pytest.fail("no work was started at the pause")
            send(samples)  # the voice goes on
            heard = hearing.finish(utterance.samples())
            while not heard.running() and time.monotonic() < deadline:
                time.sleep(0.01)  # all the audio has been heard: the voice went on
        transcript = heard.result(timeout=30.0)
    finally:
        agent.close()
    assert transcript.text == ANSWERED[0]
    assert held.given and min(held.given) > len(samples) + len(pause), (
        f"the recognizer heard the pause's audio after the voice went on: {held.given}"
    )


def test_a_reply_worked_out_at_a_pause_is_not_given_after_the_knowledge_changed(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    path = tmp_path / "faq.yaml"
    original = Path(knowledge.source).read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    reloader: Reloader[MatchStage] = Reloader.load(path, Matcher)
    reported: list[ServedEvent] = []
    agent = Agent(reloader, Held(ANSWERED[0]), None, report=reported.append)
    samples, rate = soundfile.read(CLIP, dtype="float32")
    samples = np.concatenate([samples, np.zeros(round(0.7 * rate), dtype=np.float32)])

    async def scenario() -> str:
        async with served(agent) as (_, port):
            heard = await ask(port, *wav_events(samples, rate, 1), ends=("transcript",))
            path.write_text(
                original.replace("up to six minutes a day", "up to ten minutes a day"),
                encoding="utf-8",
            )
            assert await asyncio.to_thread(reloader.check), "the edit was not loaded"
            text = heard[-1].data["text"]
            answered = await ask(port, question(text), ends=("handled",))
            return str(answered[-1].data["text"])

    try:
        reply = run(scenario())
    finally:
        agent.close()
    assert "ten minutes a day" in reply, "the reply should come from the knowledge as it is"
    (transcribed,) = [event for event in reported if isinstance(event, Transcribed)]
    (turn,) = [event for event in reported if isinstance(event, Answered)]
    assert transcribed.ahead and not turn.ahead


@pytest.mark.parametrize(
    ("rate", "width", "channels", "said"),
    [
        (16000.0, 2, 1, "whole number"),
        (100, 2, 1, "out of range"),
        (16000, 5, 1, "width"),
        (16000, 2, 0, "channels"),
        (True, 2, 1, "whole number"),
    ],
)
def test_audio_formats_that_make_no_sense_are_named(
    rate: object, width: object, channels: object, said: str
) -> None:
    with pytest.raises(AudioInputError, match=said):
        Utterance.check_format(rate, width, channels)


# --- text-to-speech -------------------------------------------------------------------------


def test_synthesize_speaks_in_knotvoices_voice(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(
                port, Synthesize(text="Hello from the kiosk.").event(), ends=("audio-stop",)
            )

    events = run(scenario())
    assert events[0].type == "audio-start" and events[-1].type == "audio-stop"
    chunks = [event for event in events if event.type == "audio-chunk"]
    audio = b"".join(chunk.payload or b"" for chunk in chunks)
    rate = events[0].data["rate"]
    assert all(chunk.data["rate"] == rate for chunk in chunks)
    seconds = len(audio) / (2 * rate)
    assert 0.5 < seconds < 5.0
    assert np.abs(np.frombuffer(audio, dtype="<i2")).max() > 1000, "the reply is silent"


def test_a_reply_streamed_as_home_assistant_sends_it_is_said_once_and_ends_stopped(
    text_agent: Agent,
) -> None:
    """Home Assistant (2025.8 on) sends every reply as a stream, though the server takes
    none: synthesize-start, the text in chunks, the whole text as a synthesize, then
    synthesize-stop; and it reads until synthesize-stopped, which never came: each reply
    waited out the connection's idle time (60 s). A stream with no synthesize in it is
    said from its chunks."""
    whole = [
        SynthesizeChunk(text="Hello from ").event(),
        SynthesizeChunk(text="the kiosk.").event(),
    ]

    async def scenario() -> list[list[Event]]:
        async with served(text_agent) as (_, port):
            return [
                await ask(
                    port,
                    SynthesizeStart().event(),
                    *chunks,
                    SynthesizeStop().event(),
                    ends=("synthesize-stopped",),
                    timeout=20.0,
                )
                for chunks in (
                    [*whole, Synthesize(text="Hello from the kiosk.").event()],
                    whole,
                )
            ]

    for events in run(scenario()):
        types = [event.type for event in events]
        assert types[0] == "audio-start" and types[-2:] == ["audio-stop", "synthesize-stopped"]
        assert types.count("audio-start") == 1, "said once"
        audio = b"".join(event.payload or b"" for event in events if event.type == "audio-chunk")
        assert np.abs(np.frombuffer(audio, dtype="<i2")).max() > 1000, "the reply is silent"


def test_the_faqs_answers_are_spoken_from_what_was_rendered_ahead(
    by_words: Matcher,
    synthesizer: Synthesizer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[str] = []
    """Rendered ahead, to keep."""
    direct: list[str] = []
    """Rendered when asked."""
    render = synthesizer.synthesize

    class Counted:
        def synthesize(self, text: str, rate: int | None = None) -> list[Chunk]:
            rendered.append(text)
            return render(text)

    def asked(text: str, rate: int | None = None) -> list[Chunk]:
        direct.append(text)
        return render(text)

    monkeypatch.setattr(synthesizer, "synthesize", asked)

    folder = tmp_path / "replies"
    answers = ReadyReplies(Counted(), folder=folder, voice="test")
    agent = Agent(reloader_of(by_words), None, synthesizer, answers=answers)
    expected = {spoken_answer(entry) for entry in by_words.knowledge.entries}
    deadline = time.monotonic() + 120.0
    while not expected <= set(rendered) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert expected <= set(rendered), "the answers are rendered when the server starts"
    before = len(rendered)
    other = "The kitchen light is on."

    async def scenario() -> tuple[list[Event], list[Event]]:
        async with served(agent) as (_, port):
            answered = await ask(port, question(ANSWERED[0]), ends=("handled",))
            text = answered[-1].data["text"]
            spoken = await ask(port, Synthesize(text=text).event(), ends=("audio-stop",))
            await ask(port, Synthesize(text=other).event(), ends=("audio-stop",))
            return answered, spoken

    try:
        answered, spoken = run(scenario())
    finally:
        agent.close()
        answers.close()
    assert ANSWERED[2] in answered[-1].data["text"]
    audio = b"".join(event.payload or b"" for event in spoken if event.type == "audio-chunk")
    assert np.abs(np.frombuffer(audio, dtype="<i2")).max() > 1000, "the answer is silent"
    assert len(rendered) == before and direct == [other], "the answer was rendered again"
    kept = list(folder.iterdir())
    assert len(kept) == len(expected), "another agent's reply is not kept on disk"


def test_another_agents_reply_is_spoken_as_words_not_symbols(
    text_agent: Agent, synthesizer: Synthesizer
) -> None:
    """Home Assistant sends this voice any agent's reply, marks and emoji and all: it is
    spoken as the kiosk speaks its own replies, not as "asterisk asterisk"."""
    text = "**Open** 9am\u20135pm 👍, £35/month. See https://example.com/help"
    said = "Open 9am to 5pm, 35 pounds per month. See example.com slash help"

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, Synthesize(text=text).event(), ends=("audio-stop", "error"))

    events = run(scenario())
    audio = b"".join(event.payload or b"" for event in events if event.type == "audio-chunk")
    expected = sum(len(chunk.audio) for chunk in synthesizer.synthesize(said))
    as_written = sum(len(chunk.audio) for chunk in synthesizer.synthesize(text))
    assert len(audio) == pytest.approx(expected, rel=0.02), "not spoken as words"
    assert abs(as_written - expected) > 0.1 * expected


def test_the_faqs_own_replies_are_spoken_as_they_are_sent(text_agent: Agent) -> None:
    """A reply of the FAQ's that Home Assistant sends back to be spoken is spoken word for
    word as it was sent: making it speakable again changes nothing."""
    knowledge = text_agent.knowledge
    replies = [standalone(Turn(typed("?"), Action.REJECT, None, None, ""), knowledge).text]
    for entry in knowledge.entries:
        replies += [spoken_answer(entry), did_you_mean(entry)]
    for reply in replies:
        assert speakable(reply) == reply


@pytest.mark.parametrize("text", ["", "   "])
def test_nothing_to_say_is_a_moment_of_silence(text_agent: Agent, text: str) -> None:
    """Home Assistant makes its WAV file from the chunks: with none it has no file at all."""

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, Synthesize(text=text).event(), ends=("audio-stop", "error"))

    events = run(scenario())
    assert [event.type for event in events] == ["audio-start", "audio-chunk", "audio-stop"]
    chunk = AudioChunk.from_event(events[1])
    assert chunk.rate == events[0].data["rate"]
    assert 0.0 < len(chunk.audio) / (chunk.width * chunk.rate) <= 0.2
    assert not any(chunk.audio), "silence"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        pytest.param(
            "Knots form in the upper back. They ease with pressure. " * 3,
            "Knots form in the upper back. They ease with pressure.",
            id="at-a-sentence",
        ),
        pytest.param("knots " * 30, " ".join(["knots"] * 10), id="at-a-word"),
    ],
)
def test_a_text_too_long_to_speak_is_spoken_up_to_the_limit(
    text_agent: Agent,
    synthesizer: Synthesizer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    text: str,
    spoken: str,
) -> None:
    """Home Assistant's whole reply fails when its speech fails: a text longer than the
    server speaks is spoken up to the limit, cut after a sentence or a word."""
    monkeypatch.setattr(agent_module, "MAX_SPEAK_CHARS", 60)

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(port, Synthesize(text=text).event(), ends=("audio-stop", "error"))

    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        events = run(scenario())
    assert events[0].type == "audio-start" and events[-1].type == "audio-stop"
    audio = b"".join(event.payload or b"" for event in events if event.type == "audio-chunk")
    expected = sum(len(chunk.audio) for chunk in synthesizer.synthesize(spoken))
    assert len(audio) == pytest.approx(expected, rel=0.02), "not the text up to the cut"
    (warning,) = [record.getMessage() for record in caplog.records]
    assert f"of {len(text)} characters" in warning and f"first {len(spoken)}" in warning


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("First sentence here. Second sentence goes on and on and on", "First sentence here."),
        ("one two three four five six seven eight nine ten eleven", "one two three four five six"),
        ("Hi. " + "y" * 100, "Hi. " + "y" * 26),
    ],
    ids=["a-sentence", "a-word", "hard"],
)
def test_a_long_text_is_cut_keeping_more_than_half_of_the_limit(text: str, kept: str) -> None:
    assert agent_module._start_of(text, 30) == kept


# --- clients that misbehave -----------------------------------------------------------------


BROKEN = [
    pytest.param(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "not-wyoming", id="http"),
    pytest.param(b"this is not json\n", "not-wyoming", id="not-json"),
    pytest.param(b"[1, 2, 3]\n", "not-wyoming", id="json-list"),
    pytest.param(b'{"data": {}}\n', "not-wyoming", id="no-type"),
    pytest.param(b'{"type": "describe", "data_length": -5}\n', "bad-event", id="negative-length"),
    pytest.param(b'{"type": "describe", "data": [1]}\n', "bad-event", id="data-not-object"),
    pytest.param(b'{"type": "transcript", "data": {"text": 5}}\n', "bad-event", id="text-not-text"),
    pytest.param(b'{"type": "transcript", "data_length": 3}\nabc', "bad-event", id="data-not-json"),
    pytest.param(
        b'{"type": "audio-chunk", "data": {"rate": "fast", "width": 2, "channels": 1}}\n',
        "bad-event",
        id="rate-not-number",
    ),
    pytest.param(
        json.dumps({"type": "audio-chunk", "payload_length": 10 * 1024 * 1024}).encode() + b"\n",
        "too-large",
        id="10MB-chunk",
    ),
    pytest.param(b"{" + b" " * (128 * 1024) + b"}\n", "too-large", id="huge-header"),
    pytest.param(
        b'{"type": "describe", "data": {"x": ' + b"[" * 30000 + b"]" * 30000 + b"}}\n",
        "not-wyoming",
        id="nested-too-deep",
    ),
    pytest.param(
        b'{"type": "describe", "data_length": 60000}\n' + b"[" * 30000 + b"]" * 30000,
        "bad-event",
        id="data-nested-too-deep",
    ),
]


@pytest.mark.parametrize(("data", "code"), BROKEN)
def test_a_broken_client_gets_an_error_and_everyone_else_is_served(
    text_agent: Agent, data: bytes, code: str
) -> None:
    async def scenario() -> tuple[list[Event], list[Event]]:
        async with served(text_agent) as (server, port):
            # Another client is mid-conversation while the broken one connects.
            other = await asyncio.open_connection("127.0.0.1", port)
            broken = await raw(port, data)
            await async_write_event(question(ANSWERED[0]), other[1])
            async with asyncio.timeout(10.0):
                answer = await async_read_event(other[0])
            other[1].close()
            assert answer is not None
            await connections_close(server)
            return broken, [answer]

    broken, answer = run(scenario())
    assert [event.type for event in broken] == ["error"], "one error, then the connection closes"
    assert broken[0].data["code"] == code
    assert broken[0].data["text"]
    assert answer[0].type == "handled"


def test_a_10mb_chunk_sent_in_full_is_refused_without_reading_it(text_agent: Agent) -> None:
    payload = bytes(10 * 1024 * 1024)
    chunk = AudioChunk(rate=16000, width=2, channels=1, audio=payload).event()

    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            with contextlib.suppress(ConnectionError):
                await async_write_event(chunk, writer)
            events = []
            async with asyncio.timeout(10.0):
                while (event := await async_read_event(reader)) is not None:
                    events.append(event)
            writer.close()
            return events

    events = run(scenario())
    assert [event.type for event in events] == ["error"]
    assert str(MAX_PAYLOAD_BYTES) in events[0].data["text"]


def test_a_silent_client_is_let_go_and_holds_up_nobody(text_agent: Agent) -> None:
    async def scenario() -> tuple[float, list[Event], float]:
        async with served(text_agent, idle_seconds=0.5) as (_, port):
            started = time.monotonic()
            # Half an event and then nothing: the server waits at most its idle time.
            silent = asyncio.create_task(raw(port, b'{"type": "desc'))
            answer = await ask(port, question(ANSWERED[0]), ends=("handled",))
            answered_after = time.monotonic() - started
            assert await silent == []
            return answered_after, answer, time.monotonic() - started

    answered_after, answer, closed_after = run(scenario())
    assert answer[-1].type == "handled"
    assert answered_after < 5.0
    assert 0.4 < closed_after < 5.0


@pytest.mark.model
def test_a_stream_that_stops_coming_is_told_why_it_is_dropped(full_agent: Agent) -> None:
    """A client that opened a stream and then sent nothing saw its connection close at the
    idle time with no word, unlike every other refusal."""

    async def scenario() -> list[Event]:
        async with served(full_agent, idle_seconds=0.5) as (_, port):
            start = AudioStart(rate=16000, width=2, channels=1).event()
            chunk = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(3200)).event()
            return await raw(port, [Transcribe().event(), start, chunk])

    events = run(scenario())
    assert [event.type for event in events] == ["error"], events
    assert events[0].data["code"] == "idle"
    assert "end a question with audio-stop" in events[0].data["text"]


def test_a_client_opening_too_many_connections_is_told_busy_and_the_rest_are_served(
    text_agent: Agent,
) -> None:
    async def scenario() -> tuple[list[Event], list[Event], list[Event], list[list[Event]]]:
        server = Server(text_agent, "tcp://127.0.0.1:0", max_connections=3)
        listening = await server.start()
        port = listening.port
        assert port is not None
        try:
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
            async with asyncio.timeout(5.0):
                while server.connections < 3:
                    await asyncio.sleep(0.01)
            one_too_many = await raw(port, b"")
            # as Home Assistant asks, at once: what it sent is no reason to lose the reply
            described = [await raw(port, describe_bytes()) for _ in range(20)]
            # Those already open are answered, and a place that frees up is taken again.
            reader, writer = held[0]
            await async_write_event(question(ANSWERED[0]), writer)
            async with asyncio.timeout(10.0):
                answer = await async_read_event(reader)
            assert answer is not None
            for _, writer in held:
                writer.close()
            await connections_close(server)
            again = await ask(port, question(ANSWERED[0]), ends=("handled", "not-handled"))
            return one_too_many, [answer], again, described
        finally:
            await server.stop(grace=1.0)

    one_too_many, answer, again, described = run(scenario())
    assert all([event.type for event in told] == ["error"] for told in described), described
    assert [event.type for event in one_too_many] == ["error"]
    assert one_too_many[0].data["code"] == "busy"
    assert "try again later" in one_too_many[0].data["text"]
    assert answer[0].type == "handled" and ANSWERED[2] in answer[0].data["text"]
    assert again[-1].type == "handled"


def test_connections_refused_as_one_too_many_are_logged_once_a_minute_with_their_count(
    text_agent: Agent, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first was logged, then every thousandth: 70 clients turned away in a burst showed
    # as "1 refused so far". (A minute here is half a second.)
    monkeypatch.setattr("knotvoice.serve.server.REFUSALS_TOLD_EVERY", 0.5)

    async def scenario() -> None:
        server = Server(text_agent, "tcp://127.0.0.1:0", max_connections=0)
        listening = await server.start()
        port = listening.port
        assert port is not None
        try:
            for _ in range(5):  # a burst: the first told at once, the rest once it has passed
                await raw(port, b"")
            await asyncio.sleep(1.0)
            await raw(port, b"")  # after a quiet minute: told at once
            await raw(port, b"")  # told as the server stops
        finally:
            await server.stop(grace=0.1)

    with caplog.at_level(logging.WARNING, logger="knotvoice.serve.server"):
        run(scenario())
    said = [record.getMessage() for record in caplog.records]
    assert [re.sub(r"in the last \d+ s", "in the last N s", line) for line in said] == [
        "refused a connection: 0 are open already, the most this server takes (1 refused so far)",
        "refused 4 connections in the last N s: 0 are open already, the most this server "
        "takes (5 refused so far)",
        "refused 1 connection in the last N s: 0 are open already, the most this server takes "
        "(6 refused so far)",
        "refused 1 connection in the last N s: 0 are open already, the most this server takes "
        "(7 refused so far)",
    ]


def test_unknown_events_are_ignored_not_fatal(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(
                port,
                Event(type="synthesize-start", data={}),
                Event(type="no-such-event", data={"x": 1}),
                question(ANSWERED[0]),
                ends=("handled", "not-handled"),
            )

    events = run(scenario())
    assert [event.type for event in events] == ["handled"]


def test_speech_to_text_without_a_recognizer_is_a_clear_error(text_agent: Agent) -> None:
    async def scenario() -> list[Event]:
        async with served(text_agent) as (_, port):
            return await ask(
                port, AudioStart(rate=16000, width=2, channels=1).event(), ends=("error",)
            )

    events = run(scenario())
    assert events[-1].type == "error" and "no speech-to-text" in events[-1].data["text"]


def reset(writer: asyncio.StreamWriter) -> None:
    """Leave as a cancelled client may: at once, with a reset."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


def test_a_client_gone_before_its_reply_is_no_error(
    by_words: Matcher, synthesizer: Synthesizer, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant cancelling a pipeline resets its connection: the reply that cannot be
    sent is a debug line, not a server failure with a traceback."""
    gated = Gated(by_words)
    agent = Agent(reloader_of(gated), None, synthesizer)

    async def scenario() -> list[Event]:
        async with served(agent) as (server, port):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            await async_write_event(question(ANSWERED[0]), writer)
            assert await asyncio.to_thread(gated.entered.wait, 10.0)
            reset(writer)
            gated.gate.set()
            await connections_close(server)
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            await async_write_event(Synthesize(text="A long reply. " * 20).event(), writer)
            reset(writer)
            await connections_close(server)
            return await ask(port, question(ANSWERED[0]), ends=("handled",))

    with caplog.at_level(logging.DEBUG, logger="knotvoice"):
        answer = run(scenario())
    agent.close()
    assert [event.type for event in answer] == ["handled"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    lost = [r for r in caplog.records if r.getMessage().startswith("connection lost")]
    assert len(lost) == 2


def test_a_connection_error_inside_the_server_is_told_to_the_client(
    by_words: Matcher, synthesizer: Synthesizer, caplog: pytest.LogCaptureFixture
) -> None:
    """Only a client that left ends its turn quietly: a ConnectionError an engine raises (a
    service it talks to refusing) is a failure, logged, and the client is told."""

    class Refusing(Gated):
        def match(
            self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
        ) -> Match:
            raise ConnectionRefusedError("the engine's service refused")

    agent = Agent(reloader_of(Refusing(by_words)), None, synthesizer)
    with caplog.at_level(logging.DEBUG, logger="knotvoice"):
        events = run(_ask_served(agent, question(ANSWERED[0])))
    agent.close()
    assert [event.type for event in events] == ["error"]
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
    assert not [r for r in caplog.records if r.getMessage().startswith("connection lost")]


async def _ask_served(agent: Agent, event: Event) -> list[Event]:
    async with served(agent) as (_, port):
        return await ask(port, event, ends=("handled", "not-handled", "error"))


def test_connections_cut_on_stop_end_without_a_traceback(
    text_agent: Agent, caplog: pytest.LogCaptureFixture
) -> None:
    """On SIGTERM a connection still open after the grace period is cut, quietly."""

    async def scenario() -> int:
        server = Server(text_agent, "tcp://127.0.0.1:0")
        listening = await server.start()
        _, writer = await asyncio.open_connection("127.0.0.1", listening.port)
        async with asyncio.timeout(5.0):
            while not server.connections:
                await asyncio.sleep(0.01)
        await server.stop(grace=0.1)
        for _ in range(3):  # what asyncio does once the cut connection's task is done
            await asyncio.sleep(0)
        writer.close()
        return server.connections

    with caplog.at_level(logging.DEBUG):
        assert run(scenario()) == 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_connection_waiting_for_a_request_is_cut_at_once_on_stop(text_agent: Agent) -> None:
    """Home Assistant keeps a connection open between requests: a restart must not wait out
    the grace for it (the new server would find the old one still running and refuse)."""

    async def scenario() -> tuple[float, list[Event]]:
        server = Server(text_agent, "tcp://127.0.0.1:0")
        listening = await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", listening.port)
        await async_write_event(Describe().event(), writer)
        info = await async_read_event(reader)
        assert info is not None and info.type == "info"
        started = time.monotonic()
        await server.stop(grace=30.0)
        took = time.monotonic() - started
        left = []
        while (event := await async_read_event(reader)) is not None:
            left.append(event)
        writer.close()
        return took, left

    took, left = run(scenario())
    assert took < 10.0, f"an idle connection held the stop for {took:.1f} s"
    assert left == [], "nothing more is sent to it"


async def streaming(
    agent: Agent, spoken: Sequence[Event]
) -> tuple[Server, asyncio.StreamReader, asyncio.StreamWriter]:
    """A server started, and a client that has sent it ``spoken`` (a stream not yet
    stopped), once the server is busy with it."""
    server = Server(agent, "tcp://127.0.0.1:0")
    listening = await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", listening.port)
    for event in spoken:
        await async_write_event(event, writer)
    async with asyncio.timeout(10.0):
        while not server.busy:
            await asyncio.sleep(0.01)
    return server, reader, writer


def test_a_request_cut_on_stop_is_told_to_ask_again(
    by_words: Matcher, caplog: pytest.LogCaptureFixture
) -> None:
    """A question still being sent when the grace ran out was cut with no word: the client's
    next write failed, and nothing in the log said a request had been cut."""
    *spoken, _ = wav_events(np.zeros(1600, dtype=np.float32), 16000, 1)
    agent = Agent(reloader_of(by_words), Held(OFF_TOPIC), None)

    async def scenario() -> list[Event]:
        server, reader, writer = await streaming(agent, spoken)
        await server.stop(grace=0.2)
        received = []
        while (told := await async_read_event(reader)) is not None:
            received.append(told)
        writer.close()
        return received

    with caplog.at_level(logging.WARNING, logger="knotvoice.serve.server"):
        received = run(scenario())
    agent.close()
    assert [(event.type, event.data.get("code")) for event in received] == [("error", "stopping")]
    assert "ask again in a moment" in received[0].data["text"]
    assert [record.getMessage() for record in caplog.records] == [
        "stopping: cut 1 request still under way after 0.2 s, told to ask again"
    ]


def test_a_question_under_way_is_let_finish_on_stop(full_agent: Agent) -> None:
    """A question being spoken as the server stops still gets its transcript, within the
    grace; then its connection is cut."""
    samples, rate = soundfile.read(CLIP, dtype="float32")
    *spoken, stop = wav_events(samples, rate, 1)

    async def scenario() -> list[Event]:
        server, reader, writer = await streaming(full_agent, spoken)
        stopping = asyncio.create_task(server.stop(grace=30.0))
        await asyncio.sleep(0.2)
        await async_write_event(stop, writer)
        received = []
        while (answer := await async_read_event(reader)) is not None:
            received.append(answer)
        await stopping
        writer.close()
        return received

    received = run(scenario(), timeout=90.0)
    assert [event.type for event in received] == ["transcript"]
    assert "massage" in Transcript.from_event(received[0]).text.lower()


# --- the health check -----------------------------------------------------------------------


def knotvoice(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "knotvoice", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.model
@pytest.mark.parametrize(
    ("closed", "told"),
    [(False, "cannot write the output"), (True, "the output was closed")],
)
def test_output_that_cannot_be_written_does_not_stop_the_server_answering(
    tmp_path: Path, closed: bool, told: str
) -> None:
    """`serve --json >> server.jsonl` on a full disk stopped the server at its first line,
    before it served; `serve --json | reader` whose reader had gone failed each question
    ("transcript failed inside the server") with a traceback. Either is said once, and the
    server serves: a question gets its answer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "knotvoice", "serve", "--uri", f"tcp://127.0.0.1:{port}"]
    command += ["--json", "--log-dir", str(tmp_path / "log")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open("/dev/full", "w") as full:
        server = subprocess.Popen(
            command,
            stdout=subprocess.PIPE if closed else full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
    if server.stdout is not None:
        server.stdout.close()  # the reader gone before the server's first line

    async def ask() -> Event | None:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Transcript(text="how often should I massage a knot").event())
            answer: Event | None = await client.read_event()
            return answer

    try:
        deadline = time.monotonic() + 180.0
        reply = None
        while reply is None and server.poll() is None and time.monotonic() < deadline:
            try:
                reply = run(ask(), timeout=60.0)
            except OSError:
                time.sleep(0.5)  # not listening yet
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60.0) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.stderr is not None
    said = server.stderr.read()
    assert reply is not None and reply.type == "handled", said
    assert "massage" in str(Handled.from_event(reply).text).lower()
    lines = [line for line in said.splitlines() if told in line]
    assert len(lines) == 1 and "answering goes on" in lines[0], said
    assert "Traceback" not in said


def test_check_answers_0_against_a_running_server_and_1_against_a_closed_port(
    text_agent: Agent,
) -> None:
    async def scenario() -> tuple[str, subprocess.CompletedProcess[str], int]:
        async with served(text_agent) as (_, port):
            line = await check(f"tcp://127.0.0.1:{port}")
            result = await asyncio.to_thread(
                knotvoice, "serve", "--check", f"tcp://127.0.0.1:{port}"
            )
        return line, result, port

    line, result, port = run(scenario(), timeout=90.0)
    assert "handle knotvoice" in line and "tts knotvoice" in line
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "ok" in result.stdout
    # The same port, now closed.
    closed = knotvoice("serve", "--check", f"tcp://127.0.0.1:{port}")
    assert closed.returncode == 1
    assert "Traceback" not in closed.stderr
    assert closed.stderr.count("\n") == 1 and "cannot connect" in closed.stderr


def test_check_of_a_port_that_speaks_another_protocol_asks_whether_it_is_wyoming() -> None:
    """`serve --check` of a web server's port said "the server closed the connection", as if
    a knotvoice server had gone."""

    async def scenario() -> str:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            writer.write(b"HTTP/1.0 400 Bad request\r\nContent-Type: text/html\r\n\r\n<h1>")
            await writer.drain()
            writer.close()

        web = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = web.sockets[0].getsockname()[1]
        try:
            with pytest.raises(KnotvoiceError) as error:
                await check(f"tcp://127.0.0.1:{port}")
            return str(error.value)
        finally:
            web.close()
            await web.wait_closed()

    said = run(scenario(), timeout=30.0)
    assert "is it a Wyoming server (`knotvoice serve`)?" in said, said


def test_a_voice_named_wrong_stops_the_server_at_once(tmp_path: Path) -> None:
    """`serve --voice klingon-xx` (a slip) served on without text-to-speech and exit 0, and
    Home Assistant silently lost the server's voice; it is refused now, before the knowledge
    is prepared, as the other settings named wrong are."""
    log_dir = tmp_path / "log"
    result = knotvoice(
        "serve", "--voice", "klingon-xx", "--uri", "tcp://127.0.0.1:0", "--log-dir", str(log_dir)
    )
    assert result.returncode == 1, result.stderr
    (error,) = result.stderr.splitlines()
    assert error.startswith("knotvoice: error: no text-to-speech voice matches 'klingon-xx'; ")
    assert error.endswith("; name one, or leave --voice out for the default"), error
    status = knotvoice("status", "--log-dir", str(log_dir))
    assert "no text-to-speech voice matches 'klingon-xx'" in status.stdout, status.stdout
    # One named in a config file names the file, and is not told to leave out a flag not given.
    config = tmp_path / "knotvoice.toml"
    config.write_text('voice = "klingon-xx"\n', encoding="utf-8")
    result = knotvoice("serve", "--config", str(config), "--uri", "tcp://127.0.0.1:0")
    assert result.returncode == 1, result.stderr
    (error,) = result.stderr.splitlines()
    assert error.startswith(f"knotvoice: error: {config}: no text-to-speech voice matches ")
    assert error.endswith("; name one, or leave it out for the default"), error


def test_check_of_a_busy_server_says_it_is_busy(text_agent: Agent) -> None:
    async def scenario() -> str:
        server = Server(text_agent, "tcp://127.0.0.1:0", max_connections=1)
        listening = await server.start()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", listening.port)
            async with asyncio.timeout(5.0):
                while server.connections < 1:
                    await asyncio.sleep(0.01)
            with pytest.raises(KnotvoiceError) as refused:
                await check(listening.uri)
            writer.close()
            return str(refused.value)
        finally:
            await server.stop(grace=1.0)

    said = run(scenario())
    assert "busy" in said and "try again later" in said, said


async def served_and_checked(agent: Agent, uri: str) -> str:
    """What ``serve --check`` says of a server started on ``uri`` (stopped after)."""
    server = Server(agent, uri)
    await server.start()
    try:
        return await check(uri)
    finally:
        await server.stop(grace=1.0)


def test_a_unix_socket_serves_and_checks_too(text_agent: Agent, tmp_path: Path) -> None:
    uri = f"unix://{tmp_path}/knotvoice.sock"

    assert "handle knotvoice" in run(served_and_checked(text_agent, uri))
    assert not (tmp_path / "knotvoice.sock").exists(), "the socket file is removed on stop"


def test_a_unix_socket_path_naming_a_file_is_refused_and_the_file_kept(
    text_agent: Agent, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knots.yaml"
    knowledge.write_text("entries: []\n")

    async def scenario() -> None:
        # As `knotvoice serve` runs it: the server is stopped on the way out.
        settings = ServeSettings(uri=f"unix://{knowledge}", reload_seconds=0.0)
        await serve(text_agent, text_agent.matchers, settings)

    with pytest.raises(KnotvoiceError, match="is a file, not a socket"):
        run(scenario())
    assert knowledge.read_text() == "entries: []\n"


def test_a_second_server_on_a_live_socket_is_refused_and_the_first_keeps_serving(
    text_agent: Agent, tmp_path: Path
) -> None:
    """A second `serve --uri unix://PATH` (started by hand beside the service) deleted the
    first one's socket and took its place: Home Assistant lost the running server for good
    once the second was stopped."""
    uri = f"unix://{tmp_path}/knotvoice.sock"

    async def scenario() -> str:
        first = Server(text_agent, uri)
        await first.start()
        try:
            with pytest.raises(KnotvoiceError, match="another server is listening on"):
                await Server(text_agent, uri).start()
            return await check(uri)
        finally:
            await first.stop(grace=1.0)

    assert "handle knotvoice" in run(scenario())


def test_a_socket_left_by_a_killed_server_is_taken_over(text_agent: Agent, tmp_path: Path) -> None:
    path = tmp_path / "knotvoice.sock"
    left = socket.socket(socket.AF_UNIX)
    left.bind(str(path))
    left.close()
    uri = f"unix://{path}"

    assert "handle knotvoice" in run(served_and_checked(text_agent, uri))


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_a_server_on_every_ipv6_address_takes_ipv4_clients_too(text_agent: Agent) -> None:
    """``--uri tcp://[::]:PORT --zeroconf`` announces an IPv4 address: Home Assistant must
    be able to connect to it. (The one test that listens beyond loopback, for a moment.)"""
    hosts = ["127.0.0.1", *(["[::1]"] if ipv6_loopback() else [])]

    async def scenario() -> list[str]:
        server = Server(text_agent, "tcp://[::]:0")
        listening = await server.start()
        assert listening.uri.startswith("tcp://[::]:")
        try:
            return [await check(f"tcp://{host}:{listening.port}") for host in hosts]
        finally:
            await server.stop(grace=1.0)

    lines = run(scenario())
    assert len(lines) == len(hosts)
    assert all("ok, offers handle knotvoice" in line for line in lines)


# --- knowledge that changes -----------------------------------------------------------------


def test_an_edited_knowledge_file_is_answered_from_without_a_restart(
    tmp_path: Path, knowledge: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "faq.yaml"
    original = Path(knowledge.source).read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    swapped = threading.Event()
    reloader: Reloader[MatchStage] = Reloader.load(path, Matcher, on_reload=lambda _: swapped.set())
    agent = Agent(reloader)

    async def answer(port: int) -> str:
        return str((await ask(port, question(ANSWERED[0]), ends=("handled",)))[-1].data["text"])

    async def scenario() -> tuple[str, str, str]:
        with reloader.running(every=0.05):
            async with served(agent) as (_, port):
                before = await answer(port)
                path.write_text(
                    original.replace("up to six minutes a day", "up to ten minutes a day"),
                    encoding="utf-8",
                )
                assert await asyncio.to_thread(swapped.wait, 20.0), "no reload within 20 s"
                after = await answer(port)
                swapped.clear()
                path.write_text(original + "\n  - id: [broken\n", encoding="utf-8")
                failures = reloader.failures
                async with asyncio.timeout(20.0):
                    while reloader.failures == failures:
                        await asyncio.sleep(0.02)
                kept = await answer(port)
                return before, after, kept

    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        before, after, kept = run(scenario())
    agent.close()
    assert "six minutes a day" in before
    assert "ten minutes a day" in after
    assert kept == after, "a broken edit keeps the knowledge loaded before"
    warnings = [r for r in caplog.records if "loaded before" in r.getMessage()]
    assert len(warnings) == 1
    assert "invalid YAML" in warnings[0].getMessage()


# --- the command as a user runs it ----------------------------------------------------------


@pytest.mark.model
def test_serve_starts_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    """``knotvoice serve`` in a real process: it says where it listens, answers (SIGHUPs
    only read the knowledge again), follows an edit of its knowledge file and says so without
    ``-v``, and stops cleanly on SIGTERM (what systemd sends)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    faq = tmp_path / "knots.yaml"
    original = (ROOT / "knowledge" / "knots.yaml").read_text(encoding="utf-8")
    faq.write_text(original, encoding="utf-8")
    command = ["serve", "--uri", "tcp://127.0.0.1:0", "--json", "--log-dir", str(tmp_path / "log")]
    command += ["--knowledge", str(faq)]
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout, process.stderr
    told: list[str] = []  # what it says on stderr, as it says it

    def tell() -> None:
        for line in stderr:
            told.append(line)

    teller = threading.Thread(target=tell, daemon=True)
    teller.start()
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=180.0)
        assert lines and lines[0], "no 'serving' line within 180 s"
        serving = json.loads(lines[0])
        assert serving["event"] == "serving"
        uri = serving["uri"]
        port = int(uri.rsplit(":", 1)[1])
        assert "ok" in run(check(uri))
        status = json.loads((tmp_path / "log" / "status.json").read_text())
        assert status["microphone"] == status["speaker"] == "none"
        assert status["knowledge"].startswith("knots.yaml@")
        assert status["command"] == "serve"  # `knotvoice status`: "since the server started"
        assert status["stopped"] is None
        for _ in range(20):  # what `systemctl reload` sends: the knowledge is read again
            process.send_signal(signal.SIGHUP)
        unchanged = f"knotvoice: {faq} unchanged since it was read; answering from it\n"
        deadline = time.monotonic() + 60.0
        # each SIGHUP on the file as it was says so without -v (`journalctl` shows the reload)
        while unchanged not in told and time.monotonic() < deadline:
            time.sleep(0.05)
        assert unchanged in told, told
        (event,) = run(ask(port, question(ANSWERED[0]), ends=("handled", "not-handled")))
        assert event.type == "handled" and ANSWERED[2] in event.data["text"]
        assert "up to six minutes a day" in original
        faq.write_text(original.replace("up to six minutes", "up to ten minutes"), "utf-8")
        deadline = time.monotonic() + 120.0
        while time.monotonic() < deadline:  # the status counts the reload once it is taken
            if json.loads((tmp_path / "log" / "status.json").read_text())["reloads"]:
                break
            time.sleep(0.2)
        (event,) = run(ask(port, question(ANSWERED[0]), ends=("handled", "not-handled")))
        assert "up to ten minutes" in event.data["text"], "the edit is answered from"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30.0) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10.0)
    turns = [json.loads(line) for line in stdout.read().splitlines() if line.strip()]
    answered = [turn["entry"] for turn in turns if turn["event"] == "turn"]
    assert answered == ["massage-how-often"] * 2
    logged = [json.loads(line) for line in (tmp_path / "log" / "turns.jsonl").open()]
    assert [(t["decision"], t["entry"], t["front"]) for t in logged] == [
        ("answer", "massage-how-often", "serve")
    ] * 2
    status = json.loads((tmp_path / "log" / "status.json").read_text())
    assert status["stopped"] is not None, "`knotvoice status` says at once that it stopped"
    teller.join(timeout=10.0)
    said = "".join(told)
    assert f"knotvoice: {faq} changed; answering from the new knowledge (" in said, said
