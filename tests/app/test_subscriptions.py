"""E-mail subscriptions to a walk's feedback: double opt-in, batched notifications, one-click unsubscribe,
retention; mails go through the real job queue to a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import mail
from fieldapp.extensions import db
from fieldapp.jobs import enqueue, request_context
from fieldapp.jobs.tasks import notify_subscribers
from fieldapp.models import Subscription, utcnow
from fieldapp.services import retention, subscriptions
from tests.app.test_exports import SLUG
from tests.app.test_feedback import published, set_status  # noqa: F401  (fixture)
from tests.mailbox import body

ADDRESS = "Boende@Example.SE"
STORED = "boende@example.se"


@pytest.fixture
def mailbox(app, mailbox):
    """The shared mailbox (tests/app/conftest.py), with changes mailed at once instead of batched."""
    app.config.update(SUBSCRIPTION_BATCH_MINUTES=0)
    return mailbox


def link(text: str, path: str) -> str:
    match = re.search(rf"http://fieldapp\.test(/subscriptions/[\w-]+/{path})", text)
    assert match, text
    return match.group(1)


def subscribe(app, address: str = ADDRESS):
    return app.test_client().post(f"/walks/{SLUG}/feedback/subscribe?lang=en", data={"email": address})


def confirmed_subscriber(app, mailbox, worker) -> str:
    """Subscribe and confirm; returns the confirmation link's path."""
    assert subscribe(app).status_code == 200
    worker.run_until_idle()
    confirm = link(body(mailbox.wait_for(1)[0]), "confirm")
    visitor = app.test_client()
    assert "Yes, confirm" in visitor.get(confirm + "?lang=en").get_data(as_text=True)
    assert "Thank you" in visitor.post(confirm + "?lang=en").get_data(as_text=True)
    return confirm


def test_double_opt_in_then_batched_notification_then_one_click_unsubscribe(
    app, staff_client, published, mailbox, worker  # noqa: F811
) -> None:
    response = subscribe(app)
    assert "we have sent you an e-mail" in response.get_data(as_text=True)
    subscription = db.session.scalar(sa.select(Subscription))
    assert subscription.email == STORED and subscription.confirmed_at is None
    worker.run_until_idle()
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == STORED and confirmation["From"] == "trygghet@kommun.example"
    assert published.walk.title in " ".join(confirmation["Subject"].split())

    # Unconfirmed: changes are not mailed.
    first = published.visible[0]
    set_status(staff_client, first.uuid, "done")
    enqueue(notify_subscribers)
    worker.run_until_idle()
    assert len(mailbox.messages) == 1

    confirm = link(body(confirmation), "confirm")
    visitor = app.test_client()
    assert visitor.get(confirm).status_code == 200
    db.session.expire_all()
    # A GET (a mail system's link scanner) does not confirm.
    assert db.session.scalar(sa.select(Subscription)).confirmed_at is None
    visitor.post(confirm)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Subscription)).confirmed_at is not None

    # Two changes, one mail.
    second = next(f for f in published.visible if f.measure is not None and f.measure.status == "rejected")
    set_status(staff_client, first.uuid, "verified")
    set_status(staff_client, second.uuid, "assessed")
    enqueue(notify_subscribers)
    worker.run_until_idle()
    messages = mailbox.wait_for(2)
    assert len(messages) == 2
    notification = messages[1]
    text = body(notification)
    assert "No. 1 " in text and "No. 3 " in text and f"http://fieldapp.test/walks/{SLUG}/feedback" in text
    unsubscribe = link(text, "unsubscribe")
    assert notification["List-Unsubscribe"] == f"<http://fieldapp.test{unsubscribe}>"
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Nothing new: no mail.
    enqueue(notify_subscribers)
    worker.run_until_idle()
    assert len(mailbox.messages) == 2

    # One-click unsubscribe (RFC 8058: a POST without a form token) deletes the address.
    one_click = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0
    set_status(staff_client, second.uuid, "done")
    enqueue(notify_subscribers)
    worker.run_until_idle()
    assert len(mailbox.messages) == 2
    assert app.test_client().get(unsubscribe).status_code == 404


def test_changes_wait_for_the_batch_window(app, staff_client, published, mailbox, worker) -> None:  # noqa: F811
    confirmed_subscriber(app, mailbox, worker)
    app.config["SUBSCRIPTION_BATCH_MINUTES"] = 15
    set_status(staff_client, published.visible[0].uuid, "done")
    with request_context(app):  # as in the job
        assert subscriptions.notify_changes() == 0  # the change is fresh: wait for more
        assert subscriptions.notify_changes(now=utcnow() + timedelta(minutes=16)) == 1
    worker.run_until_idle()
    assert len(mailbox.wait_for(2)) == 2


def test_subscribing_twice_or_after_confirming_sends_no_extra_mail_and_tells_nothing(
    app, published, mailbox, worker  # noqa: F811
) -> None:
    confirmed_subscriber(app, mailbox, worker)
    again = subscribe(app, "boende@EXAMPLE.se")
    assert again.status_code == 200 and "we have sent you an e-mail" in again.get_data(as_text=True)
    worker.run_until_idle()
    assert len(mailbox.messages) == 1
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 1


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "a b@example.se", "a@example..se"])
def test_a_bad_address_gets_the_form_again_with_the_message(app, published, address) -> None:  # noqa: F811
    response = subscribe(app, address)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0


def test_unpublished_walk_cannot_be_subscribed(app, staff_client) -> None:
    from tests.app.test_exports import prepare_walk

    prepare_walk()
    assert subscribe(app).status_code == 404


def test_retention_deletes_unconfirmed_and_idle_addresses(app, published) -> None:  # noqa: F811
    walk_id = published.walk.id
    now = utcnow()
    days = timedelta(days=1)
    rows = {
        "fresh@example.se": dict(created_at=now - timedelta(days=2)),
        "stale@example.se": dict(created_at=now - timedelta(days=8)),
        "active@example.se": dict(created_at=now - 400 * days, confirmed_at=now - 400 * days,
                                  notified_until=now - timedelta(days=30)),
        "idle@example.se": dict(created_at=now - 900 * days, confirmed_at=now - 900 * days,
                                notified_until=now - 800 * days),
    }
    for n, (email, values) in enumerate(rows.items()):
        values.setdefault("notified_until", values["created_at"])
        db.session.add(Subscription(walk_id=walk_id, email=email, token=f"t{n}", **values))
    db.session.commit()
    dry = retention.purge(now=now, dry_run=True)
    assert dry.subscriptions_deleted == 2
    assert "would delete 2 e-mail subscriptions" in "\n".join(dry.lines())
    report = retention.purge(now=now)
    assert report.subscriptions_deleted == 2
    left = set(db.session.scalars(sa.select(Subscription.email)))
    assert left == {"fresh@example.se", "active@example.se"}


def test_delivery_failure_raises_so_the_job_retries(app) -> None:
    from tests.mailbox import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    with pytest.raises(OSError):
        mail.deliver(mail.Mail("a@example.se", "Hej", "text"))
    from fieldapp.jobs import _jobs

    task = _jobs(app).tasks["deliver_mail"]
    assert task.settings["default_retries"] > 0 and task.settings["default_retry_delay"] > 0


def test_without_an_smtp_host_mails_are_logged(app, caplog) -> None:
    app.config["SMTP_HOST"] = ""
    with caplog.at_level("INFO", logger="fieldapp.mail"):
        mail.deliver(mail.Mail("a@example.se", "Hej från kommunen", "Brödtext"))
    assert "Hej" in caplog.text and "a@example.se" in caplog.text


@pytest.mark.parametrize(("text", "expected"), [
    (" Anna.Berg@Ale.SE ", "anna.berg@ale.se"),
    ("a+tag@sub.example.org", "a+tag@sub.example.org"),
    ("a@b", None), ("@example.se", None), ("a@@example.se", None), ("a@example.se\r\nBcc: x@y.se", None),
    ("a<b>@example.se", None), ("a@.example.se", None), ("x" * 250 + "@example.se", None),
])
def test_normalized_address(text: str, expected: str | None) -> None:
    assert mail.normalized_address(text) == expected
