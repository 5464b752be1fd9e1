"""Exit assessment (stored and reproducible), village exit, and 返贫 monitoring over a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db.models import Household, Member, MonitoringRecord
from app.domain import codes
from app.domain.errors import DomainError
from app.ops import exit_assessment as ea
from app.ops import monitoring, yearly_records, visits, workflow
from app.ops.regions import update_village
from tests.ops.helpers import exit_ready

D = date(2026, 4, 1)


def test_assessment_is_stored_with_inputs_and_reproduces_the_form(ctx, village):
    hid = exit_ready(ctx, village)
    stored = ea.assess_exit(ctx, hid).value
    assert stored.passed and stored.profile == "national" and stored.assessed_by == "测试员"
    assert [i.key for i in stored.indicators] == ["income", "food", "clothing", "education", "medical", "housing", "water"]
    assert stored.per_capita == Decimal("8000.00") and stored.line_text == "2026年国家扶贫标准 4000元（沿用2020年标准）"
    # the record changes afterwards: the stored assessment still reprints the same indicators
    yearly_records.set_income(ctx, hid, 2026, {"wages": 3000})
    again = ea.stored_assessments(ctx, hid)[0]
    assert ea.reproduce(again) == again.indicators == stored.indicators
    form = ea.exit_form(ctx, again.id)
    assert form["household_code"] == "450881104201-01-0001" and form["passed"] is True
    assert form["places"]["village"] == "长河村" and form["indicators"][0]["figure"].startswith("人均纯收入 8000.00元")
    now = ea.preview_exit(ctx, hid)
    assert not now.passed and now.failures[0].startswith("人均纯收入稳定超过当年扶贫标准（人均纯收入 1000.00元")


def test_the_county_profile_is_a_setting(ctx, village):
    hid = exit_ready(ctx, village)
    ea.set_exit_profile(ctx, "guangxi_8you1chao")
    a = ea.preview_exit(ctx, hid)
    assert a.profile == "guangxi_8you1chao" and len(a.indicators) == 9 and a.passed
    with pytest.raises(DomainError, match="未知的脱贫退出标准"):
        ea.set_exit_profile(ctx, "mars")


def test_village_exit_report(ctx, village):
    poor = exit_ready(ctx, village, 1)
    exit_ready(ctx, village, 2, status="已脱贫")
    report = ea.assess_village(ctx, village["id"])
    assert report.poor_population == 3 and report.agri_population == 1200
    assert report.rate == Decimal("0.25") and report.threshold == Decimal(3) and report.western
    rate, income = report.indicators
    assert rate.passed and not income.passed and "村集体经济收入未填写" in income.evidence
    update_village(ctx, village["id"], {"collective_income": 30000, "agri_population": 100})
    report = ea.assess_village(ctx, village["id"])
    assert report.rate == Decimal("3.00") and report.passed
    update_village(ctx, village["id"], {"agri_population": 90})
    assert not ea.assess_village(ctx, village["id"]).passed
    ea.set_village_manual(ctx, village["code"], {"cooperative": True, "road": False})
    gx = ea.assess_village(ctx, village["id"], profile="guangxi")
    by_key = {i.key: i for i in gx.indicators}
    assert len(gx.indicators) == 13 and by_key["cooperative"].passed and not by_key["road"].passed
    assert by_key["industry"].evidence.endswith("未填写") and by_key["water"].passed
    with ctx.write() as w:
        w.update("conditions", w.session.execute(select(yearly_records.C.c.id).where(yearly_records.C.c.household_id == poor)).scalar(),
                 {"water_safe": False})
    assert "450881104201-01-0001" in {i.key: i for i in ea.assess_village(ctx, village["id"], profile="guangxi")
                                      .indicators}["water"].evidence
    assert ea.assess_village(ctx, village["id"]).to_json()["rate"] == "3.33"


def test_monitoring_flags_with_evidence(ctx, village):
    hid = exit_ready(ctx, village, status="已脱贫", per_capita_wages=15000)  # 5000 < 1.5 × 4000
    yearly_records.set_income(ctx, hid, 2025, {"wages": 30000})
    with ctx.write() as w:
        m = w.session.execute(select(Member.id).where(Member.household_id == hid, Member.name == "黄秀英")).scalar()
        w.update("member", m, {"health": "02"})
    visits.record_visit(ctx, hid, {"visit_date": "2026-11-20", "visitors": "王五", "changes": "就业",
                                   "change_note": "丈夫工厂停工"})
    (row,) = monitoring.monitoring_overview(ctx, village["id"], flagged_only=True)
    keys = {f.key: f for f in row.flags}
    assert set(keys) == {"income_low", "income_drop", "medical", "hardship"}
    assert "5000.00元，低于6000.00元" in keys["income_low"].evidence
    assert "下降50.0%" in keys["income_drop"].evidence and "黄秀英" in keys["medical"].evidence
    assert "丈夫工厂停工" in keys["hardship"].evidence and row.suggested_type == "脱贫不稳定户"


def test_monitoring_process_registers_and_clears_the_risk(ctx, village):
    hid = exit_ready(ctx, village, status="已脱贫")
    for step in range(1, 5):
        workflow.record_step(ctx, hid, "monitor", step, D, note="干部排查" if step == 1 else None)
    with pytest.raises(DomainError, match="请选择监测对象类型"):
        workflow.record_step(ctx, hid, "monitor", 5, D)
    workflow.record_step(ctx, hid, "monitor", 5, D, monitoring_type="脱贫不稳定户", note="收入骤降")
    with ctx.read() as s:
        h = s.execute(select(Household).where(Household.id == hid)).scalar_one()
    assert h.monitoring_type == codes.MONITORING_TYPE.code("脱贫不稳定户") and h.risk_identified_on == D
    assert [r.code for r in monitoring.monitoring_overview(ctx, village["id"], objects_only=True,
                                                           risk_status="风险未消除")] == [h.code]
    with pytest.raises(DomainError, match="已是监测对象"):
        workflow.record_steps(ctx, [hid], "monitor", 1, D, note="再次申报")
    workflow.record_step(ctx, hid, "monitor", 6, D)
    workflow.record_step(ctx, hid, "monitor", 7, date(2026, 9, 1), note="务工收入稳定")
    with ctx.read() as s:
        h = s.execute(select(Household).where(Household.id == hid)).scalar_one()
        ledger = s.execute(select(MonitoringRecord.step, MonitoringRecord.risk_status)
                           .order_by(MonitoringRecord.record_date)).all()
    assert h.risk_status == codes.RISK_STATUS.code("风险已消除") and h.risk_cleared_on == date(2026, 9, 1)
    assert [r.step for r in ledger] == ["县级确认纳入", "风险消除"]
    assert [x["risk"] for x in monitoring.monitoring_ledger(ctx, hid)] == ["风险未消除", "风险已消除"]
