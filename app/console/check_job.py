"""数据核查 of the whole county as a background job with progress (issue 19 item 4).

The rules are those of `kace check` (app/domain/quality), counted at the same reference date
(app/ops/quality.reference_date). The county is loaded a group of villages at a time, each group as
`kace check --village` loads one village, so the page can show households checked / total; the
whole-database keys the duplicate rules look across (every member's name, ID number, birth date,
every household's code) are read once, with the first group, and shared by the others, instead of
once per village. The findings equal those of one whole-county `kace check` (tested).

One job at a time per server; its last result stays in memory until the next run. The job runs in
a thread of the server: the pages stay served meanwhile (slower while it computes).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, func, select

from app.db.models import Household, Region
from app.domain import quality
from app.domain.quality import Finding
from app.ops.context import OpContext
from app.ops.quality import reference_date, sheet_column
from app.ops.snapshot import gc_paused, load_dataset

H, R = Household.__table__, Region.__table__
GROUP_HOUSEHOLDS = 5000  # households loaded and checked at once: ~20 progress steps on 100,000


@dataclass
class CheckResult:
    as_of: date
    started_at: datetime
    finished_at: datetime
    seconds: float
    households: int
    by_village: dict[str | None, list[Finding]]  # village id -> its findings (None: no village)
    started_by: str = ""

    @functools.cached_property
    def counts(self) -> dict[str | None, Counter]:
        """Findings per village and rule (the list page shows these, not 100,000 findings)."""
        return {vid: Counter(f.rule for f in fs) for vid, fs in self.by_village.items()}

    def findings(self, village_ids: set[str] | None = None) -> list[Finding]:
        """In `kace check`'s order within each village group; None: all."""
        return [f for vid, fs in self.by_village.items() if village_ids is None or vid in village_ids for f in fs]


@dataclass
class CheckProgress:
    started_at: datetime
    started_by: str
    done: int = 0
    total: int = 0
    error: str | None = None

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0


def village_groups(session, size: int = GROUP_HOUSEHOLDS) -> list[tuple[list[str], int]]:
    """Every village (by id, the order `kace check` checks in) in groups of about `size`
    households: (village ids, households)."""
    counts = dict(session.execute(select(H.c.village_id, func.count()).where(H.c.deleted.is_(False))
                                  .group_by(H.c.village_id)).all())
    villages = session.execute(select(R.c.id).where(R.c.level == "village", R.c.deleted.is_(False))
                               .order_by(R.c.id)).scalars().all()
    groups: list[tuple[list[str], int]] = []
    ids: list[str] = []
    n = 0
    for v in villages:
        ids.append(v)
        n += counts.get(v, 0)
        if n >= size:
            groups.append((ids, n))
            ids, n = [], 0
    if ids:
        groups.append((ids, n))
    return groups


def check_county(ctx: OpContext, progress: Callable[[int, int], None] = lambda done, total: None,
                 size: int = GROUP_HOUSEHOLDS) -> tuple[date, int, dict[str | None, list[Finding]]]:
    """Every rule over every village: (reference date, households, findings by village id)."""
    on = reference_date(ctx)
    with ctx.read() as s:
        groups = village_groups(s, size)
    total = sum(n for _, n in groups)
    progress(0, total)
    by_village: dict[str | None, list[Finding]] = {}
    keys = None
    done = 0
    with gc_paused():
        for ids, n in groups:
            with ctx.read() as s:
                ds = load_dataset(s, on, village_ids=ids, whole_database_keys=keys is None)
            if keys is None:
                keys = ds.people, ds.household_codes, ds.national_codes
            else:
                ds.people, ds.household_codes, ds.national_codes = keys
            ds.clock = ctx.today
            village_of = {h.code: h.village_id for h in reversed(ds.households)}
            for f in quality.run(ds, None, column_of=sheet_column):
                vid = f.row_id if f.table == "region" else village_of.get(f.household_code)
                by_village.setdefault(vid, []).append(f)
            del ds
            done += n
            progress(done, total)
    return on, total, by_village


class CheckJobs:
    """The console's one 数据核查 job: start it, follow its progress, read its last result."""

    def __init__(self, engine: Engine, today_fn: Callable[[], date], now_fn: Callable[[], datetime]):
        self.engine = engine
        self.today_fn = today_fn
        self.now_fn = now_fn
        self.lock = threading.Lock()
        self.running: CheckProgress | None = None
        self.result: CheckResult | None = None
        self.failed: CheckProgress | None = None
        self._thread: threading.Thread | None = None

    def start(self, by: str) -> bool:
        """Start a run unless one is running (False then)."""
        with self.lock:
            if self.running is not None:
                return False
            self.running = CheckProgress(self.now_fn(), by)
            self.failed = None
            self._thread = threading.Thread(target=self._run, args=(self.running,), name="kace-county-check",
                                            daemon=True)
            self._thread.start()
            return True

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for the running job; True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(seconds)
        return self.running is None

    def _run(self, state: CheckProgress) -> None:
        today = self.today_fn()
        ctx = OpContext(self.engine, today_fn=lambda: today)
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            state.done, state.total = done, total

        try:
            on, households, by_village = check_county(ctx, progress)
        except Exception as e:  # noqa: BLE001 - the page says the run failed; the server goes on
            state.error = f"{type(e).__name__}"
            with self.lock:
                self.failed, self.running = state, None
            return
        result = CheckResult(on, state.started_at, self.now_fn(), time.perf_counter() - t0, households,
                             by_village, state.started_by)
        with self.lock:
            self.result, self.running = result, None
