"""Outgoing e-mail (DESIGN §15): services build a :class:`Mail`; the job queue delivers it over SMTP.

SMTP settings come from the environment (FIELDAPP_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _SSL and
FIELDAPP_MAIL_FROM). Without FIELDAPP_SMTP_HOST — a development installation, `make run` — a mail is written
to the log instead of being sent. A failed delivery is retried by the queue (the job's ``retries``).
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one recipient; ``headers`` are extra (name, value) pairs."""

    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def send(mail: Mail) -> None:
    """Queue ``mail`` for delivery by the worker (nothing is sent inside the request)."""
    from fieldapp.jobs import enqueue
    from fieldapp.jobs.tasks import deliver_mail

    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or None
    enqueue(deliver_mail, mail.to, mail.subject, mail.body, dict(mail.headers), make_msgid(domain=domain))


def build_message(mail: Mail, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.body)
    return message


def deliver(mail: Mail, message_id: str) -> None:
    """Send one message now (called by the job); raises on SMTP errors so the queue retries."""
    config = current_app.config
    message = build_message(mail, message_id)
    host = config["SMTP_HOST"]
    if not host:
        log.info("No FIELDAPP_SMTP_HOST: the mail is logged, not sent.\n%s", message.as_string())
        return
    smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    with smtp_class(host, config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    log.info("Mail %s sent to %s", message_id, mail.to)
