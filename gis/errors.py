"""Errors raised by the pure geometry package; the web app maps them to 4xx responses."""


class GeometryError(ValueError):
    """Input geometry is invalid or unusable; the message is safe to show to a user."""


class RouteImportError(GeometryError):
    """A route file (GeoJSON, GPX, KML) could not be turned into a line."""


class TooManyPoints(RouteImportError):
    """A route file has more points than may be imported (``count`` > ``limit``)."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"The route has {count} points; at most {limit} can be imported.")
        self.count = count
        self.limit = limit
