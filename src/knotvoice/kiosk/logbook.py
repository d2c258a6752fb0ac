"""The kiosk's events, written down: one turn log line per question, and the status.

``Logbook`` listens to the loop's events (``kiosk.events``) like any other display and keeps
the ``Journal``: a decision and the reply that follows it make one turn line; a failure, a
stage working again after one, and the microphone coming and going update the status. A turn that fails after it was heard is
a line too, with the stage that failed in ``error``. Given ``Recordings``, the audio of each
spoken question is kept too, and its line names the file (``audio``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from knotvoice.audio import AudioChunk
from knotvoice.journal import Journal
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Failed,
    Heard,
    Listening,
    ReplyFinished,
    ReplyStarted,
    WorksAgain,
)
from knotvoice.recordings import Recordings

__all__ = ["Logbook"]

REPLY_STAGES = ("synthesizer", "speaker")
"""Stages whose failure costs a decided question its reply."""


class Logbook:
    """Writes the kiosk's turns to a ``Journal``: call it with every event."""

    def __init__(
        self,
        journal: Journal,
        engine: str,
        knowledge: Callable[[], str],
        recordings: Recordings | None = None,
        knowledge_file: Path | None = None,
        *,
        aloud: bool = True,
        to_files: bool = False,
    ) -> None:
        """``knowledge`` says which knowledge (file and version) answers now; ``recordings``
        keeps the spoken questions' audio (None: no audio is kept); ``knowledge_file`` is the
        path each turn line names, so ``knotvoice report`` knows which file to add to.
        ``aloud`` is False when no reply will be said (no sound device): the status says so
        from the start, not only once a reply has been shown. ``to_files`` when replies are
        written to files (``--save-replies``), which the status says rather than none."""
        self._journal = journal
        self._engine = engine
        self._knowledge = knowledge
        self._knowledge_file = str(knowledge_file) if knowledge_file is not None else None
        self._recordings = recordings
        self._heard = ""
        self._typed = False
        self._audio: tuple[AudioChunk, ...] = ()
        self._heard_at = 0.0
        self._pending: dict[str, Any] | None = None
        self._to_files = to_files
        self._speaker = "files" if to_files else "unused" if aloud else "none"
        """The speaker as the status says it (``Status.speaker``)."""
        self._aloud = aloud
        """The reply under way is said aloud (not only shown: no sound device)."""
        self._speaker_failed = False
        """The speaker failed for the reply under way (told before the reply started, when
        it failed as it did): a reply over at once then is no sign of no sound device."""

    def __call__(self, event: Event) -> None:
        if isinstance(event, Decided):
            self._speaker_failed = False  # a new reply: its speaker not failed yet
        if isinstance(event, Heard) and event.accepted:
            self._flush()
            self._heard, self._typed = event.text, event.typed
            self._audio, self._heard_at = event.audio, event.wall
        elif isinstance(event, Decided):
            self._flush()
            self._pending = {
                "heard": self._heard or event.question,
                "question": event.question,
                "decision": event.decision,
                "entry": event.entry,
                "closest": event.closest,
                "probability": round(event.probability, 3)
                if event.probability is not None
                else None,
                "asr_ms": event.asr_ms,
                "match_ms": event.match_ms,
                "ahead": event.ahead,
                "hearings": list(event.hearings),
                "offered": list(event.offered),
                "answers_proposal": event.answers_proposal,
                **({"leaned": True} if event.leaned else {}),
                "engine": self._engine,
                "knowledge": self._knowledge(),
                "knowledge_file": self._knowledge_file,
                **({"typed": True} if self._typed else {}),
            }
            self._keep_audio(self._pending)
            if not event.answer:
                self._flush()
        elif isinstance(event, ReplyStarted):
            self._aloud = event.aloud
            if not event.aloud and not self._to_files and not self._speaker_failed:
                # over at once, and not for a failure: no sound device
                self._speaker_is("none")
            if self._pending is not None:
                self._pending.update(tts_ms=event.tts_ms, reply_ms=event.after_speech_ms)
                self._flush()
        elif isinstance(event, ReplyFinished) and event.frames and self._aloud:
            self._speaker_is("played")
        elif isinstance(event, Failed):
            self._speaker_failed = self._speaker_failed or event.stage == "speaker"
            if event.stage in REPLY_STAGES and self._pending is not None:
                # The question was decided but its reply never played: say so in its line.
                self._pending["error"] = f"{event.stage}: {event.message}"
                self._flush()
            elif event.stage == "dialogue" and self._heard:
                failed = {
                    "heard": self._heard,
                    "question": self._heard,
                    "decision": "error",
                    "error": f"{event.stage}: {event.message}",
                    "engine": self._engine,
                    "knowledge": self._knowledge(),
                    "knowledge_file": self._knowledge_file,
                }
                self._keep_audio(failed)
                self._journal.write(failed)
                self._heard = ""
            self._journal.failed(event.stage, event.message)
            if event.stage == "microphone":
                self._journal.update(microphone="lost")
        elif isinstance(event, WorksAgain):
            self._journal.cleared(event.stage)
        elif isinstance(event, Listening):
            # The screen alone listens to no device: its status says it has no microphone.
            heard = "listening" if event.device else "none"
            self._journal.update(
                microphone=heard, knowledge=self._knowledge(), speaker=self._speaker
            )
        recordings, status = self._recordings, self._journal.status
        if recordings is not None:
            # written on a thread of their own: what did not go is told at the next event
            failures, error = recordings.failures, recordings.last_failure
            cleared = bool(failures) and not recordings.failing
            if (failures, error, cleared) != (
                status.audio_failures,
                status.audio_error,
                status.audio_error_cleared,
            ):
                self._journal.update(
                    audio_failures=failures, audio_error=error, audio_error_cleared=cleared
                )
        self._journal.beat()

    def close(self) -> None:
        """Write what is still pending (the kiosk is stopping)."""
        self._flush()

    def _speaker_is(self, state: str) -> None:
        if state != self._speaker:
            self._speaker = state
            self._journal.update(speaker=state)

    def _keep_audio(self, record: dict[str, Any]) -> None:
        """Have the audio of the question ``record`` logs kept, and name its file there."""
        audio, self._audio = self._audio, ()
        if self._recordings is not None and audio:
            name = self._recordings.keep(audio, self._heard_at)
            if name is not None:
                record["audio"] = name

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._journal.write(pending)
            self._heard, self._typed = "", False
