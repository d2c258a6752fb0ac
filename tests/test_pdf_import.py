"""An FAQ saved as a PDF, imported as the text its pages show (``knowledge/pdf.py``).

The PDFs are written here with fpdf2 as a word processor lays a page out: a running title and
page numbers, headings in larger letters, bold questions, answers wrapped over lines, justified,
hyphenated and running onto the next page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from knotvoice.cli import _knowledge_import
from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import load
from knotvoice.knowledge.faq_import import read_faq
from knotvoice.speech.reply import spoken_answer

_SECTIONS = {
    "Visiting us": [
        (
            "When is the library open?",
            "We are open from nine in the morning until seven in the evening on weekdays, and "
            "from ten until four on Saturdays. We are closed on Sundays and bank holidays.",
        ),
        (
            "Is there somewhere to park my car near the library, or should I come by bus "
            "instead, as the car park in town is often full?",
            "There is a small car park behind the building with twelve spaces, two of them "
            "for blue badge holders. Buses 12 and 40 stop right outside the front door.",
        ),
    ],
    "Borrowing": [
        (
            "How many books can I borrow at once?",
            "Adults can borrow up to fifteen items at a time for three weeks. Children can "
            "borrow ten, and a reading group twenty for six weeks.",
        ),
        (
            "What happens if I return a book late?",
            "There are no fines for late returns. We will send you a reminder by email, and "
            "after eight weeks we will ask you to pay for the item or to bring it back.",
        ),
    ],
}


class _Faq(FPDF):
    """A page as a word processor sets it: a running title, and a page number at its foot."""

    def header(self) -> None:
        self.set_font("Helvetica", "", 9)
        self.cell(0, 8, "Riverside Library - Visitor FAQ", align="R")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    spacing = 1.0
    """Line spacing: 1 single, 2 double."""

    def paragraph(self, text: str, size: float = 11, style: str = "", after: float = 3) -> None:
        self.set_font("Helvetica", style, size)
        height = size * 0.55 * self.spacing
        self.multi_cell(0, height, text, align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(after)


def _library_pdf(path: Path, *, bold: bool = True, push: float = 0.0, spacing: float = 1.0) -> Path:
    """The library's FAQ as a PDF: a title, an introduction, a section heading over its
    questions; ``push`` millimetres of space before the last answer send it over a page."""
    pdf = _Faq()
    pdf.spacing = spacing
    pdf.add_page()
    pdf.paragraph("Frequently Asked Questions", size=20, style="B")
    pdf.paragraph("Welcome to Riverside Library. Here are the questions visitors ask us most.")
    for section, entries in _SECTIONS.items():
        pdf.paragraph(section, size=15, style="B")
        for question, answer in entries:
            pdf.paragraph(question, style="B" if bold else "", after=0 if bold else 2)
            if answer is entries[-1][1] and section == "Borrowing":
                pdf.ln(push)
            pdf.paragraph(answer, after=5)
    pdf.output(str(path))
    return path


def test_a_pdf_faq_reads_as_its_pages_show_it(tmp_path: Path) -> None:
    """A PDF was refused ("copy the FAQ's text into a plain-text file"): the FAQ an operator
    has is often the leaflet's PDF. Its questions and answers are read whole, however they
    wrap, its headings are topics, and the running title and page numbers are no answer."""
    result = read_faq(_library_pdf(tmp_path / "faq.pdf"))
    expected = [(q, a) for entries in _SECTIONS.values() for q, a in entries]
    assert [(e.question, e.answer) for e in result.entries] == expected
    assert [e.topic for e in result.entries] == ["visiting us"] * 2 + ["borrowing"] * 2
    assert not any("Riverside Library - Visitor" in e.answer for e in result.entries)


def test_an_answer_running_onto_the_next_page_is_one_answer(tmp_path: Path) -> None:
    path = _library_pdf(tmp_path / "faq.pdf", push=150)
    result = read_faq(path)
    late = result.entries[-1]
    assert late.question == "What happens if I return a book late?"
    assert late.answer == _SECTIONS["Borrowing"][1][1]
    assert not any("Page" in e.answer for e in result.entries)


@pytest.mark.parametrize("spacing", [1.5, 2.0])
@pytest.mark.parametrize("bold", [True, False])
def test_a_pdf_with_wide_line_spacing_reads_whole_paragraphs(
    tmp_path: Path, spacing: float, bold: bool
) -> None:
    """A double-spaced text (a school's or a council's house style) had each line of its
    answers read as a paragraph of its own: the spacing between its lines was taken to be
    at most 0.6 of its letters' height. It is now learnt from lines that wrap."""
    result = read_faq(_library_pdf(tmp_path / "faq.pdf", spacing=spacing, bold=bold))
    expected = [(q, a) for entries in _SECTIONS.values() for q, a in entries]
    assert [(e.question, e.answer) for e in result.entries] == expected


def test_a_pdf_without_bold_questions_reads_by_its_paragraphs(tmp_path: Path) -> None:
    result = read_faq(_library_pdf(tmp_path / "faq.pdf", bold=False))
    expected = [(q, a) for entries in _SECTIONS.values() for q, a in entries]
    assert [(e.question, e.answer) for e in result.entries] == expected


def test_a_word_hyphenated_at_a_line_s_end_and_a_bold_question_without_its_mark(
    tmp_path: Path,
) -> None:
    """A name hyphenated where a line ends was read with a space in it ("Connect to
    'Westbrook- Public'"); a bold question without its "?" was read, with its answer, into
    the answer above it."""
    pdf = _Faq()
    pdf.add_page()
    pdf.paragraph("Is there wifi?", style="B")
    pdf.set_font("Helvetica", "", 11)
    room = pdf.w - pdf.l_margin - pdf.r_margin - pdf.get_string_width("Westbrook-") - 2
    line = "Free wifi is in the whole building. Connect to"
    while pdf.get_string_width(f"{line} free") < room:
        line += " free"
    # the line ends at the margin in "Westbrook-", as a word processor breaks it
    pdf.paragraph(f"{line} Westbrook-\nPublic and accept the terms.")
    pdf.paragraph("Can I use the library if I don't live in the area", style="B")
    pdf.paragraph("Yes, anyone can join.")
    pdf.paragraph("Can I print?", style="B")
    pdf.paragraph("Yes, 10p a page.")
    path = tmp_path / "faq.pdf"
    pdf.output(str(path))
    assert [(e.question, e.answer) for e in read_faq(path).entries] == [
        ("Is there wifi?", f"{line} Westbrook-Public and accept the terms."),
        ("Can I use the library if I don't live in the area", "Yes, anyone can join."),
        ("Can I print?", "Yes, 10p a page."),
    ]


def test_a_bulleted_answer_keeps_its_items(tmp_path: Path) -> None:
    pdf = _Faq()
    pdf.add_page()
    pdf.paragraph("What can I bring?", style="B", after=0)
    pdf.paragraph("You may bring:", after=0)
    for item in ("a packed lunch,", "a reusable bottle of water,", "a friend."):
        # the bullet and the item's text set apart, as a word processor indents a list
        pdf.cell(8, 6, "-")
        pdf.multi_cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph("Is there wifi?", style="B", after=0)
    pdf.paragraph("Yes.")
    pdf.output(str(tmp_path / "faq.pdf"))
    (bring, wifi) = read_faq(tmp_path / "faq.pdf").entries
    assert bring.answer == (
        "You may bring:\n- a packed lunch,\n- a reusable bottle of water,\n- a friend."
    )
    assert (wifi.question, wifi.answer) == ("Is there wifi?", "Yes.")


def test_a_pdf_imported_is_a_knowledge_file_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _library_pdf(tmp_path / "faq.pdf")
    target = tmp_path / "library.yaml"
    assert _knowledge_import(source, target) == 0  # as `knowledge import` writes, unchecked
    assert [e.id for e in load(target).entries][:2] == [
        "when-is-the-library-open",
        "is-there-somewhere-to-park-my-car-near-the",
    ]
    assert "Traceback" not in capsys.readouterr().err


def test_a_scanned_pdf_says_to_type_the_faq_or_save_it_as_text(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 60, style="F")  # a picture of the text, as a scanner makes it
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(KnowledgeError, match=r"scan\.pdf: a PDF with no text in it \(a scan"):
        read_faq(tmp_path / "scan.pdf")


def test_a_pdf_with_a_password_says_to_save_it_without_one(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="staff", user_password="open sesame")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 10, "Is there wifi? Yes.")
    pdf.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(KnowledgeError, match=r"locked\.pdf: a PDF with a password; save it"):
        read_faq(tmp_path / "locked.pdf")


def test_a_broken_pdf_says_what_to_do(tmp_path: Path) -> None:
    whole = _library_pdf(tmp_path / "faq.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    with pytest.raises(
        KnowledgeError, match=r"cut\.pdf: cannot be read as a PDF .*plain-text file"
    ):
        read_faq(tmp_path / "cut.pdf")


_ROWS = [(q, a) for entries in _SECTIONS.values() for q, a in entries]


def test_paragraphs_set_with_no_space_between_are_told_apart_by_where_lines_end(
    tmp_path: Path,
) -> None:
    """A text without bold questions or space between paragraphs (a word processor's plain
    style): every question ran into the answer above it. A line that ends short, where the
    next word would have fit, ends its paragraph."""
    pdf = _Faq()
    pdf.add_page()
    for question, answer in _ROWS:
        pdf.paragraph(f"Q: {question}", after=0)
        pdf.paragraph(f"A: {answer}", after=0)
    pdf.output(str(tmp_path / "faq.pdf"))
    assert [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries] == _ROWS


def test_a_table_of_questions_and_answers_gives_an_entry_a_row(tmp_path: Path) -> None:
    """A table was read line by line across its cells: no question stood alone."""
    pdf = _Faq()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(col_widths=(40, 60)) as table:
        for cells in [("Question", "Answer"), *_ROWS]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(tmp_path / "faq.pdf"))
    assert [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries] == _ROWS


def _leaflet(path: Path, table: bool = False) -> Path:
    """The library's questions in two columns, the first two on the left; ``table``: a
    question with a table of prices for its answer under them."""
    pdf = _Faq()
    pdf.add_page()
    pdf.paragraph("Frequently Asked Questions", size=20, style="B")
    top = pdf.get_y()
    for at, rows in enumerate((_ROWS[:2], _ROWS[2:])):
        pdf.set_left_margin(10 + at * 100)
        pdf.set_xy(10 + at * 100, top)
        for question, answer in rows:
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(85, 6, question, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(85, 6, answer, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        if at == 0 and table:
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(85, 6, "How much is a late return?", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            for cells in (("Item", "Per day"), ("Book", "20p"), ("DVD", "50p")):
                for cell in cells:
                    pdf.cell(40, 6, cell, border=1)
                pdf.ln(6)
    pdf.output(str(path))
    return path


def test_text_in_two_columns_is_read_down_each_column(tmp_path: Path) -> None:
    """A leaflet in two columns was read across them, the left column's lines spliced with
    the right's."""
    leaflet = _leaflet(tmp_path / "faq.pdf")
    assert [(e.question, e.answer) for e in read_faq(leaflet).entries] == _ROWS


def test_a_table_in_one_of_two_columns_keeps_both_read_down_in_turn(tmp_path: Path) -> None:
    """A leaflet in two columns with a table of prices in the left one was read top to
    bottom across both: every answer interleaved with the one beside it."""
    _leaflet(tmp_path / "faq.pdf", table=True)
    found = [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries]
    assert [question for question, _ in found] == [
        *(question for question, _ in _ROWS[:2]),
        "How much is a late return?",
        *(question for question, _ in _ROWS[2:]),
    ]
    assert [(q, a) for q, a in found if q != "How much is a late return?"] == _ROWS
    late = dict(found)["How much is a late return?"]
    assert "Book" in late and "20p" in late and "DVD" in late


def test_a_table_set_in_the_middle_of_a_page_is_no_column(tmp_path: Path) -> None:
    """A centred table beside short questions was taken for a column of its own: the next
    question came before it, and it was read as that question's answer."""
    pdf = _Faq()
    pdf.add_page()
    pdf.paragraph("How much is a late return?", style="B")
    pdf.paragraph("Late returns are charged by the day for each item, as the table shows.")
    pdf.set_font("Helvetica", "", 10)
    for cells in (("Item", "Per day"), ("Book", "20p"), ("DVD", "50p")):
        pdf.set_x(75)
        for cell in cells:
            pdf.cell(30, 6, cell, border=1)
        pdf.ln(6)
    pdf.ln(2)
    pdf.paragraph("Can I print?", style="B")
    pdf.paragraph("Yes, ten pence a page in black and white, paid at the desk.")
    pdf.output(str(tmp_path / "faq.pdf"))
    found = [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries]
    assert found == [
        (
            "How much is a late return?",
            "Late returns are charged by the day for each item, as the table shows.\n\n"
            "Item: Per day\nBook: 20p\nDVD: 50p",
        ),
        ("Can I print?", "Yes, ten pence a page in black and white, paid at the desk."),
    ]


def test_a_question_a_little_smaller_than_its_answer_at_a_page_s_top_is_kept(
    tmp_path: Path,
) -> None:
    """Questions in bold 10 point over answers in 11: one at the top of a page was taken for
    a running title, for its smaller letters, and lost; its answer joined the one above."""
    pdf = _Faq()
    pdf.add_page()
    for number, (question, answer) in enumerate(_ROWS):
        if number == 2:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 6, question, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, answer, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.output(str(tmp_path / "faq.pdf"))
    assert [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries] == _ROWS


def test_a_table_without_rules_with_a_category_beside_each_question(tmp_path: Path) -> None:
    """A Word table without borders whose first column names each row's category, under a
    title: the title and the category were read into each question ("Village pool Opening
    When are you open?"). The categories are the topics, the title a heading of its own."""
    categories = ["Visiting", "Visiting", "Borrowing", "Borrowing"]
    pdf = _Faq()
    pdf.add_page()
    pdf.ln(30)  # the title below the page's top margin, over the table
    pdf.paragraph("Riverside Library questions", size=15, style="B", after=2)
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(
        col_widths=(30, 60, 90), borders_layout="NONE", first_row_as_headings=False,
        v_align="TOP",
    ) as table:  # fmt: skip
        for category, cells in zip(categories, _ROWS, strict=True):
            row = table.row()
            for cell in (category, *cells):
                row.cell(cell)
    pdf.output(str(tmp_path / "faq.pdf"))
    result = read_faq(tmp_path / "faq.pdf")
    assert [(e.question, e.answer) for e in result.entries] == _ROWS
    assert [e.topic for e in result.entries] == [c.lower() for c in categories]
    assert any("read as the entries' topics ('Visiting', 'Borrowing')" in n.message
               for n in result.notes), result.notes  # fmt: skip


def test_a_table_without_rules_with_a_row_naming_each_section(tmp_path: Path) -> None:
    """A row of one cell across a table without borders ("Visiting" over its questions) was
    read into the question under it ("Visiting When is the library open?"); it names their
    section, as the same row of a ruled table does."""
    pdf = _Faq()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(
        col_widths=(40, 60), borders_layout="NONE", first_row_as_headings=False,
        v_align="TOP",
    ) as table:  # fmt: skip
        for at, cells in enumerate(_ROWS):
            if at % 2 == 0:
                table.row().cell("Visiting" if at == 0 else "Borrowing", colspan=2)
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(tmp_path / "faq.pdf"))
    result = read_faq(tmp_path / "faq.pdf")
    assert [(e.question, e.answer) for e in result.entries] == _ROWS
    assert [e.topic for e in result.entries] == ["visiting"] * 2 + ["borrowing"] * 2


def test_a_table_without_rules_gives_each_question_its_answer_beside_it(tmp_path: Path) -> None:
    """A Word table without borders was read as two columns: every question, then every
    answer, so the questions ran into one another and each had no answer."""
    pdf = _Faq()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(
        col_widths=(40, 60), borders_layout="NONE", first_row_as_headings=False, v_align="TOP"
    ) as table:
        for cells in _ROWS:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.output(str(tmp_path / "faq.pdf"))
    assert [(e.question, e.answer) for e in read_faq(tmp_path / "faq.pdf").entries] == _ROWS


_PAGES = Path(__file__).parent / "pages"
"""Web pages of FAQs, each beside the PDF Chromium printed of it (``chromium --headless
--print-to-pdf``, its date, title and address in the margins): a menu, a price table styled
without rules, a newsletter's sign-up box and a footer."""
_PRICES = {
    "campsite-faq": (
        "How much does a pitch cost?",
        [
            "Tent pitch: Low season £18, High season £22",
            "Hardstanding with hook-up: Low season £26, High season £32",
            "Campervan: Low season £24, High season £29",
            "Bell tent (sleeps 4): Low season £65, High season £85",
        ],
        "Tent pitch: Low season 18 pounds, High season 22 pounds. Hardstanding",
    ),
    "dentist-faq": (
        "How much is a check-up?",
        [
            "Check-up: NHS £27.40, Private £55, Time 20 minutes",
            "Scale and polish: NHS £27.40, Private £70, Time 30 minutes",
            "White filling: NHS £75.30, Private £140, Time 45 minutes",
            "Emergency appointment: NHS £27.40, Private £90, Time 20 minutes",
        ],
        "patient, check-up: NHS 27 pounds 40, Private 55 pounds, Time 20 minutes. Scale",
    ),
}


@pytest.mark.parametrize("page", sorted(_PRICES))
def test_a_web_page_s_price_table_printed_to_pdf_gives_a_line_a_row(page: str) -> None:
    """A price table on a web page, its cells set apart by space alone, came out of its PDF
    run together ("Tent pitch £18 ... High season £22 £32", columns read down in turn, the
    last into the next answer). Each row is a line of the answer, each price after its
    column's name, as the saved page gives them, and is said so."""
    question, rows, said = _PRICES[page]
    entries = {entry.question: entry for entry in read_faq(_PAGES / f"{page}.pdf").entries}
    answer = entries[question].answer
    assert answer.splitlines()[2:6] == rows
    assert said in spoken_answer(entries[question])
    last = rows[-1].split(":")[0]  # the table's last row, in this answer alone
    assert [entry.question for entry in entries.values() if last in entry.answer] == [question]


@pytest.mark.parametrize(
    ("page", "box"),
    [("campsite-faq", "Join our mailing list"), ("dentist-faq", "Sign up for our newsletter")],
)
@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_a_web_page_s_newsletter_sign_up_box_is_no_entry_nor_answer(
    page: str, box: str, kind: str
) -> None:
    """A newsletter's sign-up box ("Join our mailing list ... Subscribe") on a page printed to
    PDF became an entry, or the end of the answer above it. It is left out, with a note
    naming it, as the saved page leaves it out, and the FAQ's entries are all there, each
    with its own answer."""
    result = read_faq(_PAGES / f"{page}.{kind}")
    said = " ".join(f"{entry.question} {entry.answer}" for entry in result.entries).lower()
    for word in ("newsletter", "mailing list", "subscribe", "sign up", "email"):
        assert word not in said
    noted = any(box in note.message and "sign-up box" in note.message for note in result.notes)
    assert noted or kind == "html"  # a saved page's is left out by its place or its class
    asked = [entry for entry in result.entries if entry.question.endswith("?")]
    assert len(asked) == 5
    assert asked[-1].answer.endswith(("the day you go.", "blue badge holders."))


def test_a_sidebar_beside_the_faq_in_a_pdf_splits_no_answer() -> None:
    """A gym's page printed to PDF, its opening times in a sidebar beside the questions:
    the sidebar was read in the middle of an answer whose first line was a wide one, so
    "Are there lockers?" became an alternative of "Opening times" and its answer followed
    the hours. Each question keeps its own answer, and the sidebar comes after them."""
    entries = read_faq(_PAGES / "gym-faq.pdf").entries
    answers = {entry.question: entry.answer for entry in entries}
    assert answers["Are there lockers?"] == (
        "Yes, bring a padlock or buy one at reception for three pounds."
    )
    assert answers["Can I bring a guest?"] == "Members can bring one guest a month for free."
    hours = [entry for entry in entries if "6am to 10pm" in entry.answer]
    assert [(entry.question, entry.alternatives) for entry in hours] == [("Opening times", ())]
    assert "padlock" not in hours[0].answer
