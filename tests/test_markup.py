"""Markdown's marks in a knowledge's text, as the screen shows them."""

from __future__ import annotations

import pytest

from knotvoice.markup import Line, Span, lines, plain, spans


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
        "\\*not italic\\*",
        "x **y**z",
    ],
)
def test_marks_that_enclose_no_words_stay_as_written(text: str) -> None:
    assert spans(text) == (Span(text),)
    assert plain(text) == text


def test_list_lines_are_list_items_and_other_lines_as_written() -> None:
    text = "We fix:\n\n- **brakes**\n* gears\n• wheels\n  1. Book\n2) Come\n-5°C at night"
    assert lines(text) == (
        Line((Span("We fix:"),)),
        Line(()),
        Line((Span("brakes", strong=True),), bullet=True),
        Line((Span("gears"),), bullet=True),
        Line((Span("wheels"),), bullet=True),
        Line((Span("Book"),), number=1),
        Line((Span("Come"),), number=2),
        Line((Span("-5°C at night"),)),
    )


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


def test_a_line_of_thousands_of_marks_is_shown_at_once() -> None:
    """Emphasis is worked out in the kiosk's thread each time the screen changes: a long
    line of marks (a pasted table of asterisks) took seconds, growing with its square."""
    text = "_a " * 4000 + "*b* " * 4000
    shown = spans(text)
    assert shown[0] == Span("_a " * 4000), "a mark never closed is text"
    assert [span for span in shown if span.emphasis] == [Span("b", emphasis=True)] * 4000
