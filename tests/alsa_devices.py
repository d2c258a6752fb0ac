"""Real PortAudio devices backed by files, made with ALSA's ``file`` plugin.

``testmic`` records the samples of ``in.raw``; ``testspk`` appends what it plays to
``out.raw``. Both run much faster than real time (the ``null`` slave has no clock).

What the plugin does with ``format "raw"``: the files hold the stream's own samples, in the
format, rate and channel count the stream was opened with, and nothing else (no header). So
``in.raw`` must be written as signed 16-bit little-endian at the rate and channel count the
microphone opens (the device's default rate, 44100 Hz, mono unless asked otherwise), and
``out.raw`` holds 16-bit samples at the rate the speaker chose for each reply. Reading past
the end of ``in.raw`` gives stale buffer contents, not silence, so inputs end with a long
silent tail. Every open of a plain ``file`` truncates it; the speaker opens the device once
per reply, so ``testspk`` appends through ``cat``.

PortAudio reads the ALSA configuration when it starts; ``file_devices`` points
``ALSA_CONFIG_PATH`` at the generated file and restarts PortAudio, and puts both back after.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from knotvoice.kiosk.devices import refresh
from knotvoice.kiosk.events import ListenSummary
from knotvoice.kiosk.loop import listen

MIC = "testmic"
SPEAKER = "testspk"
LINE_OUT = "lineout"
"""A playback-only device (``testspk`` without capture), made when asked for."""
DEFAULT_RATE = 44100
"""The default rate PortAudio reports for both file devices, in Hertz."""
SINK = Path(__file__).with_name("speaker_sink.py")
"""The far end of a speaker that can be cut off partway through a reply."""


@dataclass(frozen=True)
class FileDevices:
    config: Path
    infile: Path
    """Raw 16-bit samples the microphone will record."""
    outfile: Path
    """Raw 16-bit samples the speaker played, appended reply after reply."""

    def write_input(
        self, samples: npt.NDArray[np.float32], rate: int, device_rate: int, channels: int = 1
    ) -> None:
        """Write float mono ``samples`` (at ``rate``) as the microphone's raw input."""
        data = np.asarray(samples, dtype=np.float32)
        if rate != device_rate:
            data = soxr.resample(data, rate, device_rate)
        pcm = (np.clip(data, -1.0, 1.0) * 32767.0).astype("<i2")
        if channels > 1:
            pcm = np.repeat(pcm[:, None], channels, axis=1)
        pcm.tofile(self.infile)

    def unplug(self, name: str = SPEAKER) -> None:
        """Take device ``name`` out of the configuration, as pulling out its plug does: it
        fails to open from now on, and is not there once PortAudio looks for devices again."""
        text = self.config.read_text()
        if not self._plugged.exists():
            self._plugged.write_text(text)
        lines = text.splitlines(keepends=True)
        self._rewrite("".join(line for line in lines if not line.startswith(f"pcm.{name} ")))

    def plug_back(self) -> None:
        """The devices unplugged there again; PortAudio finds them once it looks again."""
        self._rewrite(self._plugged.read_text())

    @property
    def _plugged(self) -> Path:
        return self.config.with_suffix(".plugged")

    def _rewrite(self, text: str) -> None:
        # A new file, not the old one written over: ALSA reads its configuration again
        # when the file's inode or time changes, and a time may stay within the second.
        written = self.config.with_suffix(".new")
        written.write_text(text)
        written.replace(self.config)

    def cut_next_reply(self, after_bytes: int) -> None:
        """The speaker (made ``cuttable``) takes ``after_bytes`` of the next reply and then
        fails, as one pulled out partway through it; the replies after it play whole."""
        self.config.with_name("cut").write_text(str(after_bytes))

    def output(self) -> npt.NDArray[np.int16]:
        """Everything played so far, as 16-bit samples."""
        if not self.outfile.exists():
            return np.zeros(0, dtype=np.int16)
        return np.fromfile(self.outfile, dtype="<i2")


def write_config(
    directory: Path, include_devices: bool = True, line_out: bool = False, cuttable: bool = False
) -> FileDevices:
    """An ALSA configuration with ``testmic`` and ``testspk`` (or with no devices at all),
    and ``lineout`` when ``line_out`` says; ``cuttable``: the speaker can be cut off partway
    through a reply (``FileDevices.cut_next_reply``)."""
    directory.mkdir(parents=True, exist_ok=True)
    infile = directory / "in.raw"
    outfile = directory / "out.raw"
    infile.touch()
    config = directory / "asound.conf"
    lines = ["</usr/share/alsa/alsa.conf>"]
    if include_devices:
        sink = (
            f"{sys.executable} {SINK} {outfile} {directory / 'cut'}"
            if cuttable
            else f"cat >>{outfile}"
        )
        lines += [
            f'pcm.{MIC} {{ type file  slave.pcm "null"  file "/dev/null"'
            f'  infile "{infile}"  format "raw" }}',
            f'pcm.{SPEAKER} {{ type file  slave.pcm "null"  file "|{sink}"  format "raw" }}',
        ]
        if line_out:
            lines.append(f'pcm.{LINE_OUT} {{ type asym  playback.pcm "{SPEAKER}" }}')
    config.write_text("\n".join(lines) + "\n")
    return FileDevices(config, infile, outfile)


@contextmanager
def file_devices(
    directory: Path, include_devices: bool = True, line_out: bool = False, cuttable: bool = False
) -> Iterator[FileDevices]:
    """Make the file devices the only ones PortAudio sees, for the duration of the block."""
    devices = write_config(directory, include_devices, line_out, cuttable)
    previous = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(devices.config)
    refresh()
    try:
        yield devices
    finally:
        if previous is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = previous
        refresh()


WATCHDOG_SECONDS = 180.0
"""Wall-clock bound on one run of the kiosk loop; it normally ends on its own within seconds."""


def bounded_listen(*args: Any, **kwargs: Any) -> ListenSummary:
    """``listen`` with a watchdog that stops it if it ever fails to end by itself."""
    stop = threading.Event()
    watchdog = threading.Timer(WATCHDOG_SECONDS, stop.set)
    watchdog.start()
    try:
        summary = listen(*args, stop=stop, **kwargs)
    finally:
        watchdog.cancel()
    assert not stop.is_set(), "the loop did not end by itself"
    return summary
