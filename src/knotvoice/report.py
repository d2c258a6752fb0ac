"""What the turn log says: how the kiosk is doing, and which questions it could not answer.

``summarize`` counts the turns of a period (answered, did-you-mean, rejected), the reply
latency, and groups the questions that were rejected or only got a did-you-mean by knowledge
file and wording, most frequent first, each with the entry of that file it came closest to:
what to add a phrasing or an entry for.
"""

from __future__ import annotations

import html
import math
import re
import shlex
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from knotvoice.match.calibration import CONFIRM_AT
from knotvoice.match.text import normalize
from knotvoice.turn import command_of

__all__ = ["FIELDS", "Asked", "Day", "Summary", "by_day", "page", "parse_since", "summarize"]

ALIKE = 75.0
"""Two questions whose words match this well (token set ratio) are grouped as one."""
FIELDS = (
    "question",
    "heard",
    "decision",
    "handled",
    "entry",
    "closest",
    "probability",
    "reply_ms",
    "knowledge_file",
    "knowledge",
    "conversation",
    "front",
)
"""The keys of a turn line the report reads (``read_turns(..., fields=FIELDS)``)."""
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
    knowledge: str | None = None
    """The path of the knowledge file they were asked of (None: not logged; the command then
    adds to the file the settings name)."""
    probability: float | None = None
    """How likely the closest entry was the answer, at best over the questions (None: not
    logged, as in logs from before it was)."""
    declined: str | None = None
    """The entry a did-you-mean proposed and the visitor said no to (None: none was)."""

    @property
    def far(self) -> bool:
        """True when even the closest entry was not worth a did-you-mean: the question is
        likely outside the FAQ, and its wording no phrasing of that entry."""
        return self.probability is not None and self.probability < CONFIRM_AT

    @property
    def command(self) -> str | None:
        """The command that adds the wording to the closest entry of the file it was asked of,
        ready to paste (None when no entry came close, or it was far off)."""
        if self.closest is None or self.far:
            return None
        words = [self.closest, self.question] + ([self.knowledge] if self.knowledge else [])
        # "--": a wording that starts with a dash is the wording, not an option.
        dashes = "-- " if any(word.startswith("-") for word in words) else ""
        return f"knotvoice knowledge add {dashes}{' '.join(shlex.quote(w) for w in words)}"


@dataclass(frozen=True)
class Summary:
    turns: int
    answered: int
    confirmed: int
    rejected: int
    latency_p50_ms: float | None
    """End of speech to the reply's first sample, median (None: not measured; the kiosk
    measures it, a server's turns have no end of speech it sees)."""
    latency_p95_ms: float | None
    top_unanswered: tuple[Asked, ...]

    def share(self, count: int) -> str:
        """`` (42%)``: ``count`` as a share of the questions (empty when there were none)."""
        return f" ({100 * count / self.turns:.0f}%)" if self.turns else ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["top_unanswered"] = [
            {**asdict(asked), "command": asked.command} for asked in self.top_unanswered
        ]
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


def _decision(turn: Mapping[str, Any]) -> str:
    """What became of ``turn`` as the visitor heard it: a served follow-up (``none``, a
    ``repeat`` with nothing to repeat) was replied to with a refusal (``"handled": false``), so
    it is a question rejected; the kiosk's own ``none`` is silence, no question."""
    decision = str(turn.get("decision"))
    if decision not in QUESTIONS and turn.get("handled") is False:
        return "reject"
    return decision


def _questions(turns: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[float]]:
    """The questions of ``turns``, oldest first, and the reply latencies of every turn
    replied to. A yes, no or "the other one" said to a did-you-mean is logged as a turn of
    its own (the kiosk logs a no as a question rejected); it is that question's reply, not a
    question: the did-you-mean takes the entry the visitor chose, or after a no, no entry
    (``declined`` names the one refused)."""
    questions: list[dict[str, Any]] = []
    latencies: list[float] = []
    waiting: dict[str, dict[str, Any]] = {}
    """Per conversation (one for the kiosk), the did-you-mean a reply would be to."""
    for turn in turns:
        decision = _decision(turn)
        if decision not in QUESTIONS:
            continue
        if turn.get("reply_ms") is not None:
            latencies.append(float(turn["reply_ms"]))
        conversation = str(turn.get("conversation"))
        proposed = waiting.pop(conversation, None)
        text = str(turn.get("question") or turn.get("heard") or "")
        if proposed is not None and command_of(text) in ("yes", "no", "other"):
            if decision == "answer" and turn.get("entry"):
                proposed["entry"] = proposed["closest"] = turn["entry"]
            else:
                proposed["declined"] = proposed.get("entry") or proposed.get("closest")
                proposed["entry"] = proposed["closest"] = None
            continue
        question = {**turn, "decision": decision}
        if decision == "confirm":
            waiting[conversation] = question
        questions.append(question)
    return questions, latencies


def summarize(turns: Iterable[Mapping[str, Any]], top: int = 10) -> Summary:
    """Figures and the grouped unanswered questions of ``turns`` (turn log records)."""
    questions, latencies = _questions(turns)
    groups: list[list[Mapping[str, Any]]] = []
    keys: list[tuple[str | None, str | None, str]] = []
    for turn in questions:
        if turn.get("decision") == "answer":
            continue
        text = str(turn.get("question") or turn.get("heard") or "").strip()
        key = normalize(text)
        if not key:
            continue
        path = str(turn["knowledge_file"]) if turn.get("knowledge_file") else None
        name = _knowledge_name(turn)
        for number, (known_path, known_name, known) in enumerate(keys):
            same_file = known_path == path if known_path and path else known_name == name
            if same_file and fuzz.token_set_ratio(key, known) >= ALIKE:
                groups[number].append(turn)
                if path and not known_path:
                    keys[number] = (path, known_name, known)
                break
        else:
            keys.append((path, name, key))
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
    paths = [str(turn["knowledge_file"]) for turn in group if turn.get("knowledge_file")]
    chances = [
        float(turn["probability"])
        for turn in group
        if turn.get("probability") is not None
        and str(turn.get("entry") or turn.get("closest")) == closest
    ]
    declined = [str(turn["declined"]) for turn in group if turn.get("declined")]
    return Asked(
        ranked[0],
        len(group),
        closest,
        tuple(ranked[1:4]),
        paths[0] if paths else None,
        max(chances) if chances else None,
        max(declined, key=declined.count) if declined and closest is None else None,
    )


def _knowledge_name(turn: Mapping[str, Any]) -> str | None:
    """The name of the knowledge file a turn was asked of: from its path, or for a line
    written before turns logged the path, from ``knowledge`` (``knots.yaml@3f9c1a20be``).
    A line without the path is grouped with lines of a file of that name, so a log from
    before and after groups as one; only a path is named in the command to add a wording (a
    bare name would be read from wherever the operator runs it)."""
    path = turn.get("knowledge_file")
    if path:
        return Path(str(path)).name
    return str(turn.get("knowledge") or "").rpartition("@")[0] or None


@dataclass(frozen=True)
class Day:
    """One day's questions by what became of them."""

    date: str
    """``YYYY-MM-DD``, local time."""
    answered: int
    confirmed: int
    rejected: int


def by_day(turns: Iterable[Mapping[str, Any]]) -> list[Day]:
    """The questions of ``turns`` counted per local calendar day, oldest first; a day with
    none is left out."""
    counts: dict[str, dict[str, int]] = {}
    for turn in _questions(turns)[0]:
        date = time.strftime("%Y-%m-%d", time.localtime(float(turn.get("time", 0.0))))
        day = counts.setdefault(date, dict.fromkeys(QUESTIONS, 0))
        day[turn["decision"]] += 1
    return [
        Day(date, day["answer"], day["confirm"], day["reject"])
        for date, day in sorted(counts.items())
    ]


_BARS = (
    ("answered", "answered", "#2e9e4f"),
    ("confirmed", "did-you-mean", "#d9a400"),
    ("rejected", "rejected", "#c8323c"),
)
"""Each bar's parts, bottom first: the ``Day`` field, its name in the legend, its colour."""


def page(summary: Summary, days: list[Day], period: str) -> str:
    """The report as a standalone HTML page (``/report`` on the screen server): the figures,
    questions per day as a bar chart (inline SVG) with the same numbers in a table, and the
    questions not answered. Every text from the log is escaped."""
    esc = html.escape
    share = summary.share
    latency = (
        f"p50 {summary.latency_p50_ms:.0f} ms, p95 {summary.latency_p95_ms:.0f} ms"
        if summary.latency_p50_ms is not None and summary.latency_p95_ms is not None
        else "not measured"
    )
    figures = "".join(
        f"<tr><th scope='row'>{label}</th><td>{value}</td></tr>"
        for label, value in (
            ("questions", str(summary.turns)),
            ("answered", f"{summary.answered}{share(summary.answered)}"),
            ("did-you-mean", f"{summary.confirmed}{share(summary.confirmed)}"),
            ("rejected", f"{summary.rejected}{share(summary.rejected)}"),
            ("reply after the end of speech", latency),
        )
    )
    rows = "".join(
        f"<tr><td>{asked.count}</td><td>{esc(asked.question)}</td>"
        f"<td>{esc(asked.closest or '-')}{' (far off: likely outside the FAQ)' * asked.far}"
        f"{esc(f' (the visitor said no to {asked.declined})' if asked.declined else '')}</td>"
        f"<td>{esc(' / '.join(asked.examples))}</td>"
        f"<td><code>{esc(asked.command or '-')}</code></td></tr>"
        for asked in summary.top_unanswered
    )
    unanswered = (
        "<table><thead><tr><th>times</th><th>question</th><th>closest entry</th>"
        f"<th>also worded</th><th>to add it</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Every question was answered.</p>"
    )
    daily = "".join(
        f"<tr><th scope='row'>{day.date}</th><td>{day.answered}</td><td>{day.confirmed}</td>"
        f"<td>{day.rejected}</td></tr>"
        for day in days
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>knotvoice report</title><link rel='stylesheet' href='/report.css'></head>"
        f"<body><main><h1>The last {esc(period)}</h1><table class='figures'>{figures}</table>"
        f"<h2>Questions per day</h2>{_chart(days)}"
        "<table><thead><tr><th>day</th><th>answered</th><th>did-you-mean</th>"
        f"<th>rejected</th></tr></thead><tbody>{daily}</tbody></table>"
        "<h2>Not answered, most often first</h2>"
        "<p>Add the words visitors used as a phrasing of the closest entry (the command beside"
        " each question does it on the kiosk), or write a new entry."
        f"</p>{unanswered}</main></body></html>"
    )


def _chart(days: list[Day], width: int = 640, height: int = 200) -> str:
    """Stacked bars of answered, did-you-mean and rejected questions, a bar per day."""
    if not days:
        return "<p>No questions yet.</p>"
    most = max(day.answered + day.confirmed + day.rejected for day in days)
    slot = width / len(days)
    bars = []
    for number, day in enumerate(days):
        bottom = float(height)
        for field, name, colour in _BARS:
            count = int(getattr(day, field))
            if not count:
                continue
            tall = height * count / most
            bottom -= tall
            bars.append(
                f"<rect x='{number * slot + slot * 0.15:.1f}' y='{bottom:.1f}' "
                f"width='{slot * 0.7:.1f}' height='{tall:.1f}' fill='{colour}'>"
                f"<title>{day.date}: {count} {name}</title></rect>"
            )
    legend = " ".join(f"<tspan fill='{colour}'>&#9632; {name}</tspan>" for _, name, colour in _BARS)
    label = (
        f"Questions per day from {days[0].date} to {days[-1].date}, at most {most} a day: "
        "answered, did-you-mean and rejected"
    )
    return (
        f"<svg class='chart' role='img' aria-label='{html.escape(label)}' "
        f"viewBox='0 -24 {width} {height + 24}' xmlns='http://www.w3.org/2000/svg'>"
        f"<text x='0' y='-8' fill='#ffffff' font-size='14'>{legend}</text>{''.join(bars)}</svg>"
    )
