"""Sign-up rules: seats, waitlist, cancellation (page and emailed link), promotion, follows."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from community.accounts import gdpr
from community.accounts import services as accounts
from community.core.errors import DomainError
from community.db import db, utcnow
from community.sessions import services as sessions
from community.sessions.models import SessionStatus
from community.signups import follows, services
from community.signups.models import Registration, RegistrationStatus
from tests.accounts.helpers import link_in, links_in, reveals
from tests.factories import PASSWORD, make_series, make_session, make_user


def _count():
    return db.session.scalar(select(func.count(Registration.id)))


def test_member_signs_up_with_one_click_and_gets_an_email(client, auth, mailbox):
    session = make_session(title="Is good enough, enough?")
    user = make_user()
    db.session.commit()
    auth.login(user)
    response = client.post(f"/sessions/{session.id}/signup", follow_redirects=True)
    assert "Your seat is confirmed." in response.get_data(as_text=True)
    (message,) = mailbox.to(user.email)
    assert message["Subject"] == "Your seat is confirmed: Is good enough, enough?"
    assert "/signups/cancel/" in message.get_body(preferencelist=("plain",)).get_content()


def test_unconfirmed_member_cannot_sign_up(client, auth):
    session = make_session()
    user = make_user(confirmed=False)
    db.session.commit()
    auth.login(user)
    response = client.post(f"/sessions/{session.id}/signup", follow_redirects=True)
    assert "Please confirm your email address before signing up." in response.get_data(as_text=True)
    assert _count() == 0


def test_anonymous_sign_up_is_sent_to_log_in(client):
    session = make_session()
    db.session.commit()
    response = client.post(f"/sessions/{session.id}/signup")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_full_session_puts_the_member_on_the_waitlist_with_a_position(client, auth, mailbox):
    session = make_session(capacity=1)
    services.sign_up(make_user(), session)
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = client.post(f"/sessions/{session.id}/signup", follow_redirects=True).get_data(as_text=True)
    assert "you are number 1 on the waitlist" in page
    assert "position 1" in mailbox.to(user.email)[-1].get_body(preferencelist=("plain",)).get_content()


def test_cancelling_a_seat_promotes_the_first_on_the_waitlist(client, auth, mailbox):
    session = make_session(capacity=1)
    holder, first, second = make_user(), make_user(), make_user()
    for user in (holder, first, second):
        services.sign_up(user, session)
    db.session.commit()
    auth.login(holder)
    page = client.post(f"/sessions/{session.id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "Your seat is cancelled." in page
    db.session.expire_all()
    assert services.registration_for(first, session).status == RegistrationStatus.CONFIRMED
    second_reg = services.registration_for(second, session)
    assert second_reg.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_position(second_reg) == 1
    assert mailbox.to(first.email)[-1]["Subject"].startswith("A seat is now yours")
    assert mailbox.to(holder.email)[-1]["Subject"].startswith("Sign-up cancelled")


def test_a_member_never_holds_two_sign_ups_for_one_session(client, auth):
    session = make_session()
    user = make_user()
    db.session.commit()
    auth.login(user)
    client.post(f"/sessions/{session.id}/signup")
    client.post(f"/sessions/{session.id}/signup")
    client.post(f"/sessions/{session.id}/cancel")
    client.post(f"/sessions/{session.id}/signup")
    assert _count() == 1
    assert services.registration_for(user, session).status == RegistrationStatus.CONFIRMED


def test_rejoining_after_cancelling_goes_to_the_end_of_the_waitlist(app):
    session = make_session(capacity=1)
    holder, user, other = make_user(), make_user(), make_user()
    for u in (holder, user, other):
        services.sign_up(u, session)
    services.cancel(user, session)
    reg = services.sign_up(user, session)
    assert reg.status == RegistrationStatus.WAITLISTED and services.waitlist_position(reg) == 2


def test_raising_the_capacity_promotes_from_the_waitlist(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    waiting = [make_user() for _ in range(3)]
    services.sign_up(make_user(), session)
    for user in waiting:
        services.sign_up(user, session)
    sessions.update_session(organiser, session, capacity=3)
    db.session.commit()
    statuses = [services.registration_for(u, session).status for u in waiting]
    assert statuses == [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED,
                        RegistrationStatus.WAITLISTED]


@pytest.mark.parametrize(("status", "starts_in", "message"), [
    (SessionStatus.CANCELLED, timedelta(days=3), "This session has been cancelled."),
    (SessionStatus.PUBLISHED, timedelta(days=-1), "Sign-up closed when the session started."),
])
def test_sign_up_for_a_cancelled_or_past_session_is_refused_clearly(client, auth, status, starts_in, message):
    session = make_session(status=status, starts_at=utcnow() + starts_in)
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = client.post(f"/sessions/{session.id}/signup", follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert _count() == 0


def test_sign_up_for_a_draft_session_is_404(client, auth):
    session = make_session(status=SessionStatus.DRAFT)
    user = make_user()
    db.session.commit()
    auth.login(user)
    assert client.post(f"/sessions/{session.id}/signup").status_code == 404
    assert _count() == 0


def test_sign_up_closes_when_the_session_starts(app):
    session = make_session(starts_at=utcnow() + timedelta(hours=1))
    user = make_user()
    with time_machine.travel(utcnow() + timedelta(hours=1, seconds=1), tick=False):
        with pytest.raises(DomainError, match="Sign-up closed"):
            services.sign_up(user, session)


def test_cancel_link_works_without_logging_in(client, mailbox):
    session = make_session(capacity=1)
    user, waiting = make_user(), make_user()
    services.sign_up(user, session)
    services.sign_up(waiting, session)
    db.session.commit()
    path = link_in(mailbox.to(user.email)[0], "/signups/cancel/")
    page = client.get(path).get_data(as_text=True)
    assert "Cancel your sign-up?" in page
    assert services.registration_for(user, session).status == RegistrationStatus.CONFIRMED
    page = client.post(path).get_data(as_text=True)
    assert "Sign-up cancelled" in page
    db.session.expire_all()
    assert services.registration_for(user, session).status == RegistrationStatus.CANCELLED
    assert services.registration_for(waiting, session).status == RegistrationStatus.CONFIRMED


def test_replayed_cancel_link_shows_a_clear_page_and_changes_nothing(client, mailbox):
    session = make_session()
    user = make_user()
    services.sign_up(user, session)
    db.session.commit()
    path = link_in(mailbox.to(user.email)[0], "/signups/cancel/")
    client.post(path)
    services.sign_up(user, session)  # signed up again since: the old link must not cancel it
    db.session.commit()
    response = client.post(path)
    assert response.status_code == 400
    assert "belongs to an earlier sign-up" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.registration_for(user, session).status == RegistrationStatus.CONFIRMED


def test_cancel_link_used_twice_says_already_cancelled(client, mailbox):
    session = make_session()
    user = make_user()
    services.sign_up(user, session)
    db.session.commit()
    path = link_in(mailbox.to(user.email)[0], "/signups/cancel/")
    client.post(path)
    response = client.get(path)
    assert response.status_code == 400 and "already cancelled" in response.get_data(as_text=True)


def test_forged_cancel_link_shows_a_clear_page_and_changes_nothing(client):
    session = make_session()
    user = make_user()
    services.sign_up(user, session)
    db.session.commit()
    for token in ("forged", "eyJyIjoxLCJ1IjoxfQ.forgedsignature"):
        response = client.post(f"/signups/cancel/{token}")
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    assert services.registration_for(user, session).status == RegistrationStatus.CONFIRMED


def test_cancel_link_after_the_session_started_is_refused(client, mailbox):
    session = make_session(starts_at=utcnow() + timedelta(hours=2))
    user = make_user()
    services.sign_up(user, session)
    db.session.commit()
    path = link_in(mailbox.to(user.email)[0], "/signups/cancel/")
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        response = client.post(path)
    assert response.status_code == 400 and "has started" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.registration_for(user, session).status == RegistrationStatus.CONFIRMED


def test_organiser_adds_an_existing_member_by_email(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    member = make_user(email="cio@example.com")
    reg = services.add_by_email(organiser, session, " CIO@example.com ")
    db.session.commit()
    assert reg.user_id == member.id and reg.status == RegistrationStatus.CONFIRMED
    assert reg.source == "organiser"
    assert mailbox.to("cio@example.com")[-1]["Subject"].startswith("Your seat is confirmed")


def test_new_address_gets_an_invitation_and_the_held_seat_after_confirming(client, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    reg = services.add_by_email(organiser, session, "newcio@example.com")
    db.session.commit()
    assert reg.user_id is None and reg.status == RegistrationStatus.CONFIRMED
    invitation = mailbox.to("newcio@example.com")[-1]
    assert invitation["Subject"].startswith("A seat is held for you")
    assert link_in(invitation, "/register") == "/register"  # the address stays out of access logs
    # the seat is held: a member who tries now is waitlisted
    assert services.sign_up(make_user(), session).status == RegistrationStatus.WAITLISTED
    db.session.commit()
    client.post("/register", data={"name": "New CIO", "email": "newcio@example.com",
                                   "organisation": "Acme", "job_title": "CIO",
                                   "password": PASSWORD, "confirm": PASSWORD, "consent": "y"})
    client.get(link_in(mailbox.to("newcio@example.com")[-1], "/confirm/"))
    db.session.expire_all()
    user = accounts.get_by_email("newcio@example.com")
    held = services.registration_for(user, session)
    assert held is not None and held.status == RegistrationStatus.CONFIRMED


def test_inviting_the_same_address_twice_is_refused(app):
    organiser = make_user(role="organiser")
    session = make_session()
    services.add_by_email(organiser, session, "x@example.com")
    with pytest.raises(DomainError, match="already been invited"):
        services.add_by_email(organiser, session, "x@example.com")


def test_organiser_promotes_and_removes(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    holder, waiting = make_user(), make_user()
    services.sign_up(holder, session)
    reg = services.sign_up(waiting, session)
    services.promote(organiser, reg)
    assert reg.status == RegistrationStatus.CONFIRMED  # beyond capacity, by the organiser's choice
    services.remove(organiser, services.registration_for(holder, session))
    db.session.commit()
    assert "removed you" in mailbox.to(holder.email)[-1].get_body(preferencelist=("plain",)).get_content()


def test_only_organisers_add_remove_or_promote(app):
    member = make_user()
    session = make_session()
    reg = services.sign_up(make_user(), session)
    for call in (lambda: services.add_by_email(member, session, "a@example.com"),
                 lambda: services.remove(member, reg), lambda: services.promote(member, reg)):
        with pytest.raises(DomainError, match="Only organisers"):
            call()


def test_following_a_series_signs_up_for_newly_published_sessions(client, auth, mailbox):
    organiser = make_user(role="organiser")
    series = make_series()
    make_session(series=series, slug="announced")  # a series shows once a session of it does
    follower = make_user()
    db.session.commit()
    auth.login(follower)
    page = client.post(f"/series/{series.id}/follow", follow_redirects=True).get_data(as_text=True)
    assert "we will sign you up for each new session" in page
    draft = make_session(series=series, status=SessionStatus.DRAFT)
    sessions.publish(organiser, draft)
    db.session.commit()
    reg = services.registration_for(follower, draft)
    assert reg.status == RegistrationStatus.CONFIRMED and reg.source == "follow"
    client.post(f"/series/{series.id}/unfollow")
    second = make_session(series=series, status=SessionStatus.DRAFT, slug="second")
    sessions.publish(organiser, second)
    db.session.commit()
    assert services.registration_for(follower, second) is None


def test_following_a_series_whose_sessions_are_all_drafts_is_404_and_names_nothing(client, auth):
    series = make_series(title="Secret merger talks")
    make_session(series=series, status=SessionStatus.DRAFT)
    auth.log_in_new_user()
    db.session.commit()
    for action in ("follow", "unfollow"):
        response = client.post(f"/series/{series.id}/{action}")
        assert response.status_code == 404
        assert "Secret merger" not in response.get_data(as_text=True)


def test_followers_beyond_capacity_are_waitlisted(app):
    organiser = make_user(role="organiser")
    series = make_series()
    followers = [make_user() for _ in range(3)]
    for user in followers:
        follows.follow(user, series)
    draft = make_session(series=series, status=SessionStatus.DRAFT, capacity=2)
    sessions.publish(organiser, draft)
    statuses = sorted(services.registration_for(u, draft).status for u in followers)
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


def test_deleting_an_account_frees_its_seat_for_the_waitlist(app):
    session = make_session(capacity=1)
    leaving, waiting = make_user(), make_user()
    services.sign_up(leaving, session)
    services.sign_up(waiting, session)
    gdpr.delete_account(leaving, PASSWORD)
    db.session.commit()
    assert services.registration_for(waiting, session).status == RegistrationStatus.CONFIRMED
    assert _count() == 1


def test_data_export_includes_sign_ups(client, auth):
    session = make_session(title="Is good enough, enough?")
    user = make_user()
    services.sign_up(user, session)
    db.session.commit()
    auth.login(user)
    data = client.get("/account/export.json").get_json()
    assert data["signups"]["registrations"][0]["session"] == "Is good enough, enough?"


def test_adding_the_address_of_an_unconfirmed_account_holds_the_seat_for_the_address(client, auth,
                                                                                   mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=5)
    squatter = make_user(email="cio@example.com", confirmed=False)  # anyone can register any address
    db.session.commit()
    reg = services.add_by_email(organiser, session, "cio@example.com")
    db.session.commit()
    assert (reg.user_id, reg.invited_email, reg.status) == (None, "cio@example.com", "confirmed")
    assert services.registration_for(squatter, session) is None
    assert mailbox.to("cio@example.com")[-1]["Subject"].startswith("A seat is held for you")
    auth.login(squatter)
    assert "meet.example.com" not in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert b"meet.example.com" not in client.get(f"/calendar/{squatter.calendar_token}.ics").get_data()
    with pytest.raises(DomainError, match="already been invited"):
        services.add_by_email(organiser, session, "cio@example.com")
    db.session.rollback()  # as the view's attempt() does after a refusal
    # whoever reads the mailbox proves the address (a reset link confirms it) and gets the seat
    client.post("/logout")
    client.post("/password/forgot", data={"email": "cio@example.com"})
    path = link_in(mailbox.to("cio@example.com")[-1], "/password/reset/")
    client.post(path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    db.session.expire_all()
    claimed = services.registration_for(squatter, session)
    assert claimed.id == reg.id and claimed.status == "confirmed" and claimed.invited_email is None


def test_no_service_gives_an_unconfirmed_account_a_seat(app):
    organiser = make_user(role="organiser")
    session = make_session()
    unconfirmed = make_user(confirmed=False)
    for source in ("member", "organiser", "follow"):
        with pytest.raises(DomainError, match="confirm"):
            services.sign_up(unconfirmed, session, source=source)
    services.add_by_email(organiser, session, unconfirmed.email)
    assert services.registration_for(unconfirmed, session) is None


def test_links_in_sign_up_emails_show_no_email_address(app, mailbox):
    organiser = make_user(role="organiser")
    session = make_session(capacity=1)
    services.sign_up(make_user(email="seated@example.com"), session)
    services.sign_up(make_user(email="waiting@example.com"), session)
    services.add_by_email(organiser, session, "newcio@example.com")  # a held waitlist place
    db.session.commit()
    for address in ("seated@example.com", "waiting@example.com", "newcio@example.com"):
        (message,) = mailbox.to(address)
        links = links_in(message)
        assert any("/signups/cancel/" in link for link in links)
        assert [link for link in links if reveals(link, address)] == [], address
