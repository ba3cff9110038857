"""Check-in in a real browser: an organiser finds an attendee by typing part of the name (the
list narrows as they type), marks them attended and sees it on the row; the same search works
without JavaScript, and on a phone.

The helpers (`session_under_way`, `open_check_in`, `find`, `mark_attended`) are meant to be
reused: a journey that goes on to the dashboard starts from `session_under_way` and
`mark_attended`, then checks what changed there.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import expect

from community.db import db, utcnow
from community.signups import services as signups
from tests.e2e.browser import PHONE
from tests.e2e.support import assert_accessible, flash, log_in, open_tab
from tests.factories import make_session, make_user

ORGANISER = "olga@example.com"
#: The people with a place at the session: (name, email, organisation).
PEOPLE = [("Ada Lovelace", "ada@example.com", "Analytical Engines"),
          ("Grace Hopper", "grace@example.com", "Navy Systems"),
          ("Alan Turing", "alan@example.com", "Bletchley Park")]


@dataclass
class UnderWay:
    """The ids a journey needs: the session and each person's registration by first name."""

    session_id: int
    registrations: dict[str, int]


def session_under_way(live_server, capacity: int = 10) -> UnderWay:
    """An organiser, and a published session that began ten minutes ago with PEOPLE in seats
    (signed up before it started)."""
    with live_server.app.app_context():
        make_user(email=ORGANISER, name="Olga Organiser", role="organiser")
        session = make_session(title="Cloud costs under control", slug="cloud-costs", capacity=capacity)
        regs = {}
        for name, email, organisation in PEOPLE:
            user = make_user(email=email, name=name, organisation=organisation)
            regs[name.split()[0]] = signups.sign_up(user, session).id
        session.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=10)
        session.ends_at = session.starts_at + timedelta(hours=1)
        db.session.commit()
        return UnderWay(session.id, regs)


def open_check_in(page, under_way: UnderWay) -> None:
    """From the organisers' attendee list, follow the link to check-in."""
    page.goto(f"/admin/sessions/{under_way.session_id}/attendees")
    page.get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Check-in"))).to_be_visible()
    # The heading shows before the page's script has run; typing earlier than that would not
    # narrow the list as the test expects ("load" comes after every script).
    page.wait_for_load_state("load")


def row(page, name: str):
    """The attendee table's row of this person."""
    return page.get_by_role("table").get_by_role("row").filter(has_text=name)


def find(page, text: str) -> None:
    """Type into the search box."""
    page.get_by_label("Find an attendee").press_sequentially(text)


def mark_attended(page, name: str) -> None:
    """Press the person's "Mark attended" and wait until the page says so."""
    row(page, name).get_by_role("button", name=re.compile("^Mark attended")).click()
    expect(flash(page, f"{name} is marked attended.")).to_be_visible()


def test_an_organiser_finds_an_attendee_by_typing_and_marks_them_attended(page, live_server, mailbox):
    under_way = session_under_way(live_server)
    log_in(page, ORGANISER)
    open_check_in(page, under_way)
    expect(page.locator("#attended-count")).to_have_text("0 / 3")
    assert_accessible(page)

    find(page, "gra")
    expect(row(page, "Grace Hopper")).to_be_visible()
    expect(row(page, "Ada Lovelace")).to_be_hidden()
    expect(row(page, "Alan Turing")).to_be_hidden()
    expect(page.locator("#checkin-shown")).to_have_text("1 of 3 shown.")

    mark_attended(page, "Grace Hopper")
    expect(row(page, "Grace Hopper")).to_contain_text("✓ Attended")
    expect(row(page, "Grace Hopper").get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    expect(page.locator("#attended-count")).to_have_text("1 / 3")
    assert_accessible(page)
    with live_server.app.app_context():
        from community.signups.models import Registration

        assert db.session.get(Registration, under_way.registrations["Grace"]).attendance_source == "check-in"

    find(page, "zzz")
    expect(page.get_by_text(re.compile("Nobody on this page matches"))).to_be_visible()


def test_without_javascript_the_search_form_narrows_the_list_on_the_server(browser, live_server, mailbox):
    under_way = session_under_way(live_server)
    with open_tab(browser, live_server.url, java_script_enabled=False) as tab:
        log_in(tab, ORGANISER)
        tab.goto(f"/sessions/{under_way.session_id}/check-in")
        tab.get_by_label("Find an attendee").fill("turing")
        tab.get_by_role("button", name="Search").click()
        expect(tab).to_have_url(re.compile(r"/check-in\?q=turing$"))
        expect(row(tab, "Alan Turing")).to_be_visible()
        expect(row(tab, "Ada Lovelace")).to_have_count(0)
        mark_attended(tab, "Alan Turing")
        expect(tab).to_have_url(re.compile(r"/check-in\?q=turing#reg-\d+$"))
        expect(row(tab, "Alan Turing")).to_contain_text("✓ Attended")


def test_on_a_phone_the_buttons_are_big_enough_to_tap(browser, live_server, mailbox):
    under_way = session_under_way(live_server)
    with open_tab(browser, live_server.url, viewport=PHONE, is_mobile=True, has_touch=True) as tab:
        log_in(tab, ORGANISER)
        tab.goto(f"/sessions/{under_way.session_id}/check-in")
        button = row(tab, "Ada Lovelace").get_by_role("button", name=re.compile("^Mark attended"))
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= PHONE["width"] / 2
        assert_accessible(tab)
        tab.get_by_label("Find an attendee").press_sequentially("ada")
        expect(row(tab, "Grace Hopper")).to_be_hidden()
        button.tap()
        expect(flash(tab, "Ada Lovelace is marked attended.")).to_be_visible()
