"""Pinyin search keys for names: "zsf" finds 张三丰 (search as you type by initials)."""

from __future__ import annotations

import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _pypinyin():
    """pypinyin, imported on first use: its dictionaries cost a quarter second at start-up.

    They are ~190,000 small lists that live as long as the program. Left to the garbage
    collector, every full collection walks them all: ~40 ms on the UI thread, a visible hitch
    while the household list scrolls (bench/gui.py). Frozen right after loading, they are never
    walked again (gc.freeze moves every object alive now out of the collector's sight)."""
    from pypinyin import Style, lazy_pinyin

    gc.freeze()
    return lazy_pinyin, Style.FIRST_LETTER


@lru_cache(maxsize=200_000)
def initials(name: str | None) -> str:
    """Lower-case pinyin initials of the Chinese characters of `name` ("·" and others dropped).

    Surnames with special readings (单 shan, 曾 zeng...) come out right through pypinyin's
    phrase data; characters pypinyin does not know are skipped.
    """
    if not name:
        return ""
    lazy_pinyin, first_letter = _pypinyin()
    letters = lazy_pinyin(name, style=first_letter, errors="ignore")
    return "".join(s[:1] for s in letters if s and s[0].isascii() and s[0].isalpha()).lower()
