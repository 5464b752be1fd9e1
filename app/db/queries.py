"""Read queries shared by the CLI, the list screens and the benchmarks. Plain rows out, no ORM objects."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from app.db.models import SYNCED_TABLES, Change, Household, Income, Member, Region, Visit
from app.domain import codes
from app.domain.idcard import normalize_id

H, M, R, V, I, CH = (Household.__table__, Member.__table__, Region.__table__, Visit.__table__,
                    Income.__table__, Change.__table__)
LIVE_H = H.c.deleted.is_(False)
NOT_REGISTERED = "未建档（监测对象）"


def village_by_code(session: Session, code: str):
    return session.execute(
        select(R.c.id, R.c.code, R.c.name).where(R.c.code == code, R.c.level == "village",
                                                 R.c.deleted.is_(False))
    ).first()


def villages(session: Session) -> list[dict]:
    township = R.alias("township")
    counts = (
        select(H.c.village_id, func.count().label("n")).where(LIVE_H).group_by(H.c.village_id)
        .subquery()
    )
    rows = session.execute(
        select(R.c.code, R.c.name, township.c.name.label("township"),
               func.coalesce(counts.c.n, 0).label("households"))
        .join(township, township.c.id == R.c.parent_id, isouter=True)
        .join(counts, counts.c.village_id == R.c.id, isouter=True)
        .where(R.c.level == "village", R.c.deleted.is_(False))
        .order_by(R.c.code)
    ).mappings()
    return [dict(r) for r in rows]


def _scope(village_id: str | None):
    return LIVE_H if village_id is None else (LIVE_H & (H.c.village_id == village_id))


def _money(value) -> float:
    return float(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def percentiles(values: Sequence[Decimal]) -> dict[str, float | None]:
    if len(values) < 2:
        only = _money(values[0]) if values else None
        return {"p10": only, "p50": only, "p90": only}
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return {"p10": _money(deciles[0]), "p50": _money(deciles[4]), "p90": _money(deciles[8])}


def _change_count(session: Session, village_id: str | None) -> int:
    if village_id is None:
        return session.execute(select(func.count()).select_from(CH)).scalar_one()
    households = select(H.c.id).where(H.c.village_id == village_id)
    row_ids = [households, select(M.c.id).where(M.c.household_id.in_(households))]
    for name, table in SYNCED_TABLES.items():
        if name not in ("household", "member") and "household_id" in table.c:
            row_ids.append(select(table.c.id).where(table.c.household_id.in_(households)))
    rows = union_all(*row_ids).subquery()
    return session.execute(
        select(func.count()).select_from(CH).where(CH.c.row_id.in_(select(rows.c[0])))
    ).scalar_one()


def stats(session: Session, village_id: str | None = None) -> dict:
    """The figures of `kace stats --json` (issue contract: keys must not be renamed)."""
    scope = _scope(village_id)
    in_scope = select(H.c.id).where(scope)
    households = session.execute(select(func.count()).where(scope)).scalar_one()
    members = session.execute(
        select(func.count()).where(M.c.deleted.is_(False), M.c.household_id.in_(in_scope))
    ).scalar_one()
    village_filter = R.c.level == "village"
    if village_id is not None:
        village_filter &= R.c.id == village_id
    n_villages = session.execute(
        select(func.count()).where(village_filter, R.c.deleted.is_(False))
    ).scalar_one()
    visits = session.execute(
        select(func.count()).where(V.c.deleted.is_(False), V.c.household_id.in_(in_scope))
    ).scalar_one()
    by_status = {}
    for status, n in session.execute(select(H.c.status, func.count()).where(scope).group_by(H.c.status)):
        by_status[codes.HOUSEHOLD_STATUS.label(status) if status else NOT_REGISTERED] = n
    latest = session.execute(
        select(func.max(I.c.year)).where(I.c.deleted.is_(False), I.c.household_id.in_(in_scope))
    ).scalar()
    values = session.execute(
        select(I.c.per_capita).where(
            I.c.year == latest, I.c.deleted.is_(False), I.c.per_capita.is_not(None),
            I.c.household_id.in_(in_scope),
        )
    ).scalars().all() if latest else []
    return {
        "households": households,
        "members": members,
        "villages": n_villages,
        "visits": visits,
        "changes": _change_count(session, village_id),
        "by_status": by_status,
        "income_per_capita": {"year": latest, **percentiles(values)},
    }


LIST_COLUMNS = (H.c.id, H.c.code, H.c.head_name, H.c.head_id_number, H.c.size, H.c.category,
                H.c.main_cause, H.c.status)


def village_households(session: Session, village_id: str) -> list:
    """The household list of one village, ordered by group and number (the list screen)."""
    return session.execute(
        select(*LIST_COLUMNS).where(LIVE_H, H.c.village_id == village_id)
        .order_by(H.c.group_id, H.c.code)
    ).all()


def search_households(session: Session, text: str, village_id: str | None = None,
                      limit: int = 200) -> list[str]:
    """Household ids matching a name, pinyin initials, part of an ID number, or a 户编号."""
    text = text.strip()
    if not text:
        return []
    conds = []
    if text.isascii() and text.isalpha():
        conds.append(M.c.name_initials.like(text.lower() + "%"))
    elif any("\u4e00" <= ch <= "\u9fff" for ch in text):
        conds.append(M.c.name.like(text + "%"))
    else:
        digits = normalize_id(text)
        conds.append(M.c.id_number.like(digits + "%") if len(digits) >= 6
                     else M.c.id_number.like("%" + digits + "%"))
    member_hit = select(M.c.household_id).where(M.c.deleted.is_(False), or_(*conds))
    query = select(H.c.id).where(LIVE_H, or_(H.c.id.in_(member_hit), H.c.code.like(text + "%")))
    if village_id:
        query = query.where(H.c.village_id == village_id)
    return list(session.execute(query.order_by(H.c.code).limit(limit)).scalars())
