from __future__ import annotations

from knotvoice.speech.speakable import speakable


def test_numbered_lists_read_as_a_list() -> None:
    text = "Treatment\n\n  1. Rest. Allow your body to rest.\n  2. Stretch.\n  3. Hot and cold therapy."
    assert speakable(text) == (
        "Treatment. First, rest. Allow your body to rest. Second, stretch. "
        "Third, hot and cold therapy."
    )


def test_curly_quotes_and_symbols_are_not_spoken() -> None:
    text = "\u201cGenerally, trigger points are not harmful,\u201d he says. Use heat and/or ice & rest."
    spoken = speakable(text)
    assert spoken == "Generally, trigger points are not harmful, he says. Use heat or ice and rest."
    assert not set(spoken) & set("\u201c\u201d\u2018\u2019/&*#")


def test_dashes_and_brackets_become_pauses() -> None:
    assert speakable("work too much\u2013it means a (chronic) pain") == (
        "work too much, it means a, chronic, pain."
    )
