"""MS: 帮扶措施 — plans, measures and 扶贫小额信贷."""

from __future__ import annotations

from app.domain.limits import LOAN_MAX_AMOUNT, LOAN_MAX_MONTHS
from app.domain.quality.registry import WARNING, Hit, rule
from app.domain.quality.rules.common import C, REGISTERED, code_label
from app.domain.quality.views import HouseholdView


@rule("MS01", WARNING, "没有本年度一户一策帮扶计划")
def no_plan(hv: HouseholdView):
    if hv.h.status in REGISTERED and hv.ds.year not in hv.ds.plans.get(hv.h.id, ()):
        return hv.hit("plan", None, f"没有{hv.ds.year}年一户一策帮扶计划")
    return None


@rule("MS02", WARNING, "帮扶措施没有类型或金额")
def measure_incomplete(hv: HouseholdView):
    out = []
    for me in hv.ds.measures.get(hv.h.id, ()):
        if not me.type:
            out.append(Hit("measure", me.id, "type", None, f"{me.year}年帮扶措施没有措施类型"))
        elif me.amount is None:
            out.append(Hit("measure", me.id, "amount", None,
                           f"{me.year}年帮扶措施“{code_label(C.MEASURE_TYPE, me.type)}”没有金额"))
    return out or None


@rule("MS03", WARNING, "扶贫小额信贷超过5万元或3年")
def loan_limits(hv: HouseholdView):
    out = []
    for loan in hv.ds.loans.get(hv.h.id, ()):
        if loan.amount is not None and loan.amount > LOAN_MAX_AMOUNT:
            out.append(Hit("loan", loan.id, "amount", loan.amount, f"扶贫小额信贷金额超过5万元：{loan.amount}元"))
        elif loan.term_months is not None and loan.term_months > LOAN_MAX_MONTHS:
            out.append(Hit("loan", loan.id, "term_months", loan.term_months,
                           f"扶贫小额信贷期限超过3年：{loan.term_months}个月"))
    return out or None
