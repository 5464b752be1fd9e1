"""`kace export xlsx`: a village's 花名册 in the national layout (domain.md §9).

With `members` one row per member (the 47 national columns, then what Kace also keeps), otherwise one
row per household. Values are written the way the importer reads them (labels for codes, 是/否,
dates as dates, ID numbers as text), so export → import changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fileops
from app.db.models import (
    Assignment,
    Conditions,
    Helper,
    Household,
    Income,
    Member,
    Region,
)
from app.db.queries import place_names
from app.domain import codes
from app.domain.workflow import EXITED
from app.exchange.layout import BY_KEY, HOUSEHOLD_EXPORT, MEMBER_EXPORT
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


def _household_values(h: dict, places: dict, group: str | None, helper: dict | None, income, cond) -> dict:
    exited = h["status"] == EXITED
    return {
        "province": places.get("province"), "city": places.get("prefecture"), "county": places.get("county"),
        "township": places.get("township"), "village": places.get("village"), "group": group,
        "household_code": h["national_code"] or h["code"], "head_name": h["head_name"],
        "head_id": h["head_id_number"], "household_phone": h["phone"], "bank": h["bank"],
        "bank_account": h["bank_account"], "standard": _label(codes.STANDARD, h["standard"]),
        "category": codes.category_display(h["category"], exited) if h["category"] in codes.CATEGORY else h["category"],
        "main_cause": _label(codes.CAUSE, h["main_cause"]), "other_causes": _set_labels(codes.CAUSE, h["other_causes"]),
        "status": _label(codes.HOUSEHOLD_STATUS, h["status"]), "identified_year": h["identified_year"],
        "planned_exit_year": h["planned_exit_year"], "exit_year": h["exit_year"], "size": h["size"],
        "per_capita": income, "monitoring_type": _label(codes.MONITORING_TYPE, h["monitoring_type"]),
        "risk_cleared": None if not h["risk_status"] else _yes_no(h["risk_status"] == CLEARED),
        "risk_identified_on": h["risk_identified_on"], "risk_cleared_on": h["risk_cleared_on"],
        "helper_name": helper and helper["name"], "helper_unit": helper and helper["unit"],
        "helper_phone": helper and helper["phone"],
        "danger_house": None if cond is None or cond["house_safe"] is None else _yes_no(not cond["house_safe"]),
        "water_safe": None if cond is None else _yes_no(cond["water_safe"]),
    }


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
    return out


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


def export_xlsx(ctx: OpContext, village_id: str | list[str], path: Path | str, *,
                members: bool = False) -> ExportResult:
    """Write the 花名册 of a village (or of several, one after the other); returns how many households
    and rows were written."""
    path = Path(path)
    keys = MEMBER_EXPORT if members else HOUSEHOLD_EXPORT
    village_ids = [village_id] if isinstance(village_id, str) else list(village_id)
    with ctx.read() as s:
        places = {v: place_names(s, v) for v in village_ids}
        households, people, groups, helpers, incomes, conditions = _load(s, village_ids)
    year = ctx.today.year
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, "花名册", [18 if k in ("id_number", "head_id", "household_code") else 12 for k in keys])
    ws.freeze_panes = "A3"
    first = places[village_ids[0]]
    title = "".join(first.get(k, "") for k in ("county", "township", "village") if len(village_ids) == 1 or k == "county")
    ws.append([styled(ws, f"{title}建档立卡贫困户花名册（{'按人' if members else '按户'}）", TITLE)])
    ws.append([styled(ws, BY_KEY[k].header, BOLD, alignment=CENTER) for k in keys])
    rows = 0
    for n, h in enumerate(households, 1):
        hv = _household_values(h, places[h["village_id"]], groups.get(h["group_id"]), helpers.get(h["id"]), incomes.get(h["id"]),
                               conditions.get(h["id"]))
        hv["year"], hv["serial"] = year, n
        if not members:
            ws.append([hv.get(k) for k in keys])
            rows += 1
            continue
        for m in people.get(h["id"], ()):
            values = {**hv, **_member_values(m)}
            ws.append([values.get(k) for k in keys])
            rows += 1
    fileops.write_via(path, wb.save)  # beside it, then swapped in (retried while WPS holds it)
    return ExportResult(path, len(households), rows)

