"""Mail: building messages, queueing them and handing them to the SMTP server (DESIGN §15).

Services call ``send``: the message goes to the job queue (``fieldapp.jobs.tasks.deliver_mail``), which
delivers it with retries, so a slow or unreachable mail server never holds up a request. Settings come
from the environment (fieldapp.config: FIELDAPP_SMTP_HOST, _PORT, _USER, _PASSWORD, _SECURITY,
FIELDAPP_MAIL_FROM). Without an SMTP host (development, ``make run``) a mail is written to the log.
``address_problem`` is the one rule for an e-mail address people type.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

log = logging.getLogger(__name__)
MAX_ADDRESS = 254


def normalized_address(text: str) -> str | None:
    """The address trimmed and lower-cased (one person, one address, however they type it), or None when
    it cannot be an e-mail address."""
    value = (text or "").strip()
    if not value or len(value) > MAX_ADDRESS or any(c.isspace() or c in "<>,;\"()[]\\" for c in value):
        return None
    local, at, domain = value.rpartition("@")
    if not at or not local or "@" in local or "." not in domain.strip(".") or ".." in domain:
        return None
    if domain.startswith((".", "-")) or domain.endswith((".", "-")):
        return None
    return f"{local}@{domain}".lower()


@dataclass(frozen=True)
class Mail:
    """A plain-text mail to one recipient; ``headers`` are extra headers (List-Unsubscribe…)."""

    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def sender() -> str:
    """FIELDAPP_MAIL_FROM, else no-reply at the public host."""
    configured: str = current_app.config["MAIL_FROM"]
    if configured:
        return configured
    host = current_app.config["PUBLIC_URL"].split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"no-reply@{host}"


def build(mail: Mail) -> EmailMessage:
    """The RFC 5322 message for ``mail`` (UTF-8 text, Date and Message-ID set)."""
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender().rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.body)
    return message


def send(mail: Mail) -> None:
    """Queue ``mail`` for delivery (the job retries when the server cannot be reached)."""
    from fieldapp.jobs import enqueue
    from fieldapp.jobs.tasks import deliver_mail

    enqueue(deliver_mail, mail.to, mail.subject, mail.body, dict(mail.headers))


def deliver(mail: Mail) -> None:
    """Hand ``mail`` to the SMTP server now (the job calls this); raises on failure so the job retries."""
    message = build(mail)
    config = current_app.config
    host: str = config["SMTP_HOST"]
    if not host:
        log.info("mail (no FIELDAPP_SMTP_HOST, not sent):\n%s", message.as_string())
        return
    security = config["SMTP_SECURITY"]
    timeout = config["SMTP_TIMEOUT"]
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(
            host, config["SMTP_PORT"], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, config["SMTP_PORT"], timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    log.info("mail sent: %s to one recipient", mail.subject)
