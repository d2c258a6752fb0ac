"""A matcher that follows its knowledge file: edits are picked up, broken edits are not."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest

from knotvoice import app, reload
from knotvoice.asr import RecognizerStream, Transcript, transcribe_with
from knotvoice.audio import AudioChunk
from knotvoice.errors import KnotvoiceError
from knotvoice.knowledge import Knowledge
from knotvoice.knowledge import load as knowledge_load
from knotvoice.match import MatchStage
from knotvoice.match.matcher import Matcher
from knotvoice.reload import Reloader
from knotvoice.settings import Settings, build_settings

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL = (ROOT / "knowledge" / "knots.yaml").read_text(encoding="utf-8")
QUESTION = "how often should I massage a knot"


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


def answer(reloader: Reloader[Matcher] | Reloader[MatchStage]) -> str:
    match = reloader.current.match(QUESTION)
    assert match.best is not None
    return match.best.entry.speech


def test_an_unchanged_file_is_not_read_again(faq: Path) -> None:
    built: list[Knowledge] = []

    def build(knowledge: Knowledge) -> Matcher:
        built.append(knowledge)
        return Matcher(knowledge)

    reloader = Reloader.load(faq, build)
    assert not reloader.check()
    assert len(built) == 1 and reloader.reloads == 0


def test_an_edit_is_answered_from_at_the_next_check(faq: Path) -> None:
    reloader = Reloader.load(faq, Matcher)
    first = reloader.current
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    assert reloader.check()
    assert reloader.current is not first
    assert "up to ten minutes" in answer(reloader)
    assert not reloader.check(), "one edit, one reload"


def test_a_reload_asked_for_always_says_what_came_of_it(
    faq: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`systemctl reload` (SIGHUP) on a file that had not changed logged nothing: the
    operator could not tell whether it was read. Each asks now gets one line."""
    reloader = Reloader.load(faq, lambda knowledge: knowledge)

    def reload_said() -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="knotvoice"):
            reloader.read_again()
        return [record.getMessage() for record in caplog.records]

    assert reload_said() == [f"{faq} unchanged since it was read; answering from it"]
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    assert reload_said()[-1] == f"{faq} changed; answering from the new knowledge"
    faq.write_text(ORIGINAL + "\n  - id: [oops\n", encoding="utf-8")
    (broken,) = reload_said()
    assert "invalid YAML" in broken and "loaded before" in broken
    assert reload_said() == [broken], "asked again: why it still does not load"
    assert reloader.failures == 1


def test_a_stop_just_after_a_reload_was_asked_for_waits_for_it(faq: Path) -> None:
    """SIGHUP read the file on a thread of its own, which a stop did not wait for: an edit
    reloaded, then SIGTERM 0.6 s later, and the kiosk ended without it (nothing said, the
    last version that loaded not kept). Asked for while the file is watched, it is read on
    the watching thread, which a stop waits for."""
    started = threading.Event()

    def slow(knowledge: Knowledge) -> Knowledge:
        started.set()
        time.sleep(0.5)  # a large file's fit
        return knowledge

    reloader = Reloader.load(faq, slow)
    started.clear()
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    with reloader.running(every=60.0):
        reloader.read_again_soon()
        assert started.wait(10.0), "the reload asked for did not start"
    assert reloader.reloads == 1, "the stop waited for the reload under way"
    assert any("up to ten minutes" in entry.speech for entry in reloader.current.entries)


def test_a_reload_asked_for_of_an_unchanged_file_is_told_to_the_operator(faq: Path) -> None:
    """The kiosk and the server print what they are told without -v: a SIGHUP on a file
    as it was is told there, not only logged at INFO."""
    told: list[str] = []
    reloader = Reloader.load(faq, lambda knowledge: knowledge, tell=told.append)
    reloader.read_again()
    assert told == [f"{faq} unchanged since it was read; answering from it"]
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    reloader.read_again()
    assert len(told) == 1, "a changed file is told by the reload itself"


def test_a_file_saved_by_renaming_a_new_one_over_it_is_seen(faq: Path) -> None:
    reloader = Reloader.load(faq, Matcher)
    stat = faq.stat()
    fresh = faq.with_name("faq.yaml.new")
    # Same size and modification time: only the inode tells the versions apart.
    fresh.write_text(ORIGINAL.replace("up to six minutes", "up to two minutes"), encoding="utf-8")
    os.utime(fresh, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    fresh.replace(faq)
    assert reloader.check()
    assert "up to two minutes" in answer(reloader)


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        pytest.param(ORIGINAL + "\n  - id: [oops\n", "invalid YAML", id="yaml"),
        pytest.param(
            ORIGINAL.replace("answer: |", "answers: |", 1), "answer", id="entry-without-answer"
        ),
        pytest.param("", "empty", id="emptied"),
        pytest.param(
            ORIGINAL.replace("up to six", "up to\x0bsix"), "control character", id="control"
        ),
    ],
)
def test_a_broken_edit_keeps_the_old_knowledge_and_says_so_once(
    faq: Path, broken: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    reloader = Reloader.load(faq, Matcher)
    first = reloader.current
    faq.write_text(broken, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert not reloader.check()
        assert not reloader.check()
    assert reloader.current is first
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1, lines
    assert said in lines[0] and "loaded before" in lines[0] and str(faq) in lines[0]
    # Fixed again: answered from at once.
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to five minutes"), encoding="utf-8")
    assert reloader.check()
    assert "up to five minutes" in answer(reloader)


def test_a_broken_edit_is_told_to_whoever_keeps_the_kiosk_s_status(faq: Path) -> None:
    """The kiosk's status (and its screen's /health) shows a broken edit, not only its log."""
    told: list[str] = []
    reloader = Reloader.load(faq, Matcher, on_failure=told.append)
    faq.write_text(ORIGINAL.replace("entries:", "entries: [", 1), encoding="utf-8")
    assert not reloader.check() and not reloader.check()
    assert len(told) == 1 and str(faq) in told[0] and "loaded before" in told[0]
    faq.unlink()
    assert not reloader.check()
    assert len(told) == 2 and "gone" in told[1]


def test_a_deleted_file_keeps_the_old_knowledge(
    faq: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reloader = Reloader.load(faq, Matcher)
    faq.unlink()
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert not reloader.check()
        assert not reloader.check()
    assert "six minutes" in answer(reloader)
    assert len([r for r in caplog.records if "gone" in r.getMessage()]) == 1


def test_a_build_that_fails_keeps_the_old_one(faq: Path) -> None:
    calls = 0

    def build(knowledge: Knowledge) -> Matcher:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("out of memory")
        return Matcher(knowledge)

    reloader = Reloader.load(faq, build)
    first = reloader.current
    faq.write_text(ORIGINAL + "\n", encoding="utf-8")
    assert not reloader.check()
    assert reloader.current is first and reloader.failures == 1


def test_the_watching_thread_swaps_in_the_edit_by_itself(faq: Path) -> None:
    swapped = threading.Event()
    reloader = Reloader.load(faq, Matcher, on_reload=lambda _: swapped.set())
    with reloader.running(every=0.02):
        faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
        assert swapped.wait(timeout=20.0), "no reload within 20 s"
    assert "up to ten minutes" in answer(reloader)
    threads = [thread.name for thread in threading.enumerate()]
    assert "knotvoice-reload" not in threads, "the watching thread outlives its block"


def test_a_failure_after_the_swap_is_logged_and_the_watching_goes_on(
    faq: Path, caplog: pytest.LogCaptureFixture
) -> None:
    heard = [threading.Event(), threading.Event()]

    def after(matcher: Matcher) -> None:
        if not heard[0].is_set():
            heard[0].set()
            raise RuntimeError("the recognizer could not follow")
        heard[1].set()

    reloader = Reloader.load(faq, Matcher, on_reload=after)
    logs = caplog.at_level(logging.ERROR, logger="knotvoice.reload")
    with logs, reloader.running(every=0.02):
        faq.write_text(ORIGINAL.replace("six minutes", "ten minutes"), encoding="utf-8")
        assert heard[0].wait(timeout=20.0)
        faq.write_text(ORIGINAL.replace("six minutes", "five minutes"), encoding="utf-8")
        assert heard[1].wait(timeout=20.0), "the next edit is still picked up"
    assert "up to five minutes" in answer(reloader)
    assert any("could not follow" in record.getMessage() for record in caplog.records)


def test_a_reload_left_unfinished_at_a_stop_does_not_blame_the_file(
    faq: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGTERM while a big edit was being built: the kiosk waits ``BUILD_WAIT_SECONDS``,
    then exits, and the build, failed by Python's exit ("cannot schedule new futures after
    shutdown"), logged an ERROR that the new knowledge failed and wrote it over the status
    that said the kiosk had stopped, so `knotvoice status` blamed a good file."""
    monkeypatch.setattr(reload, "BUILD_WAIT_SECONDS", 0.05)
    first_built, building, release = threading.Event(), threading.Event(), threading.Event()

    def build(knowledge: Knowledge) -> Matcher:
        if not first_built.is_set():
            first_built.set()
            return Matcher(knowledge)
        building.set()
        assert release.wait(timeout=20.0)
        raise RuntimeError("cannot schedule new futures after shutdown")

    failures: list[str] = []
    reloader = Reloader.load(faq, build, on_failure=failures.append)
    first = reloader.current
    with caplog.at_level(logging.INFO, logger="knotvoice.reload"):
        with reloader.running(every=0.02):
            faq.write_text(ORIGINAL.replace("knot", "lump"), encoding="utf-8")
            assert building.wait(timeout=20.0)
        (watching,) = [t for t in threading.enumerate() if t.name == "knotvoice-reload"]
        release.set()
        watching.join(timeout=20.0)
    assert not watching.is_alive()
    assert failures == [] and reloader.failures == 0 and reloader.current is first
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert "left unfinished as knotvoice stopped" in caplog.records[-1].getMessage()


class BiasedRecognizer:
    """Stands in for an engine at the seam: remembers the prompts it was biased with."""

    name = "fake"
    streaming = False

    def __init__(self, events: list[str], prompt: str) -> None:
        self.events = events
        self.prompts = [prompt]

    def stream(self) -> RecognizerStream:
        raise NotImplementedError

    def transcribe(self, chunks: Iterable[AudioChunk]) -> Transcript:
        return transcribe_with(self, chunks)

    def spotter(self, words: Sequence[str]) -> BiasedRecognizer:
        return self

    def bias(self, phrases: Sequence[str], prompt: str) -> None:
        self.events.append("rebiased")
        self.prompts.append(prompt)

    def expect(self, answers: str) -> None:
        return None


def test_the_recognizer_loads_before_the_matcher_and_hears_the_knowledge_it_answers(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whisper's model takes twice its size while it loads: loaded before the sentence model
    and the matcher, that moment is no longer the kiosk's peak memory. A file edited between
    the two loads leaves the recognizer biased toward what the matcher answers from."""
    events: list[str] = []

    def embedder(settings: Settings) -> None:
        events.append("sentence model")

    def recognizer_for(knowledge: Knowledge) -> BiasedRecognizer:
        events.append("recognizer")
        edited = ORIGINAL.replace("topic: ", "topic: edited ", 1)
        assert edited != ORIGINAL
        faq.write_text(edited, encoding="utf-8")
        return BiasedRecognizer(events, app.recognition_bias(knowledge)[1])

    monkeypatch.setattr(app, "load_embedder", embedder)
    settings = build_settings({"knowledge": str(faq), "models_dir": str(tmp_path / "m")}, {})
    recognizer, reloader = app.load_following(settings, recognizer_for)
    assert events == ["recognizer", "sentence model", "rebiased"]
    heard = app.recognition_bias(reloader.current.knowledge)[1]
    assert "edited" in heard and recognizer.prompts[-1] == heard
    assert "edited" not in recognizer.prompts[0]
    assert not reloader.check(), "the edit is already the knowledge answering"


def test_a_file_broken_while_the_kiosk_ran_is_answered_from_its_last_good_version_on_restart(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken edit the running kiosk kept answering past (its status said so) would stop it
    from starting again after a power cut or a reboot: it starts from the last version that
    loaded, kept in its log directory, says why, and takes up the file once it is mended."""
    monkeypatch.setattr(app, "load_embedder", lambda settings: None)
    settings = build_settings(
        {"knowledge": str(faq), "models_dir": str(tmp_path / "m"), "log_dir": str(tmp_path / "l")},
        {},
    )

    def recognizer_for(knowledge: Knowledge) -> BiasedRecognizer:
        return BiasedRecognizer([], app.recognition_bias(knowledge)[1])

    app.load_following(settings, recognizer_for)  # the kiosk that ran
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    faq.write_text(ORIGINAL.replace("entries:", "entries: [", 1), encoding="utf-8")
    told: list[str] = []
    recognizer, reloader = app.load_following(settings, recognizer_for, on_failure=told.append)
    assert "up to six minutes" in answer(reloader)
    assert recognizer.prompts[-1] == app.recognition_bias(reloader.current.knowledge)[1]
    assert len(told) == 1 and str(faq) in told[0] and "last version that loaded" in told[0]
    assert not reloader.check(), "the broken file is not read again until it changes"
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to five minutes"), encoding="utf-8")
    assert reloader.check() and "up to five minutes" in answer(reloader)
    # a word processor's line break pasted in: a traceback at start, before
    faq.write_text(ORIGINAL.replace("up to six", "up to\x0bsix"), encoding="utf-8")
    assert not reloader.check()
    _, restarted = app.load_following(settings, recognizer_for)
    assert "up to five minutes" in answer(restarted), (
        "the last version that loaded, not a broken one"
    )


def test_a_broken_file_with_no_good_version_kept_stops_the_start(faq: Path, tmp_path: Path) -> None:
    faq.write_text(ORIGINAL.replace("entries:", "entries: [", 1), encoding="utf-8")
    with pytest.raises(KnotvoiceError, match=str(faq)):
        Reloader.load(faq, Matcher, kept=tmp_path / "kept" / "faq.yaml")


def test_a_file_that_could_not_be_read_is_read_again_once_its_permissions_change(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator told "cannot read (Permission denied); check the file's permissions" who
    did saw nothing happen: a change of permissions changes no time, size or inode."""
    read: list[Knowledge] = []

    def build(knowledge: Knowledge) -> int:
        read.append(knowledge)
        return len(read)

    reloader = Reloader.load(faq, build)
    faq.chmod(0o600)
    assert not reloader.check(), "it loaded: a change of permissions alone is nothing new"
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    real_load = knowledge_load

    def unreadable(path: Path) -> Knowledge:
        raise KnotvoiceError(f"{path}: cannot read (Permission denied)")

    monkeypatch.setattr(reload, "load", unreadable)
    assert not reloader.check()
    monkeypatch.setattr(reload, "load", real_load)
    assert not reloader.check(), "nothing changed"
    faq.chmod(0o644)
    assert reloader.check(), "read again once its permissions changed"
    assert len(read) == 2


def test_a_reload_asked_for_reads_again_a_file_that_did_not_load(
    faq: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`systemctl reload` logged again why the file had not loaded ("Permission denied")
    without reading it, though what kept it from loading was mended since."""
    reloader = Reloader.load(faq, Matcher)
    real_load = knowledge_load

    def unreadable(path: Path) -> Knowledge:
        raise KnotvoiceError(f"{path}: cannot read (Permission denied)")

    monkeypatch.setattr(reload, "load", unreadable)
    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    assert not reloader.check()
    monkeypatch.setattr(reload, "load", real_load)  # mended, the file unchanged
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="knotvoice"):
        reloader.read_again()
    assert "up to ten minutes" in answer(reloader)
    assert not any("Permission denied" in record.getMessage() for record in caplog.records)


def test_a_version_that_could_not_be_kept_is_said_once_and_kept_when_there_is_room(
    faq: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With no room in the log directory, the copy a start falls back on was not made, and
    nothing said so."""
    blocked = tmp_path / "logs" / "last-good"
    blocked.parent.mkdir()
    blocked.write_text("not a folder")  # the copy cannot be made under it
    kept = blocked / "faq.yaml"
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        reloader = Reloader.load(faq, Matcher, kept=kept)
        assert not reloader.check() and not reloader.check()
    warned = [r.getMessage() for r in caplog.records if "no copy kept" in r.getMessage()]
    assert len(warned) == 1 and "make room" in warned[0]
    blocked.unlink()
    assert not reloader.check()
    assert kept.read_text(encoding="utf-8") == ORIGINAL


def test_an_edit_that_drops_many_entries_or_leaves_a_spoken_form_behind_is_said(
    faq: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A save cut short between two entries loaded like any edit; an answer corrected under
    a 'spoken' form left as it was is still said as before, with nothing to tell."""
    reloader = Reloader.load(faq, Matcher)
    cut = ORIGINAL.index("  - id: mri-nerve-damage")
    faq.write_text(ORIGINAL[:cut], encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert reloader.check()
    (gone,) = [r.getMessage() for r in caplog.records]
    assert "entries are gone (mri-nerve-damage," in gone and "save it again" in gone
    caplog.clear()
    faq.write_text(ORIGINAL, encoding="utf-8")
    edited = ORIGINAL.replace("up to 6 minutes a day", "twice a week")
    assert edited != ORIGINAL
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        assert reloader.check()
        faq.write_text(edited, encoding="utf-8")
        assert reloader.check()
    (stale,) = [r.getMessage() for r in caplog.records]
    assert "entry massage-how-often: its answer changed but not the 'spoken' form" in stale


def test_a_start_from_the_kept_version_then_a_reload_asked_for_counts_one_failure(
    faq: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Started from `last-good/` on a broken file, a SIGHUP read it again and told its
    failure twice: the status counted two errors and lost the words "kept in"."""
    kept = tmp_path / "kept" / "faq.yaml"
    Reloader.load(faq, Matcher, kept=kept)
    faq.write_text(ORIGINAL.replace("entries:", "entries: [", 1), encoding="utf-8")
    told: list[str] = []
    reloader = Reloader.load(faq, Matcher, on_failure=told.append, kept=kept)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="knotvoice"):
        reloader.read_again()
        reloader.read_again()
    assert reloader.failures == 1 and len(told) == 1 and "kept in" in told[0]
    assert len(caplog.records) == 2, "each reload asked for says why it still does not load"


def test_a_file_read_again_that_fails_for_another_cause_is_told_anew(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reload asked for that failed otherwise than before (its permissions mended, a YAML
    error found) left the status telling the operator to check the permissions."""
    told: list[str] = []
    reloader = Reloader.load(faq, Matcher, on_failure=told.append)

    def failing(cause: str) -> Callable[[Path], Knowledge]:
        def load(path: Path) -> Knowledge:
            raise KnotvoiceError(f"{path}: {cause}")

        return load

    faq.write_text(ORIGINAL.replace("up to six minutes", "up to ten minutes"), encoding="utf-8")
    monkeypatch.setattr(reload, "load", failing("cannot read (Permission denied)"))
    assert not reloader.check()
    monkeypatch.setattr(reload, "load", failing("line 3: invalid YAML"))
    reloader.read_again()
    assert reloader.failures == 2 and "invalid YAML" in told[-1]


def test_a_copy_still_to_be_made_is_made_after_a_change_of_permissions(
    faq: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "logs" / "last-good"
    blocked.parent.mkdir()
    blocked.write_text("not a folder")
    kept = blocked / "faq.yaml"
    reloader = Reloader.load(faq, Matcher, kept=kept)
    faq.chmod(0o600)
    assert not reloader.check()
    blocked.unlink()
    assert not reloader.check()
    assert kept.read_text(encoding="utf-8") == ORIGINAL
