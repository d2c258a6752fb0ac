"""Audio in from a live device: a microphone becomes a stream of 16 kHz mono chunks.

The device is opened at its own rate (44.1 or 48 kHz are common) and channel count; a reader
thread pulls blocks from PortAudio and hands them over one by one, and the stream is mixed
down to mono and resampled to 16 kHz on the way. Chunk timestamps count audio time (samples
delivered), continuing across re-opens of the device.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import numpy as np
import sounddevice as sd

from knotvoice.audio import RATE, AudioChunk, StreamResampler, float_to_pcm16
from knotvoice.errors import DeviceError
from knotvoice.kiosk.devices import Device, device_error, refresh, resolve, stream_latency
from knotvoice.settings import MicrophoneSettings

_LOG = logging.getLogger(__name__)

_CHANNEL_ERROR = -9998

CLOSE_SECONDS = 2.0
"""How long ``Microphone.close`` waits for the reader thread to stop."""

_left_behind: list[threading.Thread] = []
"""Reader threads closed while stuck in a read: each closes its stream if the read returns."""


class Microphone:
    """A capture device as a stream of 16 kHz mono 16-bit ``AudioChunk``s.

    ``open()`` starts capturing, ``read()`` returns the next chunk (raising ``DeviceError``
    when the device fails or stops delivering), ``close()`` stops. Iterating reads forever.
    """

    def __init__(self, settings: MicrophoneSettings = MicrophoneSettings()) -> None:
        self.settings = settings
        self.device: Device | None = None
        self.rate = 0
        """The rate the device was opened at, in Hertz."""
        self.channels = 0
        """The channels the device was opened with."""
        self._samples = 0
        self._stream: Any = None
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue[np.ndarray[Any, Any] | BaseException] = queue.Queue()
        self._stop = threading.Event()
        self._resampler: StreamResampler | None = None
        self._overflows = 0
        self._block = 0

    @property
    def seconds(self) -> float:
        """Audio time delivered so far, in seconds."""
        return self._samples / RATE

    @property
    def queued_seconds(self) -> float:
        """Audio captured and not read yet, in seconds: what waits in the queue and what the
        device holds (its input latency)."""
        if self._stream is None or not self.rate:
            return 0.0
        return self._queue.qsize() * self._block / self.rate + stream_latency(self._stream)

    def open(self, rescan: bool = False) -> None:
        """Open the device and start capturing; ``rescan`` looks for newly plugged devices."""
        self.close()
        _left_behind[:] = [thread for thread in _left_behind if thread.is_alive()]
        if _left_behind:
            # Opened again, a device that stopped delivering would hold one more stuck read
            # (a thread and a descriptor) at each try; and re-scanning restarts PortAudio,
            # which would close the stream under the read. Tried again once it has returned.
            raise DeviceError(
                "the microphone is still stuck in a read since it stopped delivering audio; "
                "waiting for it, or check the cable"
            )
        if rescan:
            refresh()
        device = resolve(self.settings.device, "input")
        rate = self.settings.rate or device.default_rate
        channels = max(1, min(self.settings.channels, device.input_channels))
        block = max(1, round(rate * self.settings.block_seconds))
        stream = None
        for attempt in dict.fromkeys((channels, 2)):
            if attempt > device.input_channels:
                continue
            try:
                stream = sd.InputStream(
                    device=device.index,
                    samplerate=rate,
                    channels=attempt,
                    dtype="int16",
                    blocksize=block,
                )
                channels = attempt
                break
            except sd.PortAudioError as error:
                code = error.args[1] if len(error.args) > 1 else None
                if code == _CHANNEL_ERROR and attempt == 1:
                    continue
                raise device_error(error, device, "input", rate) from None
        if stream is None:
            raise DeviceError(
                f"audio device {device.label()} cannot record mono or stereo; "
                "pick another --input-device"
            )
        try:
            stream.start()
        except sd.PortAudioError as error:
            stream.close()
            raise device_error(error, device, "input", rate) from None
        self.device, self.rate, self.channels = device, rate, channels
        self._stream, self._block = stream, block
        self._resampler = StreamResampler(rate) if rate != RATE else None
        # Capture never waits for the kiosk: up to ``backlog_seconds`` of audio wait here while
        # it recognises or speaks, so the audio clock keeps time with the wall.
        self._queue = queue.Queue(
            maxsize=max(2, round(self.settings.backlog_seconds / (block / rate)))
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(stream, block, self._queue, self._stop),
            daemon=True,
            name="knotvoice-microphone",
        )
        self._thread.start()
        _LOG.info("capturing from %s at %d Hz, %d channel(s)", device.label(), rate, channels)

    @staticmethod
    def _run(
        stream: Any,
        block: int,
        out: queue.Queue[np.ndarray[Any, Any] | BaseException],
        stop: threading.Event,
    ) -> None:
        """Read blocks until ``stop``, then stop and close ``stream``: only this thread
        touches it once it runs, so a read stuck in the device (one that stopped delivering
        without failing) is never freed under, nor waited on, by the kiosk's loop."""
        item: np.ndarray[Any, Any] | BaseException
        try:
            while not stop.is_set():
                try:
                    data, overflowed = stream.read(block)
                    item = np.array(data, copy=True)
                    if overflowed:
                        _LOG.debug("input overflow: audio was lost while the loop was busy")
                except Exception as error:  # PortAudio reports device loss as various errors
                    item = error
                while not stop.is_set():
                    try:
                        out.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if isinstance(item, BaseException):
                    return
        finally:
            for action in (stream.abort, stream.close):
                with contextlib.suppress(Exception):
                    action()

    def read(self) -> AudioChunk:
        """The next chunk; waits at most ``read_timeout_seconds`` for the device."""
        if self._stream is None or self.device is None:
            raise DeviceError("the microphone is not open; open it before reading")
        while True:
            try:
                item = self._queue.get(timeout=self.settings.read_timeout_seconds)
            except queue.Empty:
                raise DeviceError(
                    f"audio device {self.device.label()} stopped delivering audio; "
                    "check the cable or pick another --input-device"
                ) from None
            if isinstance(item, BaseException):
                if isinstance(item, sd.PortAudioError):
                    raise device_error(item, self.device, "input", self.rate) from None
                raise DeviceError(
                    f"audio device {self.device.label()} failed ({item}); "
                    "check the cable or pick another --input-device"
                ) from None
            samples = item.astype(np.float32) / 32768.0
            mono = samples.mean(axis=1) if samples.ndim == 2 else samples
            if self._resampler is not None:
                mono = self._resampler.resample_chunk(mono)
            if len(mono) == 0:
                continue
            chunk = AudioChunk(float_to_pcm16(mono), timestamp=self._samples / RATE)
            self._samples += len(mono)
            return chunk

    def __iter__(self) -> Iterator[AudioChunk]:
        while True:
            yield self.read()

    def close(self) -> None:
        """Stop capturing (safe to call twice). The reader thread closes the stream: it
        notices within one block (or one 0.1 s hand-over attempt). A read stuck in the device
        is left to it, to close the stream if the read ever returns: closing it from here
        would wait on the stuck read, or free what the read writes into."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=CLOSE_SECONDS)
            if thread.is_alive():
                _left_behind.append(thread)
            if thread.is_alive() and self.device is not None:
                _LOG.warning(
                    "audio device %s is stuck in a read; it is left to close when the read returns",
                    self.device.label(),
                )
        self._stream = None

    def __enter__(self) -> Microphone:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
