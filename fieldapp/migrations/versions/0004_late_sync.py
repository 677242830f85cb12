"""late sync: when a walk was marked done, and when each finding arrived relative to it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: a batch (table copy) would drop SpatiaLite's geometry metadata.
    op.add_column('walks', sa.Column('walked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('findings', sa.Column('arrival', sa.String(length=12), nullable=False,
                                        server_default='on_time'))
    op.execute("UPDATE walks SET walked_at = updated_at WHERE status <> 'draft' AND status <> 'open'")


def downgrade():
    # SQLite ≥ 3.35 drops a column in place (no table copy, the geometry metadata stays).
    op.drop_column('findings', 'arrival')
    op.drop_column('walks', 'walked_at')
