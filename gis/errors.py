"""Errors raised by the pure geometry package; the web app maps them to 4xx responses (translated there:
messages are marked with ``N_`` so the catalog extraction finds them)."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for translation; the web app translates it when it shows the error."""
    return message


class GeometryError(ValueError):
    """Input geometry is invalid or unusable; the message is safe to show to a user.

    ``template`` is the English message with named ``%(name)s`` placeholders and ``params`` their values, so
    the web app can translate the template and fill it in (``str(err)`` is the English text).
    """

    def __init__(self, message: str, **params: object) -> None:
        self.template = message
        self.params = params
        super().__init__(message % params if params else message)


class RouteImportError(GeometryError):
    """A route file (GeoJSON, GPX, KML) could not be turned into a line."""


class TooManyPoints(RouteImportError):
    """A route file has more points than may be imported (``count`` > ``limit``)."""

    def __init__(self, count: int, limit: int):
        super().__init__(N_("The route has %(count)s points; at most %(limit)s can be imported."),
                         count=count, limit=limit)
        self.count = count
        self.limit = limit
