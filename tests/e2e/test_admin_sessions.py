"""Organisers in a real browser: create a series, generate its sessions, publish one, cancel one."""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from community.db import db
from community.sessions.models import Session, SessionStatus
from tests.e2e.support import assert_accessible, flash, log_in
from tests.factories import make_session, make_user

TITLE = "Cloud costs under control"


def _log_in_as_organiser(page, live_server) -> None:
    """Create an organiser and log in through the form."""
    with live_server.app.app_context():
        make_user(email="olga@example.com", name="Olga Organiser", role="organiser")
        db.session.commit()
    log_in(page, "olga@example.com")


def test_organiser_creates_a_series_generates_and_publishes_a_session(page, live_server, mailbox):
    _log_in_as_organiser(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1, name="Organisers' panel")).to_be_visible()
    assert_accessible(page)

    panel_menu = page.get_by_role("navigation", name="Organisers' panel")
    panel_menu.get_by_role("link", name="Series").click()
    expect(page.get_by_role("heading", level=1, name="Series")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="New series").click()
    expect(page.get_by_role("heading", level=1, name="New series")).to_be_visible()
    assert_accessible(page)

    first_day = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=2)
    page.get_by_role("button", name="Create series").click()  # empty: refused, field by field
    expect(page.locator("#title-error")).to_have_text("Enter a title.")
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description").fill("What the **cloud** really costs.")
    page.get_by_label("First date").fill(first_day.isoformat())
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Every how many weeks").fill("2")
    page.get_by_label("Seats").fill("12")
    page.get_by_label("Format").select_option("online")
    page.get_by_label("Join link").fill("https://meet.example.com/cloud")
    page.get_by_role("button", name="Create series").click()

    expect(flash(page, f"Series “{TITLE}” created")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Number of occurrences").fill("3")
    page.get_by_role("button", name="Generate drafts").click()
    expect(flash(page, "3 draft sessions created")).to_be_visible()
    upcoming = page.get_by_role("table", name=f"Upcoming sessions of {TITLE}")
    expect(upcoming.locator(".badge-draft")).to_have_count(3)
    assert_accessible(page)

    upcoming.get_by_role("button", name=re.compile(r"^Publish ")).first.click()
    expect(flash(page, f"“{TITLE}” is published and open for sign-up.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/series/\d+$"))
    expect(upcoming.locator(".badge-published")).to_have_count(1)
    expect(upcoming.locator(".badge-draft")).to_have_count(2)
    assert_accessible(page)

    panel_menu.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", level=1, name="Sessions")).to_be_visible()
    expect(page.locator(".badge-published")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Attendees of ")).first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Attendees"))).to_be_visible()
    assert_accessible(page)

    page.goto("/")
    expect(page.get_by_role("main")).to_contain_text(TITLE)
    with live_server.app.app_context():
        published = db.session.query(Session).filter_by(status=SessionStatus.PUBLISHED).one()
        published_id = published.id
    page.goto(f"/sessions/{published_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)


def test_cancelling_asks_first_and_a_no_keeps_the_session(page, live_server, mailbox):
    with live_server.app.app_context():
        in_three_days = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
        session = make_session(title="Data mesh, revisited", starts_at=in_three_days)
        session_id = session.id
        db.session.commit()
    _log_in_as_organiser(page, live_server)
    page.goto(f"/admin/sessions/{session_id}/edit")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data mesh, revisited")
    assert_accessible(page)

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=re.compile(r"^Cancel session Data mesh")).click()
    expect(page.locator(".badge-published")).to_be_visible()
    assert questions and "Everyone signed up will be emailed" in questions[0]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Cancel session Data mesh")).click()
    expect(flash(page, "is cancelled")).to_be_visible()
    expect(page.locator("h1 .badge-cancelled")).to_be_visible()
    assert_accessible(page)
