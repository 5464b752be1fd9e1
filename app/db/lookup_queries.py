"""Look-ups by code, name or place: villages and their groups, the region tree, a household by
户编号, search as you type (CLI and pickers), helpers by name, the schema revision. Portable SQL
except where a docstring says otherwise; plain rows out, never ORM objects."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from sqlalchemy import bindparam, func, select, text, union_all
from sqlalchemy.orm import Session

from app.db.models import Helper, Household, Loan, Member, Region
from app.domain.idcard import normalize_id

H, M, R, HP = Household.__table__, Member.__table__, Region.__table__, Helper.__table__
LIVE_H = H.c.deleted.is_(False)


def village_by_code(session: Session, code: str):
    return session.execute(
        select(R.c.id, R.c.code, R.c.name).where(R.c.code == code, R.c.level == "village",
                                                 R.c.deleted.is_(False))
    ).first()


def place_names(session: Session, village_id: str) -> dict[str, str]:
    """省 市 县 乡 村 names of a village by level ("province" … "village"), and "village_code"."""
    out, current = {}, village_id
    while current:
        row = session.execute(select(R.c.name, R.c.level, R.c.code, R.c.parent_id).where(R.c.id == current)).first()
        if row is None:
            break
        out[row.level] = row.name
        if row.level == "village":
            out["village_code"] = row.code
        current = row.parent_id
    return out


def villages(session: Session) -> list[dict]:
    township = R.alias("township")
    counts = (
        select(H.c.village_id, func.count().label("n")).where(LIVE_H).group_by(H.c.village_id)
        .subquery()
    )
    rows = session.execute(
        select(R.c.code, R.c.name, township.c.name.label("township"),
               func.coalesce(counts.c.n, 0).label("households"))
        .join(township, township.c.id == R.c.parent_id, isouter=True)
        .join(counts, counts.c.village_id == R.c.id, isouter=True)
        .where(R.c.level == "village", R.c.deleted.is_(False))
        .order_by(R.c.code)
    ).mappings()
    return [dict(r) for r in rows]


def villages_with_groups(session: Session) -> list[dict]:
    """Villages (with township name) and their groups, for choosing where a household lives."""
    township = R.alias("township")
    villages = [dict(r) for r in session.execute(
        select(R.c.id, R.c.code, R.c.name, township.c.name.label("township"))
        .join(township, township.c.id == R.c.parent_id, isouter=True)
        .where(R.c.level == "village", R.c.deleted.is_(False)).order_by(R.c.code)).mappings()]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gid, name, parent in session.execute(
            select(R.c.id, R.c.name, R.c.parent_id)
            .where(R.c.level == "group", R.c.deleted.is_(False)).order_by(R.c.code)):
        groups[parent].append((gid, name))
    for v in villages:
        v["groups"] = groups.get(v["id"], [])
    return villages


def region_tree(session: Session) -> tuple[list[dict], dict[str, int]]:
    """Regions from the county down (县 › 乡镇 › 村 › 组) and live households per village and group."""
    regions = [dict(r) for r in session.execute(
        select(R.c.id, R.c.code, R.c.name, R.c.level, R.c.parent_id)
        .where(R.c.deleted.is_(False), R.c.level.in_(("county", "township", "village", "group")))
        .order_by(R.c.code)
    ).mappings()]
    counts: dict[str, int] = defaultdict(int)
    for village_id, group_id, n in session.execute(
        select(H.c.village_id, H.c.group_id, func.count()).where(LIVE_H)
        .group_by(H.c.village_id, H.c.group_id)
    ):
        counts[village_id] += n
        if group_id:
            counts[group_id] += n
    return regions, dict(counts)

LIST_COLUMNS = (H.c.id, H.c.code, H.c.head_name, H.c.head_id_number, H.c.size, H.c.category,
                H.c.main_cause, H.c.status)


def village_households(session: Session, village_id: str) -> list:
    """The household list of one village, ordered by group and number (the list screen)."""
    return session.execute(
        select(*LIST_COLUMNS).where(LIVE_H, H.c.village_id == village_id)
        .order_by(H.c.group_id, H.c.code)
    ).all()


def _prefix_params(name: str, prefix: str) -> dict:
    return {f"{name}_lo": prefix, f"{name}_hi": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def _member_branch(col, name: str, scope):
    return (select(H.c.id, H.c.code).join(M, M.c.household_id == H.c.id)
            .where(scope, M.c.deleted.is_(False), col >= bindparam(f"{name}_lo"),
                   col < bindparam(f"{name}_hi"))
            .limit(bindparam("limit")).subquery().select())


@lru_cache(maxsize=16)
def _search_statement(kind: str, in_village: bool):
    """Built once per shape and reused with new parameters: search runs on every keystroke."""
    scope = LIVE_H & (H.c.village_id == bindparam("village_id")) if in_village else LIVE_H
    cols = {"initials": [M.c.name_initials], "name": [M.c.name],
            "digits": [M.c.id_number, M.c.id_number_reversed]}[kind]
    branches = [_member_branch(col, f"m{i}", scope) for i, col in enumerate(cols)]
    branches.append(select(H.c.id, H.c.code)
                    .where(scope, H.c.code >= bindparam("code_lo"), H.c.code < bindparam("code_hi"))
                    .limit(bindparam("limit")).subquery().select())
    return union_all(*branches)


def search_households(session: Session, text: str, village_id: str | None = None,
                      limit: int = 200) -> list[str]:
    """Household ids matching a name, pinyin initials, the start or end of an ID number, or the
    start of a 户编号; ordered by 户编号. Every branch is an index range scan."""
    text = text.strip()
    if not text:
        return []
    if text.isascii() and text.isalpha():
        kind, prefixes = "initials", [text.lower()]
    elif any("\u4e00" <= ch <= "\u9fff" for ch in text):
        kind, prefixes = "name", [text]
    else:  # people quote the start of an ID number or its last four digits
        digits = normalize_id(text)
        kind, prefixes = "digits", [digits, digits[::-1]]
    params = {"limit": limit, **_prefix_params("code", text)}
    for i, prefix in enumerate(prefixes):
        params.update(_prefix_params(f"m{i}", prefix))
    if village_id:
        params["village_id"] = village_id
    # Straight on the connection: the ORM layer adds nothing here but time per keystroke.
    found = dict(session.connection().execute(_search_statement(kind, bool(village_id)), params).all())
    return sorted(found, key=found.__getitem__)[:limit]


def household_id_by_code(session: Session, code: str, live_only: bool = False) -> str | None:
    """The household of a 户编号; a deleted one too unless `live_only`."""
    stmt = select(H.c.id).where(H.c.code == code.strip())
    return session.execute(stmt.where(LIVE_H) if live_only else stmt).scalar()


def has_households(session: Session) -> bool:
    return session.execute(select(H.c.id).limit(1)).first() is not None


def search_helpers(session: Session, text: str, limit: int = 30) -> list[dict]:
    """Helpers by name or pinyin initials prefix (the helper picker)."""
    text = text.strip()
    stmt = select(HP.c.id, HP.c.name, HP.c.unit, HP.c.post, HP.c.phone).where(HP.c.deleted.is_(False))
    if text:
        if text.isascii():
            stmt = stmt.where(HP.c.name_initials.like(text.lower() + "%"))
        else:
            stmt = stmt.where(HP.c.name.like(text + "%"))
    return [dict(r) for r in session.execute(stmt.order_by(HP.c.name).limit(limit)).mappings()]


def schema_revision(session: Session) -> str | None:
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def showcase_household_code(session: Session) -> str | None:
    """The 户编号 of a household with a bit of everything (several members, a loan, visits) for
    the guide's screenshots; else the first household."""
    L = Loan.__table__
    sizes = select(M.c.household_id, func.count().label("n")).group_by(M.c.household_id).subquery()
    code = session.execute(
        select(H.c.code).join(sizes, sizes.c.household_id == H.c.id)
        .where(H.c.deleted.is_(False), H.c.status == "02", sizes.c.n >= 4,
               H.c.id.in_(select(L.c.household_id)))
        .order_by(H.c.code).limit(1)).scalar()
    return code or session.execute(select(H.c.code).order_by(H.c.code).limit(1)).scalar()
