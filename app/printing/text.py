"""Fitting text into cells (wrap, shrink, as a last resort cut with …) and the printed forms of values.

Table cells are plain strings with line breaks rather than Paragraphs: a Paragraph costs ~0.1 ms, and a
village register or a batch of handbooks has hundreds of thousands of cells.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from reportlab.pdfbase.pdfmetrics import stringWidth

from app.domain.money import round_money

LEADING = 1.18  # line height / font size in cells
# A run of Latin letters, digits and their punctuation stays on one line when it can; anything else
# (a Chinese character, a blank) may break anywhere.
_TOKENS = re.compile(r"[A-Za-z0-9.,:;/\\\-+%#@_()*'\"]+|.", re.S)
# Chinese typesetting never starts a line with these: the last character moves down with them.
_NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:?!)%…")


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy line breaking of `text` into lines no wider than `width` points ('\\n' also breaks)."""
    lines: list[str] = []
    for para in text.split("\n"):
        if stringWidth(para, font, size) <= width:
            lines.append(para)
            continue
        line, used = "", 0.0
        for tok in _TOKENS.findall(para):
            w = stringWidth(tok, font, size)
            if used + w <= width:
                line, used = line + tok, used + w
            elif w > width:  # wider than a whole line: break inside it
                for c in tok:
                    cw = stringWidth(c, font, size)
                    if used + cw > width and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line, used = line + c, used + cw
            elif tok.isspace():
                lines.append(line)
                line, used = "", 0.0
            else:
                carry = line[-1] if tok in _NO_LINE_START and len(line) > 1 else ""
                lines.append(line[: len(line) - len(carry)])
                line = carry + tok
                used = stringWidth(line, font, size)
        lines.append(line)
    return lines


def fit(text: str, width: float, height: float, font: str, size: float, min_size: float) -> tuple[list[str], float]:
    """Lines and font size that put `text` inside a width x height box.

    In order: one line at `size`; one line slightly smaller (down to 85 %); wrapped lines at the
    largest size from `size` down to `min_size` that fit the height; else the lines that fit at
    `min_size`, the last one cut with "…" (visible, never drawn outside the cell).
    """
    if "\n" not in text:
        w = stringWidth(text, font, size)
        if w <= width:
            return [text], size
        one_line = int(size * width / w * 4) / 4  # quarter points
        if one_line >= max(min_size, size * 0.85):
            return [text], one_line
    s = size
    while s >= min_size:
        rows = int(height // (s * LEADING))
        if rows >= 1:
            lines = wrap(text, width, font, s)
            if len(lines) <= rows:
                return lines, s
        s -= 0.5
    rows = max(1, int(height // (min_size * LEADING)))
    lines = wrap(text, width, font, min_size)[:rows]
    last = lines[-1]
    while last and stringWidth(last + "…", font, min_size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines, min_size


def money(amount: Decimal | None) -> str:
    """5123.45 (two places, no separators, as the national forms print it); '' for None."""
    return "" if amount is None else str(round_money(amount))


def day(d: date | None) -> str:
    """2020-03-01 for tables; '' for None."""
    return d.isoformat() if d else ""


def cn_day(d: date | None, blank: str = "    年    月    日") -> str:
    """2020年3月1日 for sentences and sign-off lines; a blank to write in for None."""
    return f"{d.year}年{d.month}月{d.day}日" if d else blank


def num(value: int | None) -> str:
    """An integer (year, count, months) or '' for None."""
    return "" if value is None else str(value)
