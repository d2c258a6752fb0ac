"""Importing a plain-text FAQ gives a knowledge file that loads and answers every question."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf.office import Annotation
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
from odf.text import (
    H,
    List,
    ListItem,
    ListLevelStyleNumber,
    ListStyle,
    Note,
    NoteBody,
    NoteCitation,
    P,
    S,
)
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.worksheet.worksheet import Worksheet

from knotvoice.cli import _knowledge_import, main
from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import Knowledge, MatchingHints, load, phrase_key
from knotvoice.knowledge.faq_import import (
    ImportResult,
    parse_csv,
    parse_document,
    parse_faq,
    read_faq,
    to_yaml,
)
from knotvoice.knowledge.reimport import Kept, keep_edits
from knotvoice.speech.reply import spoken_answer, topics_hint

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "knowledge" / "source" / "knots-faq.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> ImportResult:
    return parse_faq(seed_text)


def questions_of(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip().endswith("?") and len(line.strip().split()) > 1
    ]


def test_seed_every_question_is_answerable(seed_text: str, seed: ImportResult) -> None:
    answer_of = {phrase_key(p): e.answer for e in seed.entries for p in e.phrases}
    questions = questions_of(seed_text)
    assert len(set(questions)) == 21
    for question in questions:
        assert answer_of.get(phrase_key(question)), question


def test_seed_tripled_question_is_one_entry(seed: ImportResult) -> None:
    first = seed.entries[0]
    assert first.question == "How do you get rid of a knot in your upper back?"
    assert first.id == "how-do-you-get-rid-of-a-knot-in-your-upper-back"
    assert first.answer.startswith("Treatment\n\n1. Rest.")
    assert first.answer.endswith("7. Physical therapy.")
    assert sum(1 for e in seed.entries if e.question == first.question) == 1


def test_seed_quirks_are_reported_as_notes(seed: ImportResult) -> None:
    notes = [str(n) for n in seed.notes]
    assert all("\n" not in n for n in notes)
    assert sum("repeated question" in n for n in notes) == 2
    unanswered = [n for n in notes if "'Can a muscle knot last for years?' has no answer" in n]
    assert len(unanswered) == 1 and unanswered[0].startswith("line 79: ")
    orphans = [n for n in seed.notes if "stands under no question" in n.message]
    assert len(orphans) == 2
    orphan_answers = [next(e for e in seed.entries if e.id == n.entry).answer for n in orphans]
    assert "tennis ball" in orphan_answers[0]
    assert "forward-head posture" in orphan_answers[1]


def test_seed_orphans_are_not_glued_to_the_answer_above(seed: ImportResult) -> None:
    answers = {e.question: e.answer for e in seed.entries}
    assert "tennis ball" not in answers["What causes muscle knots in your upper back?"]
    assert "forward-head" not in answers["What causes numbness in upper back?"]
    assert (
        "Symptoms of inflammation include:\n\n1. Redness."
        in answers["How do I know if my body is inflamed?"]
    )


def test_seed_round_trips_through_yaml(seed: ImportResult, tmp_path: Path) -> None:
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(seed), encoding="utf-8")
    knowledge = load(path)
    assert knowledge.entries == seed.entries
    assert len({e.id for e in knowledge.entries}) == len(knowledge.entries) == 22
    text = path.read_text(encoding="utf-8")
    assert "# NOTE line 79:" in text


SMALL_FAQ = """\
Opening hours

We open at nine.

What time do you open?
What time do you open?

We open at nine on weekdays.

Do you sell gift cards?
Can I buy a voucher?

Yes, at the front desk.

How do I book?

Booking:

  - Call us.
  - Or come by.

Parking is free behind the building.

What's the price?

Fifty euros an hour.

Whats the price?

See the price list.

What time do you open?

On Sundays we open at ten.

Is there a trailing question?
"""


def test_small_faq_follows_the_documented_rules() -> None:
    result = parse_faq(SMALL_FAQ)
    by_question = {e.question: e for e in result.entries}
    # the title and the paragraph before the first question are no entries
    assert list(by_question) == [
        "What time do you open?",
        "Can I buy a voucher?",
        "How do I book?",
        "Parking is free behind the building",
        "What's the price?",
        "Whats the price?",
    ]
    # an answer given to a repeated question is added to the first one's
    assert by_question["What time do you open?"].answer == (
        "We open at nine on weekdays.\n\nOn Sundays we open at ten."
    )
    # a question with no answer becomes an alternative of the next one
    assert by_question["Can I buy a voucher?"].alternatives == ("Do you sell gift cards?",)
    # a FAQ pasted twice: its repeated answers are said once
    text = "Q: Can I park?\nA: Yes.\n\nBehind the hall.\n\nQ: Is there a bar?\nA: No.\n\n"
    assert [
        e.answer for e in parse_faq(text + text + "Q: Can I park?\nA: Or in town.").entries
    ] == [
        "Yes.\n\nBehind the hall.\n\nOr in town.",
        "No.",
    ]
    # a heading ending in ':' and a list continue the answer; a finished paragraph does not
    assert by_question["How do I book?"].answer == "Booking:\n\n- Call us.\n- Or come by."
    assert by_question["Parking is free behind the building"].answer == (
        "Parking is free behind the building."
    )
    # ids are unique slugs
    assert [e.id for e in result.entries] == [
        "what-time-do-you-open",
        "can-i-buy-a-voucher",
        "how-do-i-book",
        "parking-is-free-behind-the-building",
        "whats-the-price",
        "whats-the-price-2",
    ]
    notes = [str(n) for n in result.notes]
    assert notes == sorted(notes, key=lambda n: int(n.split(":")[0].split()[1]))
    assert (
        "line 1: text before the first question is not an entry; put it under a question "
        "if visitors should hear it" in notes
    )
    assert any(n.startswith("line 3: text before the first question") for n in notes)
    assert any(
        n.endswith(
            "paragraph stands under no question; it is an entry of its own whose "
            "question is its first sentence: rewrite it as visitors ask it, or move the "
            "paragraph into the answer above if it is more of that"
        )
        for n in notes
    )
    last = SMALL_FAQ.splitlines().index("Is there a trailing question?") + 1
    assert f"line {last}: question 'Is there a trailing question?' has no answer; dropped" in notes
    assert all("\n" not in n for n in notes)


def test_small_faq_round_trips(tmp_path: Path) -> None:
    result = parse_faq(SMALL_FAQ)
    path = tmp_path / "small.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert load(path).entries == result.entries


def test_text_without_questions_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="no questions found"):
        parse_faq("Just a paragraph.\n\nAnd another one.\n")
    with pytest.raises(KnowledgeError, match="no question has an answer"):
        parse_faq("Frequently asked questions\n\nIs there a question without answer?\n")


def test_read_faq_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.txt"
    with pytest.raises(KnowledgeError, match=r"faq\.txt: file not found"):
        read_faq(path)
    path.write_text("Is this read?\n\nYes.\n", encoding="utf-8")
    assert read_faq(path).entries[0].answer == "Yes."


@pytest.mark.parametrize("name", ["faq.docx", "faq.txt", "faq.xlsx", "faq.pdf"])
@pytest.mark.parametrize(
    "data", [b"", b" \r\n\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xff\xfe\n\x00 \x00"]
)
def test_an_empty_file_is_said_to_be_empty(tmp_path: Path, name: str, data: bytes) -> None:
    """A Word file of no bytes (saved before it was written, or half copied) was told "no
    questions found; a question is a line of its own ending in '?'", sending the operator
    to look for the questions in a document that has none."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(KnowledgeError) as raised:
        read_faq(path)
    assert str(raised.value) == (
        f"{path}: the file is empty; save the FAQ in it again, or check the path"
    )


def test_importing_a_directory_says_to_give_the_faq_file_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder was told "cannot read (Is a directory)" and nothing of what to give."""
    assert main(["knowledge", "import", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"{tmp_path}: is a directory; give the path of a plain-text FAQ file in it" in error


def test_ids_of_questions_in_other_alphabets_are_slugs_that_load(tmp_path: Path) -> None:
    result = parse_faq(
        "Wo ist das Fundbüro?\nAm Informationsschalter.\n\n"
        "Wann öffnet das Café?\nUm acht.\n\n"
        "切符売り場はどこですか?\n一階です。\n"
    )
    assert [e.id for e in result.entries] == [
        "wo-ist-das-fundburo",
        "wann-offnet-das-cafe",
        "entry-3",
    ]
    path = tmp_path / "german.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert load(path).entries == result.entries


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Q: Can I take my dog?", "A: Yes, dogs are welcome on a lead."),
        ("q. Can I take my dog?", "a. Yes, dogs are welcome on a lead."),
        ("Question: Can I take my dog?", "ANSWER: Yes, dogs are welcome on a lead."),
        ("1. Can I take my dog?", "Yes, dogs are welcome on a lead."),
        ("12) Can I take my dog?", "Yes, dogs are welcome on a lead."),
        ("(3) Can I take my dog?", "Yes, dogs are welcome on a lead."),
        ("## Can I take my dog?", "Yes, dogs are welcome on a lead."),
        ("- Can I take my dog?", "Answer:\nYes, dogs are welcome on a lead."),
        ("3. Q: Can I take my dog?", "A: Yes, dogs are welcome on a lead."),
        ("Q1: Can I take my dog?", "A1: Yes, dogs are welcome on a lead."),
        ("Question 2) Can I take my dog?", "Answer 2) Yes, dogs are welcome on a lead."),
        ("**Q:** Can I take my dog?", "**A:** Yes, dogs are welcome on a lead."),
        ("__Q.__ Can I take my dog?", "__A.__ Yes, dogs are welcome on a lead."),
        ("Q - Can I take my dog?", "A - Yes, dogs are welcome on a lead."),
        ("Q \u2013 Can I take my dog?", "A \u2013 Yes, dogs are welcome on a lead."),
        ("Question 4 \u2014 Can I take my dog?", "Answer \u2014 Yes, dogs are welcome on a lead."),
        ("Q - Can I take my dog?", "A: Yes, dogs are welcome on a lead."),
        ("Q1 Can I take my dog?", "A1 Yes, dogs are welcome on a lead."),
        ("**Question 12** Can I take my dog?", "**Answer 12** Yes, dogs are welcome on a lead."),
    ],
)
def test_question_and_answer_marks_are_not_read_aloud(question: str, answer: str) -> None:
    result = parse_faq(f"{question}\n{answer}\n\nWhere do I park?\nNext to the terminal.\n")
    dog = result.entries[0]
    assert (dog.id, dog.question) == ("can-i-take-my-dog", "Can I take my dog?")
    assert dog.answer == "Yes, dogs are welcome on a lead."


def _printed_by(program: str) -> list[str]:
    """The lines ``program`` prints, run in a Python of its own (where it may change the
    language data before the importer loads it)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_labels_an_faq_is_read_by_come_from_the_language_data() -> None:
    """The labels "Q:" and "A:" were English words in the importer's code: an FAQ labelled in
    another language ("Frage 1:", "Antwort:") had its labels read aloud, and no word of data
    could change that. With labels added to the data, such an FAQ reads as one labelled "Q:"."""
    program = textwrap.dedent(
        """
        import dataclasses
        import knotvoice.lang as lang
        english = lang.english()
        labels = {"question": ("frage", "f"), "answer": ("antwort",)}
        more = {kind: english.labels[kind] + labels[kind] for kind in labels}
        lang.english = lambda: dataclasses.replace(english, labels=more)
        from knotvoice.knowledge.faq_import import parse_faq
        text = (
            "Frage 1: Darf mein Hund mit\\nAntwort: Ja, an der Leine.\\n\\n"
            "F3 Wo ist das Fundbuero?\\nAntwort 3 Am Schalter.\\n\\n"
            "Q: Is there wifi?\\nA: Yes.\\n"
        )
        for entry in parse_faq(text).entries:
            print(f"{entry.question} | {entry.answer}")
        """
    )
    assert _printed_by(program) == [
        "Darf mein Hund mit | Ja, an der Leine.",
        "Wo ist das Fundbuero? | Am Schalter.",
        "Is there wifi? | Yes.",
    ]


def test_an_exported_sheet_s_column_names_come_from_the_language_data() -> None:
    """The exported sheet's column names were English words in the exporter's code, while
    the import read them from the language data: with a German column name put first there,
    the sheet is written with it and imported back whole."""
    program = textwrap.dedent(
        """
        import dataclasses, io
        import knotvoice.lang as lang
        english = lang.english()
        german = {"question": "frage", "answer": "antwort", "topic": "thema"}
        columns = {f: frozenset({*names, german.get(f, f)}) for f, names in english.columns.items()}
        titles = {**english.column_titles, **{f: n.title() for f, n in german.items()}}
        changed = dataclasses.replace(english, columns=columns, column_titles=titles)
        lang.english = lambda: changed
        from knotvoice.knowledge import Entry, Knowledge
        from knotvoice.knowledge.export import rows, sheet_bytes
        from knotvoice.knowledge.faq_import import parse_csv
        faq = Knowledge((
            Entry("hund", "Darf mein Hund mit?", "Ja, an der Leine.", ("Hunde?",), topic="tiere"),
            Entry("wlan", "Gibt es WLAN?", "Ja, frei.", ("Internet?",), topic="technik"),
        ))
        print(rows(faq)[0])
        print(parse_csv(sheet_bytes(faq, ".csv").decode("utf-8-sig")).entries == faq.entries)
        """
    )
    assert _printed_by(program) == [
        "['Id', 'Thema', 'Frage', 'Alternatives', 'Antwort']",
        "True",
    ]


def test_answer_lists_keep_their_numbers() -> None:
    (entry,) = parse_faq("1. How do I book?\n1. Call us.\n2. Or come by.\n").entries
    assert entry.question == "How do I book?"
    assert entry.answer == "1. Call us.\n2. Or come by."


def test_a_title_before_the_first_question_is_no_entry() -> None:
    result = parse_faq(
        "Harbour Point Ferry Terminal - Frequently Asked Questions\n\n"
        "Can I take my dog on the ferry?\nDogs are welcome on all sailings.\n"
    )
    assert [e.question for e in result.entries] == ["Can I take my dog on the ferry?"]
    assert [str(n) for n in result.notes] == [
        "line 1: text before the first question is not an entry; put it under a question if "
        "visitors should hear it"
    ]
    assert "# NOTE line 1: text before the first question" in to_yaml(result)


def test_the_header_points_at_notes_only_when_there_are_some() -> None:
    """A clean import is not told to review notes it cannot find."""
    clean = parse_faq("Is there free wifi?\nYes, ask at the desk for the password.\n")
    assert clean.notes == ()
    assert "notes" not in to_yaml(clean).split("version:", 1)[0]
    noted = parse_faq("Harbour Point FAQ\n\nIs there free wifi?\nYes, ask at the desk.\n")
    assert "Review the notes below" in to_yaml(noted)


def test_a_byte_order_mark_is_not_part_of_the_first_question(tmp_path: Path) -> None:
    path = tmp_path / "faq.txt"
    path.write_bytes(b"\xef\xbb\xbfQ: What are your opening hours?\nA: We are open from 9 to 5.\n")
    for result in (read_faq(path), parse_faq(path.read_text(encoding="utf-8"))):
        (entry,) = result.entries
        assert (entry.id, entry.question) == (
            "what-are-your-opening-hours",
            "What are your opening hours?",
        )
        assert entry.answer == "We are open from 9 to 5."


@pytest.mark.parametrize(
    ("line", "question"),
    [
        ("**How much is a ticket?**", "How much is a ticket?"),
        ("_How much is a ticket?_", "How much is a ticket?"),
        ('"How much is a ticket?"', "How much is a ticket?"),
        ("\u201cHow much is a ticket?\u201d", "How much is a ticket?"),
        ("\u2018How much is a ticket?\u2019", "How much is a ticket?"),
        ("How much is a ticket? \U0001f39f\ufe0f", "How much is a ticket?"),
        ("How much is a ticket? (adults)", "How much is a ticket? (adults)"),
        ("**How much is a ticket?** (adults) \U0001f39f", "How much is a ticket? (adults)"),
        ("Q: How much is a ticket", "How much is a ticket"),
        ("## **Q. How much is a ticket?**", "How much is a ticket?"),
    ],
)
def test_questions_written_in_other_styles_are_questions(line: str, question: str) -> None:
    result = parse_faq(f"Where do I park?\nNext to the terminal.\n\n{line}\nA: Ten pounds.\n")
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Where do I park?", "Next to the terminal."),
        (question, "Ten pounds."),
    ]
    assert result.entries[1].id.startswith("how-much-is-a-ticket")
    assert result.notes == ()


@pytest.mark.parametrize("mark", ["\u061f", "\uff1f"])
def test_arabic_and_full_width_question_marks_end_questions(mark: str, tmp_path: Path) -> None:
    """An FAQ written with "\u061f" or "\uff1f" came out as no questions (every line a
    title, with a note to rewrite it) or, under a title, as answers run together."""
    result = parse_faq(
        "Visitor information\n\n"
        f"When are you open{mark}\nFrom nine to five.\n"
        f"Is there parking{mark}\nYes, behind the hall.\n\n"
        f"Q: Do you take cards{mark} A: Yes, all of them.\n\n"
        f"**How much is it{mark}** Ten pounds.\n\n"
        "Can I bring my dog?\nOnly guide dogs. Why not ask us first?\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        (f"When are you open{mark}", "From nine to five."),
        (f"Is there parking{mark}", "Yes, behind the hall."),
        (f"Do you take cards{mark}", "Yes, all of them."),
        (f"How much is it{mark}", "Ten pounds."),
        ("Can I bring my dog?", "Only guide dogs. Why not ask us first?"),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: text before the first question is not an entry; "
        "put it under a question if visitors should hear it"
    ]
    path = tmp_path / "faq.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert load(path).entries == result.entries


def test_a_question_and_its_answer_on_one_line_are_split() -> None:
    result = parse_faq(
        "Q: Where can I park? A: Behind the building.\nIt is free after six.\n\n"
        "Q: Can I bring my dog? Answer: Only guide dogs.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Where can I park?", "Behind the building.\nIt is free after six."),
        ("Can I bring my dog?", "Only guide dogs."),
    ]
    assert result.notes == ()


def test_questions_and_answers_a_tab_apart_are_split(tmp_path: Path) -> None:
    """A spreadsheet's two columns pasted into a text file, a tab between question and
    answer, gave "no questions found"; an answer that ends in a question is one too."""
    path = tmp_path / "faq.txt"
    path.write_text(
        "Is the cafe open?\tYes. Why not try our cake?\n"
        "When are you open?\tNine to five.\n"
        "Is there parking?\t\tYes, behind the hall.\n"
        "Can I bring my dog?\tOnly guide dogs.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is the cafe open?", "Yes. Why not try our cake?"),
        ("When are you open?", "Nine to five."),
        ("Is there parking?", "Yes, behind the hall."),
        ("Can I bring my dog?", "Only guide dogs."),
    ]
    assert result.notes == ()


def test_a_spreadsheet_row_of_more_columns_keeps_its_question_and_answer_apart() -> None:
    """A row's number, label or section in a cell of its own was "text before the first
    question" and the row was lost, and a column after the answer stayed in it behind a tab."""
    result = parse_faq(
        "How much is a ticket?\tTen pounds.\tUpdated May\n"
        "1.\tCan I bring my dog?\t(guide dogs)\tOnly guide dogs.\n"
        "Q3\tWhen do you open?\nA3\t9am to 5pm.\n\n"
        "Question 4\tIs there a cafe?\tAnswer 4: Yes.\n"
        "Can I bring\tmy bike?\nYes, there are racks.\n"
        "Tickets\tIs there a family ticket?\tYes, for 38 pounds.\n"
        "When is the cafe\topen on Sundays?\tTen to four.\n"
        "Is there parking?\tyes, round the back\tParking\n"
    )
    assert [(e.question, e.alternatives, e.answer) for e in result.entries] == [
        ("How much is a ticket?", (), "Ten pounds.\nUpdated May"),
        ("Can I bring my dog? (guide dogs)", (), "Only guide dogs."),
        ("When do you open?", (), "9am to 5pm."),
        ("Is there a cafe?", (), "Yes."),
        ("Can I bring my bike?", (), "Yes, there are racks."),
        ("Is there a family ticket?", (), "Yes, for 38 pounds."),
        ("When is the cafe open on Sundays?", (), "Ten to four."),
        ("Is there parking?", (), "yes, round the back\nParking"),
    ]
    assert result.notes == ()


@pytest.mark.parametrize(
    ("order", "noted"),
    [
        ("qca", "answers are read from column C, which holds longer text than column B"),
        ("aqc", "column C left out (4 rows: 'Opening hours', 'Getting here', 'Facilities')"),
        ("acq", "column B read as the entries' topics ('Opening hours', 'Getting here', "),
        ("cqa", "column A read as the entries' topics"),
    ],
)
def test_a_sheet_without_column_names_reads_its_answers_not_its_categories(
    tmp_path: Path, order: str, noted: str
) -> None:
    """A sheet of question, category and answer without a first row of names was read with
    the category as each answer: visitors asking about the wifi heard "Facilities". The
    category is the topics where it stands before the questions or before the answers."""
    rows = [
        ("When do you open?", "Opening hours", "We open at nine and close at six."),
        ("Is there parking?", "Getting here", "Yes, behind the building, free for two hours."),
        ("Which bus do I take?", "Getting here", "Buses 12 and 40 stop outside."),
        ("Do you have wifi?", "Facilities", "Yes, free wifi: the password is on the desk."),
    ]
    path = tmp_path / "faq.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([row["qca".index(kind)] for kind in order] for row in rows)
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [(q, a) for q, _, a in rows]
    assert any(noted in str(note) for note in result.notes), result.notes
    topics = ["opening hours", "getting here", "getting here", "facilities"]
    assert [e.topic for e in result.entries] == (topics if order != "aqc" else [""] * 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name holding "question" or "answer" names its column; "FAQ" alone does not
        (
            "FAQ category,FAQ question,FAQ answer\nTickets,Is there wifi?,Yes\n",
            [("Is there wifi?", "Yes")],
        ),
        ("Question ID,Question,Answer\n1,Is there wifi?,Yes\n", [("Is there wifi?", "Yes")]),
        (
            "Question,Answer,Notes (internal)\nIs there wifi?,Yes,ask Sam\n",
            [("Is there wifi?", "Yes")],
        ),
        # headers the first rules misread
        (
            "Question (English),Answer (English)\nIs there wifi?,Yes\n",
            [("Is there wifi?", "Yes")],
        ),
        ("No.,Topic,Details\n1,Parking,Behind the hall.\n", [("Parking", "Behind the hall.")]),
        (
            "Parking,Behind the hall.\nWifi,Yes.\n",
            [("Parking", "Behind the hall."), ("Wifi", "Yes.")],
        ),
        # a first row of names (left out, with a note) names no column by a word it holds
        (
            "Response times,Within two days\nParking,Behind the hall\n",
            [("Parking", "Behind the hall")],
        ),
        # a first row that asks or answers something is no row of names
        (
            "Who do I ask if I have a question?,Ask at the front desk.\nCan I park?,Yes.\n",
            [
                ("Who do I ask if I have a question?", "Ask at the front desk."),
                ("Can I park?", "Yes."),
            ],
        ),
        # titles for questions, and one answer that ends in a question: column A still asks
        (
            "Opening hours,9 to 5 every day. Why not come early?,see website\n"
            "Parking,Free behind the hall.,\nCard payments,All cards taken.,\n",
            [
                ("Opening hours", "9 to 5 every day. Why not come early?"),
                ("Parking", "Free behind the hall."),
                ("Card payments", "All cards taken."),
            ],
        ),
    ],
)
def test_a_spreadsheet_s_columns_are_told_apart_by_their_names_then_their_cells(
    tmp_path: Path, text: str, expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(text, encoding="utf-8")
    assert [(e.question, e.answer) for e in read_faq(path).entries] == expected


def test_a_tab_separated_file_of_any_length_is_split_at_its_tabs(tmp_path: Path) -> None:
    """Whether a TSV was split at its tabs depended on where its 4,096th character fell."""
    rows = "".join(f"Tickets\tIs there wifi in hall {n}?\tYes, in the hall.\n" for n in range(99))
    path = tmp_path / "faq.tsv"
    for shift in range(60):  # more than a row's length: the cut falls everywhere in a row
        path.write_text(f"Food\tDo you sell {'t' * shift}ea?\tNo, sorry.\n{rows}", encoding="utf-8")
        entries = read_faq(path).entries
        assert len(entries) == 100, shift
        assert {e.answer for e in entries} == {"Yes, in the hall.", "No, sorry."}, shift


def test_a_row_shorter_than_the_column_names_keeps_its_question_in_a_note(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "Section,Question,Answer\nTickets,Is there wifi?,Yes\nTickets,Can I park?,Yes\n"
        "Can I bring my dog?,Only guide dogs\n",
        encoding="utf-8",
    )
    notes = [str(n) for n in read_faq(path).notes]
    assert "line 4: text in other columns left out: 'Can I bring my dog?'" in notes


def test_a_pasted_row_with_its_section_and_a_one_word_answer_is_an_entry() -> None:
    """A row "Tickets<TAB>Is there wifi?<TAB>Yes" pasted as text was read as text: the
    answer of the entry above it, or, first, text before the first question, and lost."""
    result = parse_faq(
        "Is there parking?\tYes, behind the hall.\n"
        "Tickets\tIs there wifi?\tYes\n"
        "Tickets\tCan I pay by card?\tNo.\n"
        "When are you open?\n"
        "Day\tIs it open?\tHours\n"
        "Monday\tYes\t9-5\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there parking?", "Yes, behind the hall."),
        ("Is there wifi?", "Yes"),
        ("Can I pay by card?", "No."),
        ("When are you open?", "Day\tIs it open?\tHours\nMonday\tYes\t9-5"),
    ]
    assert result.notes == ()
    first = parse_faq("Tickets\tIs there wifi?\tYes\nTickets\tIs it free?\tNope\n")
    assert [(e.question, e.answer) for e in first.entries] == [
        ("Is there wifi?", "Yes"),
        ("Is it free?", "Nope"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Q - " without a question mark after it, and "A - ", begin ordinary sentences
        (
            "Where are the aisles?\nQ - Z are upstairs.\n\nIs the cafe open?\nYes.\n",
            [("Where are the aisles?", "Q - Z are upstairs."), ("Is the cafe open?", "Yes.")],
        ),
        (
            "Are the roads open?\nA - B roads are closed after snow.\n",
            [("Are the roads open?", "A - B roads are closed after snow.")],
        ),
        # a question and its answer labelled with dashes on one line, or a tab apart
        (
            "Q - Can I park? A - Yes, it is free.\n\nQ - Can I take my dog?\tA - Yes.\n",
            [("Can I park?", "Yes, it is free."), ("Can I take my dog?", "Yes.")],
        ),
        # a bare number after "Q" or "A" is a label only before a capital, and "A3" only
        # under a question labelled so
        (
            "Q4 results are out?\nThey are.\n\nQ3 Can I park? A3 Yes.\n",
            [("Q4 results are out?", "They are."), ("Can I park?", "Yes.")],
        ),
        (
            "Can I buy A4 paper?\nA4 Paper is sold at the desk.\n\n"
            "Q2 Is it free?\nA3 Year olds go free.\n\nQ5 When do you open?\nA5 9am to 5pm.\n",
            [
                ("Can I buy A4 paper?", "A4 Paper is sold at the desk."),
                ("Is it free?", "A3 Year olds go free."),
                ("When do you open?", "9am to 5pm."),
            ],
        ),
        # a note in brackets a tab after a question stays with it, before its answer's cell;
        # a table pasted under a question, its header ending in "?", is that question's answer
        (
            "Do you take cards?\t(credit or debit)\tYes, all of them.\n\n"
            "What can I bring?\nItem\tAllowed?\tNotes\nDogs\tYes\tOn a lead\n\n"
            "What is there?\nFacility\tAvailable?\tOpening times\nCafe\tYes\t10am to 4pm\n",
            [
                ("Do you take cards? (credit or debit)", "Yes, all of them."),
                ("What can I bring?", "Item\tAllowed?\tNotes\nDogs\tYes\tOn a lead"),
                (
                    "What is there?",
                    "Facility\tAvailable?\tOpening times\nCafe\tYes\t10am to 4pm",
                ),
            ],
        ),
        # a note a tab after a question is part of it, not its answer
        (
            "Do you take cards?\t(credit or debit)\nYes.\n",
            [("Do you take cards? (credit or debit)", "Yes.")],
        ),
    ],
)
def test_text_like_a_label_or_a_row_is_read_as_written(
    text: str, expected: list[tuple[str, str]]
) -> None:
    result = parse_faq(text)
    assert [(e.question, e.answer) for e in result.entries] == expected


def test_a_question_without_answer_asked_again_with_one_is_merged_into_it() -> None:
    """Where each answer stands right under its question, a question a blank line over the
    next is no wording of it ("Is the cafe open?" was one of "Where are the aisles?")."""
    result = parse_faq(
        "Where are the aisles?\n\nIs the cafe open?\n\nWhere are the aisles?\nUpstairs.\n"
    )
    assert [(e.question, e.alternatives, e.answer) for e in result.entries] == [
        ("Where are the aisles?", (), "Upstairs.")
    ]
    assert [str(note) for note in result.notes] == [
        "line 1: repeated question 'Where are the aisles?' merged into the one on line 5",
        "line 3: question 'Is the cafe open?' has no answer; dropped",
    ]


def test_a_question_without_answer_over_one_asked_again_is_no_wording_of_it() -> None:
    """ "Can I bring my children?", left without an answer over a question the FAQ asked
    before, became one of its wordings: a visitor asking it heard about NHS places."""
    result = parse_faq(
        "Do you take NHS patients?\nChildren only.\n\nCan I bring my children?\n\n"
        "Do you take NHS patients?\nPlease see above.\n"
    )
    assert [(e.question, e.alternatives, e.answer) for e in result.entries] == [
        ("Do you take NHS patients?", (), "Children only.\n\nPlease see above.")
    ]
    assert [str(note) for note in result.notes] == [
        "line 4: question 'Can I bring my children?' has no answer; dropped",
        "line 6: repeated question 'Do you take NHS patients?' merged into the one on line 1",
    ]


def test_questions_without_answers_in_a_row_all_go_to_the_next_answered_one() -> None:
    """Of two questions in a row with no answer, the first was said to be an alternative of
    the second, and lost when the second went on to the next question with an answer."""
    result = parse_faq(
        "Where are the aisles?\nWhere are the lifts?\nIs the cafe open?\nYes.\n\n"
        "When do you close?\nAt six.\n\nIs there a toilet?\nCan I park?\n"
    )
    assert [(e.question, e.alternatives, e.answer) for e in result.entries] == [
        ("Is the cafe open?", ("Where are the aisles?", "Where are the lifts?"), "Yes."),
        ("When do you close?", (), "At six."),
    ]
    assert [str(note) for note in result.notes] == [
        "line 1: question 'Where are the aisles?' has no answer of its own; it is an "
        "alternative of 'Is the cafe open?'",
        "line 2: question 'Where are the lifts?' has no answer of its own; it is an "
        "alternative of 'Is the cafe open?'",
        "line 9: question 'Is there a toilet?' has no answer; dropped",
        "line 10: question 'Can I park?' has no answer; dropped",
    ]


def test_a_question_and_its_answer_on_one_line_are_read_apart() -> None:
    """ "How much is a swim? Adults £5, kids £3." under no question became an entry whose
    answer repeated its question, read out before the answer; first in the file, it was
    dropped as text before the first question, with no word of why. A line in an answer
    that asks and answers ("Need help? Ask at reception.") stays in that answer."""
    result = parse_faq(
        "When are you open? 7am to 9pm every day.\n\nIs there parking?\nYes, free.\n\n"
        "How much is a swim? Adults \u00a35, kids \u00a33.\nUnder-fives swim free.\n\n"
        "Do you have lockers?\nYes, for a \u00a31 coin.\nNeed help? Ask at reception.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there parking?", "Yes, free."),
        ("How much is a swim?", "Adults \u00a35, kids \u00a33.\nUnder-fives swim free."),
        ("Do you have lockers?", "Yes, for a \u00a31 coin.\nNeed help? Ask at reception."),
    ]
    assert [str(note) for note in result.notes] == [
        "line 1: text before the first question is not an entry; if 'When are you open?' is "
        "a question visitors ask, put its answer on the line under it",
        "line 6: question 'How much is a swim?' and its answer are on one line: read as a "
        "question and the text after it; put the answer on the line under it",
    ]


def test_a_question_left_without_answer_a_blank_line_over_the_next_is_dropped() -> None:
    """An operator's FAQ, each answer right under its question, had "Do you have a sauna?"
    with its answer forgotten, then a blank line, then "Is there parking?": the sauna became
    a wording of the parking, and a visitor asking for the sauna heard about the car park.
    Questions in a run with no blank line between them are still one question's wordings;
    in a text with a blank line between every question and its answer (a page copied
    paragraph by paragraph) a blank line says nothing, and they are too."""
    result = parse_faq(
        "When do you open?\n7am to 9pm.\n\nDo you have a sauna?\n\nIs there parking?\n"
        "Yes, a free car park.\n\nHow much is a swim?\nWhat does a swim cost?\nFive pounds.\n"
    )
    assert [(e.question, e.alternatives) for e in result.entries] == [
        ("When do you open?", ()),
        ("Is there parking?", ()),
        ("What does a swim cost?", ("How much is a swim?",)),
    ]
    assert "line 4: question 'Do you have a sauna?' has no answer; dropped" in [
        str(note) for note in result.notes
    ]
    copied = parse_faq(
        "When do you open?\n\n7am to 9pm.\n\nDo you have a sauna?\n\nIs there parking?\n\n"
        "Yes, a free car park.\n"
    )
    assert [(e.question, e.alternatives) for e in copied.entries] == [
        ("When do you open?", ()),
        ("Is there parking?", ("Do you have a sauna?",)),
    ]


def test_a_page_printed_with_its_answers_folded_away_is_refused_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A campsite's FAQ page printed by a browser, its answers folded away in
    ``<details>``, gave 16 notes that each question was an alternative of the next, then
    wrote 4 entries of garbage answers and said it was done."""
    faq = tmp_path / "faq.txt"
    faq.write_text(
        "Frequently asked questions\n## Visiting\nWhat time do you open?\nIs there parking?\n"
        "Can I bring my dog?\n## Tickets\nHow much is a ticket?\nCan I pay by card?\n"
        "Do you take cash?\nVisit our shop\n",
        encoding="utf-8",
    )
    out = tmp_path / "faq.yaml"
    assert main(["knowledge", "import", str(faq), "-o", str(out)]) == 1
    error = capsys.readouterr().err
    assert error == (
        f"knotvoice: error: {faq}: 5 of 6 questions have no answer of their own (each stands directly "
        "over the next); were the answers hidden when it was printed? open them, or import "
        "the saved web page (.html) itself; else write each answer under its question\n"
    )
    assert not out.exists()


MARKDOWN_FAQ = """\
# Museum FAQ

## Tickets
**How much is a ticket?**
Ten pounds for adults, five for children.

**Can I pay by card?**
We take:
- cards
- cash

## Visiting

The museum is open every day from ten.

**Can I bring my dog?**
Only guide dogs.
"""


def test_markdown_headings_over_questions_are_section_titles_not_entries() -> None:
    result = parse_faq(MARKDOWN_FAQ)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How much is a ticket?", "Ten pounds for adults, five for children."),
        ("Can I pay by card?", "We take:\n- cards\n- cash"),
        ("Visiting", "The museum is open every day from ten."),
        ("Can I bring my dog?", "Only guide dogs."),
    ]
    assert [str(n) for n in result.notes] == [
        "line 12: heading 'Visiting' has no '?'; it is the question of the text under it: "
        "rewrite it as visitors ask it"
    ]


def test_a_web_page_faq_with_headings_for_questions_keeps_every_entry() -> None:
    result = parse_faq(
        "# Frequently asked questions\n\n"
        "## Opening hours\n\n"
        "| Day | Hours |\n|-----|-------|\n| Monday\u2013Friday | 09:00\u201317:30 |\n"
        "| Sunday | Closed |\n\n"
        "## **Parking:**\n\nThere is a free car park behind the building.\n\n"
        "## How much is a class?\n\n- Adults: **\u00a312.50**\n- Under-16s: \u00a36\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Opening hours", "Monday\u2013Friday: 09:00\u201317:30\nSunday: Closed"),
        ("Parking", "There is a free car park behind the building."),
        ("How much is a class?", "- Adults: **\u00a312.50**\n- Under-16s: \u00a36"),
    ]
    assert [n.line for n in result.notes if "has no '?'" in n.message] == [3, 10]


def test_a_table_under_a_question_is_its_answer() -> None:
    result = parse_faq(
        "How much are tickets?\n\n"
        "| Ticket | Weekday | Weekend |\n|---|---|---|\n| Adult | \u00a35 | \u00a37 |\n"
        "| Child | \u00a33 | \u00a34 |\n\n"
        "When are you open?\nWe are open:\n\n| Monday | 9am-5pm |\n| Sunday | Closed |\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "How much are tickets?",
            "Adult: Weekday \u00a35, Weekend \u00a37\nChild: Weekday \u00a33, Weekend \u00a34",
        ),
        ("When are you open?", "We are open:\n\nMonday: 9am-5pm\nSunday: Closed"),
    ]
    assert result.notes == ()


def test_a_table_s_first_row_of_column_names_names_each_row_s_cells() -> None:
    """A table of more than two columns with its column names in its first row, unmarked
    (a Word document's), was read "A4: 10p: 50p" under a line "Black & white: Colour": said
    aloud, no one could tell which price was which."""
    result = parse_faq(
        "How much is printing?\n\n"
        "| | Black & white | Colour |\n| A4 | 10p | 50p |\n| A3 | 20p | \u00a31 |\n"
        "| Scanning | Free | Free |\n\n"
        "How much is a swim?\n\n"
        "| Ticket | Off-peak | Peak |\n| Adult | \u00a34 | \u00a35.20 |\n\n"
        "When are you open?\n\n| Monday | 9am | 5pm |\n| Sunday | Closed | |\n\n"
        "Where do I go?\n\n| Room | Floor |\n| Library | 2 |\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "How much is printing?",
            "A4: Black & white 10p, Colour 50p\nA3: Black & white 20p, Colour \u00a31\n"
            "Scanning: Black & white Free, Colour Free",
        ),
        ("How much is a swim?", "Adult: Off-peak \u00a34, Peak \u00a35.20"),
        # Rows with no names over them, and a table of two columns, are read as before.
        ("When are you open?", "Monday: 9am: 5pm\nSunday: Closed"),
        ("Where do I go?", "Room: Floor\nLibrary: 2"),
    ]
    assert spoken_answer(result.entries[0]).startswith(
        "A4: Black and white 10p, Colour 50p. A3: Black and white 20p, Colour 1 pound."
    )


def test_text_after_the_first_question_is_not_called_text_before_it() -> None:
    result = parse_faq(
        "Museum FAQ\n\n"
        "**How much is a ticket?**\nTen pounds.\n\n"
        "Where is the museum?\nOn the high street.\n"
    )
    assert [e.question for e in result.entries] == [
        "How much is a ticket?",
        "Where is the museum?",
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: text before the first question is not an entry; put it under a question if "
        "visitors should hear it"
    ]


def test_a_question_ending_an_answer_paragraph_is_part_of_the_answer() -> None:
    result = parse_faq(
        "How do I become a member?\n"
        "Fill in the form at reception. Membership costs 20 pounds a year.\n"
        "Why not join today?\n\n"
        "Can I bring children?\n"
        "Yes, children under 12 come free.\n"
        "What time do you open?\n"
        "At nine.\n"
    )
    assert [(e.question, e.answer, e.alternatives) for e in result.entries] == [
        (
            "How do I become a member?",
            "Fill in the form at reception. Membership costs 20 pounds a year.\n"
            "Why not join today?",
            (),
        ),
        ("Can I bring children?", "Yes, children under 12 come free.", ()),
        ("What time do you open?", "At nine.", ()),
    ]
    assert result.notes == ()
    # a title above a question is no answer text: the question stands
    titled = parse_faq("Tickets\nHow much is a ticket?\n\nTen pounds.\n")
    assert [(e.question, e.answer) for e in titled.entries] == [
        ("How much is a ticket?", "Ten pounds.")
    ]


def test_questions_without_words_are_dropped_so_the_draft_loads(tmp_path: Path) -> None:
    result = parse_faq(
        "Where is the shop?\nOn the ground floor.\n\n"
        "?\nUpstairs, next to the cafe.\n\n"
        "---\n\n"
        "... The lift is at the back.\n\n"
        "???\n\n"
        "When do you close?\nAt six.\n"
    )
    assert [(e.question, e.alternatives) for e in result.entries] == [
        ("Where is the shop?", ()),
        ("Upstairs, next to the cafe", ()),
        ("The lift is at the back", ()),
        ("When do you close?", ()),
    ]
    orphan = (
        "paragraph stands under no question; it is an entry of its own whose question is its "
        "first sentence: rewrite it as visitors ask it, or move the paragraph into the answer "
        "above if it is more of that"
    )
    assert [str(n) for n in result.notes] == [
        "line 4: question '?' has no words; dropped",
        f"line 5: {orphan}",
        f"line 9: {orphan}",
        "line 11: question '???' has no words; dropped",
    ]
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert load(path).entries == result.entries
    # the first question without words: its answer was said to stand before any question
    first = parse_faq("???\nAnswer to nothing.\n\nWhen do you close?\nAt six.\n")
    assert [e.question for e in first.entries] == ["When do you close?"]
    assert [str(n) for n in first.notes] == [
        "line 1: question '???' has no words; dropped",
        "line 2: the answer of question '???' (line 1), which has no words, is dropped with it; "
        "write the question in words",
    ]
    # an answer of two paragraphs: its second was said to be text before the first question
    two = parse_faq(
        "???\nAnswer to nothing.\n\nIts second paragraph.\n\nWhen do you close?\nAt six.\n"
    )
    assert [e.question for e in two.entries] == ["When do you close?"]
    assert [str(n) for n in two.notes][1:] == [
        f"line {line}: the answer of question '???' (line 1), which has no words, is dropped "
        "with it; write the question in words"
        for line in (2, 4)
    ]


def test_a_question_asked_again_with_an_answer_keeps_its_wording_to_itself(
    tmp_path: Path,
) -> None:
    result = parse_faq(
        "Can I park?\n\nWhere do I park?\nBehind the building.\n\nCan I park?\nYes, for free.\n"
    )
    assert [(e.question, e.alternatives) for e in result.entries] == [
        ("Where do I park?", ()),
        ("Can I park?", ()),
    ]
    assert "line 1: repeated question 'Can I park?' merged into the one on line 6" in [
        str(note) for note in result.notes
    ]
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert len(load(path).entries) == 2


def test_a_paragraph_opening_with_a_question_asked_already_joins_its_answer(
    tmp_path: Path,
) -> None:
    result = parse_faq("What causes knots?\nStress.\n\nWhat causes knots. Mostly posture.\n")
    assert [(e.question, e.answer) for e in result.entries] == [
        ("What causes knots?", "Stress.\n\nWhat causes knots. Mostly posture."),
    ]
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert load(path).entries[0].id == "what-causes-knots"


def test_a_one_line_answer_ending_in_a_question_is_an_answer(tmp_path: Path) -> None:
    result = parse_faq(
        "Is the pool accessible?\n"
        "Yes. There is a hoist at the main pool. Why not come along and see?\n\n"
        "Can I bring my dog?\nNo, sorry.\n\n"
        "Is there a cafe?\n"
        "Is it open late? Does it sell hot food? Ask at the desk, they know?\n\n"
        "Can I pay with e.g. a phone?\nYes.\n"
    )
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert [(e.question, e.answer, e.alternatives) for e in load(path).entries] == [
        (
            "Is the pool accessible?",
            "Yes. There is a hoist at the main pool. Why not come along and see?",
            (),
        ),
        ("Can I bring my dog?", "No, sorry.", ()),
        (
            "Is there a cafe?",
            "Is it open late? Does it sell hot food? Ask at the desk, they know?",
            (),
        ),
        ("Can I pay with e.g. a phone?", "Yes.", ()),
    ]
    assert result.notes == ()


def test_a_word_table_with_a_category_before_each_question_gives_the_topics() -> None:
    """A table without column names (a Word document's) with each row's category before its
    question: the categories were left out without a word. They are the entries' topics, as
    a spreadsheet's column of them is; a column of numbers is not."""
    table = (
        "| Opening | When are you open? | From 7am every day. |\n"
        "| Opening | Are you open on bank holidays? | Yes, from 9am to 5pm. |\n"
        "| Prices | How much is a swim? | £5.20 for adults. |\n"
    )
    result = parse_faq(table)
    assert [(e.question, e.topic) for e in result.entries] == [
        ("When are you open?", "opening"),
        ("Are you open on bank holidays?", "opening"),
        ("How much is a swim?", "prices"),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: column A read as the entries' topics ('Opening', 'Prices')"
    ]
    numbered = parse_faq(
        table.replace("| Opening |", "| 1 |", 1)
        .replace("| Opening |", "| 2 |")
        .replace("| Prices |", "| 3 |")
    )
    assert [e.question for e in numbered.entries] == [e.question for e in result.entries]
    assert not any(e.topic for e in numbered.entries) and not numbered.notes


def test_a_word_table_s_title_over_its_column_names_leaves_them_read_by_name() -> None:
    """A Word table with its title in a row over the column names was read as if it named
    none: each topic was read out as more of its answer ("Yes, book ahead. Vehicles")."""
    result = parse_faq(
        "| Ferry FAQ |\n"
        "| Question | Answer | Topic |\n"
        "| Can I take my car? | Yes, book ahead. | Vehicles |\n"
        "| Can my dog come? | Yes, on a lead. | Pets |\n"
    )
    assert [(e.question, e.answer, e.topic) for e in result.entries] == [
        ("Can I take my car?", "Yes, book ahead.", "vehicles"),
        ("Can my dog come?", "Yes, on a lead.", "pets"),
    ]
    assert not result.notes


def test_an_answer_s_label_with_nothing_after_it_is_no_answer() -> None:
    """An answer's label left empty ("A:") under a question became its answer; with its
    answer in the paragraph under it, that answer began "A:"."""
    result = parse_faq(
        "**Q: Do you do teeth whitening?**\nA:\n\n"
        "**Q: What if I'm nervous?**\nA:\n\nTell us when you book.\n\n"
        "Q: Is there parking?\nA: Four spaces.\n\nQ: Do you take cards?\nAnswer:\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("What if I'm nervous?", "Tell us when you book."),
        ("Is there parking?", "Four spaces."),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: question 'Do you do teeth whitening?' has no answer; dropped",
        "line 12: question 'Do you take cards?' has no answer; dropped",
    ]


def test_a_markdown_table_of_questions_and_answers_gives_one_entry_a_row(
    tmp_path: Path,
) -> None:
    result = parse_faq(
        "| Question | Answer |\n"
        "|---|---|\n"
        "| How deep is the pool? | 1.2 m at the shallow end, 2 m at the deep end. |\n"
        "| **How warm is the water?** | About 29 degrees.<br>Warmer on Fridays. |\n\n"
        "Opening times | Days\n"
        "--- | ---\n"
        "9 to 5 | weekdays\n\n"
        "Can I bring my dog?\nNo, sorry.\n"
    )
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert [(e.question, e.answer) for e in load(path).entries] == [
        ("How deep is the pool?", "1.2 m at the shallow end, 2 m at the deep end."),
        ("How warm is the water?", "About 29 degrees.\nWarmer on Fridays."),
        ("Can I bring my dog?", "No, sorry."),
    ]
    assert [str(n) for n in result.notes] == [
        "line 6: a table not read as questions and answers (a question in one cell, its "
        "answer in the next) is left out; write what visitors should hear under a question"
    ]
    assert "# NOTE line 6: a table not read" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "line",
    [
        "**How much are tickets?** Adults £8, kids £4, under-5s free.",
        "__How much are tickets?__ - Adults £8, kids £4, under-5s free.",
        '"How much are tickets?" Adults £8, kids £4, under-5s free.',
        "1. **Q: How much are tickets?** A: Adults £8, kids £4, under-5s free.",
    ],
)
def test_a_bold_or_quoted_question_and_its_answer_on_one_line_are_split(
    line: str, tmp_path: Path
) -> None:
    result = parse_faq(f"Where do I park?\nNext to the pool.\n\n{line}\nBabies swim free.\n")
    path = tmp_path / "imported.yaml"
    path.write_text(to_yaml(result), encoding="utf-8")
    assert [(e.question, e.answer) for e in load(path).entries] == [
        ("Where do I park?", "Next to the pool."),
        ("How much are tickets?", "Adults £8, kids £4, under-5s free.\nBabies swim free."),
    ]
    assert result.notes == ()


@pytest.mark.parametrize(
    ("encoding", "bom", "note"),
    [("utf-16-le", b"\xff\xfe", False), ("utf-16-be", b"\xfe\xff", False), ("cp1252", b"", True)],
)
def test_read_faq_reads_a_faq_windows_saved(
    tmp_path: Path, encoding: str, bom: bytes, note: bool
) -> None:
    text = (
        "Pool FAQ\r\n\r\nHow much is a swim?\r\nAdults \u00a34.50, it\u2019s free for under-5s."
        "\r\n\r\nIs there a caf\u00e9?\r\nYes, the \u201cPool Side\u201d caf\u00e9, 8am\u20134pm.\r\n"
    )
    path = tmp_path / "faq.txt"
    path.write_bytes(bom + text.encode(encoding))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How much is a swim?", "Adults \u00a34.50, it\u2019s free for under-5s."),
        ("Is there a caf\u00e9?", "Yes, the \u201cPool Side\u201d caf\u00e9, 8am\u20134pm."),
    ]
    said = [n for n in result.notes if "Windows-1252" in n.message]
    assert [n.line for n in said] == ([4] if note else [])


def test_read_faq_refuses_bytes_no_encoding_reads(tmp_path: Path) -> None:
    path = tmp_path / "faq.txt"
    path.write_bytes(b"Is this text?\n\x81\x8d\x90 no.\n")
    with pytest.raises(KnowledgeError, match=r"faq\.txt: not text in UTF-8.*save the FAQ as UTF-8"):
        read_faq(path)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("faq.docx", "a Word document"), ("faq.PDF", "a PDF"), ("faq.xlsx", "an Excel workbook")],
)
def test_a_file_named_as_a_document_that_is_none_is_told_so(
    tmp_path: Path, name: str, kind: str
) -> None:
    """A picture named faq.docx was told to be saved "as UTF-8", as if it were text."""
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x81\x8d\x90")
    with pytest.raises(KnowledgeError) as raised:
        read_faq(path)
    assert str(raised.value) == (
        f"{path}: not {kind}, as its name says, nor text; open it and save it again as {kind}, "
        "or give the FAQ's own file"
    )


def test_a_spreadsheet_saved_as_csv_gives_an_entry_a_row(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes(
        "\ufeffCategory,Question,Answer\r\n"
        'Parcels,Where do I collect my parcel?,"From the counter at the back, Mon-Sat."\r\n'
        'Prices,Cost of a letter,"First class: \u00a31.35, second class: 85p.\n\n'
        'Large letters cost more."\r\n'
        ",Do you sell stamps?,\r\n"
        'Parcels,Where do I collect my parcel?,"Or from a locker, with the code we send."\r\n'
        ",,\r\n".encode()
    )
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "Where do I collect my parcel?",
            "From the counter at the back, Mon-Sat.\n\nOr from a locker, with the code we send.",
        ),
        (
            "Cost of a letter",
            "First class: \u00a31.35, second class: 85p.\n\nLarge letters cost more.",
        ),
    ]
    assert [e.topic for e in result.entries] == ["parcels", "prices"]
    assert [str(n) for n in result.notes] == [
        "line 1: column A 'Category' read as the entries' topics ('Parcels', 'Prices')",
        "line 6: question 'Do you sell stamps?' has no answer; dropped",
        "line 7: repeated question 'Where do I collect my parcel?' merged into the one on line 2",
    ]
    out = tmp_path / "faq.yaml"
    out.write_text(to_yaml(result), encoding="utf-8")
    assert load(out).entries == result.entries


def test_a_category_written_once_over_its_rows_is_the_topic_of_each(tmp_path: Path) -> None:
    """A sheet's category typed on the first row of each group (or merged cells saved as
    CSV) gave the rest of each group no topic, while the note said the column was read as
    the entries' topics."""
    path = tmp_path / "faq.csv"
    path.write_text(
        "Category,Question,Answer\n"
        "Opening,When are you open?,8am to 6pm.\n"
        ",Are you open on bank holidays?,Yes.\n"
        ",Do I need to book?,Only for vans.\n"
        "Charges,Is there a charge for rubble?,£3 a bag.\n"
        ",Can I bring tyres?,\n"
        ",Do you take asbestos?,Only if booked.\n"
        "Parking,Where do I park?,\n"  # a group's first row dropped: its name still counts
        ",Is parking free?,After six.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.topic) for e in result.entries] == [
        ("When are you open?", "opening"),
        ("Are you open on bank holidays?", "opening"),
        ("Do I need to book?", "opening"),
        ("Is there a charge for rubble?", "charges"),
        ("Do you take asbestos?", "charges"),
        ("Is parking free?", "parking"),
    ]
    assert (
        "line 3: 4 rows with a blank cell in the topics' column A read as under the topic "
        "above them; give a row's own topic there if not"
    ) in [str(note) for note in result.notes]


def test_a_csv_without_column_names_reads_questions_then_answers(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("Opening hours,9am\u20135pm\nParking,Free after 6pm\n", encoding="cp1252")
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Opening hours", "9am\u20135pm"),
        ("Parking", "Free after 6pm"),
    ]
    assert [n.message for n in result.notes] == [
        "not UTF-8 text; read as Windows-1252 (as Windows saves text): check that the \u00a3, "
        "\u20ac and quotes came out right, or save the FAQ as UTF-8"
    ]
    path.write_text("Topic,Our reply\nOpening hours,9am\u20135pm\n", encoding="utf-8")
    assert [str(n) for n in read_faq(path).notes] == [
        "line 1: first row 'Topic, Our reply' is taken for column names and left out; questions "
        "are read from column A, answers from column B"
    ]


def test_a_sheet_s_rows_of_a_title_alone_name_sections_and_the_sheet(tmp_path: Path) -> None:
    """A section's name in a row of its own over its questions ("Tickets") was an entry's
    question with no answer, dropped, or, as the first row, taken for the column names; a
    sheet's title over its column names ("Ferry FAQ") made "Question" an entry."""
    path = tmp_path / "faq.csv"
    path.write_text(
        "Tickets\n"
        'Can I buy a ticket on board?,"No, buy one at the kiosk."\n'
        'Are there discounts for pensioners?,"Yes, a third off."\n'
        "Vehicles,\n"
        'Can I take my car?,"Yes, book a space a day ahead."\n',
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.topic, e.question) for e in result.entries] == [
        ("tickets", "Can I buy a ticket on board?"),
        ("tickets", "Are there discounts for pensioners?"),
        ("vehicles", "Can I take my car?"),
    ]
    assert [str(n).split(";")[0] for n in result.notes] == [
        "line 1: section title 'Tickets' is the topic 'tickets' of the 2 entries under it",
        "line 4: section title 'Vehicles' is the topic 'vehicles' of the 1 entry under it",
    ]
    path.write_text(
        'Ferry FAQ\nQuestion,Answer\nCan I take my car?,"Yes, book a space a day ahead."\n'
        "What about motorbikes?,Half the car fare.\nWifi\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.topic, e.question) for e in result.entries] == [
        ("", "Can I take my car?"),
        ("", "What about motorbikes?"),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: first row 'Ferry FAQ' is a title over the column names; left out",
        "line 5: question 'Wifi' has no answer; dropped",
    ]
    # a sheet exported with its title and when it was last updated over its column names
    path.write_text(
        "Ferry FAQ,,\nLast updated: May 2026 by Jo,,\n,,\nCategory,Question,Answer\n"
        "Tickets,Can I buy a ticket on board?,No.\nVehicles,Can I take my car?,Yes.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.topic, e.question) for e in result.entries] == [
        ("tickets", "Can I buy a ticket on board?"),
        ("vehicles", "Can I take my car?"),
    ]
    assert [str(n).split(";")[0] for n in result.notes][:2] == [
        "line 1: first row 'Ferry FAQ' is a title over the column names",
        "line 2: row 'Last updated: May 2026 by Jo' is a title over the column names",
    ]


def test_a_sheet_s_line_under_its_questions_is_named_as_it_is(tmp_path: Path) -> None:
    """A line under the questions in the categories' column ("Last updated: May 2026") was
    named among the topics, and left out as "row without a question left out: ''"."""
    path = tmp_path / "faq.csv"
    path.write_text(
        "Category,Question,Answer\n"
        "Tickets,Can I buy a ticket on board?,No.\n"
        "Vehicles,Can I take my car?,Yes.\n"
        "Last updated: May 2026\n",
        encoding="utf-8",
    )
    assert [str(n) for n in read_faq(path).notes] == [
        "line 1: column A 'Category' read as the entries' topics ('Tickets', 'Vehicles')",
        "line 4: row without a question left out: 'Last updated: May 2026'",
    ]


def test_a_spreadsheet_with_a_section_column_and_no_names_reads_its_questions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "faq.tsv"
    path.write_text(
        "Tickets\tIs there wifi?\tYes\n"
        "Tickets\tCan I pay by card?\tYes, all cards.\n"
        "Food\tDo you sell coffee?\tNo\n"
        "Food\tOpening hours of the caf\u00e9\t9 to 5\tAsk at the till\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there wifi?", "Yes"),
        ("Can I pay by card?", "Yes, all cards."),
        ("Do you sell coffee?", "No"),
        ("Opening hours of the caf\u00e9", "9 to 5"),
    ]
    assert [e.topic for e in result.entries] == ["tickets", "tickets", "food", "food"]
    assert [str(n) for n in result.notes] == [
        "line 1: column A read as the entries' topics ('Tickets', 'Food')",
        "line 4: text in other columns left out: 'Ask at the till'",
    ]
    path.write_text(
        "No.,Details,Answer text\n1,Is there wifi?,Yes\n2,Can I park?,Behind the hall.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there wifi?", "Yes"),
        ("Can I park?", "Behind the hall."),
    ]
    path.write_text(
        "Section,FAQ question,Our reply\nTickets,Is there wifi?,Yes\n", encoding="utf-8"
    )
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [("Is there wifi?", "Yes")]


def test_a_note_on_a_word_document_names_the_words_it_is_at(tmp_path: Path) -> None:
    """Notes named "line 5" of the text read from a document, which its reader never sees."""
    document = docx.Document()
    for paragraph in (
        "Is there wifi?",
        "Yes, ask at the desk for the code.",
        "Can I park here?",
        "Yes, behind the hall.",
        "Is there wifi?",
        "The code is on the board.",
        "Can I bring my dog to the quiz night on Friday evenings?",
        "Is there parking?",
        "Yes, behind the hall.",
    ):
        document.add_paragraph(paragraph)
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert [str(n) for n in read_faq(path).notes] == [
        "at \"Is there wifi?\": repeated question 'Is there wifi?' merged into the one above",
        'at "Can I bring my dog to the quiz...": question \'Can I bring my dog to the quiz '
        "night on Friday evenings?' has no answer of its own; it is an alternative of 'Is "
        "there parking?'",
    ]


def test_a_word_document_is_read_as_word_saves_it_as_text(tmp_path: Path) -> None:
    """An operator's FAQ is often a Word document: it was read as Windows-1252 text and gave
    "no questions found"."""
    document = docx.Document()
    document.add_heading("Frequently asked questions", level=1)
    document.add_paragraph("Welcome to the Copper Pot.")
    document.add_heading("Bookings", level=2)
    document.add_paragraph("Can I book a table?")
    document.add_paragraph("Yes, call us or book online.")
    document.add_paragraph("What can I bring?")
    document.add_paragraph("Your own cake", style="List Bullet")
    document.add_paragraph("Balloons", style="List Bullet")
    document.add_paragraph("When are you open?")
    table = document.add_table(rows=2, cols=2)
    for row, (day, hours) in zip(
        table.rows, [("Monday", "12:00-22:00"), ("Sunday", "Closed")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = day, hours
    line = document.add_paragraph("Is there parking?")
    line.add_run().add_break()
    document.add_paragraph("Behind the hall.")
    laid_out = document.add_table(rows=2, cols=2)  # questions and answers laid out in a table
    for row, pair in zip(
        laid_out.rows,
        [("Do you take cards?", "Yes | all of them."), ("Is there wifi?", "Yes.")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = pair
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Can I book a table?", "Yes, call us or book online."),
        ("What can I bring?", "- Your own cake\n- Balloons"),
        ("When are you open?", "Monday: 12:00-22:00\nSunday: Closed"),
        ("Is there parking?", "Behind the hall."),
        ("Do you take cards?", "Yes | all of them."),
        ("Is there wifi?", "Yes."),
    ]
    # placed by the words it is at: the lines of the text read from it are nowhere to be seen
    assert [str(n) for n in result.notes] == [
        'at "Welcome to the Copper Pot.": text before the first question is not an entry; put '
        "it under a question if visitors should hear it"
    ]


def test_a_word_table_s_cells_merged_down_are_read_beside_each_row(tmp_path: Path) -> None:
    """A category merged down beside its questions ("Opening" over two rows, as a Word
    table is often laid out) was read beside the first only, so it named no topic; an
    answer merged beside two questions answered only the first."""
    document = docx.Document()
    rows = [
        ("Opening", "When are you open?", "From 7am every day."),
        ("Opening", "Are you open on bank holidays?", "Yes, from 9am to 5pm."),
        ("Prices", "How much is a swim?", "£5.20 for adults, £3.10 for children."),
        ("Prices", "Is it cheaper for children?", "£5.20 for adults, £3.10 for children."),
        ("Lessons", "Do you teach children to swim?", "Yes, on Saturday mornings."),
    ]
    table = document.add_table(rows=len(rows), cols=3)
    for at, (_, question, answer) in enumerate(rows):
        table.cell(at, 1).text = question
        table.cell(at, 2).text = answer
    for top, bottom in ((0, 1), (2, 3)):
        table.cell(top, 0).merge(table.cell(bottom, 0)).text = rows[top][0]
    table.cell(2, 2).merge(table.cell(3, 2)).text = rows[2][2]
    table.cell(4, 0).text = "Lessons"
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert [(e.topic, e.question, e.answer) for e in read_faq(path).entries] == [
        (topic.lower(), question, answer) for topic, question, answer in rows
    ]


def test_a_word_table_s_rows_of_one_cell_name_the_sections_of_the_rows_under_them(
    tmp_path: Path,
) -> None:
    """A row merged across the table over its questions ("Tickets") names their section.
    Each was left out as "a table not read as questions and answers", and no entry had a
    topic. A row of one cell under the last question is no section's and is still noted."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for cells in (
        ("Tickets",),
        ("Can I buy a ticket on board?", "No, buy one at the kiosk."),
        ("Are there discounts for pensioners?", "Yes, a third off."),
        ("Vehicles", ""),  # not merged: the other cell left empty
        ("Can I take my car?", "Yes, book a space a day ahead."),
        ("Prices as of May",),
    ):
        row = table.add_row().cells
        if len(cells) == 1:
            row[0].merge(row[1]).text = cells[0]
        else:
            row[0].text, row[1].text = cells
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.topic, e.question) for e in result.entries] == [
        ("tickets", "Can I buy a ticket on board?"),
        ("tickets", "Are there discounts for pensioners?"),
        ("vehicles", "Can I take my car?"),
    ]
    assert [n.message.split(":")[0] for n in result.notes] == [
        "section title 'Tickets' is the topic 'tickets' of the 2 entries under it; the kiosk "
        "names topics to a visitor it turns away",
        "section title 'Vehicles' is the topic 'vehicles' of the 1 entry under it; the kiosk "
        "names topics to a visitor it turns away",
        "a table not read as questions and answers (a question in one cell, its answer in "
        "the next) is left out; write what visitors should hear under a question",
    ]


def test_a_section_a_table_s_row_names_ends_with_the_table() -> None:
    """A question under the table is in the section around the table, not the last one a
    row of the table named."""
    result = parse_faq(
        "## Travel\n\n| Tickets |\n| Can I buy a ticket on board? | No. |\n| Vehicles |\n"
        "| Can I take my car? | Yes. |\n\nIs there a cafe?\nYes, on deck two.\n\n"
        "## Food\n\nCan I bring a picnic?\nYes.\n"
    )
    assert [(e.question, e.topic) for e in result.entries] == [
        ("Can I buy a ticket on board?", "tickets"),
        ("Can I take my car?", "vehicles"),
        ("Is there a cafe?", "travel"),
        ("Can I bring a picnic?", "food"),
    ]


def test_bold_marks_a_word_document_s_questions_and_titles_and_a_cell_keeps_its_lines(
    tmp_path: Path,
) -> None:
    """Bold was thrown away: a bold question with its answer after it on the same line, or
    bold titles over their answers with no empty line between, were read as one entry. Bold
    in an answer stays an answer ("**No**"), and a bold start marks no question unless it is
    one ("**Please note:**")."""
    document = docx.Document()
    inline = document.add_paragraph()
    inline.add_run("Is there wifi?").bold = True
    inline.add_run(" Yes, ask at the desk.")
    document.add_paragraph("Do you sell coffee?")
    document.add_paragraph().add_run("No").bold = True
    note = document.add_paragraph()
    note.add_run("Please note:").bold = True
    note.add_run(" the cafe next door does.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "When are you open?"
    table.rows[0].cells[1].text = "Monday to Friday: 9 to 5."
    table.rows[0].cells[1].add_paragraph("Saturday: 10 to 4.")
    table.rows[1].cells[0].text = "Can I pay by card?"
    table.rows[1].cells[0].add_paragraph("(credit or debit)")
    table.rows[1].cells[1].text = "Yes."
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Is there wifi?", "Yes, ask at the desk."),
        ("Do you sell coffee?", "No\nPlease note: the cafe next door does."),
        ("When are you open?", "Monday to Friday: 9 to 5.\nSaturday: 10 to 4."),
        ("Can I pay by card? (credit or debit)", "Yes."),
    ]
    titled = docx.Document()
    for title, answer in (("Parking", "Behind the hall."), ("Wifi", "Ask at the desk.")):
        titled.add_paragraph().add_run(title).bold = True
        titled.add_paragraph(answer)
    # bold, but long: emphasis in an answer, no title
    titled.add_paragraph().add_run(
        "The password changes on the first day of each month"
    ).bold = True
    titled.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Parking", "Behind the hall."),
        ("Wifi", "Ask at the desk.\nThe password changes on the first day of each month"),
    ]
    # a bold section name, Shift+Enter, then the bold question: the question is marked
    broken = docx.Document()
    both = broken.add_paragraph()
    both.add_run("Parking").bold = True
    both.add_run().add_break()
    both.add_run("Is there parking?").bold = True
    broken.add_paragraph("Behind the hall.")
    broken.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Is there parking?", "Behind the hall.")
    ]


def test_a_bold_line_that_opens_as_a_question_is_one_where_the_questions_are_bold(
    tmp_path: Path,
) -> None:
    """In a Word document of bold questions, one whose "?" was forgotten ("What happens if
    I miss my appointment") was read, with its answer, into the answer above it, without a
    note. Bold that does not open as a question stays answer text ("Please note")."""
    document = docx.Document()
    for question, *answer in (
        ("How do I book?", "Phone us.", "Online booking is open all day."),
        ("What happens if I miss my appointment", "We charge a fee."),
        ("Can I pay by card?", "Yes."),
        ("Please note", "Cash is not taken."),
        ("Is there parking", "Two bays behind the practice."),
    ):
        document.add_paragraph().add_run(question).bold = True
        for line in answer:
            document.add_paragraph(line)
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How do I book?", "Phone us.\nOnline booking is open all day."),
        ("What happens if I miss my appointment", "We charge a fee."),
        ("Can I pay by card?", "Yes.\nPlease note\nCash is not taken."),
        ("Is there parking", "Two bays behind the practice."),
    ]
    assert [n.message for n in result.notes if "has no '?'" in n.message] == [
        "bold line 'What happens if I miss my appointment' has no '?'; it is the question of "
        "the text under it: rewrite it as visitors ask it",
        "bold line 'Is there parking' has no '?'; it is the question of the text under it: "
        "rewrite it as visitors ask it",
    ]
    # the same in markdown; a question alone in a paragraph loses its bold too
    text = (
        "**How do I book?**\nPhone us.\n**What happens if I miss my appointment**\n"
        "We charge a fee.\n\n**Where are you**\n\nOn Market Street.\n\n**Can I park?**\nYes.\n"
    )
    assert [(e.question, e.answer) for e in parse_faq(text).entries] == [
        ("How do I book?", "Phone us."),
        ("What happens if I miss my appointment", "We charge a fee."),
        ("Where are you", "On Market Street."),
        ("Can I park?", "Yes."),
    ]
    # where the questions are not in bold, a bold line is the text's own emphasis
    plain = "How do I book?\nPhone us.\n**What to bring**\nYour card.\n"
    assert [(e.question, e.answer) for e in parse_faq(plain).entries] == [
        ("How do I book?", "Phone us.\n**What to bring**\nYour card.")
    ]


def test_a_word_document_s_numbered_list_keeps_its_numbers(tmp_path: Path) -> None:
    """A numbered list in a Word answer ("1. Phone reception") was read as bullets, so the
    steps lost their order on the screen; a question numbered by Word is still a question."""
    document = docx.Document()
    document.add_paragraph("How do I cancel?", style="List Number")
    document.add_paragraph("Like this:")
    for step in ("Phone reception.", "Give your name.", "Wait for the text."):
        document.add_paragraph(step, style="List Number 2")
    document.add_paragraph("What should I bring?", style="List Number")
    for thing in ("Your card.", "A list of your medicines."):
        document.add_paragraph(thing, style="List Bullet")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        (
            "How do I cancel?",
            "Like this:\n1. Phone reception.\n2. Give your name.\n3. Wait for the text.",
        ),
        ("What should I bring?", "- Your card.\n- A list of your medicines."),
    ]


def add_list_item(document: docx.document.Document, text: str, level: int, style: str) -> None:
    """A paragraph of the list ``style`` numbers, at ``level`` of it, as Word writes an item
    indented with Tab (``w:ilvl``)."""
    item = document.add_paragraph(text, style=style)
    numbered = OxmlElement("w:numPr")
    (list_id,) = document.styles[style].element.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    for tag, value in (("w:ilvl", str(level)), ("w:numId", list_id)):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        numbered.append(child)
    item._p.get_or_add_pPr().append(numbered)


def test_a_word_document_s_list_in_a_list_keeps_its_levels(tmp_path: Path) -> None:
    """An answer's list of lists ("ID", and under it "passport or driving licence") was
    imported as one flat list: which items belong to which was lost."""
    document = docx.Document()
    document.add_paragraph("What should I bring?")
    document.add_paragraph("Bring:")
    for text, level in (
        ("ID", 0),
        ("passport or driving licence", 1),
        ("with your photo", 2),
        ("proof of address", 0),
    ):
        add_list_item(document, text, level, "List Bullet")
    document.add_paragraph("How do I book?")
    for text, level in (("Choose a day.", 0), ("Online", 1), ("By phone", 1), ("Pay.", 0)):
        add_list_item(document, text, level, "List Number" if level == 0 else "List Bullet")
    document.add_paragraph("How do I get here?")  # a list style of the second level
    document.add_paragraph("Bus 7", style="List Bullet")
    document.add_paragraph("from the station", style="List Bullet 2")
    document.add_paragraph("Train", style="List Bullet")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    answers = [
        "Bring:\n- ID\n  - passport or driving licence\n    - with your photo\n- proof of address",
        "1. Choose a day.\n   - Online\n   - By phone\n2. Pay.",
        "- Bus 7\n  - from the station\n- Train",
    ]
    assert [e.answer for e in result.entries] == answers
    # the knowledge file keeps them, and the kiosk reads each item once, in order
    knowledge = tmp_path / "faq.yaml"
    knowledge.write_text(to_yaml(result), encoding="utf-8")
    assert [e.answer for e in load(knowledge).entries] == answers
    assert spoken_answer(result.entries[0]) == (
        "Bring, ID, passport or driving licence, with your photo; and proof of address."
    )
    # and so does a spreadsheet it is exported to and imported from
    sheet = tmp_path / "faq.xlsx"
    assert main(["knowledge", "export", str(knowledge), "-o", str(sheet)]) == 0
    assert [e.answer for e in read_faq(sheet).entries] == answers


def test_a_list_in_a_list_in_a_text_keeps_its_levels() -> None:
    """Markdown's lists of lists: an item indented at least to the text of the one over it
    is in it, kept indented by the width of that one's mark; one indented less is beside it;
    the indent of an answer all indented is not a level."""
    text = (
        "How do I book?\n1. Choose a day\n    - online\n    - by phone\n2. Pay\n\n"
        "What can I bring?\n- a towel\n - goggles\n\n"
        "Q: Where do I go?\n    Go to:\n    - reception\n      - on the left\n"
    )
    assert [e.answer for e in parse_faq(text).entries] == [
        "1. Choose a day\n   - online\n   - by phone\n2. Pay",
        "- a towel\n- goggles",
        "Go to:\n- reception\n  - on the left",
    ]


def test_an_opendocument_s_numbered_list_keeps_its_numbers(tmp_path: Path) -> None:
    """A numbered list in an OpenDocument answer was read as bullets, as Word's was."""
    text = OpenDocumentText()
    numbers = ListStyle(name="Numbers")
    numbers.addElement(ListLevelStyleNumber(level=1, numformat="1", numsuffix="."))
    text.automaticstyles.addElement(numbers)
    text.text.addElement(P(text="How do I register?"))
    text.text.addElement(P(text="Like this:"))
    steps = List(stylename="Numbers")
    for step in ("Fill in the form.", "Bring photo ID."):
        item = ListItem()
        item.addElement(P(text=step))
        steps.addElement(item)
    text.text.addElement(steps)
    text.text.addElement(P(text="What should I bring?"))
    things = List()
    for thing in ("Your card.", "Your medicines."):
        item = ListItem()
        item.addElement(P(text=thing))
        things.addElement(item)
    text.text.addElement(things)
    path = tmp_path / "faq.odt"
    text.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("How do I register?", "Like this:\n1. Fill in the form.\n2. Bring photo ID."),
        ("What should I bring?", "- Your card.\n- Your medicines."),
    ]


def test_an_opendocument_s_list_in_a_list_keeps_its_levels(tmp_path: Path) -> None:
    """A list inside a list's item in LibreOffice was imported flat, as Word's was."""
    text = OpenDocumentText()
    text.text.addElement(P(text="What should I bring?"))
    text.text.addElement(P(text="Bring:"))
    things = List()
    for thing, inside in (("ID", ("passport or driving licence",)), ("proof of address", ())):
        item = ListItem()
        item.addElement(P(text=thing))
        if inside:
            kinds = List()
            for kind in inside:
                under = ListItem()
                under.addElement(P(text=kind))
                kinds.addElement(under)
            item.addElement(kinds)
        things.addElement(item)
    text.text.addElement(things)
    text.text.addElement(P(text="Is there parking?"))
    text.text.addElement(P(text="Yes."))
    path = tmp_path / "faq.odt"
    text.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        (
            "What should I bring?",
            "Bring:\n- ID\n  - passport or driving licence\n- proof of address",
        ),
        ("Is there parking?", "Yes."),
    ]


def test_footnotes_and_comments_are_not_read_into_an_opendocument_s_text(
    tmp_path: Path,
) -> None:
    """A footnote after a question was glued to it, and a comment in a cell was read into
    the answer the kiosk speaks."""
    text = OpenDocumentText()
    question = P(text="Can I park here?")
    note = Note(noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Pay and display."))
    note.addElement(body)
    question.addElement(note)
    text.text.addElement(question)
    text.text.addElement(P(text="Yes, behind the hall."))
    table = Table()
    row = TableRow()
    for value in ("Is there wifi?", "Yes, ask at the desk."):
        cell = TableCell()
        if value.startswith("Yes"):
            comment = Annotation()
            comment.addElement(P(text="Sam: the password changes monthly"))
            cell.addElement(comment)
        cell.addElement(P(text=value))
        row.addElement(cell)
    table.addElement(row)
    text.text.addElement(table)
    path = tmp_path / "faq.odt"
    text.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Can I park here?", "Yes, behind the hall."),
        ("Is there wifi?", "Yes, ask at the desk."),
    ]


def test_a_workbook_s_notes_name_its_rows(tmp_path: Path) -> None:
    """A workbook's notes named "line 4" for its row 4, and said "line 3: row 3 left out"."""
    workbook = openpyxl.Workbook()
    faq = workbook.active
    assert faq is not None
    faq.title = "FAQ"
    faq.append(("Question", "Answer"))
    faq.append(("Can I park here?", "Yes, behind the hall."))
    faq.append(("Is there wifi?", "Yes, ask at the desk."))
    faq.append(("Can I park here?", "Bikes go by the door."))
    faq.row_dimensions[5].hidden = True
    faq.append(("Is it open on Sundays?", "No."))
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    assert [str(n) for n in read_faq(path).notes] == [
        "sheet 'FAQ': row 5 left out: hidden, filtered out or folded away; show it to import it",
        "row 4: repeated question 'Can I park here?' merged into the one in row 2",
    ]
    # an alternative that is another row's question, in a column of other wordings
    other = openpyxl.Workbook()
    sheet = other.active
    assert sheet is not None
    sheet.append(("Question", "Other ways to ask", "Answer"))
    sheet.append(("Can I park here?", "", "Yes, behind the hall."))
    sheet.append(("Is there wifi?", "Can I park here?", "Yes, ask at the desk."))
    other.save(path)
    assert [str(n) for n in read_faq(path).notes][-1] == (
        "row 3: alternative 'Can I park here?' is also the question in row 2; it is left to "
        "that entry"
    )


def test_a_workbook_s_faq_is_read_from_its_visible_sheet_with_questions(tmp_path: Path) -> None:
    """A hidden sheet of lists before the FAQ was read instead of it, and a cover sheet gave
    "no row has a question and an answer"."""
    workbook = openpyxl.Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "Cover"
    cover.append(("Village hall FAQ, 2026",))
    cover.append(("Updated", "1 March 2026"))  # pairs, but no question: not the FAQ
    cover.append(("Owner", "Sam Jones"))
    lists = workbook.create_sheet("Lists")
    lists.append(("Food", "yes"))
    lists.append(("Pets", "no"))
    lists.sheet_state = "hidden"
    faq = workbook.create_sheet("FAQ")
    faq.append(("Can I park here?", "Yes, behind the hall."))
    faq.append(("Is there wifi?", "Yes, ask at the desk."))
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Can I park here?", "Yes, behind the hall."),
        ("Is there wifi?", "Yes, ask at the desk."),
    ]
    assert [str(n) for n in result.notes] == [
        "workbook: sheet 'Cover' left out: only the sheet 'FAQ' is read; if visitors should hear any of its rows, move them there"
    ]


def test_a_hidden_sheet_that_asks_is_named(tmp_path: Path) -> None:
    """A workbook's sheet of questions, hidden by mistake, was left out unsaid: beside
    another it was lost, alone it was "no sheet has a question and an answer in a row"."""
    workbook = openpyxl.Workbook()
    faq = workbook.active
    assert faq is not None
    faq.title = "FAQ"
    faq.append(("Can I park here?", "Yes, behind the hall."))
    more = workbook.create_sheet("Bookings")
    more.append(("Can I book online?", "Yes, on our website."))
    more.sheet_state = "hidden"
    cover = workbook.create_sheet("Cover")
    cover.append(("Village hall FAQ, 2026",))
    cover.sheet_state = "veryHidden"
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    result = read_faq(path)
    assert [e.question for e in result.entries] == ["Can I park here?"]
    assert [str(n) for n in result.notes] == [
        "workbook: sheet 'Bookings' left out: it is hidden; if visitors should hear any of "
        "its rows, unhide it and move them to the sheet 'FAQ'"
    ]
    faq.sheet_state = "hidden"
    workbook.active = 2  # Excel opens a workbook on a visible sheet
    cover.sheet_state = "visible"
    workbook.save(path)
    with pytest.raises(KnowledgeError) as raised:
        read_faq(path)
    assert str(raised.value) == (
        f"{path}: no visible sheet has a question and an answer in a row; the questions are "
        "on the hidden sheets 'FAQ', 'Bookings': unhide them and import again"
    )
    # a hidden sheet of a form's choices ("Yes?") holds no FAQ: the visible sheet of
    # questions without answers is told what to do
    only = openpyxl.Workbook()
    asks = only.active
    assert asks is not None
    asks.title = "FAQ"
    asks.append(("Can I park here?",))
    asks.append(("Is there wifi?",))
    choices = only.create_sheet("Lists")
    for choice in ("Yes?", "No?", "Not sure"):
        choices.append((choice,))
    choices.sheet_state = "hidden"
    only.save(path)
    with pytest.raises(KnowledgeError) as raised:
        read_faq(path)
    assert str(raised.value) == (
        f"{path}: no sheet has a question and an answer in a row ('FAQ'); put questions in "
        "one column and their answers in the next"
    )


def test_an_excel_workbook_is_read_as_its_sheet_s_rows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "FAQ"
    for row in (
        ("Section", "Question", "Answer"),
        ("Tickets", "How much is a ticket?", 12.0),
        ("Tickets", "Is there wifi?", "Yes"),
        ("Dates", "When is the next open day?", datetime.datetime(2027, 3, 6)),
        (None, None, None),
        ("Food", "Do you sell coffee?", "No.\nBut there is a cafe next door."),
    ):
        sheet.append(row)
    workbook.create_sheet("Notes").append(("Remember to update prices",))
    workbook.create_sheet("Empty")
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How much is a ticket?", "12"),
        ("Is there wifi?", "Yes"),
        ("When is the next open day?", "2027-03-06"),
        ("Do you sell coffee?", "No.\nBut there is a cafe next door."),
    ]
    assert [e.topic for e in result.entries] == ["tickets", "tickets", "dates", "food"]
    assert [str(n) for n in result.notes] == [
        "workbook: sheet 'Notes' left out: only the sheet 'FAQ' is read; if visitors should hear any of its rows, move them there",
        "row 1: column A 'Section' read as the entries' topics ('Tickets', 'Dates', 'Food')",
    ]


def open_row(values: Sequence[str], **attributes: str) -> TableRow:
    """An OpenDocument table row of a cell of text for each of ``values``."""
    row = TableRow(**attributes)
    for value in values:
        cell = TableCell()
        cell.addElement(P(text=value))
        row.addElement(cell)
    return row


def open_rows_merged(table: Table, first: str, rows: Sequence[Sequence[str]]) -> None:
    """Add to an OpenDocument ``table`` a row for each of ``rows``, beside a first cell of
    ``first`` merged down over them all (the rows under its top hold a covered cell)."""
    for at, values in enumerate(rows):
        row = open_row(values)
        if at:
            row.insertBefore(CoveredTableCell(), row.firstChild)
        else:
            top = open_row([first]).firstChild
            top.setAttribute("numberrowsspanned", str(len(rows)))
            row.insertBefore(top, row.firstChild)
        table.addElement(row)


def test_a_table_inside_a_cell_is_read_once_and_a_hyphen_that_does_not_break_is_kept(
    tmp_path: Path,
) -> None:
    """A table of prices inside an answer's cell was read three times over, and Word's
    non-breaking hyphen was dropped ("escooter")."""
    document = docx.Document()
    asked = document.add_paragraph().add_run("Can I bring an e")
    asked._r.append(OxmlElement("w:noBreakHyphen"))
    asked.add_text("scooter?")
    document.add_paragraph("No, only bicycles.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "What do tickets cost?"
    prices = table.rows[0].cells[1].add_table(rows=2, cols=2)
    for row, (who, price) in zip(prices.rows, (("Adult", "£5"), ("Child", "£3")), strict=True):
        row.cells[0].text, row.cells[1].text = who, price
    table.rows[1].cells[0].text = "Is there wifi?"
    table.rows[1].cells[1].text = "Yes."
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Can I bring an e-scooter?", "No, only bicycles."),
        ("What do tickets cost?", "Adult\n£5\nChild\n£3"),
        ("Is there wifi?", "Yes."),
    ]

    text = OpenDocumentText()
    outer = Table(name="FAQ")
    inner = Table(name="Prices")
    for cells in (("Adult", "£5"), ("Child", "£3")):
        inner.addElement(open_row(cells))
    priced = TableCell()
    priced.addElement(inner)
    first = open_row(["What do tickets cost?"])
    first.addElement(priced)
    outer.addElement(first)
    outer.addElement(open_row(["Is there wifi?", "Yes."]))
    text.text.addElement(outer)
    path = tmp_path / "faq.odt"
    text.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("What do tickets cost?", "Adult\n£5\nChild\n£3"),
        ("Is there wifi?", "Yes."),
    ]


def test_an_excel_cell_reads_as_the_workbook_shows_it(tmp_path: Path) -> None:
    """Excel keeps £4.50 as 4.5 under a format; read as values, answers said "4.5", "0.15"
    and "09:00:00"."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for question, value, shown_as in (
        ("How much is a day pass?", 4.5, '"£"#,##0.00'),
        ("How much is a season ticket?", 1250, "[$€-407] #,##0.00"),
        ("What is the member discount?", 0.15, "0%"),
        ("When do you open?", datetime.time(9, 0), "h:mm AM/PM"),
        ("When is the next open day?", datetime.datetime(2027, 3, 6), "dddd d mmmm yyyy"),
        ("How long is a lesson?", 20, '0 "minutes"'),
        ("How many lanes are there?", 6.0, "General"),
        ("How much is parking?", 3.5, BUILTIN_FORMATS[44]),  # Excel's accounting format
    ):
        sheet.append((question, value))
        sheet.cell(sheet.max_row, 2).number_format = shown_as
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    assert [e.answer for e in read_faq(path).entries] == [
        "£4.50",
        "€ 1,250.00",
        "15%",
        "9:00 AM",
        "Saturday 6 March 2027",
        "20 minutes",
        "6",
        "$3.50",
    ]


def test_hidden_rows_and_columns_of_a_workbook_are_left_out_and_named(tmp_path: Path) -> None:
    """A row hidden as out of date was answered from, and a hidden column of staff notes
    read into the notes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "FAQ"
    sheet.append(("Question", "Answer", "Staff notes"))
    sheet.append(("Is there wifi?", "Yes, ask at the desk.", "password changes monthly"))
    sheet.append(("Is there a bar?", "Yes, until 11pm.", ""))
    sheet.append(("Can I park here?", "Yes, behind the hall.", ""))
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["C"].hidden = True
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there wifi?", "Yes, ask at the desk."),
        ("Can I park here?", "Yes, behind the hall."),
    ]
    assert [str(n) for n in result.notes] == [
        "sheet 'FAQ': row 3 left out: hidden, filtered out or folded away; show it to import it",
        "sheet 'FAQ': hidden column C left out; unhide a column of questions or answers to import it",
    ]

    ods = OpenDocumentSpreadsheet()
    table = Table(name="FAQ")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    table.addElement(TableColumn(visibility="collapse"))
    for cells, hidden in (
        (("Is there wifi?", "Yes, ask at the desk.", "password changes monthly"), False),
        (("Is there a bar?", "Yes, until 11pm."), True),
        (("Can I park here?", "Yes, behind the hall."), False),
    ):
        table.addElement(open_row(cells, visibility="collapse") if hidden else open_row(cells))
    ods.spreadsheet.addElement(table)
    path = tmp_path / "faq.ods"
    ods.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there wifi?", "Yes, ask at the desk."),
        ("Can I park here?", "Yes, behind the hall."),
    ]
    assert [str(n) for n in result.notes] == [
        "sheet 'FAQ': row 2 left out: hidden, filtered out or folded away; show it to import it",
        "sheet 'FAQ': hidden column C left out; unhide a column of questions or answers to import it",
    ]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", r"cannot be read as a PDF.*plain-text file"),
        (b"{\\rtf1\\ansi Is there wifi?\\par Yes.}", r"rich text \(RTF\); save it as plain text"),
        (b"PK\x03\x04 not really a zip", r"cannot be read as a Word, Excel or OpenDocument file"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
            r"a Word or Excel file saved with a password, or in the old \.doc or \.xls format",
        ),
    ],
)
def test_a_file_knotvoice_cannot_read_says_what_to_save_it_as(
    tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / "faq.bin"
    path.write_bytes(data)
    with pytest.raises(KnowledgeError, match=rf"faq\.bin: {says}"):
        read_faq(path)


def test_a_broken_opendocument_or_another_zip_says_what_to_give(tmp_path: Path) -> None:
    broken = tmp_path / "faq.odt"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content>")
    with pytest.raises(KnowledgeError, match=r"faq\.odt: cannot be read as .* save the FAQ as"):
        read_faq(broken)
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(KnowledgeError, match=r"photos\.zip: a ZIP archive, not an FAQ; give"):
        read_faq(other)
    pages = tmp_path / "faq.pages"  # Apple's iWork: a ZIP too
    with zipfile.ZipFile(pages, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\x00")
    with pytest.raises(KnowledgeError, match=r"faq\.pages: an Apple Pages .* as Word \(\.docx\)"):
        read_faq(pages)


def test_an_opendocument_text_and_spreadsheet_are_read_as_word_s_and_excel_s(
    tmp_path: Path,
) -> None:
    """Raspberry Pi OS comes with LibreOffice, whose files are OpenDocument's."""
    text = OpenDocumentText()
    text.text.addElement(H(outlinelevel=1, text="Village hall"))
    text.text.addElement(P(text="Can I hire the hall?"))
    answer = P(text="Yes, from 15 pounds")
    answer.addElement(S(c=1))
    answer.addText("an hour.")
    text.text.addElement(answer)
    text.text.addElement(P(text="What is there?"))
    listed = List()
    for thing in ("A kitchen", "A stage"):
        item = ListItem()
        item.addElement(P(text=thing))
        listed.addElement(item)
    text.text.addElement(listed)
    path = tmp_path / "faq.odt"
    text.save(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Can I hire the hall?", "Yes, from 15 pounds an hour."),
        ("What is there?", "- A kitchen\n- A stage"),
    ]

    workbook = OpenDocumentSpreadsheet()
    for name, rows in (
        (
            "FAQ",
            [
                ("Question", "Answer"),
                ("Is there wifi?", "Yes"),
                None,
                ("Can I park?", "Yes, round the back."),
            ],
        ),
        ("Old", [("Is there a bar?", "Not any more.")]),
    ):
        sheet = Table(name=name)
        for cells in rows:
            row = TableRow(numberrowsrepeated=3) if cells is None else TableRow()
            for value in cells or ("",):
                cell = TableCell()
                if value:
                    cell.addElement(P(text=value))
                row.addElement(cell)
            row.addElement(TableCell(numbercolumnsrepeated=16000))  # empty to the sheet's edge
            sheet.addElement(row)
        workbook.spreadsheet.addElement(sheet)
    path = tmp_path / "faq.ods"
    workbook.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there wifi?", "Yes"),
        ("Can I park?", "Yes, round the back."),
    ]
    assert [str(n) for n in result.notes] == [
        "workbook: sheet 'Old' left out: only the sheet 'FAQ' is read; if visitors should hear any of its rows, move them there"
    ]


HTML_FAQ = """\
<html><head><title>FAQ</title><style>p { color: red; }</style></head><body>
<h1>Frequently asked questions</h1>
<p>Welcome to the
Copper Pot.</p>
<h3>Do you cater for allergies?</h3>
<p>Yes. Tell your server &amp; we will check every dish.<br>Our menu lists all 14 allergens.</p>
<p><strong>Can I book a table?</strong></p>
<p>Book on <a href="https://www.example.org/book">our website</a> or call 020 7946 0123.</p>
<h3>Opening hours</h3>
<table>
  <tr><th>Day</th><th>Hours</th></tr>
  <tr><td>Monday&ndash;Friday</td><td>12:00&ndash;22:00</td></tr>
  <tr><td>Sunday</td><td>Closed</td></tr>
</table>
<dl><dt>What can I bring?</dt><dd><ul><li>Your own cake</li><li>Balloons</li></ul></dd></dl>
</body></html>
"""


def test_a_note_on_a_web_page_names_the_page_s_lines_throughout() -> None:
    """The line a note was at was the page's, and the line it named in its message the line
    of the text the page shows: "merged into the one on line 9" where the page has it on 6."""
    page = (
        "<html>\n<body>\n<h1>Village hall FAQ</h1>\n"
        '<div class="q">\n  <h2>Is there wifi?</h2>\n  <p>Yes, ask at the desk.</p>\n</div>\n'
        '<div class="q">\n  <h2>Can I park here?</h2>\n  <p>Behind the hall.</p>\n</div>\n'
        '<div class="q">\n  <h2>Is there wifi?</h2>\n  <p>The code is on the board.</p>\n'
        "</div>\n</body>\n</html>\n"
    )
    assert [str(n) for n in parse_faq(page).notes] == [
        "line 13: repeated question 'Is there wifi?' merged into the one on line 5"
    ]


def test_a_web_page_faq_pasted_as_html_is_read_as_shown() -> None:
    result = parse_faq(HTML_FAQ)
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "Do you cater for allergies?",
            "Yes. Tell your server & we will check every dish.\nOur menu lists all 14 allergens.",
        ),
        (
            "Can I book a table?",
            "Book on [our website](https://www.example.org/book) or call 020 7946 0123.",
        ),
        ("Opening hours", "Monday\u2013Friday: 12:00\u201322:00\nSunday: Closed"),
        ("What can I bring?", "- Your own cake\n- Balloons"),
    ]
    assert [(n.line, n.message.split(";")[0]) for n in result.notes] == [
        (3, "text before the first question is not an entry"),
        (9, "heading 'Opening hours' has no '?'"),
    ]


def test_a_web_page_s_text_struck_through_is_left_out() -> None:
    """A page's "<s>No</s> baby changing" was imported as "No baby changing", said as the
    answer's opposite."""
    page = (
        "<h2>Is there baby changing?</h2><p><s>No</s> Yes, on level 1.</p>"
        "<h2>How much are tickets?</h2><p>Adults <del>\u00a35</del> \u00a34.</p>"
    )
    assert [e.answer for e in parse_faq(page).entries] == ["Yes, on level 1.", "Adults \u00a34."]


def test_a_web_page_s_table_reads_as_the_same_table_in_a_word_document(tmp_path: Path) -> None:
    """A campsite's price table, its header in ``<thead>``, lost its column names
    ("Small tent: \u00a318: \u00a324") and left three blank lines where its header was; the same
    table in a Word document read "Small tent: Low season \u00a318, High season \u00a324"."""
    rows = [
        ["Pitch", "Low season", "High season"],
        ["Small tent", "\u00a318", "\u00a324"],
        ["Caravan | motorhome", "\u00a328", "\u00a336.50"],
    ]
    page = (
        "<html><body><main>\n<h2>How much does a pitch cost?</h2>\n"
        "<p>Prices are per night:</p>\n<table>\n  <thead><tr>"
        + "".join(f"<th>{name}</th>" for name in rows[0])
        + "</tr></thead>\n  <tbody>\n"
        + "".join(
            "    <tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>\n" for row in rows[1:]
        )
        + "  </tbody>\n</table>\n<p>Children are free.</p>\n"
        "<h2>Is there wifi?</h2>\n<p>Yes.</p>\n</main></body></html>\n"
    )
    answer = (
        "Prices are per night:\n\n"
        "Small tent: Low season \u00a318, High season \u00a324\n"
        "Caravan | motorhome: Low season \u00a328, High season \u00a336.50\n\n"
        "Children are free."
    )
    assert parse_faq(page).entries[0].answer == answer

    document = docx.Document()
    document.add_paragraph("How much does a pitch cost?")
    document.add_paragraph("Prices are per night:")
    table = document.add_table(rows=len(rows), cols=3)
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    document.add_paragraph("Children are free.")
    document.add_paragraph("Is there wifi?")
    document.add_paragraph("Yes.")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    assert read_faq(path).entries[0].answer == answer


def test_title_lines_without_a_question_mark_are_the_questions_of_the_text_under_them() -> None:
    result = parse_faq(
        "Greenfield Vets\n\nOpening hours\nMon-Fri 8:30am to 6pm.\n\nParking:\n\n"
        "Free for the first 2 hrs.\nAfter that \u00a31.20 an hour.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Opening hours", "Mon-Fri 8:30am to 6pm."),
        ("Parking", "Free for the first 2 hrs.\nAfter that \u00a31.20 an hour."),
    ]
    assert [str(n) for n in result.notes][1:] == [
        "line 3: line 'Opening hours' has no '?'; it is the question of the text under it: "
        "rewrite it as visitors ask it",
        "line 6: line 'Parking' has no '?'; it is the question of the text under it: "
        "rewrite it as visitors ask it",
    ]
    mixed = parse_faq("Where are you?\n12 Mill Lane.\n\nParking\nFree after 6pm.\n")
    assert [(e.question, e.answer) for e in mixed.entries] == [
        ("Where are you?", "12 Mill Lane."),
        ("Parking", "Free after 6pm."),
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Q: How do I cancel?\nA: Ring us.", "Q: Can I get a refund?\nA: Yes."),
        ("1. How do I cancel?\nRing us.", "2. Can I get a refund?\nYes."),
        ("## How do I cancel?\n\nRing us.", "## Can I get a refund?\n\nYes."),
        ("**How do I cancel?**\nRing us.", "**Can I get a refund?**\nYes."),
    ],
)
def test_an_answer_of_several_paragraphs_under_marked_questions_stays_whole(
    first: str, second: str
) -> None:
    result = parse_faq(f"{first}\n\nYou can also e-mail us.\n\n{second}\n")
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How do I cancel?", "Ring us.\n\nYou can also e-mail us."),
        ("Can I get a refund?", "Yes."),
    ]
    assert result.notes == ()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Q: How do I reset my PIN?\nA: Ask at the desk.", "Q: Can I reserve a book?\nA: Yes."),
        ("1. How do I reset my PIN?\nAsk at the desk.", "2. Can I reserve a book?\nYes."),
    ],
)
def test_a_question_asked_within_an_answer_under_marked_questions_stays_in_it(
    first: str, second: str
) -> None:
    """A line of an answer ending in "?" cut the answer short and became an entry of its own,
    without a note, where every question of the FAQ is marked (Q:, 1.)."""
    result = parse_faq(
        f"{first}\nForgotten your card number too?\nWe can look it up.\n\n{second}\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "How do I reset my PIN?",
            "Ask at the desk.\n\nForgotten your card number too?\n\nWe can look it up.",
        ),
        ("Can I reserve a book?", "Yes."),
    ]
    ((line, note),) = [(note.line, note.message) for note in result.notes]
    assert line == 3 and "'Forgotten your card number too?' is read as a line of" in note
    # One marked as the others are, or after a blank line, is a question of its own.
    for apart in (
        f"{first}\n\nForgotten your card number too?\nWe can look it up.\n\n{second}\n",
        f"{first}\nQ: Forgotten your card number too?\nA: We can look it up.\n\n{second}\n",
    ):
        asked = [entry.question for entry in parse_faq(apart).entries]
        assert "Forgotten your card number too?" in asked, apart
    # Unmarked questions of their own (a section of them, under a heading or a line of its
    # own) are questions: an FAQ with them has no asides.
    for section in ("## Quick answers", "Other questions"):
        result = parse_faq(
            f"{first}\n\n{second}\n\n{section}\nIs there a cafe?\nYes.\nCan I park?\nNo.\n"
        )
        asked = [entry.question for entry in result.entries]
        assert asked[-2:] == ["Is there a cafe?", "Can I park?"], section
        assert not [note for note in result.notes if "line of the answer" in note.message]


@pytest.mark.parametrize("icon", ["+", "\u2212", "\u25be", "\u2795"])
def test_the_icon_that_opens_a_web_page_answer_is_left_out_of_the_question(icon: str) -> None:
    result = parse_faq(
        f"How do I book? {icon}\nOnline or by phone.\n\nCan I cancel?{icon}\nYes, a day before.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How do I book?", "Online or by phone."),
        ("Can I cancel?", "Yes, a day before."),
    ]


def test_html_left_in_a_text_faq_is_read_as_what_it_shows() -> None:
    result = parse_faq(
        "Do you serve food?\nFish &amp; chips, &pound;9.<br>Open till 9pm.\n\n"
        "Is there a lift&#63;\nYes&nbsp;&ndash; to all floors.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Do you serve food?", "Fish & chips, \u00a39.\nOpen till 9pm."),
        ("Is there a lift?", "Yes\u00a0\u2013 to all floors."),
    ]


def test_an_imported_faq_reads_its_character_references_as_a_knowledge_file_does(
    tmp_path: Path,
) -> None:
    """Import had a reading of its own: a no-break space became a plain one, and "&amp;lt;"
    was read twice, then again by the loader of the file it wrote ("<" where the FAQ showed
    "&lt;")."""
    question = "What&#39;s on the menu?"
    answer = "Fish &amp; chips,&nbsp;&pound;9. Tags are written &amp;lt;b&amp;gt;."
    written = tmp_path / "written.yaml"
    written.write_text(
        f'version: 1\nentries:\n  - id: whats-on-the-menu\n    question: "{question}"\n'
        f'    answer: "{answer}"\n',
        encoding="utf-8",
    )
    (by_hand,) = load(written).entries
    assert by_hand.answer == "Fish & chips,\u00a0\u00a39. Tags are written &lt;b&gt;."

    result = parse_faq(f"{question}\n{answer}\n")
    assert [(e.question, e.answer) for e in result.entries] == [(by_hand.question, by_hand.answer)]
    imported = tmp_path / "imported.yaml"
    imported.write_text(to_yaml(result), encoding="utf-8")
    assert load(imported).entries == (by_hand,)


def test_a_spreadsheet_s_own_wordings_topics_and_keywords_are_imported(tmp_path: Path) -> None:
    """An operator's sheet with a column of other wordings, one of topics and one of keywords
    lost all three: the import kept questions and answers only, and its entries had no
    alternatives, the thing matching needs most."""
    path = tmp_path / "faq.csv"
    path.write_text(
        "Topic,FAQ question,Other ways to ask,Our reply,Keywords\n"
        'Tickets,How much is a ticket?,"What does it cost?\n- Prices?\nticket price",'
        '"\u00a312, children free","price, cost"\n'
        "Tickets,Is there wifi?,Can I get online? Do you have internet? | wi-fi,Yes.,\n"
        "Food,Do you sell coffee?,How much is a ticket?,No.,coffee\n"
        "Food,Is there wifi?,Is the wifi free?,It is free.,\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.alternatives, e.topic, e.keywords) for e in result.entries] == [
        (
            "How much is a ticket?",
            ("What does it cost?", "Prices?", "ticket price"),
            "tickets",
            ("price", "cost"),
        ),
        (
            "Is there wifi? (Tickets)",
            ("Can I get online?", "Do you have internet?", "wi-fi"),
            "tickets",
            (),
        ),
        ("Do you sell coffee?", (), "food", ("coffee",)),
        # asked under another topic: an entry of its own, told apart by its topic
        ("Is there wifi? (Food)", ("Is the wifi free?",), "food", ()),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: column A 'Topic' read as the entries' topics ('Tickets', 'Food')",
        "line 1: column C 'Other ways to ask' read as other wordings of each question (one a "
        "line, or between ';' or '|')",
        "line 1: column E 'Keywords' read as the entries' keywords (a line each, or between "
        "commas)",
        "line 5: question 'Is there wifi?' is asked under 'Tickets' and under 'Food': each is "
        "an entry of its own, its section's name after it; rewrite each as visitors ask it",
        "line 6: alternative 'How much is a ticket?' is also the question on line 2; it is left "
        "to that entry",
        "line 7: question 'Is there wifi?' is asked under 'Tickets' and under 'Food': each is "
        "an entry of its own, its section's name after it; rewrite each as visitors ask it",
    ]
    out = tmp_path / "faq.yaml"
    out.write_text(to_yaml(result), encoding="utf-8")
    assert load(out).entries == result.entries


def test_a_column_of_other_questions_is_not_taken_for_the_questions(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (
        ("Alternative questions", "FAQ question", "Answer text", "Spoken answer"),
        ("Can I park here?\nIs there parking?", "Where do I park?", "Car park B.", "Car park bee."),
        ("Can I eat here?", "Is there a cafe?", "Yes, by the door.", None),
    ):
        sheet.append(row)
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    result = read_faq(path)
    assert [(e.question, e.alternatives, e.answer, e.spoken) for e in result.entries] == [
        (
            "Where do I park?",
            ("Can I park here?", "Is there parking?"),
            "Car park B.",
            "Car park bee.",
        ),
        ("Is there a cafe?", ("Can I eat here?",), "Yes, by the door.", None),
    ]


MARKDOWN_SECTIONS = """\
# Museum FAQ

Welcome!

## Tickets

### How much is a ticket?
Ten pounds.

### Can I pay by card?
Yes.

## **Getting here:**

How do I get there by bus?
The 12 stops outside.

Is there parking?
No.
"""


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        # a page title opening the text names no entry; the sections name theirs
        (MARKDOWN_SECTIONS, ["tickets", "tickets", "getting here", "getting here"]),
        # a first heading with others as high is a section's, not the page's title
        (
            "# Visiting\n\nCan I park?\nYes.\n\n# Tickets\n\nHow much?\nTen pounds.\n",
            ["visiting", "tickets"],
        ),
        # one section over every entry names the FAQ, not its entries
        ("# Museum\n\n## Questions\n\nIs it free?\nYes.\n\nIs it open?\nDaily.\n", ["", ""]),
        # a heading of a sentence is no topic; a heading over text as high as the section's
        # title ends that section
        (
            "## Everything you need to know before your visit to us\n\nIs it free?\nYes.\n\n"
            "## Tickets\n\nHow much?\nTen pounds.\n\n## Parking\n\nBehind the hall.\n\n"
            "Can I cycle?\nYes.\n\n## Food\n\nIs there a cafe?\nYes.\n",
            ["", "tickets", "", "", "food"],
        ),
    ],
)
def test_a_section_title_is_the_topic_of_the_questions_under_it(
    text: str, topics: list[str]
) -> None:
    """A FAQ's sections ("## Tickets" over its questions) were left out: an imported file had
    no topic, and a visitor turned away heard none named."""
    assert [e.topic for e in parse_faq(text).entries] == topics


def test_a_topic_reads_within_a_sentence_as_the_faq_writes_its_words(tmp_path: Path) -> None:
    """Headings are set in capitals ("Opening Hours", "OPENING HOURS"), and a visitor turned
    away read "You can ask me about Opening Hours, Tickets & Prices or Parking." on the
    screen; the FAQ's names stay as its answers write them, and so do abbreviations."""
    result = parse_faq(
        "# Harbour Ferry FAQ\n\n## Tickets & Prices\n\nHow much is a return?\n"
        "A return is \u00a312 at the Harbour Station kiosk or on the WiFi portal.\n\n"
        "## OPENING HOURS\n\nWhen does the office open?\nAt 7am.\n\n"
        "## HARBOUR STATION PARKING\n\nWhere can I park?\nIn the car park; parking is free.\n\n"
        "## WiFi and GP services\n\nIs there wifi?\nYes: join Harbour WiFi. Ask our GP desk.\n"
    )
    assert [e.topic for e in result.entries] == [
        "tickets & prices",
        "opening hours",
        "Harbour Station parking",
        "WiFi and GP services",
    ]
    assert result.notes[0].message.startswith(
        "section title 'Tickets & Prices' is the topic 'tickets & prices' of the 1 entry"
    )
    assert topics_hint(Knowledge(entries=result.entries)) == (
        "You can ask me about tickets and prices, opening hours or Harbour Station parking."
    )
    # a spreadsheet's column of topics too
    path = tmp_path / "faq.csv"
    path.write_text(
        "Category,Question,Answer\nParking,Can I park?,Yes.\nNHS,Do you take NHS patients?,Yes.\n"
    )
    assert [e.topic for e in read_faq(path).entries] == ["parking", "NHS"]


def test_a_section_of_what_the_others_do_not_hold_is_no_topic_named_to_a_visitor(
    tmp_path: Path,
) -> None:
    """A visitor turned away heard "You can ask me about repairs, other or servicing.": a
    section or category "Other" or "General" was a topic like any."""
    result = parse_faq(
        "## Repairs\n\nCan you fix a puncture?\nYes, while you wait.\n\n"
        "## Servicing\n\nHow much is a service?\nFrom 40 pounds.\n\n"
        "## Other\n\nDo you sell used bikes?\nSometimes; ask in the shop.\n"
    )
    assert [e.topic for e in result.entries] == ["repairs", "servicing", ""]
    assert result.notes[-1].message.startswith(
        "section title 'Other' names what the other sections do not, no subject to name to a "
        "visitor: its 1 entry gets no topic"
    )
    assert topics_hint(Knowledge(entries=result.entries)) == (
        "You can ask me about repairs or servicing."
    )
    path = tmp_path / "faq.csv"
    path.write_text(
        "Category,Question,Answer\nParking,Can I park?,Yes.\nGeneral,Is there wifi?,Yes.\n"
        "Parking,Is it free?,No.\n"
    )
    assert [e.topic for e in read_faq(path).entries] == ["parking", "", "parking"]
    # a knowledge file written with one is not named it either
    kept = Knowledge(
        entries=(
            dataclasses.replace(result.entries[0], topic="general"),
            result.entries[1],
        )
    )
    assert topics_hint(kept) == "You can ask me about servicing."


def test_a_section_title_listing_its_subjects_names_the_entries_under_it() -> None:
    """A title with a comma ("Food, drink and facilities") was no section: in a text FAQ it
    was read aloud as the last line of the answer above it, and its entries had the topic of
    the section before; under a heading its entries had none."""
    text = (
        "SHOES AND EQUIPMENT\n\n1. Can I bring my own ball?\nYes, if it is clean.\n\n"
        "FOOD, DRINK AND FACILITIES\n\n2. Is there a bar?\nYes, until late.\n"
    )
    result = parse_faq(text)
    assert [(e.answer, e.topic) for e in result.entries] == [
        ("Yes, if it is clean.", "shoes and equipment"),
        ("Yes, until late.", "food, drink and facilities"),
    ]
    result = parse_faq("## Tickets\n\nHow much?\nTen.\n\n## Eating, drinking\n\nA bar?\nYes.\n")
    assert [e.topic for e in result.entries] == ["tickets", "eating, drinking"]
    # a line that may be a title, not set as one, closing an answer: said, with a note
    result = parse_faq(
        "TICKETS\n\n1. How much is it?\nTen pounds.\n\nFood and drink\n\n2. Is there a bar?\nYes.\n"
    )
    assert result.entries[0].answer == "Ten pounds.\n\nFood and drink"
    assert str(result.notes[-1]) == (
        "line 6: 'Food and drink' is read as the last line of the answer above it; if it is "
        "a section's title, write it in capitals or as a heading ('## Food and drink')"
    )


def test_a_word_document_s_headings_name_the_entries_under_them(tmp_path: Path) -> None:
    """A document's title is no section: a question under it, before the first heading, had
    the document's title as its topic ("You can ask me about Riverside Pool FAQ")."""
    document = docx.Document()
    document.add_heading("Riverside Pool FAQ", level=0)
    document.add_paragraph("Is there a cafe?")
    document.add_paragraph("Yes, by the entrance.")
    document.add_heading("Lessons", level=1)
    document.add_paragraph("Do you teach adults?")
    document.add_paragraph("Yes, on Tuesday evenings.")
    document.add_heading("Prices", level=1)
    document.add_paragraph("How much is a swim?")
    document.add_paragraph("Five pounds.")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.topic) for e in result.entries] == [
        ("Is there a cafe?", ""),
        ("Do you teach adults?", "lessons"),
        ("How much is a swim?", "prices"),
    ]
    assert [str(n) for n in result.notes] == [
        "at \"Lessons\": section title 'Lessons' is the topic 'lessons' of the 1 entry under it; the "
        "kiosk names topics to a visitor it turns away: make each a few words visitors would "
        "ask about",
        "at \"Prices\": section title 'Prices' is the topic 'prices' of the 1 entry under it; the "
        "kiosk names topics to a visitor it turns away: make each a few words visitors would "
        "ask about",
    ]


def test_a_table_with_named_columns_reads_each_column_as_what_it_is(tmp_path: Path) -> None:
    """A Word table "Question | Answer | Category" gave each answer its category as a last
    line, read aloud to visitors ("Car park B. Parking"), and a markdown table's column of
    other wordings became part of the answer."""
    document = docx.Document()
    document.add_heading("Pool FAQ", level=0)
    table = document.add_table(rows=4, cols=4)
    for row, values in zip(
        table.rows,
        [
            ("Question", "Answer", "Category", "Reviewed"),
            ("Where do I park?", "Car park B.", "Parking", "2025"),
            ("Is there a cafe?", "Yes, by the door.", "Food", ""),
            ("Can I bring a picnic?", "", "Food", ""),
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer, e.topic) for e in result.entries] == [
        ("Where do I park?", "Car park B.", "parking"),
        ("Is there a cafe?", "Yes, by the door.", "food"),
    ]
    assert any("'Reviewed' left out" in note.message for note in result.notes)
    result = parse_faq(
        "| Question | Other ways to ask | Answer |\n|---|---|---|\n"
        "| Where do I park? | Is there parking?<br>Car park? | Car park B. |\n"
    )
    assert [(e.question, e.alternatives, e.answer) for e in result.entries] == [
        ("Where do I park?", ("Is there parking?", "Car park?"), "Car park B.")
    ]
    assert result.notes == ()


def test_a_saved_web_page_s_menus_sidebar_and_footer_are_no_entries() -> None:
    """A FAQ page saved from a website gave entries "Follow us on Facebook" and "\u00a9 2026
    Riverside Pool", and a menu after the questions joined the last answer."""
    result = parse_faq(
        "<html><head><title>FAQ</title></head><body>\n"
        "<nav><ul><li><a href='/'>Home</a></li><li><b>FAQ</b></li></ul></nav>\n"
        "<h1>Frequently asked questions</h1>\n<p>Answers to what visitors ask most.</p>\n"
        "<details><summary>When is the pool open?</summary><p>7am to 9pm.</p></details>\n"
        "<dl><dt>Is there parking?</dt><dd>Yes, free for two hours.</dd></dl>\n"
        "<aside><p>Opening soon: our new gym!</p></aside>\n"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/shop'>Shop</a></li></ul></nav>\n"
        "<footer><p>\u00a9 2026 Riverside Pool.</p><p>Follow us on Facebook</p></footer>\n"
        "</body></html>\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("When is the pool open?", "7am to 9pm."),
        ("Is there parking?", "Yes, free for two hours."),
    ]


def test_a_saved_web_page_s_banners_trail_and_feedback_are_no_part_of_its_faq() -> None:
    """A cookie banner and the trail of links over a page's title ("Home > Help > FAQs")
    made its title "Frequently asked questions" an entry, "Was this page helpful? Yes No"
    was read out as the end of the last answer, and a shop's newsletter box and the
    products it recommends were entries ("Join the pack", "You may also like")."""
    faq = (
        "<h1>Frequently asked questions</h1><p>Answers to what travellers ask.</p>\n"
        "<h3>Is there food?</h3><div><p>A caf\u00e9 by gate 2.</p></div>\n"
        "<h3>Do you have wheelchairs?</h3><div><p>Yes, ask at the desk.</p></div>\n"
        "<div class='page-feedback'><p>Was this page helpful? <button>Yes</button> "
        "<button>No</button></p></div>\n"
        "<div class='newsletter'><h2>Join the pack</h2><p>Sign up for 10% off.</p>"
        "<form><button>Subscribe</button></form></div>\n"
        "<div class='product-recommendations'><h2>You may also like</h2><ul><li>Salmon "
        "Crunchies</li></ul></div>\n"
    )
    banner = "<div class='cookie-banner'><p>We use cookies. <a href='#'>Accept all</a></p></div>\n"
    trail = "<div class='breadcrumb'><a href='/'>Home</a> &gt; FAQs</div>\n"
    expected = [
        ("Is there food?", "A caf\u00e9 by gate 2."),
        ("Do you have wheelchairs?", "Yes, ask at the desk."),
    ]
    # a section of the FAQ named like a banner is read, and an image named like one takes
    # nothing with it
    cookies = (
        "<section id='cookies'><h3>Do you use cookies?</h3><p>Only to count visits <img "
        "class='social-icon'> a day.</p></section>\n"
    )
    assert [(e.question, e.answer) for e in parse_faq(f"<main>{faq}{cookies}</main>").entries] == [
        *expected,
        ("Do you use cookies?", "Only to count visits a day."),
    ]
    for page in (
        f"<html><body>{banner}{trail}{faq}</body></html>",
        # what stands outside a page's <main> is the site's, whatever its names
        f"<html><body><div><p>Welcome!</p></div><div>Home / FAQs</div><main>{faq}</main>"
        "<div><p>Sign up to our newsletter</p></div></body></html>",
    ):
        assert [(e.question, e.answer) for e in parse_faq(page).entries] == expected


def test_a_footer_under_a_rule_and_a_note_after_a_table_are_no_part_of_the_last_answer(
    tmp_path: Path,
) -> None:
    """A page's footer under a rule at its end ("St Aidan's Church. Registered charity
    ...") and a staff note after a Word table of questions ("Reception: please update this
    sheet") were read out as the end of the last answer. A row whose answer's cell was empty
    was called "a table not read", though the rest of it was."""
    text = (
        "Q: Can we play music?\nA: Until 11pm.\n\n---\n\nQ: Can we bring alcohol?\n"
        "A: With the committee's permission.\n\n---\n\n"
        "*St Aidan's Church, Church Lane. Registered charity no. 1234567.*\n"
    )
    result = parse_faq(text)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Can we play music?", "Until 11pm."),
        ("Can we bring alcohol?", "With the committee's permission."),
    ]
    assert [(n.line, n.message) for n in result.notes] == [
        (
            11,
            "text at the end (a footer or a signature, by a rule) is no part of the answer "
            "above it, and not an entry; put it under a question if visitors should hear it",
        )
    ]
    document = docx.Document()
    table = document.add_table(rows=4, cols=2)
    for row, cells in zip(
        table.rows,
        (
            ("Question", "Answer"),
            ("Is there parking?", "Yes, 12 spaces."),
            ("Can I pay in instalments?", ""),
            ("When are you open?", "Mon to Fri, 8am to 7pm."),
        ),
        strict=True,
    ):
        for cell, cell_text in zip(row.cells, cells, strict=True):
            cell.text = cell_text
    document.add_paragraph("Reception: please update this sheet when prices change.")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is there parking?", "Yes, 12 spaces."),
        ("When are you open?", "Mon to Fri, 8am to 7pm."),
    ]
    assert [n.message for n in result.notes] == [
        "question 'Can I pay in instalments?' has no answer in its table's row; dropped: "
        "write its answer in the cell beside it",
        "text after a table's questions is no part of the answer above it, and not an entry; "
        "put it under a question if visitors should hear it",
    ]


def test_an_e_mail_s_wrapped_lines_are_joined_and_its_signature_left_out() -> None:
    """An FAQ sent as an e-mail, wrapped at 72 letters, was read out with a full stop at each
    line's end ("filling in the. form in the shed"), and its sign-off and signature under
    "--" were the end of the last answer."""
    text = (
        "1) How do I get an allotment?\n"
        "   Put your name on the waiting list by emailing the secretary or filling in the\n"
        "   form in the shed. The list is currently about 18 months long.\n\n"
        "2) When is the site open?\n"
        "   From dawn to dusk. The water is turned off every winter, from the end of\n"
        "   31 October to 1 April.\n"
        "   Opening times:\n   Saturday: 9am to 5pm\n   Sunday: closed\n\n"
        "Thanks,\nMargaret\n--\nMargaret Ellis\nHon. Secretary\n"
    )
    result = parse_faq(text)
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "How do I get an allotment?",
            "Put your name on the waiting list by emailing the secretary or filling in the "
            "form in the shed. The list is currently about 18 months long.",
        ),
        (
            "When is the site open?",
            "From dawn to dusk. The water is turned off every winter, from the end of "
            "31 October to 1 April.\nOpening times:\nSaturday: 9am to 5pm\nSunday: closed",
        ),
    ]
    assert [n.line for n in result.notes if "a footer or a signature" in n.message] == [12, 15]
    # an answer of a few words over the signature is the last answer, no sign-off
    signed = parse_faq("Is parking free?\nYes.\n\nIs there wifi?\nNo, sorry.\n\n--\nMargaret\n")
    assert [(e.question, e.answer) for e in signed.entries] == [
        ("Is parking free?", "Yes."),
        ("Is there wifi?", "No, sorry."),
    ]


def test_a_sign_off_closing_the_text_is_no_entry() -> None:
    """A tearoom's FAQ ending "We look forward to seeing you! \u2013 Claire & Andr\u00e9" gave
    an entry of it ("We look forward to seeing you"), for a visitor to be read."""
    text = (
        "Do you take cards?\nYes, and Apple Pay.\n\nIs there wifi?\nYes, ask at the counter.\n"
        "\nWe look forward to seeing you! \u2013 Claire & Andr\u00e9\n"
    )
    result = parse_faq(text)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Do you take cards?", "Yes, and Apple Pay."),
        ("Is there wifi?", "Yes, ask at the counter."),
    ]
    assert [(n.line, n.message) for n in result.notes] == [
        (
            7,
            "closing words at the end (a sign-off, contact details) are no part of the answer "
            "above them, and not an entry; put them under a question if visitors should hear "
            "them",
        )
    ]
    # a last paragraph of other words is an entry of its own, and closing words directly
    # under a question are its answer
    for last, answer in (
        ("Dogs are welcome in the garden.", "Yes, and Apple Pay."),
        ("Who do I ask about a bill?\nContact us on 01234 567890.", "Yes, and Apple Pay."),
    ):
        entries = parse_faq(f"Do you take cards?\n{answer}\n\n{last}\n").entries
        assert len(entries) == 2, last


def test_a_word_document_s_contact_footer_is_no_part_of_the_last_answer(
    tmp_path: Path,
) -> None:
    """A dental practice's Word FAQ ending "Questions? Call us on ...", with no rule over
    it, read it out as the end of the last answer; contact details an answer gives ("Contact
    us within 48 hours with a photo") are that answer's."""

    def imported(paragraphs: Sequence[str]) -> ImportResult:
        document = docx.Document()
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        path = tmp_path / "faq.docx"
        document.save(str(path))
        return read_faq(path)

    result = imported(
        (
            "Can I hire a room?",
            "Yes. Email rooms@example.org or call 01632 960 770.",
            "What happens at my child's first visit?",
            "The dentist counts and checks the teeth.",
            "- Give advice on brushing.",
            "Questions? Call us on 01632 960 770 or email info@example.org.",
        )
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Can I hire a room?", "Yes. Email rooms@example.org or call 01632 960 770."),
        (
            "What happens at my child's first visit?",
            "The dentist counts and checks the teeth.\n- Give advice on brushing.",
        ),
    ]
    assert [str(n) for n in result.notes] == [
        'at "Questions? Call us on 01632 960 770 or...": closing words at the end '
        "(a sign-off, contact details) are no part of the answer above them, and not an entry; "
        "put them under a question if visitors should hear them",
    ]
    for last in (
        (
            "What is your phone number?",
            "Our office is staffed 9 to 5.",
            "Get in touch on 01632 960 770.",
        ),
        (
            "What if my order is damaged?",
            "Please keep the packaging.",
            "Contact us within 48 hours with a photo and we will replace it.",
        ),
        (
            "What support is there for carers?",
            "You can:",
            "- join our cafe",
            "- contact us for a chat",
        ),
    ):
        (entry,) = imported(last).entries
        assert entry.answer == "\n".join(last[1:]), last


@pytest.mark.parametrize(
    "closing",
    [
        "Still have a question? Email stay@example.org or call 0117 496 0321.",
        "Can't find your answer? Call 0117 496 0321 and we will be happy to help.",
        "Need more help? Ask at reception.",
    ],
)
def test_a_word_document_s_closing_question_to_the_reader_is_no_part_of_the_last_answer(
    tmp_path: Path, closing: str
) -> None:
    """A hotel's Word FAQ ending in italics "Still have a question? Email ... or call ..."
    had the line read out as the end of the last answer, its phone number twice."""
    document = docx.Document()
    for text in (
        "Is reception open 24 hours?",
        "Yes. You can call us any time on 0117 496 0321.",
    ):
        document.add_paragraph(text)
    document.add_paragraph().add_run(closing).italic = True
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Is reception open 24 hours?", "Yes. You can call us any time on 0117 496 0321."),
    ]
    assert ["closing words at the end" in str(note) for note in result.notes] == [True]


PAGE_AS_PDF_TEXT = """\
Skip to main content
Call us: 01353 960 512
- Home
- Swimming
- Gym
- What's New?
- FAQ
- Contact Us
Home \u203a Help \u203a FAQ
# Help and FAQs
Find the answers to common questions below.
## Swimming
Do I need a swimming cap?
Caps are needed for hair longer than shoulder length.
Are there lockers?
Yes, they take a \u00a31 coin which you get back.
## Membership
How do I cancel?
Give one month's notice in writing at reception.
### Join our mailing list?
Hear about new classes before anyone else. Sign up
Find us
Riverside Leisure Centre
Mill Road, Ely CB7 4DA
Opening times
Mon-Fri 6:30am-10pm
\u00a9 2026 Riverside Leisure Trust. All rights reserved. Registered in England No. 01234567.
We use cookies to make this site work. By clicking "Accept" you agree to them.
Accept all Manage settings
"""


def test_a_pdf_of_a_web_page_leaves_out_its_menu_title_and_footer() -> None:
    """A campsite's FAQ page printed to PDF gave its menu's "What's On?" as an entry
    answered by the next links ("- FAQ - Contact - Book Now Home \u203a FAQ"), its page title
    as an entry, and its footer and cookie banner as the last answer."""
    result = parse_document(PAGE_AS_PDF_TEXT)
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "Do I need a swimming cap?",
            "Caps are needed for hair longer than shoulder length.",
        ),
        ("Are there lockers?", "Yes, they take a \u00a31 coin which you get back."),
        ("How do I cancel?", "Give one month's notice in writing at reception."),
        ("Join our mailing list?", "Hear about new classes before anyone else. Sign up"),
    ]
    notes = [str(n) for n in result.notes]
    assert (
        "at \"What's New?\": \"What's New?\" over only links ('FAQ', 'Contact Us', "
        "'Home \u203a Help \u203a FAQ') is an item of a web page's menu, not a question and its "
        "answer; both left out"
    ) in notes
    assert (
        'at "Find us": a web page\'s footer from here on (its contact details and links, the '
        "copyright line, a cookie notice) is no part of the answer above it, and not an entry; "
        "check that the entry above it is the FAQ's, not the page's (a newsletter's sign-up)"
    ) in notes
    assert not any("Help and FAQs" in note for note in notes)


def test_a_word_document_of_a_web_page_leaves_out_its_footer_s_columns(tmp_path: Path) -> None:
    """A campsite's FAQ page saved as a Word document gave its footer's columns ("Find us",
    "Contact", "Follow us") as entries, the copyright line and the cookie banner in the
    last; answers that speak of cookies or links are kept."""
    document = docx.Document()
    document.add_heading("Frequently Asked Questions", level=1)
    for text in (
        "Do you use cookies?",
        "We use cookies to remember what is in your basket.",
        "Where can I see the timetable?",
    ):
        document.add_paragraph(text)
    for item in ("Swimming", "Gym classes"):
        document.add_paragraph(item, style="List Bullet")
    for title, lines in (
        ("Find us", "Riverside Leisure Centre\nMill Road, Ely"),
        ("Contact", "Tel: 01353 960 512"),
        ("Follow us", ""),
    ):
        document.add_heading(title, level=4)
        if lines:
            document.add_paragraph(lines)
    for item in ("Facebook", "Instagram"):
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph("\u00a9 2026 Riverside Leisure Trust. Registered in England No. 0123.")
    document.add_paragraph("This website uses cookies. Accept all")
    path = tmp_path / "faq.docx"
    document.save(str(path))
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Do you use cookies?", "We use cookies to remember what is in your basket."),
        ("Where can I see the timetable?", "- Swimming\n- Gym classes"),
    ]
    assert [str(n) for n in result.notes][-1].startswith(
        'at "Find us": a web page\'s footer from here on'
    )


def test_a_heading_underlined_is_a_heading() -> None:
    """A markdown heading underlined ("Parking" over "-------") kept its underline as the
    first line of the answer under it."""
    result = parse_faq(
        "Village Hall FAQ\n================\n\nParking\n-------\nBehind the hall.\n\n"
        "Is there wifi?\nYes.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Parking", "Behind the hall."),
        ("Is there wifi?", "Yes."),
    ]
    assert [n.line for n in result.notes] == [4]
    # only "-" and "=" underline a heading; "***" under an answer is a rule
    ruled = parse_faq("Is parking free?\nYes, always.\n***\n\nIs there wifi?\nNo.\n")
    assert [(e.question, e.answer) for e in ruled.entries] == [
        ("Is parking free?", "Yes, always."),
        ("Is there wifi?", "No."),
    ]


def test_a_list_opening_an_answer_under_a_question_in_a_span_keeps_its_first_item() -> None:
    """An accordion's answer opening with a list ("<summary><span>Q?</span></summary><ul>")
    began with a bullet alone on its line, read out as "-."."""
    page = (
        "<h2>Products</h2><details><summary><span>Any allergens?</span></summary><div><ul>"
        "<li>Bones: peanuts</li><li>Crunchies: fish</li></ul><p>See each product.</p></div>"
        "</details><details><summary><span>Grain-free?</span></summary><div><p>Most.</p></div>"
        "</details>"
    )
    assert [(e.question, e.answer) for e in parse_faq(page).entries] == [
        ("Any allergens?", "- Bones: peanuts\n- Crunchies: fish\n\nSee each product."),
        ("Grain-free?", "Most."),
    ]


def test_a_last_line_that_ends_on_the_copyright_is_no_part_of_the_last_answer() -> None:
    """A Word document's closing line ("... is registered with the Care Quality Commission.
    © 2026 ...") was read out at the end of the last answer."""
    result = parse_faq(
        "Can I park?\nYes, behind the hall.\n\nIs there a lift?\nYes, to every floor.\n"
        "Acme Dental is registered with the Care Quality Commission. \u00a9 2026 Acme Ltd.\n"
    )
    assert [e.answer for e in result.entries] == ["Yes, behind the hall.", "Yes, to every floor."]
    assert [str(note).split(":")[0] for note in result.notes] == ["line 6"]
    # the mark in an answer's own line, or its first, is the answer's
    kept = parse_faq("Is there a lift?\nYes. \u00a9 marks our own lifts.\n")
    assert [e.answer for e in kept.entries] == ["Yes. \u00a9 marks our own lifts."]


def test_a_table_s_first_row_of_names_over_numbered_rows_is_its_header() -> None:
    """A Word table of bands ("| Band | What it covers | Cost |" over "| Band 1 | ... |
    £26.80 |") kept its first row as a line of the answer, read out "band: What it covers:
    Cost" before the bands."""
    result = parse_faq(
        "How much does treatment cost?\nCharges are set nationally:\n\n"
        "| Band | What it covers | Cost |\n| Band 1 | Check-up, X-rays | \u00a326.80 |\n"
        "| Band 2 | Fillings | \u00a373.50 |\n\nCan I park?\nYes.\n"
    )
    assert result.entries[0].answer == (
        "Charges are set nationally:\n\n"
        "Band 1: What it covers Check-up, X-rays, Cost \u00a326.80\n"
        "Band 2: What it covers Fillings, Cost \u00a373.50"
    )
    # a first row of data, over rows it does not number, stays a row
    kept = parse_faq(
        "How much are lessons?\nSee below:\n\n| Children | Lessons | Free |\n"
        "| Adults | Lessons | \u00a35 |\n| Seniors | Lessons | \u00a33 |\n"
    )
    assert kept.entries[0].answer.splitlines()[2] == "Children: Lessons: Free"


def test_an_accordion_s_icon_is_no_rule_that_ends_the_faq() -> None:
    """An accordion whose questions carry an icon ("<span class=icon>+</span>") lost its
    last entry: the "+" after the last question was taken for a rule, and the answer under
    it for a footer."""
    item = (
        '<details><summary><span class="q">{}</span><span class="icon">+</span></summary>'
        "<p>{}</p></details>"
    )
    page = item.format("Where is the car park?", "On Market Street.") + item.format(
        "Can I come by train?", "Yes, the station is a 10 minute walk."
    )
    result = parse_faq(page)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Where is the car park?", "On Market Street."),
        ("Can I come by train?", "Yes, the station is a 10 minute walk."),
    ]
    assert not result.notes
    # a rule still ends the text above a footer
    ruled = parse_faq("Can I park?\nYes.\n\n* * *\n\nRegistered charity no. 1234567\n")
    assert [e.answer for e in ruled.entries] == ["Yes."]


def test_a_title_line_over_a_question_is_a_section_title() -> None:
    """In a text FAQ in sections, "PARKING" was read as the last line of the answer above it
    (said to visitors: "Yes, all cards. PARKING"), and "Opening hours" became an entry whose
    answer was "Opening hours"."""
    result = parse_faq(
        "TICKETS\n\nHow much is a ticket?\nTen pounds.\n\nCan I pay by card?\nYes, all cards\n\n"
        "PARKING\n\nIs there parking?\nYes, behind the hall.\n\nOpening Hours\n\n"
        "When are you open?\nNine to five.\n\nWhat do I bring?\nYou will need:\n\nA towel\n\n"
        "Is there a cafe?\nYes.\n"
    )
    assert [(e.question, e.answer, e.topic) for e in result.entries] == [
        ("How much is a ticket?", "Ten pounds.", "tickets"),
        ("Can I pay by card?", "Yes, all cards", "tickets"),
        ("Is there parking?", "Yes, behind the hall.", "parking"),
        ("When are you open?", "Nine to five.", "opening hours"),
        # a title line under text ending in ":" is more of that answer
        ("What do I bring?", "You will need:\n\nA towel", "opening hours"),
        ("Is there a cafe?", "Yes.", "opening hours"),
    ]
    # a line closing an answer is no title: it stays, with a note, never dropped
    result = parse_faq(
        "Can I park?\nYes, behind the museum.\n\nBlue badge bays by the entrance\n\n"
        "Is there a cafe?\nYes.\n\nOpen 9am to 5pm daily\n\nIs there a shop?\nYes.\n"
    )
    assert [(e.answer, e.topic) for e in result.entries] == [
        ("Yes, behind the museum.", ""),
        ("Blue badge bays by the entrance", ""),
        ("Yes.", ""),
        ("Open 9am to 5pm daily", ""),
        ("Yes.", ""),
    ]
    assert len(result.notes) == 2
    # nor are lines closing answers, beside sections: not set as titles
    result = parse_faq(
        "PARKING\n\nCan I park?\nYes, behind the shop.\n\nFree for customers\n"
        "Is there disabled parking?\nTwo bays.\n\nHope this helps\n\nPAYMENT\n\n"
        "Can I pay by card?\nYes.\n"
    )
    assert [(e.question, e.topic) for e in result.entries if e.question.endswith("?")] == [
        ("Can I park?", "parking"),
        ("Is there disabled parking?", "parking"),
        ("Can I pay by card?", "payment"),
    ]


def test_a_section_title_in_sentence_case_is_one_where_the_text_has_sections() -> None:
    """A swimming pool's FAQ: "Opening times" under the page's title was dropped as text
    before the first question, and "Rules and lessons" became an entry whose answer was
    itself, while "Prices" and "Facilities" were section titles."""
    result = parse_faq(
        "Riverside Pool - Frequently Asked Questions\n\nOpening times\n\n"
        "What are the opening hours?\nNine to five.\n\nPrices\n\n"
        "How much is a swim?\nFive pounds.\n\nFacilities\n\nAre there lockers?\nYes.\n\n"
        "Rules and lessons\n\nDo I need a cap?\nNo.\n\nDo you offer lessons?\nYes.\n"
    )
    assert [(e.question, e.answer, e.topic) for e in result.entries] == [
        ("What are the opening hours?", "Nine to five.", "opening times"),
        ("How much is a swim?", "Five pounds.", "prices"),
        ("Are there lockers?", "Yes.", "facilities"),
        ("Do I need a cap?", "No.", "rules and lessons"),
        ("Do you offer lessons?", "Yes.", "rules and lessons"),
    ]
    # in a text not set out in sections, such a line is no section title (an entry of its own,
    # with a note saying to rewrite it, as before)
    alone = parse_faq("Is there parking?\nYes.\n\nRules and lessons\n\nDo I need a cap?\nNo.\n")
    assert [e.topic for e in alone.entries] == ["", "", ""]


def test_one_category_over_every_row_and_a_column_of_tags_name_no_entry(tmp_path: Path) -> None:
    """A website's export ("General" in every row's category, "faq, home" in its tags) would
    give every entry one topic, and keywords a question of any entry shares."""
    path = tmp_path / "faq.csv"
    path.write_text(
        'Category,Question,Answer,Tags\nGeneral,Is there wifi?,Yes.,"faq, home"\n'
        "General,Can I park?,Behind the hall.,faq\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.topic, e.keywords) for e in result.entries] == [
        ("Is there wifi?", "", ()),
        ("Can I park?", "", ()),
    ]
    assert result.notes and all("left out" in note.message for note in result.notes)


def test_a_page_whose_scripts_fill_in_its_questions_is_read_from_its_faq_data() -> None:
    """A FAQ page whose accordion is filled in by its scripts, saved from a browser, shows no
    question in its text: "no questions found", though it holds them all as data for search
    engines."""
    data = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": '
        '"FAQPage", "mainEntity": [{"@type": "Question", "name": "When is the pool open?", '
        '"acceptedAnswer": {"@type": "Answer", "text": "<p>7am to 9pm.</p><p>Need help? '
        'Call us.</p>"}}, {"@type": "Question", "name": "Fish &amp; chips", '
        '"acceptedAnswer": [{"@type": "Answer", "text": "Friday only."}]}]}]}'
    )
    result = parse_faq(
        f'<html><head><script type="application/ld+json">{data}</script></head>'
        '<body><div id="app"></div><p>Loading...</p></body></html>'
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("When is the pool open?", "7am to 9pm.\n\nNeed help? Call us."),
        ("Fish & chips", "Friday only."),
    ]
    assert [n.message.split(":")[0] for n in result.notes] == [
        "2 questions read from the page's FAQ data for search engines (schema.org FAQPage), "
        "not shown in its text (its scripts fill them in)"
    ]
    # the questions its text shows stay as it shows them, in their sections
    result = parse_faq(
        f'<html><head><script type="application/ld+json">{data}</script></head><body>'
        "<h2>Opening</h2><h3>When is the pool open?</h3><p>From 7am.</p>"
        "<h2>Shop</h2><h3>Is there a shop?</h3><p>Yes.</p></body></html>"
    )
    assert [(e.question, e.answer, e.topic) for e in result.entries] == [
        ("When is the pool open?", "From 7am.", "opening"),
        ("Is there a shop?", "Yes.", "shop"),
        ("Fish & chips", "Friday only.", ""),
    ]
    # one it shows under another heading, its answer the same, is not taken twice
    result = parse_faq(
        f'<html><head><script type="application/ld+json">{data}</script></head><body>'
        "<h2>Food</h2><h3>Chips</h3><p>Friday only.</p><h3>Tea?</h3><p>Yes.</p></body></html>"
    )
    assert [e.question for e in result.entries] == ["Chips", "Tea?", "When is the pool open?"]
    assert result.notes[0].message.startswith("1 question read from the page's FAQ data")


def test_a_quote_inside_a_csv_cell_is_read_as_excel_writes_it(tmp_path: Path) -> None:
    """Excel writes a quote inside a cell doubled; the guess of the file's dialect missed it
    where such a cell also holds a comma, and the answer was cut there: 'Yes, connect to
    "Station WiFi""'."""
    path = tmp_path / "faq.csv"
    path.write_text(
        'Question,Answer\nIs there wifi?,"Yes, connect to ""Station WiFi"", then register."\n'
        'Can I park?,"Yes, behind the hall."\n',
        encoding="utf-8",
    )
    assert [e.answer for e in read_faq(path).entries] == [
        'Yes, connect to "Station WiFi", then register.',
        "Yes, behind the hall.",
    ]


def test_a_quote_never_closed_in_a_csv_is_an_error_naming_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A quote opened in a cell and never closed took every row after it into that cell:
    three entries imported as one, its answer the rest of the file, and no word said."""
    path = tmp_path / "faq.csv"
    path.write_text(
        'Question,Answer\nWhen do you open?,"At nine.\nWhere can I park?,Behind the hall.\n'
        "Is there wifi?,Yes.\n",
        encoding="utf-8",
    )
    written = tmp_path / "faq.yaml"
    assert main(["knowledge", "import", str(path), "-o", str(written)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f'knotvoice: error: {path}: line 2: a quote (") opened in this row is never closed, so '
        "the lines after it are read as one cell; close it, or take it out"
    ]
    # closed by a later row's quote, it took the rows between
    path.write_text(
        'Question,Answer\nWhen do you open?,"At nine.\nWhere can I park?,Behind the hall.\n'
        'Is there wifi?,"Yes."\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match=r"line 2: a quote .* is never closed"):
        read_faq(path)
    assert not written.exists()
    path.write_text(path.read_text(encoding="utf-8").replace("nine.", 'nine."'), encoding="utf-8")
    assert len(read_faq(path).entries) == 3
    # a cell of several lines, closed, at the end of the file is no such quote
    path.write_text('Question,Answer\nWhen?,"At nine.\nOr ten."', encoding="utf-8")
    assert [e.answer for e in read_faq(path).entries] == ["At nine.\nOr ten."]


def test_an_exported_column_of_topics_none_written_is_said_to_be_empty(tmp_path: Path) -> None:
    """A file without topics, exported and imported again, was told its column of topics was
    read "as the entries' topics ()"."""
    source = tmp_path / "faq.yaml"
    source.write_text(
        "version: 1\nentries:\n  - {id: a, question: 'When do you open?', answer: At nine.}\n"
        "  - {id: b, question: 'Where can I park?', answer: Behind the hall.}\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "faq.xlsx"
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 0
    assert "column B 'Topic' read as the entries' topics, empty in every row" in [
        str(note).removeprefix("row 1: ") for note in read_faq(sheet).notes
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_knowledge_file_exported_and_imported_again_is_the_same(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator who keeps the FAQ in a spreadsheet exports it, edits it and imports it
    again: ids, wordings, topics, keywords and spoken answers come back as they were."""
    source = Path(__file__).parent.parent / "knowledge" / "knots.yaml"
    sheet = tmp_path / f"faq{suffix}"
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 0
    assert "is not in the sheet" in capsys.readouterr().err  # its matching: section
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 1  # no overwrite
    assert "pass --force" in capsys.readouterr().err
    assert read_faq(sheet).entries == load(source).entries
    assert main(["knowledge", "export", str(source), "-o", str(tmp_path / "faq.txt")]) == 1
    assert "name the spreadsheet .csv or .xlsx" in capsys.readouterr().err
    # imported over a copy of the file, its matching: section (not in the sheet) is kept
    copy = tmp_path / "faq.yaml"
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert _knowledge_import(sheet, copy, force=True) == 0  # as `knowledge import` writes
    assert "`matching:` section kept" in capsys.readouterr().err
    assert load(copy).entries == load(source).entries
    assert load(copy).matching == load(source).matching != MatchingHints()
    # another FAQ imported over it does not take that section
    other = tmp_path / f"other{suffix}"
    assert (
        main(["knowledge", "export", str(source.with_name("railway.yaml")), "-o", str(other)]) == 0
    )
    assert _knowledge_import(other, copy, force=True) == 0
    assert load(copy).matching == MatchingHints()


def test_a_sheet_exported_over_an_edited_one_keeps_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knowledge export faq.yaml -o faq.csv --force` over a sheet edited but not yet
    imported lost the edits without a copy, as an import over a knowledge file does not."""
    source = Path(__file__).parent.parent / "knowledge" / "knots.yaml"
    sheet = tmp_path / "faq.csv"
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 0
    edited = sheet.read_bytes().replace(b"knots", b"KNOTS", 1)
    sheet.write_bytes(edited)
    capsys.readouterr()
    assert main(["knowledge", "export", str(source), "-o", str(sheet), "--force"]) == 0
    (kept,) = tmp_path.glob("faq.csv.*.bak")
    assert kept.read_bytes() == edited != sheet.read_bytes()
    assert f"{sheet}: the file it replaced is kept as {kept}" in capsys.readouterr().err
    # the same sheet exported again is no edit to keep, nor is an .xlsx written again,
    # whose bytes hold the time it was written
    assert main(["knowledge", "export", str(source), "-o", str(sheet), "--force"]) == 0
    assert list(tmp_path.glob("faq.csv.*.bak")) == [kept]
    book = tmp_path / "faq.xlsx"
    assert main(["knowledge", "export", str(source), "-o", str(book)]) == 0
    written = book.read_bytes()
    time.sleep(1.1)
    assert main(["knowledge", "export", str(source), "-o", str(book), "--force"]) == 0
    assert book.read_bytes() != written and not list(tmp_path.glob("faq.xlsx.*.bak"))


def faq_imported(tmp_path: Path, *lines: str) -> tuple[Path, Path, str]:
    """An FAQ document of ``lines`` written as faq.md and imported as faq.yaml, with the
    knowledge file's text (for an operator's edits to it)."""
    faq = tmp_path / "faq.md"
    faq.write_text("".join(lines), encoding="utf-8")
    knowledge = tmp_path / "faq.yaml"
    assert main(["knowledge", "import", str(faq), "-o", str(knowledge)]) == 0
    return faq, knowledge, knowledge.read_text(encoding="utf-8")


def test_an_faq_imported_again_keeps_what_was_added_to_its_knowledge_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator who changed a price in the FAQ's document and imported it over the
    knowledge file lost every alternative, topic and spoken answer added there since, with
    the import saying only that the file's `matching:` section was kept."""
    faq, knowledge, text = faq_imported(
        tmp_path,
        "How much is a game?\nSix pounds.\n\nIs there parking?\nYes, 200 spaces.\n\n"
        "Can I bring food?\nNo.\n\nDo you have a bar?\nYes, until late.\n",
    )
    text = text.replace(
        "  - id: how-much-is-a-game\n    question: How much is a game?\n",
        "  - id: how-much-is-a-game\n    question: How much is a game?\n"
        "    alternatives:\n    - what does bowling cost\n",
    )
    text = text.replace(
        "    question: Can I bring food?\n",
        "    question: Can I bring food?\n    alternatives: [is a picnic ok]\n",
    )
    text = text.replace(
        "    answer: Yes, 200 spaces.\n", "    answer: Yes, 200 spaces.\n    topic: parking\n"
    )
    text = text.replace(
        "    answer: Six pounds.\n", "    answer: Six pounds.\n    spoken: Six pounds a game.\n"
    )
    text = text.replace(
        "    answer: Yes, until late.\n", "    answer: Yes, until late.\n    spoken: Yes.\n"
    )
    text = text.replace("version: 1", "# our kiosk, edited by hand\nversion: 1")
    knowledge.write_text(text, encoding="utf-8")
    capsys.readouterr()
    # the price changes, a question is reworded, one is gone
    faq.write_text(
        "How much is a game?\nSeven pounds.\n\nWhere can I park?\nYes, 200 spaces.\n\n"
        "Do you have a bar?\nYes, until late.\n",
        encoding="utf-8",
    )
    assert main(["knowledge", "import", str(faq), "-o", str(knowledge), "--force"]) == 0
    err = capsys.readouterr().err
    entries = load(knowledge).entries
    assert [(e.id, e.question, e.alternatives, e.topic, e.spoken) for e in entries] == [
        ("how-much-is-a-game", "How much is a game?", ("what does bowling cost",), "", None),
        ("is-there-parking", "Where can I park?", (), "parking", None),
        ("do-you-have-a-bar", "Do you have a bar?", (), "", "Yes."),
    ]
    assert entries[0].answer == "Seven pounds."
    assert (
        f"{knowledge}: the FAQ imported again over it: kept its 1 alternative, 1 topic, 1 "
        "spoken answer; left out the spoken answer of how-much-is-a-game, whose answer "
        "changed: write it again; left out can-i-bring-food, no longer in the FAQ, with 1 "
        "alternative ('is a picnic ok' of can-i-bring-food; in the file replaced): add it to an "
        "entry reworded from its own, if one is"
    ) in err
    assert f"{knowledge}: its comments are not kept" in err
    # a sheet exported from the file says what its columns hold: a wording deleted there
    # and a topic changed there stay so, and it keeps nothing of the file's; the wording
    # left out is counted
    assert (
        main(["knowledge", "add", "do-you-have-a-bar", "do you serve drinks", str(knowledge)]) == 0
    )
    sheet = tmp_path / "faq.csv"
    assert main(["knowledge", "export", str(knowledge), "-o", str(sheet)]) == 0
    rows = sheet.read_text(encoding="utf-8")
    rows = rows.replace("what does bowling cost", "").replace("parking", "car park")
    sheet.write_text(rows, encoding="utf-8")
    capsys.readouterr()
    assert main(["knowledge", "import", str(sheet), "-o", str(knowledge), "--force"]) == 0
    assert (
        f"{knowledge}: the FAQ imported again over it: left out the alternative 'what does "
        "bowling cost' of how-much-is-a-game that the FAQ does not list: add it there to "
        "keep it"
    ) in capsys.readouterr().err
    assert [(e.alternatives, e.topic, e.spoken) for e in load(knowledge).entries] == [
        ((), "", None),
        ((), "car park", None),
        (("do you serve drinks",), "", "Yes."),
    ]
    # another FAQ imported over it takes nothing of it
    other = tmp_path / "other.md"
    other.write_text("Is there a cafe?\nYes.\n\nCan I swim?\nNo.\n", encoding="utf-8")
    assert main(["knowledge", "import", str(other), "-o", str(knowledge), "--force"]) == 0
    assert "imported again over it" not in capsys.readouterr().err
    assert [e.id for e in load(knowledge).entries] == ["is-there-a-cafe", "can-i-swim"]


def test_an_faq_of_sections_imported_again_names_the_file_s_topics_it_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document's sections are its entries' topics: imported again over a file whose
    topics the operator had written, it replaced every one, and the summary said only what
    it kept."""
    faq, knowledge, text = faq_imported(
        tmp_path,
        "Is there wifi?\nNo.\n\n"
        "## Visiting\n\nWhen are you open?\nSaturdays.\n\nIs there parking?\nYes.\n\n"
        "## Repairs\n\nDo you fix bikes?\nYes.\n",
    )
    text = text.replace(
        "answer: Saturdays.\n    topic: visiting", "answer: Saturdays.\n    topic: opening hours"
    )
    text = text.replace("answer: Yes.\n    topic: visiting", "answer: Yes.\n    topic: parking")
    text = text.replace("answer: No.\n", "answer: No.\n    topic: internet\n")
    knowledge.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["knowledge", "import", str(faq), "-o", str(knowledge), "--force"]) == 0
    said = capsys.readouterr().err
    assert (
        "gave the FAQ's topics (its sections or column) in place of the file's 'opening "
        "hours' of when-are-you-open, 'parking' of is-there-parking: to keep the file's, "
        "write them in the FAQ; left out the file's topics 'internet' of is-there-wifi, whose "
        "entries the FAQ gives none"
    ) in said
    topics = [entry.topic for entry in load(knowledge).entries]
    assert topics == ["", "visiting", "visiting", "repairs"]


def test_a_sheet_imported_again_keeps_the_wordings_added_to_its_file_or_names_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator's own sheet, with a column of other wordings, imported again over its
    knowledge file dropped the wordings added to the file with `knowledge add` since,
    without a word: visitors' wordings lost. A sheet that never listed them keeps them; one
    that reads as the file's export (it lists every wording of most entries) stands, and the
    import counts the wordings it left out."""
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "Question,Answer,Other ways to ask\nHow much is a swim?,Five pounds.,price of a swim\n"
        "Is there parking?,Yes.,\nCan I bring a baby?,Yes.,\n",
        encoding="utf-8",
    )
    knowledge = tmp_path / "faq.yaml"
    assert main(["knowledge", "import", str(sheet), "-o", str(knowledge)]) == 0
    for entry, wording in (
        ("is-there-parking", "where can I park"),
        ("can-i-bring-a-baby", "are babies welcome"),
        ("can-i-bring-a-baby", "is it ok for infants"),
    ):
        assert main(["knowledge", "add", entry, wording, str(knowledge)]) == 0
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("Five", "Six"), encoding="utf-8")
    capsys.readouterr()
    assert main(["knowledge", "import", str(sheet), "-o", str(knowledge), "--force"]) == 0
    assert (
        f"{knowledge}: the FAQ imported again over it: kept its 3 alternatives"
        in capsys.readouterr().err
    )
    assert [(e.answer, e.alternatives) for e in load(knowledge).entries] == [
        ("Six pounds.", ("price of a swim",)),
        ("Yes.", ("where can I park",)),
        ("Yes.", ("are babies welcome", "is it ok for infants")),
    ]
    # listing every wording of two entries of three, the sheet is the file's: a wording it
    # does not list is left out, and said to be
    sheet.write_text(
        "Question,Answer,Other ways to ask\nHow much is a swim?,Six pounds.,price of a swim\n"
        "Is there parking?,Yes.,where can I park\nCan I bring a baby?,Yes.,are babies welcome\n",
        encoding="utf-8",
    )
    assert main(["knowledge", "import", str(sheet), "-o", str(knowledge), "--force"]) == 0
    assert (
        f"{knowledge}: the FAQ imported again over it: left out the alternative 'is it ok "
        "for infants' of can-i-bring-a-baby that the FAQ does not list: add it there to keep "
        "it"
    ) in capsys.readouterr().err
    assert [e.alternatives for e in load(knowledge).entries][2] == ("are babies welcome",)


def test_the_alternatives_an_faq_imported_again_left_out_are_named() -> None:
    """ "left out 1 alternative of are-dogs-allowed" did not say which: the operator, told
    to add it to the sheet to keep it, had to find it in the old file."""
    kept = Kept(
        ImportResult((), ()),
        0,
        0,
        0,
        0,
        (),
        (),
        unlisted=(("dogs", ("can I bring my dog", "pets?")), ("parking", ("car park",))),
    )
    assert kept.summary() == (
        "left out 3 alternatives that the FAQ does not list ('can I bring my dog', 'pets?' of "
        "dogs; 'car park' of parking): add them there to keep them"
    )


def test_a_wording_the_faq_now_gives_another_entry_is_that_entry_s(tmp_path: Path) -> None:
    """An alternative kept from the file that the FAQ now asks as a question of its own (or
    gathers under another entry) would be in two entries, and the file would not load."""
    old = parse_faq("How much is a game?\nSix pounds.\n\nCan I park?\nYes.\n")
    old = dataclasses.replace(
        old,
        entries=(
            dataclasses.replace(
                old.entries[0], alternatives=("what does bowling cost", "price", "parking")
            ),
            dataclasses.replace(old.entries[1], alternatives=("car park",)),
        ),
    )
    new = parse_faq(
        "How much is a game?\nSeven pounds.\n\nWhat does bowling cost?\nSeven pounds a game."
        "\n\nParking?\nCan I park?\nYes.\n"
    )
    kept = keep_edits(new, Knowledge(old.entries))
    assert kept is not None
    out = tmp_path / "faq.yaml"
    out.write_text(to_yaml(kept.result), encoding="utf-8")
    assert [(e.id, e.alternatives) for e in load(out).entries] == [
        ("how-much-is-a-game", ("price",)),
        ("what-does-bowling-cost", ()),
        ("can-i-park", ("Parking?", "car park")),
    ]


def test_a_sheet_s_questions_after_their_answers_and_its_short_columns(tmp_path: Path) -> None:
    """A sheet of answers then questions, without column names, gave entries whose question
    was the answer ("How much does a game cost?" read out as the answer); a column of dates
    left out gave a note a row; one of categories under a name the import does not know was
    left out with the advice to move it into the answers."""
    path = tmp_path / "faq.csv"
    path.write_text(
        'Six pounds a game.,How much is a game?\n"Yes, 200 spaces.",Is there parking?\n'
        "No.,Can I bring food?\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [(e.question, e.answer) for e in result.entries] == [
        ("How much is a game?", "Six pounds a game."),
        ("Is there parking?", "Yes, 200 spaces."),
        ("Can I bring food?", "No."),
    ]
    assert [str(n) for n in result.notes] == [
        "line 1: questions are read from column B, which holds more of them, and their "
        "answers from column A before it"
    ]
    path.write_text(
        "Area,Customer asks,We say,Updated\nPrices,How much is a game?,Six pounds.,12 May 2025\n"
        "Prices,Is it cheaper for children?,Yes.,3 June 2025\nFood,Can I bring food?,No.,"
        "9 June 2025\n",
        encoding="utf-8",
    )
    assert [str(n) for n in read_faq(path).notes][1:] == [
        "line 1: column A left out (3 rows: 'Prices', 'Food'); questions are read from column "
        "B, answers from column C: if it names each row's topic, give it the column name Topic",
        "line 1: column D left out (3 rows: '12 May 2025', '3 June 2025', '9 June 2025'); "
        "questions are read from column B, answers from column C: move what visitors should "
        "hear into the answers",
    ]


def test_a_column_left_out_is_noted_on_the_line_of_its_name(tmp_path: Path) -> None:
    """A farm shop's sheet with a title over its column names: the note on its "Owner"
    column named line 5, the first row under the names, though the name is on line 4."""
    path = tmp_path / "farmshop.csv"
    path.write_text(
        "Harvest Lane Farm Shop FAQ,,,\nLast updated: 12/10/2025 by Jo,,,\n,,,\n"
        "Category,Question,Answer,Owner\nOpening,When are you open?,9am to 5pm.,Jo\n"
        'Orders,Do you deliver?,"Yes, within 10 miles.",Mark\n'
        "Orders,Can I order a veg box?,Yes.,Mark\n",
        encoding="utf-8",
    )
    (noted,) = [str(n) for n in read_faq(path).notes if "column D" in str(n)]
    assert noted.startswith("line 4: column D left out (3 rows: 'Jo', 'Mark')")
    assert noted.endswith("give it the column name Topic"), "the first row is the title"


def test_a_column_of_ids_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "Id,Question,Answer\n,Is there wifi?,Yes.\nis-there-wifi,Can I connect?,Ask at the desk.\n"
        "FAQ 03,Can I park?,Yes.\n",
        encoding="utf-8",
    )
    assert [e.id for e in read_faq(path).entries] == [
        "is-there-wifi-2",  # made of its question, after the id another row names
        "is-there-wifi",
        "faq-03",  # made an id as a question is
    ]


def test_an_id_a_sheet_gives_twice_is_made_another_with_a_note(tmp_path: Path) -> None:
    """The second was renamed "booking-2" without a word, where manifests and the turn log
    name entries by id."""
    path = tmp_path / "faq.csv"
    path.write_text(
        "Id,Question,Answer\nbooking,Do I need to book?,No.\n"
        "booking,Can I book online?,No online booking.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    assert [entry.id for entry in result.entries] == ["booking", "booking-2"]
    assert [str(note) for note in result.notes if note.entry == "booking-2"] == [
        "line 3: id 'booking' is an entry's above; this entry's is 'booking-2': give it an id "
        "of its own in the source"
    ]
    # a renamed one never takes an id a row below gives
    path.write_text(
        "Id,Question,Answer\nBook Now,Do I need to book?,No.\nbook-now,Can I book online?,No."
        "\nbook-now-2,Can I book by phone?,Yes.\nbook-now,Can I book a group?,Yes.\n",
        encoding="utf-8",
    )
    result = read_faq(path)
    ids = ["book-now", "book-now-3", "book-now-2", "book-now-4"]
    assert [entry.id for entry in result.entries] == ids
    assert [note.entry for note in result.notes if "is an entry's above" in str(note)] == [
        "book-now-3",
        "book-now-4",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an alternative answer is no other wording of the question
        (
            "Question,Answer,Alternative answer\nCan I park?,Yes.,Street parking too.\n",
            [("can-i-park", (), "")],
        ),
        # a named column before the questions is no topic unless named as one
        (
            "Status,Question,Answer\nLive,Can I park?,Yes.\nLive,Is there a cafe?,Yes.\n"
            "Draft,Is there a shop?,No.\n",
            [("can-i-park", (), ""), ("is-there-a-cafe", (), ""), ("is-there-a-shop", (), "")],
        ),
        # nor is an unnamed column of dates
        (
            "12 May 2024\tCan I park?\tYes.\n12 May 2024\tIs there a cafe?\tYes.\n",
            [("can-i-park", (), ""), ("is-there-a-cafe", (), "")],
        ),
        # a column named Topic is the topics, even of one name on one row (as exported)
        (
            "Id,Topic,Question,Answer\nQ1,Parking,Can I park?,Yes.\nFAQ-02,,Is there a cafe?,Yes.\n",
            [("q1", (), "parking"), ("faq-02", (), "")],
        ),
    ],
)
def test_columns_that_name_no_field_of_an_entry_are_not_read_as_one(
    tmp_path: Path, text: str, expected: list[tuple[str, tuple[str, ...], str]]
) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(text, encoding="utf-8")
    assert [(e.id, e.alternatives, e.topic) for e in read_faq(path).entries] == expected


def test_wordings_and_keywords_come_back_whole_from_an_exported_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wording with a ";" or a "?" inside, or a keyword with a comma, came back from an
    exported sheet cut in two (one alone in its cell still does, but for a "?"). Wordings
    typed in one cell between commas after their question marks ("where do I park?, car
    park prices?") were one wording; other commas are a wording's own."""
    source = tmp_path / "faq.yaml"
    source.write_text(
        "version: 1\nentries:\n  - id: parking\n    question: Can I park?\n"
        "    alternatives: ['Where do I park; is it free?', 'Parking? Really?', 'car park']\n"
        "    answer: '- Behind the hall.'\n    keywords: ['£5, all day', 'car park']\n"
        "  - id: cafe\n    question: Is there a cafe?\n    answer: Yes.\n"
        "    alternatives: ['Card or cash? Which do you take']\n"
        "  - id: hall\n    question: Can I hire the hall?\n    answer: Yes.\n"
        "    alternatives: ['so, the big hall, for a party, how much']\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "faq.csv"
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 0
    assert "1 cell starts with '-'" in capsys.readouterr().err  # Excel would break it
    assert read_faq(sheet).entries == load(source).entries
    typed = tmp_path / "typed.csv"
    typed.write_text(
        "Question,Answer,Alternatives\n"
        'Can I park?,Yes.,"where do I park?, car park prices?,is parking free"\n'
        'Is there a cafe?,Yes.,"food?, drinks"\n'
        'Where are the toilets?,By the door.,"sorry, where are the loos"\n'
        'Do you sell tickets?,Yes.,"do you sell tickets, gift cards, or vouchers?"\n'
        'Is there wifi?,Yes.,"hi there, I was wondering, do you have wifi"\n',
        encoding="utf-8",
    )
    assert [entry.alternatives for entry in read_faq(typed).entries] == [
        ("where do I park?", "car park prices?", "is parking free"),
        ("food?", "drinks"),
        ("sorry, where are the loos",),
        ("do you sell tickets, gift cards, or vouchers?",),
        ("hi there, I was wondering, do you have wifi",),
    ]


def test_an_answer_an_excel_cell_would_change_is_kept_or_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An answer starting "=" was written as a formula: imported again, its entry had no
    answer and was dropped, the import saying it wrote one entry fewer. One longer than a
    cell holds came back cut to 32,767 characters, without a word."""
    source = tmp_path / "faq.yaml"
    source.write_text(
        "version: 1\nentries:\n  - id: toilets\n    question: Where are the toilets?\n"
        "    answer: '=) Upstairs, on the left.'\n  - id: sum\n    question: Sum?\n"
        "    answer: '=SUM(A1:A2)'\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "faq.xlsx"
    assert main(["knowledge", "export", str(source), "-o", str(sheet)]) == 0
    assert read_faq(sheet).entries == load(source).entries
    long = "Stretch gently. " * 2100
    source.write_text(
        f"version: 1\nentries:\n  - id: stretch\n    question: How?\n    answer: {long}\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["knowledge", "export", str(source), "-o", str(sheet), "--force"]) == 1
    assert (
        "stretch: its answer is 33,599 characters, more than a cell of a .xlsx holds (32,767); "
        "shorten it, or export a .csv"
    ) in capsys.readouterr().err
    assert read_faq(sheet).entries[0].id == "toilets", "the sheet there is left as it was"
    csv_sheet = tmp_path / "faq.csv"
    assert main(["knowledge", "export", str(source), "-o", str(csv_sheet)]) == 0
    assert read_faq(csv_sheet).entries == load(source).entries


def test_a_semicolon_csv_with_a_cell_of_several_lines_is_cut_at_its_semicolons(
    tmp_path: Path,
) -> None:
    """Excel where "," is the decimal mark saves with ";"; when a quoted cell of several lines
    kept the guess from working, the file was cut at its commas."""
    path = tmp_path / "faq.csv"
    path.write_text(
        'Question;Answer\r\nCan I park?;"Yes, behind the museum.\r\nBlue badge bays, by the '
        'door."\r\nIs there a cafe?;Yes, first floor, open 10 to 4.\r\n',
        encoding="utf-8",
    )
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Can I park?", "Yes, behind the museum.\nBlue badge bays, by the door."),
        ("Is there a cafe?", "Yes, first floor, open 10 to 4."),
    ]


def categories_merged_down() -> tuple[openpyxl.Workbook, Worksheet]:
    """A sheet of two categories, each in a cell merged over its two questions' rows (the
    second category's cell left for the test to merge)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    for row in (
        ("Category", "Question", "Answer"),
        ("Visiting", "Can I park?", "Yes."),
        (None, "Is there a cafe?", "Yes."),
        ("Food", "Do you sell tea?", "Yes."),
        (None, "Any cake?", "Yes."),
    ):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    return workbook, sheet


def test_a_category_merged_down_beside_its_questions_is_the_topic_of_each(tmp_path: Path) -> None:
    """A category cell merged over its section's rows named the topic of its first question
    only: the sheet holds the name in the top cell alone."""
    workbook, sheet = categories_merged_down()
    sheet.merge_cells("A4:A9")  # below the last question too
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    assert [e.topic for e in read_faq(path).entries] == ["visiting", "visiting", "food", "food"]


def test_a_category_merged_down_to_the_sheet_s_last_row_is_read_in_a_moment(
    tmp_path: Path,
) -> None:
    """The last category merged down to the sheet's last row ("A4:A1048576") took openpyxl
    18 seconds to open, making a cell of each of the million rows; its entries are those of
    one merged down to the last question."""
    workbook, sheet = categories_merged_down()
    sheet.merge_cells("A4:A5")
    saved = tmp_path / "saved.xlsx"
    workbook.save(saved)
    # openpyxl would take as long to write the range: it is written into the sheet's XML
    path = tmp_path / "faq.xlsx"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(path, "w") as copy:
        for info in source.infolist():
            part = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                assert b'ref="A4:A5"' in part
                part = part.replace(b'ref="A4:A5"', b'ref="A4:A1048576"')
            copy.writestr(info, part)
    expected = [
        ("visiting", "Can I park?"),
        ("visiting", "Is there a cafe?"),
        ("food", "Do you sell tea?"),
        ("food", "Any cake?"),
    ]
    assert [(e.topic, e.question) for e in read_faq(saved).entries] == expected
    assert [(e.topic, e.question) for e in read_faq(path).entries] == expected


def test_a_category_merged_down_in_an_opendocument_sheet_names_each_row(tmp_path: Path) -> None:
    document = OpenDocumentSpreadsheet()
    table = Table(name="FAQ")
    table.addElement(open_row(["Category", "Question", "Answer"]))
    open_rows_merged(table, "Visiting", [("Can I park?", "Yes."), ("Is there a cafe?", "Yes.")])
    table.addElement(open_row(["Food", "Do you sell tea?", "Yes."]))
    document.spreadsheet.addElement(table)
    path = tmp_path / "faq.ods"
    document.save(str(path))
    assert [e.topic for e in read_faq(path).entries] == ["visiting", "visiting", "food"]


def test_a_category_merged_down_in_an_opendocument_text_s_table_names_each_row(
    tmp_path: Path,
) -> None:
    """A LibreOffice Writer table, as a Word one: a category merged down beside two
    questions was read beside the first only."""
    document = OpenDocumentText()
    table = Table()
    open_rows_merged(
        table,
        "Visiting",
        [("Can I park?", "Yes, round the back."), ("Is there a cafe?", "Yes, by the entrance.")],
    )
    table.addElement(open_row(["Food", "Do you sell tea?", "Yes."]))
    table.addElement(open_row(["Food", "Can I bring a picnic?", "Yes, to the garden."]))
    document.text.addElement(table)
    path = tmp_path / "faq.odt"
    document.save(str(path))
    entries = read_faq(path).entries
    assert [(e.topic, e.question) for e in entries] == [
        ("visiting", "Can I park?"),
        ("visiting", "Is there a cafe?"),
        ("food", "Do you sell tea?"),
        ("food", "Can I bring a picnic?"),
    ]


def test_a_question_glued_to_its_answer_by_inline_elements_is_two_lines() -> None:
    """A page's question and answer in inline elements, shown apart by its style, ran on into
    one line ("Can I pay by card?Yes, all cards."); a sentence running on across them (a
    page pasted from a word processor wraps every run in a span) stays one."""
    result = parse_faq(
        '<div><span class="q">Can I pay by card?</span><span class="a">Yes, all cards.</span>'
        "</div><div><button>Is there parking?</button><span>Yes, free.</span></div>"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Can I pay by card?", "Yes, all cards."),
        ("Is there parking?", "Yes, free."),
    ]
    result = parse_faq(
        "<h3>Which ticket do I need?</h3><p>A standard one.</p><p><span>Still not sure?</span>"
        "<span> Call us.</span></p><h3>Can I bring my dog?</h3><p><span>Dogs welcome?</span> "
        "Yes, on a lead.</p>"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Which ticket do I need?", "A standard one.\n\nStill not sure? Call us."),
        ("Can I bring my dog?", "Dogs welcome? Yes, on a lead."),
    ]


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        # a comma file whose first answer holds more ";" than ","
        (
            'Do you have parking?,"Yes; free for customers; behind the shop."\r\n'
            'When are you open?,"Weekdays 9 to 5.\nWeekends 10 to 4."\r\nCan I pay?,Yes.\r\n',
            [
                "Yes; free for customers; behind the shop.",
                "Weekdays 9 to 5.\nWeekends 10 to 4.",
                "Yes.",
            ],
        ),
        # a ";" file whose first answer holds commas, as a decimal mark too
        (
            'Do you have parking?;"Yes, behind the shop.\nIt costs \u20ac2,50 an hour."\r\n'
            "Can I pay by card?;Yes, all cards.\r\n",
            ["Yes, behind the shop.\nIt costs \u20ac2,50 an hour.", "Yes, all cards."],
        ),
        # Excel's first line naming the delimiter
        ("sep=;\r\nQuestion;Answer\r\nCan I park?;Yes, behind.\r\n", ["Yes, behind."]),
    ],
)
def test_a_csv_whose_delimiter_cannot_be_guessed_is_cut_at_the_one_its_rows_share(
    tmp_path: Path, text: str, answers: list[str]
) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(text, encoding="utf-8")
    assert [e.answer for e in read_faq(path).entries] == answers


def test_a_page_whose_only_questions_are_in_its_footer_still_gives_them() -> None:
    result = parse_faq(
        "<main><h1>Greenfield Garden Centre</h1></main><footer><h2>FAQ</h2>"
        "<h3>Do you have parking?</h3><p>Yes, behind the shop.</p>"
        "<h3>Can I pay by card?</h3><p>Yes.</p></footer>"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("Do you have parking?", "Yes, behind the shop."),
        ("Can I pay by card?", "Yes."),
    ]


def test_a_header_of_two_rows_under_a_merged_name_gives_no_entry(tmp_path: Path) -> None:
    """A name merged over a header of two rows ("Question" over two rows, "Answer" over
    "Written" and "Spoken") was filled into the second, an entry "Question" of its own."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (
        ("Question", "Answer", None),
        (None, "Written", "Spoken"),
        ("Do you have parking?", "Yes, behind the shop.", None),
        ("Can I pay by card?", "Yes.", None),
    ):
        sheet.append(row)
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    path = tmp_path / "faq.xlsx"
    workbook.save(path)
    assert [e.question for e in read_faq(path).entries] == [
        "Do you have parking?",
        "Can I pay by card?",
    ]


def test_a_sign_up_box_between_answers_is_left_out_but_an_answer_about_one_stays() -> None:
    """A newsletter's box between two answers of a page made a document ("Sign up for our
    newsletter", its text, its field and button) was read as the end of the answer above it.
    It is left out with a note; an answer that tells how to sign up, to a question about it,
    stays whole."""
    result = parse_faq(
        "**When are you open?**\n"
        "Every day from nine until five.\n"
        "Sign up for our newsletter\n"
        "News and offers once a month.\n"
        "Your email address Subscribe\n"
        "**Do you have a newsletter?**\n"
        "Yes, once a month.\n"
        "Sign up at reception\n"
        "or by email to news@example.org.\n"
    )
    assert [(e.question, e.answer) for e in result.entries] == [
        ("When are you open?", "Every day from nine until five."),
        (
            "Do you have a newsletter?",
            "Yes, once a month.\nSign up at reception\nor by email to news@example.org.",
        ),
    ]
    assert ["sign-up box" in note.message for note in result.notes] == [True]


def test_a_table_under_an_answer_s_text_is_more_of_that_answer() -> None:
    """A price table under the first paragraph of an answer, where each question is marked
    (a web page's headings), was left out as a table of no questions."""
    result = parse_faq(
        "### How much is a pitch?\n\n"
        "Per night, for two adults.\n\n"
        "| Pitch | Low season | High season |\n|---|---|---|\n| Tent | £18 | £22 |\n\n"
        "### Can I bring my dog?\n\nYes, on a lead.\n"
    )
    assert result.entries[0].answer == (
        "Per night, for two adults.\n\nTent: Low season £18, High season £22"
    )


@pytest.mark.parametrize("page", ["gym-faq", "dentist-faq"])
def test_a_saved_page_s_footer_and_sidebar_marked_by_class_or_role_are_no_entries(
    page: str,
) -> None:
    """A saved page's footer, sidebar and menu built of ``<div>``s (``class="site-footer"``,
    ``class="sidebar"``, ``role="contentinfo"``) became entries ("Where is the gym?" over
    the gym's address, the practice's address). They are left out as a ``<footer>`` is; the
    FAQ's entries are all there, each with its own answer."""
    result = read_faq(Path(__file__).parent / "pages" / f"{page}.html")
    asked = [entry.question for entry in result.entries]
    assert len(asked) == (4 if page == "gym-faq" else 5)
    assert all(question.endswith("?") for question in asked)
    said = " ".join(f"{entry.question} {entry.answer}" for entry in result.entries)
    for shown in ("Tel", "Opening times", "Mill"):
        assert shown not in said


def test_an_element_with_a_page_part_s_role_is_left_out_and_read_when_it_alone_asks() -> None:
    """``role="navigation"`` and ``role="contentinfo"`` on any element leave it out as
    ``<nav>`` and ``<footer>`` are; a page whose only questions stand in one is read all
    the same."""
    faq = "<h2>Is there wifi?</h2><p>Yes, ask at the desk.</p>\n"
    menu = "<div role='navigation'><h2>Why join?</h2><p>Home Classes</p></div>\n"
    foot = "<div role='contentinfo'><h3>Where are we?</h3><p>Mill Lane.</p></div>\n"
    entries = parse_faq(f"{menu}{faq}{foot}").entries
    assert [(e.question, e.answer) for e in entries] == [
        ("Is there wifi?", "Yes, ask at the desk.")
    ]
    alone = parse_faq(f"<p>Welcome</p>\n{foot}").entries
    assert [(e.question, e.answer) for e in alone] == [("Where are we?", "Mill Lane.")]


def test_answers_an_accordion_hides_until_opened_are_read() -> None:
    """An accordion marks its closed answers ``aria-hidden``: they are the FAQ's answers,
    read as any other, beside a question the page shows open."""
    item = (
        "<div class='faq-item'><button>{}</button>"
        "<div class='faq-answer' aria-hidden='true'><p>{}</p></div></div>\n"
    )
    page = (
        "<h2>Is there a cafe?</h2><p>Yes, open 9 to 5.</p>\n"
        + item.format("Where can I park?", "Behind the hall.")
        + item.format("Can I bring my dog?", "Dogs on a lead are welcome.")
    )
    entries = parse_faq(page).entries
    assert [(e.question, e.answer) for e in entries] == [
        ("Is there a cafe?", "Yes, open 9 to 5."),
        ("Where can I park?", "Behind the hall."),
        ("Can I bring my dog?", "Dogs on a lead are welcome."),
    ]


def _asked(text: str) -> list[tuple[str, str]]:
    return [(e.question, e.answer) for e in parse_faq(text).entries]


@pytest.mark.parametrize(
    "page",
    [
        # an accordion's panel (Elementor), a <details> after its <summary>, a <dd>
        '<div class="elementor-accordion-item"><div class="elementor-tab-title"><a>Is there '
        'parking?</a></div><div class="elementor-tab-content"><p>Yes, the car park is free.</p>'
        "<p>It closes at 6pm.</p></div></div>\n"
        '<div class="elementor-accordion-item"><div class="elementor-tab-title"><a>Can I bring '
        'my dog?</a></div><div class="elementor-tab-content"><p>Yes, on a lead.</p></div></div>',
        "<details><summary>Is there parking?</summary><p>Yes, the car park is free.</p>"
        "<p>It closes at 6pm.</p></details>\n"
        "<details><summary>Can I bring my dog?</summary><p>Yes, on a lead.</p></details>",
        "<dl><dt>Is there parking?</dt><dd><p>Yes, the car park is free.</p><p>It closes at "
        "6pm.</p></dd><dt>Can I bring my dog?</dt><dd><p>Yes, on a lead.</p></dd></dl>",
    ],
)
def test_a_web_page_s_answer_of_two_paragraphs_in_its_panel_is_one_answer(page: str) -> None:
    """An accordion's panel holding "Yes, the car park is free." and "It closes at 6pm."
    gave an entry "It closes at 6pm" answering "It closes at 6pm.", and the parking's
    answer lost its second paragraph."""
    assert _asked(f"<html><body>{page}</body></html>") == [
        ("Is there parking?", "Yes, the car park is free.\nIt closes at 6pm."),
        ("Can I bring my dog?", "Yes, on a lead."),
    ]


def test_paragraphs_of_a_panel_that_asks_stay_the_faq_s_own() -> None:
    """A block holding the questions and their answers in paragraphs is not one answer:
    only a block of answer sentences is."""
    page = (
        "<html><body><div><p>Is there parking?</p><p>Yes, it is free.</p>"
        "<p>Can I bring my dog?</p><p>Yes, on a lead.</p></div></body></html>"
    )
    assert _asked(page) == [
        ("Is there parking?", "Yes, it is free."),
        ("Can I bring my dog?", "Yes, on a lead."),
    ]


def test_icons_and_words_for_screen_readers_are_no_part_of_a_question() -> None:
    """An accordion's icon ("expand_more" in Google's icon font) ran into its question ("Do
    you deliver?expand_more", dropped with no "?" at its end), "Show answer to: " for
    screen readers opened another, and a plugin's symbol letter was an entry "a"."""
    page = (
        "<html><body>"
        '<div><div class="ewd-ufaq-post-margin-symbol"><span>a</span></div><h4>Can I bring '
        "food?</h4><p>Yes, there are picnic tables.</p></div>"
        '<button>Do you deliver?<span class="material-icons" aria-hidden="true">expand_more'
        "</span></button><div><p>Yes, within 10 miles.</p></div>"
        '<button><span class="visually-hidden">Show answer to: </span>Can I collect my order?'
        "</button><div><p>Yes, after 2pm.</p></div>"
        '<button>What are your hours?<span class="sr-only"> (click to expand)</span></button>'
        '<div><ul class="elementor-icon-list-items"><li><span class="elementor-icon-list-icon">'
        '<i class="fas fa-clock"></i></span><span class="elementor-icon-list-text">9am to 5pm'
        "</span></li></ul></div>"
        "</body></html>"
    )
    assert _asked(page) == [
        ("Can I bring food?", "Yes, there are picnic tables."),
        ("Do you deliver?", "Yes, within 10 miles."),
        ("Can I collect my order?", "Yes, after 2pm."),
        ("What are your hours?", "- 9am to 5pm"),
    ]


def test_a_help_centre_s_votes_author_and_related_articles_are_left_out() -> None:
    """Every answer of a help centre's page ended "Was this answer helpful? Yes No", read
    aloud; a Zendesk article opened with its author and date, and its "Related articles"
    gave entries."""
    page = (
        "<html><body><main>"
        '<div class="faq-item"><h3>How do I cancel?</h3><p>Go to Account and choose Cancel.</p>'
        '<div class="faq-vote">Was this answer helpful? <a href="#">Yes</a> <a href="#">No</a>'
        "</div></div>"
        '<h2>Can I pause it?</h2><div class="article-author"><div class="article-meta"><span>'
        "Support team</span><ul><li>1 year ago</li><li>Updated</li></ul></div></div>"
        "<p>Yes, for up to 3 months.</p>"
        '<div class="related-articles"><h3>Related articles</h3><ul><li><a href="/a/2">When '
        "will I get my refund?</a></li></ul></div>"
        '<section class="recent-articles"><h3>Recently viewed articles</h3><ul><li>'
        '<a href="/a/9">Delivery options</a></li></ul></section>'
        "</main></body></html>"
    )
    assert _asked(page) == [
        ("How do I cancel?", "Go to Account and choose Cancel."),
        ("Can I pause it?", "Yes, for up to 3 months."),
    ]


@pytest.mark.parametrize(
    "faq",
    [
        "## How much are tickets?\n\n### Adults\n£14.50, or £13 online.\n\n### Children\n"
        "£7.25. Under 5s go free.\n\n## Can I bring my dog?\nYes, on a lead.\n",
        "<html><body><h2>How much are tickets?</h2><h3>Adults</h3><p>£14.50, or £13 online."
        "</p><h3>Children</h3><p>£7.25. Under 5s go free.</p><h2>Can I bring my dog?</h2>"
        "<p>Yes, on a lead.</p></body></html>",
    ],
)
def test_headings_under_a_question_s_heading_are_lines_of_its_answer(faq: str) -> None:
    """ "### Adults" and "### Children" under "## How much are tickets?" were entries of
    their own ("Adults"), the question only their alternative or dropped with no answer."""
    assert _asked(faq) == [
        (
            "How much are tickets?",
            "Adults\n\n£14.50, or £13 online.\n\nChildren\n\n£7.25. Under 5s go free.",
        ),
        ("Can I bring my dog?", "Yes, on a lead."),
    ]


def test_a_numbered_question_without_its_question_mark_is_one() -> None:
    """Among numbered questions, "2. Are dogs allowed" with its "?" forgotten was read as
    more of the answer above it (check-in's answer went on "Second, are dogs allowed. Yes,
    on a lead."), and the entry was lost without a note; in a document's text, with no
    blank line over it, too. A numbered list in an answer stays the answer's."""
    for gap in ("\n", ""):
        result = parse_faq(
            f"1. What time is check-in?\nCheck-in is from 2pm.\n{gap}2. Are dogs allowed\n"
            f"Yes, on a lead.\n{gap}3. How do I book?\n1. Call us.\n2. Can't call? Email us.\n"
        )
        assert [(e.question, e.answer) for e in result.entries] == [
            ("What time is check-in?", "Check-in is from 2pm."),
            ("Are dogs allowed", "Yes, on a lead."),
            ("How do I book?", "1. Call us.\n2. Can't call? Email us."),
        ]
        assert [str(n) for n in result.notes] == [
            f"line {3 + bool(gap)}: numbered line 'Are dogs allowed' has no '?'; it is the "
            "question of the text under it: rewrite it as visitors ask it"
        ]


def test_a_question_asked_under_two_sections_is_an_entry_in_each(tmp_path: Path) -> None:
    """ "How much does it cost?" under "Swimming" and again under "Gym" was one entry
    answering both prices ("5 pounds a swim ... 30 pounds a month"), its topics lost."""
    text = (
        "## Swimming\n\n### How much does it cost?\n£5 a swim.\n\n### Is there a cafe?\n"
        "Yes.\n\n## Gym\n\n### How much does it cost?\n£30 a month.\n"
    )
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "Category,Question,Answer\nSwimming,How much does it cost?,£5 a swim.\n"
        "Swimming,Is there a cafe?,Yes.\nGym,How much does it cost?,£30 a month.\n",
        encoding="utf-8",
    )
    for result in (parse_faq(text), read_faq(sheet)):
        assert [(e.question, e.answer, e.topic) for e in result.entries] == [
            ("How much does it cost? (Swimming)", "£5 a swim.", "swimming"),
            ("Is there a cafe?", "Yes.", "swimming"),
            ("How much does it cost? (Gym)", "£30 a month.", "gym"),
        ]
        told = [n for n in result.notes if "is asked under 'Swimming' and under 'Gym'" in str(n)]
        assert len(told) == 2
    # a question repeated in one section is merged, as before
    assert len(parse_faq("## Gym\n\n### Is it open?\nYes.\n\n### Is it open?\nYes.\n").entries) == 1


def test_a_sheet_s_row_without_a_question_under_an_answer_goes_on_with_it(
    tmp_path: Path,
) -> None:
    """Rows with only an answer's cell under "What are the opening times?" (Saturday's and
    Sunday's hours) were left out, the answer only Monday to Friday's; a blank row sets the
    row under it apart."""
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "Question,Answer\nWhat are the opening times?,Monday to Friday 9am to 6pm\n"
        ",Saturday 9am to 1pm\n,Closed on Sundays\nDo you cut keys?,Yes.\n\n,See you soon\n",
        encoding="utf-8",
    )
    result = read_faq(sheet)
    assert [(e.question, e.answer) for e in result.entries] == [
        (
            "What are the opening times?",
            "Monday to Friday 9am to 6pm\nSaturday 9am to 1pm\nClosed on Sundays",
        ),
        ("Do you cut keys?", "Yes."),
    ]
    notes = [str(n) for n in result.notes]
    assert notes[0] == (
        "line 3: row without a question read as more of the answer above it, to 'What are the "
        "opening times?': give it a question if it is an entry of its own"
    )
    assert "line 7: row without a question left out: 'See you soon'" in notes


def test_a_question_wrapped_over_two_lines_is_read_whole() -> None:
    """Text copied from a PDF or an e-mail wraps a long question: "How do I apply for a
    permit if I" over "live outside the borough?" gave the question "live outside the
    borough?", its start dropped as text before it."""
    assert _asked(
        "How do I apply for a permit if I\nlive outside the borough?\nApply in writing.\n\n"
        "What happens if I park in the wrong\nzone?\nYou may get a fine.\n"
    ) == [
        ("How do I apply for a permit if I live outside the borough?", "Apply in writing."),
        ("What happens if I park in the wrong zone?", "You may get a fine."),
    ]


@pytest.mark.parametrize("between", [" ", " - ", " \u2013 "])
def test_questions_each_on_one_line_with_their_answers(between: str) -> None:
    """An FAQ written a question and its answer to a line ("What is the dress code?
    Collared shirts.") had "no questions found", or under a title line, one entry whose
    question was the title."""
    lines = [
        ("What is the dress code?", "Collared shirts. No denim."),
        ("Can visitors play?", "Yes, on weekdays."),
    ]
    text = "\n".join(f"{q}{between}{a}" for q, a in lines)
    assert _asked(text) == lines
    assert _asked(f"Oakwood Golf Club FAQ\n\n{text}\n") == lines
    # an answer's "Need help? Call us." among other text is no such line
    assert _asked(
        "## Parking\nFree behind the hall.\nNeed help? Call us.\n\n## Cafe\nOpen daily.\n"
        "Hungry? Try our soup.\nWe also do cakes.\n"
    ) == [
        ("Parking", "Free behind the hall.\nNeed help? Call us."),
        ("Cafe", "Open daily.\nHungry? Try our soup.\nWe also do cakes."),
    ]


def test_a_web_page_s_numbered_list_keeps_its_numbers_and_a_list_in_an_item_its_place() -> None:
    """An <ol> of steps became "- " items, their order lost (a Word document's kept "1."),
    and a list in a list's item was flattened between blank lines ("North, ashby, barton,
    south and carlton")."""
    page = (
        "<html><body><h2>How do I return an item?</h2><ol><li>Log in.</li><li>Choose Orders."
        "</li></ol><h2>Which areas do you cover?</h2><ul><li>North:<ul><li>Ashby</li>"
        '<li>Barton</li></ul></li><li>South:<ol start="3"><li>Carlton</li></ol></li></ul>'
        "</body></html>"
    )
    assert _asked(page) == [
        ("How do I return an item?", "1. Log in.\n2. Choose Orders."),
        ("Which areas do you cover?", "- North:\n  - Ashby\n  - Barton\n- South:\n  3. Carlton"),
    ]


def test_a_section_s_number_and_its_faq_words_are_no_part_of_its_topic() -> None:
    """ "## 1. Tickets & Prices" and "## Frequently asked questions about membership" gave
    their entries no topic, and "## Parking FAQs" the topic "parking FAQs"."""
    result = parse_faq(
        "## 1. Tickets & Prices\n### How much is entry?\n£10.\n\n## Parking FAQs\n"
        "### Where do I park?\nIn the car park.\n\n"
        "## Frequently asked questions about membership\n### How do I join?\nOnline.\n"
    )
    assert [e.topic for e in result.entries] == ["tickets & prices", "parking", "membership"]


def test_a_google_docs_link_leads_where_it_points_not_through_google() -> None:
    """A Google Docs export's links kept Google's redirect ("https://www.google.com/url?q=
    https://example.org/book&sa=D&..."), shown and read out as Google's address."""
    page = (
        '<html><body><p><b>How do I book?</b></p><p>Use <a href="https://www.google.com/url?'
        'q=https://example.org/book&amp;sa=D&amp;source=editors">our website</a>.</p>'
        "<p><b>Where are you?</b></p><p>On Mill Lane.</p></body></html>"
    )
    assert _asked(page)[0] == ("How do I book?", "Use [our website](https://example.org/book).")


def test_a_list_as_word_saves_it_as_plain_text_is_a_list() -> None:
    """Word's "Save as Plain Text" writes a bullet or a number and a tab ("\u2022\tbooks",
    "o\tfilms" one level in, "1.\tSearch"): the answer kept them, tabs and all (a quoted
    YAML text hard to edit), and "o" was read out as a word."""
    text = (
        "What can I borrow?\r\nMembers can borrow:\r\n\u2022\tbooks\r\n\u2022\tDVDs\r\n"
        "o\tfilms rated 18 need proof of age\r\n\r\nHow do I reserve a book?\r\n"
        "1.\tSearch the catalogue.\r\n2.\tClick Reserve.\r\n"
    )
    assert _asked(text) == [
        (
            "What can I borrow?",
            "Members can borrow:\n- books\n- DVDs\n  - films rated 18 need proof of age",
        ),
        ("How do I reserve a book?", "1. Search the catalogue.\n2. Click Reserve."),
    ]


def test_what_the_operator_s_fixes_above_must_not_take() -> None:
    """A review of the fixes above found each of these read wrongly by their first versions:
    a numbered item holding a block ("2" an entry), a section whose id names a vote or
    whose class an author, a visible symbol or a link beside an icon, a page's title that
    asks over sections, a numbered step of an answer, an answer that opens as a question
    does over a question in lowercase."""
    ordered = (
        "<html><body><ol><li><p>Is there parking?</p><p>Yes, free.</p></li>"
        "<li><h3>Can I bring my dog?</h3><p>Yes, on a lead.</p></li></ol></body></html>"
    )
    assert _asked(ordered) == [
        ("Is there parking?", "Yes, free."),
        ("Can I bring my dog?", "Yes, on a lead."),
    ]
    sections = (
        '<html><body><div id="where-do-i-vote"><p><b>Where do I vote?</b></p><p>At the school '
        'hall.</p></div><section class="faq author-events"><p><b>Can I get a book signed?</b>'
        "</p><p>Yes, at any author event.</p></section><div><p><b>How much are tickets?</b>"
        '</p><p>Adults <span class="currency-symbol">\u00a3</span>12.</p></div><div><p><b>Can '
        'I book?</b></p><p><a class="btn has-icon" href="https://example.org">Book online</a> '
        "or call us.</p></div></body></html>"
    )
    assert _asked(sections) == [
        ("Where do I vote?", "At the school hall."),
        ("Can I get a book signed?", "Yes, at any author event."),
        ("How much are tickets?", "Adults \u00a312."),
        ("Can I book?", "[Book online](https://example.org) or call us."),
    ]
    titled = parse_faq(
        "# Got a question?\n\n## Tickets\n### How much are tickets?\n\u00a35.\n\n"
        "## Parking\n### Is there parking?\nYes, free.\n"
    )
    assert [(e.question, e.topic) for e in titled.entries] == [
        ("How much are tickets?", "tickets"),
        ("Is there parking?", "parking"),
    ]
    steps = (
        "1. How do I book a pitch?\nBooking is easy:\n\n1. Go to our website\n\n"
        "2. Have your card ready to pay\n\n2. Can I bring a dog?\nYes, on a lead.\n"
    )
    assert _asked(steps) == [
        (
            "How do I book a pitch?",
            "Booking is easy:\n\n1. Go to our website\n\n2. Have your card ready to pay",
        ),
        ("Can I bring a dog?", "Yes, on a lead."),
    ]
    assert _asked(
        "Where is the meeting point?\nWhere the old mill was, by the bridge\n"
        "is it far from the station?\nAbout ten minutes.\n"
    ) == [
        ("Where is the meeting point?", "Where the old mill was, by the bridge"),
        ("is it far from the station?", "About ten minutes."),
    ]


def test_a_question_a_popular_section_repeats_with_the_same_answer_is_one_entry(
    tmp_path: Path,
) -> None:
    """A "Popular questions" section over the sections that hold them gave each twice,
    "(Popular questions)" and "(Booking)"; a section named again gathers its own question
    ("(Swimming)" twice, a draft that failed its lint); a row of its own topic and keywords
    with no question is no more of the answer above it."""
    assert _asked(
        "## Popular questions\n### How do I book?\nOnline.\n\n## Booking\n### How do I book?\n"
        "Online.\n\n### Can I cancel?\nYes.\n"
    ) == [("How do I book?", "Online."), ("Can I cancel?", "Yes.")]
    assert _asked(
        "## Swimming\n### How much does it cost?\n\u00a35.\n\n## Gym\n### How much does it cost?\n"
        "\u00a330.\n\n## Swimming\n### How much does it cost?\nUnder 5s free.\n"
    ) == [
        ("How much does it cost? (Swimming)", "\u00a35.\n\nUnder 5s free."),
        ("How much does it cost? (Gym)", "\u00a330."),
    ]
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "Topic,Question,Answer,Keywords\nParking,Is there parking?,Yes.,car park\n"
        "Wifi,,The password is on the wall.,wifi\n",
        encoding="utf-8",
    )
    result = read_faq(sheet)
    assert [(e.question, e.answer) for e in result.entries] == [("Is there parking?", "Yes.")]
    assert any("row without a question left out" in str(n) for n in result.notes)


def test_an_ending_most_answers_share_is_left_out_with_a_note() -> None:
    """A help desk's page ended every answer with "Still need help? Contact us.": the kiosk
    said it after each answer, and as an answer's words it was a way of asking every entry
    without alternatives. Left out of the answers ending with it, with a note; an answer of
    that ending alone keeps it."""
    page = "".join(
        f"<h3>{question}</h3><p>{answer}</p><p>Still need help? <a href='/c'>Contact us</a>.</p>"
        for question, answer in (
            ("When are you open?", "Nine to five, Monday to Saturday."),
            ("Is there parking?", "Yes, behind the building. Book a space online."),
            ("Can I bring my dog?", "Dogs on a lead are welcome in the garden."),
            ("Is there a cafe?", "Our cafe serves hot food until three. Book a space online."),
        )
    )
    page += "<h3>How do I complain?</h3><p>Still need help? Contact us.</p>"
    page += "<h3>Is there wifi?</h3><p>Yes, it is free. Ask at the desk.</p>"
    result = parse_faq(page)
    assert [entry.answer for entry in result.entries] == [
        "Nine to five, Monday to Saturday.",
        "Yes, behind the building. Book a space online.",
        "Dogs on a lead are welcome in the garden.",
        "Our cafe serves hot food until three. Book a space online.",
        "Still need help? Contact us.",
        "Yes, it is free. Ask at the desk.",
    ]
    (note,) = [note for note in result.notes if "ended with" in note.message]
    assert note.message.startswith(
        "4 answers ended with 'Still need help? Contact us.': left out (the kiosk would say it "
        "after each answer)"
    )


def _sheet(rows: Sequence[tuple[str, ...]], header: str = "Question,Answer") -> ImportResult:
    lines = [header, *(",".join(f'"{cell}"' for cell in row) for row in rows)]
    return parse_csv("\n".join(lines) + "\n")


def test_an_ending_only_some_answers_share_or_that_holds_a_number_is_kept() -> None:
    """Cut from half the answers, "Call 0117 496 0321 to book." left three booking answers
    without their number; "Dr. Patel." was read as two sentences, and "Patel." cut. Left
    out: an ending of four answers and two thirds of them, as the kiosk would say it too
    (a spoken form's); told only: one that holds a number; kept: one of fewer answers."""
    book = [(f"Can I book {what}?", f"{what.title()} run on Saturdays. Call 0117 496 0321 to book.")
            for what in ("lessons", "courses", "parties", "tours")]  # fmt: skip
    numbered = _sheet([*book, ("Is there parking?", "Yes.")])
    assert [entry.answer for entry in numbered.entries[:4]] == [a for _, a in book]
    assert any(
        note.message.startswith("4 answers end with 'Call 0117 496 0321 to book.', which the "
        "kiosk says after each of them; take it out of those that do not need it")
        for note in numbered.notes
    )  # fmt: skip
    few = _sheet([*book[:3], ("Is there parking?", "Yes."), ("Is there wifi?", "Yes, free.")])
    assert not [note for note in few.notes if "end with" in note.message]
    said = ("We do.", "It is free.", "Yes, daily.", "No, sorry.", "Ask at the desk.")
    doctor = [
        (f"Question {n}?", f"{text} Please speak to Dr. Patel.", f"{text} Please speak to Dr. Patel.")
        for n, text in enumerate(said)
    ]  # fmt: skip
    result = _sheet(doctor, "Question,Answer,Spoken")
    assert [(entry.answer, entry.spoken) for entry in result.entries] == [
        (text, text) for text in said
    ], "left out of the spoken forms too, or the kiosk still says it"
    assert any(
        "5 answers ended with 'Please speak to Dr. Patel.'" in n.message for n in result.notes
    )


def test_a_page_s_footer_is_cut_whole_from_every_answer_and_nothing_before_it() -> None:
    """Under answers that were lists or ended without a stop, "Still need help?" read as
    the end of their last line, so only "Contact us." was cut, and every answer asked
    "Still need help?"; and a sentence four answers of six had before the footer was cut
    with it. The footer goes whole from all six, and what is before it stays."""
    footer = "<p>Still need help? <a href='/c'>Contact us</a>.</p>"
    answers = [
        ("What should I bring?", "<ul><li>A towel</li><li>Dry clothes</li></ul>"),
        ("How long is the pool?", "<p>Yes, 50 metres</p>"),
        ("Can I book a lane?", "<p>Yes, online. Booking is essential.</p>"),
        ("Can I book a lesson?", "<p>Yes, at the desk. Booking is essential.</p>"),
        ("Can I book a party?", "<p>Yes, by phone. Booking is essential.</p>"),
        ("Can I book the sauna?", "<p>Yes, at the desk too. Booking is essential.</p>"),
    ]
    page = "".join(f"<h3>{question}</h3>{answer}{footer}" for question, answer in answers)
    result = parse_faq(page)
    assert [entry.answer for entry in result.entries] == [
        "- A towel\n- Dry clothes",
        "Yes, 50 metres",
        "Yes, online. Booking is essential.",
        "Yes, at the desk. Booking is essential.",
        "Yes, by phone. Booking is essential.",
        "Yes, at the desk too. Booking is essential.",
    ]
    assert any(
        note.message.startswith("6 answers ended with 'Still need help? Contact us.'")
        for note in result.notes
    )
