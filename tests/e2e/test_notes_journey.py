"""Briefing notes in a real browser: an analyst writes a note full of hostile Markdown with the live
preview and the Preview button, publishes it, and a visitor reads it; no injected script ever runs."""
from playwright.sync_api import expect
from sqlalchemy import select

from community.db import db
from community.notes.models import Note
from tests.e2e.support import assert_accessible, log_in, open_tab
from tests.factories import make_user
from tests.notes.helpers import HOSTILE

TITLE = "Data maturity and the cost of perfect customer data"
#: Every payload of the corpus tries to set window.__pwned; ordinary Markdown around it must survive.
BODY = "\n\n".join(["## What the research says", "Good enough data ships sooner.", *HOSTILE.values(),
                    "> Perfect is the enemy of shipped."])
PWNED = "() => typeof window.__pwned"
#: Elements and attributes of the rendered note that could run script or restyle the page. The
#: Content-Security-Policy would block most of them, so the DOM is checked as well as their effect.
_DANGEROUS_IN_DOM = """(root) => {
  const found = [];
  for (const el of document.querySelectorAll(root + ' *')) {
    if (el.matches('script, iframe, object, embed, svg, math, form, style, link, meta, base, img, details')) {
      found.push('<' + el.localName + '>');
    }
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (attr.name.startsWith('on') || attr.name === 'style' ||
          (['href', 'src', 'action', 'formaction'].includes(attr.name) &&
           /^(javascript|data|vbscript):/.test(value))) {
        found.push(el.localName + '[' + attr.name + '=' + attr.value + ']');
      }
    }
  }
  return found;
}"""


def _watch_dialogs(page) -> list[str]:
    """Dismiss and remember every alert/confirm/prompt the page opens."""
    opened: list[str] = []

    def on_dialog(dialog):
        """Note the dialog and dismiss it."""
        opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def _assert_no_script_ran(page, dialogs, root: str) -> None:
    """Fail if a payload set window.__pwned, opened a dialog or left something dangerous under `root`."""
    assert page.evaluate(PWNED) == "undefined", f"an injected script ran on {page.url}"
    assert dialogs == []
    assert page.evaluate(_DANGEROUS_IN_DOM, root) == []


def test_live_preview_follows_the_typing(page, live_server):
    with live_server.app.app_context():
        make_user(email="ana@example.com", name="Ana Analyst", role="analyst")
        db.session.commit()
    log_in(page, "ana@example.com")
    page.goto("/notes/new")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Press “Preview”")
    page.get_by_label("Body").press_sequentially("## Live heading\n\n- first point")
    expect(preview.get_by_role("heading", name="Live heading")).to_be_visible()
    expect(preview.locator("li")).to_have_text("first point")
    page.get_by_label("Body").fill("Replaced **entirely**.")
    expect(preview.locator("strong")).to_have_text("entirely")
    expect(preview.get_by_role("heading")).to_have_count(0)


def test_hostile_note_is_written_previewed_published_and_read_without_any_script_running(
        page, live_server, browser):
    with live_server.app.app_context():
        make_user(email="ana@example.com", name="Ana Analyst", role="analyst")
        db.session.commit()
    dialogs = _watch_dialogs(page)
    log_in(page, "ana@example.com")

    page.goto("/notes/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a note")
    assert_accessible(page)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("What good enough data is worth. <img src=x onerror=window.__pwned=1>")
    page.get_by_label("Body").fill(BODY)
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="What the research says")).to_be_visible()  # live preview
    expect(preview).to_contain_text("<script>window.__pwned = 1</script>")  # shown as text
    _assert_no_script_ran(page, dialogs, "#preview")

    page.get_by_role("button", name="Preview").click()
    expect(preview.locator("blockquote").last).to_contain_text("Perfect is the enemy of shipped.")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    _assert_no_script_ran(page, dialogs, "#preview")
    assert_accessible(page)

    page.get_by_label("Who may read it").select_option("public")
    page.get_by_label("What changed (for the history)").fill("First version for the panel")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("The note is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".prose")).to_contain_text("Good enough data ships sooner.")
    _assert_no_script_ran(page, dialogs, ".note")
    assert_accessible(page)
    note_url = page.url

    with live_server.app.app_context():
        (note,) = db.session.scalars(select(Note)).all()
        assert note.visibility == "public" and note.body.replace("\r\n", "\n") == BODY

    with open_tab(browser, live_server.url) as tab:  # a visitor, not logged in
        visitor_dialogs = _watch_dialogs(tab)
        tab.goto(note_url)
        expect(tab.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(tab.locator(".prose blockquote").last).to_contain_text("Perfect is the enemy of shipped.")
        for link in tab.locator(".prose a").all():
            href = (link.get_attribute("href") or "").strip().lower()
            assert href.startswith(("http://", "https://", "mailto:")), href
        tab.locator(".prose").hover()
        for element in tab.locator(".prose p").all()[:10]:
            element.hover()
        _assert_no_script_ran(tab, visitor_dialogs, ".note")
        assert_accessible(tab)
