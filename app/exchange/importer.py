"""`kace import xlsx`: a national-style 花名册 into the database, all or nothing (domain.md §9).

One row per member, the household's fields repeated on each row (or merged over its rows). Rows are
read leniently (import_rows.py), grouped into households and matched with what the database holds
(import_match.py: 户编号, then ID numbers, then names inside the household); the villages and groups
are found by import_places.py. The plan is written by app/ops/import_writes.py in ONE transaction with
its change records: new rows are inserted, changed fields updated, nothing else touched; an empty
cell never clears a stored value. Importing the same file again changes nothing.

Rows that cannot be interpreted (no name, an ID number destroyed by Excel with no other key, an
unknown village) are left out and listed, with the reason, in an xlsx copy of the input with a
错误原因 column; so are the notes on rows imported with a field left out (a code not in the list).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from app import fileops
from app.db.base import uuid7
from app.domain import fields
from app.exchange.import_match import (
    SAME, Existing, Family, Numbering, category_note, changed_values, group_rows, member_defaults,
    merge_unmapped, same_person, shown,
)
from app.exchange.import_places import Places, missing_places
from app.exchange.import_report import ImportReport, Problem
from app.exchange.import_rows import parse_rows, problem_reason, sheet_year
from app.exchange.normalize import cell_text, is_empty
from app.exchange.reader import ImportFileError, Table, find_table
from app.exchange.sheet_columns import BY_KEY
from app.exchange.xlsx import ERROR_FILL, styled
from app.ops.context import OpContext, Result
from app.ops.import_writes import ImportPlan, write_import


class _Ids:
    """Time-ordered keys in the file's order (members then list in the order they were given)."""

    def __init__(self):
        self.ms = time.time_ns() // 1_000_000
        self.tail = int.from_bytes(os.urandom(7), "big")

    def __call__(self) -> str:
        self.tail += 1
        return uuid7(self.ms, self.tail)


class Importer:
    """One file's import: parses its rows, then plans the writes for app/ops/import_writes.py
    (its ImportPlanner) from what the open transaction holds, and fills the report."""

    def __init__(self, ctx: OpContext, table: Table, village_code: str | None, create_villages: bool = False):
        self.ctx = ctx
        self.table = table
        self.village_code = village_code
        self.create_villages = create_villages
        self.report = ImportReport(str(table.path.name), table.sheet)
        self.new_id = _Ids()
        self.report.unknown_columns = table.unknown

    def run(self, dry_run: bool) -> ImportReport:
        report = self.report
        report.dry_run = dry_run
        self.rows, skipped = parse_rows(self.table)
        rows = self.rows
        report.blank_rows, report.subtotal_rows = skipped.blank, skipped.subtotal
        report.header_rows, report.footer_rows = skipped.header, skipped.footer
        report.rows = len(rows) + report.blank_rows + report.skipped_rows
        report.data_year = sheet_year(self.table, rows)
        write_import(self.ctx, self, dry_run=dry_run)
        report.left_out_rows = sum(1 for r in rows if r.left_out)
        report.imported_rows = len(rows) - report.left_out_rows
        report.problems = [Problem(r.number, problem_reason(r), bool(r.left_out)) for r in rows if r.left_out or r.notes]
        return report

    def places_to_create(self, session) -> list[tuple[str, str, str]]:
        """The chosen village checked; with --create-villages the 乡镇 and 村 the sheet names and the
        database lacks (app/ops/import_writes.py creates them before plan())."""
        self.places = Places(session, self.new_id)
        self.chosen, self.wanted = None, []
        if self.village_code:
            self.chosen = self.places.by_code.get(self.village_code)
            if self.chosen is None:
                raise ImportFileError(f"村不存在：{self.village_code}")
        elif not self.table.has("village"):
            raise ImportFileError("文件中没有“村”列：请用 --village 指定导入到哪个村")
        if self.chosen is None and self.create_villages:
            self.wanted = missing_places(self.places, self.rows)
        return self.wanted

    def plan(self, session, created: list[tuple[str, str, str]]) -> ImportPlan:
        """Everything to write, read from the open transaction (which holds the places just created)."""
        places = self.places
        if self.wanted:
            self.report.created_places = created
            places = Places(session, self.new_id)
        unknown = []
        for row in self.rows:
            if row.left_out:
                continue
            village, problem = places.village(row, self.chosen)
            if problem:
                row.left_out = problem
                if village is None and problem.startswith("村不存在") and row.place["village"] not in unknown:
                    unknown.append(row.place["village"])
            row.village = village
        self.report.unknown_villages = unknown
        families = group_rows(self.rows, self.table.has("household_code"), self.table.has("head_id"))
        existing = Existing(session, families)
        plan = ImportPlan()
        self.numbers = Numbering(session)
        for family in families:
            self._plan_family(family, existing, places, plan)
        plan.new_groups = places.new_groups
        return plan

    def _plan_family(self, family: Family, existing: Existing, places: Places, plan: ImportPlan) -> None:
        main = family.main
        current = existing.find(family)
        values = dict(main.household)
        for row in family.rows:  # household fields only on some rows (merged cells, sparse files)
            for k, v in row.household.items():
                values.setdefault(k, v)
        if values.get("data_year") is None and self.report.data_year:
            values["data_year"] = self.report.data_year
        if values.get("reported_per_capita") is not None:
            values["reported_income_year"] = values.get("data_year")
        unmapped = {}
        for row in family.rows:
            unmapped.update(row.unmapped.get("household", {}))
        merged = merge_unmapped(current.get("unmapped") if current else None, unmapped,
                                 {"household": values, "conditions": {k: v for r in family.rows
                                                                      for k, v in r.conditions.items()}})
        if merged is not SAME:
            values["unmapped"] = merged
        group_text = next((r.place.get("group") for r in family.rows if r.place.get("group")), None)
        group_id = places.group(family.village, group_text)
        if group_id:
            values["group_id"] = group_id
        national = next((r.household_code for r in family.rows if r.household_code), None)
        category_text = main.category_text
        if current is not None and current["village_id"] != family.village.id:
            for row in family.rows:
                row.left_out = f"该户（户编号 {national}）已登记在其他村，未导入"
            return
        household_changed = False
        if current is None:
            hid = self._new_household(family, values, national, category_text, plan)
            code = plan.new_households[-1]["code"]
            members_now: list[dict] = []
            self.report.households["new"] += 1
        else:
            hid, code = current["id"], current["code"]
            if national and not current["national_code"] and national != current["code"]:
                values["national_code"] = national
            note = category_note(category_text, current.get("note"))
            if note:
                values["note"] = note
            diff = changed_values(current, values)
            if "unmapped" in values and values["unmapped"] is None and current.get("unmapped"):
                diff["unmapped"] = None  # every kept cell now reads as a code
            if diff:
                plan.updates.append(("household", hid, diff))
                self._log(code, None, "household", current, diff)
                household_changed = True
            members_now = existing.members[hid]
        member_changes = self._plan_members(family, hid, code, members_now, plan)
        helper_changed = self._plan_helper(family, hid, code, existing, plan)
        conditions_changed = self._plan_conditions(family, hid, code, existing, plan)
        if current is not None:
            if household_changed or member_changes or helper_changed or conditions_changed:
                self.report.households["updated"] += 1
            else:
                self.report.households["unchanged"] += 1

    def _new_household(self, family, values, national, category_text, plan) -> str:
        hid = self.new_id()
        row = {"id": hid, "village_id": family.village.id, "code": self.numbers.next(family.village.code),
               "national_code": national, **values}
        note = category_note(category_text, None)
        if note:
            row["note"] = note
        plan.new_households.append(row)
        return hid

    def _plan_members(self, family: Family, hid: str, code: str, members_now: list[dict], plan: ImportPlan) -> bool:
        changed = False
        used: set[str] = set()
        for row in family.rows:
            m = dict(row.member)
            number = m.get("id_number")
            match = None
            if number:
                match = next((x for x in members_now if x["id"] not in used and x["id_number"] == number), None)
            if match is None:
                match = next((x for x in members_now if x["id"] not in used and x["name"] == m["name"]
                              and same_person(x, m, row.id_destroyed)), None)
            if match is None:
                if row.unmapped.get("member"):
                    m["unmapped"] = json.dumps(row.unmapped["member"], ensure_ascii=False, sort_keys=True)
                plan.new_members.append(member_defaults({"id": self.new_id(), "household_id": hid, **m}))
                self.report.members["new"] += 1
                changed = True
                continue
            used.add(match["id"])
            merged = merge_unmapped(match.get("unmapped"), row.unmapped.get("member", {}), {"member": m})
            if merged is not SAME:
                m["unmapped"] = merged
            diff = changed_values(match, m)
            if "unmapped" in m and m["unmapped"] is None and match.get("unmapped"):
                diff["unmapped"] = None  # every kept cell now reads as a code: nothing left to keep
            if diff:
                plan.updates.append(("member", match["id"], diff))
                self._log(code, match["name"], "member", match, diff)
                self.report.members["updated"] += 1
                changed = True
            else:
                self.report.members["unchanged"] += 1
        return changed

    def _plan_helper(self, family: Family, hid: str, code: str, existing: Existing, plan: ImportPlan) -> bool:
        info = next((r.helper for r in family.rows if r.helper.get("name")), None)
        if not info:
            return False
        helper = next((h for h in existing.helpers if h["name"] == info["name"]
                       and (not info.get("phone") or h["phone"] == info.get("phone"))), None)
        if helper is None:
            helper = {"id": self.new_id(), "name": info["name"], "unit": info.get("unit"), "phone": info.get("phone")}
            existing.helpers.append(helper)
            plan.new_helpers.append(dict(helper))
        else:
            diff = changed_values(helper, {k: v for k, v in info.items() if k in ("unit", "phone")})
            if diff and not any(u[1] == helper["id"] for u in plan.updates):
                plan.updates.append(("helper", helper["id"], diff))
                self._log(code, helper["name"], "helper", helper, diff)
                helper.update(diff)
        current = existing.helper_of.get(hid)
        if current is not None and current["helper_id"] == helper["id"]:
            return False
        if current is not None:
            plan.ended_assignments.append(current["id"])
            self._log(code, None, "assignment", {"helper_id": current["helper_id"]}, {"helper_id": helper["name"]})
        plan.new_assignments.append({"household_id": hid, "helper_id": helper["id"], "start_date": self.ctx.today})
        return True

    def _plan_conditions(self, family: Family, hid: str, code: str, existing: Existing, plan: ImportPlan) -> bool:
        values = {}
        for row in family.rows:
            for k, v in row.conditions.items():
                values.setdefault(k, v)
        if not values:
            return False
        current = existing.conditions.get(hid)
        if current is None:
            plan.new_conditions.append({"household_id": hid, "year": self.report.data_year or self.ctx.today.year,
                                        **values})
            return True
        diff = changed_values(current, values)
        if diff:
            plan.updates.append(("conditions", current["id"], diff))
            self._log(code, None, "conditions", current, diff)
            return True
        return False

    def _log(self, code: str, name: str | None, table: str, current: dict, diff: dict) -> None:
        for f, new in diff.items():
            self.report.changes.append({"household_code": code, "name": name, "table": table,
                                        "field": fields.label(table, f), "old": shown(table, f, current.get(f)),
                                        "new": shown(table, f, new)})


def import_xlsx(ctx: OpContext, path: Path | str, village_code: str | None = None, *, dry_run: bool = False,
                errors_path: Path | str | None = None, create_villages: bool = False) -> ImportReport:
    """Import a 花名册 file in one transaction (or try it, with dry_run) and report what changed.
    With create_villages the 乡镇 and 村 the sheet names and the database lacks are created first,
    in the same transaction (report.created_places)."""
    table = find_table(path)
    report = Importer(ctx, table, village_code.strip() if village_code else None, create_villages).run(dry_run)
    if errors_path is not None and report.problems:
        write_error_copy(table, report.problems, errors_path)
        report.errors_file = str(errors_path)
    return report


def write_error_copy(table: Table, problems: list[Problem], path: Path | str) -> Path:
    """The input sheet as it was, with a 错误原因 column saying what happened to each problem row."""
    from openpyxl import Workbook

    path = Path(path)
    by_row = {p.row: p for p in problems}
    width = max((len(r) for r in table.raw), default=0)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.sheet[:31] or "Sheet1")
    header_row = table.header_rows[-1] + 1
    for index, raw in enumerate(table.raw):
        number = index + 1
        values = [None if is_empty(v) else v for v in raw] + [None] * (width - len(raw))
        problem = by_row.get(number)
        if number == header_row:
            values.append(styled(ws, "错误原因", fill=ERROR_FILL))
        elif problem is not None:
            values = [styled(ws, v, fill=ERROR_FILL) for v in values]
            values.append(styled(ws, problem.reason, fill=ERROR_FILL))
        ws.append(values)
    fileops.write_via(path, wb.save)  # beside it, then swapped in (retried while WPS holds it)
    return path


IMPORT_TABLES = frozenset({"household", "member", "region", "helper", "assignment", "conditions"})


def import_op(ctx: OpContext, path: Path | str, village_code: str | None = None, *, dry_run: bool = False,
              errors_path: Path | str | None = None, create_villages: bool = False):
    """import_xlsx as an op for the client's runner: Result(report, changed tables)."""
    report = import_xlsx(ctx, path, village_code, dry_run=dry_run, errors_path=errors_path,
                         create_villages=create_villages)
    return Result(report, frozenset() if dry_run or not report.changed else IMPORT_TABLES)


def preview(path: Path | str, rows: int = 20) -> dict:
    """What the wizard shows before anything is read into the database: the sheet, the header
    found, the columns recognised and the first data rows."""
    table = find_table(path)
    headers = [table.headers.get(c, "") for c in range(max((len(r) for r in table.rows), default=0))]
    recognised = {c: BY_KEY[k].header for c, k in table.columns.items()}
    data = [[cell_text(v) for v in table.rows[i]] for i in range(table.data_start,
                                                               min(len(table.rows), table.data_start + rows))]
    return {"sheet": table.sheet, "header_rows": [r + 1 for r in table.header_rows], "headers": headers,
            "recognised": recognised, "unknown": table.unknown, "rows": data,
            "data_rows": len(table.rows) - table.data_start}
