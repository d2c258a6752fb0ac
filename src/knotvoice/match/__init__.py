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

__all__ = ["Candidate", "Decision", "Embedder", "Match", "MatchStage", "Reason"]


class Decision(enum.StrEnum):
    ANSWER = "answer"
    CONFIRM = "confirm"
    """Close call: ask "Did you mean ...?"."""
    REJECT = "reject"


class Reason(enum.StrEnum):
    """Why a decision was taken: for logs and ``--json``, never for control flow."""

    LIKELY = "likely right"
    CLOSE_CALL = "close call"
    UNLIKELY = "unlikely to be right"
    NO_QUESTION = "no question heard"
    CONFIRMED = "confirmed by the visitor"
    HEARD_AGAIN = "likely right, heard again"
    WRITTEN = "one of the entry's phrasings, word for word"
    SHARED = "a topic or keyword of several entries, said alone"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    """How likely the entry is to be the right answer, in percent (0 to 100)."""


@dataclass(frozen=True)
class Match:
    decision: Decision
    best: Candidate | None
    runner_up: Candidate | None
    query: str
    """The normalised text that was matched."""
    reason: Reason = Reason.UNLIKELY
    probability: float = 0.0
    """How likely the best entry is to be the right answer (0 to 1)."""
    unknown: tuple[str, ...] = ()
    """Content words of the query that the knowledge does not know."""


class Embedder(Protocol):
    """A sentence-embedding model (``knotvoice.match.semantic.SemanticModel``)."""

    def embed(self, texts: Sequence[str], *, keep: bool = False) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text: their dot product is their likeness.
        ``keep``: the texts will be asked for again (a knowledge's phrasings), keep them."""
        ...


class MatchStage(Protocol):
    """What the turn, the dialogue and ``rehear`` need of a matcher (``Matcher``)."""

    @property
    def knowledge(self) -> Knowledge: ...

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match: ...

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]: ...

    def likeness_in_words(self, text: str) -> float: ...
