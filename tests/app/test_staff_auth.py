"""Staff authentication after the security review: demo account, login redirects, sessions, passwords.

Each test is named after the review item it guards (1: demo admin, 3: open redirect, 6: low findings).
"""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import LineString

from fieldapp.errors import ValidationError
from fieldapp.extensions import db
from fieldapp.models import Finding, User, Walk
from fieldapp.services import staff_users
from fieldapp.services import users as user_service
from fieldapp.services.demo import DEMO_EMAIL
from fieldapp.services.users import authenticate, create_user
from fieldapp.services.walks import create_walk

PASSWORD = "correct horse battery"
EIGHT_HOURS = 8 * 3600


def login(client: FlaskClient, email: str = "organizer@example.se", password: str = PASSWORD, next_url=None):
    path = "/staff/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(path, data={"email": email, "password": password})


def copy_session(source: FlaskClient, target: FlaskClient) -> FlaskClient:
    """``target`` gets ``source``'s session cookie, as someone who copied it would."""
    target.set_cookie("session", source.get_cookie("session").value)
    return target


# --- item 1: the demo account ---------------------------------------------------------------------

def test_item1_demo_requires_flag_and_is_organizer(app: Flask, runner) -> None:
    assert runner.invoke(args=["demo"]).exit_code != 0  # the old unflagged command is gone
    plain = runner.invoke(args=["seed"])
    assert plain.exit_code == 0, plain.output
    assert db.session.scalar(sa.select(sa.func.count(Walk.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0

    app.config["ENVIRONMENT"] = "production"
    refused = runner.invoke(args=["seed", "--demo"])
    assert refused.exit_code != 0 and "FIELDAPP_ENV=development" in refused.output
    assert "Traceback" not in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Walk.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0

    app.config["ENVIRONMENT"] = "development"
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    shown = re.search(r"^Demo staff login \(shown only now\): (\S+) / (\S+)$", first.output, re.M)
    email, password = shown.groups()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert email == DEMO_EMAIL and user.role == "organizer" and not user.is_admin
    assert password != "demo-trygghet-2026" and len(password) >= 16
    assert authenticate(email, password) is not None
    # Demo findings went through the normal write path and were marked afterwards.
    flags = set(db.session.scalars(sa.select(Finding.is_demo)))
    assert flags == {True}

    # An admin deactivates the demo account: a later run neither re-activates it nor resets its password.
    user.active = False
    db.session.commit()
    hash_before = user.password_hash
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0, second.output
    assert password not in second.output and "shown only now" not in second.output
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user.active is False and user.password_hash == hash_before
    assert authenticate(email, password) is None


def test_item1_demo_passwords_are_random(app: Flask, tmp_path) -> None:
    """Two development databases get two different demo passwords (nothing published to guess)."""
    from fieldapp.services.demo import seed_demo

    first = seed_demo().password
    db.session.execute(sa.delete(User).where(User.email == DEMO_EMAIL))
    db.session.execute(sa.update(Walk).values(created_by_id=None))
    db.session.commit()
    second = seed_demo().password
    assert first and second and first != second


# --- item 3: open redirect after login ------------------------------------------------------------

HOSTILE_NEXT = [
    "/%09/evil.example",          # tab: browsers drop it → //evil.example
    "/%0a/evil.example",          # newline
    "/%0d%0a/evil.example",
    "//evil.example",             # scheme-relative
    "/%2F/evil.example",          # encoded slash
    "%2F%2Fevil.example",
    "/%252F%252Fevil.example",    # encoded twice
    "/%5Cevil.example",           # backslash: browsers read /\ as //
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "%20//evil.example",          # leading space
    "/%00/evil.example",
    "evil.example",
]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_item3_login_next_rejects_open_redirects(client: FlaskClient, organizer, hostile: str) -> None:
    response = login(client, next_url=hostile)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/walks", response.headers["Location"]


def test_item3_login_next_follows_local_paths(client: FlaskClient, organizer) -> None:
    response = login(client, next_url="/staff/walks/demo-nodinge/review%3Fstatus%3Dnew")
    assert response.headers["Location"] == "/staff/walks/demo-nodinge/review?status=new"


def test_item3_referrer_redirects_stay_on_the_site(app: Flask, staff_client: FlaskClient) -> None:
    """Back-to-where-you-were redirects (status change) use the same check as ``next``."""
    walk = create_walk("Referrer walk", route=LineString([(12.07, 57.92), (12.08, 57.93)]))
    for status, (referrer, expected) in zip(("open", "draft", "open", "draft"), (
        ("http://localhost/staff/walks?x=1", "/staff/walks?x=1"),
        ("http://localhost/%09/evil.example", f"/staff/walks/{walk.slug}/plan"),
        ("http://localhost//evil.example", f"/staff/walks/{walk.slug}/plan"),
        ("https://evil.example/", f"/staff/walks/{walk.slug}/plan"),
    ), strict=True):
        response = staff_client.post(f"/staff/walks/{walk.slug}/status", data={"status": status},
                                     headers={"Referer": referrer})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, referrer


@pytest.mark.parametrize("hostile", ["/\t/evil.example", "/\\evil.example", "/\n/x", "//x", "/%2f%2fx", ""])
def test_item3_safe_next_url_unit(hostile: str) -> None:
    from fieldapp.staff.access import safe_next_url

    assert safe_next_url(hostile, "/fallback") == "/fallback"
    assert safe_next_url("/staff/walks?a=b%20c", "/fallback") == "/staff/walks?a=b%20c"


# --- item 6: sessions -----------------------------------------------------------------------------

def test_item6_session_epoch_logout(app: Flask, client: FlaskClient, organizer) -> None:
    assert login(client).status_code == 302
    thief = copy_session(client, app.test_client())
    assert thief.get("/staff/walks").status_code == 200
    client.post("/staff/logout")
    assert thief.get("/staff/walks").status_code == 302  # the copied cookie died with the logout
    assert client.get("/staff/walks").status_code == 302


def test_item6_session_epoch_password_reset_and_deactivation(app: Flask, client: FlaskClient,
                                                              organizer) -> None:
    assert login(client).status_code == 302
    thief = copy_session(client, app.test_client())
    staff_users.set_password(organizer, "a brand new passphrase")
    assert thief.get("/staff/walks").status_code == 302
    assert client.get("/staff/walks").status_code == 302
    assert login(client, password="a brand new passphrase").status_code == 302
    assert client.get("/staff/walks").status_code == 200
    admin = create_user("admin@example.se", "admin password 123", role="admin")
    staff_users.update_user(organizer, name="Org", role="organizer", active=False, acting_user_id=admin.id)
    staff_users.update_user(organizer, name="Org", role="organizer", active=True, acting_user_id=admin.id)
    assert client.get("/staff/walks").status_code == 302  # re-activation does not revive old sessions


def test_item6_absolute_session_lifetime(app: Flask, client: FlaskClient, organizer) -> None:
    from fieldapp.security import SESSION_LOGIN_AT_KEY

    assert login(client).status_code == 302
    with client.session_transaction() as session:
        logged_in_at = session[SESSION_LOGIN_AT_KEY]
        assert abs(logged_in_at - time.time()) < 60
        session[SESSION_LOGIN_AT_KEY] = logged_in_at - EIGHT_HOURS + 60  # active all day, a minute left
    for _ in range(3):
        assert client.get("/staff/walks").status_code == 200
    with client.session_transaction() as session:  # activity does not move the login time
        assert session[SESSION_LOGIN_AT_KEY] == logged_in_at - EIGHT_HOURS + 60
        session[SESSION_LOGIN_AT_KEY] = logged_in_at - EIGHT_HOURS - 1
    response = client.get("/staff/walks")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_item6_session_without_login_time_is_refused(app: Flask, client: FlaskClient, organizer) -> None:
    """A session made before this rule (no login time) does not count."""
    from fieldapp.security import SESSION_LOGIN_AT_KEY

    assert login(client).status_code == 302
    with client.session_transaction() as session:
        del session[SESSION_LOGIN_AT_KEY]
    assert client.get("/staff/walks").status_code == 302


def test_item6_login_time_constant(app: Flask, client: FlaskClient, organizer, monkeypatch) -> None:
    """Unknown and inactive e-mails cost one password-hash check, like a wrong password does."""
    calls: list[str] = []
    real_check = user_service.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(user_service, "check_password_hash", counting_check)
    create_user("gone@example.se", "an old passphrase here", role="organizer").active = False
    db.session.commit()
    for email, password in (("nobody@example.se", PASSWORD), ("gone@example.se", "an old passphrase here"),
                            ("organizer@example.se", "wrong password!")):
        calls.clear()
        started = time.perf_counter()
        assert login(client, email, password).status_code == 401
        assert len(calls) == 1, email
        assert calls[0].startswith(("scrypt:", "pbkdf2:")), calls[0][:10]  # a real, equally slow hash
        assert time.perf_counter() - started < 10
    calls.clear()
    assert login(client).status_code == 302 and len(calls) == 1


# --- item 6: walk manifest ------------------------------------------------------------------------

def test_item6_manifest_requires_access(app: Flask, client: FlaskClient, organizer) -> None:
    draft = create_walk("Hemlig utkastvandring", route=LineString([(12.07, 57.92), (12.08, 57.93)]))
    anonymous = client.get(f"/w/{draft.slug}/manifest.webmanifest")
    assert anonymous.status_code == 403 and "Hemlig" not in anonymous.text
    opened = create_walk("Öppen vandring", route=LineString([(12.07, 57.92), (12.08, 57.93)]), status="open")
    assert client.get(f"/w/{opened.slug}/manifest.webmanifest").status_code == 403
    client.get(f"/j/{opened.join_token}")
    assert client.post(f"/j/{opened.join_token}", data={"group": ""}).status_code == 302
    joined = client.get(f"/w/{opened.slug}/manifest.webmanifest")
    assert joined.status_code == 200 and joined.json["name"] == "Öppen vandring"
    assert client.get(f"/w/{draft.slug}/manifest.webmanifest").status_code == 403  # joined another walk only
    staff = app.test_client()
    login(staff)
    assert staff.get(f"/w/{draft.slug}/manifest.webmanifest").json["name"] == "Hemlig utkastvandring"


# --- item 6: common passwords ---------------------------------------------------------------------

COMMON = ["aaaaaaaaaa", "password123", "qwertyuiop", "1234567890", "iloveyou12", "0123456789ab"]


@pytest.mark.parametrize("password", COMMON)
def test_item6_common_password_refused(app: Flask, runner, password: str) -> None:
    with pytest.raises(ValidationError):
        create_user("anna@ale.se", password)
    result = runner.invoke(args=["create-user", "--email", "anna@ale.se", "--password", password])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_item6_password_like_the_email_refused(app: Flask) -> None:
    with pytest.raises(ValidationError):
        create_user("kristoffersson@ale.se", "kristoffersson")


def test_item6_common_password_refused_in_admin_forms(app: Flask, client: FlaskClient) -> None:
    create_user("admin@example.se", "admin password 123", role="admin")
    login(client, "admin@example.se", "admin password 123")
    page = client.post("/staff/admin/users", data={"email": "ny@ale.se", "role": "organizer",
                                                   "password": "aaaaaaaaaa"})
    assert page.status_code == 422
    assert re.search(r'id="password-error">[^<]*för lätt att gissa', page.text)  # Swedish, next to the field

    account = create_user("org@ale.se", "first passphrase ok", role="organizer")
    hash_before = account.password_hash
    reset = client.post(f"/staff/admin/users/{account.id}/password", data={"password": "qwertyuiop"})
    assert reset.status_code == 422
    assert re.search(r'id="password-error">[^<]*för lätt att gissa', reset.text)
    db.session.refresh(account)
    assert account.password_hash == hash_before
    good = client.post(f"/staff/admin/users/{account.id}/password", data={"password": "second passphrase ok"})
    assert good.status_code == 302
    english = client.post("/staff/admin/users?lang=en", data={"email": "ny@ale.se", "role": "organizer",
                                                              "password": "password123"})
    assert english.status_code == 422 and "too easy to guess" in english.text
    assert user_service.user_by_email("ny@ale.se") is None
