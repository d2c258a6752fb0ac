"""Text made fit for speaking: lists read as lists, no curly quotes or stray symbols."""

from __future__ import annotations

import re

from knotvoice.lang import english

_ORDINALS = english().list_ordinals
_SAY = english().spoken_symbols
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": "", "\u201d": "", '"': ""})
_LIST_ITEM = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+\u2022]\s+(.*)$")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]+")
_EMAIL = re.compile(r"\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b")
_WEB = re.compile(
    r"\b(?:https?://|www\.|[\w-]+\.[a-z]{2,}/)(?:[^\s,;()]*[^\s,;().!?:])?", re.IGNORECASE
)
_TIME_RANGE = re.compile(r"(?<![\d:\-])(\d{1,2}(?::\d\d)?)[\u2013-](\d{1,2}(?::\d\d)?)(?![\d:\-])")
_NAME_RANGE = re.compile(r"\b([A-Z][a-z]+)\u2013([A-Z][a-z]+)\b")
_DASHES = re.compile(r"\s*[\u2013\u2014]+\s*|--+")
_SYMBOLS = re.compile(r"[*_#~^<>|\\{}\[\]@]")
_MARKUP_AT_END = "*_#~ \t"
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


def _sentence(text: str) -> str:
    """A line as a sentence: emphasis marks after its last word set aside, and a line that
    leads into what follows (ending in ":" or ";") ended with a full stop."""
    text = text.strip().rstrip(_MARKUP_AT_END)
    if text and text[-1] in ",:;":
        text = text[:-1]
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _web(found: re.Match[str]) -> str:
    """A web address as it is read: no scheme, each "/" said."""
    address = re.sub(r"^https?://", "", found.group(0), flags=re.IGNORECASE).rstrip("/")
    return f" {_SAY['slash']} ".join(part for part in address.split("/") if part)


def speakable(text: str) -> str:
    """Rewrite written text so a speech engine reads it naturally.

    Numbered list items become "First, ... Second, ..." sentences and bullets sentences of
    their own; curly quotes, emoji, dashes and markup symbols are dropped or replaced by
    pauses; "/" reads as "or", "&" as "and", a range ("9-5", "Monday\u2013Friday") with "to";
    e-mail and web addresses are read as addresses.
    """
    text = _EMOJI.sub("", text.translate(_QUOTES))
    lines: list[str] = []
    for raw in text.splitlines():
        item = _LIST_ITEM.match(raw)
        bullet = _BULLET.match(raw)
        if item:
            number = int(item.group(1))
            ordinal = _ORDINALS[number - 1] if 0 < number <= len(_ORDINALS) else f"Number {number}"
            body = item.group(2).strip()
            lines.append(_sentence(f"{ordinal}, {body[:1].lower()}{body[1:]}"))
        elif bullet:
            lines.append(_sentence(bullet.group(1)))
        elif raw.strip():
            lines.append(_sentence(raw))
    text = " ".join(lines)
    text = _EMAIL.sub(lambda found: f"{found.group(1)} {_SAY['at']} {found.group(2)}", text)
    text = _WEB.sub(_web, text)
    text = re.sub(r"\band/or\b", _SAY["or"], text)
    text = text.replace("&", f" {_SAY['and']} ").replace("%", f" {_SAY['percent']}")
    text = re.sub(r"(?<=\w)/(?=\w)", f" {_SAY['or']} ", text)
    text = _TIME_RANGE.sub(rf"\1 {_SAY['range']} \2", text)
    text = _NAME_RANGE.sub(rf"\1 {_SAY['range']} \2", text)
    text = _DASHES.sub(", ", text)
    text = _SYMBOLS.sub(" ", text)
    text = text.replace("(", ", ").replace(")", ", ")
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip()
