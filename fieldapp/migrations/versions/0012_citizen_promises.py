"""citizen promises (medborgarlöften): named, dated commitments grouping measures from any walks; the
week of each responsible party's last weekly digest

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'citizen_promises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('area_name', sa.String(length=200), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
    )
    op.create_table(
        'promise_measures',
        sa.Column('promise_id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['promise_id'], ['citizen_promises.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('promise_id', 'measure_id'),
    )
    with op.batch_alter_table('responsible_parties') as batch:
        batch.add_column(sa.Column('digest_week', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('responsible_parties') as batch:
        batch.drop_column('digest_week')
    op.drop_table('promise_measures')
    op.drop_table('citizen_promises')
