"""public feedback: staff's "after" photos of a measure; e-mail subscriptions per walk (double opt-in);
archived walks

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN on walks (no batch copy): a table rebuild would unregister its geometry column.
    op.add_column('walks', sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('after_measure', sa.Boolean(), nullable=False, server_default='0'))
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('walk_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notified_until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
        sa.UniqueConstraint('walk_id', 'email', name='uq_subscriptions_walk_email'),
    )
    op.create_index('ix_subscriptions_walk_id', 'subscriptions', ['walk_id'], unique=False)


def downgrade():
    op.drop_index('ix_subscriptions_walk_id', table_name='subscriptions')
    op.drop_table('subscriptions')
    with op.batch_alter_table('photos') as batch:
        batch.drop_column('after_measure')
    op.drop_column('walks', 'archived_at')
