"""Who may open and use the organisers' pages for series, sessions and attendee lists (the panel's
access rule), and unknown ids."""
from datetime import date

import pytest
from sqlalchemy import func, select

from community.db import db
from community.sessions.models import Series, Session, SessionStatus
from community.signups import services as signups
from community.signups.models import Registration
from tests.admin.helpers import THURSDAY_2PM, series_form, session_form
from tests.factories import make_series, make_session, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")

GET_PAGES = ["/admin/sessions", "/admin/sessions?when=past", "/admin/sessions/new",
             "/admin/sessions/{session}/edit", "/admin/sessions/{session}/attendees",
             "/admin/sessions/{session}/attendees.csv", "/admin/series", "/admin/series/new",
             "/admin/series/{series}", "/admin/series/{series}/edit"]
POST_ACTIONS = ["/admin/sessions/new", "/admin/sessions/{session}/edit",
                "/admin/sessions/{session}/publish", "/admin/sessions/{session}/cancel",
                "/admin/sessions/{session}/skip", "/admin/sessions/{session}/restore",
                "/admin/sessions/{session}/attendees",
                "/admin/sessions/{session}/attendees/{reg}/remove",
                "/admin/sessions/{session}/attendees/{reg}/promote",
                "/admin/series/new", "/admin/series/{series}/edit",
                "/admin/series/{series}/generate"]


@pytest.fixture
def rows(app):
    """A series, a published session of it and one confirmed sign-up: the ids URLs need."""
    series = make_series(start_date=date(2027, 1, 7))
    session = make_session(series=series, starts_at=THURSDAY_2PM)
    reg = signups.sign_up(make_user(), session)
    db.session.commit()
    return {"series": series.id, "session": session.id, "reg": reg.id}


@pytest.mark.parametrize("path", GET_PAGES + POST_ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in(client, rows, path):
    url = path.format(**rows)
    method = client.get if path in GET_PAGES else client.post
    response = method(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["member", "analyst"])
@pytest.mark.parametrize("path", GET_PAGES)
def test_members_and_analysts_cannot_open_the_session_pages(client, auth, rows, role, path):
    user = make_user(role=role)
    db.session.commit()
    auth.login(user)
    assert client.get(path.format(**rows)).status_code == 403


@pytest.mark.parametrize("role", ["member", "analyst"])
@pytest.mark.parametrize("path", POST_ACTIONS)
def test_members_and_analysts_cannot_change_sessions(client, auth, rows, role, path):
    user = make_user(role=role)
    db.session.commit()
    auth.login(user)
    form = {**series_form(), **session_form(), "count": "3", "email": user.email}
    assert client.post(path.format(**rows), data=form).status_code == 403
    assert db.session.scalar(select(func.count(Session.id))) == 1
    assert db.session.scalar(select(func.count(Series.id))) == 1
    assert db.session.get(Session, rows["session"]).status == SessionStatus.PUBLISHED
    assert db.session.get(Registration, rows["reg"]).status == "confirmed"


@pytest.mark.parametrize("path", GET_PAGES)
def test_organisers_open_every_session_page(client, organiser, rows, path):
    assert client.get(path.format(**rows)).status_code == 200


@pytest.mark.parametrize("method,path", [
    ("get", "/admin/sessions/9999/edit"), ("get", "/admin/sessions/9999/attendees"),
    ("get", "/admin/sessions/9999/attendees.csv"), ("get", "/admin/series/9999"),
    ("get", "/admin/series/9999/edit"), ("post", "/admin/sessions/9999/edit"),
    ("post", "/admin/sessions/9999/publish"), ("post", "/admin/sessions/9999/attendees"),
    ("post", "/admin/sessions/9999/attendees/1/remove"), ("post", "/admin/series/9999/edit"),
    ("post", "/admin/series/9999/generate"), ("post", "/admin/sessions/1/attendees/9999/promote"),
    ("post", "/admin/sessions/1/frobnicate"),
])
def test_unknown_ids_give_404(client, organiser, method, path):
    make_session()
    db.session.commit()
    assert getattr(client, method)(path).status_code == 404


def test_a_registration_of_another_session_gives_404(client, organiser, rows):
    other = make_session(title="Another one")
    db.session.commit()
    response = client.post(f"/admin/sessions/{other.id}/attendees/{rows['reg']}/remove")
    assert response.status_code == 404
    assert db.session.get(Registration, rows["reg"]).status == "confirmed"
