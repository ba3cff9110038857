"""Password reset by emailed, single-use, expiring link."""
from datetime import timedelta

import time_machine

from community.db import db, utcnow
from tests.accounts.helpers import link_in, reveals
from tests.factories import PASSWORD, make_user

NEW = "a brand new passphrase"


def _request_link(client, mailbox, email):
    client.post("/password/forgot", data={"email": email})
    return link_in(mailbox.to(email)[-1], "/password/reset/")


def test_member_resets_the_password_and_logs_in_with_the_new_one(client, auth, mailbox):
    make_user(email="grace@example.com")
    db.session.commit()
    path = _request_link(client, mailbox, "grace@example.com")
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert auth.login("grace@example.com", PASSWORD).status_code == 200  # old one refused
    assert auth.login("grace@example.com", NEW).status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_email(client, mailbox):
    page = client.post("/password/forgot", data={"email": "nobody@example.com"}).get_data(as_text=True)
    assert "If <strong>nobody@example.com</strong> belongs to an account" in page
    assert mailbox.messages == []


def test_a_used_reset_link_cannot_be_replayed(client, mailbox):
    make_user(email="grace@example.com")
    db.session.commit()
    path = _request_link(client, mailbox, "grace@example.com")
    client.post(path, data={"password": NEW, "confirm": NEW})
    response = client.get(path)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)


def test_an_expired_reset_link_shows_a_clear_page(client, mailbox):
    make_user(email="grace@example.com")
    db.session.commit()
    path = _request_link(client, mailbox, "grace@example.com")
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        response = client.get(path)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_reset_form_refuses_weak_and_mismatched_passwords(client, mailbox):
    make_user(email="grace@example.com")
    db.session.commit()
    path = _request_link(client, mailbox, "grace@example.com")
    page = client.post(path, data={"password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "Use at least 10 characters." in page
    page = client.post(path, data={"password": NEW, "confirm": NEW + "x"}).get_data(as_text=True)
    assert "The two passwords do not match." in page


def test_reset_ends_remembered_logins_elsewhere(app, client, mailbox):
    user = make_user(email="grace@example.com")
    db.session.commit()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/account").status_code == 200
    path = _request_link(client, mailbox, "grace@example.com")
    client.post(path, data={"password": NEW, "confirm": NEW})
    assert other_device.get("/account").status_code == 302


def test_after_a_reset_the_log_in_page_is_reached_without_the_address_in_the_url(client, mailbox):
    make_user(email="grace@example.com")
    db.session.commit()
    path = _request_link(client, mailbox, "grace@example.com")
    assert not reveals(path, "grace@example.com")
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and not reveals(response.headers["Location"], "grace@example.com")
    assert 'value="grace@example.com"' in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_reset_gives_the_calendar_feed_a_new_address_and_says_so(client, mailbox):
    user = make_user(email="grace@example.com")
    db.session.commit()
    old = user.calendar_token
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    path = _request_link(client, mailbox, "grace@example.com")
    text = mailbox.to("grace@example.com")[-1].get_body(preferencelist=("plain",)).get_content()
    assert "calendar" in text and "subscribe again" in text
    page = client.post(path, data={"password": NEW, "confirm": NEW},
                       follow_redirects=True).get_data(as_text=True)
    assert "Your calendar feed has a new address" in page
    db.session.refresh(user)
    assert user.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{user.calendar_token}.ics").status_code == 200
