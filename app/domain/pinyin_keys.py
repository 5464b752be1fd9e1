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


# Surnames read otherwise than the same character in words, by the initial of their reading as
# a surname where pypinyin (which has no surname mode) gives another: 单 shàn, not dān; 覃 qín,
# not tán (common in Guangxi); 曾 zēng, not céng.
SURNAME_INITIALS = {"单": "s", "曾": "z", "解": "x", "仇": "q", "区": "o", "查": "z", "覃": "q",
                    "翟": "z", "乐": "y", "秘": "b", "种": "c", "繁": "p", "折": "s", "粘": "n",
                    "藏": "z", "乜": "n", "阚": "k"}
# Compound surnames beginning with one of those characters: pypinyin's phrase data reads them right.
COMPOUND_SURNAMES = ("单于",)


@lru_cache(maxsize=200_000)
def initials(name: str | None) -> str:
    """Lower-case pinyin initials of the Chinese characters of `name` ("·" and others dropped),
    as in words (a code list label, a place); characters pypinyin does not know are skipped."""
    if not name:
        return ""
    lazy_pinyin, first_letter = _pypinyin()
    letters = lazy_pinyin(name, style=first_letter, errors="ignore")
    return "".join(s[:1] for s in letters if s and s[0].isascii() and s[0].isalpha()).lower()


@lru_cache(maxsize=200_000)
def name_initials(name: str | None) -> str:
    """initials() of a person's name, its surname read as a surname: 单雄信 → sxx, 覃大林 → qdl."""
    key = initials(name)
    if key and name[0] in SURNAME_INITIALS and not name.startswith(COMPOUND_SURNAMES):
        return SURNAME_INITIALS[name[0]] + key[1:]  # the surname is known, so key[0] is its letter
    return key
