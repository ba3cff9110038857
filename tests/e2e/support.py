"""What the browser journeys share: axe accessibility, console problems, extra tabs, logging in and
out, flash messages, pages served by the browser itself, links in emails."""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP
from tests.factories import PASSWORD

#: axe-core as bundled with axe-playwright-python: no network, no CDN.
AXE_PATH = Path(axe_playwright_python.__file__).resolve().parent / "axe.min.js"
AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
#: Violations of these impacts fail a test; "minor" and "moderate" ones do not.
FAILING_IMPACTS = ("serious", "critical")

# Runs axe in the page and returns the violations trimmed to what a report needs.
_RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """Every axe violation on the page as it is now, whatever its impact.

    axe is injected with `page.evaluate`, which runs through the DevTools protocol and so is
    not subject to the site's Content-Security-Policy (`script-src 'self'` would block the
    inline <script> that `page.add_script_tag(content=...)` creates, and log a CSP error).
    """
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(_RUN_AXE)


def format_violations(violations: list[dict]) -> str:
    """A readable list: one line per rule, then each offending element and its HTML."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html']}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail the test if axe finds a serious or critical accessibility violation on the page."""
    serious = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    if serious:
        raise AssertionError(
            f"{len(serious)} serious/critical accessibility violation(s) on {page.url}:\n"
            + format_violations(serious)
        )


class ConsoleProblems:
    """Collects JavaScript errors and Content-Security-Policy violations a page reports."""

    def __init__(self):
        self.problems: list[str] = []

    def watch(self, page) -> None:
        """Listen to the page's console and uncaught errors."""
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self.problems.append(
            f"uncaught error on {page.url}: {error}"))

    def _on_console(self, page, message) -> None:
        """Keep console errors and anything mentioning the Content Security Policy.

        Chromium also logs "Failed to load resource" when the page itself comes with an error
        status; a test that opens a 400 or 404 page on purpose checks that status itself, so
        only failed loads of other resources (a stylesheet, a script, an image) count.
        """
        text = message.text
        where = message.location.get("url") or ""
        if text.startswith("Failed to load resource") and where == page.url:
            return
        if message.type == "error" or "Content Security Policy" in text:
            self.problems.append(f"console {message.type} at {where or page.url}: {text}")

    def take(self) -> list[str]:
        """Return the problems collected so far and forget them."""
        problems, self.problems = self.problems, []
        return problems

    def assert_none(self) -> None:
        """Fail if any problem was collected."""
        problems = self.take()
        if problems:
            raise AssertionError(
                "the browser reported problems:\n" + "\n".join(f"  {p}" for p in problems)
            )


@contextmanager
def open_tab(browser, base_url: str, problems: ConsoleProblems | None = None, viewport=DESKTOP,
             **context_options) -> Iterator:
    """A tab in a browser context of its own (own cookies) at `base_url`, watched by `problems`.

    Relative URLs go to `base_url`. `context_options` go to `browser.new_context`, e.g.
    `java_script_enabled=False`. On the way out the context is closed, which closes its
    keep-alive connections so the live server can stop; then, unless the block raised, the
    test fails if the tab logged a JavaScript error or a Content-Security-Policy violation.
    """
    problems = ConsoleProblems() if problems is None else problems
    context = browser.new_context(viewport=viewport, base_url=base_url, **context_options)
    try:
        tab = context.new_page()
        problems.watch(tab)
        yield tab
    finally:
        context.close()
    problems.assert_none()


def serve_html(page, url: str, html: str, csp: str) -> None:
    """Answer `url` (an address or a glob) in the browser itself with `html` under the given
    Content-Security-Policy: the live server never sees the request."""
    page.route(url, lambda route: route.fulfill(status=200, body=html, headers={
        "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp}))


def flash(page, text: str):
    """The flash message containing `text`."""
    return page.locator(".flash").filter(has_text=text)


def submit_login_form(page, password: str) -> None:
    """Fill the password on the open login page and press "Log in" (the email is there already)."""
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the form at /login and wait for the page that welcomes the member back.

    The wait matters: going on to another address before that page has loaded would abandon
    the login or the page's scripts half-way.
    """
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    submit_login_form(page, password)
    expect(flash(page, "Welcome back")).to_be_visible()


def log_out(page) -> None:
    """Press "Log out" and wait for the page that says so."""
    page.get_by_role("button", name="Log out").click()
    expect(flash(page, "You are logged out.")).to_be_visible()


def plain_text(message: EmailMessage) -> str:
    """The text/plain body of an email."""
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in_email(message: EmailMessage, base_url: str, path_prefix: str, live_url: str) -> str:
    """The first link in the email's text under `base_url + path_prefix`, moved to `live_url`.

    The test config fixes BASE_URL (links in emails), while the live server listens on a
    port of its own: the link keeps its path and gets the live server's origin.
    """
    text = plain_text(message)
    pattern = re.escape(base_url.rstrip("/") + path_prefix) + r"\S+"
    found = re.search(pattern, text)
    assert found, f"no {base_url}{path_prefix}... link in the email:\n{text}"
    return live_url + found.group(0).removeprefix(base_url.rstrip("/"))
