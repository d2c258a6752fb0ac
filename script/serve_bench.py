"""What a Home Assistant voice device waits for, for ``script/benchmark --serve``.

It starts the real ``knotvoice serve`` on a free loopback port and, for each clip of a
manifest, does what Home Assistant's voice pipeline does with knotvoice as its speech-to-text,
conversation agent and text-to-speech, over the Wyoming protocol:

- speech to text: ``transcribe`` and ``audio-start``, then the clip as 16 kHz mono 16-bit
  chunks of 1,024 samples at real-time pace, then the silence Home Assistant's voice
  detector waits for after the voice (0.7 s by default: its end of speech), then
  ``audio-stop``, and reads the ``transcript``;
- the conversation: the transcript as a question, read to ``handled`` or ``not-handled``;
- text to speech: the reply, read to its first ``audio-chunk``.

It reports, per clip and as p50 and p95, the milliseconds from ``audio-stop`` to the
transcript (``stt``), from sending the question to its reply (``answer``) and from sending the
reply to speak to its first audio (``tts``), and how many questions the server had heard and
answered before the audio stopped (the ``ahead`` of its ``transcript`` and ``turn`` events).
Numbers are reported, not enforced: the machine is shared.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr
from listen_bench import (
    BenchError,
    JsonChild,
    _git_commit,
    clip_of,
    engine_args,
    percentile,
    proc_status,
    read_manifest,
)
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize

RATE = 16000
"""What a voice device sends: 16 kHz mono 16-bit."""
CHUNK = 1024
"""Samples per audio chunk, as Home Assistant's voice devices send them."""
AFTER_VOICE_SECONDS = 0.7
"""The silence Home Assistant's voice detector waits for after the voice (its default)."""
READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class ServeOptions:
    engine: str
    model: Path | None
    manifest: Path
    limit: int
    start_timeout: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _audio(path: Path, speech_end: float) -> bytes:
    """The clip at 16 kHz mono, up to ``AFTER_VOICE_SECONDS`` after its voice (silence
    added where the clip ends sooner), as 16-bit PCM."""
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if rate != RATE:
        mono = soxr.resample(mono, rate, RATE)
    end = round((speech_end + AFTER_VOICE_SECONDS) * RATE)
    mono = np.concatenate([mono, np.zeros(max(0, end - len(mono)), dtype=np.float32)])[:end]
    return bytes((np.clip(mono, -1.0, 1.0) * 32767).astype("<i2").tobytes())


async def _turn(port: int, pcm: bytes) -> dict[str, Any]:
    """One question through the three services, timed."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=RATE, width=2, channels=1).event())
        start = time.monotonic()
        step = CHUNK * 2
        for index, offset in enumerate(range(0, len(pcm), step)):
            due = start + index * CHUNK / RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            chunk = AudioChunk(rate=RATE, width=2, channels=1, audio=pcm[offset : offset + step])
            await client.write_event(chunk.event())
        await asyncio.sleep(max(0.0, start + len(pcm) / 2 / RATE - time.monotonic()))
        stopped = time.monotonic()
        await client.write_event(AudioStop().event())
        text = await _read(client, ("transcript",))
        heard = time.monotonic()
    async with AsyncTcpClient("127.0.0.1", port) as client:
        asked = time.monotonic()
        await client.write_event(Transcript(text=str(text["text"])).event())
        reply = await _read(client, ("handled", "not-handled"))
        answered = time.monotonic()
    async with AsyncTcpClient("127.0.0.1", port) as client:
        spoken = time.monotonic()
        await client.write_event(Synthesize(text=str(reply["text"])).event())
        await _read(client, ("audio-chunk",))
        voiced = time.monotonic()
    return {
        "heard": text["text"],
        "reply": reply["text"],
        "ms": {
            "stt": (heard - stopped) * 1000.0,
            "answer": (answered - asked) * 1000.0,
            "tts": (voiced - spoken) * 1000.0,
        },
    }


async def _read(client: AsyncTcpClient, kinds: tuple[str, ...]) -> dict[str, Any]:
    async with asyncio.timeout(READ_TIMEOUT):
        while True:
            event = await client.read_event()
            if event is None:
                raise BenchError(f"the server closed the connection before a {kinds[0]}")
            if event.type == "error":
                raise BenchError(f"the server said: {event.data.get('text')}")
            if event.type in kinds:
                return dict(event.data)


def run_serve(options: ServeOptions, project: Path, log: Callable[[str], None]) -> dict[str, Any]:
    rows, knowledge = read_manifest(options.manifest)
    if options.limit:
        rows = rows[: options.limit]
    clips = [clip_of(row, options.manifest.parent) for row in rows]
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="knotvoice-serve-bench-") as work:
        argv = [
            sys.executable,
            "-m",
            "knotvoice",
            "serve",
            "--json",
            "--uri",
            f"tcp://127.0.0.1:{port}",
            "--log-dir",
            str(Path(work) / "log"),
            "--reload",
            "0",
            *engine_args(options.engine, options.model, knowledge),
        ]
        child = JsonChild(argv, dict(os.environ), Path(work) / "serve.log")
        child.start()
        try:
            found = child.wait_for(lambda r: r.get("event") == "serving", 0, options.start_timeout)
            if found is None:
                raise BenchError(f"knotvoice serve did not start:\n{child.log_tail()}")
            start_ms = (found[1].arrived - child.started) * 1000.0
            log(f"serving after {start_ms:.0f} ms; {len(clips)} clips at real-time pace")
            results = []
            for clip in clips:
                pcm = _audio(options.manifest.parent / clip.file, clip.speech_end)
                seen = len(child.snapshot())
                result = asyncio.run(_turn(port, pcm))
                heard = child.wait_for(lambda r: r.get("event") == "transcript", seen, 5.0)
                turn = child.wait_for(lambda r: r.get("event") == "turn", seen, 5.0)
                result["ahead"] = bool(heard and heard[1].record.get("ahead"))
                result["answered_ahead"] = bool(turn and turn[1].record.get("ahead"))
                result["file"] = clip.file
                results.append(result)
                times = result["ms"]
                log(
                    f"{clip.file[:48]:48} stt {times['stt']:6.0f}  answer {times['answer']:5.0f}"
                    f"  tts {times['tts']:5.0f}  {'heard ahead' if result['ahead'] else ''}"
                    f"{', answered ahead' if result['answered_ahead'] else ''}"
                )
            peak = proc_status(child.pid).get("VmHWM", 0) / 1024.0
        finally:
            child.stop()
    summary = {
        stage: {
            "p50": percentile([r["ms"][stage] for r in results], 50),
            "p95": percentile([r["ms"][stage] for r in results], 95),
        }
        for stage in ("stt", "answer", "tts")
    }
    return {
        "mode": "serve",
        "commit": _git_commit(project),
        "engine": options.engine,
        "manifest": str(options.manifest),
        "clips_run": len(results),
        "heard_ahead": sum(r["ahead"] for r in results),
        "answered_ahead": sum(r["answered_ahead"] for r in results),
        "start_ms": start_ms,
        "peak_rss_mb": peak,
        "summary": summary,
        "clips": results,
    }


def format_report(report: dict[str, Any]) -> str:
    summary = report["summary"]
    lines = [
        f"engine {report['engine']}  commit {report['commit']}  manifest {report['manifest']}",
        f"{report['clips_run']} clips; {report['heard_ahead']} heard and "
        f"{report['answered_ahead']} answered before the audio stopped; "
        f"start {report['start_ms']:.0f} ms; peak {report['peak_rss_mb']:.0f} MB",
        f"{'stage (ms)':34} {'p50':>7} {'p95':>7}",
    ]
    names = {
        "stt": "audio-stop to transcript",
        "answer": "question to reply",
        "tts": "reply to its first audio",
    }
    for stage, name in names.items():
        lines.append(f"{name:34} {summary[stage]['p50']:7.0f} {summary[stage]['p95']:7.0f}")
    return "\n".join(lines)
