"""``fieldapp seed``, ``create-user`` and ``create-walk``: put categories, accounts and walks in place."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from fieldapp.errors import DomainError
from gis.errors import GeometryError


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("seed")
@click.option("--demo", "with_demo", is_flag=True,
              help="Also add the demo walk and a demo organizer (only when FIELDAPP_ENV=development).")
def seed_command(with_demo: bool) -> None:
    """Add the default finding categories; with --demo also demo content (development databases only)."""
    from fieldapp.services.categories import ensure_default_categories
    from fieldapp.services.demo import seed_demo

    if not with_demo:
        ensure_default_categories()
        click.echo("Default categories are in place. Add --demo for demo content (development only).")
        return
    try:
        result = seed_demo()
    except DomainError as err:
        _fail(err.message)
    click.echo(f"Demo walk: {result.walk.title} ({result.walk.slug}) — DEMO DATA")
    click.echo(f"Walk page: {current_app.config['PUBLIC_URL']}/w/{result.walk.slug}")
    click.echo(f"Join link: {result.join_url}")
    if result.password is not None:
        click.echo(f"Demo staff login (shown only now): {result.email} / {result.password}")
    else:
        click.echo(f"Demo staff login: {result.email} (its password was shown when it was created; "
                   "or make your own account with `fieldapp create-user`)")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["organizer", "admin"]), default="organizer", show_default=True)
@click.option("--name", default="")
def create_user_command(email: str, password: str, role: str, name: str) -> None:
    """Create a staff account."""
    from fieldapp.services.users import create_user

    try:
        user = create_user(email, password, role=role, name=name)
    except DomainError as err:
        _fail(err.message)
    click.echo(f"Created {user.role} {user.email}")


@click.command("create-walk")
@click.option("--title", required=True)
@click.option(
    "--route",
    "route_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="GeoJSON, GPX or KML file with the route.",
)
@click.option("--area", default="")
@click.option("--open", "open_walk", is_flag=True, help="Open the walk for findings right away.")
def create_walk_command(title: str, route_file: Path, area: str, open_walk: bool) -> None:
    """Create a walk from a route file; prints its slug and join link."""
    from fieldapp.services.categories import ensure_default_categories
    from fieldapp.services.walks import create_walk, join_url, route_geom
    from gis import routes
    from gis.routes import parse_route

    try:
        route = parse_route(route_file.read_bytes(), route_file.name)
        ensure_default_categories()
        walk = create_walk(title, route=route, route_source=route_file.name, area_name=area,
                           status="open" if open_walk else "draft")
    except (GeometryError, DomainError) as err:
        _fail(str(err))
    click.echo(f"Slug: {walk.slug}")
    click.echo(f"Route length: {walk.route.length_m:.0f} m")
    stored_points = routes.point_count(route_geom(walk))
    if stored_points < routes.point_count(route):
        click.echo(f"Route simplified from {routes.point_count(route)} to {stored_points} points.")
    click.echo(f"Join link: {join_url(walk, current_app.config['PUBLIC_URL'])}")
