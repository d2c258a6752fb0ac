"""Knowledge: the FAQ entries the kiosk can answer, loaded from a hand-editable YAML file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One FAQ entry."""

    id: str
    question: str
    """The canonical question, as shown and as read in a did-you-mean."""
    answer: str
    """The answer as written (may hold numbered lists and curly quotes)."""
    alternatives: tuple[str, ...] = ()
    """Other ways people ask the same thing."""
    spoken: str | None = None
    """The answer written for speaking, when it differs from ``answer``."""
    topic: str = ""
    """A few words naming the entry, used when the kiosk lists what it can help with."""
    keywords: tuple[str, ...] = ()
    """Key terms of the answer that also point to this entry ("tennis ball")."""


@dataclass(frozen=True)
class Knowledge:
    """All entries of one knowledge file."""

    entries: tuple[Entry, ...]
    source: str = ""
    """Path of the file the entries came from."""

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)
