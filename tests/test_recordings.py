"""Keeping the questions' audio (``--keep-audio DAYS``): what is saved, how it is named and
found from its turn line, when it is deleted, and that nothing is saved unless asked."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knotvoice.asr import Transcript
from knotvoice.audio import RATE, AudioChunk, read_audio
from knotvoice.cli import main
from knotvoice.journal import Journal, read_turns
from knotvoice.kiosk.events import Decided, Event, Heard, ReplyStarted
from knotvoice.kiosk.logbook import Logbook
from knotvoice.kiosk.loop import listen
from knotvoice.kiosk.quiet import Mute
from knotvoice.knowledge import Knowledge
from knotvoice.match.matcher import Matcher
from knotvoice.recordings import AUDIO, Recordings
from knotvoice.settings import ListenSettings, SettingsError, build_settings
from knotvoice.turn import Dialogue

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "audio_fixtures" / "demo" / "how-often-massage.wav"
QUESTION = "how often should you massage a knot"
NAME = re.compile(r"question-\d{8}T\d{6}\.\d{3}Z\.wav")
DAY = 86400.0


@pytest.fixture(scope="module")
def spoken() -> tuple[AudioChunk, ...]:
    """A recorded question, as 16 kHz mono 16-bit chunks (what the recognizer is given)."""
    return tuple(read_audio(DEMO))


def ask(book: Logbook, audio: tuple[AudioChunk, ...], at: float, wall: float | None = None) -> None:
    """One spoken question through the logbook: heard, answered, the reply started."""
    wall = time.time() if wall is None else wall
    book(Heard(at, QUESTION, at - 1.0, audio=audio, wall=wall))
    book(Decided(at, "answer", "massage-how-often", QUESTION, "Daily.", 0.93))
    book(ReplyStarted(at + 0.1, "Daily.", 1.0, 5.0, 250.0))


def wav_of(path: Path) -> tuple[int, int, int, bytes]:
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), frames


# --- saving and naming ----------------------------------------------------------------------


def test_a_spoken_question_is_saved_and_its_turn_line_names_the_file(
    tmp_path: Path, spoken: tuple[AudioChunk, ...]
) -> None:
    journal = Journal(tmp_path)
    recordings = Recordings(tmp_path / AUDIO, days=7)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc", recordings)
    now = time.time()
    with recordings.running():
        # The wake phrase alone is no turn: its audio is not kept.
        book(Heard(1.0, "hey kiosk", 0.5, audio=spoken[:5]))
        ask(book, spoken, 4.0, wall=now)
        ask(book, spoken[:10], 8.0, wall=now)  # asked within the same millisecond
        book(Heard(12.0, QUESTION, 12.0, typed=True))
        book(Decided(12.0, "answer", "massage-how-often", QUESTION, "Daily.", 0.93))
        book.close()
    first, second, typed = read_turns(tmp_path)
    assert NAME.fullmatch(first["audio"]) and NAME.fullmatch(second["audio"])
    assert first["audio"] < second["audio"], "one file per question, in the order asked"
    assert "audio" not in typed, "a typed question has no audio"
    assert sorted(path.name for path in (tmp_path / AUDIO).iterdir()) == [
        first["audio"],
        second["audio"],
    ]
    channels, width, rate, frames = wav_of(tmp_path / AUDIO / first["audio"])
    assert (channels, width, rate) == (1, 2, RATE), "16-bit mono wav"
    assert frames == b"".join(chunk.audio for chunk in spoken), "the question as it was heard"
    assert wav_of(tmp_path / AUDIO / second["audio"])[3] == b"".join(
        chunk.audio for chunk in spoken[:10]
    )
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    assert first["audio"].startswith(f"question-{stamp}"), "named by when it was asked (UTC)"


def test_nothing_is_saved_unless_asked(tmp_path: Path, spoken: tuple[AudioChunk, ...]) -> None:
    assert build_settings({}, {}).listen.keep_audio_days is None, "keep nothing by default"
    book = Logbook(Journal(tmp_path), "whisper", lambda: "faq.yaml@abc")
    ask(book, spoken, 4.0)
    book.close()
    (line,) = read_turns(tmp_path)
    assert "audio" not in line
    kept = {path.name for path in tmp_path.rglob("*")}
    assert kept - {"status.json.old"} == {"status.json", "turns.jsonl"}, "no audio, no folder"


def test_audio_that_cannot_be_saved_costs_the_audio_and_one_warning_not_the_turn(
    tmp_path: Path,
    spoken: tuple[AudioChunk, ...],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / AUDIO).write_text("a file where the audio's folder should be")
    journal = Journal(tmp_path)
    recordings = Recordings(tmp_path / AUDIO, days=7)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc", recordings)
    with caplog.at_level(logging.WARNING, logger="knotvoice"), recordings.running():
        for number in range(3):
            ask(book, spoken, 4.0 * (number + 1))
        book.close()
    assert len(list(read_turns(tmp_path))) == 3, "every turn is logged"
    assert recordings.failures == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "audio is not kept" in warnings[0].getMessage()
    # `knotvoice status` said nothing of it, where it counts turn log lines not written
    book(Heard(20.0, QUESTION, 19.0))
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    (said,) = [line for line in capsys.readouterr().out.splitlines() if "audio" in line]
    assert said.startswith("audio failures 3 recordings not kept (the last: ")
    assert "cannot be written" in said and "again" not in said
    (tmp_path / AUDIO).unlink()  # room again: the next question's audio is kept
    with recordings.running():
        ask(book, spoken, 24.0)
        book.close()
    book(Heard(28.0, QUESTION, 27.0))
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    (said,) = [line for line in capsys.readouterr().out.splitlines() if "audio" in line]
    assert said.startswith("audio failures 3 recordings not kept") and "kept again since" in said


def test_the_kiosk_never_waits_for_the_disk(tmp_path: Path, spoken: tuple[AudioChunk, ...]) -> None:
    # Nothing writes (no thread is running): the second question finds the queue full.
    recordings = Recordings(tmp_path / AUDIO, days=7, waiting=1)
    book = Logbook(Journal(tmp_path), "whisper", lambda: "faq.yaml@abc", recordings)
    began = time.monotonic()
    ask(book, spoken, 4.0)
    ask(book, spoken, 8.0)
    book.close()
    assert time.monotonic() - began < 5.0
    kept, dropped = read_turns(tmp_path)
    assert NAME.fullmatch(kept["audio"]) and "audio" not in dropped
    assert recordings.failures == 1


# --- deleting -------------------------------------------------------------------------------


def aged(path: Path, days: float, now: float, keep: bool = False) -> Path:
    """``path`` modified ``days`` ago: written as a stub, or as it is (``keep``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not keep:
        path.write_bytes(b"RIFF")
    os.utime(path, (now - days * DAY, now - days * DAY))
    return path


def test_audio_older_than_the_days_kept_is_deleted_by_its_time_of_modification(
    tmp_path: Path,
) -> None:
    now = time.time()
    folder = tmp_path / AUDIO
    old = aged(folder / "question-20260101T000000.000Z.wav", 7.5, now)
    # Named as new, but modified long ago: the time of modification decides.
    renamed = aged(folder / "question-20991231T000000.000Z.wav", 30, now)
    left_over = aged(folder / "question-20260101T000001.000Z.wav.partial", 8, now)
    recent = aged(folder / "question-20260102T000000.000Z.wav", 6.5, now)
    someone_elses = aged(folder / "notes.wav", 30, now)
    assert Recordings(folder, days=7).prune(now) == 3
    assert not old.exists() and not renamed.exists() and not left_over.exists()
    assert recent.exists(), "kept for the days asked"
    assert someone_elses.exists(), "only the files it wrote are deleted"
    assert Recordings(tmp_path / "none", days=7).prune(now) == 0, "no folder yet: nothing to do"


def test_audio_recorded_before_the_clock_was_set_is_kept_its_days_from_when_it_was_set(
    tmp_path: Path,
) -> None:
    """A Pi with no clock of its own records its first questions in 1970; once it was told
    the time, the next look deleted them as decades old, minutes after they were asked."""
    folder = tmp_path / AUDIO
    folder.mkdir()
    booted = 3 * DAY  # the clock not yet set, three days after it started from 1970
    before = folder / "question-19700104T000000.000Z.wav"
    before.write_bytes(bytes(1000))
    os.utime(before, (booted, booted))
    recordings = Recordings(folder, days=7)
    assert recordings.prune(booted + 60) == 0, "kept while the clock is still unset"

    now = time.time()
    assert recordings.prune(now) == 0
    assert before.exists(), "kept once the clock is set"
    assert recordings.prune(now + 6 * DAY) == 0, "kept the days asked, from when the clock was set"
    assert recordings.prune(now + 8 * DAY) == 1
    assert not before.exists()


def test_audio_beyond_the_bytes_kept_at_most_is_deleted_oldest_first(tmp_path: Path) -> None:
    """Within its days, a busy kiosk's audio had no bound: a small SD card could fill with
    it. Beyond the bytes kept at most, the oldest files go first."""
    now = time.time()
    folder = tmp_path / AUDIO
    folder.mkdir()

    def kept(name: str, days: float, size: int) -> Path:
        (folder / name).write_bytes(bytes(size))
        return aged(folder / name, days, now, keep=True)

    files = [kept(f"question-2026010{n}T000000.000Z.wav", 5 - n, 1000) for n in range(5)]
    someone_elses = kept("notes.wav", 6, 5000)
    assert Recordings(folder, days=7, at_most=2500).prune(now) == 3
    assert [path.exists() for path in files] == [False, False, False, True, True]
    assert someone_elses.exists(), "only the files it wrote are counted and deleted"
    assert Recordings(folder, days=7, at_most=2500).prune(now) == 0
    assert Recordings(folder, days=7).at_most == 1_000_000_000, "1 GB unless asked"


def test_audio_kept_before_the_setting_was_taken_out_is_pointed_out_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Visitors' voices kept while ``--keep-audio`` was given would stay for good once it is
    taken out: the kiosk says at start where they are and how to have them go."""
    log_dir = tmp_path / "log"
    aged(log_dir / AUDIO / "question-20260101T000000.000Z.wav", 30, time.time())
    aged(log_dir / AUDIO / "question-20260101T000001.000Z.wav", 3, time.time())
    broken = tmp_path / "faq.yaml"  # the start goes no further than the knowledge file
    broken.write_text("entries: [\n")
    listen = ["listen", "--knowledge", str(broken), "--log-dir", str(log_dir)]
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert main(listen) == 1
    said = [r.getMessage() for r in caplog.records if "kept before, are still" in r.getMessage()]
    # not "2 questions": a "yes" or "say that again" is kept too, and `report` counts questions
    assert said == [
        f"2 recordings of what visitors said, kept before, are still in {log_dir / AUDIO}, and with no "
        f"--keep-audio nothing deletes it: delete it (rm {log_dir / AUDIO}/question-*) or give "
        "--keep-audio DAYS to have it deleted after DAYS days"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert main([*listen, "--keep-audio", "7"]) == 1
    assert not [r for r in caplog.records if "kept before, are still" in r.getMessage()]


class Counted(Recordings):
    """Recordings that count the looks for old files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prunes = 0
        self.pruned = threading.Event()

    def prune(self, now: float | None = None, at_most: int | None = None) -> int:
        deleted = super().prune(now, at_most)
        self.prunes += 1
        self.pruned.set()
        return deleted


def test_the_bytes_kept_at_most_hold_as_questions_are_written_not_once_an_hour(
    tmp_path: Path, spoken: tuple[AudioChunk, ...]
) -> None:
    """With a cap of 1 MB, 4 minutes of talk left 2.7 MB until the hourly look; and a file
    half-written at a power cut (hidden) was never counted nor deleted."""
    folder = tmp_path / AUDIO
    folder.mkdir()
    size = len(b"".join(chunk.audio for chunk in spoken)) + 44
    left = aged(folder / ".question-20260101T000000.000Z.wav.partial", 10, time.time())
    recordings = Recordings(folder, days=7, at_most=3 * size)
    with recordings.running():
        for number in range(8):
            assert recordings.keep(spoken, time.time() + number) is not None
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 3 and all(NAME.fullmatch(name) for name in kept), kept
    assert not left.exists()


def test_old_audio_is_deleted_at_start_and_then_once_an_hour(
    tmp_path: Path, spoken: tuple[AudioChunk, ...]
) -> None:
    folder = tmp_path / AUDIO
    now = time.time()
    at_start = aged(folder / "question-20260101T000000.000Z.wav", 10, now)
    recordings = Counted(folder, days=7)
    with recordings.running():
        assert recordings.pruned.wait(10.0)
        assert not at_start.exists(), "deleted at start"
        later = aged(folder / "question-20260101T000001.000Z.wav", 10, now)
        for number in range(3):
            assert recordings.keep(spoken, now + number) is not None
    assert recordings.prunes == 1, "not looked for again within the hour, however many are saved"
    assert later.exists()
    assert len(list(folder.glob("question-*.wav"))) == 4

    often = Counted(folder, days=7, prune_every=0.05)
    with often.running():
        for _ in range(200):
            if often.prunes >= 3:
                break
            time.sleep(0.05)
    assert often.prunes >= 3 and not later.exists(), "looked for again once the hour is over"


# --- the settings ---------------------------------------------------------------------------


def test_keep_audio_comes_from_the_flag_or_the_listen_table(tmp_path: Path) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text("[listen]\nkeep_audio = 30\n")
    assert build_settings({}, {}, config).listen.keep_audio_days == 30.0
    assert build_settings({"keep_audio": 0.5}, {}, config).listen.keep_audio_days == 0.5


def test_the_megabytes_of_audio_kept_come_from_the_flag_or_the_listen_table(
    tmp_path: Path,
) -> None:
    """The bytes kept at most were fixed: an operator with a smaller card could not lower
    them, nor one keeping a month of a busy kiosk raise them."""
    config = tmp_path / "knotvoice.toml"
    config.write_text("[listen]\nkeep_audio = 30\nkeep_audio_mb = 200\n")
    assert build_settings({}, {}).listen.keep_audio_mb is None  # 1,000 MB
    assert build_settings({}, {}, config).listen.keep_audio_mb == 200.0
    assert build_settings({"keep_audio_mb": 50}, {}, config).listen.keep_audio_mb == 50.0
    with pytest.raises(SettingsError, match="--keep-audio-mb must be a number of megabytes"):
        build_settings({"keep_audio_mb": 0}, {})
    config.write_text("[listen]\nkeep_audio_mb = 'lots'\n")
    with pytest.raises(SettingsError, match="keep_audio_mb must be a number of megabytes"):
        build_settings({}, {}, config)


@pytest.mark.parametrize("days", [0, -3, "soon", "nan", "inf"])
def test_a_bad_number_of_days_says_what_to_give(days: object) -> None:
    with pytest.raises(SettingsError, match="--keep-audio must be"):
        build_settings({"keep_audio": days}, {})


# --- the loop hands the logbook what the recognizer heard -----------------------------------


class Hearing:
    """A recognizer stand-in at the loop's seam: hears the question in any speech, and
    keeps what it was given."""

    name = "fake"
    streaming = True

    def __init__(self) -> None:
        self.given: list[AudioChunk] = []

    def stream(self) -> Hearing:
        return self

    def accept(self, chunk: AudioChunk) -> None:
        self.given.append(chunk)

    def partial(self) -> str:
        return ""

    def settle(self) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript(QUESTION, engine=self.name)

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return self.finish()

    def spotter(self, words: Sequence[str]) -> Hearing:
        return Hearing()

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        pass

    def expect(self, answers: str) -> None:
        return None


class Once:
    """A microphone that plays a clip once, then silence."""

    def __init__(self, chunks: Sequence[AudioChunk], silence_seconds: float) -> None:
        quiet = AudioChunk(bytes(len(chunks[0].audio)))
        self._chunks = [*chunks, *[quiet] * round(silence_seconds / quiet.seconds)]
        self._position = 0

    def open(self, rescan: bool = False) -> None:
        return None

    def read(self) -> AudioChunk:
        chunk = self._chunks[min(self._position, len(self._chunks) - 1)]
        self._position += 1
        return AudioChunk(chunk.audio, timestamp=(self._position - 1) * chunk.seconds)

    def close(self) -> None:
        return None


class Silent:
    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        return [AudioChunk(bytes(RATE))]


def test_the_kiosk_keeps_what_the_recognizer_heard_of_a_spoken_question(
    tmp_path: Path, spoken: tuple[AudioChunk, ...], knowledge: Knowledge
) -> None:
    journal = Journal(tmp_path)
    recordings = Recordings(tmp_path / AUDIO, days=7)
    book = Logbook(journal, "fake", lambda: "faq.yaml@abc", recordings)
    events: list[Event] = []
    recognizer = Hearing()

    def show(event: Event) -> None:
        events.append(event)
        book(event)

    stop = threading.Event()
    watchdog = threading.Timer(60.0, stop.set)
    watchdog.start()
    try:
        with recordings.running():
            listen(
                ListenSettings(max_turns=1, idle_exit_seconds=10.0),
                recognizer,
                Dialogue(Matcher(knowledge, cache_dir=tmp_path / "cache")),
                Silent(),
                show,
                microphone=Once(spoken, silence_seconds=12.0),
                speaker=Mute(),
                stop=stop,
            )
            book.close()
    finally:
        watchdog.cancel()
    assert not stop.is_set(), "the loop ended by itself"
    heard = next(e for e in events if isinstance(e, Heard))
    assert heard.accepted and heard.audio
    assert "audio" not in heard.to_dict() and json.dumps(heard.to_dict()), "no audio in --json"
    (line,) = read_turns(tmp_path)
    assert line["heard"] == QUESTION and NAME.fullmatch(line["audio"])
    frames = wav_of(tmp_path / AUDIO / line["audio"])[3]
    # The recognizer settled in the pause that ended the question: it was given the
    # utterance up to there, and the recording holds the rest of that pause too.
    given = b"".join(chunk.audio for chunk in recognizer.given)
    assert given and frames.startswith(given)
    rest = np.frombuffer(frames[len(given) :], dtype="<i2")
    assert np.abs(rest).max(initial=0) < 300, "only the silence after the question is left out"
    seconds = len(frames) / (2 * RATE)
    clip = sum(chunk.seconds for chunk in spoken)
    assert heard.at - heard.start <= seconds <= clip + 1.0, "the utterance, not the whole clip"
