"""An FAQ in an office file: a Word or OpenDocument text read as the text it shows, a workbook
read as its sheets' rows.

A text (``.docx``, ``.odt``) becomes what ``faq_import.parse_faq`` reads: a line a paragraph,
with what marks a question in the document kept as the markdown the text parser knows. A
heading (by its style's name, "heading 2" in every language) is a markdown heading; a bold
question starting a paragraph, that question ("**Is there wifi?** Yes."); in a text with no
questions, a paragraph in bold, short and without a full stop, a title ("### Parking"); a
list item, a bullet, or its number in a numbered list ("2. "), indented by its level in a
list of lists ("    - passport" under "- ID"); a table, a markdown
table, a cell's lines a ``<br>`` apart. What is not the text is left out: text boxes and
drawings, footnotes, comments, deleted text, a table of contents.

A workbook (``.xlsx``, ``.ods``) becomes its visible sheets, the one it opens on first, each
its name and its visible rows with text (a row its number and the cells of its visible
columns as they show: an Excel number under its format, "£4.50" rather than 4.5); hidden rows
and columns with text are named, for the import to say it left them out.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

import openpyxl
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException, InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from knotvoice.knowledge.cellformat import shown
from knotvoice.lang import english, words

__all__ = ["OfficeError", "Sheet", "read_office"]

_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FORMAT = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_WORD_SKIPPED = frozenset(
    f"{_WORD}{tag}" for tag in ("drawing", "pict", "object", "txbxContent", "delText", "instrText")
) | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}
"""What a Word paragraph holds that is not its text: drawings and text boxes (read twice,
once for each way of drawing them), deleted text, a field's code."""
_OPEN_SKIPPED = frozenset((f"{_TEXT}note", f"{_OFFICE}annotation", f"{_TEXT}tracked-changes"))
"""What an OpenDocument paragraph holds that is not its text (drawings are left out by
their namespace)."""
_DRAWING = ("{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}", "{http://www.w3.org/2000/svg}")
_HEADING_RE = re.compile(r"^(?:heading (\d)|title)$")
"""A heading's style name in Word ("heading 2"; "Title" is a first-level one)."""
_HEADING_ID_RE = re.compile(r"^Heading(\d)$")
"""A heading's style id in a document that names no styles."""
_TITLE_WORDS = 8
"""A bold paragraph of at most this many words, with no full stop, is a title."""
_NESTED = "    "
"""What a list's item is indented by for each level it is below the first: past the text of
the item over it, whose mark ("- ", "1. ") is narrower, so it is read as in that item."""
_LIST_STYLE_RE = re.compile(r"^list (?:bullet|number) (\d)$")
"""A list style's name that gives its level ("List Bullet 2": the second)."""
_MAX_COLUMNS = 256
"""Empty cells spelled out at most, a run of them in an OpenDocument row (a row's last run
stands for the rest of the sheet's thousands of columns)."""
_MAX_ROWS = 1000
"""Copies of one row with text, at most, in a run of repeated rows."""
_MERGED_CELLS = 10_000
"""Cells a merged range of an Excel sheet spans, at most, before it is cut to the sheet's
cells with something in them: openpyxl makes each cell of a range, and one merged down to
the sheet's last row ("A2:A1048576") took it 18 seconds."""
_MERGE_RE = re.compile(rb"""(<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref=)(["'])([^"']*)\2""")
"""A merged range in an Excel sheet's XML, its cells in its ``ref``."""
_BROKEN = (
    zipfile.BadZipFile,
    SyntaxError,  # ElementTree's ParseError, and lxml's (openpyxl uses it when installed)
    InvalidFileException,
    KeyError,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,  # a compression Python lacks
    zlib.error,
    MemoryError,  # a part that claims a size no FAQ has
)


class OfficeError(Exception):
    """The file cannot be read; the message says what to save it as."""


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[tuple[int, list[str]]]
    """Each visible row with text: its number and its cells (those of visible columns)."""
    hidden_rows: tuple[int, ...] = ()
    """Hidden rows with text, left out."""
    hidden_columns: tuple[str, ...] = ()
    """Hidden columns with text (their letters), left out."""
    hidden: bool = False
    """The sheet itself is hidden: left out, and named so."""


def read_office(data: bytes) -> str | list[Sheet]:
    """The text of a Word or OpenDocument text, or the visible sheets of a workbook, in
    ``data`` (a ZIP of XML parts); ``OfficeError`` for any other file or one that cannot be
    read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if any(info.flag_bits & 0x1 for info in archive.infolist()):
            raise OfficeError("saved with a password; save it again without one")
        if "word/document.xml" in names:
            styles, numbering = (
                archive.read(part) if part in names else b""
                for part in ("word/styles.xml", "word/numbering.xml")
            )
            return _word_text(archive.read("word/document.xml"), styles, numbering)
        if "xl/workbook.xml" in names:
            return _workbook(data)
        kind = archive.read("mimetype") if "mimetype" in names else b""
        if kind.startswith(b"application/vnd.oasis.opendocument."):
            manifest = (
                archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            )
            if b"encryption-data" in manifest:
                raise OfficeError("saved with a password; save it again without one")
            content = ElementTree.fromstring(archive.read("content.xml"))
            styles = archive.read("styles.xml") if "styles.xml" in names else b""
            if kind.endswith(b".spreadsheet"):
                return _open_sheets(content)
            if kind.endswith(b".text"):
                return _open_text(content, styles)
        if "Index/Document.iwa" in names:
            raise OfficeError(
                "an Apple Pages or Numbers file, which knotvoice cannot read; export it from "
                "there as Word (.docx) or Excel (.xlsx) and import that"
            )
    except OfficeError:
        raise
    except (*_BROKEN, RuntimeError) as exc:
        raise OfficeError(
            f"cannot be read as a Word, Excel or OpenDocument file ({exc}); save the FAQ as "
            "plain text (.txt) or CSV"
        ) from None
    raise OfficeError(
        "a ZIP archive, not an FAQ; give the FAQ as text, .docx, .odt, .pdf, .xlsx, .ods or .csv"
    )


# -- Word --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WordStyle:
    level: int
    """Its heading's level (0: no heading)."""
    bold: bool
    listed: str
    """Its list (a numbering's id, or "number" or "bullet" by its name), or empty."""
    contents: bool = False
    """A table of contents' line ("toc 1"): not the text."""
    title: bool = False
    """The document's title ("Title"): over its first-level headings."""
    list_level: int | None = None
    """The level of its list its paragraphs are at (0: the first), if it gives one."""
    named_level: int = 0
    """The level its name gives ("List Bullet 2": 1, a list of its own indented as the
    second level of another is)."""


def _word_styles(styles: bytes) -> dict[str, _WordStyle]:
    """Each paragraph or character style by its id: its heading level (by its name, which
    Word writes in English in every language, or its outline level), bold, numbered."""
    found: dict[str, _WordStyle] = {}
    if not styles:
        return found
    for style in ElementTree.fromstring(styles).iter(f"{_WORD}style"):
        name_node = style.find(f"{_WORD}name")
        name = (name_node.get(f"{_WORD}val") or "").lower() if name_node is not None else ""
        heading = _HEADING_RE.match(name)
        outline = style.find(f"{_WORD}pPr/{_WORD}outlineLvl")
        level = int(heading[1] or 1) if heading else 0
        depth = (outline.get(f"{_WORD}val") or "") if outline is not None else ""
        if not level and depth.isdigit() and int(depth) < 6:  # 9 is body text
            level = int(depth) + 1
        listed = _list_id(style) or next(
            (kind for kind in ("bullet", "number") if name.startswith(f"list {kind}")), ""
        )
        named = _LIST_STYLE_RE.match(name)
        found[style.get(f"{_WORD}styleId") or ""] = _WordStyle(
            level,
            _bold(style.find(f"{_WORD}rPr/{_WORD}b")),
            listed,
            name.startswith("toc"),
            name == "title",
            _list_level(style.find(f"{_WORD}pPr")),
            int(named[1]) - 1 if named else 0,
        )
    return found


class _Lines:
    """A text's lines as they are read, and which of them are bold titles: those become
    markdown headings ("### Parking") only in a text with no question to mark its entries;
    in one with questions a short bold line is an answer or its emphasis ("**No**"), unless
    it opens as a question does: it stays in bold, for the text's parser to read it as a
    question without its "?" where the questions are in bold ("**Is there parking**")."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.titles: list[int] = []

    def add(self, line: str, title: bool = False) -> None:
        if title:
            self.titles.append(len(self.lines))
        self.lines.append(line)

    def text(self) -> str:
        asks = any(line.rstrip("*").rstrip().endswith("?") for line in self.lines)
        titles = set(self.titles)
        return "\n".join(
            line
            if at not in titles
            else f"### {line}"
            if not asks
            else f"**{line}**"
            if opens_as_asked(line)
            else line
            for at, line in enumerate(self.lines)
        )


def opens_as_asked(line: str) -> bool:
    """Whether a line opens as a question does ("Is there parking", "What happens if ...")."""
    said = words(line)
    return bool(said) and said[0] in english().question_openers


def _bold(node: ElementTree.Element | None) -> bool:
    return node is not None and (node.get(f"{_WORD}val") or "true") not in ("0", "false", "off")


def _word_text(document: bytes, styles: bytes, numbering: bytes = b"") -> str:
    """A Word document's text: a line a paragraph (see the module's doc)."""
    known = _word_styles(styles)
    lists = _Numbering(numbering)
    body = ElementTree.fromstring(document).find(f"{_WORD}body")
    lines = _Lines()
    # A document set with a title has its headings a level below it: "Heading 1" as "##",
    # so the title over the text names no section of it.
    titles = {name for name, style in known.items() if style.title}
    under = any(
        node.get(f"{_WORD}val") in titles
        for node in (body.iter(f"{_WORD}pStyle") if body is not None else ())
    )

    def blocks(parent: ElementTree.Element) -> None:
        for block in parent:
            if block.tag == f"{_WORD}p":
                lines.add(*_word_paragraph(block, known, lists, under=under))
            elif block.tag == f"{_WORD}tbl":
                merged: dict[int, str] = {}  # the text of a cell merged down, by its column
                for row in _own(block, f"{_WORD}tr"):
                    cells = []
                    column = 0  # in the table's grid: a cell may span several columns
                    for cell in _own(row, f"{_WORD}tc"):
                        text = markdown_cell(
                            _word_paragraph(p, known, lists, in_table=True)[0]
                            for p in cell.iter(f"{_WORD}p")
                        )
                        cells.append(_merged_down(cell, text, column, merged))
                        column += _span(cell)
                    header = row.find(f"{_WORD}trPr/{_WORD}tblHeader") is not None
                    lines.add(markdown_row(cells, header=header))
                lines.add("")
            elif block.tag == f"{_WORD}sdt":  # a content control, unless a table of contents
                gallery = block.find(f"{_WORD}sdtPr/{_WORD}docPartObj/{_WORD}docPartGallery")
                contents = block.find(f"{_WORD}sdtContent")
                if contents is not None and (
                    gallery is None or "Contents" not in (gallery.get(f"{_WORD}val") or "")
                ):
                    blocks(contents)
            elif block.tag == f"{_WORD}customXml":
                blocks(block)

    if body is not None:
        blocks(body)
    return lines.text()


def _span(cell: ElementTree.Element) -> int:
    """How many columns of its table's grid a Word table cell spans."""
    span = cell.find(f"{_WORD}tcPr/{_WORD}gridSpan")
    value = span.get(f"{_WORD}val", "") if span is not None else ""
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _merged_down(cell: ElementTree.Element, text: str, column: int, merged: dict[int, str]) -> str:
    """A Word table cell's text, or, where it continues a cell merged down over rows
    ("Opening" beside two questions), the text of that cell, as a spreadsheet's is shown
    beside each row: only the top one holds it. ``merged`` keeps the top cells' texts."""
    mark = cell.find(f"{_WORD}tcPr/{_WORD}vMerge")
    if mark is None:
        merged.pop(column, None)
        return text
    if mark.get(f"{_WORD}val", "continue") == "restart":
        merged[column] = text
        return text
    return text or merged.get(column, "")


def _own(
    node: ElementTree.Element, tag: str, table: str = f"{_WORD}tbl"
) -> Iterator[ElementTree.Element]:
    """The elements ``tag`` (rows, cells) of a ``table`` or row, not those of a table inside
    one of its cells (a cell's nested table is read as the cell's text)."""
    for child in node:
        if child.tag == tag:
            yield child
        elif child.tag != table:
            yield from _own(child, tag, table)


def _word_runs(
    node: ElementTree.Element, bold: bool, known: dict[str, _WordStyle]
) -> Iterator[tuple[str, bool]]:
    """The text of a paragraph's runs, in order, each with whether it is bold."""
    for child in node:
        if child.tag in _WORD_SKIPPED:
            continue
        if child.tag == f"{_WORD}r":
            strong = bold
            style = child.find(f"{_WORD}rPr/{_WORD}rStyle")
            if style is not None and (found := known.get(style.get(f"{_WORD}val") or "")):
                strong = strong or found.bold
            if (own := child.find(f"{_WORD}rPr/{_WORD}b")) is not None:
                strong = _bold(own)
            for part in child:
                if part.tag == f"{_WORD}t":
                    yield part.text or "", strong
                elif part.tag == f"{_WORD}tab":
                    yield "\t", strong
                elif part.tag == f"{_WORD}noBreakHyphen":
                    yield "-", strong
                elif part.tag in (f"{_WORD}br", f"{_WORD}cr"):
                    yield "\n", strong
        elif child.tag != f"{_WORD}pPr":  # links, insertions, fields: their runs
            yield from _word_runs(child, bold, known)


def _word_paragraph(
    paragraph: ElementTree.Element,
    known: dict[str, _WordStyle],
    lists: _Numbering,
    in_table: bool = False,
    under: bool = False,
) -> tuple[str, bool]:
    """One paragraph's text, with its heading (a level lower ``under`` a title), bold
    question or list mark, and whether it is a bold title (``_Lines``)."""
    style_node = paragraph.find(f"{_WORD}pPr/{_WORD}pStyle")
    name = (style_node.get(f"{_WORD}val") or "") if style_node is not None else ""
    heading = int(found[1]) if (found := _HEADING_ID_RE.match(name)) else 0
    plain = _WordStyle(heading, False, "", name.upper().startswith("TOC"))
    style = known.get(name, plain)  # a document without styles: by the style's id
    if style.contents:
        return "", False
    runs = list(_word_runs(paragraph, style.bold, known))
    text = "".join(part for part, _ in runs).strip()
    if not text or in_table:
        return text.replace("\n", "<br>") if in_table else text, False
    if style.level:
        level = style.level + (under and not style.title)
        return f"{'#' * level} {' '.join(text.split())}", False
    marked, title = _marked_lines(runs, text)
    own = paragraph.find(f"{_WORD}pPr")
    listed = (_list_id(own) if own is not None else None) or style.listed
    if listed and listed != "0":  # a list's id 0: taken out of its style's list
        given = _list_level(own)
        given = style.list_level if given is None else given
        nested = style.named_level if given is None else given
        return f"{_NESTED * nested}{lists.mark(listed, given or 0)}{marked}", False
    return marked, title


def _list_id(node: ElementTree.Element) -> str | None:
    """The id of the list a paragraph or its style (``node``, or its ``pPr``) is in, else
    None."""
    found = node.find(f".//{_WORD}numPr/{_WORD}numId")
    return found.get(f"{_WORD}val") if found is not None else None


def _list_level(node: ElementTree.Element | None) -> int | None:
    """The level of its list a paragraph's or style's properties (``node``, a ``pPr``) put it
    at (0: the first), if they give one."""
    found = node.find(f"{_WORD}numPr/{_WORD}ilvl") if node is not None else None
    value = found.get(f"{_WORD}val") if found is not None else None
    return int(value) if value and value.isdigit() else None


class _Numbering:
    """A Word document's lists: which are numbered ("1.", "2." as the document shows them)
    and which have bullets or letters ("- "), and each numbered item's number."""

    def __init__(self, numbering: bytes) -> None:
        self._levels: dict[str, dict[int, tuple[str, int]]] = {}  # id -> level -> format, start
        self._counts: dict[tuple[str, int], int] = {}
        if not numbering:
            return
        root = ElementTree.fromstring(numbering)
        abstract = {
            node.get(f"{_WORD}abstractNumId"): {
                _list_level_of(level): (_value(level, "numFmt") or "bullet", _start(level))
                for level in node.iter(f"{_WORD}lvl")
            }
            for node in root.iter(f"{_WORD}abstractNum")
        }
        for node in root.iter(f"{_WORD}num"):
            kind = node.find(f"{_WORD}abstractNumId")
            if kind is not None:
                self._levels[node.get(f"{_WORD}numId") or ""] = abstract.get(
                    kind.get(f"{_WORD}val"), {}
                )

    def mark(self, list_id: str, level: int) -> str:
        """What an item of list ``list_id`` at ``level`` starts with: its number ("3. "),
        counted on from the list's items before it, or a bullet ("- ")."""
        kind, start = ("decimal", 1) if list_id == "number" else ("bullet", 1)
        kind, start = self._levels.get(list_id, {}).get(level, (kind, start))
        if kind not in _NUMBERED:
            return "- "
        count = self._counts.get((list_id, level), start - 1) + 1
        self._counts = {
            key: value
            for key, value in self._counts.items()
            if not (key[0] == list_id and key[1] > level)  # a deeper list starts again
        }
        self._counts[list_id, level] = count
        return f"{count}. "


_NUMBERED = frozenset(("decimal", "decimalZero"))
"""The formats of a list's numbers written as digits; letters and Roman numerals are read as
bullets."""


def _list_level_of(level: ElementTree.Element) -> int:
    value = level.get(f"{_WORD}ilvl") or "0"
    return int(value) if value.isdigit() else 0


def _value(node: ElementTree.Element, tag: str) -> str:
    found = node.find(f"{_WORD}{tag}")
    return (found.get(f"{_WORD}val") or "") if found is not None else ""


def _start(level: ElementTree.Element) -> int:
    value = _value(level, "start")
    return int(value) if value.isdigit() else 1


def _marked_lines(runs: list[tuple[str, bool]], text: str) -> tuple[str, bool]:
    """``_marked`` for each line of a paragraph (a line break inside it, Shift+Enter, sets a
    bold title over its bold question); a title only when it is one line."""
    if "\n" not in text:
        return _marked(runs, text)
    lines: list[list[tuple[str, bool]]] = [[]]
    for part, strong in runs:
        pieces = part.split("\n")
        lines[-1].append((pieces[0], strong))
        lines.extend([(piece, strong)] for piece in pieces[1:])
    marked = (_marked(line, "".join(p for p, _ in line).strip())[0] for line in lines)
    return "\n".join(line for line in marked if line), False


def _marked(runs: list[tuple[str, bool]], text: str) -> tuple[str, bool]:
    """A paragraph's text with the question its bold start marks ("**Is there wifi?** Yes.",
    "**Is there wifi?**"), and whether all of it is bold, short and with no full stop or
    question mark: a title, if the text has no questions (``_Lines``)."""
    words = [(part, strong) for part, strong in runs if part.strip()]
    if not words or not words[0][1]:
        return text, False
    if all(strong for _, strong in words):
        if text.endswith("?"):
            return f"**{text}**", False
        # a question without its "?" may be longer than a title
        length = _TITLE_WORDS * (1 + opens_as_asked(text))
        return text, len(text.split()) <= length and not text.endswith((".", "!", ":"))
    start = "".join(part for part, _ in _leading(runs)).strip()
    rest = text[len(start) :].strip() if text.startswith(start) else ""
    if start.endswith("?") and rest:
        return f"**{start}** {rest}", False
    return text, False


def _leading(runs: list[tuple[str, bool]]) -> Iterator[tuple[str, bool]]:
    """The bold runs a paragraph starts with (and the blanks between them)."""
    for part, strong in runs:
        if not strong and part.strip():
            return
        yield part, strong


def markdown_row(cells: list[str], header: bool = False) -> str:
    """A table's row as markdown ("|Sunday|Closed|"), a "|" in a cell escaped; a header row
    (``header``) with the rule under it that marks it so ("|---|---|")."""
    row = "|" + "|".join(cell.replace("|", "\\|") for cell in cells) + "|"
    return f"{row}\n|{'---|' * len(cells)}" if header else row


def markdown_cell(texts: Iterable[str]) -> str:
    """A table cell's text of its paragraphs or lines (``texts``), as ``markdown_row`` takes
    it: a ``<br>`` apart, empty ones left out."""
    return "<br>".join(text for text in texts if text)


# -- OpenDocument ------------------------------------------------------------------------------


def _open_styles(*parts: ElementTree.Element) -> tuple[set[str], dict[str, bool]]:
    """The bold styles of an OpenDocument's parts, and which table styles are hidden."""
    bold: set[str] = set()
    hidden: dict[str, bool] = {}
    for part in parts:
        for style in part.iter(f"{_STYLE}style"):
            name = style.get(f"{_STYLE}name") or ""
            text = style.find(f"{_STYLE}text-properties")
            if text is not None and text.get(f"{_FORMAT}font-weight") in (
                "bold",
                "700",
                "800",
                "900",
            ):
                bold.add(name)
            table = style.find(f"{_STYLE}table-properties")
            if table is not None:
                hidden[name] = table.get(f"{_TABLE}display") == "false"
    return bold, hidden


def _open_text(content: ElementTree.Element, styles: bytes) -> str:
    """An OpenDocument text's words as ``_word_text`` gives a Word document's."""
    parts = [content, ElementTree.fromstring(styles)] if styles else [content]
    bold, _ = _open_styles(*parts)
    numbered = _numbered_lists(*parts)
    lines = _Lines()
    mark: str | None = None  # what the paragraphs of the list item being read start with
    depth = 0  # how many lists the item being read is in

    def blocks(parent: ElementTree.Element, listed: list[int] | None) -> None:
        """``listed``: the list ``parent`` is in, as its items so far (a numbered list's)
        or None (a list with bullets, or no list)."""
        nonlocal mark
        for block in parent:
            if block.tag == f"{_TEXT}h":
                level = block.get(f"{_TEXT}outline-level") or "1"
                text = " ".join(_open_words(block).split())
                lines.add(
                    f"{'#' * min(int(level), 6) if level.isdigit() else '#'} {text}" if text else ""
                )
            elif block.tag == f"{_TEXT}p":
                strong = (block.get(f"{_TEXT}style-name") or "") in bold
                runs = list(_open_runs(block, strong, bold))
                text = "".join(part for part, _ in runs).strip()
                marked, title = _marked_lines(runs, text) if text else ("", False)
                if mark is not None and marked:
                    lines.add(f"{mark}{marked}")
                    mark = _NESTED * depth  # an item's next paragraph is more of it
                else:
                    lines.add(marked, title)
            elif block.tag == f"{_TABLE}table":
                # a cell merged down over rows is read beside each, as Word's is: the rows
                # under it hold covered cells; column -> its text, the rows it still covers
                spans: dict[int, tuple[str, int]] = {}
                for row in _own(block, f"{_TABLE}table-row", f"{_TABLE}table"):
                    cells: list[str] = []
                    for cell in row:
                        if not cell.tag.endswith("table-cell"):
                            continue
                        text, at = _open_cell(cell), len(cells)
                        down = cell.get(f"{_TABLE}number-rows-spanned") or "1"
                        if down.isdigit() and int(down) > 1:
                            spans[at] = (text, int(down) - 1)
                        elif cell.tag.endswith("covered-table-cell") and at in spans:
                            text, left = spans[at]
                            spans[at] = (text, left - 1)
                            if left <= 1:
                                del spans[at]
                        cells.append(text)
                    lines.add(markdown_row(cells))
                lines.add("")
            elif block.tag == f"{_TEXT}table-of-content" or block.tag in _OPEN_SKIPPED:
                continue
            elif block.tag == f"{_TEXT}list":
                style = block.get(f"{_TEXT}style-name")
                counted = style in numbered if style else listed is not None
                inner(block, [] if counted else None, "- ", 1)
            elif block.tag == f"{_TEXT}list-item" and mark is not None:
                if listed is not None:
                    listed.append(len(listed) + 1)
                item = f"{listed[-1]}. " if listed else "- "
                inner(block, listed, f"{_NESTED * (depth - 1)}{item}")
            elif not block.tag.startswith(_DRAWING):  # a section
                blocks(block, listed)

    def inner(
        block: ElementTree.Element, listed: list[int] | None, item: str, deeper: int = 0
    ) -> None:
        nonlocal mark, depth
        outer, mark = mark, item
        depth += deeper
        blocks(block, listed)
        mark = outer
        depth -= deeper

    body = content.find(f"{_OFFICE}body/{_OFFICE}text")
    blocks(body if body is not None else content, None)
    return lines.text()


def _numbered_lists(*parts: ElementTree.Element) -> set[str]:
    """The names of an OpenDocument's list styles that number their first level's items
    with digits ("1.", "2."), not bullets or letters."""
    found: set[str] = set()
    for part in parts:
        for style in part.iter(f"{_TEXT}list-style"):
            level = style.find(f"{_TEXT}list-level-style-number")
            if level is not None and level.get(f"{_STYLE}num-format") == "1":
                found.add(style.get(f"{_STYLE}name") or "")
    return found


def _open_runs(
    node: ElementTree.Element, strong: bool, bold: set[str]
) -> Iterator[tuple[str, bool]]:
    """The text of an OpenDocument paragraph, piece by piece, each with whether it is bold:
    its spans and links, spaces (``text:s``), tabs and line breaks."""
    yield node.text or "", strong
    for child in node:
        if child.tag == f"{_TEXT}s":
            yield " " * int(child.get(f"{_TEXT}c") or "1"), strong
        elif child.tag == f"{_TEXT}tab":
            yield "\t", strong
        elif child.tag == f"{_TEXT}line-break":
            yield "\n", strong
        elif child.tag not in _OPEN_SKIPPED and not child.tag.startswith(_DRAWING):
            inner = strong or (child.get(f"{_TEXT}style-name") or "") in bold
            yield from _open_runs(child, inner, bold)
        yield child.tail or "", strong


def _open_words(node: ElementTree.Element) -> str:
    return "".join(part for part, _ in _open_runs(node, False, set()))


def _open_cell(cell: ElementTree.Element) -> str:
    """A table cell's text as it shows, its paragraphs and lines a ``<br>`` apart."""
    return markdown_cell(
        " ".join(_open_words(p).replace("\n", "<br>").split()) for p in _paragraphs(cell)
    )


def _paragraphs(node: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The paragraphs below ``node``, less those of a comment, a note or a drawing."""
    for child in node:
        if child.tag in _OPEN_SKIPPED or child.tag.startswith(_DRAWING):
            continue
        if child.tag == f"{_TEXT}p":
            yield child
        else:
            yield from _paragraphs(child)


def _open_sheets(content: ElementTree.Element) -> list[Sheet]:
    """An OpenDocument spreadsheet's sheets, with their rows with text, the hidden ones
    marked so; a run of repeated rows or cells (how empty ones are stored) is counted, not
    spelled out."""
    _, hidden = _open_styles(content)
    sheets = []
    for table in content.iter(f"{_TABLE}table"):
        collapsed: set[int] = set()
        column = 1
        for found in table.iter(f"{_TABLE}table-column"):
            times = int(found.get(f"{_TABLE}number-columns-repeated") or "1")
            if found.get(f"{_TABLE}visibility", "visible") != "visible":
                collapsed.update(range(column, column + min(times, _MAX_COLUMNS)))
            column += times
        rows: list[tuple[int, list[str]]] = []
        hidden_rows: list[int] = []
        hidden_columns: set[int] = set()
        number = 1
        # A cell merged down over rows ("Visiting" beside three questions) is shown beside
        # each; the rows under its top hold covered cells: column -> its text, its last row.
        spans: dict[int, tuple[str, int]] = {}
        for row in table.iter(f"{_TABLE}table-row"):
            repeated = int(row.get(f"{_TABLE}number-rows-repeated") or "1")
            cells: list[str] = []
            own = False  # a cell of the row's own has text (not one merged down into it)
            for cell in row:
                if not cell.tag.endswith("table-cell"):
                    continue
                text = _open_cell(cell).replace("<br>", "\n")
                own = own or bool(text)
                at = len(cells) + 1
                down = int(cell.get(f"{_TABLE}number-rows-spanned") or "1")
                if down > 1 and text and rows:  # not over a header of two rows
                    spans[at] = (text, number + down - 1)
                elif (
                    cell.tag.endswith("covered-table-cell") and number <= spans.get(at, ("", 0))[1]
                ):
                    text = spans[at][0]
                times = int(cell.get(f"{_TABLE}number-columns-repeated") or "1")
                cells.extend([text] * (times if text else min(times, _MAX_COLUMNS)))
            while cells and not (own and cells[-1]):
                cells.pop()
            if cells and row.get(f"{_TABLE}visibility", "visible") != "visible":
                hidden_rows.extend(number + n for n in range(min(repeated, _MAX_ROWS)))
            elif cells:
                hidden_columns.update(
                    n for n, text in enumerate(cells, 1) if text and n in collapsed
                )
                shown_cells = [text for n, text in enumerate(cells, 1) if n not in collapsed]
                if any(shown_cells):
                    rows.extend(
                        (number + n, list(shown_cells)) for n in range(min(repeated, _MAX_ROWS))
                    )
            number += repeated
        sheets.append(
            Sheet(
                table.get(f"{_TABLE}name") or "",
                rows,
                tuple(hidden_rows),
                tuple(get_column_letter(n) for n in sorted(hidden_columns)),
                hidden.get(table.get(f"{_TABLE}style-name") or "", False),
            )
        )
    return sheets


# -- Excel -------------------------------------------------------------------------------------


def _workbook(data: bytes) -> list[Sheet]:
    """An Excel workbook's sheets, the one it opens on first and the hidden ones (marked
    so) last, each cell as it shows (``cellformat.shown``)."""
    workbook = openpyxl.load_workbook(io.BytesIO(_merges_cut(data)), data_only=True)
    try:
        active = workbook.active
        order = sorted(
            workbook.worksheets,
            key=lambda sheet: (sheet.sheet_state != "visible", sheet is not active),
        )
        return [
            dataclasses.replace(_excel_sheet(sheet), hidden=sheet.sheet_state != "visible")
            for sheet in order
        ]
    finally:
        workbook.close()


def _merges_cut(data: bytes) -> bytes:
    """An Excel workbook (``data``) with each merged range of more than ``_MERGED_CELLS``
    cells cut to its sheet's cells with something in them (its rows and columns past the
    last of those hold nothing to show, merged or not), so openpyxl opens it in a moment;
    ``data`` itself when it has none, or when such a sheet names a cell no sheet has (for
    openpyxl to find the file broken)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts: dict[str, bytes] = {}
        for name in archive.namelist():
            part = archive.read(name) if name.endswith(".xml") else b""
            if any(_large(found[3]) for found in _MERGE_RE.finditer(part)):
                try:
                    parts[name] = _MERGE_RE.sub(_cut_to(_extent(part)), part)
                except (ValueError, CellCoordinatesException):
                    return data
        if not parts:
            return data
        written = io.BytesIO()
        with zipfile.ZipFile(written, "w") as copy:
            for info in archive.infolist():
                copy.writestr(info, parts.get(info.filename) or archive.read(info))
    return written.getvalue()


def _large(ref: bytes) -> tuple[int, int, int, int] | None:
    """A merged range's first column and row and last column and row ("A2:A1048576": 1, 2,
    1, 1048576), if it spans more than ``_MERGED_CELLS`` cells."""
    try:
        left, top, right, bottom = range_boundaries(ref.decode("ascii"))
    except (ValueError, TypeError):
        return None
    if left is None or top is None or right is None or bottom is None:
        return None  # whole columns ("A:A"), which openpyxl cannot read either
    size = (right - left + 1) * (bottom - top + 1)
    return (left, top, right, bottom) if size > _MERGED_CELLS else None


def _extent(sheet: bytes) -> tuple[int, int]:
    """The last row and the last column of an Excel sheet's XML with a cell with something in
    it (a value, a formula): its cells are placed by their references, or else one after the
    other, as Excel reads them; by their names in any namespace (an Excel sheet's, a strict
    one's)."""
    last_row = last_column = 0
    number = 0
    rows = (row for row in ElementTree.fromstring(sheet).iter() if _local(row.tag) == "row")
    for row in rows:
        number = int(row.get("r") or number + 1)
        column = 0
        for cell in (cell for cell in row if _local(cell.tag) == "c"):
            where = cell.get("r")
            if where:
                letters, number = coordinate_from_string(where)
                column = column_index_from_string(letters)
            else:
                column += 1
            if len(cell):
                last_row, last_column = max(last_row, number), max(last_column, column)
    return last_row, last_column


def _local(tag: str) -> str:
    """An XML element's name without its namespace."""
    return tag.rpartition("}")[2]


def _cut_to(extent: tuple[int, int]) -> Callable[[re.Match[bytes]], bytes]:
    """What a merged range's XML (``_MERGE_RE``) becomes when it spans more than
    ``_MERGED_CELLS`` cells: cut to the sheet's ``extent`` (its last row and column with
    something in them), never to less than its first cell, which holds its text."""
    last_row, last_column = extent

    def cut(found: re.Match[bytes]) -> bytes:
        if (large := _large(found[3])) is None:
            return found[0]
        left, top, right, bottom = large
        right, bottom = max(left, min(right, last_column)), max(top, min(bottom, last_row))
        ref = f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"
        return found[1] + found[2] + ref.encode("ascii") + found[2]

    return cut


_ACCOUNTING = {BUILTIN_FORMATS[44]: '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)'}
"""Excel's built-in accounting format, which openpyxl spells without its semicolons."""


def _excel_sheet(sheet: Worksheet) -> Sheet:
    hidden = {
        column
        for found in sheet.column_dimensions.values()
        if found.hidden and found.min and found.max
        for column in range(found.min, found.max + 1)
    }
    # The cells the file holds, by row: iter_rows would make every empty cell up to the
    # farthest one, and one stray cell at the sheet's edge is billions of them.
    by_row: dict[int, dict[int, str]] = {}
    for (number, column), cell in sorted(sheet._cells.items()):
        code = getattr(cell, "number_format", "")
        if text := shown(cell.value, _ACCOUNTING.get(code, code)):
            by_row.setdefault(number, {})[column] = text
    # A cell merged down over rows ("Visiting" beside three questions) is shown beside each:
    # each of those rows with text of its own has it too (only the top one holds it); not a
    # name over a header of two rows ("Answer" over "Written" and "Spoken").
    first = min(by_row, default=0)
    for merged in sheet.merged_cells.ranges:
        top = (
            by_row.get(merged.min_row, {}).get(merged.min_col, "") if merged.min_row > first else ""
        )
        for number in range(merged.min_row + 1, merged.max_row + 1) if top else ():
            if number in by_row:
                by_row[number].setdefault(merged.min_col, top)
    rows: list[tuple[int, list[str]]] = []
    hidden_rows: list[int] = []
    hidden_columns: set[int] = set()
    for number, texts in by_row.items():
        if sheet.row_dimensions[number].hidden:
            hidden_rows.append(number)
            continue
        hidden_columns.update(column for column in texts if column in hidden)
        if last := max((column for column in texts if column not in hidden), default=0):
            cells = [texts.get(n, "") for n in range(1, last + 1) if n not in hidden]
            rows.append((number, cells))
    return Sheet(
        sheet.title,
        rows,
        tuple(hidden_rows),
        tuple(get_column_letter(column) for column in sorted(hidden_columns)),
    )
