"""Bad input: each is recorded with an outcome, nothing crashes and no seat changes wrongly."""
from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import func, select

from community.db import db, utcnow
from community.inbound import worker
from community.inbound.models import InboundMessage
from community.signups import services as signups
from tests.factories import make_email, make_session, make_user
from tests.inbound.helpers import ics_reply, plain_message, receive, reply_message


def _session_with(user, capacity=5):
    session = make_session(capacity=capacity)
    signups.sign_up(user, session)
    db.session.commit()
    return session


def _status(session, user) -> str:
    db.session.expire_all()
    return signups.registration_for(user, session).status


def test_a_20_mb_message_is_refused_from_its_headers_and_not_kept(runner, mailbox):
    alice = make_user()
    session = _session_with(alice)
    mailbox.clear()
    head = reply_message(session.ical_uid, alice.email, "DECLINED", message_id="<huge@client.example>")
    raw = head + b"X" * (20 * 1024 * 1024)
    result, row = receive(runner, raw)
    assert result.exit_code == 0, result.output
    assert row.outcome == "rejected" and "Too large" in row.detail and row.raw is None
    assert row.message_id == "huge@client.example" and row.size == len(raw)
    assert _status(session, alice) == "confirmed"
    assert receive(runner, raw)[0].exit_code == 0
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1


def test_a_malformed_mime_tree_is_recorded_without_a_crash(runner, mailbox):
    raw = (b"From: broken@example.org\r\nSubject: =?utf-8?q?broken=ZZ?=\r\nMessage-ID: <broken@x>\r\n"
           b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
           b"Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n--b2\r\n"
           b"Content-Type: text/calendar; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"!!!! not base64 at all \xff\xfe\r\n--b3\r\n")
    result, row = receive(runner, raw)
    assert result.exit_code == 0, result.output
    assert row.outcome in ("ignored", "recorded") and row.error == ""


def test_bytes_that_are_not_an_email_at_all_are_recorded(runner, mailbox):
    result, row = receive(runner, b"\x00\xff\xfe binary \x00 garbage \r\n\r\n\x89PNG")
    assert result.exit_code == 0, result.output
    assert row.message_id.startswith("sha256:") and row.outcome in ("ignored", "recorded")


def test_a_calendar_part_that_does_not_parse_changes_nothing(runner, mailbox):
    alice = make_user()
    session = _session_with(alice)
    mailbox.clear()
    raw = plain_message(alice.email, "Declined: a session")
    bad = raw.replace(b"Content-Type: text/plain", b"Content-Type: text/calendar; method=REPLY")
    bad = bad.replace(b"Hello there.", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nthis is: not:: ical\r\n")
    result, row = receive(runner, bad)
    assert result.exit_code == 0
    assert row.kind == "calendar_reply" and row.outcome == "ignored"
    assert "could not be read" in row.detail or "events" in row.detail
    assert _status(session, alice) == "confirmed" and mailbox.to(alice.email) == []


def test_a_reply_with_two_attendees_is_ignored(runner, mailbox):
    alice, bob = make_user(), make_user()
    session = _session_with(alice)
    mailbox.clear()
    signups.sign_up(bob, session)
    db.session.commit()
    extra = f"ATTENDEE;PARTSTAT=DECLINED:mailto:{bob.email}"
    ics = ics_reply(session.ical_uid, alice.email, "DECLINED", extra=extra)
    raw = reply_message(session.ical_uid, alice.email, "DECLINED")
    raw = raw.replace(b"base64", b"7bit", 1)
    msg = message_from_bytes(raw, policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            part.set_content(ics, maintype="text", subtype="calendar", params={"method": "REPLY"})
    _result, row = receive(runner, msg.as_bytes())
    assert row.outcome == "ignored" and "more than one ATTENDEE" in row.detail
    assert _status(session, alice) == "confirmed" and _status(session, bob) == "confirmed"


def test_a_flood_from_one_address_is_refused_and_acts_no_more(app, runner, mailbox):
    app.config["INBOUND_MAX_PER_HOUR"] = 3
    alice = make_user()
    session = _session_with(alice)
    mailbox.clear()
    outcomes = [receive(runner, plain_message(alice.email, f"Spam {n}"))[1].outcome for n in range(3)]
    assert outcomes == ["recorded"] * 3
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED"))
    assert row.outcome == "rejected" and "More than 3 messages" in row.detail
    assert _status(session, alice) == "confirmed" and mailbox.to(alice.email) == []


def test_a_message_without_message_id_is_keyed_by_its_bytes_and_acted_on_once(runner, mailbox):
    alice = make_user()
    session = _session_with(alice, capacity=5)
    raw = reply_message(session.ical_uid, alice.email, "DECLINED")
    raw = b"\r\n".join(line for line in raw.split(b"\n") if not line.startswith(b"Message-ID"))
    _result, row = receive(runner, raw)
    assert row.message_id.startswith("sha256:") and row.outcome == "done"
    signups.sign_up(db.session.merge(alice), session)
    db.session.commit()
    receive(runner, raw)
    assert _status(session, alice) == "confirmed"
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 1


def test_a_delivery_report_for_a_message_we_did_not_send_is_ignored(runner, mailbox):
    raw = (b"From: MAILER-DAEMON@example.org\r\nMessage-ID: <dsn-x@example.org>\r\nReturn-Path: <>\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
           b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; example.org\r\n\r\n"
           b"Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
           b"Message-ID: <not-ours@elsewhere>\r\n\r\n--r--\r\n")
    _result, row = receive(runner, raw)
    assert (row.kind, row.outcome) == ("bounce", "ignored") and mailbox.messages == []


def test_an_answer_to_one_of_our_emails_is_kept_as_a_request_for_the_organisers(runner, mailbox):
    alice = make_user()
    sent = make_email(alice, "Your seat is confirmed")
    db.session.commit()
    mailbox.clear()
    raw = plain_message(alice.email, "Re: Your seat is confirmed",
                        headers={"In-Reply-To": f"<{sent.message_id}>"}, body="Can I bring a colleague?")
    _result, row = receive(runner, raw)
    assert (row.kind, row.outcome) == ("signup_request", "recorded") and mailbox.messages == []


def test_raw_messages_are_forgotten_after_their_keeping_time(app, runner, mailbox):
    receive(runner, plain_message("old@example.org"))
    _result, recent = receive(runner, plain_message("new@example.org"))
    old = db.session.scalar(select(InboundMessage).where(InboundMessage.sender == "old@example.org"))
    old.received_at = utcnow() - timedelta(days=app.config["INBOUND_RAW_DAYS"] + 1)
    db.session.commit()
    assert worker.purge_raw() == 1
    db.session.expire_all()
    assert old.raw is None and recent.raw is not None

