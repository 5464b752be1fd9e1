"""surname readings in the pinyin initials of member and helper names

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:50:00

name_initials is derived (not in the change log): recompute it for the names whose surname is read
otherwise than the same character in words (单雄信: sxx, no longer dxx), so "sxx" finds them.
"""
from alembic import op
import sqlalchemy as sa

from app.domain.pinyin_keys import SURNAME_INITIALS, name_initials


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in ("member", "helper"):
        t = sa.table(table, sa.column("id", sa.String), sa.column("name", sa.String),
                     sa.column("name_initials", sa.String))
        rows = conn.execute(sa.select(t.c.id, t.c.name).where(
            sa.func.substr(t.c.name, 1, 1).in_(list(SURNAME_INITIALS)))).all()
        for row_id, name in rows:
            conn.execute(sa.update(t).where(t.c.id == row_id).values(name_initials=name_initials(name)))


def downgrade() -> None:
    pass  # the old keys were wrong; nothing to restore
