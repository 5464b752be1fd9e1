"""Rows into households, matched with what the database holds (户编号, then ID numbers, then names
inside the household), and the values an import writes: only what changed, an empty cell never
clearing a stored value, cells kept as typed when they read as no code."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.db.models import Assignment, Conditions, Helper, Household, Member
from app.domain import codes, fields
from app.domain.errors import DomainError
from app.domain.household_code import format_household_code
from app.domain.idcard import birth_from_id, sex_from_id
from app.exchange.import_rows import Row
from app.exchange.sheet_columns import COLUMNS
from app.ops.households import next_household_code

H, M, HP, A, CO = (Household.__table__, Member.__table__, Helper.__table__, Assignment.__table__,
                   Conditions.__table__)
NORMAL = codes.MEMBER_STATUS.code("正常")
# Category spellings whose original text is kept in the household note (domain.md §3.1).
KEEP_ORIGINAL_CATEGORY = {"五保户", "五保贫困户", "扶贫低保户", "低保兜底户", "低保(部分)贫困户", "低保(全家)贫困户"}
_CHUNK = 500


@dataclass
class Family:
    village: object
    rows: list[Row]
    key: str

    @property
    def main(self) -> Row:
        return next((r for r in self.rows if r.is_head), self.rows[0])


def group_rows(rows: Sequence[Row], has_codes: bool, has_head_ids: bool) -> list[Family]:
    """Member rows into households: by 户编号, else by the 户主's ID number, else a new household
    at each 户主 row."""
    families: dict[str, Family] = {}
    current = None
    for n, row in enumerate(rows):
        if row.left_out:
            continue
        if has_codes and row.household_code:
            key = f"code:{row.village.id}:{row.household_code}"
        elif has_head_ids and row.head_id:
            key = f"head:{row.village.id}:{row.head_id}"
        elif current is None or row.is_head or current.village.id != row.village.id:
            key = f"seq:{n}"
        else:
            key = current.key
        family = families.get(key)
        if family is None:
            family = families[key] = Family(row.village, [], key)
        family.rows.append(row)
        current = family
    return list(families.values())


def changed_values(current: dict, new: dict) -> dict:
    return {k: v for k, v in new.items() if v is not None and current.get(k) != v}


class Existing:
    """What the database holds for the households and people of the file (set-based loads)."""

    def __init__(self, session, families: list[Family]):
        codes_ = {r.household_code for f in families for r in f.rows if r.household_code}
        ids = {r.member.get("id_number") for f in families for r in f.rows if r.member.get("id_number")}
        self.by_code: dict[str, dict] = {}
        for chunk in _chunks(sorted(codes_)):
            for h in session.execute(select(H).where(H.c.deleted.is_(False), H.c.national_code.in_(chunk))).mappings():
                self.by_code.setdefault(h["national_code"], dict(h))
            for h in session.execute(select(H).where(H.c.deleted.is_(False), H.c.code.in_(chunk))).mappings():
                self.by_code.setdefault(h["code"], dict(h))
        self.household_of_id: dict[str, str] = {}
        for chunk in _chunks(sorted(ids)):
            for mid, hid, number in session.execute(select(M.c.id, M.c.household_id, M.c.id_number).where(
                    M.c.deleted.is_(False), M.c.id_number.in_(chunk))):
                self.household_of_id.setdefault(number, hid)
        wanted = {h["id"] for h in self.by_code.values()} | set(self.household_of_id.values())
        self.households: dict[str, dict] = {}
        self.members: dict[str, list[dict]] = defaultdict(list)
        self.helper_of: dict[str, dict] = {}
        self.conditions: dict[str, dict] = {}
        for chunk in _chunks(sorted(wanted)):
            for h in session.execute(select(H).where(H.c.id.in_(chunk), H.c.deleted.is_(False))).mappings():
                self.households[h["id"]] = dict(h)
            for m in session.execute(select(M).where(M.c.household_id.in_(chunk), M.c.deleted.is_(False))
                                     .order_by(M.c.id)).mappings():
                self.members[m["household_id"]].append(dict(m))
            for a in session.execute(select(A.c.id, A.c.household_id, A.c.helper_id, A.c.start_date).where(
                    A.c.household_id.in_(chunk), A.c.end_date.is_(None), A.c.deleted.is_(False))
                    .order_by(A.c.start_date)).mappings():
                self.helper_of[a["household_id"]] = dict(a)
            for c in session.execute(select(CO).where(CO.c.household_id.in_(chunk), CO.c.deleted.is_(False))
                                     .order_by(CO.c.year)).mappings():
                self.conditions[c["household_id"]] = dict(c)  # the latest year wins
        self.helpers = [dict(h) for h in session.execute(
            select(HP.c.id, HP.c.name, HP.c.unit, HP.c.phone).where(HP.c.deleted.is_(False))).mappings()]

    def find(self, family: Family) -> dict | None:
        for row in family.rows:
            if row.household_code and row.household_code in self.by_code:
                return self.households.get(self.by_code[row.household_code]["id"])
        for row in family.rows:
            hid = self.household_of_id.get(row.member.get("id_number"))
            if hid and hid in self.households and self.households[hid]["village_id"] == family.village.id:
                return self.households[hid]
        return None


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Numbering:
    """户编号 for new households: the next free counters of this device in each village."""

    def __init__(self, session):
        self.session = session
        self.last: dict[str, str] = {}

    def next(self, village_code: str) -> str:
        if village_code not in self.last:
            self.last[village_code] = next_household_code(self.session, village_code)
        else:
            code = self.last[village_code]
            self.last[village_code] = format_household_code(village_code, int(code[13:15]), int(code[-4:]) + 1)
        return self.last[village_code]



def same_person(stored: dict, typed: dict, id_destroyed: bool) -> bool:
    """A member of the household with the same name is the typed person unless both carry ID numbers
    for different birth dates (a corrected check character updates the number; a namesake does not)."""
    number = typed.get("id_number")
    if not number or not stored["id_number"] or id_destroyed:
        return True
    try:
        return birth_from_id(number) == (stored["birth_date"] or birth_from_id(stored["id_number"]))
    except DomainError:
        return False


def member_defaults(m: dict) -> dict:
    """A new member: 正常, and sex and birth date from the ID number when the file has none."""
    m.setdefault("status", NORMAL)
    number = m.get("id_number")
    if number:
        try:
            m.setdefault("sex", sex_from_id(number))
            m.setdefault("birth_date", birth_from_id(number))
        except DomainError:
            pass
    return m



SAME = object()


def merge_unmapped(stored: str | None, kept: dict, mapped: dict[str, dict]):
    """The cells kept as typed after this import: what was kept before, less the columns that now
    read as a code, plus what this file kept. SAME when nothing changes; None when nothing is left."""
    before = json.loads(stored) if stored else {}
    after = dict(before)
    for table, values in mapped.items():
        for c in COLUMNS:
            if c.table == table and c.field in values and values[c.field] is not None:
                after.pop(c.header, None)
    after.update(kept)
    if after == before:
        return SAME
    return json.dumps(after, ensure_ascii=False, sort_keys=True) if after else None


def shown(table: str, field: str, value) -> str | None:
    """A value as people read it: labels for codes."""
    if value is None:
        return None
    codelist = fields.CODED.get(table, {}).get(field)
    if codelist is not None and value in codelist:
        return codelist.label(value)
    codelist = fields.CODED_SETS.get(table, {}).get(field)
    if codelist is not None:
        return codes.set_labels(codelist, value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def category_note(text: str | None, note: str | None) -> str | None:
    """The original 贫困户属性 spelling kept in the note (五保户 stored as 特困供养贫困户)."""
    if not text or re.sub(r"\s+", "", text) not in KEEP_ORIGINAL_CATEGORY:
        return None
    line = f"原贫困户属性：{text.strip()}"
    if note and line in note:
        return None
    return f"{note}\n{line}" if note else line

