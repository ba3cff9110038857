"""Addresses that bounce: real DSNs piped through `flask inbound receive` count a member's hard
bounces; at INBOUND_BOUNCES_TO_PAUSE the address is marked, organisers see it in /admin/, the
member's calendar emails are held (others' still flow) until the member confirms the address
again or changes it through the account pages, and then the held mail arrives."""
import itertools
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from icalendar import Calendar
from sqlalchemy import inspect, select, text

from community import create_app
from community.accounts import services as accounts
from community.accounts.models import User
from community.db import db
from community.mail.models import OutboxMessage, OutboxStatus
from community.sessions import services as sessions
from community.signups import services as signups
from tests.conftest import TEST_DATABASE_URL, make_config
from tests.factories import PASSWORD, make_session, make_user
from tests.imip import calendar_part
from tests.inbound.helpers import receive

CORPUS = Path(__file__).parent / "corpus"
ADDRESS = "ada@bounce.example"
_seq = itertools.count(1)
#: (corpus file, its recipient, the Message-ID it reports on, its own Message-ID)
POSTFIX = ("postfix-dsn-bounced.eml", "gone@example.org", "corpus-bounce-1@localhost",
           "20261201160002.7F2A1B3C4D@mx.community.test")
EXCHANGE = ("exchange-ndr-bounced.eml", "left@contoso.example", "corpus-ndr-1@localhost",
            "b1c2d3e4-ndr@DB8PR01MB0002.eurprd01.prod.exchangelabs.example")
DELAYED = ("exchange-dsn-delayed.eml", "slow@contoso.example", "corpus-delay-1@localhost",
           "5d7b1a2e-delay@DB8PR01MB0001.eurprd01.prod.exchangelabs.example")


def dsn(row: OutboxMessage, shape=POSTFIX) -> bytes:
    """A corpus DSN rewritten to report on the outbox row `row` (with a Message-ID of its own)."""
    name, recipient, reported, own = shape
    raw = (CORPUS / name).read_bytes()
    for old, new in ((own, f"dsn-{next(_seq)}@mx.community.test"), (reported, row.message_id),
                     (recipient, row.recipient)):
        raw = raw.replace(old.encode(), new.encode())
    return raw


def sent_to(address: str) -> list[OutboxMessage]:
    """Outbox rows to `address`, oldest first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def bounce(runner, row: OutboxMessage, shape=POSTFIX):
    """Pipe a DSN for `row` into the real command; returns the recorded inbound row."""
    result, inbound = receive(runner, dsn(row, shape))
    assert result.exit_code == 0, result.output
    return inbound


@pytest.fixture
def ada(app, mailbox):
    """Ada, a confirmed member, with three calendar emails delivered to her (three sessions)."""
    user = make_user(email=ADDRESS, name="Ada Lovelace")
    for n in range(3):
        signups.sign_up(user, make_session(title=f"Session {n}", slug=f"session-{n}"))
    db.session.commit()
    assert [r.status for r in sent_to(ADDRESS)] == ["sent"] * 3
    mailbox.clear()
    return user


def bounce_all(runner, shapes=(POSTFIX, EXCHANGE, POSTFIX)):
    """A hard bounce of each message sent to Ada so far (one shape each)."""
    rows = sent_to(ADDRESS)
    return [bounce(runner, row, shape) for row, shape in zip(rows, shapes, strict=False)]


def calendar_uid(message) -> str:
    """The UID of a received email's calendar entry."""
    part = calendar_part(message)
    return str(next(iter(Calendar.from_ical(part.get_content()).walk("VEVENT")))["UID"])


def link_in(message) -> str:
    """The path of the confirmation link in a received email."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/confirm/\S+)", body).group(1)


# Counting ---------------------------------------------------------------------------------------

def test_below_the_threshold_nothing_is_paused(ada, runner, mailbox):
    bounce_all(runner, (POSTFIX, EXCHANGE))
    db.session.expire_all()
    assert not ada.is_bouncing
    signups.sign_up(ada, make_session(title="Another", slug="another"))
    db.session.commit()
    assert len(mailbox.to(ADDRESS)) == 1
    assert sent_to(ADDRESS)[-1].status == OutboxStatus.SENT


def test_a_delay_never_counts(ada, runner, mailbox):
    inbound = bounce_all(runner, (DELAYED, DELAYED, DELAYED))
    assert all(r.outcome == "done" and "delayed" in r.detail for r in inbound)
    db.session.expire_all()
    assert not ada.is_bouncing
    assert [r.status for r in sent_to(ADDRESS)] == ["sent"] * 3


def test_the_threshold_is_configurable(app, ada, runner):
    app.config["INBOUND_BOUNCES_TO_PAUSE"] = 2
    bounce_all(runner, (POSTFIX, EXCHANGE))
    db.session.expire_all()
    assert ada.is_bouncing


def test_the_third_hard_bounce_marks_the_address_with_the_reason(ada, runner):
    inbound = bounce_all(runner)
    db.session.expire_all()
    assert ada.email_bouncing_since is not None
    assert ada.email_bounce_reason.startswith("smtp; 550 5.1.1")
    assert "marked as bouncing" in inbound[-1].detail
    assert "marked as bouncing" not in inbound[1].detail


# While it bounces -------------------------------------------------------------------------------

@pytest.fixture
def bouncing(ada, runner, mailbox):
    """Ada's address, marked as bouncing."""
    bounce_all(runner)
    db.session.expire_all()
    assert ada.is_bouncing
    mailbox.clear()
    return ada


def test_calendar_emails_to_a_bouncing_address_are_held_and_others_still_flow(bouncing, app, mailbox):
    grace = make_user(email="grace@example.com")
    session = make_session(title="Held", slug="held")
    signups.sign_up(bouncing, session)
    signups.sign_up(grace, session)
    db.session.commit()
    sessions.update_session(make_user(role="organiser"), session, venue="Room 2", format="hybrid")
    db.session.commit()
    assert mailbox.to(ADDRESS) == []
    assert len(mailbox.to("grace@example.com")) == 2
    held = [r for r in sent_to(ADDRESS) if r.status == OutboxStatus.HELD]
    assert [r.kind for r in held] == ["seat_confirmed", "session_changed"]
    assert all(r.attempts == 0 for r in held)


def test_account_emails_still_go_to_a_bouncing_address(bouncing, client, mailbox):
    client.post("/password/forgot", data={"email": ADDRESS})
    assert [m["Subject"] for m in mailbox.to(ADDRESS)] == ["Reset your password"]


def test_organisers_see_bouncing_addresses_in_the_panel(bouncing, client, auth, organiser_user):
    signups.sign_up(bouncing, make_session(title="Held", slug="held"))
    db.session.commit()
    auth.login(organiser_user)
    page = client.get("/admin/").get_data(as_text=True)
    section = page[page.index("Bouncing addresses"):page.index("Next sessions")]
    assert "Ada Lovelace" in section and ADDRESS in section
    assert "550 5.1.1" in section
    assert re.search(r'status=held[^"]*">1</a>', section)


def test_members_do_not_see_the_panel(bouncing, client, auth):
    auth.log_in_new_user()
    assert client.get("/admin/").status_code == 403


def test_the_member_is_told_on_log_in_and_on_the_account_page(bouncing, client, auth):
    page = auth.login(bouncing, follow_redirects=True).get_data(as_text=True)
    assert f"Emails to {ADDRESS} bounced (smtp; 550 5.1.1" in page
    assert "calendar emails are paused. Check the address and confirm it, or change it." in page
    account = client.get("/account").get_data(as_text=True)
    assert "Your emails are bouncing" in account and "Send me a confirmation link" in account


# Releasing --------------------------------------------------------------------------------------

def test_confirming_the_address_again_releases_the_latest_state_of_each_session(
        bouncing, client, auth, mailbox):
    organiser = make_user(role="organiser")
    moved, other = make_session(title="Moved", slug="moved"), make_session(title="Other", slug="other")
    signups.sign_up(bouncing, moved)
    signups.sign_up(bouncing, other)
    db.session.commit()
    sessions.update_session(organiser, moved, starts_at=moved.starts_at + timedelta(days=1),
                            ends_at=moved.ends_at + timedelta(days=1))
    db.session.commit()
    assert mailbox.to(ADDRESS) == []
    auth.login(bouncing)
    assert client.post("/confirm/resend").status_code == 302
    (letter,) = mailbox.to(ADDRESS)
    assert letter["Subject"] == "Confirm your email address again"
    mailbox.clear()
    response = client.get(link_in(letter), follow_redirects=True)
    assert "confirmed again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not bouncing.is_bouncing and bouncing.email_bounce_reason is None
    received = mailbox.to(ADDRESS)
    assert [m["Subject"] for m in received] == ["Your seat is confirmed: Other", "Updated: Moved"]
    assert calendar_uid(received[1]) == moved.ical_uid
    event = next(iter(Calendar.from_ical(calendar_part(received[1]).get_content()).walk("VEVENT")))
    assert event["DTSTART"].dt == moved.starts_at
    statuses = {r.subject: r.status for r in sent_to(ADDRESS) if r.kind != "confirm_email"}
    assert statuses["Your seat is confirmed: Moved"] == OutboxStatus.SUPERSEDED
    assert statuses["Updated: Moved"] == statuses["Your seat is confirmed: Other"] == OutboxStatus.SENT
    # The link works once.
    assert client.get(link_in(letter)).status_code == 400


def test_bounces_before_the_address_was_confirmed_again_do_not_count_again(bouncing, client, auth,
                                                                            runner, mailbox):
    auth.login(bouncing)
    client.post("/confirm/resend")
    client.get(link_in(mailbox.to(ADDRESS)[-1]))
    signups.sign_up(bouncing, make_session(title="Later", slug="later"))
    db.session.commit()
    bounce(runner, sent_to(ADDRESS)[-1])
    db.session.expire_all()
    assert not bouncing.is_bouncing


def test_changing_the_address_sends_the_held_mail_to_the_new_one(bouncing, client, auth, mailbox):
    session = make_session(title="Held", slug="held")
    signups.sign_up(bouncing, session)
    db.session.commit()
    auth.login(bouncing)
    response = client.post("/account/email", data={"email-email": "Ada@New.example",
                                                   "email-password": PASSWORD})
    assert response.status_code == 302
    (letter,) = mailbox.to("ada@new.example")
    assert letter["Subject"] == "Confirm your new email address"
    db.session.expire_all()
    assert bouncing.email == ADDRESS and bouncing.pending_email == "ada@new.example"
    mailbox.clear()
    page = client.get(link_in(letter), follow_redirects=True).get_data(as_text=True)
    assert "Your email address is now ada@new.example" in page
    db.session.expire_all()
    assert bouncing.email == "ada@new.example" and not bouncing.is_bouncing
    assert bouncing.pending_email is None
    (invitation,) = mailbox.to("ada@new.example")
    assert invitation["Subject"] == "Your seat is confirmed: Held"
    assert mailbox.to(ADDRESS) == []
    event = next(iter(Calendar.from_ical(calendar_part(invitation).get_content()).walk("VEVENT")))
    assert str(event["ATTENDEE"]) == "mailto:ada@new.example"
    assert event["ATTENDEE"].params["CN"] == "Ada Lovelace"
    # From now on calendar emails go to the new address at once.
    signups.sign_up(bouncing, make_session(title="Next", slug="next"))
    db.session.commit()
    assert len(mailbox.to("ada@new.example")) == 2


def test_a_change_needs_the_password_and_a_free_address(bouncing, client, auth, mailbox):
    auth.login(bouncing)
    wrong = client.post("/account/email", data={"email-email": "x@new.example", "email-password": "nope"})
    assert wrong.status_code == 400 and "That is not your password." in wrong.get_data(as_text=True)
    make_user(email="taken@example.com")
    db.session.commit()
    taken = client.post("/account/email", data={"email-email": "taken@example.com",
                                                "email-password": PASSWORD})
    assert taken.status_code == 302
    assert mailbox.to("taken@example.com") == [] and mailbox.to("x@new.example") == []
    db.session.expire_all()
    assert bouncing.pending_email is None and bouncing.is_bouncing


def test_typing_the_same_address_sends_the_confirmation_link(bouncing, client, auth, mailbox):
    auth.login(bouncing)
    client.post("/account/email", data={"email-email": ADDRESS, "email-password": PASSWORD})
    assert [m["Subject"] for m in mailbox.to(ADDRESS)] == ["Confirm your email address again"]


def test_a_first_confirmation_link_does_not_unmark_a_bouncing_address(bouncing, client):
    client.get(f"/confirm/{accounts.confirmation_token(bouncing)}")
    db.session.expire_all()
    assert bouncing.is_bouncing


# The migration ----------------------------------------------------------------------------------

def test_migration_adds_the_columns_and_its_downgrade_keeps_held_mail(tmp_path, smtp_server):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'bouncing.sqlite'}"
    app = create_app(make_config(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade(revision="0009")
        now = "2026-12-01 10:00:00"
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, email, name, organisation, job_title, password_hash, role, "
                "timezone, created_at, privacy_version, session_token, calendar_token, "
                "waitlist_in_calendar) VALUES (1, 'u@example.com', 'U', '', '', '!', 'member', "
                "'Europe/London', :now, '', 't', 'c', true)"), {"now": now})
        upgrade()
        columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert {"email_bouncing_since", "email_bounce_reason", "pending_email"} <= columns
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT email_bouncing_since, email_bounce_reason, pending_email "
                                     "FROM users WHERE id = 1")).one() == (None, None, None)
            conn.execute(text("UPDATE users SET email_bouncing_since = :now, email_bounce_reason = '550'"),
                         {"now": now})
            conn.execute(text(
                "INSERT INTO outbox (user_id, recipient, subject, kind, message_id, raw, status, attempts, "
                "last_error, created_at, next_attempt_at, erase_after_delivery) VALUES (1, "
                "'u@example.com', 'S', 'reminder', 'm1@localhost', :raw, 'held', 0, '', :now, :now, false)"),
                {"now": now, "raw": b"x"})
        downgrade(revision="0009")
        columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert "email_bouncing_since" not in columns
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT status FROM outbox")).scalar() == "pending"
            assert conn.execute(text("SELECT email FROM users")).scalar() == "u@example.com"
        downgrade(revision="base")
        if TEST_DATABASE_URL:  # leave the shared PostgreSQL database as the other tests expect it
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
        db.engine.dispose()


def test_the_export_shows_the_bounce(bouncing):
    from community.accounts.gdpr import export_account

    data = export_account(db.session.get(User, bouncing.id))
    assert data["email_bouncing_since"] is not None and "5.1.1" in data["email_bounce_reason"]


def test_a_bounce_for_an_address_with_no_account_marks_nothing(app, runner):
    from community.mail.services import send_email

    row = send_email("nobody@example.org", "Hi", "confirm_email",
                     {"user": {"name": "x"}, "confirm_url": "http://127.0.0.1:5000/x"})
    db.session.commit()
    for _ in range(3):
        bounce(runner, row)
    assert db.session.scalar(select(User).where(User.email_bouncing_since.is_not(None))) is None
