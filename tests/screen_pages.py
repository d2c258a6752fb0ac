"""The kiosk's screen as the tests run it: the real server on a free loopback port, served
from a thread of its own, beside the real kiosk loop on another thread; and headless
Chromium (Debian's ``chromium``) driven by Playwright.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from knotvoice.kiosk.events import Event, ListenSummary
from knotvoice.kiosk.inbox import Inbox, Item
from knotvoice.kiosk.loop import listen
from knotvoice.knowledge import Knowledge
from knotvoice.screen.hub import REST_SECONDS, Hub
from knotvoice.screen.server import ScreenServer
from knotvoice.settings import ScreenSettings

E = TypeVar("E", bound=Event)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000
"""Longest wait for something to show on a page, in milliseconds."""
SIZES = ((800, 480), (1920, 1080))
"""The Raspberry Pi touch display, and a full HD screen."""


class Arrivals(Inbox):
    """An inbox that tells when something arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def put(self, item: Item) -> None:
        super().put(item)
        self.arrived.set()


class Screen:
    """The screen's server, its hub and the kiosk's inbox; events given to ``emit`` reach
    the pages (and are kept in ``events``)."""

    def __init__(
        self,
        knowledge: Knowledge,
        log_dir: Path | None = None,
        rest_seconds: float = REST_SECONDS,
        silent: bool = False,
        port: int = 0,
    ) -> None:
        self.hub = Hub(lambda: knowledge, rest_seconds)
        self.inbox = Arrivals()
        self.events: list[Event] = []
        self._changed = threading.Condition()
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server = ScreenServer(
            self.hub, self.inbox, ScreenSettings("127.0.0.1", port), log_dir=log_dir, silent=silent
        )
        self.watch: Callable[[Event], None] | None = None
        """Called with each event after the hub (on the kiosk's thread)."""

    def emit(self, event: Event) -> None:
        self.hub(event)
        if self.watch is not None:
            self.watch(event)
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, kind: type[E], test: Callable[[E], bool] = lambda _: True) -> E:
        """The first event of ``kind`` that passes ``test``, waited for (bounded)."""

        def found() -> E | None:
            return next((e for e in self.events if isinstance(e, kind) and test(e)), None)

        with self._changed:
            self._changed.wait_for(lambda: found() is not None, timeout=WAIT_MS / 1000 * 4)
            event = found()
        assert event is not None, f"no {kind.kind} event in {[e.kind for e in self.events]}"
        return event

    def start(self) -> None:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._server.start(), self._loop).result(10)

    def run(self, work: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run a coroutine function on the server's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(work(), self._loop).result(timeout)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@contextmanager
def served(
    knowledge: Knowledge,
    log_dir: Path | None = None,
    rest_seconds: float = REST_SECONDS,
    silent: bool = False,
    port: int = 0,
) -> Iterator[Screen]:
    screen = Screen(knowledge, log_dir, rest_seconds, silent, port)
    screen.start()
    try:
        yield screen
    finally:
        screen.close()


class Kiosk:
    """The kiosk loop on a thread of its own, stopped (and waited for) on the way out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.stop = threading.Event()
        self.summary: ListenSummary | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=args, kwargs=kwargs, daemon=True, name="test-kiosk"
        )

    def _run(self, *args: Any, **kwargs: Any) -> None:
        try:
            self.summary = listen(*args, stop=self.stop, **kwargs)
        except BaseException as error:
            self.error = error

    def start(self) -> Kiosk:
        self._thread.start()
        return self

    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float) -> ListenSummary:
        """Wait for the loop to end by itself."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the kiosk loop did not end in time"
        if self.error is not None:
            raise self.error
        assert self.summary is not None
        return self.summary

    def close(self) -> ListenSummary:
        self.stop.set()
        return self.join(30.0)


RECORD_STATES = """() => {
  window.seenStates = [document.body.dataset.state];
  new MutationObserver(() => {
    const state = document.body.dataset.state;
    if (window.seenStates[window.seenStates.length - 1] !== state) window.seenStates.push(state);
  }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
}"""
"""Script that keeps every state the page shows in ``window.seenStates``."""
