"""`knotvoice listen` and `ask` as a user runs them, on real PortAudio devices backed by files."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from alsa_devices import DEFAULT_RATE, MIC, SPEAKER, FileDevices, write_config
from knotvoice.audio import join, read_audio
from room_noise import at_level, coloured_noise
from small_disk import small_folder

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "audio_fixtures" / "demo" / "how-often-massage.wav"


def run(
    devices_config: Path, *args: str, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ALSA_CONFIG_PATH": str(devices_config),
        **(environ or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "knotvoice", *args],
        capture_output=True, text=True, timeout=240, env=env, cwd=ROOT,
    )  # fmt: skip


def listen_once(devices_config: Path) -> list[dict[str, Any]]:
    """The events of ``knotvoice listen --json`` answering one question on the file devices."""
    result = run(
        devices_config, "listen", "--json", "--max-turns", "1",
        "--input-device", MIC, "--output-device", SPEAKER,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def demo_asked(devices: FileDevices, after_seconds: int = 60) -> None:
    """The demo's recorded question on the file microphone: 2 s of silence, the question,
    then ``after_seconds`` of silence."""
    question = join(read_audio(DEMO))
    silence = np.zeros(16000 * 2, dtype=np.float32)
    after = np.zeros(16000 * after_seconds, dtype=np.float32)
    devices.write_input(np.concatenate([silence, question, after]), 16000, DEFAULT_RATE)


@pytest.mark.model
def test_listen_answers_a_spoken_question_and_plays_the_reply(tmp_path: Path) -> None:
    devices = write_config(tmp_path)
    demo_asked(devices)
    events = listen_once(devices.config)
    kinds = [event["event"] for event in events]
    assert kinds[0] == "listening"
    assert events[0]["engine"] == "whisper", "no vosk model here, so whisper hears"
    assert "speech_started" in kinds and "reply_finished" in kinds
    decision = next(event for event in events if event["event"] == "decision")
    assert decision["decision"] == "answer"
    assert decision["entry"] == "massage-how-often"
    times = [event["at"] for event in events]
    assert times == sorted(times), "events carry audio-time stamps in order"
    finished = next(event for event in events if event["event"] == "reply_finished")
    played = devices.output()
    assert len(played) == finished["frames"] > finished["rate"] * 3
    assert np.abs(played).max() > 3000


@pytest.mark.model
def test_a_full_disk_under_the_kiosk_s_output_does_not_stop_it_answering(tmp_path: Path) -> None:
    """`listen --json >> kiosk.jsonl` on a disk that filled up stopped the kiosk at its next
    line of output. It says so once and goes on answering: the reply is played and the turn
    is in the turn log."""
    devices = write_config(tmp_path)
    demo_asked(devices)
    log_dir = tmp_path / "log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "knotvoice", "listen", "--json", "--max-turns", "1",
             "--input-device", MIC, "--output-device", SPEAKER, "--log-dir", str(log_dir)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=240, env=env, cwd=ROOT,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    told = [line for line in result.stderr.splitlines() if "cannot write the output" in line]
    assert len(told) == 1 and "answering goes on" in told[0], result.stderr
    assert "Traceback" not in result.stderr
    assert np.abs(devices.output()).max() > 3000, "the reply was played"
    turns = [
        json.loads(line)
        for path in log_dir.glob("turns*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert [turn.get("entry") for turn in turns] == ["massage-how-often"]


@pytest.mark.model
def test_listen_saves_replies_instead_of_playing_them_and_keeps_earlier_ones(
    tmp_path: Path,
) -> None:
    devices = write_config(tmp_path)
    demo_asked(devices)
    replies = tmp_path / "replies"
    replies.mkdir()
    (replies / "reply-0001.wav").write_bytes(b"an earlier run's reply")
    result = run(
        devices.config, "listen", "--max-turns", "1", "--input-device", MIC,
        "--output-device", SPEAKER, "--save-replies", str(replies),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    start = result.stdout.splitlines()[0]
    assert start.startswith("listening on ") and "(vad mode, whisper hears)" in start, start
    assert result.stdout.splitlines()[-1] == "stopped: 1 question, 0 errors", "says it stopped"
    assert result.stderr.splitlines() == [
        f"knotvoice: --output-device is not used with --save-replies; replies go to {replies}"
    ]
    assert sorted(path.name for path in replies.iterdir()) == ["reply-0001.wav", "reply-0002.wav"]
    assert (replies / "reply-0001.wav").read_bytes() == b"an earlier run's reply"
    assert len(join(read_audio(replies / "reply-0002.wav"))) > 16000 * 3
    assert len(devices.output()) == 0, "nothing is played"
    usage = run(devices.config, "listen", "--help").stdout
    assert "save replies as wav files in DIR instead of playing them" in " ".join(usage.split())


@pytest.mark.model
def test_in_a_noisy_room_the_question_ends_when_the_voice_stops(tmp_path: Path) -> None:
    # Steady pink noise 12 dB under the voice, from 6 s before the question to 20 s after:
    # without the room's background the kiosk took it for a voice that never stops.
    devices = write_config(tmp_path)
    question = at_level(join(read_audio(DEMO)), -18.0)
    lead, room = 6.0, 6.0 + len(question) / 16000 + 20.0
    voice = np.zeros(round(room * 16000), dtype=np.float32)
    voice[round(lead * 16000) : round(lead * 16000) + len(question)] = question
    noisy = voice + coloured_noise(room, 1.0, -30.0, seed=11)
    tail = np.zeros(16000 * 40, dtype=np.float32)
    devices.write_input(np.concatenate([noisy, tail]), 16000, DEFAULT_RATE)
    events = listen_once(devices.config)
    started = [event for event in events if event["event"] == "speech_started"]
    assert len(started) == 1, "the noise alone started no question"
    heard = next(event for event in events if event["event"] == "transcript")
    assert heard["at"] <= lead + len(question) / 16000 + 1.0, "it did not wait out the noise"
    assert -36.0 < started[0]["background_dbfs"] < -29.0, "it says how loud the room is"
    decision = next(event for event in events if event["event"] == "decision")
    assert (decision["decision"], decision["entry"]) == ("answer", "massage-how-often")


@pytest.mark.model
def test_ask_plays_on_a_named_output_device(tmp_path: Path) -> None:
    devices = write_config(tmp_path)
    result = run(
        devices.config, "ask", "--output-device", SPEAKER, "how often should I massage a knot"
    )
    assert result.returncode == 0, result.stderr
    played = devices.output()
    assert len(played) > 16000 and np.abs(played).max() > 3000


@pytest.mark.model
@pytest.mark.parametrize("where", ["config", "flag"])
def test_ask_plays_at_the_output_rate_set(tmp_path: Path, where: str) -> None:
    """`output_rate` in the config file was honoured by `listen` and ignored by `ask`, which
    played at the reply's own rate (22050 Hz)."""
    devices = write_config(tmp_path)
    config = tmp_path / "knotvoice.toml"
    config.write_text(
        f'output_device = "{SPEAKER}"\n' + "output_rate = 16000\n" * (where == "config")
    )
    rate = ("--output-rate", "16000") if where == "flag" else ()
    reply = tmp_path / "reply.wav"
    result = run(
        devices.config, "ask", "--config", str(config), *rate, "--save-reply", str(reply),
        "how often should I massage a knot",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seconds = soundfile.info(reply).duration
    assert len(devices.output()) == pytest.approx(seconds * 16000, rel=0.02)


@pytest.mark.parametrize(
    ("flags", "written"),
    [
        (("listen", "--keep-audio", "0"), "--keep-audio must be a number of days"),
        (("listen", "--max-turns", "0"), "--max-turns must be a whole number"),
        (("listen", "--end-silence", "-1"), "--end-silence must be a number of seconds"),
        (("ask", "--output-rate", "0", "hello"), "--output-rate must be a whole number"),
        (("serve", "--reload", "-1"), "--reload must be 0 (never) or more seconds"),
    ],
)
def test_a_bad_value_on_the_command_line_is_named_as_typed(
    tmp_path: Path, flags: tuple[str, ...], written: str
) -> None:
    """`listen --keep-audio 0` was refused as "keep_audio must be ...", the config file's
    key, which the user never wrote."""
    result = run(write_config(tmp_path).config, *flags)
    assert result.returncode == 1
    assert result.stderr.startswith(f"knotvoice: error: {written}"), result.stderr


@pytest.mark.model
def test_a_speaker_that_fails_mid_reply_is_one_plain_line(tmp_path: Path) -> None:
    """ALSA's and PortAudio's own lines ("ALSA lib pcm_file.c:...", "Expression 'res' failed
    in 'src/hostapi/alsa/pa_linux_alsa.c'") reached the kiosk's log, and its own line said
    the device "failed (Unanticipated host error)"."""
    devices = write_config(tmp_path)
    with devices.config.open("a") as config:  # a speaker whose pipe is closed at once
        config.write('pcm.brokenspk { type file  slave.pcm "null"  file "|true"  format "raw" }\n')
    demo_asked(devices)
    result = run(
        devices.config, "listen", "--max-turns", "1", "--log-dir", str(tmp_path / "log"),
        "--input-device", MIC, "--output-device", "brokenspk",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("WARNING knotvoice") and "speaker: audio device" in line, line
    assert "'brokenspk' stopped working" in line and "--output-device" in line, line
    assert "Unanticipated" not in line


@pytest.mark.model
def test_a_missing_device_is_one_clear_line(tmp_path: Path) -> None:
    devices = write_config(tmp_path, include_devices=False)
    result = run(devices.config, "listen", "--max-turns", "1", "--input-device", "no-such-mic")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "knotvoice devices" in result.stderr


@pytest.mark.model
def test_a_bound_on_the_kept_audio_without_keeping_any_is_said(tmp_path: Path) -> None:
    """`listen --keep-audio-mb 50` without `--keep-audio` kept no audio and said nothing, so an
    operator believed the questions were being recorded."""
    devices = write_config(tmp_path, include_devices=False)
    config = tmp_path / "knotvoice.toml"
    config.write_text("[listen]\nkeep_audio_mb = 50\n")
    listen = ("listen", "--max-turns", "1", "--input-device", "no-such-mic")
    for given in (("--keep-audio-mb", "50"), ("--config", str(config))):
        result = run(devices.config, *listen, "--log-dir", str(tmp_path / "log"), *given)
        assert result.returncode == 1
        assert "keeps nothing without --keep-audio DAYS" in result.stderr, result.stderr
    result = run(
        devices.config, *listen, "--log-dir", str(tmp_path / "log"),
        "--keep-audio-mb", "50", "--keep-audio", "7",
    )  # fmt: skip
    assert "keeps nothing" not in result.stderr, result.stderr


@pytest.mark.model
def test_the_screen_alone_says_nothing_of_a_bound_on_audio_it_never_hears(
    tmp_path: Path,
) -> None:
    """`knotvoice screen` (typed questions, no microphone) with the kiosk's config, which
    bounds the kept audio, told the operator to give --keep-audio DAYS too: the screen has no
    such flag and no audio to keep."""
    devices = write_config(tmp_path, include_devices=False)
    config = tmp_path / "knotvoice.toml"
    config.write_text("[listen]\nkeep_audio_mb = 50\n")
    with socket.socket() as taken:  # the screen stops at its port, after everything else
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            devices.config, "screen", "--config", str(config), "--log-dir",
            str(tmp_path / "log"), f"127.0.0.1:{port}",
        )  # fmt: skip
    assert result.returncode == 1 and "cannot serve the screen" in result.stderr, result.stderr
    assert "keep_audio_mb" not in result.stderr and "keep-audio" not in result.stderr


def test_a_speaker_that_cannot_play_the_replies_is_refused_at_the_start(tmp_path: Path) -> None:
    """`listen --output-device usb` (no such device) or `--output-rate 441000` (a slip of the
    finger) started listening and failed at every visitor's reply; now they stop at once."""
    devices = write_config(tmp_path)
    (tmp_path / "in.raw").write_bytes(np.zeros(DEFAULT_RATE * 60, "<i2").tobytes())
    listen = ("listen", "--max-turns", "1", "--idle-exit", "30", "--input-device", MIC)
    for flags, message in (
        (("--output-device", "usb"), "no audio output device named like 'usb'"),
        (
            ("--output-device", SPEAKER, "--output-rate", "441000"),
            "audio device 1 'testspk' does not support 441000 Hz",
        ),
    ):
        result = run(devices.config, *listen, "--log-dir", str(tmp_path / "log"), *flags)
        assert result.returncode == 1, result.stdout
        assert "listening on" not in result.stdout
        lines = [line for line in result.stderr.splitlines() if line.startswith("knotvoice")]
        assert len(lines) == 1 and message in lines[0], result.stderr
    assert len(devices.output()) == 0


def test_a_microphone_not_there_stops_the_kiosk_before_anything_else_naming_its_source(
    tmp_path: Path,
) -> None:
    """A microphone named in the config file or a variable, since unplugged, was found
    missing only after the knowledge was prepared (minutes for a large new file on a Pi) and
    the screen was up, and its error read as if given on the command line."""
    devices = write_config(tmp_path)
    config = tmp_path / "knotvoice.toml"
    config.write_text('input_device = "usb mic"\n[listen]\nscreen = "127.0.0.1:0"\n')
    # A knowledge file never prepared: preparing it would take seconds and print so.
    knowledge = tmp_path / "faq.yaml"
    knowledge.write_text(
        "entries:\n  - id: open\n    question: When are you open?\n    answer: Nine to five.\n"
    )
    common = ("listen", "--knowledge", str(knowledge), "--log-dir", str(tmp_path / "log"))
    for args, environ, origin in (
        (("--config", str(config)), {}, str(config)),
        ((), {"KNOTVOICE_INPUT_DEVICE": "usb mic"}, "KNOTVOICE_INPUT_DEVICE"),
        (("--input-device", "usb mic"), {}, None),
    ):
        result = run(devices.config, *common, *args, environ=environ)
        assert result.returncode == 1, result.stdout
        lines = [line for line in result.stderr.splitlines() if line.startswith("knotvoice")]
        assert len(lines) == 1, result.stderr
        assert "no audio input device named like 'usb mic'" in lines[0]
        assert f"the input devices are 0 '{MIC}'" in lines[0]
        assert lines[0].startswith(
            f"knotvoice: error: {origin}: " if origin else "knotvoice: error: no audio"
        ), lines[0]
        assert "the screen is at" not in result.stdout
    status = run(devices.config, "status", "--log-dir", str(tmp_path / "log"))
    assert "no audio input device named like 'usb mic'" in status.stdout, status.stdout


@pytest.mark.model
def test_sigterm_ends_the_kiosk_at_once_with_its_turns_logged(tmp_path: Path) -> None:
    """SIGTERM ends the kiosk at once, its turns logged; with ``--keep-audio`` the question's
    audio is kept beside them."""
    devices = write_config(tmp_path)
    demo_asked(devices, 120)
    log_dir = tmp_path / "log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "listen", "--json", "--log-dir", str(log_dir),
         "--input-device", MIC, "--output-device", SPEAKER, "--keep-audio", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert kiosk.stdout is not None
        for line in kiosk.stdout:  # bounded by the audio: the question is answered in it
            if json.loads(line)["event"] == "reply_started":
                break
        kiosk.send_signal(signal.SIGTERM)
        returncode = kiosk.wait(timeout=10)
    finally:
        kiosk.kill()
    assert returncode == 0
    turns = [json.loads(line) for line in (log_dir / "turns.jsonl").read_text().splitlines()]
    assert [(t["decision"], t["entry"]) for t in turns] == [("answer", "massage-how-often")]
    status = json.loads((log_dir / "status.json").read_text())
    assert status["turns"] == 1 and status["microphone"] == "closed"
    assert status["stopped"] is not None, "`knotvoice status` says at once that it stopped"
    kept = join(read_audio(log_dir / "audio" / turns[0]["audio"]))
    assert 16000 * 2 <= len(kept) <= len(join(read_audio(DEMO))) + 16000 * 2, (
        "the question, as it was heard"
    )


@pytest.mark.model
def test_the_stop_line_counts_an_edit_that_did_not_load(tmp_path: Path) -> None:
    """An edit of the knowledge file that did not load while the kiosk ran was an error in
    `knotvoice status`, yet the kiosk's last line said "stopped: 0 questions, 0 errors" (and
    the line -v logs, "listened 201.4 s: 0 questions, 0 errors")."""
    devices = write_config(tmp_path)
    devices.write_input(np.zeros(16000 * 300, dtype=np.float32), 16000, DEFAULT_RATE)
    faq = tmp_path / "faq.yaml"
    faq.write_text((ROOT / "knowledge" / "knots.yaml").read_text(encoding="utf-8"), "utf-8")
    log_dir = tmp_path / "log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "listen", "-v", "--log-dir", str(log_dir),
         "--knowledge", str(faq), "--input-device", MIC, "--output-device", SPEAKER],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip

    def status() -> dict[str, Any]:
        try:
            return dict(json.loads((log_dir / "status.json").read_text()))
        except (OSError, ValueError):
            return {}

    try:
        for _ in range(1200):
            if status().get("microphone") == "listening":
                break
            assert kiosk.poll() is None, kiosk.communicate()[1]
            time.sleep(0.1)
        faq.write_text("version: 1\nentries: [\n", encoding="utf-8")
        for _ in range(300):
            if status().get("knowledge_error"):
                break
            time.sleep(0.1)
        assert status()["errors"] == 1
        kiosk.send_signal(signal.SIGTERM)
        out, err = kiosk.communicate(timeout=60)
    finally:
        kiosk.kill()
    assert kiosk.returncode == 0, err
    assert out.splitlines()[-1] == "stopped: 0 questions, 1 error"
    # and so does the line -v logs as it stops (it said "0 errors")
    (logged,) = [line for line in err.splitlines() if "listened " in line]
    assert logged.endswith(": 0 questions, 1 error"), logged


def test_systemd_waits_for_the_kiosk_to_stop_before_killing_it() -> None:
    """The unit gave the kiosk 5 s to stop; a SIGTERM during a knowledge reload (an edit,
    then `systemctl restart`) took 4.6 s here, more on a Pi, and the kiosk may wait out the
    reload and the audio still queued: SIGKILL lost the last turn and the stopped status."""
    import inspect

    from knotvoice.recordings import Recordings
    from knotvoice.reload import BUILD_WAIT_SECONDS
    from knotvoice.serve.server import STOP_GRACE_SECONDS

    unit = (ROOT / "deploy" / "knotvoice.service").read_text()
    (stop,) = [line for line in unit.splitlines() if line.startswith("TimeoutStopSec=")]
    flush = inspect.signature(Recordings.running).parameters["timeout"].default
    microphone = 2.0  # Microphone.close joins its reader
    assert float(stop.partition("=")[2]) >= BUILD_WAIT_SECONDS + flush + microphone
    # The server's unit gave it 20 s: its open turns' grace, then a reload under way.
    served = (ROOT / "deploy" / "knotvoice-serve.service").read_text()
    (stop,) = [line for line in served.splitlines() if line.startswith("TimeoutStopSec=")]
    assert float(stop.partition("=")[2]) >= BUILD_WAIT_SECONDS + STOP_GRACE_SECONDS


def read_events(kiosk: subprocess.Popen[str]) -> queue.Queue[dict[str, Any]]:
    """The events ``knotvoice listen --json`` prints, as they come (read on a thread)."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()

    def read() -> None:
        assert kiosk.stdout is not None
        for line in kiosk.stdout:
            events.put(json.loads(line))

    threading.Thread(target=read, daemon=True).start()
    return events


def wait_for(
    events: queue.Queue[dict[str, Any]], seen: list[dict[str, Any]], kind: str, seconds: float
) -> dict[str, Any]:
    """The next event of ``kind``, every event until it added to ``seen``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            event = events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"no {kind} in {seconds:g} s, after {[e['event'] for e in seen]}")
        seen.append(event)
        if event["event"] == kind:
            return event


@pytest.mark.model
def test_a_reply_that_cannot_be_rendered_costs_one_turn_and_sigterm_still_stops(
    tmp_path: Path,
) -> None:
    """With no room in the temporary folder, the question's reply fails in one error and the
    kiosk listens on; once there is room, the next question is answered; SIGTERM stops it at
    once, its status saying so. (The reply hung, the kiosk with it, and SIGTERM did nothing.)"""
    devices = write_config(tmp_path)
    question = join(read_audio(DEMO))
    gap = np.zeros(16000 * 300, dtype=np.float32)  # read in a few seconds
    devices.write_input(
        np.concatenate([np.zeros(16000 * 2, np.float32), question, gap, question, gap]),
        16000,
        DEFAULT_RATE,
    )
    log_dir = tmp_path / "log"
    (tmp_path / "models").mkdir()
    seen: list[dict[str, Any]] = []
    with small_folder(tmp_path / "small") as folder, (tmp_path / "stderr").open("w") as errors:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "ALSA_CONFIG_PATH": str(devices.config),
            "TMPDIR": str(folder.path),
            "KNOTVOICE_MODELS": str(tmp_path / "models"),  # no reply rendered before
        }
        kiosk = subprocess.Popen(
            [sys.executable, "-m", "knotvoice", "listen", "--json", "--log-dir", str(log_dir),
             "--input-device", MIC, "--output-device", SPEAKER],
            stdout=subprocess.PIPE, stderr=errors, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        try:
            events = read_events(kiosk)
            failed = wait_for(events, seen, "error", 120.0)
            folder.make_room()
            wait_for(events, seen, "reply_finished", 60.0)
            kiosk.send_signal(signal.SIGTERM)
            returncode = kiosk.wait(timeout=5)
        finally:
            kiosk.kill()
            kiosk.wait()
    assert (failed["stage"], returncode) == ("synthesizer", 0)
    assert "No space left on device" in failed["message"]
    decisions = [(e["decision"], e["entry"]) for e in seen if e["event"] == "decision"]
    assert decisions == [("answer", "massage-how-often")] * 2
    assert [e["event"] for e in seen].count("reply_started") == 1
    status = json.loads((log_dir / "status.json").read_text())
    assert (status["turns"], status["errors"]) == (2, 1)
    assert status["stopped"] is not None, "`knotvoice status` says at once that it stopped"


@pytest.mark.model
def test_ask_says_in_one_line_that_the_reply_could_not_be_saved(tmp_path: Path) -> None:
    with small_folder(tmp_path / "small") as folder:
        result = subprocess.run(
            [sys.executable, "-m", "knotvoice", "ask", "--no-speak",
             "--save-reply", str(tmp_path / "reply.wav"), "how often should I massage a knot"],
            capture_output=True, text=True, timeout=240, cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TMPDIR": str(folder.path)},
        )  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "No space left on device" in line
    assert f"{folder.path}: free space there or set TMPDIR" in line
    assert not (tmp_path / "reply.wav").exists()


@pytest.mark.parametrize(
    "command", [["screen", "127.0.0.1:0"], ["serve", "--uri", "tcp://127.0.0.1:0"]]
)
def test_a_reload_asked_while_the_kiosk_loads_is_done_not_fatal(
    tmp_path: Path, command: list[str]
) -> None:
    """`systemctl reload` (SIGHUP) after an edit, while the kiosk or the server still loaded
    (minutes on a Pi with a new file), ended it without a word: SIGHUP's own action."""
    log = tmp_path / "log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", *command, "--json", "--log-dir", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        for _ in range(1200):
            if (log / "status.json").is_file():
                process.send_signal(signal.SIGHUP)  # as it loads
                break
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.1)
        # Ready: its own SIGTERM handler is set (a SIGTERM before it is systemd's 143, below).
        wait_for(read_events(process), [], "screen" if command[0] == "screen" else "serving", 120)
        status = json.loads((log / "status.json").read_text())
        assert "@" in str(status.get("knowledge")), status
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.stderr is not None
    err = process.stderr.read()
    assert process.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["knotvoice.service", "knotvoice-serve.service"])
def test_systemd_takes_a_stop_while_the_kiosk_loads_for_a_clean_one(name: str) -> None:
    """A SIGTERM before the kiosk or the server has set its own handler (while it loads its
    models) ends it with status 143: without it among the unit's success statuses,
    `systemctl stop` or a restart then left the unit failed (the server's unit did)."""
    from knotvoice.cli import EXIT_TERMINATED

    unit = (ROOT / "deploy" / name).read_text()
    statuses = [
        status
        for line in unit.splitlines()
        if line.startswith("SuccessExitStatus=")
        for status in line.partition("=")[2].split()
    ]
    assert str(EXIT_TERMINATED) in statuses
