"""The organisers' series pages (community/admin/views/series.py): create, edit, list, generate
occurrences, and a series' sessions."""
import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from community.db import db
from community.sessions import services as sessions
from community.sessions.models import Series, Session, SessionStatus
from tests.admin.helpers import series_form, text
from tests.factories import make_series, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")


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
