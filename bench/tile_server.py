"""A map tile server on a local port, in a thread: every /{z}/{x}/{y}.png is a small generated PNG.

Used by the field page benchmark (tiles of a realistic size compete for the slow-3G bandwidth) and by the
tile pre-cache browser test (it records which tiles were asked for). Never a public tile server.
"""
from __future__ import annotations

import io
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image

TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def tile_png(noise_rows: int = 2, seed: int = 7) -> bytes:
    """A 256×256 PNG: a light map-like background with ``noise_rows`` rows of noise (size grows with them)."""
    pixels = np.full((256, 256, 3), (232, 228, 218), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    pixels[:noise_rows] = rng.integers(150, 255, size=(noise_rows, 256, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


class TileServer:
    """Serves ``tile_png`` at every tile path; ``requested`` holds the (z, x, y) asked for, in order."""

    def __init__(self, body: bytes | None = None) -> None:
        self.body = body if body is not None else tile_png()
        self.requested: list[tuple[int, int, int]] = []
        self.delay_s = 0.0  # per tile, to watch a download in progress
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                match = TILE_PATH.match(self.path.split("?")[0])
                if not match:
                    self.send_error(404)
                    return
                server.requested.append(tuple(int(v) for v in match.groups()))
                time.sleep(server.delay_s)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(server.body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Cache-Control", "max-age=86400")
                self.end_headers()
                try:
                    self.wfile.write(server.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the browser gave up on this tile (the map moved on)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.template = self.url + "/{z}/{x}/{y}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
