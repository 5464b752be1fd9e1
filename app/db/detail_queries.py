"""One household as the editor and the county console show it: its row and every record hanging
off it, its visits, its change history with the names its ids refer to, the fields sync found in
conflict. Portable SQL (SQLite and PostgreSQL); plain dicts out, never ORM objects."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db.models import (
    SYNCED_TABLES,
    Assignment,
    Change,
    Conditions,
    ExitAssessment,
    FieldHead,
    Helper,
    Household,
    Income,
    Loan,
    Measure,
    Member,
    Plan,
    Region,
    Replica,
    Visit,
)
from app.domain import codes
from app.db.poverty_lines import poverty_lines
from app.db.codec import field_entries

H, M, R, V = Household.__table__, Member.__table__, Region.__table__, Visit.__table__
A, HP, CH = Assignment.__table__, Helper.__table__, Change.__table__
I, C, P = Income.__table__, Conditions.__table__, Plan.__table__
MS, LN, EA = Measure.__table__, Loan.__table__, ExitAssessment.__table__
NORMAL = codes.MEMBER_STATUS.code("正常")


def _rows(session: Session, table, *where, order=()) -> list[dict]:
    stmt = select(table).where(table.c.deleted.is_(False), *where).order_by(*order)
    return [dict(r) for r in session.execute(stmt).mappings()]


# The parts of household_detail() and the tables each comes from (a save reloads only what it touched).
DETAIL_TABLES = {
    "household": {"household", "member"}, "members": {"member"}, "conditions": {"conditions"},
    "incomes": {"income"}, "plans": {"plan"}, "measures": {"measure"}, "loans": {"loan"},
    "assignments": {"assignment", "helper"}, "exit_assessments": {"exit_assessment"},
}


def _assignments(session: Session, household_id: str) -> list[dict]:
    return [dict(r) for r in session.execute(
        select(A.c.id, A.c.helper_id, A.c.start_date, A.c.end_date, HP.c.name, HP.c.unit,
               HP.c.post, HP.c.phone)
        .join(HP, HP.c.id == A.c.helper_id)
        .where(A.c.household_id == household_id, A.c.deleted.is_(False))
        .order_by(A.c.end_date.is_(None).desc(), A.c.start_date.desc())).mappings()]


def household_detail(session: Session, household_id: str, parts: Iterable[str] | None = None) -> dict | None:
    """Everything the editor shows of one household, as plain dicts; or only `parts` of it
    (keys of DETAIL_TABLES) after a save."""
    h = session.execute(select(H).where(H.c.id == household_id)).mappings().first()
    if h is None:
        return None
    hid = household_id
    readers = {
        "members": lambda: _rows(session, M, M.c.household_id == hid, order=(M.c.relation, M.c.birth_date)),
        "conditions": lambda: _rows(session, C, C.c.household_id == hid, order=(C.c.year.desc(),)),
        "incomes": lambda: _rows(session, I, I.c.household_id == hid, order=(I.c.year.desc(),)),
        "plans": lambda: _rows(session, P, P.c.household_id == hid, order=(P.c.year.desc(),)),
        "measures": lambda: _rows(session, MS, MS.c.household_id == hid, order=(MS.c.year.desc(), MS.c.type)),
        "loans": lambda: _rows(session, LN, LN.c.household_id == hid, order=(LN.c.start_date.desc(),)),
        "assignments": lambda: _assignments(session, hid),
        "exit_assessments": lambda: _rows(session, EA, EA.c.household_id == hid, order=(EA.c.year.desc(),)),
    }
    # Where the log stood when this was read: the editor's save names it (changelog.seen_as_of).
    out = {"household": dict(h), "log_seq": session.execute(select(Replica.__table__.c.last_log_seq)).scalar()}
    for key in (readers if parts is None else parts):
        if key in readers:
            out[key] = readers[key]()
    if parts is not None:
        return out
    village = session.execute(select(R).where(R.c.id == h["village_id"])).mappings().one()
    township = session.execute(select(R.c.name).where(R.c.id == village["parent_id"])).scalar()
    out["village"] = {"id": village["id"], "code": village["code"], "name": village["name"],
                      "township": township}
    out["groups"] = [tuple(r) for r in session.execute(
        select(R.c.id, R.c.name).where(R.c.parent_id == village["id"], R.c.level == "group",
                                       R.c.deleted.is_(False)).order_by(R.c.code))]
    out["lines"] = poverty_lines(session)
    return out


def household_visits(session: Session, household_id: str) -> list[dict]:
    stmt = (select(V, HP.c.name.label("helper_name"))
            .join(HP, HP.c.id == V.c.helper_id, isouter=True)
            .where(V.c.household_id == household_id, V.c.deleted.is_(False))
            .order_by(V.c.visit_date.desc()))
    return [dict(r) for r in session.execute(stmt).mappings()]


def household_history(session: Session, household_id: str, limit: int = 2000) -> list[dict]:
    """The change records of a household and of every row that belongs to it, newest first:
    who, when, which row, create/update/delete, and the payload (field → new, old)."""
    row_ids: dict[str, list[str]] = {"household": [household_id]}
    for table in (M, C, I, A, P, MS, LN, V):
        row_ids[table.name] = list(session.execute(
            select(table.c.id).where(table.c.household_id == household_id)).scalars())
    conds = [and_(CH.c.table_name == name, CH.c.row_id.in_(ids))
             for name, ids in row_ids.items() if ids]
    stmt = (select(CH.c.change_id, CH.c.table_name, CH.c.row_id, CH.c.op, CH.c.user_name,
                   CH.c.created_at, CH.c.payload, CH.c.seq)
            .where(or_(*conds)).order_by(CH.c.hlc.desc()).limit(limit))
    names = dict(session.execute(
        select(M.c.id, M.c.name).where(M.c.household_id == household_id)).all())
    names.update(session.execute(
        select(A.c.id, HP.c.name).join(HP, HP.c.id == A.c.helper_id)
        .where(A.c.household_id == household_id)).all())
    for table in (C, I, P):
        names.update((rid, f"{year}年") for rid, year in session.execute(
            select(table.c.id, table.c.year).where(table.c.household_id == household_id)))
    names.update((rid, codes.MEASURE_TYPE.label(t) if t in codes.MEASURE_TYPE else t)
                 for rid, t in session.execute(
                     select(MS.c.id, MS.c.type).where(MS.c.household_id == household_id)))
    names.update((rid, d.isoformat()) for rid, d in session.execute(
        select(V.c.id, V.c.visit_date).where(V.c.household_id == household_id)))
    out = []
    for r in session.execute(stmt).mappings():
        rec = dict(r)
        rec["payload"] = field_entries(json.loads(rec["payload"]))
        rec["row_name"] = names.get(rec["row_id"])
        out.append(rec)
    return out


def visit_defaults(session: Session, household_id: str) -> dict:
    """What the quick visit entry fills in for a household: its current helper and members."""
    helper = session.execute(
        select(HP.c.id, HP.c.name).join(A, A.c.helper_id == HP.c.id)
        .where(A.c.household_id == household_id, A.c.end_date.is_(None), A.c.deleted.is_(False))
    ).first()
    members = list(session.execute(
        select(M.c.name).where(M.c.household_id == household_id, M.c.deleted.is_(False),
                               M.c.status == NORMAL).order_by(M.c.relation)).scalars())
    return {"helper_id": helper.id if helper else None,
            "helper_name": helper.name if helper else None, "members": members}


def helper_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return dict(session.execute(select(HP.c.id, HP.c.name).where(HP.c.id.in_(ids))).all())


def reference_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """What a logged `*_id` value names, as the user knows it: a helper's, a place's (村, 组) or
    a member's name (变更历史 shows 所属村 团岗村, not a UUID)."""
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    out = helper_names(session, ids)
    for table in (R, M):
        out.update(session.execute(select(table.c.id, table.c.name).where(table.c.id.in_(ids))).all())
    return out


def conflicted_fields(session: Session, household_id: str) -> dict[tuple[str, str], set[str]]:
    """(table, row id) -> fields sync found in conflict, of the household row and its records."""
    fh = FieldHead.__table__
    found: dict[tuple[str, str], set[str]] = {}
    for name, table in SYNCED_TABLES.items():
        if name == "household":
            owner = fh.c.row_id == household_id
        elif "household_id" in table.c:
            owner = fh.c.row_id.in_(select(table.c.id).where(table.c.household_id == household_id))
        else:
            continue
        for row_id, field in session.execute(select(fh.c.row_id, fh.c.field).where(
                fh.c.table_name == name, fh.c.conflict.is_(True), owner)):
            found.setdefault((name, row_id), set()).add(field)
    return found
