"""Full-page screenshots of the public pages at desktop and phone sizes, for a look by eye.

    .venv/bin/python tests/e2e/screenshots.py [BASE_URL] [FOLDER]

BASE_URL defaults to http://127.0.0.1:5000 (`make run`), FOLDER to /tmp/shots. Files are named
`<page>-<viewport>.png`, e.g. `login-phone.png`. Not a test: pytest does not collect it.
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `tests.e2e` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.browser import (  # noqa: E402
    CHROMIUM_MISSING,
    DESKTOP,
    PHONE,
    chromium_available,
    launch_chromium,
)

PAGES = {
    "home": "/",
    "login": "/login",
    "register": "/register",
    "privacy": "/privacy",
    "forgot-password": "/password/forgot",
}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def take_screenshots(base_url: str, folder: Path) -> list[Path]:
    """Save a full-page PNG of every page in PAGES at every viewport; return the files."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for viewport_name, viewport in VIEWPORTS.items():
                context = browser.new_context(
                    viewport=viewport, base_url=base_url.rstrip("/"),
                    is_mobile=viewport_name == "phone", has_touch=viewport_name == "phone",
                )
                try:
                    page = context.new_page()
                    for page_name, path in PAGES.items():
                        response = page.goto(path, wait_until="load")
                        status = response.status if response else "?"
                        target = folder / f"{page_name}-{viewport_name}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(f"{status} {path} -> {target}")
                        saved.append(target)
                finally:
                    context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str]) -> int:
    """Parse `[BASE_URL] [FOLDER]` and take the screenshots."""
    if len(argv) > 2 or any(arg in ("-h", "--help") for arg in argv):
        print(__doc__)
        return 2
    if not chromium_available():
        print(CHROMIUM_MISSING, file=sys.stderr)
        return 1
    base_url = argv[0] if argv else "http://127.0.0.1:5000"
    folder = Path(argv[1] if len(argv) > 1 else "/tmp/shots")
    take_screenshots(base_url, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
