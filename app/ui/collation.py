"""Chinese names in pinyin order (QCollator zh_CN), fast enough to sort 100k names.

Calling the collator for every comparison of a 100k sort costs seconds. Chinese collation in pinyin
order compares character by character, so each distinct character is ranked once with the collator
and a name's sort key is its characters replaced by their ranks: a plain string that Python
compares at C speed. A few thousand distinct characters cover a county's names.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cmp_to_key

from PySide6.QtCore import QCollator, QLocale

_BASE = 0x10000  # ranks become code points from here: above every character of a name


class PinyinCollator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chars: list[str] = []
        self._table: dict[int, int] = {}

    def _rank(self, new_chars: set[str]) -> None:
        collator = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        chars = sorted(set(self._chars) | new_chars, key=cmp_to_key(collator.compare))
        self._chars = chars
        self._table = {ord(ch): _BASE + i for i, ch in enumerate(chars)}

    def keys(self, names: Iterable[str | None]) -> list[str]:
        """The sort key of each name (None and "" sort first). Keys are comparable within one
        call only: a character seen for the first time re-ranks the others."""
        names = [n or "" for n in names]
        with self._lock:
            missing = set("".join(names)) - set(self._chars)
            if missing:
                self._rank(missing)
            table = self._table
        return [n.translate(table) for n in names]

    def sorted(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        return [n for _, n in sorted(zip(self.keys(names), names))]
