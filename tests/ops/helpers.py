"""Households that meet the exit standard, built through the real ops."""

from __future__ import annotations

from datetime import date

from app.ops import assistance, exit_assessment, yearly_records
from app.ops.households import create_household
from tests import factories

INSURED = {"medical_insured": True, "critical_insured": True}


def exit_ready(ctx, village, n: int = 0, status: str = "未脱贫", per_capita_wages: int = 24000) -> str:
    """A household of three meeting every national exit indicator (income above the 2026 line)."""
    seq = 100 + n * 3
    members = [
        {**factories.head(f"韦{'一二三四五六七八九十'[n % 10]}强", date(1970, 3, 15), seq), **INSURED},
        {**factories.spouse("黄秀英", date(1972, 8, 1), seq + 1), **INSURED},
        {**factories.child("韦小明", date(2014, 5, 20), seq + 2), **INSURED},
    ]
    hid = create_household(ctx, {"village_id": village["id"], "group_id": village["groups"][0],
                                 "status": status, "category": "一般贫困户", "main_cause": "因病",
                                 "identified_year": 2016}, members).value["id"]
    yearly_records.set_conditions(ctx, hid, 2026, {"house_safety": "A级", "house_safe": True, "water_safe": True,
                                            "water_difficult": False, "household_power": True, "radio_tv": True,
                                            "road_type": "水泥路"})
    exit_assessment.record_food_clothing(ctx, hid, 2026, True, True, date(2026, 3, 1), "王五")
    yearly_records.set_income(ctx, hid, 2026, {"wages": per_capita_wages})
    return hid


def helper_for(ctx, household_id: str) -> str:
    helper = assistance.create_helper(ctx, {"name": "王五", "phone": "13900000000"}).value["id"]
    assistance.assign_helper(ctx, household_id, helper, date(2026, 1, 1))
    return helper
