"""walk fields for the protocol: organizer, contact, participating organisations, head count, case number

All optional: existing walks get empty texts and no head count.

Revision ID: 0011_exports
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_exports'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('walks') as batch:
        batch.add_column(sa.Column('organizer', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('contact', sa.String(length=300), nullable=False, server_default=''))
        batch.add_column(sa.Column('organisations', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('head_count', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('case_number', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('walks') as batch:
        batch.drop_column('case_number')
        batch.drop_column('head_count')
        batch.drop_column('organisations')
        batch.drop_column('contact')
        batch.drop_column('organizer')
