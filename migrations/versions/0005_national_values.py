"""values of the national 花名册 kept as reported; 送教上门; 不愁吃/不愁穿 as recorded facts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:10:00

household: reported_size, reported_per_capita, reported_income_year, data_year (the sheet's 年度),
unmapped (cells outside the code lists, as typed); member: person_code (人编号), home_schooled
(送教上门), unmapped; conditions: food_secure, clothing_secure, food_clothing_checked_on/_by.
All nullable: existing rows simply have no reported value.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reported_per_capita', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('reported_income_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unmapped', sa.Text(), nullable=True))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('home_schooled', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('unmapped', sa.Text(), nullable=True))
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('food_secure', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('clothing_secure', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('food_clothing_checked_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('food_clothing_checked_by', sa.String(length=60), nullable=True))


_ADDED = {
    'conditions': ('food_clothing_checked_by', 'food_clothing_checked_on', 'clothing_secure', 'food_secure'),
    'member': ('unmapped', 'home_schooled', 'person_code'),
    'household': ('unmapped', 'data_year', 'reported_income_year', 'reported_per_capita', 'reported_size'),
}


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of household would have to drop a table
    # the other tables refer to, which SQLite refuses while foreign keys are on.
    for table, names in _ADDED.items():
        for name in names:
            op.drop_column(table, name)
