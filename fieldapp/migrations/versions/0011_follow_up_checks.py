"""follow-up walks: participants' verdicts ("fixed", "still a problem") on the earlier walk's findings

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'follow_up_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('walk_id', sa.Integer(), nullable=False),
        sa.Column('earlier_finding_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('verdict', sa.String(length=15), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('arrival', sa.String(length=12), server_default='on_time', nullable=False),
        sa.CheckConstraint("verdict IN ('fixed', 'still_problem')", name='ck_verdict_values'),
        sa.ForeignKeyConstraint(['earlier_finding_id'], ['findings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid'),
    )
    op.create_index('ix_follow_up_checks_walk_id', 'follow_up_checks', ['walk_id'], unique=False)
    op.create_index('ix_follow_up_checks_earlier_finding_id', 'follow_up_checks', ['earlier_finding_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_follow_up_checks_earlier_finding_id', table_name='follow_up_checks')
    op.drop_index('ix_follow_up_checks_walk_id', table_name='follow_up_checks')
    op.drop_table('follow_up_checks')
