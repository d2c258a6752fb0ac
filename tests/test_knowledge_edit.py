"""Adding a visitor's wording to an entry: `knotvoice knowledge add`, the file edited in place."""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from knotvoice.cli import main
from knotvoice.errors import KnowledgeError
from knotvoice.journal import Journal, read_turns
from knotvoice.knowledge import load
from knotvoice.knowledge.edit import add_alternative
from knotvoice.knowledge.faq_import import ImportResult, to_yaml
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel
from knotvoice.report import summarize
from small_disk import read_only_folder, small_folder

ROOT = Path(__file__).resolve().parents[1]
RAILWAY = ROOT / "knowledge" / "railway.yaml"
ADD = [sys.executable, "-m", "knotvoice", "knowledge", "add"]

LIBRARY = """\
# The library's visitor desk.
version: 1
entries:
  - id: opening-hours
    question: When is the library open?   # the main question
    topic: opening hours
    alternatives:
      - what time do you close
      - are you open on sundays
    answer: Nine to five, Monday to Saturday.

  - id: printing
    question: Can I print here?
    answer: Yes, at the desk, ten pence a page.
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "library.yaml"
    path.write_text(LIBRARY, encoding="utf-8")
    return path


def test_the_wording_goes_under_the_entrys_alternatives_and_nothing_else_moves(
    library: Path,
) -> None:
    added = add_alternative(library, "opening-hours", "  How late  are you open tonight? ")
    assert added.changed
    lines = library.read_text(encoding="utf-8").splitlines()
    assert lines[added.line - 1] == "      - How late are you open tonight?"
    assert lines[: added.line - 1] + lines[added.line :] == LIBRARY.splitlines()
    entry = load(library).get("opening-hours")
    assert entry.alternatives[-1] == "How late are you open tonight?"


def test_an_entry_without_alternatives_gets_a_list_under_its_question(library: Path) -> None:
    added = add_alternative(library, "printing", "Is there a printer I can use?")
    assert added.changed
    text = library.read_text(encoding="utf-8")
    assert "    question: Can I print here?\n    alternatives:\n      - Is there a printer" in text
    assert load(library).get("printing").alternatives == ("Is there a printer I can use?",)


def test_a_wording_another_entry_has_but_for_its_accents_is_refused_and_its_own_taken(
    library: Path,
) -> None:
    """ "when is the cafe open", as a recognizer writes "café", was added to another entry,
    and that entry answered the question of the one that has it."""
    library.write_text(LIBRARY.replace("Can I print here?", "Can I print in the café?"))
    with pytest.raises(KnowledgeError, match="already a phrasing of entry printing"):
        add_alternative(library, "opening-hours", "can I print in the cafe")
    added = add_alternative(library, "printing", "can I print in the cafe")
    assert added.changed
    assert load(library).get("printing").alternatives == ("can I print in the cafe",)


def test_wordings_yaml_would_misread_are_quoted(library: Path) -> None:
    for wording in ("Printing: how much?", "#1 question - can I print?", "null"):
        add_alternative(library, "printing", wording)
    assert load(library).get("printing").alternatives == (
        "Printing: how much?",
        "#1 question - can I print?",
        "null",
    )


def test_windows_line_ends_and_the_files_permissions_are_kept(library: Path) -> None:
    library.write_bytes(LIBRARY.replace("\n", "\r\n").encode("utf-8"))
    library.chmod(0o640)
    add_alternative(library, "opening-hours", "Are you open late?")
    raw = library.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"      - Are you open late?\r\n" in raw
    assert stat.S_IMODE(library.stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives a file to another user")
def test_the_files_owner_and_group_are_kept(library: Path) -> None:
    os.chown(library, 4321, 4322)
    library.chmod(0o640)
    add_alternative(library, "opening-hours", "Are you open late?")
    kept = library.stat()
    assert (kept.st_uid, kept.st_gid, stat.S_IMODE(kept.st_mode)) == (4321, 4322, 0o640)


def test_a_wording_the_entry_has_changes_nothing(library: Path) -> None:
    before = library.read_bytes()
    added = add_alternative(library, "opening-hours", "What time do you close?")
    assert not added.changed
    assert added.line == 8
    assert library.read_bytes() == before


@pytest.mark.parametrize(
    ("entry", "wording", "says"),
    [
        ("opening-hour", "When do you shut?", "the closest are opening-hours"),
        ("printing", "are you open on Sundays", "already a phrasing of entry opening-hours"),
        ("printing", " ?! ", "has no words"),
        ("printing", "   ", "^the wording is empty; give the question"),  # was "'' has no words"
        # taken by the kiosk as a follow-up, never matched: "yes" to a did-you-mean
        ("printing", "Yes please", "follow up a reply"),
        ("printing", "pardon?", "follow up a reply"),
    ],
)
def test_a_wording_that_cannot_go_there_is_one_line_and_the_file_is_untouched(
    library: Path, entry: str, wording: str, says: str
) -> None:
    before = library.read_bytes()
    with pytest.raises(KnowledgeError, match=says) as raised:
        add_alternative(library, entry, wording)
    assert "\n" not in str(raised.value)
    assert library.read_bytes() == before
    assert [p.name for p in library.parent.iterdir()] == [library.name]


def test_a_layout_it_cannot_edit_safely_is_left_for_a_person(library: Path) -> None:
    library.write_text(
        LIBRARY.replace(
            "    alternatives:\n      - what time do you close\n      - are you open on sundays\n",
            "    alternatives: [what time do you close,\n      are you open on sundays]\n",
        ),
        encoding="utf-8",
    )
    before = library.read_bytes()
    with pytest.raises(KnowledgeError, match="by hand") as raised:
        add_alternative(library, "opening-hours", "What's open late?")
    assert library.read_bytes() == before
    # The wording is quoted, so the operator can copy it into the [...] list as it is (it
    # was 'What''s open late?', as YAML writes it in single quotes).
    assert 'add "What\'s open late?" under the alternatives' in str(raised.value)


@pytest.mark.parametrize(
    ("written", "now"),
    [
        ("[what time do you close, are you open on sundays]", "[what time do you close, are you "
         "open on sundays, \"What's open late, today?\"]"),
        ("[what time do you close,]", "[what time do you close, \"What's open late, today?\"]"),
        ("[ ]", "[\"What's open late, today?\"]"),
    ],
)  # fmt: skip
def test_alternatives_in_brackets_on_one_line_take_the_wording_before_the_bracket(
    library: Path, written: str, now: str
) -> None:
    """`alternatives: [a, b]`, as a person writes a short list, was left "by hand": so was
    the report's command pasted for such an entry."""
    library.write_text(
        LIBRARY.replace(
            "    alternatives:\n      - what time do you close\n      - are you open on sundays\n",
            f"    alternatives: {written}  # short\n",
        ),
        encoding="utf-8",
    )
    added = add_alternative(library, "opening-hours", "What's open late, today?")
    assert added.changed and f"    alternatives: {now}  # short\n" in library.read_text()
    assert load(library).get("opening-hours").alternatives[-1] == "What's open late, today?"
    assert library.read_text().splitlines()[added.line - 1].startswith("    alternatives: [")


def test_a_file_that_does_not_load_is_not_touched(library: Path) -> None:
    library.write_text(LIBRARY.replace("    answer: Yes, at the desk", "    nswer: x"))
    before = library.read_bytes()
    with pytest.raises(KnowledgeError, match="answer"):
        add_alternative(library, "opening-hours", "Are you open late?")
    assert library.read_bytes() == before


def test_the_command_adds_it_and_says_where(library: Path) -> None:
    command = [sys.executable, "-m", "knotvoice", "knowledge", "add"]
    done = subprocess.run(
        [*command, "printing", "How much is printing?", str(library)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{library}:" in done.stdout and "added 'How much is printing?'" in done.stdout
    failed = subprocess.run(
        [*command, "print", "How much is printing?", str(library)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    assert failed.stderr.count("\n") == 1 and "closest are printing" in failed.stderr


@pytest.mark.parametrize(
    "heard", ["What's it cost to print, like, a page?", "-h how much to print a page"]
)
def test_the_reports_command_pasted_as_printed_adds_the_visitors_wording(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], heard: str
) -> None:
    journal = Journal(tmp_path / "log")
    for _ in range(2):
        journal.write({"heard": heard, "decision": "reject", "closest": "printing"})
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    printed = [
        line.strip()
        for line in capsys.readouterr().out.splitlines()
        if line.strip().startswith("knotvoice knowledge add")
    ]
    assert len(printed) == 1, "one command per question not answered"
    assert main([*shlex.split(printed[0])[1:], str(library)]) == 0
    # added as alternatives are written: without the closing mark whisper gives a question
    assert load(library).get("printing").alternatives == (heard.rstrip("?"),)


def test_the_reports_commands_add_each_wording_to_the_file_it_was_asked_of(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = tmp_path / "branch library.yaml"
    branch.write_text(LIBRARY, encoding="utf-8")
    asked = "can I print a page"
    journal = Journal(tmp_path / "log")
    for faq, closest, times in ((library, "printing", 2), (branch, "opening-hours", 1)):
        for _ in range(times):
            journal.write(
                {
                    "heard": asked,
                    "decision": "reject",
                    "closest": closest,
                    "knowledge": f"{faq.name}@abc",
                    "knowledge_file": str(faq),
                }
            )
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    printed = [
        line.strip()
        for line in capsys.readouterr().out.splitlines()
        if line.strip().startswith("knotvoice knowledge add")
    ]
    assert printed == [
        f"knotvoice knowledge add printing 'can I print a page' {library}",
        f"knotvoice knowledge add opening-hours 'can I print a page' '{branch}'",
    ]
    for command in printed:
        assert main(shlex.split(command)[1:]) == 0
    assert load(library).get("printing").alternatives == (asked,)
    assert load(library).get("opening-hours").alternatives == (
        "what time do you close",
        "are you open on sundays",
    )
    assert load(branch).get("opening-hours").alternatives[-1] == asked
    assert load(branch).get("printing").alternatives == ()
    # the report then says it is done, with no command to paste again ("already has it")
    capsys.readouterr()
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    out = capsys.readouterr().out
    assert not [line for line in out.splitlines() if line.strip().startswith("knotvoice")]
    assert "(closest: printing, added since to printing)" in out
    assert "(closest: opening-hours, added since to opening-hours)" in out


def test_the_report_gives_no_command_for_an_entry_taken_out_since(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A question came closest to an entry the operator then took out of the file (or
    replaced the file with another FAQ): the report's "ready to paste" command failed, "no
    entry 'printing'". It says the entry is gone and gives no command; the other's stands."""
    journal = Journal(tmp_path / "log")
    logged = {"decision": "reject", "knowledge": "l@abc", "knowledge_file": str(library)}
    journal.write({**logged, "heard": "can I print a page", "closest": "printing"})
    journal.write({**logged, "heard": "are you open late", "closest": "opening-hours"})
    # one the kiosk was unsure of: nothing is said of adding it "there"
    journal.write({**logged, "heard": "colour copies", "closest": "printing", "probability": 0.4})
    knowledge = load(library)
    kept = [entry for entry in knowledge.entries if entry.id != "printing"]
    library.write_text(to_yaml(ImportResult(tuple(kept), ())), encoding="utf-8")
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert "1x 'can I print a page' (closest: printing, no longer in the knowledge file: add " \
        "the wording to the entry that answers it now, if one does)" in lines  # fmt: skip
    assert "1x 'colour copies' (closest: printing, no longer in the knowledge file: add the " \
        "wording to the entry that answers it now, if one does)" in lines  # fmt: skip
    commands = [line for line in lines if line.startswith("knotvoice knowledge add")]
    assert commands == [f"knotvoice knowledge add opening-hours 'are you open late' {library}"]


def test_a_wording_refused_then_added_to_that_entry_is_one_line_added_since(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A visitor said no to "Did you mean: can I print here?", another said yes in the same
    words, and the operator then added them to that entry: the report showed the words on a
    line "added since to printing" and on another that the visitor said no to printing, as
    if something were still to be done about the no."""
    asked = "can I get a page printed"
    journal = Journal(tmp_path / "log")
    logged = {"knowledge": f"{library.name}@abc", "knowledge_file": str(library)}
    for question, decision, entry in (
        (asked, "confirm", "printing"),
        ("no", "reject", None),  # as the kiosk logs it
        (asked, "confirm", "printing"),
        ("yes", "answer", "printing"),
        ("are you open late", "confirm", "opening-hours"),
        ("no", "reject", None),
    ):
        journal.write(
            {**logged, "heard": question, "decision": decision, "entry": entry, "closest": entry}
        )
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    out = capsys.readouterr().out
    assert f"1x '{asked}' (closest: printing, a visitor chose it)" in out
    assert f"1x '{asked}' (closest: -, the visitor said no to printing)" in out
    assert main(["knowledge", "add", "printing", asked, str(library)]) == 0
    capsys.readouterr()
    assert main(["report", "--log-dir", str(tmp_path / "log")]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    about = [line for line in lines if asked in line]
    assert about == [f"2x '{asked}' (closest: printing, added since to printing)"]
    assert "1x 'are you open late' (closest: -, the visitor said no to opening-hours)" in lines
    (added,) = [a for a in summarize(read_turns(tmp_path / "log")).top_unanswered if a.added]
    assert (added.declined, added.command) == ((), None)


def test_a_log_from_before_turns_named_their_file_groups_with_the_new_lines(
    library: Path, tmp_path: Path
) -> None:
    """Lines logged before each turn named its file's path group with the lines after, and
    alone give a command that adds to the configured file, not to a bare name that would be
    read from wherever the operator runs it."""
    journal = Journal(tmp_path / "log")
    old = {"heard": "can I print a page", "decision": "reject", "closest": "printing"}
    for _ in range(3):
        journal.write({**old, "knowledge": f"{library.name}@abc"})
    [alone] = summarize(read_turns(tmp_path / "log", 0.0)).top_unanswered
    assert alone.command == "knotvoice knowledge add printing 'can I print a page'"
    for _ in range(2):
        journal.write({**old, "knowledge": f"{library.name}@def", "knowledge_file": str(library)})
    [both] = summarize(read_turns(tmp_path / "log", 0.0)).top_unanswered
    assert both.count == 5 and both.knowledge == str(library)


def test_a_visitors_wording_added_is_answered(tmp_path: Path, semantic: SemanticModel) -> None:
    faq = tmp_path / "railway.yaml"
    faq.write_bytes(RAILWAY.read_bytes())
    asked = "Desperate for the loo, which way?"
    before = Matcher(load(faq), semantic, cache_dir=tmp_path / "cache").match(asked)
    assert before.decision != "answer"
    add_alternative(faq, "where-are-the-toilets", asked)
    after = Matcher(load(faq), semantic, cache_dir=tmp_path / "cache").match(asked)
    assert after.decision == "answer"
    assert after.best is not None and after.best.entry.id == "where-are-the-toilets"


def test_a_file_in_a_folder_that_cannot_be_written_is_one_line_and_untouched(
    library: Path, tmp_path: Path
) -> None:
    """An operator who runs `knotvoice knowledge add` as a user who cannot write the
    kiosk's folder is told so in one line, not shown a traceback."""
    with read_only_folder(tmp_path / "kiosk", [library]) as folder:
        faq = folder / library.name
        done = subprocess.run(
            [*ADD, "printing", "How much is printing?", str(faq)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
        assert f"{faq}: cannot write" in done.stderr and "by hand" in done.stderr
        assert faq.read_bytes() == library.read_bytes()


def test_a_file_on_a_full_disk_says_to_free_space_and_is_untouched(
    library: Path, tmp_path: Path
) -> None:
    """A full disk was told as a matter of permissions ("run this as the user who owns
    it")."""
    with small_folder(tmp_path / "kiosk") as folder:
        faq = folder.path / library.name
        faq.write_bytes(library.read_bytes())
        filler = folder.path / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as out:
            while True:
                out.write(b"x" * 1024)
                out.flush()
        with pytest.raises(KnowledgeError) as failed:
            add_alternative(faq, "printing", "How much is printing?")
        assert str(failed.value) == (
            f"{faq}: cannot write the knowledge file (No space left on device); free some "
            "space on its disk and run this again (the file is as it was)"
        )
        assert faq.read_bytes() == library.read_bytes()


def test_a_file_reached_through_a_link_is_edited_where_it_is(library: Path, tmp_path: Path) -> None:
    """A knowledge file the kiosk reads through a link (``/etc/knotvoice/faq.yaml`` pointing
    at the operator's copy) gets the wording in the file itself; the link stays a link."""
    link = tmp_path / "faq.yaml"
    link.symlink_to(library)
    add_alternative(link, "printing", "How much is printing?")
    assert link.is_symlink()
    assert load(library).get("printing").alternatives == ("How much is printing?",)
