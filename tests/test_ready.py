"""Replies rendered ahead: kept in a folder across restarts, read back when they play."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from knotvoice.audio import AudioChunk
from knotvoice.speech.ready import ReadyReplies
from knotvoice.speech.tts import SpeechError


class Voice:
    """Renders a text as a tone whose length follows the text (counts its renderings)."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        self.rendered.append(text)
        samples = bytes(range(256)) * (len(text) * 20 + (rate or 0))
        step = 4410
        return [
            AudioChunk(samples[i : i + step], 22050, 2, 1, timestamp=i / 44100)
            for i in range(0, len(samples), step)
        ]


def audio(chunks: list[AudioChunk]) -> bytes:
    return b"".join(chunk.audio for chunk in chunks)


def test_a_restart_plays_the_replies_kept_in_the_folder_without_rendering_them(
    tmp_path: Path,
) -> None:
    first_voice = Voice()
    first = ReadyReplies(first_voice, folder=tmp_path, voice="en-gb 165")
    answer = first.synthesize("Rest, then stretch gently.")
    slower = first.synthesize("Rest, then stretch gently.", 120)
    first.close()
    assert len(list(tmp_path.glob("reply-*.wav"))) == 2

    again_voice = Voice()
    again = ReadyReplies(again_voice, folder=tmp_path, voice="en-gb 165")
    assert audio(again.synthesize("Rest, then stretch gently.")) == audio(answer)
    assert audio(again.synthesize("Rest, then stretch gently.", 120)) == audio(slower)
    assert again_voice.rendered == []
    assert {chunk.rate for chunk in again.synthesize("Rest, then stretch gently.")} == {22050}

    other = ReadyReplies(Voice(), folder=tmp_path, voice="en-us 165")
    other.synthesize("Rest, then stretch gently.")
    assert other._renderer.rendered == ["Rest, then stretch gently."]  # type: ignore[attr-defined]


def test_replies_expected_are_rendered_ahead_into_the_folder(tmp_path: Path) -> None:
    voice = Voice()
    replies = ReadyReplies(voice, folder=tmp_path)
    replies.expect(["First answer.", "Second answer.", " "])
    replies.synthesize("Second answer.")
    replies.close()
    assert sorted(voice.rendered) == ["First answer.", "Second answer."]
    assert len(list(tmp_path.glob("reply-*.wav"))) == 2


class Slow(Voice):
    """A voice that takes a moment, and says when it has begun."""

    def __init__(self) -> None:
        super().__init__()
        self.began = threading.Event()

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        self.began.set()
        time.sleep(0.5)
        return super().synthesize(text, rate)


def test_closing_waits_for_the_reply_being_rendered_to_be_kept_whole(tmp_path: Path) -> None:
    """A kiosk that stopped (a screen whose port was taken) while an answer was being
    rendered ahead ended mid-write, and Python printed a traceback on its way out."""
    voice = Slow()
    replies = ReadyReplies(voice, folder=tmp_path)
    replies.expect(["First answer.", "Second answer."])
    assert voice.began.wait(timeout=10.0)
    replies.close()
    assert voice.rendered == ["First answer."]  # the second was never begun
    assert len(list(tmp_path.glob("reply-*.wav"))) == 1
    assert not list(tmp_path.glob("*.partial"))


def test_a_kept_reply_that_went_missing_is_rendered_again(tmp_path: Path) -> None:
    voice = Voice()
    replies = ReadyReplies(voice, folder=tmp_path)
    kept = replies.synthesize("Where is the nearest toilet?")
    for file in tmp_path.glob("reply-*.wav"):
        file.write_bytes(b"RIFF")  # cut short
    assert audio(replies.synthesize("Where is the nearest toilet?")) == audio(kept)
    assert voice.rendered == ["Where is the nearest toilet?"] * 2


def test_the_folder_keeps_only_the_most_recent_replies(tmp_path: Path) -> None:
    replies = ReadyReplies(Voice(), keep=2, folder=tmp_path)
    for text in ("one", "two", "three"):
        replies.synthesize(text)
    assert len(list(tmp_path.glob("reply-*.wav"))) == 2


def test_a_folder_it_cannot_write_keeps_the_replies_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "replies"
    blocked.write_text("a file where the folder should be")
    voice = Voice()
    replies = ReadyReplies(voice, folder=blocked)
    with caplog.at_level(logging.WARNING):
        first = replies.synthesize("one")
        replies.synthesize("two")
        assert audio(replies.synthesize("one")) == audio(first)
    assert voice.rendered == ["one", "two"]
    assert len([r for r in caplog.records if "could not keep" in r.message]) == 1


def test_a_reply_cut_short_on_disk_is_rendered_again(tmp_path: Path) -> None:
    voice = Voice()
    replies = ReadyReplies(voice, folder=tmp_path)
    kept = replies.synthesize("Is there step-free access to platform 3?")
    (file,) = tmp_path.glob("reply-*.wav")
    file.write_bytes(file.read_bytes()[:-1000])  # a power cut before it was all written
    assert audio(replies.synthesize("Is there step-free access to platform 3?")) == audio(kept)
    assert len(voice.rendered) == 2


def test_a_folder_it_can_read_but_not_touch_still_serves_its_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ReadyReplies(Voice(), folder=tmp_path).synthesize("one")

    def read_only(*_: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("knotvoice.speech.ready.os.utime", read_only)
    voice = Voice()
    assert ReadyReplies(voice, folder=tmp_path).synthesize("one")
    assert voice.rendered == []


def test_an_empty_reply_does_not_stop_keeping_the_others(tmp_path: Path) -> None:
    class Quiet(Voice):
        def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
            return [] if not text.strip(".") else super().synthesize(text, rate)

    replies = ReadyReplies(Quiet(), folder=tmp_path)
    assert replies.synthesize(".") == []
    replies.synthesize("Hello there.")
    assert len(list(tmp_path.glob("reply-*.wav"))) == 1


def test_two_voices_sharing_the_folder_keep_each_others_replies(tmp_path: Path) -> None:
    screen = ReadyReplies(Voice(), keep=2, folder=tmp_path, voice="en-gb")
    kiosk = ReadyReplies(Voice(), keep=2, folder=tmp_path, voice="en-us")
    screen.synthesize("x")
    for text in ("one", "two", "three"):
        kiosk.synthesize(text)
    again = Voice()
    ReadyReplies(again, keep=2, folder=tmp_path, voice="en-gb").synthesize("x")
    assert again.rendered == []
    assert len(list(tmp_path.glob("reply-*.wav"))) == 3


def test_a_partial_file_left_by_a_stopped_process_is_cleared(tmp_path: Path) -> None:
    left = tmp_path / "reply-0123abcd-left.999-1.partial"
    left.write_bytes(b"RIFF....")
    fresh = tmp_path / "reply-0123abcd-fresh.998-1.partial"
    fresh.write_bytes(b"RIFF....")
    os.utime(left, (0, 0))
    ReadyReplies(Voice(), folder=tmp_path).synthesize("one")
    assert not left.exists() and fresh.exists(), "one being written now is left alone"


class Stuck(Voice):
    """A voice that hangs on a text saying "hangs" until it is let go (as espeak-ng's did on
    a file it could not save)."""

    def __init__(self) -> None:
        super().__init__()
        self.let_go = threading.Event()

    def synthesize(self, text: str, rate: int | None = None) -> list[AudioChunk]:
        if "hangs" in text:
            self.let_go.wait(timeout=60.0)
        return super().synthesize(text, rate)


def test_a_rendering_that_hangs_fails_one_reply_in_time_and_the_next_is_rendered(
    tmp_path: Path,
) -> None:
    voice = Stuck()
    replies = ReadyReplies(voice, folder=tmp_path, timeout=0.5)
    try:
        replies.expect(["This answer hangs."])
        began = time.monotonic()
        with pytest.raises(SpeechError, match=r"not rendered in 0\.5 s; check espeak-ng"):
            replies.synthesize("Rest, then stretch gently.")
        # A long reply is told to be shortened, not only espeak-ng to be checked.
        with pytest.raises(
            SpeechError, match=r"not rendered in 0\.5 s for a reply of 200 words"
        ) as failed:
            replies.synthesize(" ".join(["It hangs, so stretch gently."] * 40))
        assert "`knotvoice knowledge lint` names the long answers" in str(failed.value)
        assert time.monotonic() - began < 3.0
        began = time.monotonic()
        assert audio(replies.synthesize("Rest, then stretch gently."))
        assert time.monotonic() - began < 3.0, "not behind the rendering that hangs"
    finally:
        voice.let_go.set()
        replies.close()
