"""Running the data-quality rules (domain.md §8) over the database: `kace check` and the 数据核查 view."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.db.engine import make_engine
from app.db.lookup_queries import village_by_code
from app.db.models import Household, Region
from app.domain import quality
from app.domain.errors import DomainError
from app.domain.national_columns import sheet_column
from app.domain.quality import Finding
from app.domain.quality.engine import dataset_order, is_dataset_finding
from app.ops.context import OpContext
from app.ops.snapshot import gc_paused, load_dataset

H, R = Household.__table__, Region.__table__


@dataclass(frozen=True)
class CheckReport:
    findings: list[Finding]
    counts: dict
    as_of: date | None = None  # the reference date every age and year-bound rule counted at

    def to_json(self) -> dict:
        return {"findings": [f.to_json() for f in self.findings], "counts": self.counts,
                "as_of": self.as_of.isoformat() if self.as_of else None}


def latest_data_year(ctx: OpContext, village_id: str | None = None) -> int | None:
    """The latest 年度 the data holds (an imported sheet's 年度), or None for data made in Kace."""
    with ctx.read() as s:
        query = select(func.max(H.c.data_year)).where(H.c.deleted.is_(False))
        if village_id is not None:
            query = query.where(H.c.village_id == village_id)
        return s.execute(query).scalar()


def reference_date(ctx: OpContext, village_id: str | None = None, as_of: date | None = None,
                   year: int | None = None) -> date:
    """The date the checks count at: the one given, the end of the year given, else the end of the
    latest 年度 the data holds (never the wall clock for a register of an earlier year); data made
    in Kace without a 年度 is checked at the program's today."""
    if as_of is not None:
        return as_of
    if year is None:
        year = latest_data_year(ctx, village_id)
        if year is None:
            return ctx.today
    end = date(year, 12, 31)
    return ctx.today if ctx.today.year == year and ctx.today < end else end


def village_id_for(ctx: OpContext, code: str | None) -> str | None:
    """The id of the village with this 12-digit code; DomainError if there is none."""
    if code is None:
        return None
    with ctx.read() as s:
        row = village_by_code(s, code.strip())
    if row is None:
        raise DomainError("村", f"村不存在：{code}")
    return row.id


def run_check(ctx: OpContext, village_id: str | None = None,
              rule_ids: Iterable[str] | None = None, as_of: date | None = None,
              year: int | None = None) -> CheckReport:
    """Every finding of the chosen rules over one village or the whole database, counted at the
    reference date (reference_date: --as-of, --year, else the data's latest 年度)."""
    rule_ids = list(rule_ids) if rule_ids else None
    quality.select_rules(rule_ids)  # an unknown rule id is refused before any loading
    on = reference_date(ctx, village_id, as_of, year)
    halves = _halves(ctx) if village_id is None else None
    if halves:
        findings = _check_in_two_processes(ctx, halves, rule_ids, on)
    else:
        findings = check_villages(ctx, [village_id] if village_id else None, rule_ids, on)
    return CheckReport(findings, quality.counts(findings), on)


def check_villages(ctx: OpContext, village_ids: list[str] | None, rule_ids: list[str] | None,
                   as_of: date | None = None) -> list[Finding]:
    """The findings over some villages (None: the whole database)."""
    with gc_paused():
        with ctx.read() as s:
            ds = load_dataset(s, as_of or ctx.today, village_ids=village_ids)
        ds.clock = ctx.today
        findings = quality.run(ds, rule_ids, column_of=sheet_column)
        del ds  # freed here, still without the collector walking it
    return findings


# A county this big is checked by two processes, half of the villages each, where the system can fork
# (Linux, macOS), has two cores and the program runs no other thread (the `kace check` command): each loads and checks its villages as a village check does
# (duplicates are still looked up across the whole database), and the lists are merged in order.
PARALLEL_FROM = 20_000


def _halves(ctx: OpContext) -> tuple[list[str], list[str]] | None:
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    if threading.active_count() > 1:  # forking a threaded program (the desktop client) is not safe
        return None
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > os.cpu_count() - 0.5:
        return None  # no idle core: a second process would only add its own loading
    if ctx.engine.dialect.name != "sqlite":
        return None
    with ctx.read() as s:
        counts = s.execute(select(H.c.village_id, func.count()).where(H.c.deleted.is_(False))
                           .group_by(H.c.village_id).order_by(H.c.village_id)).all()
        villages = s.execute(select(R.c.id).where(R.c.level == "village", R.c.deleted.is_(False))
                             .order_by(R.c.id)).scalars().all()
    total = sum(n for _, n in counts)
    if total < PARALLEL_FROM:
        return None
    by_village = dict(counts)
    first, running = [], 0
    for v in villages:  # the order households are checked in: by village id
        if running >= total / 2:
            break
        first.append(v)
        running += by_village.get(v, 0)
    second = villages[len(first):]
    return first, second


def _child_check(url, user: str | None, today, village_ids, rule_ids, as_of) -> list[Finding]:
    ctx = OpContext(make_engine(url), user=user, today_fn=lambda: today)
    try:
        return check_villages(ctx, village_ids, rule_ids, as_of)
    finally:
        ctx.engine.dispose()


def _check_in_two_processes(ctx: OpContext, halves, rule_ids, as_of) -> list[Finding]:
    first, second = halves
    ctx.engine.dispose()  # no pooled connection crosses the fork
    url = ctx.engine.url  # the URL object (picklable): a string would be parsed again, `%` in a folder
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pending = pool.apply_async(_child_check, (url, ctx.user, ctx.today, first, rule_ids, as_of))
        mine = check_villages(ctx, second, rule_ids, as_of)
        theirs = pending.get()
    per_household = [f for f in theirs if not is_dataset_finding(f)] + [f for f in mine if not is_dataset_finding(f)]
    across = sorted((f for f in theirs + mine if is_dataset_finding(f)), key=dataset_order)
    return per_household + across


def rule_catalogue() -> list[dict]:
    """Every rule with its id, severity and title (the view's grouping and the help text)."""
    return [{"rule": r.id, "severity": r.severity, "title": r.title} for r in quality.select_rules()]
