"""The protocol as a printed document, checked on the PDF's text: the walk's facts, the reason column,
places far from stops, long Swedish words hyphenated (never cut), the summary on page 1 and the map on
a page of its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from shapely.geometry import Point

from fieldapp.extensions import db
from fieldapp.models import Measure, ResponsibleParty
from gis import convert, crs
from tests.app.test_exports import SLUG, Prepared, prepare_walk

LONG_WORD = "Samhällsbyggnadsförvaltningen"


def pdf_pages(path: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True)
    return done.stdout.split("\f")


def far_from_stops(prepared: Prepared) -> tuple[Point, tuple[int, int]]:
    """A point on the route more than 150 m from every stop, and the two stops it lies between."""
    walk = prepared.walk
    route = crs.transform(convert.to_geom(walk.route.geom_el), crs.WGS84, crs.SWEREF99_TM)
    stops = [
        (stop.seq, crs.transform(convert.to_geom(stop.geom_el), crs.WGS84, crs.SWEREF99_TM))
        for stop in walk.stops
    ]
    along = sorted((route.project(point), seq) for seq, point in stops)
    for (a, first), (b, second) in zip(along, along[1:], strict=False):
        spot = route.interpolate((a + b) / 2)
        if min(spot.distance(point) for _, point in stops) > 160:
            return crs.transform(spot, crs.SWEREF99_TM, crs.WGS84), (min(first, second), max(first, second))
    raise AssertionError("the demo route has no stretch 320 m long between two stops")


def test_protocol_pdf_reads_as_a_board_document(app, runner, tmp_path) -> None:
    prepared = prepare_walk()
    walk = prepared.walk
    walk.organizer = "Anna Andersson, Ale kommun"
    walk.contact = "trygghet@ale.se"
    walk.organisations = "Polisen\nAlebyggen\nNödinge IF"
    walk.head_count = 23
    walk.case_number = "KS 2026/0412"
    walk.weather = "Mulet, 4 °C"
    owner = ResponsibleParty(name=LONG_WORD, kind="municipal")
    db.session.add(owner)
    db.session.flush()
    rejected = db.session.scalar(db.select(Measure).where(Measure.status == "rejected"))
    rejected.responsible_party_id = owner.id
    rejected.public_answer = "Vi har bett Trafikverket se över belysningen"
    far = prepared.visible[6]
    spot, (first, second) = far_from_stops(prepared)
    far.geom_el = convert.to_element(spot)
    far.stop_id = None
    db.session.commit()

    html = runner.invoke(args=["protocol", SLUG, "--lang", "en", "-o", str(tmp_path / "p.html")])
    assert html.exit_code == 0, html.output
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    reason_cells = re.findall(r'<td data-label="Reason">([^<]*)</td>', page)
    assert "Trafikverket äger tunneln" in reason_cells
    assert not any("Vi har bett" in cell for cell in reason_cells)  # the public answer is not the reason
    assert "Answer to the public:</strong> Vi har bett Trafikverket se över belysningen" in page

    result = runner.invoke(args=["protocol", SLUG, "--pdf", "--lang", "en", "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(tmp_path / "p.pdf")
    text = " ".join(" ".join(pages).split())
    facts = ("Case number KS 2026/0412", "23 people walked", "Anna Andersson, Ale kommun", "trygghet@ale.se",
             "Polisen, Alebyggen, Nödinge IF", "Mulet, 4 °C")
    for fact in facts:
        assert fact in text, fact
    assert f"Between stop {first} and {second}" in text
    for metres in re.findall(r"Near stop \d+: [^()]*\((\d+) m\)", text):
        assert int(metres) <= 150, metres
    # The long owner's name is whole or hyphenated at a syllable, never cut without a hyphen.
    lines = [line.strip() for p in pages for line in p.splitlines()]
    for line in lines:
        last = line.split(" ")[-1] if line else ""
        if last and last != LONG_WORD and LONG_WORD.startswith(last) and len(last) >= 3:
            raise AssertionError(f"{LONG_WORD} cut without a hyphen: {line!r}")
    joined = re.sub(r"[-\u2010\u00ad]\n", "", "\n".join(lines))  # hyphenated at a line end: whole again
    assert LONG_WORD in joined
    # Printed layout: facts, purpose, participants and summary on page 1, the whole map on page 2 (after the
    # summary's last rows if they spill over; never a near-empty page before it), the action list next.
    assert "3. Summary by category" in pages[0] and "4. Route and findings" not in pages[0]
    assert "4. Route and findings" in pages[1] and "100 m" in pages[1]  # the map's scale bar: all of it
    assert "5. Action list" in pages[2]
