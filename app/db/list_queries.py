"""Read queries of the desktop screens: the household list, the editor, visits, village figures.

Plain rows and dicts out, never ORM objects. The household list works on SQLite row numbers
(`rowid`): integers are cheap to fetch and hold for 100k households, and they stay fixed while the
program runs (the UUID is fetched with the row, for opening and saving). The desktop program runs on
SQLite only; these queries are not used on the county server.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from app.db.models import (
    Assignment,
    Change,
    Conditions,
    ExitAssessment,
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
from app.db import queries
from app.domain import codes
from app.ops.records import poverty_lines
from app.sync.codec import field_entries

H, M, R, V = Household.__table__, Member.__table__, Region.__table__, Visit.__table__
A, HP, CH = Assignment.__table__, Helper.__table__, Change.__table__
I, C, P = Income.__table__, Conditions.__table__, Plan.__table__
MS, LN, EA = Measure.__table__, Loan.__table__, ExitAssessment.__table__
REPLICA = Replica.__table__
H_ROWID = literal_column("household.rowid")
LIVE_H = H.c.deleted.is_(False)
NORMAL = codes.MEMBER_STATUS.code("正常")
EXITED = codes.HOUSEHOLD_STATUS.code("已脱贫")
CANCELLED = codes.HOUSEHOLD_STATUS.code("注销")
NO_STATUS = "-"  # the status filter value of households not registered (监测对象 一般农户)

# --- the household list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """What the household list shows: a place in the region tree and the filters."""

    level: str | None = None  # county/township/village/group; None = everything
    region_id: str | None = None
    status: str | None = None  # a HOUSEHOLD_STATUS code, or NO_STATUS
    category: str | None = None
    cause: str | None = None
    helper_id: str | None = None
    monitoring: bool = False
    unvisited_since: date | None = None  # 本月未走访: no visit on or after this date


def _current_helper(household_id_col):
    return (
        select(HP.c.name)
        .join(A, A.c.helper_id == HP.c.id)
        .where(A.c.household_id == household_id_col, A.c.end_date.is_(None),
               A.c.deleted.is_(False))
        .limit(1)
        .scalar_subquery()
    )


def _last_visit(household_id_col):
    return (
        select(func.max(V.c.visit_date))
        .where(V.c.household_id == household_id_col, V.c.deleted.is_(False))
        .scalar_subquery()
    )


def _conditions(q: ListQuery) -> list:
    conds = [LIVE_H]
    if q.level == "township" and q.region_id:
        conds.append(H.c.village_id.in_(select(R.c.id).where(R.c.parent_id == q.region_id)))
    elif q.level == "village" and q.region_id:
        conds.append(H.c.village_id == q.region_id)
    elif q.level == "group" and q.region_id:
        conds.append(H.c.group_id == q.region_id)
    if q.status == NO_STATUS:
        conds.append(H.c.status.is_(None))
    elif q.status:
        conds.append(H.c.status == q.status)
    if q.category:
        conds.append(H.c.category == q.category)
    if q.cause:
        conds.append(H.c.main_cause == q.cause)
    if q.monitoring:
        conds.append(H.c.monitoring_type.is_not(None))
    if q.helper_id:
        conds.append(exists().where(A.c.household_id == H.c.id, A.c.helper_id == q.helper_id,
                                    A.c.end_date.is_(None), A.c.deleted.is_(False)))
    if q.unvisited_since:
        conds.append(~exists().where(V.c.household_id == H.c.id, V.c.deleted.is_(False),
                                     V.c.visit_date >= q.unvisited_since))
    return conds


# Columns sorted by SQL; the others (names) are sorted by the screen in pinyin order.
SQL_ORDER = {
    "code": (H.c.code,),
    "id_number": (H.c.head_id_number, H.c.code),
    "size": (H.c.size, H.c.code),
    "category": (H.c.category, H.c.code),
    "cause": (H.c.main_cause, H.c.code),
    "status": (H.c.status, H.c.code),
    "last_visit": (_last_visit(H.c.id), H.c.code),
}
NAME_COLUMNS = {"head_name": H.c.head_name, "helper": _current_helper(H.c.id)}


def household_rowids(session: Session, q: ListQuery, order: str = "code",
                     descending: bool = False) -> list[int]:
    """Row numbers of the households the list shows, in the order of one SQL-sorted column."""
    cols = SQL_ORDER[order]
    keys = [c.desc() for c in cols] if descending else list(cols)
    stmt = select(H_ROWID).select_from(H).where(*_conditions(q)).order_by(*keys)
    return [r[0] for r in session.execute(stmt)]


def household_names(session: Session, q: ListQuery, column: str) -> list[tuple[int, str, str]]:
    """(row number, name, 户编号) for sorting by a name column in pinyin order."""
    stmt = select(H_ROWID, NAME_COLUMNS[column], H.c.code).select_from(H).where(*_conditions(q))
    return [tuple(r) for r in session.execute(stmt)]


@dataclass(frozen=True)
class ListRow:
    rowid: int
    id: str
    code: str
    head_name: str | None
    head_id_number: str | None
    size: int
    category: str | None
    main_cause: str | None
    status: str | None
    helper: str | None
    last_visit: date | None


def household_rows(session: Session, rowids: Sequence[int]) -> dict[int, ListRow]:
    """The list columns of some households, by row number (the list fetches a screenful)."""
    if not rowids:
        return {}
    stmt = select(
        H_ROWID, H.c.id, H.c.code, H.c.head_name, H.c.head_id_number, H.c.size, H.c.category,
        H.c.main_cause, H.c.status, _current_helper(H.c.id), _last_visit(H.c.id),
    ).select_from(H).where(H_ROWID.in_(list(rowids)))
    return {r[0]: ListRow(*r) for r in session.execute(stmt)}


def rowid_of(session: Session, household_id: str) -> int | None:
    return session.execute(select(H_ROWID).select_from(H).where(H.c.id == household_id)).scalar()


def household_by_code(session: Session, code: str) -> str | None:
    return session.execute(select(H.c.id).where(H.c.code == code.strip(), LIVE_H)).scalar()


# --- search keys -----------------------------------------------------------------------------


def search_keys(session: Session, household_ids: Iterable[str] | None = None) -> Iterable[tuple]:
    """(household rowid, 户编号, deleted, member name, initials, ID number) for the search index:
    every live member of every household (or of the given households), one row per member; a
    household without members gives one row with empty member fields."""
    join = and_(M.c.household_id == H.c.id, M.c.deleted.is_(False))
    stmt = (select(H_ROWID, H.c.code, H.c.deleted, M.c.name, M.c.name_initials, M.c.id_number)
            .select_from(H.outerjoin(M, join)))
    if household_ids is not None:
        ids = list(household_ids)
        out = []
        for start in range(0, len(ids), 500):
            chunk = stmt.where(H.c.id.in_(ids[start:start + 500])).order_by(H_ROWID)
            out.extend(tuple(r) for r in session.execute(chunk))
        return out
    # Streamed: 370k member rows need not be in memory at once.
    rows = session.execute(stmt.where(LIVE_H).order_by(H_ROWID).execution_options(yield_per=4000))
    return (tuple(r) for r in rows)


def release_memory(session: Session) -> None:
    """Give the page cache of this connection back (after a one-off scan such as the index)."""
    session.execute(text("PRAGMA shrink_memory"))


def change_mark(session: Session) -> int:
    """The newest change record's row number: the search index is current up to it."""
    return session.execute(select(func.max(literal_column("change.rowid"))).select_from(CH)).scalar() or 0


def households_changed_since(session: Session, mark: int) -> tuple[int, set[str]]:
    """Households whose search keys may have changed after `mark`, and the new mark."""
    # Filter the table in Python: a condition on table_name would make SQLite walk the
    # (table_name, row_id) index instead of the short row-number range.
    rows = session.execute(
        select(literal_column("change.rowid"), CH.c.table_name, CH.c.row_id).select_from(CH)
        .where(literal_column("change.rowid") > mark)
    ).all()
    new_mark = max([mark, *(r[0] for r in rows)])
    ids = {r.row_id for r in rows if r.table_name == "household"}
    member_ids = [r.row_id for r in rows if r.table_name == "member"]
    for start in range(0, len(member_ids), 500):
        ids.update(session.execute(
            select(M.c.household_id).where(M.c.id.in_(member_ids[start:start + 500]))).scalars())
    return new_mark, ids


# --- the region tree and the status bar -------------------------------------------------------


def region_tree(session: Session) -> tuple[list[dict], dict[str, int]]:
    """Regions from the county down (县 › 乡镇 › 村 › 组) and live households per village and group."""
    regions = [dict(r) for r in session.execute(
        select(R.c.id, R.c.code, R.c.name, R.c.level, R.c.parent_id)
        .where(R.c.deleted.is_(False), R.c.level.in_(("county", "township", "village", "group")))
        .order_by(R.c.code)
    ).mappings()]
    counts: dict[str, int] = defaultdict(int)
    for village_id, group_id, n in session.execute(
        select(H.c.village_id, H.c.group_id, func.count()).where(LIVE_H)
        .group_by(H.c.village_id, H.c.group_id)
    ):
        counts[village_id] += n
        if group_id:
            counts[group_id] += n
    return regions, dict(counts)


def status_figures(session: Session) -> dict:
    """Total households and changes not yet acknowledged by the county server (the outbox:
    this replica's sequence numbers are gap-free, so it is last_seq − acked_seq)."""
    me = session.execute(select(REPLICA.c.last_seq, REPLICA.c.acked_seq)).one()
    total = session.execute(select(func.count()).where(LIVE_H)).scalar_one()
    return {"households": total, "unsynced": max(0, me.last_seq - me.acked_seq)}


def schema_revision(session: Session) -> str | None:
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- the household editor ----------------------------------------------------------------------


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


def search_helpers(session: Session, text: str, limit: int = 30) -> list[dict]:
    """Helpers by name or pinyin initials prefix (the helper picker)."""
    text = text.strip()
    stmt = select(HP.c.id, HP.c.name, HP.c.unit, HP.c.post, HP.c.phone).where(HP.c.deleted.is_(False))
    if text:
        if text.isascii():
            stmt = stmt.where(HP.c.name_initials.like(text.lower() + "%"))
        else:
            stmt = stmt.where(HP.c.name.like(text + "%"))
    return [dict(r) for r in session.execute(stmt.order_by(HP.c.name).limit(limit)).mappings()]


def helpers_in_scope(session: Session, q: ListQuery) -> list[tuple[str, str]]:
    """Current helpers of the households in a place (the list's helper filter)."""
    scoped = select(H.c.id).where(*_conditions(ListQuery(q.level, q.region_id)))
    stmt = (select(HP.c.id, HP.c.name).join(A, A.c.helper_id == HP.c.id)
            .where(A.c.end_date.is_(None), A.c.deleted.is_(False), A.c.household_id.in_(scoped))
            .distinct().order_by(HP.c.name))
    return [tuple(r) for r in session.execute(stmt)]


# --- visits --------------------------------------------------------------------------------------


def visits_between(session: Session, q: ListQuery, start: date, end: date) -> list[dict]:
    """Visits in [start, end) to the households of a place, newest first."""
    scoped = select(H.c.id).where(*_conditions(ListQuery(q.level, q.region_id)))
    stmt = (select(V.c.id, V.c.household_id, V.c.visit_date, V.c.kind, V.c.visitors,
                   V.c.problems, H.c.code, H.c.head_name, HP.c.name.label("helper_name"))
            .join(H, H.c.id == V.c.household_id)
            .join(HP, HP.c.id == V.c.helper_id, isouter=True)
            .where(V.c.deleted.is_(False), V.c.visit_date >= start, V.c.visit_date < end,
                   V.c.household_id.in_(scoped))
            .order_by(V.c.visit_date.desc(), H.c.code))
    return [dict(r) for r in session.execute(stmt).mappings()]


def unvisited_by_helper(session: Session, q: ListQuery, since: date) -> list[dict]:
    """本月未走访: registered households of a place with no visit since `since`, with their
    current helper (households without a helper come under None)."""
    scope = ListQuery(q.level, q.region_id, unvisited_since=since)
    stmt = (select(H.c.id, H.c.code, H.c.head_name, H.c.status, A.c.helper_id,
                   HP.c.name.label("helper_name"), HP.c.unit, HP.c.phone)
            .select_from(H)
            .join(A, and_(A.c.household_id == H.c.id, A.c.end_date.is_(None),
                          A.c.deleted.is_(False)), isouter=True)
            .join(HP, HP.c.id == A.c.helper_id, isouter=True)
            .where(*_conditions(scope), H.c.status.is_not(None), H.c.status != CANCELLED)
            .order_by(HP.c.name, H.c.code))
    return [dict(r) for r in session.execute(stmt).mappings()]


def household_choices(session: Session, rowids: Sequence[int]) -> list[dict]:
    """id, 户编号, 户主, village name and current helper of some households (the visit picker)."""
    if not rowids:
        return []
    stmt = (select(H.c.id, H.c.code, H.c.head_name, R.c.name.label("village"),
                   _current_helper(H.c.id).label("helper"))
            .join(R, R.c.id == H.c.village_id)
            .where(H_ROWID.in_(list(rowids))))
    by_id = {r["id"]: dict(r) for r in session.execute(stmt).mappings()}
    return sorted(by_id.values(), key=lambda r: r["code"])


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


# --- the village page ----------------------------------------------------------------------------


def village_figures(session: Session, village_id: str, today: date) -> dict:
    """Households and people by status, the poor population, visits this month (the one
    definition of queries.month_visits)."""
    village = session.execute(select(R).where(R.c.id == village_id)).mappings().one()
    in_village = and_(LIVE_H, H.c.village_id == village_id)
    households = dict(session.execute(
        select(H.c.status, func.count()).where(in_village).group_by(H.c.status)).all())
    people = dict(session.execute(
        select(H.c.status, func.count()).select_from(M.join(H, H.c.id == M.c.household_id))
        .where(in_village, M.c.deleted.is_(False), M.c.status == NORMAL)
        .group_by(H.c.status)).all())
    registered = select(H.c.id).where(in_village, H.c.status.is_not(None), H.c.status != CANCELLED)
    visits, visited = queries.month_visits(session, select(H.c.id).where(in_village), today)
    n_registered = session.execute(select(func.count()).select_from(registered.subquery())).scalar_one()
    return {"village": dict(village), "households": households, "people": people,
            "registered": n_registered, "visited": visited, "visits": visits}


def villages_with_groups(session: Session) -> list[dict]:
    """Villages (with township name) and their groups, for choosing where a household lives."""
    township = R.alias("township")
    villages = [dict(r) for r in session.execute(
        select(R.c.id, R.c.code, R.c.name, township.c.name.label("township"))
        .join(township, township.c.id == R.c.parent_id, isouter=True)
        .where(R.c.level == "village", R.c.deleted.is_(False)).order_by(R.c.code)).mappings()]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gid, name, parent in session.execute(
            select(R.c.id, R.c.name, R.c.parent_id)
            .where(R.c.level == "group", R.c.deleted.is_(False)).order_by(R.c.code)):
        groups[parent].append((gid, name))
    for v in villages:
        v["groups"] = groups.get(v["id"], [])
    return villages
