"""Security review item: Open311 API keys of responsible parties are encrypted at rest.

The database never holds the plaintext, pages show ``••••1234`` only, an empty field keeps the stored key,
and the sender still sends the right key to a real (test) Open311 server.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade

from fieldapp import secret_box
from fieldapp.extensions import db
from fieldapp.models import ResponsibleParty
from fieldapp.services import open311_send, responsible_parties
from tests.app.conftest import fresh_database, make_app
from tests.app.test_open311_send import API_KEY, reload, server, setup  # noqa: F401 - fixtures
from tests.app.test_staff_admin import admin_client  # noqa: F401 - fixture

SECRET = "sk-ale-0123456789-abcd"  # noqa: S105 - a test key
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def raw_rows() -> list[dict]:
    """Every stored value of responsible_parties, read with plain SQL (no model in between)."""
    with db.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text("SELECT * FROM responsible_parties"))]


def assert_never_stored(plaintext: str) -> None:
    for row in raw_rows():
        assert "open311_api_key" not in row  # the plaintext column is gone
        assert not any(isinstance(v, str) and plaintext in v for v in row.values()), row


def test_item_open311_keys_encrypted_column_never_holds_plaintext(app, admin_client) -> None:  # noqa: F811
    response = admin_client.post("/staff/parties", data={"name": "Gatuenheten", "kind": "municipal"})
    assert response.status_code == 302
    party = db.session.scalar(sa.select(ResponsibleParty).where(ResponsibleParty.name == "Gatuenheten"))
    page = f"/staff/parties/{party.id}"
    form = {"name": "Gatuenheten", "kind": "municipal", "active": "y",
            "open311_endpoint": "https://open311.ale.se/v2/", "open311_jurisdiction": "ale.se"}

    assert admin_client.post(page, data={**form, "open311_api_key": SECRET}).status_code == 302
    assert_never_stored(SECRET)
    [row] = raw_rows()
    assert row["open311_api_key_hint"] == "abcd"
    token = row["open311_api_key_encrypted"]
    assert secret_box.decrypt(token) == SECRET

    shown = admin_client.get(page).text
    assert "••••abcd" in shown and SECRET not in shown and token not in shown
    assert SECRET not in admin_client.get("/staff/parties").text

    # An empty field keeps the stored key (the form never carries it back).
    assert admin_client.post(page, data={**form, "open311_api_key": ""}).status_code == 302
    assert raw_rows()[0]["open311_api_key_encrypted"] == token
    # A new key replaces it; "remove" removes it.
    assert admin_client.post(page, data={**form, "open311_api_key": "another-key-9876"}).status_code == 302
    db.session.expire_all()
    assert responsible_parties.open311_api_key_for_sending(party) == "another-key-9876"
    assert admin_client.post(page, data={**form, "remove_open311_api_key": "y"}).status_code == 302
    [row] = raw_rows()
    assert row["open311_api_key_encrypted"] is None and row["open311_api_key_hint"] is None


def test_item_open311_keys_sender_sends_the_decrypted_key(setup, server) -> None:  # noqa: F811
    assert_never_stored(API_KEY)
    assert open311_send.push_measure(setup["measure"].id, now=NOW).state == "sent"
    [form] = server.received
    assert form["api_key"] == API_KEY


def test_item_open311_keys_unreadable_key_fails_clearly(app, setup, server) -> None:  # noqa: F811
    app.config["SECRETS_KEYS"] = [Fernet.generate_key().decode()]  # FIELDAPP_SECRETS_KEY changed
    result = open311_send.push_measure(setup["measure"].id, now=NOW)
    assert result.state == "failed"
    assert "FIELDAPP_SECRETS_KEY" in reload(setup["measure"]).open311_last_error
    assert server.received == []


def test_item_open311_keys_short_key_shows_no_characters(app) -> None:
    party = responsible_parties.create_party(responsible_parties.PartyInput(name="Polisen", kind="police"))
    responsible_parties.set_open311_api_key(party, "k123")
    assert responsible_parties.masked_open311_api_key(party) == "••••"


def test_item_open311_keys_rotation_decrypts_with_an_older_key(app) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = secret_box.encrypt(SECRET, [old])
    assert secret_box.decrypt(token, [new, old]) == SECRET
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(token, [new])


@pytest.fixture
def empty_database(backend: str, tmp_path: Path, pytestconfig: pytest.Config):
    with fresh_database(backend, tmp_path, pytestconfig) as url:
        yield url


def test_item_open311_keys_migration_encrypts_existing_rows(empty_database: str, tmp_path: Path) -> None:
    migrating = make_app(empty_database, tmp_path / "uploads")
    with migrating.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO responsible_parties (name, kind, open311_api_key, active) "
                                 "VALUES ('Gatuenheten', 'municipal', :key, :yes), "
                                 "('Parkförvaltningen', 'municipal', NULL, :yes)"),
                         {"key": SECRET, "yes": True})
        upgrade()
        assert_never_stored(SECRET)
        rows = {r["name"]: r for r in raw_rows()}
        assert secret_box.decrypt(rows["Gatuenheten"]["open311_api_key_encrypted"]) == SECRET
        assert rows["Gatuenheten"]["open311_api_key_hint"] == "abcd"
        assert rows["Parkförvaltningen"]["open311_api_key_encrypted"] is None

        downgrade(revision="0003")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT open311_api_key FROM responsible_parties "
                                        "WHERE name = 'Gatuenheten'")).scalar() == SECRET
        db.engine.dispose()


def test_item_open311_keys_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIELDAPP_SECRETS_KEY", raising=False)
    [dev_key] = secret_box.configured_keys(tmp_path)  # development: a random key kept in instance/
    assert (tmp_path / "secrets_key").stat().st_mode & 0o777 == 0o600
    assert secret_box.configured_keys(tmp_path) == [dev_key]
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("FIELDAPP_SECRETS_KEY", f"{new}, {dev_key}")
    assert secret_box.configured_keys(tmp_path) == [new, dev_key]
    monkeypatch.setenv("FIELDAPP_SECRETS_KEY", "not-a-fernet-key")
    with pytest.raises(RuntimeError, match="FIELDAPP_SECRETS_KEY must be Fernet keys"):
        secret_box.configured_keys(tmp_path)
