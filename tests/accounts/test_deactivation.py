"""Deactivating and reactivating an account (community/accounts/deactivation.py, the panel's
buttons on /admin/members/<id>): log-ins end, no email is written, places are released."""
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from community import queue
from community.accounts import deactivation
from community.accounts.models import User
from community.core.errors import DomainError, NotAllowed
from community.db import db, utcnow
from community.mail import services as mail
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import AFTER_COMMIT_KEY
from community.sessions import services as sessions
from community.signups import follows
from community.signups import services as signups
from community.signups.models import Registration
from tests.admin.helpers import text
from tests.factories import PASSWORD, make_email, make_series, make_session, make_user

#: The CSRF token in a page's form.
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _outbox_to(user) -> int:
    """How many outbox rows are addressed to the user."""
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.recipient == user.email))


def _deactivate(client, user) -> str:
    """Press the organiser's button on the member page; the page it leads to, as text."""
    return text(client.post(f"/admin/members/{user.id}/deactivate", follow_redirects=True))


def test_deactivation_releases_seats_and_promotes_the_waitlist_without_emailing_the_member(
        client, organiser, mailbox):
    session = make_session(capacity=1, title="AI at work")
    other = make_session(capacity=1, title="Cloud costs", slug="cloud-costs")
    leaving, waiting = make_user(name="Lena Leaving"), make_user(name="Wim Waiting")
    signups.sign_up(leaving, session)
    signups.sign_up(waiting, session)
    signups.sign_up(make_user(), other)
    signups.sign_up(leaving, other)  # a waitlist place
    db.session.commit()
    mailbox.clear()
    sent_before = _outbox_to(leaving)

    page = _deactivate(client, leaving)

    assert "Lena Leaving's account is deactivated" in page
    regs = {r.session_id: r for r in db.session.scalars(
        select(Registration).where(Registration.user_id == leaving.id))}
    assert regs[session.id].status == regs[other.id].status == "cancelled"
    promoted = signups.registration_for(waiting, session)
    assert promoted.status == "confirmed"
    assert [m["Subject"] for m in mailbox.to(waiting.email)] == ["A seat is now yours: AI at work"]
    assert mailbox.to(leaving.email) == []
    assert _outbox_to(leaving) == sent_before


def _sweep_later() -> int:
    """Run the delivery sweep an hour from now (past any retry pause); how many it handed out."""
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):
        return queue.run_now("mail.sweep_outbox")


def test_mail_waiting_to_be_retried_is_withdrawn_and_the_outbox_says_why(
        client, organiser, smtp_server, mailbox):
    leaving = make_user(email="leaving@example.com")
    db.session.commit()
    smtp_server.stop()
    try:
        row = make_email(leaving, "Confirm your address")
        db.session.commit()  # the first attempt fails: the row waits for the next sweep
    finally:
        smtp_server.start()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1

    _deactivate(client, leaving)

    assert _sweep_later() == 0
    assert mailbox.to("leaving@example.com") == []
    db.session.refresh(row)
    assert row.status == OutboxStatus.WITHDRAWN and row.attempts == 1
    page = text(client.get("/admin/outbox?q=leaving%40example.com"))
    assert "Withdrawn" in page and "Not sent: the account was deactivated." in page


def test_mail_written_earlier_in_the_same_transaction_is_not_sent(app, mailbox):
    leaving = make_user(email="leaving@example.com")
    make_email(leaving, "Welcome")
    deactivation.deactivate(make_user(role="organiser"), leaving)
    db.session.commit()  # the delivery handed to the queue after the commit finds nothing to send
    assert _sweep_later() == 0
    assert mailbox.to("leaving@example.com") == []
    (row,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == leaving.id))
    assert row.status == OutboxStatus.WITHDRAWN and row.attempts == 0


def test_calendar_mail_held_for_a_bouncing_address_stays_unsent_after_reactivation(
        client, organiser, mailbox):
    leaving = make_user(email="leaving@example.com")
    leaving.email_bouncing_since = utcnow()
    signups.sign_up(leaving, make_session(title="Held back"))
    db.session.commit()
    (held,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == leaving.id))
    assert held.status == OutboxStatus.HELD

    _deactivate(client, leaving)
    client.post(f"/admin/members/{leaving.id}/reactivate")
    db.session.refresh(leaving)
    assert mail.release_held(leaving.id, leaving.email) == 0  # the member confirms the address
    db.session.commit()

    assert _sweep_later() == 0
    assert mailbox.to("leaving@example.com") == []
    db.session.refresh(held)
    assert held.status == OutboxStatus.WITHDRAWN
    assert held.last_error == "Not sent: the account was deactivated."
    page = text(client.get(f"/admin/outbox/{held.id}"))
    assert "Not sent: the account was deactivated." in page


def test_a_message_a_worker_is_sending_is_left_to_finish(app, mailbox):
    leaving = make_user()
    sending, waiting = make_email(leaving, "Being sent"), make_email(leaving, "Waiting")
    db.session.info.pop(AFTER_COMMIT_KEY)  # neither is handed to the queue here
    sending.status = OutboxStatus.SENDING
    sending.claimed_at = utcnow()
    db.session.commit()
    deactivation.deactivate(make_user(role="organiser"), leaving)
    db.session.commit()
    db.session.refresh(sending)
    db.session.refresh(waiting)
    assert sending.status == OutboxStatus.SENDING and sending.last_error == ""
    assert waiting.status == OutboxStatus.WITHDRAWN


def test_an_organiser_cannot_resend_a_message_to_a_deactivated_account(client, organiser, mailbox):
    leaving = make_user(email="leaving@example.com")
    row = make_email(leaving)
    db.session.commit()
    _deactivate(client, leaving)
    mailbox.clear()
    page = text(client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True))
    assert "leaving@example.com belongs to a deactivated account; reactivate it before resending." \
        in page
    assert _sweep_later() == 0
    assert mailbox.to("leaving@example.com") == []
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_a_deactivated_account_cannot_log_in_and_is_told_why(client, auth):
    user = make_user(email="gone@example.com")
    organiser = make_user(role="organiser")
    deactivation.deactivate(organiser, user)
    db.session.commit()
    response = auth.login(user)
    assert response.status_code == 200
    assert "This account has been deactivated by the organisers" in text(response)
    assert client.get("/account").status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is None


def test_a_wrong_password_of_a_deactivated_account_gets_the_usual_answer(client, auth):
    user = make_user()
    deactivation.deactivate(make_user(role="organiser"), user)
    db.session.commit()
    page = auth.login(user, "not the password").get_data(as_text=True)
    assert "That email and password do not match an account." in page
    assert "deactivated" not in page


def test_deactivation_ends_an_open_log_in(client, auth):
    user = auth.log_in_new_user()
    assert client.get("/account").status_code == 200
    deactivation.deactivate(make_user(role="organiser"), user)
    db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_reset_writes_no_email_to_a_deactivated_account(client):
    user = make_user(email="gone@example.com")
    deactivation.deactivate(make_user(role="organiser"), user)
    db.session.commit()
    response = client.post("/password/forgot", data={"email": "gone@example.com"})
    assert response.status_code == 200
    assert _outbox_to(user) == 0


def test_reactivation_lets_the_member_log_in_again_without_restoring_seats(client, organiser, auth):
    member = make_user(name="Rex Returning")
    session = make_session()
    signups.sign_up(member, session)
    db.session.commit()
    _deactivate(client, member)
    page = text(client.post(f"/admin/members/{member.id}/reactivate", follow_redirects=True))
    assert "Rex Returning's account is active again" in page
    db.session.refresh(member)
    assert member.deactivated_at is None and member.is_active
    assert signups.registration_for(member, session).status == "cancelled"
    auth.logout()
    assert auth.login(member).status_code == 302
    assert client.get("/account").status_code == 200


def test_an_organiser_cannot_deactivate_themselves(client, organiser):
    page = _deactivate(client, organiser)
    assert "You cannot deactivate your own account" in page
    db.session.refresh(organiser)
    assert organiser.is_active


def test_the_service_refuses_non_organisers_and_repeated_changes(app):
    member, analyst, organiser = make_user(), make_user(role="analyst"), make_user(role="organiser")
    with pytest.raises(NotAllowed):
        deactivation.deactivate(analyst, member)
    with pytest.raises(DomainError, match="is active"):
        deactivation.reactivate(organiser, member)
    deactivation.deactivate(organiser, member)
    with pytest.raises(DomainError, match="already deactivated"):
        deactivation.deactivate(organiser, member)


@pytest.mark.parametrize("role", ["member", "analyst"])
def test_members_and_analysts_cannot_deactivate(client, auth, role):
    target = make_user()
    auth.log_in_new_user(role=role)
    assert client.post(f"/admin/members/{target.id}/deactivate").status_code == 403
    assert db.session.get(User, target.id).is_active


def test_visitors_are_asked_to_log_in(client):
    target = make_user()
    db.session.commit()
    response = client.post(f"/admin/members/{target.id}/deactivate")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.get(User, target.id).is_active


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_deactivation_needs_the_form_token(client, organiser_user):
    target = make_user()
    db.session.commit()
    token = TOKEN.search(client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"email": organiser_user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/admin/members/{target.id}/deactivate").status_code == 400
    assert db.session.get(User, target.id).is_active
    page = client.get(f"/admin/members/{target.id}").get_data(as_text=True)
    token = TOKEN.search(page)[1]
    client.post(f"/admin/members/{target.id}/deactivate", data={"csrf_token": token})
    assert not db.session.get(User, target.id).is_active


def test_a_deactivated_follower_gets_no_seat_at_a_new_session(app):
    organiser = make_user(role="organiser")
    series = make_series()
    follower, active = make_user(), make_user()
    follows.follow(follower, series)
    follows.follow(active, series)
    deactivation.deactivate(organiser, follower)
    draft = make_session(series=series, status="draft")
    sessions.publish(organiser, draft)
    assert signups.registration_for(follower, draft) is None
    assert signups.registration_for(active, draft).status == "confirmed"


def test_an_organiser_adding_a_deactivated_account_is_told_to_reactivate_it(client, organiser):
    gone = make_user(email="gone@example.com")
    session = make_session()
    deactivation.deactivate(organiser, gone)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees", data={"email": "gone@example.com"})
    assert "belongs to a deactivated account; reactivate it first." in text(response)
    assert signups.registration_for(gone, session) is None
