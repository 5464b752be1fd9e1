"""The household list and the visit lists of the desktop screens: filters (ListQuery), sort
orders, a screenful of rows, the search index's keys and the change mark it is current up to.

The household list works on SQLite row numbers (`rowid`): integers are cheap to fetch and hold for
100k households, and they stay fixed while the program runs (the UUID is fetched with the row, for
opening and saving). The desktop program runs on SQLite only; these queries are not used on the
county server. Plain rows out, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, literal_column, select, text
from sqlalchemy.orm import Session

from app.db.models import Assignment, Change, Helper, Household, Member, Region, Visit
from app.domain import codes

H, M, R, V = Household.__table__, Member.__table__, Region.__table__, Visit.__table__
A, HP, CH = Assignment.__table__, Helper.__table__, Change.__table__
H_ROWID = literal_column("household.rowid")
LIVE_H = H.c.deleted.is_(False)
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
