"""The vosk recognizer: the only module that imports vosk and reads its JSON.

``VoskModel.load(path)`` loads a model directory once; ``VoskRecognizer`` turns it into a
``Recognizer`` (see ``asr``), optionally restricted to the knowledge's phrases with a vosk
grammar so that only words the FAQ can use are heard.

A vosk recognizer builds its decoding graph lazily, as the audio asks for its states, and keeps
what it built, as memory that only grows. With the bundled Korean model a fresh one spent most
of a second on its first chunk of audio and decoded at 0.77 times real time, one that had
heard earlier questions at 0.37 (``docs/kiosk.md``). So each ``VoskRecognizer`` hands the
native recognizer of a finished utterance to the next one, for a minute of audio in all
(``REUSE_SECONDS``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import vosk

from knotvoice.asr import Transcript, Word, transcribe_with
from knotvoice.asr.download import is_vosk_model
from knotvoice.audio import CHANNELS, RATE, WIDTH, AudioChunk
from knotvoice.errors import AudioInputError, ModelError

logger = logging.getLogger(__name__)

DOWNLOAD_HINT = "run `knotvoice models download vosk-small-en-us`"
"""What to tell a user who has no usable vosk model."""

UNKNOWN_WORD = "[unk]"
"""Vosk's word for speech outside a grammar."""

IDLE_LIMIT = 1
"""Native recognizers a ``VoskRecognizer`` keeps for its next utterances: the kiosk and the
server hear one utterance at a time."""

REUSE_SECONDS = 60.0
"""Seconds of audio a native recognizer hears before it is let go for a fresh one: the graph it
builds lazily grows with the speech it has decoded."""

_NOT_WORD = re.compile(r"[^\w']+")


def check_model_dir(path: Path) -> None:
    """Raise ``ModelError`` unless ``path`` has the layout of a vosk model directory.

    Vosk's own loader prints to stderr and may abort on some broken inputs, so the layout is
    checked before vosk sees the directory.
    """
    if not path.exists():
        raise ModelError(f"{path}: no such vosk model directory; {DOWNLOAD_HINT}")
    if not path.is_dir():
        raise ModelError(f"{path}: not a directory, so not a vosk model; {DOWNLOAD_HINT}")
    if not is_vosk_model(path):
        raise ModelError(
            f"{path}: not a vosk model (needs am/final.mdl, conf/mfcc.conf and a graph); "
            f"{DOWNLOAD_HINT}"
        )


class VoskModel:
    """A loaded vosk model directory (load it once, share it between recognizers)."""

    def __init__(self, path: Path, native: Any) -> None:
        """Wrap an already loaded ``vosk.Model``; use ``VoskModel.load`` instead."""
        self.path = path
        """The model directory."""
        self._native = native

    @classmethod
    def load(cls, path: Path) -> VoskModel:
        """Load the vosk model in directory ``path``; ``ModelError`` if it is missing or broken."""
        path = Path(path)
        check_model_dir(path)
        vosk.SetLogLevel(-1)
        logger.info("loading vosk model %s", path)
        try:
            native = vosk.Model(str(path))
        except Exception as error:
            raise ModelError(
                f"{path}: vosk could not load this model ({error}); it may be incomplete, "
                f"delete it and {DOWNLOAD_HINT}"
            ) from None
        return cls(path, native)

    @property
    def native(self) -> Any:
        """The underlying ``vosk.Model`` (for this module's recognizers)."""
        return self._native

    def knows(self, word: str) -> bool:
        """Whether ``word`` is in the model's vocabulary."""
        if not word or any(char.isspace() for char in word):
            return False
        return int(self._native.vosk_model_find_word(word)) != -1

    def describe(self) -> str:
        """One line about the model: its README's first line, else the directory name."""
        readme = self.path / "README"
        try:
            with readme.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    if line.strip():
                        return line.strip()
        except OSError:
            pass
        return self.path.name


def phrase_words(phrase: str) -> list[str]:
    """A phrase as vosk vocabulary words: lower case, punctuation other than ' removed."""
    return [
        word.strip("'") for word in _NOT_WORD.sub(" ", phrase.lower()).split() if word.strip("'")
    ]


def build_grammar(model: VoskModel, phrases: Sequence[str]) -> tuple[list[str], list[str]]:
    """The vosk grammar for ``phrases`` and the words left out because the model lacks them.

    Each phrase keeps only its known words; ``[unk]`` is added (when the model has it) so that
    speech outside the phrases can come out as unknown rather than as the nearest phrase.
    """
    grammar: list[str] = []
    dropped: list[str] = []
    for phrase in phrases:
        known: list[str] = []
        for word in phrase_words(phrase):
            if model.knows(word):
                known.append(word)
            elif word not in dropped:
                dropped.append(word)
        text = " ".join(known)
        if text and text not in grammar:
            grammar.append(text)
    if grammar and model.knows(UNKNOWN_WORD):
        grammar.append(UNKNOWN_WORD)
    return grammar, dropped


def _parse_result(raw: str, offset: float = 0.0) -> tuple[str, list[Word]]:
    """Text and words of one vosk ``Result``/``FinalResult`` JSON document, the words' times
    less ``offset`` seconds."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        logger.warning("vosk returned a result that is not JSON: %r", raw[:200])
        return "", []
    if not isinstance(data, dict):
        return "", []
    words: list[Word] = []
    for item in data.get("result") or []:
        if not isinstance(item, dict) or "word" not in item:
            continue
        words.append(
            Word(
                text=str(item["word"]),
                start=max(0.0, float(item.get("start", 0.0)) - offset),
                end=max(0.0, float(item.get("end", 0.0)) - offset),
                confidence=min(1.0, max(0.0, float(item.get("conf", 1.0)))),
            )
        )
    text = str(data.get("text") or "").strip()
    if not text and words:
        text = " ".join(word.text for word in words)
    return text, words


class VoskStream:
    """One utterance being recognised by vosk."""

    def __init__(
        self,
        native: Any,
        sample_rate: int,
        heard_before: int = 0,
        done: Callable[[Any, int], None] | None = None,
    ) -> None:
        """Wrap a ``vosk.KaldiRecognizer`` that has heard ``heard_before`` samples of earlier
        utterances (vosk times words from its first sample); ``done`` gets it back with the
        samples it has heard once this utterance is finished. Use ``VoskRecognizer.stream``."""
        self._native = native
        self._rate = sample_rate
        self._heard_before = heard_before
        self._done = done
        self._samples = 0
        self._unsettled = 0
        """Samples heard since vosk last ended a segment."""
        self._texts: list[str] = []
        self._words: list[Word] = []
        self._endpoint = False
        self._result: Transcript | None = None

    def accept(self, chunk: AudioChunk) -> None:
        """Feed one chunk of 16-bit mono audio at the recognizer's rate."""
        if self._result is not None:
            raise RuntimeError("this recognition stream is finished; start a new one")
        if chunk.rate != self._rate or chunk.width != WIDTH or chunk.channels != CHANNELS:
            raise AudioInputError(
                f"vosk needs {self._rate} Hz mono 16-bit audio, got {chunk.rate} Hz, "
                f"{chunk.channels} channel(s), {chunk.width * 8}-bit; read it with read_audio"
            )
        try:
            self._endpoint = bool(self._native.AcceptWaveform(chunk.audio))
        except Exception:
            self._done = None  # what it has heard is unknown: not for another utterance
            raise
        self._samples += chunk.samples
        self._unsettled += chunk.samples
        if self._endpoint:
            self._unsettled = 0
            self._keep(self._native.Result())

    def settle(self) -> str:
        """End the segment heard so far now, at a pause, and return everything heard so
        far: finishing with no more audio then costs nothing, where vosk's final result takes
        tens of milliseconds. Audio accepted after it starts a new segment heard afresh, with
        a new feature pipeline and speaker adaptation (after a pause vosk found itself, they
        go on)."""
        if self._result is None and self._unsettled:
            try:
                raw = self._native.FinalResult()
            except Exception:
                self._done = None  # what it has heard is unknown: not for another utterance
                raise
            self._keep(raw)
            self._unsettled = 0
            self._endpoint = False
        return self.partial()

    def _keep(self, raw: str) -> None:
        text, words = _parse_result(raw, self._heard_before / self._rate)
        if text:
            self._texts.append(text)
        self._words.extend(words)

    @property
    def endpoint(self) -> bool:
        """True when the last ``accept`` ended a segment (vosk heard speech stop, or silence)."""
        return self._endpoint

    def partial(self) -> str:
        """Everything heard so far in this utterance; empty when nothing yet."""
        if self._result is not None:
            return self._result.text
        try:
            data = json.loads(self._native.PartialResult())
        except json.JSONDecodeError:
            data = {}
        current = str(data.get("partial") or "").strip() if isinstance(data, dict) else ""
        return " ".join([*self._texts, current] if current else self._texts)

    def finish(self) -> Transcript:
        """End the utterance; the transcript covers every segment vosk found in it."""
        if self._result is None:
            if self._endpoint:
                # vosk ended a segment on the last chunk: its final result is empty and the
                # recognizer stays mid-stream (the next audio would continue this visitor's),
                # so it is not kept for another utterance.
                self._done = None
            elif self._unsettled:
                self._keep(self._native.FinalResult())
            self._endpoint = False
            self._result = Transcript(
                text=" ".join(self._texts),
                words=tuple(self._words),
                engine=VoskRecognizer.name,
                audio_seconds=self._samples / self._rate,
            )
            if self._done is not None:
                self._done(self._native, self._heard_before + self._samples)
                self._done = None
        return self._result


class VoskRecognizer:
    """A ``Recognizer`` backed by a loaded vosk model, optionally limited to some phrases."""

    name = "vosk"
    streaming = True

    def __init__(
        self,
        model: VoskModel,
        phrases: Sequence[str] | None = None,
        sample_rate: int = RATE,
    ) -> None:
        """Recognise freely, or (with ``phrases``) only the words of those phrases."""
        self.model = model
        self.sample_rate = sample_rate
        self.grammar: tuple[str, ...] | None = None
        """The phrases vosk is limited to, as it receives them; None for free recognition."""
        self.dropped_words: tuple[str, ...] = ()
        """Phrase words left out of the grammar because the model does not know them."""
        self._idle: list[tuple[Any, int]] = []
        """Native recognizers of finished utterances, for the current grammar, each with the
        samples it has heard."""
        self._lock = threading.Lock()
        if phrases is not None:
            self.bias(phrases, "")

    def expect(self, answers: str) -> None:
        """Nothing to do: the words of the answers are in the grammar already
        (``app.recognition_bias``), and vosk weighs no phrase above another."""

    def bias(self, phrases: Sequence[str], prompt: str = "") -> None:
        """Limit recognition to the words of ``phrases`` from the next utterance on (none:
        recognise freely). ``prompt`` is whisper's and means nothing here."""
        grammar, dropped = build_grammar(self.model, phrases) if phrases else ([], [])
        if dropped:
            logger.info(
                "%d phrase word(s) are not in the vosk vocabulary and are ignored: %s",
                len(dropped),
                ", ".join(dropped[:20]),
            )
        if phrases and not grammar:
            logger.warning("no phrase word is in the vosk model's vocabulary; recognising freely")
        with self._lock:
            self.grammar, self.dropped_words = (tuple(grammar) or None), tuple(dropped)
            self._idle.clear()

    def stream(self) -> VoskStream:
        """Start recognising a new utterance (with a native recognizer an earlier one left,
        when there is one)."""
        with self._lock:
            grammar = self.grammar
            native, heard = self._idle.pop() if self._idle else (None, 0)
        if native is None:
            if grammar is None:
                native = vosk.KaldiRecognizer(self.model.native, float(self.sample_rate))
            else:
                native = vosk.KaldiRecognizer(
                    self.model.native,
                    float(self.sample_rate),
                    json.dumps(list(grammar), ensure_ascii=False),
                )
            native.SetWords(True)

        def done(native: Any, heard: int) -> None:
            with self._lock:
                if (
                    self.grammar == grammar
                    and len(self._idle) < IDLE_LIMIT
                    and heard < REUSE_SECONDS * self.sample_rate
                ):
                    self._idle.append((native, heard))

        return VoskStream(native, self.sample_rate, heard, done)

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        """Recognise a whole utterance."""
        return transcribe_with(self, chunks)

    def spotter(self, words: Sequence[str]) -> VoskRecognizer:
        """The same model limited to ``words`` (a grammar): cheap, for "stop" and the like."""
        return VoskRecognizer(self.model, phrases=list(words), sample_rate=self.sample_rate)
