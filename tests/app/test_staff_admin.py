"""Admins manage staff accounts and responsible parties; organizers cannot."""

from __future__ import annotations

import pytest

from fieldapp.services.users import create_user


@pytest.fixture
def admin_client(app):
    create_user("admin@example.se", "admin password 123", role="admin", name="Admin")
    client = app.test_client()
    assert (
        client.post(
            "/staff/login", data={"email": "admin@example.se", "password": "admin password 123"}
        ).status_code
        == 302
    )
    return client


def test_admin_creates_an_organizer_who_can_log_in_but_not_manage_users(app, admin_client) -> None:
    response = admin_client.post(
        "/staff/admin/users",
        data={"email": "ny@ale.se", "name": "Ny", "role": "organizer", "password": "ett långt lösen"},
    )
    assert response.status_code == 302
    assert "ny@ale.se" in admin_client.get("/staff/admin/users").text
    organizer = app.test_client()
    assert (
        organizer.post("/staff/login", data={"email": "ny@ale.se", "password": "ett långt lösen"}).status_code
        == 302
    )
    assert organizer.get("/staff/walks").status_code == 200
    for path in ("/staff/admin/users", "/staff/admin/users/1"):
        assert organizer.get(path).status_code == 403
    assert organizer.get("/staff/parties").status_code == 200  # organizers manage responsible parties
    assert (
        organizer.post(
            "/staff/admin/users", data={"email": "x@ale.se", "role": "admin", "password": "blå cykel i regn"}
        ).status_code
        == 403
    )
    assert "Personalkonton" not in organizer.get("/staff/walks").text


def test_weak_password_and_duplicate_account_are_refused(admin_client) -> None:
    weak = admin_client.post(
        "/staff/admin/users", data={"email": "a@ale.se", "role": "organizer", "password": "short"}
    )
    assert weak.status_code == 422
    admin_client.post(
        "/staff/admin/users", data={"email": "b@ale.se", "role": "organizer", "password": "blå cykel i regn"}
    )
    again = admin_client.post(
        "/staff/admin/users", data={"email": "B@ale.se", "role": "organizer", "password": "blå cykel i regn"}
    )
    assert again.status_code == 409


def test_deactivate_and_reset_password(app, admin_client) -> None:
    user = create_user("org@ale.se", "first password", role="organizer")
    admin_client.post(f"/staff/admin/users/{user.id}/password", data={"password": "second password"})
    client = app.test_client()
    assert (
        client.post("/staff/login", data={"email": "org@ale.se", "password": "second password"}).status_code
        == 302
    )
    deactivated = admin_client.post(
        f"/staff/admin/users/{user.id}", data={"name": "Org", "role": "organizer"}
    )
    assert deactivated.status_code == 302, deactivated.text  # "active" unchecked
    assert client.get("/staff/walks").status_code == 302  # the session no longer counts
    assert (
        app.test_client()
        .post("/staff/login", data={"email": "org@ale.se", "password": "second password"})
        .status_code
        == 401
    )


def test_last_admin_cannot_demote_themself(admin_client) -> None:
    response = admin_client.post(
        "/staff/admin/users/1", data={"name": "Admin", "role": "organizer", "active": "y"}
    )
    assert response.status_code == 409


def test_admin_manages_responsible_parties(admin_client) -> None:
    response = admin_client.post(
        "/staff/parties",
        data={"name": "Tekniska förvaltningen", "kind": "municipal", "email": "teknik@ale.se", "active": "y"},
    )
    assert response.status_code == 302
    listing = admin_client.get("/staff/parties").text
    assert "Tekniska förvaltningen" in listing and "Kommunal förvaltning" in listing
    clash = admin_client.post(
        "/staff/parties", data={"name": "tekniska förvaltningen", "kind": "municipal"}
    )
    assert clash.status_code == 422  # the form again, the message next to the name
    assert "finns redan" in clash.text and 'value="tekniska förvaltningen"' in clash.text
    edited = admin_client.post(
        "/staff/parties/1", data={"name": "Tekniska nämnden", "kind": "municipal"}
    )
    assert edited.status_code == 302
    assert "Tekniska nämnden" in admin_client.get("/staff/parties").text
