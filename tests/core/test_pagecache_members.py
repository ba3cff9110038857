"""A member's own copy of a page: kept per log-in, served before Flask while the session holds
nothing but the log-in (the cookie renewed as Flask would), and never to anyone else, to an
expired or changed log-in, or to another browser with the same cookie."""
import re
from datetime import timedelta

import pytest
import time_machine
from flask_login.utils import _create_identifier

from community.accounts import deactivation
from community.accounts import services as accounts
from community.accounts.page_keys import login_identifier
from community.db import db, utcnow
from tests.conftest import RequestPerContextClient, count_queries
from tests.core.conftest import session_path as _path
from tests.factories import PASSWORD, make_user

#: What only a signed-in page shows.
SIGNED_IN = b"Log out"


def _member_client(app, member):
    """A client logged in as `member` whose log-in already has its form secret."""
    member_client = app.test_client()
    member_client.post("/login", data={"email": member.email, "password": PASSWORD})
    member_client.get("/")
    return member_client


def _viewing(app, published, **account):
    """A new account (`make_user(**account)`), its logged-in client, and the session page it has
    seen once (so the page is kept for it if it may be)."""
    user = make_user(**account)
    db.session.commit()
    path = _path(published)
    user_client = _member_client(app, user)
    user_client.get(path)
    return user, user_client, path


def test_a_members_page_is_kept_for_them_and_only_them(app, published):
    ada, grace = make_user(name="Ada Lovelace"), make_user(name="Grace Hopper")
    db.session.commit()
    path = _path(published)
    ada_client, grace_client = _member_client(app, ada), _member_client(app, grace)
    first = ada_client.get(path)
    with count_queries() as statements:
        again = ada_client.get(path)
    assert again.data == first.data
    assert statements == []  # served before Flask: the session holds nothing but the log-in
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert ada_client.get(path, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    assert b"Ada Lovelace" not in grace_client.get(path).data
    assert b"Grace Hopper" not in ada_client.get(path).data


def test_a_members_own_sign_up_shows_on_their_kept_page(app, published):
    ada, ada_client, path = _viewing(app, published, name="Ada Lovelace")
    ada_client.get(path)
    assert ada_client.post(f"/sessions/{published.id}/signup").status_code in (302, 303)
    ada_client.get("/")  # the flashed message is shown here
    page = ada_client.get(path).data
    assert b"2 of 3 left" in page


def test_another_log_in_of_the_same_member_gets_its_own_form_tokens(app, published):
    ada = make_user()
    db.session.commit()
    path = _path(published)
    laptop, phone = _member_client(app, ada), _member_client(app, ada)
    laptop.get(path)
    laptop_page, phone_page = laptop.get(path).data, phone.get(path).data
    token = re.compile(rb'name="csrf_token" value="([^"]+)"')
    assert token.search(laptop_page).group(1) != token.search(phone_page).group(1)


def test_an_organisers_page_is_drawn_every_time(app, published):
    organiser, organiser_client, path = _viewing(app, published, role="organiser")
    with count_queries() as statements:
        organiser_client.get(path)
    assert len(statements) > 2


def test_a_members_copy_is_good_whichever_process_answers(app, published, other_app):
    """Two processes draw the member's page with form tokens of their own: the weak ETag is the
    same, so the browser's copy from one gets a 304 from the other."""
    ada = make_user()
    db.session.commit()
    path = _path(published)
    ada_client = _member_client(app, ada)
    etag = ada_client.get(path).headers["ETag"]
    assert etag.startswith('W/"')
    other = other_app()
    other_client = other.test_client()
    # The same browser's next request, answered by another process.
    other_client.set_cookie("session", ada_client.get_cookie("session").value)
    assert other_client.get(path, headers={"If-None-Match": etag}).status_code == 304


def _served_before_flask(member_client, path, method="GET", **kwargs):
    """The answer to a GET (or HEAD), and whether it ran no SQL at all (so Flask did not load the
    account)."""
    with count_queries() as statements:
        response = member_client.open(path, method=method, **kwargs)
    return response, statements == []


def test_a_kept_page_is_served_before_flask_and_renews_the_cookie(app, published):
    ada = make_user()
    db.session.commit()
    path = _path(published)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        ada_client = _member_client(app, ada)
        first = ada_client.get(path)
        before = ada_client.get_cookie("session").value
        clock.move_to(start + timedelta(minutes=1))
        again, quiet = _served_before_flask(ada_client, path)
        assert quiet
        assert again.data == first.data and SIGNED_IN in again.data
        assert "script-src 'self'" in again.headers["Content-Security-Policy"]
        assert "Cookie" in again.headers["Vary"]
        # The cookie is renewed (signed a minute later, so the idle timeout starts again) and
        # still holds the log-in.
        renewed = ada_client.get_cookie("session")
        assert renewed.value != before and renewed.http_only
        assert int(renewed.expires.timestamp()) == int((start + timedelta(minutes=1, hours=2)).timestamp())
        assert SIGNED_IN in ada_client.get(path).data
        head, quiet = _served_before_flask(ada_client, path, method="HEAD")
        assert quiet and head.data == b"" and head.content_length == len(first.data)
        # Within the minute the cookie is not signed again; after it, a 304 renews it too.
        etag = again.headers["ETag"]
        not_modified, quiet = _served_before_flask(ada_client, path, headers={"If-None-Match": etag})
        assert quiet and not_modified.status_code == 304 and "Set-Cookie" not in not_modified.headers
        clock.move_to(start + timedelta(minutes=2))
        not_modified, quiet = _served_before_flask(ada_client, path, headers={"If-None-Match": etag})
        assert quiet and not_modified.status_code == 304 and "Set-Cookie" in not_modified.headers


def test_the_identifier_is_flask_logins(app):
    forwarded = {"User-Agent": "Agent ünïcode", "X-Forwarded-For": "203.0.113.5, 10.0.0.1"}
    for headers, address in [({"User-Agent": "Mozilla/5.0"}, "192.0.2.7"), (forwarded, "10.0.0.9"),
                             ({}, "127.0.0.1")]:
        with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": address}) as ctx:
            assert login_identifier(ctx.request.environ) == _create_identifier()


def test_another_browser_with_the_cookie_goes_through_flask(app, published):
    """Flask-Login's session protection ties a log-in to its browser; a copied cookie sent from
    another User-Agent is not answered before Flask checks it."""
    ada, ada_client, path = _viewing(app, published)
    _, quiet = _served_before_flask(ada_client, path, headers={"User-Agent": "Another browser"})
    assert not quiet


def test_a_message_to_flash_goes_through_flask(app, published):
    ada, ada_client, path = _viewing(app, published)
    with ada_client.session_transaction() as cookie_session:
        cookie_session["_flashes"] = [("success", "Your seat is booked.")]
    page, quiet = _served_before_flask(ada_client, path)
    assert not quiet and b"Your seat is booked." in page.data


def test_a_changed_password_ends_the_kept_page_of_other_log_ins(app, published):
    ada, laptop, path = _viewing(app, published, name="Ada Lovelace")
    accounts.change_password(db.session.get(type(ada), ada.id), PASSWORD, "another long passphrase 42")
    db.session.commit()
    page, quiet = _served_before_flask(laptop, path)
    assert not quiet and SIGNED_IN not in page.data


def test_a_deactivated_member_is_not_served_their_kept_page(app, published):
    ada, ada_client, path = _viewing(app, published, name="Ada Lovelace")
    deactivation.deactivate(make_user(role="organiser"), db.session.get(type(ada), ada.id))
    db.session.commit()
    page, quiet = _served_before_flask(ada_client, path)
    assert not quiet and SIGNED_IN not in page.data


def test_a_log_in_past_its_duration_is_not_served_its_kept_page(published, other_app):
    """The log-in ends REMEMBER_COOKIE_DURATION after it began, however recently the page was
    kept (here the page would hold for an hour and the log-in for ten minutes)."""
    path = _path(published)  # read here: inside the other app, this test's session would use its engine
    application = other_app(REMEMBER_COOKIE_DURATION=timedelta(minutes=10), PAGE_CACHE_SECONDS=3600)
    application.test_client_class = RequestPerContextClient
    with application.app_context():
        ada = make_user(name="Ada Lovelace")
        db.session.commit()
        start = utcnow()
        with time_machine.travel(start, tick=False) as clock:
            ada_client = _member_client(application, ada)
            clock.move_to(start + timedelta(minutes=9))
            assert SIGNED_IN in ada_client.get(path).data
            _, quiet = _served_before_flask(ada_client, path)
            assert quiet
            clock.move_to(start + timedelta(minutes=11))
            page, quiet = _served_before_flask(ada_client, path)
            assert not quiet and SIGNED_IN not in page.data


@pytest.mark.parametrize("role", ["organiser", "analyst"])
def test_staff_pages_are_never_kept(app, published, role):
    staff, staff_client, path = _viewing(app, published, role=role)
    _, quiet = _served_before_flask(staff_client, path)
    assert not quiet
