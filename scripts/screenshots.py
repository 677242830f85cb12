"""Take Chromium screenshots of fieldapp pages (phone and desktop) to look at them as a user would.

Usage: .venv/bin/python scripts/screenshots.py BASE_URL OUT_DIR PATH [PATH ...]
A PATH may be prefixed with 'staff:' to log in first, 'dark:' for the dark scheme, 'desktop:' for a
1280×800 window. Staff pages log in with FIELDAPP_SCREENSHOT_EMAIL and FIELDAPP_SCREENSHOT_PASSWORD
(an account of your own: `fieldapp create-user`).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main(base: str, out: Path, paths: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for raw in paths:
            flags, _, path = raw.rpartition("|")
            flags = set(flags.split(",")) if flags else set()
            device = (
                {"viewport": {"width": 1280, "height": 800}} if "desktop" in flags else p.devices["Pixel 7"]
            )
            context = browser.new_context(**device, locale="sv-SE", geolocation={"latitude": 57.8945,
                                          "longitude": 12.0688, "accuracy": 12}, permissions=["geolocation"],
                                          color_scheme="dark" if "dark" in flags else "light")
            page = context.new_page()
            if "staff" in flags:
                page.goto(base + "/staff/login")
                page.fill("#email", os.environ["FIELDAPP_SCREENSHOT_EMAIL"])
                page.fill("#password", os.environ["FIELDAPP_SCREENSHOT_PASSWORD"])
                page.click("button[type=submit]")
            page.goto(base + path)
            page.wait_for_timeout(800)
            name = (("-".join(sorted(flags)) + "_") if flags else "") + (
                path.strip("/").replace("/", "_") or "root"
            )
            page.screenshot(path=str(out / f"{name[:80]}.png"), full_page="full" in flags)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
