"""The writes of a 花名册 import (app/exchange/importer.py), all or nothing (domain.md §9).

The importer reads the file and decides; this op owns the transaction: in ONE write transaction it
lets the importer read what the database holds, creates the 乡镇 and 村 it asks for
(--create-villages), lets it plan, and writes the plan through the change-log writer like every
other write. A dry run plans the same way and rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from app.db.models import Assignment, Conditions, Helper, Household, Member, Region
from app.ops.context import OpContext
from app.ops.regions import write_places

Place = tuple[str, str, str]  # (code, name, level)


@dataclass
class ImportPlan:
    """Everything one import writes, decided before the first write."""

    new_groups: list[dict] = field(default_factory=list)
    new_helpers: list[dict] = field(default_factory=list)
    new_households: list[dict] = field(default_factory=list)
    new_members: list[dict] = field(default_factory=list)
    updates: list[tuple[str, str, dict]] = field(default_factory=list)  # (table, row id, changed values)
    ended_assignments: list[str] = field(default_factory=list)
    new_assignments: list[dict] = field(default_factory=list)
    new_conditions: list[dict] = field(default_factory=list)


class ImportPlanner(Protocol):
    """The importer's side: reads through the transaction's session, never writes."""

    def places_to_create(self, session: Session) -> Sequence[Place]:
        """The 乡镇 and 村 to create before planning (none unless --create-villages)."""

    def plan(self, session: Session, created: list[Place]) -> ImportPlan:
        """What to write, seeing the places just created."""


class _DryRun(Exception):
    pass


def write_import(ctx: OpContext, planner: ImportPlanner, *, dry_run: bool = False) -> None:
    """Plan and write an import in one transaction (bulk: the demo's and import's fast commit); a
    failure anywhere, or dry_run, leaves the database as it was."""
    try:
        with ctx.write(bulk=True) as w:
            wanted = planner.places_to_create(w.session)
            created = write_places(w, wanted).created if wanted else []
            write_plan(w, planner.plan(w.session, created), ctx.today)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def write_plan(w, plan: ImportPlan, today: date) -> None:
    """The plan's rows and changes with their change records; parents before children."""
    if plan.new_groups:
        w.insert_many(Region.__table__, plan.new_groups, typed=True)
    if plan.new_helpers:
        w.insert_many(Helper.__table__, plan.new_helpers, typed=True)
    w.insert_many(Household.__table__, plan.new_households, typed=True)
    w.insert_many(Member.__table__, plan.new_members, typed=True)
    for table, row_id, values in plan.updates:
        w.update(table, row_id, values)
    for assignment_id in plan.ended_assignments:
        w.update(Assignment.__table__, assignment_id, {"end_date": today})
    if plan.new_assignments:
        w.insert_many(Assignment.__table__, plan.new_assignments, typed=True)
    if plan.new_conditions:
        w.insert_many(Conditions.__table__, plan.new_conditions, typed=True)
