"""A small FAQ written with markdown's marks and with marks and tags meant as text, as an
operator's FAQ imported from a web page has them (``&lt;b&gt;`` read as the text "<b>"), and
how each surface that shows or says its texts has them."""

from __future__ import annotations

from pathlib import Path

MARKED_FAQ = r"""version: 1
entries:
  - id: bold
    question: How do I make a word **bold** on the page?
    alternatives: [bold text, heavy letters, thick type]
    answer: "# Bold\n\nType &lt;b&gt; before it and &lt;/b&gt; after it, as **our guide** shows:\n- [the guide](https://example.org/guide)\n- the \\* key is no help"
    topic: web
  - id: star
    question: What does the \* mean on the menu?
    alternatives: [star on the menu, asterisk meaning, what is the star]
    answer: It marks a _vegetarian_ dish.
    topic: food
"""
"""Two entries: an answer with a heading, emphasis, a list, a link, tags written as text and
an escaped mark; a question with an escaped mark."""

ASKED = "how do I make a word bold"
"""A question the ``bold`` entry answers."""
SHOWN_QUESTION = "How do I make a word bold on the page?"
SHOWN_ANSWER = (
    "Bold\n\nType <b> before it and </b> after it, as our guide shows:\n"
    "- the guide (example.org/guide)\n- the * key is no help"
)
"""The ``bold`` entry as the screen shows it, in plain text."""
SAID_ANSWER = (
    "Bold. Type b tag before it and closing b tag after it, as our guide shows, "
    "the guide, example.org slash guide; and the asterisk key is no help."
)
"""The ``bold`` entry's answer as the kiosk says it."""


def marked_faq(folder: Path) -> Path:
    """``MARKED_FAQ`` written in ``folder``."""
    path = folder / "marked.yaml"
    path.write_text(MARKED_FAQ, encoding="utf-8")
    return path
