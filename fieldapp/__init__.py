"""fieldapp — safety walks on the phone, from route planning to the action list."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, has_request_context, request
from flask_babel import get_locale, refresh

from fieldapp import municipality
from fieldapp.config import load_config
from fieldapp.extensions import (
    babel,
    compress,
    csrf,
    db,
    install_spatialite_hook,
    limiter,
    login_manager,
    migrate,
)
from gis import spatialite

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


LANGUAGES = ("sv", "en")


def select_locale() -> str:
    """Language: ?lang= → cookie → Accept-Language → Swedish (also outside a request: CLI, cron)."""
    if not has_request_context():
        return "sv"
    languages = LANGUAGES
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "sv"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI, error handlers.

    Raises :class:`gis.spatialite.SpatialiteUnavailable` with a fix-it message when the
    database is SQLite and SpatiaLite cannot be loaded.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_HOPS"):  # trust X-Forwarded-For/-Proto from that many proxies (client IP, https)
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        spatialite.check_spatialite()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    municipality.check_config(app.config)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=municipality.time_zone_name)
    with app.app_context():
        install_spatialite_hook(app)

    from fieldapp import errors_http, security, ui
    from fieldapp.field import bp as field_bp
    from fieldapp.public import bp as public_bp
    from fieldapp.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(staff_bp)
    from fieldapp.open311 import bp as open311_bp

    app.register_blueprint(open311_bp)
    from fieldapp.health import bp as health_bp

    app.register_blueprint(health_bp)
    from fieldapp.api import init_api

    init_api(app)
    errors_http.register(app)
    security.register(app)
    ui.register(app)

    from fieldapp.cli import register_commands

    register_commands(app)

    @app.before_request
    def _fresh_locale() -> None:
        refresh()  # the locale is chosen per request, never carried over from an earlier one

    @app.after_request
    def _remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {"current_locale": str(get_locale()), "municipality": municipality.current()}

    return app
