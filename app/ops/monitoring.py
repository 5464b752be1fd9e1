"""防止返贫监测 (domain.md §6): flags for every household, the 监测对象 list and its filters.

The process steps are recorded with app/ops/workflow.record_steps(process="monitor"); 县级确认纳入
and 风险消除 also write the household's 监测对象类型/风险状态 and a monitoring_record ledger line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.db.models import MonitoringRecord
from app.domain import codes, monitoring
from app.domain.monitoring import Flag
from app.ops.context import OpContext
from app.ops.snapshot import gc_paused, load_dataset

MR = MonitoringRecord.__table__


@dataclass(frozen=True)
class MonitoredHousehold:
    id: str
    code: str
    village: str
    head_name: str
    status: str
    monitoring_type: str  # label, "" when not a 监测对象
    risk_status: str
    flags: list[Flag] = field(default_factory=list)
    suggested_type: str = ""


def _label(codelist: codes.CodeList, code: str | None) -> str:
    return codelist.label(code) if code else ""


def monitoring_overview(ctx: OpContext, village_id: str | None = None, *, flagged_only: bool = False,
                        monitoring_type: str | None = None, risk_status: str | None = None,
                        objects_only: bool = False) -> list[MonitoredHousehold]:
    """Every household (of a village) with its flags; filters: only flagged, only 监测对象, by type
    (label or code) and by 风险状态."""
    type_code = codes.MONITORING_TYPE.code(monitoring_type) if monitoring_type else None
    risk_code = codes.RISK_STATUS.code(risk_status) if risk_status else None
    with gc_paused(), ctx.read() as s:
        ds = load_dataset(s, ctx.today, village_id=village_id, whole_database_keys=False)
    out = []
    for h in ds.households:
        if h.status == codes.HOUSEHOLD_STATUS.code("注销"):
            continue
        if objects_only and not h.monitoring_type:
            continue
        if type_code and h.monitoring_type != type_code:
            continue
        if risk_code and h.risk_status != risk_code:
            continue
        flags = monitoring.household_flags(ds, h)
        if flagged_only and not flags:
            continue
        head = next((m.name for m in ds.members.get(h.id, ()) if m.relation == codes.RELATION.code("户主")), "")
        out.append(MonitoredHousehold(
            h.id, h.code, ds.villages[h.village_id].name if h.village_id in ds.villages else "", head,
            _label(codes.HOUSEHOLD_STATUS, h.status) or "未建档", _label(codes.MONITORING_TYPE, h.monitoring_type),
            _label(codes.RISK_STATUS, h.risk_status), flags,
            codes.MONITORING_TYPE.label(monitoring.suggested_type(h)) if flags else ""))
    return out


def monitoring_ledger(ctx: OpContext, household_id: str) -> list[dict]:
    """The 纳入/消除 ledger lines of a household, oldest first."""
    with ctx.read() as s:
        rows = s.execute(select(MR).where(MR.c.household_id == household_id, MR.c.deleted.is_(False))
                         .order_by(MR.c.record_date, MR.c.id)).mappings().all()
    return [{"date": r["record_date"], "step": r["step"], "type": _label(codes.MONITORING_TYPE, r["monitoring_type"]),
             "risk": _label(codes.RISK_STATUS, r["risk_status"]), "reason": r["reason"] or "", "actor": r["actor"] or ""}
            for r in rows]
