"""Staff password reset and invitation by e-mail: real SMTP (aiosmtpd), the real queue, single-use links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fieldapp.services import staff_accounts
from fieldapp.services.users import create_user

LINK = re.compile(r"http://fieldapp\.test(/staff/(?:password/reset|invitation)/\S+)")


@pytest.fixture
def account(app):
    return create_user("anna@ale.se", "första lösenordet 1", role="organizer", name="Anna")


def _link(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _logs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/staff/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_a_forgotten_password_is_reset_through_a_mailed_link_that_works_once(
        app, client, account, mailbox, worker) -> None:
    login_page = client.get("/staff/login", headers={"Host": "evil.example"}).text
    assert "/staff/password/forgot" in login_page
    other_session = app.test_client()
    other_session.post("/staff/login", data={"email": "anna@ale.se", "password": "första lösenordet 1"})
    assert other_session.get("/staff/walks").status_code == 200

    # A forged Host header must not end up in the mailed link (it would hand the token to another site).
    response = client.post("/staff/password/forgot", data={"email": "Anna@Ale.se "}, follow_redirects=True,
                           headers={"Host": "evil.example"})
    assert response.status_code == 200 and "anna@ale.se" in response.text.lower()
    assert mailbox.messages == []  # nothing is sent inside the request
    worker.run_until_idle()
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "anna@ale.se" and mail["From"] == "trygghet@kommun.example"
    assert "lösenord" in mail["Subject"].lower()
    link = _link(mail)

    page = client.get(link)
    assert page.status_code == 200 and "anna@ale.se" in page.text
    short = client.post(link, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 422 and "minst 10 tecken" in short.text
    mismatch = client.post(link, data={"password": "en lång ny fras i regn", "confirm": "en annan fras"})
    assert mismatch.status_code == 422 and "inte samma" in mismatch.text
    done = client.post(link, data={"password": "en lång ny fras i regn", "confirm": "en lång ny fras i regn"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/staff/login")

    assert _logs_in(app, "anna@ale.se", "en lång ny fras i regn")
    assert not _logs_in(app, "anna@ale.se", "första lösenordet 1")
    assert other_session.get("/staff/walks").status_code == 302  # every older session ended
    used = client.get(link)
    assert used.status_code == 404 and "redan använts" in used.text
    third = "tredje frasen på cykel"
    again = client.post(link, data={"password": third, "confirm": third})
    assert again.status_code == 404 and not _logs_in(app, "anna@ale.se", "tredje frasen på cykel")


def test_an_unknown_or_deactivated_address_gets_the_same_answer_and_no_mail(
        app, client, account, mailbox, worker) -> None:
    from fieldapp.extensions import db

    def ask(address: str) -> str:
        return client.post("/staff/password/forgot", data={"email": address}, follow_redirects=True).text

    known, unknown = ask("anna@ale.se"), ask("nobody@ale.se")
    assert known.replace("anna@ale.se", "X") == unknown.replace("nobody@ale.se", "X")
    account.active = False
    db.session.commit()
    client.post("/staff/password/forgot", data={"email": "anna@ale.se"})
    worker.run_until_idle()
    # only the mail for the account while it was active
    assert [m["To"] for m in mailbox.wait_for(1)] == ["anna@ale.se"]
    bad = client.post("/staff/password/forgot", data={"email": ""})
    assert bad.status_code == 422 and 'id="email-error"' in bad.text


def test_expired_and_forged_links_are_refused_with_a_message(app, client, account, monkeypatch) -> None:
    token = staff_accounts.make_link_token(account, "reset")
    assert client.get(f"/staff/password/reset/{token}").status_code == 200
    assert client.get(f"/staff/invitation/{token}").status_code == 404  # a reset link is not an invitation
    assert client.get(f"/staff/password/reset/{token[:-2]}xx").status_code == 404
    monkeypatch.setitem(staff_accounts._VALID, "reset", timedelta(seconds=-1))
    expired = client.get(f"/staff/password/reset/{token}")
    assert expired.status_code == 404 and "gått ut" in expired.text


def test_an_admin_invites_a_new_colleague_who_chooses_a_password(app, mailbox, worker) -> None:
    create_user("admin@ale.se", "admin lösenord 123", role="admin", name="Admin")
    admin = app.test_client()
    admin.post("/staff/login", data={"email": "admin@ale.se", "password": "admin lösenord 123"})
    form = admin.get("/staff/admin/users").text
    assert 'name="invite"' in form
    missing = admin.post("/staff/admin/users", data={"email": "ny@ale.se", "role": "organizer"})
    assert missing.status_code == 422 and "skicka en inbjudan" in missing.text.lower()
    assert 'value="ny@ale.se"' in missing.text  # the input is kept

    created = admin.post("/staff/admin/users",
                         data={"email": "ny@ale.se", "name": "Ny", "role": "organizer", "invite": "y"})
    assert created.status_code == 302
    worker.run_until_idle()
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "ny@ale.se" and "Admin" in mail.get_content()
    link = _link(mail)
    assert "/staff/invitation/" in link
    page = app.test_client().get(link)
    assert page.status_code == 200 and "välj ditt lösenord" in page.text.lower()
    assert app.test_client().post(link, data={"password": "min egen fras i mörkret",
                                              "confirm": "min egen fras i mörkret"}).status_code == 302
    assert _logs_in(app, "ny@ale.se", "min egen fras i mörkret")
    assert app.test_client().get(link).status_code == 404

    from fieldapp.services.users import user_by_email

    colleague = user_by_email("ny@ale.se")
    resent = admin.post(f"/staff/admin/users/{colleague.id}/invitation")
    assert resent.status_code == 302
    worker.run_until_idle()
    assert [m["To"] for m in mailbox.wait_for(2)] == ["ny@ale.se", "ny@ale.se"]


def test_a_failed_delivery_stays_queued_for_a_retry(app, client, account, worker) -> None:
    from tests.mailbox import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    client.post("/staff/password/forgot", data={"email": "anna@ale.se"})
    worker.run_until_idle()
    assert worker.huey.scheduled_count() == 1  # retried later by the queue, not lost


def test_without_an_smtp_host_the_mail_is_written_to_the_log(app, client, account, worker, caplog) -> None:
    app.config.update(SMTP_HOST="")
    with caplog.at_level("INFO", logger="fieldapp.mail"):
        client.post("/staff/password/forgot", data={"email": "anna@ale.se"})
        worker.run_until_idle()
    assert "/staff/password/reset/" in caplog.text and "anna@ale.se" in caplog.text
