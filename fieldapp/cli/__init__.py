"""The ``fieldapp`` command: a Flask CLI group with the project's own commands, one module per group.

``content`` (seed, create-user, create-walk), ``exports`` (export, protocol), ``check``, ``open311``
(open311-push), ``retention`` (purge) and ``worker``. Flask adds ``run``, ``db`` (Flask-Migrate), ``shell``.
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from gis.spatialite import SpatialiteUnavailable


def register_commands(app: Flask) -> None:
    """Add every project command to ``app.cli``."""
    from fieldapp.cli.check import check_command
    from fieldapp.cli.content import create_user_command, create_walk_command, seed_command
    from fieldapp.cli.exports import export_command, protocol_command
    from fieldapp.cli.open311 import open311_push_command
    from fieldapp.cli.retention import purge_command
    from fieldapp.cli.worker import worker_command

    for command in (seed_command, create_user_command, create_walk_command, export_command, protocol_command,
                    purge_command, open311_push_command, check_command, worker_command):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from fieldapp import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``fieldapp`` console script."""
    cli = FlaskGroup(name="fieldapp", create_app=_create_app, add_version_option=False,
                     help="fieldapp — safety walks. Database: FIELDAPP_DATABASE_URL (default SpatiaLite).")
    try:
        cli.main(prog_name="fieldapp")
    except SpatialiteUnavailable as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
