"""One turn: audio (or typed text) in, a decision and the words to say back out.

The turn strings the stages together and times each one; it owns no engine itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from knotvoice.asr import Recognizer, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.matcher import Match, MatchStage
from knotvoice.rehear import rehear
from knotvoice.reply import reply_text


class SpeechStage(Protocol):
    def synthesize(self, text: str) -> list[AudioChunk]: ...


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent in each stage of a turn (0 for a stage that did not run)."""

    asr_ms: float = 0.0
    match_ms: float = 0.0
    tts_ms: float = 0.0


@dataclass(frozen=True)
class TurnResult:
    transcript: Transcript
    match: Match
    reply: str
    """What the kiosk says back."""
    timings: Timings
    reply_audio: tuple[AudioChunk, ...] = field(default=(), repr=False)
    """The synthesized reply; empty when no speech stage ran."""


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def hear(recognizer: Recognizer, chunks: Iterable[AudioChunk]) -> tuple[Transcript, float]:
    """Recognise an utterance; returns the transcript and milliseconds taken."""
    start = time.perf_counter()
    transcript = recognizer.transcribe(chunks)
    return transcript, _ms(start)


def respond(
    transcript: Transcript,
    matcher: MatchStage,
    speech: SpeechStage | None = None,
    asr_ms: float = 0.0,
) -> TurnResult:
    """Match a transcript (hearing it again for the knowledge's key words when it is not
    answered), build the reply and (with a speech stage) synthesize it."""
    start = time.perf_counter()
    transcript, match = rehear(transcript, matcher)
    match_ms = _ms(start)
    text = reply_text(match, matcher.knowledge)
    audio: tuple[AudioChunk, ...] = ()
    tts_ms = 0.0
    if speech is not None:
        start = time.perf_counter()
        audio = tuple(speech.synthesize(text))
        tts_ms = _ms(start)
    return TurnResult(transcript, match, text, Timings(asr_ms, match_ms, tts_ms), audio)


def run_turn(
    chunks: Iterable[AudioChunk],
    recognizer: Recognizer,
    matcher: MatchStage,
    speech: SpeechStage | None = None,
) -> TurnResult:
    """The runtime path for one recorded or captured question."""
    transcript, asr_ms = hear(recognizer, chunks)
    return respond(transcript, matcher, speech, asr_ms)


def run_text_turn(text: str, matcher: MatchStage, speech: SpeechStage | None = None) -> TurnResult:
    """The runtime path for a typed question."""
    return respond(Transcript(text=text, engine="text"), matcher, speech)
