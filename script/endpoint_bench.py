"""Where the kiosk's utterances end in a noisy room, for ``script/benchmark --endpointing``.

Each clip of the manifests recorded without noise is set at a voice level of -18 dBFS inside
a steady noise bed that starts five seconds before it (as long as the detector looks
back for the room's background) and goes on after it (sox's pink, brown
and white noise, at the speech-to-noise ratios of the fixtures and at 6 dB for a loud room),
or inside noise that starts with the voice and goes on 1.5 s after it in a silent room (a bus
passing as the visitor speaks), and the audio is run through the kiosk's ``Endpointer`` in
audio time, as ``knotvoice listen`` runs it: with the settings, with each other voice
detector, and with the settings' detector but no room background. For each bed it
reports how long after the voice stops the utterance ends (the end-of-speech silence is
part of it), utterances that ran to the maximum length, questions cut in two or begun more
than the pre-roll late, and utterances started by the noise alone.

Where the voice is comes from the clip alone (its frames that webrtcvad, without the room
background, calls speech; the same reference for every detector). No recognizer runs: the
figures are the same on any machine.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from listen_bench import percentile

from knotvoice.audio import RATE, chunks_from_array, join, read_audio
from knotvoice.evaluate import read_manifest
from knotvoice.kiosk.vad import FRAME_SAMPLES, Boundary, Endpointer, VoiceDetector
from knotvoice.settings import VAD_DETECTORS, VadSettings

VOICE_DBFS = -18.0
"""Level of the voice while it speaks, as a microphone set up for a kiosk hears it."""
LEAD_SECONDS = 5.0
"""Noise before the question: the room was noisy before the visitor spoke."""
TAIL_SECONDS = 4.0
"""Noise after the question."""

ONSET_TAIL_SECONDS = 1.5
"""Noise that starts with the voice goes on this long after it."""

BEDS = (
    ("pink 12 dB", "pinknoise", 12.0, False),
    ("brown 12 dB", "brownnoise", 12.0, False),
    ("white 15 dB", "whitenoise", 15.0, False),
    ("pink 6 dB", "pinknoise", 6.0, False),
    ("brown 12 dB, starting with the voice", "brownnoise", 12.0, True),
)
"""(name, sox noise type, speech-to-noise ratio in dB, whether the noise starts with the voice
rather than five seconds before it) of each noise bed."""


@dataclass
class Outcome:
    """How one setting ended the utterances of one noise bed."""

    delays: list[float] = field(default_factory=list)
    """Seconds from the end of the voice to the end of the utterance holding it."""
    max_length: int = 0
    """Questions whose utterance ran to the maximum length (or never ended)."""
    split: int = 0
    """Questions heard as several utterances (or none): each part is asked on its own."""
    late: int = 0
    """Questions whose utterance began later than the pre-roll reaches back: a first sound lost."""
    phantom: int = 0
    """Utterances that hold none of the voice: noise taken for a question."""


def noise(kind: str, samples: int) -> npt.NDArray[np.float32]:
    """``samples`` of sox's steady noise of ``kind``, at unit RMS."""
    seconds = samples / RATE + 0.1
    command = ["sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed"]
    command += ["-t", "raw", "-", "synth", f"{seconds:.3f}", kind]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    bed = np.frombuffer(raw, dtype="<i2").astype(np.float32)[:samples]
    return bed / float(np.sqrt(np.mean(bed * bed)))


def voiced_span(samples: npt.NDArray[np.float32]) -> tuple[float, float] | None:
    """Seconds from the first to the end of the last frame the detector calls speech."""
    detector = VoiceDetector(detector="webrtc")
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    size = FRAME_SAMPLES * 2
    voiced = [
        index
        for index, offset in enumerate(range(0, len(pcm) - size + 1, size))
        if detector.is_speech(pcm[offset : offset + size])
    ]
    if not voiced:
        return None
    return voiced[0] * FRAME_SAMPLES / RATE, (voiced[-1] + 1) * FRAME_SAMPLES / RATE


def utterances(
    samples: npt.NDArray[np.float32], settings: VadSettings
) -> list[tuple[float, float]]:
    """(start, end) of each utterance, in seconds of audio; an open one ends at infinity."""
    endpointer = Endpointer(settings)
    found: list[tuple[float, float]] = []
    started: float | None = None
    for chunk in chunks_from_array(samples, RATE, chunk_samples=480):
        for event in endpointer.push(chunk):
            if event.kind is Boundary.START:
                started = event.at
            elif event.kind is Boundary.END and started is not None:
                found.append((started, event.at))
                started = None
    if started is not None:
        found.append((started, float("inf")))
    return found


def score(
    found: Sequence[tuple[float, float]],
    voice: tuple[float, float],
    settings: VadSettings,
    outcome: Outcome,
) -> None:
    """Add one question's utterances (``found``) around the voice at ``voice`` to ``outcome``."""
    begin, end = voice
    holding = [(start, stop) for start, stop in found if start < end and stop > begin]
    outcome.phantom += len(found) - len(holding)
    if not holding:
        outcome.split += 1
        return
    last_end = holding[-1][1]
    if last_end - holding[-1][0] >= settings.max_utterance_seconds - 0.05:
        outcome.max_length += 1
    outcome.split += len(holding) > 1
    outcome.late += holding[0][0] > begin + settings.preroll_seconds
    outcome.delays.append(last_end - end)


def clips(manifests: Iterable[Path]) -> list[Path]:
    """The clips of the manifests recorded without noise or babble."""
    return [
        manifest.parent / row.file
        for manifest in manifests
        for row in read_manifest(manifest)
        if "db" not in row.variant
    ]


def run_endpointing(
    manifests: Sequence[Path], settings: VadSettings, command: str, log: Callable[[str], None]
) -> dict[str, Any]:
    conditions = {settings.detector: settings}
    for name in VAD_DETECTORS:
        conditions.setdefault(name, replace(settings, detector=name))
    conditions[f"{settings.detector}, no background"] = replace(settings, noise_margin_db=None)
    outcomes = {(name, which): Outcome() for name, *_ in BEDS for which in conditions}
    paths = clips(manifests)
    log(f"{len(paths)} clips without noise, {len(BEDS)} noise beds")
    for path in paths:
        voice = join(read_audio(path))
        span = voiced_span(voice)
        if span is None:
            continue
        level = float(np.sqrt(np.mean(voice[round(span[0] * RATE) : round(span[1] * RATE)] ** 2)))
        voice = voice * (10.0 ** (VOICE_DBFS / 20.0) / level)
        lead, tail = np.zeros(round(LEAD_SECONDS * RATE)), np.zeros(round(TAIL_SECONDS * RATE))
        scene = np.concatenate([lead, voice, tail]).astype(np.float32)
        where = (span[0] + LEAD_SECONDS, span[1] + LEAD_SECONDS)
        for name, kind, snr, onset in BEDS:
            bed = noise(kind, len(scene)) * 10.0 ** ((VOICE_DBFS - snr) / 20.0)
            if onset:
                start, stop = (round(t * RATE) for t in (where[0], where[1] + ONSET_TAIL_SECONDS))
                bed[:start] = 0.0
                bed[stop:] = 0.0
            room = np.clip(scene + bed, -1.0, 1.0).astype(np.float32)
            for which, chosen in conditions.items():
                score(utterances(room, chosen), where, chosen, outcomes[(name, which)])
    return {
        "command": command,
        "manifests": [str(path) for path in manifests],
        "clips": len(paths),
        "end_silence_seconds": settings.end_silence_seconds,
        "noise_margin_db": settings.noise_margin_db,
        "detector": settings.detector,
        "beds": [
            {
                "noise": name,
                "detector": which,
                "end_after_voice_p50_ms": _ms(percentile(outcome.delays, 50)),
                "end_after_voice_p95_ms": _ms(percentile(outcome.delays, 95)),
                "max_length": outcome.max_length,
                "split": outcome.split,
                "late": outcome.late,
                "phantom": outcome.phantom,
            }
            for (name, which), outcome in outcomes.items()
        ],
    }


def _ms(seconds: float) -> float | None:
    return None if seconds == float("inf") else round(seconds * 1000.0)


def format_report(report: dict[str, Any]) -> str:
    margin = report["noise_margin_db"]
    lines = [
        f"command {report['command']}",
        f"clips {report['clips']} without noise, voice at {VOICE_DBFS:.0f} dBFS in steady noise",
        f"end-of-speech silence {report['end_silence_seconds'] * 1000:.0f} ms; "
        f"room background {margin} dB margin (the settings) unless 'no background'",
        "",
        f"{'noise':36} {'detector':29} {'end p50':>8} {'end p95':>8} "
        f"{'max length':>10} {'split':>5} {'late':>4} {'phantom':>7}",
    ]
    for bed in report["beds"]:
        p50, p95 = (
            "never" if value is None else f"{value}"
            for value in (bed["end_after_voice_p50_ms"], bed["end_after_voice_p95_ms"])
        )
        lines.append(
            f"{bed['noise']:36} {bed['detector']:29} {p50:>8} {p95:>8} "
            f"{bed['max_length']:>10} {bed['split']:>5} {bed['late']:>4} {bed['phantom']:>7}"
        )
    lines += [
        "",
        "(ms) end: from the end of the voice to the end of its utterance; max length: questions",
        "whose utterance ran to the maximum length; split: heard as two utterances or more;",
        "late: begun after the pre-roll reaches (a first sound lost); phantom: utterances the",
        "noise alone started",
    ]
    return "\n".join(lines)
