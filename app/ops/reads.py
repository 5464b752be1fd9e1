"""The read side of the screens: every read a window makes, as a function of the OpContext.

Each function opens its own read session (`ops.read()`), runs the store's queries
(app/db/*_queries.py) and returns plain data: dicts, tuples, dataclasses, never a Session or an
ORM object. The first argument is the OpContext, the op runner's convention, so a screen either
calls one directly for a quick read on the UI thread (`reads.household_detail(app.ops, id)`) or
hands it to the runner to run on the database thread (`runner.read(reads.household_rows,
rowids, on_done=...)`). Screens import this module and never the query modules or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from app.db import detail_queries, list_queries, lookup_queries, review, stats_queries
from app.db import replica_state as replica
# DETAIL_TABLES, NO_STATUS, ListQuery, ListRow and NOT_REGISTERED are the store's plain types and
# constants that screens use: re-exported, so a screen imports only this module.
from app.db.detail_queries import DETAIL_TABLES  # noqa: F401
from app.db.list_queries import NO_STATUS, ListQuery, ListRow  # noqa: F401
from app.db.models import SYNCED_TABLES, Household
from app.db.stats_queries import NOT_REGISTERED  # noqa: F401
from app.ops.context import OpContext

T = TypeVar("T")
# The list's sort orders by a name column: the screen sorts those in pinyin order itself.
NAME_ORDERS = frozenset(list_queries.NAME_COLUMNS)
# Table names, as change-sets name them: the synced tables, and every table of the database.
SYNCED_TABLE_NAMES = frozenset(SYNCED_TABLES)
ALL_TABLE_NAMES = frozenset(Household.metadata.tables)

# --- places and figures ---------------------------------------------------------------------------


def has_households(ops: OpContext) -> bool:
    with ops.read() as s:
        return lookup_queries.has_households(s)


def villages(ops: OpContext) -> list[dict]:
    """Every village with its township and live household count (code order)."""
    with ops.read() as s:
        return lookup_queries.villages(s)


def villages_with_groups(ops: OpContext) -> list[dict]:
    with ops.read() as s:
        return lookup_queries.villages_with_groups(s)


def region_tree(ops: OpContext) -> tuple[list[dict], dict[str, int]]:
    with ops.read() as s:
        return lookup_queries.region_tree(s)


def schema_revision(ops: OpContext) -> str | None:
    with ops.read() as s:
        return lookup_queries.schema_revision(s)


def stats(ops: OpContext, village_id: str | None = None) -> dict:
    """The figures of `kace stats` as of ops.today."""
    with ops.read() as s:
        return stats_queries.stats(s, village_id, ops.today)


def village_figures(ops: OpContext, village_id: str) -> dict:
    with ops.read() as s:
        return stats_queries.village_figures(s, village_id, ops.today)


def status_figures(ops: OpContext) -> dict:
    """The status bar: households, the changes the county server does not hold yet, enrolment."""
    with ops.read() as s:
        figures = stats_queries.status_figures(s)
        # what the county server does not hold yet: the changes sync has not had acknowledged
        figures["unsynced"] = replica.unsynced_count(s)
        figures["enrolled"] = bool(replica.state(s).device_key)
        return figures


# --- finding households ----------------------------------------------------------------------------


def household_id_by_code(ops: OpContext, code: str, live_only: bool = False) -> str | None:
    with ops.read() as s:
        return lookup_queries.household_id_by_code(s, code, live_only)


def showcase_household_code(ops: OpContext) -> str | None:
    with ops.read() as s:
        return lookup_queries.showcase_household_code(s)


def search_rowids(ops: OpContext, text: str, limit: int) -> list[int]:
    """Row numbers of the households matching a name, initials, ID number or 户编号 (the database
    search, used until the search index is built)."""
    with ops.read() as s:
        ids = lookup_queries.search_households(s, text, limit=limit)
        return [r for r in (list_queries.rowid_of(s, i) for i in ids) if r is not None]


def rowid_of(ops: OpContext, household_id: str) -> int | None:
    with ops.read() as s:
        return list_queries.rowid_of(s, household_id)


def rowids_of(ops: OpContext, household_ids: Iterable[str]) -> list[int]:
    with ops.read() as s:
        return [r for r in (list_queries.rowid_of(s, i) for i in household_ids) if r is not None]


# --- the household list ----------------------------------------------------------------------------


def household_rowids(ops: OpContext, query: ListQuery, order: str = "code",
                     descending: bool = False) -> list[int]:
    with ops.read() as s:
        return list_queries.household_rowids(s, query, order, descending)


def household_names(ops: OpContext, query: ListQuery, column: str) -> list[tuple[int, str, str]]:
    with ops.read() as s:
        return list_queries.household_names(s, query, column)


def household_rows(ops: OpContext, rowids: Sequence[int]) -> dict[int, ListRow]:
    with ops.read() as s:
        return list_queries.household_rows(s, rowids)


def helpers_in_scope(ops: OpContext, query: ListQuery) -> list[tuple[str, str]]:
    with ops.read() as s:
        return list_queries.helpers_in_scope(s, query)


def scan_search_keys(ops: OpContext, build: Callable[[Iterable[tuple], int], T]) -> T:
    """`build(keys, mark)` over every live household's search keys, streamed, and the change
    mark they are current up to; then the connection's page cache is given back."""
    with ops.read() as s:
        mark = list_queries.change_mark(s)
        built = build(list_queries.search_keys(s), mark)
        list_queries.release_memory(s)
        return built


def search_keys_since(ops: OpContext, mark: int) -> tuple[int, list[tuple]]:
    """The new change mark and the search keys of the households changed after `mark`."""
    with ops.read() as s:
        new_mark, ids = list_queries.households_changed_since(s, mark)
        return new_mark, (list_queries.search_keys(s, ids) if ids else [])


# --- visits ----------------------------------------------------------------------------------------


def household_choices(ops: OpContext, rowids: Sequence[int]) -> list[dict]:
    with ops.read() as s:
        return list_queries.household_choices(s, rowids)


def visit_entry(ops: OpContext, household_id: str) -> tuple[dict, dict | None]:
    """What the quick visit entry shows of a household: its defaults (current helper, members)
    and its picker row (户主, 户编号, village), None when it is gone."""
    with ops.read() as s:
        defaults = detail_queries.visit_defaults(s, household_id)
        rowid = list_queries.rowid_of(s, household_id)
        info = list_queries.household_choices(s, [rowid])[0] if rowid is not None else None
        return defaults, info


def month_of_visits(ops: OpContext, scope: ListQuery, start: date, end: date) -> tuple[list[dict], list[dict]]:
    """The visits in [start, end) of a place, and its registered households not visited since
    `start` with their helpers."""
    with ops.read() as s:
        return (list_queries.visits_between(s, scope, start, end),
                list_queries.unvisited_by_helper(s, scope, start))


# --- one household ---------------------------------------------------------------------------------


def household_detail(ops: OpContext, household_id: str, parts: Iterable[str] | None = None) -> dict | None:
    with ops.read() as s:
        return detail_queries.household_detail(s, household_id, parts)


def household_visits(ops: OpContext, household_id: str) -> list[dict]:
    with ops.read() as s:
        return detail_queries.household_visits(s, household_id)


def household_history(ops: OpContext, household_id: str) -> tuple[list[dict], dict[str, str]]:
    """The household's change records, newest first, and the names of the ids they log."""
    with ops.read() as s:
        records = detail_queries.household_history(s, household_id)
        ids = {e.get(k) for r in records for f, e in r["payload"].items() if f.endswith("_id")
               for k in ("new", "old")}
        return records, detail_queries.reference_names(s, ids)


def search_helpers(ops: OpContext, text: str) -> list[dict]:
    with ops.read() as s:
        return lookup_queries.search_helpers(s, text)


def household_conflicts(ops: OpContext, household_id: str) -> tuple[dict, str | None]:
    """(table, row id) -> {field: its candidate values} for every field of the household that
    sync found in conflict, and this database's replica id."""
    with ops.read() as s:
        found = detail_queries.conflicted_fields(s, household_id)
        if not found:
            return {}, None
        me = replica.state(s).replica_id
        # only these rows' changes are read (the whole review list would cost every editor opening)
        return {(table, row_id): {name: review.candidates(s, table, row_id, name) for name in sorted(names)}
                for (table, row_id), names in found.items()}, me


# --- sync ------------------------------------------------------------------------------------------


def review_items(ops: OpContext) -> tuple[list, str | None]:
    """The open conflict review items and this database's replica id."""
    with ops.read() as s:
        return review.items(s), replica.state(s).replica_id


def sync_status(ops: OpContext) -> tuple[replica.ReplicaState, int, int]:
    """This replica's state, its changes not yet acknowledged, and the open review items."""
    with ops.read() as s:
        return replica.state(s), replica.unsynced_count(s), review.count_open(s)


def replica_state(ops: OpContext) -> replica.ReplicaState:
    with ops.read() as s:
        return replica.state(s)
