"""Open311 API keys encrypted at rest: encrypt the existing keys, drop the plaintext column

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from fieldapp import secret_box

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

parties = sa.table('responsible_parties', sa.column('id', sa.Integer),
                   sa.column('open311_api_key', sa.String),
                   sa.column('open311_api_key_encrypted', sa.Text),
                   sa.column('open311_api_key_hint', sa.String))


def upgrade():
    op.add_column('responsible_parties', sa.Column('open311_api_key_encrypted', sa.Text(), nullable=True))
    op.add_column('responsible_parties',
                  sa.Column('open311_api_key_hint', sa.String(length=8), nullable=True))
    connection = op.get_bind()
    keys = current_app.config["SECRETS_KEYS"]
    rows = connection.execute(sa.select(parties.c.id, parties.c.open311_api_key)
                              .where(parties.c.open311_api_key.is_not(None), parties.c.open311_api_key != ''))
    for party_id, plaintext in rows.all():
        connection.execute(parties.update().where(parties.c.id == party_id).values(
            open311_api_key_encrypted=secret_box.encrypt(plaintext, keys),
            open311_api_key_hint=secret_box.hint(plaintext) or None))
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of the table would drop and recreate
    # it, and with foreign keys on, SQLite would set every measure's responsible party to NULL.
    op.drop_column('responsible_parties', 'open311_api_key')


def downgrade():
    op.add_column('responsible_parties', sa.Column('open311_api_key', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    keys = current_app.config["SECRETS_KEYS"]
    rows = connection.execute(sa.select(parties.c.id, parties.c.open311_api_key_encrypted)
                              .where(parties.c.open311_api_key_encrypted.is_not(None)))
    for party_id, token in rows.all():
        connection.execute(parties.update().where(parties.c.id == party_id).values(
            open311_api_key=secret_box.decrypt(token, keys)))
    op.drop_column('responsible_parties', 'open311_api_key_hint')
    op.drop_column('responsible_parties', 'open311_api_key_encrypted')
