"""The dashboard in a real browser: an organiser reads the show-up rate on /admin/, checks an
attendee in (found by typing part of the name) and sees the rate change; the period switch and a
chart's CSV work from the page, which passes the accessibility checks on a laptop and a phone."""
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from community.accounts import services as accounts
from community.db import db, utcnow
from community.sessions.models import Session
from community.signups import attendance
from community.signups.models import Registration
from tests.e2e.browser import PHONE
from tests.e2e.support import assert_accessible, log_in, open_tab
from tests.e2e.test_checkin_journey import (
    ORGANISER,
    find,
    mark_attended,
    open_check_in,
    row,
    session_under_way,
)


def session_that_ended(live_server):
    """The check-in journey's session with its three people, moved to have ended an hour ago,
    with Grace already marked attended (1 of 3 confirmed seats: 33%)."""
    under_way = session_under_way(live_server)
    with live_server.app.app_context():
        session = db.session.get(Session, under_way.session_id)
        session.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=2)
        session.ends_at = session.starts_at + timedelta(hours=1)
        attendance.mark(accounts.get_by_email(ORGANISER),
                        db.session.get(Registration, under_way.registrations["Grace"]))
        db.session.commit()
    return under_way


def test_checking_someone_in_changes_the_show_up_rate_on_the_dashboard(page, live_server, mailbox):
    under_way = session_that_ended(live_server)
    log_in(page, ORGANISER)
    page.goto("/admin/?period=30")
    expect(page.locator("#show-up-rate")).to_have_text("33%")
    expect(page.locator("#no-show-rate")).to_have_text("67%")
    session_row = page.get_by_role("table", name="Attendance and no-shows per session").get_by_role(
        "row").filter(has_text="Cloud costs under control")
    expect(session_row).to_contain_text("67%")
    assert_accessible(page)

    open_check_in(page, under_way)
    find(page, "lov")
    expect(row(page, "Ada Lovelace")).to_be_visible()
    expect(row(page, "Alan Turing")).to_be_hidden()
    mark_attended(page, "Ada Lovelace")

    page.goto("/admin/?period=30")
    expect(page.locator("#show-up-rate")).to_have_text("67%")
    expect(page.get_by_text("2 of 3 confirmed seats at 1 session")).to_be_visible()
    expect(session_row).to_contain_text("33%")


def test_the_period_switch_and_a_charts_csv_from_the_page(page, live_server, mailbox):
    session_that_ended(live_server)
    log_in(page, ORGANISER)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Dashboard: the last 90 days")).to_be_visible()
    page.get_by_role("navigation", name="Period").get_by_role("link", name="365 days").click()
    expect(page).to_have_url(re.compile(r"/admin/\?period=365$"))
    expect(page.get_by_role("heading", name="Dashboard: the last 365 days")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^No-show rate per session"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of attendance").click()
    assert download.value.suggested_filename == "dashboard-attendance-365-days.csv"
    assert "Cloud costs under control" in Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_on_a_phone_the_dashboard_is_readable_and_accessible(browser, live_server, mailbox):
    session_that_ended(live_server)
    with open_tab(browser, live_server.url, viewport=PHONE, is_mobile=True, has_touch=True) as tab:
        log_in(tab, ORGANISER)
        tab.goto("/admin/?period=30")
        expect(tab.locator("#show-up-rate")).to_have_text("33%")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways on a phone"
        assert_accessible(tab)
