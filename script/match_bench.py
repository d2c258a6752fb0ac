"""What the matcher costs, for ``script/benchmark --matching``.

For each knowledge file, and for a synthetic FAQ of 1,000 entries made from their entries:

- a cold build: a ``Matcher`` built as the kiosk builds one, with a fresh, empty cache folder
  for both the calibration and the kept embeddings, so nothing is reused. It is split into
  preparing the knowledge (embedding the phrasings and the answers' sentences, indexing their
  words, training the classifier of meaning) and fitting the calibration (which embeds the
  questions it learns from too); the time spent in the embedding model over the whole build
  is given beside them;
- a warm build: the same again with the embedding model's memory emptied, so the calibration
  and the embeddings are read back from that folder, as a restart of the kiosk does;
- a new build: a folder that holds only the embeddings of the language data every fit learns
  from (the everyday questions of ``lang/``), as ``./script/setup`` leaves it, so what an
  operator's new file costs at its first start;
- an edited build: the warm folder kept and one wording added to the file's first entry, as
  an operator's edit (``knotvoice knowledge add``) reaches a running kiosk: the embeddings
  read for the warm build are kept, so only the new wording and its spoken variants are
  embedded, and the calibration is fitted again;
- match latency: ``Matcher.match`` on each typed question (the ``text`` column of the FAQ's
  tuning manifest, each text once), with no recognizer and no hearing again;
- the process's peak resident memory after each FAQ (``getrusage``: it only grows), an
  edited build's beside the matcher built before included, as on a kiosk.

The synthetic FAQ is for cost only, not accuracy: the knowledge files' entries in turn, each
copy with its own id and a word and number appended to its phrasings, answer and topic
(``synthetic_knowledge``), asked the questions of all the files' manifests.

Numbers are reported, not enforced (the machine is shared); the targets are printed beside
them.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from listen_bench import _git_commit, percentile

from knotvoice import app
from knotvoice.evaluate import NO_ANSWER, manifest_knowledge, read_manifest
from knotvoice.knowledge import Entry, Knowledge, MatchingHints
from knotvoice.lang import english
from knotvoice.match.calibration import Example
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel
from knotvoice.settings import Settings

SYNTHETIC_ENTRIES = 1000
"""Entries of the synthetic FAQ."""
SYNTHETIC_WORDS = ("please", "today", "again", "now", "here", "exactly", "still", "anyway")
"""Appended in turn, with the entry's number, to what each synthetic entry copies."""
SMALL_FAQ = 100
"""Up to this many entries a FAQ is held to the targets for about 20 entries."""


@dataclass(frozen=True)
class Targets:
    """What the matcher should cost (from the issue; reported beside the figures)."""

    match_p95_ms: float
    """Match latency, 95th percentile, in milliseconds."""
    fit_s: float | None
    """Fitting the calibration, in seconds (None: no target)."""


def targets_for(entries: int) -> Targets:
    """The targets of a FAQ of ``entries`` entries: about 20, or about 1,000."""
    if entries <= SMALL_FAQ:
        return Targets(match_p95_ms=30.0, fit_s=5.0)
    return Targets(match_p95_ms=100.0, fit_s=None)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in megabytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_knowledge(
    sources: Sequence[Knowledge], size: int = SYNTHETIC_ENTRIES, name: str = ""
) -> Knowledge:
    """A knowledge of ``size`` entries, to measure cost only: the ``sources``' entries in turn,
    entry ``n`` (counted from 1) copying one with the id ``<id>-<n>`` and a word and ``n``
    appended to each of its phrasings, its answer and its topic ("... please 17"), so that no
    two entries, phrasings or answers are the same. The sources' matching hints are merged
    (the first file's synonym wins)."""
    pool = [entry for knowledge in sources for entry in knowledge.entries]
    if not pool:
        raise ValueError("no entries to copy")
    entries: list[Entry] = []
    for number in range(1, size + 1):
        entry = pool[(number - 1) % len(pool)]
        tag = f"{SYNTHETIC_WORDS[(number - 1) % len(SYNTHETIC_WORDS)]} {number}"
        entries.append(
            Entry(
                id=f"{entry.id}-{number}",
                question=f"{entry.question} {tag}",
                answer=f"{entry.answer} ({tag})",
                alternatives=tuple(f"{text} {tag}" for text in entry.alternatives),
                spoken=f"{entry.spoken} ({tag})" if entry.spoken else None,
                topic=f"{entry.topic} {tag}" if entry.topic else "",
                keywords=entry.keywords,
            )
        )
    synonyms: dict[str, str] = {}
    for knowledge in sources:
        for word, known in knowledge.matching.synonyms:
            synonyms.setdefault(word, known)
    hints = MatchingHints(
        core_terms=tuple(
            dict.fromkeys(t for knowledge in sources for t in knowledge.matching.core_terms)
        ),
        synonyms=tuple(synonyms.items()),
        heard_as=tuple(r for knowledge in sources for r in knowledge.matching.heard_as),
    )
    return Knowledge(entries=tuple(entries), source=name or f"synthetic-{size}", matching=hints)


def tuning_manifest(knowledge_file: Path, ids: Iterable[str], fixtures: Path) -> Path | None:
    """The tuning manifest of a knowledge file: ``<fixtures>/<name>/tuning/manifest.tsv``, else
    ``<fixtures>/tuning/manifest.tsv`` (the bundled FAQ's) when its ``# knowledge:`` line names
    the file or, naming none, every entry it expects is one of ``ids``; None when neither is."""
    own = fixtures / knowledge_file.stem / "tuning" / "manifest.tsv"
    if own.is_file():
        return own
    shared = fixtures / "tuning" / "manifest.tsv"
    if not shared.is_file():
        return None
    named = manifest_knowledge(shared)
    if named is not None:
        return shared if named == knowledge_file.resolve() else None
    known = {*ids, NO_ANSWER}
    return shared if all(row.expected in known for row in read_manifest(shared)) else None


def typed_questions(manifests: Iterable[Path]) -> list[str]:
    """The ``text`` of every row of the manifests, each text once, in order."""
    texts = (row.text for manifest in manifests for row in read_manifest(manifest))
    return list(dict.fromkeys(text for text in texts if text))


class TimedEmbedder:
    """The sentence-embedding model, counting the time spent in it (an ``Embedder``)."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.seconds = 0.0

    @property
    def identity(self) -> str:
        """The model's (the calibration kept in the cache is keyed by it)."""
        return self.model.identity

    def embed(self, texts: Sequence[str], *, keep: bool = False) -> npt.NDArray[np.float32]:
        start = time.perf_counter()
        try:
            return self.model.embed(texts, keep=keep)
        finally:
            self.seconds += time.perf_counter() - start


@dataclass(frozen=True)
class FaqCost:
    """What one FAQ's matcher cost (seconds, milliseconds, megabytes as named)."""

    name: str
    entries: int
    phrasings: int
    cold_build_s: float
    """Building the matcher with nothing cached."""
    prepare_s: float
    """Of which preparing the knowledge (embedding the phrasings and answers, indexing)."""
    fit_s: float
    """Of which fitting the calibration."""
    embedding_s: float
    """Time in the embedding model over the whole cold build (in both parts)."""
    fit_questions: int
    """Questions the calibration learnt from."""
    warm_build_s: float
    """Building it again with the calibration and the embeddings read from the cache."""
    warm_reused_fit: bool
    """The warm build reused the cold build's calibration (it did not fit again)."""
    new_build_s: float | None
    """Building it with only the language data's embeddings kept (as after setup)."""
    new_fit_s: float | None
    """Of which fitting the calibration."""
    edited_build_s: float | None
    """Building it again after one wording was added, with everything else kept."""
    edited_fit_s: float | None
    """Of which fitting the calibration."""
    edited_refitted: bool
    """The edited build fitted the calibration again (it must: its phrasings changed)."""
    questions: int
    questions_from: str
    match_p50_ms: float
    match_p95_ms: float
    match_max_ms: float
    peak_rss_mb: float
    """Peak resident memory of the process after this FAQ."""
    peak_before_edit_mb: float
    """The same before the edited build (which takes memory beside the matcher before it)."""
    targets: Targets


def with_one_more_wording(knowledge: Knowledge) -> Knowledge:
    """``knowledge`` with one wording added to its first entry, as an operator adds one."""
    first, *rest = knowledge.entries
    wording = f"I have a question about {first.topic or first.question.rstrip('?')}"
    edited = replace(first, alternatives=(*first.alternatives, wording))
    return replace(knowledge, entries=(edited, *rest))


def measure(
    name: str,
    knowledge: Knowledge,
    questions: Sequence[str],
    questions_from: str,
    model: SemanticModel | None,
    cache_dir: Path,
    recorded: Sequence[Example] = (),
    prepared: Path | None = None,
) -> FaqCost:
    """Build a matcher over ``knowledge`` cold then warm (``cache_dir``: a fresh folder), then
    new (from a copy of ``prepared``, when given), and time matching each of ``questions``."""
    cold_embedder = TimedEmbedder(model) if model is not None else None
    if model is not None:
        model.keep_in(cache_dir)
    start = time.perf_counter()
    cold = Matcher(knowledge, cold_embedder, cache_dir=cache_dir, recorded=recorded)
    cold_s = time.perf_counter() - start
    cold_fit = cold.fit
    del cold

    if model is not None:
        model.keep_in(cache_dir)
    start = time.perf_counter()
    warm = Matcher(knowledge, model, cache_dir=cache_dir, recorded=recorded)
    warm_s = time.perf_counter() - start

    peak_before_edit = peak_rss_mb()
    edited_s = edited_fit_s = None
    edited_refitted = True
    if model is not None and knowledge.entries:
        # As on a kiosk's reload, the matcher built before still answers while the edited one
        # is built, and the embeddings it read stay in memory.
        changed = with_one_more_wording(knowledge)
        start = time.perf_counter()
        edited = Matcher(changed, model, cache_dir=cache_dir, recorded=recorded)
        edited_s, edited_fit_s = time.perf_counter() - start, edited.fit.seconds
        edited_refitted = edited.fit.seconds != warm.fit.seconds
        del edited

    new_s = new_fit_s = None
    if model is not None and prepared is not None:
        folder = cache_dir.with_name(f"{cache_dir.name}-new")
        shutil.copytree(prepared, folder)
        model.keep_in(folder)
        start = time.perf_counter()
        new = Matcher(knowledge, model, cache_dir=folder, recorded=recorded)
        new_s, new_fit_s = time.perf_counter() - start, new.fit.seconds
        del new

    latencies: list[float] = []
    for text in questions:
        began = time.perf_counter()
        warm.match(text)
        latencies.append((time.perf_counter() - began) * 1000.0)

    return FaqCost(
        name=name,
        entries=len(knowledge.entries),
        phrasings=len(warm.evidence.phrasings),
        cold_build_s=cold_s,
        prepare_s=cold_s - cold_fit.seconds,
        fit_s=cold_fit.seconds,
        embedding_s=cold_embedder.seconds if cold_embedder is not None else 0.0,
        fit_questions=sum(cold_fit.questions.values()),
        warm_build_s=warm_s,
        warm_reused_fit=warm.fit.seconds == cold_fit.seconds,
        new_build_s=new_s,
        new_fit_s=new_fit_s,
        edited_build_s=edited_s,
        edited_fit_s=edited_fit_s,
        edited_refitted=edited_refitted,
        questions=len(latencies),
        questions_from=questions_from,
        match_p50_ms=percentile(latencies, 50),
        match_p95_ms=percentile(latencies, 95),
        match_max_ms=max(latencies, default=float("nan")),
        peak_rss_mb=peak_rss_mb(),
        peak_before_edit_mb=peak_before_edit,
        targets=targets_for(len(knowledge.entries)),
    )


@dataclass(frozen=True)
class MatchingReport:
    """The whole ``--matching`` run."""

    command: str
    commit: str
    cpu_cores: int
    load_average: tuple[float, float]
    """One-minute load average at the start and at the end."""
    model: str
    """The sentence-embedding model's folder, or "" when none is installed."""
    model_load_s: float
    language_s: float
    """Embedding the language data every fit learns from (what ``./script/setup`` does)."""
    faqs: tuple[FaqCost, ...]
    peak_rss_mb: float
    """Peak resident memory of the process at the end."""
    synthetic: str
    """How the synthetic FAQ was made ("" when there is none)."""


def run_matching(
    settings: Settings,
    knowledge_files: Sequence[Path],
    synthetic_size: int,
    project: Path,
    command: str,
    log: Callable[[str], None],
) -> MatchingReport:
    """Measure every knowledge file, then the synthetic FAQ made from them."""
    load_start = os.getloadavg()[0]
    fixtures = project / "audio_fixtures"
    started = time.perf_counter()
    model = app.load_embedder(settings)
    model_load_s = time.perf_counter() - started
    faqs: list[FaqCost] = []
    sources: list[Knowledge] = []
    manifests: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="knotvoice-mbench-") as temporary:
        prepared = Path(temporary) / "language"
        language_s = 0.0
        if model is not None:
            model.keep_in(prepared)
            started = time.perf_counter()
            model.embed(list(english().offtopic), keep=True)
            language_s = time.perf_counter() - started
        for number, path in enumerate(knowledge_files):
            knowledge = app.load_knowledge_file(path)
            sources.append(knowledge)
            manifest = tuning_manifest(path, knowledge.ids, fixtures)
            if manifest is not None:
                manifests.append(manifest)
                questions = typed_questions([manifest])
                questions_from = _relative(manifest, project)
            else:
                questions = [entry.question for entry in knowledge.entries]
                questions_from = "its own questions (no tuning manifest)"
            log(f"{path.name}: {len(knowledge.entries)} entries, {len(questions)} questions")
            faqs.append(
                measure(
                    path.name,
                    knowledge,
                    questions,
                    questions_from,
                    model,
                    Path(temporary) / f"{number}",
                    app.load_recorded(settings, knowledge),
                    prepared if model is not None else None,
                )
            )
        synthetic = ""
        if synthetic_size > 0 and sources:
            knowledge = synthetic_knowledge(sources, synthetic_size)
            questions = typed_questions(manifests)
            names = ", ".join(path.name for path in knowledge_files)
            synthetic = (
                f"{knowledge.source} is made up, for cost only (not accuracy): the entries of "
                f"{names} in turn, each copy with its own id and a word and its number appended "
                "to its phrasings, answer and topic; it is asked the questions of all their "
                "tuning manifests"
            )
            log(
                f"{knowledge.source}: {synthetic_size} entries, {len(questions)} questions"
                + (" (its cold build takes minutes)" if synthetic_size > SMALL_FAQ else "")
            )
            faqs.append(
                measure(
                    knowledge.source,
                    knowledge,
                    questions,
                    "those of all the manifests above",
                    model,
                    Path(temporary) / "synthetic",
                )
            )
    return MatchingReport(
        command=command,
        commit=_git_commit(project),
        cpu_cores=os.cpu_count() or 0,
        load_average=(round(load_start, 2), round(os.getloadavg()[0], 2)),
        model=str(model.path) if model is not None else "",
        model_load_s=model_load_s,
        language_s=language_s,
        faqs=tuple(faqs),
        peak_rss_mb=peak_rss_mb(),
        synthetic=synthetic,
    )


def _relative(path: Path, project: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.resolve()))
    except ValueError:
        return str(path)


def as_json(report: MatchingReport) -> dict[str, Any]:
    """The report as plain data, rounded (seconds to 3 places, the rest to 2)."""

    def rounded(name: str, value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 3 if name.endswith("_s") else 2)
        return value

    def faq(cost: FaqCost) -> dict[str, Any]:
        data = {name: rounded(name, value) for name, value in vars(cost).items()}
        data["targets"] = {
            "match_p95_ms": cost.targets.match_p95_ms,
            "match_p95_met": cost.match_p95_ms <= cost.targets.match_p95_ms,
            "fit_s": cost.targets.fit_s,
            "fit_met": None if cost.targets.fit_s is None else fit_time(cost) <= cost.targets.fit_s,
        }
        return data

    data = {name: rounded(name, value) for name, value in vars(report).items()}
    data["load_average"] = list(report.load_average)
    data["faqs"] = [faq(cost) for cost in report.faqs]
    return data


def fit_time(cost: FaqCost) -> float:
    """The fit an operator waits for: a new file's after setup, else the cold one's."""
    return cost.new_fit_s if cost.new_fit_s is not None else cost.fit_s


def _verdict(value: float, target: float | None, unit: str) -> str:
    if target is None:
        return "-"
    return f"<= {target:g} {unit}: {'met' if value <= target else 'MISSED'}"


def format_report(report: MatchingReport) -> str:
    """The report as readable tables."""
    model = (
        f"{report.model_load_s * 1000:.0f} ms ({Path(report.model).parent.name})"
        if report.model
        else "none installed: matching by words alone"
    )
    out = [
        f"command {report.command}",
        f"commit {report.commit}  cores {report.cpu_cores}  load average "
        f"{report.load_average[0]} at the start, {report.load_average[1]} at the end "
        "(shared machine: expect noise)",
        f"sentence-embedding model load {model}; the language data embedded in "
        f"{report.language_s:.1f} s",
        "",
        f"{'build':18} {'entries':>7} {'phrasings':>9} {'cold':>9} {'prepare':>9} {'fit':>9} "
        f"{'(embed)':>9} {'warm':>8} {'new':>9} {'new fit':>9} {'edited':>9}  {'fit target':16}",
    ]

    def seconds(value: float | None) -> str:
        return f"{value:7.2f} s" if value is not None else f"{'-':>9}"

    for cost in report.faqs:
        out.append(
            f"{cost.name[:18]:18} {cost.entries:7d} {cost.phrasings:9d} "
            f"{cost.cold_build_s:7.2f} s {cost.prepare_s:7.2f} s {cost.fit_s:7.2f} s "
            f"{cost.embedding_s:7.2f} s {cost.warm_build_s:6.2f} s "
            f"{seconds(cost.new_build_s)} {seconds(cost.new_fit_s)} "
            f"{seconds(cost.edited_build_s)}  "
            f"{_verdict(fit_time(cost), cost.targets.fit_s, 's'):16}"
            + ("" if cost.warm_reused_fit else "  (warm build fitted again!)")
            + ("" if cost.edited_refitted else "  (edited build did not fit again!)")
        )
    out += [
        "",
        f"{'matching':18} {'questions':>9} {'p50':>9} {'p95':>9} {'max':>9}  "
        f"{'p95 target':20} {'peak RSS after':>14} {'(before the edit)':>17}",
    ]
    for cost in report.faqs:
        out.append(
            f"{cost.name[:18]:18} {cost.questions:9d} {cost.match_p50_ms:6.1f} ms "
            f"{cost.match_p95_ms:6.1f} ms {cost.match_max_ms:6.1f} ms  "
            f"{_verdict(cost.match_p95_ms, cost.targets.match_p95_ms, 'ms'):20} "
            f"{cost.peak_rss_mb:11.0f} MB {cost.peak_before_edit_mb:14.0f} MB"
        )
    sources = "; ".join(f"{cost.name}: {cost.questions_from}" for cost in report.faqs)
    notes = [
        "cold: a fresh cache folder, nothing reused = prepare (embed the phrasings and the "
        "answers' sentences, index their words, train the classifier of meaning) + fit (the "
        "calibration, which embeds the questions it learns from); (embed): time in the "
        "embedding model over the whole cold build. warm: built again with the calibration and "
        "embeddings read back from that folder, as a restart does. new: built with only the "
        "language data's embeddings kept, as ./script/setup leaves the cache: what a new "
        "knowledge file costs at its first start (the fit target is judged on it). edited: "
        "built again with the warm folder kept and one wording added to the first entry, as "
        "an operator's edit reaches a running kiosk (its new texts embedded, the fit again).",
        "matching: Matcher.match on each typed question once (no recognizer, no hearing "
        f"again), in milliseconds; questions from {sources}.",
        "targets (reported, not enforced): match p95 <= 30 ms for about 20 entries and "
        "<= 100 ms for 1,000; fit <= 5 s for about 20 entries.",
    ]
    if report.synthetic:
        notes.append(report.synthetic + ".")
    out.append("")
    for note in notes:
        out += textwrap.wrap(note, 100, break_on_hyphens=False)
    out.append(f"peak memory at the end {report.peak_rss_mb:.0f} MB (resident, getrusage)")
    return "\n".join(out)
