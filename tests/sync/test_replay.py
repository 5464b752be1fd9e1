"""Property: replaying the change log from empty reproduces every synced table exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db.migrate import open_sqlite
from app.db.models import SYNCED_TABLES, Change
from app.domain.errors import DomainError
from app.ops import assistance, households, yearly_records, regions, visits
from app.ops.context import OpContext
from app.sync.replay import apply_changes
from tests import factories

TODAY = date(2026, 11, 27)
names = st.sampled_from(["张伟", "王芳", "李娜", "刘洋", "陈静", "黄秀英", "欧阳明", "阿依古丽·买买提"])
phones = st.sampled_from(["13800138000", "13912345678", "0775-3312345", None])
causes = st.sampled_from(["因病", "因残", "因学", "缺技术", "缺资金", None])
money = st.integers(min_value=0, max_value=60000)

actions = st.lists(
    st.one_of(
        st.tuples(st.just("household"), phones, causes),
        st.tuples(st.just("member"), names, st.integers(1940, 2020), st.sampled_from(["男", "女"])),
        st.tuples(st.just("edit"), phones, causes),
        st.tuples(st.just("remove_member"), st.integers(0, 50)),
        st.tuples(st.just("income"), money, money, st.integers(0, 3000)),
        st.tuples(st.just("visit"), st.integers(0, 300)),
        st.tuples(st.just("helper"), names),
        st.tuples(st.just("delete_household"), st.integers(0, 50)),
    ),
    min_size=1, max_size=25,
)


def _dump(ctx: OpContext) -> dict:
    with ctx.read() as s:
        return {name: sorted(tuple(r) for r in s.execute(select(t)).all())
                for name, t in SYNCED_TABLES.items()}


def _run(ctx: OpContext, village: str, steps) -> None:
    hh: list[str] = []
    members: list[str] = []
    seq = 100
    for step in steps:
        kind = step[0]
        try:
            if kind == "household":
                res = households.create_household(ctx, {"village_id": village, "phone": step[1],
                                                        "main_cause": step[2]})
                hh.append(res.value["id"])
            elif kind == "member" and hh:
                seq += 1
                birth = date(step[2], 6, 1)
                values = {"name": step[1], "relation": "其他", "sex": step[3],
                          "id_number": factories.id_number(birth, step[3], seq)}
                members.append(households.add_member(ctx, hh[-1], values).value["id"])
            elif kind == "edit" and hh:
                households.update_household(ctx, hh[-1], {"phone": step[1], "main_cause": step[2]})
            elif kind == "remove_member" and members:
                households.remove_member(ctx, members[step[1] % len(members)])
            elif kind == "income" and hh:
                yearly_records.set_income(ctx, hh[-1], 2025, {"wages": step[1], "business": step[2],
                                                       "business_costs": min(step[3], step[2])})
            elif kind == "visit" and hh:
                visits.record_visit(ctx, hh[0], {"visit_date": date(2026, 1, 1).fromordinal(
                    date(2026, 1, 1).toordinal() + step[1]), "visitors": "驻村工作队",
                                                  "problems": "缺资金"})
            elif kind == "helper" and hh:
                hid = assistance.create_helper(ctx, {"name": step[1]}).value["id"]
                assistance.assign_helper(ctx, hh[-1], hid, date(2026, 3, 1))
            elif kind == "delete_household" and hh:
                households.delete_household(ctx, hh[step[1] % len(hh)])
        except DomainError:
            pass  # refused input changes nothing; the property must still hold


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_replaying_the_log_rebuilds_every_table(tmp_path_factory, steps):
    folder: Path = tmp_path_factory.mktemp("replay")
    ctx = OpContext(open_sqlite(folder / "a.db"), user="甲", today_fn=lambda: TODAY)
    county = regions.create_region(ctx, "450881000000", "桂平市", "county").value["id"]
    town = regions.create_region(ctx, "450881104000", "木乐镇", "township", county).value["id"]
    village = regions.create_region(ctx, "450881104201", "长河村", "village", town).value["id"]
    _run(ctx, village, steps)

    with ctx.read() as s:
        log = [dict(r) for r in s.execute(select(Change.__table__).order_by(Change.seq)).mappings()]
    replica = OpContext(open_sqlite(folder / "b.db"), today_fn=lambda: TODAY)
    with replica.sessions.begin() as s:
        apply_changes(s, log)
    assert _dump(replica) == _dump(ctx)
    ctx.engine.dispose()
    replica.engine.dispose()
