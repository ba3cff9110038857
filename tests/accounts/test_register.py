"""Registration with consent, and email confirmation by a signed link (double opt-in)."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from community.accounts.models import User
from community.accounts.services import PRIVACY_VERSION
from community.db import db, utcnow
from tests.accounts.helpers import link_in, links_in, reveals
from tests.factories import make_user

GOOD = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "organisation": "Analytical Engines Ltd",
    "job_title": "Chief Information Officer",
    "password": "difference engine 42",
    "confirm": "difference engine 42",
    "consent": "y",
}


def _user(email="ada@example.com"):
    return db.session.scalar(select(User).where(User.email == email))


def test_registration_creates_an_unconfirmed_member_with_recorded_consent(client, mailbox):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = _user()
    assert user is not None and not user.is_confirmed
    assert user.role == "member" and user.job_title == "Chief Information Officer"
    assert user.privacy_consent_at is not None and user.privacy_version == PRIVACY_VERSION
    assert user.password_hash != GOOD["password"]


def test_confirmation_email_arrives_with_a_working_link(client, mailbox):
    client.post("/register", data=GOOD)
    (message,) = mailbox.to("ada@example.com")
    assert message["Subject"] == "Confirm your email address"
    path = link_in(message, "/confirm/")
    response = client.get(path)
    assert response.status_code == 302
    assert _user().is_confirmed


def test_a_replayed_confirmation_link_shows_a_clear_page(client, mailbox):
    client.post("/register", data=GOOD)
    path = link_in(mailbox.to("ada@example.com")[0], "/confirm/")
    client.get(path)
    response = client.get(path)
    assert response.status_code == 400
    assert "already confirmed" in response.get_data(as_text=True)


def test_an_expired_confirmation_link_shows_a_clear_page(client, mailbox):
    client.post("/register", data=GOOD)
    path = link_in(mailbox.to("ada@example.com")[0], "/confirm/")
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        response = client.get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert not _user().is_confirmed


def test_a_forged_confirmation_link_shows_a_clear_page(client):
    response = client.get("/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_registering_an_existing_email_reveals_nothing_and_tells_its_owner(client, mailbox):
    make_user(email="ada@example.com")
    db.session.commit()
    response = client.post("/register", data=GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    (message,) = mailbox.to("ada@example.com")
    assert message["Subject"] == "You already have an account"
    assert db.session.scalar(select(db.func.count(User.id))) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your name."),
        ("name", "x" * 121, "Field cannot be longer than 120 characters."),
        ("email", "not-an-email", "Enter a valid email address"),
        ("email", "", "Enter your email address."),
        ("organisation", "", "Enter your organisation."),
        ("job_title", "", "Enter your job title."),
        ("password", "short", "Use at least 10 characters."),
        ("password", "password123", "too easy to guess"),
        ("confirm", "something else entirely", "The two passwords do not match."),
        ("consent", "", "agree to the privacy notice"),
    ],
)
def test_bad_registration_input_is_shown_next_to_the_field(client, field, value, message):
    data = dict(GOOD, **{field: value})
    if field == "password":
        data["confirm"] = value
    if field == "consent":
        data.pop("consent")
    response = client.post("/register", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert _user() is None


def test_password_built_from_the_email_is_refused(client):
    data = dict(GOOD, email="lovelace@example.com", password="lovelace2026!", confirm="lovelace2026!")
    page = client.post("/register", data=data).get_data(as_text=True)
    assert "Do not build the password from your name or email address." in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_post_without_csrf_token_is_refused_with_400(client, app_config):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "expired or was not sent from this site" in response.get_data(as_text=True)
    assert _user() is None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_registration_is_rate_limited_per_address_typed(client, app_config):
    codes = [client.post("/register", data=dict(GOOD, name="")).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5
    assert codes[-1] == 429


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_registration_is_rate_limited_per_ip_across_addresses(client, app_config):
    codes = [client.post("/register", data=dict(GOOD, name="", email=f"new{i}@example.com")).status_code
             for i in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[-1] == 429


def test_the_confirmation_link_and_the_log_in_it_leads_to_show_no_address(client, mailbox):
    client.post("/register", data=GOOD)
    (message,) = mailbox.to("ada@example.com")
    assert [link for link in links_in(message) if reveals(link, "ada@example.com")] == []
    response = client.get(link_in(message, "/confirm/"))
    assert response.status_code == 302 and not reveals(response.headers["Location"], "ada@example.com")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="ada@example.com"' in page  # the log-in form still starts with the address
