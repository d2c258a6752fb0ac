"""The knowledge file: the curated FAQ loads, and broken files are refused with a useful line."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from entries import ENTRY_IDS
from knotvoice.app import recognition_bias
from knotvoice.cli import main
from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import (
    Entry,
    Knowledge,
    MatchingHints,
    Problem,
    Repair,
    load,
    phrase_key,
    vocabulary,
)
from knotvoice.knowledge.check import Confused, check_calibration, lint
from knotvoice.markup import lines
from knotvoice.match.calibration import Example, Judged
from knotvoice.match.evidence import Evidence
from knotvoice.match.semantic import SemanticModel
from knotvoice.settings import ListenSettings, Settings, TriggerMode
from knotvoice.speech.reply import spoken_answer

REPO = Path(__file__).resolve().parents[1]
KNOTS = REPO / "knowledge" / "knots.yaml"


# Every question of the source FAQ and the entry that must answer it.
SEED_QUESTIONS = {
    "How do you get rid of a knot in your upper back?": "treat-knot",
    "What causes knots in upper back?": "causes",
    "Can a knot in your back be dangerous?": "dangerous",
    "Are muscle knots dangerous?": "dangerous",
    "Can a muscle knot be permanent?": "permanent",
    "Can you have a muscle knot for years?": "permanent",
    "Can you see inflammation on an MRI?": "mri-inflammation",
    "What happens when you release a muscle knot?": "release-effect",
    "Can massaging a knot make it worse?": "massage-worse",
    "How often should you massage a knot?": "massage-how-often",
    "Does MRI show nerve damage?": "mri-nerve-damage",
    "How do I know if my body is inflamed?": "inflammation-signs",
    "How do you get a knot out of your back?": "treat-knot",
    "Can a muscle knot last for years?": "permanent",
    "Why won\u2019t my knot go away?": "wont-go-away",
    "Can a knot in your back cause pain?": "knot-pain",
    "What causes muscle knots in your upper back?": "causes",
    "Where do you find the knots in your back?": "find-knots",
    "Are tight muscle knots causing your back pain?": "knot-pain",
    "What causes numbness in upper back?": "numbness",
    "Is having a pain in the upper back common?": "upper-back-pain-common",
}


@pytest.fixture(scope="module")
def knots() -> Knowledge:
    return load(KNOTS)


def write(tmp_path: Path, text: str, name: str = "kb.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = """
  - id: {id}
    question: {question}
    alternatives: [{alt}]
    answer: An answer.
    topic: a topic
"""


def good_file(*entries: tuple[str, str, str]) -> str:
    return "version: 1\nentries:" + "".join(
        GOOD_ENTRY.format(id=i, question=q, alt=a) for i, q, a in entries
    )


# --- the curated file ----------------------------------------------------------------------


def test_curated_file_has_the_sixteen_entries_in_order(knots: Knowledge) -> None:
    assert tuple(knots.ids) == ENTRY_IDS
    assert knots.source == str(KNOTS)


def test_every_seed_question_leads_to_its_entry(knots: Knowledge) -> None:
    owner = {phrase_key(p): e.id for e in knots.entries for p in e.phrases}
    for question, entry_id in SEED_QUESTIONS.items():
        assert owner.get(phrase_key(question)) == entry_id, question


def test_every_entry_is_ready_to_be_spoken(knots: Knowledge) -> None:
    for entry in knots.entries:
        assert entry.spoken, entry.id
        assert entry.topic and 1 <= len(entry.topic.split()) <= 4, entry.id
        assert 3 <= len(entry.keywords) <= 6, entry.id
        assert len(entry.alternatives) >= 8, entry.id
        spoken = entry.spoken
        assert not re.search(r"[\u201c\u201d\u2018\u2019\u2013\u2014*#/()]", spoken), entry.id
        assert not re.search(r"^\s*\d+\.", spoken, re.MULTILINE), entry.id
        assert " says" not in spoken and "explains" not in spoken, entry.id
        assert len(spoken.split()) <= 65, entry.id


def test_merged_entries_combine_answers_without_repeats(knots: Knowledge) -> None:
    treat = knots.get("treat-knot").answer
    for item in (
        "Rest.",
        "Aerobic exercise",
        "muscle rub",
        "Get a massage",
        "self-massage tools",
        "Stick a needle in it",
        "Give it time",
    ):
        assert treat.count(item) == 1, item
    assert treat.lower().count("stretch.") == 1
    assert "forward-head posture" in knots.get("causes").answer
    assert "trapezius" in knots.get("causes").answer
    assert "tennis ball" in knots.get("self-release").answer
    assert "forward-head" not in knots.get("numbness").answer


def test_curated_file_brings_its_own_matching_hints(knots: Knowledge) -> None:
    hints = knots.matching
    assert {"knot", "muscle"} <= set(hints.core_terms)
    assert hints.synonym_map["lump"] == "knot"
    assert hints.synonym_map["remedy"] == "treat"
    patterns = [re.compile(repair.pattern) for repair in hints.heard_as]
    assert any(p.search("does an m r i show it") for p in patterns)
    assert any(p.search("massage a not") for p in patterns)


def test_curated_file_lints_clean() -> None:
    assert [str(p) for p in lint(KNOTS)] == []


def test_vocabulary_is_sorted_unique_lowercase_words(knots: Knowledge) -> None:
    words = vocabulary(knots)
    assert words == sorted(set(words))
    assert all(w == w.lower() and " " not in w for w in words)
    assert {"knot", "trapezius", "tennis", "mri", "won't"} <= set(words)


# --- load refuses broken files -------------------------------------------------------------

BROKEN = {
    "missing-entries": ("version: 1\n", "entries: missing"),
    "empty-entries": ("version: 1\nentries: []\n", "entries: is empty"),
    "entries-not-list": ("version: 1\nentries: {a: 1}\n", "entries: is a mapping"),
    # left empty: said so, not by a Python type's name ("is NoneType")
    "entries-left-empty": ("version: 1\nentries:\n", "entries: is empty; add at least one"),
    "synonym-left-empty": (
        "version: 1\nmatching:\n  synonyms:\n    lump:\nentries: [{id: a, question: Q, answer: A.}]\n",
        "matching.synonyms.lump: is empty; write it, or remove it",
    ),
    "version-quoted": (
        "version: '1'\nentries: []\n",
        "version: is '1', text; write 1 without quotes",
    ),
    "top-level-list": ("- a\n- b\n", "is a list; it must be a mapping"),
    "empty-file": ("", "is empty; it must be a mapping"),
    "wrong-version": ("version: 2\nentries: []\n", "version: is 2"),
    "entry-not-mapping": ("version: 1\nentries:\n  - just text\n", "entry #1: is text"),
    "missing-id": (
        "version: 1\nentries:\n  - {question: Q, answer: A.}\n",
        "entry #1: id: missing",
    ),
    "bad-id": (
        "version: 1\nentries:\n  - {id: Two Words, question: Q, answer: A.}\n",
        "entry Two Words: id: 'Two Words' is not a slug",
    ),
    "empty-question": (
        "version: 1\nentries:\n  - {id: a, question: '  ', answer: A.}\n",
        "entry a: question: is empty",
    ),
    "null-answer": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: }\n",
        "entry a: answer: is empty",
    ),
    "missing-answer": (
        "version: 1\nentries:\n  - {id: a, question: Q}\n",
        "entry a: answer: missing",
    ),
    "question-not-text": (
        "version: 1\nentries:\n  - {id: a, question: [Q], answer: A.}\n",
        "entry a: question: is a list; it must be text",
    ),
    "alternatives-text": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: A., alternatives: hi}\n",
        "entry a: alternatives: is text; write it as a list",
    ),
    "alternative-number": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: A., alternatives: [x, 3]}\n",
        "entry a: alternatives[1]: is a number; it must be text",
    ),
    "answer-yes": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: Yes}\n",
        "entry a: answer: is true/false (YAML reads an unquoted yes, no, on or off so); it must "
        "be text: put it in quotes",
    ),
    "answer-number": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: 5.50}\n",
        "entry a: answer: is a number; it must be text: put it in quotes",
    ),
    "answer-date": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: 2026-12-01}\n",
        "entry a: answer: is a date; it must be text: put it in quotes",
    ),
    "alternative-null": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: A., alternatives: [x, ~]}\n",
        "entry a: alternatives[1]: is empty; remove it",
    ),
    "keywords-mapping": (
        "version: 1\nentries:\n  - {id: a, question: Q, answer: A., keywords: {x: 1}}\n",
        "entry a: keywords: is a mapping",
    ),
    "second-entry-missing-id": (
        good_file(("a", "first question", "x")) + "  - {question: Q, answer: A.}\n",
        "entry #2: id: missing",
    ),
    "duplicate-id": (
        good_file(("a", "first question", "x"), ("a", "second question", "y")),
        "entry a: id: duplicate id",
    ),
    "duplicate-question": (
        good_file(("a", "how do knots form", "x"), ("b", "How do knots form?", "y")),
        "entry b: question: 'How do knots form?' is also the question of entry a",
    ),
    "duplicate-alternative": (
        good_file(("a", "first question", "my back hurts"), ("b", "second", "My back hurts!")),
        "entry b: alternatives[0]: 'My back hurts!' is also alternatives[0] of entry a",
    ),
}


def assert_one_line_load_error(path: Path, expected: str) -> None:
    """Loading ``path`` fails with one line that starts with the file and says ``expected``."""
    with pytest.raises(KnowledgeError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_load_names_file_entry_and_field(tmp_path: Path, case: str) -> None:
    text, expected = BROKEN[case]
    path = write(tmp_path, text)
    assert_one_line_load_error(path, expected)


def test_an_error_in_an_entry_names_its_line(tmp_path: Path) -> None:
    """ "entry #2: is text" sent the operator counting list items: an error of an entry names
    the line of the field (or the entry) it is about."""
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: a\n"
        "    question: Where can I park?\n"
        "    alternatives: is there parking\n"
        "    answer: Behind the building.\n"
        "  - just text\n"
        "  - id: b\n"
        "    question: When do you open?\n"
        "    answer: 5\n"
    )
    path = write(tmp_path, text)
    errors = [str(p) for p in lint(path) if p.severity == "error"]
    assert f"{path}: line 5: entry a: alternatives: is text" in "\n".join(errors)
    assert f"{path}: line 7: entry #2: is text" in "\n".join(errors)
    assert f"{path}: line 10: entry b: answer: is a number" in "\n".join(errors)
    assert_one_line_load_error(path, "line 5: entry a: alternatives: is text")


def test_an_empty_required_field_is_not_told_to_be_removed(tmp_path: Path) -> None:
    """`answer: ""` was told "write an answer or remove the field": removed, the file was then
    refused for having no answer. A required field is told to be written; ``spoken`` may go."""
    path = write(tmp_path, "version: 1\nentries:\n  - {id: a, question: ' ', answer: ''}\n")
    errors = [str(p) for p in lint(path)]
    assert [e for e in errors if e.endswith("entry a: question: is empty; write a question")]
    assert [e for e in errors if e.endswith("entry a: answer: is empty; write an answer")]
    path = write(
        tmp_path, "version: 1\nentries:\n  - {id: a, question: Q, answer: A., spoken: ''}\n"
    )
    assert_one_line_load_error(path, "entry a: spoken: is empty; write spoken or remove the field")


def test_load_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(KnowledgeError, match=r"nope\.yaml: file not found; check the path$"):
        load(path)


def test_load_bad_yaml_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nentries:\n  - id: a\n    question: [unclosed\n")
    with pytest.raises(KnowledgeError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line ")
    assert "invalid YAML" in message and "\n" not in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # an answer with ": " in it, as an operator edits one in
        (
            "    answer: No food: drinks only.\n",
            "line 6: invalid YAML (mapping values are not allowed here): a text holding ': ' "
            "must be in quotes; put the whole text in double quotes",
        ),
        # a control character (a word processor's line break) gave a traceback everywhere
        (
            "    answer: Nine\x0bto five.\n",
            "line 6: a control character (U+000B) the file cannot hold (a word processor's "
            "line break pastes as one); delete it",
        ),
        # a quote never closed was reported at the file's last line
        (
            '    answer: "Yes.\n  - id: b\n    question: B?\n    answer: No.\n',
            "line 6: a quote opened here is never closed; close it",
        ),
        # a quote closed only by one lines later (here a comment's) was reported there
        (
            '    answer: "Yes.\n  # a "comment"\n  - id: b\n    question: B?\n    answer: No.\n',
            "line 6: a quote opened here is not closed on its line; close it",
        ),
        # an alternative indented one space short
        (
            "    alternatives:\n      - is it a\n     - is it really a\n    answer: Yes.\n",
            "line 8: invalid YAML (expected <block end>, but found '<block sequence start>'): "
            "this line is not indented as the lines above it; indent it with spaces as the "
            "other lines of its entry are",
        ),
        # a tab pasted into the indentation
        (
            "    answer: |\n\tYes.\n",
            "line 7: a tab where YAML takes only spaces; replace it with spaces",
        ),
        # a list in brackets never closed was reported at the line where reading gave up
        (
            "    alternatives: [is it open, when\n      do you open\n    answer: Yes.\n",
            "line 6: invalid YAML: the '[' opened here is not closed before line 8 (expected "
            "',' or ']', but got ':'); close it with ']' after its last item",
        ),
        # a text in quotes going on after its closing quote was "not indented"
        (
            "    answer: 'It's free on Sundays.'\n",
            "line 6: the text opens with a quote (') that closes before its end; put the whole "
            'text in double quotes, a quote inside it written \\" (an apostrophe is fine: '
            '"It\'s free.")',
        ),
        (
            '    answer: "Free" entry on Sundays.\n',
            'line 6: the text opens with a quote (") that closes before its end; put the whole '
            'text in double quotes, a quote inside it written \\" (an apostrophe is fine: '
            '"It\'s free.")',
        ),
        # a text opening with a mark of YAML's own: "fix the syntax there"
        (
            "    answer: *Free* entry on Sundays.\n",
            "line 6: a text starting with '*' must be in quotes; put the whole text in double "
            "quotes",
        ),
        (
            "    answer: @ the front desk.\n",
            "line 6: a text starting with '@' must be in quotes; put the whole text in double "
            "quotes",
        ),
        # a list in brackets of questions
        (
            "    alternatives: [when are you open?, what time do you close?]\n    answer: Yes.\n",
            "line 6: an item of the list in brackets holds a mark YAML reads as its own ('?' or "
            "': '); put each item in double quotes, or write the list as lines, each starting "
            "with '- '",
        ),
        # a key indented one space too far was told to quote a text holding ": "
        (
            "    answer: Nine to five.\n     topic: hours\n",
            "line 7: this key is indented further than the one above it, so it was read as "
            "more of that one's text; indent it as the other keys of its entry",
        ),
        # an answer's next line opening "Word: ..." is more of it, not a key indented too far
        (
            "    answer: We are open daily but closed on\n      Sundays: call 111 instead.\n",
            "line 7: invalid YAML (mapping values are not allowed here): a text holding ': ' "
            "must be in quotes; put the whole text in double quotes",
        ),
        # a list in brackets on a line indented short is no text to quote
        (
            "    answer: Yes.\n   alternatives: [is it open, when do you open]\n",
            "line 7: invalid YAML (expected <block end>, but found '<block mapping start>'): "
            "this line is not indented as the lines above it; indent it with spaces as the "
            "other lines of its entry are",
        ),
        # two files pasted together
        (
            "    answer: Yes.\n---\nversion: 1\n",
            "line 7: a second document starts here ('---'): a knowledge file holds one; put "
            "its entries under the first 'entries:' and remove the '---' lines",
        ),
    ],
)
def test_a_hand_edit_that_breaks_the_yaml_says_where_and_what_to_do(
    tmp_path: Path, entry: str, expected: str
) -> None:
    path = write(tmp_path, f"version: 1\nentries:\n\n  - id: a\n    question: A?\n{entry}")
    with pytest.raises(KnowledgeError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: {expected}"


def test_an_entry_may_take_another_s_fields_by_a_yaml_merge_key(tmp_path: Path) -> None:
    """YAML's merge key ("<<: *base") was refused: "could not determine a constructor"."""
    path = write(
        tmp_path,
        "version: 1\nentries:\n  - &base\n    id: a\n    question: When do you open?\n"
        "    answer: At nine, every day of the week.\n    topic: opening hours\n"
        "  - <<: *base\n    id: b\n    question: Are you open at Easter?\n",
    )
    entries = load(path).entries
    assert [(e.id, e.question, e.answer, e.topic) for e in entries] == [
        ("a", "When do you open?", "At nine, every day of the week.", "opening hours"),
        ("b", "Are you open at Easter?", "At nine, every day of the week.", "opening hours"),
    ]


def test_load_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("version: 1\nentries:\n  - id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(KnowledgeError, match="line 3: not UTF-8 text; save the file as UTF-8"):
        load(path)


def test_an_faq_document_given_as_knowledge_is_told_how_to_import_it(tmp_path: Path) -> None:
    """A Word file given as the knowledge was "not UTF-8 text (byte 12)": its bytes read as
    text. A text FAQ keeps what was wrong with it as YAML, and is told the same way out."""
    document = tmp_path / "cafe faq.docx"
    document.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4")
    with pytest.raises(KnowledgeError) as caught:
        load(document)
    made = shlex.quote(str(tmp_path / "cafe faq.yaml"))
    assert str(caught.value) == (
        f"{document}: a .docx document, not a knowledge file; "
        f"`knotvoice knowledge import {shlex.quote(str(document))} -o {made}` makes one of it"
    )
    text = tmp_path / "faq.txt"
    text.write_text("Do you fix bikes?\nYes, every Saturday.\n")
    with pytest.raises(KnowledgeError) as caught:
        load(text)
    assert str(caught.value).endswith(
        f"; a plain-text FAQ? `knotvoice knowledge import {text} -o {tmp_path / 'faq.yaml'}` "
        "makes a knowledge file of it"
    )
    # saved as .yaml, it had no hint; a knowledge file gone wrong gets none
    named = tmp_path / "faq.yaml"
    named.write_text(text.read_text())
    with pytest.raises(KnowledgeError) as caught:
        load(named)
    assert str(caught.value).endswith(
        f"; a plain-text FAQ? rename it {text}, then `knotvoice knowledge import {text} -o "
        f"{named}` makes a knowledge file of it"
    )
    for gone_wrong in ("version: 1\nentries: Do you fix bikes?\n", "- id: fix\n  question: Why?\n"):
        named.write_text(gone_wrong)
        with pytest.raises(KnowledgeError) as caught:
            load(named)
        assert "plain-text FAQ" not in str(caught.value)


def test_load_keeps_optional_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
entries:
  - id: a
    question: "  Why?  "
    answer: |
      Because.
    alternatives: ["how   come", what for]
    spoken: Because, really.
    keywords: [reason]
""",
    )
    entry = load(path).get("a")
    assert entry.question == "Why?"
    assert entry.answer == "Because."
    assert entry.alternatives == ("how come", "what for")
    assert entry.spoken == "Because, really." and entry.speech == "Because, really."
    assert entry.keywords == ("reason",)
    assert entry.topic == ""


# --- the matching section ------------------------------------------------------------------

LIBRARY = """\
version: 1
entries:
  - id: hours
    question: When is the library open?
    answer: From nine to six.
"""


def test_a_file_without_matching_hints_has_empty_ones(tmp_path: Path) -> None:
    assert load(write(tmp_path, LIBRARY)).matching == MatchingHints()
    assert load(write(tmp_path, LIBRARY + "matching:\n")).matching == MatchingHints()


def test_matching_hints_are_read_in_file_order(tmp_path: Path) -> None:
    text = LIBRARY + (
        "matching:\n"
        "  core_terms: [Library, books]\n"
        "  synonyms: {lend: borrow, shut: close}\n"
        "  heard_as:\n"
        "    - borrow: [borough, bar row]\n"
        "      book: look\n"
        "    - {pattern: '\\b(a|my) look\\b', replace: '\\1 book'}\n"
    )
    hints = load(write(tmp_path, text)).matching
    assert hints.core_terms == ("library", "books")
    assert hints.synonyms == (("lend", "borrow"), ("shut", "close"))
    assert hints.heard_as == (
        Repair(r"\b(?:borough|bar row)\b", "borrow"),
        Repair(r"\b(?:look)\b", "book"),
        Repair(r"\b(a|my) look\b", r"\1 book"),
    )
    plain = load(write(tmp_path, LIBRARY + "matching:\n  heard_as: {borrow: [borough]}\n"))
    assert plain.matching.heard_as == (Repair(r"\b(?:borough)\b", "borrow"),)


BROKEN_MATCHING = {
    "bad-regex": (
        "  heard_as:\n    - {pattern: '\\b(a|the not\\b', replace: '\\1 knot'}\n",
        "matching.heard_as[0].pattern: is not a valid regular expression (missing ), ",
    ),
    # one a lint passed that froze a kiosk on "where can i park" (and ignored SIGTERM)
    "repeat-of-a-repeat": (
        "  heard_as:\n    - {pattern: '^(\\w+ ?)+ car park$', replace: 'car park'}\n",
        "matching.heard_as[0].pattern: repeats a part that itself repeats (as `(\\w+ ?)+` does): "
        "some questions would take it forever to match",
    ),
    "bad-group": (
        "  heard_as:\n    - {pattern: '\\ba not\\b', replace: '\\1 knot'}\n",
        "matching.heard_as[0].replace: is not a valid replacement (invalid group reference 1",
    ),
    "missing-replace": (
        "  heard_as:\n    - borrow: [borough]\n    - pattern: x\n",
        "matching.heard_as[1].replace: missing",
    ),
    "heard-as-text": ("  heard_as: borough\n", "matching.heard_as: is text"),
    "heard-form-digits": (
        "  heard_as:\n    - borrow: [borough, b0rrow]\n",
        "matching.heard_as[0].borrow[1]: 'b0rrow' must be lowercase words in letters only",
    ),
    "heard-forms-empty": (
        "  heard_as:\n    - borrow: []\n",
        "matching.heard_as[0].borrow: is a list",
    ),
    "synonym-phrase": (
        "  synonyms: {lend: borrow a book}\n",
        "matching.synonyms.lend: 'borrow a book' must be one lowercase word",
    ),
    "synonym-yes": ("  synonyms: {yes: sure}\n", "matching.synonyms.True: key is true/false"),
    "synonyms-list": ("  synonyms: [lend]\n", "matching.synonyms: is a list; it must map words"),
    "core-text": ("  core_terms: books\n", "matching.core_terms: is text; it must be a list"),
    "core-number": ("  core_terms: [book, 7]\n", "matching.core_terms[1]: is a number"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MATCHING))
def test_a_broken_matching_section_names_file_and_field(tmp_path: Path, case: str) -> None:
    section, expected = BROKEN_MATCHING[case]
    path = write(tmp_path, LIBRARY + "matching:\n" + section)
    assert_one_line_load_error(path, expected)


def test_matching_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"kb\.yaml: matching: is a list; it must be a map"):
        load(write(tmp_path, LIBRARY + "matching: [knot]\n"))


def test_lint_reports_every_matching_problem(tmp_path: Path) -> None:
    text = LIBRARY + (
        "matching:\n"
        "  core_term: [book]\n"
        "  synonyms: {lend: lend, loan: two words}\n"
        "  heard_as:\n"
        "    - borrow: [bar oh, borrow]\n"
        "    - {pattern: '(', replace: x}\n"
    )
    path = write(tmp_path, text)
    found = {(p.severity, p.field) for p in lint(path) if p.field.startswith("matching")}
    assert found == {
        ("error", "matching.synonyms.loan"),
        ("error", "matching.heard_as[1].pattern"),
        ("warning", "matching.core_term"),
        ("warning", "matching.synonyms.lend"),
        ("warning", "matching.heard_as.borrow"),  # "oh" is dropped as a filler
        ("warning", "matching.heard_as[0].borrow[1]"),  # the right word itself
    }


# --- lint ----------------------------------------------------------------------------------

BAD_FILE = """\
version: 1
entries:
  - id: lists
    question: How do I stretch?
    alternatives: [how to stretch, How to stretch!, stretching tips]
    answer: |
      Do this:
      1. Reach \u201cup\u201d = high.
      2. Bend down.
  - question: Where is the id?
    answer: Nowhere.
  - id: lists
    question: Another question?
    answer: Same id as the first.
    topic: duplicates
  - id: few
    question: how to stretch
    answer: Plain words only.
    spoken: Said with an equals = here.
    topic: few alternatives
    colour: red
"""


def test_lint_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_FILE)
    problems = lint(path)
    found = {(p.severity, p.entry, p.field) for p in problems}
    assert {
        ("error", "#2", "id"),
        ("error", "lists", "id"),
        ("error", "few", "question"),
        ("warning", "lists", "answer"),
        ("warning", "lists", "alternatives[1]"),
        ("warning", "lists", "topic"),
        ("warning", "few", "alternatives"),
        ("warning", "few", "spoken"),
        ("warning", "few", "colour"),
    } <= found
    severities = [p.severity for p in problems]
    assert severities == sorted(severities, key=lambda s: s != "error")
    for problem in problems:
        line = str(problem)
        assert line.startswith(f"{path}: ") and "\n" not in line
    with pytest.raises(KnowledgeError, match="entry #2: id: missing"):
        load(path)


def test_lint_tells_apart_two_entries_given_the_same_id(tmp_path: Path) -> None:
    """Two entries of one id were each warned of in the same words, so the operator could not
    tell which was meant: each warning names the line of its own entry."""
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: opening-hours\n"
        "    question: What are the opening hours?\n"
        "    answer: We are open every day from nine until five.\n"
        "  - id: opening-hours\n"
        "    question: When do you close in winter?\n"
        "    answer: In winter we close at four.\n"
    )
    path = write(tmp_path, text)
    lines = [str(p) for p in lint(path)]
    assert len(lines) == len(set(lines))
    assert f"{path}: line 6: entry opening-hours: id: duplicate id" in "\n".join(lines)
    for line in (3, 6):
        assert f"{path}: line {line}: entry opening-hours: topic: missing" in "\n".join(lines)
        assert f"{path}: line {line}: entry opening-hours: alternatives: only 0" in "\n".join(lines)


def test_lint_warns_of_a_question_two_entries_have_but_for_its_accents(tmp_path: Path) -> None:
    """ "when is the cafe open", as a recognizer writes it, given to one entry and "When is the
    café open?" to another loaded without a word, and the question went to either. One entry's
    own wording with and without accents is left: it helps that entry."""
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: cafe-hours\n"
        "    question: When is the café open?\n"
        "    answer: From nine until five.\n"
        "    alternatives: [Où est le café, ou est le cafe]\n"
        "  - id: shop\n"
        "    question: What does the shop sell?\n"
        "    answer: Maps and postcards.\n"
        "    alternatives: [when is the cafe open]\n"
    )
    path = write(tmp_path, text)
    warned = [str(p) for p in lint(path) if "accents" in p.message]
    assert warned == [
        f"{path}: line 10: entry shop: alternatives[0]: 'when is the cafe open' is the question "
        "of entry cafe-hours but for its accents ('When is the café open?'): one question "
        "given to two entries; keep it in one"
    ]
    assert load(path).get("shop").alternatives == ("when is the cafe open",)


def test_lint_warns_but_load_accepts_warnings_only(tmp_path: Path) -> None:
    text = 'version: 1\nentries:\n  - {id: a, question: Q one, answer: "A\u2014b"}\n'
    path = write(tmp_path, text)
    problems = lint(path)
    assert problems and all(p.severity == "warning" for p in problems)
    assert load(path).get("a").answer == "A\u2014b"


def test_lint_leaves_a_price_per_unit_to_the_reader(tmp_path: Path) -> None:
    text = (
        "version: 1\nentries:\n"
        '  - {id: a, question: Q one, answer: "\u00a335/month or \u00a31.50/hr"}\n'
        '  - {id: b, question: Q two, answer: "Adults = \u00a35"}\n'
    )
    warned = {(p.entry, p.field) for p in lint(write(tmp_path, text))}
    assert ("a", "answer") not in warned and ("b", "answer") in warned


def test_lint_leaves_addresses_and_links_to_the_reader(tmp_path: Path) -> None:
    text = (
        "version: 1\nentries:\n"
        "  - {id: a, question: Q one, answer: 'E-mail bookings@example.org or see "
        "www.example.org/book.'}\n"
        "  - {id: b, question: Q two, answer: 'See [our page](https://example.org/faq?id=3).'}\n"
        "  - {id: c, question: Q three, answer: 'Write to info@example.org, see \u00a7 4.'}\n"
    )
    warned = {(p.entry, p.field) for p in lint(write(tmp_path, text))}
    assert ("a", "answer") not in warned and ("b", "answer") not in warned
    assert ("c", "answer") in warned


def test_lint_warns_of_a_topic_written_as_a_yes_or_no_question(tmp_path: Path) -> None:
    """A visitor turned away is told the nearest topics; "You can ask me about are knots
    dangerous" read badly, and such a topic is not named, which the operator is told."""
    text = (
        "version: 1\nentries:\n"
        "  - {id: a, question: 'Is parking free?', answer: Yes., topic: is parking free}\n"
        "  - {id: b, question: 'Can I recycle cans?', answer: Yes., topic: can recycling}\n"
        "  - {id: c, question: 'Is it safe?', answer: Yes., topic: whether it is safe}\n"
    )
    warned = [str(p) for p in lint(write(tmp_path, text)) if p.field == "topic"]
    assert len(warned) == 1 and "entry a: topic: 'is parking free' is a yes-or-no" in warned[0]


def test_lint_with_a_vocabulary_flags_unknown_words(tmp_path: Path) -> None:
    path = write(tmp_path, good_file(("a", "Is the trapezius sore?", "my shoulder")))
    known_words = {"is", "the", "sore", "my", "shoulder"}
    problems = lint(path, known=known_words.__contains__)
    unknown = [p for p in problems if p.field == "vocabulary"]
    assert [(p.entry, p.severity) for p in unknown] == [("a", "warning")]
    assert "'trapezius'" in unknown[0].message
    assert str(unknown[0]).startswith(f"{path}: line 3: entry a: vocabulary: ")


def test_problem_reads_as_one_line() -> None:
    problem = Problem("error", "a", "answer", "is empty", "kb.yaml")
    assert str(problem) == "kb.yaml: entry a: answer: is empty"
    assert str(Problem("error", None, "", "file not found", "kb.yaml")) == "kb.yaml: file not found"
    at = Problem("error", "a", "answer", "is empty", "kb.yaml", line=4)
    assert str(at) == "kb.yaml: line 4: entry a: answer: is empty"


def _judged(
    expected: int, best: int, chance: float, leave_out: tuple[int, ...], source: str
) -> Judged:
    return Judged(Example("q", expected, leave_out, 0, source), best, chance)


def test_check_does_not_count_an_entry_s_only_phrasing_as_a_new_question() -> None:
    """An entry whose question is its only phrasing keeps it while it is asked (it cannot be
    left with none), so it always finds itself: the check must not report that as how
    visitors' own words fare, and must say what to add."""
    knowledge = Knowledge(
        (
            Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",)),
            Entry("cafe", "Is there a cafe?", "On the ground floor."),
        )
    )
    judged = [
        _judged(0, 0, 0.9, (0,), "phrasing"),  # left out, answered
        _judged(0, 1, 0.2, (1,), "spoken"),  # left out, turned away
        _judged(1, 1, 0.99, (), "phrasing"),  # the cafe's only phrasing, found in place
        _judged(1, 1, 0.98, (), "spoken"),
        _judged(1, 0, 0.9, (4,), "answer"),  # a sentence of an answer, asked: no one asks it
        _judged(-1, 0, 0.1, (), "offtopic"),
    ]
    report = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3)

    hours, cafe = report.entries
    assert report.asked_against_answers == ()
    assert (hours.asked, hours.answered) == (2, 1)
    assert (cafe.asked, cafe.unchecked, cafe.taken_for) == (0, 2, {})
    assert report.unchecked == ("cafe",)
    assert report.alone == ("cafe",)
    assert report.answered_share == 0.5
    (advice,) = [line for line in report.advice if "cafe" in line]
    assert "only phrasing" in advice and "add at least 3 alternatives" in advice
    assert "hours" not in advice

    # A question recorded at the kiosk for the cafe is asked anew; the cafe still has one
    # phrasing, and is still told to get more.
    recorded = check_calibration(
        knowledge, [*judged, _judged(1, 1, 0.9, (), "recorded")], answer_at=0.5, confirm_at=0.3
    )
    assert (recorded.entries[1].asked, recorded.entries[1].answered) == (1, 1)
    assert recorded.unchecked == ("cafe",)
    assert any("cafe" in line and "only phrasing" in line for line in recorded.advice)


def test_check_shows_a_wording_of_two_entries_asked_alike() -> None:
    """Told that two entries are taken for one another, an operator needs to see which of
    their wordings were: one as written in the file, before one as said."""
    knowledge = Knowledge(
        (
            Entry("bicycles", "Can I bring my bike?", "Yes, folded.", ("bikes on board",)),
            Entry("wheelchairs", "Is there step-free access?", "Yes.", ("wheelchair access",)),
        )
    )
    judged = [
        _judged(0, 1, 0.8, (0,), "spoken"),
        _judged(0, 1, 0.7, (1,), "phrasing"),
        _judged(0, 1, 0.9, (0,), "phrasing"),
    ]
    judged = [
        replace(j, question=replace(j.question, text=text))
        for j, text in zip(
            judged,
            ["um, bikes on board please", "bikes on board", "can i bring my bike"],
            strict=True,
        )
    ]
    report = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3)
    assert report.confused == (Confused("bicycles", "wheelchairs", 3, "bikes on board"),)
    (advice,) = [line for line in report.advice if "asked alike" in line]
    assert (
        "such as the phrasing 'bikes on board' of bicycles, asked as if the file did not hold"
        in advice
    )


def test_check_says_how_often_two_entries_were_taken_for_one_another_each_way() -> None:
    """Check said hotel's check-out and check-in were "5 times taken for one another, such
    as 'when do I need to leave the room' for check-in": its table showed 5 one way and 2
    the other, and the operator who asked that phrasing of check-out got check-out, as the
    file holds it (check asks each phrasing as if the file did not). The advice counts each
    way as the table does, and says how its example was asked."""
    knowledge = Knowledge(
        (
            Entry("check-in", "When is check-in?", "From 3pm.", ("when can we arrive",)),
            Entry("check-out", "When is check-out?", "By 11am.", ("when do I leave the room",)),
        )
    )

    def taken(expected: int, source: str, text: str, leave_out: int) -> Judged:
        return Judged(Example(text, expected, (leave_out,), 0, source), 1 - expected, 0.9)

    judged = [
        taken(1, "spoken", "um, when do I leave the room please", 3),
        taken(1, "spoken", "so, when do I leave the room", 3),
        taken(1, "spoken", "when is check out mate", 2),
        taken(1, "phrasing", "when is check-out", 2),
        Judged(Example("when do I leave the room", 1, (3,), 0, "phrasing"), 1, 0.9),
        taken(0, "spoken", "when can we arrive mate", 1),
        taken(0, "phrasing", "when is check-in", 0),
    ]
    report = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3)

    assert [(f.entry, f.taken_for) for f in report.entries] == [
        ("check-in", {"check-out": 2}),
        ("check-out", {"check-in": 4}),
    ]
    (advice,) = [line for line in report.advice if "asked alike" in line]
    assert advice.startswith(
        "entries check-out and check-in are asked alike: asked as new questions, 4 wordings "
        "of check-out were taken for check-in and 2 of check-in for check-out, such as the "
        "phrasing 'when is check-out' of check-out, asked as if the file did not hold it (it "
        "does, so that wording is answered; others near it may not be); "
    )
    # Only said as a visitor might: the variant is shown, with the phrasing it was said from.
    (said,) = [
        line
        for line in check_calibration(knowledge, [*judged[:3], *judged[4:]], 0.5, 0.3).advice
        if "asked alike" in line
    ]
    assert (
        "3 wordings of check-out were taken for check-in and 2 of check-in for check-out, " in said
    )
    assert "such as 'um, when do I leave the room please' ('when do I leave the room' of " in said
    assert "of check-out as a visitor might say it, asked as if the file did not hold " in said
    # A question recorded at the kiosk was misjudged with every phrasing in place: it is the
    # one an operator can try.
    recorded = Judged(Example("what time do we go", 1, (), -1, "recorded"), 0, 0.8)
    (tried,) = [
        line
        for line in check_calibration(knowledge, [*judged, recorded], 0.5, 0.3).advice
        if "asked alike" in line
    ]
    assert "such as 'what time do we go', recorded for check-out; " in tried


def test_check_tells_an_entry_asked_against_its_answer_alone_to_get_alternatives() -> None:
    """An entry with no alternatives whose answer's sentences stood in for them had its
    question asked against them: counted, and told once (not twice) to get alternatives; an
    entry with alternatives that fares badly gets its own advice."""
    knowledge = Knowledge(
        (
            Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",)),
            Entry("shop", "Is there a shop?", "Yes, by the entrance. It sells maps and gifts."),
            Entry("lift", "Is there a lift?", "Yes, behind the shop."),  # not in the sample
        )
    )
    judged = [
        _judged(0, 1, 0.9, (0,), "phrasing"),  # taken for the shop
        _judged(0, 1, 0.9, (1,), "phrasing"),
        _judged(1, 0, 0.7, (2,), "phrasing"),  # the shop's question, against its answer
        _judged(1, 1, 0.2, (2,), "spoken"),
        _judged(1, 1, 0.99, (3,), "answer"),  # a sentence of its answer: not counted
    ]
    report = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3)
    assert report.alone == ("shop", "lift")
    assert report.asked_against_answers == ("shop",)
    assert [(f.entry, f.asked, f.answered) for f in report.entries] == [
        ("hours", 2, 0),
        ("shop", 2, 0),
        ("lift", 0, 0),
    ]
    about_shop = [line for line in report.advice if "shop" in line.split(":")[0]]
    assert len(about_shop) == 1 and "add at least 3 alternatives to each " in about_shop[0]
    assert about_shop[0].startswith("shop, lift: their questions are their only phrasings")
    alone = check_calibration(Knowledge(knowledge.entries[:2]), judged, 0.5, 0.3).advice
    assert any(line.startswith("shop: its question is its only phrasing") for line in alone)
    assert any("add at least 3 alternatives to it " in line for line in alone)
    assert any(line.startswith("entry hours:") for line in report.advice)


def test_check_does_not_tell_an_entry_without_alternatives_to_change_its_alternatives() -> None:
    """An imported FAQ has no alternatives yet: the check told its operator to make the
    alternatives of an entry "more specific", or to merge two entries whose questions were
    only asked against each other's answers (a swimming pool's children and prices), neither
    of which can be done. It says the entry has none yet and to add some."""
    knowledge = Knowledge(
        (
            Entry("prices", "How much is a swim?", "Five pounds. Under 3s free with an adult."),
            Entry("children", "Can my child swim alone?", "Under 8s need an adult with them."),
            Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",)),
        )
    )
    judged = [
        _judged(1, 0, 0.9, (1,), "phrasing"),  # the children's question, against answers
        _judged(1, 0, 0.9, (1,), "spoken"),
        _judged(1, 0, 0.8, (1,), "spoken"),
        _judged(2, 0, 0.9, (2,), "phrasing"),  # an entry with alternatives taken for prices
        _judged(2, 0, 0.9, (2,), "spoken"),
        _judged(2, 0, 0.9, (2,), "spoken"),
        Judged(Example("what time is it", -1, (), 0, "offtopic"), 2, 0.9),
        Judged(Example("do you sell ice cream", -1, (), 0, "offtopic"), 0, 0.9),
    ]
    advice = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3).advice

    (children,) = [line for line in advice if line.startswith("entries children and prices")]
    assert "merge" not in children and "their alternatives" not in children
    assert "children and prices have no alternatives yet" in children
    (hours,) = [line for line in advice if line.startswith("entries hours and prices")]
    assert "merge" not in hours
    assert "prices has no alternatives yet: add some that say what tells it apart" in hours
    (ice,) = [line for line in advice if line.startswith("a question like 'do you sell ice cream'")]
    assert "make the alternatives of prices more specific" not in ice
    assert "prices has no alternatives yet" in ice and "add some in visitors' own words" in ice
    (time,) = [line for line in advice if line.startswith("a question like 'what time is it'")]
    assert time.endswith("make the alternatives of hours more specific")


def test_check_names_the_alternative_an_everyday_question_is_answered_by(
    semantic: SemanticModel,
) -> None:
    """Told to make an entry's alternatives "more specific" after adding the alternatives
    check advised, an operator did not know which one let everyday questions in: the advice
    names the entry's wording nearest the question, by meaning (by words without a sentence
    model); an entry without alternatives is still told to get some."""
    pets = Entry(
        "dogs",
        "Can I bring my dog?",
        "Dogs on a short lead are welcome in the gardens.",
        ("are dogs allowed inside the cafe", "what about pets", "is there a water bowl"),
    )
    hours = Entry("hours", "When are you open?", "Nine to five.")
    knowledge = Knowledge((pets, hours), "garden.yaml")
    question = "what's a good pet for a small flat"
    assert Evidence(knowledge, semantic).nearest_wording(question, 0) == "what about pets"
    assert Evidence(knowledge, None).nearest_wording("where can I buy a water bowl", 0) == (
        "is there a water bowl"
    )
    # an entry's question is no alternative; without a sentence model, a question sharing no
    # word with any alternative has none nearest (the first was named)
    assert Evidence(knowledge, None).nearest_wording("can I bring my dog", 0) == (
        "are dogs allowed inside the cafe"
    )
    assert Evidence(knowledge, None).nearest_wording("tell me a joke", 0) == ""
    assert Evidence(knowledge, semantic).nearest_wording("when do you open", 1) == ""
    judged = [
        Judged(Example(question, -1, (), 0, "offtopic"), 0, 0.9),
        Judged(Example("what time is it", -1, (), 0, "offtopic"), 1, 0.9),
    ]
    evidence = Evidence(knowledge, semantic)
    advice = check_calibration(
        knowledge,
        judged,
        0.5,
        0.3,
        lambda asked, entry: evidence.nearest_wording(asked, ["dogs", "hours"].index(entry)),
    ).advice
    (pet,) = [line for line in advice if line.startswith(f"a question like {question!r}")]
    assert pet.endswith(
        "make the alternatives of dogs more specific, first its alternative nearest to it, "
        "'what about pets'"
    )
    (time,) = [line for line in advice if line.startswith("a question like 'what time is it'")]
    assert "hours has no alternatives yet" in time and "nearest" not in time


def test_check_leaves_out_everyday_words_the_kiosk_takes_as_a_follow_up() -> None:
    """A visitor's "no" or "stop" is a follow-up the kiosk never matches, so check neither
    counts it among the everyday questions asked nor tells the operator it would be answered
    (it did: "'no' would get the answer of" the booking entry)."""
    knowledge = Knowledge(
        (
            Entry("booking", "Do I need to book?", "No, just turn up.", ("can I just turn up",)),
            Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",)),
        )
    )
    judged = [
        _judged(0, 0, 0.9, (0,), "phrasing"),
        _judged(1, 1, 0.9, (1,), "phrasing"),
        Judged(Example("no", -1, (), 0, "offtopic"), 0, 0.9),
        Judged(Example("stop", -1, (), 0, "offtopic"), 0, 0.9),
        Judged(Example("do you sell ice cream", -1, (), 0, "offtopic"), 1, 0.9),
    ]
    report = check_calibration(knowledge, judged, answer_at=0.5, confirm_at=0.3)

    assert report.offtopic_asked == 1
    assert [question for question, _, _ in report.offtopic_answered] == ["do you sell ice cream"]
    assert not [line for line in report.advice if line.startswith(("'no'", "'stop'"))]


def test_check_tells_a_file_without_topics_what_a_visitor_turned_away_hears() -> None:
    """An operator learnt of topics only from lint: a file with none has whole questions
    read to a visitor turned away, and check says so and what a topic gives instead."""
    bare = Knowledge(
        (
            Entry("booking", "Do I need to book?", "No.", ("can I just turn up",)),
            Entry("hours", "When are you open?", "Nine to five.", ("what time do you open",)),
        )
    )
    judged = [_judged(0, 0, 0.9, (0,), "phrasing"), _judged(1, 1, 0.9, (1,), "phrasing")]

    (line,) = [
        line
        for line in check_calibration(bare, judged, 0.5, 0.3).advice
        if line.startswith("no entry has a topic")
    ]
    assert "give each entry a topic" in line and "You can ask me about" in line
    titled = Knowledge((replace(bare.entries[0], topic="booking"), bare.entries[1]))
    assert not [
        line
        for line in check_calibration(titled, judged, 0.5, 0.3).advice
        if line.startswith("no entry has a topic")
    ]


def test_check_says_where_a_weak_entry_s_questions_went() -> None:
    """A pool's prices were answered 44% of the time and told to "say what sets it apart from"
    the swimwear entry, which had taken one of its 18 questions: most of the rest had been
    turned away. The advice says how many went where, and names another entry only when
    being taken for others is what it mostly suffers from."""
    knowledge = Knowledge(
        (
            Entry("prices", "How much is a swim?", "Five pounds.", ("what does it cost",)),
            Entry("wear", "What do I wear?", "Swimwear.", ("can i swim in shorts",)),
        )
    )
    turned_away = [
        _judged(0, 0, 0.9, (0,), "phrasing"),
        _judged(0, 0, 0.9, (0,), "spoken"),
        _judged(0, 1, 0.9, (0,), "spoken"),  # taken for wear
        _judged(0, 0, 0.4, (1,), "phrasing"),  # a did-you-mean
        _judged(0, 0, 0.1, (1,), "spoken"),
        _judged(0, 1, 0.2, (1,), "spoken"),
        _judged(0, 0, 0.1, (1,), "spoken"),
    ]
    (advice,) = [
        line
        for line in check_calibration(knowledge, turned_away, 0.5, 0.3).advice
        if line.startswith("entry prices:")
    ]
    assert "29% of the time (3 turned away, 1 a did-you-mean, 1 taken for another entry)" in advice
    assert advice.endswith("add alternatives in visitors' own words")

    taken = [*turned_away[:3], *(_judged(0, 1, 0.9, (1,), "spoken") for _ in range(3))]
    (advice,) = [
        line
        for line in check_calibration(knowledge, taken, 0.5, 0.3).advice
        if line.startswith("entry prices:")
    ]
    assert "(0 turned away, 0 a did-you-mean, 4 taken for another entry)" in advice
    assert advice.endswith("that say what sets it apart from wear")


def test_a_knowledge_not_in_english_is_told_so_once(tmp_path: Path) -> None:
    """knotvoice hears, matches and speaks English: an operator who imports an FAQ in another
    language learns it before visitors do, from `knowledge lint` and `knowledge import`."""
    german = tmp_path / "fundbuero.txt"
    german.write_text(
        "Wo ist das Fundbüro?\nDas Fundbüro ist im Erdgeschoss neben dem Haupteingang, "
        "montags bis freitags von neun bis fünf Uhr geöffnet.\n\n"
        "Darf ich meinen Hund mitnehmen?\nHunde sind an der Leine erlaubt, aber nicht im "
        "Restaurant und nicht auf dem Sonnendeck des Schiffes.\n\n"
        "Wo kann ich parken?\nDer Parkplatz liegt hinter dem Terminal und kostet zwölf Euro "
        "pro Tag, für Fahrgäste mit Fahrrad ist das Parken kostenlos.\n",
        encoding="utf-8",
    )
    written = tmp_path / "fundbuero.yaml"
    assert main(["knowledge", "import", str(german), "-o", str(written)]) == 0
    warned = [p for p in lint(written) if "do not look like English" in p.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert not [p for p in lint(KNOTS) if "English" in p.message]
    # A web address's words are no language's: an English file of a long one was not English
    addresses = tmp_path / "addresses.yaml"
    addresses.write_text(
        "version: 1\nentries:\n"
        "  - id: timetable\n    question: Where is the timetable?\n"
        "    answer: See https://example.org/t?page=1&section=opening&copy=1&times=3&not=4&reg=5"
        "&para=6&lang=en&view=full&print=yes&size=large&mode=dark or mail fares@example.org\n",
        encoding="utf-8",
    )
    assert not [p for p in lint(addresses) if "English" in p.message]
    # Japanese writes no spaces: each sentence was one word, too few to judge, and no warning
    japanese = tmp_path / "ja.yaml"
    japanese.write_text(
        "version: 1\nentries:\n"
        "  - {id: hours, question: 何時に開きますか, answer: 毎日午前九時から午後五時まで営業しています。}\n"
        "  - {id: parking, question: 駐車場はありますか, answer: 建物の裏に無料の駐車場があります。}\n",
        encoding="utf-8",
    )
    assert [p.message for p in lint(japanese) if "do not look like English" in p.message] == [
        "do not look like English (100% of their letters are not English letters); knotvoice "
        "hears, matches and speaks English: questions in another language will not be heard "
        "or answered"
    ]


def test_check_tells_a_knowledge_not_in_english_that_visitors_will_not_be_answered() -> None:
    """A French FAQ had `knowledge check` report 58% of its wordings answered and nothing
    else: the operator learnt only from lint that the kiosk hears and speaks English. The
    check says it first, and an English file is not told so."""
    french = Knowledge(
        (
            Entry(
                "horaires",
                "Quels sont les horaires d'ouverture ?",
                "Nous sommes ouverts tous les jours de neuf heures à dix-sept heures.",
                ("à quelle heure ouvrez-vous", "vous fermez à quelle heure"),
            ),
            Entry(
                "parking",
                "Où puis-je me garer ?",
                "Un parking gratuit se trouve derrière le bâtiment, à gauche de l'entrée.",
                ("y a-t-il un parking", "où laisser ma voiture", "le parking est-il gratuit"),
            ),
        ),
        source="faq.yaml",
    )
    judged = [_judged(0, 0, 0.9, (0,), "phrasing"), _judged(1, 1, 0.9, (1,), "phrasing")]

    advice = check_calibration(french, judged, 0.5, 0.3).advice
    assert advice[0].startswith("the entries do not look like English")
    assert "will not be heard or answered" in advice[0]
    english = Knowledge(
        (
            Entry(
                "hours",
                "When are you open?",
                "We are open every day from nine until five.",
                ("what time do you open", "are you open on sunday", "when do you close"),
            ),
            Entry(
                "parking",
                "Where can I park?",
                "There is a free car park behind the building.",
                ("is there parking", "where do i leave the car", "is parking free"),
            ),
        )
    )
    assert not [
        line for line in check_calibration(english, judged, 0.5, 0.3).advice if "English" in line
    ]


def test_lint_warns_of_the_symbols_an_answer_made_ready_to_speak_still_holds(
    tmp_path: Path,
) -> None:
    """Lint warned of 11 of 13 answers of an FAQ with curly apostrophes and dashes
    ("has lists or symbols that are read out badly"), which are read as said, and named
    none of the symbols it meant."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: open\n    question: When are you open?\n"
        '    answer: "We\u2019re open 10am \u2013 4.30pm\u2026 \u201cdogs welcome\u201d."\n'
        '  - id: price\n    question: How much?\n    answer: "Tickets = 5 pounds (see \u00a7 4)."\n'
        # A list and a web address are read as said (knowledge/README.md): no warning.
        "  - id: diets\n    question: Do you cater for diets?\n"
        '    answer: "We can offer:\\n- Vegetarian dishes\\n- Halal meals\\n\\n'
        'Menus at https://www.example.org/menu"\n',
        encoding="utf-8",
    )
    assert [(p.entry, p.message) for p in lint(path) if "symbols" in p.message] == [
        ("price", "has symbols read out badly ('=', '\u00a7'); add a 'spoken' form")
    ]


def test_lint_warns_of_an_answer_still_to_be_written(tmp_path: Path) -> None:
    """`answer: TODO` passed lint without a word, and the kiosk would say "todo" to a
    visitor; an answer that is a real word or a short one ("None.", "Yes.") is no such."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: wifi\n    question: Is there wifi?\n    answer: TODO\n"
        '  - id: pool\n    question: Is there a pool?\n    answer: "T.B.C."\n'
        '  - id: bar\n    question: Is there a bar?\n    answer: "..."\n'
        "  - id: fee\n    question: Is there a fee?\n    answer: None.\n"
        "  - id: dogs\n    question: Are dogs allowed?\n    answer: Yes.\n",
        encoding="utf-8",
    )
    warned = [(p.entry, p.severity) for p in lint(path) if "no answer yet" in p.message]
    assert warned == [("wifi", "warning"), ("pool", "warning")]
    # "..." is said as nothing at all: an error (below)
    assert [(p.entry, p.severity) for p in lint(path) if "says nothing" in p.message] == [
        ("bar", "error")
    ]


def test_an_answer_or_spoken_form_that_says_nothing_aloud_is_an_error(tmp_path: Path) -> None:
    """An answer of emoji alone, or "<br>", and a spoken form of emoji loaded with a
    warning (that the kiosk "would read it out as it is"): the kiosk answered in silence,
    the screen stayed on "thinking", and Home Assistant got an empty reply."""
    path = write(
        tmp_path,
        "version: 1\nentries:\n"
        '  - id: party\n    question: Can I have a party here?\n    answer: "\U0001f389"\n'
        '  - id: br\n    question: Is there a lift?\n    answer: "<br>"\n'
        "  - id: hours\n    question: When do you open?\n    answer: At nine, every day.\n"
        '    spoken: "\U0001f44b\U0001f642"\n'
        "  - id: jp\n    question: Where are the toilets?\n    answer: \u30c8\u30a4\u30ec\n",
    )
    assert [(p.entry, p.field, p.severity) for p in lint(path) if "says nothing" in p.message] == [
        ("party", "answer", "error"),
        ("br", "answer", "error"),
        ("hours", "spoken", "error"),
    ]
    with pytest.raises(KnowledgeError, match="says nothing read aloud"):
        load(path)


def test_lint_warns_of_an_answer_that_does_not_say_what_it_answers(tmp_path: Path) -> None:
    """ "Yes.", "No." or "£5." passed lint; heard after a misheard question ("how much is a
    bus ticket?" answered "5 pounds"), it cannot be told from the right answer."""
    path = write(
        tmp_path,
        "version: 1\nentries:\n"
        '  - id: dogs\n    question: Are dogs allowed?\n    answer: "Yes."\n'
        '  - id: fee\n    question: How much is it?\n    answer: "\u00a35."\n'
        "  - id: said\n    question: Is it free?\n    answer: No charge at all.\n"
        '    spoken: "No."\n'
        "  - id: park\n    question: Can I park?\n    answer: Yes, behind the hall.\n",
    )
    warned = [(p.entry, p.field) for p in lint(path) if "does not say what it" in p.message]
    assert warned == [("dogs", "answer"), ("fee", "answer"), ("said", "spoken")]


def test_lint_warns_of_two_entries_with_one_answer(tmp_path: Path) -> None:
    """Two entries answered alike passed lint; they are one entry asked two ways."""
    path = write(
        tmp_path,
        "version: 1\nentries:\n"
        "  - id: parking\n    question: Where can I park?\n"
        "    answer: Behind the hall, on Mill Lane.\n"
        "  - id: dogs\n    question: Are dogs allowed?\n    answer: Yes, on a lead.\n"
        "  - id: car-park\n    question: Is there a car park?\n"
        "    answer: behind the hall on Mill Lane!\n",
    )
    (warned,) = [p for p in lint(path) if "is the answer of entry" in p.message]
    assert (warned.entry, warned.field, warned.line) == ("car-park", "answer", 11)
    assert "put this entry's question among parking's alternatives" in warned.message


def test_lint_warns_of_an_ending_most_answers_share(tmp_path: Path) -> None:
    """A file imported from a help page ended each answer with "Still need help? Contact
    us.", said after every answer; lint said nothing. It warns once, at the first of them,
    of what the kiosk says (a spoken form, where there is one); an ending two answers of
    four share is theirs, and a title's stop ends no sentence ("Dr. Patel")."""
    entry = "  - id: {}\n    question: {}?\n    answer: {}\n"
    answers = [
        ("hours", "When are you open", "Nine to five. Still need help? Contact us."),
        ("parking", "Can I park", "Yes, behind the hall. Still need help? Contact us."),
        ("dogs", "Are dogs allowed", "Yes, on a lead. Still need help? contact us!"),
        ("cafe", "Is there a cafe", "Yes, until three. Still need help? Contact us."),
        ("wifi", "Is there wifi", "Yes, it is free."),
    ]
    path = write(tmp_path, "version: 1\nentries:\n" + "".join(entry.format(*a) for a in answers))
    (warned,) = [p for p in lint(path) if "end with" in p.message]
    assert (warned.entry, warned.field, warned.line) == ("hours", "answer", 5)
    assert warned.message == (
        "it and 3 other answers end with 'Still need help? Contact us.', which the kiosk says "
        "after each of them; take it out of those that do not need it"
    )
    spoken = "    spoken: Nine till five.\n"
    text = "version: 1\nentries:\n" + "".join(entry.format(*a) for a in answers)
    path = write(tmp_path, text.replace("Contact us.\n", f"Contact us.\n{spoken}", 1))
    assert not [p for p in lint(path) if "end with" in p.message], "3 of 5 said: theirs"
    doctor = [(n, q, f"{a.split('.')[0]}. Ask for Dr. Patel.") for n, q, a in answers]
    path = write(tmp_path, "version: 1\nentries:\n" + "".join(entry.format(*a) for a in doctor))
    (warned,) = [p for p in lint(path) if "end with" in p.message]
    assert "end with 'Ask for Dr. Patel.'" in warned.message


def test_lint_warns_of_html_tags_and_says_what_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An answer with "<b>open</b>", "<br>" or "<script>" passed lint without a word: the
    screen shows the tags as written, and speech read "b open b". Lint names the entry and
    the markdown to write instead (``markup.py``); "age < 16" is no tag."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: hours\n    question: When are you open?\n"
        "    answer: We are <b>open</b> daily.<br>Closed on <em>Sundays</em>.\n"
        "  - id: park\n    question: Is there <i>parking</i>?\n"
        "    answer: '<p>Yes.</p><script>alert(1)</script> See <a href=\"https://x.org\">here</a>.'\n"
        "    spoken: Yes, <b>behind</b> the building.\n"
        "  - id: kids\n    question: Do children pay?\n    answer: Free if age < 16.\n",
        encoding="utf-8",
    )
    warned = [(p.entry, p.field, p.line, p.message) for p in lint(path) if "HTML" in p.message]
    assert warned == [
        (
            "hours",
            "answer",
            5,
            "has HTML tags (<b>, <br>, <em>), which the screen shows as written and speech "
            "leaves out; write **bold** for <b>, *italic* for <em>, a new line for <br>",
        ),
        (
            "park",
            "question",
            7,
            "has HTML tags (<i>), which the screen shows as written and speech leaves out; "
            "write *italic* for <i>",
        ),
        (
            "park",
            "answer",
            8,
            'has HTML tags (<p>, <script>, <a href="https://x.org">), which the screen shows as '
            "written and speech leaves out; write a new line for <p>, [its text](address) for "
            "<a>; remove <script>",
        ),
        ("park", "spoken", 9, "has HTML tags (<b>), which speech leaves out; remove them"),
    ]
    # Warnings only: the file still loads, and lint exits 0.
    assert main(["knowledge", "lint", str(path)]) == 0
    assert f"{path}: line 5: entry hours: answer: has HTML tags (<b>, <br>, <em>)" in (
        capsys.readouterr().out
    )


PASTED = """version: 1
entries:
  - id: food
    question: Do you serve fish &amp; chips?
    alternatives: ["what&#39;s on the menu", is there a caf&eacute;, lunch&nbsp;options]
    answer: "Yes: fish &amp; chips, &pound;9.50 &ndash; our chef&#8217;s &quot;classic&quot;."
    spoken: Yes, fish &amp; chips for &pound;9.50.
    topic: food &amp; drink
    keywords: [B&amp;B]
"""
"""An entry pasted from a web page's HTML, with character references in every text."""


def test_character_references_are_read_as_the_characters_they_stand_for(tmp_path: Path) -> None:
    """An FAQ pasted from a web page holds "&amp;", "&#39;" and "&nbsp;": every text of an
    entry is read with them as their characters, so the screen, speech and matching all see
    "&", "'" and a space, not "amp", "#39" and "nbsp" (words no visitor says)."""
    entry = load(write(tmp_path, PASTED)).get("food")
    assert entry.question == "Do you serve fish & chips?"
    assert entry.alternatives == ("what's on the menu", "is there a caf\u00e9", "lunch options")
    assert entry.answer == 'Yes: fish & chips, \u00a39.50 \u2013 our chef\u2019s "classic".'
    assert entry.spoken == "Yes, fish & chips for \u00a39.50."
    assert (entry.topic, entry.keywords) == ("food & drink", ("B&B",))
    assert not {"amp", "39", "nbsp", "eacute"} & set(vocabulary(load(write(tmp_path, PASTED))))


def test_lint_says_nothing_of_character_references_but_those_that_stand_for_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lint said nothing of "&amp;" (read out "and amp"), and of "&#39;" only that "#" was read
    out badly. The references are read as their characters now, and lint names only those
    left as written: without their ";", misspelt, or encoded twice over."""
    unspoken = PASTED.replace("    spoken: Yes, fish &amp; chips for &pound;9.50.\n", "")
    assert lint(write(tmp_path, unspoken)) == []
    path = write(
        tmp_path,
        "version: 1\nentries:\n"
        "  - id: food\n    question: Do you serve fish &amp chips?\n"
        "    alternatives: [is there food, can I eat here, what's for lunch]\n"
        "    answer: We&#39re open &nbps; daily &#0; for &amp;lt;b&amp;gt; and more.\n"
        "    topic: food\n",
    )
    warned = [(p.field, p.line, p.message) for p in lint(path) if "reference" in p.message]
    assert warned == [
        (
            "question",
            4,
            "has character references shown and read as written: '&amp' (write '&amp;')",
        ),
        (
            "answer",
            6,
            "has character references shown and read as written: '&#39' (write '&#39;'), "
            "'&nbps;' (no character's name: check its spelling), '&#0;' (no character's "
            "number), '&amp;lt;' (encoded twice: write '&lt;'), ...",
        ),
    ]
    assert main(["knowledge", "lint", str(path)]) == 0  # warnings: the file still loads
    assert "entry food: question: has character references" in capsys.readouterr().out


def test_a_tag_written_with_character_references_is_text_for_screen_speech_and_lint(
    tmp_path: Path,
) -> None:
    """An operator wrote "&lt;b&gt;" to show "<b>": read as "<b>", lint called it a tag the
    operator wrote (to write **bold** instead) and speech left it out as a tag. Written so,
    a tag is text: the screen shows it as written, speech says it by its name ("b tag"), and
    lint says nothing; a tag written as such is still one."""
    path = write(
        tmp_path,
        "version: 1\nentries:\n"
        "  - id: bold\n    question: How do I make a word bold?\n"
        "    alternatives: [bold text, heavy letters, thick type]\n"
        "    answer: Type &lt;b&gt; before it and &lt;/b&gt; after it.\n"
        "    topic: web\n"
        "  - id: pasted\n    question: Is the page editor free?\n"
        "    alternatives: [does the editor cost, price of the editor, editor fee]\n"
        "    answer: It is <b>free</b>.\n"
        "    topic: web\n",
    )
    knowledge = load(path)
    shown = [
        "".join(span.text for span in line.spans) for line in lines(knowledge.get("bold").answer)
    ]
    assert shown == ["Type <b> before it and </b> after it."]
    assert spoken_answer(knowledge.get("bold")) == (
        "Type b tag before it and closing b tag after it."
    )
    assert spoken_answer(knowledge.get("pasted")) == "It is free."
    tagged = [(p.entry, p.message.split(",")[0]) for p in lint(path) if "HTML" in p.message]
    assert tagged == [("pasted", "has HTML tags (<b>)")]


def test_an_answer_too_long_to_read_aloud_is_warned_of_by_lint_and_check(tmp_path: Path) -> None:
    """An answer of 5,000 words passed lint and check without a word, and at the kiosk held
    the loop for 60 s before the reply was given up ("check espeak-ng"). Lint and check say
    how long it is and to write a short spoken form; the bundled FAQs are not warned."""
    long = " ".join(["Park behind the main building where the spaces are free."] * 30)
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: parking\n    question: Where can I park?\n"
        "    alternatives: [is there parking, where do i leave the car, is parking free]\n"
        f"    answer: {long}\n    topic: parking\n",
        encoding="utf-8",
    )
    (warned,) = [p for p in lint(path) if p.field == "answer"]
    assert warned.severity == "warning" and "300 words" in warned.message
    assert "'spoken' form" in warned.message and "thousands" not in warned.message
    # one of thousands of words is told why it may not be spoken at all
    path.write_text(path.read_text(encoding="utf-8").replace(long, " ".join([long] * 4)))
    (warned,) = [p for p in lint(path) if p.field == "answer"]
    assert warned.message.startswith("is 1200 words, about ")
    assert (
        "(a reply of thousands of words may not be spoken at all: its speech takes longer "
        "to make than the kiosk waits)" in warned.message
    )
    path.write_text(path.read_text(encoding="utf-8").replace(" ".join([long] * 4), long))
    knowledge = load(path)
    judged = [_judged(0, 0, 0.9, (0,), "phrasing")]
    assert [
        line
        for line in check_calibration(knowledge, judged, 0.5, 0.3).advice
        if line.startswith("entry parking: answer: is 300 words")
    ]
    spoken = replace(knowledge.entries[0], spoken="Behind the main building; it is free.")
    shortened = Knowledge((spoken,))
    assert not [
        line for line in check_calibration(shortened, judged, 0.5, 0.3).advice if "words" in line
    ]
    assert not [p for p in lint(KNOTS) if "read aloud" in p.message]


def test_check_tells_of_an_answer_cut_short_by_a_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "press #2 for bookings" in a plain answer loses "#2 for bookings." to YAML's comment,
    and the kiosk said "Call 01234 567890 and press". Lint told it, last of its warnings;
    `knowledge check`, which `knowledge import` and the README send an operator to, did not."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: phone\n    question: What is your phone number?\n"
        "    alternatives: [how do i call you, can i ring you, what number do i ring]\n"
        "    answer: Call 01234 567890 and press #2 for bookings.\n    topic: phone\n"
        "  - id: parking\n    question: Where can I park?\n"
        "    alternatives: [is there parking, where do i leave the car, is parking free]\n"
        "    answer: In the car park behind the hall.\n    topic: parking\n",
        encoding="utf-8",
    )
    assert main(["knowledge", "check", str(path)]) == 0
    advice = [line for line in capsys.readouterr().out.splitlines() if line.startswith("advice")]
    assert advice[0] == (
        f"advice: {path}: line 6: ' #' starts a YAML comment, so '#2 for bookings.' is left "
        "out of the text; put the whole text in quotes"
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Call 01234 567890 and press #2 for bookings.",
            '"Call 01234 567890 and press #2 for bookings."',
        ),
        encoding="utf-8",
    )
    assert main(["knowledge", "check", str(path)]) == 0
    assert "YAML comment" not in capsys.readouterr().out


def test_a_question_too_long_to_read_out_is_warned_of_by_lint_and_check(tmp_path: Path) -> None:
    """A question of 60 words (46 here) passed lint and check without a word, and a visitor turned
    away heard all of it as a question to ask (a reply of 81 words)."""
    asked = (
        "If I am a resident of a neighbouring borough who works in this town but does not "
        "live here, and I would like to join for the whole family including two children "
        "under twelve and a grandparent who visits at weekends, how much would it cost?"
    )
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        f"  - id: membership\n    question: {asked}\n"
        "    alternatives: [how much is membership, what does it cost to join, is it free]\n"
        "    answer: Ten pounds a year.\n    topic: membership\n",
        encoding="utf-8",
    )
    (warned,) = [p for p in lint(path) if p.field == "question"]
    assert (warned.severity, warned.entry, warned.line) == ("warning", "membership", 4)
    assert warned.message.startswith("is 46 words; it is read out to visitors")
    judged = [_judged(0, 0, 0.9, (0,), "phrasing")]
    assert [
        line
        for line in check_calibration(load(path), judged, 0.5, 0.3).advice
        if line.startswith("entry membership: question: is 46 words")
    ]
    assert not [p for p in lint(KNOTS) if p.field == "question"]


def test_a_plain_text_faq_and_a_knowledge_file_are_each_pointed_the_right_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator who gives the kiosk the text FAQ is told to import it; one who imports a
    knowledge file is told it is one already, rather than getting entries made of its
    YAML."""
    for name, text in (
        ("plain.txt", "Where can I park?\nBehind the terminal.\n"),
        ("labelled.txt", "Q: Where can I park?\nA: Behind the terminal.\n"),
        ("colons.txt", "Where can I park?\nNote: behind the terminal.\nOpen: 9 to 5.\n"),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["ask", "--knowledge", str(tmp_path / name), "--no-speak", "parking"]) == 1
        assert "knotvoice knowledge import" in capsys.readouterr().err, name
    assert "knotvoice knowledge import" not in str(lint(KNOTS))

    assert main(["knowledge", "import", str(KNOTS), "-o", str(tmp_path / "again.yaml")]) == 1
    assert "is a knowledge file already" in capsys.readouterr().err
    assert not (tmp_path / "again.yaml").exists()


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (
            "version: 1\nentries:\n  - {id: a, question: When do you open, answer: Nine.}\n"
            "entries:\n  - {id: b, question: Where do I park, answer: Behind.}\n",
            4,
            "entries",
        ),
        (
            "version: 1\nentries:\n  - id: a\n    question: Opening hours?\n    answer: Nine.\n"
            "    answer: Ten.\n",
            6,
            "answer",
        ),
    ],
)
def test_a_key_given_twice_is_an_error_naming_its_line(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(KnowledgeError, match=f"line {line}: '{key}' is given twice"):
        load(path)
    assert [p.severity for p in lint(path)] == ["error"]


def test_lint_warns_of_text_an_unquoted_hash_cuts_short(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "# comments stay comments\n"
        "entries:\n"
        "  - id: room  # and so do these\n"
        "    question: Which room is it in?\n"
        "    answer: The meeting is in room #5 upstairs.\n"
        "    alternatives: ['is room #5 free', what room is it, where is the meeting]\n"
        "    topic: meeting room\n"
        "  - id: phone\n"
        "    question: What is the number?\n"
        "    spoken: Call the desk and press 2.\n"
        "    answer: |\n"
        "      Call us, then press #2.\n"
        "    alternatives:\n"
        "      - what do I ring\n"
        "      - how do I call #urgent\n"
        "    topic: phone\n"
    )
    path = write(tmp_path, text)
    assert load(path).get("room").answer == "The meeting is in room"
    cut = [p.message for p in lint(path) if "YAML comment" in p.message]
    assert len(cut) == 2
    assert cut[0].startswith("line 6:") and "'#5 upstairs.'" in cut[0]
    assert cut[1].startswith("line 16:") and "'#urgent'" in cut[1]


def test_lint_does_not_warn_of_a_hash_in_a_quoted_text_over_several_lines(
    tmp_path: Path,
) -> None:
    """A quoted answer wrapped over two lines, its second holding " #5", keeps "#5" (YAML
    reads the quoted text whole), yet lint and `knowledge check` told the operator to put
    the text in quotes."""
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: changing\n"
        "    question: Where do I change?\n"
        '    answer: "The changing rooms are\n'
        '      in block #5, by the \\"main\\" gate."\n'
        "    alternatives: [changing rooms, where to get changed, lockers]\n"
        "    topic: changing rooms\n"
        "  - id: room\n"
        "    question: Which room?\n"
        "    answer: 'It''s in\n"
        "      room #6.'\n"
        "    alternatives: [what room, where is it held, which room is it]\n"
        "    topic: meeting room\n"
        "  - id: phone\n"
        "    question: What is the number?\n"
        "    answer: Press #2.\n"
        "    alternatives: [what do I ring, how do I call, phone number]\n"
        "    topic: phone\n"
    )
    path = write(tmp_path, text)
    assert load(path).get("changing").answer.endswith('in block #5, by the "main" gate.')
    assert load(path).get("room").answer == "It's in room #6."
    cut = [p.message for p in lint(path) if "YAML comment" in p.message]
    assert len(cut) == 1 and cut[0].startswith("line 17:"), cut


def test_lint_finds_a_hash_cut_whatever_the_lines_around_it(tmp_path: Path) -> None:
    """A plain answer going on over a line that starts with an apostrophe ("'til five")
    was taken for a quoted text never closed, and every warning after it was lost; a key in
    quotes hid the cut of its plain value; a text in quotes after an anchor, or in a list
    in brackets, over two lines, was warned of."""
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: hours\n"
        "    question: When are you open?\n"
        "    answer: Nine\n"
        "      'til five.\n"
        "    alternatives: [opening times, when do you open, are you open now]\n"
        "    topic: opening hours\n"
        "  - id: room\n"
        "    question: Which room?\n"
        '    "answer": room #5 upstairs\n'
        "    alternatives: [what room, where is it held, which room is it]\n"
        "    topic: meeting room\n"
        "  - id: phone\n"
        "    question: What is the number?\n"
        '    answer: &phone "Press\n'
        '      #2."\n'
        '    alternatives: [what do I ring, "how do I call\n'
        '      #desk", phone number]\n'
        "    topic: phone\n"
    )
    path = write(tmp_path, text)
    assert load(path).get("phone").answer == "Press #2."
    cut = [p.message for p in lint(path) if "YAML comment" in p.message]
    assert len(cut) == 1 and cut[0].startswith("line 11:") and "'#5 upstairs'" in cut[0], cut


def test_a_recognizer_limited_to_the_faq_may_still_hear_follow_ups_and_the_wake_phrase(
    knots: Knowledge,
) -> None:
    words, _prompt = recognition_bias(knots)
    follow_ups = {"yes", "yeah", "pardon", "again", "slower", "please", "thanks"}
    assert follow_ups <= set(words)
    assert not follow_ups <= set(vocabulary(knots))  # not the FAQ's own words
    assert "marigold" not in words
    listen = ListenSettings(mode=TriggerMode.WAKE, wake_phrase="hey marigold")
    woken, prompt = recognition_bias(knots, Settings(listen=listen))
    assert "marigold" in woken
    # whisper is told to expect it ("Hey kiosk" was heard "Thank you, ask")
    assert prompt.startswith("Hey marigold. Questions about ")


def test_whisper_is_prompted_with_each_topic_once() -> None:
    """An FAQ imported with its sections has one topic over several entries: the prompt
    named it once an entry ("Questions about Parking, Parking, Parking, Tickets.")."""
    entries = tuple(
        Entry(id=f"e{n}", question=f"Question {n}?", answer="Yes.", topic=topic)
        for n, topic in enumerate(("Parking", "Parking", "Tickets", "", "Parking"))
    )
    _words, prompt = recognition_bias(Knowledge(entries=entries))
    assert prompt == "Questions about Parking, Tickets."


def test_lint_names_characters_no_one_sees(tmp_path: Path) -> None:
    """A zero-width space pasted into a question split its word ("toi let"), and a
    right-to-left override in an answer turned the line round where `ask` printed it."""
    path = write(
        tmp_path,
        'version: 1\nentries:\n  - id: toilets\n    question: "Where is the toi\\u200blet?"\n'
        '    answer: "Down the \\u202ehall\\a."\n'
        '    spoken: "Down the hall. \U0001f468\u200d\U0001f469 \U0001f3f4\U000e0067\U000e0062'
        '\U000e0065\U000e006e\U000e0067\U000e007f \u05e9\u05dc\u05d5\u05dd\u200f."\n',
    )
    said = {(problem.field, problem.message) for problem in lint(path)}
    unseen = (
        ", as copied text brings: they split words and can turn a line shown round; delete them"
    )
    assert ("question", f"has characters no one sees (U+200B){unseen}") in said
    assert ("answer", f"has characters no one sees (U+202E, U+0007){unseen}") in said
    assert not any(field == "spoken" and "no one sees" in message for field, message in said)


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "knowledge", "lint", "KNOTS"],
        ["knowledge", "-v", "lint", "KNOTS"],
        ["knowledge", "lint", "KNOTS", "-v"],
    ],
)
def test_verbose_is_taken_before_or_after_a_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The docs write "knotvoice listen -v"; after the command it was "unrecognized
    arguments: -v"."""
    assert main([str(KNOTS) if arg == "KNOTS" else arg for arg in argv]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
