"""Search as you type, a village's households and the village list (app/db/lookup_queries)."""

from __future__ import annotations

from datetime import date

from app.db import lookup_queries
from app.ops.households import create_household
from tests import factories


def test_search_by_initials_name_id_start_end_and_code(ctx, village):
    zsf = create_household(ctx, {"village_id": village["id"]},
                           [factories.head("张三丰"), factories.spouse()]).value
    other = create_household(ctx, {"village_id": village["id"]},
                             [factories.head("王五", birth=date(1981, 2, 3), seq=200)]).value
    number = factories.head()["id_number"]
    with ctx.read() as s:
        assert lookup_queries.search_households(s, "zsf") == [zsf["id"]]
        assert lookup_queries.search_households(s, "ZS") == [zsf["id"]]
        assert lookup_queries.search_households(s, "张三") == [zsf["id"]]
        assert lookup_queries.search_households(s, "李秀") == [zsf["id"]]  # any member, not only the head
        assert lookup_queries.search_households(s, number[:10]) == [zsf["id"]]
        assert lookup_queries.search_households(s, number[-4:]) == [zsf["id"]]
        assert lookup_queries.search_households(s, " " + number[-4:].lower()) == [zsf["id"]]
        assert lookup_queries.search_households(s, other["code"]) == [other["id"]]
        assert set(lookup_queries.search_households(s, "450881104201")) == {zsf["id"], other["id"]}
        assert lookup_queries.search_households(s, "赵") == []
        assert lookup_queries.search_households(s, "zsf", village_id="elsewhere") == []
        assert lookup_queries.search_households(s, "") == []


def test_village_list_and_villages(ctx, village):
    create_household(ctx, {"village_id": village["id"], "group_id": village["groups"][1]},
                     [factories.head()])
    with ctx.read() as s:
        rows = lookup_queries.village_households(s, village["id"])
        assert [r.head_name for r in rows] == ["张三丰"]
        assert lookup_queries.villages(s) == [{"code": "450881104201", "name": "长河村",
                                        "township": "木乐镇", "households": 1}]
