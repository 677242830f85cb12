"""index findings by walk and creation time (the order findings are numbered and exported in)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_findings_walk_created', 'findings', ['walk_id', 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_findings_walk_created', table_name='findings')
