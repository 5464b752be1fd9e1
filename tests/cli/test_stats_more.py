"""`kace stats --json`: the figures added by issue 6, next to the original keys."""

from __future__ import annotations

from datetime import date

from app.db.stats_queries import stats
from app.ops import assistance, visits
from tests.ops.helpers import exit_ready

ORIGINAL = {"households", "members", "villages", "visits", "changes", "by_status", "income_per_capita"}
ADDED = {"by_cause", "by_category", "poverty_incidence", "visits_this_month", "households_visited_this_month",
         "measures_by_type"}


def test_stats_add_causes_categories_rate_visits_and_measures(ctx, village):
    poor = exit_ready(ctx, village, 1)
    exit_ready(ctx, village, 2, status="已脱贫")
    visits.record_visit(ctx, poor, {"visit_date": "2026-11-03", "visitors": "王五", "problems": "缺技术"})
    visits.record_visit(ctx, poor, {"visit_date": "2026-11-20", "visitors": "王五", "problems": "缺技术"})
    visits.record_visit(ctx, poor, {"visit_date": "2026-10-20", "visitors": "王五", "problems": "缺技术"})
    assistance.add_measure(ctx, poor, {"type": "产业扶持", "amount": 3000, "year": 2026})
    assistance.add_measure(ctx, poor, {"type": "产业扶持", "amount": "1500.50", "year": 2026})
    assistance.add_measure(ctx, poor, {"type": "技能培训", "amount": 800, "year": 2026})
    with ctx.read() as s:
        data = stats(s, village["id"], today=date(2026, 11, 27))
    assert ORIGINAL | ADDED == set(data)
    assert data["by_status"] == {"未脱贫": 1, "已脱贫": 1}
    assert data["by_cause"] == {"因病": 2} and data["by_category"] == {"一般贫困户": 2}
    assert data["poverty_incidence"] == {"poor_population": 3, "agri_population": 1200, "rate": 0.25, "threshold": 3.0}
    assert data["visits_this_month"] == 2 and data["households_visited_this_month"] == 1
    assert data["measures_by_type"] == {"产业扶持": {"count": 2, "amount": 4500.5},
                                        "技能培训": {"count": 1, "amount": 800.0}}


def test_stats_of_an_empty_database(ctx):
    with ctx.read() as s:
        data = stats(s, None, today=date(2026, 11, 27))
    assert data["poverty_incidence"] == {"poor_population": 0, "agri_population": None, "rate": None, "threshold": None}
    assert data["by_cause"] == {} and data["measures_by_type"] == {} and data["visits_this_month"] == 0
