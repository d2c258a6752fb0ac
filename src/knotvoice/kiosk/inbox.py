"""What reaches the kiosk other than by voice: a typed question, a tap, a stop.

The kiosk's screen (``knotvoice.screen``) posts here from its own thread; the kiosk loop
takes one item at a time between audio chunks. A question or a tap waiting makes a reply
being played give way (it is cut, then the item is answered), and a stop cuts the reply
like a trigger press. Items are checked when they are put, so the loop only ever takes
well-formed ones, and the inbox holds only a few: a flood is refused, not queued.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from dataclasses import dataclass

from knotvoice.kiosk.triggers import Trigger
from knotvoice.lang import english
from knotvoice.turn import command_of

__all__ = ["Ask", "Choice", "Choose", "Inbox", "InboxFull", "Item", "Stop", "interrupting"]

MAX_WAITING = 8
"""Items held at most; more are refused until the kiosk takes some."""


class InboxFull(Exception):
    """The kiosk has more waiting than it takes; the item was not queued."""


class Choice(enum.StrEnum):
    """A tap on a did-you-mean: the follow-up command it stands for."""

    YES = "yes"
    FIRST = "first"
    """The first of the questions a reject read out."""
    OTHER = "other"
    """The other question the did-you-mean was between."""
    NO = "no"


@dataclass(frozen=True)
class Ask:
    """A typed question (or a suggested one tapped)."""

    text: str


@dataclass(frozen=True)
class Choose:
    """A tap on a did-you-mean button."""

    choice: Choice

    @property
    def text(self) -> str:
        """The words that say this choice (the first of the language's command phrases)."""
        return english().commands[str(self.choice)][0]


@dataclass(frozen=True)
class Stop:
    """Stop the reply being played."""


Item = Ask | Choose | Stop


class Inbox:
    """A small thread-safe queue of items for the kiosk loop."""

    def __init__(self, limit: int = MAX_WAITING) -> None:
        self._items: deque[Item] = deque()
        self._limit = limit
        self._lock = threading.Lock()

    def put(self, item: Item) -> None:
        """Queue ``item``; ``InboxFull`` when too many wait, ``TypeError`` for anything else
        than an ``Ask``, a ``Choose`` or a ``Stop``."""
        if not isinstance(item, Ask | Choose | Stop):
            raise TypeError(f"not an inbox item: {item!r}")
        if isinstance(item, Ask) and (not isinstance(item.text, str) or not item.text.strip()):
            raise TypeError("a question must be some text")
        if isinstance(item, Choose) and not isinstance(item.choice, Choice):
            raise TypeError(f"not a choice: {item.choice!r}")
        with self._lock:
            if len(self._items) >= self._limit:
                raise InboxFull(f"{len(self._items)} items already wait")
            self._items.append(item)

    def asking(self) -> bool:
        """Whether a typed question waits: a choice put after it would answer what it gets,
        not what was on the screen when it was tapped."""
        with self._lock:
            return any(isinstance(item, Ask) for item in self._items)

    def take(self) -> Item | None:
        """The oldest item, or None when nothing waits. Never blocks."""
        with self._lock:
            return self._items.popleft() if self._items else None

    def poll(self) -> bool:
        """For a reply being played (the ``Trigger`` of barge-in): true when it should be cut,
        because a stop (taken here) or a question or tap (left for ``take``) waits; a thanks
        typed ("thanks", "got it", "cool") waits for the reply's end, and cuts nothing."""
        with self._lock:
            if self._items and isinstance(self._items[0], Stop):
                self._items.popleft()
                return True
            return any(
                not (isinstance(item, Ask) and command_of(item.text) == "thanks")
                for item in self._items
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class _Either:
    def __init__(self, *triggers: Trigger) -> None:
        self._triggers = triggers

    def poll(self) -> bool:
        return any([trigger.poll() for trigger in self._triggers])


def interrupting(trigger: Trigger | None, inbox: Inbox | None) -> Trigger | None:
    """What cuts a reply short: a press of ``trigger``, or something in ``inbox``."""
    if trigger is None or inbox is None:
        return trigger if trigger is not None else inbox
    return _Either(trigger, inbox)
