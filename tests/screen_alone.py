"""The screen's real server in a process of its own, run by ``test_screen_browser.py`` so it
can be stopped (SIGSTOP) as a frozen kiosk is: it serves a page showing an answer being
said, prints the page's address as one line, and serves until SIGTERM. No kiosk loop, no
model: only the page, its events and its ``alive``s. Then it prints how many pages it
holds places for ("watching 1"), each time that changes."""

from __future__ import annotations

import threading
from pathlib import Path

from knotvoice.kiosk.events import Decided, Heard, ReplyStarted
from knotvoice.kiosk.inbox import Inbox
from knotvoice.knowledge import load
from knotvoice.screen.hub import Hub
from knotvoice.screen.server import beside
from knotvoice.settings import ScreenSettings
from knotvoice.speech.reply import spoken_answer

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge" / "knots.yaml"


def main() -> None:
    knowledge = load(KNOWLEDGE)
    entry = knowledge.get("massage-how-often")
    hub = Hub(lambda: knowledge)
    stop = threading.Event()

    def kiosk() -> None:
        hub(Heard(1.0, entry.question, 0.0, typed=True))
        hub(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
        hub(ReplyStarted(1.2, spoken_answer(entry), 600.0))
        stop.wait()

    def ready(url: str) -> None:
        print(url, flush=True)
        threading.Thread(target=watching, daemon=True).start()

    def watching() -> None:
        held = -1
        while not stop.wait(0.01):
            if hub.watching != held:
                held = hub.watching
                print(f"watching {held}", flush=True)

    beside(kiosk, hub, Inbox(), ScreenSettings("127.0.0.1", 0), stop, ready)


if __name__ == "__main__":
    main()
