"""Sign-up by email: a member asks for a session by answering our email or naming it (title or
date) in the subject, and gets a seat, a confirmation link or the list of upcoming sessions; a
stranger gets the join link once; automatic and unverifiable mail is never answered."""
from datetime import UTC, datetime, timedelta

import time_machine

from community.accounts import services as accounts
from community.db import db, utcnow
from community.inbound.requests import dates_in
from community.invites import services as invites
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.imip import calendar_part
from tests.inbound.helpers import auth_header, plain_message, receive

BASE = "http://127.0.0.1:5000"


def ask(sender: str, subject: str, *, authenticated: bool = True, headers: dict | None = None,
        body: str = "Please sign me up.") -> bytes:
    """A person's email to the community address, authenticated by our server unless told."""
    headers = dict(headers or {})
    if authenticated:
        headers.setdefault("Authentication-Results", auth_header(sender.rpartition("@")[2]))
    return plain_message(sender, subject, headers=headers, body=body)


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _links(message, fragment: str = "/inbound/signup/") -> list[str]:
    return [w.replace(BASE, "") for w in _text(message).split() if fragment in w]


def _status(session, user) -> str | None:
    db.session.expire_all()
    reg = signups.registration_for(user, session)
    return reg.status if reg else None


def _subjects(mailbox, address) -> list[str]:
    return sorted(m["Subject"] for m in mailbox.to(address))


def _two_sessions():
    """Two upcoming sessions with different titles and dates, committed."""
    first = make_session(title="Is good enough, enough?", starts_at=_at(days=10))
    second = make_session(title="Data strategy without the slides", slug="data-strategy",
                          starts_at=_at(days=24))
    db.session.commit()
    return first, second


def _at(days: int, hour: int = 14) -> datetime:
    """An instant `days` from now at `hour`:00 UTC."""
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


# One session found ----------------------------------------------------------------------------

def test_a_member_naming_the_title_gets_a_seat_and_the_invitation(runner, mailbox):
    session, other = _two_sessions()
    alice = make_user()
    db.session.commit()
    result, row = receive(runner, ask(alice.email, "Sign me up: Is good enough, enough?"))
    assert result.exit_code == 0, result.output
    assert (row.kind, row.outcome) == ("signup_request", "done") and row.authenticated
    assert "found by the title" in row.detail and "a seat" in row.detail
    assert row.session_id == session.id
    assert _status(session, alice) == "confirmed" and _status(other, alice) is None
    assert signups.registration_for(alice, session).source == "email"
    (invitation,) = mailbox.to(alice.email)
    assert invitation["Subject"] == f"Your seat is confirmed: {session.title}"
    assert calendar_part(invitation) is not None


def test_a_date_in_the_subject_finds_the_session_on_that_day_in_its_own_zone(runner, mailbox):
    # 01:30 UTC is still the evening before in New York: the session's own date is the day before.
    evening = make_session(title="Transatlantic evening", slug="transatlantic", timezone="America/New_York",
                           starts_at=_at(days=15, hour=1).replace(minute=30))
    make_session(title="London morning", slug="london-morning", starts_at=_at(days=15, hour=9))
    db.session.commit()
    local_day = evening.starts_at - timedelta(hours=6)
    alice = make_user()
    db.session.commit()
    _result, row = receive(runner, ask(alice.email, f"Seat on {local_day.day} {local_day:%B}, please"))
    assert row.outcome == "done" and "found by the date" in row.detail
    assert _status(evening, alice) == "confirmed"


def test_an_iso_or_day_first_date_finds_the_session_too(runner, mailbox):
    first, second = _two_sessions()
    alice, bob = make_user(), make_user()
    db.session.commit()
    day = second.starts_at
    receive(runner, ask(alice.email, f"Booking for {day:%Y-%m-%d}"))
    receive(runner, ask(bob.email, f"Re: {day.day:02d}/{day.month:02d}"))
    assert _status(second, alice) == "confirmed" and _status(second, bob) == "confirmed"
    assert _status(first, alice) is None and _status(first, bob) is None


def test_the_date_forms_read_from_a_subject():
    assert dates_in("12 January") == {(None, 1, 12)}
    assert dates_in("the 12th of Jan 2027") == {(2027, 1, 12)}
    assert dates_in("January 12, 2027") == {(2027, 1, 12)}
    assert dates_in("2027-01-12") == {(2027, 1, 12)}
    assert dates_in("12/01") == {(None, 1, 12)}
    assert dates_in("12/01/27") == {(2027, 1, 12)}
    assert dates_in("31/02, 2027-13-01, 14:00, room 12") == set()


def test_a_reply_to_an_announcement_signs_a_former_attendee_up_again(runner, mailbox):
    organiser = make_user(role="organiser")
    session, _other = _two_sessions()
    alice = make_user()
    signups.sign_up(alice, session)
    db.session.commit()
    invites.message(session, organiser, subject="Pre-read is out", body="Please read it.",
                    include_waitlist=False)
    db.session.commit()
    (announcement,) = [m for m in mailbox.to(alice.email) if m["Subject"] == "Pre-read is out"]
    signups.cancel(alice, session)
    db.session.commit()
    mailbox.clear()
    raw = ask(alice.email, "Re: Pre-read is out", body="I can come after all.",
              headers={"In-Reply-To": announcement["Message-ID"], "References": announcement["Message-ID"]})
    _result, row = receive(runner, raw)
    assert row.outcome == "done" and "found by the thread" in row.detail
    assert _status(session, alice) == "confirmed"
    assert _subjects(mailbox, alice.email) == [f"Your seat is confirmed: {session.title}"]


def test_a_reply_to_a_cancellation_is_confirmed_by_link_even_when_authenticated(runner, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    signups.sign_up(alice, session)
    db.session.commit()
    signups.cancel(alice, session)
    db.session.commit()
    (cancelled,) = [m for m in mailbox.to(alice.email) if m["Subject"].startswith("Sign-up cancelled")]
    mailbox.clear()
    _result, row = receive(runner, ask(alice.email, "Re: your email", body="Thanks!",
                                       headers={"In-Reply-To": cancelled["Message-ID"]}))
    assert row.outcome == "awaiting_confirmation"
    assert _status(session, alice) == "cancelled"
    (question,) = mailbox.to(alice.email)
    assert question["Subject"] == f"Did you mean to sign up? {session.title}"


def test_a_full_session_puts_the_member_on_the_waitlist(runner, mailbox):
    session = make_session(capacity=1, title="Small table")
    signups.sign_up(make_user(), session)
    alice = make_user()
    db.session.commit()
    mailbox.clear()
    _result, row = receive(runner, ask(alice.email, "Small table"))
    assert row.outcome == "done" and "waitlist position 1" in row.detail
    assert _status(session, alice) == "waitlisted"
    (told,) = mailbox.to(alice.email)
    assert told["Subject"] == "You are on the waitlist: Small table"


def test_a_member_already_signed_up_is_told_and_never_booked_twice(runner, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    signups.sign_up(alice, session)
    db.session.commit()
    mailbox.clear()
    _result, row = receive(runner, ask(alice.email, f"Sign up: {session.title}"))
    assert row.outcome == "recorded" and "already has a seat" in row.detail
    (status,) = mailbox.to(alice.email)
    assert status["Subject"] == f"You already have a seat: {session.title}"
    assert calendar_part(status) is None
    _result, row = receive(runner, ask(alice.email, f"Sign up: {session.title}"))
    assert "told recently" in row.detail and len(mailbox.to(alice.email)) == 1
    assert len(signups.attendees(session)["confirmed"]) == 1


# Not verified -----------------------------------------------------------------------------------

def test_an_unauthenticated_request_asks_by_email_and_the_link_signs_up_on_post_only(
        runner, client, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    _result, row = receive(runner, ask(alice.email, f"Sign up: {session.title}", authenticated=False))
    assert row.outcome == "awaiting_confirmation" and not row.authenticated
    assert _status(session, alice) is None
    (question,) = mailbox.to(alice.email)
    assert question["Subject"] == f"Did you mean to sign up? {session.title}"
    (link,) = _links(question)
    page = client.get(link)
    assert page.status_code == 200 and "Did you mean to sign up?" in page.get_data(as_text=True)
    assert _status(session, alice) is None  # GET changes nothing
    done = client.post(link).get_data(as_text=True)
    assert "Your seat is confirmed" in done and _status(session, alice) == "confirmed"
    assert f"Your seat is confirmed: {session.title}" in _subjects(mailbox, alice.email)
    again = client.post(link).get_data(as_text=True)
    assert "You already have a seat" in again
    assert len(signups.attendees(session)["confirmed"]) == 1


def test_authentication_results_from_another_host_are_not_trusted(runner, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    forged = "mx.attacker.example; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=example.com"
    raw = ask(alice.email, session.title, authenticated=False, headers={"Authentication-Results": forged})
    _result, row = receive(runner, raw)
    assert row.outcome == "awaiting_confirmation" and not row.authenticated
    assert _status(session, alice) is None


def test_a_second_unverified_request_soon_after_sends_no_second_email(runner, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    receive(runner, ask(alice.email, session.title, authenticated=False))
    _result, row = receive(runner, ask(alice.email, session.title, authenticated=False))
    assert row.outcome == "ignored" and "sent recently" in row.detail
    assert len(mailbox.to(alice.email)) == 1


def test_an_expired_or_forged_link_says_so_instead_of_failing(runner, client, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    receive(runner, ask(alice.email, session.title, authenticated=False))
    (link,) = _links(mailbox.to(alice.email)[0])
    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 400 and "not valid or has expired" in forged.get_data(as_text=True)
    assert client.post("/inbound/signup/nonsense").status_code == 400
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        expired = client.post(link)
        assert expired.status_code == 400 and "not valid or has expired" in expired.get_data(as_text=True)
    assert _status(session, alice) is None


def test_a_link_no_longer_signs_up_once_the_member_cancelled_afterwards(runner, client, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    receive(runner, ask(alice.email, session.title, authenticated=False))
    (link,) = _links(mailbox.to(alice.email)[0])
    client.post(link)
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        signups.cancel(db.session.merge(alice), session)
        db.session.commit()
        answer = client.post(link)
    assert answer.status_code == 400 and "You cancelled" in answer.get_data(as_text=True)
    assert _status(session, alice) == "cancelled"


# Not clear which session ------------------------------------------------------------------------

def test_an_ambiguous_request_lists_the_sessions_and_a_listed_link_gives_a_seat(
        runner, client, mailbox):
    first, second = _two_sessions()
    alice = make_user()
    signups.sign_up(alice, first)
    db.session.commit()
    mailbox.clear()
    _result, row = receive(runner, ask(alice.email, "Sign me up please", body="For the next one."))
    assert (row.kind, row.outcome) == ("signup_request", "awaiting_confirmation")
    (listing,) = mailbox.to(alice.email)
    assert listing["Subject"] == "Which session would you like to join?"
    text = _text(listing)
    assert first.title in text and second.title in text and "You already have a seat." in text
    (link,) = _links(listing)  # none for the session she already has a seat at
    assert second.title in client.get(link).get_data(as_text=True)
    client.post(link)
    assert _status(second, alice) == "confirmed"
    (invitation,) = [m for m in mailbox.to(alice.email) if m["Subject"].startswith("Your seat is confirmed")]
    assert invitation["Subject"] == f"Your seat is confirmed: {second.title}"
    assert calendar_part(invitation) is not None


def test_a_title_shared_by_several_sessions_lists_only_those(runner, mailbox):
    weekly = [make_session(title="Leadership lunch", slug=f"lunch-{n}", starts_at=_at(days=7 * n))
              for n in (1, 2)]
    make_session(title="Something else", slug="else", starts_at=_at(days=3))
    alice = make_user()
    db.session.commit()
    _result, row = receive(runner, ask(alice.email, "Leadership lunch"))
    assert row.outcome == "awaiting_confirmation"
    assert all(_status(s, alice) is None for s in weekly)
    (listing,) = mailbox.to(alice.email)
    assert len(_links(listing)) == 2 and "Something else" not in _text(listing)


def test_the_title_and_the_date_together_pick_one_of_a_series(runner, mailbox):
    first, later = [make_session(title="Leadership lunch", slug=f"lunch-{n}", starts_at=_at(days=7 * n))
                    for n in (1, 2)]
    alice = make_user()
    db.session.commit()
    day = later.starts_at
    _result, row = receive(runner, ask(alice.email, f"Leadership lunch on {day.day} {day:%B}"))
    assert row.outcome == "done" and "title and date" in row.detail
    assert _status(later, alice) == "confirmed" and _status(first, alice) is None


# Strangers, automatic and other mail ------------------------------------------------------------

def test_an_unknown_verified_sender_gets_the_join_link_once_in_the_period(app, runner, mailbox):
    session, _other = _two_sessions()
    stranger = "nia@newcomer.example"
    _result, row = receive(runner, ask(stranger, f"Sign me up for {session.title}"))
    assert row.outcome == "done" and "join link" in row.detail
    (reply,) = mailbox.to(stranger)
    assert f"{BASE}/register" in _text(reply) and session.title in _text(reply)
    _result, row = receive(runner, ask(stranger, f"Sign me up for {session.title}"))
    assert row.outcome == "recorded" and "in the last 7 days" in row.detail
    assert len(mailbox.to(stranger)) == 1
    with time_machine.travel(utcnow() + timedelta(days=app.config["INBOUND_JOIN_REPLY_DAYS"], hours=1),
                             tick=False):
        _result, row = receive(runner, ask(stranger, "Sign me up"))
    assert row.outcome == "done" and len(mailbox.to(stranger)) == 2
    assert accounts.get_by_email(stranger) is None


def test_an_unknown_unverified_sender_gets_no_reply(runner, mailbox):
    session, _other = _two_sessions()
    _result, row = receive(runner, ask("spoofed@victim.example", session.title, authenticated=False))
    assert (row.kind, row.outcome) == ("signup_request", "recorded") and "not answered" in row.detail
    assert mailbox.messages == []


def test_automatic_mail_is_never_answered(runner, mailbox):
    session, _other = _two_sessions()
    alice = make_user()
    db.session.commit()
    automatic = [{"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"Precedence": "list"},
                 {"Precedence": "junk"}, {"Return-Path": "<>"}]
    for sender in (alice.email, "nia@newcomer.example"):
        for headers in automatic:
            _result, row = receive(runner, ask(sender, f"Sign up: {session.title}", headers=headers))
            assert (row.kind, row.outcome) == ("auto_reply", "ignored"), headers
    assert mailbox.messages == [] and _status(session, alice) is None


def test_an_account_that_is_not_confirmed_changes_nothing(runner, mailbox):
    session, _other = _two_sessions()
    una = make_user(confirmed=False)
    db.session.commit()
    mailbox.clear()
    _result, row = receive(runner, ask(una.email, session.title))
    assert row.outcome == "recorded" and "not confirmed" in row.detail
    assert _status(session, una) is None and mailbox.messages == []


def test_mail_about_no_session_stays_recorded_for_the_organisers(runner, mailbox):
    _two_sessions()
    alice = make_user()
    db.session.commit()
    for sender in (alice.email, "nia@newcomer.example"):
        _result, row = receive(runner, ask(sender, "Thank you for last week", body="Great evening."))
        assert (row.kind, row.outcome) == ("other", "recorded")
        assert row.detail == "Kept for the organisers to read."
    assert mailbox.messages == []


def test_a_request_for_a_past_session_when_none_is_open_is_kept_for_the_organisers(runner, mailbox):
    past = make_session(title="Last year's roundtable", slug="past",
                        starts_at=datetime(2025, 1, 9, 14, tzinfo=UTC))
    alice = make_user()
    db.session.commit()
    mailbox.clear()
    _result, row = receive(runner, ask(alice.email, "Last year's roundtable"))
    assert (row.kind, row.outcome) == ("signup_request", "recorded") and "none is open" in row.detail
    assert _status(past, alice) is None and mailbox.messages == []
