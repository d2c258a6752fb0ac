"""A spreadsheet cell's value as the spreadsheet shows it under its number format.

An Excel file keeps a price of £4.50 as the number 4.5 with the format ``"£"#,##0.00``, 15% as
0.15 with ``0%``, and nine in the morning as a fraction of a day with ``h:mm AM/PM``; read as
plain values, an answer would say "4.5", "0.15" and "09:00:00". ``shown`` applies the parts
of a format that FAQ cells use: decimals, thousands, percent, currency and other literal text,
dates and times. A format it does not follow (fractions, scientific notation) gives the plain
value.
"""

from __future__ import annotations

import datetime
import re

_BRACKET_RE = re.compile(r"\[([^\]]*)\]")
_DATE_TOKEN_RE = re.compile(r"yyyy|yy|m{1,5}|d{1,4}|hh?|ss?|am/pm|a/p", re.IGNORECASE)
_PLACEHOLDERS = "0#?"


def shown(value: object, code: str | None) -> str:
    """``value`` (a cell's, as openpyxl reads it) as its number format ``code`` shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value.strip()
    code = code or "General"
    if isinstance(value, datetime.timedelta):  # a duration: hours and minutes
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    if isinstance(value, (datetime.date, datetime.time)):
        section = _sections(code)[0]
        if isinstance(value, datetime.datetime) and value.time() == datetime.time():
            # a date written with its time of day ("yyyy-mm-dd h:mm:ss"): midnight left out
            section = re.split(r"\s*\[?h", section, maxsplit=1, flags=re.IGNORECASE)[0] or section
        if _DATE_TOKEN_RE.search(_literals_out(section)):
            return _date(value, section).strip()
        return _plain(value)
    if isinstance(value, (int, float)):
        if code.lower() == "general":
            return _plain(value)
        sections = _sections(code)
        if conditional := _conditional(float(value), sections):
            section = conditional
            text = _number(abs(float(value)), section)
            sign = "-" if value < 0 else ""
            return _plain(value) if text is None else f"{sign}{text}".strip()
        if value < 0 and len(sections) > 1:
            section, number, sign = sections[1], -float(value), ""
        elif value == 0 and len(sections) > 2:
            section, number, sign = sections[2], 0.0, ""
        else:
            section, number, sign = sections[0], abs(float(value)), "-" if value < 0 else ""
        text = _number(number, section)
        return _plain(value) if text is None else f"{sign}{text}".strip()
    return str(value).strip()


_CONDITION_RE = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?[\d.]+)\]")
_COMPARE = {
    "<": float.__lt__,
    ">": float.__gt__,
    "=": float.__eq__,
    "<=": float.__le__,
    ">=": float.__ge__,
    "<>": float.__ne__,
}


def _conditional(value: float, sections: list[str]) -> str | None:
    """The section a format with conditions (``[>=100]"many";0``) shows ``value`` in: the
    first whose condition holds, else the first without one; None for a format without."""
    conditions = [_CONDITION_RE.search(section) for section in sections[:2]]
    if not any(conditions):
        return None
    for section, found in zip(sections, conditions, strict=False):
        if found and _COMPARE[found[1]](value, float(found[2])):
            return section
    rest = [section for n, section in enumerate(sections) if n >= 2 or not conditions[n]]
    return rest[0] if rest else sections[-1]


def _plain(value: object) -> str:
    """A value with no format of its own: whole numbers without ".0", dates without
    midnight."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return str(value).strip()


def _sections(code: str) -> list[str]:
    """A format's sections (positive; negative; zero; text), split at semicolons outside
    quotes."""
    sections: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in code:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(char)
    sections.append("".join(current))
    return sections


def _tokens(section: str) -> list[tuple[bool, str]]:
    """A section as ``(literal, text)`` pieces: quoted text, escaped characters and currency
    brackets are literal; colours, conditions and locale codes are dropped; padding ``_x``
    is a space and a fill ``*x`` nothing."""
    pieces: list[tuple[bool, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            pieces.append((True, section[i + 1 : end]))
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            pieces.append((True, section[i + 1]))
            i += 2
        elif char == "_" and i + 1 < len(section):
            pieces.append((True, " "))
            i += 2
        elif char == "*" and i + 1 < len(section):
            i += 2
        elif char == "[" and (found := _BRACKET_RE.match(section, i)):
            inside = found[1]
            if inside.startswith("$"):  # [$£-809]: a currency symbol, then its locale
                pieces.append((True, inside[1:].split("-", 1)[0]))
            elif inside.lower().strip("hms") == "":  # [h]: elapsed hours
                pieces.append((False, inside))
            i = found.end()
        else:
            pieces.append((False, char))
            i += 1
    return pieces


def _literals_out(section: str) -> str:
    return "".join(text for literal, text in _tokens(section) if not literal)


def _number(value: float, section: str) -> str | None:
    """``value`` (not negative) under one section of a number format; None for a format
    this does not follow."""
    pieces = _tokens(section)
    code = "".join(text for literal, text in pieces if not literal)
    placeholders = any(char in _PLACEHOLDERS for char in code)
    if not placeholders and ("@" in code or "general" in code.lower() or not code.strip()):
        # the value as it is
        joined = "".join(text for _, text in pieces)
        return re.sub("@|general", lambda _: _plain(value), joined, count=1, flags=re.I)
    if re.search(r"[eE][+-]|/", code) or _DATE_TOKEN_RE.search(code.replace("#", "")):
        return None
    value *= 100 ** code.count("%")
    digits = "".join(char for char in code if char in _PLACEHOLDERS + ".,")
    if not any(char in _PLACEHOLDERS for char in digits):
        return None
    whole, _, fraction = digits.partition(".")
    scaled = len(whole) - len(whole.rstrip(","))  # "0," shows thousands
    value /= 1000**scaled
    whole = whole.rstrip(",")
    required = fraction.count("0")
    optional = sum(fraction.count(char) for char in "#?")
    text = f"{value:{',' if ',' in whole else ''}.{required + optional}f}"
    if optional:
        head, _, tail = text.partition(".")
        tail = tail[: required + optional].rstrip("0").ljust(required, "0")
        text = f"{head}.{tail}" if tail else head
    head, dot, tail = text.partition(".")
    least = whole.count("0")  # "00000": at least five digits
    if least > 1 and len(head.replace(",", "")) < least:
        head = head.zfill(least)
    elif not least and head == "0":  # "#.00", "??": no digit for a whole zero
        head = ""
    text = head + dot + tail
    out, placed = [], False
    for literal, part in pieces:
        if literal or part not in _PLACEHOLDERS + ".,":
            out.append(part)
        elif not placed:
            out.append(text)
            placed = True
    return "".join(out)


def _date(value: datetime.date | datetime.time, section: str) -> str:
    """A date or time under the date tokens of one section (``m`` or ``mm`` right after an
    hour or right before seconds is minutes, else the month)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        moment = datetime.datetime.combine(datetime.date(1900, 1, 1), value)
    pieces = _merged(_tokens(section))
    units = [
        found.group(0).lower()
        for literal, text in pieces
        if not literal
        for found in _DATE_TOKEN_RE.finditer(text)
    ]
    twelve = any(unit in ("am/pm", "a/p") for unit in units)
    out: list[str] = []
    index = 0
    for literal, text in pieces:
        if literal:
            out.append(text)
            continue
        position = 0
        for found in _DATE_TOKEN_RE.finditer(text):
            before = units[index - 1] if index else ""
            after = units[index + 1] if index + 1 < len(units) else ""
            minutes = before.startswith("h") or after.startswith("s")
            out.append(text[position : found.start()])
            out.append(_unit(found.group(0), moment, twelve, minutes))
            position = found.end()
            index += 1
        out.append(text[position:])
    return "".join(out)


def _merged(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Adjacent pieces of one kind joined."""
    merged: list[tuple[bool, str]] = []
    for literal, text in pieces:
        if merged and merged[-1][0] == literal:
            merged[-1] = (literal, merged[-1][1] + text)
        else:
            merged.append((literal, text))
    return merged


def _unit(token: str, moment: datetime.datetime, twelve: bool, minutes: bool) -> str:
    """One date token's text (``minutes``: an ``m`` that stands for minutes)."""
    lower = token.lower()
    width = len(lower)
    if lower in ("am/pm", "a/p"):
        mark = "AM" if moment.hour < 12 else "PM"
        return mark if lower == "am/pm" else mark[0]
    if lower.startswith("y"):
        return f"{moment.year:04d}" if width > 2 else f"{moment.year % 100:02d}"
    if lower.startswith("d"):
        if width >= 4:
            return moment.strftime("%A")
        return moment.strftime("%a") if width == 3 else f"{moment.day:0{width}d}"
    if lower.startswith("h"):
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:0{width}d}"
    if lower.startswith("s"):
        return f"{moment.second:0{width}d}"
    if width <= 2 and minutes:
        return f"{moment.minute:0{width}d}"
    if width >= 3:
        name = moment.strftime("%B")
        return name[0] if width == 5 else name if width == 4 else name[:3]
    return f"{moment.month:0{width}d}"
