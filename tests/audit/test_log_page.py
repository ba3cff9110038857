"""/admin/audit and /admin/audit.csv: organisers only, newest first, filters by person, session
and kind, before and after in words in the viewer's zone, and a CSV that runs no formula."""
import csv
import io
from datetime import timedelta

import pytest

from community.audit import services as audit
from community.db import db
from community.sessions.models import SessionStatus
from tests.admin.helpers import THURSDAY_2PM, text
from tests.conftest import count_page_queries
from tests.factories import make_session, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")


def _csv(response) -> list[list[str]]:
    """The rows of a CSV download (without the byte-order mark for Excel)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def logged(app, organiser_user, frozen_time):
    """Two sessions and entries by two people: Olga moved the first and changed its seats, Ann
    opened a poll at the second an hour later."""
    ann = make_user(role="analyst", name="Ann Analyst")
    first = make_session(starts_at=THURSDAY_2PM, title="AI at work", slug="ai-at-work")
    second = make_session(starts_at=THURSDAY_2PM + timedelta(days=14), title="Cloud costs", slug="cloud")
    audit.record(organiser_user, "session.moved", session=first, target_type="session", target_id=first.id,
                 target_label=first.title, summary="Moved",
                 before={"starts_at": "2027-01-14T14:00:00+00:00"},
                 after={"starts_at": "2027-01-14T16:00:00+00:00"})
    audit.record(organiser_user, "session.capacity_changed", session=first, target_type="session",
                 target_id=first.id, target_label=first.title, summary="Seats changed from 2 to 12",
                 before={"capacity": 2}, after={"capacity": 12})
    frozen_time.shift(timedelta(hours=1))
    audit.record(ann, "poll.opened", session=second, target_type="poll", target_id=7,
                 target_label="Worth it?", summary="Opened for answers",
                 before={"status": "draft"}, after={"status": "open"})
    db.session.commit()
    return {"olga": organiser_user, "ann": ann, "first": first, "second": second}


@pytest.fixture
def olga(logged, auth):
    """Olga Organiser, logged in."""
    auth.login(logged["olga"])
    return logged["olga"]


def test_the_log_lists_entries_newest_first_with_before_and_after(client, logged, olga):
    page = text(client.get("/admin/audit"))
    assert page.index("Worth it?") < page.index("Seats changed from 2 to 12") < page.index("Moved")
    assert "3 entries" in page
    assert "Ann Analyst" in page and "Olga Organiser" in page
    assert "<del>2</del>" in page and "<ins>12</ins>" in page
    assert "Thu 14 Jan 2027, 14:00 GMT" in page and "Thu 14 Jan 2027, 16:00 GMT" in page


def test_times_are_shown_in_the_viewers_zone_with_its_name(client, logged, auth):
    paris = make_user(role="organiser", timezone="Europe/Paris")
    db.session.commit()
    auth.login(paris)
    page = text(client.get("/admin/audit"))
    assert "Thu 14 Jan 2027, 17:00 CET" in page  # the move's new time, 16:00 UTC
    assert '<span class="when">Mon 4 Jan 2027</span><span class="muted">10:00 CET</span>' in page  # 09:00 UTC
    assert "Times in Europe/Paris (CET)" in page


def test_the_log_is_filtered_by_person(client, logged, olga):
    page = text(client.get(f"/admin/audit?actor={logged['ann'].id}"))
    assert "Worth it?" in page and "Seats changed from" not in page and "1 entry matches the filters" in page


def test_the_log_is_filtered_by_session(client, logged, olga):
    page = text(client.get(f"/admin/audit?session={logged['first'].id}"))
    assert "Seats changed" in page and "Moved" in page and "Worth it?" not in page


def test_the_log_is_filtered_by_kind(client, logged, olga):
    page = text(client.get("/admin/audit?kind=session.capacity_changed"))
    assert "Seats changed" in page and "Worth it?" not in page and "Moved</span>" not in page


def test_filters_combine_and_can_match_nothing(client, logged, olga):
    page = text(client.get(f"/admin/audit?actor={logged['ann'].id}&session={logged['first'].id}"))
    assert "No entries match these filters." in page


@pytest.mark.parametrize("query", ["actor=abc", "session=-4", "actor=99999999999999999999",
                                   "kind=nonsense", "session=2147483648"])
def test_nonsense_filters_are_ignored(client, logged, olga, query):
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200 and "3 entries" in text(response)


def test_the_filter_form_offers_the_people_sessions_and_kinds(client, logged, olga):
    page = text(client.get("/admin/audit"))
    assert f'<option value="{logged["ann"].id}">Ann Analyst</option>' in page
    assert "14 Jan 2027 · AI at work" in page and "28 Jan 2027 · Cloud costs" in page
    assert '<option value="seat.promoted">Promoted from the waitlist</option>' in page


def test_the_audit_log_is_in_the_panel_menu(client, logged, olga):
    assert '<a href="/admin/audit"' in text(client.get("/admin/"))


def test_the_page_needs_the_same_queries_however_many_entries(client, logged, olga):
    few = count_page_queries(client, "/admin/audit")
    for n in range(20):
        session = make_session(starts_at=THURSDAY_2PM, title=f"Session {n}", slug=f"s{n}")
        audit.record(make_user(role="organiser"), "session.published", session=session,
                     target_type="session", target_id=session.id, target_label=session.title,
                     summary="Published")
    db.session.commit()
    assert count_page_queries(client, "/admin/audit") == few


@pytest.mark.parametrize("role", ["member", "analyst"])
@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_only_organisers_read_the_log(client, auth, logged, role, path):
    auth.log_in_new_user(role=role)
    response = client.get(path)
    assert response.status_code == 403 and "Worth it?" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_visitors_are_sent_to_log_in(client, logged, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_csv_has_every_entry_with_its_values(client, logged, olga):
    response = client.get("/admin/audit.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="audit-log.csv"' in response.headers["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:4] == ["at_utc", "actor", "kind", "session"]
    assert [r[2] for r in rows] == ["poll.opened", "session.capacity_changed", "session.moved"]
    poll, seats, moved = rows
    assert poll[:4] == ["2027-01-04T10:00:00+00:00", "Ann Analyst", "poll.opened", "Cloud costs"]
    assert (seats[8], seats[9]) == ("Seats: 2", "Seats: 12")
    assert moved[9] == "Starts: Thu 14 Jan 2027, 16:00 UTC"


def test_the_csv_follows_the_filters(client, logged, olga):
    _, *rows = _csv(client.get(f"/admin/audit.csv?actor={logged['olga'].id}&kind=session.moved"))
    assert [r[2] for r in rows] == ["session.moved"]


def test_the_csv_runs_no_formula(client, olga):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT,
                           title='=HYPERLINK("http://evil.example","click")')
    db.session.commit()
    client.post(f"/admin/sessions/{session.id}/publish")
    _, row, *_older = _csv(client.get("/admin/audit.csv"))
    assert row[2] == "session.published"
    assert row[3] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row[6] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
