"""The villages and groups a 花名册 names, matched with the database's regions by code or by name;
the groups an import creates, and the 乡镇 and 村 --create-villages creates."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from app.db.models import Region
from app.domain.errors import DomainError
from app.domain.regions import parse_division_code
from app.exchange.import_rows import Row

R = Region.__table__


def _fold_place(text: str) -> str:
    text = re.sub(r"\s+", "", str(text))
    return re.sub(r"(村民委员会|村委会|社区居委会|村|社区)$", "", text)


class Places:
    """Villages and groups of the database, and the groups an import creates."""

    def __init__(self, session, new_id):
        self.new_id = new_id
        township = R.alias("township")
        self.villages = session.execute(
            select(R.c.id, R.c.code, R.c.name, township.c.name.label("township"))
            .join(township, township.c.id == R.c.parent_id, isouter=True)
            .where(R.c.level == "village", R.c.deleted.is_(False))).all()
        self.by_code = {v.code: v for v in self.villages}
        self.by_name = defaultdict(list)
        for v in self.villages:
            self.by_name[_fold_place(v.name)].append(v)
        self.groups = defaultdict(list)  # village id -> [(id, code, name)]
        for g in session.execute(select(R.c.id, R.c.code, R.c.name, R.c.parent_id)
                                 .where(R.c.level == "group", R.c.deleted.is_(False))):
            self.groups[g.parent_id].append((g.id, g.code, g.name))
        self.new_groups: list[dict] = []

    def village(self, row: Row, chosen) -> tuple[object | None, str | None]:
        text = row.place.get("village")
        if chosen is not None:
            if text and text != chosen.code and _fold_place(text) != _fold_place(chosen.name):
                return None, f"该行属于“{text}”，不是所选的“{chosen.name}”"
            return chosen, None
        if not text:
            return None, "没有填写村"
        if text in self.by_code:
            return self.by_code[text], None
        found = self.by_name.get(_fold_place(text), [])
        if len(found) > 1 and row.place.get("township"):
            town = _fold_place(row.place["township"]).rstrip("镇乡")
            found = [v for v in found if v.township and _fold_place(v.township).rstrip("镇乡") == town]
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, f"村不存在：{text}"
        return None, f"村名“{text}”有重名，请填写乡（镇）或用 --village 指定"

    def group(self, village, text: str | None) -> str | None:
        if not text:
            return None
        groups = self.groups[village.id]
        for gid, _, name in groups:
            if name == text:
                return gid
        number = _group_number(text)
        if number is not None:
            for gid, code, _ in groups:
                if code.endswith(f"{number:02d}") and len(code) == 14:
                    return gid
        used = {int(code[-2:]) for _, code, _ in groups if len(code) == 14 and code[-2:].isdigit()}
        n = number if number and number not in used and number <= 99 else next(
            (i for i in range(1, 100) if i not in used), None)
        if n is None:
            return None
        row = {"id": self.new_id(), "code": f"{village.code}{n:02d}", "name": text, "level": "group",
               "parent_id": village.id}
        self.new_groups.append(row)
        groups.append((row["id"], row["code"], text))
        return row["id"]


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _group_number(text: str) -> int | None:
    """第3组, 3组, 03, 三组, 第十二村民小组 → the group number."""
    t = re.sub(r"\s+", "", text)
    match = re.fullmatch(r"第?([0-9]{1,2})(组|村民小组|队|社)?", t)
    if match:
        return int(match.group(1))
    match = re.fullmatch(r"第?([零一二三四五六七八九十]{1,3})(组|村民小组|队|社)", t)
    if match:
        cn = match.group(1)
        if cn == "十":
            return 10
        if "十" in cn:
            tens, _, ones = cn.partition("十")
            return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        return _CN_DIGITS.get(cn)
    return None


def missing_places(places: Places, rows: Sequence[Row]) -> list[tuple[str, str, str]]:
    """The 乡镇 and 村 a sheet names that the database lacks, with their codes from the 12-digit prefix of
    the sheet's 户编号 (and the 县 when the sheet names it): what --create-villages creates."""
    wanted: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        text = row.place.get("village")
        if row.left_out or not text or places.village(row, None)[0] is not None:
            continue
        prefix = (row.household_code or "")[:12]
        try:
            division = parse_division_code(prefix)
        except DomainError:
            continue
        if division.level != "village":
            continue
        wanted.setdefault(prefix, (prefix, text, "village"))
        for key, code, level in (("township", prefix[:9] + "000", "township"),
                                 ("county", prefix[:6] + "000000", "county")):
            name = row.place.get(key)
            if name:
                wanted.setdefault(code, (code, name, level))
    return list(wanted.values())

