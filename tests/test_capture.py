"""Capture waits out a lost microphone without looking hung to the systemd watchdog."""

from __future__ import annotations

import threading
import time

import pytest

from knotvoice.audio import AudioChunk
from knotvoice.errors import DeviceError
from knotvoice.kiosk.capture import Capture, Stopped
from knotvoice.settings import ListenSettings


class Unplugged:
    """A microphone that fails its first read and is gone for ``gone_for`` seconds."""

    def __init__(self, gone_for: float) -> None:
        self.gone_for = gone_for
        self.lost_at: float | None = None

    def open(self, rescan: bool = False) -> None:
        if self.lost_at is not None and time.monotonic() - self.lost_at < self.gone_for:
            raise DeviceError("audio device 0 'usb mic' is gone; plug it back in")

    def read(self) -> AudioChunk:
        if self.lost_at is None:
            self.lost_at = time.monotonic()
            raise DeviceError("audio device 0 'usb mic' stopped delivering audio")
        return AudioChunk(bytes(960), timestamp=0.0)

    def close(self) -> None:
        pass


def test_waiting_for_a_lost_microphone_keeps_the_watchdog_fed() -> None:
    pings: list[float] = []
    back = threading.Event()
    capture = Capture(
        Unplugged(gone_for=2.5),
        ListenSettings(retry_first_seconds=1.5, retry_max_seconds=2.0),
        threading.Event(),
        on_lost=lambda error: None,
        on_back=back.set,
        alive=lambda: pings.append(time.monotonic()),
    )
    began = time.monotonic()
    capture.read()
    assert back.is_set()
    waited = time.monotonic() - began
    assert waited >= 2.5
    gaps = [b - a for a, b in zip([began, *pings], [*pings, time.monotonic()], strict=True)]
    assert max(gaps) < 1.5, "a sign of life at least every second while it waits"


def test_a_stop_ends_the_wait_at_once() -> None:
    stop = threading.Event()
    capture = Capture(
        Unplugged(gone_for=60.0),
        ListenSettings(retry_first_seconds=30.0),
        stop,
        on_lost=lambda error: None,
        on_back=lambda: None,
    )
    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    with pytest.raises(Stopped):
        capture.read()
    assert time.monotonic() - began < 2.0


class Refusing:
    """A microphone that does not open again at a re-scan ``refusals`` times (PortAudio
    restarted to find a speaker, and the microphone pulled out meanwhile)."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals

    def open(self, rescan: bool = False) -> None:
        if rescan and self.refusals > 0:
            self.refusals -= 1
            raise DeviceError("audio device 0 'usb mic' is gone; plug it back in")

    def read(self) -> AudioChunk:
        return AudioChunk(bytes(960), timestamp=0.0)

    def close(self) -> None:
        pass


def test_a_microphone_lost_at_a_rescan_is_waited_out_at_the_next_read() -> None:
    """A re-scan for the speaker's sake returns at once (the reply waits on it); the
    microphone it lost is told and waited out as the loop reads next."""
    lost: list[str] = []
    back = threading.Event()
    capture = Capture(
        Refusing(refusals=3),
        ListenSettings(retry_first_seconds=0.01, retry_max_seconds=0.02),
        threading.Event(),
        on_lost=lambda error: lost.append(str(error)),
        on_back=back.set,
    )
    began = time.monotonic()
    assert not capture.rescan()
    assert time.monotonic() - began < 0.5 and lost == []
    capture.read()
    assert lost == ["audio device 0 'usb mic' is gone; plug it back in"] and back.is_set()
    assert capture.rescan(), "it opens again once it is back"
