"""The fieldapp command: seed --demo (idempotent), create-walk from route files, create-user."""
from __future__ import annotations

import re

import sqlalchemy as sa

from fieldapp.extensions import db
from fieldapp.models import Finding, Photo, Stop, User, Walk
from tests.conftest import FIXTURES


def test_seed_demo_is_idempotent_and_prints_join_link_and_login_once(runner) -> None:
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert re.search(r"^Join link: http://fieldapp\.test/j/\S+$", first.output, re.M)
    login = re.search(r"^Demo staff login \(shown only now\): (\S+) / (\S+)$", first.output, re.M)
    assert login
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0
    assert login.group(2) not in second.output
    assert (
        re.search(r"^Join link: http://fieldapp\.test/j/\S+$", second.output, re.M).group(0) in first.output
    )
    assert db.session.scalar(sa.select(sa.func.count(Walk.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Finding.id))) >= 12
    assert 6 <= db.session.scalar(sa.select(sa.func.count(Stop.id))) <= 8
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) >= 2
    codes = set(db.session.scalars(sa.select(Finding.category_id)))
    assert len(codes) >= 8

    from fieldapp.services.users import authenticate

    assert authenticate(login.group(1), login.group(2)) is not None


def test_create_walk_from_gpx(runner) -> None:
    result = runner.invoke(args=["create-walk", "--title", "Slingan test",
                                 "--route", str(FIXTURES / "gpx" / "track.gpx")])
    assert result.exit_code == 0, result.output
    slug = re.search(r"^Slug: (\S+)$", result.output, re.M).group(1)
    assert re.search(r"^Join link: http://fieldapp\.test/j/\S+$", result.output, re.M)
    walk = db.session.scalar(sa.select(Walk).where(Walk.slug == slug))
    assert walk.route.length_m > 100


def test_create_walk_refuses_a_file_without_a_route(runner) -> None:
    result = runner.invoke(args=["create-walk", "--title", "Waypoints only",
                                 "--route", str(FIXTURES / "gpx" / "waypoints.gpx")])
    assert result.exit_code != 0
    assert "no track or route" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(Walk.id))) == 0


def test_create_user_and_duplicate(runner) -> None:
    ok = runner.invoke(args=["create-user", "--email", "Anna@Ale.se", "--password", "long enough pw",
                             "--role", "admin"])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "anna@ale.se" and user.role == "admin" and user.password_hash != "long enough pw"
    again = runner.invoke(args=["create-user", "--email", "anna@ale.se", "--password", "long enough pw"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-user", "--email", "b@ale.se", "--password", "short"])
    assert short.exit_code != 0 and "10" in short.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_item6_huge_route_is_simplified_by_create_walk(runner, tmp_path) -> None:
    """Security review item 6: the CLI stores a very detailed track simplified, and says so."""
    from gis import convert, routes
    from tests.gis.test_routes import gpx_of, wiggly_track

    track = tmp_path / "dagens-spar.gpx"
    track.write_bytes(gpx_of(wiggly_track(60_000)))
    result = runner.invoke(args=["create-walk", "--title", "Detaljerat spår", "--route", str(track)])
    assert result.exit_code == 0, result.output
    stored = re.search(r"^Route simplified from 60000 to (\d+) points\.$", result.output, re.M)
    assert stored and int(stored.group(1)) <= routes.MAX_STORED_POINTS
    walk = db.session.scalar(sa.select(Walk).where(Walk.title == "Detaljerat spår"))
    assert len(convert.to_geom(walk.route.geom_el).coords) == int(stored.group(1))

    huge = tmp_path / "huge.gpx"
    huge.write_bytes(gpx_of(wiggly_track(routes.MAX_ROUTE_POINTS + 1)))
    refused = runner.invoke(args=["create-walk", "--title", "För stort", "--route", str(huge)])
    assert refused.exit_code != 0 and "100001 points" in refused.output and "Traceback" not in refused.output
