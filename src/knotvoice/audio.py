"""Audio in: every source becomes a stream of 16 kHz mono 16-bit chunks.

A wav file, a microphone and a test fixture all yield the same ``AudioChunk``s, so every
stage downstream is tested with files and runs with a microphone.
"""

from __future__ import annotations

import io
import logging
import math
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile
import soxr

from knotvoice.errors import AudioInputError

_log = logging.getLogger(__name__)

RATE = 16000
"""The rate every stage works at, in Hertz."""
WIDTH = 2
"""Bytes per sample of every stage's audio (signed 16-bit little-endian)."""
CHANNELS = 1
"""Channels of every stage's audio."""
CHUNK_SAMPLES = 1600
"""Samples per chunk read from files (0.1 s at ``RATE``)."""
FORMATS = ("wav", "flac", "ogg", "mp3", "aiff")
"""The sound formats a message names when a file is not audio: libsndfile reads them all
(and a few rarer ones)."""
_FORMATS_SAID = f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]}"


@dataclass(frozen=True)
class AudioChunk:
    """A piece of PCM audio."""

    audio: bytes
    """Interleaved signed little-endian samples."""
    rate: int = RATE
    """Sample rate in Hertz."""
    width: int = WIDTH
    """Bytes per sample."""
    channels: int = CHANNELS
    """Number of interleaved channels."""
    timestamp: float = 0.0
    """Start of the chunk in seconds of audio time since the stream began."""

    @property
    def samples(self) -> int:
        """Number of samples per channel."""
        return len(self.audio) // (self.width * self.channels)

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.samples / self.rate

    def to_float(self) -> npt.NDArray[np.float32]:
        """Mono samples as float32 in [-1, 1] (channels averaged)."""
        return pcm_to_float(self.audio, self.width, self.channels)


WIDTHS = (1, 2, 3, 4)
"""Sample widths ``pcm_to_float`` reads, in bytes."""


FILTER_TAPS = 96
"""Input samples per output sample of ``StreamResampler``'s filter up to 44.1 kHz; above it
the filter keeps that length in time (2.2 ms)."""
FILTER_CUTOFF = 0.46
"""Where that filter cuts off, as a share of the lower rate (7.4 kHz of 16 kHz): speech keeps
its band, and what lies above half the lower rate cannot fold back into it."""
FILTER_BETA = 8.0
"""Its Kaiser window's shape: from 44.1 kHz, 7 kHz loses 2 dB and sound from 9 kHz up falls
by more than 90 dB."""


class StreamResampler:
    """Resamples a live stream block by block, holding nothing back.

    ``soxr.ResampleStream`` keeps its output aligned with the input but releases it in chunks
    of its own: from 44.1 kHz to 16 kHz in 30 ms blocks it holds back 23 ms on average (up
    to 38 ms), so the frame that holds the end of a question usually comes out a block late.
    This is a polyphase windowed-sinc filter (``FILTER_TAPS``, ``FILTER_CUTOFF``,
    ``FILTER_BETA``). Every output sample comes out as soon as the input it needs is
    in, and the stream runs half the filter (1.1 ms at 44.1 kHz) behind the input. Fed the
    same samples, any split into blocks gives the same output.
    """

    def __init__(self, source: int, target: int = RATE, taps: int | None = None) -> None:
        if source <= 0 or target <= 0:
            raise ValueError(f"rates must be positive, got {source} and {target}")
        taps = taps or max(FILTER_TAPS, math.ceil(FILTER_TAPS * source / 44100))
        common = math.gcd(source, target)
        self._up, self._down = target // common, source // common
        self._source, self._taps = source, taps
        length = taps * self._up
        upsampled = source * self._up
        cutoff = FILTER_CUTOFF * min(source, target) / upsampled  # of the upsampled rate
        t = np.arange(length) - (length - 1) / 2
        window = np.kaiser(length, FILTER_BETA)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * t) * window * self._up
        # _phases[p, k]: the weight of the input k samples before the newest one it needs,
        # for an output that falls p upsampled steps after that input.
        self._phases = kernel.reshape(taps, self._up).T.astype(np.float32)
        self._history = np.zeros(taps - 1, dtype=np.float32)
        self._consumed = 0
        """Input samples taken so far."""
        self._produced = 0
        """Output samples given so far."""

    @property
    def delay_seconds(self) -> float:
        """How far the output runs behind the input."""
        return (self._taps * self._up - 1) / 2 / (self._source * self._up)

    def resample_chunk(self, samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The output samples that ``samples`` (the next input) completes."""
        block = np.asarray(samples, dtype=np.float32).reshape(-1)
        buffer = np.concatenate([self._history, block])
        self._consumed += len(block)
        # output n needs input n * down // up and the taps - 1 before it: every n with
        # n * down < consumed * up is complete
        end = (self._consumed * self._up - 1) // self._down + 1 if self._consumed else 0
        wanted = np.arange(self._produced, end, dtype=np.int64)
        self._history = buffer[len(buffer) - (self._taps - 1) :]
        if not len(wanted):
            return np.zeros(0, dtype=np.float32)
        position = wanted * self._down
        newest = position // self._up
        phase = position - newest * self._up
        first = self._consumed - len(buffer)  # input index of buffer[0]
        index = (newest - first)[:, None] - np.arange(self._taps)[None, :]
        out: npt.NDArray[np.float32] = np.einsum("nk,nk->n", self._phases[phase], buffer[index])
        self._produced = end
        return out


def pcm_to_float(audio: bytes, width: int, channels: int = 1) -> npt.NDArray[np.float32]:
    """Interleaved PCM as mono float32 samples in [-1, 1], channels averaged.

    ``width`` is in bytes: 1 is unsigned 8-bit (as in wav files), 2, 3 and 4 are signed
    little-endian. A trailing partial frame is dropped.
    """
    if width not in WIDTHS:
        raise AudioInputError(
            f"unsupported sample width {width} bytes; send 8, 16, 24 or 32-bit audio"
        )
    if channels < 1:
        raise AudioInputError(f"{channels} channels is not audio; send mono or stereo audio")
    frame = width * channels
    audio = audio[: len(audio) - len(audio) % frame]
    if width == 1:
        data = (np.frombuffer(audio, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:
        raw = np.frombuffer(audio, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        joined = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        signed = np.where(joined >= 1 << 23, joined - (1 << 24), joined)
        data = signed.astype(np.float32) / float(1 << 23)
    else:
        kind, scale = ("<i2", 32768.0) if width == 2 else ("<i4", 2147483648.0)
        data = (np.frombuffer(audio, dtype=kind).astype(np.float64) / scale).astype(np.float32)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1, dtype=np.float32)
    return data


def float_to_pcm16(samples: npt.NDArray[np.floating]) -> bytes:
    """Float samples in [-1, 1] to signed 16-bit little-endian bytes (clipped; a sample that
    is no number, as a damaged float recording can hold, is silence)."""
    finite = np.nan_to_num(np.asarray(samples, dtype=np.float32), nan=0.0)
    clipped = np.clip(finite, -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


def chunks_from_array(
    samples: npt.NDArray[np.floating],
    rate: int,
    chunk_samples: int = CHUNK_SAMPLES,
    start: float = 0.0,
) -> Iterator[AudioChunk]:
    """Split float samples (mono, or frames x channels) into 16 kHz mono chunks."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if rate != RATE:
        data = soxr.resample(data, rate, RATE)
    for offset in range(0, len(data), chunk_samples):
        piece = data[offset : offset + chunk_samples]
        yield AudioChunk(float_to_pcm16(piece), timestamp=start + offset / RATE)


def read_audio(path: Path | str, chunk_samples: int = CHUNK_SAMPLES) -> Iterator[AudioChunk]:
    """Read an audio file (any of ``FORMATS``) as 16 kHz mono 16-bit chunks.

    Raises ``AudioInputError`` for a missing file, a file that is not audio, or one with no
    samples, before yielding anything. A file cut short is heard up to where it breaks off,
    with a warning.
    """
    path = Path(path)
    _require_file(path)
    try:
        with soundfile.SoundFile(str(path)) as sound:
            rate, frames = sound.samplerate, sound.frames
            data = _decode(sound)
            if frames == 0 and (left := _left_open(path)) is not None:
                data = _read_on(path, left[0], sound)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        raise _unreadable(path, error) from None
    if len(data) == 0:
        raise _empty(path)
    # libsndfile counts a wav's frames from what it holds, another format's from its header.
    promised = _header_frames(path) or frames
    if len(data) < promised:
        _log.warning(
            "%s: the file is shorter than its header says (%.2f s), probably cut short; "
            "only the %.2f s it holds is heard",
            path,
            promised / rate,
            len(data) / rate,
        )
    return chunks_from_array(data, int(rate), chunk_samples)


def _read_on(path: Path, start: int, sound: soundfile.SoundFile) -> npt.NDArray[np.float32]:
    """The audio of a wav whose header gives its data no length, from ``start`` to the end of
    the file, as ``sound`` (opened on it) says it is written; with a warning."""
    with path.open("rb") as handle:
        handle.seek(start)
        after = io.BytesIO(handle.read())  # libsndfile reads a file it is handed from its start
        with soundfile.SoundFile(
            after,
            format="RAW",
            samplerate=sound.samplerate,
            channels=sound.channels,
            subtype=sound.subtype,
            endian=sound.endian,
        ) as raw:
            data = _decode(raw)
    if len(data):
        _log.warning(
            "%s: its header gives the audio no length (a recording not finished?); the %.2f s "
            "after it are heard",
            path,
            len(data) / sound.samplerate,
        )
    return data


def _decode(sound: soundfile.SoundFile) -> npt.NDArray[np.float32]:
    """Every frame of an open file that decodes, frames x channels: a file cut short (a flac
    or ogg copied in part) is read up to where its audio breaks off; raises only when none
    of it decodes."""
    blocks: list[npt.NDArray[np.float32]] = []
    try:
        # Small blocks: the block an error breaks off is lost with it.
        for block in sound.blocks(max(sound.samplerate // 10, 1), dtype="float32", always_2d=True):
            blocks.append(block)
    except soundfile.LibsndfileError:
        if not blocks:
            raise
    if not blocks:
        return np.zeros((0, sound.channels), dtype=np.float32)
    return np.concatenate(blocks)


CLIP_SECONDS_AT_MOST = 60.0
"""Longest recorded question ``ask --audio`` and ``eval`` take: the kiosk hears at most 15 s
of one utterance (``max_utterance``), Home Assistant's devices 30 s; a longer clip is a
recording of more than a question (an 11-minute one took 830 MB to hear)."""


def longer_than_a_question(seconds: float, what: str) -> str | None:
    """What to say of a clip of ``seconds`` (``what`` it is: "a question", "a question's
    clip") longer than ``CLIP_SECONDS_AT_MOST``; None when it is not."""
    if seconds <= CLIP_SECONDS_AT_MOST:
        return None
    return (
        f"{seconds:.0f} s long, where {what} is at most {CLIP_SECONDS_AT_MOST:.0f} s; cut it to "
        "the question"
    )


def check_audio(path: Path | str) -> float:
    """Raise ``AudioInputError``, as ``read_audio`` would, for a missing file, a file that is
    not audio, or one with no samples; only the file's header and first block are read (a
    header can be whole where none of the audio after it decodes). Returns its length in
    seconds, as its header says."""
    path = Path(path)
    _require_file(path)
    try:
        with soundfile.SoundFile(str(path)) as sound:
            frames, rate = sound.frames, sound.samplerate
            sound.read(min(frames, max(rate // 10, 1)), dtype="float32")
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        raise _unreadable(path, error) from None
    if frames == 0 and (left := _left_open(path)) is not None:
        frames = left[1]
    if frames == 0:
        raise _empty(path)
    return float(frames / rate)


def is_audio(path: Path | str) -> bool:
    """Whether ``path`` is a file of a sound format (its header is read); for telling a clip
    passed where text is asked for."""
    try:
        soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, ValueError):
        return False
    return True


def _header_frames(path: Path) -> int | None:
    """Frames a wav file's header says its data holds; ``None`` for another format or a
    length left open (0 or 0xFFFFFFFF, as a stream is written).

    libsndfile counts only the frames a wav file holds, so a wav cut short is told by this.
    """
    block, size, _, _ = _wav_data(path)
    return size // block if block and size not in (0, 0xFFFFFFFF) else None


_SAMPLES_AS_WRITTEN = frozenset({1, 3, 6, 7, 0xFFFE})
"""Formats of a wav whose data are samples one after another (PCM, float, A-law, mu-law,
and the extensible format), which can be read on without a header; not a compressed one
(ADPCM, GSM), whose data come in blocks."""


def _left_open(path: Path) -> tuple[int, int] | None:
    """Where the audio of a wav starts whose header gives it a length of 0 (as a recorder
    writes it first, and leaves it when stopped before it ends the file), and its frames to
    the end of the file; None otherwise, and for an empty one with more of the header after
    it (a ``LIST`` chunk)."""
    block, size, start, kind = _wav_data(path)
    end = path.stat().st_size
    if not (block and size == 0 and kind in _SAMPLES_AS_WRITTEN and 0 < start < end):
        return None
    with path.open("rb") as handle:
        handle.seek(start)
        after = handle.read(8)
    chunk = len(after) == 8 and after[:4].isalnum() and after[:4].isascii()
    if chunk and start + 8 + int.from_bytes(after[4:], "little") <= end:
        return None  # the next chunk of a header, not audio
    return start, (end - start) // block


def _wav_data(path: Path) -> tuple[int, int, int, int]:
    """A wav file's bytes per frame, the size its header gives the data, where the data
    starts and its format's number (zeros for what is not found, or another format)."""
    with path.open("rb") as handle:
        head = handle.read(12)
        if head[:4] != b"RIFF" or head[8:] != b"WAVE":
            return 0, 0, 0, 0
        block = form = 0
        while len(chunk := handle.read(8)) == 8:
            kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"data":
                return block, size, handle.tell(), form
            body = handle.read(size + size % 2)
            if kind == b"fmt ":
                form = int.from_bytes(body[0:2], "little")
                block = int.from_bytes(body[12:14], "little")
    return block, 0, 0, form


def _require_file(path: Path) -> None:
    if path.is_dir():
        raise AudioInputError(
            f"{path} is a folder, not an audio file; give the path of a {_FORMATS_SAID} file in it"
        )
    if not path.is_file():
        raise AudioInputError(
            f"{path}: no such audio file; give the path of a {_FORMATS_SAID} file"
        )
    if path.stat().st_size == 0:
        raise _empty(path)


def _unreadable(path: Path, error: Exception) -> AudioInputError:
    return AudioInputError(
        f"{path}: not a readable audio file ({error}); record it as {_FORMATS_SAID}"
    )


def _empty(path: Path) -> AudioInputError:
    return AudioInputError(f"{path}: the audio file is empty; record the question again")


def join(chunks: Iterable[AudioChunk]) -> npt.NDArray[np.float32]:
    """All chunks as one float32 mono array at their (shared) rate."""
    parts = [chunk.to_float() for chunk in chunks]
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts)


def write_wav(path: Path | str, chunks: Iterable[AudioChunk]) -> Path:
    """Write chunks (all of one format) to a 16-bit wav file, whole or not at all (a full
    disk left an empty file by the name); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        # The file opened first: wave's own opening, when it fails, leaves a half-made
        # writer that complains again as it is collected.
        with partial.open("wb") as handle, wave.open(handle, "wb") as out:
            first = True
            for chunk in chunks:
                if first:
                    out.setnchannels(chunk.channels)
                    out.setsampwidth(chunk.width)
                    out.setframerate(chunk.rate)
                    first = False
                out.writeframes(chunk.audio)
            if first:
                out.setnchannels(CHANNELS)
                out.setsampwidth(WIDTH)
                out.setframerate(RATE)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
