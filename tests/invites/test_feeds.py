"""Calendar feeds: one session, all sessions, a member's own; conditional GET done right."""
from datetime import timedelta

import time_machine
from icalendar import Calendar

from community.db import db, utcnow
from community.sessions import services as sessions
from community.sessions.models import SessionStatus
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.imip import check_lines, check_with_other_parsers


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data()
    check_lines(body)
    check_with_other_parsers(body)
    return Calendar.from_ical(body)


def _assert_feed_shape(cal):
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) and str(cal["NAME"])
    assert cal.to_ical().count(b"REFRESH-INTERVAL;VALUE=DURATION:PT1H") == 1
    assert b"X-PUBLISHED-TTL:PT1H" in cal.to_ical()
    for event in cal.walk("VEVENT"):
        assert "ATTENDEE" not in event and "RSVP" not in event.to_ical().decode()


def test_session_file_has_the_same_uid_as_the_invitation(client):
    session = make_session()
    db.session.commit()
    cal = _calendar(client.get(f"/sessions/{session.id}/invite.ics"))
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == session.ical_uid and event["SEQUENCE"] == session.sequence
    assert "meet.example.com" not in cal.to_ical().decode()


def test_session_file_of_a_draft_is_404(client):
    session = make_session(status=SessionStatus.DRAFT)
    db.session.commit()
    assert client.get(f"/sessions/{session.id}/invite.ics").status_code == 404


def test_public_feed_lists_published_and_keeps_cancelled_until_their_date(client):
    organiser = make_user(role="organiser")
    live = make_session(title="Live one", slug="live-one")
    gone = make_session(title="Called off", slug="called-off", starts_at=utcnow() + timedelta(days=2))
    make_session(title="Still a draft", slug="draft", status=SessionStatus.DRAFT)
    sessions.cancel(organiser, gone)
    db.session.commit()
    cal = _calendar(client.get("/calendar.ics"))
    _assert_feed_shape(cal)
    by_title = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(by_title) == {"Live one", "Called off"}
    assert str(by_title["Called off"]["STATUS"]) == "CANCELLED"
    assert by_title["Called off"]["SEQUENCE"] == gone.sequence == 1
    assert str(by_title["Live one"]["UID"]) == live.ical_uid
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        cal = _calendar(client.get("/calendar.ics"))
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {"Live one"}


def test_feed_bytes_are_deterministic_and_conditional_get_answers_304_only_when_unchanged(client):
    organiser = make_user(role="organiser")
    session = make_session()
    db.session.commit()
    first = client.get("/calendar.ics")
    again = client.get("/calendar.ics")
    assert first.get_data() == again.get_data()
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    assert client.get("/calendar.ics", headers={"If-None-Match": etag}).status_code == 304
    since = first.headers["Last-Modified"]
    assert client.get("/calendar.ics", headers={"If-Modified-Since": since}).status_code == 304
    with time_machine.travel(utcnow() + timedelta(seconds=2), tick=False):
        sessions.update_session(organiser, session, venue="", join_url="https://meet.example.com/b")
        db.session.commit()
    changed = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.get("/calendar.ics", headers={"If-Modified-Since": since}).status_code == 200


def test_feeds_answer_head(client):
    make_session()
    db.session.commit()
    response = client.head("/calendar.ics")
    assert response.status_code == 200 and response.headers["ETag"]


def test_personal_feed_holds_confirmed_seats_with_the_join_link(client):
    mine = make_session(title="Mine", slug="mine")
    make_session(title="Not mine", slug="not-mine")
    full = make_session(title="Full", slug="full", capacity=1)
    user = make_user()
    signups.sign_up(make_user(), full)
    signups.sign_up(user, mine)
    signups.sign_up(user, full)  # waitlisted: not in the personal feed
    db.session.commit()
    cal = _calendar(client.get(f"/calendar/{user.calendar_token}.ics"))
    _assert_feed_shape(cal)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Mine" and "meet.example.com" in str(event["LOCATION"])


def test_a_withdrawn_seat_leaves_the_personal_feed_at_once(client):
    session = make_session()
    user = make_user()
    signups.sign_up(user, session)
    db.session.commit()
    url = f"/calendar/{user.calendar_token}.ics"
    first = client.get(url)
    assert len(_calendar(first).walk("VEVENT")) == 1
    signups.cancel(user, session)
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"],
                                     "If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status_code == 200
    assert _calendar(after).walk("VEVENT") == []


def test_personal_feed_token_is_long_random_and_renewable(client, auth):
    user = make_user()
    db.session.commit()
    old = user.calendar_token
    assert len(old) >= 22  # 24 random bytes = 192 bits, URL-safe
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert f"/calendar/{old}.ics" in page
    client.post("/account/calendar/renew")
    db.session.refresh(user)
    assert user.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{user.calendar_token}.ics").status_code == 200


def test_unknown_feed_token_is_a_plain_404(client):
    response = client.get("/calendar/not-a-real-token.ics")
    assert response.status_code == 404 and "token" not in response.get_data(as_text=True).lower()


def test_session_page_offers_add_to_calendar(client):
    session = make_session()
    db.session.commit()
    page = client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)
    assert f"/sessions/{session.id}/invite.ics" in page
    assert "webcal://127.0.0.1:5000/calendar.ics" in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
