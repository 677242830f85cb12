"""The one background job system (DESIGN §15): Huey, with SQLite storage by default, Redis when configured.

Anything that must not run inside a request (protocol PDFs now; detection, Open311, mail, purge later)
is a job. Define one in a module listed in ``TASK_MODULES``::

    from fieldapp.jobs import job, periodic_job, crontab

    @job()
    def send_mail(message_id: int) -> None: ...          # enqueue(send_mail, 42) from a service

    @periodic_job(crontab(hour="3", minute="0"))
    def purge() -> None: ...                              # the worker runs it daily at 03:00 (UTC)

Each application gets its own Huey instance, built on first use from ``JOBS_URL``
(``sqlite:///path`` — the default, a file in instance/ — or ``redis://…``; FIELDAPP_JOBS_URL, else
FIELDAPP_REDIS_URL, else the SQLite file). Jobs run inside an application context and a request context
for ``PUBLIC_URL`` (templates and ``url_for`` work as in a request). Arguments must be plain values
(ids, strings): queued jobs are pickled into the storage and survive a worker restart. Jobs must be
idempotent: a job can run twice (a re-enqueued job, a retry), and the second run must change nothing.
"""

from __future__ import annotations

import functools
import importlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from redis.exceptions import RedisError

__all__ = ["crontab", "enqueue", "huey_for", "job", "periodic_job", "request_context", "ThreadConsumer"]

TASK_MODULES = ("fieldapp.jobs.tasks",)
EXTENSION_KEY = "fieldapp_jobs"
log = logging.getLogger(__name__)
# What enqueueing raises when the queue storage cannot be reached.
QUEUE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, RedisError)


@dataclass(frozen=True)
class _JobSpec:
    func: Callable[..., Any]
    options: dict[str, Any]
    schedule: Callable | None = None  # a crontab() for periodic jobs


_SPECS: dict[str, _JobSpec] = {}


def job(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job (Huey ``task`` options: retries, retry_delay, priority…); the function is unchanged."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _SPECS[func.__name__] = _JobSpec(func, options)
        return func

    return register


def periodic_job(schedule: Callable, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job the worker runs on ``schedule`` (``crontab(...)``, evaluated in UTC)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _SPECS[func.__name__] = _JobSpec(func, options, schedule)
        return func

    return register


@dataclass
class _Jobs:
    huey: Huey
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)


def _build_huey(app: Flask) -> Huey:
    url = app.config["JOBS_URL"]
    parts = urlsplit(url)
    name = app.config.get("JOBS_QUEUE_NAME", "fieldapp")
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, url=url, results=False)
    if parts.scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    raise ValueError(f"FIELDAPP_JOBS_URL must be sqlite:///<file> or redis://…, not {url!r}")


@contextmanager
def request_context(app: Flask, lang: str = "sv") -> Iterator[None]:
    """An app and request context as a request for PUBLIC_URL in ``lang`` would have (no user, no cookies)."""
    with app.app_context(), app.test_request_context(f"/?lang={lang}", base_url=app.config["PUBLIC_URL"]):
        yield


def _in_app(app: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with request_context(app):
            return func(*args, **kwargs)

    return run


def huey_for(app: Flask | None = None) -> Huey:
    """The application's Huey instance (built on first use, with every job registered)."""
    return _jobs(app or current_app._get_current_object()).huey  # type: ignore[attr-defined]


def _jobs(app: Flask) -> _Jobs:
    jobs: _Jobs | None = app.extensions.get(EXTENSION_KEY)
    if jobs is None:
        for module in TASK_MODULES:
            importlib.import_module(module)
        jobs = _Jobs(_build_huey(app))
        for name, spec in _SPECS.items():
            decorate = (
                jobs.huey.periodic_task(spec.schedule, name=name, **spec.options)
                if spec.schedule is not None
                else jobs.huey.task(name=name, **spec.options)
            )
            jobs.tasks[name] = decorate(_in_app(app, spec.func))
        app.extensions[EXTENSION_KEY] = jobs
    return jobs


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Put ``func(*args)`` (a declared job) on the current application's queue."""
    _jobs(current_app._get_current_object()).tasks[func.__name__](*args)  # type: ignore[attr-defined]


class ThreadConsumer(Consumer):
    """Huey's consumer without signal handlers, so it can run in a thread (tests, benchmarks)."""

    def _set_signal_handlers(self) -> None:
        """Signals belong to the main thread's owner; ``stop()`` ends this consumer."""
