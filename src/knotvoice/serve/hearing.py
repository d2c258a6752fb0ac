"""An utterance heard while it arrives, so that its transcript is ready when the audio stops.

A voice device of Home Assistant streams the question as it is spoken, then the silence its
own voice detector waits for (0.7 s by default), and only then ``audio-stop``. Heard after
the stop, the question waits for all of recognition. So, as the kiosk does:

- a recognizer that hears a whole utterance at once (whisper) is started at each pause in
  the audio so far, on a thread of its own (``knotvoice.kiosk.ahead``); when the pause lasts
  until the stop, its transcript is the one sent, and when the voice goes on, the work is
  dropped and stops at its next pass;
- a streaming recognizer (vosk) is given each piece of audio as it comes and settles what
  it heard 0.24 s into a pause, holding the rest of the pause back unless the voice goes
  on, so that at the stop it only finishes.

What is heard at a pause is given to ``prepare`` (the server works out its reply then).
Pauses are found by the kiosk's voice detector, with the kiosk's settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from knotvoice.asr import Recognizer, RecognizerStream, Transcript
from knotvoice.audio import CHUNK_SAMPLES, RATE, AudioChunk, chunks_from_array, float_to_pcm16
from knotvoice.kiosk.ahead import SETTLE_AFTER, WORK_AHEAD_AFTER, WORK_AHEAD_TIMEOUT, Ahead
from knotvoice.kiosk.vad import FrameSplitter, VoiceDetector
from knotvoice.settings import VadSettings

__all__ = ["Hearing"]

_log = logging.getLogger(__name__)


class Hearing:
    """Hears one utterance while it arrives (``add``, from any one thread) and gives its
    transcript at the end (``finish``).

    ``transcribe`` hears a whole utterance with the recognizer (waiting for it when another
    connection has it); ``prepare`` is given what was heard at a pause, on the same thread,
    once it is heard: work there is dropped when the voice goes on, and goes on after the
    stop when the transcript it was given is the one sent (the transcript is not held up
    for it).
    """

    def __init__(
        self,
        recognizer: Recognizer,
        transcribe: Callable[[Sequence[AudioChunk]], Transcript],
        vad: VadSettings,
        prepare: Callable[[Transcript], None] | None = None,
    ) -> None:
        self._transcribe = transcribe
        self._detector = VoiceDetector.of(vad)
        self._splitter = FrameSplitter(self._detector.frame_samples)
        self._frame_seconds = self._detector.frame_samples / RATE
        self._chunks: list[AudioChunk] = []
        """The utterance so far, as 16 kHz mono 16-bit chunks."""
        self._samples = 0
        self._pending = np.zeros(0, dtype=np.float32)
        """Samples not yet heard: less than a chunk."""
        self._voiced = 0
        """How many of ``chunks`` reach the last frame heard as speech."""
        self._silence = 0.0
        """Seconds since that frame (0 before any speech)."""

        self._started = -1
        """How many chunks the work ahead under way was given."""
        self._transcribed: tuple[int, Transcript] | None = None
        """The last transcript worked out ahead, with how many chunks it heard."""
        self._ready = threading.Condition()

        def heard_ahead(chunks: Sequence[AudioChunk]) -> Transcript:
            transcript = transcribe(chunks)
            with self._ready:
                self._transcribed = (len(chunks), transcript)
                self._ready.notify_all()
            return transcript

        self._ahead = (
            None if recognizer.streaming else Ahead(heard_ahead, prepare or (lambda _: None))
        )
        self._recognizer = recognizer
        self._prepare = prepare
        self._stream: RecognizerStream | None = None
        self._held: list[AudioChunk] | None = None
        """Chunks of a pause held back from a streaming recognizer that settled (None: it
        has not, or the voice went on since)."""
        self.worked_ahead = False
        """True once ``finish`` gave a transcript heard before the audio stopped (worked out
        at a pause, or streamed and only finished)."""
        self._failed = False
        self._closed = False
        self._forgotten = False
        self._starting = threading.Lock()
        """Held while work ahead is started or dropped (on the hearing thread), and while
        the utterance is forgotten (``close``): a client gone meanwhile leaves none under
        way."""
        # The event loop hands audio over and goes on; one thread hears it in order.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knotvoice-heard")

    def add(self, samples: npt.NDArray[np.float32]) -> None:
        """Take the next 16 kHz mono samples of the utterance (heard on a thread of its own)."""
        if len(samples) and not self._closed:
            self._pool.submit(self._take, samples)

    def finish(self, samples: npt.NDArray[np.float32]) -> Future[Transcript]:
        """The transcript of the utterance, whose samples (all of them, as heard by the one who
        sent them) are ``samples``: worked out ahead when the voice had stopped since, else
        recognised now; on the hearing thread, after every piece given before."""
        self._closed = True
        return self._pool.submit(self._finish, samples)

    def close(self) -> None:
        """Forget the utterance: work under way stops at its next pass."""
        with self._starting:
            self._closed = self._forgotten = True
            if self._ahead is not None:
                self._ahead.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _take(self, samples: npt.NDArray[np.float32]) -> None:
        # Heard in chunks of a fixed size from the utterance's start, as ``transcribe`` hears
        # a whole one: vosk's result depends on where its pieces of audio begin and end.
        self._pending = np.concatenate([self._pending, samples])
        while len(self._pending) >= CHUNK_SAMPLES:
            self._hear(self._pending[:CHUNK_SAMPLES])
            self._pending = self._pending[CHUNK_SAMPLES:]

    def _hear(self, samples: npt.NDArray[np.float32]) -> None:
        if self._failed or not len(samples):
            return
        chunk = AudioChunk(float_to_pcm16(samples), timestamp=self._samples / RATE)
        self._samples += len(samples)
        self._chunks.append(chunk)
        try:
            for frame in self._splitter.split(chunk):
                pausing = self._silence > 0.0
                if self._detector.is_speech(frame.audio, self._voiced > 0, skip_quiet=pausing):
                    self._voiced, self._silence = len(self._chunks), 0.0
                elif self._voiced:
                    self._silence += self._frame_seconds
            if self._recognizer.streaming:
                self._stream_on(chunk)
            else:
                self._work_ahead()
        except Exception as error:
            _log.warning("could not hear an utterance as it came (%s); hearing it whole", error)
            self._failed = True

    def _stream_on(self, chunk: AudioChunk) -> None:
        """Give ``chunk`` to the streaming recognizer, as the kiosk does: once a pause has
        lasted ``SETTLE_AFTER`` it settles what it heard, that text is worked out, and the
        rest of the pause is held back unless the voice goes on, so that the stop needs no
        final result."""
        if self._stream is None:
            self._stream = self._recognizer.stream()
        stream = self._stream
        if self._held is not None:
            if self._voiced < len(self._chunks):
                self._held.append(chunk)
                return
            held, self._held = self._held, None  # the voice went on: all of it is heard
            for piece in held:
                stream.accept(piece)
        stream.accept(chunk)
        if self._voiced and self._silence >= SETTLE_AFTER:
            text = stream.settle().strip()
            self._held = []
            if text and self._prepare is not None:
                self._prepare(Transcript(text, engine=self._recognizer.name))

    def _work_ahead(self) -> None:
        ahead = self._ahead
        if ahead is None or not self._voiced:
            return
        with self._starting:
            if self._forgotten:
                return
            if self._silence == 0.0:
                if not ahead.covers(self._voiced):
                    ahead.drop()  # the voice went on: it stops at its next pass
            elif self._silence >= WORK_AHEAD_AFTER and not ahead.covers(self._voiced):
                ahead.start(self._chunks)
                self._started = len(self._chunks)

    def _finish(self, samples: npt.NDArray[np.float32]) -> Transcript:
        self._hear(self._pending)
        heard = self._samples == len(samples) and not self._failed
        ahead = self._ahead
        try:
            if heard and ahead is not None and ahead.covers(self._voiced):
                transcript = self._heard_ahead(ahead)
                if transcript is not None:
                    self.worked_ahead = True
                    ahead.release()  # what is done with it goes on
                    return transcript
            if heard and self._stream is not None:
                stream, self._stream = self._stream, None
                try:
                    transcript = stream.finish()
                    self.worked_ahead = True
                    return transcript
                except Exception as error:
                    _log.warning("could not finish an utterance heard as it came (%s)", error)
            return self._transcribe(
                self._chunks if heard else list(chunks_from_array(samples, RATE))
            )
        finally:
            if ahead is not None:
                ahead.close()
            self._pool.shutdown(wait=False)

    def _heard_ahead(self, ahead: Ahead) -> Transcript | None:
        """The transcript of the work ahead under way, once heard (None: it failed)."""
        deadline = time.monotonic() + WORK_AHEAD_TIMEOUT
        with self._ready:
            while True:
                found = self._transcribed
                if found is not None and found[0] == self._started:
                    return found[1]
                left = deadline - time.monotonic()
                if ahead.finished or left <= 0:
                    return None
                self._ready.wait(min(left, 0.05))
