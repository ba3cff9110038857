"""The organisers' panel for series, sessions and attendee lists."""
import csv
import html
import io
import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from sqlalchemy import func, select

from community.db import db
from community.sessions import services as sessions
from community.sessions.models import Series, Session, SessionStatus
from community.signups import services as signups
from community.signups.models import Registration
from tests.conftest import count_queries
from tests.factories import make_series, make_session, make_user

#: A Monday morning in January: London is on GMT (= UTC), Paris on CET (UTC+1).
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY_2PM = datetime(2027, 1, 14, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    """Every test here runs at NOW, so dates in the past and future are fixed."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def series_form(**overrides):
    """A valid series form, as the browser sends it."""
    data = {"title": "CIO Roundtable", "description": "Peers, **one** question.",
            "start_date": "2027-01-07", "local_time": "14:00", "timezone": "Europe/London",
            "interval_weeks": "2", "duration_minutes": "60", "capacity": "30",
            "format": "online", "venue": "", "join_url": "https://meet.example.com/cio"}
    data.update(overrides)
    return data


def session_form(**overrides):
    """A valid session form: Thursday 14 January 2027, 14:00-15:00 London."""
    data = {"title": "Is good enough, enough?", "description": "A roundtable.",
            "date": "2027-01-14", "start_time": "14:00", "end_time": "15:00",
            "timezone": "Europe/London", "capacity": "10", "format": "online", "venue": "",
            "join_url": "https://meet.example.com/roundtable"}
    data.update(overrides)
    return data


def text(response) -> str:
    """The response body as text, with HTML entities (&#39; and the like) decoded."""
    return html.unescape(response.get_data(as_text=True))


# Access control ---------------------------------------------------------------

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


# Series -------------------------------------------------------------------------

def test_organiser_creates_a_series_and_lands_on_its_page(client, organiser):
    response = client.post("/admin/series/new", data=series_form(), follow_redirects=True)
    page = text(response)
    series = db.session.scalar(select(Series))
    assert response.request.path == f"/admin/series/{series.id}"
    assert "Series “CIO Roundtable” created" in page
    assert "Every 2 weeks on Thursday at 14:00 (Europe/London)" in page
    assert (series.start_date, series.weekday, series.local_time) == (date(2027, 1, 7), 3, time(14))
    assert series.timezone == "Europe/London" and series.join_url == "https://meet.example.com/cio"


def test_new_series_form_defaults_to_a_fortnight_and_the_organisers_zone(client, auth):
    user = make_user(role="organiser", timezone="Europe/Paris")
    db.session.commit()
    auth.login(user)
    page = text(client.get("/admin/series/new"))
    assert re.search(r'<input[^>]*name="interval_weeks"[^>]*value="2"', page)
    assert '<option selected value="Europe/Paris">' in page


def test_bad_series_input_is_shown_next_to_each_field(client, organiser):
    response = client.post("/admin/series/new", data=series_form(
        title=" ", start_date="not a date", timezone="Mars/Olympus", interval_weeks="0",
        capacity="many", join_url="javascript:alert(1)"))
    page = text(response)
    assert response.status_code == 200
    for message in ("Enter a title.", "Not a valid date value.",
                    "Choose a time zone from the list.",
                    "Enter a number of weeks between 1 and 52.", "Not a valid integer value.",
                    "Enter a full web address starting with https://."):
        assert message in page
    assert 'id="title-error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(Series.id))) == 0


def test_an_in_person_series_without_venue_is_refused_at_the_venue_field(client, organiser):
    page = text(client.post("/admin/series/new", data=series_form(format="in_person")))
    assert ('<p class="error" id="venue-error">An in-person or hybrid session needs a venue.</p>'
            in page)
    assert db.session.scalar(select(func.count(Series.id))) == 0


def test_organiser_edits_a_series(client, organiser):
    series = make_series(start_date=date(2027, 1, 7))
    db.session.commit()
    assert 'value="2027-01-07"' in text(client.get(f"/admin/series/{series.id}/edit"))
    response = client.post(f"/admin/series/{series.id}/edit", data=series_form(
        title="Tuesday Roundtable", start_date="2027-01-12", interval_weeks="1", format="hybrid",
        venue="Brussels, Rue de la Loi 1"), follow_redirects=True)
    assert "Series “Tuesday Roundtable” saved" in text(response)
    db.session.refresh(series)
    assert (series.title, series.weekday, series.interval_weeks) == ("Tuesday Roundtable", 1, 1)
    assert series.venue == "Brussels, Rue de la Loi 1"


def test_series_list_shows_cadence_and_upcoming_counts(client, organiser):
    series = make_series(title="CIO Roundtable", start_date=date(2027, 1, 7))
    sessions.generate_occurrences(organiser, series, 3)
    db.session.commit()
    page = text(client.get("/admin/series"))
    assert "CIO Roundtable" in page and "Every 2 weeks on Thursday at 14:00" in page
    assert "3 draft" in page


def test_generating_occurrences_creates_drafts_at_the_local_time(client, organiser):
    series = make_series(start_date=date(2027, 1, 7), local_time=time(14, 0))
    db.session.commit()
    response = client.post(f"/admin/series/{series.id}/generate", data={"count": "3"},
                           follow_redirects=True)
    assert "3 draft sessions created" in text(response)
    created = db.session.scalars(select(Session).order_by(Session.starts_at)).all()
    assert [s.occurrence_date for s in created] == [date(2027, 1, 7), date(2027, 1, 21),
                                                    date(2027, 2, 4)]
    assert {s.status for s in created} == {SessionStatus.DRAFT}
    assert created[0].starts_at == datetime(2027, 1, 7, 14, 0, tzinfo=UTC)
    assert text(response).count('class="badge badge-draft"') == 3


def test_generating_again_says_that_nothing_was_missing(client, organiser):
    series = make_series(start_date=date(2027, 1, 7))
    db.session.commit()
    client.post(f"/admin/series/{series.id}/generate", data={"count": "2"})
    response = client.post(f"/admin/series/{series.id}/generate", data={"count": "2"},
                           follow_redirects=True)
    assert "No new drafts: the next 2 dates of the cadence already have sessions." in text(response)
    assert db.session.scalar(select(func.count(Session.id))) == 2


@pytest.mark.parametrize("count", ["0", "53", "six", ""])
def test_generating_an_out_of_range_number_is_refused_at_the_field(client, organiser, count):
    series = make_series()
    db.session.commit()
    response = client.post(f"/admin/series/{series.id}/generate", data={"count": count})
    assert response.status_code == 200
    assert 'id="count-error"' in text(response)
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_series_page_lists_sessions_of_every_status(client, organiser):
    series = make_series(start_date=date(2027, 1, 7))
    first, second, third, fourth = sessions.generate_occurrences(organiser, series, 4)
    sessions.publish(organiser, first)
    sessions.publish(organiser, second)
    sessions.cancel(organiser, second)
    sessions.skip(organiser, third)
    db.session.commit()
    page = text(client.get(f"/admin/series/{series.id}"))
    for status in ("published", "cancelled", "skipped", "draft"):
        assert f'class="badge badge-{status}"' in page


# Publishing, cancelling, skipping ----------------------------------------------

def test_publish_then_cancel_tells_the_attendees(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT, title="AI at work")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/publish", follow_redirects=True)
    assert "“AI at work” is published and open for sign-up." in text(response)
    db.session.refresh(session)
    assert session.status == SessionStatus.PUBLISHED
    signups.sign_up(make_user(email="cio@example.com"), session)
    db.session.commit()
    mailbox.clear()

    edit_page = text(client.get(f"/admin/sessions/{session.id}/edit"))
    assert ('data-confirm="Cancel “AI at work, 14 Jan GMT”? Everyone signed up will be emailed.'
            in edit_page)
    response = client.post(f"/admin/sessions/{session.id}/cancel", follow_redirects=True)
    assert "“AI at work” is cancelled; everyone signed up has been emailed." in text(response)
    db.session.refresh(session)
    assert session.status == SessionStatus.CANCELLED
    assert [m["Subject"] for m in mailbox.to("cio@example.com")] == ["Cancelled: AI at work"]


def test_skip_and_restore_a_draft_occurrence(client, organiser):
    series = make_series(start_date=date(2027, 1, 7))
    draft = sessions.generate_occurrences(organiser, series, 1)[0]
    db.session.commit()
    response = client.post(f"/admin/sessions/{draft.id}/skip", follow_redirects=True)
    assert "is skipped" in text(response) and "7 Jan 2027" in text(response)
    db.session.refresh(draft)
    assert draft.status == SessionStatus.SKIPPED
    client.post(f"/admin/sessions/{draft.id}/restore")
    db.session.refresh(draft)
    assert draft.status == SessionStatus.DRAFT


@pytest.mark.parametrize("action,message", [
    ("publish", "Only a draft session can be published."),
    ("skip", "Only a draft can be skipped; cancel a published session instead."),
    ("restore", "Only a skipped occurrence can be restored."),
])
def test_an_action_that_does_not_fit_the_status_is_explained(client, organiser, action, message):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/{action}", follow_redirects=True)
    assert response.status_code == 200 and message in text(response)
    db.session.refresh(session)
    assert session.status == SessionStatus.PUBLISHED


def test_a_draft_whose_time_has_passed_cannot_be_published(client, organiser):
    session = make_session(starts_at=datetime(2027, 1, 1, 14, tzinfo=UTC),
                           status=SessionStatus.DRAFT)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/publish", follow_redirects=True)
    assert "This session's time has passed; move it before publishing." in text(response)


def test_buttons_return_to_the_panel_page_they_were_pressed_on(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT)
    db.session.commit()
    back = "/admin/sessions?status=draft"
    response = client.post(f"/admin/sessions/{session.id}/skip", data={"back": back})
    assert response.headers["Location"] == back
    response = client.post(f"/admin/sessions/{session.id}/restore",
                           data={"back": "https://evil.example/admin/"})
    assert response.headers["Location"] == f"/admin/sessions/{session.id}/edit"


# Sessions list ----------------------------------------------------------------------

def test_session_list_shows_every_status_with_seats_and_waitlist(client, organiser):
    full = make_session(title="Full house", starts_at=THURSDAY_2PM, capacity=1)
    signups.sign_up(make_user(), full)
    signups.sign_up(make_user(), full)
    make_session(title="Still a draft", status=SessionStatus.DRAFT)
    make_session(title="Called off", status=SessionStatus.CANCELLED)
    make_session(title="Left out", status=SessionStatus.SKIPPED)
    make_session(title="Last year", starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC))
    db.session.commit()
    page = text(client.get("/admin/sessions"))
    for title in ("Full house", "Still a draft", "Called off", "Left out"):
        assert title in page
    assert "Last year" not in page
    assert '<span class="seats">1 / 1</span>' in page and "1 waiting" in page
    for status in ("published", "draft", "cancelled", "skipped"):
        assert f'class="badge badge-{status}"' in page


def test_session_list_filters_by_status_and_shows_past_ones_on_request(client, organiser):
    make_session(title="Still a draft", status=SessionStatus.DRAFT)
    make_session(title="Open for sign-up")
    make_session(title="Last year", starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC))
    db.session.commit()
    page = text(client.get("/admin/sessions?status=draft"))
    assert "Still a draft" in page and "Open for sign-up" not in page
    page = text(client.get("/admin/sessions?when=past"))
    assert "Last year" in page and "Still a draft" not in page


def test_session_list_shows_the_sessions_zone_and_the_organisers(client, auth):
    user = make_user(role="organiser", timezone="Europe/Paris")
    make_session(starts_at=THURSDAY_2PM, timezone="Europe/London")
    db.session.commit()
    auth.login(user)
    page = text(client.get("/admin/sessions"))
    assert "Thu 14 Jan 2027, 14:00 GMT" in page
    assert "Your time: Thu 14 Jan, 15:00 CET" in page


def test_session_list_runs_the_same_queries_for_two_or_twenty_sessions(client, organiser):
    def queries():
        with count_queries() as statements:
            assert client.get("/admin/sessions").status_code == 200
        return len(statements)

    series = make_series()
    for _ in range(2):
        signups.sign_up(make_user(), make_session(series=series, starts_at=THURSDAY_2PM))
    db.session.commit()
    few = queries()
    for _ in range(18):
        signups.sign_up(make_user(), make_session(series=series, starts_at=THURSDAY_2PM))
    db.session.commit()
    assert queries() == few


def test_overview_lists_the_next_sessions(client, organiser):
    make_session(title="Coming up next", starts_at=THURSDAY_2PM)
    make_session(title="Not announced", status=SessionStatus.CANCELLED)
    db.session.commit()
    page = text(client.get("/admin/"))
    assert "Next sessions" in page and "Coming up next" in page and "Not announced" not in page


# Creating and editing one session ------------------------------------------------

def test_organiser_creates_a_one_off_draft_with_hosts(client, organiser):
    analyst = make_user(role="analyst", name="Anna Analyst")
    make_user(role="member", name="Mo Member")
    db.session.commit()
    form_page = text(client.get("/admin/sessions/new"))
    assert "Anna Analyst (analyst)" in form_page and "Mo Member" not in form_page
    response = client.post("/admin/sessions/new",
                           data=session_form(timezone="Europe/Paris", hosts=[str(analyst.id)]),
                           follow_redirects=True)
    session = db.session.scalar(select(Session))
    assert response.request.path == f"/admin/sessions/{session.id}/edit"
    assert "Draft “Is good enough, enough?” created." in text(response)
    assert session.status == SessionStatus.DRAFT and session.series_id is None
    assert session.starts_at == datetime(2027, 1, 14, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    assert session.duration_minutes == 60 and [h.name for h in session.hosts] == ["Anna Analyst"]


def test_a_new_session_in_the_past_is_refused_at_the_start_time(client, organiser):
    page = text(client.post("/admin/sessions/new", data=session_form(date="2026-12-01")))
    assert ('<p class="error" id="start_time-error">A new session must start in the future.</p>'
            in page)
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_edit_form_shows_times_in_the_sessions_zone(client, organiser):
    session = make_session(starts_at=datetime(2027, 7, 1, 13, 0, tzinfo=UTC),
                           ends_at=datetime(2027, 7, 1, 14, 30, tzinfo=UTC))
    db.session.commit()
    page = text(client.get(f"/admin/sessions/{session.id}/edit"))
    assert re.search(r'<input[^>]*name="date"[^>]*value="2027-07-01"', page)
    assert 'value="14:00"' in page and 'value="15:30"' in page  # BST


def test_moving_a_published_session_emails_its_attendees(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, title="AI at work")
    signups.sign_up(make_user(email="cio@example.com"), session)
    db.session.commit()
    mailbox.clear()
    response = client.post(f"/admin/sessions/{session.id}/edit", follow_redirects=True,
                           data=session_form(title="AI at work", start_time="16:00",
                                             end_time="17:30"))
    assert "Saved. Changed: start, end. 1 attendee emailed an updated invitation." in text(response)
    db.session.refresh(session)
    assert session.starts_at == datetime(2027, 1, 14, 16, 0, tzinfo=UTC)
    assert session.sequence == 1
    assert [m["Subject"] for m in mailbox.to("cio@example.com")] == ["Updated: AI at work"]


def test_editing_a_draft_emails_nobody(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit", follow_redirects=True,
                           data=session_form(description="New **agenda**.", start_time="15:00",
                                             end_time="16:00"))
    assert "Saved. Changed: description, start, end." in text(response)
    assert "emailed" not in text(response).split("Saved.")[1].split("</p>")[0]
    assert mailbox.messages == []


def test_saving_an_unchanged_session_says_so(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit", follow_redirects=True,
                           data=session_form())
    assert "Nothing changed." in text(response)


def test_moving_a_session_to_the_past_is_refused_clearly(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit",
                           data=session_form(date="2027-01-03"))
    assert response.status_code == 200
    assert ('<p class="error" id="start_time-error">'
            'A session cannot be moved to a time in the past.</p>') in text(response)
    db.session.refresh(session)
    assert session.starts_at == THURSDAY_2PM


def test_an_end_before_the_start_is_refused_at_the_end_time(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit",
                           data=session_form(start_time="15:00", end_time="14:00"))
    assert ('<p class="error" id="end_time-error">The session must end after it starts.</p>'
            in text(response))
    db.session.refresh(session)
    assert session.ends_at == datetime(2027, 1, 14, 15, 0, tzinfo=UTC)


def test_a_cancelled_session_cannot_be_edited(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.CANCELLED)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit", data=session_form(title="New"))
    assert "A cancelled or skipped session cannot be edited." in text(response)
    db.session.refresh(session)
    assert session.title == "Is good enough, enough?"


def test_hosts_can_be_set_and_cleared(client, organiser):
    analyst = make_user(role="analyst", name="Anna Analyst")
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    client.post(f"/admin/sessions/{session.id}/edit",
                data=session_form(hosts=[str(analyst.id), str(organiser.id)]))
    db.session.refresh(session)
    assert [h.name for h in session.hosts] == ["Anna Analyst", "Olga Organiser"]
    response = client.post(f"/admin/sessions/{session.id}/edit", data=session_form(),
                           follow_redirects=True)
    assert "Changed: hosts." in text(response)
    db.session.refresh(session)
    assert session.hosts == []


# Attendees --------------------------------------------------------------------------

@pytest.fixture
def busy_session(app):
    """A two-seat session with two confirmed, two waitlisted and one cancelled sign-up."""
    session = make_session(starts_at=THURSDAY_2PM, capacity=2, title="AI at work",
                           slug="ai-at-work")
    people = [make_user(name=n, email=f"{n.split()[0].lower()}@example.com",
                        organisation=f"{n.split()[1]} plc", job_title="CIO")
              for n in ("Ada Lovelace", "Brian Kernighan", "Cleo Patra", "Dan Brown", "Eve Online")]
    for person in people:
        signups.sign_up(person, session)
    signups.cancel(people[4], session)
    db.session.commit()
    return session


def test_attendee_page_groups_confirmed_waitlist_in_order_and_cancelled(client, organiser,
                                                                        busy_session):
    page = text(client.get(f"/admin/sessions/{busy_session.id}/attendees"))
    confirmed, rest = page.split('id="waitlist-heading"')
    waitlist, cancelled = rest.split('id="cancelled-heading"')
    assert "Ada Lovelace" in confirmed and "Brian Kernighan" in confirmed
    assert "ada@example.com" in confirmed and "Lovelace plc" in confirmed
    assert waitlist.index("Cleo Patra") < waitlist.index("Dan Brown")
    assert '<td data-label="Position">1</td>' in waitlist
    assert '<td data-label="Position">2</td>' in waitlist
    assert "Eve Online" in cancelled
    assert "Confirmed (2)" in page and "Waitlist (2)" in page and "Cancelled (1)" in page


def test_organiser_adds_a_member_by_email(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, title="AI at work")
    make_user(email="cio@example.com", name="Carla CIO")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": " CIO@Example.com "}, follow_redirects=True)
    assert "cio@example.com has a seat and was emailed." in text(response)
    reg = db.session.scalar(select(Registration))
    assert (reg.status, reg.source, reg.user.name) == ("confirmed", "organiser", "Carla CIO")
    assert [m["Subject"] for m in mailbox.to("cio@example.com")] == \
        ["Your seat is confirmed: AI at work"]


def test_an_address_without_account_gets_a_held_seat(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, title="AI at work")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": "newcomer@example.com"}, follow_redirects=True)
    page = text(response)
    assert "newcomer@example.com has a seat and was invited to create an account." in page
    assert "newcomer@example.com (invited)" in page
    assert [m["Subject"] for m in mailbox.to("newcomer@example.com")] == \
        ["A seat is held for you: AI at work"]


def test_adding_to_a_full_session_puts_the_person_on_the_waitlist(client, organiser, busy_session):
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees",
                           data={"email": "late@example.com"}, follow_redirects=True)
    assert "late@example.com is on the waitlist at position 3" in text(response)


@pytest.mark.parametrize("email,message", [
    ("not-an-address", "Enter a valid email address, like name@company.com."),
    ("", "Enter an email address."),
])
def test_a_bad_address_is_refused_at_the_field(client, organiser, email, message):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees", data={"email": email})
    assert response.status_code == 200
    assert f'<p class="error" id="email-error">{message}</p>' in text(response)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_adding_someone_to_a_draft_is_refused_clearly(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": "cio@example.com"})
    assert ('<p class="error" id="email-error">This session is not open for sign-up.</p>'
            in text(response))
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_removing_a_confirmed_attendee_frees_the_seat_for_the_waitlist(client, organiser,
                                                                       busy_session, mailbox):
    ada = db.session.scalar(select(Registration).where(Registration.session_id == busy_session.id)
                            .order_by(Registration.id))
    mailbox.clear()
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{ada.id}/remove",
                           follow_redirects=True)
    assert "Ada Lovelace was removed and has been emailed." in text(response)
    db.session.refresh(ada)
    assert ada.status == "cancelled"
    groups = signups.attendees(busy_session)
    assert [r.user.name for r in groups["confirmed"]] == ["Brian Kernighan", "Cleo Patra"]
    assert len(mailbox.to("ada@example.com")) == 1 and len(mailbox.to("cleo@example.com")) == 1


def test_removing_someone_twice_is_explained(client, organiser, busy_session):
    eve = signups.attendees(busy_session)["cancelled"][0]
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{eve.id}/remove",
                           follow_redirects=True)
    assert response.status_code == 200
    assert "This sign-up is already cancelled." in text(response)


def test_promoting_gives_a_seat_beyond_capacity(client, organiser, busy_session, mailbox):
    dan = signups.attendees(busy_session)["waitlisted"][1]
    mailbox.clear()
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{dan.id}/promote",
                           follow_redirects=True)
    assert "Dan Brown now has a seat and has been emailed." in text(response)
    db.session.refresh(dan)
    assert dan.status == "confirmed"
    assert [m["Subject"] for m in mailbox.to("dan@example.com")] == \
        ["A seat is now yours: AI at work"]


def test_promoting_a_confirmed_attendee_is_explained(client, organiser, busy_session):
    ada = signups.attendees(busy_session)["confirmed"][0]
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{ada.id}/promote",
                           follow_redirects=True)
    assert "Only someone on the waitlist can be promoted." in text(response)


def test_csv_export_lists_everyone_with_status_and_position(client, organiser, busy_session):
    response = client.get(f"/admin/sessions/{busy_session.id}/attendees.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="ai-at-work-{busy_session.id}-attendees.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["status", "position", "name", "email", "organisation", "job_title",
                       "signed_up_at", "source"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("confirmed", "", "Ada Lovelace"), ("confirmed", "", "Brian Kernighan"),
        ("waitlisted", "1", "Cleo Patra"), ("waitlisted", "2", "Dan Brown"),
        ("cancelled", "", "Eve Online")]
    assert rows[1][3:6] == ["ada@example.com", "Lovelace plc", "CIO"]
    assert rows[1][6].startswith("2027-01-04T09:00") and rows[1][7] == "member"


def test_csv_export_defuses_spreadsheet_formulas(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM)
    signups.sign_up(make_user(name="=HYPERLINK(\"http://evil\")", organisation="+Evil"), session)
    db.session.commit()
    body = client.get(f"/admin/sessions/{session.id}/attendees.csv").get_data().decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[2] == "'=HYPERLINK(\"http://evil\")" and row[4] == "'+Evil"
