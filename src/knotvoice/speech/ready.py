"""Replies ready before they are needed: the knowledge's answers rendered ahead, and kept.

The answers are known in advance, so the kiosk renders them once, in the background at start,
and the first sample of an answer plays as soon as the question is decided. Every rendering
runs on one thread of its own (the speech engine wants one thread); a reply asked for now
waits at most for the one rendering under way. A rendering that overruns fails the reply
asked for, and the renderings after it get a thread of their own.

With a folder to keep them in, rendered replies live there as WAV files, named by their text,
rate and voice, rather than in memory (the knots FAQ's answers are 10 MB of audio): a reply
is read back when it plays, and a restart renders only what is new.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import queue
import threading
import time
import wave
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Protocol

from knotvoice.audio import AudioChunk
from knotvoice.speech.tts import SpeechError, Synthesizer, overran, wav_chunks

__all__ = ["ReadyReplies"]

_log = logging.getLogger(__name__)

KEEP = 128
"""Replies kept rendered (the most recently used), in memory or in the folder."""
STALE_PARTIAL_SECONDS = 3600.0
"""A partial file this old was left by a process that stopped while writing it."""
TIMEOUT = 2 * Synthesizer.timeout
"""Longest wait for a reply asked for, in seconds: for the rendering under way, then its own."""


class Renderer(Protocol):
    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]: ...


class ReadyReplies:
    """A ``Synthesizer`` that keeps what it rendered and renders what it is told to expect.

    ``folder``: where rendered replies are kept as files (None: in memory); ``voice``
    names what renders them (a reply kept from another voice is never used); ``timeout``:
    the longest wait for a reply asked for, in seconds."""

    def __init__(
        self,
        renderer: Renderer,
        keep: int = KEEP,
        folder: Path | None = None,
        voice: str = "",
        timeout: float = TIMEOUT,
    ) -> None:
        self._renderer = renderer
        self._timeout = timeout
        self._keep = keep
        self._folder = folder
        voice_name = hashlib.sha256(voice.encode()).hexdigest()[:8]
        self._prefix = f"reply-{voice_name}-"
        """The start of the names of this voice's files."""
        self._kept: OrderedDict[tuple[str, int | None], list[AudioChunk] | Path] = OrderedDict()
        self._lock = threading.Lock()
        self._voice = _Voice()
        self._expected: list[str] = []

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        """The reply's audio: kept, or rendered now (ahead of anything expected)."""
        key = (text, rate)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is not None:
            audio = kept if isinstance(kept, list) else _read(kept)
            if audio is not None:
                return audio
            with self._lock:  # the file went: render it again
                self._kept.pop(key, None)
        voice = self._voice
        rendering = voice.submit(lambda: self._render(text, rate))
        if not wait([rendering], timeout=self._timeout).done:
            self._replace(voice)
            raise SpeechError(f"the reply was not rendered in {self._timeout:g} s{overran(text)}")
        return rendering.result()

    def _replace(self, stuck: _Voice) -> None:
        """Renderings after one that overran get a thread of their own (the stuck one ends
        when its rendering does)."""
        with self._lock:
            if self._voice is not stuck:
                return
            self._voice = _Voice()
        stuck.close()

    def expect(self, texts: Sequence[str]) -> None:
        """Render ``texts`` in the background, one at a time, so they are ready when asked
        (as many as are kept)."""
        wanted = [text for text in texts if text.strip()][: self._keep]
        with self._lock:
            start = not self._expected
            self._expected.extend(wanted)
        if start:
            self._next()

    def _next(self, _done: Future[list[AudioChunk]] | None = None) -> None:
        with self._lock:
            if not self._expected:
                return
            text = self._expected.pop(0)
        try:
            future = self._voice.submit(lambda: self._render(text, None))
        except RuntimeError:  # closed
            return
        future.add_done_callback(self._next)

    def _render(self, text: str, rate: int | None) -> list[AudioChunk]:
        key = (text, rate)
        with self._lock:
            kept = self._kept.get(key)
        if isinstance(kept, list):
            return kept
        path = self._path(text, rate)
        audio = _read(path) if path is not None else None
        if audio is None:
            try:
                audio = (
                    self._renderer.synthesize(text, rate)
                    if rate
                    else self._renderer.synthesize(text)
                )
            except Exception:
                _log.debug("rendering %r failed", text[:40], exc_info=True)
                raise
            if path is not None and not self._keep_file(path, audio):
                path = None
        with self._lock:
            self._kept[key] = path if path is not None else audio
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        if path is not None:
            self._prune()
        return audio

    def _path(self, text: str, rate: int | None) -> Path | None:
        if self._folder is None:
            return None
        name = hashlib.sha256(f"{rate}|{text}".encode()).hexdigest()[:24]
        return self._folder / f"{self._prefix}{name}.wav"

    def _keep_file(self, path: Path, audio: Sequence[AudioChunk]) -> bool:
        """Keep ``audio`` in ``path``; a folder that cannot be written to is given up (the
        replies stay in memory), with one warning."""
        try:
            return _write(path, audio)
        except OSError as error:
            _log.warning(
                "could not keep rendered replies in %s (%s); they stay in memory",
                path.parent,
                error,
            )
            self._folder = None
            return False

    def _prune(self) -> None:
        """Keep at most ``keep`` of this voice's replies in the folder (the least recently
        used go; other voices' are theirs to prune), and no partial file left by a process
        that stopped while writing one."""
        assert self._folder is not None
        try:
            mine = self._folder.glob(f"{self._prefix}*.wav")
            files = sorted(mine, key=lambda file: file.stat().st_mtime)
            for old in files[: max(0, len(files) - self._keep)]:
                old.unlink(missing_ok=True)
            stale = time.time() - STALE_PARTIAL_SECONDS
            for partial in self._folder.glob("reply-*.partial"):
                if partial.stat().st_mtime < stale:
                    partial.unlink(missing_ok=True)
        except OSError as error:
            _log.debug("could not prune kept replies (%s)", error)

    def close(self) -> None:
        """Stop rendering ahead (a rendering under way finishes, waited for up to
        ``CLOSE_WAIT`` seconds)."""
        with self._lock:
            self._expected.clear()
        self._voice.close(wait=True)


CLOSE_WAIT = 2.0
"""Seconds ``close`` waits for a rendering under way before the process may end."""
_Job = tuple[Future[list[AudioChunk]], Callable[[], list[AudioChunk]]]
"""A rendering to do: where its audio goes, and what renders it."""


class _Voice:
    """Renders one text at a time, in order, on a thread of its own: a daemon, so a rendering
    that hangs keeps no process from ending."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="knotvoice-voice", daemon=True)
        self._thread.start()

    def submit(self, render: Callable[[], list[AudioChunk]]) -> Future[list[AudioChunk]]:
        """The audio ``render()`` gives, when its turn comes; RuntimeError once closed."""
        if self._closed:
            raise RuntimeError("closed")
        rendering: Future[list[AudioChunk]] = Future()
        self._jobs.put((rendering, render))
        return rendering

    def close(self, wait: bool = False) -> None:
        """Drop the renderings not begun (cancelled); the one under way finishes, ``wait``
        for a moment (``CLOSE_WAIT``) when the process is to end: ending meanwhile stopped it
        mid-write, and Python said so on its way out ("Exception ignored in: Wave_write")."""
        self._closed = True
        with contextlib.suppress(queue.Empty):
            while True:
                job = self._jobs.get_nowait()
                if job is not None:
                    job[0].cancel()
        self._jobs.put(None)
        if wait and self._thread is not threading.current_thread():
            self._thread.join(timeout=CLOSE_WAIT)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            rendering, render = job
            if not rendering.set_running_or_notify_cancel():
                continue
            try:
                rendering.set_result(render())
            except BaseException as error:
                rendering.set_exception(error)


def _read(path: Path) -> list[AudioChunk] | None:
    """A kept reply's chunks, or None when its file is gone, unreadable or cut short."""
    try:
        audio = wav_chunks(path, whole=True)
    except (OSError, EOFError, wave.Error):
        return None
    if not audio:
        return None
    with contextlib.suppress(OSError):  # a read-only folder: pruned by age of writing
        os.utime(path)  # used: the last to go when the folder is pruned
    return audio


def _write(path: Path, audio: Sequence[AudioChunk]) -> bool:
    """Keep ``audio`` in ``path``, whole or not at all. False when it is not one stretch of
    audio (nothing, or parts of different formats); OSError when the folder fails."""
    if not audio or len({(c.rate, c.width, c.channels) for c in audio}) != 1:
        return False
    first = audio[0]
    partial = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.partial")
    # Made in memory, then written: a writer on the file, its writing cut by a stop (or a
    # full disk), tried to close again as it was collected, a traceback on the way out.
    made = io.BytesIO()
    try:
        with wave.open(made, "wb") as wav:
            wav.setnchannels(first.channels)
            wav.setsampwidth(first.width)
            wav.setframerate(first.rate)
            wav.writeframes(b"".join(chunk.audio for chunk in audio))
    except wave.Error:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as handle:
            handle.write(made.getvalue())
            handle.flush()
            os.fsync(handle.fileno())  # whole on disk before its name says so
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    return True
