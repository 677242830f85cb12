"""gis.crs against an independent implementation of Lantmäteriet's Gauss-Krüger formulas.

Reference: Lantmäteriet, "Gauss Conformal Projection (Transverse Mercator), Krüger's Formulas"
(GRS 80; series in n for the forward and inverse projection, conformal latitude via A..D / A*..D*).
"""

from __future__ import annotations

import math

import pyproj
import pytest
import shapely
from shapely.geometry import Point

from gis import crs
from gis.crs import lonlat_to_en, parse_position
from gis.errors import GeometryError

# ---------------------------------------------------------------- Krüger's formulas (independent)

GRS80_A = 6378137.0
GRS80_F = 1 / 298.257222101


class GaussKruger:
    """Lantmäteriet's forward and inverse Gauss conformal projection on GRS 80."""

    def __init__(self, lon0_deg: float, k0: float, false_easting: float, false_northing: float = 0.0):
        self.lon0 = math.radians(lon0_deg)
        self.k0 = k0
        self.fe = false_easting
        self.fn = false_northing
        f = GRS80_F
        e2 = f * (2 - f)
        n = f / (2 - f)
        self.a_hat = GRS80_A / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
        # Geodetic -> conformal latitude.
        self.A = e2
        self.B = (5 * e2**2 - e2**3) / 6
        self.C = (104 * e2**3 - 45 * e2**4) / 120
        self.D = 1237 * e2**4 / 1260
        # Conformal -> geodetic latitude.
        self.A_star = e2 + e2**2 + e2**3 + e2**4
        self.B_star = -(7 * e2**2 + 17 * e2**3 + 30 * e2**4) / 6
        self.C_star = (224 * e2**3 + 889 * e2**4) / 120
        self.D_star = -4279 * e2**4 / 1260
        self.beta = (
            n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16 + 41 * n**4 / 180,
            13 * n**2 / 48 - 3 * n**3 / 5 + 557 * n**4 / 1440,
            61 * n**3 / 240 - 103 * n**4 / 140,
            49561 * n**4 / 161280,
        )
        self.delta = (
            n / 2 - 2 * n**2 / 3 + 37 * n**3 / 96 - n**4 / 360,
            n**2 / 48 + n**3 / 15 - 437 * n**4 / 1440,
            17 * n**3 / 480 - 37 * n**4 / 840,
            4397 * n**4 / 161280,
        )

    def forward(self, lon_deg: float, lat_deg: float) -> tuple[float, float]:
        """(lon, lat) degrees -> (easting, northing) metres."""
        phi = math.radians(lat_deg)
        s2 = math.sin(phi) ** 2
        phi_star = phi - math.sin(phi) * math.cos(phi) * (
            self.A + self.B * s2 + self.C * s2**2 + self.D * s2**3
        )
        d_lambda = math.radians(lon_deg) - self.lon0
        xi = math.atan(math.tan(phi_star) / math.cos(d_lambda))
        eta = math.atanh(math.cos(phi_star) * math.sin(d_lambda))
        x_sum = xi + sum(
            b * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, b in enumerate(self.beta, start=1)
        )
        y_sum = eta + sum(
            b * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, b in enumerate(self.beta, start=1)
        )
        northing = self.k0 * self.a_hat * x_sum + self.fn
        easting = self.k0 * self.a_hat * y_sum + self.fe
        return easting, northing

    def inverse(self, easting: float, northing: float) -> tuple[float, float]:
        """(easting, northing) metres -> (lon, lat) degrees."""
        xi = (northing - self.fn) / (self.k0 * self.a_hat)
        eta = (easting - self.fe) / (self.k0 * self.a_hat)
        xi_p = xi - sum(
            d * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, d in enumerate(self.delta, start=1)
        )
        eta_p = eta - sum(
            d * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, d in enumerate(self.delta, start=1)
        )
        phi_star = math.asin(math.sin(xi_p) / math.cosh(eta_p))
        d_lambda = math.atan(math.sinh(eta_p) / math.cos(xi_p))
        s2 = math.sin(phi_star) ** 2
        phi = phi_star + math.sin(phi_star) * math.cos(phi_star) * (
            self.A_star + self.B_star * s2 + self.C_star * s2**2 + self.D_star * s2**3
        )
        return math.degrees(self.lon0 + d_lambda), math.degrees(phi)


# Central meridians of SWEREF 99 dd mm, as the zone names (and EPSG) say: five southern, seven northern.
LOCAL_ZONE_MERIDIANS = {
    3007: 12.0,  # 12 00
    3008: 13.5,  # 13 30
    3009: 15.0,  # 15 00
    3010: 16.5,  # 16 30
    3011: 18.0,  # 18 00
    3012: 14.25,  # 14 15
    3013: 15.75,  # 15 45
    3014: 17.25,  # 17 15
    3015: 18.75,  # 18 45
    3016: 20.25,  # 20 15
    3017: 21.75,  # 21 45
    3018: 23.25,  # 23 15
}

PROJECTIONS = {
    3006: GaussKruger(15.0, 0.9996, 500000.0),
    **{epsg: GaussKruger(lon0, 1.0, 150000.0) for epsg, lon0 in LOCAL_ZONE_MERIDIANS.items()},
}

# (name, lon, lat) spread over Sweden, from Smygehuk to Treriksröset and Strömstad to Haparanda.
PLACES = [
    ("Nödinge", 12.069, 57.894),
    ("Kiruna", 20.2253, 67.8558),
    ("Malmö", 13.0038, 55.6050),
    ("Smygehuk", 13.3594, 55.3372),
    ("Göteborg", 11.9746, 57.7089),
    ("Strömstad", 11.1712, 58.9395),
    ("Stockholm", 18.0686, 59.3293),
    ("Visby", 18.2948, 57.6348),
    ("Östersund", 14.6357, 63.1792),
    ("Sundsvall", 17.3069, 62.3908),
    ("Luleå", 22.1547, 65.5848),
    ("Haparanda", 24.1365, 65.8355),
    ("Treriksröset", 20.5478, 69.0599),
]

MM = 0.001


def _projection_params(epsg: int) -> dict[str, float]:
    op = pyproj.CRS.from_epsg(epsg).coordinate_operation
    return {p.name: p.value for p in op.params}


@pytest.mark.parametrize("epsg", sorted(PROJECTIONS))
def test_reference_parameters_match_epsg_definitions(epsg: int) -> None:
    params = _projection_params(epsg)
    ref = PROJECTIONS[epsg]
    assert pyproj.CRS.from_epsg(epsg).ellipsoid.inverse_flattening == pytest.approx(1 / GRS80_F)
    assert params["Longitude of natural origin"] == pytest.approx(math.degrees(ref.lon0))
    assert params["Scale factor at natural origin"] == ref.k0
    assert params["False easting"] == ref.fe
    assert params["False northing"] == ref.fn
    assert params["Latitude of natural origin"] == 0.0


def test_zone_names_encode_central_meridian() -> None:
    for epsg, lon0 in LOCAL_ZONE_MERIDIANS.items():
        degrees, minutes = divmod(round(lon0 * 60), 60)
        assert pyproj.CRS.from_epsg(epsg).name == f"SWEREF99 {degrees:02d} {minutes:02d}"


def test_constants() -> None:
    assert crs.WGS84 == 4326
    assert crs.SWEREF99_TM == 3006
    assert crs.SWEREF99_LOCAL_ZONES == tuple(range(3007, 3019))
    assert crs.EXPORT_CRS == (4326, 3006, *range(3007, 3019))


@pytest.mark.parametrize("epsg", sorted(PROJECTIONS))
@pytest.mark.parametrize(("name", "lon", "lat"), PLACES, ids=[p[0] for p in PLACES])
def test_forward_matches_kruger_within_a_millimetre(epsg: int, name: str, lon: float, lat: float) -> None:
    expected_e, expected_n = PROJECTIONS[epsg].forward(lon, lat)
    easting, northing = crs.lonlat_to_en(lon, lat, epsg)
    assert abs(easting - expected_e) <= MM, name
    assert abs(northing - expected_n) <= MM, name


@pytest.mark.parametrize("epsg", sorted(PROJECTIONS))
@pytest.mark.parametrize(("name", "lon", "lat"), PLACES, ids=[p[0] for p in PLACES])
def test_inverse_matches_kruger(epsg: int, name: str, lon: float, lat: float) -> None:
    easting, northing = PROJECTIONS[epsg].forward(lon, lat)
    ref_lon, ref_lat = PROJECTIONS[epsg].inverse(easting, northing)
    assert ref_lon == pytest.approx(lon, abs=1e-9)  # the reference itself round-trips
    assert ref_lat == pytest.approx(lat, abs=1e-9)
    got_lon, got_lat = crs.en_to_lonlat(easting, northing, epsg)
    # 1e-8 degrees is about 1 mm on the ground.
    assert got_lon == pytest.approx(ref_lon, abs=1e-8), name
    assert got_lat == pytest.approx(ref_lat, abs=1e-8), name


def test_noedinge_in_sweref99_tm_and_zone_1200() -> None:
    # Nödinge (Ale) lies in the Göteborg region zone, SWEREF 99 12 00.
    e_tm, n_tm = crs.lonlat_to_en(12.069, 57.894)
    assert 326_000 < e_tm < 327_000 and 6_420_000 < n_tm < 6_421_000
    e_12, n_12 = crs.lonlat_to_en(12.069, 57.894, 3007)
    assert 154_000 < e_12 < 155_000 and 6_419_000 < n_12 < 6_420_000


@pytest.mark.parametrize("epsg", crs.EXPORT_CRS[1:])
@pytest.mark.parametrize(("name", "lon", "lat"), PLACES, ids=[p[0] for p in PLACES])
def test_round_trip(epsg: int, name: str, lon: float, lat: float) -> None:
    back_lon, back_lat = crs.en_to_lonlat(*crs.lonlat_to_en(lon, lat, epsg), epsg)
    assert abs(back_lon - lon) <= 1e-9, name
    assert abs(back_lat - lat) <= 1e-9, name


def test_transform_linestring() -> None:
    line = shapely.LineString([(12.069, 57.894), (12.08, 57.90), (18.0686, 59.3293)])
    projected = crs.transform(line, crs.WGS84, crs.SWEREF99_TM)
    expected = shapely.LineString([PROJECTIONS[3006].forward(x, y) for x, y in line.coords])
    assert projected.geom_type == "LineString"
    assert projected.equals_exact(expected, tolerance=MM)
    back = crs.transform(projected, crs.SWEREF99_TM, crs.WGS84)
    assert back.equals_exact(line, tolerance=1e-9)


def test_transform_keeps_z_and_handles_polygons() -> None:
    poly = shapely.Polygon([(12.0, 57.0, 5.0), (12.1, 57.0, 6.0), (12.1, 57.1, 7.0), (12.0, 57.0, 5.0)])
    projected = crs.transform(poly, 4326, 3007)
    assert projected.has_z
    assert list(shapely.get_coordinates(projected, include_z=True)[:, 2]) == [5.0, 6.0, 7.0, 5.0]
    assert projected.exterior.coords[1][:2] == pytest.approx(PROJECTIONS[3007].forward(12.1, 57.0), abs=MM)


def test_transform_same_crs_returns_input() -> None:
    point = shapely.Point(12.0, 57.0)
    assert crs.transform(point, 4326, 4326) is point


def test_transformer_is_cached_and_lon_lat_ordered() -> None:
    assert crs.transformer(4326, 3006) is crs.transformer(4326, 3006)
    easting, northing = crs.transformer(4326, 3006).transform(15.0, 60.0)
    assert easting == pytest.approx(500_000.0, abs=MM)  # on the central meridian
    assert northing > 6_000_000


@pytest.mark.parametrize("epsg", crs.EXPORT_CRS)
def test_check_export_crs_accepts(epsg: int) -> None:
    assert crs.check_export_crs(epsg) == epsg


@pytest.mark.parametrize("epsg", [3857, 2400, 3019, 3021, 0, -1, "abc"])
def test_check_export_crs_refuses(epsg: int) -> None:
    with pytest.raises(GeometryError) as info:
        crs.check_export_crs(epsg)
    assert "EPSG" in str(info.value) or "not a coordinate system code" in str(info.value)


@pytest.mark.parametrize("text", ["57.8945, 12.0688", "57,8945 12,0688", "N 57.8945 E 12.0688",
                                  "57.8945,12.0688", "57,8945; 12,0688"])
def test_typed_wgs84_positions_are_latitude_first(text: str) -> None:
    assert parse_position(text).equals_exact(Point(12.0688, 57.8945), 1e-9)


@pytest.mark.parametrize("order", ["N {n:.1f} E {e:.1f}", "{n:.1f}, {e:.1f}", "E {e:.1f} N {n:.1f}"])
def test_typed_sweref_positions_in_either_order(order: str) -> None:
    easting, northing = lonlat_to_en(12.0688, 57.8945)
    point = parse_position(order.format(n=northing, e=easting))
    assert abs(point.x - 12.0688) < 1e-6 and abs(point.y - 57.8945) < 1e-6


@pytest.mark.parametrize("text", ["", "57.89", "1 2 3", "abc", "100000, 200000", "6421234, 99"])
def test_unreadable_positions_are_refused(text: str) -> None:
    with pytest.raises(GeometryError):
        parse_position(text)
