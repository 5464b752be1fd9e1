"""sync authorization: no device key in clear on the server, Ed25519 keys for bundles

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:30:00

The county server kept each device key in clear beside its hash (to sign return bundles); a dump
of its database gave every laptop's key. The clear column goes: the server keeps the hash (to
authenticate) and, from each laptop's next sync, its Ed25519 public key (to check its bundles). A
laptop keeps its Ed25519 private key and the server's public key (return bundles). The server notes
each device's current database incarnation, so return bundles leave out the laptop's own changes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    # Column by column, only what is missing: a file whose version stamp was set back (a test, a
    # hand repair) already has some of them.
    device = _columns('sync_device')
    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        if 'public_key' not in device:
            batch_op.add_column(sa.Column('public_key', sa.String(length=64), nullable=True))
        if 'incarnation_id' not in device:
            batch_op.add_column(sa.Column('incarnation_id', sa.String(length=36), nullable=True))
        if 'device_key' in device:
            batch_op.drop_column('device_key')

    replica = _columns('replica')
    with op.batch_alter_table('replica', schema=None) as batch_op:
        if 'signing_key' not in replica:
            batch_op.add_column(sa.Column('signing_key', sa.String(length=64), nullable=True))
        if 'server_public_key' not in replica:
            batch_op.add_column(sa.Column('server_public_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('replica', schema=None) as batch_op:
        batch_op.drop_column('server_public_key')
        batch_op.drop_column('signing_key')

    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        # The keys in clear are gone for good: a downgraded server needs every laptop re-enrolled.
        batch_op.add_column(sa.Column('device_key', sa.String(length=80), nullable=True))
        batch_op.drop_column('incarnation_id')
        batch_op.drop_column('public_key')
