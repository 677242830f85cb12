"""Errors raised by the pure geometry package; the web app maps them to 4xx responses."""


class GeometryError(ValueError):
    """Input geometry is invalid or unusable; the message is safe to show to a user."""


class RouteImportError(GeometryError):
    """A route file (GeoJSON, GPX, KML) could not be turned into a line."""
