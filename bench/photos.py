"""Photo pipeline benchmark: fieldapp.imaging vs libvips (pyvips) vs ImageMagick, side by side in one run.

Run from the project root::

    python bench/photos.py [--repeat N] [--quick] [--output PATH]

Inputs: a generated 4000x3000 photo-like JPEG (EXIF orientation 6 + GPS, q92, fixed seed) and every photo in
``../shared/realworld/photos/phones/``. Each tool makes BOTH outputs (longest side 1600 and 320, JPEG, no
metadata) from the original bytes. Tools run interleaved (per input, per round, order alternating), one
warm-up round is discarded, and the median wall time per photo is reported. The ratios (ours / other tool)
are what carry across machines.

* ours: ``fieldapp.imaging.process_photo(bytes)`` (its thread pool for resampling is on, as in production).
* libvips: ``pyvips.Image.thumbnail_buffer(bytes, 1600)`` (its own shrink-on-load choice, auto-rotate) saved
  with ``strip=True``, then ``thumbnail_buffer`` of that 1600 px JPEG to 320: libvips' normal fast path with
  its default thread pool. The operation cache is off so no round is served from cache. This is the
  acceptance baseline. Note: libvips 8.14 keeps at least 2x for its own resampling, so for ~2.5x reductions
  (12 MP -> 1600) it decodes the JPEG at full size, for quality.
* libvips-sol (informative): the same, but JPEGs loaded with the same 1/2, 1/4, 1/8 shrink-on-load our
  pipeline uses (``jpegload_buffer(shrink=s)``, ``thumbnail_image``, ``autorot``); HEIF as above.
* ImageMagick: ``convert IN -auto-orient -resize 1600x1600> -strip -quality Q out.jpg`` and the same for
  320, as subprocesses (the FixMyStreet approach). A format it cannot read is reported as "unsupported".

Quality: PSNR (dB, over R, G, B) of each 1600 px output against a reference made from a full decode (no
draft), EXIF transpose and a LANCZOS resize to the same size. Our pipeline converts an embedded non-sRGB ICC
profile (iPhone Display P3) to sRGB, so for such inputs our reference gets the same conversion
(ImageCms.profileToProfile on the full image); libvips/ImageMagick as called here drop the profile without
converting, so theirs is compared with the unconverted reference.

Needs Pillow, pillow-heif, pyvips (the ``test`` extra) and ImageMagick's ``convert``. Writes
``bench/results/photos.json``.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import PIL  # noqa: E402
import pillow_heif  # noqa: E402
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageOps, features  # noqa: E402

from bench.realworld import realworld_dir  # noqa: E402
from fieldapp import imaging  # noqa: E402  (also registers the HEIF opener)

try:
    import pyvips
except ImportError:  # pragma: no cover
    pyvips = None

PHONES = realworld_dir() / "photos" / "phones"
RESULTS = ROOT / "bench" / "results" / "photos.json"
SEED = 20241017
CONVERT = shutil.which("convert") or shutil.which("magick")
TARGETS = {"ours_vs_vips_max": 1.0, "ours_vs_imagemagick_max": 0.25, "psnr_min_db": 40.0}
TOOL_ERRORS = (subprocess.CalledProcessError,) + ((pyvips.Error,) if pyvips else ())
SIZES = ((imaging.DISPLAY_SIZE, imaging.JPEG_QUALITY), (imaging.THUMB_SIZE, imaging.THUMB_QUALITY))


# ------------------------------------------------------------------------------------------------- inputs


def make_synthetic_jpeg(width: int = 4000, height: int = 3000, seed: int = SEED, quality: int = 92) -> bytes:
    """A deterministic, photo-like 12 MP JPEG as a phone stores a portrait shot.

    A 3000x4000 upright street scene (sky, buildings with windows, lamp posts, bushes, a path; textured,
    slightly soft, with sensor noise) kept in a ``width`` x ``height`` landscape buffer with EXIF
    Orientation 6, GPS (Göteborg) and DateTimeOriginal. Pillow + ``random.Random(seed)`` only: the same
    bytes on every run.
    """
    rnd = random.Random(seed)
    w, h = height, width  # the upright (portrait) scene
    ground = h // 2

    def vertical_gradient(top: tuple[int, int, int], bottom: tuple[int, int, int], rows: int) -> Image.Image:
        ramp = Image.linear_gradient("L").resize((1, rows), Image.Resampling.BILINEAR)
        bands = [
            ramp.point(lambda v, a=a, b=b: round(a + (b - a) * v / 255))
            for a, b in zip(top, bottom, strict=True)
        ]
        return Image.merge("RGB", bands).resize((w, rows), Image.Resampling.NEAREST)

    def random_field(cell: int, mode: str, amplitude: float) -> Image.Image:
        """Smooth zero-mean (around 128) noise field with features of about ``cell`` px."""
        size = (w // cell + 2, h // cell + 2)
        small = Image.frombytes(mode, size, rnd.randbytes(size[0] * size[1] * len(mode)))
        small = small.point(lambda v: round(128 + (v - 128) * amplitude))
        return small.resize((w, h), Image.Resampling.BICUBIC) if cell > 1 else small

    def add(base: Image.Image, field: Image.Image) -> Image.Image:  # base + (field - 128), clipped
        if field.mode == "L":
            field = Image.merge("RGB", (field, field, field))
        return ImageChops.add(base, field, scale=1.0, offset=-128)

    img = Image.new("RGB", (w, h))
    img.paste(vertical_gradient((105, 150, 225), (205, 215, 200), ground), (0, 0))
    img.paste(vertical_gradient((110, 112, 78), (150, 140, 96), h - ground), (0, ground))
    for cell, amplitude in ((240, 0.40), (48, 0.25), (9, 0.16), (3, 0.10)):  # clouds, grass, gravel
        img = add(img, random_field(cell, "L", amplitude))
    img = add(img, random_field(60, "RGB", 0.12))  # a little colour variation

    draw = ImageDraw.Draw(img)
    for _ in range(12):  # buildings with windows
        bx, bw, bh = rnd.randint(-200, w), rnd.randint(250, 800), rnd.randint(400, 1500)
        colour = tuple(rnd.randint(70, 190) for _ in range(3))
        draw.rectangle([bx, ground - bh, bx + bw, ground + 60], fill=colour, outline=(35, 35, 35), width=5)
        for wx in range(bx + 25, bx + bw - 50, 80):
            for wy in range(ground - bh + 40, ground - 60, 105):
                lit = rnd.random() < 0.33
                draw.rectangle([wx, wy, wx + 40, wy + 60], fill=(240, 220, 150) if lit else (45, 55, 75))
    draw.polygon([(w * 0.25, h), (w * 0.75, h), (w * 0.53, ground + 60), (w * 0.47, ground + 60)],
                 fill=(120, 118, 114))  # the path
    for _ in range(45):  # bushes
        cx, cy, r = rnd.randint(0, w), rnd.randint(ground, h), rnd.randint(60, 300)
        colour = (rnd.randint(25, 70), rnd.randint(80, 140), rnd.randint(25, 60))
        draw.ellipse([cx - r, cy - r * 2 // 3, cx + r, cy + r * 2 // 3], fill=colour)
    for _ in range(6):  # lamp posts
        lx, foot = rnd.randint(0, w), rnd.randint(ground + 200, h - 200)
        draw.line([lx, foot, lx, foot - 1300], fill=(45, 45, 50), width=16)
        draw.ellipse([lx - 45, foot - 1350, lx + 45, foot - 1280], fill=(255, 240, 190))
    img = img.filter(ImageFilter.GaussianBlur(0.8))  # lens softness: no aliasing-perfect edges
    img = add(img, random_field(1, "L", 0.05))  # sensor noise, luma (uniform, about +-6)
    img = add(img, random_field(1, "RGB", 0.02))  # and a little chroma noise
    stored = img.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote; Orientation 6 undoes it

    exif = Image.Exif()
    exif[0x010F] = "fieldapp-bench"
    exif[0x0110] = "synthetic 12MP"
    exif[0x0112] = 6
    exif[0x8769] = {0x9003: "2024:10:17 19:42:05", 0x9011: "+02:00"}
    exif[0x8825] = {0: b"\x02\x02\x00\x00", 1: "N", 2: (57.0, 42.0, 30.5), 3: "E", 4: (11.0, 58.0, 12.25)}
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


# -------------------------------------------------------------------------------------------------- tools


def run_ours(data: bytes, path: Path, workdir: Path) -> tuple[bytes, bytes]:
    photo = imaging.process_photo(data)
    return photo.display.data, photo.thumb.data


def run_vips(data: bytes, path: Path, workdir: Path) -> tuple[bytes, bytes]:
    display = pyvips.Image.thumbnail_buffer(data, imaging.DISPLAY_SIZE)
    display_jpeg = display.jpegsave_buffer(Q=imaging.JPEG_QUALITY, strip=True)
    thumb = pyvips.Image.thumbnail_buffer(display_jpeg, imaging.THUMB_SIZE)
    return display_jpeg, thumb.jpegsave_buffer(Q=imaging.THUMB_QUALITY, strip=True)


def run_vips_sol(data: bytes, path: Path, workdir: Path) -> tuple[bytes, bytes]:
    if not data.startswith(b"\xff\xd8"):
        return run_vips(data, path, workdir)
    header = pyvips.Image.new_from_buffer(data, "", access="sequential")
    target = imaging._fit(header.width, header.height, imaging.DISPLAY_SIZE)
    # As Pillow's draft(): the largest 1/s with both sides still >= the target.
    width, height = header.width, header.height
    shrink = next(s for s in (8, 4, 2, 1) if width // s >= target[0] and height // s >= target[1])
    image = pyvips.Image.jpegload_buffer(data, shrink=shrink)
    display = image.thumbnail_image(imaging.DISPLAY_SIZE).autorot()
    display_jpeg = display.jpegsave_buffer(Q=imaging.JPEG_QUALITY, strip=True)
    thumb = pyvips.Image.thumbnail_buffer(display_jpeg, imaging.THUMB_SIZE)
    return display_jpeg, thumb.jpegsave_buffer(Q=imaging.THUMB_QUALITY, strip=True)


def run_imagemagick(data: bytes, path: Path, workdir: Path) -> tuple[bytes, bytes]:
    outputs = []
    for size, quality in SIZES:
        out = workdir / f"im_{size}.jpg"
        command = [CONVERT, str(path), "-auto-orient", "-resize", f"{size}x{size}>", "-strip"]
        subprocess.run(
            [*command, "-quality", str(quality), str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        outputs.append(out.read_bytes())
    return outputs[0], outputs[1]


TOOLS = {"ours": run_ours, "vips": run_vips, "vips_sol": run_vips_sol, "imagemagick": run_imagemagick}
COMPETITORS = ("vips", "vips_sol", "imagemagick")


# ------------------------------------------------------------------------------------------------ quality


def reference_image(data: bytes, icc_to_srgb: bool) -> Image.Image:
    """Full-resolution decode (no draft), EXIF transpose, RGB; optionally ICC -> sRGB."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        icc = im.info.get("icc_profile")
        full = ImageOps.exif_transpose(im).convert("RGB")
    if icc_to_srgb and icc:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" not in (ImageCms.getProfileDescription(src) or "").lower():
            full = ImageCms.profileToProfile(full, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
    return full


def psnr(output_jpeg: bytes, reference_full: Image.Image) -> float:
    """PSNR in dB over the R, G and B samples of ``output_jpeg`` vs the reference resized to its size."""
    with Image.open(io.BytesIO(output_jpeg)) as out:
        out_rgb = out.convert("RGB")
    ref = reference_full.resize(out_rgb.size, Image.Resampling.LANCZOS)
    histogram = ImageChops.difference(out_rgb, ref).histogram()  # 3 x 256 bins of |a - b|
    squared = sum(count * (i % 256) ** 2 for i, count in enumerate(histogram))
    mse = squared / (out_rgb.width * out_rgb.height * 3)
    return float("inf") if mse == 0 else 10 * math.log10(255.0**2 / mse)


def check_output(display: bytes, thumb: bytes, upright_size: tuple[int, int]) -> None:
    """Sanity: both are JPEGs, right orientation and size (so a tool cannot win by doing less)."""
    for data, limit in ((display, imaging.DISPLAY_SIZE), (thumb, imaging.THUMB_SIZE)):
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG", im.format
            assert max(im.size) == min(limit, max(upright_size)), (im.size, limit)
            landscape_in, landscape_out = upright_size[0] >= upright_size[1], im.width >= im.height
            assert landscape_in == landscape_out, "orientation not applied"


# -------------------------------------------------------------------------------------------------- machine


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    im_version = None
    if CONVERT:
        version = subprocess.run([CONVERT, "-version"], capture_output=True, text=True, check=False)
        im_version = version.stdout.splitlines()[0] if version.stdout else None
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "libjpeg": features.version("jpg"),
        "libjpeg_turbo": bool(features.check_feature("libjpeg_turbo")),
        "pillow_heif": pillow_heif.__version__,
        "libheif_pillow_heif": pillow_heif.libheif_version(),
        "ours_thread_pool_workers": min(imaging.RESAMPLE_BANDS, imaging._usable_cpus()),
        "pyvips": pyvips.__version__ if pyvips else None,
        "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}" if pyvips else None,
        "vips_concurrency": pyvips.concurrency_get() if pyvips else None,
        "imagemagick": im_version,
    }


# ---------------------------------------------------------------------------------------------------- main


def run_rounds(inputs, tools, repeat, workdir):
    """Interleaved timing. Round 0 is a warm-up (first-call library init); its outputs are kept for checks."""
    times = {(name, tool): [] for name, _, _ in inputs for tool in tools}
    unsupported: dict[tuple[str, str], str] = {}
    outputs: dict[tuple[str, str], tuple[bytes, bytes]] = {}
    for round_no in range(repeat + 1):
        for name, path, data in inputs:
            order = list(tools) if round_no % 2 == 0 else list(reversed(tools))  # no tool always goes first
            for tool in order:
                if (name, tool) in unsupported:
                    continue
                start = time.perf_counter()
                try:
                    result = tools[tool](data, path, workdir)
                except TOOL_ERRORS as exc:
                    detail = getattr(exc, "stderr", None) or str(exc)
                    if isinstance(detail, bytes):
                        detail = detail.decode("utf-8", "replace")
                    unsupported[(name, tool)] = "unsupported: " + " ".join(detail.split())[:200]
                    continue
                elapsed = time.perf_counter() - start
                if round_no == 0:
                    outputs[(name, tool)] = result
                else:
                    times[(name, tool)].append(elapsed)
    return times, unsupported, outputs


def summarise(inputs, tools, times, unsupported, outputs) -> list[dict]:
    rows = []
    for name, _path, data in inputs:
        photo = imaging.process_photo(data)
        upright = (photo.source_width, photo.source_height)
        references = {True: reference_image(data, icc_to_srgb=True), False: reference_image(data, False)}
        row: dict = {
            "input": name,
            "format": photo.source_format,
            "bytes": len(data),
            "size": list(upright),
            "median_ms": {},
            "output_bytes": {},
            "psnr_db": {},
        }
        for tool in tools:
            key = (name, tool)
            if key in unsupported:
                row["median_ms"][tool] = unsupported[key]
                continue
            display, thumb = outputs[key]
            check_output(display, thumb, upright)
            row["median_ms"][tool] = round(statistics.median(times[key]) * 1000, 1)
            row["output_bytes"][tool] = [len(display), len(thumb)]
            row["psnr_db"][tool] = round(psnr(display, references[tool == "ours"]), 2)
        ours = row["median_ms"].get("ours")
        for tool in COMPETITORS:
            other = row["median_ms"].get(tool)
            ok = isinstance(ours, float) and isinstance(other, float)
            row[f"ratio_ours_{tool}"] = round(ours / other, 3) if ok else None
        rows.append(row)
    return rows


def overall_summary(rows: list[dict], tools) -> dict:
    def median_ms(tool: str) -> float | None:
        values = [r["median_ms"][tool] for r in rows if isinstance(r["median_ms"].get(tool), float)]
        return round(statistics.median(values), 1) if values else None

    def median_ratio(tool: str) -> float | None:
        values = [r[f"ratio_ours_{tool}"] for r in rows if r.get(f"ratio_ours_{tool}") is not None]
        return round(statistics.median(values), 3) if values else None

    psnr_ours = [r["psnr_db"]["ours"] for r in rows if "ours" in r["psnr_db"]]
    overall = {
        "median_ms": {tool: median_ms(tool) for tool in tools},
        **{f"median_ratio_ours_{tool}": median_ratio(tool) for tool in COMPETITORS},
        "psnr_ours_min_db": min(psnr_ours),
        "psnr_ours_median_db": round(statistics.median(psnr_ours), 2),
        "targets": TARGETS,
    }
    vips, magick = overall["median_ratio_ours_vips"], overall["median_ratio_ours_imagemagick"]
    overall["targets_met"] = {
        "ours_vs_vips": vips is not None and vips <= TARGETS["ours_vs_vips_max"],
        "ours_vs_imagemagick": magick is not None and magick <= TARGETS["ours_vs_imagemagick_max"],
        "psnr": overall["psnr_ours_min_db"] >= TARGETS["psnr_min_db"],
    }
    return overall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per input and tool (default 5)")
    parser.add_argument("--quick", action="store_true", help="only the synthetic input (a smoke run)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if pyvips is not None:
        pyvips.cache_set_max(0)  # no operation cache: every round really decodes
    tools = {
        name: fn
        for name, fn in TOOLS.items()
        if not (name.startswith("vips") and pyvips is None) and not (name == "imagemagick" and not CONVERT)
    }
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-") as tmp:
        workdir = Path(tmp)
        synthetic = workdir / "synthetic_4000x3000_o6_gps.jpg"
        synthetic.write_bytes(make_synthetic_jpeg())
        paths = [synthetic]
        if not args.quick:
            paths += sorted(p for p in PHONES.iterdir() if p.is_file())
        inputs = [(p.name, p, p.read_bytes()) for p in paths]
        load_before = os.getloadavg()
        times, unsupported, outputs = run_rounds(inputs, tools, args.repeat, workdir)
        load_after = os.getloadavg()
    rows = summarise(inputs, tools, times, unsupported, outputs)

    result = {
        "benchmark": "photos",
        "command": " ".join(["python", "bench/photos.py", *(sys.argv[1:] if argv is None else argv)]),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            **machine_info(),
            # Other work on the machine slows every tool; the interleaving keeps the ratios comparable.
            "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        },
        "settings": {
            "repeat": args.repeat,
            "display_size": imaging.DISPLAY_SIZE,
            "thumb_size": imaging.THUMB_SIZE,
            "display_quality": imaging.JPEG_QUALITY,
            "display_subsampling": imaging.DISPLAY_SUBSAMPLING,
            "thumb_quality": imaging.THUMB_QUALITY,
            "thumb_subsampling": imaging.THUMB_SUBSAMPLING,
            "timing": "median wall time per photo, both outputs; tools interleaved; 1 warm-up round dropped",
            "overall": "median over inputs of the per-input medians and of the per-input ratios",
            "acceptance": "ours/vips (thumbnail_buffer) and ours/imagemagick median ratios, min PSNR of ours",
        },
        "inputs": rows,
        "overall": overall_summary(rows, tools),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(result)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nwritten {shown}")
    return 0


def print_table(result: dict) -> None:
    def fmt(value, digits: int = 1) -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            return "unsupp."
        return f"{value:.{digits}f}"

    columns = [("ours ms", 8), ("vips ms", 8), ("vips-sol", 8), ("IM ms", 8), ("ours/vips", 9),
               ("ours/sol", 8), ("ours/IM", 8), ("PSNR dB", 8)]
    header = f"{'input':31}" + "".join(f" {title:>{width}}" for title, width in columns)
    print(header)
    print("-" * len(header))

    def line(label: str, ms: dict, ratios: list, psnr_value, suffix: str = "") -> None:
        cells = [fmt(ms.get(t)) for t in ("ours", "vips", "vips_sol", "imagemagick")]
        cells += [fmt(r, 2) for r in ratios] + [fmt(psnr_value)]
        widths = [width for _, width in columns]
        print(f"{label[:31]:31}" + "".join(f" {c:>{w}}" for c, w in zip(cells, widths, strict=True)) + suffix)

    for r in result["inputs"]:
        ratios = [r[f"ratio_ours_{t}"] for t in COMPETITORS]
        line(r["input"], r["median_ms"], ratios, r["psnr_db"].get("ours"))
    o = result["overall"]
    print("-" * len(header))
    line("median across inputs", o["median_ms"], [o[f"median_ratio_ours_{t}"] for t in COMPETITORS],
         o["psnr_ours_min_db"], " (min)")
    targets = o["targets"]
    verdicts = ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in o["targets_met"].items())
    print(
        f"targets: ours/vips <= {targets['ours_vs_vips_max']}, "
        f"ours/IM <= {targets['ours_vs_imagemagick_max']}, PSNR >= {targets['psnr_min_db']} dB -> {verdicts}"
    )


if __name__ == "__main__":
    sys.exit(main())
