"""Replies ready before they are needed: the knowledge's answers rendered ahead, and kept.

The answers are known in advance, so the kiosk renders them once, in the background at start,
and the first sample of an answer plays as soon as the question is decided. Every rendering
runs on one thread of its own (the speech engine wants one thread); a reply asked for now
waits at most for the one rendering under way.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from knotvoice.audio import AudioChunk

__all__ = ["ReadyReplies"]

_log = logging.getLogger(__name__)

KEEP = 128
"""Replies kept rendered (the most recently used)."""


class Renderer(Protocol):
    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]: ...


class ReadyReplies:
    """A ``Synthesizer`` that keeps what it rendered and renders what it is told to expect."""

    def __init__(self, renderer: Renderer, keep: int = KEEP) -> None:
        self._renderer = renderer
        self._keep = keep
        self._kept: OrderedDict[tuple[str, int | None], list[AudioChunk]] = OrderedDict()
        self._lock = threading.Lock()
        self._voice = ThreadPoolExecutor(max_workers=1, thread_name_prefix="knotvoice-voice")
        self._expected: list[str] = []

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        """The reply's audio: kept, or rendered now (ahead of anything expected)."""
        key = (text, rate)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        audio = self._voice.submit(self._render, text, rate).result()
        return audio

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
            future = self._voice.submit(self._render, text, None)
        except RuntimeError:  # closed
            return
        future.add_done_callback(self._next)

    def _render(self, text: str, rate: int | None) -> list[AudioChunk]:
        key = (text, rate)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            return kept
        try:
            audio = (
                self._renderer.synthesize(text, rate) if rate else self._renderer.synthesize(text)
            )
        except Exception:
            _log.debug("rendering %r failed", text[:40], exc_info=True)
            raise
        with self._lock:
            self._kept[key] = audio
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        return audio

    def close(self) -> None:
        """Stop rendering ahead (a rendering under way finishes)."""
        with self._lock:
            self._expected.clear()
        self._voice.shutdown(wait=False, cancel_futures=True)
