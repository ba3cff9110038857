"""Sign-up in a real browser: take a seat, cancel it, and the first on the waitlist is promoted."""
from playwright.sync_api import expect

from community.accounts.models import User
from community.db import db
from community.sessions.models import Session
from community.signups import services as signups
from tests.e2e.support import assert_accessible, log_in, log_out
from tests.factories import make_session, make_user


def test_member_signs_up_cancels_and_the_waitlist_moves_up(page, live_server, mailbox):
    with live_server.app.app_context():
        session = make_session(title="Is good enough, enough?", capacity=1)
        make_user(email="ada@example.com", name="Ada Lovelace")
        waiting = make_user(email="grace@example.com", name="Grace Hopper")
        db.session.commit()
        session_id, waiting_id = session.id, waiting.id

    log_in(page, "ada@example.com")
    page.goto(f"/sessions/{session_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is good enough, enough?")
    expect(page.get_by_text("1 seat left")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".flash-success")).to_contain_text("Your seat is confirmed")
    expect(page.get_by_text("✓ Your seat is confirmed.")).to_be_visible()
    assert_accessible(page)
    assert mailbox.to("ada@example.com")[-1]["Subject"].startswith("Your seat is confirmed")

    with live_server.app.app_context():
        reg = signups.sign_up(db.session.get(User, waiting_id), db.session.get(Session, session_id))
        db.session.commit()
        assert reg.status == "waitlisted"

    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())  # the "are you sure?" enhancement
    page.get_by_role("button", name="Cancel my seat").click()
    expect(page.locator(".flash-success")).to_contain_text("Your seat is cancelled")
    expect(page.get_by_role("button", name="Join the waitlist")).to_be_visible()  # Grace has it now
    assert_accessible(page)

    promoted = mailbox.to("grace@example.com")[-1]
    assert promoted["Subject"] == "A seat is now yours: Is good enough, enough?"
    log_out(page)
    log_in(page, "grace@example.com")
    page.goto(f"/sessions/{session_id}")
    expect(page.get_by_text("✓ Your seat is confirmed.")).to_be_visible()
    assert_accessible(page)
