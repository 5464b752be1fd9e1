"""`kace export xlsx`: a village's 花名册 in the national layout (domain.md §9).

With `members` one row per member (the 47 national columns, then what Kace also keeps), otherwise one
row per household. Values are written the way the importer reads them (labels for codes, 是/否,
dates as dates, ID numbers as text), so export → import changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
import json
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fileops
from app.db.lookup_queries import place_names
from app.db.models import (
    Assignment,
    Conditions,
    Helper,
    Household,
    Income,
    Member,
    Region,
)
from app.domain import codes
from app.domain.workflow import EXITED
from app.exchange.sheet_columns import (
    BY_KEY,
    HOUSEHOLD_EXPORT,
    MEMBER_EXPORT,
    NATIONAL_47,
    NATIONAL_HOUSEHOLD,
    UNSTORED_YES_NO,
    YES_NO_KINDS,
)
from app.exchange.normalize import ABROAD, CLEARED
from app.exchange.xlsx import BOLD, CENTER, TITLE, new_sheet, styled
from app.ops.context import OpContext

H, M, R, A, HP, I, CO = (Household.__table__, Member.__table__, Region.__table__, Assignment.__table__,
                         Helper.__table__, Income.__table__, Conditions.__table__)
NORMAL = codes.MEMBER_STATUS.code("正常")
HEAD = codes.RELATION.code("户主")


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def _label(codelist: codes.CodeList, code: str | None) -> str | None:
    if not code:
        return None
    return codelist.label(code) if code in codelist else code


def _set_labels(codelist: codes.CodeList, text: str | None) -> str | None:
    if not text:
        return None
    return ",".join(codelist.label(c) if c in codelist else c for c in text.split(","))


@dataclass
class ExportResult:
    path: Path
    households: int
    rows: int


def _kept(row: dict) -> dict:
    """Cells outside the code lists as they were typed ({header: text})."""
    return json.loads(row["unmapped"]) if row.get("unmapped") else {}


def _with_kept(values: dict, row: dict) -> dict:
    """A code column Kace could not map shows the text the sheet had, never an empty cell."""
    for header, text in _kept(row).items():
        key = next((k for k in values if BY_KEY[k].header == header), None) if header else None
        if key is not None and not values.get(key):
            values[key] = text
    return values


def _household_values(h: dict, places: dict, group: str | None, helper: dict | None, income, cond) -> dict:
    exited = h["status"] == EXITED
    return _with_kept({
        "province": places.get("province"), "city": places.get("prefecture"), "county": places.get("county"),
        "township": places.get("township"), "village": places.get("village"), "group": group,
        "household_code": h["national_code"] or h["code"], "head_name": h["head_name"],
        "head_id": h["head_id_number"], "household_phone": h["phone"], "bank": h["bank"],
        "bank_account": h["bank_account"], "standard": _label(codes.STANDARD, h["standard"]),
        "category": codes.category_display(h["category"], exited) if h["category"] in codes.CATEGORY else h["category"],
        "main_cause": _label(codes.CAUSE, h["main_cause"]), "other_causes": _set_labels(codes.CAUSE, h["other_causes"]),
        "status": _label(codes.HOUSEHOLD_STATUS, h["status"]), "identified_year": h["identified_year"],
        "planned_exit_year": h["planned_exit_year"], "exit_year": h["exit_year"],
        "size": h["size"] if h["reported_size"] is None else h["reported_size"],
        "per_capita": income if h["reported_per_capita"] is None else h["reported_per_capita"],
        "note": h["note"], "monitoring_type": _label(codes.MONITORING_TYPE, h["monitoring_type"]),
        "risk_cleared": None if not h["risk_status"] else _yes_no(h["risk_status"] == CLEARED),
        "risk_identified_on": h["risk_identified_on"], "risk_cleared_on": h["risk_cleared_on"],
        "helper_name": helper and helper["name"], "helper_unit": helper and helper["unit"],
        "helper_phone": helper and helper["phone"],
        "danger_house": None if cond is None or cond["house_safe"] is None else _yes_no(not cond["house_safe"]),
        "water_safe": None if cond is None else _yes_no(cond["water_safe"]),
    }, h)


_MEMBER_CODES = {"relation": codes.RELATION, "ethnicity": codes.ETHNICITY, "political": codes.POLITICAL,
                 "education": codes.EDUCATION, "schooling": codes.SCHOOLING, "labour": codes.LABOUR,
                 "work": codes.WORK, "disability_kind": codes.DISABILITY_KIND,
                 "disability_grade": codes.DISABILITY_GRADE, "member_status": codes.MEMBER_STATUS}
_MEMBER_BOOLS = ("medical_insured", "employee_medical", "critical_insured", "pension_insured", "employee_pension",
                 "dibao", "tekun", "soldier", "mandarin")
_MEMBER_PLAIN = ("name", "sex", "birth_date", "id_type", "id_number", "work_months", "work_place", "employer",
                 "work_channel", "dropout_reason", "public_post", "public_post_months", "disability_year")


def _member_values(m: dict) -> dict:
    out = {k: m[k] for k in _MEMBER_PLAIN}
    for key, codelist in _MEMBER_CODES.items():
        out[key] = _label(codelist, m["status" if key == "member_status" else key])
    for key in _MEMBER_BOOLS:
        out[key] = _yes_no(m[key])
    out["health"] = _set_labels(codes.HEALTH, m["health"])
    out["member_phone"] = m["phone"]
    out["abroad"] = None if not m["work"] else _yes_no(m["work"] == ABROAD)
    out["home_schooled"] = _yes_no(m["home_schooled"])
    out["person_code"] = m["person_code"]
    return _with_kept(out, m)


def _load(session: Session, village_ids: list[str]):
    households = [dict(r) for r in session.execute(
        select(H).where(H.c.village_id.in_(village_ids), H.c.deleted.is_(False)).order_by(H.c.code)).mappings()]
    in_village = select(H.c.id).where(H.c.village_id.in_(village_ids), H.c.deleted.is_(False))
    members = defaultdict(list)
    for m in session.execute(select(M).where(M.c.household_id.in_(in_village), M.c.deleted.is_(False))
                             .order_by(M.c.household_id, (M.c.relation != HEAD), M.c.id)).mappings():
        members[m["household_id"]].append(dict(m))
    groups = dict(session.execute(select(R.c.id, R.c.name).where(R.c.parent_id.in_(village_ids))).all())
    helpers = {}
    for hid, name, unit, phone in session.execute(
            select(A.c.household_id, HP.c.name, HP.c.unit, HP.c.phone).join(HP, HP.c.id == A.c.helper_id)
            .where(A.c.household_id.in_(in_village), A.c.end_date.is_(None), A.c.deleted.is_(False))
            .order_by(A.c.start_date)):
        helpers[hid] = {"name": name, "unit": unit, "phone": phone}
    incomes = {}
    for hid, _, pc in session.execute(select(I.c.household_id, I.c.year, I.c.per_capita).where(
            I.c.household_id.in_(in_village), I.c.deleted.is_(False)).order_by(I.c.year)):
        incomes[hid] = pc
    conditions = {}
    for c in session.execute(select(CO.c.household_id, CO.c.house_safe, CO.c.water_safe).where(
            CO.c.household_id.in_(in_village), CO.c.deleted.is_(False)).order_by(CO.c.year)).mappings():
        conditions[c["household_id"]] = c
    return households, members, groups, helpers, incomes, conditions


LAYOUTS = ("full", "national")


def data_year(households: list[dict], incomes_years: list[int], fallback: int) -> int:
    """The year the data speaks of: the latest 年度 an imported sheet gave, else the latest income
    year, else `fallback` (the export's reference date)."""
    years = [h["data_year"] for h in households if h["data_year"]]
    if years:
        return max(years)
    return max(incomes_years) if incomes_years else fallback


def export_xlsx(ctx: OpContext, village_id: str | list[str], path: Path | str, *,
                members: bool = False, layout: str = "full") -> ExportResult:
    """Write the 花名册 of a village (or of several, one after the other); returns how many households
    and rows were written.

    layout "full": a title row, then every column Kace keeps (export → import is lossless).
    layout "national": exactly the national layout (the 47 member columns, or the per-household
    register of domain.md §7), the header in the first row, every yes/no column filled."""
    if layout not in LAYOUTS:
        raise ValueError(layout)
    path = Path(path)
    national = layout == "national"
    if national:
        keys = NATIONAL_47 if members else NATIONAL_HOUSEHOLD
    else:
        keys = MEMBER_EXPORT if members else HOUSEHOLD_EXPORT
    village_ids = [village_id] if isinstance(village_id, str) else list(village_id)
    with ctx.read() as s:
        places = {v: place_names(s, v) for v in village_ids}
        households, people, groups, helpers, incomes, conditions = _load(s, village_ids)
        income_years = s.execute(select(I.c.year).where(I.c.household_id.in_([h["id"] for h in households]),
                                                         I.c.deleted.is_(False)).distinct()).scalars().all() \
            if households else []
    fallback = data_year(households, list(income_years), ctx.today.year)
    yes_no = {k for k in keys if BY_KEY[k].kind in YES_NO_KINDS or k in UNSTORED_YES_NO} if national else set()
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, "花名册", [18 if k in ("id_number", "head_id", "household_code") else 12 for k in keys])
    if not national:
        ws.freeze_panes = "A3"
        first = places[village_ids[0]]
        title = "".join(first.get(k, "") for k in ("county", "township", "village")
                        if len(village_ids) == 1 or k == "county")
        ws.append([styled(ws, f"{title}建档立卡贫困户花名册（{'按人' if members else '按户'}）", TITLE)])
    else:
        ws.freeze_panes = "A2"
    ws.append([styled(ws, BY_KEY[k].header, BOLD, alignment=CENTER) for k in keys])
    rows = 0

    def write(values: dict) -> None:
        for k in yes_no:
            if values.get(k) is None:
                values[k] = "否"
        ws.append([values.get(k) for k in keys])

    for n, h in enumerate(households, 1):
        hv = _household_values(h, places[h["village_id"]], groups.get(h["group_id"]), helpers.get(h["id"]),
                               incomes.get(h["id"]), conditions.get(h["id"]))
        hv["year"], hv["serial"] = h["data_year"] or fallback, n
        if not members:
            write(hv)
            rows += 1
            continue
        for m in people.get(h["id"], ()):
            write({**hv, **_member_values(m)})
            rows += 1
    fileops.write_via(path, wb.save)  # beside it, then swapped in (retried while WPS holds it)
    return ExportResult(path, len(households), rows)
