"""The poverty lines this database holds: the national defaults with the county's stored overrides.

A read of the store, shared by the ops (income figures, the data-quality snapshot, printing) and
the screens' queries.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Household, PovertyLineEntry, Region
from app.domain.poverty_line import PovertyLine, PovertyLineTable

H, R = Household.__table__, Region.__table__


def poverty_lines(session: Session) -> PovertyLineTable:
    """The national defaults with this county's stored overrides."""
    t = PovertyLineEntry.__table__
    rows = session.execute(
        select(t.c.year, t.c.amount, t.c.scope, t.c.region_code).where(t.c.deleted.is_(False))
    ).all()
    return PovertyLineTable([tuple(r) for r in rows])


def household_line(session: Session, household_id: str, year: int) -> PovertyLine:
    """The line that applies to a household's village in `year`."""
    village_code = session.execute(
        select(R.c.code).join(H, H.c.village_id == R.c.id).where(H.c.id == household_id)
    ).scalar_one()
    return poverty_lines(session).line_for(
        year, province_code=village_code[:2], county_code=village_code[:6]
    )
