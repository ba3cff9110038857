"""The corpus: replies shaped as Outlook (desktop and outlook.com), Gmail, Apple Calendar and
Thunderbird send them, DSNs from Postfix and Exchange and an out-of-office reply, each piped
to `flask inbound receive` as real bytes and processed with the expected outcome."""
from pathlib import Path

import pytest
from sqlalchemy import select

from community.db import db
from community.inbound.models import InboundMessage
from community.mail.models import OutboxMessage
from community.signups import services as signups
from tests.factories import make_email, make_session, make_user
from tests.inbound.helpers import receive

CORPUS = Path(__file__).parent / "corpus"
UID = "session-corpus-2026@127.0.0.1"
MEMBERS = {"alice": "alice@contoso.example", "bob": "bob@outlook.com", "carol": "carol@gmail.com",
           "dave": "dave@icloud.com", "erin": "erin@thunderbird.example", "frank": "frank@example.net"}
#: Outbox messages the DSNs report on: the Message-ID we sent, by recipient.
SENT = {"gone@example.org": "corpus-bounce-1@localhost", "slow@contoso.example": "corpus-delay-1@localhost",
        "left@contoso.example": "corpus-ndr-1@localhost"}


@pytest.fixture
def community(app):
    """The corpus session (5 seats: alice to erin confirmed, frank waitlisted) and the outbox
    rows the DSNs name; committed, with the mailbox emptied."""
    session = make_session(capacity=5, ical_uid=UID, title="Is good enough, enough?")
    users = {key: make_user(email=email, name=key.title()) for key, email in MEMBERS.items()}
    for key in MEMBERS:
        signups.sign_up(users[key], session)
    for recipient, message_id in SENT.items():
        make_email(make_user(email=recipient)).message_id = message_id
    db.session.commit()
    return session, users


def _status(session, user) -> str:
    db.session.expire_all()
    return signups.registration_for(user, session).status


def _answer(session, user) -> str:
    db.session.expire_all()
    return signups.registration_for(user, session).calendar_reply


def _outbox(recipient) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == SENT[recipient]))


def _subjects(mailbox, address) -> list[str]:
    return sorted(m["Subject"] for m in mailbox.to(address))


def check_outlook_desktop_declined(session, users, mailbox):
    assert _status(session, users["alice"]) == "cancelled"
    assert _status(session, users["frank"]) == "confirmed"
    assert "You gave up your seat: Is good enough, enough?" in _subjects(mailbox, MEMBERS["alice"])


def check_outlook_com_accepted_no_organizer(session, users, mailbox):
    assert _status(session, users["bob"]) == "confirmed" and _answer(session, users["bob"]) == "ACCEPTED"


def check_gmail_declined_invite_ics(session, users, mailbox):
    assert _status(session, users["carol"]) == "cancelled"
    # the same REPLY in the body and in invite.ics is read once: one note, one promotion
    assert _subjects(mailbox, MEMBERS["carol"]).count("You gave up your seat: Is good enough, enough?") == 1
    assert _status(session, users["frank"]) == "confirmed"


def check_apple_calendar_tentative(session, users, mailbox):
    assert _status(session, users["dave"]) == "confirmed" and _answer(session, users["dave"]) == "TENTATIVE"


def check_thunderbird_declined(session, users, mailbox):
    assert _status(session, users["erin"]) == "cancelled"


def check_thunderbird_accepted_from_waitlist(session, users, mailbox):
    assert _status(session, users["frank"]) == "waitlisted"
    (told,) = mailbox.to(MEMBERS["frank"])
    assert "waitlist at position 1" in told.get_body(preferencelist=("plain",)).get_content()


def check_outlook_desktop_counter(session, users, mailbox):
    assert _status(session, users["alice"]) == "confirmed"
    row = db.session.scalar(select(InboundMessage))
    assert "2026-12-10T15:00:00" in row.detail and "an hour later" in row.detail


def check_spoofed_declined_foreign_authentication(session, users, mailbox):
    assert _status(session, users["carol"]) == "confirmed"
    (ask,) = mailbox.to(MEMBERS["carol"])
    assert ask["Subject"].startswith("Did you mean to give up your seat?")


def check_postfix_dsn_bounced(session, users, mailbox):
    row = _outbox("gone@example.org")
    assert row.status == "bounced" and row.last_error.startswith("Bounced 5.1.1")


def check_exchange_dsn_delayed(session, users, mailbox):
    row = _outbox("slow@contoso.example")
    assert row.status == "sent" and row.last_error.startswith("Delayed 4.4.7")


def check_exchange_ndr_bounced(session, users, mailbox):
    row = _outbox("left@contoso.example")
    assert row.status == "bounced" and "5.1.10" in row.last_error


def check_outlook_out_of_office(session, users, mailbox):
    assert _status(session, users["alice"]) == "confirmed"


#: file -> (kind, outcome, further check); no email goes back to the sender unless the check says so.
EXPECTED = {
    "outlook-desktop-declined.eml": ("calendar_reply", "done", check_outlook_desktop_declined),
    "outlook-com-accepted-no-organizer.eml": ("calendar_reply", "done",
                                              check_outlook_com_accepted_no_organizer),
    "gmail-declined-invite-ics.eml": ("calendar_reply", "done", check_gmail_declined_invite_ics),
    "apple-calendar-tentative.eml": ("calendar_reply", "done", check_apple_calendar_tentative),
    "thunderbird-declined.eml": ("calendar_reply", "done", check_thunderbird_declined),
    "thunderbird-accepted-from-waitlist.eml": ("calendar_reply", "done",
                                               check_thunderbird_accepted_from_waitlist),
    "outlook-desktop-counter.eml": ("calendar_counter", "recorded", check_outlook_desktop_counter),
    "spoofed-declined-foreign-authentication.eml": ("calendar_reply", "awaiting_confirmation",
                                                    check_spoofed_declined_foreign_authentication),
    "postfix-dsn-bounced.eml": ("bounce", "done", check_postfix_dsn_bounced),
    "exchange-dsn-delayed.eml": ("bounce", "done", check_exchange_dsn_delayed),
    "exchange-ndr-bounced.eml": ("bounce", "done", check_exchange_ndr_bounced),
    "outlook-out-of-office.eml": ("auto_reply", "ignored", check_outlook_out_of_office),
}


def test_every_corpus_file_has_an_expected_outcome():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_is_processed_with_the_expected_outcome(name, community, runner, mailbox):
    session, users = community
    mailbox.clear()
    result, row = receive(runner, (CORPUS / name).read_bytes())
    assert result.exit_code == 0, result.output
    kind, outcome, check = EXPECTED[name]
    assert (row.kind, row.outcome) == (kind, outcome), row.detail
    check(session, users, mailbox)
    # automatic mail is never answered
    if kind in ("bounce", "auto_reply"):
        assert mailbox.messages == []


def test_the_whole_corpus_twice_acts_once_per_message(community, runner, mailbox):
    for name in sorted(EXPECTED):
        assert receive(runner, (CORPUS / name).read_bytes())[0].exit_code == 0
    first = {r.message_id: (r.outcome, r.detail) for r in db.session.scalars(select(InboundMessage))}
    mailbox.clear()
    for name in sorted(EXPECTED):
        assert receive(runner, (CORPUS / name).read_bytes())[0].exit_code == 0
    rows = db.session.scalars(select(InboundMessage)).all()
    assert len(rows) == len(EXPECTED) and all(row.attempts == 1 for row in rows)
    assert {r.message_id: (r.outcome, r.detail) for r in rows} == first
    assert mailbox.messages == []
