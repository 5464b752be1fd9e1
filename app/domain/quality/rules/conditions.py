"""CO: 生产生活条件 — housing, drinking water and areas."""

from __future__ import annotations

from app.domain.limits import MAX_ARABLE_MU, MAX_AREA_PER_PERSON
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.quality.rules.common import AREA_FIELDS, C, code_label, field_label
from app.domain.quality.views import HouseholdView


@rule("CO01", WARNING, "C/D级危房却标为住房安全")
def danger_house_safe(hv: HouseholdView):
    c = hv.conditions
    if c and c.house_safety in C.UNSAFE_HOUSE and not (c.house_rebuilt or c.relocated) and c.house_safe:
        grade = code_label(C.HOUSE_SAFETY, c.house_safety)
        return Hit("conditions", c.id, "house_safe", True, f"住房安全等级为{grade}且未改造，但“住房是否安全”填为是")
    return None


@rule("CO02", ERROR, "饮水安全与饮水困难同时为是")
def water_contradiction(hv: HouseholdView):
    c = hv.conditions
    if c and c.water_safe and c.water_difficult:
        return Hit("conditions", c.id, "water_safe", True, "“是否饮水安全”与“是否饮水困难”同时为是")
    return None


@rule("CO03", WARNING, "面积为负数或不合理")
def implausible_area(hv: HouseholdView):
    c = hv.conditions
    if c is None:
        return None
    for f in AREA_FIELDS:
        value = getattr(c, f)
        if value is not None and value < 0:
            return Hit("conditions", c.id, f, value, f"{field_label('conditions', f)}为负数：{value}")
    if c.arable_mu is not None and c.arable_mu > MAX_ARABLE_MU:
        return Hit("conditions", c.id, "arable_mu", c.arable_mu,
                   f"耕地面积（亩）不合理：{c.arable_mu}（超过{MAX_ARABLE_MU}亩）")
    if c.irrigated_mu is not None and c.arable_mu is not None and c.irrigated_mu > c.arable_mu:
        return Hit("conditions", c.id, "irrigated_mu", c.irrigated_mu,
                   f"有效灌溉面积（亩）{c.irrigated_mu}大于耕地面积（亩）{c.arable_mu}")
    return None


@rule("CO04", WARNING, "住房面积为0或人均超过200平方米")
def house_area(hv: HouseholdView):
    c = hv.conditions
    if c is None or c.house_area_m2 is None:
        return None
    people = max(1, len(hv.normal))
    if c.house_area_m2 <= 0 or c.house_area_m2 / people > MAX_AREA_PER_PERSON:
        return Hit("conditions", c.id, "house_area_m2", c.house_area_m2,
                   f"住房面积（㎡）不合理：{c.house_area_m2}（{people}人）")
    return None
