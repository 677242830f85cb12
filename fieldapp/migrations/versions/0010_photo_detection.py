"""photo detection state (pending/done/failed, error, when queued); a suggested box stored once per photo

Photos stored before this revision were never examined: they start 'pending' with no request time, so
the worker's detection sweep queues them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('detection_state', sa.String(length=10), nullable=False,
                                   server_default='pending'))
        batch.add_column(sa.Column('detection_error', sa.Text(), nullable=True))
        batch.add_column(sa.Column('detection_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint('ck_detection_state_values',
                                      "detection_state IN ('pending', 'done', 'failed')")
    with op.batch_alter_table('photos') as batch:
        batch.alter_column('detection_state', server_default=None)
    op.create_index('ix_photos_detection_state', 'photos', ['detection_state'], unique=False)
    with op.batch_alter_table('blur_suggestions') as batch:
        batch.create_unique_constraint('uq_blur_suggestions_box', ['photo_id', 'kind', 'x', 'y', 'w', 'h'])


def downgrade():
    with op.batch_alter_table('blur_suggestions') as batch:
        batch.drop_constraint('uq_blur_suggestions_box', type_='unique')
    op.drop_index('ix_photos_detection_state', table_name='photos')
    with op.batch_alter_table('photos') as batch:
        batch.drop_constraint('ck_detection_state_values', type_='check')
        batch.drop_column('detection_requested_at')
        batch.drop_column('detection_error')
        batch.drop_column('detection_state')
