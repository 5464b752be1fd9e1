"""indexes for the county console and the server's merge at 100,000 households

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 22:00:00

change(row_id): the server's merge looks up the changes of some rows by row id alone
(`SELECT DISTINCT table_name, row_id FROM change WHERE row_id IN ...`) and `kace stats` / the
console's village page count a village's changes the same way; the (table_name, row_id) index
cannot serve either, so each ran a sequential scan of the whole change log (1.7 million rows on
100,000 households: one scan per pushed batch, one per village page). IF NOT EXISTS: a county
database may already have it (bench/console_pages.py built one while this was written).
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_change_row_id', 'change', ['row_id'], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index('ix_change_row_id', table_name='change')
