"""Flask extensions, created unbound and attached in ``create_app``; the SpatiaLite hook."""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

from gis import spatialite


class Base(DeclarativeBase):
    """Declarative base for all models."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()  # text responses only (COMPRESS_MIMETYPES in config.py); photos are sent as stored


def install_spatialite_hook(app: Flask) -> None:
    """Load SpatiaLite (WAL, busy timeout, metadata) on every new SQLite connection of ``db``."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
        spatialite.prepare_connection(dbapi_conn)
