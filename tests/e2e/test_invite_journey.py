"""Invitations in a real browser: sign up, the invite arrives, the organiser moves the session,
the update arrives with the same UID and a higher SEQUENCE; an organiser emails the attendees."""
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from community.db import db
from tests.e2e.support import assert_accessible, log_in, log_out
from tests.factories import make_session, make_user
from tests.imip import calendar_part, event_of


def test_invite_then_move_in_admin_then_update_with_higher_sequence(page, live_server, mailbox):
    start = (datetime.now(UTC) + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
    with live_server.app.app_context():
        session = make_session(title="Is good enough, enough?", starts_at=start)
        make_user(email="ada@example.com", name="Ada Lovelace")
        make_user(email="olga@example.com", name="Olga Organiser", role="organiser")
        db.session.commit()
        session_id = session.id

    log_in(page, "ada@example.com")
    page.goto(f"/sessions/{session_id}")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("✓ Your seat is confirmed.")).to_be_visible()
    (invite,) = mailbox.to("ada@example.com")
    first = event_of(invite)
    assert calendar_part(invite).get_param("method") == "REQUEST"
    log_out(page)

    log_in(page, "olga@example.com")
    page.goto(f"/admin/sessions/{session_id}/edit")
    assert_accessible(page)
    page.get_by_label("Start time").fill("16:00")
    page.get_by_label("End time").fill("17:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)

    update = mailbox.to("ada@example.com")[-1]
    assert update["Subject"] == "Updated: Is good enough, enough?"
    moved = event_of(update)
    assert str(moved["UID"]) == str(first["UID"])
    assert moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved["DTSTART"].dt - first["DTSTART"].dt == timedelta(hours=2)
    assert "Starts:" in update.get_body(preferencelist=("plain",)).get_content()

    page.goto(f"/admin/sessions/{session_id}/attendees")
    assert_accessible(page)
    page.get_by_label("Subject").fill("Pre-read for Thursday")
    page.get_by_label("Message").fill("Please read the **briefing** before we meet.")
    page.get_by_role("button", name="Send to 1 confirmed").click()
    expect(page.locator(".flash-success")).to_contain_text("on its way")
    assert mailbox.to("ada@example.com")[-1]["Subject"] == "Pre-read for Thursday"
