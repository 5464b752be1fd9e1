"""`kace import xlsx`: a national-style 花名册 into the database, all or nothing (domain.md §9).

One row per member, the household's fields repeated on each row (or merged over its rows). Rows are
read leniently (app/exchange/normalize.py), grouped into households, matched with what the database
holds (户编号, then ID numbers, then names inside the household) and written in ONE transaction with
their change records: new rows are inserted, changed fields updated, nothing else touched; an empty
cell never clears a stored value. Importing the same file again changes nothing.

Rows that cannot be interpreted (no name, an ID number destroyed by Excel with no other key, an
unknown village) are left out and listed, with the reason, in an xlsx copy of the input with a
错误原因 column; so are the notes on rows imported with a field left out (a code not in the list).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import String, select

from app import fileops
from app.db.base import uuid7
from app.db.models import Assignment, Conditions, Helper, Household, Member, Region
from app.domain import codes, fields
from app.domain.errors import DomainError
from app.domain.household_code import format_household_code
from app.domain.idcard import birth_from_id, sex_from_id
from app.domain.text import squeeze
from app.exchange.sheet_columns import BY_KEY, COLUMNS, column_for
from app.exchange.normalize import Read, cell_text, is_empty, read_cell
from app.exchange.reader import MIN_HEADER_COLUMNS, ImportFileError, Table, find_table
from app.exchange.xlsx import ERROR_FILL, styled
from app.ops.context import OpContext
from app.ops.households import next_household_code

H, M, R, HP, A, CO = (Household.__table__, Member.__table__, Region.__table__, Helper.__table__,
                      Assignment.__table__, Conditions.__table__)
NORMAL = codes.MEMBER_STATUS.code("正常")
HEAD = codes.RELATION.code("户主")
SUBTOTAL = re.compile(r"合\s*计|小\s*计|总\s*计")
# A count standing in the 姓名 column ("人数：18", "户数 5") is a subtotal too.
HOME_TAUGHT = re.compile(r"送\s*教\s*上\s*门")
COUNT_IN_NAME = re.compile(r"^(人\s*数|户\s*数|共计)")
# Footer lines under the table: who made it, who checked it, how to fill it in.
FOOTER = re.compile(r"^(制\s*表\s*人|制表|填\s*表\s*人|审\s*核\s*人|填表说明|说\s*明\s*[:：]|注\s*[:：]|备注\s*[:：]|"
                    r"填报单位|填报日期|负\s*责\s*人|单位负责人|联系人\s*[:：])")
YEAR_TEXT = re.compile(r"((?:19|20)[0-9]{2})\s*年")
# Category spellings whose original text is kept in the household note (domain.md §3.1).
KEEP_ORIGINAL_CATEGORY = {"五保户", "五保贫困户", "扶贫低保户", "低保兜底户", "低保(部分)贫困户", "低保(全家)贫困户"}
_CHUNK = 500
# Column kinds whose cells repeat a few values: each distinct cell is read once per file.
CACHEABLE = frozenset({"code", "set", "bool", "abroad", "danger", "risk", "months", "year", "text", "sex"})


class _DryRun(Exception):
    pass


class _Ids:
    """Time-ordered keys in the file's order (members then list in the order they were given)."""

    def __init__(self):
        self.ms = time.time_ns() // 1_000_000
        self.tail = int.from_bytes(os.urandom(7), "big")

    def __call__(self) -> str:
        self.tail += 1
        return uuid7(self.ms, self.tail)



# --- what the rows say ------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # Excel row number (1-based)
    index: int  # index into Table.rows
    household: dict = field(default_factory=dict)
    member: dict = field(default_factory=dict)
    helper: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)
    place: dict = field(default_factory=dict)
    household_code: str | None = None
    head_id: str | None = None
    head_name: str | None = None
    category_text: str | None = None
    id_destroyed: bool = False
    notes: list[str] = field(default_factory=list)
    unmapped: dict = field(default_factory=dict)  # table -> {header: text as typed}
    left_out: str | None = None
    village_id: str | None = None

    @property
    def is_head(self) -> bool:
        return self.member.get("relation") == HEAD


@dataclass
class Problem:
    row: int
    reason: str
    left_out: bool

    def to_json(self) -> dict:
        return {"row": self.row, "reason": self.reason, "left_out": self.left_out}


@dataclass
class ImportReport:
    file: str
    sheet: str = ""
    dry_run: bool = False
    rows: int = 0
    blank_rows: int = 0
    subtotal_rows: int = 0
    header_rows: int = 0  # header rows repeated on each printed page
    footer_rows: int = 0
    unknown_villages: list[str] = field(default_factory=list)
    created_places: list[tuple[str, str, str]] = field(default_factory=list)
    data_year: int | None = None
    imported_rows: int = 0
    left_out_rows: int = 0
    households: dict = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    members: dict = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    changes: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    errors_file: str | None = None

    @property
    def changed(self) -> bool:
        return (bool(self.changes) or self.households["new"] > 0 or self.members["new"] > 0
                or bool(self.created_places))

    @property
    def skipped_rows(self) -> int:
        """Rows that are not records: 小计/合计/总计, repeated headers, footers."""
        return self.subtotal_rows + self.header_rows + self.footer_rows

    @property
    def exit_code(self) -> int:
        """0 every record row taken; 1 some left out; 2 nothing imported or unknown villages."""
        if self.unknown_villages or not self.imported_rows:
            return 2
        return 1 if self.left_out_rows else 0

    def to_json(self) -> dict:
        return {
            "file": self.file, "sheet": self.sheet, "dry_run": self.dry_run,
            "rows": {"total": self.rows, "imported": self.imported_rows, "left_out": self.left_out_rows,
                     "blank": self.blank_rows, "subtotal": self.subtotal_rows, "header": self.header_rows,
                     "footer": self.footer_rows, "skipped": self.skipped_rows},
            "data_year": self.data_year, "unknown_villages": self.unknown_villages,
            "created_places": [{"code": c, "name": n, "level": lv} for c, n, lv in self.created_places],
            "households": self.households, "members": self.members, "changes": self.changes,
            "problems": [p.to_json() for p in self.problems], "unknown_columns": self.unknown_columns,
            "errors_file": self.errors_file,
        }

    def summary(self) -> str:
        h, m = self.households, self.members
        if self.dry_run:
            head = "试导入（未写入数据库）"
        elif not self.changed:
            head = "未导入任何数据" if not self.imported_rows else "数据库没有变化（文件中的数据已全部在库中）"
        elif self.left_out_rows or self.unknown_villages:
            head = "部分导入"
        else:
            head = "导入完成"
        lines = [f"{head}：{self.file}（工作表“{self.sheet}”）"]
        for code, name, level in self.created_places:
            lines.append(f"  {'将新建' if self.dry_run else '已新建'}区划：{code} {name}")
        lines += [
            f"  数据行 {self.rows} 行：导入 {self.imported_rows} 行，未导入 {self.left_out_rows} 行，"
            f"空行 {self.blank_rows} 行，跳过非数据行 {self.skipped_rows} 行（合计/小计 {self.subtotal_rows}，"
            f"重复表头 {self.header_rows}，表尾 {self.footer_rows}）",
            f"  户：新增 {h['new']}，更新 {h['updated']}，无变化 {h['unchanged']}",
            f"  人：新增 {m['new']}，更新 {m['updated']}，无变化 {m['unchanged']}",
            f"  字段变更 {len(self.changes)} 处",
        ]
        if self.unknown_columns:
            lines.append(f"  未识别的列（未导入）：{'、'.join(self.unknown_columns)}")
        if self.problems:
            lines.append(f"  有问题的行 {len(self.problems)} 行" +
                         (f"，详见 {self.errors_file}" if self.errors_file else "（用 --errors 文件.xlsx 导出错误清单）"))
        return "\n".join(lines)


def _text_limit(table, name: str) -> int:
    t = table.c[name].type
    return t.length if isinstance(t, String) and t.length else 10_000


_TABLES = {"household": H, "member": M, "helper": HP, "conditions": CO}


def _readers(table: Table):
    """(column index, layout column, code list, text limit) for every recognised column."""
    out = []
    for c, key in sorted(table.columns.items()):
        spec = BY_KEY[key]
        if spec.kind == "ignore":
            continue
        codelist = codes.ALL[spec.codelist] if spec.codelist else None
        limit = _text_limit(_TABLES[spec.table], spec.field) if spec.table in _TABLES and spec.field else 100
        out.append((c, spec, codelist, limit))
    return out


@dataclass
class Skipped:
    blank: int = 0
    subtotal: int = 0
    header: int = 0
    footer: int = 0


def _non_record(raw: list, name_cell: str) -> str | None:
    """Why a row is not a record (subtotal, header, footer), or None for a record."""
    texts = [v for v in raw if isinstance(v, str) and v.strip()]
    if any(SUBTOTAL.search(t) for t in texts) or COUNT_IN_NAME.match(name_cell):
        return "subtotal"
    if sum(1 for t in texts if column_for(t)) >= MIN_HEADER_COLUMNS:
        return "header"
    first = next((cell_text(v) for v in raw if not is_empty(v)), "")
    if FOOTER.match(first):
        return "footer"
    return None


def parse_rows(table: Table) -> tuple[list[Row], Skipped]:
    """The data rows as Rows; blank rows and rows that are not records are counted and skipped."""
    readers = _readers(table)
    name_col = next((c for c, k in table.columns.items() if k == "name"), None)
    if name_col is None:
        name_col = next((c for c, k in table.columns.items() if k == "head_name"), None)
    member_file = any(k == "name" for k in table.columns.values())
    rows, skipped = [], Skipped()
    caches = [{} if spec.kind in CACHEABLE else None for _, spec, _, _ in readers]
    for index in range(table.data_start, len(table.rows)):
        cells = table.rows[index]
        raw = table.raw[index] if index < len(table.raw) else cells
        if all(is_empty(v) for v in raw):
            skipped.blank += 1
            continue
        name_cell = cell_text(raw[name_col]) if name_col is not None and name_col < len(raw) else ""
        kind = _non_record(raw, name_cell)
        if kind:
            setattr(skipped, kind, getattr(skipped, kind) + 1)
            continue
        row = Row(index + 1, index)
        for (c, spec, codelist, limit), cache in zip(readers, caches):
            cell = cells[c] if c < len(cells) else ""
            if cache is None:
                read = read_cell(spec.kind, cell, spec.header, codelist, limit)
            else:  # few distinct values (是/否, code labels, place names): read each once
                read = cache.get(cell)
                if read is None:
                    read = cache[cell] = read_cell(spec.kind, cell, spec.header, codelist, limit)
            _apply(row, spec, read, cell)
        if not member_file:  # one row per household: the 户主 is the member of the row
            row.member = {"name": row.head_name, "relation": HEAD}
            if row.head_id:
                row.member["id_number"] = row.head_id
        if not row.member.get("name"):
            row.left_out = "姓名为空"
        elif row.id_destroyed and not row.household_code and not row.member.get("person_code"):
            row.left_out = "证件号码无法恢复，且没有户编号或人编号可以确定此人"
        rows.append(row)
    return rows, skipped


def _apply(row: Row, spec, read: Read, cell) -> None:
    if read.note:
        row.notes.append(read.note)
    if read.kept is not None and spec.table in ("household", "member", "conditions"):
        table = "member" if spec.table == "member" else "household"  # 危房户 etc.: on the household
        row.unmapped.setdefault(table, {})[spec.header] = read.kept
    if spec.key == "education" and read.kept is not None:
        schooling = codes.EDUCATION_AS_SCHOOLING.get(squeeze(read.kept))
        if schooling:  # 文化程度 学龄前儿童: a pre-school child, said in 在校生状况
            row.unmapped["member"].pop(spec.header)
            row.notes.pop()
            row.member.setdefault("schooling", codes.SCHOOLING.code(schooling))
            return
    if spec.kind == "id" and read.destroyed:
        row.id_destroyed = row.id_destroyed or spec.key == "id_number"
    value = read.value
    key = spec.key
    if key == "household_code":
        row.household_code = value
    elif key == "head_id":
        row.head_id = value
    elif key == "head_name":
        row.head_name = value
    elif spec.table == "place":
        if value is not None:
            row.place[key] = value
    elif value is None:
        return
    elif spec.table == "household":
        if key == "category":
            row.category_text = cell_text(cell)
        row.household[spec.field] = value
    elif spec.table == "member":
        if spec.key == "dropout_reason" and HOME_TAUGHT.search(str(value)):
            row.member.setdefault("home_schooled", True)  # 失学或辍学原因 "送教上门"
        row.member[spec.field] = value
    elif spec.table == "helper":
        row.helper[spec.field] = value
    elif spec.table == "conditions":
        row.conditions[spec.field] = value


# --- places -----------------------------------------------------------------------------------


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
    from app.domain.regions import parse_division_code

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


def _sheet_year(table: Table, rows: Sequence[Row]) -> int | None:
    """The sheet's 年度: the latest of its 年度 column, else a year in its title rows."""
    years = [r.household.get("data_year") for r in rows if r.household.get("data_year")]
    if years:
        return max(years)
    for index in range(table.header_rows[0]):
        for cell in table.raw[index]:
            match = YEAR_TEXT.search(cell) if isinstance(cell, str) else None
            if match:
                return int(match.group(1))
    return None


# --- households -------------------------------------------------------------------------------


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


def _changed(current: dict, new: dict) -> dict:
    return {k: v for k, v in new.items() if v is not None and current.get(k) != v}


class _Existing:
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


class _Numbering:
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


class Plan:
    """Everything the import will write, computed before the write transaction's writes."""

    def __init__(self):
        self.new_households: list[dict] = []
        self.new_members: list[dict] = []
        self.updates: list[tuple[str, str, dict]] = []  # (table, row id, values)
        self.new_helpers: list[dict] = []
        self.new_assignments: list[dict] = []
        self.ended_assignments: list[str] = []
        self.new_conditions: list[dict] = []


def _same_person(stored: dict, typed: dict, id_destroyed: bool) -> bool:
    """A member of the household with the same name is the typed person unless both carry ID numbers
    for different birth dates (a corrected check character updates the number; a namesake does not)."""
    number = typed.get("id_number")
    if not number or not stored["id_number"] or id_destroyed:
        return True
    try:
        return birth_from_id(number) == (stored["birth_date"] or birth_from_id(stored["id_number"]))
    except DomainError:
        return False


def _member_defaults(m: dict) -> dict:
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


class Importer:
    def __init__(self, ctx: OpContext, table: Table, village_code: str | None, create_villages: bool = False):
        self.ctx = ctx
        self.table = table
        self.village_code = village_code
        self.create_villages = create_villages
        self.report = ImportReport(str(table.path.name), table.sheet)
        self.new_id = _Ids()
        self.report.unknown_columns = table.unknown

    def run(self, dry_run: bool) -> ImportReport:
        report = self.report
        report.dry_run = dry_run
        rows, skipped = parse_rows(self.table)
        report.blank_rows, report.subtotal_rows = skipped.blank, skipped.subtotal
        report.header_rows, report.footer_rows = skipped.header, skipped.footer
        report.rows = len(rows) + report.blank_rows + report.skipped_rows
        report.data_year = _sheet_year(self.table, rows)
        try:
            with self.ctx.write(bulk=True) as w:
                self._write(w, rows)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        report.left_out_rows = sum(1 for r in rows if r.left_out)
        report.imported_rows = len(rows) - report.left_out_rows
        report.problems = [Problem(r.number, _reason(r), bool(r.left_out)) for r in rows if r.left_out or r.notes]
        return report

    def _write(self, w, rows: list[Row]) -> None:
        session = w.session
        places = Places(session, self.new_id)
        chosen = None
        if self.village_code:
            chosen = places.by_code.get(self.village_code)
            if chosen is None:
                raise ImportFileError(f"村不存在：{self.village_code}")
        elif not self.table.has("village"):
            raise ImportFileError("文件中没有“村”列：请用 --village 指定导入到哪个村")
        if chosen is None and self.create_villages:
            wanted = missing_places(places, rows)
            if wanted:
                from app.ops.regions import write_places

                self.report.created_places = write_places(w, wanted).created
                places = Places(session, self.new_id)
        unknown = []
        for row in rows:
            if row.left_out:
                continue
            village, problem = places.village(row, chosen)
            if problem:
                row.left_out = problem
                if village is None and problem.startswith("村不存在") and row.place["village"] not in unknown:
                    unknown.append(row.place["village"])
            row.village = village
        self.report.unknown_villages = unknown
        families = group_rows(rows, self.table.has("household_code"), self.table.has("head_id"))
        existing = _Existing(session, families)
        plan = Plan()
        self.numbers = _Numbering(session)
        for family in families:
            self._plan_family(family, existing, places, plan)
        self._apply(w, plan, places)

    def _plan_family(self, family: Family, existing: _Existing, places: Places, plan: Plan) -> None:
        main = family.main
        current = existing.find(family)
        values = dict(main.household)
        for row in family.rows:  # household fields only on some rows (merged cells, sparse files)
            for k, v in row.household.items():
                values.setdefault(k, v)
        if values.get("data_year") is None and self.report.data_year:
            values["data_year"] = self.report.data_year
        if values.get("reported_per_capita") is not None:
            values["reported_income_year"] = values.get("data_year")
        unmapped = {}
        for row in family.rows:
            unmapped.update(row.unmapped.get("household", {}))
        merged = _merge_unmapped(current.get("unmapped") if current else None, unmapped,
                                 {"household": values, "conditions": {k: v for r in family.rows
                                                                      for k, v in r.conditions.items()}})
        if merged is not _SAME:
            values["unmapped"] = merged
        group_text = next((r.place.get("group") for r in family.rows if r.place.get("group")), None)
        group_id = places.group(family.village, group_text)
        if group_id:
            values["group_id"] = group_id
        national = next((r.household_code for r in family.rows if r.household_code), None)
        category_text = main.category_text
        if current is not None and current["village_id"] != family.village.id:
            for row in family.rows:
                row.left_out = f"该户（户编号 {national}）已登记在其他村，未导入"
            return
        household_changed = False
        if current is None:
            hid = self._new_household(family, values, national, category_text, plan)
            code = plan.new_households[-1]["code"]
            members_now: list[dict] = []
            self.report.households["new"] += 1
        else:
            hid, code = current["id"], current["code"]
            if national and not current["national_code"] and national != current["code"]:
                values["national_code"] = national
            note = _category_note(category_text, current.get("note"))
            if note:
                values["note"] = note
            diff = _changed(current, values)
            if "unmapped" in values and values["unmapped"] is None and current.get("unmapped"):
                diff["unmapped"] = None  # every kept cell now reads as a code
            if diff:
                plan.updates.append(("household", hid, diff))
                self._log(code, None, "household", current, diff)
                household_changed = True
            members_now = existing.members[hid]
        member_changes = self._plan_members(family, hid, code, members_now, plan)
        helper_changed = self._plan_helper(family, hid, code, existing, plan)
        conditions_changed = self._plan_conditions(family, hid, code, existing, plan)
        if current is not None:
            if household_changed or member_changes or helper_changed or conditions_changed:
                self.report.households["updated"] += 1
            else:
                self.report.households["unchanged"] += 1

    def _new_household(self, family, values, national, category_text, plan) -> str:
        hid = self.new_id()
        row = {"id": hid, "village_id": family.village.id, "code": self.numbers.next(family.village.code),
               "national_code": national, **values}
        note = _category_note(category_text, None)
        if note:
            row["note"] = note
        plan.new_households.append(row)
        return hid

    def _plan_members(self, family: Family, hid: str, code: str, members_now: list[dict], plan: Plan) -> bool:
        changed = False
        used: set[str] = set()
        for row in family.rows:
            m = dict(row.member)
            number = m.get("id_number")
            match = None
            if number:
                match = next((x for x in members_now if x["id"] not in used and x["id_number"] == number), None)
            if match is None:
                match = next((x for x in members_now if x["id"] not in used and x["name"] == m["name"]
                              and _same_person(x, m, row.id_destroyed)), None)
            if match is None:
                if row.unmapped.get("member"):
                    m["unmapped"] = json.dumps(row.unmapped["member"], ensure_ascii=False, sort_keys=True)
                plan.new_members.append(_member_defaults({"id": self.new_id(), "household_id": hid, **m}))
                self.report.members["new"] += 1
                changed = True
                continue
            used.add(match["id"])
            merged = _merge_unmapped(match.get("unmapped"), row.unmapped.get("member", {}), {"member": m})
            if merged is not _SAME:
                m["unmapped"] = merged
            diff = _changed(match, m)
            if "unmapped" in m and m["unmapped"] is None and match.get("unmapped"):
                diff["unmapped"] = None  # every kept cell now reads as a code: nothing left to keep
            if diff:
                plan.updates.append(("member", match["id"], diff))
                self._log(code, match["name"], "member", match, diff)
                self.report.members["updated"] += 1
                changed = True
            else:
                self.report.members["unchanged"] += 1
        return changed

    def _plan_helper(self, family: Family, hid: str, code: str, existing: _Existing, plan: Plan) -> bool:
        info = next((r.helper for r in family.rows if r.helper.get("name")), None)
        if not info:
            return False
        helper = next((h for h in existing.helpers if h["name"] == info["name"]
                       and (not info.get("phone") or h["phone"] == info.get("phone"))), None)
        if helper is None:
            helper = {"id": self.new_id(), "name": info["name"], "unit": info.get("unit"), "phone": info.get("phone")}
            existing.helpers.append(helper)
            plan.new_helpers.append(dict(helper))
        else:
            diff = _changed(helper, {k: v for k, v in info.items() if k in ("unit", "phone")})
            if diff and not any(u[1] == helper["id"] for u in plan.updates):
                plan.updates.append(("helper", helper["id"], diff))
                self._log(code, helper["name"], "helper", helper, diff)
                helper.update(diff)
        current = existing.helper_of.get(hid)
        if current is not None and current["helper_id"] == helper["id"]:
            return False
        if current is not None:
            plan.ended_assignments.append(current["id"])
            self._log(code, None, "assignment", {"helper_id": current["helper_id"]}, {"helper_id": helper["name"]})
        plan.new_assignments.append({"household_id": hid, "helper_id": helper["id"], "start_date": self.ctx.today})
        return True

    def _plan_conditions(self, family: Family, hid: str, code: str, existing: _Existing, plan: Plan) -> bool:
        values = {}
        for row in family.rows:
            for k, v in row.conditions.items():
                values.setdefault(k, v)
        if not values:
            return False
        current = existing.conditions.get(hid)
        if current is None:
            plan.new_conditions.append({"household_id": hid, "year": self.report.data_year or self.ctx.today.year,
                                        **values})
            return True
        diff = _changed(current, values)
        if diff:
            plan.updates.append(("conditions", current["id"], diff))
            self._log(code, None, "conditions", current, diff)
            return True
        return False

    def _log(self, code: str, name: str | None, table: str, current: dict, diff: dict) -> None:
        for f, new in diff.items():
            self.report.changes.append({"household_code": code, "name": name, "table": table,
                                        "field": fields.label(table, f), "old": _shown(table, f, current.get(f)),
                                        "new": _shown(table, f, new)})

    def _apply(self, w, plan: Plan, places: Places) -> None:
        if places.new_groups:
            w.insert_many(R, places.new_groups, typed=True)
        if plan.new_helpers:
            w.insert_many(HP, plan.new_helpers, typed=True)
        w.insert_many(H, plan.new_households, typed=True)
        w.insert_many(M, plan.new_members, typed=True)
        for table, row_id, values in plan.updates:
            w.update(table, row_id, values)
        for assignment_id in plan.ended_assignments:
            w.update(A, assignment_id, {"end_date": self.ctx.today})
        if plan.new_assignments:
            w.insert_many(A, plan.new_assignments, typed=True)
        if plan.new_conditions:
            w.insert_many(CO, plan.new_conditions, typed=True)


_SAME = object()


def _merge_unmapped(stored: str | None, kept: dict, mapped: dict[str, dict]):
    """The cells kept as typed after this import: what was kept before, less the columns that now
    read as a code, plus what this file kept. _SAME when nothing changes; None when nothing is left."""
    before = json.loads(stored) if stored else {}
    after = dict(before)
    for table, values in mapped.items():
        for c in COLUMNS:
            if c.table == table and c.field in values and values[c.field] is not None:
                after.pop(c.header, None)
    after.update(kept)
    if after == before:
        return _SAME
    return json.dumps(after, ensure_ascii=False, sort_keys=True) if after else None


def _shown(table: str, field: str, value) -> str | None:
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


def _category_note(text: str | None, note: str | None) -> str | None:
    """The original 贫困户属性 spelling kept in the note (五保户 stored as 特困供养贫困户)."""
    if not text or re.sub(r"\s+", "", text) not in KEEP_ORIGINAL_CATEGORY:
        return None
    line = f"原贫困户属性：{text.strip()}"
    if note and line in note:
        return None
    return f"{note}\n{line}" if note else line


def _reason(row: Row) -> str:
    if row.left_out:
        notes = "；".join(row.notes)
        return f"未导入：{row.left_out}" + (f"（{notes}）" if notes else "")
    return "已导入，但：" + "；".join(row.notes)


def import_xlsx(ctx: OpContext, path: Path | str, village_code: str | None = None, *, dry_run: bool = False,
                errors_path: Path | str | None = None, create_villages: bool = False) -> ImportReport:
    """Import a 花名册 file in one transaction (or try it, with dry_run) and report what changed.
    With create_villages the 乡镇 and 村 the sheet names and the database lacks are created first,
    in the same transaction (report.created_places)."""
    table = find_table(path)
    report = Importer(ctx, table, village_code.strip() if village_code else None, create_villages).run(dry_run)
    if errors_path is not None and report.problems:
        write_error_copy(table, report.problems, errors_path)
        report.errors_file = str(errors_path)
    return report


def write_error_copy(table: Table, problems: list[Problem], path: Path | str) -> Path:
    """The input sheet as it was, with a 错误原因 column saying what happened to each problem row."""
    from openpyxl import Workbook

    path = Path(path)
    by_row = {p.row: p for p in problems}
    width = max((len(r) for r in table.raw), default=0)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.sheet[:31] or "Sheet1")
    header_row = table.header_rows[-1] + 1
    for index, raw in enumerate(table.raw):
        number = index + 1
        values = [None if is_empty(v) else v for v in raw] + [None] * (width - len(raw))
        problem = by_row.get(number)
        if number == header_row:
            values.append(styled(ws, "错误原因", fill=ERROR_FILL))
        elif problem is not None:
            values = [styled(ws, v, fill=ERROR_FILL) for v in values]
            values.append(styled(ws, problem.reason, fill=ERROR_FILL))
        ws.append(values)
    fileops.write_via(path, wb.save)  # beside it, then swapped in (retried while WPS holds it)
    return path


IMPORT_TABLES = frozenset({"household", "member", "region", "helper", "assignment", "conditions"})


def import_op(ctx: OpContext, path: Path | str, village_code: str | None = None, *, dry_run: bool = False,
              errors_path: Path | str | None = None, create_villages: bool = False):
    """import_xlsx as an op for the client's runner: Result(report, changed tables)."""
    from app.ops.context import Result

    report = import_xlsx(ctx, path, village_code, dry_run=dry_run, errors_path=errors_path,
                         create_villages=create_villages)
    return Result(report, frozenset() if dry_run or not report.changed else IMPORT_TABLES)


def preview(path: Path | str, rows: int = 20) -> dict:
    """What the wizard shows before anything is read into the database: the sheet, the header
    found, the columns recognised and the first data rows."""
    table = find_table(path)
    headers = [table.headers.get(c, "") for c in range(max((len(r) for r in table.rows), default=0))]
    recognised = {c: BY_KEY[k].header for c, k in table.columns.items()}
    data = [[cell_text(v) for v in table.rows[i]] for i in range(table.data_start,
                                                               min(len(table.rows), table.data_start + rows))]
    return {"sheet": table.sheet, "header_rows": [r + 1 for r in table.header_rows], "headers": headers,
            "recognised": recognised, "unknown": table.unknown, "rows": data,
            "data_rows": len(table.rows) - table.data_start}
