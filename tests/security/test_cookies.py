"""Cookie flags as the browser receives them: the real Set-Cookie headers of a real login with
"keep me logged in", under an https:// BASE_URL (Secure, HttpOnly, SameSite=Lax on the session
and remember_token cookies) and under plain http:// (the same without Secure). Werkzeug's test
client sends Secure cookies over http too, so the flags are what is checked: the browser enforces
them."""
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from community import create_app
from community.db import db
from tests.conftest import RequestPerContextClient, _reset_database, make_config
from tests.factories import PASSWORD, make_user

HTTPS = "https://community.example"
NEW_PASSWORD = "another fine phrase"


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """(name, value, attributes with lower-cased names) of one Set-Cookie header."""
    first, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    attrs = {}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        attrs[key.lower()] = val
    return name, value, attrs


def cookies_set(response) -> dict[str, tuple[str, dict[str, str]]]:
    """The cookies a response sets, by name."""
    return {name: (value, attrs) for name, value, attrs in map(parse_set_cookie,
                                                              response.headers.getlist("Set-Cookie"))}


def is_deletion(value: str, attrs: dict[str, str]) -> bool:
    """Whether a Set-Cookie header removes the cookie (empty and already expired)."""
    expires = attrs.get("expires")
    return value in ("", '""') and expires is not None and parsedate_to_datetime(expires) < datetime.now(UTC)


@pytest.fixture
def https_app(tmp_path, smtp_server, mailbox, monkeypatch):
    """The app configured from an https:// BASE_URL in the environment, as in production."""
    monkeypatch.setenv("BASE_URL", HTTPS)
    config = make_config(tmp_path, smtp_server)
    config.pop("BASE_URL")
    application = create_app(config)
    application.test_client_class = RequestPerContextClient
    with application.app_context():
        _reset_database()
        yield application
        db.session.remove()
        db.engine.dispose()


def _log_in_remembered(client, base_url: str):
    user = make_user(email="grace@example.com")
    db.session.commit()
    return user, client.post("/login", base_url=base_url,
                             data={"email": user.email, "password": PASSWORD, "remember": "y"})


def test_login_with_remember_me_over_https_sets_secure_httponly_lax_cookies(https_app):
    client = https_app.test_client()
    _, response = _log_in_remembered(client, HTTPS)
    assert response.status_code == 302
    cookies = cookies_set(response)
    assert {"session", "remember_token"} <= cookies.keys()
    for name in ("session", "remember_token"):
        value, attrs = cookies[name]
        assert value, name
        assert "secure" in attrs, f"{name} lacks Secure"
        assert "httponly" in attrs, f"{name} lacks HttpOnly"
        assert attrs.get("samesite") == "Lax", f"{name}: SameSite={attrs.get('samesite')}"
        assert attrs.get("path") == "/"
        assert "domain" not in attrs, f"{name} is sent to other hosts too"
    # The session ends after two idle hours (PERMANENT_SESSION_LIFETIME), renewed by each request.
    expires = parsedate_to_datetime(cookies["session"][1]["expires"])
    left = expires - datetime.now(UTC)
    assert timedelta(0) < left <= timedelta(hours=2), "the session outlives its idle time"
    assert parsedate_to_datetime(cookies["remember_token"][1]["expires"]) > datetime.now(UTC)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_every_cookie_set_on_a_journey_over_https_carries_the_flags(https_app):
    client = https_app.test_client()
    _, login = _log_in_remembered(client, HTTPS)
    responses = [login, client.get("/account", base_url=HTTPS),
                 client.post("/account", base_url=HTTPS, data={
                     "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
                     "pw-confirm": NEW_PASSWORD, "pw-submit": "1"}),
                 client.post("/logout", base_url=HTTPS)]
    seen = set()
    for response in responses:
        for name, (value, attrs) in cookies_set(response).items():
            if is_deletion(value, attrs):
                continue
            seen.add(name)
            assert {"secure", "httponly"} <= attrs.keys() and attrs.get("samesite") == "Lax", (name, attrs)
    assert seen >= {"session", "remember_token"}


def test_under_plain_http_the_cookies_are_httponly_and_lax_but_not_secure(app, client):
    _, response = _log_in_remembered(client, "http://localhost")
    cookies = cookies_set(response)
    for name in ("session", "remember_token"):
        _, attrs = cookies[name]
        assert "httponly" in attrs and attrs.get("samesite") == "Lax" and "secure" not in attrs
