"""Markdown's marks in a knowledge's text, as the screen shows them."""

from __future__ import annotations

import pytest

from knotvoice.markup import (
    Line,
    OddReference,
    Span,
    characters,
    html_tags,
    lines,
    odd_references,
    plain,
    spans,
    without_addresses,
    without_html,
)
from knotvoice.speech.speakable import speakable


def test_bold_italic_and_both_are_emphasis_without_their_marks() -> None:
    assert spans("**We can:** brakes") == (Span("We can:", strong=True), Span(" brakes"))
    assert spans("Come to *Fix Your Own Bike*.") == (
        Span("Come to "),
        Span("Fix Your Own Bike", emphasis=True),
        Span("."),
    )
    assert spans("__wheels__ and _tyres_") == (
        Span("wheels", strong=True),
        Span(" and "),
        Span("tyres", emphasis=True),
    )
    assert spans("***on time***") == (Span("on time", strong=True, emphasis=True),)
    assert spans("**bold *and italic***") == (
        Span("bold ", strong=True),
        Span("and italic", strong=True, emphasis=True),
    )
    assert spans("*it **is** so*") == (
        Span("it ", emphasis=True),
        Span("is", strong=True, emphasis=True),
        Span(" so", emphasis=True),
    )


@pytest.mark.parametrize(
    "text",
    [
        "A repair costs £5 * 2 hours.",
        "A lone * marks a member price.",
        "*Terms apply",
        "** not bold **",
        "2*3*4",
        "Write to fix_it@bike_hire.example",
        "See /srv/bike_hire/notes_2024.txt or __init__.py or _x_.txt",
        "Mail _info_@example.org",
        "C:\\my_dir\\_old_",
        "Name: ____ Date: ____",
        "x **y**z",
    ],
)
def test_marks_that_enclose_no_words_stay_as_written(text: str) -> None:
    assert spans(text) == (Span(text),)
    assert plain(text) == text


def test_an_escaped_mark_is_shown_alone_as_text() -> None:
    """A markdown escape showed its backslash ("\\*not italic\\*"): the mark shows alone,
    and marks nothing (no emphasis, list, heading or link); a path's backslashes stay."""
    assert spans("\\*not italic\\* and \\_not either\\_") == (
        Span("*not italic* and _not either_"),
    )
    assert spans("**bold \\* star**") == (Span("bold * star", strong=True),)
    assert plain("Is \\#1 \\*really\\* free?") == "Is #1 *really* free?"
    text = "\\* not a bullet\n\\# not a heading\n1\\. not a number\n\\[not](a link)\nback\\\\slash"
    assert lines(text) == (
        Line((Span("* not a bullet"),)),
        Line((Span("# not a heading"),)),
        Line((Span("1. not a number"),)),
        Line((Span("[not](a link)"),)),
        Line((Span("back\\slash"),)),
    )
    for path in ("C:\\my_dir\\_old_", "\\\\server\\share\\*.txt", "a \\ b", "ends\\"):
        assert plain(path) == path


def test_a_heading_is_shown_as_a_heading_without_its_marks() -> None:
    """A heading ("# Opening hours") showed its "#"; a "#" that starts none stays."""
    text = "# Opening hours\nMon to Fri.\n  ## **Prices** ##\n###### Small\nRoom #4\n#1 choice\n#hashtag"
    assert lines(text) == (
        Line((Span("Opening hours"),), heading=1),
        Line((Span("Mon to Fri."),)),
        Line((Span("Prices", strong=True),), heading=2),
        Line((Span("Small"),), heading=6),
        Line((Span("Room #4"),)),
        Line((Span("#1 choice"),)),
        Line((Span("#hashtag"),)),
    )
    assert lines("####### seven")[0] == Line((Span("####### seven"),))
    assert lines("# C# and F#")[0] == Line((Span("C# and F#"),), heading=1)


@pytest.mark.parametrize(
    "text",
    [
        "Open 9 to 5 every day*\n* except bank holidays",
        "Open 9 to 5 every day*.\n\n* except bank holidays",
        "- Adults £5*\n- Children £3\n\n* members pay half",
        "Open every day\\*\n* except bank holidays",
        "Adults £5* and children £3**\n* under 16\n** with an adult",
    ],
)
def test_a_footnote_is_shown_as_written_not_as_a_list(text: str) -> None:
    """A footnote ("* except bank holidays" under "Open 9 to 5 every day*") showed as a
    list of one: a "* " line alone, after a word that carries its mark, is text."""
    shown = lines(text)
    footnote = next(line for line in shown if line.spans and line.spans[0].text.startswith("* "))
    assert not footnote.bullet
    assert footnote.spans[0].text in ("* except bank holidays", "* members pay half", "* under 16")


@pytest.mark.parametrize(
    "text",
    [
        "Prices:\n* adults £5\n* children £3",
        "Open daily*\n* except holidays\n* and Christmas",
        "Prices*:\n\n* adults £5\n\n* children £3",
        "Bring:\n* a towel",
        "We *love* it\n* one",
        "A*AA at A level\n* or equivalent",
    ],
)
def test_a_star_line_in_a_list_or_with_no_word_marked_for_it_is_a_list_item(text: str) -> None:
    """As in markdown: a "* " line beside another, or after no word marked for it ("A*AA"
    is a grade, "*love*" emphasis), is a list item."""
    starred = [at for at, line in enumerate(text.splitlines()) if line.startswith("* ")]
    shown = lines(text)
    assert starred and all(shown[at].bullet for at in starred)


def test_list_lines_are_list_items_and_other_lines_as_written() -> None:
    text = "We fix:\n\n- **brakes**\n* gears\n• wheels\n  1. Book\n2) Come\n-5°C at night"
    assert lines(text) == (
        Line((Span("We fix:"),)),
        Line(()),
        Line((Span("brakes", strong=True),), bullet=True),
        Line((Span("gears"),), bullet=True),
        Line((Span("wheels"),), bullet=True),
        Line((Span("Book"),), number=1, depth=1),  # indented under "wheels": in it
        Line((Span("Come"),), number=2),
        Line((Span("-5°C at night"),)),
    )


def test_a_list_indented_under_an_item_is_in_that_item() -> None:
    """Levels as markdown nests them (and as a Word FAQ's are imported): an item indented
    further than the one before it is one level deeper; one indented back is out again; text
    between lists ends them."""
    text = (
        "Bring:\n- ID\n  - passport\n    1. with a photo\n  - licence\n- a pen\n"
        "Then:\n   - alone, indented\n"
    )
    assert [(line.depth, "".join(span.text for span in line.spans)) for line in lines(text)] == [
        (0, "Bring:"),
        (0, "ID"),
        (1, "passport"),
        (2, "with a photo"),
        (1, "licence"),
        (0, "a pen"),
        (0, "Then:"),
        (0, "alone, indented"),
    ]


def test_a_link_is_shown_as_its_text_and_address_as_it_is_read_out() -> None:
    """An FAQ imported from a web page writes its links in markdown: the screen showed
    "[our prices](https://example.org/prices)", brackets and all, and a kiosk has no link
    to follow."""
    text = (
        "See [our prices](https://example.org/prices) or [email us](mailto:info@example.org)."
        "\n- [Book online](https://example.org/book?from=faq)"
    )
    shown = ["".join(span.text for span in line.spans) for line in lines(text)]
    assert shown == [
        "See our prices (example.org/prices) or email us (info@example.org).",
        "Book online",
    ]
    assert lines(text)[1].bullet
    assert plain("Where is [the hall](https://example.org/hall)?") == (
        "Where is the hall (example.org/hall)?"
    )


def test_text_struck_through_is_neither_shown_nor_said() -> None:
    """ "~~No~~ baby changing" was shown with its tildes and said "No baby changing": what
    the operator took back, said as the answer's opposite."""
    assert plain("~~No~~ Baby changing is on level 1.") == "Baby changing is on level 1."
    assert speakable("Tickets ~~\u00a35~~ \u00a34 today.") == "Tickets 4 pounds today."
    assert plain("- ~~Sundays~~\n- Saturdays") == "- Saturdays", "an item struck through"
    assert plain("Walk ~5 minutes; ~~ spaced ~~ is not struck.") == (
        "Walk ~5 minutes; ~~ spaced ~~ is not struck."
    )


def test_a_picture_is_shown_as_its_description_and_an_address_in_brackets_whole() -> None:
    """The screen showed a picture of an FAQ written in markdown as "!Map (example.org/map.png)",
    a link to a page whose address holds brackets as its raw markdown, and a script's link as
    "[Book](javascript:book(1))"."""
    assert plain('The hall: ![Map of the site](https://example.org/map.png "Map").') == (
        "The hall: Map of the site."
    )
    assert plain("![](https://example.org/logo.png) Open daily.") == "Open daily."
    assert plain("See [Knot](https://en.wikipedia.org/wiki/Knot_(unit)).") == (
        "See Knot (en.wikipedia.org/wiki/Knot_(unit))."
    )
    assert plain("[Book here](javascript:book(1)) today.") == "Book here today."
    assert plain("Write to [](mailto:info@example.org).") == "Write to info@example.org."
    assert plain("Tick [x] (if needed).") == "Tick [x] (if needed).", "no link"


def test_a_phone_link_whose_text_says_its_number_is_shown_as_its_text() -> None:
    """The screen showed "017687 72391 (+441768772391)" for a web page's phone link."""
    assert plain("Call [017687 72391](tel:+441768772391).") == "Call 017687 72391."
    assert plain("Call [reception](tel:+441768772391).") == "Call reception (+441768772391)."


def test_a_line_of_thousands_of_marks_is_shown_at_once() -> None:
    """Emphasis is worked out in the kiosk's thread each time the screen changes: a long
    line of marks (a pasted table of asterisks) took seconds, growing with its square."""
    text = "_a " * 4000 + "*b* " * 4000
    shown = spans(text)
    assert shown[0] == Span("_a " * 4000), "a mark never closed is text"
    assert [span for span in shown if span.emphasis] == [Span("b", emphasis=True)] * 4000


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Email stay@riverside-pool.co.uk today.", "Email stay today."),
        ("See https://example.org/pool-times?a=1 or www.example.org.", "See pool-times or ."),
        ("Book at riverside-pool.co.uk.", "Book at ."),
        ("Open 9 a.m. to 5 p.m., e.g. on Mondays.", "Open 9 a.m. to 5 p.m., e.g. on Mondays."),
        ("Bring file.pdf and forms/ID", "Bring file.pdf and forms/ID"),
    ],
)
def test_addresses_are_left_out_and_nothing_else(text: str, left: str) -> None:
    assert " ".join(without_addresses(text).split()) == left


def test_html_tags_are_text_on_the_screen() -> None:
    """A tag in an answer is shown as written, never taken for markup: the page puts it on
    as text (test_screen_browser), so "<script>" runs nothing."""
    text = "We are <b>open</b> daily.<script>alert(1)</script>"
    assert lines(text) == (Line((Span(text),)),)
    assert plain(text) == text


@pytest.mark.parametrize(
    ("text", "tags", "read"),
    [
        ("We are <b>open</b>.<br>Closed <I>Sundays</I>.", ("<b>", "</b>", "<br>", "<I>", "</I>"),
         "We are open.\nClosed Sundays."),
        ('<p>See <a href="https://example.org">our page</a></p>',
         ("<p>", '<a href="https://example.org">', "</a>", "</p>"), "\nSee our page\n"),
        ("Bring:<ul><li>a towel</li><li>a lock</li></ul>",
         ("<ul>", "<li>", "</li>", "</ul>"), "Bring:\n\n- a towel\n\n- a lock\n\n"),
        ("A<br/>B<!-- old: C -->", ("<br/>", "<!-- old: C -->"), "A\nB"),
        ("Type <code>help</code>", ("<code>", "</code>"), "Type help"),
    ],
)  # fmt: skip
def test_html_tags_are_found_and_left_out(text: str, tags: tuple[str, ...], read: str) -> None:
    assert html_tags(text) == tags
    assert without_html(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "Free if age < 16 or height > 1 m; under <5 free",
        "Write to <your name> at <code> by <time>",
        "Turn left -> then right <- again",
        "Write \\<b> for bold",
    ],
)
def test_angle_brackets_that_are_no_tags_stay(text: str) -> None:
    assert html_tags(text) == ()
    assert without_html(text) == text


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Fish &amp; chips, &pound;9", "Fish & chips, £9"),
        ("it&#39;s our chef&#8217;s &quot;classic&quot;", "it's our chef\u2019s \"classic\""),
        ("Kids &lt; 16, adults &GT; 18 &#x2013; &eacute;", "Kids < 16, adults > 18 \u2013 \u00e9"),
        ("9&nbsp;am, don&#146;t", "9\u00a0am, don\u2019t"),  # as a browser reads &#146;
        ("AT&T, R&D and B&Q", "AT&T, R&D and B&Q"),
    ],
)  # fmt: skip
def test_character_references_are_read_as_their_characters(written: str, read: str) -> None:
    assert characters(written) == read
    assert odd_references(read) == ()


def test_character_references_that_stand_for_none_stay_and_are_found() -> None:
    """One without its ";", a misspelt name, a number no character has, or one encoded twice
    stays as written; an "&" of a name ("AT&T", "R&D;", "Fish&Chips") or of a web address's
    parameter ("&lang=en", which lint told to write "&lang;", shown "⟨=en") is none."""
    text = (
        "Fish &amp chips &#39s &nbps; &#0; &#x110000; &amp;lt; &pound5 AT&T R&D; Fish&Chips "
        "https://example.org/find?q=books&lang=en&copy=2 "
        "www.example.org/p?lang_code=en&image_id=3&sub-category=4&copy2=5&times[]=6 "
        "?q=x&not=1"
    )
    read = characters(text)
    assert read == text.replace("&amp;lt;", "&lt;")  # read once
    assert odd_references(read) == (
        OddReference("&amp", "&amp;"),
        OddReference("&#39", "&#39;"),
        OddReference("&nbps;"),
        OddReference("&#0;"),
        OddReference("&#x110000;"),
        OddReference("&lt;", "&lt;", twice=True),
        OddReference("&pound", "&pound;"),
    )
