from __future__ import annotations

import logging
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile

from knotvoice.audio import (
    FORMATS,
    RATE,
    AudioChunk,
    StreamResampler,
    check_audio,
    join,
    pcm_to_float,
    read_audio,
    write_wav,
)
from knotvoice.errors import AudioInputError


def _tone(rate: int, seconds: float, channels: int) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = 0.5 * np.sin(2 * np.pi * 440.0 * t)
    return np.stack([mono] * channels, axis=1) if channels > 1 else mono


@pytest.mark.parametrize(
    ("suffix", "rate", "channels", "subtype"),
    [
        ("wav", 44100, 2, "PCM_16"),
        ("wav", 8000, 1, "PCM_U8"),
        ("wav", 48000, 1, "FLOAT"),
        ("flac", 22050, 2, "PCM_24"),
        ("ogg", 48000, 1, "VORBIS"),
    ],
)
def test_any_file_becomes_16k_mono_16bit_chunks(
    tmp_path: Path, suffix: str, rate: int, channels: int, subtype: str
) -> None:
    path = tmp_path / f"tone.{suffix}"
    soundfile.write(path, _tone(rate, 1.0, channels), rate, subtype=subtype)
    chunks = list(read_audio(path))
    assert all((c.rate, c.width, c.channels) == (RATE, 2, 1) for c in chunks)
    assert sum(c.seconds for c in chunks) == pytest.approx(1.0, abs=0.01)
    samples = join(chunks)
    # The tone survives resampling: its level and pitch are what was written.
    assert np.sqrt(np.mean(samples**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.argmax(spectrum) * RATE / len(samples) == pytest.approx(440.0, abs=5.0)


def test_the_formats_an_error_names_are_those_that_are_read(tmp_path: Path) -> None:
    """A missing clip was told "give the path of a wav, flac or ogg file", though mp3 and
    aiff are read as well."""
    with pytest.raises(AudioInputError) as missing:
        read_audio(tmp_path / "question.m4a")
    assert str(missing.value).endswith(
        "no such audio file; give the path of a wav, flac, ogg, mp3 or aiff file"
    )
    for suffix in FORMATS:
        path = tmp_path / f"tone.{suffix}"
        soundfile.write(path, _tone(22050, 1.0, 1), 22050)
        assert sum(c.seconds for c in read_audio(path)) == pytest.approx(1.0, abs=0.1), suffix


def test_chunk_timestamps_are_audio_time(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    soundfile.write(path, _tone(RATE, 0.5, 1), RATE)
    chunks = list(read_audio(path, chunk_samples=800))
    assert [c.timestamp for c in chunks[:3]] == pytest.approx([0.0, 0.05, 0.1])


def test_write_wav_round_trips(tmp_path: Path) -> None:
    chunk = AudioChunk(np.arange(-1000, 1000, dtype="<i2").tobytes(), rate=22050)
    path = write_wav(tmp_path / "sub" / "out.wav", [chunk, chunk])
    data, rate = soundfile.read(path, dtype="int16")
    assert rate == 22050
    assert len(data) == 4000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.wav", None, "no such audio file"),
        ("notes.wav", b"these are not samples", "not a readable audio file"),
    ],
)
def test_bad_files_say_what_is_wrong(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioInputError, match=message) as error:
        read_audio(path)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_a_clip_whose_audio_does_not_decode_is_refused_by_the_check(tmp_path: Path) -> None:
    """A flac with a whole header and no audio that decodes passed the check made before any
    clip is heard, and stopped an eval partway, the clips heard before it lost."""
    path = tmp_path / "question.flac"
    soundfile.write(path, _tone(RATE, 1.0, 1), RATE)
    data = path.read_bytes()
    first_frame = data.index(b"\xff\xf8")  # the sync code of flac's first audio frame
    path.write_bytes(data[:first_frame] + bytes(len(data) - first_frame))
    for reading in (read_audio, check_audio):
        with pytest.raises(AudioInputError, match="not a readable audio file") as error:
            reading(path)
        assert str(error.value).startswith(f"{path}: ")


def test_a_folder_is_told_as_a_folder(tmp_path: Path) -> None:
    """A folder of clips passed as a clip was "no such audio file", though it is there."""
    path = tmp_path / "clips.wav"
    path.mkdir()
    with pytest.raises(AudioInputError) as error:
        read_audio(path)
    assert str(error.value) == (
        f"{path} is a folder, not an audio file; give the path of a wav, flac, ogg, mp3 or aiff "
        "file in it"
    )


def test_a_float_recording_holding_samples_that_are_no_number_is_read_quietly(
    tmp_path: Path,
) -> None:
    # Python's "RuntimeWarning: invalid value encountered in cast" was printed over the output.
    tone = np.sin(np.linspace(0, 400 * np.pi, RATE)).astype(np.float32) * 0.5
    tone[100:200] = np.nan
    soundfile.write(tmp_path / "damaged.wav", tone, RATE, subtype="FLOAT")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        samples = join(read_audio(tmp_path / "damaged.wav"))
    assert len(samples) == RATE and not samples[100:200].any()
    assert abs(samples[1000:2000]).max() > 0.4


def test_empty_audio_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    soundfile.write(path, np.zeros(0), RATE)
    with pytest.raises(AudioInputError, match="empty"):
        read_audio(path)


def test_a_file_of_no_bytes_is_empty_not_unknown_audio(tmp_path: Path) -> None:
    """A recording that wrote nothing was "not a readable audio file (Format not
    recognised.); record it as wav, flac or ogg", though it is named .wav."""
    path = tmp_path / "question.wav"
    path.write_bytes(b"")
    for reading in (read_audio, check_audio):
        with pytest.raises(AudioInputError) as error:
            reading(path)
        assert str(error.value) == f"{path}: the audio file is empty; record the question again"


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
def test_a_wav_whose_header_gives_its_audio_no_length_is_heard_to_its_end(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, subtype: str
) -> None:
    """A recorder stopped before it finished its file leaves the data's length 0: 2 s of
    audio were "the audio file is empty; record the question again"."""
    path = tmp_path / "question.wav"
    soundfile.write(path, _tone(22050, 2.0, 2), 22050, subtype=subtype)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"data") + 4
    raw[at : at + 4] = bytes(4)
    path.write_bytes(bytes(raw))
    assert check_audio(path) == pytest.approx(2.0, abs=0.01)
    with caplog.at_level(logging.WARNING, logger="knotvoice.audio"):
        heard = list(read_audio(path))
    assert sum(c.seconds for c in heard) == pytest.approx(2.0, abs=0.01)
    assert join(heard).std() > 0.1
    assert abs(join(heard)[:2]).max() < 0.1, "the tone from its start, not the header's bytes"
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: its header gives the audio no length (a recording not finished?); the 2.00 s "
        "after it are heard"
    ]
    # Its header alone, with nothing after it or more of the header (a LIST chunk), is empty
    # as before: that is no audio.
    for after in (b"", b"LIST\x0c\x00\x00\x00INFOISFT\x00\x00\x00\x00"):
        path.write_bytes(bytes(raw[: at + 4]) + after)
        with pytest.raises(AudioInputError, match="the audio file is empty"):
            check_audio(path)
        with pytest.raises(AudioInputError, match="the audio file is empty"):
            list(read_audio(path))


def test_a_wav_cut_short_is_heard_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "question.wav"
    soundfile.write(path, _tone(RATE, 2.07, 1), RATE, subtype="PCM_16")
    with caplog.at_level(logging.WARNING, logger="knotvoice.audio"):
        assert sum(c.seconds for c in read_audio(path)) == pytest.approx(2.07, abs=0.01)
    assert not caplog.records
    path.write_bytes(path.read_bytes()[:20000])
    with caplog.at_level(logging.WARNING, logger="knotvoice.audio"):
        chunks = list(read_audio(path))
    assert sum(c.seconds for c in chunks) == pytest.approx(0.62, abs=0.01)
    [record] = caplog.records
    message = record.getMessage()
    assert str(path) in message and "\n" not in message
    assert "shorter than its header" in message and "cut short" in message
    assert "2.07 s" in message and "0.62 s" in message


def test_a_flac_cut_short_is_heard_up_to_where_it_breaks_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A flac copied in part was refused as not audio ("flac decoder lost sync"), where a wav
    cut short is heard with a warning."""
    path = tmp_path / "question.flac"
    soundfile.write(
        path, _tone(RATE, 3.0, 1) + 0.01 * np.random.default_rng(0).random(3 * RATE), RATE
    )
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="knotvoice.audio"):
        chunks = list(read_audio(path))
    assert 0.5 < sum(c.seconds for c in chunks) < 2.0
    [record] = caplog.records
    message = record.getMessage()
    assert str(path) in message and "cut short" in message and "3.00 s" in message


@pytest.mark.parametrize(
    ("width", "subtype"), [(1, "PCM_U8"), (2, "PCM_16"), (3, "PCM_24"), (4, "PCM_32")]
)
@pytest.mark.parametrize("channels", [1, 2])
def test_raw_pcm_of_any_width_reads_as_wav_files_do(
    tmp_path: Path, width: int, subtype: str, channels: int
) -> None:
    """Raw PCM as a Wyoming client sends it reads the same as the wav file it came from."""
    path = tmp_path / "tone.wav"
    soundfile.write(path, _tone(16000, 0.25, channels), 16000, subtype=subtype)
    expected = soundfile.read(path, dtype="float32", always_2d=True)[0].mean(axis=1)
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == width
        pcm = wav.readframes(wav.getnframes())
    partial = b"\x01" * (width * channels - 1)  # a partial frame at the end is dropped
    samples = pcm_to_float(pcm + partial, width, channels)
    assert samples.dtype == np.float32 and len(samples) == len(expected)
    assert np.abs(samples - expected).max() < 1e-2


def test_unsupported_widths_say_what_to_send() -> None:
    with pytest.raises(AudioInputError, match="8, 16, 24 or 32-bit"):
        pcm_to_float(b"\0" * 10, 5)


def _sine(hz: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def _streamed(resampler: StreamResampler, samples: np.ndarray, block: int) -> np.ndarray:
    parts = [
        resampler.resample_chunk(samples[i : i + block]) for i in range(0, len(samples), block)
    ]
    return np.concatenate(parts)


def _level_db(samples: np.ndarray) -> float:
    """A tone's level against 0.5 of full scale, in dB, its edges left out."""
    middle = samples[len(samples) // 10 : -len(samples) // 10]
    return float(20 * np.log10(np.sqrt(2 * np.mean(middle**2)) / 0.5 + 1e-12))


@pytest.mark.parametrize("rate", [44100, 48000, 32000, 22050, 8000])
def test_a_live_stream_keeps_speech_and_its_length_at_16k(rate: int) -> None:
    """A microphone at any common rate: a 1 kHz tone comes out at 16 kHz as loud as it went
    in and as long, a block at a time."""
    out = _streamed(StreamResampler(rate), _sine(1000, rate), round(rate * 0.03))
    assert abs(len(out) - RATE) <= 1
    assert abs(_level_db(out)) < 0.1


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_a_live_stream_keeps_sound_above_8k_out_of_the_speech(rate: int) -> None:
    """At 16 kHz nothing above 8 kHz can be kept; a 12 kHz whistle must vanish, not fold down
    into the speech band as a 4 kHz tone."""
    out = _streamed(StreamResampler(rate), _sine(12000, rate), round(rate * 0.03))
    assert _level_db(out) < -60


@pytest.mark.parametrize("rate", [44100, 48000, 22050])
def test_a_live_stream_holds_back_nothing_of_a_block(rate: int) -> None:
    """Each 30 ms block of a microphone comes out as 30 ms at 16 kHz at once (to the sample),
    so the frame that ends a question is whole with its own block (a resampler that releases
    audio in chunks of its own makes the end of every question wait for the next block)."""
    resampler = StreamResampler(rate)
    block = round(rate * 0.03)
    given = 0
    for blocks in range(1, 41):
        given += len(resampler.resample_chunk(np.zeros(block, np.float32)))
        assert abs(given - blocks * block * RATE / rate) <= 1
    assert resampler.delay_seconds < 0.003  # half the filter: 1 to 2 ms


def test_a_live_stream_is_the_same_however_it_is_cut_into_blocks() -> None:
    rate = 22050
    noise = np.random.default_rng(3).standard_normal(rate).astype(np.float32) * 0.1
    whole = StreamResampler(rate).resample_chunk(noise)
    for block in (1, 97, 662, 5000):
        assert np.array_equal(_streamed(StreamResampler(rate), noise, block), whole)
