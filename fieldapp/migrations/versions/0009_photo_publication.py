"""photo publication decision (internal/approved/rejected, by whom, when, the published file),
blur suggestions from the face/plate detector, and when a photo's originals were purged

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photos') as batch:
        batch.add_column(sa.Column('publication', sa.String(length=10), nullable=False,
                                   server_default='internal'))
        batch.add_column(sa.Column('publication_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('publication_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('published_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('originals_purged_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.create_foreign_key('fk_photos_publication_by_id_users', 'users', ['publication_by_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_check_constraint('ck_publication_values',
                                      "publication IN ('internal', 'approved', 'rejected')")
    # Photos marked publishable before this revision had no decided published file: they go back to
    # 'internal' for staff to approve again (nothing was ever public through this flag alone).
    op.execute("UPDATE photos SET publishable = false WHERE publication = 'internal'")
    with op.batch_alter_table('photos') as batch:
        batch.alter_column('publication', server_default=None)
    op.create_table('blur_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('x', sa.Float(), nullable=False),
    sa.Column('y', sa.Float(), nullable=False),
    sa.Column('w', sa.Float(), nullable=False),
    sa.Column('h', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('face', 'plate')", name='ck_kind_values'),
    sa.CheckConstraint("state IN ('suggested', 'confirmed', 'dismissed')", name='ck_state_values'),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_blur_suggestions_photo_id'), 'blur_suggestions', ['photo_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_blur_suggestions_photo_id'), table_name='blur_suggestions')
    op.drop_table('blur_suggestions')
    with op.batch_alter_table('photos') as batch:
        batch.drop_constraint('ck_publication_values', type_='check')
        batch.drop_constraint('fk_photos_publication_by_id_users', type_='foreignkey')
        batch.drop_column('originals_purged_at')
        batch.drop_column('published_sha256')
        batch.drop_column('publication_at')
        batch.drop_column('publication_by_id')
        batch.drop_column('publication')
