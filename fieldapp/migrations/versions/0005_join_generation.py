"""join-link generation: regenerating or revoking a walk's link locks out participants of older links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (no batch copy): walks has a SpatiaLite geometry column that a table
    # rebuild would unregister.
    op.add_column('walks', sa.Column('join_generation', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('participants',
                  sa.Column('join_generation', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    op.drop_column('participants', 'join_generation')
    op.drop_column('walks', 'join_generation')
