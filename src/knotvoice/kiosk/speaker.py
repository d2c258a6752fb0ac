"""Audio out: play a reply on a device in the background, stoppable mid-sentence.

``DeviceSpeaker`` plays through PortAudio; ``WavSpeaker`` writes each reply to a numbered wav
file instead (for machines without a speaker, and for keeping what was said).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import sounddevice as sd
import soxr

from knotvoice.audio import AudioChunk, float_to_pcm16, join, write_wav
from knotvoice.errors import DeviceError
from knotvoice.kiosk.devices import Device, device_error, resolve, stream_latency
from knotvoice.settings import SpeakerSettings

_LOG = logging.getLogger(__name__)


class Playback(Protocol):
    """A reply being played."""

    @property
    def rate(self) -> int:
        """Rate the reply is played at, in Hertz."""

    @property
    def frames(self) -> int:
        """Frames handed to the device so far."""

    @property
    def latency(self) -> float:
        """Seconds from a sample handed to the device to its sound (0 when unknown)."""

    @property
    def interrupted(self) -> bool:
        """Whether ``stop()`` cut the reply short."""

    @property
    def error(self) -> DeviceError | None:
        """Why playback failed part-way, if it did."""

    def done(self) -> bool:
        """Whether playback has ended (finished, stopped or failed)."""

    def stop(self) -> None:
        """Cut the reply short (barge-in); returns at once."""

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` wall-clock seconds for the end; True if it ended."""


class Speaker(Protocol):
    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        """Start playing; raises ``DeviceError`` when the device cannot be opened."""


class Finished:
    """A playback that is already over (wav files, empty replies)."""

    def __init__(self, rate: int, frames: int, error: DeviceError | None = None) -> None:
        self._rate, self._frames, self._error = rate, frames, error

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def latency(self) -> float:
        return 0.0

    @property
    def interrupted(self) -> bool:
        return False

    @property
    def error(self) -> DeviceError | None:
        return self._error

    def done(self) -> bool:
        return True

    def stop(self) -> None:
        return None

    def wait(self, timeout: float) -> bool:
        return True


class DevicePlayback:
    """Plays one reply from a background thread."""

    def __init__(
        self, stream: Any, samples: np.ndarray[Any, Any], device: Device, rate: int, block: int
    ) -> None:
        self._stream = stream
        self._samples = samples
        self._device = device
        self._rate = rate
        self._block = block
        self._frames = 0
        self._stop = threading.Event()
        self._done = threading.Event()
        self._interrupted = False
        self._error: DeviceError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="knotvoice-speaker")
        self._thread.start()

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def latency(self) -> float:
        return stream_latency(self._stream)

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    @property
    def error(self) -> DeviceError | None:
        return self._error

    def done(self) -> bool:
        return self._done.is_set()

    def stop(self) -> None:
        if not self._done.is_set():
            self._interrupted = True
        self._stop.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def _run(self) -> None:
        stream = self._stream
        try:
            for offset in range(0, len(self._samples), self._block):
                if self._stop.is_set():
                    break
                block = self._samples[offset : offset + self._block]
                stream.write(block)
                self._frames += len(block)
            if self._stop.is_set():
                stream.abort()
            else:
                stream.stop()
        except Exception as error:  # PortAudio reports a vanished device as various errors
            self._error = (
                device_error(error, self._device, "output", self._rate)
                if isinstance(error, sd.PortAudioError)
                else DeviceError(f"playback on {self._device.label()} failed ({error})")
            )
        finally:
            with contextlib.suppress(sd.PortAudioError):
                stream.close()
            self._done.set()


class DeviceSpeaker:
    """Plays replies on a PortAudio device, opening it for each reply."""

    def __init__(self, settings: SpeakerSettings = SpeakerSettings()) -> None:
        self.settings = settings

    def check(self) -> Device:
        """The device replies will play on; ``DeviceError`` when there is none or it refuses
        the settings' rate (said at the start, not at every reply)."""
        device = resolve(self.settings.device, "output")
        rate = self.settings.rate
        if rate is not None:
            try:
                sd.check_output_settings(
                    device=device.index, samplerate=rate, channels=1, dtype="int16"
                )
            except sd.PortAudioError as error:
                raise device_error(error, device, "output", rate) from None
        return device

    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        if not chunks:
            return Finished(self.settings.rate or 0, 0)
        device = resolve(self.settings.device, "output")
        source_rate = chunks[0].rate
        rate = self.settings.rate or self._rate_for(device, source_rate)
        samples = join(chunks)
        if rate != source_rate:
            samples = soxr.resample(samples, source_rate, rate)
        pcm = np.frombuffer(float_to_pcm16(samples), dtype="<i2").reshape(-1, 1)
        block = max(1, round(rate * self.settings.block_seconds))
        try:
            stream = sd.OutputStream(
                device=device.index, samplerate=rate, channels=1, dtype="int16", blocksize=block
            )
            stream.start()
        except sd.PortAudioError as error:
            raise device_error(error, device, "output", rate) from None
        _LOG.debug("playing %.2f s on %s at %d Hz", len(pcm) / rate, device.label(), rate)
        return DevicePlayback(stream, pcm, device, rate, block)

    @staticmethod
    def _rate_for(device: Device, rate: int) -> int:
        try:
            sd.check_output_settings(
                device=device.index, samplerate=rate, channels=1, dtype="int16"
            )
        except (sd.PortAudioError, ValueError):
            return device.default_rate
        return rate


class WavSpeaker:
    """Writes each reply to ``reply-0001.wav``, ``reply-0002.wav``, ... in a directory,
    numbered on after the highest reply already there, so an earlier run's are kept."""

    def __init__(self, directory: Path | str) -> None:
        """``DeviceError`` when ``directory`` is not a folder, or one it cannot be made in
        or written to: said at the start, not at every reply."""
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise DeviceError(
                f"{self.directory}: is not a folder; give --save-replies a folder for the replies"
            )
        existing = self.directory
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent  # made when the first reply is written
        if not os.access(existing, os.W_OK | os.X_OK):
            raise DeviceError(
                f"{self.directory}: cannot write replies there; give --save-replies a folder "
                "you can write to"
            )
        numbers = (
            int(found[1])
            for path in self.directory.glob("reply-*.wav")
            if (found := re.fullmatch(r"reply-(\d+)\.wav", path.name))
        )
        self.count = max(numbers, default=0)

    def play(self, chunks: Sequence[AudioChunk]) -> Playback:
        self.count += 1
        path = self.directory / f"reply-{self.count:04d}.wav"
        try:
            write_wav(path, chunks)
        except OSError as error:
            raise DeviceError(
                f"{path}: cannot write the reply ({error.strerror}); check the directory"
            ) from None
        frames = sum(chunk.samples for chunk in chunks)
        _LOG.info("reply written to %s", path)
        return Finished(chunks[0].rate if chunks else 0, frames)
