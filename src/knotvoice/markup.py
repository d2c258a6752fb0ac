"""Markdown's marks in a knowledge's text, recognised once: list lines ("- item", "1. item"),
headings ("# Opening hours"), emphasis ("**bold**", "*italic*", "_italic_"), links ("[our
page](https://...)") and backslash escapes ("\\*"), as operators' FAQs imported from
markdown, Word or a web page write them.

The screen shows a text as its ``lines`` (emphasis as emphasis, list lines as lists, a heading
as a heading, a link as its text and address); speech reads the same ``lines`` (list lines as
a list, a heading as a sentence of its own, links as they are shown: ``speech.speakable``).
A mark is emphasis only when it encloses words as markdown's do: a "*" with a space after it
("£5 * 2"), or one within a word or beside a path's or address's punctuation
("fix_it@example.org", "/srv/bike_hire/", "2*3*4"), is text and stays as written. So is a "#"
that starts no heading ("Room #4", "#1 choice"), a "* " line that is a footnote, not a list
item (``lines``), and a backslash in a word that uses it between its parts, not to escape a
mark ("C:\\my_dir\\_old_").

HTML is not among the marks: a tag in a text ("<b>open</b>", "<br>", pasted from a web page
or a CMS) is text, shown as written, never as HTML; speech leaves the tags out
(``without_html``), and ``knotvoice knowledge lint`` warns of them (``html_tags``). Its
character references ("&amp;", "&nbsp;", "&#39;", "&pound;") are the characters they stand
for: a knowledge's texts are read with them so (``characters``) before anything else reads
them, and lint warns only of one that stands for none (``odd_references``).
"""

from __future__ import annotations

import bisect
import html
import html.entities
import itertools
import re
from dataclasses import dataclass, replace

__all__ = [
    "BULLET",
    "EMAIL",
    "HEADING",
    "NUMBERED",
    "WEB_ADDRESS",
    "Line",
    "OddReference",
    "Span",
    "characters",
    "html_tags",
    "lines",
    "literal",
    "odd_references",
    "plain",
    "read_links",
    "spans",
    "tags_as_text",
    "web_address",
    "without_addresses",
    "without_html",
]

NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
"""A numbered list line ("1. Book online", "2) Come along"): its number and its text."""
BULLET = re.compile(r"^\s*[-*+\u2022]\s+(.*)$")
"""A bulleted list line ("- brakes", "* gears", "• wheels"): its text."""
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
"""A heading line, as markdown writes one ("# Opening hours", "## Prices ##"): its marks and
its text; a "#" with no space after it ("#1 choice") starts none."""
_STARRED = re.compile(r"\s*\*\s")
"""A line that starts with "* ": a list item, or a footnote."""
_REFERENCE = re.compile(r"(?<=[^\s*])\*(?![*\w])")
"""A footnote's mark after a word ("every day*", "£5*."): one "*" that starts nothing after
it."""
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
"""A markdown escape: a backslash before ASCII punctuation ("\\*", "\\_", "\\#"), which stands
for the mark alone, as text."""
_ESCAPED = 0xE000
"""Where an escaped mark is kept while a text is read (a character of Unicode's private use
area, which no mark matches), until it is shown as itself."""
_BACKSLASHED_WORD = re.compile(r"(?<!\S)[^\s\\]*\\\S*")
"""A word with a backslash in it, from its start (a long word without one is read once)."""
_STRUCK = re.compile(r"~~(?=[^\s~])[^\n]*?(?<=[^\s~])~~(?!~)(?:[ \t]+(?=\S))?")
"""Text struck through, as markdown writes it ("~~no~~ baby changing"): what the operator
has taken back, neither shown nor said."""
_STRUCK_ELEMENTS = frozenset({"s", "del", "strike"})
"""HTML's elements of text struck through."""
_EMPTIED = re.compile(r"\s*(?:[-*+\u2022]|\d+[.)]|#{1,6}|>+)?\s*")
"""What is left of a line or list item all struck through: nothing to show."""
_SHOWN = str.maketrans({chr(_ESCAPED + code): chr(code) for code in range(0x21, 0x7F)})

_LINK = re.compile(
    r"(!?)\[([^\[\]]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s<>]*\))+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
"""A markdown link (as an FAQ imported from a web page writes one): its text, then its
address in brackets ("[our page](https://...)"), which may hold brackets of its own
("/wiki/Knot_(unit)", "javascript:go(1)"); or, after a "!", a picture: its description, then
its address."""

EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
"""An e-mail address: the part before "@" and the domain."""
WEB_ADDRESS = re.compile(
    r"\b(?:https?://|www\.|[\w-]+\.[a-z]{2,}/)(?:[^\s,;()]*[^\s,;().!?:])?", re.IGNORECASE
)
"""A web address written as one: with its scheme, "www." or a path."""
_DOMAIN = re.compile(
    r"\b[a-z0-9][\w-]*(?:\.[\w-]+)*\.(?:com|org|net|info|biz|gov|edu|io|eu|uk|ie|us|ca|au|nz)\b",
    re.IGNORECASE,
)
"""A bare domain ("riverside-pool.co.uk"): a name ending in a common top-level domain."""


def without_addresses(text: str) -> str:
    """``text`` with the sites of its e-mail and web addresses left out, the part before an
    e-mail's "@" and a web address's path kept: a site's name says whose the address is, not
    what the text is about ("stay@riverside-pool.co.uk" made a campsite's contact entry the
    answer to "is there a pool"), while "volunteer@" or "/opening-times" may say just that."""
    text = EMAIL.sub(lambda found: f" {found.group(1)} ", text)
    text = WEB_ADDRESS.sub(lambda found: f" {web_address(found.group(0))[1]} ", text)
    return _DOMAIN.sub(" ", text)


def web_address(address: str) -> tuple[str, str]:
    """A web address's site and path, without its scheme, "www.", query and fragment
    (("example.org", "hire/bikes") of "https://www.example.org/hire/bikes?x=1")."""
    address = re.sub(r"^(?:https?://)?(?:www\.)?", "", address, flags=re.IGNORECASE)
    site, _, path = re.split(r"[?#]", address)[0].partition("/")
    return site, path


_RUN = re.compile(r"(?<![\\*])\*{1,3}(?!\*)|(?<![\\_])_{1,3}(?!_)")
"""One, two or three "*" (or "_") together, not after a backslash: a mark, maybe."""
_NEAR = "\\/.@-"
"""Punctuation of a path or an address: a mark beside it and a word ("_x_.txt") is text."""
_WORD = re.compile(r"\w")
_NEAR_WORD = re.compile(rf"[\w{re.escape(_NEAR)}]")


@dataclass(frozen=True)
class Span:
    """A run of a line's text, and how it is emphasised."""

    text: str
    strong: bool = False
    """Marked bold ("**bold**", "__bold__")."""
    emphasis: bool = False
    """Marked italic ("*italic*", "_italic_")."""


@dataclass(frozen=True)
class Line:
    """One line of a text as it is shown, without its list mark."""

    spans: tuple[Span, ...]
    """Its text (none for a blank line)."""
    bullet: bool = False
    """A bulleted list item ("- ", "* ", "+ ", "• ")."""
    number: int | None = None
    """A numbered list item's number ("2. ", "2) ")."""
    heading: int = 0
    """A heading's level ("# " 1, "## " 2; 0 for a line that is no heading)."""
    depth: int = 0
    """A list item's depth: 0 for an item of the outer list, 1 for one of a list in it (an
    item indented further than the item before it), and so on."""


def spans(text: str) -> tuple[Span, ...]:
    """The runs of one line of ``text``, its emphasis marks taken for what they mark.

    As markdown pairs them: each mark that may close ("word*") closes the nearest open one
    of its kind ("*word"); a pair of two or more marks each side is bold, of one italic
    ("***both***" is both); a mark that closes nothing or is never closed is text. An
    escaped mark ("\\*") is text, shown without its backslash."""
    text = _STRUCK.sub("", _escaped(text))
    runs = list(_RUN.finditer(text))
    left = [len(run.group()) for run in runs]  # the marks of each run not yet paired
    # runs paired (opening, closing), and how many marks each gave (2: bold, 1: italic)
    pairs: list[tuple[int, int, int]] = []
    open_runs: list[int] = []
    opened = {"*": 0, "_": 0}  # how many of the open runs are of each mark
    for index, run in enumerate(runs):
        mark = text[run.start()]
        before = text[run.start() - 1 : run.start()]
        after, beyond = text[run.end() : run.end() + 1], text[run.end() + 1 : run.end() + 2]
        if _may_close(before, after, beyond):
            while left[index] and opened[mark]:
                at = next(
                    at
                    for at in range(len(open_runs) - 1, -1, -1)
                    if text[runs[open_runs[at]].start()] == mark
                )
                opener = open_runs[at]
                width = 2 if left[opener] >= 2 and left[index] >= 2 else 1
                pairs.append((opener, index, width))
                left[opener] -= width
                left[index] -= width
                for closed in open_runs[at + (left[opener] > 0) :]:  # the marks between: text
                    opened[text[runs[closed].start()]] -= 1
                del open_runs[at + (left[opener] > 0) :]
        if left[index] and _may_open(before, after):
            open_runs.append(index)
            opened[mark] += 1
    text_in, marks_in = _enclosing(pairs, len(runs), 0), _enclosing(pairs, len(runs), 1)
    pieces: list[Span] = []
    for index in range(len(runs) + 1):
        start = runs[index - 1].end() if index else 0
        end = runs[index].start() if index < len(runs) else len(text)
        pieces.append(Span(text[start:end], text_in[2][index] > 0, text_in[1][index] > 0))
        if index < len(runs) and left[index]:
            marks = runs[index].group()[: left[index]]
            pieces.append(Span(marks, marks_in[2][index] > 0, marks_in[1][index] > 0))
    shown: list[Span] = []
    for piece in pieces:
        if shown and (shown[-1].strong, shown[-1].emphasis) == (piece.strong, piece.emphasis):
            shown[-1] = Span(shown[-1].text + piece.text, piece.strong, piece.emphasis)
        elif piece.text:
            shown.append(piece)
    return tuple(replace(span, text=span.text.translate(_SHOWN)) for span in shown)


def _enclosing(pairs: list[tuple[int, int, int]], runs: int, inner: int) -> dict[int, list[int]]:
    """By width (2: bold, 1: italic), how many ``pairs`` of marks enclose each place between
    ``runs``: the text before run ``n`` lies after its opener and up to its closer; with
    ``inner`` 1, run ``n``'s own marks left as text, strictly between them."""
    counts = {1: [0] * (runs + 2), 2: [0] * (runs + 2)}
    for opener, closer, width in pairs:
        counts[width][opener + 1] += 1
        counts[width][closer + 1 - inner] -= 1
    return {width: list(itertools.accumulate(count)) for width, count in counts.items()}


def _may_open(before: str, after: str) -> bool:
    """Whether marks between ``before`` and ``after`` may open emphasis: not before a space
    ("£5 * 2") nor after a word or a path's or address's punctuation ("2*3", "/_old_")."""
    return bool(after) and not after.isspace() and not (before and _NEAR_WORD.match(before))


def _may_close(before: str, after: str, beyond: str) -> bool:
    """Whether marks between ``before`` and ``after`` (and ``beyond``) may close emphasis:
    not after a space, nor before a word or before punctuation of a path or an address and
    a word ("fix_it", "_x_.txt", "_info_@example.org")."""
    return (
        bool(before)
        and not before.isspace()
        and not _WORD.match(after)
        and not (after and after in _NEAR and _WORD.match(beyond))
    )


def _read_link(found: re.Match[str]) -> str:
    """A markdown link as a person reads it out: its text, and after it, as an aside, its
    address or e-mail address, unless the text says it already or the address is one no
    one reads out (with a query, "?q=..."). A picture is its description alone: no one
    reads out where a picture is kept."""
    picture, text, target = found.groups()
    text = text.strip()
    if picture:
        return text
    scheme, _, rest = target.partition(":")
    if scheme.lower() in ("mailto", "tel"):
        address = rest.split("?")[0]
    elif re.match(r"https?://|www\.", target, re.IGNORECASE) and not re.search(r"[?#=]", target):
        address = re.sub(r"^https?://", "", target, flags=re.IGNORECASE).rstrip("/")
    else:
        return text
    if not text:
        return address
    if address.lower().removeprefix("www.") in text.lower() or (
        scheme.lower() == "tel" and _says_number(text, address)
    ):
        return text
    return f"{text} ({address})"


_NATIONAL_DIGITS = 6
"""A number written as dialled at home says a phone link's number written for the world
when it has at least this many digits after its leading zero."""


def _says_number(text: str, number: str) -> bool:
    """Whether a phone link's ``text`` says its ``number``, the same digits written either
    for the world ("+44 17687 72391") or as dialled at home ("017687 72391" for
    "+441768772391": the country's code for the leading zero, "+44 (0)" for both)."""
    digits = re.sub(r"\D", "", number)
    said = re.sub(r"\D", "", text.replace("(0)", ""))
    if not digits or not said:
        return False
    if digits in said:
        return True
    home = said.lstrip("0")
    return said != home and len(home) >= _NATIONAL_DIGITS and digits.endswith(home)


def read_links(text: str) -> str:
    """``text`` with each markdown link as a person reads it out (``_read_link``): a kiosk
    shows and says no link to follow."""
    return _LINK.sub(_read_link, text)


def _escaped(text: str) -> str:
    """``text`` with each markdown escape ("\\*") kept as its mark set apart, which no list,
    heading, emphasis or link takes for one; except in a word that has a backslash before
    a letter or a digit too (a Windows path, "C:\\my_dir\\_old_"): its backslashes are
    text."""
    return _BACKSLASHED_WORD.sub(_escaped_word, text)


def _escaped_word(found: re.Match[str]) -> str:
    """A word with a backslash in it, its escapes set apart unless it is a path."""
    word = found.group()
    pairs = re.findall(r"\\(.?)", word)
    if any(after and not _ESCAPE.match(f"\\{after}") for after in pairs):
        return word
    return _ESCAPE.sub(lambda mark: chr(_ESCAPED + ord(mark.group(1))), word)


def lines(text: str) -> tuple[Line, ...]:
    """``text`` line by line, list lines as list items, headings as headings (without their
    "#" marks), emphasis recognised, text struck through left out and escaped marks as
    themselves.

    A "* " line is a footnote, not a list item, when it would be the only item of its list
    (no other "* " line comes next to it, nor across blank lines, as a list's items may be
    set apart) and a word before it carries its mark: "Open 9 to 5 every day*" above "*
    except bank holidays". A footnote is text as written, its "*" and all; a "* " line
    beside others, or with no word marked for it, is a list item as in markdown."""
    written = [
        kept
        for line in read_links(_escaped(text)).splitlines()
        if (kept := _STRUCK.sub("", line)) == line or not _EMPTIED.fullmatch(kept)
    ]
    filled = [at for at, line in enumerate(written) if line.strip()]
    starred = {at for at in filled if _STARRED.match(written[at])}
    shown: list[Line] = []
    marked = False  # a word so far carries a footnote's mark
    indents: list[int] = []  # the indentation of each list the last item is in, outermost first
    for at, line in enumerate(written):
        alone = at in starred and not starred.intersection(_beside(filled, at))
        numbered = NUMBERED.match(line)
        bullet = None if numbered else BULLET.match(line)
        if numbered or (bullet and not (alone and marked)):
            indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
            while indents and indent < indents[-1]:
                indents.pop()
            if not indents or indent > indents[-1]:
                indents.append(indent)
        elif line.strip():
            indents = []  # text between lists: the next one starts afresh
        depth = max(len(indents) - 1, 0)
        if heading := HEADING.match(line):
            level = len(heading.group(1))
            shown.append(Line(spans((heading.group(2) or "").strip()), heading=level))
        elif numbered:
            item = spans(numbered.group(2).strip())
            shown.append(Line(item, number=int(numbered.group(1)), depth=depth))
        elif bullet and not (alone and marked):
            shown.append(Line(spans(bullet.group(1).strip()), bullet=True, depth=depth))
        else:
            shown.append(Line(spans(line.strip())))
        marked = marked or any(
            _REFERENCE.search(span.text)
            for span in shown[-1].spans
            if not (span.strong or span.emphasis)
        )
    return tuple(shown)


def _beside(filled: list[int], at: int) -> list[int]:
    """Of the lines with text (``filled``, in order), the one before line ``at`` and the one
    after it, blank lines between or not."""
    place = bisect.bisect_left(filled, at)
    return filled[max(place - 1, 0) : place] + filled[place + 1 : place + 2]


def plain(text: str) -> str:
    """``text`` as the screen shows it (``lines``), in plain text: the one rendering of a
    knowledge's text wherever it is shown or sent as text (``ask`` and ``ask --json``, a
    button or a label that shows no emphasis). Its emphasis and heading marks are left out,
    its escaped marks are themselves ("\\<b>" is "<b>", "\\*" is "*"), its links are read
    as ``read_links`` has them, and its list items are "- item" or "2. item", indented two
    spaces for each list they are within. HTML tags stay as written, as the screen shows
    them."""
    shown: list[str] = []
    for line in lines(text):
        body = "".join(span.text for span in line.spans)
        if line.bullet or line.number is not None:
            mark = "- " if line.number is None else f"{line.number}. "
            body = f"{'  ' * line.depth}{mark}{body}"
        shown.append(body)
    return "\n".join(shown)


# fmt: off
_LINE_BREAKING = frozenset({
    "address", "article", "aside", "blockquote", "br", "break", "dd", "div", "dl", "dt",
    "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
"""Elements a browser starts a new line for."""
_UNMISTAKABLE = frozenset({
    "a", "abbr", "b", "blockquote", "br", "dd", "del", "div", "dl", "dt", "em", "font", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "noscript",
    "ol", "p", "pre", "s", "script", "span", "strike", "strong", "sub", "sup", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul", "wbr",
    # SSML's, as a text to say may be written ("<speak>Hello <break time='1s'/></speak>")
    "speak", "break", "prosody", "say-as", "phoneme", "emphasis",
})
"""Elements whose tag is HTML (or SSML) wherever it is: no word is written so in angle
brackets."""
_WORDLIKE = frozenset({
    "address", "article", "aside", "audio", "big", "button", "center", "cite", "code",
    "figcaption", "figure", "footer", "form", "header", "input", "label", "main", "mark", "nav",
    "section", "small", "style", "table", "time", "video",
})
"""Elements named by a word, whose tag is HTML only with attributes, as an end tag, or with
an end tag in the text: alone, "<code>" or "<time>" may be a place to fill in."""
# fmt: on
_HTML_TAG = re.compile(
    r"(?<!\\)(?:<!--.*?-->|<(/?)("
    + "|".join(sorted(_UNMISTAKABLE | _WORDLIKE, key=len, reverse=True))
    + r")(?![\w-])(\s[^<>\n]*)?/?>)",
    re.IGNORECASE | re.DOTALL,
)
"""An HTML tag ("<b>", "</p>", "<br/>", '<a href="...">') or comment, maybe: not any "<" and
">" ("age < 16", "<your name>", "->"), nor one escaped as markdown escapes a mark ("\\<b>")."""


def _tags(text: str) -> list[re.Match[str]]:
    """The HTML tags and comments of ``text``."""
    found = list(_HTML_TAG.finditer(text))
    ended = {tag.group(2).lower() for tag in found if tag.group(1)}
    return [
        tag
        for tag in found
        if tag.group(2) is None  # a comment
        or tag.group(1)
        or tag.group(3)
        or tag.group(2).lower() in _UNMISTAKABLE | ended
    ]


def html_tags(text: str) -> tuple[str, ...]:
    """The HTML tags (and comments) of ``text`` as written, each once, in the order met."""
    return tuple(dict.fromkeys(tag.group(0) for tag in _tags(text)))


def without_html(text: str) -> str:
    """``text`` without its HTML tags and comments, a tag that starts a new line in a browser
    ("<br>", "<p>") as a line break and a list item's ("<li>") as a "- " line: a tag is no
    word to read out. Text struck through ("<s>No</s> baby changing", "<del>") is left out
    with its tags, as markdown's "~~No~~" (but SSML's "<s>", in "<speak>", is a sentence)."""
    kept: list[str] = []
    start = 0
    spoken = re.match(r"\s*<speak\b", text, re.IGNORECASE) is not None
    struck = _STRUCK_ELEMENTS - ({"s"} if spoken else set())
    breaking = _LINE_BREAKING | ({"s"} if spoken else set())  # SSML's sentence
    within: str | None = None  # the struck element being left out
    for tag in _tags(text):
        element = (tag.group(2) or "").lower()
        if within is not None:
            if element == within and tag.group(1):
                within = None
            start = tag.end()
            continue
        if element in struck and not tag.group(1) and _ends(text, element, tag.end()):
            kept.append(text[start : tag.start()])
            within = element
        elif element == "li" and not tag.group(1):
            kept += [text[start : tag.start()], "\n- "]
        else:
            kept += [text[start : tag.start()], "\n" if element in breaking else ""]
        start = tag.end()
    return "".join(kept) + text[start:]


def _ends(text: str, element: str, start: int) -> bool:
    """Whether ``element`` is ended after ``start`` in ``text`` (one never ended strikes
    nothing out)."""
    return re.search(rf"</{element}\s*>", text[start:], re.IGNORECASE) is not None


def tags_as_text(text: str) -> str:
    """``text`` with each HTML tag in it escaped as markdown escapes a mark ("\\<b>"): text
    that shows a tag as written (a web page's "&lt;b&gt;"), which ``html_tags`` and
    ``without_html`` take for none."""
    return _HTML_TAG.sub(lambda tag: f"\\{tag.group()}", text)


_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
"""A character reference as HTML writes one ("&amp;", "&#39;", "&#x2019;"), which may stand
for no character ("&nbps;")."""
_UNENDED = re.compile(
    r"&(?:#[0-9]+(?![0-9;])|#[xX][0-9a-fA-F]+(?![0-9a-fA-F;])|([A-Za-z]{2,})(?![A-Za-z;=]))"
)
"""A character reference without its ";" ("&amp chips", "&#39s"), maybe: a name only when
it is a character's ("AT&T", "R&D" and "Fish&Chips" are none), and not a web address's
parameter ("?q=books&lang=en": "&lang;" is a character)."""
_ONE_LETTER = re.compile(r"&[A-Za-z];")
"""A letter between "&" and ";" ("R&D;"): no character's name, and none misspelt."""
_LONGEST_NUMBER = 7
"""The most digits of a character's number ("&#1114111;"): more stand for none."""


def _stands_for(reference: str) -> str | None:
    """The character(s) a well-formed ``reference`` stands for ("&" for "&amp;", "\u2019"
    for "&#8217;", as a browser reads them: "&#146;" is Windows' "\u2019" too); None for one
    that stands for none ("&nbps;", "&#0;", a control character's)."""
    if not reference.startswith("&#"):
        return html.entities.html5.get(reference[1:])
    digits = reference[2:-1].lstrip("xX0")
    if not digits or len(digits) > _LONGEST_NUMBER:
        return None
    read = html.unescape(reference)
    return read if read and read != "\ufffd" else None


def characters(text: str) -> str:
    """``text`` with each of its HTML character references ("&amp;", "&nbsp;", "&#39;",
    "&#x2019;", "&pound;") as the character it stands for, read once (an "&amp;lt;" is
    "&lt;"); one that stands for none ("&nbps;") or lacks its ";" ("&amp chips") is left
    as written (``odd_references``).

    A tag written with them ("&lt;b&gt;", to show "<b>") is text, not HTML: its "<" is read
    as markdown's escaped mark ("\\<b>"), which the screen shows as "<", speech reads as a
    placeholder's ("<your name>") and lint takes for no tag (``html_tags``)."""
    if "&" not in text:
        return text
    pieces: list[str] = []
    written: set[int] = set()  # where a "<" written as a reference stands in the text read
    start = length = 0
    for found in _CHARACTER_REFERENCE.finditer(text):
        read = _stands_for(found.group()) or found.group()
        pieces += [text[start : found.start()], read]
        length += found.start() - start
        if read == "<":
            written.add(length)
        length += len(read)
        start = found.end()
    pieces.append(text[start:])
    read = "".join(pieces)
    escaped = sorted(written.intersection(tag.start() for tag in _HTML_TAG.finditer(read)))
    for at in reversed(escaped):
        read = f"{read[:at]}\\{read[at:]}"
    return read


def literal(text: str) -> str:
    """``text`` written so that ``characters`` reads it as it is: the "&" of each character
    reference in it written "&amp;" ("&lt;" a text shows as such is "&amp;lt;"), for a text
    read already (an imported FAQ's) written into a knowledge file."""
    if "&" not in text:
        return text
    return _CHARACTER_REFERENCE.sub(
        lambda found: f"&amp;{found.group()[1:]}" if _stands_for(found.group()) else found.group(),
        text,
    )


@dataclass(frozen=True)
class OddReference:
    """A character reference that ``characters`` leaves as written: shown and read so."""

    written: str
    """As it stands in the text read ("&amp", "&nbps;", "&#0;", "&lt;" of "&amp;lt;")."""
    meant: str = ""
    """The reference it is meant as ("&amp;" for "&amp"); "" when that is not known."""
    twice: bool = False
    """Encoded twice over ("&amp;lt;"): read once, it is still a reference."""


def odd_references(text: str) -> tuple[OddReference, ...]:
    """The character references of ``text`` (a text ``characters`` has read) left as
    written, each once, in the order met: one without its ";" ("&amp", "&#39"), one that
    stands for no character ("&nbps;", "&#0;"), and one still there because it was encoded
    twice ("&amp;lt;", read once "&lt;")."""
    if "&" not in text:
        return ()
    found: list[tuple[int, OddReference]] = []
    for reference in _CHARACTER_REFERENCE.finditer(text):
        written = reference.group()
        if _stands_for(written):
            found.append((reference.start(), OddReference(written, written, twice=True)))
        elif not _ONE_LETTER.fullmatch(written):  # "R&D;" is no reference
            found.append((reference.start(), OddReference(written)))
    # a web address's parameters ("?q=books&lang_code=en") are no references
    addresses = [found.span() for found in WEB_ADDRESS.finditer(text)]
    for unended in _UNENDED.finditer(text):
        if any(start <= unended.start() < end for start, end in addresses):
            continue
        name = unended.group(1)
        if name is None or f"{name};" in html.entities.html5:
            written = unended.group()
            found.append((unended.start(), OddReference(written, f"{written};")))
    return tuple(dict.fromkeys(odd for _, odd in sorted(found, key=lambda pair: pair[0])))
