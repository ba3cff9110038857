"""The anonymous page cache: served without work, never to a member, never stale after a change,
304 for a copy the visitor holds, expired when a session starts, shared across processes."""
import os
from datetime import timedelta

import pytest
import time_machine

from community.core import pagecache
from community.db import db, utcnow
from community.sessions import services as sessions
from tests.conftest import count_queries
from tests.core.conftest import session_path as _path
from tests.factories import make_session, make_user


def test_second_anonymous_view_runs_no_sql_and_sets_no_cookie(client, published):
    path = _path(published)
    first = client.get(path)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    with count_queries() as statements:
        second = client.get(path)
    assert statements == []
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "Cookie" in second.headers["Vary"]
    assert "Set-Cookie" not in second.headers
    assert "script-src 'self'" in second.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/calendar.ics", "/sessions/past"])
def test_listing_pages_and_feed_are_kept_too(client, published, path):
    client.get(path)
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    assert statements == []


def test_if_none_match_and_if_modified_since_answer_304(client, published):
    page = client.get(_path(published))
    etag, modified = page.headers["ETag"], page.headers["Last-Modified"]
    assert client.get(_path(published), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(_path(published), headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(_path(published), headers={"If-None-Match": '"other"'}).status_code == 200
    not_modified = client.get(_path(published), headers={"If-None-Match": etag})
    assert not_modified.data == b"" and not_modified.headers["ETag"] == etag


def test_head_is_served_without_a_body(client, published):
    client.get(_path(published))
    head = client.head(_path(published))
    assert head.status_code == 200 and head.data == b""


def test_a_sign_up_shows_at_once_to_anonymous_visitors(app, client, auth, published):
    visitor = app.test_client()
    path = _path(published)
    assert b"3 of 3 left" in visitor.get(path).data
    member = make_user()
    db.session.commit()
    auth.login(member)
    assert client.post(f"/sessions/{published.id}/signup").status_code in (302, 303)
    assert b"2 of 3 left" in visitor.get(path).data


def test_an_organisers_edit_shows_at_once(client, published):
    path = _path(published)
    client.get(path)
    organiser = make_user(role="organiser")
    sessions.update_session(organiser, published, description="Bring **one** example.")
    db.session.commit()
    assert b"Bring <strong>one</strong> example." in client.get(path).data


def test_a_member_never_gets_the_kept_page(client, auth, published):
    client.get(_path(published))
    member = make_user(name="Ada Lovelace")
    db.session.commit()
    auth.login(member)
    page = client.get(_path(published))
    assert b"Ada Lovelace" in page.data or b"Log out" in page.data
    assert page.data != client.application.test_client().get(_path(published)).data


def test_a_message_to_flash_is_shown_not_a_kept_page(client, published):
    client.get("/")
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("info", "You are logged out.")]
    assert b"You are logged out." in client.get("/").data


def test_writing_only_mail_rows_keeps_the_pages_and_a_session_row_does_not(app, client, published):
    from community.mail.models import OutboxMessage
    from tests.factories import make_email

    make_email(make_user())
    db.session.commit()
    client.get(_path(published))
    pages = app.extensions["pagecache"]
    before = pages.file.current()
    db.session.query(OutboxMessage).one().last_error = "slow server"
    db.session.commit()
    assert pages.file.current() == before
    published.description = "Changed."
    db.session.commit()
    assert pages.file.current() != before


def test_a_rolled_back_change_keeps_the_pages(app, client, published):
    client.get(_path(published))
    before = app.extensions["pagecache"].file.current()
    published.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    assert app.extensions["pagecache"].file.current() == before


def test_the_page_expires_when_the_session_starts(client):
    starts = utcnow().replace(microsecond=0) + timedelta(hours=2)
    session = make_session(title="Starting soon", starts_at=starts)
    db.session.commit()
    with time_machine.travel(starts - timedelta(minutes=5), tick=False):
        assert b"Starting soon" in client.get("/").data
        assert b"Starting soon" in client.get("/").data
    with time_machine.travel(session.ends_at + timedelta(minutes=1), tick=False):
        assert b"Starting soon" not in client.get("/").data


def test_another_process_on_this_host_sees_the_change(app, client, published, tmp_path, other_app):
    """Two apps on one instance folder and database stand for two web processes: each keeps
    pages in its own memory; a change committed by one is seen by the other's next visitor."""
    other = other_app()
    other_client = other.test_client()
    assert b"3 of 3 left" in other_client.get(_path(published)).data
    published.capacity = 5
    db.session.commit()
    assert b"5 of 5 left" in other_client.get(_path(published)).data
    assert os.path.exists(tmp_path / "instance" / "page-generation")


def test_the_pages_still_serve_when_the_cache_store_is_away(tmp_path, other_app, published):
    """A Redis that does not answer: every page is rendered, none fails."""
    from tests.conftest import free_port

    broken = other_app(INSTANCE_PATH=str(tmp_path / "other"), PAGE_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0")
    broken_client = broken.test_client()
    for _ in range(2):
        assert broken_client.get(_path(published)).status_code == 200


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_processes_on_several_hosts_share_the_pages_in_redis(tmp_path, other_app, published):
    """Two apps with their own instance folders (two hosts) and one Redis: the page one kept is
    served by the other, and a change made through either is seen by both."""
    prefix = os.urandom(6).hex()
    settings = {"PAGE_CACHE_URL": os.environ["TEST_REDIS_URL"], "PAGE_CACHE_PREFIX": prefix}
    first = other_app(INSTANCE_PATH=str(tmp_path / "a"), **settings)
    second = other_app(INSTANCE_PATH=str(tmp_path / "b"), **settings)
    path = _path(published)
    assert b"3 of 3 left" in first.test_client().get(path).data
    with second.app_context(), count_queries() as statements:
        assert b"3 of 3 left" in second.test_client().get(path).data
    assert statements == []
    with first.app_context():
        db.session.get(type(published), published.id).capacity = 4
        db.session.commit()
    assert b"4 of 4 left" in second.test_client().get(_path(published)).data


def test_turned_off_with_zero_seconds(other_app, published):
    plain = other_app(PAGE_CACHE_SECONDS=0)
    assert "pagecache" not in plain.extensions
    assert not isinstance(plain.wsgi_app, pagecache.PageCacheMiddleware)


def test_page_views_skip_the_rate_limiter(app, published):
    from community.extensions import limiter

    path = _path(published)
    with app.test_request_context(path):
        app.preprocess_request()
        assert pagecache.unlimited_request()
    with app.test_request_context("/login", method="POST"):
        assert not pagecache.unlimited_request()
    assert limiter.enabled is not None
