"""Pinyin search keys for names: "zsf" finds 张三丰 (search as you type by initials)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=200_000)
def initials(name: str | None) -> str:
    """Lower-case pinyin initials of the Chinese characters of `name` ("·" and others dropped).

    Surnames with special readings (单 shan, 曾 zeng...) come out right through pypinyin's
    phrase data; characters pypinyin does not know are skipped.
    """
    if not name:
        return ""
    # Imported on first use: pypinyin's dictionaries cost a quarter second at start-up.
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(s[:1] for s in letters if s and s[0].isascii() and s[0].isalpha()).lower()
