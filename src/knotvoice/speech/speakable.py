"""Text made fit for speaking: lists read as lists, no curly quotes or stray symbols."""

from __future__ import annotations

import re

from knotvoice.lang import english

_ORDINALS = english().list_ordinals
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": "", "\u201d": "", '"': ""})
_LIST_ITEM = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_DASHES = re.compile(r"\s*[\u2013\u2014]+\s*|--+")
_SYMBOLS = re.compile(r"[*_#~^<>|\\{}\[\]@]")
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def speakable(text: str) -> str:
    """Rewrite written text so a speech engine reads it naturally.

    Numbered list items become "First, ... Second, ..." sentences; curly quotes, dashes and
    markup symbols are dropped or replaced by pauses; "/" reads as "or"; "&" as "and".
    """
    text = text.translate(_QUOTES)
    lines: list[str] = []
    for raw in text.splitlines():
        item = _LIST_ITEM.match(raw)
        if item:
            number = int(item.group(1))
            ordinal = _ORDINALS[number - 1] if 0 < number <= len(_ORDINALS) else f"Number {number}"
            body = item.group(2).strip()
            lines.append(_sentence(f"{ordinal}, {body[:1].lower()}{body[1:]}"))
        elif raw.strip():
            lines.append(_sentence(raw))
    text = " ".join(lines)
    text = re.sub(r"\band/or\b", "or", text)
    text = text.replace("&", " and ").replace("%", " percent")
    text = re.sub(r"(?<=\w)/(?=\w)", " or ", text)
    text = _DASHES.sub(", ", text)
    text = _SYMBOLS.sub(" ", text)
    text = text.replace("(", ", ").replace(")", ", ")
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip()
