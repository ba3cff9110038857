"""The organisers' session pages (community/admin/views/sessions.py): publish, cancel, skip and
restore, the list, and creating and editing one session."""
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from community.db import db
from community.sessions import services as sessions
from community.sessions.models import Session, SessionStatus
from community.signups import services as signups
from tests.admin.helpers import THURSDAY_2PM, session_form, text
from tests.conftest import count_queries
from tests.factories import make_series, make_session, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")


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


def test_a_description_sent_back_with_a_browsers_line_ends_is_not_a_change(client, organiser):
    """A textarea submits CRLF: saving the form untouched leaves a multi-line description as it was."""
    session = make_session(starts_at=THURSDAY_2PM, description="Agenda:\n\n- one\n- two")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/edit", follow_redirects=True,
                           data=session_form(description="Agenda:\r\n\r\n- one\r\n- two"))
    assert "Nothing changed." in text(response)
    db.session.refresh(session)
    assert session.description == "Agenda:\n\n- one\n- two"


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
