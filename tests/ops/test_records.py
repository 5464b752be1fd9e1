"""Income, conditions, helpers, plans, measures, loans and visits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db.models import Assignment, Income
from app.domain.errors import DomainError
from app.ops import assistance, yearly_records, visits
from app.ops.households import create_household
from tests import factories


@pytest.fixture
def household(ctx, village):
    return create_household(ctx, {"village_id": village["id"]},
                            [factories.head(), factories.spouse(), factories.child()]).value["id"]


def test_per_capita_income_is_computed_never_typed(ctx, household):
    res = yearly_records.set_income(ctx, household, 2020, {
        "wages": "12000", "business": 3000, "property": "0", "transfers": "1560",
        "dibao_money": 600, "pension_money": 960, "business_costs": "800.5",
        "per_capita": 999999})
    fig = res.value
    assert fig.net_income == Decimal("15759.50") and fig.household_size == 3
    assert fig.per_capita == Decimal("5253.17")
    assert fig.line.amount == Decimal("4000") and fig.above_line is True
    yearly_records.set_income(ctx, household, 2020, {"wages": 0})
    with ctx.read() as s:
        row = s.execute(select(Income).where(Income.household_id == household)).scalar_one()
    assert row.per_capita == Decimal("1253.17")


def test_negative_income_and_wrong_transfer_items_are_refused(ctx, household):
    with pytest.raises(DomainError, match="工资性收入不能为负数"):
        yearly_records.set_income(ctx, household, 2020, {"wages": -100})
    with pytest.raises(DomainError, match="转移性收入"):
        yearly_records.set_income(ctx, household, 2020, {"transfers": 500, "dibao_money": 100})
    with ctx.read() as s:
        assert s.execute(select(Income)).first() is None


def test_conditions_are_one_row_per_year(ctx, household):
    first = yearly_records.set_conditions(ctx, household, 2025, {"house_safety": "C级", "arable_mu": "3.5"})
    again = yearly_records.set_conditions(ctx, household, 2025, {"house_safety": "A级"})
    assert first.value == again.value
    with pytest.raises(DomainError, match="住房安全等级"):
        yearly_records.set_conditions(ctx, household, 2025, {"house_safety": "E级"})


def test_assigning_a_helper_ends_the_previous_assignment(ctx, household):
    a = assistance.create_helper(ctx, {"name": "黄志明", "unit": "桂平市教育局",
                                       "phone": "13800138000"}).value["id"]
    b = assistance.create_helper(ctx, {"name": "韦丽", "phone": "0775-3312345"}).value["id"]
    assistance.assign_helper(ctx, household, a, date(2020, 1, 1))
    assistance.assign_helper(ctx, household, b, date(2022, 6, 1))
    with ctx.read() as s:
        rows = s.execute(select(Assignment.helper_id, Assignment.end_date)
                         .where(Assignment.household_id == household)
                         .order_by(Assignment.start_date)).all()
    assert rows == [(a, date(2022, 6, 1)), (b, None)]
    with pytest.raises(DomainError, match="帮扶责任人不存在"):
        assistance.assign_helper(ctx, household, "nobody")


def test_plan_measure_and_loan_with_limit_warnings(ctx, household):
    assistance.set_plan(ctx, household, 2026, {"goal": "稳定增收", "expected_increase": 3000})
    m = assistance.add_measure(ctx, household, {"type": "产业扶持", "amount": 2000,
                                                "source": "财政资金", "status": "已落实"})
    assert m.value["id"]
    with pytest.raises(DomainError, match="措施类型"):
        assistance.add_measure(ctx, household, {"type": "发钱"})
    loan = assistance.add_loan(ctx, household, {"amount": 60000, "term_months": 48})
    assert loan.warnings == ["扶贫小额信贷金额超过5万元：60000.00", "扶贫小额信贷期限超过3年：48个月"]


def test_visits_cannot_be_in_the_future_and_need_a_visitor(ctx, household):
    with pytest.raises(DomainError, match="走访日期不能晚于今天"):
        visits.record_visit(ctx, household, {"visit_date": date(2030, 1, 1), "visitors": "王"})
    with pytest.raises(DomainError, match="走访人"):
        visits.record_visit(ctx, household, {})
    v = visits.record_visit(ctx, household, {"visitors": "驻村工作队", "kind": "入户走访",
                                            "changes": "收入、健康", "problems": "缺资金"})
    assert v.value["id"]


def test_a_visit_without_content_is_refused_by_the_op_but_replayed_from_another_laptop(ctx, household, tmp_path):
    from sqlalchemy import func, select

    from app.db.migrate import open_sqlite
    from app.db.models import Change, Visit
    from app.domain.visit_content import CONTENT_MISSING
    from app.ops.context import OpContext
    from app.sync.replay import apply_changes

    def count(c):
        with c.read() as s:
            return s.execute(select(func.count()).select_from(Visit.__table__)).scalar()

    for empty in ({"visitors": "王五"}, {"visitors": "王五", "problems": "  ", "changes": ""}):
        with pytest.raises(DomainError, match="请填写走访内容") as refused:
            visits.record_visit(ctx, household, empty)
        assert refused.value.args[-1] == CONTENT_MISSING or CONTENT_MISSING in str(refused.value)
    assert count(ctx) == 0
    # a visit stored by an older version on another laptop still arrives by sync
    with ctx.write() as w:
        w.insert("visit", {"household_id": household, "visit_date": date(2026, 11, 2), "visitors": "王五"})
    with ctx.read() as s:
        log = [dict(r) for r in s.execute(select(Change.__table__).order_by(Change.seq)).mappings()]
    replica = OpContext(open_sqlite(tmp_path / "b.db"), today_fn=lambda: ctx.today)
    with replica.sessions.begin() as s:
        apply_changes(s, log)
    assert count(replica) == 1
    replica.engine.dispose()


def test_updating_an_income_keeps_the_year_s_divisor(ctx, household):
    from app.ops.households import add_member

    yearly_records.set_income(ctx, household, 2020, {"wages": 9000})
    add_member(ctx, household, {"name": "张小红", "relation": "之女", "sex": "女"})
    fig = yearly_records.set_income(ctx, household, 2020, {"wages": 12000}).value
    assert fig.household_size == 3 and fig.per_capita == Decimal("4000.00")
