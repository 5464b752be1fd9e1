"""Loading a county (or one village, or a few households) into plain records, set-based.

One query per table for the whole scope, never one per household: the data check of a 100k-household
county, the 返贫 monitoring flags and the exit assessment all read through here. The rows are read
with the driver's own cursor and converted column by column (SQLAlchemy's row machinery costs more
than the query on a table of 400 000 members).

Visits are many (a dozen per household and year): only those since the start of last month (and any
dated in the future) are loaded as records, plus each household's latest visit date.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import starmap

from sqlalchemy import Boolean, Date, DateTime, Numeric, Table
from sqlalchemy.orm import Session

from app.db.models import (
    Assignment,
    Conditions,
    Household,
    Income,
    Loan,
    Measure,
    Member,
    Plan,
    Region,
    Visit,
    WorkflowStep,
)
from app.db.poverty_lines import poverty_lines
from app.domain import records as rec
from app.domain.records import Dataset
from app.domain.workflow import StepRecord

H, M, R = Household.__table__, Member.__table__, Region.__table__
STEP_COLUMNS = ["household_id", "process", "step", "step_date", "result", "actor", "doc_ref", "note", "id"]
_CHUNK = 500


def _date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _column_converter(col) -> tuple[str, Callable] | None:
    """How a raw SQLite value of a column becomes its Python value: (SQL expression, converter).

    Money is formatted by SQLite itself (printf '%.2f', exactly what SQLAlchemy's Numeric does in
    Python) so Python only calls Decimal on text. PostgreSQL's values come typed.
    """
    t, name = col.type, col.name
    if isinstance(t, Boolean):
        return name, bool
    if isinstance(t, DateTime):
        return name, datetime.fromisoformat
    if isinstance(t, Date):
        return name, date.fromisoformat
    if isinstance(t, Numeric):
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE printf('%.{t.scale or 0}f', {name}) END", Decimal
    return None


class Reader:
    """Raw reads of the scope's live rows: `rows(table, names, extra_where, params)`."""

    def __init__(self, session: Session, village_ids: Sequence[str] | None, household_ids: Collection[str] | None):
        conn = session.connection()
        self.sqlite = conn.dialect.name == "sqlite"
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.dbapi = conn.connection.driver_connection
        self.village_ids = list(village_ids) if village_ids is not None else None
        self.household_ids = sorted(household_ids) if household_ids is not None else None

    def _execute(self, sql: str, params: Sequence) -> list:
        cur = self.dbapi.cursor()
        try:
            cur.execute(sql, tuple(params))
            return cur.fetchall()
        finally:
            cur.close()

    def _scope_clauses(self, table: Table) -> list[tuple[str, list]]:
        """(where clause, params) pieces: one, or several chunks of household ids."""
        key = "id" if table is H else "household_id"
        live = f"{table.name}.deleted = {self._false()}"
        if self.household_ids is not None:
            out = []
            for start in range(0, len(self.household_ids), _CHUNK):
                chunk = self.household_ids[start:start + _CHUNK]
                out.append((f"{live} AND {key} IN ({', '.join([self.mark] * len(chunk))})", chunk))
            return out
        live_households = f"SELECT id FROM household WHERE deleted = {self._false()}"
        if self.village_ids is not None:
            marks = ", ".join([self.mark] * len(self.village_ids))
            if table is H:
                return [(f"{live} AND village_id IN ({marks})", self.village_ids)]
            return [(f"{live} AND {key} IN ({live_households} AND village_id IN ({marks}))", self.village_ids)]
        if table is H:
            return [(live, [])]
        return [(f"{live} AND {key} IN ({live_households})", [])]

    def _false(self) -> str:
        return "0" if self.sqlite else "false"

    def rows(self, table: Table, names: Sequence[str], where: str = "", params: Sequence = (),
             order: str = "") -> list[tuple]:
        """Live rows of the scope, converted column by column (a list comprehension per column is
        several times cheaper than converting cell by cell in a loop over rows)."""
        converters = [_column_converter(table.c[n]) if self.sqlite else None for n in names]
        exprs = [conv[0] if conv else n for n, conv in zip(names, converters)]
        raw = []
        for clause, scope_params in self._scope_clauses(table):
            sql = f"SELECT {', '.join(exprs)} FROM {table.name} WHERE {clause}"
            if where:
                sql += f" AND {where}"
            if order:
                sql += f" ORDER BY {order}"
            raw.extend(self._execute(sql, [*scope_params, *params]))
        if not raw or not any(converters):
            return raw
        columns = list(zip(*raw))
        for i, conv in enumerate(converters):
            if conv:
                f = conv[1]
                columns[i] = [None if v is None else f(v) for v in columns[i]]
        return list(zip(*columns))

    def records(self, table: Table, record_type: type, where: str = "", params: Sequence = (),
                order: str = "") -> list:
        return list(starmap(record_type, self.rows(table, rec.columns(record_type), where, params, order)))

    def plain(self, sql: str, params: Sequence = ()) -> list:
        return self._execute(sql, params)

    def param(self, value: date) -> object:
        """A date as the driver binds it (SQLite stores ISO text)."""
        return value.isoformat() if self.sqlite else value


def load_dataset(
    session: Session,
    today: date,
    *,
    village_id: str | None = None,
    household_ids: Collection[str] | None = None,
    whole_database_keys: bool = True,
    village_ids: Sequence[str] | None = None,
) -> Dataset:
    """The records of a village (or of several), of some households, or (none given) of the whole
    database.

    With `whole_database_keys` a partial load also reads every member's name, ID number and birth
    date and every household's code, for the duplicate rules that look across villages.
    """
    if village_id is not None:
        village_ids = [village_id]
    rd = Reader(session, village_ids, household_ids)
    ds = Dataset(today=today, lines=poverty_lines(session))
    if village_ids is not None:
        ds.scope_villages = list(village_ids)
    false = rd._false()
    for row in rd.plain(f"SELECT {', '.join(rec.columns(rec.VillageRec))} FROM region "
                        f"WHERE level = 'village' AND deleted = {false}"):
        ds.villages[row[0]] = rec.VillageRec(*row)

    ds.households = rd.records(H, rec.HouseholdRec, order="village_id, code")
    for m in rd.records(M, rec.MemberRec, order="household_id, id"):
        ds.members[m.household_id].append(m)
    for i in rd.records(Income.__table__, rec.IncomeRec):
        ds.incomes[i.household_id][i.year] = i
    for c in rd.records(Conditions.__table__, rec.ConditionsRec):
        old = ds.conditions.get(c.household_id)
        if old is None or c.year > old.year:
            ds.conditions[c.household_id] = c
    for a in rd.records(Assignment.__table__, rec.AssignmentRec):
        ds.assignments[a.household_id].append(a)
    since = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # this month and the last
    for v in rd.records(Visit.__table__, rec.VisitRec, f"visit_date >= {rd.mark}", [rd.param(since)]):
        ds.visits[v.household_id].append(v)
    ds.last_visit.update(_last_visits(rd, today))
    for p in rd.records(Plan.__table__, rec.PlanRec):
        ds.plans[p.household_id].add(p.year)
    for me in rd.records(Measure.__table__, rec.MeasureRec):
        ds.measures[me.household_id].append(me)
    for loan in rd.records(Loan.__table__, rec.LoanRec):
        ds.loans[loan.household_id].append(loan)
    for row in rd.rows(WorkflowStep.__table__, STEP_COLUMNS):
        ds.steps[row[0]].append(StepRecord(*row[1:]))

    whole = village_ids is None and household_ids is None
    helper_ids = {a.helper_id for assignments in ds.assignments.values() for a in assignments}
    helper_ids |= {v.helper_id for visits in ds.visits.values() for v in visits if v.helper_id}
    names = ", ".join(rec.columns(rec.HelperRec))
    helpers = rd.plain(f"SELECT {names} FROM helper")
    ds.helpers = {r[0]: rec.HelperRec(*r) for r in helpers if whole or r[0] in helper_ids}

    if whole_database_keys and not whole:
        _load_keys(rd, ds)
    return ds


def _last_visits(rd: Reader, today: date) -> list:
    """Each household's latest visit on or before today (set-based, not one query per household)."""
    table = Visit.__table__
    rows = []
    for clause, params in rd._scope_clauses(table):
        rows.extend(rd.plain(
            f"SELECT household_id, max(visit_date) FROM visit WHERE {clause} AND visit_date <= {rd.mark} "
            f"GROUP BY household_id", [*params, rd.param(today)]))
    return [(hid, _date(last)) for hid, last in rows]


def _load_keys(rd: Reader, ds: Dataset) -> None:
    false = rd._false()
    ds.people = [rec.PersonKey(mid, hid, name, number, _date(birth) if birth else None)
                 for mid, hid, name, number, birth in rd.plain(
                     "SELECT id, household_id, name, id_number, birth_date FROM member "
                     f"WHERE deleted = {false} AND household_id IN (SELECT id FROM household WHERE deleted = {false})")]
    ds.household_codes = {}
    ds.national_codes = defaultdict(list)
    for hid, code, village, national in rd.plain(
            f"SELECT id, code, village_id, national_code FROM household WHERE deleted = {false}"):
        ds.household_codes[hid] = (code, village)
        if national:
            ds.national_codes[national].append(hid)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of plain records are built (they hold no
    cycles; the collector would rescan them again and again: a 100k county loads twice as fast)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
