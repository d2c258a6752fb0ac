"""The audio of spoken questions, kept a number of days beside the turn log.

With ``--keep-audio DAYS`` (``keep_audio`` in the ``[listen]`` table) the kiosk keeps what
the recognizer heard of each question, so an operator can listen to a question the kiosk got
wrong. ``Recordings.keep(audio)`` names the file at once (the name goes into the question's
turn log line, as ``audio``) and hands the audio to a thread of its own, which writes it as a
16-bit mono wav under ``<log dir>/audio/``. The same thread deletes the files it wrote that
are older than DAYS, by their time of modification, and the oldest beyond ``--keep-audio-mb``
(``keep_audio_mb``, 1,000 MB) in all: at start, then once an hour. A file written before the
clock was set (a Pi with no clock of its own starts in 1970) is of no known age: once the
clock is set it counts as written then, so it is kept DAYS from then. A file that
cannot be written (a full disk, no permission) costs that question's audio and one warning
until files are written again, never the turn. Without the setting nothing is kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shlex
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from knotvoice.audio import AudioChunk, write_wav
from knotvoice.journal import CLOCK_SET_AFTER

__all__ = ["AUDIO", "Recordings", "left_behind"]

_log = logging.getLogger(__name__)

AUDIO = "audio"
"""The folder of the log directory the questions' audio is kept in."""
PRUNE_EVERY = 3600.0
"""Seconds between looks for files older than the days kept."""
WAITING = 16
"""Questions waiting to be written at most; the audio of one more is not kept."""
PREFIX = "question-"
"""Every file kept is named ``question-<UTC time to the millisecond>.wav``; other files in
the folder are left alone."""
DAY = 86400.0
AT_MOST_BYTES = 1_000_000_000
"""Bytes of questions' audio kept at most, the oldest deleted first beyond it: at 32 kB a
second, about 10,000 questions of three seconds, or a week of 1,400 a day, however many
DAYS are asked for (a small SD card must not fill with them)."""


def left_behind(directory: Path) -> str | None:
    """The line that says the questions' audio kept while ``--keep-audio`` was given is still
    in ``directory``, where without it nothing deletes it (None when there is none)."""
    try:
        count = sum(1 for _ in Path(directory).glob(f"{PREFIX}*.wav*"))
    except OSError:
        return None
    if not count:
        return None
    return (
        f"{count} recording{'s' * (count != 1)} of what visitors said, kept before, are still in "
        f"{directory}, and with no "
        f"--keep-audio nothing deletes it: delete it (rm {shlex.quote(str(directory))}/"
        f"{PREFIX}*) or give --keep-audio DAYS to have it deleted after DAYS days"
    )


class Recordings:
    """Writes questions' audio to ``directory`` on a thread of its own and deletes it after
    ``days`` days (by modification time), the oldest first beyond ``at_most`` bytes in all;
    safe from any thread."""

    def __init__(
        self,
        directory: Path,
        days: float,
        prune_every: float = PRUNE_EVERY,
        waiting: int = WAITING,
        at_most: int = AT_MOST_BYTES,
    ) -> None:
        self.directory = Path(directory)
        self.days = days
        self.at_most = at_most
        """Bytes of audio kept at most (``--keep-audio-mb``), the oldest deleted first."""
        self.prune_every = prune_every
        self.failures = 0
        """Questions whose audio was not kept (could not be written, or too many waiting)."""
        self.last_failure = ""
        """Why the last of them was not kept."""
        self._jobs: queue.Queue[tuple[Path, tuple[AudioChunk, ...]] | None] = queue.Queue(waiting)
        self._lock = threading.Lock()
        self._failing = False
        self._last_ms = 0
        self._kept_bytes = 0
        """The bytes kept as the last prune left them, and those written since: past
        ``at_most``, the next question written prunes at once, not at the hour."""

    def keep(self, audio: Sequence[AudioChunk], at: float | None = None) -> str | None:
        """Have ``audio`` (16 kHz mono 16-bit chunks of a question that ended at ``at``,
        Unix seconds; now when None) written; returns the file's name, or None when it will
        not be kept (no audio, or too many questions waiting to be written)."""
        if not audio:
            return None
        stamp = round((time.time() if at is None else at) * 1000)
        with self._lock:
            # One name per question, in the order they were asked, even within a millisecond.
            stamp = self._last_ms = max(stamp, self._last_ms + 1)
        seconds, milliseconds = divmod(stamp, 1000)
        name = (
            f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime(seconds))}"
            f".{milliseconds:03d}Z.wav"
        )
        try:
            self._jobs.put_nowait((self.directory / name, tuple(audio)))
        except queue.Full:
            self._failed(f"{self._jobs.maxsize} questions are waiting to be written")
            return None
        return name

    def prune(self, now: float | None = None, at_most: int | None = None) -> int:
        """Delete the files kept longer than ``days`` (by modification time), then the
        oldest of the rest beyond ``at_most`` bytes in all (the kept ``at_most``); returns how
        many were deleted. A file modified before the clock was set (``CLOCK_SET_AFTER``) is
        first given the time ``now``, when the clock is set: its age is not known."""
        now = time.time() if now is None else now
        oldest = now - self.days * DAY
        at_most = self.at_most if at_most is None else at_most
        deleted = 0
        trouble: OSError | None = None
        try:
            # with what a power cut left half-written (hidden, ``write_wav``'s partial files)
            paths = [*self.directory.glob(f"{PREFIX}*.wav*"), *self.directory.glob(f".{PREFIX}*")]
        except OSError as error:
            paths, trouble = [], error
        kept: list[tuple[float, int, Path]] = []
        for path in paths:
            try:
                found = path.stat()
                modified = found.st_mtime
                if modified < CLOCK_SET_AFTER <= now:
                    os.utime(path, (now, now))
                    modified = now
                if modified < oldest:
                    path.unlink()
                    deleted += 1
                else:
                    kept.append((modified, found.st_size, path))
            except FileNotFoundError:
                continue
            except OSError as error:
                trouble = error
        total = sum(size for _, size, _ in kept)
        over = 0
        for _, size, path in sorted(kept):
            if total <= at_most:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                trouble = error
                continue
            total -= size
            over += 1
        self._kept_bytes = total
        if trouble is not None:
            _log.warning(
                "old questions' audio in %s cannot be deleted (%s)", self.directory, trouble
            )
        elif deleted or over:
            _log.info(
                "deleted %d questions' audio older than %g days and %d beyond %g MB",
                deleted,
                self.days,
                over,
                at_most / 1_000_000,
            )
        return deleted + over

    @contextlib.contextmanager
    def running(self, timeout: float = 10.0) -> Iterator[Recordings]:
        """Write and prune on a thread of its own while inside; on the way out, what is
        waiting is written (for ``timeout`` seconds at most)."""
        thread = threading.Thread(target=self._run, name="knotvoice-recordings", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            with contextlib.suppress(queue.Full):
                self._jobs.put(None, timeout=timeout)
            thread.join(timeout=timeout)

    def _run(self) -> None:
        due = time.monotonic()
        while True:
            if time.monotonic() >= due:
                self.prune()
                due = time.monotonic() + self.prune_every
            try:
                job = self._jobs.get(timeout=max(0.0, due - time.monotonic()))
            except queue.Empty:
                continue
            if job is None:
                return
            self._write(*job)

    def _write(self, path: Path, audio: tuple[AudioChunk, ...]) -> None:
        try:
            write_wav(path, audio)  # whole or not at all (a hidden partial file renamed)
        except Exception as error:  # whatever it is, it costs this question's audio only
            self._failed(f"{path} cannot be written ({error})")
            return
        with contextlib.suppress(OSError):
            self._kept_bytes += path.stat().st_size
        if self._kept_bytes > self.at_most:
            self.prune()
        with self._lock:
            if self._failing:
                _log.info("questions' audio is kept again")
                self._failing = False

    @property
    def failing(self) -> bool:
        """Whether the last question's audio to be written could not be."""
        with self._lock:
            return self._failing

    def _failed(self, why: str) -> None:
        with self._lock:
            self.failures += 1
            self.last_failure = why
            if self._failing:
                return
            self._failing = True
        _log.warning("a question's audio is not kept: %s; the kiosk goes on", why)
