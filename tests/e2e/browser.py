"""How we start Chromium: Debian's build, headless and quiet (for the fixtures and screenshots.py).

Playwright cannot download its own browsers on this machine, so we drive the system Chromium
(`apt-get install chromium`) through Playwright's sync API.
"""
from pathlib import Path

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_available() -> bool:
    """True when the system Chromium is installed."""
    return CHROMIUM_PATH.exists()


def launch_chromium(playwright):
    """A headless Chromium from a started `sync_playwright()`."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
    )
