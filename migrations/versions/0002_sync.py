"""sync: log positions, conflict marks, parked changes, devices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:56:16.962422
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('parked_change',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('change_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('device_name', sa.String(length=60), nullable=True),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('dismissed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parked_change'))
    )
    with op.batch_alter_table('parked_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parked_change_change_id'), ['change_id'], unique=False)

    op.create_table('pending_row',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'row_id', name=op.f('pk_pending_row'))
    )
    op.create_table('sync_counter',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_counter'))
    )
    op.create_table('sync_device',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('device_code', sa.Integer(), nullable=False),
    sa.Column('villages', sa.Text(), nullable=False),
    sa.Column('key_hash', sa.String(length=80), nullable=True),
    sa.Column('device_key', sa.String(length=80), nullable=True),
    sa.Column('token_hash', sa.String(length=80), nullable=True),
    sa.Column('replica_id', sa.String(length=36), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('pulled_server_seq', sa.BigInteger(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_device')),
    sa.UniqueConstraint('name', name=op.f('uq_sync_device_name'))
    )
    op.create_table('sync_device_ack',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('incarnation_id', sa.String(length=36), nullable=False),
    sa.Column('acked_through', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['sync_device.id'], name=op.f('fk_sync_device_ack_device_id_sync_device')),
    sa.PrimaryKeyConstraint('device_id', 'incarnation_id', name=op.f('pk_sync_device_ack'))
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('acked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('village_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_change_log_seq'), ['log_seq'], unique=False)

    with op.batch_alter_table('field_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conflict', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_field_head_conflict'), ['conflict'], unique=False)

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_household_code'), type_='unique')
        batch_op.create_index(batch_op.f('ix_household_code'), ['code'], unique=False)

    with op.batch_alter_table('replica', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_log_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('server_url', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('device_name', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('device_key', sa.String(length=80), nullable=True))

    # Every change so far was written here, in sequence order: its log position is its seq.
    op.execute("UPDATE change SET log_seq = seq")
    op.execute("UPDATE replica SET last_log_seq = last_seq")
    op.execute("INSERT INTO sync_counter (name, value) VALUES ('server_seq', 0)")


def downgrade() -> None:
    with op.batch_alter_table('replica', schema=None) as batch_op:
        batch_op.drop_column('device_key')
        batch_op.drop_column('device_name')
        batch_op.drop_column('server_url')
        batch_op.drop_column('last_log_seq')

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_code'))
        batch_op.create_unique_constraint(batch_op.f('uq_household_code'), ['code'])

    with op.batch_alter_table('field_head', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_head_conflict'))
        batch_op.drop_column('conflict')

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_seq'))
        batch_op.drop_column('village_id')
        batch_op.drop_column('acked')
        batch_op.drop_column('log_seq')

    op.drop_table('sync_device_ack')
    op.drop_table('sync_device')
    op.drop_table('sync_counter')
    op.drop_table('pending_row')
    with op.batch_alter_table('parked_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parked_change_change_id'))

    op.drop_table('parked_change')
