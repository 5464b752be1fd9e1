"""Household and member operations: create, update, tombstone (domain.md §3.1–§3.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Household, Member, Region, Replica
from app.domain import codes
from app.domain.errors import DomainError, ValidationErrors
from app.domain.household_code import format_household_code
from app.domain.idcard import parse_id
from app.domain.quality.rules.household import refuse_repeated_main_cause
from app.ops.context import OpContext, Result, done
from app.ops.rows import tombstone_row
from app.ops.validation import clean

H, M, R = Household.__table__, Member.__table__, Region.__table__
HEAD = codes.RELATION.code("户主")
NORMAL = codes.MEMBER_STATUS.code("正常")


def next_household_code(session: Session, village_code: str) -> str:
    """`<village>-<device>-<counter>`: unique without asking anyone (sync-design.md)."""
    device = session.execute(select(Replica.__table__.c.device_code)).scalar_one()
    prefix = format_household_code(village_code, device, 1)[:-4]
    last = session.execute(select(func.max(H.c.code)).where(H.c.code.like(prefix + "%"))).scalar()
    counter = int(last[-4:]) + 1 if last else 1
    return format_household_code(village_code, device, counter)


def _village(session: Session, village_id: str) -> Mapping:
    row = session.execute(select(R).where(R.c.id == village_id)).mappings().first()
    if row is None or row["level"] != "village" or row["deleted"]:
        raise DomainError("所属村", f"所属村不存在：{village_id}")
    return row


def _check_group(session: Session, village_id: str, group_id: str | None) -> None:
    if group_id is None:
        return
    parent = session.execute(select(R.c.parent_id).where(R.c.id == group_id)).scalar()
    if parent != village_id:
        raise DomainError("所属组", f"所属组不属于该村：{group_id}")


def _check_causes(values: Mapping[str, Any]) -> None:
    refuse_repeated_main_cause(values.get("main_cause"), values.get("other_causes"))


def create_household(ctx: OpContext, values: Mapping[str, Any],
                     members: list[Mapping[str, Any]] = ()) -> Result:
    """A new household (and optionally its members) in one transaction; returns its id and code."""
    clean_values = clean("household", values, ctx.today)
    clean_members = _clean_members(members, ctx)
    _check_causes(clean_values)
    with ctx.write() as w:
        village = _village(w.session, clean_values.get("village_id"))
        _check_group(w.session, village["id"], clean_values.get("group_id"))
        clean_values.setdefault("code", None)
        clean_values["code"] = clean_values["code"] or next_household_code(w.session, village["code"])
        if w.session.execute(select(H.c.id).where(H.c.code == clean_values["code"])).first():
            raise DomainError("户编号", f"户编号已存在：{clean_values['code']}")
        clean_values.setdefault("status", codes.HOUSEHOLD_STATUS.code("新识别贫困户"))
        household_id = w.insert(H, clean_values, typed=True)
        for m in clean_members:
            _check_member(w.session, household_id, None, m)
            w.insert(M, {**m, "household_id": household_id}, typed=True)
    return done(w, {"id": household_id, "code": clean_values["code"]})


def update_household(ctx: OpContext, household_id: str, values: Mapping[str, Any]) -> Result:
    if "code" in values or "village_id" in values:
        raise DomainError("户编号", "户编号和所属村不能直接修改")
    clean_values = clean("household", values, ctx.today)
    with ctx.write() as w:
        current = _household(w.session, household_id)
        _check_causes({**current, **clean_values})
        if "group_id" in clean_values:
            _check_group(w.session, current["village_id"], clean_values["group_id"])
        diff = w.update(H, household_id, clean_values, typed=True)
    return done(w, diff)


def delete_household(ctx: OpContext, household_id: str) -> Result:
    with ctx.write() as w:
        _household(w.session, household_id)
        diff = w.tombstone(H, household_id)
    return done(w, diff)


def _household(session: Session, household_id: str) -> Mapping:
    row = session.execute(select(H).where(H.c.id == household_id)).mappings().first()
    if row is None or row["deleted"]:
        raise DomainError("户", f"户不存在或已删除：{household_id}")
    return row


# --- members ------------------------------------------------------------------------------------


def _clean_members(members, ctx: OpContext) -> list[dict]:
    out, errors = [], []
    for m in members:
        try:
            out.append(_clean_member(m, ctx))
        except ValidationErrors as e:
            errors.extend(e.errors)
        except DomainError as e:
            errors.append(e)
    if errors:
        raise ValidationErrors(errors)
    return out


def _clean_member(values: Mapping[str, Any], ctx: OpContext, partial: bool = False) -> dict:
    m = clean("member", values, ctx.today)
    if not partial:
        if not m.get("name"):
            raise DomainError("姓名", "姓名不能为空")
        m.setdefault("status", NORMAL)
    if m.get("id_number"):
        info = parse_id(m["id_number"], today=ctx.today)
        m.setdefault("birth_date", info.birth_date)
        m["sex"] = m.get("sex") or info.sex
        if m["sex"] != info.sex:
            raise DomainError("性别", f"性别与身份证号不符：身份证号为{info.sex}性，填写为{m['sex']}")
        if m["birth_date"] != info.birth_date:
            raise DomainError(
                "出生日期", f"出生日期与身份证号不符：身份证号为{info.birth_date.isoformat()}"
            )
    return m


def _check_member(session: Session, household_id: str, member_id: str | None, m: Mapping) -> None:
    """Rules that need the other rows: one 户主 per household, an ID number registered once."""
    others = M.c.deleted.is_(False)
    if member_id:
        others = others & (M.c.id != member_id)
    if m.get("relation") == HEAD:
        head = session.execute(
            select(M.c.name).where(others, M.c.household_id == household_id, M.c.relation == HEAD)
        ).scalar()
        if head:
            raise DomainError("与户主关系", f"该户已有户主：{head}")
    if m.get("id_number"):
        dup = session.execute(
            select(M.c.name, H.c.code)
            .join(H, H.c.id == M.c.household_id)
            .where(others, M.c.id_number == m["id_number"])
        ).first()
        if dup:
            raise DomainError(
                "身份证号", f"身份证号已登记：{m['id_number']}（户 {dup.code}，{dup.name}）"
            )


def add_member(ctx: OpContext, household_id: str, values: Mapping[str, Any]) -> Result:
    m = _clean_member(values, ctx)
    with ctx.write() as w:
        _household(w.session, household_id)
        _check_member(w.session, household_id, None, m)
        member_id = w.insert(M, {**m, "household_id": household_id}, typed=True)
    return done(w, {"id": member_id})


def update_member(ctx: OpContext, member_id: str, values: Mapping[str, Any]) -> Result:
    with ctx.read() as s:
        current = s.execute(select(M).where(M.c.id == member_id)).mappings().first()
    if current is None or current["deleted"]:
        raise DomainError("成员", f"成员不存在或已删除：{member_id}")
    # Validate the merged record so a new ID number is checked against the stored sex and back.
    merged = {k: current[k] for k in ("name", "sex", "birth_date", "id_number")}
    if "id_number" in values:
        merged.pop("sex"), merged.pop("birth_date")
    m = _clean_member({**merged, **values}, ctx, partial=True)
    changed = {k: v for k, v in m.items() if k in values or k in ("sex", "birth_date")}
    with ctx.write() as w:
        _check_member(w.session, current["household_id"], member_id, m)
        diff = w.update(M, member_id, changed, typed=True)
    return done(w, diff)


def remove_member(ctx: OpContext, member_id: str) -> Result:
    return tombstone_row(ctx, M, member_id)
