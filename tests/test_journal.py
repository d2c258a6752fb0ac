"""The turn log, the status and what the operator reads from them."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from alsa_devices import MIC, file_devices
from knotvoice import journal as journal_module
from knotvoice.cli import main
from knotvoice.journal import Journal, default_log_dir, read_status, read_turns
from knotvoice.kiosk.events import (
    Decided,
    Failed,
    Heard,
    Listening,
    ReplyFinished,
    ReplyStarted,
    WorksAgain,
)
from knotvoice.kiosk.logbook import Logbook
from knotvoice.report import by_day, page, parse_since, summarize
from knotvoice.systemd import Notifier
from small_disk import read_only_folder


def turn(
    question: str, decision: str, entry: str | None, reply_ms: float = 300.0
) -> dict[str, object]:
    return {
        "question": question,
        "heard": question,
        "decision": decision,
        "entry": entry if decision != "reject" else None,
        "closest": entry,
        "reply_ms": reply_ms,
    }


def test_every_turn_is_one_line_and_the_log_stays_bounded(tmp_path: Path) -> None:
    journal = Journal(tmp_path, max_bytes=2_000, keep_files=3)
    for number in range(200):
        assert journal.write(turn(f"question number {number}", "answer", "e"))
    files = list(tmp_path.glob("turns*.jsonl"))
    assert len(files) <= 4, "the current file and at most three rotated ones"
    assert sum(f.stat().st_size for f in files) <= 4 * 2_000
    kept = list(read_turns(tmp_path))
    assert kept[-1]["question"] == "question number 199"
    assert [t["question"] for t in kept] == sorted(
        (t["question"] for t in kept), key=lambda q: int(str(q).split()[-1])
    ), "oldest first across rotated files"


def test_a_turn_with_text_that_was_not_utf8_is_logged(tmp_path: Path) -> None:
    """A heard text holding a lone surrogate made writing its line fail: the turn was not
    logged, and the screen's view failed until the next question."""
    journal = Journal(tmp_path)
    assert journal.write(turn("caf\udce9 open?", "reject", None))
    assert journal.write(turn("is the cafe open?", "answer", "cafe"))
    assert [t["question"] for t in read_turns(tmp_path)] == [
        "caf\udce9 open?",
        "is the cafe open?",
    ]
    assert journal.status.log_failures == 0


def test_a_clock_set_back_keeps_the_newest_turns_when_the_log_rotates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Pi without a real-time clock that lost power starts with the time it last saved
    (up to an hour back): the log rotated then still deletes its oldest file, not the newest."""
    journal = Journal(tmp_path, max_bytes=2_000, keep_files=3)
    for number in range(60):
        journal.write(turn(f"question number {number}", "answer", "e"))
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() - 3600 * 10**9)
    for number in range(60, 80):
        journal.write(turn(f"question number {number}", "answer", "e"))
    numbers = [int(str(t["question"]).split()[-1]) for t in read_turns(tmp_path)]
    assert numbers == list(range(numbers[0], 80)), "the newest turns, oldest first, none lost"


def test_a_log_that_cannot_be_written_costs_one_warning_not_a_turn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "full"
    blocked.write_text("a file where the log's folder should be")
    journal = Journal(blocked)
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        for _ in range(5):
            assert not journal.write(turn("where is it", "answer", "e"))
    assert len([r for r in caplog.records if "cannot be written" in r.getMessage()]) == 1
    assert journal.status.turns == 5 and journal.status.log_failures == 5


def test_a_full_disk_where_a_line_fits_now_and_then_gives_one_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    journal = Journal(tmp_path)
    real_write = os.write

    def no_space(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    with caplog.at_level(logging.INFO, logger="knotvoice"):
        for room in (True, False, True, False, False, True, False, True):
            monkeypatch.setattr(os, "write", real_write if room else no_space)
            assert journal.write(turn("where is it", "answer", "e")) is room
    said = [record.getMessage() for record in caplog.records]
    assert sum("cannot be written" in line for line in said) == 1
    assert sum("written again" in line for line in said) == 1
    assert journal.status.log_failures == 4
    # `knotvoice status` says why, and that it is written again
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert (
        "log failures  4 turns could not be written (the disk is full; written again since)"
    ) in capsys.readouterr().out.splitlines()
    monkeypatch.setattr(os, "write", no_space)
    assert not journal.write(turn("where is it", "answer", "e"))
    monkeypatch.setattr(os, "write", real_write)
    journal.update(microphone="listening")
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert (
        "log failures  5 turns could not be written (the disk is full)"
    ) in capsys.readouterr().out.splitlines()


def test_a_full_disk_with_room_for_turn_lines_but_no_new_file_keeps_the_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    journal.write(turn("first", "answer", "e"))
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        # Appending to the turn log fits in the room its file holds; a new file needs more.
        if os.fstat(fd).st_size == 0:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    monkeypatch.setattr(journal_module, "REUSE_SECONDS", 0.0)
    with caplog.at_level(logging.INFO, logger="knotvoice"):
        for number in range(5):
            assert journal.write(turn(f"question {number}", "answer", "e"))
    assert not caplog.records
    status = read_status(tmp_path)
    assert status is not None and status.turns == 6 and status.running()
    assert main(["status", "--log-dir", str(tmp_path)]) == 0


def test_a_status_that_cannot_be_written_costs_one_warning_until_it_is_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    real_open = os.open

    def no_status(path: Any, flags: int, mode: int = 0o777) -> int:
        if "status" in str(path):
            raise OSError(28, "No space left on device")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", no_status)
    monkeypatch.setattr(journal_module, "REUSE_SECONDS", 0.0)
    with caplog.at_level(logging.INFO, logger="knotvoice"):
        for _ in range(5):
            journal.beat(every=0.0)
        monkeypatch.setattr(os, "open", real_open)
        journal.beat(every=0.0)
        journal.beat(every=0.0)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            "the status cannot be written ([Errno 28] No space left on device); "
            "`knotvoice status` will call the kiosk stale",
        ),
        ("INFO", "the status is written again"),
    ]


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    Journal(tmp_path).write(turn("first", "answer", "e"))
    with (tmp_path / "turns.jsonl").open("a") as handle:
        handle.write('{"question": "cut sh')
    assert [t["question"] for t in read_turns(tmp_path)] == ["first"]


def test_the_first_turn_after_a_power_cut_is_not_lost_with_the_line_cut_short(
    tmp_path: Path,
) -> None:
    """A power cut mid-line leaves it without its newline (or as zeros, on ext4): the kiosk,
    started again, begins its first turn on a line of its own."""
    Journal(tmp_path).write(turn("first", "answer", "e"))
    with (tmp_path / "turns.jsonl").open("ab") as handle:
        handle.write(b'{"question": "cut sh\0\0\0')
    Journal(tmp_path).write(turn("after the power cut", "answer", "e"))
    assert [t["question"] for t in read_turns(tmp_path)] == ["first", "after the power cut"]


def test_a_line_cut_inside_a_letter_costs_that_line_not_the_file(tmp_path: Path) -> None:
    """A crash half-way through a letter of two bytes (``é``) leaves bytes that are no text:
    the report skips that line and still counts every other turn of the file."""
    journal = Journal(tmp_path)
    journal.write(turn("first", "answer", "e"))
    with (tmp_path / "turns.jsonl").open("ab") as handle:
        handle.write('{"question": "caf\u00e9'.encode()[:-1] + b"\n")
    journal.write(turn("second", "answer", "e"))
    journal.write(turn("pasted\u2028on the screen\x1c", "answer", "e"))
    assert [t["question"] for t in read_turns(tmp_path)] == [
        "first",
        "second",
        "pasted\u2028on the screen\x1c",
    ], "a line ends at its newline only"


def test_a_year_of_turns_takes_the_report_no_more_memory_than_a_week(tmp_path: Path) -> None:
    """The turn log keeps up to 200,000 turns, and `knotvoice report --since 365d` (and the
    screen's /report, inside the kiosk) reads them all. It counts them as it reads, a line at
    a time, and keeps what it groups (each wording once), not the turns: 1,600 bytes a turn
    when it held them, 493 MB for a year's."""
    line = {
        "probability": 0.2,
        "asr_ms": 120.0,
        "match_ms": 4.0,
        "tts_ms": 30.0,
        "ahead": True,
        "hearings": ["where can I part", "wear can I park", "where can eye park"],
        "engine": "whisper",
        "knowledge": "railway.yaml@3f9c1a20be",
        "knowledge_file": "/srv/knotvoice/knowledge/railway-station-faq.yaml",
        "audio": "question-20261129T143012.480Z.wav",
    }
    wordings = [
        turn("where can I park", "reject", "parking"),
        turn("is there a lift to platform two", "confirm", "lifts"),
        turn("when is the next train to York", "answer", "times"),
    ]

    def peak(count: int) -> int:
        directory = tmp_path / str(count)
        directory.mkdir()
        now = time.time()
        with (directory / "turns.jsonl").open("w", encoding="utf-8") as handle:
            for number in range(count):
                asked = {**wordings[number % 3], **line, "time": now - number}
                handle.write(json.dumps(asked) + "\n")
        tracemalloc.start()
        try:
            assert main(["report", "--log-dir", str(directory), "--json"]) == 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    week, year = peak(2_000), peak(20_000)
    # The reply latencies are kept, for the p50 and p95 (8 bytes a turn, twice when sorted);
    # the rest of the margin is for the interpreter's own tables.
    assert (year - week) / 18_000 < 150, f"{(year - week) / 18_000:.0f} bytes a turn"


def test_questions_that_share_only_their_little_words_are_not_grouped() -> None:
    """The report groups the questions it could not answer by their words, so the operator
    adds one wording for many visitors. "Where is the toilet?" and "Where is the lift?" are
    two questions: grouped, the operator would read one and not the other. "Is there a
    toilet?" asks of the toilet too, and is on its line."""
    turns = [
        turn("where is the toilet", "reject", "facilities"),
        turn("where are the toilets", "reject", "facilities"),
        turn("the toilet, where is it please", "reject", "facilities"),
        turn("where is the toilet", "confirm", "facilities"),
        turn("where is the lift", "reject", "facilities"),
        turn("what is the price", "reject", "fares"),
        turn("what's the time", "reject", "times"),
        turn("what's your name", "reject", None),
        turn("is there a cafe", "reject", None),
        turn("is there a toilet", "reject", "facilities"),
        turn("how much is parking", "reject", "fares"),
        turn("how much is printing", "reject", "fares"),
    ]
    asked = summarize(turns).top_unanswered
    assert asked[0].count == 5, [a.question for a in asked]
    assert asked[0].question == "where is the toilet"
    assert sorted(a.question for a in asked[1:]) == [
        "how much is parking",
        "how much is printing",
        "is there a cafe",
        "what is the price",
        "what's the time",
        "what's your name",
        "where is the lift",
    ]


def test_a_question_answered_since_it_was_turned_away_is_not_listed() -> None:
    """Turned away once while a file cut short was loaded, then answered four times from
    the mended one, "how often should I get a massage" was listed "far off: likely outside
    the FAQ", with a command to add it. One turned away after its last answer is listed."""
    turns = [
        turn("how often should I get a massage", "answer", "massage-how-often"),
        turn("how often should I get a massage", "reject", "self-release"),
        turn("How often should I get a massage?", "answer", "massage-how-often"),
        turn("is a knot dangerous", "answer", "danger"),
        turn("is a knot dangerous", "reject", "danger"),
        turn("where is the lift", "reject", "facilities"),
    ]
    asked = summarize(turns).top_unanswered
    assert [a.question for a in asked] == ["is a knot dangerous", "where is the lift"]
    # answered only as leaning on the answer before it, its words alone still go unanswered
    leaning = {**turn("how much is it", "answer", "parking"), "leaned": True}
    turns = [turn("how much is it", "reject", "prices"), leaning]
    assert [a.question for a in summarize(turns).top_unanswered] == ["how much is it"]


def test_a_word_spelt_with_or_without_its_accent_is_one_word_to_the_report() -> None:
    """Whisper writes "café" as often as "cafe": the operator sees one question, not two
    that read alike; letters of other scripts keep their marks ("が" is not "か")."""
    turns = [
        turn("where is the café", "reject", "cafe"),
        turn("where is the cafe", "reject", "cafe"),
        turn("where's the Café?", "reject", "cafe"),
        turn("where is the lift", "reject", "facilities"),
        turn("かぎ", "reject", None),
        turn("がき", "reject", None),
    ]
    asked = summarize(turns).top_unanswered
    assert (asked[0].question, asked[0].count) == ("where is the café", 3)
    assert sorted(a.question for a in asked[1:]) == ["where is the lift", "かぎ", "がき"]


def test_a_log_of_more_words_than_there_are_letters_is_still_reported() -> None:
    """Each word a question is compared by stands for one character, and there are about a
    million: a log that holds more distinct words (text typed to ``knotvoice serve``, say)
    is reported, and its questions grouped as any other, not a traceback."""

    def made_up(count: int, start: int) -> str:
        spellings = itertools.product("bcfhjkmnpqtvwxz", repeat=6)
        return " ".join(
            f"k{''.join(s)}o" for s in itertools.islice(spellings, start, start + count)
        )

    turns = [
        turn("where is the toilet", "reject", "facilities"),
        turn(made_up(1_000_000, 0), "reject", None),
        turn(made_up(60_000, 1_000_000), "reject", None),
        turn("where are the toilets", "reject", "facilities"),
        turn("where is the lift", "reject", "facilities"),
    ]
    asked = summarize(turns).top_unanswered
    assert (asked[0].question, asked[0].count) == ("where is the toilet", 2)
    assert sorted(a.count for a in asked) == [1, 1, 1, 2]


def test_a_line_that_is_no_turn_of_this_log_is_skipped_by_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines edited by hand or written by another program (a time that is no number, a
    latency or likelihood in words) were a traceback in `knotvoice report` and on /report."""
    journal = Journal(tmp_path)
    journal.write(turn("where can I park", "reject", "parking"))
    journal.write(turn("how often", "answer", "often"))
    with (tmp_path / "turns.jsonl").open("a") as handle:
        for odd in (
            {"time": "yesterday", "decision": "answer"},
            {"time": None, "decision": "answer"},
            {"time": float("inf"), "decision": "answer"},
            {**turn("is it bad", "answer", "e"), "time": time.time(), "reply_ms": "slow"},
            {**turn("car park", "reject", "parking"), "time": time.time(), "probability": "x"},
        ):
            handle.write(json.dumps(odd) + "\n")
    assert [t["question"] for t in read_turns(tmp_path) if "question" in t] == [
        "where can I park",
        "how often",
        "is it bad",
        "car park",
    ]
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "questions     4" in printed and "p50 300 ms" in printed
    assert by_day(read_turns(tmp_path))[0].answered == 2


@pytest.mark.parametrize(
    "text",
    ["[1, 2]", '{"updated": "x"}', '{"pid": "abc", "started": 1, "updated": 1}', '"ok"'],
)
def test_a_status_file_knotvoice_did_not_write_is_no_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """Another program's status.json (or one edited by hand) is no status: `knotvoice
    status` says there is none, and a kiosk starts there, where both were a traceback."""
    (tmp_path / "status.json").write_text(text, encoding="utf-8")
    assert read_status(tmp_path) is None
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(
        f"knotvoice: error: {tmp_path / 'status.json'} is no status a kiosk wrote, or one left "
        "damaged (a power cut as it was written?); a kiosk running there writes it anew"
    )
    Journal(tmp_path).claim()
    status = read_status(tmp_path)
    assert status is not None and status.pid == os.getpid()


def test_a_turn_that_fails_after_it_was_heard_is_logged_as_failed(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc")
    book(Heard(2.0, "how often do I massage it", 1.0))
    book(Decided(2.0, "answer", "often", "how often do I massage it", "Daily.", 0.93))
    book(Failed(2.1, "speaker", "audio device 1 'usb' is gone"))
    book(Heard(9.0, "what time is it", 8.0))
    book(Failed(9.0, "dialogue", "matcher exploded"))
    book(Heard(12.0, "where do knots come from", 11.0))
    book(Decided(12.0, "answer", "causes", "where do knots come from", "Stress.", 0.9))
    book(ReplyStarted(12.1, "Stress.", 1.0, 5.0, 250.0))
    book.close()
    unplayed, failed, answered = read_turns(tmp_path)
    assert (unplayed["entry"], unplayed["error"]) == (
        "often",
        "speaker: audio device 1 'usb' is gone",
    )
    assert (failed["decision"], failed["heard"]) == ("error", "what time is it")
    assert failed["error"] == "dialogue: matcher exploded"
    assert answered["entry"] == "causes" and "error" not in answered
    assert summarize(read_turns(tmp_path)).turns == 2, "a failure is no question answered"


def test_a_question_answered_as_leaning_on_the_answer_before_is_logged_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knotvoice report` tells a question answered on its own words from one answered as
    leaning on the answer before it ("how much is it?")."""
    book = Logbook(Journal(tmp_path), "whisper", lambda: "faq.yaml@abc")
    book(Heard(2.0, "is there parking", 1.0))
    book(Decided(2.0, "answer", "parking", "is there parking", "Yes.", 0.93))
    book(Heard(6.0, "how much is it", 5.0))
    book(Decided(6.0, "answer", "parking", "how much is it", "Yes.", 0.99, leaned=True))
    book.close()
    alone, leaning = read_turns(tmp_path)
    assert "leaned" not in alone and leaning["leaned"] is True
    # `knotvoice report` reads it: a rejection of the same words before stays listed
    journal = Journal(tmp_path / "again")
    journal.write(turn("how much is it", "reject", "prices"))
    journal.write({**turn("how much is it", "answer", "parking"), "leaned": True})
    assert main(["report", "--log-dir", str(tmp_path / "again")]) == 0
    assert "'how much is it'" in capsys.readouterr().out


def test_a_reply_to_a_did_you_mean_is_logged_as_one(tmp_path: Path) -> None:
    """The turn line said nothing of it: the report guessed from the words."""
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc")
    book(Heard(2.0, "knots", 1.0))
    book(Decided(2.0, "confirm", "causes", "knots", "Did you mean: what causes knots?", 0.5))
    book(Heard(5.0, "Yes, where from?", 4.0))
    decided = Decided(5.0, "answer", "causes", "Yes, where from?", "Stress.", 0.5)
    book(replace(decided, answers_proposal=True))
    book.close()
    assert [t["answers_proposal"] for t in read_turns(tmp_path)] == [False, True]


def test_a_line_cut_short_by_a_full_disk_does_not_take_the_next_one_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path)
    journal.write(turn("first", "answer", "e"))
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        # The disk fills up half-way through the line: part of it is written, then no more.
        monkeypatch.setattr(os, "write", no_space)
        return real_write(fd, data[: len(data) // 2])

    def no_space(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    assert not journal.write(turn("second", "answer", "e"))
    monkeypatch.setattr(os, "write", real_write)  # room again
    assert journal.write(turn("third", "answer", "e"))
    assert [t["question"] for t in read_turns(tmp_path)] == ["first", "third"]
    status = read_status(tmp_path)
    assert status is not None and (status.turns, status.log_failures) == (3, 1)


def test_the_kiosk_s_events_become_turn_lines(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    book = Logbook(
        journal, "whisper", lambda: "faq.yaml@abc", knowledge_file=Path("/srv/kiosk/faq.yaml")
    )
    book(Listening(0.0))
    book(Heard(2.0, "how offen do I massage it", 1.0))
    book(
        Decided(
            2.0,
            "answer",
            "often",
            "how often do I massage it",
            "Daily.",
            0.93,
            120.0,
            8.0,
            hearings=("how often do i massage it",),
            closest="often",
        )
    )
    book(ReplyStarted(2.1, "Daily.", 1.0, 5.0, 250.0))
    book(Heard(9.0, "what time is it", 8.0))
    book(Decided(9.0, "reject", None, "what time is it", "Sorry.", 0.02, closest="often"))
    book(Failed(10.0, "microphone", "gone"))
    book.close()
    answered, rejected = read_turns(tmp_path)
    assert answered["heard"] == "how offen do I massage it"
    assert answered["question"] == "how often do I massage it"
    assert answered["entry"] == "often" and answered["probability"] == 0.93
    assert answered["reply_ms"] == 250.0 and answered["knowledge"] == "faq.yaml@abc"
    assert answered["knowledge_file"] == rejected["knowledge_file"] == "/srv/kiosk/faq.yaml"
    assert answered["hearings"] == ["how often do i massage it"]
    assert rejected["decision"] == "reject" and rejected["closest"] == "often"
    status = read_status(tmp_path)
    assert status is not None
    assert (status.turns, status.errors, status.microphone) == (2, 1, "lost")
    assert status.last_error == "microphone: gone"


def test_the_status_says_whether_a_microphone_listens(tmp_path: Path) -> None:
    # The kiosk on a device, and the screen alone (typed questions, no device).
    for device, microphone in (("0 'USB Audio'", "listening"), ("", "none")):
        journal = Journal(tmp_path / (device or "screen"))
        Logbook(journal, "whisper", lambda: "faq.yaml@abc")(Listening(0.0, "vad", device))
        status = read_status(journal.directory)
        assert status is not None and status.microphone == microphone


def test_the_status_says_whether_the_speaker_has_played(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knotvoice status` showed a speaker line only once the speaker had failed: an operator
    could not tell a kiosk that has said its replies from one that never tried."""
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc")

    def speaker() -> str:
        assert main(["status", "--log-dir", str(tmp_path)]) == 0
        out = capsys.readouterr().out.splitlines()
        (line,) = (line for line in out if line.startswith("speaker "))
        return line

    book(Listening(0.0, "vad", "0 'USB Audio'"))
    assert speaker() == "speaker       no reply played yet"
    book(ReplyStarted(1.0, "Hello.", 1.0))
    book(ReplyFinished(2.0, interrupted=False, frames=22050, rate=22050))
    assert speaker() == "speaker       replies played"
    book(Failed(5.0, "speaker", "audio device 1 'USB Audio' is gone"))
    assert speaker().startswith("speaker       replies played; failing since ")
    assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["speaker"] == "played"
    # replies only shown (no sound device): none to play them on
    shown = Journal(tmp_path / "shown")
    only_shown = Logbook(shown, "whisper", lambda: "faq.yaml@abc")
    only_shown(ReplyStarted(1.0, "Hi.", 1.0, aloud=False))
    status = read_status(shown.directory)
    assert status is not None and status.speaker == "none"
    # its end, when the reply's time has passed, is no reply played ("replies played" was said)
    only_shown(ReplyFinished(2.0, interrupted=False, frames=22050, rate=22050))
    status = read_status(shown.directory)
    assert status is not None and status.speaker == "none"
    # replies written to files (`screen --save-replies`) were "not said aloud", as if lost
    files = Journal(tmp_path / "files")
    to_files = Logbook(files, "whisper", lambda: "faq.yaml@abc", to_files=True)
    to_files(Listening(0.0, "vad", ""))
    to_files(ReplyStarted(1.0, "Hi.", 1.0, aloud=False))
    to_files(ReplyFinished(2.0, interrupted=False, frames=22050, rate=22050))
    assert main(["status", "--log-dir", str(files.directory)]) == 0
    out = capsys.readouterr().out
    assert "\nspeaker       none (replies are written to files: --save-replies)\n" in out


def test_status_says_a_device_works_again_when_and_how_it_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A speaker unplugged and plugged back in was "last error: speaker: ... is gone" in
    `knotvoice status` for ever: an operator reading it a day later thought the kiosk still
    could not speak."""
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc")
    book(Listening(0.0, "vad", "0 'USB Audio'"))
    gone = "audio device 1 'USB Audio' is gone; plug it back in"
    book(Failed(5.0, "speaker", "audio device 1 'USB Audio' stopped working"))
    book(Failed(9.0, "speaker", gone))
    book(Failed(9.5, "microphone", "audio device 0 'USB Mic' is gone"))

    def status() -> str:
        assert main(["status", "--log-dir", str(tmp_path)]) == 0
        return capsys.readouterr().out

    def minute(device: str, field: str) -> str:
        written = read_status(tmp_path)
        assert written is not None
        return time.strftime("%H:%M", time.localtime(getattr(written.devices[device], field)))

    out = status()
    failed = minute("speaker", "failed_at")
    assert f"\nspeaker       no reply played yet; failing since {failed}: {gone}\n" in out
    lost = minute("microphone", "failed_at")
    assert f"\nmicrophone    lost; failing since {lost}: audio device 0 'USB Mic' is gone\n" in out

    def later(seconds: float) -> None:  # time passes (the clock is not set)
        monkeypatch.setattr(time, "time", lambda real=time.time: real() + seconds)
        monkeypatch.setattr(time, "monotonic", lambda real=time.monotonic: real() + seconds)

    later(120.0)
    book(Listening(10.0, "vad", "0 'USB Audio'"))
    book(WorksAgain(10.0, "microphone"))
    book(WorksAgain(12.0, "speaker"))
    book(WorksAgain(13.0, "recognizer"))  # no device: says nothing of one
    out = status()
    back = minute("speaker", "ok_since")
    assert back != failed
    assert (
        f"\nspeaker       no reply played yet; ok since {back} (failed at {failed}: {gone})\n"
        in out
    )
    assert f"\nmicrophone    listening; ok since {minute('microphone', 'ok_since')} " in out
    assert "is gone (2 min ago; working again since then)\n" in out
    # Read a day later, the times say which day.
    later(86400.0)
    journal.beat(every=0.0)  # the kiosk runs on
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400.0))
    assert f"; ok since {day} {back} (failed at {day} {failed}: " in status()
    assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 0
    speaker = json.loads(capsys.readouterr().out)["devices"]["speaker"]
    assert speaker["error"] == gone and speaker["ok_since"] > speaker["failed_at"]


def test_status_keeps_saying_an_edit_is_not_loaded_after_other_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An edit of the knowledge file that did not load was `status`'s last error only until
    any other error came (a question the recognizer could not hear): the operator then read
    a kiosk answering from their edit, which it was not."""
    journal = Journal(tmp_path)
    journal.update(knowledge="faq.yaml@abc")
    refused = "faq.yaml: line 5: entry parking: answer: missing; the kiosk answers from the file as loaded before"
    journal.failed("knowledge", refused)
    journal.failed("recognizer", "whisper: out of memory")

    def status() -> str:
        assert main(["status", "--log-dir", str(tmp_path)]) == 0
        return capsys.readouterr().out

    written = read_status(tmp_path)
    assert written is not None and written.knowledge_error_at is not None
    at = time.strftime("%H:%M", time.localtime(written.knowledge_error_at))
    out = status()
    assert (
        f"\nknowledge     faq.yaml@abc; 0 reloads; the file as it is now is not loaded since {at}: "
        f"{refused}\n" in out
    )
    assert "\nlast error    recognizer: whisper: out of memory" in out
    journal.failed("knowledge", refused.replace("line 5", "line 6"))  # edited, still broken
    assert f"not loaded since {at}: faq.yaml: line 6: " in status()
    stopped = Journal(tmp_path / "stopped")  # a kiosk stopped since: no file "as it is now"
    stopped.failed("knowledge", refused)
    stopped.stop()
    assert main(["status", "--log-dir", str(tmp_path / "stopped")]) == 1
    assert f"; the file did not load at {at}: {refused}\n" in capsys.readouterr().out
    journal.update(knowledge="faq.yaml@def", reloads=1)
    journal.cleared("knowledge")  # fixed, and loaded
    out = status()
    assert "\nknowledge     faq.yaml@def; 1 reload\n" in out and "not loaded" not in out
    # edited by hand into no status: told so, not a traceback
    written = json.loads((tmp_path / "status.json").read_text())
    (tmp_path / "status.json.old").unlink(missing_ok=True)  # no earlier one to fall back on
    for damaged in ({"knowledge_error_at": "yesterday"}, {"knowledge_error": 5}):
        (tmp_path / "status.json").write_text(json.dumps({**written, **damaged}))
        assert read_status(tmp_path) is None, damaged


def test_a_status_with_devices_that_are_not_knotvoice_s_is_no_status(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.failed("speaker", "gone")
    written = json.loads((tmp_path / "status.json").read_text())
    assert written["devices"]["speaker"]["error"] == "gone"
    others: list[object] = [
        [],
        {"speaker": "gone"},
        {"speaker": {"error": "gone", "failed_at": ""}},
    ]
    for devices in others:
        (tmp_path / "status.json").write_text(json.dumps({**written, "devices": devices}))
        assert read_status(tmp_path) is None, devices
    del written["devices"]  # as a kiosk of an earlier version wrote it
    (tmp_path / "status.json").write_text(json.dumps(written))
    status = read_status(tmp_path)
    assert status is not None and status.devices == {}


def test_the_report_groups_questions_worded_alike() -> None:
    turns: list[dict[str, Any]] = [
        turn("where can I park my car", "reject", "parking"),
        turn("where can I park the car please", "reject", "parking"),
        turn("where do I park my car", "confirm", "parking"),
        turn("where can I park", "reject", "parking"),
        turn("is there a cash machine", "reject", None),
        turn("how often do I massage it", "answer", "often", 200.0),
        {"decision": "repeat", "question": "say that again"},
    ]
    summary = summarize(turns)
    assert (summary.turns, summary.answered, summary.confirmed, summary.rejected) == (6, 1, 1, 4)
    first = summary.top_unanswered[0]
    assert first.count == 4 and first.closest == "parking"
    assert "park" in first.question
    assert summary.top_unanswered[1].count == 1
    assert summary.latency_p50_ms == 300.0
    data = summary.to_json()
    assert {"questions", "answered", "confirmed", "rejected", "top_unanswered"} <= data.keys()
    assert "turns" not in data  # the text's "questions", not a status's turns
    assert data["top_unanswered"][0]["count"] == 4


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="reads as a user without root's override of permissions: root and setpriv",
)
def test_a_status_left_damaged_gives_way_to_the_one_before_or_is_told_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A status.json left empty by a power cut was "no kiosk has written one there ...
    give the --log-dir it writes to", as if the folder were the wrong one."""
    from knotvoice.cli import main

    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    journal.update(turns=3)  # the one before it is kept as status.json.old
    for damaged in (b"", b'{"pid": 12', b"\x00" * 40):
        (tmp_path / "status.json").write_bytes(damaged)
        status = read_status(tmp_path)
        assert status is not None and status.microphone == "listening"
    (tmp_path / "status.json.old").unlink()
    assert read_status(tmp_path) is None
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert f"{tmp_path / 'status.json'} is no status a kiosk wrote, or one left damaged" in error
    assert "no kiosk has written one there" not in error


def test_status_and_report_of_a_log_they_may_not_read_say_so(tmp_path: Path) -> None:
    """`status` of a log directory it could not read said "no kiosk has written one there",
    and `report` of a turn log it could not read "questions 0", exit 0."""
    journal = Journal(tmp_path)
    journal.write({"heard": "hi", "question": "hi", "decision": "reject"})
    journal.update(microphone="listening")
    (tmp_path / "turns.jsonl").chmod(0)
    (tmp_path / "status.json").chmod(0)
    without_override = [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
        sys.executable,
        "-m",
        "knotvoice",
    ]

    def run(*args: str, log_dir: Path = tmp_path) -> tuple[int, str]:
        done = subprocess.run(
            [*without_override, *args, "--log-dir", str(log_dir)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stderr

    assert run("report") == (
        1,
        f"knotvoice: error: {tmp_path / 'turns.jsonl'}: cannot read the turn log: no permission "
        "to read it; run this as the kiosk's user, or with sudo\n",
    )
    assert run("status") == (
        1,
        f"knotvoice: error: {tmp_path / 'status.json'}: no permission to read the kiosk's "
        "status; run this as the kiosk's user, or with sudo\n",
    )
    # a log folder it may not open is no folder without a log
    locked = tmp_path / "locked"
    Journal(locked).write({"heard": "hi", "question": "hi", "decision": "reject"})
    locked.chmod(0)
    code, said = run("report", log_dir=locked)
    assert code == 1 and "no permission" in said and "no turn log" not in said, said


def test_the_report_lists_a_question_as_it_was_typed_and_a_long_one_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A question typed at the screen with an emoji was listed with Python's escapes
    ('\\u200d'), and one of 500 characters filled the terminal."""
    journal = Journal(tmp_path)
    typed = "\U0001f486\u200d\u2640\ufe0f wie lösche ich meinen Termin"
    long = "could you tell me " + "and also " * 60 + "where the lockers are"
    for question in (typed, long, "where's the\x1b[2J lift"):
        journal.write({**turn(question, "reject", "gym"), "probability": 0.04})
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"'{typed}' (closest: gym" in out
    assert "'could you tell me and also and also" in out and long not in out
    (cut,) = [line for line in out.splitlines() if "could you tell me" in line]
    assert "\u2026' (closest: gym" in cut and len(cut) < 160
    assert '"where\'s the\\x1b[2J lift" (closest: gym' in out


def test_the_report_groups_questions_that_ask_the_same_thing_in_other_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A week's log held "do you have a swimming pool" three times and "is there a pool"
    twice: the report listed them as two lines, worded too differently to group, and the
    operator could not see that one subject missing from the FAQ came up five times. Read
    for their meaning (the matcher's sentence model), they are one line, with both wordings;
    hiring the pool for a party, which shares its word, is another subject, and so is a
    visitor's no to the did-you-mean of a pool question (no command may add it there)."""

    def far(question: str) -> dict[str, object]:
        return {**turn(question, "reject", "gym"), "probability": 0.04}

    journal = Journal(tmp_path)
    for line in (
        far("do you have a swimming pool"),
        far("is there a pool"),
        {**turn("where can I leave my luggage", "confirm", "luggage"), "probability": 0.7},
        {**turn("yes", "answer", "luggage"), "probability": 0.7},
        far("can I hire the pool for a party"),
        far("do you have a swimming pool"),
        {**turn("where can I leave my suitcase", "confirm", "luggage"), "probability": 0.7},
        {**turn("yes", "answer", "luggage"), "probability": 0.7},
        far("is there a pool"),
        {**turn("is there a pool", "confirm", "gym"), "probability": 0.4},
        {**turn("no", "reject", "gym"), "probability": 0.4},  # as the kiosk logs it
        far("where is the toilet"),
        far("where is the lift"),
        far("do you have a swimming pool"),
        {**turn("where can I leave my luggage", "confirm", "luggage"), "probability": 0.7},
        {**turn("yes", "answer", "luggage"), "probability": 0.7},
    ):
        journal.write(line)
    by_words = {(a.question, a.count) for a in summarize(read_turns(tmp_path)).top_unanswered}
    assert {("do you have a swimming pool", 3), ("is there a pool", 2)} <= by_words
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "questions     12 (of 16 turns logged; not counted: 4 replies to a did-you-mean)" in lines
    )
    listed = lines[lines.index(next(line for line in lines if line.startswith("not answered"))) :]
    assert listed[1:] == [
        "     5x 'do you have a swimming pool' (closest: gym, far off: likely outside the FAQ)",
        "         also asked as 'is there a pool' 2x",
        "     3x 'where can I leave my luggage' (closest: luggage, 70% likely, a visitor chose it)",
        "         also asked as 'where can I leave my suitcase' 1x",
        "         knotvoice knowledge add luggage 'where can I leave my luggage'",
        "     1x 'can I hire the pool for a party' (closest: gym, far off: likely outside the FAQ)",
        "     1x 'is there a pool' (closest: -, the visitor said no to gym)",
        "     1x 'where is the toilet' (closest: gym, far off: likely outside the FAQ)",
        "     1x 'where is the lift' (closest: gym, far off: likely outside the FAQ)",
    ]
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    pool = report["top_unanswered"][0]
    assert (pool["question"], pool["count"], pool["command"]) == (
        "do you have a swimming pool",
        5,
        None,
    )
    assert pool["wordings"] == [
        {"text": "do you have a swimming pool", "count": 3},
        {"text": "is there a pool", "count": 2},
    ]
    assert pool["examples"] == ["is there a pool"]
    assert sum(a["count"] for a in report["top_unanswered"]) == 12 - report["answered"]


def test_the_report_groups_questions_of_one_subject_by_the_words_that_say_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report listed "can I bring my dog" and "are dogs allowed" as two lines (they
    shared only "dog" beside their words that ask, and the sentence model did not read them
    as one), "is there a carpark" apart from "where is the car park" as the recognizer
    wrote it, and "what time does the pool open" with "what time does the cafe open" (they
    shared "what time ... open"). The operator saw two lines for one missing subject, and one
    line for two. Read by the words that say what they ask about, "car park" as "carpark"
    since a visitor said it so, the dog and car park questions are one line each, the pool
    and the cafe two, and so are a visitor's dog and cat."""

    def far(question: str) -> dict[str, object]:
        return {**turn(question, "reject", "opening-hours"), "probability": 0.04}

    journal = Journal(tmp_path)
    for question in (
        "can I bring my dog",
        "is there a carpark",
        "are dogs allowed",
        "what time does the pool open",
        "can I bring my dog",
        "where is the car park",
        "what time does the cafe open",
        "can I bring my cat",
    ):
        journal.write(far(question))
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["top_unanswered"]
    assert [[(w["text"], w["count"]) for w in asked["wordings"]] for asked in listed] == [
        [("can I bring my dog", 2), ("are dogs allowed", 1)],
        [("is there a carpark", 1), ("where is the car park", 1)],
        [("what time does the pool open", 1)],
        [("what time does the cafe open", 1)],
        [("can I bring my cat", 1)],
    ]


def test_questions_in_letters_the_sentence_model_cannot_read_are_grouped_by_their_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Korean kiosk's report listed "where is the car park", "what time do you close"
    and "how much is it to get in" as one line: the sentence model reads English, and finds
    any two questions in Hangul alike. They are three lines, each with its repeats."""

    def far(question: str) -> dict[str, object]:
        return {**turn(question, "reject", "opening-hours"), "probability": 0.04}

    journal = Journal(tmp_path)
    for question in ("주차장은 어디에 있나요", "몇 시에 문을 닫아요", "입장료는 얼마예요") * 2:
        journal.write(far(question))
    journal.write(far("주차장은 어디에 있나요"))
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["top_unanswered"]
    assert [[(w["text"], w["count"]) for w in asked["wordings"]] for asked in listed] == [
        [("주차장은 어디에 있나요", 3)],
        [("몇 시에 문을 닫아요", 2)],
        [("입장료는 얼마예요", 2)],
    ]


def test_a_yes_or_no_to_a_did_you_mean_is_its_reply_not_a_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The visitor's yes, no or "the other one" to a did-you-mean is logged as a turn of its
    own: the report counts the question once, never offers to add "No." as a wording, and
    names the entry the visitor took, not one they said no to."""
    journal = Journal(tmp_path)
    for line in (
        {**turn("how long", "confirm", "permanent"), "probability": 0.55},
        {**turn("No.", "reject", "permanent"), "probability": 0.55},  # as the kiosk logs it
        {**turn("does it hurt", "confirm", "permanent"), "runner_up": "knot-pain"},
        turn("the other one", "answer", "knot-pain"),
        turn("can it last", "confirm", "permanent"),
        turn("Yes.", "answer", "permanent"),
    ):
        journal.write(line)
    summary = summarize(read_turns(tmp_path))
    assert (summary.turns, summary.answered, summary.confirmed, summary.rejected) == (3, 0, 3, 0)
    assert by_day(read_turns(tmp_path))[0].confirmed == 3
    asked = {a.question: a for a in summary.top_unanswered}
    assert set(asked) == {"how long", "does it hurt", "can it last"}
    assert asked["how long"].command is None, "the visitor said it is not that entry"
    assert asked["how long"].declined == ("permanent",)
    assert asked["does it hurt"].closest == "knot-pain", "the entry the visitor took"
    assert asked["can it last"].closest == "permanent"
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "'how long' (closest: -, the visitor said no to permanent)" in out
    assert "No." not in out


def test_a_no_then_the_other_entry_proposed_in_turn_is_one_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a no, the kiosk proposes the other entry a did-you-mean was between ("Then did
    you mean ...?"): the report counts the question once, with the entry the visitor took,
    or, after a second no, as refused."""
    journal = Journal(tmp_path)
    for line in (
        {**turn("does it hurt", "confirm", "permanent"), "runner_up": "knot-pain"},
        turn("No.", "confirm", "knot-pain"),  # "Then did you mean ...?"
        turn("Yes.", "answer", "knot-pain"),
        {**turn("how long", "confirm", "permanent"), "runner_up": "knot-pain"},
        turn("no", "confirm", "knot-pain"),
        turn("no", "reject", "knot-pain"),
        # a no, and the other entry proposed in turn left unanswered: the visitor asked
        # something else (the report gave a command to add it to that other entry)
        {**turn("check out time", "confirm", "quiet-hours"), "runner_up": "check-in"},
        turn("no", "confirm", "check-in"),
        turn("is there a pub", "reject", "facilities"),
    ):
        journal.write(line)
    summary = summarize(read_turns(tmp_path))
    assert (summary.turns, summary.confirmed, summary.replies) == (4, 3, 5)
    asked = {a.question: a for a in summary.top_unanswered}
    assert set(asked) == {"does it hurt", "how long", "check out time", "is there a pub"}
    assert asked["does it hurt"].closest == "knot-pain", "the entry the visitor took"
    # a no to both entries names both (it named the first alone)
    assert asked["how long"].command is None
    assert asked["how long"].declined == ("permanent", "knot-pain")
    assert asked["check out time"].command is None
    assert asked["check out time"].declined == ("quiet-hours",)
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "'how long' (closest: -, the visitor said no to permanent and knot-pain)" in out


def test_a_question_the_visitor_said_no_to_is_not_grouped_under_a_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the screen a visitor said no to "Did you mean: is there parking?", and later ones
    asked in the same words said yes: the report counted the no among theirs, under the
    command that adds the wording to the entry the visitor had refused."""
    journal = Journal(tmp_path)
    for line in (
        {**turn("where do I park", "confirm", "parking"), "probability": 0.37},
        {**turn("no", "reject", "parking"), "probability": 0.37},  # as the kiosk logs it
        {**turn("where do I park", "confirm", "parking"), "probability": 0.37},
        {**turn("yes", "answer", "parking"), "probability": 0.37},
        {**turn("where do I park", "confirm", "parking"), "probability": 0.37},
    ):
        journal.write(line)
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("     2x 'where do I park' (closest: parking, 37% likely, a visitor chose it)")
    assert lines[at + 1] == "         knotvoice knowledge add parking 'where do I park'"
    at = lines.index("     1x 'where do I park' (closest: -, the visitor said no to parking)")
    assert at + 1 == len(lines) or not lines[at + 1].strip().startswith("knotvoice")
    # as whisper writes it, with its closing mark: the command adds the words alone (it added
    # the alternative "knots.")
    heard = tmp_path / "heard"
    journal = Journal(heard)
    journal.write({**turn("Where do I park?", "confirm", "parking"), "probability": 0.37})
    journal.write({**turn("Yes.", "answer", "parking"), "probability": 0.37})
    assert main(["report", "--log-dir", str(heard)]) == 0
    assert "knotvoice knowledge add parking 'Where do I park'" in capsys.readouterr().out
    # a terminal's escape typed at the screen is neither printed nor added
    typed = tmp_path / "typed"
    journal = Journal(typed)
    journal.write(
        {**turn("Where do I park\x1b]0;x\x07\u202e?", "confirm", "parking"), "probability": 0.37}
    )
    journal.write({**turn("yes", "answer", "parking"), "probability": 0.37})
    assert main(["report", "--log-dir", str(typed)]) == 0
    out = capsys.readouterr().out
    assert "knotvoice knowledge add parking 'Where do I park]0;x'" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def test_a_pick_of_the_questions_a_reject_read_out_is_its_reply_not_a_question(
    tmp_path: Path,
) -> None:
    """A file without topics: "The first one." after a reject that read out two questions
    was counted as a question answered, and a "No." listed among the questions not
    answered."""
    offered = ["permanent", "knot-pain"]
    turns = [
        {**turn("how long", "reject", "permanent"), "offered": offered, "probability": 0.1},
        turn("The first one.", "answer", "permanent"),
        {**turn("does it hurt", "reject", "knot-pain"), "offered": offered[::-1]},
        {**turn("No.", "reject", "knot-pain"), "offered": []},  # as the kiosk logs it
        turn("is it bad", "reject", "dangerous"),  # as the kiosk logs one that read out none
        turn("Yes.", "reject", None),
    ]
    summary = summarize(turns)
    assert (summary.turns, summary.answered, summary.rejected) == (4, 0, 4)
    asked = {a.question: a for a in summary.top_unanswered}
    # the last "Yes." replied to nothing: turned away, but no wording to add to an entry
    assert set(asked) == {"how long", "does it hurt", "is it bad"}
    # the kiosk's turn log names the questions read out
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "faq.yaml@abc")
    book(Heard(2.0, "how long", 1.0))
    book(Decided(2.0, "reject", None, "how long", "", 0.1, offered=("permanent", "knot-pain")))
    book.close()
    (logged,) = read_turns(tmp_path)
    assert logged["offered"] == ["permanent", "knot-pain"]
    assert asked["how long"].closest == "permanent", "the question the visitor took"
    assert asked["how long"].command == "knotvoice knowledge add permanent 'how long'"
    assert asked["does it hurt"].declined == ("knot-pain",)


def test_a_yes_asked_which_one_then_a_pick_is_the_question_s_reply() -> None:
    """A bare "yes" to two questions read out is asked which one ("Which one: ...?"): it
    was counted as the visitor's no to them, and the pick that followed as a question."""
    offered = ["permanent", "knot-pain"]
    turns = [
        {**turn("how long", "reject", "permanent"), "offered": offered, "probability": 0.1},
        {**turn("Yes.", "reject", None), "offered": offered},  # as the kiosk logs it
        turn("The other one.", "answer", "knot-pain"),
    ]
    summary = summarize(turns)
    assert (summary.turns, summary.answered, summary.rejected) == (1, 0, 1)
    (asked,) = summary.top_unanswered
    assert (asked.question, asked.closest, asked.declined) == ("how long", "knot-pain", ())
    assert asked.command == "knotvoice knowledge add knot-pain 'how long'"


def test_the_report_command_reads_the_questions_a_reject_read_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knotvoice report` read the turn log without the questions a reject read out: the
    visitor's pick of one was listed as a question answered."""
    journal = Journal(tmp_path)
    offered = ["permanent", "knot-pain"]
    journal.write({**turn("how long", "reject", "permanent"), "offered": offered})
    journal.write(turn("The first one.", "answer", "permanent"))
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 reply to a did-you-mean" in out
    assert "knotvoice knowledge add permanent 'how long'" in out


def test_a_wording_once_picked_from_keeps_its_command_when_also_turned_away_alone() -> None:
    """The report's command for a wording whose visitor picked a question read out went when
    the same wording was turned away once more with no pick: its reject's low probability
    counted as the entry's."""
    offered = ["permanent", "knot-pain"]
    turns = [
        {**turn("how long", "reject", "permanent"), "offered": offered, "probability": 0.1},
        turn("The first one.", "answer", "permanent"),
        {**turn("how long", "reject", "permanent"), "offered": offered, "probability": 0.1},
        turn("what time is it", "reject", "dangerous"),  # no pick: a new question
    ]
    asked = {a.question: a for a in summarize(turns).top_unanswered}
    assert asked["how long"].count == 2
    assert asked["how long"].command == "knotvoice knowledge add permanent 'how long'"


def test_of_entries_come_close_as_often_the_first_asked_is_named() -> None:
    """A did-you-mean waits for its reply before its entry counts; an entry counted later
    must not win a tie with it (the report's command names the entry to add a wording to)."""
    turns = [
        {**turn("how do I get a lift", "confirm", "lifts"), "conversation": "c2"},
        {**turn("how do I get a lift", "reject", "parking"), "conversation": "c1"},
    ]
    (asked,) = summarize(turns).top_unanswered
    assert (asked.count, asked.closest) == (2, "lifts")


def served(question: str, decision: str, handled: bool, entry: str | None = None) -> dict[str, Any]:
    """A turn line as ``knotvoice serve`` writes it: no end of speech, so no ``reply_ms``."""
    return {
        "heard": question,
        "question": question,
        "decision": decision,
        "entry": entry,
        "handled": handled,
        "match_ms": 12.0,
        "front": "serve",
    }


def test_a_served_turn_replied_to_with_a_refusal_is_a_question_not_answered() -> None:
    turns = [
        served("how often do I massage it", "answer", True, "often"),
        served("yes", "none", False),  # "Sorry, I can't answer that..." over Wyoming
        served("", "none", False),
        served("stop", "stop", True),  # handled, with nothing to say: no answer
        served("where do I park", "confirm", False, "parking"),
        {**turn("", "none", None), "reply_ms": None},  # the kiosk's silence: no question
    ]
    summary = summarize(turns)
    assert (summary.turns, summary.answered, summary.confirmed, summary.rejected) == (4, 1, 1, 2)
    # a "yes" refused is turned away, but no wording to add: not among those listed
    assert {asked.question for asked in summary.top_unanswered} == {"where do I park"}
    (day,) = by_day(turns)
    assert (day.answered, day.confirmed, day.rejected) == (1, 1, 2)


def test_a_yes_the_server_refused_is_no_visitor_saying_no() -> None:
    """A served did-you-mean of no conversation (or a yes too late) cannot be answered: the
    server refuses the yes, and the report said the visitor had said no to the entry."""
    turns = [
        {**served("where do I park", "confirm", False, "parking"), "probability": 0.7},
        served("Yes.", "none", False),
    ]
    asked = {a.question: a for a in summarize(turns).top_unanswered}
    assert asked["where do I park"].declined == ()
    assert asked["where do I park"].closest == "parking"
    assert summarize(turns).rejected == 1, "the refused yes is a question turned away"
    assert "Yes." not in asked, "but no wording to add to an entry"


def test_the_report_says_a_servers_turns_have_no_reply_latency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, kiosk = Journal(tmp_path / "serve"), Journal(tmp_path / "kiosk")
    server.write(served("how often do I massage it", "answer", True, "often"))
    kiosk.write(turn("how often do I massage it", "answer", "often", 420.0))
    assert main(["report", "--log-dir", str(server.directory)]) == 0
    assert "reply after   not logged (turns served to Home Assistant)" in capsys.readouterr().out
    assert main(["report", "--log-dir", str(kiosk.directory)]) == 0
    # measured from the end found, a silence after the voice's (called the voice's, it
    # read as thirty times quicker than the README's figure from the voice's end)
    assert "reply after   p50 420 ms, p95 420 ms (from the end of speech found, the silence" in (
        capsys.readouterr().out
    )


def test_the_reply_latency_counts_spoken_questions_not_typed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A week of a kiosk with a screen: 143 typed questions and 24 spoken ones gave "reply
    after p50 31 ms (end of speech ...)", the spoken ones' own being 118 ms. A typed
    question has no end of speech: its turn line says it was typed, and the figure is the
    spoken ones'."""
    book = Logbook(Journal(tmp_path), "whisper", lambda: "faq.yaml@abc")
    for at, text, typed, after in ((1.0, "how often", False, 400.0), (5.0, "is it bad", True, 9.0)):
        book(Heard(at, text, at - 1.0, typed=typed))
        book(Decided(at, "answer", "often", text, "Daily.", 0.93, 120.0, 8.0))
        book(ReplyStarted(at + 0.1, "Daily.", 1.0, 5.0, after))
    book.close()
    spoken, typed_line = read_turns(tmp_path)
    assert "typed" not in spoken and typed_line["typed"] is True
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    assert "reply after   p50 400 ms, p95 400 ms" in capsys.readouterr().out


def test_the_report_says_which_of_the_turns_status_counts_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Of one log `knotvoice status` counted 52 turns and `knotvoice report` 46 questions,
    and neither said why: a yes to a did-you-mean, a "say that again" are turns, no
    questions."""
    journal = Journal(tmp_path)
    for line in (
        turn("where do I park", "confirm", "parking"),
        turn("yes", "answer", "parking"),
        turn("how often", "answer", "often"),
        turn("say that again", "repeat", "often"),
        turn("no", "none", None),
        {"heard": "is it bad", "question": "is it bad", "decision": "error"},
    ):
        journal.write(line)
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    status = read_status(tmp_path)
    assert status is not None
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(status.started))
    assert (
        f"turns         6 since the kiosk started at {started} "
        '(questions, and follow-ups such as "yes"); errors 0'
    ) in capsys.readouterr().out.splitlines()
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "questions     2 (of 6 turns logged; not counted: 1 reply to a did-you-mean, "
        '2 follow-ups ("say that again", "stop", ...), 1 failed)'
    ) in lines
    assert lines[0].startswith(f"turn log      {tmp_path} (the last 7d: since ")
    assert abs(since_said(lines[0]) - (time.time() - 7 * 86400)) < 120
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["period"] == "7d"
    assert abs(counted["since"] - (time.time() - 7 * 86400)) < 120
    assert (counted["questions"], counted["replies"], counted["follow_ups"], counted["failed"]) == (
        2,
        1,
        2,
        1,
    )


def since_said(text: str) -> float:
    """The time ``text`` says a period starts at (``since 2026-11-27 09:12``), in Unix
    seconds."""
    found = re.search(r"since (\d{4}-\d\d-\d\d \d\d:\d\d)", text)
    assert found is not None, text
    return time.mktime(time.strptime(found.group(1), "%Y-%m-%d %H:%M"))


@pytest.mark.parametrize(("text", "seconds"), [("7d", 604800.0), ("12h", 43200.0), ("30m", 1800.0)])
def test_periods_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_since(text) == seconds


def test_report_and_status_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = Journal(tmp_path)
    journal.write(turn("where can I park", "reject", "parking"))
    journal.write(turn("how often", "answer", "often"))
    assert main(["report", "--log-dir", str(tmp_path), "--since", "1d", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (
        report["questions"] == 2 and report["top_unanswered"][0]["question"] == "where can I park"
    )
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "turns         2 since the kiosk started at " in out
    assert f"(knotvoice listen, process {os.getpid()})" in out
    # The Home Assistant server's status, and the screen's, say what they are.
    for command, started in (("serve", "the server"), ("screen", "the screen")):
        Journal(tmp_path / command).update(command=command)
        assert main(["status", "--log-dir", str(tmp_path / command)]) == 0
        out = capsys.readouterr().out
        assert f"turns         0 since {started} started at " in out and "kiosk" not in out
        assert f"(knotvoice {command}, process {os.getpid()})" in out
    assert main(["report", "--log-dir", str(tmp_path), "--since", "12h"]) == 0
    said = capsys.readouterr().out.splitlines()[0]
    assert "(the last 12h: since " in said
    assert abs(since_said(said) - (time.time() - 12 * 3600)) < 120
    assert main(["report", "--log-dir", str(tmp_path), "--since", "soon"]) == 1
    assert "write it like 7d" in capsys.readouterr().err
    # a period longer than the clock has run is all of it (the year -273788674 was said)
    assert main(["report", "--log-dir", str(tmp_path), "--since", "99999999999d"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("(the last 99999999999d: all of it)")
    assert "questions     2" in printed
    assert main(["report", "--log-dir", str(tmp_path), "--since", "99999999999d", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["since"] == 0.0
    # a period of no time reported nothing, always
    assert main(["report", "--log-dir", str(tmp_path), "--since", "0d"]) == 1
    assert "--since: '0d' holds no time; write it like 7d" in capsys.readouterr().err


def test_report_refuses_a_log_directory_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-log"
    assert main(["report", "--log-dir", str(missing)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == (
        f"knotvoice: error: {missing}: no such log directory: no kiosk has logged a turn there "
        "(`listen`, `screen` and `serve` log each turn and their status; `ask` does not); give "
        "the --log-dir the kiosk writes to\n"
    )
    a_file = tmp_path / "turns.jsonl"
    a_file.write_text("", encoding="utf-8")
    assert main(["report", "--log-dir", str(a_file)]) == 1
    printed = capsys.readouterr()
    assert printed.out == "" and f"{a_file}: not a directory; give the --log-dir" in printed.err
    # A folder of something else was reported as a kiosk's that nobody asked.
    other = tmp_path / "faq"
    other.mkdir()
    (other / "cafe.yaml").write_text("entries: []\n", encoding="utf-8")
    assert main(["report", "--log-dir", str(other)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith(f"knotvoice: error: no turn log in {other}: no kiosk has")
    # A kiosk's log with no turn yet is a report of none.
    (other / "turns.jsonl").write_text("", encoding="utf-8")
    assert main(["report", "--log-dir", str(other)]) == 0
    assert "questions     0" in capsys.readouterr().out


def test_report_of_a_turn_log_it_cannot_read_is_an_error_not_an_empty_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A turn log `report` could not read (its permissions, or a folder in its place) gave
    "questions 0" and exit 0: an operator was told no one had asked anything."""
    Journal(tmp_path).write({"heard": "hi", "question": "hi", "decision": "reject"})
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    assert "questions     1" in capsys.readouterr().out
    log = tmp_path / "turns.jsonl"
    log.unlink()
    log.mkdir()
    assert main(["report", "--log-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == (
        f"knotvoice: error: {log}: cannot read the turn log: it is a directory; it should be a "
        "file the kiosk wrote\n"
    )


@pytest.mark.parametrize("top", ["-1", "0", "many"])
def test_report_lists_at_least_one_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["report", "--log-dir", str(tmp_path), "--top", top])
    assert refused.value.code == 2
    assert "--top" in capsys.readouterr().err


def test_report_offers_no_wording_for_a_question_far_from_every_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = Journal(tmp_path)
    train = {**turn("What time does the train to London leave?", "reject", "permanent")}
    journal.write({**train, "probability": 0.003})
    journal.write({**turn("where do I park my car", "confirm", "parking"), "probability": 0.4})
    journal.write({**turn("yes", "answer", "parking"), "probability": 0.4})
    journal.write(turn("is there a cash machine", "reject", "payment"))  # an older log line
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index(
        "     1x 'What time does the train to London leave?' "
        "(closest: permanent, far off: likely outside the FAQ)"
    )
    assert not lines[at + 1].strip().startswith("knotvoice")
    commands = [line.strip() for line in lines if line.strip().startswith("knotvoice")]
    assert commands == [
        "knotvoice knowledge add parking 'where do I park my car'",
        "knotvoice knowledge add payment 'is there a cash machine'",
    ]
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    far = json.loads(capsys.readouterr().out)["top_unanswered"][0]
    assert (far["closest"], far["command"]) == ("permanent", None)


def test_report_gives_no_command_for_an_entry_the_kiosk_was_unsure_of_and_no_visitor_chose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hotel's kiosk asked "Did you mean: do you have accessible rooms?" of "do you have a
    spa", 39% likely, and got no reply: the report offered the command that adds the spa to
    accessible rooms, and an operator pasting it would have had spa questions answered with
    them. The report says how likely the entry was, and gives the command only where the
    kiosk found the entry likely or a visitor chose it."""
    journal = Journal(tmp_path)
    for line in (
        {**turn("do you have a spa", "confirm", "accessible-rooms"), "probability": 0.391},
        {**turn("how much is breakfast", "answer", "breakfast"), "probability": 1.0},
        {**turn("do you have a spa", "confirm", "accessible-rooms"), "probability": 0.391},
        {**turn("where can I put my bags", "confirm", "luggage"), "probability": 0.568},
        {**turn("yes", "answer", "luggage"), "probability": 0.568},
        {**turn("does the bar do food", "confirm", "bar"), "probability": 0.72},
        {**turn("is the pool heated", "confirm", "pool"), "probability": 0.45},
        {**turn("the other one", "answer", "gym"), "probability": 0.45},
    ):
        journal.write(line)
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = next(line for line in lines if line.startswith("not answered"))
    assert "only if it asks what that entry answers" in heading
    spa = lines.index(
        "     2x 'do you have a spa' (closest: accessible-rooms, 39% likely, not chosen by a "
        "visitor: add it there only if it asks what that entry answers)"
    )
    assert spa + 1 == len(lines) or not lines[spa + 1].strip().startswith("knotvoice")
    commands = [line.strip() for line in lines if line.strip().startswith("knotvoice")]
    assert commands == [
        "knotvoice knowledge add luggage 'where can I put my bags'",
        "knotvoice knowledge add bar 'does the bar do food'",
        "knotvoice knowledge add gym 'is the pool heated'",
    ]
    assert "(closest: luggage, 57% likely, a visitor chose it)" in "\n".join(lines)
    # the probability logged was of the pool, not of the gym the visitor asked for instead
    assert "'is the pool heated' (closest: gym, a visitor chose it)" in "\n".join(lines)
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    listed = {a["question"]: a for a in json.loads(capsys.readouterr().out)["top_unanswered"]}
    spa_json = listed["do you have a spa"]
    assert (spa_json["probability"], spa_json["chosen"], spa_json["command"]) == (
        0.391,
        False,
        None,
    )
    assert listed["where can I put my bags"]["chosen"] is True
    # The screen's /report page shows the same.
    shown = page(summarize(read_turns(tmp_path)), [], "7d", time.time())
    row = shown[shown.index("<td>do you have a spa</td>") :].split("</tr>")[0]
    assert "accessible-rooms, 39% likely, not chosen by a visitor" in row
    assert "knowledge add" not in row


def test_a_status_nobody_updates_is_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    status = json.loads((tmp_path / "status.json").read_text())
    status["updated"] = time.time() - 3 * 86400
    (tmp_path / "status.json").write_text(json.dumps(status))
    # this process, which is no knotvoice: the number used again since
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    assert "last sign     3 days ago (stale: not running?)\n" in capsys.readouterr().out
    # its process is there: the kiosk may answer still, its status unwritten
    kiosk = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "knotvoice"])
    try:
        status["pid"] = kiosk.pid
        (tmp_path / "status.json").write_text(json.dumps(status))
        assert main(["status", "--log-dir", str(tmp_path)]) == 1
        assert (
            f"last sign     3 days ago (stale: process {kiosk.pid} is there, but its status is "
            "not written: check that its --log-dir can be written, and its log)\n"
        ) in capsys.readouterr().out
        assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 1
        said = json.loads(capsys.readouterr().out)
        assert (said["running"], said["process_there"]) == (False, True)
    finally:
        kiosk.kill()
        kiosk.wait()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    status["pid"] = int(gone.stdout)
    (tmp_path / "status.json").write_text(json.dumps(status))
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    assert "last sign     3 days ago (stale: not running?)\n" in capsys.readouterr().out
    assert main(["status", "--log-dir", str(tmp_path / "none")]) == 1
    said = capsys.readouterr().err
    assert f"no status in {tmp_path / 'none'}: no kiosk has written one there" in said
    assert "`ask` does not); start one, or give the --log-dir it writes to" in said


def test_a_clock_set_back_does_not_stop_the_signs_of_life(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """NTP setting the clock back an hour (a Pi that booted with a clock ahead) does not stop
    the kiosk writing its status for that hour: `knotvoice status` sees a recent sign."""
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 3600.0)
    journal.beat(every=0.0)
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert "last sign     0 s ago\n" in capsys.readouterr().out


def test_status_says_what_stopped_a_kiosk_that_could_not_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kiosk restarted on a knowledge file edited badly while it ran stops at once; its
    status says it stopped and why, not only that its process is gone, and names the
    knowledge file it did not load (its line was blank)."""
    broken = tmp_path / "faq.yaml"
    broken.write_text("entries:\n  - id: opening\n    question: [unclosed\n")
    log_dir = tmp_path / "log"
    listen = ["listen", "--knowledge", str(broken), "--log-dir", str(log_dir)]
    with file_devices(tmp_path / "devices"):  # a microphone, found before the knowledge
        replies = str(tmp_path / "replies")
        assert main([*listen, "--input-device", MIC, "--save-replies", replies]) == 1
    capsys.readouterr()
    assert main(["status", "--log-dir", str(log_dir)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("stopped ")
    assert f"last error    stopped: {broken}: line " in out
    assert "\nknowledge     faq.yaml (not loaded); 0 reloads\n" in out
    assert "\nmicrophone    closed\n" in out


def test_a_clock_set_forward_after_the_start_keeps_up_since_and_the_last_error_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Pi without a real-time clock starts with the time it shut down, days ago; NTP sets
    it forward once the network is up. `knotvoice status` then says the kiosk is up since it
    started, not since days before, and its last error happened moments ago."""
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    journal.failed("microphone", "audio device 1 'USB' is gone")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 86400.0)
    journal.beat(every=0.0)
    status = read_status(tmp_path)
    assert status is not None and abs(status.started - time.time()) < 60
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    started = time.strftime("%Y-%m-%d", time.localtime(time.time()))
    assert f"up since      {started}" in out
    assert "is gone (0 s ago)" in out or "is gone (1 s ago)" in out
    monkeypatch.setattr(time, "time", lambda: real() + 6 * 86400.0)
    journal.failed("microphone", "audio device 1 'USB' is gone again")
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "is gone again (0 s ago)" in out or "is gone again (1 s ago)" in out


def test_a_kiosk_that_stopped_or_whose_process_is_gone_is_not_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Right after Ctrl-C, or after a crash that left a fresh status behind, `knotvoice
    status` says the kiosk is not running at once, not a minute later."""
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    journal.failed("knowledge", "faq.yaml: line 3: invalid YAML")
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert "last error    knowledge: faq.yaml: line 3: invalid YAML (0 s ago)" in (
        capsys.readouterr().out
    ), "an error fixed since is told apart by its age"
    # and by what came after: the file fixed and read again (another stage's return is not)
    journal.cleared("microphone")
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert "invalid YAML (0 s ago)\n" in capsys.readouterr().out
    journal.cleared("knowledge")
    assert main(["status", "--log-dir", str(tmp_path)]) == 0
    assert "invalid YAML (0 s ago; working again since then)" in capsys.readouterr().out
    journal.stop()
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().out.startswith("stopped ")
    assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["running"] is False
    child = subprocess.Popen(["true"])
    child.wait()
    status = json.loads((tmp_path / "status.json").read_text())
    status.update(stopped=None, pid=child.pid, updated=time.time())
    (tmp_path / "status.json").write_text(json.dumps(status))
    assert main(["status", "--log-dir", str(tmp_path)]) == 1
    assert "its process is gone" in capsys.readouterr().out


def test_a_second_kiosk_on_the_same_log_directory_refuses_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kiosk or server already running there is named; a status left by one whose process
    is gone stops nobody."""
    running = subprocess.Popen(["bash", "-c", "exec -a knotvoice sleep 60"])
    try:
        Journal(tmp_path).update(microphone="listening")
        status = json.loads((tmp_path / "status.json").read_text())
        status.update(pid=running.pid, updated=time.time())
        (tmp_path / "status.json").write_text(json.dumps(status))
        for command in (
            ["listen", "--save-replies", str(tmp_path / "replies")],
            ["serve", "--uri", "tcp://127.0.0.1:0"],
        ):
            assert main([*command, "--log-dir", str(tmp_path)]) == 1
            assert capsys.readouterr().err == (
                f"knotvoice: error: {tmp_path}: knotvoice process {running.pid} is already "
                "running with this log directory; stop it first if it is this one started "
                "again, or give each kiosk and server its own --log-dir\n"
            )
    finally:
        running.kill()
        running.wait()
    journal = Journal(tmp_path)
    journal.claim()
    claimed = read_status(tmp_path)
    assert claimed is not None and claimed.pid == os.getpid()
    # a log directory that is a file: it started, and every turn's line failed
    file = tmp_path / "turns.txt"
    file.write_text("x")
    assert main(["serve", "--uri", "tcp://127.0.0.1:0", "--log-dir", str(file)]) == 1
    assert capsys.readouterr().err == (
        f"knotvoice: error: {file}: not a directory; give --log-dir (KNOTVOICE_LOG_DIR) a "
        "folder for the turn log\n"
    )


def test_a_kiosk_started_after_a_power_cut_is_not_kept_out_by_the_status_it_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a power cut, another program may have the last kiosk's process number, and a
    Pi with no clock of its own starts behind the time of the status left (fake-hwclock's
    hourly save, or 1970): the kiosk refused to start, every 5 s under systemd, until the
    clock passed the status's time."""
    other = subprocess.Popen(["sleep", "60"])  # not knotvoice, with the old number
    try:
        for ahead in (0.0, 3600.0, 1.8e9):
            Journal(tmp_path).update(microphone="listening")
            status = json.loads((tmp_path / "status.json").read_text())
            status.update(pid=other.pid, updated=time.time() + ahead)
            (tmp_path / "status.json").write_text(json.dumps(status))
            assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 1
            told = json.loads(capsys.readouterr().out)
            assert told["running"] is False and told["stale"] is (ahead > 0)
            if ahead:
                assert main(["status", "--log-dir", str(tmp_path)]) == 1
                assert "later than now (stamped by a clock ahead of this one" in (
                    capsys.readouterr().out
                )
            journal = Journal(tmp_path)
            journal.claim()
            claimed = read_status(tmp_path)
            assert claimed is not None and claimed.pid == os.getpid()
    finally:
        other.kill()
        other.wait()
    # a kiosk still running, whose clock was set back: it writes again within seconds
    running = subprocess.Popen(["bash", "-c", "exec -a knotvoice sleep 60"])
    try:
        status.update(pid=running.pid, updated=time.time() + 3600, stopped=None)
        (tmp_path / "status.json").write_text(json.dumps(status))
        assert main(["status", "--log-dir", str(tmp_path), "--json"]) == 0
        told = json.loads(capsys.readouterr().out)
        assert (told["running"], told["stale"]) == (True, False)
    finally:
        running.kill()
        running.wait()


def test_systemd_hears_ready_and_the_watchdog(tmp_path: Path) -> None:
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        server.settimeout(2.0)
        notifier = Notifier({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "10000000"})
        assert notifier.every == 5.0
        notifier.ready("listening")
        assert server.recv(100).startswith(b"READY=1")
        notifier.alive()
        notifier.alive()  # within the interval: not sent again
        assert server.recv(100) == b"WATCHDOG=1"
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.recv(100)
    Notifier({}).ready()  # without systemd: nothing happens


def test_the_log_lives_in_systemd_s_state_directory() -> None:
    assert default_log_dir({"STATE_DIRECTORY": "/var/lib/knotvoice"}) == Path("/var/lib/knotvoice")
    assert default_log_dir({"XDG_STATE_HOME": "/s"}) == Path("/s/knotvoice")
    assert (
        default_log_dir({}).parts[-3:] == (".local", "state", "knotvoice")
        or os.environ.get("HOME") is None
    )


@pytest.fixture
def shell_without_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shell's environment (no ``STATE_DIRECTORY``, no ``KNOTVOICE_LOG_DIR``) whose own log
    directory holds nothing, on a machine whose kiosk's unit keeps its log elsewhere: that
    folder is returned."""
    for variable in ("STATE_DIRECTORY", "KNOTVOICE_LOG_DIR", "KNOTVOICE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    service = tmp_path / "var-lib-knotvoice"
    monkeypatch.setattr(journal_module, "SERVICE_LOG_DIR", service)
    return service


def test_status_and_report_from_a_shell_read_the_kiosk_service_s_log(
    shell_without_a_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knotvoice status` typed in a shell looked in ~/.local/state/knotvoice, not in the
    systemd kiosk's /var/lib/knotvoice, and said only "is the kiosk running?"."""
    service = Journal(shell_without_a_log)
    service.update(microphone="listening")
    service.write(turn("where can I park", "reject", "parking"))
    assert main(["status"]) == 0
    printed = capsys.readouterr()
    assert "turns         1" in printed.out
    assert f"{shell_without_a_log}" in printed.err and "--log-dir" in printed.err
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 1


def test_status_and_report_read_the_service_s_log_over_an_older_one_of_the_user_s(
    shell_without_a_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's first test run, as the kiosk's user, leaves a log in that user's home:
    `status` went on reading it and said the kiosk was stopped while its service ran."""
    own = Journal(default_log_dir())
    own.write(turn("a trial question", "reject", "parking"))
    own.stop()
    past = time.time() - 3600.0
    for name in os.listdir(own.directory):
        os.utime(own.directory / name, (past, past))
    service = Journal(shell_without_a_log)
    service.update(microphone="listening")
    service.write(turn("where can I park", "answer", "parking"))
    service.write(turn("is there a lift", "answer", "lift"))
    service.write(turn("is there a lift", "answer", "lift"))
    assert main(["status"]) == 0
    printed = capsys.readouterr()
    assert "turns         3" in printed.out
    assert "an older log" in printed.err and f"{shell_without_a_log}" in printed.err
    # a log of the user's written since is the one read
    own.write(turn("another trial", "reject", "parking"))
    assert main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 2


def test_status_and_report_with_no_log_anywhere_name_log_dir(
    shell_without_a_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("status", "report"):
        assert main([command]) == 1
        printed = capsys.readouterr()
        assert printed.out == ""
        assert printed.err.count("\n") == 1 and "--log-dir" in printed.err, printed.err
    # the unit's folder there, with no log readable in it: it is named
    shell_without_a_log.mkdir()
    assert main(["status"]) == 1
    assert f"--log-dir {shell_without_a_log}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("under-a-file", "cannot make the log directory"),
        ("proc", "cannot make the log directory"),
        ("read-only", "cannot write to the log directory"),
    ],
)
def test_a_log_directory_that_cannot_be_made_or_written_to_stops_the_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, why: str
) -> None:
    """`listen --log-dir /proc/knotvoice` warned, answered and exited 0, and logged nothing;
    so did a log folder there that cannot be written to (another user's, a read-only disk)."""
    (tmp_path / "notes.txt").write_text("x")
    with contextlib.ExitStack() as stack:
        if where == "read-only":
            log_dir = stack.enter_context(read_only_folder(tmp_path / "log"))
        else:
            log_dir = (
                tmp_path / "notes.txt" / "log" if where == "under-a-file" else Path("/proc/kv")
            )
        for command in (
            ["listen", "--save-replies", str(tmp_path / "replies")],
            ["serve", "--uri", "tcp://127.0.0.1:0"],
        ):
            assert main([*command, "--log-dir", str(log_dir)]) == 1
            printed = capsys.readouterr()
            assert printed.out == ""
            assert printed.err.startswith(f"knotvoice: error: {log_dir}: {why}")
            assert printed.err.count("\n") == 1 and "--log-dir" in printed.err
    assert not (tmp_path / "replies").exists()


def test_a_stopped_kiosk_s_status_says_its_microphone_is_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a clean stop `knotvoice status` still said `microphone    listening`."""
    for microphone, after in (("listening", "closed"), ("lost", "closed"), ("none", "none")):
        journal = Journal(tmp_path / microphone)
        journal.update(microphone=microphone)
        journal.stop()
        assert main(["status", "--log-dir", str(journal.directory)]) == 1
        assert f"\nmicrophone    {after}\n" in capsys.readouterr().out


def test_the_report_says_how_many_turns_could_not_be_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a full disk the kiosk answered on, and half its turns were never written: the
    report's figures looked complete."""
    journal = Journal(tmp_path)
    journal.update(microphone="listening")
    journal.write(turn("how often should I massage a knot", "answer", "massage-how-often"))
    status = json.loads((tmp_path / "status.json").read_text())
    status.update(log_failures=349, log_error="the disk is full")
    (tmp_path / "status.json").write_text(json.dumps(status))
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "questions     1\n" in out
    assert "not logged    349 turns since the kiosk started (" in out
    assert "could not be written (the disk is full): no figure here counts them" in out
    assert main(["report", "--log-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["not_logged"] == 349
    # the screen's /report page too ("the same report")
    made = subprocess.run(
        [sys.executable, "-m", "knotvoice.report", str(tmp_path), "7d"],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = made.stdout
    assert "<th scope='row'>not logged</th><td>349 turns since the kiosk started (" in shown
    # none lost: nothing said
    status.update(log_failures=0, log_error="")
    (tmp_path / "status.json").write_text(json.dumps(status))
    assert main(["report", "--log-dir", str(tmp_path)]) == 0
    assert "not logged" not in capsys.readouterr().out


def test_turns_logged_by_a_wrong_clock_are_in_no_period_and_the_report_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Pi with no clock of its own logs in 1970 until it is told the time, and one started
    behind the time it had logs turns that were stamped later before: the report of the
    last hour counted the later ones (5 questions, 3 rejected), and no report said the
    1970 ones were anywhere."""
    now = time.time()
    with (tmp_path / "turns.jsonl").open("w", encoding="utf-8") as log:
        for when, asked in (
            (90_000.0, "what is a knot"),
            (90_060.0, "do knots hurt"),
            (90_120.0, "is the shop open"),
            (now + 30 * 86400, "where is the car park"),
            (now + 30 * 86400 + 60, "is there a toilet"),
            (now - 600, "how often should I massage a knot"),
            (now - 300, "can a knot be dangerous"),
        ):
            decision = "answer" if "knot" in asked else "reject"
            log.write(json.dumps({"time": when, **turn(asked, decision, "massage")}) + "\n")
    assert main(["report", "--log-dir", str(tmp_path), "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "questions     2\n" in out
    assert (
        "clock wrong   2 stamped more than a minute later than now (the clock set back "
        "since?) and 3 stamped before the clock was set (1970): left out; the kiosk's clock "
        "was wrong when it logged them\n"
    ) in out
    assert main(["report", "--log-dir", str(tmp_path), "--since", "1h", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["misstamped"] == {"later": 2, "before_clock_set": 3}
    shown = subprocess.run(
        [sys.executable, "-m", "knotvoice.report", str(tmp_path), "1h"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "<th scope='row'>clock wrong</th><td>2 stamped more than a minute later" in shown
    # a period that holds 1970 does not call those turns wrong
    assert main(["report", "--log-dir", str(tmp_path), "--since", "30000d", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["misstamped"] == {"later": 2, "before_clock_set": 0}


def test_the_report_takes_a_turn_for_a_reply_as_the_kiosk_logged_it(tmp_path: Path) -> None:
    """The report told a reply to a did-you-mean by its words alone: "Yes, where are they?"
    counted as a second question, and a yes typed after the kiosk had forgotten the
    did-you-mean (turned away) as the visitor's no to it."""
    journal = Journal(tmp_path)
    for line in (
        {**turn("where are the toilets", "confirm", "toilets"), "answers_proposal": False},
        {**turn("Yes, where are they?", "answer", "toilets"), "answers_proposal": True},
        {**turn("can it last", "confirm", "permanent"), "answers_proposal": False},
        {**turn("yes", "reject", None), "answers_proposal": False, "typed": True},
    ):
        journal.write(line)
    summary = summarize(read_turns(tmp_path))
    assert (summary.turns, summary.replies) == (3, 1)
    asked = {a.question: a for a in summary.top_unanswered}
    assert asked["where are the toilets"].chosen, "the visitor chose it"
    assert asked["can it last"].declined == (), "no one said no to it"
    assert asked["can it last"].command is not None


def test_report_says_when_the_knowledge_file_its_commands_name_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its commands named a knowledge file since moved, without a word."""
    here, gone = tmp_path / "faq.yaml", tmp_path / "old" / "faq.yaml"
    here.write_text("entries: []\n", encoding="utf-8")
    journal = Journal(tmp_path / "log")
    for file, question in ((here, "where can I park"), (gone, "is there wifi")):
        journal.write(
            {
                **turn(question, "reject", "parking", 0.0),
                "probability": 0.6,
                "knowledge_file": str(file),
            }
        )
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    captured = capsys.readouterr()
    assert f"the knowledge file these questions were asked of, {gone}, is no longer there" in (
        captured.err
    )
    assert str(here) not in captured.err


def test_greetings_and_asking_what_can_be_asked_are_no_questions_to_add(tmp_path: Path) -> None:
    """ "what can you do?", "who are you?", "hello" led the list of questions not answered,
    each with a command to add it to some entry."""
    journal = Journal(tmp_path)
    for question in ("what can you do?", "Who are you?", "hello", "hello", "is there a pub"):
        journal.write({**turn(question, "reject", "facilities"), "probability": 0.65})
    summary = summarize(read_turns(tmp_path))
    assert summary.rejected == 5  # turned away all the same
    assert [asked.question for asked in summary.top_unanswered] == ["is there a pub"]
