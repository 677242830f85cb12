"""Draw the PWA icons (a map pin on a route) into fieldapp/static/icons/. Run once; the PNGs are committed."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "fieldapp" / "static" / "icons"


def icon(size: int, maskable: bool = False) -> Image.Image:
    scale = size / 512
    image = Image.new("RGB", (size, size), (29, 78, 216))
    draw = ImageDraw.Draw(image)
    inset = 0.2 if maskable else 0.0  # maskable icons keep content in the central safe zone

    def p(x: float, y: float) -> tuple[float, float]:
        return (size * inset + x * scale * (1 - 2 * inset), size * inset + y * scale * (1 - 2 * inset))

    draw.line(
        [p(60, 430), p(180, 330), p(300, 380), p(450, 250)], fill=(255, 255, 255), width=int(26 * scale)
    )
    draw.ellipse([p(176, 70), p(336, 230)], fill=(250, 204, 21))
    draw.polygon([p(186, 180), p(326, 180), p(256, 330)], fill=(250, 204, 21))
    draw.ellipse([p(226, 120), p(286, 180)], fill=(29, 78, 216))
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192).save(OUT / "icon-192.png", optimize=True)
    icon(512).save(OUT / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
