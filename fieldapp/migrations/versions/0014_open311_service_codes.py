"""Open311 service codes per responsible party and category; the protocol's publication no longer sets
the walk's status (walk statuses: draft, open, walked, closed)

Walks left at the retired status 'published' (or 'protocol_draft') become 'walked' (their walked_at was
set by 0004 or by marking them done; a published protocol keeps them out of the late-sync window). The
status check constraint is rewritten on PostgreSQL; SQLite keeps its old, wider one (rewriting it would
rebuild the spatial walks table), and the model's values are what the application writes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

NEW_STATUSES = "status IN ('draft', 'open', 'walked', 'closed')"
OLD_STATUSES = "status IN ('draft', 'open', 'walked', 'published', 'closed')"  # as 0013 left it


def upgrade():
    op.create_table('party_service_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['responsible_parties.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('party_id', 'category_id', name='uq_party_service_codes_party_category')
    )
    op.create_index(op.f('ix_party_service_codes_party_id'), 'party_service_codes', ['party_id'],
                    unique=False)
    op.execute("UPDATE walks SET status = 'walked' WHERE status IN ('protocol_draft', 'published')")
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('ck_status_values', 'walks', type_='check')
        op.create_check_constraint('ck_status_values', 'walks', NEW_STATUSES)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('ck_status_values', 'walks', type_='check')
        op.create_check_constraint('ck_status_values', 'walks', OLD_STATUSES)
    op.drop_index(op.f('ix_party_service_codes_party_id'), table_name='party_service_codes')
    op.drop_table('party_service_codes')
