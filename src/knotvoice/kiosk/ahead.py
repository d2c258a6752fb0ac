"""Working ahead: the question is recognised and matched while the visitor may still speak.

A recognizer that hears a whole utterance at once (whisper) has nothing to do while the
visitor speaks, and then everything to do after the end of speech. So at a pause the kiosk
starts recognising and matching what was said so far, on a thread of its own. If the pause
turns out to be the end, the work is done or nearly done when the end is confirmed; if the
visitor speaks on, it is dropped, and stops at its next pass (``knotvoice.dropped``).

A streaming recognizer (vosk) has heard the question by the pause. Once the pause is long
enough it is told to settle (finish what it has heard, which at the end of speech would cost
tens of milliseconds), the text is matched, and the match is kept when the final transcript
says the same and nothing more (``Ahead.result_for``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from knotvoice.asr import Transcript
from knotvoice.audio import AudioChunk
from knotvoice.dropped import Dropped, check, droppable
from knotvoice.turn import Understood

__all__ = ["SETTLE_AFTER", "WORK_AHEAD_AFTER", "WORK_AHEAD_TIMEOUT", "Ahead", "Worked"]

_log = logging.getLogger(__name__)

_T = TypeVar("_T")

WORK_AHEAD_AFTER = 0.09
"""Seconds of silence in an utterance after which the question is worked out ahead. Most
pauses inside a question last one or two 30 ms frames; from three, work is started and then
dropped 0.4 times a question (from five, 0.16 times), and the answer is ready 60 ms sooner
(``docs/kiosk.md``)."""
SETTLE_AFTER = 0.24
"""Seconds of silence in an utterance after which a streaming recognizer (vosk) settles what
it has heard, so that its final result is ready before the end of speech. Settling ends
vosk's input: words after it are heard as by a fresh recognizer, without the speaker
adaptation of the words before. So it waits for a pause few questions hold inside (7% of
the spent sets' questions), and leaves vosk 0.26 s for its final result (on the Korean
clips p50 about 50 ms, up to 340 ms on a recognizer not yet warm; ``docs/kiosk.md``)."""
WORK_AHEAD_TIMEOUT = 30.0
"""Longest wait for the work done ahead at the end of speech, in seconds."""


@dataclass(frozen=True)
class Worked:
    """An utterance recognised and its question worked out."""

    transcript: Transcript
    understood: Understood | None
    """None for a follow-up command or nothing heard."""
    asr_ms: float
    """Milliseconds recognition took."""

    def same_as(self, transcript: Transcript) -> bool:
        """True when ``transcript``, a streaming recognizer's final one, says this text word
        for word and adds nothing the matcher would weigh."""
        return _says_just(self.transcript.text, transcript)

    def understood_as(self, transcript: Transcript) -> Understood | None:
        """The question worked out, given as worked out from ``transcript``, the final
        transcript of the same words (``Ahead.result_for``)."""
        if self.understood is None:
            return None
        return replace(self.understood, transcript=replace(transcript, fit=None, timing=None))


def _says_just(text: str, transcript: Transcript) -> bool:
    """True when ``transcript`` says ``text`` word for word and adds nothing the matcher would
    weigh (other hearings, their likelihoods, a way to hear it again)."""
    return (
        transcript.text.strip() == text.strip()
        and not transcript.alternatives
        and not transcript.likelihoods
        and transcript.fit is None
    )


class Ahead:
    """Recognises and works out one utterance at a time on its own thread."""

    def __init__(
        self,
        transcribe: Callable[[Sequence[AudioChunk]], Transcript],
        understand: Callable[[Transcript], Understood | None],
    ) -> None:
        """``transcribe`` recognises a whole utterance (``Recognizer.transcribe``);
        ``understand`` works out the question a transcript asks."""
        self._transcribe = transcribe
        self._understand = understand
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knotvoice-ahead")
        self._job: Future[Worked] | None = None
        self._dropped = threading.Event()
        """The job under way's: set when it is dropped."""
        self._covers = -1
        """How many chunks of the utterance the job under way hears."""
        self._heard: str | None = None
        """The text the job under way works out, when a streaming recognizer heard it."""

    def start(self, chunks: Sequence[AudioChunk]) -> None:
        """Work out the utterance as it is so far (``chunks``), unless already under way."""
        if self._job is not None and self._covers == len(chunks):
            return
        self.drop()
        self._covers = len(chunks)
        self._submit(self._work, list(chunks))

    def start_heard(self, transcript: Transcript, covers: int) -> None:
        """Work out what a streaming recognizer has heard of the utterance's first ``covers``
        chunks, unless that text is already under way."""
        if self._job is not None and self._covers == covers and self._heard == transcript.text:
            return
        self.drop()
        self._covers, self._heard = covers, transcript.text
        self._submit(self._work_heard, transcript)

    @property
    def heard(self) -> str | None:
        """The text of the work under way, when a streaming recognizer heard it."""
        return self._heard if self._job is not None else None

    def covers(self, speech: int) -> bool:
        """True when the work under way heard the utterance's first ``speech`` chunks, up to
        its last spoken one (what came after it is silence)."""
        return self._job is not None and self._covers >= speech

    def result(self, timeout: float) -> Worked | None:
        """The work under way, waited for (None when it failed, was dropped or took too
        long: then it is dropped, and stops at its next pass)."""
        job, self._job = self._job, None
        self._covers, self._heard = -1, None
        if job is None:
            return None
        try:
            return job.result(timeout=timeout)
        except Dropped:
            return None
        except TimeoutError:
            _log.warning("working ahead took over %.0f s; the question is recognised anew", timeout)
            self._dropped.set()
            return None
        except Exception as error:
            _log.warning("working ahead failed: %s", error)
            return None

    def result_for(self, transcript: Transcript, timeout: float) -> Worked | None:
        """The work under way, waited for, when it was worked out from a streaming recognizer's
        text that ``transcript`` says word for word and adds nothing to the matcher would weigh
        (other hearings, their likelihoods, a way to hear it again); else None, and the work is
        dropped."""
        if self.heard is None or not _says_just(self.heard, transcript):
            self.drop()
            return None
        return self.result(timeout)

    def drop(self) -> None:
        """Forget the work under way (the visitor spoke on): it stops at its next pass."""
        if self._job is not None:
            self._job.cancel()
            self._dropped.set()
        self._job = None
        self._covers, self._heard = -1, None

    def _submit(self, work: Callable[[_T, threading.Event], Worked], given: _T) -> None:
        """Start ``work`` on ``given`` as the job under way, with a dropped flag of its own."""
        self._dropped = threading.Event()
        self._job = self._pool.submit(work, given, self._dropped)

    @property
    def finished(self) -> bool:
        """True when the work under way has ended (worked out, failed or stopped)."""
        return self._job is not None and self._job.done()

    def close(self) -> None:
        self.drop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def release(self) -> None:
        """Take no more work, and let the work under way finish without waiting for it."""
        self._job = None
        self._covers, self._heard = -1, None
        self._pool.shutdown(wait=False)

    def _work(self, chunks: list[AudioChunk], dropped: threading.Event) -> Worked:
        with droppable(dropped):
            start = time.perf_counter()
            transcript = self._transcribe(chunks)
            asr_ms = (time.perf_counter() - start) * 1000.0
            check()
            return Worked(transcript, self._understand(transcript), asr_ms)

    def _work_heard(self, transcript: Transcript, dropped: threading.Event) -> Worked:
        with droppable(dropped):
            check()
            return Worked(transcript, self._understand(transcript), 0.0)
