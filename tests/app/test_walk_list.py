"""The staff's walk list: search and filters by text, year (Swedish time), area and status; archiving."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fieldapp.extensions import db
from fieldapp.models import Event, Walk
from fieldapp.services import walk_list


def add_walk(slug: str, title: str, area: str, starts_at: datetime | None, status: str = "closed") -> Walk:
    walk = Walk(slug=slug, title=title, area_name=area, starts_at=starts_at, status=status,
                join_token=f"token-{slug}")
    db.session.add(walk)
    db.session.commit()
    return walk


@pytest.fixture
def walks(app) -> dict[str, Walk]:
    at = functools.partial(datetime, tzinfo=UTC)
    return {
        "nodinge": add_walk("nodinge", "Nödinge centrum", "Nödinge", at(2025, 10, 15, 17, 30)),
        # 00:30 on New Year's Day in Stockholm: a 2026 walk, although 2025 in UTC.
        "newyear": add_walk("newyear", "Nyårsvandring 100%", "Nödinge", at(2025, 12, 31, 23, 30)),
        "alafors": add_walk("alafors", "Älvängen och Alafors", "Alafors", at(2026, 4, 2, 18),
                            status="open"),
        "undated": add_walk("undated", "Utan datum", "", None, status="draft"),
    }


def slugs(**args: str) -> list[str]:
    return [w.slug for w in walk_list.filter_walks(walk_list.parse_filter(args))]


def test_filters(walks) -> None:
    assert slugs() == ["alafors", "newyear", "nodinge", "undated"]
    assert slugs(q="CENTRUM") == ["nodinge"]
    assert slugs(q="nödinge") == ["newyear", "nodinge"]
    assert slugs(q="centrum") == ["nodinge"]
    assert slugs(q="100%") == ["newyear"] and slugs(q="%") == ["newyear"]  # % is a character, not a wildcard
    assert slugs(year="2026") == ["alafors", "newyear", "undated"]  # an undated draft counts by its creation
    assert slugs(year="2025") == ["nodinge"]
    assert slugs(area="Alafors") == ["alafors"]
    assert slugs(status="closed", year="2026") == ["newyear"]
    assert slugs(status="no-such", year="abc") == slugs()  # meaningless values do not filter
    assert walk_list.areas() == ["Alafors", "Nödinge"]
    assert walk_list.years()[:2] == [2026, 2025]


def test_archive_and_back(app, staff_client, walks) -> None:
    open_walk = staff_client.post("/staff/walks/alafors/archive?lang=en")
    assert open_walk.status_code == 409 and "Close it before archiving it" in open_walk.get_data(as_text=True)
    page = staff_client.get("/staff/walks/nodinge?lang=en").get_data(as_text=True)
    assert "Archive the walk" in page and "Nothing is deleted" in page
    response = staff_client.post("/staff/walks/nodinge/archive")
    assert response.status_code == 302
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.walk_id == walks["nodinge"].id))
    assert list(kinds) == ["walk_archived"]
    listing = staff_client.get("/staff/walks?lang=en").get_data(as_text=True)
    assert "/staff/walks/nodinge\"" not in listing and "3 walks" in listing
    archived = staff_client.get("/staff/walks?archived=1&lang=en").get_data(as_text=True)
    assert "/staff/walks/nodinge\"" in archived and "1 walk" in archived
    staff_client.post("/staff/walks/nodinge/unarchive")
    assert "/staff/walks/nodinge\"" in staff_client.get("/staff/walks").get_data(as_text=True)


def test_list_page_filters_from_the_query(app, staff_client, walks) -> None:
    html = staff_client.get("/staff/walks?year=2026&area=N%C3%B6dinge&lang=en").get_data(as_text=True)
    assert "/staff/walks/newyear\"" in html and "/staff/walks/nodinge\"" not in html
    assert '<option value="2026" selected>' in html and "Clear the filters" in html
    empty = staff_client.get("/staff/walks?q=zzz&lang=en").get_data(as_text=True)
    assert "No walk matches." in empty
