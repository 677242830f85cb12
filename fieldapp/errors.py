"""Domain errors raised by services; one handler in ``fieldapp.__init__`` maps them to HTTP."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is machine-readable, ``message`` is safe to show to a user, ``field`` (optional)
    names the form input it is about."""

    status = 400
    code = "bad_request"
    retry_after: int | None = None  # seconds, sent as Retry-After (503 busy, 429); a class may set a default

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: dict | None = None, retry_after: int | None = None, field: str | None = None,
                 params: dict | None = None):
        self.template = message  # English, with named %(name)s placeholders for ``params``
        self.params = params or {}
        self.message = message % self.params if self.params else message
        super().__init__(self.message)
        self.field = field  # the form field the message belongs next to, when one does
        self.details = details
        if retry_after is not None:
            self.retry_after = retry_after
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationError(DomainError):
    status = 422
    code = "invalid"


class PhotoError(DomainError):
    """An uploaded photo was refused (not an image, too large, corrupt...)."""

    status = 422
    code = "bad_photo"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for translation without translating it here; errors_http translates on output."""
    return message
