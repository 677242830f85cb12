"""municipality settings (one row overriding the configuration); the unused walk status protocol_draft

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STATUSES_BEFORE = "status IN ('draft', 'open', 'walked', 'protocol_draft', 'published', 'closed')"
STATUSES_AFTER = "status IN ('draft', 'open', 'walked', 'published', 'closed')"


def upgrade():
    op.create_table('municipality_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('contact', sa.String(length=500), nullable=True),
    sa.Column('dpo_contact', sa.String(length=500), nullable=True),
    sa.Column('colour', sa.String(length=7), nullable=True),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('logo_sha256', sa.String(length=64), nullable=True),
    sa.Column('map_lon', sa.Float(), nullable=True),
    sa.Column('map_lat', sa.Float(), nullable=True),
    sa.Column('map_zoom', sa.SmallInteger(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('sweref_epsg', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # No code ever set 'protocol_draft' (publishing goes from walked to published).
    op.execute("UPDATE walks SET status = 'walked' WHERE status = 'protocol_draft'")
    if op.get_bind().dialect.name == 'postgresql':
        # SQLite cannot change a CHECK without rebuilding the table (and its SpatiaLite geometry columns);
        # there the old, wider CHECK stays, and the application never writes the dropped value.
        op.drop_constraint('ck_status_values', 'walks', type_='check')
        op.create_check_constraint('ck_status_values', 'walks', STATUSES_AFTER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('ck_status_values', 'walks', type_='check')
        op.create_check_constraint('ck_status_values', 'walks', STATUSES_BEFORE)
    op.drop_table('municipality_settings')
