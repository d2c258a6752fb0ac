"""The pure helpers of ``script/match_bench.py`` (the benchmark itself is not run here: its
cold build of 1,000 entries takes minutes and its numbers depend on the machine)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import yaml

from knotvoice.knowledge import Knowledge, load, phrase_key
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "audio_fixtures"
FAQS = [ROOT / "knowledge" / name for name in ("knots.yaml", "railway.yaml", "gp-surgery.yaml")]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("match_bench")


@pytest.fixture(scope="module")
def sources() -> list[Knowledge]:
    return [load(path) for path in FAQS]


def test_the_synthetic_faq_is_a_knowledge_file_the_loader_accepts(
    bench: ModuleType, sources: list[Knowledge], tmp_path: Path
) -> None:
    synthetic = bench.synthetic_knowledge(sources, 1000)
    assert len(synthetic.entries) == 1000
    rows = [
        {
            "id": entry.id,
            "question": entry.question,
            "alternatives": list(entry.alternatives),
            "answer": entry.answer,
        }
        for entry in synthetic.entries
    ]
    path = tmp_path / "synthetic.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "entries": rows}), encoding="utf-8")
    # The loader refuses duplicate ids and a phrasing that asks for two entries.
    assert load(path).ids == synthetic.ids


def test_synthetic_entries_copy_the_sources_in_turn_and_differ_from_each_other(
    bench: ModuleType, sources: list[Knowledge]
) -> None:
    pool = [entry for knowledge in sources for entry in knowledge.entries]
    synthetic = bench.synthetic_knowledge(sources, 2 * len(pool) + 3)
    for number, entry in enumerate(synthetic.entries):
        source = pool[number % len(pool)]
        assert entry.id == f"{source.id}-{number + 1}"
        assert entry.question.startswith(source.question)
        assert len(entry.alternatives) == len(source.alternatives)
    for field in ("answer", "topic"):
        values = [getattr(entry, field) for entry in synthetic.entries if getattr(entry, field)]
        assert len(set(values)) == len(values), field
    keys = [phrase_key(text) for entry in synthetic.entries for text in entry.phrases]
    assert len(set(keys)) == len(keys)
    assert set(synthetic.matching.core_terms) >= set(sources[0].matching.core_terms)


def test_each_bundled_faq_finds_its_tuning_questions(
    bench: ModuleType, sources: list[Knowledge]
) -> None:
    found = [
        bench.tuning_manifest(path, knowledge.ids, FIXTURES)
        for path, knowledge in zip(FAQS, sources, strict=True)
    ]
    assert found == [
        FIXTURES / "tuning" / "manifest.tsv",  # the bundled FAQ's set, naming no file
        FIXTURES / "railway" / "tuning" / "manifest.tsv",
        FIXTURES / "gp-surgery" / "tuning" / "manifest.tsv",
    ]


def test_a_faq_without_tuning_questions_finds_none(bench: ModuleType) -> None:
    other = ROOT / "knowledge" / "my-faq.yaml"
    assert bench.tuning_manifest(other, ["opening-hours"], FIXTURES) is None


def test_typed_questions_are_each_text_once(bench: ModuleType, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "# knowledge: faq.yaml\nfile\texpected\ttext\n"
        "a1.wav\tx\tWhere is it?\na2.wav\tx\tWhere is it?\nb.wav\t-\tWhat time is it?\n",
        encoding="utf-8",
    )
    assert bench.typed_questions([manifest, manifest]) == ["Where is it?", "What time is it?"]


def test_targets_follow_the_size_of_the_faq(bench: ModuleType) -> None:
    assert bench.targets_for(20) == bench.Targets(match_p95_ms=30.0, fit_s=5.0)
    assert bench.targets_for(1000) == bench.Targets(match_p95_ms=100.0, fit_s=None)


def test_an_edit_adds_one_new_wording_to_the_first_entry_only(
    bench: ModuleType, sources: list[Knowledge]
) -> None:
    for knowledge in sources:
        edited = bench.with_one_more_wording(knowledge)
        first, *rest = edited.entries
        assert first.phrases[:-1] == knowledge.entries[0].phrases
        known = {phrase_key(text) for entry in knowledge.entries for text in entry.phrases}
        assert phrase_key(first.phrases[-1]) not in known
        assert tuple(rest) == knowledge.entries[1:]
