"""Cadence planning and time zones: local time kept across daylight saving, viewer's zone shown."""
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

from community.db import db
from community.sessions import cadence
from community.sessions import services as sessions
from tests.factories import make_series, make_session, make_user


def test_biweekly_dates_follow_the_anchor():
    start = date(2027, 1, 7)
    assert cadence.occurrence_dates(start, 2, date(2027, 1, 1), 3) == \
        [date(2027, 1, 7), date(2027, 1, 21), date(2027, 2, 4)]
    assert cadence.occurrence_dates(start, 2, date(2027, 1, 8), 1) == [date(2027, 1, 21)]


@time_machine.travel(datetime(2027, 1, 2, 9, 0, tzinfo=UTC), tick=False)
def test_series_across_both_dst_changes_keeps_its_local_time(app):
    organiser = make_user(role="organiser")
    series = make_series(start_date=date(2027, 1, 7), local_time=time(14, 0), timezone="Europe/London")
    created = sessions.generate_occurrences(organiser, series, 26)
    london = ZoneInfo("Europe/London")
    assert len(created) == 26
    assert {s.starts_at.astimezone(london).time() for s in created} == {time(14, 0)}
    offsets = {s.starts_at.astimezone(london).utcoffset().total_seconds() for s in created}
    assert offsets == {0, 3600}  # GMT in winter, BST in summer: both sides of March and October
    winter = next(s for s in created if s.occurrence_date == date(2027, 3, 18))
    summer = next(s for s in created if s.occurrence_date == date(2027, 4, 1))
    assert winter.starts_at.astimezone(UTC).hour == 14 and summer.starts_at.astimezone(UTC).hour == 13
    autumn = next(s for s in created if s.occurrence_date == date(2027, 11, 11))
    assert autumn.starts_at.astimezone(UTC).hour == 14


@time_machine.travel(datetime(2027, 1, 2, 9, 0, tzinfo=UTC), tick=False)
def test_generating_twice_adds_no_duplicates_and_skipped_dates_stay_skipped(app):
    organiser = make_user(role="organiser")
    series = make_series(start_date=date(2027, 1, 7))
    first = sessions.generate_occurrences(organiser, series, 3)
    sessions.skip(organiser, first[1])
    again = sessions.generate_occurrences(organiser, series, 4)
    assert [s.occurrence_date for s in again] == [date(2027, 2, 18)]


def test_paris_viewer_sees_15_00_for_a_14_00_london_session(client, auth):
    session = make_session(starts_at=datetime(2027, 1, 14, 14, 0, tzinfo=UTC), timezone="Europe/London")
    viewer = make_user(timezone="Europe/Paris")
    db.session.commit()
    with time_machine.travel(datetime(2027, 1, 2, tzinfo=UTC), tick=False):
        auth.login(viewer)  # a login cookie is signed with the time: log in on the day
        page = client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)
    page = re.sub(r"<[^>]+>", "", page)
    assert "15:00–16:00 CET" in page
    assert "14:00 GMT in Europe/London" in page


def test_anonymous_viewer_sees_the_community_zone(client):
    session = make_session(starts_at=datetime(2027, 7, 1, 13, 0, tzinfo=UTC))
    db.session.commit()
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=False):
        page = client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)
    assert "14:00–15:00 BST" in re.sub(r"<[^>]+>", "", page)
