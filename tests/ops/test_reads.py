"""The screens' query facade (app/ops/reads.py) hands out plain data only: no ORM object, no row
of SQLAlchemy's, no Session, whatever a function returns; and every read finds what it should."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import date
from decimal import Decimal

from app.ops import reads
from app.demo import make_demo
from app.ops.households import update_household
from tests.conftest import TODAY

PLAIN = (str, int, float, bool, Decimal, date, bytes, type(None))


def leaks(value, path: str = "value") -> list[str]:
    """Where in `value` something other than plain data sits (SQLAlchemy's types, ORM objects).
    Values of app/domain (a poverty-line table) are plain: pure Python, no database behind them."""
    if isinstance(value, PLAIN) or type(value).__module__.startswith("app.domain."):
        return []
    if type(value).__module__.startswith("sqlalchemy") or hasattr(value, "_sa_instance_state"):
        return [f"{path}: {type(value).__module__}.{type(value).__name__}"]
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in leaks(k, f"{path} key") + leaks(v, f"{path}[{k!r}]")]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [x for i, v in enumerate(value) for x in leaks(v, f"{path}[{i}]")]
    if dataclasses.is_dataclass(value):
        return [x for f in dataclasses.fields(value) for x in leaks(getattr(value, f.name), f"{path}.{f.name}")]
    return [f"{path}: {type(value).__module__}.{type(value).__name__}"]


def test_the_leak_check_sees_an_orm_row_inside_plain_data(ctx):
    from sqlalchemy import select

    from app.db.models import Region

    make_demo(ctx, 2, 3, TODAY, parallel=False)
    with ctx.read() as s:
        row = s.execute(select(Region.__table__.c.id)).first()
        obj = s.execute(select(Region)).scalars().first()
    assert leaks({"a": [1, ("x", row)]}) == ["value['a'][1][1]: sqlalchemy.engine.row.Row"]
    assert leaks([obj]) and leaks(ctx) and not leaks({"d": date(2026, 1, 1), "n": Decimal("1.5")})


def test_every_read_of_the_facade_returns_plain_data(ctx):
    make_demo(ctx, 30, 5, TODAY, parallel=False)
    village = reads.villages_with_groups(ctx)[0]
    code = reads.showcase_household_code(ctx)
    household_id = reads.household_id_by_code(ctx, code)
    update_household(ctx, household_id, {"phone": "13911111111"})  # a change in the history
    query = reads.ListQuery("village", village["id"])
    rowids = reads.household_rowids(ctx, query)
    month = (TODAY.replace(day=1), TODAY)
    calls = {
        "has_households": (), "villages": (), "villages_with_groups": (), "region_tree": (),
        "schema_revision": (), "stats": (village["id"],), "village_figures": (village["id"],),
        "status_figures": (), "household_id_by_code": (code, True), "showcase_household_code": (),
        "search_rowids": (code, 10), "rowid_of": (household_id,), "rowids_of": ([household_id],),
        "household_rowids": (query, "last_visit", True), "household_names": (query, "head_name"),
        "household_rows": (rowids[:20],), "helpers_in_scope": (query,),
        "scan_search_keys": (lambda keys, mark: (list(keys), mark),), "search_keys_since": (0,),
        "household_choices": (rowids[:5],), "visit_entry": (household_id,),
        "month_of_visits": (query, *month), "household_detail": (household_id,),
        "household_visits": (household_id,), "household_history": (household_id,),
        "search_helpers": ("",), "household_conflicts": (household_id,), "review_items": (),
        "sync_status": (), "replica_state": (),
    }
    public = {name for name, fn in inspect.getmembers(reads, inspect.isfunction)
              if fn.__module__ == reads.__name__ and not name.startswith("_")}
    assert public == set(calls)  # a new read of the facade is checked here too
    for name, args in calls.items():
        value = getattr(reads, name)(ctx, *args)
        assert leaks(value, name) == []
        assert value not in (None, [], {}, ()), name  # each call found something to return
