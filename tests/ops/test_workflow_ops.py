"""Workflow operations over a real database: steps, status changes, batches, member changes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import (
    Change,
    ExitAssessment,
    Household,
    Income,
    Member,
    WorkflowStep,
)
from app.domain import codes
from app.domain.errors import DomainError, ValidationErrors
from app.ops import workflow as ops
from app.ops.households import create_household
from tests import factories
from tests.ops.helpers import exit_ready

D = date(2026, 3, 2)


def household_row(ctx, hid):
    with ctx.read() as s:
        return s.execute(select(Household).where(Household.id == hid)).scalar_one()


def steps_of(ctx, hid):
    with ctx.read() as s:
        return s.execute(select(WorkflowStep.process, WorkflowStep.step, WorkflowStep.result)
                         .where(WorkflowStep.household_id == hid).order_by(WorkflowStep.id)).all()


def test_identification_step_by_step(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"], "status": None, "main_cause": "因病"},
                           [factories.head()]).value["id"]
    day = D
    for step in range(1, 9):
        res = ops.record_step(ctx, hid, "identify", step, day, doc_ref=f"文{step}", note="" if step != 1 else "申请")
        assert res.changes >= {"workflow_step"}
        expected_status = None if step < 8 else codes.HOUSEHOLD_STATUS.code("未脱贫")  # 贫困户（未脱贫）
        assert household_row(ctx, hid).status == expected_status
        if step == 4:  # lists while in progress
            assert [r.code for r in ops.household_list(ctx, village["id"], "拟识别")] == [household_row(ctx, hid).code]
        day += timedelta(days=8)
    h = household_row(ctx, hid)
    assert h.identified_year == 2026 and h.category == codes.CATEGORY.code("一般贫困户")
    assert [s.step for s in steps_of(ctx, hid)] == list(range(1, 9))
    with ctx.read() as s:  # every step and the status change are in the change log
        logged = s.execute(select(func.count()).select_from(Change).where(Change.table_name == "workflow_step")).scalar()
        status_change = s.execute(select(Change.payload).where(Change.table_name == "household", Change.row_id == hid,
                                                               Change.op == "update")).scalars().all()
    assert logged == 8 and any('"status"' in p for p in status_change)
    flow = ops.household_flow(ctx, hid)
    assert [e.step for e in flow.timeline] == list(range(1, 9))
    assert flow.timeline[4].result == "无异议" and flow.timeline[0].doc_ref == "文1"
    assert [a.process for a in flow.actions] == ["exit", "cancel", "monitor"]


def test_refused_steps_say_what_comes_first_and_write_nothing(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"], "status": None}, [factories.head()]).value["id"]
    ops.record_step(ctx, hid, "identify", 1, D)
    with pytest.raises(DomainError, match="^请先完成新识别第2步"):
        ops.record_step(ctx, hid, "identify", 3, D + timedelta(days=3))
    with pytest.raises(DomainError, match="^该户新识别程序尚未完成（已完成第1步）"):
        ops.record_step(ctx, hid, "exit", 1, D + timedelta(days=3))
    assert len(steps_of(ctx, hid)) == 1


def test_exit_records_the_assessment_and_refuses_a_failing_indicator(ctx, village):
    good = exit_ready(ctx, village, 1)
    bad = exit_ready(ctx, village, 2)
    with ctx.write() as w:  # the child drops out of school
        child = w.session.execute(select(Member.id).where(Member.household_id == bad, Member.name == "韦小明")).scalar()
        w.update("member", child, {"schooling": None})
    with pytest.raises(ValidationErrors, match=r"户450881104201-01-0002：退出指标未达标，不能退出：义务教育有保障"):
        ops.record_steps(ctx, [good, bad], "exit", 1, D)
    assert steps_of(ctx, good) == [] and household_row(ctx, good).status == codes.HOUSEHOLD_STATUS.code("未脱贫")
    res = ops.record_steps(ctx, [good, bad], "exit", 1, D, skip_refused=True)
    assert [o.household_id for o in res.value.recorded] == [good]
    assert [r[1] for r in res.value.refused] == ["450881104201-01-0002"]
    assert household_row(ctx, good).status == codes.HOUSEHOLD_STATUS.code("预脱贫")
    with ctx.read() as s:
        a = s.execute(select(ExitAssessment).where(ExitAssessment.household_id == good)).scalar_one()
    assert a.passed and a.year == 2026 and a.assessed_by == "测试员"
    assert json.loads(a.inputs)["facts"]["line"]["amount"] == "4000.00"
    day = D
    for step in range(2, 8):
        day += timedelta(days=8)
        ops.record_step(ctx, good, "exit", step, day)
    h = household_row(ctx, good)
    assert h.status == codes.HOUSEHOLD_STATUS.code("已脱贫") and h.exit_year == 2026
    assert [r.code for r in ops.household_list(ctx, village["id"], "本年已脱贫")] == [h.code]


def test_batch_publicity_for_twelve_households_in_one_transaction(ctx, village):
    ids = []
    for n in range(12):
        hid = create_household(ctx, {"village_id": village["id"], "status": None},
                               [factories.head(f"陆{'甲乙丙丁戊己庚辛壬癸子丑'[n]}", seq=200 + n)]).value["id"]
        ids.append(hid)
    day = D
    for step in range(1, 6):
        res = ops.record_steps(ctx, ids, "identify", step, day, actor="驻村工作队")
        assert len(res.value.recorded) == 12
        day += timedelta(days=1)
    with ctx.read() as s:
        txs = s.execute(select(func.count(func.distinct(Change.tx_id))).where(Change.table_name == "workflow_step")).scalar()
        actors = set(s.execute(select(WorkflowStep.actor)).scalars())
    assert txs == 5 and actors == {"驻村工作队"}
    with pytest.raises(ValidationErrors, match="公示期7天"):
        ops.record_steps(ctx, ids, "identify", 6, day)


def test_fallback_and_cancel(ctx, village):
    hid = exit_ready(ctx, village, 3, status="已脱贫")
    with pytest.raises(DomainError, match="请填写返贫的原因"):
        ops.record_step(ctx, hid, "fallback", 1, D)
    ops.record_step(ctx, hid, "fallback", 1, D, note="户主患大病")
    assert household_row(ctx, hid).status == codes.HOUSEHOLD_STATUS.code("返贫")
    assert [r.code for r in ops.household_list(ctx, village["id"], "返贫")] == [household_row(ctx, hid).code]
    for step in (1, 2, 3):
        ops.record_step(ctx, hid, "cancel", step, D + timedelta(days=step), note="全家迁出")
    assert household_row(ctx, hid).status == codes.HOUSEHOLD_STATUS.code("注销")


def test_member_changes_follow_size_and_income(ctx, village):
    hid = exit_ready(ctx, village, 4)
    baby = {"name": "韦小宝", "birth_date": "2026-05-01", "sex": "男", "relation": "之子", "schooling": "学龄前儿童",
            "health": "健康", "labour": "无劳动力", "medical_insured": True, "critical_insured": True}
    ops.add_member_change(ctx, hid, baby, "出生", date(2026, 5, 3))
    assert household_row(ctx, hid).size == 4
    with ctx.read() as s:
        income = s.execute(select(Income).where(Income.household_id == hid, Income.year == 2026)).scalar_one()
        spouse = s.execute(select(Member.id).where(Member.household_id == hid, Member.relation == "02")).scalar()
        head = s.execute(select(Member.id).where(Member.household_id == hid, Member.relation == "01")).scalar()
    assert income.household_size == 4 and income.per_capita == 6000
    ops.remove_member_change(ctx, spouse, "迁出", "外出务工落户", date(2026, 6, 1))
    assert household_row(ctx, hid).size == 3
    with pytest.raises(DomainError, match="已是迁出"):
        ops.remove_member_change(ctx, spouse, "死亡", "", date(2026, 6, 2))
    with pytest.raises(DomainError, match="是户主：请先变更户主"):
        ops.remove_member_change(ctx, head, "死亡", "病故", date(2026, 6, 2))
    child = next(m for m in _members(ctx, hid) if m.name == "韦小明")
    ops.change_head(ctx, hid, child.id, "之父", date(2026, 6, 3))
    ops.remove_member_change(ctx, head, "死亡", "病故", date(2026, 6, 4))
    assert household_row(ctx, hid).head_name == "韦小明"
    processes = [s.process for s in steps_of(ctx, hid)]
    assert processes == ["member_add", "member_remove", "head_change", "member_remove"]


def _members(ctx, hid):
    with ctx.read() as s:
        return s.execute(select(Member).where(Member.household_id == hid)).scalars().all()


def test_unknown_list_is_refused(ctx, village):
    with pytest.raises(DomainError, match="未知的名单"):
        ops.household_list(ctx, village["id"], "黑名单")


def test_exit_year_is_the_year_the_exit_was_approved_for_and_editable_with_a_reason(ctx, village):
    from app.ops import yearly_records

    hid = exit_ready(ctx, village, 3)
    yearly_records.set_income(ctx, hid, 2025, {"wages": 20000})  # the measured year
    day = date(2025, 11, 20)
    ops.record_step(ctx, hid, "exit", 1, day)
    for step in range(2, 8):  # the county's 公告 falls in January 2026
        day += timedelta(days=8)
        ops.record_step(ctx, hid, "exit", step, day)
    assert day.year == 2026
    h = household_row(ctx, hid)
    assert h.status == codes.HOUSEHOLD_STATUS.code("已脱贫") and h.exit_year == 2025
    with ctx.read() as s:
        years = s.execute(select(ExitAssessment.year).where(ExitAssessment.household_id == hid)).scalars().all()
    assert set(years) == {2025}  # both assessments were of the approved year
    with pytest.raises(DomainError, match="须填写原因"):
        ops.set_exit_year(ctx, hid, 2026, " ")
    ops.set_exit_year(ctx, hid, 2026, "县公告文件为2026年度")
    h = household_row(ctx, hid)
    assert h.exit_year == 2026 and "脱贫年度由2025改为2026" in h.note and "县公告文件为2026年度" in h.note
