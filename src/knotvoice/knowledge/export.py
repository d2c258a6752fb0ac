"""A knowledge file as a spreadsheet, to edit and import again.

An operator who keeps the FAQ in a spreadsheet exports it (``knotvoice knowledge export``),
adds wordings and topics in Excel or LibreOffice, and imports the sheet back: the columns are
named as ``faq_import`` reads them (``Id``, ``Topic``, ``Question``, ``Alternatives``,
``Answer``, and ``Spoken`` and ``Keywords`` when an entry has them: the first name of each in
``lang/en.yaml``'s ``columns``), one row an entry, its
alternatives and its keywords a line each in their cells. A ``.csv`` is
written as UTF-8 with a byte order mark, which Excel needs to show £ and accents; an
``.xlsx`` with its first row bold and kept in view, and cells that wrap.
"""

from __future__ import annotations

import csv
import io

from knotvoice.errors import KnowledgeError
from knotvoice.knowledge import Knowledge
from knotvoice.lang import english

__all__ = ["SUFFIXES", "formula_like", "rows", "same_sheet", "sheet_bytes"]

SUFFIXES = (".csv", ".xlsx")

CELL_LIMIT = 32_767
"""Characters an Excel cell holds (more are cut off)."""
_FIELDS = ("id", "topic", "question", "alternatives", "answer")
"""The columns of every sheet, in order (then ``spoken`` and ``keywords`` when used)."""
_WIDTHS = {"id": 24, "topic": 18, "question": 40, "alternatives": 48, "answer": 60}
"""Columns' widths in an ``.xlsx``, in characters (the others: 30)."""


def _fields(knowledge: Knowledge) -> list[str]:
    spoken = any(entry.spoken for entry in knowledge.entries)
    keywords = any(entry.keywords for entry in knowledge.entries)
    return [*_FIELDS, *["spoken"] * spoken, *["keywords"] * keywords]


def rows(knowledge: Knowledge) -> list[list[str]]:
    """The sheet's rows: the column names (``lang/en.yaml``'s ``columns``, which the import
    reads them by), then an entry a row."""
    fields = _fields(knowledge)
    titles = english().column_titles
    table = [[titles[field] for field in fields]]
    for entry in knowledge.entries:
        cells = {
            "id": entry.id,
            "topic": entry.topic,
            "question": entry.question,
            "alternatives": "\n".join(entry.alternatives),
            "answer": entry.answer,
            "spoken": entry.spoken or "",
            "keywords": "\n".join(entry.keywords),
        }
        table.append([cells[field] for field in fields])
    return table


def formula_like(knowledge: Knowledge) -> int:
    """How many of the sheet's cells start as a formula does ("- Bring water", "+44 ..."):
    Excel opening a CSV reads them as one and shows an error (an ``.xlsx`` marks them text)."""
    return sum(cell.startswith(("=", "+", "-", "@")) for row in rows(knowledge) for cell in row)


def sheet_bytes(knowledge: Knowledge, suffix: str) -> bytes:
    """The knowledge as a ``.csv`` or ``.xlsx`` file's bytes."""
    table = rows(knowledge)
    if suffix == ".csv":
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(table)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    if suffix != ".xlsx":
        raise KnowledgeError(
            f"cannot write a {suffix or 'file without a suffix'}; name it .csv or .xlsx"
        )
    for line in table[1:]:
        for name, value in zip(table[0], line, strict=True):
            if len(value) > CELL_LIMIT:
                raise KnowledgeError(
                    f"{line[0]}: its {name.lower()} is {len(value):,} characters, more than a "
                    f"cell of a .xlsx holds ({CELL_LIMIT:,}); shorten it, or export a .csv"
                )
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "FAQ"
    for line in table:
        sheet.append(line)
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":  # "=) The toilets are upstairs" is text, not a formula
                cell.data_type = "s"
            if cell.row == 1:
                cell.font = Font(bold=True)
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, field in enumerate(_fields(knowledge), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(field, 30)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def same_sheet(old: bytes, new: bytes) -> bool:
    """Whether a sheet file's bytes ``old`` hold what ``new`` does: the same bytes, or an
    ``.xlsx`` of the same sheets and cells (one written a second later differs in its
    dates alone). A file that is no workbook is another."""
    if old == new:
        return True
    if not (old.startswith(b"PK") and new.startswith(b"PK")):
        return False
    import openpyxl

    def cells(data: bytes) -> list[tuple[str, list[tuple[object, ...]]]]:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return [
                (sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets
            ]
        finally:
            workbook.close()

    try:
        return cells(old) == cells(new)
    except Exception:  # a damaged or foreign file: not the same, so kept
        return False
