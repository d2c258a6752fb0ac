"""Matching: a transcript becomes a decision about which FAQ entry answers it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from knotvoice.knowledge import Entry


class Decision(enum.StrEnum):
    ANSWER = "answer"
    CONFIRM = "confirm"
    """Close call: ask "Did you mean ...?"."""
    REJECT = "reject"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    """Similarity in [0, 100]."""


@dataclass(frozen=True)
class Match:
    decision: Decision
    best: Candidate | None
    runner_up: Candidate | None
    query: str
    """The normalised text that was matched."""
