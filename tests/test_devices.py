"""Devices: listing, picking by index or name, capture through a real PortAudio device."""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd

from alsa_devices import DEFAULT_RATE, LINE_OUT, MIC, SPEAKER, FileDevices, file_devices
from knotvoice.audio import RATE, AudioChunk, join
from knotvoice.errors import DeviceError
from knotvoice.kiosk import microphone
from knotvoice.kiosk.devices import (
    Device,
    device_error,
    list_devices,
    native_messages_logged,
    refresh,
    resolve,
)
from knotvoice.kiosk.microphone import Microphone
from knotvoice.kiosk.speaker import DeviceSpeaker, WavSpeaker
from knotvoice.settings import MicrophoneSettings, Settings, SpeakerSettings
from small_disk import read_only_folder


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[FileDevices]:
    with file_devices(tmp_path) as made:
        yield made


def test_listing_shows_the_devices_with_their_channels_and_rate(devices: FileDevices) -> None:
    listed = {device.name: device for device in list_devices()}
    assert {MIC, SPEAKER} <= set(listed)
    mic = listed[MIC]
    assert mic.hostapi == "ALSA"
    assert mic.input_channels > 0 and mic.output_channels > 0
    assert mic.default_rate == DEFAULT_RATE


def test_devices_are_picked_by_index_or_part_of_the_name(devices: FileDevices) -> None:
    mic = resolve("MIC", "input")
    assert mic.name == MIC
    assert resolve(str(mic.index), "input") == mic
    assert resolve(mic.index, "input") == mic
    assert resolve("spk", "output").name == SPEAKER
    assert resolve(None, "input").name in (MIC, SPEAKER)


def test_unknown_or_ambiguous_names_say_what_to_do(devices: FileDevices) -> None:
    with pytest.raises(DeviceError, match="knotvoice devices") as unknown:
        resolve("usb headset", "input")
    assert "\n" not in str(unknown.value)
    with pytest.raises(DeviceError, match="give the index"):
        resolve("test", "output")
    with pytest.raises(DeviceError, match="--input-device '99': no audio device has that index"):
        resolve("99", "input")


def test_a_name_that_fits_no_device_of_its_kind_says_which_devices_there_are(
    tmp_path: Path,
) -> None:
    """`--input-device usb` said only that no device was named so, and `--input-device
    lineout` (a device that only plays) the same, as if it were not there."""
    with file_devices(tmp_path, line_out=True):
        line_out = resolve(LINE_OUT, "output")
        with pytest.raises(DeviceError) as only_plays:
            resolve("line", "input")
        assert str(only_plays.value) == (
            f"--input-device 'line': device {line_out.label()} has no input channels; "
            "pick another --input-device from `knotvoice devices`"
        )
        with pytest.raises(DeviceError) as unknown:
            resolve("usb", "input")
        inputs = ", ".join(resolve(name, "input").label() for name in (MIC, SPEAKER))
        assert str(unknown.value) == (
            f"no audio input device named like 'usb'; the input devices are {inputs} "
            "(`knotvoice devices` lists them for --input-device)"
        )


def test_no_device_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with file_devices(tmp_path, include_devices=False):
        with pytest.raises(DeviceError, match="no audio input device found; plug in a microphone"):
            resolve(None, "input")
        # one asked for is named, so that the file that names it can be said
        with pytest.raises(DeviceError, match=r"found \(--input-device 'USB mic' asked for\)"):
            resolve("USB mic", "input")
        with pytest.raises(DeviceError, match="no audio input device found"):
            Microphone(MicrophoneSettings()).open()
        chunk = AudioChunk(np.zeros(160, "<i2").tobytes())
        with pytest.raises(DeviceError, match="no audio output device found; plug in a speaker"):
            DeviceSpeaker().play([chunk])


def test_portaudio_failures_become_one_line_advice(devices: FileDevices) -> None:
    mic = resolve(MIC, "input")
    busy = device_error(sd.PortAudioError("Device unavailable", -9985), mic, "input", 48000)
    rate = device_error(sd.PortAudioError("Invalid sample rate", -9997), mic, "input", 12345)
    gone = device_error(sd.PortAudioError("Invalid device", -9996), mic, "output", 48000)
    assert "busy" in str(busy) and "--input-device" in str(busy)
    assert "12345 Hz" in str(rate) and f"{DEFAULT_RATE} Hz" in str(rate)
    assert "gone" in str(gone) and "--output-device" in str(gone)
    # PortAudio's "Unanticipated host error" said in ALSA's words (which it has only for a
    # call from the main thread), not as "failed (Unanticipated host error)".
    host, alsa = "Unanticipated host error", 8
    unplugged = device_error(
        sd.PortAudioError(host, -9999, (alsa, -19, "No such device")), mic, "input"
    )
    broken = device_error(
        sd.PortAudioError(host, -9999, (alsa, -5, "Input/output error")), mic, "output"
    )
    unsaid = device_error(sd.PortAudioError(host, -9999, (alsa, 0, "")), mic, "output")
    assert str(unplugged).endswith("is gone; plug it back in or pick another --input-device")
    assert "stopped working (input/output error); check its cable" in str(broken)
    assert "stopped working; check its cable and power, or pick another --output-device" in str(
        unsaid
    )
    assert all(host not in str(error) for error in (unplugged, broken, unsaid))


def test_a_speaker_unplugged_since_portaudio_looked_says_so(devices: FileDevices) -> None:
    """PortAudio says "Illegal combination of I/O devices" for a device ALSA cannot open:
    the kiosk said the speaker "failed (Error opening OutputStream: Illegal combination of
    I/O devices)"."""
    speaker = DeviceSpeaker(SpeakerSettings(device=SPEAKER))
    devices.unplug()
    chunk = AudioChunk(np.zeros(2205, "<i2").tobytes(), rate=22050)
    with pytest.raises(DeviceError) as unplugged:
        speaker.play([chunk])
    label = resolve(SPEAKER, "output").label()
    assert str(unplugged.value) == (
        f"audio device {label} could not be opened (unplugged?); plug it back in or pick "
        "another --output-device"
    )


def test_what_alsa_and_portaudio_print_themselves_is_logged_not_shown(
    devices: FileDevices, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """ALSA's "Unknown PCM testspk" and PortAudio's "Expression '...' failed in
    'src/hostapi/alsa/pa_linux_alsa.c'" lines came on standard error, before and around the
    kiosk's own line; other lines written there are passed on as they were. What PortAudio
    starting again prints (JACK's "jack server is not running", every ALSA device probed)
    sounddevice sends to /dev/null, and stays there."""
    libc = ctypes.CDLL(None)
    libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    speaker = DeviceSpeaker(SpeakerSettings(device=SPEAKER))
    devices.unplug()
    chunk = AudioChunk(np.zeros(2205, "<i2").tobytes(), rate=22050)
    with caplog.at_level(logging.INFO, logger="knotvoice"), native_messages_logged():
        with pytest.raises(DeviceError, match="could not be opened"):
            speaker.play([chunk])
        devices.plug_back()
        refresh()
        libc.fputs(b"a line of another library\n", ctypes.c_void_p.in_dll(libc, "stderr"))
    shown = capfd.readouterr().err
    assert shown == "a line of another library\n"
    logged = [r.getMessage() for r in caplog.records if r.name == "knotvoice.kiosk.devices"]
    assert any("ALSA lib" in line and f"Unknown PCM {SPEAKER}" in line for line in logged)
    assert any("Expression '" in line and "pa_linux_alsa.c" in line for line in logged)
    assert all(line.startswith("audio system: ") for line in logged)
    # and after the block, standard error is C's own again
    libc.fputs(b"after\n", ctypes.c_void_p.in_dll(libc, "stderr"))
    assert capfd.readouterr().err == "after\n"


def tone(seconds: float, rate: int, hertz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hertz * t)).astype(np.float32)


def read_seconds(mic: Microphone, seconds: float) -> list[AudioChunk]:
    chunks: list[AudioChunk] = []
    while sum(chunk.seconds for chunk in chunks) < seconds:
        chunks.append(mic.read())
    return chunks


@pytest.mark.parametrize(("rate", "channels"), [(None, 1), (48000, 2)])
def test_capture_arrives_as_16khz_mono_in_audio_time(
    devices: FileDevices, rate: int | None, channels: int
) -> None:
    device_rate = rate or DEFAULT_RATE
    devices.write_input(
        np.concatenate([tone(1.0, device_rate), np.zeros(device_rate * 2, np.float32)]),
        device_rate,
        device_rate,
        channels,
    )
    with Microphone(MicrophoneSettings(device=MIC, rate=rate, channels=channels)) as mic:
        assert (mic.rate, mic.channels) == (device_rate, channels)
        chunks = read_seconds(mic, 1.5)
    assert all((c.rate, c.channels, c.width) == (RATE, 1, 2) for c in chunks)
    assert chunks[0].timestamp == 0.0
    stamps = [c.timestamp for c in chunks]
    assert stamps == sorted(stamps)
    samples = join(chunks)
    loud = np.nonzero(np.abs(samples) > 0.1)[0]
    # One second of tone, then silence, at 16 kHz and the tone's own pitch.
    assert (loud[-1] - loud[0]) / RATE == pytest.approx(1.0, abs=0.02)
    spectrum = np.abs(np.fft.rfft(samples[: RATE // 2]))
    assert np.argmax(spectrum) * 2 == pytest.approx(440, abs=4)


class StuckStream:
    """A capture stream whose third read never returns until ``release`` is set: a device
    that stopped delivering audio without failing. Records being stopped or closed while a
    read is under way (what crashed the kiosk, or froze it, on such a device)."""

    def __init__(self, stuck_after: int | None = 2) -> None:
        self.stuck_after = stuck_after
        self.reads = 0
        self.stuck = threading.Event()
        self.release = threading.Event()
        self.closed = threading.Event()
        self.under_a_read: list[str] = []

    def start(self) -> None:
        pass

    def read(self, frames: int) -> tuple[np.ndarray, bool]:
        self.reads += 1
        if self.stuck_after is not None and self.reads > self.stuck_after:
            self.stuck.set()
            self.release.wait()
        return np.zeros((frames, 1), dtype=np.int16), False

    def _touched(self, action: str) -> None:
        if self.stuck.is_set() and not self.release.is_set():
            self.under_a_read.append(action)

    def abort(self) -> None:
        self._touched("abort")

    def close(self) -> None:
        self._touched("close")
        self.closed.set()


def test_a_microphone_stuck_in_a_read_is_let_go_without_waiting_on_it_or_freeing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A microphone that stopped delivering without failing: the kiosk hears that it stopped,
    and closing it neither waits on the stuck read (the kiosk froze, its watchdog unfed) nor
    frees the stream under it (the kiosk crashed in PortAudio). The stream is closed once
    the read returns."""
    stream = StuckStream()
    streams = [stream]
    device = Device(7, "USB mic", "ALSA", 1, 0, 48000)
    rescans: list[bool] = []
    monkeypatch.setattr(microphone, "resolve", lambda name, kind: device)
    monkeypatch.setattr(microphone, "refresh", lambda: rescans.append(True))
    monkeypatch.setattr(sd, "InputStream", lambda **options: streams[-1])
    monkeypatch.setattr(microphone, "CLOSE_SECONDS", 0.2)
    mic = Microphone(MicrophoneSettings(read_timeout_seconds=0.5))
    mic.open()
    mic.read()
    mic.read()
    with pytest.raises(DeviceError, match="stopped delivering audio"):
        mic.read()
    assert stream.stuck.is_set()
    closing = threading.Thread(target=mic.close)
    closing.start()
    closing.join(timeout=10.0)
    assert not closing.is_alive(), "closing waited on the stuck read"
    assert stream.under_a_read == []
    assert not stream.closed.is_set()
    # not opened again while the read is stuck: each try would leave one more stuck read,
    # and PortAudio is not restarted under it
    streams.append(StuckStream(stuck_after=None))
    with pytest.raises(DeviceError, match="still stuck"):
        mic.open(rescan=True)
    assert rescans == [], "the devices were scanned again under the stuck read"
    stream.release.set()
    assert stream.closed.wait(timeout=10.0), "the stream is closed once the read returns"
    assert stream.under_a_read == []
    mic.close()
    stuck = [t for t in threading.enumerate() if t.name == "knotvoice-microphone"]
    for thread in stuck:
        thread.join(timeout=10.0)
    streams.append(StuckStream(stuck_after=None))
    mic.open(rescan=True)
    assert rescans == [True], "scanned again once the stuck read has returned"
    mic.close()


def test_playback_lands_on_the_device_at_the_reply_rate(devices: FileDevices) -> None:
    chunks = [AudioChunk((np.full(2205, 1000, "<i2")).tobytes(), rate=22050) for _ in range(3)]
    playback = DeviceSpeaker(SpeakerSettings(device=SPEAKER)).play(chunks)
    assert playback.wait(timeout=10.0)
    assert (playback.rate, playback.frames, playback.interrupted) == (22050, 6615, False)
    played = devices.output()
    assert len(played) == 6615
    assert abs(int(played[100]) - 1000) <= 1


def test_playback_can_be_resampled_for_a_fixed_rate_device(devices: FileDevices) -> None:
    chunks = [AudioChunk(np.zeros(22050, "<i2").tobytes(), rate=22050)]
    playback = DeviceSpeaker(SpeakerSettings(device=SPEAKER, rate=48000)).play(chunks)
    assert playback.wait(timeout=10.0)
    assert playback.rate == 48000
    assert len(devices.output()) == pytest.approx(48000, abs=2)


def test_wav_speaker_keeps_each_reply(tmp_path: Path) -> None:
    speaker = WavSpeaker(tmp_path / "replies")
    chunk = AudioChunk(np.zeros(2205, "<i2").tobytes(), rate=22050)
    speaker.play([chunk])
    speaker.play([chunk, chunk])
    files = sorted(path.name for path in (tmp_path / "replies").iterdir())
    assert files == ["reply-0001.wav", "reply-0002.wav"]


def test_wav_speaker_refuses_a_place_it_cannot_write_replies_before_the_first(
    tmp_path: Path,
) -> None:
    """`listen --save-replies` given a file, or a folder that cannot be written, started a
    kiosk whose every reply failed; it now stops at the start, in one line."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("kept")
    with pytest.raises(DeviceError, match=rf"^{a_file}: is not a folder; give --save-replies"):
        WavSpeaker(a_file)
    assert a_file.read_text() == "kept"
    with read_only_folder(tmp_path / "replies") as folder:
        with pytest.raises(DeviceError, match=rf"^{folder}: cannot write replies there"):
            WavSpeaker(folder)
        with pytest.raises(DeviceError, match=rf"^{folder / 'new'}: cannot write replies there"):
            WavSpeaker(folder / "new")


def test_wav_speaker_numbers_on_after_an_earlier_runs_replies(tmp_path: Path) -> None:
    chunk = AudioChunk(np.zeros(2205, "<i2").tobytes(), rate=22050)
    WavSpeaker(tmp_path).play([chunk])
    (tmp_path / "reply-0007.wav").write_bytes(b"kept from an earlier run")
    (tmp_path / "notes.wav").write_bytes(b"not a reply")
    WavSpeaker(tmp_path).play([chunk])
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["notes.wav", "reply-0001.wav", "reply-0007.wav", "reply-0008.wav"]
    assert (tmp_path / "reply-0007.wav").read_bytes() == b"kept from an earlier run"


@pytest.mark.parametrize("named", ["7", "USB mic"])
def test_a_device_named_in_a_config_file_is_said_to_be_named_there(
    tmp_path: Path, named: str
) -> None:
    """`input_device = 7` in a config file was "no audio device with index 7", and one named
    there with no device plugged in "no audio input device found": neither named the file."""
    from knotvoice.cli import _device_from

    settings = replace(Settings(), input_device=named, origins={"input_device": "c.toml"})
    with (
        file_devices(tmp_path, include_devices=named != "USB mic"),
        pytest.raises(DeviceError) as caught,
        _device_from(settings, "input_device"),
    ):
        resolve(named, "input")
    assert str(caught.value).startswith("c.toml: ")
