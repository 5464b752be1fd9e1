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
# Chinese line-breaking rules (GB/T 15834 practice, 禁则): no line starts with closing punctuation,
# none ends with opening punctuation; the characters move to the next line with their neighbour.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’,.;:?!)]}%…·")
NO_LINE_END = frozenset("（《「『【〔“‘([{")


def wrap(text: str, width: float, font: str, size: float, first_width: float | None = None) -> list[str]:
    """Lines of `text` no wider than `width` points ('\n' also breaks; the first line of each
    paragraph no wider than `first_width`, for an indent), broken greedily between characters and
    whole Latin words, by the Chinese rules above. Every wrapped text of the printouts (table cells
    and paragraphs) is broken here."""
    lines: list[str] = []
    for para in text.split("\n"):
        room = width if first_width is None else first_width
        if stringWidth(para, font, size) <= room:
            lines.append(para)
            continue
        # the greedy break below, then the rules at each break
        line, used = "", 0.0

        def push(following: str) -> None:
            """End the line here, before `following`; characters the rules forbid at the end of
            this line or before `following` move down with it."""
            nonlocal line, used, room
            carry, nxt, whole = "", following[:1], line
            while len(line) > 1 and (nxt in NO_LINE_START or line[-1] in NO_LINE_END):
                carry = line[-1] + carry
                line = line[:-1]
                nxt = carry[0]
            if carry and stringWidth(carry + following[:1], font, size) > width:
                line, carry = whole, ""  # what moves down would not fit a line: the width wins
            lines.append(line)
            line, room = carry, width
            used = stringWidth(line, font, size)

        for tok in _TOKENS.findall(para):
            w = stringWidth(tok, font, size)
            if used + w <= room:
                line, used = line + tok, used + w
            elif w > room:  # wider than a whole line: break inside it
                for c in tok:
                    cw = stringWidth(c, font, size)
                    if used + cw > room and line:
                        push(c)
                    line, used = line + c, used + cw
            elif tok.isspace():  # a blank at the break is dropped
                push("")
            else:
                push(tok)
                line, used = line + tok, used + w
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
