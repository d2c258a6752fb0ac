"""An FAQ in a PDF, read as the text its pages show.

A PDF holds no paragraphs, only lines of characters placed on a page, each in a font of a
size. They become what ``faq_import.parse_faq`` reads, as a Word document does (``office``):
a line a paragraph. The lines of one paragraph are those of one font, size and weight, each
wrapped (the next line's first word would not have fit at its end: a line that ends short
ends its paragraph, as does a question), with no more space between them than the text's
own line spacing; they are joined again, so a question wrapped over two lines is one
question. A paragraph in a larger size than the body text is a markdown heading (the largest
``#``, the next ``##``, ...), a bold question starting a paragraph is marked as that question
("**Is there wifi?** Yes."), and in a text with no questions a short bold paragraph is a
title. A bullet starts a list item. A table ruled into cells is a markdown table, a row a
line, and so is one without rules whose left column holds only questions (a category beside
each, a row naming a section and a title over the table kept apart from them), and so is a
web page's table without rules (a price list): rows of cells of a few words, set apart by
space alone, in columns, a header's rule under a first row in bold. Text in columns (a
leaflet's) is read down each column in turn. What each page repeats in its top
or bottom margin (a running title, "Page 2 of 5") is left out, as is a page number alone
and, in a margin, text in smaller letters than the body's.

A scanned PDF holds pictures, not text, and is refused with what to do instead.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import re
import statistics
import struct
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTContainer, LTLine, LTPage, LTRect, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException

from knotvoice.knowledge.office import OfficeError, _Lines, _marked

__all__ = ["pdf_text"]

# pdfminer warns of each damaged object it reads past, on the import's terminal; a PDF it
# cannot read is one error of the import's own.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_BROKEN = (
    PDFSyntaxError,
    PSException,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    RecursionError,
    struct.error,
    zlib.error,
    MemoryError,
)
"""What pdfminer raises on a PDF that is cut short or damaged."""
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
"""A bold font's name ("ABCDEF+Calibri-Bold", "Arial,Bold", "Helvetica-Bold")."""
_BULLET_RE = re.compile(r"^[\u2022\u25aa\u25cf\u25e6\u2023\u2043\uf0b7\u00b7\u2013-]\s+")
"""A list item's bullet, as a PDF draws it (Word's Symbol bullet is U+F0B7)."""
_PAGE_NUMBER_RE = re.compile(r"^[-\u2013\u2014]?\s*\d+\s*(?:/\s*\d+\s*)?[-\u2013\u2014]?$")
"""A page number alone in a margin ("3", "- 3 -", "3/5"; "Page 3 of 5" repeats on each
page, or is in small letters)."""
_LIGATURES = str.maketrans(
    {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
)
"""The letters a typesetter joins ("\ufb01" for "fi"), as the letters they are."""
_UNMAPPED = "(cid:"
"""What pdfminer gives for a letter whose font does not say which letter it is."""
_MARGIN = 0.12
"""The share of a page's height at its top and at its bottom where running titles stand."""
_HEADING_SCALE = 1.15
"""How much larger than the body text a paragraph's letters are for it to be a heading."""
_LEVELS = 3
"""Heading levels at most; smaller headings than the third largest are third-level."""
_TITLE_WORDS = 6
"""A running title whose numbers change from page to page has at most this many words."""
_QUESTION_ENDS = ("?", "\uff1f", "\u061f")
_RULE = 2.0
"""How thin, in points, a drawn line or rectangle is to be a table's rule."""
_LINE_GAP = 0.6
"""The most space between two lines of a paragraph, in letters' heights, that the text's own
spacing is taken to be where no line wraps to show it: a text of one-line paragraphs spaces
them further apart."""
_MAX_PAGES = 500
"""Pages read at most: an FAQ is a few; a book is refused."""


@dataclass(frozen=True)
class _Line:
    """A line of text on a page: its words with whether each run is bold, its size and
    where it stands (``top`` and ``bottom`` from the page's foot, in points)."""

    page: int
    runs: tuple[tuple[str, bool], ...]
    size: float
    top: float
    bottom: float
    left: float
    right: float
    page_height: float
    table: bool = False
    column: int = 0
    """Which of the page's columns it stands in, from the left (-1: across them)."""
    """A table's row, its cells written as markdown's ("| question | answer |")."""

    @property
    def text(self) -> str:
        return " ".join("".join(part for part, _ in self.runs).split())

    @property
    def bold(self) -> bool:
        strong = sum(len(part.strip()) for part, bold in self.runs if bold)
        return strong * 2 > sum(len(part.strip()) for part, _ in self.runs)

    @property
    def in_margin(self) -> bool:
        return (
            self.bottom > self.page_height * (1 - _MARGIN) or self.top < self.page_height * _MARGIN
        )


def pdf_text(data: bytes) -> str:
    """The text of the PDF ``data`` as ``parse_faq`` reads it (see the module's doc);
    ``OfficeError`` for a PDF that cannot be read, has a password or holds no text."""
    try:
        pages = []
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams())):
            if number >= _MAX_PAGES:
                raise OfficeError(
                    f"a PDF of more than {_MAX_PAGES} pages, more than an FAQ; save the pages "
                    "of its FAQ as a PDF of their own and import that"
                )
            pages.append(page)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise OfficeError("a PDF with a password; save it again without one") from None
    except _BROKEN as exc:
        raise OfficeError(
            f"cannot be read as a PDF ({exc or type(exc).__name__}); save it again, or copy "
            "the FAQ's text into a plain-text file (.txt) and import that"
        ) from None
    lines = _running_titles_left_out(
        [line for number, page in enumerate(pages) for line in _page_lines(page, number)]
    )
    if not lines:
        raise OfficeError(
            "a PDF with no text in it (a scan or a picture of the FAQ); type the FAQ into a "
            "plain-text file (.txt), or save it from the program it was written in, and "
            "import that"
        )
    if sum(_UNMAPPED in line.text for line in lines) * 10 > len(lines):
        raise OfficeError(
            "a PDF whose fonts do not say which letters they draw, so its text cannot be read; "
            "save it again from the program it was written in, or copy the FAQ's text into a "
            "plain-text file (.txt) and import that"
        )
    return _paragraphs(lines)


def _page_lines(page: LTPage, number: int) -> list[_Line]:
    """The lines of text on ``page`` (the ``number``-th), top to bottom, then left to right."""
    found: list[_Line] = []
    rules: list[tuple[float, float, float, float]] = []

    def collect(item: object) -> None:
        if isinstance(item, (LTLine, LTRect)) and min(item.width, item.height) < _RULE:
            rules.append((item.x0, item.y0, item.x1, item.y1))
        elif isinstance(item, LTRect) and item.stroke:  # a cell's border, its four sides
            x0, y0, x1, y1 = item.bbox
            rules.extend(((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)))
        elif isinstance(item, LTTextLine):
            chars = [char for char in item if isinstance(char, LTChar)]
            if not chars or not item.get_text().strip():
                return
            runs: list[tuple[str, bool]] = []
            for char in item:
                text = char.get_text().translate(_LIGATURES)
                bold = isinstance(char, LTChar) and bool(_BOLD_RE.search(char.fontname))
                if runs and (runs[-1][1] == bold or not text.strip()):
                    runs[-1] = (runs[-1][0] + text, runs[-1][1])
                else:
                    runs.append((text, bold))
            size = statistics.median(char.size for char in chars)
            found.append(
                _Line(
                    number,
                    tuple(runs),
                    round(size, 1),
                    item.y1,
                    item.y0,
                    item.x0,
                    item.x1,
                    page.height,
                )
            )
        elif isinstance(item, LTContainer):
            for child in item:
                collect(child)

    for item in page:
        collect(item)
    found, tables = _tables(found, rules)
    found, aligned = _aligned_tables(found)
    tables += aligned
    rows: list[_Line] = []
    # A table stands in its column: ordered with the lines (a page of two columns, one with
    # a table, was read top to bottom across both, its answers interleaved).
    for line in _in_columns(found + tables):
        if rows and not line.table and not rows[-1].table and _same_row(rows[-1], line):
            rows[-1] = _row_of(rows[-1], line)
        else:
            rows.append(line)
    return rows


def _tables(
    lines: list[_Line], rules: list[tuple[float, float, float, float]]
) -> tuple[list[_Line], list[_Line]]:
    """The lines outside a table ruled on the page, and a line a row of it (``_Line.table``):
    a table is where two or more vertical rules cross two or more horizontal ones, its cells
    between them, each cell's lines joined."""
    upright = [rule for rule in rules if rule[3] - rule[1] > rule[2] - rule[0]]
    if not upright:
        return lines, []
    low, high = min(rule[1] for rule in upright) - _RULE, max(rule[3] for rule in upright) + _RULE
    down = sorted({round(x0) for x0, _, _, _ in upright})
    across = sorted(
        {
            round(y0)
            for x0, y0, x1, y1 in rules
            if x1 - x0 > y1 - y0 and low <= y0 <= high and x0 < down[-1] and x1 > down[0]
        },
        reverse=True,
    )
    if len(across) < 2 or len(down) < 3:
        return lines, []
    top, bottom, left, right = across[0], across[-1], down[0], down[-1]
    inside = [
        line
        for line in lines
        if bottom <= (line.top + line.bottom) / 2 <= top
        and left <= (line.left + line.right) / 2 <= right
    ]
    if not inside:
        return lines, []
    rows: list[_Line] = []
    for upper, lower in itertools.pairwise(across):
        cells = []
        for start, end in itertools.pairwise(down):
            cell = [
                line
                for line in inside
                if lower <= (line.top + line.bottom) / 2 <= upper
                and start <= (line.left + line.right) / 2 <= end
            ]
            text = " ".join(line.text for line in sorted(cell, key=lambda line: -line.top))
            cells.append(text.replace("|", "\\|"))
        if any(cells):
            first = inside[0]
            rows.append(
                dataclasses.replace(
                    first,
                    runs=(("| " + " | ".join(cells) + " |", False),),
                    top=upper,
                    bottom=lower,
                    table=True,
                )
            )
    return [line for line in lines if line not in inside], rows


def _aligned_tables(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """The lines outside a table without rules (a web page's, its cells set apart by space
    alone), and a line a row of it, as ``_tables`` gives them, a markdown header's rule
    under a first row in bold (its names, "Pitch | Low season | High season"). Such a table
    is ``_TABLE_ROWS`` rows or more, one under the next at the text's line spacing, each of
    two cells or more, of a few words without a stop or a question's mark, in columns no
    cell of another column reaches into."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: (line.page, -line.top, line.left)):
        if rows and rows[-1][0].page == line.page and _same_row(rows[-1][0], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    found: list[list[list[_Line]]] = [[]]  # each table, its rows
    for row in rows:
        if len(row) < 2 or any(not _cell_shaped(line) for line in row):
            found.append([])
            continue
        above = found[-1][-1][0] if found[-1] else None
        if above is not None and (
            above.page != row[0].page or above.bottom - row[0].top > row[0].size * _ROW_GAP
        ):
            found.append([])
        found[-1].append(row)
    tables: list[_Line] = []
    inside: list[_Line] = []
    for table in found:
        columns = _columns(table) if len(table) >= _TABLE_ROWS else None
        if columns is None:
            continue
        header = all(line.bold for line in table[0]) and not any(
            line.bold for row in table[1:] for line in row
        )
        for at, row in enumerate(table):
            cells = [
                " ".join(line.text for line in row if start <= line.left and line.right <= end)
                for start, end in columns
            ]
            first = min(row, key=lambda line: line.left)
            marks = [("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")]
            if header and not at:
                marks.append("| " + " | ".join("---" for _ in columns) + " |")
            for number, text in enumerate(marks):
                tables.append(
                    dataclasses.replace(
                        first,
                        runs=((text, False),),
                        top=max(line.top for line in row) - number * 0.01,
                        bottom=min(line.bottom for line in row),
                        right=max(line.right for line in row),
                        table=True,
                    )
                )
            inside.extend(row)
    return [line for line in lines if line not in inside], tables


_TABLE_ROWS = 3
"""Rows at least of a table without rules: its names and two rows."""
_CELL_WORDS = 6
"""Words at most in a cell of a table without rules ("Hardstanding with electric hook-up")."""
_ROW_GAP = 1.5
"""The most space between two rows of a table without rules, in letters' heights."""


def _cell_shaped(line: _Line) -> bool:
    """Whether ``line`` reads as a table's cell: a few words, no sentence's or question's
    end (a price, "Tent pitch", "20 minutes")."""
    return len(line.text.split()) <= _CELL_WORDS and not line.text.endswith(
        (".", "!", ":", ";", *_QUESTION_ENDS)
    )


def _columns(table: list[list[_Line]]) -> list[tuple[float, float]] | None:
    """The columns of rows of cells, left to right, each from its leftmost cell's left to
    its rightmost cell's right; None where they do not stand in columns: a cell reaching
    into another column, two cells of a row in one, or fewer columns than two."""
    spans: list[tuple[float, float]] = []
    for start, end in sorted((line.left, line.right) for row in table for line in row):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    if len(spans) < 2:
        return None
    for row in table:
        taken = [next(at for at, (s, e) in enumerate(spans) if s <= line.left <= e) for line in row]
        if len(set(taken)) < len(taken):
            return None
    return spans


def _in_columns(lines: list[_Line]) -> list[_Line]:
    """A page's lines in reading order: top to bottom, and where the text stands in columns
    (a gutter no line crosses, a fifth of the text's width or more on each side of it),
    each column down in turn; a line across the columns (a title) comes before those under
    it."""
    ordered = sorted(lines, key=lambda line: (-line.top, line.left))
    # a table's rows find no gutter (a table set in the middle of a page beside short
    # questions is no column), but stand in the column they fall in
    body = [line for line in ordered if not line.in_margin and not line.table]
    if len(body) < 6:
        return ordered
    left = min(line.left for line in body)
    width = max(line.right for line in body) - left
    narrow = [line for line in body if line.right - line.left < width * 0.6]
    covered = sorted((line.left, line.right) for line in narrow)
    gutters: list[float] = []
    reach = covered[0][1] if covered else 0.0
    for start, end in covered[1:]:
        if start - reach > 4 and start - left >= width / 5 and left + width - start >= width / 5:
            gutters.append((reach + start) / 2)
        reach = max(reach, end)
    if not gutters:
        return ordered

    def column(line: _Line) -> int:
        if any(line.left < gutter < line.right for gutter in gutters):
            return -1  # across the columns
        return sum(line.left > gutter for gutter in gutters)

    ordered = [dataclasses.replace(line, column=column(line)) for line in ordered]
    result: list[_Line] = []
    band: list[_Line] = []
    for line in ordered:
        if line.column < 0:
            result.extend(_down(band))
            band = []
            result.append(line)
        else:
            band.append(line)
    result.extend(_down(band))
    return result


def _down(band: list[_Line]) -> list[_Line]:
    """The lines of a band of columns, each column down in turn; or, where the left of two
    columns holds only questions and the right their answers (a table without rules, each
    answer beside its question), a line a row of it, as ``_tables`` gives them."""
    ordered = sorted(band, key=lambda line: (line.column, -line.top))
    margins = [line for line in ordered if _running(line, band)]  # a running title
    asked = [line for line in ordered if line.column == 0 and line not in margins]
    said = [line for line in ordered if line.column == 1 and line not in margins]
    if (
        not asked
        or not said
        or len(asked) + len(said) + len(margins) < len(band)
        or any(line.text.endswith((".", "!", ":")) for line in asked)
    ):
        return ordered  # not two columns, or sentences on the left: no table of questions
    questions: list[list[_Line]] = [[]]
    for line in asked:
        questions[-1].append(line)
        if line.text.endswith(_QUESTION_ENDS):
            questions.append([])
    if questions[-1] or len(questions) < 3:
        return ordered  # a line of the left column that ends no question: no table
    questions.pop()
    if sum(line.text.endswith(_QUESTION_ENDS) for line in said) * 5 > len(questions):
        return ordered  # questions on the right too: two columns of an FAQ
    headings: list[_Line] = []  # a title over the table, in larger letters than its questions
    titles: list[_Line] = []  # a row of one cell over questions ("Tickets"): their section's
    for lines in questions:
        while len(lines) > 1 and lines[0].size > lines[-1].size * _HEADING_SCALE:
            headings.append(lines.pop(0))
        # a question's first line has its answer beside it; a line over it with none does not
        while len(lines) > 1 and not any(_same_row(lines[0], line) for line in said):
            line = lines.pop(0)
            titles.append(
                dataclasses.replace(line, runs=((f"| {line.text} |", False),), table=True)
            )
    # a cell before each question's ("| Parking | Is there a car park? | Yes |"): a category
    beside = [[line for line in lines if line.right < lines[-1].left] for lines in questions]
    rows: list[_Line] = []
    for at, lines in enumerate(questions):
        top = lines[0].top + lines[0].size / 2
        below = questions[at + 1][0].top + lines[0].size / 2 if at + 1 < len(questions) else None
        answer = [line for line in said if line.top <= top and (below is None or line.top > below)]
        own = [line for line in lines if line not in beside[at]]
        parts = (beside[at], own, answer) if any(beside) else (own, answer)
        cells = [" ".join(line.text for line in part) for part in parts]
        rows.append(
            dataclasses.replace(
                lines[0],
                runs=(
                    ("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |", False),
                ),
                bottom=min(line.bottom for line in lines + answer),
                table=True,
                column=-1,
            )
        )
    if sum(1 for line in said if not any(line.top <= row.top + row.size / 2 for row in rows)):
        return ordered  # answer text above the first question
    return sorted(margins + headings + titles + rows, key=lambda line: -line.top)


def _running(line: _Line, lines: list[_Line]) -> bool:
    """Whether ``line`` stands apart in a margin, as a running title or a page number does:
    no other line within one and a half of its letters' height above or below it."""
    reach = line.size * 1.5
    return line.in_margin and not any(
        other is not line and other.bottom - reach < line.top and line.bottom < other.top + reach
        for other in lines
    )


def _same_row(one: _Line, other: _Line) -> bool:
    """Whether two lines stand side by side (a bullet and its item's text, which a PDF may
    hold apart): their middles less than half a letter's height apart."""
    middle = (one.top + one.bottom - other.top - other.bottom) / 2
    return abs(middle) < min(one.size, other.size) / 2


def _row_of(one: _Line, other: _Line) -> _Line:
    """Two lines side by side as one, left to right, in the size of the longer."""
    left, right = sorted((one, other), key=lambda line: line.left)
    longer = max(one, other, key=lambda line: len(line.text))
    return dataclasses.replace(
        left,
        runs=(*left.runs, (" ", False), *right.runs),
        size=longer.size,
        top=max(one.top, other.top),
        bottom=min(one.bottom, other.bottom),
        right=right.right,
    )


def _running_titles_left_out(lines: list[_Line]) -> list[_Line]:
    """``lines`` less those in a page's margins that stand where one with the same words
    stands on another page (a short one's numbers aside: "Page 2 of 5"), are a page number
    alone or are in smaller letters than the body text (a running title of a one-page FAQ;
    not a question, set a little smaller than its answer at the top of a page)."""
    size = _body_size(lines)

    def shape(line: _Line) -> tuple[str, int]:
        words = line.text.lower()
        short = len(words.split()) <= _TITLE_WORDS  # a page number in it: "Page 2 of 5"
        return re.sub(r"\d+", "#", words) if short else words, round(line.top)

    repeated = Counter(shape(line) for line in lines if line.in_margin)
    return [
        line
        for line in lines
        if not (
            line.in_margin
            and (
                _PAGE_NUMBER_RE.match(line.text)
                or repeated[shape(line)] > 1
                or (line.size < size and not line.text.endswith(_QUESTION_ENDS))
            )
        )
    ]


def _paragraphs(lines: list[_Line]) -> str:
    """``lines`` joined into paragraphs, a line each, marked as ``office`` marks a Word
    document's (see the module's doc)."""
    size = _body_size(lines)
    heading_sizes = sorted(
        {line.size for line in lines if line.size >= size * _HEADING_SCALE}, reverse=True
    )
    levels = {found: min(at + 1, _LEVELS) for at, found in enumerate(heading_sizes)}
    edges: dict[tuple[int, int, float], float] = {}  # a column's right edge, by letters' size
    for line in lines:
        where = (line.page, line.column, line.size)
        edges[where] = max(edges.get(where, 0.0), line.right)
    spacing = _line_spacing(lines, edges)
    out = _Lines()
    paragraph: list[_Line] = []

    def close() -> None:
        if not paragraph:
            return
        runs = _joined(paragraph)
        text = " ".join("".join(part for part, _ in runs).split())
        first = paragraph[0]
        if first.table:
            out.add(first.text)
        elif first.size in levels:
            out.add(f"{'#' * levels[first.size]} {text}")
        elif bullet := _BULLET_RE.match(text):
            out.add(f"- {text[bullet.end() :]}")
        else:
            out.add(*_marked(runs, text))
        paragraph.clear()

    for line in lines:
        if paragraph and not _continues(
            paragraph[-1],
            line,
            spacing,
            edges[paragraph[-1].page, paragraph[-1].column, paragraph[-1].size],
        ):
            close()
        paragraph.append(line)
    close()
    return out.text()


def _body_size(lines: list[_Line]) -> float:
    """The size of the body text's letters: the size most of the text is in."""
    body = Counter[float]()
    for line in lines:
        body[line.size] += len(line.text)
    return body.most_common(1)[0][0] if body else 0.0


def _line_spacing(
    lines: list[_Line], edges: dict[tuple[int, int, float], float]
) -> dict[float, float]:
    """For each size of letters, the usual space between two lines of one paragraph in it:
    the most common gap after a line that wraps (``_wraps``) on a page (to the point), as a
    double-spaced text sets them; where no line of that size wraps, the most common gap of
    all, at most ``_LINE_GAP`` of the letters' height (the gaps of a text of one-line
    paragraphs are the space between its paragraphs)."""
    wrapping: dict[float, Counter[int]] = {}
    every: dict[float, Counter[int]] = {}
    for above, below in itertools.pairwise(lines):
        if above.page == below.page and above.size == below.size:
            gap = above.bottom - below.top
            if 0 <= gap <= above.size * 3:  # double spacing is about 1.5 of it
                every.setdefault(above.size, Counter())[round(gap)] += 1
                if _wraps(above, below, edges[above.page, above.column, above.size]):
                    wrapping.setdefault(above.size, Counter())[round(gap)] += 1
    spacing = {
        size: min(float(found.most_common(1)[0][0]), size * _LINE_GAP)
        for size, found in every.items()
    }
    spacing.update({size: float(found.most_common(1)[0][0]) for size, found in wrapping.items()})
    return spacing


def _wraps(above: _Line, below: _Line, edge: float) -> bool:
    """Whether ``above`` is wrapped onto ``below``: the first word of ``below`` would not have
    fit on it before the text's right ``edge``, and it does not end a question."""
    if above.text.endswith(_QUESTION_ENDS) or not below.text:
        return False
    letter = (above.right - above.left) / max(len(above.text), 1)
    return above.right + letter * (len(below.text.split()[0]) + 2) >= edge


def _continues(above: _Line, below: _Line, spacing: dict[float, float], edge: float) -> bool:
    """Whether ``below`` goes on the paragraph whose last line is ``above``: in the same size
    and weight, not a list item, ``above`` not ending a question, and wrapped: the first
    word of ``below`` would not have fit on ``above`` before the text's right ``edge`` (a line
    that ends short ends its paragraph); on the same page at the paragraph's own line
    spacing (a gap of a quarter of a letter's height more starts a paragraph), or the next
    page."""
    if below.size != above.size or below.bold != above.bold or _BULLET_RE.match(below.text):
        return False
    if above.table or below.table:
        return False
    if not _wraps(above, below, edge):
        return False  # a question ends, or the word would have fit: broken on purpose
    if below.page != above.page:
        return below.page == above.page + 1
    if below.column != above.column:
        return below.top < above.bottom  # the next column's top goes on a paragraph
    gap = above.bottom - below.top
    return -above.size < gap <= spacing.get(above.size, 0.0) + above.size * 0.25


def _joined(paragraph: list[_Line]) -> list[tuple[str, bool]]:
    """The runs of a paragraph's lines as one line: a space between two lines, none after a
    hyphen that ends a line in a word ("well-" "being", "Westbrook-" "Public"); a dash set
    apart ("Monday -" "Friday") keeps it."""
    runs: list[tuple[str, bool]] = []
    for at, line in enumerate(paragraph):
        parts = [(part.replace("\n", " "), bold) for part, bold in line.runs]
        if at:
            previous = "".join(part for part, _ in runs).rstrip()
            following = line.text[:1]
            hyphen = previous.endswith("-") and not previous[-2:-1].isspace()
            glue = "" if hyphen and following.isalnum() else " "
            runs = [*runs[:-1], (runs[-1][0].rstrip() + glue, runs[-1][1])] if runs else runs
        runs.extend(parts)
    return runs
