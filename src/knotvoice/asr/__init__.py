"""Recognition: one small interface, two engines (vosk and whisper).

Only ``asr.vosk`` imports vosk and only ``asr.whisper`` imports faster-whisper; this module
holds what they share. ``asr.download`` fetches vosk models; ``knotvoice.app`` picks and
loads an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from knotvoice.audio import AudioChunk


@dataclass(frozen=True)
class Word:
    """One recognised word."""

    text: str
    start: float
    """Start in seconds from the beginning of the utterance."""
    end: float
    """End in seconds from the beginning of the utterance."""
    confidence: float
    """Engine confidence in [0, 1]."""


class FitToAudio(Protocol):
    """How well each of some texts fits the audio of one utterance (``Transcript.fit``)."""

    def __call__(self, texts: Sequence[str], within: float | None = None) -> tuple[float, ...]:
        """Each text's log-likelihood in nats given the audio (higher fits better).

        With ``within``, a text after the first that a quicker look finds more than
        ``within`` nats (and a margin of the engine's) less likely than the first is looked
        at no further and comes back as ``-inf``. The others' scores are as without
        ``within`` (the first's is the quicker look's when every other text is dropped). An
        engine with no quicker look scores every text."""
        ...


@dataclass(frozen=True)
class Transcript:
    """What the recognizer heard in one utterance."""

    text: str
    words: tuple[Word, ...] = ()
    engine: str = ""
    """Name of the engine that produced it ("vosk" or "whisper")."""
    audio_seconds: float = 0.0
    """Length of the audio that was recognised, in seconds."""
    alternatives: tuple[str, ...] = ()
    """Other likely hearings of the same audio, most likely first (empty when the engine
    gives none). When ``text`` cannot be answered, one of these may be."""
    fit: FitToAudio | None = field(default=None, compare=False, repr=False)
    """How well each of some texts fits the audio of this utterance: its log-likelihood in
    nats (higher fits better), comparable between texts for the same utterance. None when
    the engine cannot say. It lets a reading the engine did not pick ("a knot in my back"
    for "an art in my back") be checked against what was actually said."""
    likelihoods: tuple[float, ...] = ()
    """Log-likelihood in nats of ``text`` and then of each of ``alternatives`` given the audio,
    as the engine found them; empty when the engine gives none. How much more likely one
    hearing is than another is what weighs their evidence."""

    timing: Callable[[], tuple[Word, ...]] | None = field(default=None, compare=False, repr=False)
    """The words with their timings and confidences, worked out when first asked for
    (``timed``) rather than while the visitor waits: only hearing again needs them, and only
    for a question not answered as heard. None when ``words`` already holds them."""

    def timed(self) -> Transcript:
        """This transcript with its ``words``, worked out now if the engine left them for
        later."""
        if self.words or self.timing is None:
            return self
        return replace(self, words=self.timing(), timing=None)

    @property
    def confidence(self) -> float | None:
        """Mean word confidence, or None when the engine gave none."""
        if not self.words:
            return None
        return sum(word.confidence for word in self.words) / len(self.words)


class RecognizerStream(Protocol):
    """An utterance being recognised while it is spoken."""

    def accept(self, chunk: AudioChunk) -> None:
        """Feed one 16 kHz mono 16-bit chunk."""

    def partial(self) -> str:
        """Text heard so far (may change); empty when nothing yet."""

    def settle(self) -> str:
        """At a pause: finish recognising what has been heard so far, so that ``finish`` with
        no more audio costs next to nothing, and return its text (empty for an engine that
        recognises only at the end). Audio accepted after it continues the utterance, heard
        as by a fresh recognizer."""

    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""


class Recognizer(Protocol):
    """A loaded speech recognizer."""

    name: str
    streaming: bool
    """True when it recognises while the audio arrives (vosk); False when it recognises the
    utterance once it is complete (whisper), so the kiosk may start early, at a pause."""

    def stream(self) -> RecognizerStream:
        """Start recognising a new utterance."""

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        """Recognise a whole utterance."""

    def spotter(self, words: Sequence[str]) -> Recognizer:
        """A cheap recognizer for a few short words ("stop"), sharing this one's model."""

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        """Listen for another knowledge's words (vosk: ``phrases``; whisper: ``prompt``) from
        the next utterance on; the utterance under way keeps the old ones."""

    def expect(self, answers: str) -> None:
        """Hear the utterances from the next on as likely one of ``answers`` ("Yes. No.": a
        did-you-mean was asked), until told "" (a question may come)."""


def transcribe_with(recognizer: Recognizer, chunks: Iterable[AudioChunk]) -> Transcript:
    """Feed every chunk to a fresh stream and finish it (shared by the adapters)."""
    stream = recognizer.stream()
    for chunk in chunks:
        stream.accept(chunk)
    return stream.finish()
