"""Fixtures that run each app test on SpatiaLite and on PostGIS (as GeoAlchemy2's own tests do).

The schema is built once per backend and session with the real Alembic migrations; each test then
gets a clean database: a copy of the migrated SpatiaLite file, or truncated PostGIS tables.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from tests.conftest import skip_or_fail

BACKENDS = ("spatialite", "postgis")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://fieldapp:fieldapp@127.0.0.1:5432/fieldapp_test"
NOT_TRUNCATED = {"spatial_ref_sys", "alembic_version"}


def postgres_url() -> str:
    return os.environ.get("FIELDAPP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


class IsolatedClient(FlaskClient):
    """A test client whose requests never see another client's login.

    Tests keep one app context open (for db.session), and Flask reuses it for requests, so
    per-request caches in ``g`` (Flask-Login's current user) would leak between clients.
    """

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        try:
            return super().open(*args, **kwargs)
        finally:
            g.pop("_login_user", None)


def make_app(database_url: str, upload_dir: Path, **extra) -> Flask:
    from fieldapp import create_app

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_DIR": str(upload_dir),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://fieldapp.test",
        "ENVIRONMENT": "development",  # test databases are development ones: seed_demo() may run
        "JOBS_URL": f"sqlite:///{upload_dir.parent / 'jobs.sqlite'}",  # this test's own queue
        "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",  # no internet in tests: a closed port
    }
    config.update(extra)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def spatialite_available(config: pytest.Config) -> None:
    from gis.spatialite import SpatialiteUnavailable, check_spatialite

    try:
        check_spatialite()
    except SpatialiteUnavailable as err:
        skip_or_fail(config, str(err))


def postgis_available(config: pytest.Config) -> None:
    engine = sa.create_engine(postgres_url())
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar()
    except sa.exc.SQLAlchemyError as err:
        skip_or_fail(config, f"PostGIS not reachable at {postgres_url()}: {err.__class__.__name__}")
    finally:
        engine.dispose()
    assert version


@pytest.fixture(scope="session")
def spatialite_template(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """A SpatiaLite file migrated to head once; tests get copies."""
    spatialite_available(pytestconfig)
    folder = tmp_path_factory.mktemp("spatialite-template")
    path = folder / "template.sqlite"
    app = make_app(f"sqlite:///{path}", folder / "uploads")
    migrate_to_head(app)
    with app.app_context():
        from fieldapp.extensions import db

        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return path


def reset_postgis_schema(url: str) -> None:
    """Drop every table of ours (not PostGIS's) so migrations start from empty."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = current_schema() AND tablename <> 'spatial_ref_sys'"
                )
            )
            .scalars()
            .all()
        )
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def postgis_migrated(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> str:
    postgis_available(pytestconfig)
    url = postgres_url()
    reset_postgis_schema(url)
    app = make_app(url, tmp_path_factory.mktemp("pg-uploads"))
    migrate_to_head(app)
    with app.app_context():
        from fieldapp.extensions import db

        db.engine.dispose()
    return url


def truncate_postgis(app: Flask) -> None:
    from fieldapp.extensions import db

    tables = [t.name for t in db.metadata.sorted_tables if t.name not in NOT_TRUNCATED]
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@contextmanager
def fresh_database(backend: str, folder: Path, config: pytest.Config) -> Iterator[str]:
    """URL of an empty database: a new SpatiaLite file, or a new PostgreSQL schema (PostGIS stays in
    public)."""
    if backend == "spatialite":
        spatialite_available(config)
        yield f"sqlite:///{folder / f'fresh-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    postgis_available(config)
    schema = f"fresh_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(postgres_url())
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgres_url()}?options=-csearch_path%3D{schema},public"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "spatialite":
        template = request.getfixturevalue("spatialite_template")
        path = tmp_path / "test.sqlite"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgis_migrated")


@pytest.fixture
def app(database_url: str, backend: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path / "uploads")
    if backend == "postgis":
        with application.app_context():
            truncate_postgis(application)
    with application.app_context():
        yield application
        from fieldapp.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def limited_app_config() -> dict:
    """Extra settings for ``limited_app``; a test module overrides this fixture to set its own limits."""
    return {}


@pytest.fixture
def limited_app(database_url: str, backend: str, tmp_path: Path, limited_app_config: dict) -> Iterator[Flask]:
    """An app with its rate limits on (in memory), for the tests of the limits themselves."""
    application = make_app(database_url, tmp_path / "uploads", RATELIMIT_ENABLED=True,
                           RATELIMIT_STORAGE_URI="memory://", **limited_app_config)
    with application.app_context():
        if backend == "postgis":
            truncate_postgis(application)
        yield application
        from fieldapp.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def organizer(app: Flask):
    from fieldapp.services.users import create_user

    return create_user("organizer@example.se", "correct horse battery", role="organizer", name="Org")


@pytest.fixture
def staff_client(client: FlaskClient, organizer) -> FlaskClient:
    response = client.post("/staff/login", data={"email": "organizer@example.se",
                                                 "password": "correct horse battery"})
    assert response.status_code == 302
    return client


class Worker:
    """The real job queue's consumer (fieldapp.jobs, a temp SQLite Huey file) in a thread of the test.

    Nothing runs until ``run_until_idle()``, so a test can look at the state before the worker ran.
    """

    def __init__(self, app: Flask):
        from fieldapp.jobs import ThreadConsumer, huey_for

        self.app = app
        self.huey = huey_for(app)
        self.consumer = ThreadConsumer(self.huey, workers=1, periodic=False, worker_type="thread",
                                       initial_delay=0.02, max_delay=0.1)
        self.started = False
        self.running: set[str] = set()
        import threading

        self.lock = threading.Lock()
        from huey import signals

        # A failing job with retries left sends both ERROR and RETRYING: count running jobs by id, not by
        # signal, or the second signal would make the count negative and the queue never look idle.
        @self.huey.signal(signals.SIGNAL_EXECUTING)
        def _executing(signal, task, *args, **kwargs):  # noqa: ANN001, ANN202
            with self.lock:
                self.running.add(task.id)

        @self.huey.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_RETRYING,
                          signals.SIGNAL_CANCELED, signals.SIGNAL_LOCKED, signals.SIGNAL_INTERRUPTED)
        def _done(signal, task, *args, **kwargs):  # noqa: ANN001, ANN202
            with self.lock:
                self.running.discard(task.id)

    def start(self) -> None:
        """Start consuming (once), without waiting."""
        if not self.started:
            self.consumer.start()
            self.started = True

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Start the consumer (once) and wait until the queue is empty and no job is running."""
        import time

        from fieldapp.extensions import db

        self.start()
        deadline = time.monotonic() + timeout
        idle_checks = 0
        while idle_checks < 3:  # idle three times in a row: no job between dequeue and start slips by
            assert time.monotonic() < deadline, "the job queue did not drain in time"
            time.sleep(0.05)
            idle_checks = idle_checks + 1 if not (self.huey.pending_count() or self.running) else 0
        db.session.expire_all()  # the test's session must see what the worker committed

    def stop(self) -> None:
        if self.started:
            self.consumer.stop(graceful=True)


@pytest.fixture
def worker(app: Flask) -> Iterator[Worker]:
    running = Worker(app)
    yield running
    running.stop()


def fetch_pdf(client: FlaskClient, worker: Worker, url: str):  # noqa: ANN201 - a test response
    """A protocol PDF the way users get it: asked for (queued, never rendered during the request: a
    redirect to the status page for staff drafts, 503 for a published version), made by the worker,
    then served from storage."""
    first = client.get(url)
    assert first.status_code in (302, 503), (first.status_code, first.get_data(as_text=True)[:300])
    worker.run_until_idle()
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return response


@pytest.fixture
def mailbox(app: Flask):  # noqa: ANN201 - a tests.mailbox.Mailbox
    """A real SMTP server in the test (aiosmtpd) that the app's mails go to (sent by the job queue)."""
    from tests.mailbox import Mailbox

    box = Mailbox().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, SMTP_SECURITY="none",
                      MAIL_FROM="trygghet@kommun.example")
    yield box
    box.stop()
