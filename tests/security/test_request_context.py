"""The test client's requests each run in an app context of their own (tests/conftest.py), as in
production: nothing a request only flushed survives it, and who is logged in is read from the
cookie on every request, never from a user cached by an earlier one."""
import types

import click
import pytest
from flask import g
from sqlalchemy import func, select

from community.accounts.models import User
from community.accounts.services import resets
from community.db import db
from tests.conftest import UncommittedSetup
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "another fine phrase"


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def _change_password(device):
    return device.post("/account", data={"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
                                         "pw-confirm": NEW_PASSWORD, "pw-submit": "1"})


def _log_in(device, user):
    assert device.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_what_a_view_flushed_but_did_not_commit_is_gone_after_the_request(app, client):
    user = make_user(name="Before")
    db.session.commit()
    user_id = user.id

    @app.post("/test-only/flush")
    def flush_without_commit():
        db.session.get(User, user_id).name = "Flushed, never committed"
        make_user(email="ghost@example.com")  # flushed by the factory
        db.session.flush()
        return {"users_seen_inside": _users()}

    response = client.post("/test-only/flush")
    assert response.json == {"users_seen_inside": 2}  # the request saw its own flush...
    assert _users() == 1  # ...which was rolled back with the request's session
    assert user.name == "Before"
    assert db.session.scalar(select(User).where(User.email == "ghost@example.com")) is None


def test_what_a_view_committed_is_read_back_by_the_test(app, client):
    user = make_user(name="Before")
    db.session.commit()
    user_id = user.id

    @app.post("/test-only/commit")
    def commit():
        db.session.get(User, user_id).name = "Committed"
        db.session.commit()
        return "ok"

    assert user.name == "Before"  # loaded into the test's session before the request
    client.post("/test-only/commit")
    assert user.name == "Committed"  # read again: the test's transaction ended before the request


def test_g_does_not_carry_over_from_one_request_to_the_next_or_to_the_test(app, client):
    @app.get("/test-only/g")
    def remember():
        seen = g.get("marker")
        g.marker = "set by a request"
        return {"seen": seen}

    assert client.get("/test-only/g").json == {"seen": None}
    assert client.get("/test-only/g").json == {"seen": None}
    assert "marker" not in g


def test_the_logged_in_user_is_loaded_again_for_every_request(app, client, auth):
    user = auth.log_in_new_user(name="Ada Lovelace")
    assert "Ada Lovelace" in client.get("/account").get_data(as_text=True)
    user.name = "Ada King"
    db.session.commit()  # changed behind the logged-in browser's back
    assert "Ada King" in client.get("/account").get_data(as_text=True)


def test_a_password_change_on_one_device_logs_out_the_others(app, client):
    user = make_user()
    db.session.commit()
    laptop, phone = client, app.test_client()
    _log_in(laptop, user)
    _log_in(phone, user)
    assert _change_password(phone).status_code == 302
    assert phone.get("/account").status_code == 200  # the device that changed it stays in
    response = laptop.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_without_the_token_rotation_the_other_device_would_stay_logged_in(app, client, monkeypatch):
    """The check above can fail: with the session token no longer rotated by a password change
    (the defect it guards against), the other device keeps its login. When every request shared
    the test's app context, the user Flask-Login cached in `g` answered for every device, so
    the outcome said nothing about the rotation."""
    user = make_user()
    db.session.commit()
    laptop, phone = client, app.test_client()
    _log_in(laptop, user)
    _log_in(phone, user)
    monkeypatch.setattr(resets, "secrets", types.SimpleNamespace(token_hex=lambda n: user.session_token))
    assert _change_password(phone).status_code == 302
    assert laptop.get("/account").status_code == 200


def test_a_request_refuses_to_run_over_uncommitted_setup(client):
    make_user()  # flushed, not committed: no request could see it
    with pytest.raises(UncommittedSetup, match="Commit the setup"):
        client.get("/")
    db.session.rollback()
    assert client.get("/").status_code == 200


def test_cli_commands_run_in_an_app_context_of_their_own(app, runner):
    @app.cli.command("test-only-flush")
    def flush_only():
        make_user(email="cli-ghost@example.com")
        click.echo(f"inside: {_users()}")

    result = runner.invoke(args=["test-only-flush"])
    assert result.exit_code == 0 and "inside: 1" in result.output
    assert _users() == 0
