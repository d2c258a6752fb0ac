"""Working ahead: the question is recognised and matched while the visitor may still speak.

A recognizer that hears a whole utterance at once (whisper) has nothing to do while the
visitor speaks, and then everything to do after the end of speech. So at a pause the kiosk
starts recognising and matching what was said so far, on a thread of its own. If the pause
turns out to be the end, the work is done or nearly done when the end is confirmed; if the
visitor speaks on, it is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from knotvoice.asr import Recognizer, Transcript
from knotvoice.audio import AudioChunk
from knotvoice.turn import Understood

__all__ = ["Ahead", "Worked"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Worked:
    """An utterance recognised and its question worked out."""

    transcript: Transcript
    understood: Understood | None
    """None for a follow-up command or nothing heard."""
    asr_ms: float
    """Milliseconds recognition took."""


class Ahead:
    """Recognises and works out one utterance at a time on its own thread."""

    def __init__(
        self, recognizer: Recognizer, understand: Callable[[Transcript], Understood | None]
    ) -> None:
        self._recognizer = recognizer
        self._understand = understand
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knotvoice-ahead")
        self._job: Future[Worked] | None = None
        self._covers = -1
        """How many chunks of the utterance the job under way hears."""

    def start(self, chunks: Sequence[AudioChunk]) -> None:
        """Work out the utterance as it is so far (``chunks``), unless already under way."""
        if self._job is not None and self._covers == len(chunks):
            return
        self.drop()
        self._covers = len(chunks)
        self._job = self._pool.submit(self._work, list(chunks))

    def covers(self, speech: int) -> bool:
        """True when the work under way heard the utterance's first ``speech`` chunks, up to
        its last spoken one (what came after it is silence)."""
        return self._job is not None and self._covers >= speech

    def result(self, timeout: float) -> Worked | None:
        """The work under way, waited for (None when it failed or took too long)."""
        job, self._job = self._job, None
        self._covers = -1
        if job is None:
            return None
        try:
            return job.result(timeout=timeout)
        except Exception as error:
            _log.warning("working ahead failed: %s", error)
            return None

    def drop(self) -> None:
        """Forget the work under way (the visitor spoke on); it finishes unheeded."""
        if self._job is not None:
            self._job.cancel()
        self._job = None
        self._covers = -1

    def close(self) -> None:
        self.drop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _work(self, chunks: list[AudioChunk]) -> Worked:
        start = time.perf_counter()
        transcript = self._recognizer.transcribe(chunks)
        asr_ms = (time.perf_counter() - start) * 1000.0
        return Worked(transcript, self._understand(transcript), asr_ms)
