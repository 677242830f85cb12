"""protocol PDFs rendered once in the job queue (published versions and staff drafts)

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('protocol_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('document_html', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.SmallInteger(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("audience IN ('public', 'internal')", name='ck_protocol_pdfs_audience'),
    sa.CheckConstraint("state IN ('queued', 'rendering', 'ready', 'failed')", name='ck_protocol_pdfs_state'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['protocol_versions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id'),
    sa.UniqueConstraint('walk_id', 'audience', 'source_sha256', name='uq_protocol_pdfs_walk_audience_source')
    )
    op.create_index('ix_protocol_pdfs_state', 'protocol_pdfs', ['state'], unique=False)
    op.create_index(op.f('ix_protocol_pdfs_walk_id'), 'protocol_pdfs', ['walk_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_protocol_pdfs_walk_id'), table_name='protocol_pdfs')
    op.drop_index('ix_protocol_pdfs_state', table_name='protocol_pdfs')
    op.drop_table('protocol_pdfs')
