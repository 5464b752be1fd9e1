"""The household life cycle (domain.md §5–§6) as operations: record a dated step, alone or for a
selection of households in one transaction; member changes; the timeline and the lists.

app/domain/workflow.py decides whether a step is legal and what it changes; this module loads the
steps, asks it, and writes the step row, the household's new status and (exit steps 1 and 7) the
stored exit assessment through the change log, all in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import (
    Household,
    Income,
    Member,
    MonitoringRecord,
    Region,
    WorkflowStep,
)
from app.domain import codes, monitoring, workflow
from app.domain.errors import DomainError, ValidationErrors
from app.domain.workflow import StepRecord, Transition
from app.ops.context import OpContext, Result, done
from app.ops.exit_assessment import assessment_row, compute_assessments
from app.ops.households import HEAD, NORMAL, _check_member, _clean_member, _household
from app.ops.snapshot import STEP_COLUMNS

H, M, WS, I = Household.__table__, Member.__table__, WorkflowStep.__table__, Income.__table__
MR, R = MonitoringRecord.__table__, Region.__table__
_CHUNK = 500


def load_steps(session: Session, household_ids: Sequence[str]) -> dict[str, list[StepRecord]]:
    """The recorded steps of several households, one query per 500 households."""
    out: dict[str, list[StepRecord]] = defaultdict(list)
    ids = list(household_ids)
    cols = [WS.c[n] for n in STEP_COLUMNS]
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(select(*cols).where(WS.c.household_id.in_(ids[start:start + _CHUNK]),
                                                  WS.c.deleted.is_(False)))
        for row in rows:
            out[row[0]].append(StepRecord(*row[1:]))
    return out


def _households(session: Session, household_ids: Sequence[str]) -> dict[str, Mapping]:
    out = {}
    ids = list(household_ids)
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(select(H).where(H.c.id.in_(ids[start:start + _CHUNK]))).mappings():
            out[row["id"]] = row
    missing = [hid for hid in ids if hid not in out or out[hid]["deleted"]]
    if missing:
        raise DomainError("户", f"户不存在或已删除：{'、'.join(missing[:5])}")
    return out


@dataclass(frozen=True)
class StepOutcome:
    household_id: str
    household_code: str
    step_id: str
    transition: Transition
    assessment_id: str | None = None


@dataclass(frozen=True)
class BatchOutcome:
    recorded: list[StepOutcome]
    refused: list[tuple[str, str, str]]  # (household id, 户编号, reason)


def record_steps(ctx: OpContext, household_ids: Sequence[str], process: str, step: int,
                 on: date | None = None, *, passed: bool = True, actor: str | None = None,
                 doc_ref: str | None = None, note: str | None = None, monitoring_type: str | None = None,
                 profile: str | None = None, skip_refused: bool = False, exit_year: int | None = None) -> Result:
    """Record one step for every household of a selection, in one transaction.

    A household for which the step is illegal refuses the whole batch (ValidationErrors naming each
    household and what must come first) unless `skip_refused`, which records the others and lists
    the refused ones. For the exit, the assessment and the 脱贫年度 are of the year the exit is
    approved for (`exit_year`, else the year of its first step: workflow.exit_approval_year).
    """
    on = on or ctx.today
    spec = workflow.process(process)
    ids = list(dict.fromkeys(household_ids))
    if not ids:
        raise DomainError("户", "请选择要办理的户")
    this = spec.step(step)
    with ctx.write() as w:
        s = w.session
        households = _households(s, ids)
        history = load_steps(s, ids)
        assessments = {}
        years = {hid: (exit_year or workflow.exit_approval_year(history[hid], on)) if process == "exit" else on.year
                 for hid in ids}
        if this.needs_assessment and passed:
            assessments = {}
            for year in sorted(set(years.values())):
                assessments.update(compute_assessments(s, ctx.today, [h for h in ids if years[h] == year], year,
                                                       profile))
        plans, refused = [], []
        for hid in ids:
            h = households[hid]
            try:
                if process == "monitor" and step == 1:
                    monitoring.can_start(h["risk_status"], h["status"])
                failures = assessments[hid].failures if hid in assessments else None
                t = workflow.check_step(process, step, on, passed, h["status"], history[hid], ctx.today,
                                        note=note, assessment_failures=failures,
                                        exit_year=years[hid] if process == "exit" else None)
                changes = dict(t.household)
                if process == "monitor":
                    changes.update(monitoring.household_changes(step, passed, on, monitoring_type,
                                                                h["monitoring_type"]))
                if process == "identify" and changes.get("status") == workflow.POOR \
                        and h["category"] in (None, codes.CATEGORY.code("一般农户")):
                    changes["category"] = codes.CATEGORY.code("一般贫困户")
                plans.append((hid, t, changes))
            except DomainError as e:
                if len(ids) == 1 and not skip_refused:
                    raise
                refused.append((hid, h["code"], e.message))
        if refused and not skip_refused:
            raise ValidationErrors([DomainError("户", f"户{code}：{msg}") for _, code, msg in refused])
        outcomes = _write_steps(w, ctx, plans, households, on, actor or ctx.user, doc_ref, note, assessments,
                                monitoring_type)
    return done(w, BatchOutcome(outcomes, refused))


def _write_steps(w, ctx, plans, households, on, actor, doc_ref, note, assessments, monitoring_type):
    step_rows = [{"household_id": hid, "process": t.process, "step": t.step, "step_date": on, "actor": actor,
                  "result": t.result, "doc_ref": doc_ref, "note": note} for hid, t, _ in plans]
    step_ids = w.insert_many(WS, step_rows)
    assessment_ids = {}
    stored = [assessments[hid] for hid, _, _ in plans if hid in assessments]
    if stored:
        ids = w.insert_many("exit_assessment", [assessment_row(a, ctx.user, ctx.today) for a in stored])
        assessment_ids = {a.household_id: i for a, i in zip(stored, ids)}
    ledger = []
    outcomes = []
    for (hid, t, changes), step_id in zip(plans, step_ids):
        if changes:
            w.update(H, hid, changes)
        if t.process == "monitor" and ("risk_status" in changes):
            ledger.append({"household_id": hid, "monitoring_type": changes.get("monitoring_type")
                           or households[hid]["monitoring_type"], "step": t.step_name[:20], "record_date": on,
                           "reason": note, "risk_status": changes["risk_status"], "actor": actor})
        outcomes.append(StepOutcome(hid, households[hid]["code"], step_id, t, assessment_ids.get(hid)))
    if ledger:
        w.insert_many(MR, ledger)
    return outcomes


def record_step(ctx: OpContext, household_id: str, process: str, step: int, on: date | None = None,
                **kw: Any) -> Result:
    """Record one step of one household (refused with the reason if it is not legal now)."""
    result = record_steps(ctx, [household_id], process, step, on, **kw)
    return Result(result.value.recorded[0], result.changes, result.warnings)


def set_exit_year(ctx: OpContext, household_id: str, year: int, reason: str) -> Result:
    """Correct 脱贫年度 (the year the exit was approved for) with a reason, kept in the household's
    note and, like every write, in its change history."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("脱贫年度", "修改脱贫年度须填写原因")
    if not isinstance(year, int) or not 2013 <= year <= ctx.today.year + 1:
        raise DomainError("脱贫年度", f"脱贫年度不正确：{year}")
    with ctx.write() as w:
        h = w.session.execute(select(H.c.status, H.c.exit_year, H.c.identified_year, H.c.note)
                              .where(H.c.id == household_id, H.c.deleted.is_(False))).first()
        if h is None:
            raise DomainError("户", f"户不存在或已删除：{household_id}")
        if h.status != workflow.EXITED:
            raise DomainError("脱贫年度", "只有已脱贫户才有脱贫年度")
        if h.identified_year and year < h.identified_year:
            raise DomainError("脱贫年度", f"脱贫年度（{year}）不能早于识别年度（{h.identified_year}）")
        if year == h.exit_year:
            return done(w, year)
        line = f"脱贫年度由{h.exit_year or '空'}改为{year}（{ctx.today.isoformat()}，原因：{reason}）"
        w.update(H, household_id, {"exit_year": year, "note": f"{h.note}\n{line}" if h.note else line})
    return done(w, year)


# --- timeline, next actions, lists ------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFlow:
    status: str | None
    status_label: str
    timeline: list[workflow.TimelineEntry]
    actions: list[workflow.Action]
    lists: set[str]


def household_flow(ctx: OpContext, household_id: str) -> HouseholdFlow:
    """The household editor's 办理记录 tab: every step in order and the next allowed actions."""
    with ctx.read() as s:
        h = _household(s, household_id)
        steps = load_steps(s, [household_id])[household_id]
    status = h["status"]
    actions = workflow.next_actions(status, steps)
    if h["risk_status"] == monitoring.UNDER_WATCH or status == workflow.CANCELLED:
        actions = [a for a in actions if not (a.process == "monitor" and a.step == 1)]
    return HouseholdFlow(status, codes.HOUSEHOLD_STATUS.label(status) if status else "未建档",
                         workflow.timeline(steps), actions,
                         workflow.household_lists(status, h["exit_year"], steps, ctx.today.year))


@dataclass(frozen=True)
class ListRow:
    id: str
    code: str
    head_name: str | None
    size: int
    status: str
    group: str
    last_step: str
    last_date: date | None


def household_list(ctx: OpContext, village_id: str | None, name: str) -> list[ListRow]:
    """拟识别, 未纳入, 拟退出, 本年已脱贫 or 返贫: the households of a village on that list."""
    if name not in workflow.LISTS:
        raise DomainError("名单", f"未知的名单：{name}（可选：{'、'.join(workflow.LISTS)}）")
    with ctx.read() as s:
        query = select(H.c.id, H.c.code, H.c.head_name, H.c.size, H.c.status, H.c.exit_year, H.c.group_id) \
            .where(H.c.deleted.is_(False))
        if village_id:
            query = query.where(H.c.village_id == village_id)
        rows = s.execute(query.order_by(H.c.code)).all()
        with_steps = {r for (r,) in s.execute(select(WS.c.household_id).distinct().where(WS.c.deleted.is_(False)))}
        steps = load_steps(s, [r.id for r in rows if r.id in with_steps])
        groups = dict(s.execute(select(R.c.id, R.c.name).where(R.c.level == "group")).all())
    out = []
    for r in rows:
        history = steps.get(r.id, [])
        if name not in workflow.household_lists(r.status, r.exit_year, history, ctx.today.year):
            continue
        last = workflow.timeline(history)[-1] if history else None
        out.append(ListRow(r.id, r.code, r.head_name, r.size,
                           codes.HOUSEHOLD_STATUS.label(r.status) if r.status else "未建档",
                           groups.get(r.group_id, ""), f"{last.process_title} {last.step_name}" if last else "",
                           last.date if last else None))
    return out


# --- member changes ---------------------------------------------------------------------------


def _follow_size(w, household_id: str, year: int) -> None:
    """家庭人口 changed: this year's income is divided by the new number (domain.md §5)."""
    from app.db import derived

    derived.refresh_households(w.session, [household_id])
    size = w.session.execute(select(H.c.size).where(H.c.id == household_id)).scalar_one()
    income_id = w.session.execute(select(I.c.id).where(I.c.household_id == household_id, I.c.year == year,
                                                       I.c.deleted.is_(False))).scalar()
    if income_id is not None:
        w.update(I, income_id, {"household_size": size})


def _member_step(w, ctx, household_id: str, process: str, on: date, note: str, actor: str | None) -> str:
    spec = workflow.process(process)
    return w.insert(WS, {"household_id": household_id, "process": process, "step": 1, "step_date": on,
                         "actor": actor or ctx.user, "result": spec.step(1).pass_word, "note": note})


def add_member_change(ctx: OpContext, household_id: str, values: Mapping[str, Any], reason: str,
                      on: date | None = None, actor: str | None = None) -> Result:
    """成员新增 (birth, marriage in, return): the member and the dated record, together."""
    on = on or ctx.today
    if on > ctx.today:
        raise DomainError("日期", f"成员新增日期不能晚于今天：{on.isoformat()}")
    if not (reason or "").strip():
        raise DomainError("原因", "请填写成员新增原因（出生、婚入、回归等）")
    m = _clean_member(values, ctx)
    with ctx.write() as w:
        _household(w.session, household_id)
        _check_member(w.session, household_id, None, m)
        member_id = w.insert(M, {**m, "household_id": household_id})
        _member_step(w, ctx, household_id, "member_add", on, f"{m['name']}：{reason.strip()}", actor)
        _follow_size(w, household_id, on.year)
    return done(w, {"id": member_id})


def remove_member_change(ctx: OpContext, member_id: str, status: str, reason: str, on: date | None = None,
                         actor: str | None = None) -> Result:
    """成员减少 (death, moving out, marriage out...): status, date and reason, and the dated record.

    The member stays in the record with the new status; 家庭人口 and this year's per-capita income follow.
    """
    on = on or ctx.today
    if on > ctx.today:
        raise DomainError("日期", f"成员减少日期不能晚于今天：{on.isoformat()}")
    code = codes.MEMBER_STATUS.code(status)
    if code == NORMAL:
        raise DomainError("人口状态", "成员减少请选择死亡、迁出、婚出、服刑或其他减少")
    with ctx.write() as w:
        m = w.session.execute(select(M).where(M.c.id == member_id)).mappings().first()
        if m is None or m["deleted"]:
            raise DomainError("成员", f"成员不存在或已删除：{member_id}")
        if m["status"] not in (NORMAL, None):
            raise DomainError("人口状态", f"{m['name']}的人口状态已是{codes.MEMBER_STATUS.label(m['status'])}")
        if m["relation"] == HEAD:
            others = w.session.execute(select(M.c.id).where(
                M.c.household_id == m["household_id"], M.c.deleted.is_(False), M.c.id != member_id,
                M.c.status == NORMAL)).first()
            if others:
                raise DomainError("与户主关系", f"{m['name']}是户主：请先变更户主，再登记成员减少")
        w.update(M, member_id, {"status": code, "status_date": on, "status_reason": reason})
        label = codes.MEMBER_STATUS.label(code)
        _member_step(w, ctx, m["household_id"], "member_remove", on,
                     f"{m['name']}：{label}{('，' + reason) if reason else ''}", actor)
        _follow_size(w, m["household_id"], on.year)
    return done(w, {"id": member_id})


def change_head(ctx: OpContext, household_id: str, new_head_id: str, old_head_relation: str = "其他",
                on: date | None = None, actor: str | None = None) -> Result:
    """变更户主: the new head becomes 户主, the old one takes `old_head_relation`; recorded as a step."""
    on = on or ctx.today
    relation = codes.RELATION.code(old_head_relation)
    if relation == HEAD:
        raise DomainError("与户主关系", "原户主的新关系不能是户主")
    with ctx.write() as w:
        _household(w.session, household_id)
        members = w.session.execute(select(M.c.id, M.c.name, M.c.relation).where(
            M.c.household_id == household_id, M.c.deleted.is_(False))).all()
        new = next((m for m in members if m.id == new_head_id), None)
        if new is None:
            raise DomainError("户主", "新户主必须是本户成员")
        old = [m for m in members if m.relation == HEAD and m.id != new_head_id]
        for m in old:
            w.update(M, m.id, {"relation": relation})
        w.update(M, new_head_id, {"relation": HEAD})
        was = "、".join(m.name for m in old) or "无"
        _member_step(w, ctx, household_id, "head_change", on, f"户主由{was}变更为{new.name}", actor)
    return done(w, {"id": new_head_id})
