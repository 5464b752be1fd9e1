"""Search as you type over every household in memory: a few short key strings per household.

A keystroke must find matches among 100k households and 370k members within a frame or two; a
database range scan takes 100 ms for a one-letter search. The index keeps, per household, three
short strings — its members' pinyin initials, their names, and its 户编号 with their ID numbers —
each part behind a marker character, so a search is one substring test per household, run in C
(about 10 ms for 100k):

    initials  "zs"      →  "\\x01zs" in initials   (starts a member's initials)
    name      "三丰"    →  "三丰" in names         (anywhere in a member's name)
    digits    "0231"    →  "0231" in numbers       (anywhere in an ID number or the 户编号)

It is built on the database thread after the list first shows (about 1.5 s for 100k) and kept
current from the change log: after a save only the touched households are read again.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, groupby, repeat
from operator import contains

from app.domain.text import squeeze

INITIALS, NAME, ID, CODE = "\x01", "\x02", "\x03", "\x04"
KINDS = ("initials", "names", "numbers")


def _blobs(rows: list[tuple]) -> tuple[str, str, str, bool]:
    """(initials, names, numbers, deleted) of one household from its search_keys rows."""
    code, deleted = rows[0][1], rows[0][2]
    initial_parts, names, numbers = [], [], [CODE, code]
    for _rowid, _code, _deleted, name, initials, id_number in rows:
        if name:
            names.append(NAME + name)
        if initials:
            initial_parts.append(INITIALS + initials)
        if id_number:
            numbers.append(ID + id_number)
    return "".join(initial_parts), "".join(names), "".join(numbers), bool(deleted)


def needle(text: str) -> tuple[str, str] | None:
    """Which strings to search and what to look for, or None for an empty search."""
    t = squeeze(text)
    if not t:
        return None
    if any("\u3400" <= ch <= "\u9fff" for ch in t):
        return "names", t
    if t.isascii() and t.isalpha():
        return "initials", INITIALS + t.lower()
    return "numbers", t.upper()


class SearchIndex:
    def __init__(self) -> None:
        self.ready = False
        self.build_ms = 0.0
        self.mark = 0  # change-log row number the index is current to
        self._rowids: list[int] = []
        # one short string per household and kind: a search scans only the kind it needs
        self._blobs: dict[str, list[str]] = {"initials": [], "names": [], "numbers": []}
        self._pos: dict[int, int] = {}
        # the last search (kind, needle, positions): typing on narrows within its hits
        self._last: tuple[str, str, list[int]] | None = None

    @classmethod
    def build(cls, rows: Iterable[tuple], mark: int) -> SearchIndex:
        """From search_keys() rows ordered by household row number."""
        index = cls()
        index.apply(rows)
        index.mark = mark
        index.ready = True
        return index

    def apply(self, rows: Iterable[tuple]) -> None:
        """Replace the keys of the households in `rows` (a deleted one stops matching)."""
        blobs = self._blobs
        self._last = None
        for rowid, group in groupby(rows, key=lambda r: r[0]):
            *texts, deleted = _blobs(list(group))
            if deleted:
                texts = ["", "", ""]
            pos = self._pos.get(rowid)
            if pos is None:
                self._pos[rowid] = len(self._rowids)
                self._rowids.append(rowid)
                for kind, text in zip(KINDS, texts):
                    blobs[kind].append(text)
            else:
                for kind, text in zip(KINDS, texts):
                    blobs[kind][pos] = text

    def __len__(self) -> int:
        return len(self._rowids)

    def matches(self, text: str) -> set[int] | None:
        """Row numbers of the households matching `text`; None when the text is empty."""
        found = needle(text)
        if found is None:
            return None
        kind, n = found
        blobs = self._blobs[kind]
        last = self._last
        if last is not None and last[0] == kind and n.startswith(last[1]):
            # a longer needle only matches where the shorter one did
            candidates = last[2]
            positions = list(compress(candidates, map(contains, map(blobs.__getitem__, candidates), repeat(n))))
        else:
            # map/compress keep the loop over 100k strings in C
            positions = list(compress(range(len(blobs)), map(contains, blobs, repeat(n))))
        self._last = (kind, n, positions)
        rowids = self._rowids
        return set(map(rowids.__getitem__, positions))
