"""A real SMTP server in the test process (aiosmtpd): the mails fieldapp sends arrive here."""
from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    """Start with ``start()``; ``messages`` holds every mail received, parsed; ``stop()`` ends it."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = _free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} mails, got {len(self.messages)}"
            time.sleep(0.05)
        return self.messages
