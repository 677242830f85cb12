"""walk fields for the protocol: organizer, contact, participating organisations, head count, case number

All optional: existing walks get empty texts and no head count.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: a batch (table copy) would drop SpatiaLite's geometry metadata
    # of walks.meeting_point_el.
    op.add_column('walks', sa.Column('organizer', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('walks', sa.Column('contact', sa.String(length=300), nullable=False, server_default=''))
    op.add_column('walks', sa.Column('organisations', sa.Text(), nullable=False, server_default=''))
    op.add_column('walks', sa.Column('head_count', sa.Integer(), nullable=True))
    op.add_column('walks', sa.Column('case_number', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    # SQLite ≥ 3.35 drops a column in place (no table copy, the geometry metadata stays).
    for column in ('case_number', 'head_count', 'organisations', 'contact', 'organizer'):
        op.drop_column('walks', column)
