"""The figures of `kace stats`, 统计分析, 村情概况 and the status bar: counts, distributions and
rates over live rows. Portable SQL (SQLite and PostgreSQL); plain dicts out, never ORM objects."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Float, and_, func, select, type_coerce, union_all
from sqlalchemy.orm import Session

from app.db.models import SYNCED_TABLES, Change, Household, Income, Measure, Member, Region, Replica, Visit
from app.domain import codes, workflow
from app.domain.incidence import poverty_incidence, village_threshold
from app.domain.regions import is_western

H, M, R, V, I, CH = (Household.__table__, Member.__table__, Region.__table__, Visit.__table__,
                    Income.__table__, Change.__table__)
REPLICA = Replica.__table__
LIVE_H = H.c.deleted.is_(False)
NORMAL = codes.MEMBER_STATUS.code("正常")
NOT_REGISTERED = "未建档（监测对象）"


def _scope(village_id: str | None):
    return LIVE_H if village_id is None else (LIVE_H & (H.c.village_id == village_id))


def _money(value) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def percentiles(values: Sequence[float | Decimal]) -> dict[str, float | None]:
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


def stats(session: Session, village_id: str | None = None, today: date | None = None) -> dict:
    """The figures of `kace stats --json` (issue contract: keys must not be renamed, only added)."""
    scope = _scope(village_id)

    def count_children(table) -> int:
        return session.execute(
            select(func.count()).select_from(table.join(H, H.c.id == table.c.household_id))
            .where(table.c.deleted.is_(False), scope)
        ).scalar_one()

    households = session.execute(select(func.count()).where(scope)).scalar_one()
    village_filter = (R.c.level == "village") & R.c.deleted.is_(False)
    if village_id is not None:
        village_filter &= R.c.id == village_id
    n_villages = session.execute(select(func.count()).where(village_filter)).scalar_one()
    by_status = {}
    for status, n in session.execute(select(H.c.status, func.count()).where(scope).group_by(H.c.status)):
        by_status[codes.HOUSEHOLD_STATUS.label(status) if status else NOT_REGISTERED] = n
    incomes = I.join(H, H.c.id == I.c.household_id)
    latest = session.execute(
        select(func.max(I.c.year)).select_from(incomes).where(I.c.deleted.is_(False), scope)
    ).scalar()
    # Floats are fine for a distribution's deciles (shown rounded to 0.01), and much faster
    # than 100k Decimals; every stored figure stays Decimal.
    values = session.execute(
        select(type_coerce(I.c.per_capita, Float)).select_from(incomes).where(
            I.c.year == latest, I.c.deleted.is_(False), I.c.per_capita.is_not(None), scope)
    ).scalars().all() if latest else []
    return {
        "households": households,
        "members": count_children(M),
        "villages": n_villages,
        "visits": count_children(V),
        "changes": _change_count(session, village_id),
        "by_status": by_status,
        "income_per_capita": {"year": latest, **percentiles(values)},
        **more_stats(session, village_id, today or date.today()),
    }


def _by_code(session: Session, column, scope, codelist: codes.CodeList, empty: str) -> dict[str, int]:
    out: dict[str, int] = {}
    rows = session.execute(select(column, func.count()).where(scope).group_by(column).order_by(func.count().desc()))
    for code, n in rows:
        label = (codelist.label(code) if code in codelist else code) if code else empty
        out[label] = out.get(label, 0) + n
    return out


def poverty_population(session: Session, village_id: str | None = None) -> int:
    """未脱贫建档立卡人口: members in 正常 of households not yet exited (domain.md §5)."""
    scope = _scope(village_id) & H.c.status.in_(sorted(workflow.NOT_EXITED))
    return session.execute(select(func.count()).where(
        M.c.deleted.is_(False), M.c.status == codes.MEMBER_STATUS.code("正常"),
        M.c.household_id.in_(select(H.c.id).where(scope)))).scalar_one()


CANCELLED = codes.HOUSEHOLD_STATUS.code("注销")


def month_visits(session: Session, households, today: date) -> tuple[int, int]:
    """本月走访, one definition for 村情概况, 统计分析 and `kace stats`: the visits (not deleted)
    dated from the first of today's month through today, of the 建档立卡 households among
    `households` (a select of household ids): live, registered (with a status) and not 注销.
    Returns (visits, households visited)."""
    registered = select(H.c.id).where(LIVE_H, H.c.id.in_(households), H.c.status.is_not(None),
                                      H.c.status != CANCELLED)
    return tuple(session.execute(
        select(func.count(), func.count(func.distinct(V.c.household_id))).where(
            V.c.deleted.is_(False), V.c.household_id.in_(registered),
            V.c.visit_date >= today.replace(day=1), V.c.visit_date <= today)).one())


def more_stats(session: Session, village_id: str | None, today: date) -> dict:
    """By cause, by category, 贫困发生率, visits this month, measures by type and amount."""
    scope = _scope(village_id)
    in_scope = select(H.c.id).where(scope)
    poor = poverty_population(session, village_id)
    village_scope = (R.c.level == "village") & R.c.deleted.is_(False)
    if village_id is not None:
        village_scope &= R.c.id == village_id
    agri = session.execute(select(func.sum(R.c.agri_population)).where(village_scope)).scalar()
    first_code = session.execute(select(R.c.code).where(village_scope).limit(1)).scalar()
    western = is_western(first_code) if first_code else None
    rate = float(poverty_incidence(poor, agri)) if agri else None
    visits, visited = month_visits(session, in_scope, today)
    ME = Measure.__table__
    measures = {}
    for code, n, amount in session.execute(
            select(ME.c.type, func.count(), func.sum(ME.c.amount))
            .where(ME.c.deleted.is_(False), ME.c.household_id.in_(in_scope)).group_by(ME.c.type)):
        label = codes.MEASURE_TYPE.label(code) if code in codes.MEASURE_TYPE else (code or "未填写")
        measures[label] = {"count": n, "amount": _money(amount or 0)}
    return {
        "by_cause": _by_code(session, H.c.main_cause, scope, codes.CAUSE, "未填写"),
        "by_category": _by_code(session, H.c.category, scope, codes.CATEGORY, "未填写"),
        "poverty_incidence": {
            "poor_population": poor, "agri_population": agri, "rate": rate,
            "threshold": float(village_threshold(western)) if western is not None else None,
        },
        "visits_this_month": visits,
        "households_visited_this_month": visited,
        "measures_by_type": dict(sorted(measures.items(), key=lambda kv: -kv[1]["amount"])),
    }


def village_figures(session: Session, village_id: str, today: date) -> dict:
    """Households and people by status, the poor population, visits this month (the one
    definition of month_visits)."""
    village = session.execute(select(R).where(R.c.id == village_id)).mappings().one()
    in_village = and_(LIVE_H, H.c.village_id == village_id)
    households = dict(session.execute(
        select(H.c.status, func.count()).where(in_village).group_by(H.c.status)).all())
    people = dict(session.execute(
        select(H.c.status, func.count()).select_from(M.join(H, H.c.id == M.c.household_id))
        .where(in_village, M.c.deleted.is_(False), M.c.status == NORMAL)
        .group_by(H.c.status)).all())
    registered = select(H.c.id).where(in_village, H.c.status.is_not(None), H.c.status != CANCELLED)
    visits, visited = month_visits(session, select(H.c.id).where(in_village), today)
    n_registered = session.execute(select(func.count()).select_from(registered.subquery())).scalar_one()
    return {"village": dict(village), "households": households, "people": people,
            "registered": n_registered, "visited": visited, "visits": visits}


def status_figures(session: Session) -> dict:
    """Total households and changes not yet acknowledged by the county server (the outbox:
    this replica's sequence numbers are gap-free, so it is last_seq − acked_seq)."""
    me = session.execute(select(REPLICA.c.last_seq, REPLICA.c.acked_seq)).one()
    total = session.execute(select(func.count()).where(LIVE_H)).scalar_one()
    return {"households": total, "unsynced": max(0, me.last_seq - me.acked_seq)}
