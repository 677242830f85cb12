"""The protocol's printed map: a finding never covers a stop or another finding, and the scale bar goes into
a corner where it hides nothing (pure geometry, no database)."""

from __future__ import annotations

import math

from shapely.geometry import LineString

from fieldapp.exporters.rows import FindingRow, StopRow
from fieldapp.services.protocol_map import MARKER_R, STOP_R, MapSvg, build_map


def finding(number: int, lon: float, lat: float) -> FindingRow:
    return FindingRow(
        number, number, f"uuid-{number}", "lighting", "Belysning", "unsafe", 1, None, "", "", "gps", 5.0,
        None, lon, lat, 0.0, 0.0, 3006, None, "", False, None, 1, 0,
    )


def scale_box(m: MapSvg) -> tuple[float, float, float, float]:
    return m.scale_x, m.scale_y, m.scale_x + m.scale_px + 24, m.scale_y + 30


def test_findings_on_stops_and_on_each_other_are_moved_apart_with_a_leader() -> None:
    stops = [StopRow(1, "Torget", 12.0600, 57.8950), StopRow(2, "Skolan", 12.0650, 57.8980)]
    route = LineString([(12.0590, 57.8940), (12.0600, 57.8950), (12.0650, 57.8980), (12.0660, 57.8990)])
    # Three findings exactly on stop 1, two on stop 2, four stacked on one spot between them.
    rows = [finding(1, 12.0600, 57.8950), finding(2, 12.0600, 57.8950), finding(3, 12.0600, 57.8950),
            finding(4, 12.0650, 57.8980), finding(5, 12.0650, 57.8980)]
    rows += [finding(n, 12.0625, 57.8965) for n in range(6, 10)]
    m = build_map(route, stops, rows)
    assert m is not None and m.numbered
    for marker in m.findings:
        for x, y, _, _ in m.stops:
            assert math.dist((marker.label_x, marker.label_y), (x, y)) >= MARKER_R + STOP_R, marker
        assert MARKER_R <= marker.label_x <= m.width - MARKER_R
        assert MARKER_R <= marker.label_y <= m.height - MARKER_R
    labels = [(f.label_x, f.label_y) for f in m.findings]
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert math.dist(a, b) >= 2 * MARKER_R
    # Moved markers keep their true spot (drawn with a leader line): the stacked four share one point.
    assert {(f.x, f.y) for f in m.findings if f.number >= 6} == {(m.findings[5].x, m.findings[5].y)}


def test_the_scale_bar_goes_to_a_free_corner() -> None:
    # A route whose start (stop 1) lies in the bottom left corner, where the scale bar used to be drawn.
    stops = [StopRow(1, "Start", 12.0000, 57.9000), StopRow(2, "Mitten", 12.0100, 57.9050)]
    route = LineString([(12.0000, 57.9000), (12.0100, 57.9050), (12.0200, 57.9100)])
    rows = [finding(1, 12.0005, 57.9002)]
    m = build_map(route, stops, rows)
    assert m is not None
    x0, y0, x1, y1 = scale_box(m)
    things = [(x, y, STOP_R) for x, y, _, _ in m.stops]
    things += [(f.label_x, f.label_y, MARKER_R) for f in m.findings]
    for x, y, r in things:
        assert not (x0 - r <= x <= x1 + r and y0 - r <= y <= y1 + r), (x, y, (x0, y0, x1, y1))
    assert (x0, y1) != (16, m.height - 16 + 6)  # not the bottom left corner, which stop 1 occupies
