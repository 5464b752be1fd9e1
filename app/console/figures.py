"""What the console's pages show, read from the county database. Plain dicts out.

Village figures are those of `kace stats` (app/db/stats_queries.stats); the grouped per-village query of
the county and township pages counts with the same predicates (live households, members of live
households, 未脱贫 population = members in 正常 of households not yet exited) and rates through
app/domain/incidence, so a village's line on the county page equals its own page.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.console.cache import cached
from app.db.models import (
    Assignment, Change, Device, Helper, Household, Income, Member, ParkedChange, Region, Visit,
)
from app.db.stats_queries import NOT_REGISTERED, stats
from app.domain import codes, workflow
from app.domain.incidence import poverty_incidence, village_threshold
from app.domain.privacy import mask_id
from app.domain.regions import is_western

H, M, R, V, I = Household.__table__, Member.__table__, Region.__table__, Visit.__table__, Income.__table__
A, HP, CH = Assignment.__table__, Helper.__table__, Change.__table__
DEVICE, PARKED = Device.__table__, ParkedChange.__table__
LIVE_H = H.c.deleted.is_(False)
NORMAL = codes.MEMBER_STATUS.code("正常")
AT_RISK = codes.RISK_STATUS.code("风险未消除")
STATUS_LABELS = [item.label for item in codes.HOUSEHOLD_STATUS.items] + [NOT_REGISTERED]


def status_label(code: str | None) -> str:
    return codes.HOUSEHOLD_STATUS.label(code) if code else NOT_REGISTERED


def code_label(codelist: codes.CodeList, code: str | None, empty: str = "") -> str:
    if not code:
        return empty
    return codelist.label(code) if code in codelist else code


# --- places and who may see them ---------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    id: str
    code: str
    name: str
    level: str
    township_code: str | None = None  # villages: their township's code
    township_name: str | None = None


def township_of(session: Session, level: str, key: str, by: str = "code") -> Place | None:
    """A township or village (by code or id) with its township; None when there is none."""
    column = R.c.code if by == "code" else R.c.id
    row = session.execute(select(R.c.id, R.c.code, R.c.name, R.c.level, R.c.parent_id)
                          .where(column == key, R.c.level == level, R.c.deleted.is_(False))).first()
    if row is None:
        return None
    if level == "township":
        return Place(row.id, row.code, row.name, level, row.code, row.name)
    town = session.execute(select(R.c.code, R.c.name).where(R.c.id == row.parent_id)).first()
    return Place(row.id, row.code, row.name, level, town.code if town else None, town.name if town else None)


def townships(session: Session, allowed: tuple[str, ...] | None) -> list[Place]:
    """Every township (or those of a 乡镇 account), by code."""
    q = select(R.c.id, R.c.code, R.c.name).where(R.c.level == "township", R.c.deleted.is_(False))
    if allowed is not None:
        q = q.where(R.c.code.in_(allowed))
    return [Place(r.id, r.code, r.name, "township", r.code, r.name) for r in session.execute(q.order_by(R.c.code))]


def village_places(session: Session, township_codes: tuple[str, ...] | None) -> list[Place]:
    """Every village (of the townships, or of the county) with its township, by code: the list a
    page needs without its figures."""
    town = R.alias("town")
    q = (select(R.c.id, R.c.code, R.c.name, town.c.code.label("township_code"), town.c.name.label("township"))
         .join(town, town.c.id == R.c.parent_id, isouter=True)
         .where(R.c.level == "village", R.c.deleted.is_(False)))
    if township_codes is not None:
        q = q.where(town.c.code.in_(township_codes))
    return [Place(r.id, r.code, r.name, "village", r.township_code, r.township)
            for r in session.execute(q.order_by(R.c.code))]


def village_codes_in(session: Session, township_codes: tuple[str, ...]) -> set[str]:
    town = R.alias("town")
    return set(session.execute(select(R.c.code).join(town, town.c.id == R.c.parent_id).where(
        R.c.level == "village", R.c.deleted.is_(False), town.c.code.in_(township_codes))).scalars())


# --- figures per village -----------------------------------------------------------------------


@dataclass
class Figures:
    """Households and people by status, 贫困发生率, visits this month, monitoring households."""

    code: str = ""
    name: str = ""
    township: str = ""
    township_code: str = ""
    villages: int = 0
    households: int = 0
    members: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    poor_population: int = 0
    agri_population: int | None = None
    western: bool | None = None
    registered: int = 0  # households with a 建档立卡 status other than 注销
    visited: int = 0  # of all households, visited this month
    visits: int = 0
    monitored: int = 0
    at_risk: int = 0
    village_id: str = ""

    def add(self, other: "Figures") -> None:
        self.villages += other.villages
        self.households += other.households
        self.members += other.members
        for k, v in other.by_status.items():
            self.by_status[k] = self.by_status.get(k, 0) + v
        self.poor_population += other.poor_population
        if other.agri_population is not None:
            self.agri_population = (self.agri_population or 0) + other.agri_population
        if self.western is None:
            self.western = other.western
        self.registered += other.registered
        self.visited += other.visited
        self.visits += other.visits
        self.monitored += other.monitored
        self.at_risk += other.at_risk

    @property
    def rate(self) -> Decimal | None:
        return poverty_incidence(self.poor_population, self.agri_population) if self.agri_population else None

    @property
    def threshold(self) -> Decimal | None:
        return village_threshold(self.western) if self.western is not None else None

    @property
    def over(self) -> bool:
        """The rate above the exit line (2%, 西部地区 3%)."""
        rate, limit = self.rate, self.threshold
        return rate is not None and limit is not None and rate > limit

    @property
    def coverage(self) -> Decimal | None:
        """走访覆盖率: households visited this month among the registered ones (percent)."""
        if not self.registered:
            return None
        return (Decimal(min(self.visited, self.registered)) * 100 / self.registered).quantize(Decimal("0.1"))


@cached
def village_figures(session: Session, township_codes: tuple[str, ...] | None, today: date,
                    village_code: str | None = None) -> list[Figures]:
    """One Figures per village (of the townships, or of the county), by township and code."""
    town = R.alias("town")
    q = (select(R.c.id, R.c.code, R.c.name, R.c.agri_population, town.c.name.label("township"),
                town.c.code.label("township_code"))
         .join(town, town.c.id == R.c.parent_id, isouter=True)
         .where(R.c.level == "village", R.c.deleted.is_(False)))
    if township_codes is not None:
        q = q.where(town.c.code.in_(township_codes))
    if village_code is not None:
        q = q.where(R.c.code == village_code)
    villages = session.execute(q.order_by(R.c.code)).all()
    out: dict[str, Figures] = {}
    for v in villages:
        out[v.id] = Figures(v.code, v.name, v.township or "", v.township_code or "", 1,
                            agri_population=v.agri_population,
                            western=is_western(v.code),
                            by_status={label: 0 for label in STATUS_LABELS})
    if not out:
        return []
    ids = list(out)
    in_villages = LIVE_H & H.c.village_id.in_(ids)
    registered = H.c.status.in_(sorted(workflow.REGISTERED))
    for vid, status, n, monitored, at_risk in session.execute(
            select(H.c.village_id, H.c.status, func.count(),
                   func.count(H.c.monitoring_type),
                   func.sum(case((H.c.risk_status == AT_RISK, 1), else_=0)))
            .where(in_villages).group_by(H.c.village_id, H.c.status)):
        f = out[vid]
        f.households += n
        f.by_status[status_label(status)] = f.by_status.get(status_label(status), 0) + n
        f.monitored += monitored
        f.at_risk += int(at_risk or 0)
        if status in workflow.REGISTERED:
            f.registered += n
    for vid, n, poor in session.execute(
            select(H.c.village_id, func.count(),
                   func.sum(case((and_(M.c.status == NORMAL, H.c.status.in_(sorted(workflow.NOT_EXITED))), 1),
                                 else_=0)))
            .select_from(M.join(H, H.c.id == M.c.household_id))
            .where(in_villages, M.c.deleted.is_(False)).group_by(H.c.village_id)):
        out[vid].members = n
        out[vid].poor_population = int(poor or 0)
    month_start = today.replace(day=1)
    for vid, visits, visited, visited_registered in session.execute(
            select(H.c.village_id, func.count(), func.count(func.distinct(V.c.household_id)),
                   func.count(func.distinct(case((registered, V.c.household_id)))))
            .select_from(V.join(H, H.c.id == V.c.household_id))
            .where(in_villages, V.c.deleted.is_(False), V.c.visit_date >= month_start, V.c.visit_date <= today)
            .group_by(H.c.village_id)):
        out[vid].visits = visits
        out[vid].visited = visited_registered
    for f, vid in zip(out.values(), out, strict=True):
        f.village_id = vid
    return list(out.values())


village_stats = cached(stats)  # a village page's `kace stats` figures, per state of the data


@cached
def village_assessment(session: Session, village_id: str, today: date):
    """The village's exit indicators (app/ops/exit_assessment), per state of the data."""
    from app.ops.context import OpContext
    from app.ops.exit_assessment import assess_village

    return assess_village(OpContext(session.get_bind(), today_fn=lambda: today), village_id)


def totals(rows: list[Figures], name: str) -> Figures:
    total = Figures(name=name, by_status={label: 0 for label in STATUS_LABELS})
    for r in rows:
        total.add(r)
    return total


def by_township(rows: list[Figures]) -> list[Figures]:
    grouped: dict[str, list[Figures]] = defaultdict(list)
    for r in rows:
        grouped[r.township].append(r)
    out = []
    for name, members in grouped.items():
        t = totals(members, name)
        t.code = t.township_code = members[0].township_code
        out.append(t)
    return out


# --- a village page's extra tables --------------------------------------------------------------


@cached
def visits_by_helper(session: Session, village_id: str, today: date) -> list[dict]:
    """Visits this month by helper: visits, households visited, households the helper has."""
    month_start = today.replace(day=1)
    in_village = select(H.c.id).where(LIVE_H, H.c.village_id == village_id)
    assigned = dict(session.execute(
        select(A.c.helper_id, func.count(func.distinct(A.c.household_id)))
        .where(A.c.deleted.is_(False), A.c.end_date.is_(None), A.c.household_id.in_(in_village))
        .group_by(A.c.helper_id)).all())
    visits = {r.helper_id: (r.n, r.households) for r in session.execute(
        select(V.c.helper_id, func.count().label("n"), func.count(func.distinct(V.c.household_id)).label("households"))
        .where(V.c.deleted.is_(False), V.c.household_id.in_(in_village), V.c.visit_date >= month_start,
               V.c.visit_date <= today).group_by(V.c.helper_id))}
    names = dict(session.execute(select(HP.c.id, HP.c.name).where(
        HP.c.id.in_([h for h in set(assigned) | set(visits) if h]))).all())
    rows = []
    for helper_id in set(assigned) | set(visits):
        n, households = visits.get(helper_id, (0, 0))
        rows.append({"helper": names.get(helper_id, "（未填写帮扶人）"), "assigned": assigned.get(helper_id, 0),
                     "visits": n, "households": households})
    return sorted(rows, key=lambda r: (-r["visits"], r["helper"]))


@cached
def monitoring_by_risk(session: Session, village_ids: list[str]) -> list[dict]:
    """防返贫监测 households by type and risk status."""
    rows = session.execute(
        select(H.c.monitoring_type, H.c.risk_status, func.count())
        .where(LIVE_H, H.c.village_id.in_(village_ids), H.c.monitoring_type.is_not(None))
        .group_by(H.c.monitoring_type, H.c.risk_status)).all()
    out: dict[str, dict] = {}
    for kind, risk, n in rows:
        label = code_label(codes.MONITORING_TYPE, kind)
        row = out.setdefault(label, {"type": label, "at_risk": 0, "cleared": 0, "unknown": 0})
        key = "at_risk" if risk == AT_RISK else ("cleared" if risk else "unknown")
        row[key] += n
    return sorted(out.values(), key=lambda r: r["type"])


INCOME_BANDS = (0, 4000, 6000, 8000, 10000, 15000, 20000)


@cached
def income_bands(session: Session, village_ids: list[str]) -> tuple[int | None, list[tuple[str, int]]]:
    """人均纯收入 of the latest year, households per band (counted in SQL: a county's 100,000
    incomes are not fetched)."""
    scope = LIVE_H & H.c.village_id.in_(village_ids)
    joined = I.join(H, H.c.id == I.c.household_id)
    year = session.execute(select(func.max(I.c.year)).select_from(joined)
                           .where(I.c.deleted.is_(False), scope)).scalar()
    if year is None:
        return None, []
    band = case(*((I.c.per_capita >= low, k) for k, low in reversed(list(enumerate(INCOME_BANDS)))), else_=0)
    counted = dict(session.execute(select(band, func.count()).select_from(joined).where(
        scope, I.c.deleted.is_(False), I.c.year == year, I.c.per_capita.is_not(None)).group_by(band)).all())
    labels = [f"{low}–{INCOME_BANDS[k + 1]}" if k + 1 < len(INCOME_BANDS) else f"{low} 以上"
              for k, low in enumerate(INCOME_BANDS)]
    return year, [(label, counted.get(k, 0)) for k, label in enumerate(labels)]


@cached
def household_list(session: Session, village_id: str) -> list[dict]:
    rows = session.execute(
        select(H.c.id, H.c.code, H.c.head_name, H.c.head_id_number, H.c.size, H.c.category, H.c.status,
               H.c.monitoring_type, H.c.risk_status)
        .where(LIVE_H, H.c.village_id == village_id).order_by(H.c.code)).all()
    return [{"id": r.id, "code": r.code, "head": r.head_name or "", "head_id": mask_id(r.head_id_number or ""),
             "size": r.size, "category": code_label(codes.CATEGORY, r.category),
             "status": status_label(r.status), "monitoring": code_label(codes.MONITORING_TYPE, r.monitoring_type),
             "risk": code_label(codes.RISK_STATUS, r.risk_status)} for r in rows]


# --- devices -----------------------------------------------------------------------------------


def devices(session: Session, visible_villages: set[str] | None, now: datetime, stale_days: int) -> list[dict]:
    """Every laptop (or those touching the visible villages): villages, last sync, counts."""
    names = dict(session.execute(select(R.c.code, R.c.name).where(R.c.level == "village")).all())
    received = received_by_replica(session)
    parked = dict(session.execute(select(PARKED.c.device_name, func.count())
                                  .where(PARKED.c.dismissed.is_(False)).group_by(PARKED.c.device_name)).all())
    out = []
    for d in session.execute(select(DEVICE).order_by(DEVICE.c.device_code)).mappings():
        villages = json.loads(d["villages"])
        if visible_villages is not None and not set(villages) & visible_villages:
            continue
        last = d["last_seen_at"]
        if d["disabled"]:
            state = "已停用"
        elif d["token_hash"] and not d["key_hash"]:
            state = "待登记"
        elif d["token_hash"]:
            state = "已重新登记，等待新电脑"
        else:
            state = "已登记"
        out.append({
            "id": d["id"], "name": d["name"], "device_code": d["device_code"], "state": state,
            "disabled": d["disabled"],
            "villages": [{"code": c, "name": names.get(c, "（县数据库中还没有此村）")} for c in villages],
            "enrolled_at": d["enrolled_at"], "last_seen_at": last,
            "stale": not d["disabled"] and (last is None or now - last > timedelta(days=stale_days)),
            "days_since": None if last is None else (now - last).days,
            "received": received.get(d["replica_id"], 0) if d["replica_id"] else 0,
            "parked": parked.get(d["name"], 0),
        })
    return out


@cached
def received_by_replica(session: Session) -> dict[str, int]:
    """Changes received from each laptop (its replica id): a count over the whole change log."""
    return dict(session.execute(select(CH.c.replica_id, func.count()).group_by(CH.c.replica_id)).all())


@cached
def _review_of_data(session: Session) -> list:
    from app.db import review

    return review.field_conflicts(session) + review.delete_edits(session) + review.orphan_members(session) \
        + review.duplicates(session)


def review_items(session: Session) -> list:
    """The 待处理 list of app/sync/review.items: the items that follow from the data (conflicts,
    edits of deleted rows, orphans, duplicate heads) per state of the data; the parked changes
    fresh (dismissing one changes no data)."""
    from app.db import review

    out = [copy.copy(item) for item in _review_of_data(session)] + review.parked(session)
    review._add_households(session, out)
    return out


def device_villages_known(session: Session, codes_: list[str]) -> list[str]:
    """The village codes of a list that the county database does not have."""
    found = set(session.execute(select(R.c.code).where(R.c.code.in_(codes_), R.c.level == "village")).scalars())
    return [c for c in codes_ if c not in found]
