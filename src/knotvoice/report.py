"""What the turn log says: how the kiosk is doing, and which questions it could not answer.

``summarize`` counts the turns of a period (answered, did-you-mean, rejected), the reply
latency, and groups the questions that were rejected or only got a did-you-mean by wording,
most frequent first, each with the entry it came closest to: what to add a phrasing or an
entry for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rapidfuzz import fuzz

from knotvoice.match.text import normalize

__all__ = ["Asked", "Summary", "parse_since", "summarize"]

ALIKE = 75.0
"""Two questions whose words match this well (token set ratio) are grouped as one."""
QUESTIONS = ("answer", "confirm", "reject")
"""Decisions that answer a question (the others are follow-ups: repeat, stop, ...)."""


@dataclass(frozen=True)
class Asked:
    """Questions worded alike that the kiosk did not answer."""

    question: str
    """The most frequent wording."""
    count: int
    closest: str | None
    """The entry they came closest to (the one most often proposed)."""
    examples: tuple[str, ...]
    """Up to three other wordings."""


@dataclass(frozen=True)
class Summary:
    turns: int
    answered: int
    confirmed: int
    rejected: int
    latency_p50_ms: float | None
    """End of speech to the reply's first sample, median (None: not measured)."""
    latency_p95_ms: float | None
    top_unanswered: tuple[Asked, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["top_unanswered"] = [asdict(asked) for asked in self.top_unanswered]
        return data


def parse_since(text: str) -> float:
    """A period such as ``7d``, ``12h``, ``30m`` or ``90s`` in seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if found is None:
        raise ValueError(f"{text!r} is not a period; write it like 7d, 12h, 30m or 90s")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[found.group(2)]
    return float(found.group(1)) * unit


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def summarize(turns: Iterable[Mapping[str, Any]], top: int = 10) -> Summary:
    """Figures and the grouped unanswered questions of ``turns`` (turn log records)."""
    questions = [turn for turn in turns if turn.get("decision") in QUESTIONS]
    latencies = [float(t["reply_ms"]) for t in questions if t.get("reply_ms") is not None]
    groups: list[list[Mapping[str, Any]]] = []
    keys: list[str] = []
    for turn in questions:
        if turn.get("decision") == "answer":
            continue
        text = str(turn.get("question") or turn.get("heard") or "").strip()
        key = normalize(text)
        if not key:
            continue
        for number, known in enumerate(keys):
            if fuzz.token_set_ratio(key, known) >= ALIKE:
                groups[number].append(turn)
                break
        else:
            keys.append(key)
            groups.append([turn])
    groups.sort(key=len, reverse=True)
    return Summary(
        turns=len(questions),
        answered=sum(turn.get("decision") == "answer" for turn in questions),
        confirmed=sum(turn.get("decision") == "confirm" for turn in questions),
        rejected=sum(turn.get("decision") == "reject" for turn in questions),
        latency_p50_ms=_percentile(latencies, 0.5),
        latency_p95_ms=_percentile(latencies, 0.95),
        top_unanswered=tuple(_asked(group) for group in groups[:top]),
    )


def _asked(group: list[Mapping[str, Any]]) -> Asked:
    wordings: dict[str, int] = {}
    entries: dict[str, int] = {}
    for turn in group:
        text = str(turn.get("question") or turn.get("heard") or "").strip()
        wordings[text] = wordings.get(text, 0) + 1
        entry = turn.get("entry") or turn.get("closest")
        if entry:
            entries[str(entry)] = entries.get(str(entry), 0) + 1
    ranked = sorted(wordings, key=lambda text: -wordings[text])
    closest = max(entries, key=lambda entry: entries[entry]) if entries else None
    return Asked(ranked[0], len(group), closest, tuple(ranked[1:4]))
