"""What the rows of a 花名册 say: each data row read leniently (app/exchange/normalize.py) into the
household, member, helper and conditions values it carries; blank rows and rows that are not records
(小计/合计, repeated headers, footer lines) counted and skipped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import String

from app.db.models import Conditions, Helper, Household, Member
from app.domain import codes
from app.domain.text import squeeze
from app.exchange.normalize import Read, cell_text, is_empty, read_cell
from app.exchange.reader import MIN_HEADER_COLUMNS, Table
from app.exchange.sheet_columns import BY_KEY, column_for

HEAD = codes.RELATION.code("户主")
SUBTOTAL = re.compile(r"合\s*计|小\s*计|总\s*计")
HOME_TAUGHT = re.compile(r"送\s*教\s*上\s*门")
# A count standing in the 姓名 column ("人数：18", "户数 5") is a subtotal too.
COUNT_IN_NAME = re.compile(r"^(人\s*数|户\s*数|共计)")
# Footer lines under the table: who made it, who checked it, how to fill it in.
FOOTER = re.compile(r"^(制\s*表\s*人|制表|填\s*表\s*人|审\s*核\s*人|填表说明|说\s*明\s*[:：]|注\s*[:：]|备注\s*[:：]|"
                    r"填报单位|填报日期|负\s*责\s*人|单位负责人|联系人\s*[:：])")
YEAR_TEXT = re.compile(r"((?:19|20)[0-9]{2})\s*年")
# Column kinds whose cells repeat a few values: each distinct cell is read once per file.
CACHEABLE = frozenset({"code", "set", "bool", "abroad", "danger", "risk", "months", "year", "text", "sex"})


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


_TABLES = {"household": Household.__table__, "member": Member.__table__, "helper": Helper.__table__,
           "conditions": Conditions.__table__}


def _text_limit(table, name: str) -> int:
    t = table.c[name].type
    return t.length if isinstance(t, String) and t.length else 10_000



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



def sheet_year(table: Table, rows: Sequence[Row]) -> int | None:
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


def problem_reason(row: Row) -> str:
    if row.left_out:
        notes = "；".join(row.notes)
        return f"未导入：{row.left_out}" + (f"（{notes}）" if notes else "")
    return "已导入，但：" + "；".join(row.notes)
