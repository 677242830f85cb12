"""The printed invitation: one A4 page whatever the walk, a street map from the configured tile source (a
local tile server here) or a plain vector map without it, and a QR code big enough to scan from arm's
length that decodes to the join link."""

from __future__ import annotations

import io
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from fieldapp.extensions import db
from fieldapp.services.demo import seed_demo
from fieldapp.services.walks import join_url

MIN_QR_MM = 40  # a phone camera reads a code of about a tenth of its distance: 40-50 mm at arm's length


def tile_png() -> bytes:
    """A street-map-like tile: pale ground with dark grey 'streets'."""
    image = Image.new("RGB", (256, 256), "#f2efe9")
    draw = ImageDraw.Draw(image)
    for offset in (40, 128, 200):
        draw.line([(0, offset), (256, offset)], fill="#777777", width=6)
        draw.line([(offset, 0), (offset, 256)], fill="#777777", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A local XYZ tile server: (URL template, the paths it was asked for)."""
    requested: list[str] = []
    body = tile_png()

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", requested
    server.shutdown()
    server.server_close()


def invitation_pdf(client, slug: str, tmp_path: Path) -> tuple[pypdf.PdfReader, Path]:
    response = client.get(f"/staff/walks/{slug}/invitation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "invitation.pdf"
    path.write_bytes(response.get_data())
    return pypdf.PdfReader(path), path


def scan_qr(pdf: Path, tmp_path: Path, dpi: int = 150) -> tuple[str, float]:
    """The text of the QR code on the printed page and its printed width in millimetres."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(pdf), str(tmp_path / "page")],
                   check=True)
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    qr = [c for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1, codes
    position = qr[0].position
    left = min(position.top_left.x, position.bottom_left.x)
    width_px = max(position.top_right.x, position.bottom_right.x) - left
    return qr[0].text, width_px / dpi * 25.4


def test_invitation_is_one_page_with_a_street_map_and_a_scannable_qr(
    app, staff_client, tile_server, tmp_path
) -> None:
    url_template, requested = tile_server
    app.config["TILE_URL"] = url_template
    walk = seed_demo().walk
    reader, path = invitation_pdf(staff_client, walk.slug, tmp_path)
    assert len(reader.pages) == 1
    assert requested and all(p.endswith(".png") for p in requested)
    images = reader.pages[0].images
    assert len(images) == 1  # the street map under the route
    street_map = images[0].image.convert("RGB")
    assert street_map.getpixel((5, 5)) in ((0xF2, 0xEF, 0xE9), (0x77, 0x77, 0x77))  # our tiles, not blank
    text, width_mm = scan_qr(path, tmp_path)
    assert text == join_url(walk, app.config["PUBLIC_URL"])
    assert width_mm >= MIN_QR_MM, width_mm
    page = pypdf.PdfReader(path).pages[0].extract_text()
    assert walk.title.split(":")[0] in page and "Ale torg, vid huvudentrén" in page


def test_without_tiles_the_map_is_plain_vector_and_still_one_page(app, staff_client, tmp_path) -> None:
    app.config["TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # nothing listens there
    walk = seed_demo().walk
    walk.purpose = "Vi vill veta var det känns otryggt att gå på kvällen och varför. " * 25  # a long purpose
    db.session.commit()
    reader, path = invitation_pdf(staff_client, walk.slug, tmp_path)
    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 0  # no street picture: the route drawn on a plain background
    page = staff_client.get(f"/staff/walks/{walk.slug}/invitation").get_data(as_text=True)
    assert 'class="route-svg"' in page and "street-map" not in page
    text, width_mm = scan_qr(path, tmp_path)
    assert text == join_url(walk, app.config["PUBLIC_URL"]) and width_mm >= MIN_QR_MM
