"""VS: 走访 — visits this month, dates and visitors."""

from __future__ import annotations

from app.domain.limits import in_future
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.quality.rules.common import REGISTERED
from app.domain.quality.views import HouseholdView


@rule("VS01", WARNING, "本月未走访")
def not_visited(hv: HouseholdView):
    if hv.h.status not in REGISTERED:
        return None
    helper = hv.helper
    if helper is None:
        return None
    today = hv.ds.today
    last = hv.ds.last_visit.get(hv.h.id)
    if last is not None and last >= today.replace(day=1):
        return None
    since = f"，上次走访 {last.isoformat()}" if last else "，没有走访记录"
    return hv.hit("visit_date", last, f"帮扶责任人{helper.name}本月（{today.year}年{today.month}月）未走访该户{since}")


@rule("VS02", ERROR, "走访日期晚于今天")
def future_visit(hv: HouseholdView):
    today = hv.ds.clock or hv.ds.today  # the real date, not the reference date of an --as-of check
    return [Hit("visit", v.id, "visit_date", v.visit_date, f"走访日期晚于今天：{v.visit_date.isoformat()}")
            for v in hv.ds.visits.get(hv.h.id, ()) if in_future(v.visit_date, today)] or None


@rule("VS03", WARNING, "走访人不是该户帮扶责任人或驻村工作队成员")
def visitor_not_on_team(hv: HouseholdView):
    ds = hv.ds
    visits = ds.visits.get(hv.h.id)
    if not visits:
        return None
    assigned = {a.helper_id for a in ds.assignments.get(hv.h.id, ())}
    names = {ds.helpers[i].name for i in assigned if i in ds.helpers}
    village = hv.village
    team = " ".join(x for x in (village.first_secretary, village.team_contact) if x) if village else ""
    out = []
    for v in visits:
        if v.helper_id:
            if v.helper_id in assigned:
                continue
            who = ds.helpers[v.helper_id].name if v.helper_id in ds.helpers else v.helper_id
        else:
            visitors = [x for x in (v.visitors or "").replace("，", ",").replace("、", ",").split(",") if x.strip()]
            if not visitors or all(x.strip() in names or x.strip() in team for x in visitors):
                continue
            who = v.visitors
        out.append(Hit("visit", v.id, "visitors", who,
                       f"{v.visit_date.isoformat()}走访人“{who}”不是该户的帮扶责任人，也不在驻村工作队名单中"))
    return out or None
