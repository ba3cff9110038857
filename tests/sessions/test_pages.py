"""Public pages: home list, session page per member state, archive, series, 404s, query counts."""
from datetime import timedelta

import pytest
import time_machine

from community.db import db, utcnow
from community.sessions.models import SessionStatus
from community.signups import services as signups
from tests.conftest import count_page_queries
from tests.factories import make_series, make_session, make_user


def test_home_lists_upcoming_published_sessions_with_seats(client):
    make_session(title="Is good enough, enough?", capacity=10)
    make_session(title="Hidden draft", status=SessionStatus.DRAFT)
    make_session(title="Long gone", starts_at=utcnow() - timedelta(days=30))
    full = make_session(title="Packed roundtable", capacity=1)
    signups.sign_up(make_user(), full)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Is good enough, enough?" in page and "10 seats left" in page
    assert "Packed roundtable" in page and "Waitlist" in page
    assert "Hidden draft" not in page and "Long gone" not in page


def test_archive_lists_past_sessions(client):
    make_session(title="Long gone", starts_at=utcnow() - timedelta(days=30))
    db.session.commit()
    assert "Long gone" in client.get("/sessions/past").get_data(as_text=True)


def test_session_url_with_wrong_slug_redirects_to_the_canonical_one(client):
    session = make_session()
    db.session.commit()
    response = client.get(f"/sessions/{session.id}-old-title")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/sessions/{session.id}-is-good-enough-enough")
    assert client.get(f"/sessions/{session.id}-is-good-enough-enough").status_code == 200


@pytest.mark.parametrize("path", ["/sessions/9999", "/series/9999", "/sessions/9999-x"])
def test_unknown_ids_give_404(client, path):
    assert client.get(path).status_code == 404


def test_draft_session_is_404_for_members_and_a_preview_for_organisers(client, auth):
    session = make_session(status=SessionStatus.DRAFT)
    organiser = make_user(role="organiser")
    db.session.commit()
    assert client.get(f"/sessions/{session.id}").status_code == 404
    auth.login(organiser)
    page = client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)
    assert "only organisers can see it" in page


def _page(client, session):
    return client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)


def test_state_anonymous_offers_to_join(client):
    session = make_session()
    db.session.commit()
    page = _page(client, session)
    assert "Join to sign up" in page and "Log in" in page


def test_state_unconfirmed_asks_to_confirm(client, auth):
    session = make_session()
    user = make_user(confirmed=False)
    db.session.commit()
    auth.login(user)
    assert "Confirm your email address to sign up" in _page(client, session)


def test_state_eligible_offers_sign_up(client, auth):
    session = make_session(capacity=10)
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "10 seats left" in page and ">Sign up</button>" in page


def test_state_confirmed_shows_the_seat_and_join_link(client, auth):
    session = make_session()
    user = make_user()
    signups.sign_up(user, session)
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "Your seat is confirmed." in page and "Cancel my seat" in page
    assert "https://meet.example.com/roundtable" in page


def test_join_link_is_hidden_from_those_without_a_seat(client, auth):
    session = make_session()
    user = make_user()
    db.session.commit()
    assert "meet.example.com" not in _page(client, session)
    auth.login(user)
    assert "meet.example.com" not in _page(client, session)


def test_state_waitlisted_shows_the_position(client, auth):
    session = make_session(capacity=1)
    signups.sign_up(make_user(), session)
    signups.sign_up(make_user(), session)
    user = make_user()
    signups.sign_up(user, session)
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "You are number 2 on the waitlist." in page and "Leave the waitlist" in page


def test_state_cancelled_welcomes_back(client, auth):
    session = make_session()
    user = make_user()
    signups.sign_up(user, session)
    signups.cancel(user, session)
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "You cancelled your earlier sign-up" in page and ">Sign up</button>" in page


def test_state_full_offers_the_waitlist(client, auth):
    session = make_session(capacity=1)
    signups.sign_up(make_user(), session)
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "All 1 seats are taken" in page and "Join the waitlist" in page


def test_state_past_session(client, auth):
    session = make_session(starts_at=utcnow() - timedelta(days=3))
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "This session took place on" in page and "Sign up</button>" not in page


def test_state_cancelled_session(client, auth):
    session = make_session(status=SessionStatus.CANCELLED)
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = _page(client, session)
    assert "This session has been cancelled." in page and "Sign up</button>" not in page


def test_series_page_lists_its_sessions_and_offers_follow(client, auth):
    series = make_series(title="European Digital Leadership Community")
    make_session(series=series, title="Is good enough, enough?")
    user = make_user()
    db.session.commit()
    auth.login(user)
    page = client.get(f"/series/{series.id}", follow_redirects=True).get_data(as_text=True)
    assert "Is good enough, enough?" in page and "Every other" in page
    assert "Follow: sign me up for every session" in page


@pytest.mark.parametrize("role", [None, "member", "analyst"])
def test_series_whose_sessions_are_all_drafts_is_404_unless_the_viewer_may_see_them(client, auth, role):
    series = make_series(title="Secret merger talks")
    make_session(series=series, title="Secret merger talks", status=SessionStatus.DRAFT)
    if role:
        auth.log_in_new_user(role=role)
    db.session.commit()
    assert client.get(f"/series/{series.id}").status_code == 404


def test_series_page_lists_drafts_to_organisers_only_and_marks_them(client, auth):
    series = make_series(title="CIO Roundtable")
    make_session(series=series, title="Announced topic", slug="announced")
    make_session(series=series, title="Secret merger talks", slug="secret",
                 starts_at=utcnow() + timedelta(days=21), status=SessionStatus.DRAFT)
    db.session.commit()
    page = client.get(f"/series/{series.id}", follow_redirects=True).get_data(as_text=True)
    assert "Announced topic" in page and "Secret merger talks" not in page
    auth.log_in_new_user(role="organiser")
    page = client.get(f"/series/{series.id}", follow_redirects=True).get_data(as_text=True)
    assert "Secret merger talks" in page and "Draft" in page


def _add_sessions(host_id, count, offset=0):
    from community.accounts.models import User

    host = db.session.get(User, host_id)
    for i in range(offset, offset + count):
        extra = make_session(title=f"Topic {i}", slug=f"topic-{i}", capacity=5, hosts=[host])
        for _ in range(3):
            signups.sign_up(make_user(), extra)
    db.session.commit()


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 0}])  # counts the drawing itself
def test_home_and_session_pages_use_a_constant_number_of_queries(client, auth):
    viewer = make_user()
    host = make_user(role="analyst")
    first = make_session(capacity=3, hosts=[host])
    path = f"/sessions/{first.id}-{first.slug}"
    for _ in range(4):
        signups.sign_up(make_user(), first)
    db.session.commit()
    host_id, first_id = host.id, first.id
    auth.login(viewer)
    _add_sessions(host_id, 1)
    home_small, page_small = count_page_queries(client, "/"), count_page_queries(client, path)
    _add_sessions(host_id, 15, offset=1)
    from community.sessions.models import Session

    first = db.session.get(Session, first_id)
    for _ in range(20):
        signups.sign_up(make_user(), first)
    db.session.commit()
    assert count_page_queries(client, "/") == home_small
    assert count_page_queries(client, path) == page_small


def test_session_times_are_frozen_for_the_sign_up_close(client, auth):
    session = make_session(starts_at=utcnow() + timedelta(hours=1))
    user = make_user()
    db.session.commit()
    auth.login(user)
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=5), tick=False):
        page = _page(client, session)
    assert "sign-up closed when it started" in page
