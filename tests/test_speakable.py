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


def test_ranges_read_with_to() -> None:
    assert speakable("Open 9\u20135, Monday\u2013Friday. Ages 3-12, 9:00-17:00.") == (
        "Open 9 to 5, Monday to Friday. Ages 3 to 12, 9:00 to 17:00."
    )
    # Phone numbers and dates are not ranges.
    assert speakable("Call 0123-456789 by 2027-05-01") == "Call 0123-456789 by 2027-05-01."


def test_addresses_read_as_addresses() -> None:
    assert speakable("Write to info@example.com or see https://example.com/hours.") == (
        "Write to info at example.com or see example.com slash hours."
    )
    assert speakable("Book at www.example.org.") == "Book at www.example.org."


def test_bullets_bold_and_emoji_are_not_spoken() -> None:
    assert speakable("Bring:\n- your receipt\n- a photo ID \U0001f4f7") == (
        "Bring. your receipt. a photo ID."
    )
    assert speakable("**Can I get a refund?**") == "Can I get a refund?"
    assert speakable("Ground floor \U0001f60a\ufe0f") == "Ground floor."
