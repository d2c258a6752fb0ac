"""Real-time latency of the hands-free kiosk, on a machine without sound hardware.

``script/benchmark --listen`` runs the real ``knotvoice listen --json`` as a subprocess and
talks to it the way a visitor would, in real time, through a private PulseAudio daemon:

    FIFO --> module-pipe-source "kvbench_mic" --ALSA pcm "kvmic" (type pulse)--> the kiosk
    the kiosk --ALSA pcm "kvspk" (type pulse)--> module-null-sink "kvbench_spk"
    "kvbench_spk.monitor" --> parec --> a reader thread

With ``--mic alsa`` the microphone skips the sound server: an ALSA ``file`` device reads a
second FIFO directly (``type file`` over ``null``, ``infile`` the FIFO), the way a kiosk
without a sound server (Raspberry Pi OS Lite) reads its sound card. The kiosk's reads then
wait on the writer, so its audio arrives in real time, a block at a time, with nothing
buffered between; the speaker is the null sink either way.

A writer thread feeds the FIFO blocks of 16-bit PCM at real-time pace (monotonic clock; 10
ms blocks, or the kiosk's own with ``--mic alsa``): silence, then a question, then silence
until the reply is over. It notes when the question's last voiced sample (found before
feeding: ``load_clip``) was spoken: when its block was handed to the FIFO, less the rest of
the block. The reader thread notes when every block of the speaker's monitor
arrives; the first reply sample is the first sample above a small level after that moment.
The kiosk's JSON events (``transcript``, ``decision``, ``reply_started``) are timestamped on
arrival too (their ``at`` is audio time, not wall time), which splits the wait into stages.

The pipeline itself is not free: PulseAudio, the ALSA ``pulse`` plugin and PortAudio buffer on
both sides. A loopback calibration measures that floor first, with a tiny process that opens
the same two devices with the kiosk's block sizes and answers each tone burst it hears with a
tone, doing no work in between. Its input side (burst handed to the FIFO to block read) and
output side (speaker stream started to first sample at the monitor) are reported, and the
whole floor is subtracted to give the kiosk's own share.

PulseAudio as root: here everything runs as root, with no session bus and no systemd user
session. ``pulseaudio --system`` would work but needs the ``pulse`` user and group set up and
is meant for machine-wide daemons, so the benchmark runs a per-user daemon instead
(``--system=false``; it warns "not intended to be run as root", which is harmless) with every
path it uses (``HOME``, ``XDG_RUNTIME_DIR``, ``PULSE_RUNTIME_PATH``, ``PULSE_STATE_PATH``,
``XDG_CONFIG_HOME``) in a temporary directory, ``-n`` so no default.pa probes for hardware,
and only the three modules it needs loaded with ``-L``. The socket allows anonymous clients,
so no cookie is needed; clients find it through ``PULSE_SERVER`` and never autospawn another
daemon (``PULSE_CLIENTCONFIG``). It also warns that it cannot reach D-Bus, also harmless. The
kiosk's PortAudio reaches it through an ALSA config appended with ``ALSA_CONFIG_PATH``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import queue
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]
FloatArray = npt.NDArray[np.float32]

PIPE_RATE = 48000
"""Rate of the pipe source (the microphone) and of the null sink (the speaker), in Hertz."""
BLOCK_SECONDS = 0.01
"""Audio handed to the FIFO per step."""
AUDIBLE = 64
"""A speaker sample louder than this (of 32768, about -54 dBFS) is audible."""
MIC_PCM = "kvmic"
DIRECT_MIC_PCM = "kvmic_direct"
DIRECT_RATE = 44100
"""Rate of the direct microphone's FIFO: the rate PortAudio reports as an ALSA ``file``
device's default, which the kiosk opens it at."""
SPEAKER_PCM = "kvspk"
SOURCE = "kvbench_mic"
SINK = "kvbench_spk"
ALSA_BASE_CONFIG = Path("/usr/share/alsa/alsa.conf")
TONE_HZ = 1000.0


class BenchError(Exception):
    """The benchmark cannot go on (a message for the user, no traceback)."""


# --- pure helpers ---------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of ``values`` (nan when there are none)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def frame_levels(samples: FloatArray, rate: int, frame_seconds: float = 0.02) -> FloatArray:
    """Level of each whole frame of ``samples`` (floats in [-1, 1]) in dB full scale."""
    size = max(1, round(rate * frame_seconds))
    count = len(samples) // size
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    power = np.mean(frames * frames, axis=1) + 1e-10
    levels: FloatArray = (10.0 * np.log10(power)).astype(np.float32)
    return levels


def speech_span(samples: FloatArray, rate: int, frame_seconds: float = 0.02) -> tuple[int, int]:
    """Where the speech of a clip starts and ends, by energy: ``(first, end)`` sample indices,
    ``end`` one past the last voiced sample.

    A frame is voiced when it is louder than the clip's noise floor (its 10th-percentile
    frame) by 6 dB, within 45 dB of its loudest frame and above -60 dBFS. A clip with no
    voiced frame gives ``(0, 0)``.
    """
    levels = frame_levels(samples, rate, frame_seconds)
    if len(levels) == 0:
        return 0, 0
    floor = float(np.percentile(levels, 10))
    threshold = max(floor + 6.0, float(levels.max()) - 45.0, -60.0)
    voiced = np.nonzero(levels > threshold)[0]
    if len(voiced) == 0:
        return 0, 0
    size = max(1, round(rate * frame_seconds))
    return int(voiced[0]) * size, (int(voiced[-1]) + 1) * size


def first_audible(block: Int16Array, threshold: int = AUDIBLE) -> int | None:
    """Index of the first sample of ``block`` louder than ``threshold``, or None."""
    loud = np.nonzero(np.abs(block.astype(np.int32)) > threshold)[0]
    return int(loud[0]) if len(loud) else None


def tone(seconds: float, rate: int, level_dbfs: float = -12.0, hz: float = TONE_HZ) -> Int16Array:
    """A sine burst as 16-bit samples, with 5 ms ramps."""
    count = round(seconds * rate)
    t = np.arange(count, dtype=np.float64) / rate
    wave = np.sin(2 * np.pi * hz * t) * 10 ** (level_dbfs / 20)
    ramp = min(count // 2, round(0.005 * rate))
    if ramp:
        envelope = np.linspace(0.0, 1.0, ramp)
        wave[:ramp] *= envelope
        wave[-ramp:] *= envelope[::-1]
    return np.round(wave * 32767).astype(np.int16)


def ms(later: float | None, earlier: float | None) -> float | None:
    """``later - earlier`` in milliseconds, None when either is unknown."""
    if later is None or earlier is None:
        return None
    return (later - earlier) * 1000.0


def raise_priority(nice: int = -10) -> None:
    """Give the calling thread (and the threads and processes it starts later) a better nice
    level, when allowed (root).

    The writer and the readers stand in for sound hardware, which a busy machine does not
    slow down. All of the benchmark's threads get it, or one that holds the interpreter lock
    while it waits for a core would hold up the writer. The kiosk (and the stand-in kiosk of
    the calibration) keep the nice level the benchmark was started with.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


# --- the questions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    file: str
    expected: str
    text: str
    seconds: float
    """Length of the clip."""
    speech_start: float
    """Where speech starts in the clip, in seconds."""
    speech_end: float
    """Just after the last voiced sample, in seconds."""
    pcm: Int16Array = field(repr=False)
    """The clip at ``PIPE_RATE``."""

    @property
    def last_voiced(self) -> int:
        """Index in ``pcm`` of the last voiced sample."""
        return max(0, min(len(self.pcm) - 1, round(self.speech_end * PIPE_RATE) - 1))


def read_manifest(path: Path) -> tuple[list[dict[str, str]], Path | None]:
    """Rows of a tab-separated manifest and the knowledge file its ``# knowledge:`` line
    names (relative to the manifest), if any."""
    knowledge = None
    lines = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                if key.strip() == "knowledge" and value.strip():
                    knowledge = (path.parent / value.strip()).resolve()
                continue
            lines.append(line)
    rows = [
        row
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        if (row.get("file") or "").strip()
    ]
    if not rows:
        raise BenchError(f"{path}: no clips; a manifest has a header `file expected text`")
    return rows, knowledge


RENDERED_LEAD_SECONDS = 0.3
"""A clip rendered by ``script/make-fixtures`` starts this long before its voice (its
``LEAD_SECONDS``)..."""
RENDERED_TAIL_SECONDS = 0.4
"""...and ends this long after it (its ``TAIL_SECONDS``; after the echo, in a reverb
variant), noise and all."""
RENDERING_ENGINES = ("espeak", "flite", "piper")
"""The voices of ``script/make-fixtures`` (a manifest's ``voice`` column: ``engine:name``)."""


def clip_of(row: dict[str, str], folder: Path) -> Clip:
    """The clip of one manifest row (in ``folder``). A row with a ``variant`` and a voice of
    ``script/make-fixtures`` is a rendered clip: its speech is where the renderer put the
    voice. Any other clip's speech is found by energy."""
    voice = (row.get("voice") or "").partition(":")[0]
    rendered = bool(row.get("variant")) and voice in RENDERING_ENGINES
    return load_clip(folder / row["file"], row.get("expected") or "-", row["text"], rendered)


STOP_VOICE = "en-us"
"""The espeak-ng voice that says "stop" over replies (``--stop-after``)."""


def said_by_espeak(text: str, path: Path) -> Clip:
    """``text`` said by espeak-ng's ``STOP_VOICE``, written to ``path``, as a clip."""
    try:
        subprocess.run(
            ["espeak-ng", "-v", STOP_VOICE, "-w", str(path), text],
            check=True,
            timeout=60,
            capture_output=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(
            f"espeak-ng could not say {text!r} ({error}); install it with ./script/setup"
        ) from None
    return load_clip(path, "-", text)


def pcm16(samples: FloatArray) -> Int16Array:
    """Float samples in [-1, 1] as 16-bit PCM."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)


def load_clip(path: Path, expected: str, text: str, rendered: bool = False) -> Clip:
    """A clip and where its speech is: by energy, or for a clip ``rendered`` by
    ``script/make-fixtures`` by how it was made, since a voice's quiet first and last sounds
    are lost in the noise mixed under it (found by energy, the end of speech came 50 ms
    early at the median of brown and pink noise clips, and up to 320 ms). A reverb
    variant's echo (0.3 s) is taken as its speech either way."""
    import soundfile as sf
    import soxr

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono: FloatArray = data.mean(axis=1).astype(np.float32)
    first, end = speech_span(mono, int(rate))
    if end <= first:
        raise BenchError(f"{path}: no speech found in the clip")
    if rendered:
        first = round(RENDERED_LEAD_SECONDS * rate)
        end = len(mono) - round(RENDERED_TAIL_SECONDS * rate)
        if end <= first:
            raise BenchError(
                f"{path}: shorter than script/make-fixtures pads a voice; render it again "
                "with script/make-fixtures or leave out its `variant`"
            )
    resampled = soxr.resample(mono, int(rate), PIPE_RATE) if rate != PIPE_RATE else mono
    return Clip(
        path.name, expected, text, len(mono) / rate, first / rate, end / rate, pcm16(resampled)
    )


# --- the sound server -----------------------------------------------------------------------


class Pulse:
    """A private PulseAudio daemon: a FIFO as the microphone, a null sink as the speaker."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.fifo = workdir / "mic.fifo"
        self.socket = workdir / "run" / "native"
        self.log = workdir / "pulseaudio.log"
        self.alsa_config = workdir / "asound.conf"
        self.process: subprocess.Popen[bytes] | None = None
        self.drain: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        for tool in ("pulseaudio", "pactl", "parec", "pacat"):
            if shutil.which(tool) is None:
                raise BenchError(f"{tool} is missing; run ./script/setup (Debian pulseaudio-utils)")
        for name in ("home", "run", "xdg", "state", "config"):
            (self.workdir / name).mkdir(mode=0o700, exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PULSE_", "XDG_", "DBUS_"))
        }
        env.update(
            HOME=str(self.workdir / "home"),
            XDG_RUNTIME_DIR=str(self.workdir / "xdg"),
            XDG_CONFIG_HOME=str(self.workdir / "config"),
            PULSE_RUNTIME_PATH=str(self.workdir / "run"),
            PULSE_STATE_PATH=str(self.workdir / "state"),
        )
        command = [
            "pulseaudio",
            "--daemonize=no",
            "--system=false",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            "--log-target=stderr",
            "--log-level=warning",
            "-L",
            f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            "-L",
            f"module-null-sink sink_name={SINK} format=s16le rate={PIPE_RATE} channels=1",
            "-L",
            f"module-pipe-source source_name={SOURCE} file={self.fifo} "
            f"format=s16le rate={PIPE_RATE} channels=1",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        (self.workdir / "client.conf").write_text("autospawn = no\n")
        self.alsa_config.write_text(
            f'pcm.{MIC_PCM} {{ type pulse device "{SOURCE}" }}\n'
            f'pcm.{SPEAKER_PCM} {{ type pulse device "{SINK}" }}\n'
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise BenchError(f"pulseaudio exited at start; see its log:\n{self.log_tail()}")
            if self.socket.exists() and self.fifo.exists() and self._ready():
                break
            if time.monotonic() > deadline:
                raise BenchError(f"pulseaudio did not start in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)
        # module-pipe-source reads its FIFO only while the source is RUNNING, that is while
        # some client records from it: between clients the FIFO would fill up (stalling the
        # writer) and the next client would first get stale audio. A recorder that discards
        # everything keeps it running for the whole benchmark.
        self.drain = subprocess.Popen(
            ["parec", f"--device={SOURCE}", "--raw", "--latency-msec=20"],
            env=self.client_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def warm_up(self) -> None:
        """Play a little silence on the null sink, once its monitor is being recorded.

        The first stream played after a recorder connected to the monitor reaches it 0.3 to 1
        s late (the null sink's latency adapts only then); later ones arrive at once. So no
        measured reply pays for that, something else plays first.
        """
        command = ["pacat", "--playback", f"--device={SINK}", "--raw", "--format=s16le"]
        try:
            subprocess.run(
                [*command, f"--rate={PIPE_RATE}", "--channels=1"],
                input=bytes(2 * PIPE_RATE // 10),
                env=self.client_env(),
                capture_output=True,
                timeout=10.0,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise BenchError(
                f"cannot play on the null sink ({error}):\n{self.log_tail()}"
            ) from None

    def _ready(self) -> bool:
        try:
            listed = subprocess.run(
                ["pactl", "list", "short", "sources"],
                env=self.client_env(),
                capture_output=True,
                text=True,
                timeout=3.0,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
        return listed.returncode == 0 and SOURCE in listed.stdout

    def client_env(self) -> dict[str, str]:
        """The environment of a client of this daemon (PulseAudio tools, PortAudio via ALSA)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE_")}
        base = os.environ.get("ALSA_CONFIG_PATH") or str(ALSA_BASE_CONFIG)
        env.update(
            PULSE_SERVER=f"unix:{self.socket}",
            PULSE_CLIENTCONFIG=str(self.workdir / "client.conf"),
            ALSA_CONFIG_PATH=f"{base}:{self.alsa_config}",
            HF_HUB_OFFLINE="1",
        )
        return env

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.drain, grace=2.0)
        stop_process(self.process)


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; safe on a process already gone."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)


class DirectMic:
    """An ALSA ``file`` capture device reading a FIFO: a microphone with no sound server.

    The benchmark keeps the FIFO open at both ends (``keeper``), so PortAudio's probe of the
    device never blocks on a FIFO with no writer, and the writer never fails on one with no
    reader; while no one reads, the writer drops its blocks (a sound card overruns).
    """

    def __init__(self, workdir: Path) -> None:
        self.fifo = workdir / "direct-mic.fifo"
        os.mkfifo(self.fifo)
        self.keeper = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)

    def alsa_config(self) -> str:
        return (
            f'pcm.{DIRECT_MIC_PCM} {{ type file  slave.pcm "null"  file "/dev/null"'
            f'  infile "{self.fifo}"  format "raw" }}\n'
        )

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.keeper)


# --- the microphone: a FIFO fed in real time ------------------------------------------------


class Segment:
    """Audio queued for the FIFO; ``times[mark]`` is when the sample at ``marks[mark]`` was
    spoken (monotonic seconds): when the block holding it was handed over, less the samples
    after it in the block."""

    def __init__(self, pcm: Int16Array, marks: dict[str, int]) -> None:
        self.pcm = pcm
        self.marks = marks
        self.times: dict[str, float] = {}
        self.done = threading.Event()


class FifoWriter:
    """Feeds a microphone's FIFO blocks (10 ms unless told) at real-time pace: queued
    segments, else silence. Segments are given at ``PIPE_RATE`` and written at ``rate``. With ``drop`` a
    block the FIFO has no room for is dropped (nobody is reading the microphone), else the
    writer fails after two seconds of no room."""

    def __init__(
        self,
        fifo: Path,
        rate: int = PIPE_RATE,
        drop: bool = False,
        block_seconds: float = BLOCK_SECONDS,
    ) -> None:
        self.fifo = fifo
        self.rate = rate
        self.drop = drop
        self.dropped = 0
        """Blocks dropped for want of a reader."""
        self.block = round(rate * block_seconds)
        if drop and 2 * self.block > select.PIPE_BUF:
            # only a write of up to PIPE_BUF bytes is all or nothing, so only such a block
            # can be dropped whole
            raise ValueError(f"a block of {self.block} samples is too long to drop whole")
        self.max_late = 0.0
        """Worst lateness of a block, in seconds (a busy machine delays the writer)."""
        self.late_blocks = 0
        """Blocks handed over more than 20 ms late."""
        self.error: BaseException | None = None
        self._segments: queue.Queue[Segment] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-fifo")

    def start(self) -> None:
        self._thread.start()

    def play(self, pcm: Int16Array, marks: dict[str, int] | None = None) -> Segment:
        """Queue ``pcm`` (at ``PIPE_RATE``); ``marks`` are sample indices in it."""
        marks = marks or {}
        if self.rate != PIPE_RATE:
            import soxr

            pcm = pcm16(soxr.resample(pcm.astype(np.float32) / 32768.0, PIPE_RATE, self.rate))
            marks = {
                name: min(len(pcm) - 1, index * self.rate // PIPE_RATE)
                for name, index in marks.items()
            }
        segment = Segment(pcm, marks)
        self._segments.put(segment)
        return segment

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3.0)
        while True:  # nobody waits for what was never played
            try:
                self._segments.get_nowait().done.set()
            except queue.Empty:
                break

    def _run(self) -> None:
        raise_priority()
        try:
            fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            self.error = error
            return
        try:
            self._feed(fd)
        except BaseException as error:  # reported to the main thread
            self.error = error
        finally:
            os.close(fd)

    def _feed(self, fd: int) -> None:
        silence = np.zeros(self.block, dtype=np.int16)
        segment: Segment | None = None
        offset = 0
        start = time.monotonic()
        written = 0
        while not self._stop.is_set():
            due = start + (written + self.block) / self.rate  # a microphone hands a block over
            wait = due - time.monotonic()  # once its last sample has been spoken
            if wait > 0 and self._stop.wait(wait):
                break
            self.max_late = max(self.max_late, -wait)
            self.late_blocks += wait < -0.02
            if segment is None:
                with contextlib.suppress(queue.Empty):
                    segment, offset = self._segments.get_nowait(), 0
            if segment is not None:
                block = segment.pcm[offset : offset + self.block]
                if len(block) < self.block:
                    block = np.concatenate([block, silence[: self.block - len(block)]])
            else:
                block = silence
            handed = time.monotonic()
            self._write(fd, block.astype("<i2").tobytes())
            if segment is not None:
                for name, index in segment.marks.items():
                    if offset <= index < offset + self.block:
                        # The sample was spoken before the block was whole: a block
                        # handed over later than its first samples must not move them.
                        after = offset + self.block - 1 - index
                        segment.times[name] = handed - after / self.rate
                offset += self.block
                if offset >= len(segment.pcm):
                    segment.done.set()
                    segment = None
            written += self.block

    def _write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + 2.0
        while view:
            try:
                sent = os.write(fd, view)
                view = view[sent:]
            except BlockingIOError:
                if self.drop and len(view) == len(data):
                    self.dropped += 1
                    return
                if time.monotonic() > deadline:
                    raise BenchError("the pipe source stopped reading the FIFO") from None
                select.select([], [fd], [], 0.05)


# --- the speaker: the null sink's monitor -------------------------------------------------


class SpeakerRecorder:
    """``parec`` on the null sink's monitor; notes when audible audio arrives."""

    def __init__(self, env: dict[str, str], rate: int = PIPE_RATE) -> None:
        self.env = env
        self.rate = rate
        self.samples = 0
        self._audible: list[tuple[float, float]] = []
        """(time of the first audible sample, of the last one) of every audible read."""
        self._lock = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-parec")
        self._stop = threading.Event()
        self.error: BaseException | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "parec",
                f"--device={SINK}.monitor",
                "--format=s16le",
                f"--rate={self.rate}",
                "--channels=1",
                "--raw",
                "--latency-msec=10",
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._thread.start()

    def _run(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        raise_priority()
        pending = b""
        last_call = time.monotonic()
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                called = time.monotonic()
                data = os.read(fd, 65536)
                arrived = time.monotonic()
                if not data:
                    return
                data = pending + data
                usable = len(data) - len(data) % 2
                pending = data[usable:]
                block = np.frombuffer(data[:usable], dtype="<i2")
                self.samples += len(block)
                first = first_audible(block)
                previous, last_call = last_call, called
                if first is None:
                    continue
                # The read ends with the newest audio, so a sample ``k`` samples before its
                # end arrived about ``k / rate`` ago; but not before the previous read, which
                # would have returned it (the null sink renders a little ahead, so the
                # estimate alone can come out too early).
                last = len(block) - 1 - int(first_audible(block[::-1]) or 0)
                with self._lock:
                    self._audible.append(
                        (
                            max(previous, arrived - (len(block) - 1 - first) / self.rate),
                            max(previous, arrived - (len(block) - 1 - last) / self.rate),
                        )
                    )
                    self._lock.notify_all()
        except BaseException as error:
            self.error = error

    def wait_sound_after(self, moment: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = next((max(f, moment) for f, last in self._audible if last >= moment), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self._lock.wait(min(left, 0.2))

    def last_sound(self) -> float | None:
        """When the last audible sample so far reached the monitor (None before any)."""
        with self._lock:
            return self._audible[-1][1] if self._audible else None

    def quiet_since(self, seconds: float) -> bool:
        """Whether nothing audible arrived in the last ``seconds``."""
        with self._lock:
            return not self._audible or self._audible[-1][1] < time.monotonic() - seconds

    def stop(self) -> None:
        self._stop.set()
        stop_process(self._process, grace=2.0)
        self._thread.join(timeout=2.0)


# --- a child that prints JSON lines ---------------------------------------------------------


@dataclass(frozen=True)
class Line:
    arrived: float
    """When the line was read (monotonic seconds)."""
    record: dict[str, Any]


class JsonChild:
    """A subprocess whose stdout is one JSON object per line, each timestamped on arrival."""

    def __init__(
        self, argv: Sequence[str], env: dict[str, str], log: Path, nice: int | None = None
    ) -> None:
        self.argv = list(argv)
        self.nice = nice
        """The child's nice level (None: this thread's)."""
        self.env = env
        self.log = log
        self.lines: list[Line] = []
        self.started = 0.0
        self._lock = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-events")

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.started = time.monotonic()
            self._process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                preexec_fn=None if self.nice is None else self._renice,
            )
        self._thread.start()

    def _renice(self) -> None:
        assert self.nice is not None
        os.setpriority(os.PRIO_PROCESS, 0, self.nice)

    def _run(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        raise_priority()
        for raw in self._process.stdout:
            arrived = time.monotonic()
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                with self._lock:
                    self.lines.append(Line(arrived, record))
                    self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait_for(
        self, wanted: Callable[[dict[str, Any]], bool], after: int, timeout: float
    ) -> tuple[int, Line] | None:
        """The first line from index ``after`` on that is ``wanted``, waiting ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._lock:
            index = after
            while True:
                while index < len(self.lines):
                    if wanted(self.lines[index].record):
                        return index, self.lines[index]
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    return None
                self._lock.wait(min(left, 0.2))

    def snapshot(self) -> list[Line]:
        with self._lock:
            return list(self.lines)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> int | None:
        stop_process(self._process, grace)
        self._thread.join(timeout=2.0)
        return self._process.returncode if self._process is not None else None


def proc_status(pid: int) -> dict[str, int]:
    """Memory of a process from /proc (``VmHWM``, ``VmRSS`` in kB) and its CPU time in
    clock ticks (``cpu_ticks``); empty when it is gone."""
    status: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                status[key] = int(value.split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status["cpu_ticks"] = int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        pass
    return status


# --- loopback calibration -------------------------------------------------------------------


def loopback_main(argv: Sequence[str]) -> int:
    """The calibration's stand-in kiosk: answer every tone burst heard with a tone at once.

    ``argv``: input device, output device, output rate, input block and output block seconds.
    It opens devices the way the kiosk does (input at the device's default rate, 16-bit mono,
    a reader thread with a two-block queue; a new output stream per reply) and prints a
    ``ready`` line, then a ``reply`` line (``heard``: when the block with the burst was read,
    ``started``: when the output stream had started) per burst.
    """
    import sounddevice as sd

    mic, speaker, out_rate_text, in_block_text, out_block_text = argv
    out_rate = int(out_rate_text)
    names = [str(device["name"]) for device in sd.query_devices()]
    mic_index, speaker_index = names.index(mic), names.index(speaker)
    rate = round(float(sd.query_devices(mic_index)["default_samplerate"]))
    block = max(1, round(rate * float(in_block_text)))
    out_block = max(1, round(out_rate * float(out_block_text)))
    stream = sd.InputStream(
        device=mic_index, samplerate=rate, channels=1, dtype="int16", blocksize=block
    )
    stream.start()
    blocks: queue.Queue[tuple[Int16Array, float]] = queue.Queue(maxsize=2)

    def read() -> None:
        while True:
            data, _ = stream.read(block)
            blocks.put((np.array(data, dtype=np.int16).reshape(-1), time.monotonic()))

    threading.Thread(target=read, daemon=True).start()
    print(json.dumps({"event": "ready", "rate": rate, "latency": stream.latency}), flush=True)
    answer = tone(0.3, out_rate)
    armed = True
    deadline = time.monotonic() + 600.0
    while time.monotonic() < deadline:
        samples, _ = blocks.get(timeout=10.0)
        peak = int(np.abs(samples.astype(np.int32)).max()) if len(samples) else 0
        if armed and peak > 2000:
            heard = time.monotonic()
            out = sd.OutputStream(
                device=speaker_index,
                samplerate=out_rate,
                channels=1,
                dtype="int16",
                blocksize=out_block,
            )
            out.start()
            started = time.monotonic()
            record = {"event": "reply", "heard": heard, "started": started, "latency": out.latency}
            print(json.dumps(record), flush=True)
            for offset in range(0, len(answer), out_block):
                out.write(answer[offset : offset + out_block].reshape(-1, 1))
            out.stop()
            out.close()
            armed = False
        elif peak < 200:
            armed = True
    return 0


@dataclass
class Calibration:
    bursts: int = 0
    input_ms: list[float] = field(default_factory=list)
    """The burst's first sample spoken until the block holding it was read."""
    open_ms: list[float] = field(default_factory=list)
    """Block read until the output stream had started."""
    output_ms: list[float] = field(default_factory=list)
    """Output stream started until its first sample reached the monitor."""
    total_ms: list[float] = field(default_factory=list)
    portaudio_ms: dict[str, float] = field(default_factory=dict)
    """Latency PortAudio reports for the input and output streams (the ALSA buffers)."""

    def summary(self) -> dict[str, Any]:
        return {
            "bursts": self.bursts,
            "answered": len(self.total_ms),
            "each_total_ms": [round(value, 1) for value in self.total_ms],
            "portaudio_latency_ms": self.portaudio_ms,
            **{
                name: {"p50": percentile(values, 50), "p95": percentile(values, 95)}
                for name, values in (
                    ("input_ms", self.input_ms),
                    ("open_ms", self.open_ms),
                    ("output_ms", self.output_ms),
                    ("total_ms", self.total_ms),
                )
            },
        }


def calibrate(
    pulse: Pulse,
    writer: FifoWriter,
    recorder: SpeakerRecorder,
    bursts: int,
    out_rate: int,
    blocks: tuple[float, float],
    log: Callable[[str], None],
    nice: int | None = None,
    mic: str = MIC_PCM,
) -> Calibration:
    result = Calibration()
    child = JsonChild(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--loopback",
            mic,
            SPEAKER_PCM,
            str(out_rate),
            str(blocks[0]),
            str(blocks[1]),
        ],
        pulse.client_env(),
        pulse.workdir / "loopback.log",
        nice,
    )
    child.start()
    try:
        ready = child.wait_for(lambda r: r.get("event") == "ready", 0, 30.0)
        if ready is None:
            raise BenchError(f"the loopback calibration did not start:\n{child.log_tail()}")
        result.portaudio_ms["input"] = float(ready[1].record["latency"]) * 1000.0
        burst = tone(0.2, PIPE_RATE)
        phase = random.Random(1)
        for number in range(bursts):
            # The input side delivers whole blocks, and a segment starts a writer's block: a
            # random lead of silence puts each burst at another place in its block, as a
            # question's end falls anywhere in one.
            time.sleep(0.5)
            lead = np.zeros(phase.randrange(round(PIPE_RATE * writer.block / writer.rate)))
            after = len(child.snapshot())
            segment = writer.play(
                np.concatenate([lead, burst]).astype(np.int16), {"onset": len(lead)}
            )
            if not segment.done.wait(5.0) or "onset" not in segment.times:
                raise BenchError(f"the FIFO writer stalled ({writer.error or 'no progress'})")
            onset = segment.times["onset"]
            result.bursts += 1
            found = child.wait_for(lambda r: r.get("event") == "reply", after, 5.0)
            audible = recorder.wait_sound_after(onset, 5.0)
            if found is None or audible is None:
                log(f"calibration burst {number + 1}: no answer")
                continue
            heard = float(found[1].record["heard"])
            started = float(found[1].record["started"])
            result.portaudio_ms["output"] = float(found[1].record["latency"]) * 1000.0
            result.input_ms.append((heard - onset) * 1000.0)
            result.open_ms.append((started - heard) * 1000.0)
            result.output_ms.append((audible - started) * 1000.0)
            result.total_ms.append((audible - onset) * 1000.0)
            wait_quiet(recorder, 0.3, 5.0)
    finally:
        child.stop(grace=3.0)
    return result


def wait_quiet(recorder: SpeakerRecorder, seconds: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not recorder.quiet_since(seconds) and time.monotonic() < deadline:
        time.sleep(0.05)


# --- one question to the kiosk --------------------------------------------------------------


@dataclass
class Turn:
    clip: Clip
    handed: float | None = None
    """When the clip's first sample was spoken (``Segment.times``)."""
    end: float | None = None
    """When the clip's last voiced sample was spoken: when its block was handed to the FIFO,
    less the rest of the block."""
    transcript: Line | None = None
    decision: Line | None = None
    reply_started: Line | None = None
    reply_finished: Line | None = None
    audible: float | None = None
    """When the first reply sample after ``end`` reached the speaker's monitor."""
    stop_end: float | None = None
    """With ``--stop-after``: when the last voiced sample of "stop", said over the reply,
    was spoken."""
    stop_heard: Line | None = None
    """The kiosk's transcript of what it heard over the reply (not taken as a question)."""
    silent: float | None = None
    """When the last reply sample reached the speaker's monitor, the reply having been cut."""
    over: float | None = None
    """With ``--ask-over``: how long before the end of the reply to the question before this
    one the visitor's voice began (seconds)."""
    reply_ends: float | None = None
    """With ``--ask-over``: when the reply will have played to its end (its first audible
    sample and its length)."""
    notes: list[str] = field(default_factory=list)

    def endpointing_ms(self) -> float | None:
        """How much longer the kiosk's utterance was than the clip's speech, in audio time:
        the end-of-speech silence it waited for, plus whatever it heard as speech."""
        if self.transcript is None:
            return None
        record = self.transcript.record
        heard = float(record["at"]) - float(record.get("start", 0.0))
        return (heard - (self.clip.speech_end - self.clip.speech_start)) * 1000.0

    def end_found_ms(self) -> float | None:
        """Wall time from the clip's last voiced sample handed to the microphone to the moment
        the kiosk found the end of the utterance (its ``reply_started`` event says how long
        after that moment the reply started): the sound server's input, the end-of-speech
        silence, and whatever the voice detector heard as speech after the voice."""
        if self.reply_started is None or self.end is None:
            return None
        waited = self.reply_started.record.get("after_speech_ms")
        if waited is None:
            return None
        return (self.reply_started.arrived - self.end) * 1000.0 - float(waited)

    def stages(self) -> dict[str, float | None]:
        """Milliseconds of each observable stage (None when not observed)."""
        arrived = {
            name: line.arrived if line is not None else None
            for name, line in (
                ("transcript", self.transcript),
                ("decision", self.decision),
                ("reply_started", self.reply_started),
            )
        }
        total = ms(self.audible, self.end)
        found = self.end_found_ms()
        return {
            "total": total,
            "endpointing": self.endpointing_ms(),
            "end_found": found,
            "after_end_found": total - found if total is not None and found is not None else None,
            "to_transcript": ms(arrived["transcript"], self.end),
            "matching": ms(arrived["decision"], arrived["transcript"]),
            "voice": ms(arrived["reply_started"], arrived["decision"]),
            "to_reply_started": ms(arrived["reply_started"], self.end),
            "speech_out": ms(self.audible, arrived["reply_started"]),
            "stop_heard": ms(
                self.stop_heard.arrived if self.stop_heard is not None else None, self.stop_end
            ),
            "stop_silent": ms(self.silent, self.stop_end),
        }


SPEECH_STAGES = ("synthesizer", "speaker")


def run_turn(
    kiosk: JsonChild,
    writer: FifoWriter,
    recorder: SpeakerRecorder,
    clip: Clip,
    timeout: float,
    stop: tuple[Clip, float] | None = None,
    at: float | None = None,
    overlapping: bool = False,
) -> Turn:
    """One question said to the kiosk, and its reply waited for. With ``stop`` (the clip
    of "stop" and a number of seconds), "stop" is said that long after the reply became
    audible, and the turn notes how soon the reply went quiet. ``at`` is when to start the
    clip (monotonic seconds; at once when None), over the end of the reply before, so what
    the kiosk heard over that reply and set aside is passed over. ``overlapping``: the next
    question is said over this reply, so the turn ends once the reply is audible
    (``reply_ends`` says when it will end)."""
    turn = Turn(clip)
    after = len(kiosk.snapshot())
    if at is not None:
        time.sleep(max(0.0, at - time.monotonic()))
    segment = writer.play(clip.pcm, {"start": 0, "end": clip.last_voiced})
    if not segment.done.wait(clip.seconds + 10.0) or writer.error is not None:
        raise BenchError(f"the FIFO writer stalled ({writer.error or 'no progress'})")
    turn.handed = segment.times.get("start")
    turn.end = segment.times.get("end")
    if turn.end is None:
        raise BenchError("the FIFO writer lost the end of speech")
    end = turn.end

    def event(kind: str) -> Callable[[dict[str, Any]], bool]:
        return lambda record: record.get("event") in (kind, "error")

    def next_event(kind: str, start: int, seconds: float) -> tuple[int, Line] | None:
        """The next ``kind`` event (or error) that arrived after the end of speech."""
        index = start
        while True:
            found = kiosk.wait_for(event(kind), index, max(0.0, seconds))
            if found is None:
                return None
            if (
                kind == "transcript"
                and at is not None
                and not found[1].record.get("accepted", True)
            ):
                index = found[0] + 1  # heard over the reply before, not taken
                continue
            if found[1].arrived >= end or kind != "transcript":
                if found[1].record.get("event") == "error":
                    record = found[1].record
                    turn.notes.append(f"error {record.get('stage')}: {record.get('message')}")
                    if kind == "reply_started" and record.get("stage") in SPEECH_STAGES:
                        return None  # no reply is coming
                    index = found[0] + 1
                    continue
                return found
            turn.notes.append("an earlier part of the question was answered first")
            index = found[0] + 1

    for line in kiosk.snapshot()[after:]:
        if line.record.get("event") == "reply_started" and line.arrived < end:
            turn.notes.append("a reply started before the question ended")
    deadline = end + timeout
    heard = next_event("transcript", after, deadline - time.monotonic())
    if heard is None:
        turn.notes.append("nothing heard (no transcript)")
        return turn
    turn.transcript = heard[1]
    if not heard[1].record.get("accepted", True) or not heard[1].record.get("text"):
        turn.notes.append("transcript ignored")
        return turn
    decided = next_event("decision", heard[0] + 1, deadline - time.monotonic())
    if decided is None:
        turn.notes.append("no decision")
        return turn
    turn.decision = decided[1]
    if not decided[1].record.get("answer"):
        return turn
    started = next_event("reply_started", decided[0] + 1, deadline - time.monotonic())
    if started is None:
        turn.notes.append("no reply started")
        return turn
    turn.reply_started = started[1]
    turn.audible = recorder.wait_sound_after(end, 10.0)
    seconds = float(started[1].record.get("seconds", 0.0))
    if turn.audible is None:
        turn.notes.append("the reply was never audible")
    elif stop is not None:
        say_stop(turn, kiosk, writer, *stop, seconds)
    if overlapping and turn.audible is not None:
        turn.reply_ends = turn.audible + seconds
        return turn
    finished = next_event("reply_finished", started[0] + 1, seconds + 20.0)
    if finished is None:
        turn.notes.append("the reply did not finish in time")
    else:
        turn.reply_finished = finished[1]
    if turn.stop_end is not None:
        cut = finished is not None and bool(finished[1].record.get("interrupted"))
        wait_quiet(recorder, QUIET_SECONDS, 10.0)
        if cut and (last := recorder.last_sound()) is not None and last > turn.stop_end:
            turn.silent = last
        else:
            turn.notes.append("the stop did not cut the reply")
    return turn


QUIET_SECONDS = 0.3
"""The speaker silent this long: the reply is over."""


def keep_events(kiosk: JsonChild, path: Path) -> None:
    """Write the kiosk's events to ``path``, one JSON line each with its ``arrived`` time."""
    with path.open("w", encoding="utf-8") as kept:
        for line in kiosk.snapshot():
            kept.write(json.dumps({"arrived": line.arrived, **line.record}) + "\n")


def say_stop(
    turn: Turn, kiosk: JsonChild, writer: FifoWriter, stop: Clip, after: float, seconds: float
) -> None:
    """Say ``stop`` ``after`` seconds into the reply (``seconds`` long) that became audible at
    ``turn.audible``; note when its voice ended and what the kiosk heard of it."""
    assert turn.audible is not None
    time.sleep(max(0.0, turn.audible + after - time.monotonic()))
    if time.monotonic() + stop.speech_end >= turn.audible + seconds:
        turn.notes.append("the reply ends before the stop would")
        return
    since = len(kiosk.snapshot())
    segment = writer.play(stop.pcm, {"end": stop.last_voiced})
    if not segment.done.wait(stop.seconds + 10.0) or writer.error is not None:
        raise BenchError(f"the FIFO writer stalled ({writer.error or 'no progress'})")
    end = turn.stop_end = segment.times.get("end")
    heard = kiosk.wait_for(
        lambda record: record.get("event") == "transcript" and not record.get("accepted", True),
        since,
        10.0,
    )
    if heard is not None and end is not None and heard[1].arrived >= end:
        turn.stop_heard = heard[1]


# --- the whole run --------------------------------------------------------------------------


@dataclass
class ListenOptions:
    engine: str
    model: Path | None
    manifest: Path
    limit: int
    end_silence: float | None
    kiosk_args: list[str]
    calibrate: int
    gap: float
    turn_timeout: float
    start_timeout: float
    keep: bool
    mic: str = "pulse"
    """``pulse``: the microphone through the sound server; ``alsa``: an ALSA device read
    directly (``DirectMic``)."""
    stop_after: float | None = None
    """Say "stop" this many seconds into each reply (``STOP_VOICE``), and time how soon the
    reply goes quiet."""
    ask_over: float | None = None
    """Begin every other question this many seconds before the reply to the one before it
    ends (the visitor's next question said over its end), the rest into quiet."""


def engine_args(engine: str, model: Path | None, knowledge: Path | None) -> list[str]:
    """The flags of a ``knotvoice`` command that name its engine, model and knowledge."""
    args = ["--engine", engine]
    if model is not None:
        args += ["--model", str(model)]
    if knowledge is not None:
        args += ["--knowledge", str(knowledge)]
    return args


def _git_commit(directory: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5.0,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(directory), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5.0,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{'+changes' if dirty else ''}"


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM interrupts the benchmark like Ctrl-C, so it cleans up either way."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_listen(options: ListenOptions, project: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Run the benchmark and return its report (see ``format_report``)."""
    if options.stop_after is not None and options.ask_over is not None:
        raise BenchError("give --stop-after or --ask-over, not both")
    rows, knowledge = read_manifest(options.manifest)
    if options.limit:
        rows = rows[: options.limit]
    clips = [clip_of(row, options.manifest.parent) for row in rows]
    load_start = os.getloadavg()
    began = time.monotonic()
    own_start = time.process_time()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_terminate_as_interrupt())
        user_nice = os.getpriority(os.PRIO_PROCESS, 0)
        raise_priority()
        stack.callback(raise_priority, user_nice)
        workdir = Path(tempfile.mkdtemp(prefix="knotvoice-bench-"))
        if options.keep:
            log(f"keeping {workdir}")
        else:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        pulse = Pulse(workdir)
        stack.callback(pulse.stop)
        log("starting a private PulseAudio daemon")
        pulse.start()
        env = pulse.client_env()
        recorder = SpeakerRecorder(env)
        stack.callback(recorder.stop)
        recorder.start()
        pulse.warm_up()
        from knotvoice.settings import MicrophoneSettings, SpeakerSettings, VadSettings

        blocks = (MicrophoneSettings().block_seconds, SpeakerSettings().block_seconds)
        if options.mic == "alsa":
            direct = DirectMic(workdir)
            stack.callback(direct.stop)
            with pulse.alsa_config.open("a") as config:
                config.write(direct.alsa_config())
            log(f"the microphone is an ALSA device reading {direct.fifo} (no sound server)")
            mic_pcm = DIRECT_MIC_PCM
            # An ALSA file device reads its FIFO once a block, as much as is there and no
            # more: fed in the blocks the kiosk reads, each read gets one block, whole.
            writer = FifoWriter(direct.fifo, DIRECT_RATE, drop=True, block_seconds=blocks[0])
        else:
            mic_pcm, writer = MIC_PCM, FifoWriter(pulse.fifo)
        stack.callback(writer.stop)
        writer.start()
        calibration = Calibration()
        if options.calibrate:
            log(f"loopback calibration: {options.calibrate} tone bursts")
            calibration = calibrate(
                pulse, writer, recorder, options.calibrate, 22050, blocks, log, user_nice, mic_pcm
            )
        argv = [
            sys.executable,
            "-m",
            "knotvoice",
            "listen",
            "--json",
            "--input-device",
            mic_pcm,
            "--output-device",
            SPEAKER_PCM,
            *engine_args(options.engine, options.model, knowledge),
        ]
        if options.end_silence is not None:
            argv += ["--end-silence", str(options.end_silence)]
        argv += options.kiosk_args
        kiosk = JsonChild(argv, env, workdir / "kiosk.log", user_nice)
        log("starting " + " ".join(argv[2:]))
        kiosk.start()
        stack.callback(kiosk.stop)
        if options.keep:  # a run that fails keeps what the kiosk said too
            stack.callback(keep_events, kiosk, workdir / "events.jsonl")
        ready = kiosk.wait_for(
            lambda r: r.get("event") in ("listening", "error"), 0, options.start_timeout
        )
        if ready is None or ready[1].record.get("event") != "listening":
            raise BenchError(f"the kiosk did not start listening:\n{kiosk.log_tail()}")
        start_ms = (ready[1].arrived - kiosk.started) * 1000.0
        opened = int(ready[1].record.get("rate", 0))
        if options.mic == "alsa" and opened != writer.rate:
            raise BenchError(
                f"the kiosk opened the microphone at {opened} Hz, the FIFO is fed at "
                f"{writer.rate} Hz; leave --input-rate out of --kiosk-args"
            )
        stop = None
        if options.stop_after is not None:
            stop = (said_by_espeak("stop", workdir / "stop.wav"), options.stop_after)
        log(f"listening after {start_ms:.0f} ms; {len(clips)} questions")
        time.sleep(1.0)
        turns: list[Turn] = []
        phase = random.Random(2)
        at: float | None = None
        before: float | None = None
        for number, clip in enumerate(clips, 1):
            if writer.error is not None or recorder.error is not None:
                raise BenchError(f"audio thread failed: {writer.error or recorder.error}")
            if not kiosk.alive():
                raise BenchError(f"the kiosk exited:\n{kiosk.log_tail()}")
            # every other question is followed by one begun over the end of its reply
            overlapping = options.ask_over is not None and number % 2 == 1 and number < len(clips)
            turn = run_turn(
                kiosk, writer, recorder, clip, options.turn_timeout, stop, at, overlapping
            )
            if before is not None and turn.handed is not None:
                turn.over = before - (turn.handed + clip.speech_start)
                if turn.end is not None and turn.end < before:
                    # its reply would be timed from the one before still playing
                    turn.notes.append("its voice ended before the reply before it did")
            turns.append(turn)
            total = turn.stages()["total"]
            log(
                f"{number:3}/{len(clips)} {clip.file}: "
                + (f"{total:.0f} ms" if total is not None else "no reply")
                + (f" ({'; '.join(turn.notes)})" if turn.notes else "")
            )
            at = before = None
            if turn.reply_ends is not None and options.ask_over is not None:
                before = turn.reply_ends
                at = before - options.ask_over - clips[number].speech_start
                continue
            wait_quiet(recorder, QUIET_SECONDS, 60.0)
            time.sleep(options.gap + phase.uniform(0.0, blocks[0]))
        status = proc_status(kiosk.pid)
        server = proc_status(pulse.process.pid) if pulse.process is not None else {}
        lines = kiosk.snapshot()
        exit_code = kiosk.stop()
    load_end = os.getloadavg()
    rates = {
        int(line.record.get("rate", 0))
        for line in lines
        if line.record.get("event") == "reply_finished"
    }
    end_silence = (
        options.end_silence
        if options.end_silence is not None
        else VadSettings().end_silence_seconds
    )
    return build_report(
        options,
        project,
        turns,
        calibration,
        {
            "start_ms": start_ms,
            "peak_rss_mb": status.get("VmHWM", 0) / 1024,
            "cpu_s": status.get("cpu_ticks", 0) / os.sysconf("SC_CLK_TCK"),
            "exit_code": exit_code,
            "errors": sum(1 for line in lines if line.record.get("event") == "error"),
            "mic_rate": int(ready[1].record.get("rate", 0)),
            "reply_rates": sorted(rates - {0}),
        },
        {
            "end_silence_s": end_silence,
            "end_silence_unsure_s": VadSettings().end_silence_unsure_seconds,
            "writer_max_late_ms": writer.max_late * 1000.0,
            "writer_late_blocks": writer.late_blocks,
            "writer_dropped_blocks": writer.dropped,
            "mic": options.mic,
            "wall_s": time.monotonic() - began,
            "benchmark_cpu_s": time.process_time() - own_start,
            "pulseaudio_cpu_s": server.get("cpu_ticks", 0) / os.sysconf("SC_CLK_TCK"),
            "load_average_start": [round(value, 2) for value in load_start],
            "load_average_end": [round(value, 2) for value in load_end],
        },
    )


STAGES = (
    ("total", "end of speech to first reply sample"),
    ("endpointing", "utterance longer than the speech (audio time: end silence and tail)"),
    ("end_found", "end of speech to the kiosk finding it (wall: input, silence, tail)"),
    ("after_end_found", "the kiosk finding the end of speech to the first reply sample"),
    ("to_transcript", "end of speech to the transcript event (incl. recognition)"),
    ("matching", "transcript to decision events"),
    ("voice", "decision to reply_started (synthesis, opening the speaker)"),
    ("to_reply_started", "end of speech to reply_started"),
    ("speech_out", "reply_started to first reply sample"),
    ("stop_heard", '"stop" said over the reply to the kiosk\'s transcript of it'),
    ("stop_silent", '"stop" said over the reply to its last sample at the speaker'),
)


def build_report(
    options: ListenOptions,
    project: Path,
    turns: Sequence[Turn],
    calibration: Calibration,
    kiosk: dict[str, Any],
    machine: dict[str, Any],
) -> dict[str, Any]:
    clips = []
    for turn in turns:
        record = turn.decision.record if turn.decision is not None else {}
        heard = turn.transcript.record.get("text") if turn.transcript is not None else None
        clips.append(
            {
                "file": turn.clip.file,
                "expected": turn.clip.expected,
                "heard": heard,
                "decision": record.get("decision"),
                "entry": record.get("entry"),
                "behind_ms": (
                    turn.transcript.record.get("behind_ms") if turn.transcript is not None else None
                ),
                "speech_end_s": round(turn.clip.speech_end, 3),
                "tail_s": round(turn.clip.seconds - turn.clip.speech_end, 3),
                "ms": {name: _round(value) for name, value in turn.stages().items()},
                "stop": turn.stop_end is not None,
                "over_s": None if turn.over is None else round(turn.over, 3),
                "notes": turn.notes,
            }
        )
    summary: dict[str, Any] = {name: _spread(_measured(turns, name)) for name, _ in STAGES}
    over = [turn for turn in turns if turn.over is not None]
    quiet = [turn for turn in turns if turn.over is None]
    summary["over_reply"] = _spread(_measured(over, "total"))
    summary["into_quiet"] = _spread(_measured(quiet, "total"))
    summary["stops"] = {
        "said": sum(1 for turn in turns if turn.stop_end is not None),
        "cut": sum(1 for turn in turns if turn.silent is not None),
        "heard": sum(1 for turn in turns if turn.stop_heard is not None),
    }
    floor = percentile(calibration.total_ms, 50)
    floor_in = percentile(calibration.input_ms, 50)
    summary["kiosk_share"] = _spread([v - floor for v in _measured(turns, "total")])
    # Recognition, estimated: end of speech to the transcript event, less the pipeline's
    # input side and the endpointing wait.
    recognition = [
        t - e - floor_in
        for turn in turns
        if (t := turn.stages()["to_transcript"]) is not None
        and (e := turn.stages()["endpointing"]) is not None
    ]
    summary["recognition_est"] = _spread(recognition)
    return {
        "mode": "listen",
        "commit": _git_commit(project),
        "engine": options.engine,
        "model": str(options.model) if options.model else None,
        "manifest": str(options.manifest),
        "clips_run": len(turns),
        "stop_after_s": options.stop_after,
        "ask_over_s": options.ask_over,
        "replies_measured": summary["total"]["n"],
        "machine": {"cpu_cores": os.cpu_count(), **machine},
        "kiosk": {
            key: _round(value) if isinstance(value, float) else value
            for key, value in kiosk.items()
        },
        "calibration": _rounded(calibration.summary()),
        "summary": summary,
        "clips": clips,
    }


def _measured(turns: Sequence[Turn], stage: str) -> list[float]:
    """The milliseconds of ``stage`` in each of ``turns`` that has it."""
    return [value for turn in turns if (value := turn.stages()[stage]) is not None]


def _spread(values: Sequence[float]) -> dict[str, Any]:
    """How many ``values`` there are, and their median and 95th percentile, rounded."""
    return {
        "n": len(values),
        "p50": _round(percentile(values, 50)),
        "p95": _round(percentile(values, 95)),
    }


def _round(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 1)


def _rounded(data: Any) -> Any:
    if isinstance(data, float):
        return _round(data)
    if isinstance(data, dict):
        return {key: _rounded(value) for key, value in data.items()}
    return data


def _cell(value: Any, width: int = 7) -> str:
    return f"{value:{width}.0f}" if isinstance(value, float | int) else f"{'-':>{width}}"


def format_report(report: dict[str, Any]) -> str:
    """The report as a readable table."""
    machine, kiosk, cal = report["machine"], report["kiosk"], report["calibration"]
    summary = report["summary"]
    out = [
        f"engine {report['engine']}  model {report['model'] or 'default'}  "
        f"commit {report['commit']}  manifest {report['manifest']}",
        f"cores {machine['cpu_cores']}  load average {machine['load_average_start']} at the "
        f"start, {machine['load_average_end']} at the end  (shared machine: expect noise)",
        "",
        f"{'clip':44} {'tail':>5} {'total':>7} {'endpt':>7} {'found':>7} {'behind':>7} "
        f"{'heard':>7} {'match':>7} {'voice':>7} {'out':>7}  decision",
    ]
    legend = (
        "(ms) tail: clip after its last voiced sample; total: that sample handed to the "
        "microphone to the first reply sample at the speaker; endpt: the kiosk's utterance "
        "less the clip's speech, in audio time (the end-of-speech silence, and noise heard as "
        "speech); found: to the kiosk finding the end, in wall time (reply_started's "
        "after_speech_ms taken from its arrival); behind: audio the kiosk had not yet read "
        "when it found the end; heard: end of speech to the transcript event; match: to the "
        "decision event; voice: to reply_started; out: to the first reply sample"
    )
    for clip in report["clips"]:
        times = clip["ms"]
        decision = f"{clip['decision'] or '-'} {clip['entry'] or ''}".strip()
        out.append(
            f"{clip['file'][:44]:44} {_cell(clip['tail_s'] * 1000, 5)} "
            f"{_cell(times['total'])} {_cell(times['endpointing'])} "
            f"{_cell(times['end_found'])} {_cell(clip.get('behind_ms'))} "
            f"{_cell(times['to_transcript'])} {_cell(times['matching'])} "
            f"{_cell(times['voice'])} {_cell(times['speech_out'])}  {decision}"
            + (f"  stop {_cell(times.get('stop_silent'), 0)} ms" if clip.get("stop") else "")
            + (
                f"  begun {clip['over_s']:.2f} s before the reply's end"
                if clip.get("over_s") is not None
                else ""
            )
            + (f"  [{'; '.join(clip['notes'])}]" if clip["notes"] else "")
        )
    out += [*textwrap.wrap(legend, 96), "", f"{'stage (ms)':22} {'p50':>7} {'p95':>7}   n"]
    rows = [
        ("end of speech to reply", "total"),
        ("  of which pipeline", None),
        ("  kiosk's own share", "kiosk_share"),
        ("endpointing (audio)", "endpointing"),
        ("end found (wall)", "end_found"),
        ("after the end found", "after_end_found"),
        ("recognition (est.)", "recognition_est"),
        ("matching", "matching"),
        ("voice + open speaker", "voice"),
        ("speech out", "speech_out"),
    ]
    if report.get("command"):
        out[0:0] = [f"command {report['command']}"]
    if report.get("ask_over_s") is not None:
        # the replies to questions begun over the end of the reply before, and the rest
        rows[1:1] = [("  begun over a reply", "over_reply"), ("  said into quiet", "into_quiet")]
    stops = summary.get("stops", {})
    if stops.get("said"):
        rows += [('"stop" to transcript', "stop_heard"), ('"stop" to silence', "stop_silent")]
    for label, key in rows:
        if key is None:
            values = cal["total_ms"]
            out.append(
                f"{label:22} {_cell(values['p50'])} {_cell(values['p95'])}   {cal['answered']}"
            )
            continue
        values = summary[key]
        out.append(f"{label:22} {_cell(values['p50'])} {_cell(values['p95'])}   {values['n']}")
    out += [
        "",
        f"end-of-speech silence setting {machine['end_silence_s'] * 1000:.0f} ms "
        f"({machine.get('end_silence_unsure_s', 0.0) * 1000:.0f} ms after words not answered); "
        f"replies measured {report['replies_measured']} of {report['clips_run']}"
        + (
            f'; "stop" said {report["stop_after_s"]} s into {stops["said"]}, heard over '
            f"{stops['heard']}, cut {stops['cut']} short"
            if stops.get("said")
            else ""
        ),
        f"pipeline (loopback, no kiosk): input {_cell(cal['input_ms']['p50'], 0)} ms, "
        f"open speaker {_cell(cal['open_ms']['p50'], 0)} ms, output "
        f"{_cell(cal['output_ms']['p50'], 0)} ms (p50 of {cal['answered']} bursts); the null "
        "sink plays at once, a sound card adds its buffer (PortAudio reports "
        f"{_cell(cal['portaudio_latency_ms'].get('output'), 0)} ms out, "
        f"{_cell(cal['portaudio_latency_ms'].get('input'), 0)} ms in)",
        f"kiosk: start to listening {_cell(kiosk['start_ms'], 0)} ms, peak memory "
        f"{_cell(kiosk['peak_rss_mb'], 0)} MB, cpu {kiosk['cpu_s']:.1f} s, "
        f"errors {kiosk['errors']}, microphone at {kiosk['mic_rate']} Hz, "
        f"replies at {kiosk['reply_rates']} Hz",
        f"instrument: writer worst lateness {machine['writer_max_late_ms']:.0f} ms "
        f"({machine['writer_late_blocks']} blocks over 20 ms late); cpu of the benchmark "
        f"{machine['benchmark_cpu_s']:.1f} s, pulseaudio {machine['pulseaudio_cpu_s']:.1f} s "
        f"in {machine['wall_s']:.0f} s",
        "microphone: "
        + (
            f"an ALSA device read directly, no sound server ({machine['writer_dropped_blocks']} "
            "blocks dropped while no one read it)"
            if machine.get("mic") == "alsa"
            else "the sound server's pipe source"
        ),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--loopback":
        sys.exit(loopback_main(sys.argv[2:]))
    sys.exit("listen_bench.py is run by script/benchmark --listen")
