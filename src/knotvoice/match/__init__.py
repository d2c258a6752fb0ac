"""Matching: a transcript becomes a decision about which FAQ entry answers it.

This module holds what the stages around matching share: the ``Decision``, the ``Match``
with its best candidate and runner-up, and the protocols of a matcher and of a
sentence-embedding model. ``match.text`` makes spoken text comparable, ``match.matcher``
scores and decides, ``match.semantic`` embeds meanings, ``match.rehear`` hears an unanswered
question again for the knowledge's key words.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from knotvoice.knowledge import Entry, Knowledge

__all__ = ["Candidate", "Decision", "Embedder", "Match", "MatchStage"]


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
    reason: str = ""
    """Why the decision was taken ("clear winner", "close call", "out of domain", ...)."""
    unknown: tuple[str, ...] = ()
    """Content words of the query that the knowledge does not know."""


class Embedder(Protocol):
    """A sentence-embedding model (``knotvoice.match.semantic.SemanticModel``)."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text: their dot product is their likeness."""
        ...


class MatchStage(Protocol):
    """What the turn, the dialogue and ``rehear`` need of a matcher (``Matcher``)."""

    @property
    def knowledge(self) -> Knowledge: ...

    def match(
        self, text: str, alternatives: Sequence[str] = (), *, meaning: bool = True
    ) -> Match: ...
