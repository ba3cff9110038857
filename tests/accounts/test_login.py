"""Login, logout, remember me, idle timeout, and safe redirects."""
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import time_machine
from flask import g

from community.db import db, utcnow
from tests.factories import PASSWORD, make_user


def test_member_logs_in_and_out(client, auth):
    user = make_user(name="Grace Hopper")
    db.session.commit()
    response = auth.login(user, follow_redirects=True)
    assert "Welcome back, Grace Hopper." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert "You are logged out." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_email_is_case_insensitive_at_login(client, auth):
    make_user(email="grace@example.com")
    db.session.commit()
    assert auth.login("  GRACE@Example.COM ").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth):
    make_user(email="grace@example.com")
    db.session.commit()
    wrong = auth.login("grace@example.com", "not the password").get_data(as_text=True)
    unknown = auth.login("nobody@example.com", PASSWORD).get_data(as_text=True)
    message = "That email and password do not match an account."
    assert message in wrong and message in unknown


def test_remember_me_sets_a_secure_flagged_cookie(client):
    user = make_user()
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_without_remember_me_no_persistent_cookie_is_set(client, auth):
    make_user(email="grace@example.com")
    db.session.commit()
    cookies = auth.login("grace@example.com").headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token=") for c in cookies)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, target):
    user = make_user()
    db.session.commit()
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_a_local_next_page(client):
    user = make_user()
    db.session.commit()
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_unconfirmed_member_can_log_in_and_is_asked_to_confirm(client, auth, mailbox):
    make_user(email="new@example.com", confirmed=False)
    db.session.commit()
    page = auth.login("new@example.com", follow_redirects=True).get_data(as_text=True)
    assert "Please confirm your email address" in page
    response = client.post("/confirm/resend", follow_redirects=True)
    assert "We sent a new confirmation link" in response.get_data(as_text=True)
    assert mailbox.to("new@example.com")[-1]["Subject"] == "Confirm your email address"


def test_login_form_validates_its_fields(client):
    page = client.post("/login", data={"email": "nope", "password": ""}).get_data(as_text=True)
    assert "Enter a valid email address" in page and "Enter your password." in page


def test_secure_cookie_flags_follow_an_https_base_url(tmp_path, smtp_server, monkeypatch):
    from community import create_app
    from tests.conftest import make_config

    monkeypatch.setenv("BASE_URL", "https://community.example")
    config = make_config(tmp_path, smtp_server)
    config.pop("BASE_URL")
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_is_rate_limited(client, app_config):
    codes = [client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code
             for _ in range(11)]
    assert codes[-1] == 429
    again = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert "Too many attempts" in again.get_data(as_text=True)


def _get_account_at(client, moment):
    """GET /account with the clock at `moment`: 200 while logged in, 302 to the log-in otherwise."""
    g.pop("_login_user", None)  # Flask-Login caches the user on the app context the test shares
    with time_machine.travel(moment, tick=False):
        return client.get("/account").status_code


def test_a_session_ends_after_two_idle_hours_but_not_while_in_use(client, auth):
    user = make_user()
    db.session.commit()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        auth.login(user)
    assert _get_account_at(client, start + timedelta(minutes=110)) == 200
    assert _get_account_at(client, start + timedelta(minutes=220)) == 200  # each request renews it
    assert _get_account_at(client, start + timedelta(minutes=220 + 121)) == 302


def test_a_remembered_login_lasts_thirty_days_at_most(client):
    user = make_user()
    db.session.commit()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "remember": "y"})
    (remember,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert timedelta(days=29) < expires - start <= timedelta(days=30)
    assert _get_account_at(client, start + timedelta(days=29)) == 200  # idle session gone, remembered
    # a copied cookie does not outlive its expiry either: the server checks the login's age
    assert _get_account_at(client, start + timedelta(days=30, hours=1)) == 302
