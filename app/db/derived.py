"""Stored copies derived from other columns: one home for recomputing them.

Derived columns are not in the change log (a merge must never conflict on a figure that follows
from merged facts); every writer and every replay recomputes them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from app.domain import codes
from app.domain.income import IncomeItems, net_income, per_capita
from app.domain.pinyin_keys import name_initials

MEMBER_NORMAL = codes.MEMBER_STATUS.code("正常")
RELATION_HEAD = codes.RELATION.code("户主")


def income_figures(row: Mapping) -> dict:
    fields = IncomeItems.__dataclass_fields__
    items = IncomeItems(**{f: row[f] for f in fields if row.get(f) is not None})
    net = net_income(items)
    return {"net_income": net, "per_capita": per_capita(net, row.get("household_size") or 0)}


def row_values(table_name: str, row: Mapping) -> dict:
    """Derived columns that follow from the row's own values."""
    if table_name == "member":
        number = row.get("id_number")
        return {"name_initials": name_initials(row.get("name")),
                "id_number_reversed": number[::-1] if number else None}
    if table_name == "helper":
        return {"name_initials": name_initials(row.get("name"))}
    if table_name == "income":
        return income_figures(row)
    return {}


def refresh_households(session: Session, household_ids: Iterable[str]) -> None:
    """Recompute 家庭人口 and the 户主's name and ID number from the member rows."""
    from app.db.models import Household, Member

    h, m = Household.__table__, Member.__table__
    live = and_(m.c.household_id == h.c.id, m.c.deleted.is_(False))
    size = (
        select(func.count())
        .where(live, m.c.status == MEMBER_NORMAL)
        .scalar_subquery()
    )

    def head(col):
        return (
            select(col)
            .where(live, m.c.relation == RELATION_HEAD)
            .order_by((m.c.status == MEMBER_NORMAL).desc(), m.c.id)
            .limit(1)
            .scalar_subquery()
        )

    ids = list(household_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(h)
            .where(h.c.id.in_(chunk))
            .values(size=size, head_name=head(m.c.name), head_id_number=head(m.c.id_number))
        )
