"""The dashboard on /admin/ (community/admin/dashboard/, charts.py, views/overview.py and
views/dashboard.py): every figure against a community whose numbers were worked out by hand.

The clock stands at NOW, Monday 4 January 2027, 09:00 UTC (London is on GMT). The periods start:
30 days: 5 Dec 2026 09:00; 90 days: 6 Oct 2026 09:00; 365 days: 4 Jan 2026 09:00.

Past sessions (P1..P6 are members; "marked" = attended_at set):
- A "Data maturity", ended 17 Dec (in 30): capacity 10; confirmed P1-P4, P1-P3 marked; P5
  waitlisted, P6 cancelled. Show-up 3/4, no-show 1/4. Polls: one open (P1, P2, the outsider
  M1 without a seat and an erased member answered) and one closed (P1 answered): attendees
  who answered 2/4 = 50%, everyone who answered 3 (the erased answer has no member).
- B "Cloud costs", ended 12 Nov (in 90): capacity 5; confirmed P1-P5, P1 and P2 marked: 2/5,
  no-show 3/5 = 60%. Published 20 Oct 10:00, full 21 Oct 12:30: 1 day 2 h 30 min. A draft poll
  only, so no poll participation.
- C "AI governance", ended 26 Nov (in 90): confirmed P1-P3, nobody marked: not counted.
- D "Empty room", ended 10 Dec (in 30): nobody signed up: not counted.
- E "Called off", cancelled, ended 3 Dec (in 90): confirmed P1 and P2, P1 marked; full 1 Nov
  09:05 after publication on 1 Nov 09:00: not counted anywhere (cancelled).
- F "Old topic", ended 1 Jun 2026 (in 365 only): capacity 4, confirmed and marked P1-P4: 4/4.
  Published 1 May 09:00, full 1 May 09:45: 45 min. A poll answered by P1-P4: 4/4.
- G, a draft that would have ended 20 Dec: never counted.
So show-up: 30 days 3/4 = 75%; 90 days (A, B) 5/9 = 56%, no-show 4/9 = 44%;
365 days (A, B, F) 9/13 = 69%, no-show 4/13 = 31%. Polls: 30 and 90 days A: 2/4 = 50%;
365 days A and F: 6/8 = 75%.

Upcoming: U1 "Next big thing" 14 Jan, capacity 3, P1-P3 confirmed (100%), P4 and P5 waitlisted,
published 20 Dec 09:00, full 20 Dec 13:10 (4 h 10 min); U2 "Quiet topic" 28 Jan, capacity 10,
P6 confirmed (10%); U3 "Nobody yet" 11 Feb, capacity 20 (0%); a draft and a cancelled session
are left out. Fastest: 30 days U1; 90 days U1, B; 365 days F, U1, B.

Members per week (Mondays, London): this week (4 Jan) the organiser, P1-P6 and the bouncing
member joined and confirmed: 8 and 8; M1 joined 28 Dec 10:00 and confirmed 29 Dec: week of
28 Dec 1 and 1; M2 joined Sunday 30 Aug 23:30 UTC, which is Monday 31 Aug 00:30 in London (BST):
week of 31 Aug 1 joined, never confirmed; M3 joined 12 Jul (before the 26 weeks, which start on
13 Jul) and confirmed Monday 13 Jul 08:00 UTC: week of 13 Jul 0 joined, 1 confirmed.

Emails failed or bounced: 2 failed confirm_email on 20 Dec (in 30); 1 bounced seat_confirmed on
1 Nov (in 90); 1 failed reminder on 1 Mar 2026 (in 365); 1 failed on 1 Dec 2025 (outside every
period); 1 sent (never counted). 30 days: 2; 90: 3; 365: 4. One address is bouncing.
"""
import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from community.admin import dashboard
from community.db import db, utcnow
from community.mail.models import OutboxMessage
from community.polls.models import PollAnswer
from community.sessions.models import SessionStatus
from community.signups import services as signups
from community.signups.models import Registration
from tests.admin.helpers import NOW, text
from tests.conftest import count_page_queries
from tests.factories import make_poll, make_session, make_user
from tests.security.world import cheap_passwords

pytestmark = pytest.mark.usefixtures("frozen_time")

_ids = itertools.count(1)


def at(*parts) -> datetime:
    """A moment in UTC."""
    return datetime(*parts, tzinfo=UTC)


def _session(title, ends, *, capacity=10, status=SessionStatus.PUBLISHED, published=None, filled=None):
    return make_session(title=title, slug=f"s{next(_ids)}", starts_at=ends - timedelta(hours=1), ends_at=ends,
                        capacity=capacity, status=status, published_at=published, filled_at=filled)


def _places(session, confirmed=(), marked=(), waitlisted=(), cancelled=()):
    for user in confirmed:
        db.session.add(Registration(session_id=session.id, user_id=user.id, status="confirmed",
                                    confirmed_at=session.starts_at - timedelta(days=3),
                                    attended_at=session.starts_at if user in marked else None,
                                    attendance_source="check-in" if user in marked else ""))
    for user in waitlisted:
        db.session.add(Registration(session_id=session.id, user_id=user.id, status="waitlisted",
                                    waitlisted_at=session.starts_at - timedelta(days=2)))
    for user in cancelled:
        db.session.add(Registration(session_id=session.id, user_id=user.id, status="cancelled",
                                    cancelled_at=session.starts_at - timedelta(days=1)))


def _answers(poll, users):
    for user in users:
        db.session.add(PollAnswer(poll_id=poll.id, user_id=user.id if user else None))


def _email(kind, status, created):
    n = next(_ids)
    db.session.add(OutboxMessage(recipient=f"r{n}@example.com", subject="Hello", kind=kind,
                                 message_id=f"<m{n}@example.com>", raw=b"", status=status,
                                 created_at=created))


def build_community(copy: int = 0) -> dict:
    """The community described in this module's docstring (`copy` > 0 makes another one beside
    it, with its own members, for the query-count test)."""
    tag = f" #{copy}" if copy else ""
    p = [make_user(name=f"P{i}{tag}") for i in range(1, 7)]
    m1, m2, m3 = (make_user(name=f"M{i}{tag}") for i in range(1, 4))
    m1.created_at, m1.confirmed_at = at(2026, 12, 28, 10), at(2026, 12, 29, 10)
    m2.created_at, m2.confirmed_at = at(2026, 8, 30, 23, 30), None
    m3.created_at, m3.confirmed_at = at(2026, 7, 12, 12), at(2026, 7, 13, 8)
    bouncer = make_user(name=f"Bouncing{tag}")
    bouncer.email_bouncing_since, bouncer.email_bounce_reason = at(2026, 12, 30), "550 No such user"

    a = _session(f"Data maturity{tag}", at(2026, 12, 17, 15))
    _places(a, confirmed=p[:4], marked=p[:3], waitlisted=[p[4]], cancelled=[p[5]])
    open_poll = make_poll(a, question="Open question")
    closed_poll = make_poll(a, question="Closed question", status="closed", position=2)
    _answers(open_poll, [p[0], p[1], m1, None])
    _answers(closed_poll, [p[0]])
    b = _session(f"Cloud costs{tag}", at(2026, 11, 12, 15), capacity=5, published=at(2026, 10, 20, 10),
                 filled=at(2026, 10, 21, 12, 30))
    _places(b, confirmed=p[:5], marked=p[:2])
    make_poll(b, question="Never asked", status="draft")
    c = _session(f"AI governance{tag}", at(2026, 11, 26, 15))
    _places(c, confirmed=p[:3])
    _session(f"Empty room{tag}", at(2026, 12, 10, 15))
    e = _session(f"Called off{tag}", at(2026, 12, 3, 15), status=SessionStatus.CANCELLED,
                 published=at(2026, 11, 1, 9), filled=at(2026, 11, 1, 9, 5))
    _places(e, confirmed=p[:2], marked=p[:1])
    f = _session(f"Old topic{tag}", at(2026, 6, 1, 15), capacity=4, published=at(2026, 5, 1, 9),
                 filled=at(2026, 5, 1, 9, 45))
    _places(f, confirmed=p[:4], marked=p[:4])
    _answers(make_poll(f, question="Old question", status="closed"), p[:4])
    _session(f"Never published{tag}", at(2026, 12, 20, 15), status=SessionStatus.DRAFT)

    u1 = _session(f"Next big thing{tag}", at(2027, 1, 14, 15), capacity=3, published=at(2026, 12, 20, 9),
                  filled=at(2026, 12, 20, 13, 10))
    _places(u1, confirmed=p[:3], waitlisted=p[3:5])
    u2 = _session(f"Quiet topic{tag}", at(2027, 1, 28, 15), capacity=10, published=at(2026, 12, 21, 9))
    _places(u2, confirmed=[p[5]])
    _session(f"Nobody yet{tag}", at(2027, 2, 11, 15), capacity=20, published=at(2026, 12, 22, 9))
    _session(f"Still a draft{tag}", at(2027, 1, 20, 15), status=SessionStatus.DRAFT)
    _session(f"Cancelled ahead{tag}", at(2027, 1, 21, 15), status=SessionStatus.CANCELLED)

    _email("confirm_email", "failed", at(2026, 12, 20, 8))
    _email("confirm_email", "failed", at(2026, 12, 20, 9))
    _email("seat_confirmed", "bounced", at(2026, 11, 1, 12))
    _email("reminder", "failed", at(2026, 3, 1, 12))
    _email("reminder", "failed", at(2025, 12, 1, 12))
    _email("reminder", "sent", at(2026, 12, 30, 12))
    db.session.flush()
    return {"A": a, "B": b, "U1": u1}


@pytest.fixture
def community(organiser):
    """The hand-counted community, committed, with Olga Organiser logged in."""
    with cheap_passwords():
        made = build_community()
    db.session.commit()
    return made


def _board(days: int) -> dashboard.Dashboard:
    from zoneinfo import ZoneInfo

    return dashboard.build(days, utcnow(), ZoneInfo("Europe/London"))


def _titles(items) -> list[str]:
    return [getattr(i, "title", None) or i.session.title for i in items]


# The figures -------------------------------------------------------------------------------------

def test_upcoming_sessions_have_their_fill_rate_waitlist_and_capacity(community):
    board = _board(90)
    rows = [(u.session.title, u.confirmed, u.session.capacity, u.fill_rate, u.waitlisted)
            for u in board.upcoming]
    assert rows == [("Next big thing", 3, 3, 100, 2), ("Quiet topic", 1, 10, 10, 0),
                    ("Nobody yet", 0, 20, 0, 0)]


def test_members_joined_and_confirmed_per_week_in_the_community_zone(community):
    weeks = _board(30).weeks
    assert len(weeks) == 26 and weeks[0].starts == date(2026, 7, 13) and weeks[-1].starts == date(2027, 1, 4)
    by_week = {w.starts: (w.joined, w.confirmed) for w in weeks}
    assert by_week[date(2027, 1, 4)] == (8, 8)
    assert by_week[date(2026, 12, 28)] == (1, 1)
    assert by_week[date(2026, 8, 31)] == (1, 0)  # Sunday 23:30 UTC is Monday in London (BST)
    assert by_week[date(2026, 8, 24)] == (0, 0)
    assert by_week[date(2026, 7, 13)] == (0, 1)  # joined the day before the chart begins
    assert sum(w.joined for w in weeks) == 10 and sum(w.confirmed for w in weeks) == 10


@pytest.mark.parametrize("days,counted,attended,confirmed,rate,no_show,not_taken,cancelled", [
    (30, ["Data maturity"], 3, 4, 75, 25, ["Empty room"], 0),
    (90, ["Cloud costs", "Data maturity"], 5, 9, 56, 44, ["AI governance", "Empty room"], 1),
    (365, ["Old topic", "Cloud costs", "Data maturity"], 9, 13, 69, 31, ["AI governance", "Empty room"], 1),
])
def test_show_up_rate_counts_sessions_with_attendance_taken_and_not_cancelled(
        community, days, counted, attended, confirmed, rate, no_show, not_taken, cancelled):
    att = _board(days).attendance
    assert _titles(att.sessions) == counted
    assert (att.attended, att.confirmed, att.rate, att.no_show_rate) == (attended, confirmed, rate, no_show)
    assert _titles(att.not_taken) == not_taken and att.cancelled == cancelled


def test_no_show_rate_per_session(community):
    sessions = _board(365).attendance.sessions
    rows = [(s.title, s.confirmed, s.attended, s.no_shows, s.no_show_rate) for s in sessions]
    assert rows == [("Old topic", 4, 4, 0, 0), ("Cloud costs", 5, 2, 3, 60), ("Data maturity", 4, 3, 1, 25)]


def test_a_session_with_no_sign_ups_has_no_rate(community):
    empty = next(s for s in _board(30).attendance.not_taken if s.title == "Empty room")
    assert (empty.confirmed, empty.no_show_rate, empty.show_up_rate) == (0, None, None)


@pytest.mark.parametrize("days,rows,overall", [
    (30, [("Data maturity", 2, 2, 4, 50, 3)], 50),
    (90, [("Data maturity", 2, 2, 4, 50, 3)], 50),
    (365, [("Old topic", 1, 4, 4, 100, 4), ("Data maturity", 2, 2, 4, 50, 3)], 75),
])
def test_poll_participation_per_session(community, days, rows, overall):
    board = _board(days)
    assert [(p.session.title, p.polls, p.answered, p.session.confirmed, p.rate, p.answered_anyone)
            for p in board.polls] == rows
    assert board.poll_rate == overall


@pytest.mark.parametrize("days,fastest", [
    (30, [("Next big thing", "4 h 10 min")]),
    (90, [("Next big thing", "4 h 10 min"), ("Cloud costs", "1 day 2 h")]),
    (365, [("Old topic", "45 min"), ("Next big thing", "4 h 10 min"), ("Cloud costs", "1 day 2 h")]),
])
def test_topics_that_filled_fastest_leave_out_cancelled_sessions(community, days, fastest):
    assert [(f.session.title, f.words) for f in _board(days).fastest] == fastest


@pytest.mark.parametrize("days,rows", [
    (30, [("confirm_email", 2, 0)]),
    (90, [("confirm_email", 2, 0), ("seat_confirmed", 0, 1)]),
    (365, [("confirm_email", 2, 0), ("reminder", 1, 0), ("seat_confirmed", 0, 1)]),
])
def test_emails_failed_or_bounced_in_the_period(community, days, rows):
    assert [(e.kind, e.failed, e.bounced) for e in _board(days).emails] == rows


# The page ------------------------------------------------------------------------------------------

def test_the_page_shows_the_figures_and_the_definitions(client, community):
    page = text(client.get("/admin/"))
    assert "Dashboard: the last 90 days" in page
    assert 'id="show-up-rate">56%' in page and "5 of 9 confirmed seats" in page
    assert 'id="no-show-rate">44%' in page and 'id="poll-rate">50%' in page
    assert "Fill rate = confirmed seats ÷ capacity" in page
    assert "Cancelled sessions and sessions whose attendance was never taken are left out" in page
    assert "Attendance not taken, so not counted (2)" in page and "1 cancelled session in the period" in page
    assert "Next big thing" in page and "1 day 2 h" in page and "4 h 10 min" in page
    assert "Confirm email" in page and "Seat confirmed" in page
    assert "1 address bouncing now" in page
    assert "Bouncing addresses" in page and "Next sessions" in page  # the overview's sections stay


def test_each_chart_is_an_accessible_svg_with_a_table_and_no_inline_style(client, community):
    page = client.get("/admin/?period=365").get_data(as_text=True)
    for chart in ("upcoming", "members", "attendance", "polls", "filled", "emails"):
        assert f'aria-labelledby="chart-{chart}-title chart-{chart}-desc"' in page
        assert f'<title id="chart-{chart}-title">' in page
        assert f"/admin/dashboard/{chart}.csv?period=365" in page
    assert page.count('role="img"') == 6 and page.count("<caption") >= 7
    assert "style=" not in page and "<style" not in page and "<script>" not in page


def test_times_are_shown_in_the_viewers_zone_with_its_name(client, community):
    page = text(client.get("/admin/"))
    assert "Thu 14 Jan 2027, 14:00 GMT" in page  # U1 starts at 14:00 UTC
    assert "From 6 Oct 2026, 10:00 BST to now" in page


@pytest.mark.parametrize("period,shown", [("30", 30), ("90", 90), ("365", 365), ("7", 90), ("abc", 90),
                                          ("", 90), ("-30", 90), ("99999999999999999999", 90)])
def test_the_period_switch_and_anything_else_is_the_default(client, community, period, shown):
    response = client.get("/admin/", query_string={"period": period})
    assert response.status_code == 200
    assert f"Dashboard: the last {shown} days" in text(response)


def test_the_period_changes_the_figures_on_the_page(client, community):
    assert 'id="show-up-rate">75%' in client.get("/admin/?period=30").get_data(as_text=True)
    assert 'id="show-up-rate">69%' in client.get("/admin/?period=365").get_data(as_text=True)


def test_an_empty_community_says_so_instead_of_empty_charts(client, auth, organiser_user):
    db.session.commit()
    with time_machine.travel(NOW + timedelta(days=400), tick=False):  # Olga joined long ago
        auth.login(organiser_user)
        page = text(client.get("/admin/?period=30"))
    assert "No sessions ended in the last 30 days." in page
    assert "No published session is coming up." in page
    assert "No session with polls ended in the last 30 days." in page
    assert "No session filled in the last 30 days." in page
    assert "No email failed or bounced in the last 30 days." in page
    assert "Nobody joined or confirmed an address in the last 26 weeks." in page
    assert 'role="img"' not in page and 'id="show-up-rate">–' in page


def test_a_period_with_sessions_but_no_attendance_taken_says_so(client, organiser):
    _session("Unmarked", at(2026, 12, 30, 15))
    db.session.commit()
    page = text(client.get("/admin/?period=30"))
    assert "No attendance was taken at the sessions that ended in the last 30 days." in page
    assert "Attendance not taken, so not counted (1):" in page and ">Unmarked</a>" in page


# The CSVs --------------------------------------------------------------------------------------------

def _csv(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))), response


def test_upcoming_csv(client, community):
    rows, response = _csv(client, "/admin/dashboard/upcoming.csv")
    assert 'filename="dashboard-upcoming.csv"' in response.headers["Content-Disposition"]
    assert rows == [["session", "starts_at_utc", "capacity", "confirmed", "fill_rate_percent", "waitlisted"],
                    ["Next big thing", "2027-01-14T14:00:00+00:00", "3", "3", "100", "2"],
                    ["Quiet topic", "2027-01-28T14:00:00+00:00", "10", "1", "10", "0"],
                    ["Nobody yet", "2027-02-11T14:00:00+00:00", "20", "0", "0", "0"]]


def test_members_csv_has_all_26_weeks(client, community):
    rows, _ = _csv(client, "/admin/dashboard/members.csv")
    assert rows[0] == ["week_starting (Europe/London)", "joined", "confirmed"]
    assert len(rows) == 27 and rows[1] == ["2026-07-13", "0", "1"] and rows[-1] == ["2027-01-04", "8", "8"]
    assert ["2026-08-31", "1", "0"] in rows


def test_attendance_csv_lists_the_uncounted_sessions_too(client, community):
    rows, response = _csv(client, "/admin/dashboard/attendance.csv?period=90")
    assert 'filename="dashboard-attendance-90-days.csv"' in response.headers["Content-Disposition"]
    assert rows == [
        ["session", "starts_at_utc", "counted", "confirmed", "attended", "no_shows", "no_show_rate_percent"],
        ["Cloud costs", "2026-11-12T14:00:00+00:00", "yes", "5", "2", "3", "60"],
        ["AI governance", "2026-11-26T14:00:00+00:00", "no: attendance not taken", "3", "", "", ""],
        ["Empty room", "2026-12-10T14:00:00+00:00", "no: attendance not taken", "0", "", "", ""],
        ["Data maturity", "2026-12-17T14:00:00+00:00", "yes", "4", "3", "1", "25"]]


def test_polls_csv(client, community):
    rows, _ = _csv(client, "/admin/dashboard/polls.csv?period=365")
    assert rows == [["session", "starts_at_utc", "polls", "confirmed_attendees", "attendees_who_answered",
                     "participation_percent", "everyone_who_answered"],
                    ["Old topic", "2026-06-01T14:00:00+00:00", "1", "4", "4", "100", "4"],
                    ["Data maturity", "2026-12-17T14:00:00+00:00", "2", "4", "2", "50", "3"]]


def test_filled_csv(client, community):
    rows, _ = _csv(client, "/admin/dashboard/filled.csv?period=90")
    assert rows == [["session", "starts_at_utc", "published_at_utc", "filled_at_utc", "hours_to_fill",
                     "time_to_fill"],
                    ["Next big thing", "2027-01-14T14:00:00+00:00", "2026-12-20T09:00:00+00:00",
                     "2026-12-20T13:10:00+00:00", "4.17", "4 h 10 min"],
                    ["Cloud costs", "2026-11-12T14:00:00+00:00", "2026-10-20T10:00:00+00:00",
                     "2026-10-21T12:30:00+00:00", "26.50", "1 day 2 h"]]


def test_emails_csv(client, community):
    rows, _ = _csv(client, "/admin/dashboard/emails.csv?period=30")
    assert rows == [["kind", "failed", "bounced", "total"], ["confirm_email", "2", "0", "2"]]


def test_an_empty_period_gives_a_csv_with_only_its_header(client, organiser):
    rows, _ = _csv(client, "/admin/dashboard/attendance.csv?period=30")
    assert rows == [["session", "starts_at_utc", "counted", "confirmed", "attended", "no_shows",
                     "no_show_rate_percent"]]


def test_csv_cells_cannot_run_as_formulas(client, organiser):
    session = _session("=HYPERLINK(\"http://evil.example\")", at(2026, 12, 30, 15))
    _places(session, confirmed=[make_user()], marked=[])
    db.session.commit()
    rows, _ = _csv(client, "/admin/dashboard/attendance.csv?period=30")
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"


def test_an_unknown_chart_is_not_found(client, organiser):
    assert client.get("/admin/dashboard/secrets.csv").status_code == 404


# Who may see it ----------------------------------------------------------------------------------------

CSV_PATHS = [f"/admin/dashboard/{c}.csv?period=30" for c in ("upcoming", "members", "attendance", "polls",
                                                            "filled", "emails")]


@pytest.mark.parametrize("path", ["/admin/?period=30", *CSV_PATHS])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["member", "analyst"])
@pytest.mark.parametrize("path", ["/admin/?period=30", *CSV_PATHS])
def test_members_and_analysts_are_refused(client, auth, role, path):
    auth.log_in_new_user(role=role)
    assert client.get(path).status_code == 403


# Cost --------------------------------------------------------------------------------------------------

def test_the_query_count_is_the_same_with_ten_times_the_data(client, organiser):
    with cheap_passwords():
        build_community()
    db.session.commit()
    once = count_page_queries(client, "/admin/?period=365")
    with cheap_passwords():
        for copy in range(1, 10):
            build_community(copy)
    db.session.commit()
    assert count_page_queries(client, "/admin/?period=365") == once


# When a session fills ------------------------------------------------------------------------------------

def test_the_sign_up_that_takes_the_last_seat_records_when_the_session_filled(app):
    session = make_session(capacity=2, published_at=utcnow() - timedelta(days=1))
    first, second, third = make_user(), make_user(), make_user()
    signups.sign_up(first, session)
    assert session.filled_at is None
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        signups.sign_up(second, session)
    db.session.refresh(session)
    assert session.filled_at == NOW + timedelta(hours=3)
    signups.sign_up(third, session)  # waitlisted: the date stays
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        signups.cancel(first, session)  # the third moves up: the session was already full before
    db.session.refresh(session)
    assert session.filled_at == NOW + timedelta(hours=3)


def test_a_seat_freed_before_the_session_ever_filled_leaves_no_date(app):
    session = make_session(capacity=2)
    first = make_user()
    signups.sign_up(first, session)
    signups.cancel(first, session)
    db.session.refresh(session)
    assert session.filled_at is None


def test_a_promotion_from_the_waitlist_that_fills_the_session_records_it(app):
    session = make_session(capacity=1)
    organiser, holder, waiting = make_user(role="organiser"), make_user(), make_user()
    signups.sign_up(holder, session)
    session.filled_at = None  # as if the seat had been taken before filled_at was kept
    signups.sign_up(waiting, session)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        signups.promote(organiser, signups.registration_for(waiting, session))
        db.session.flush()
    db.session.refresh(session)
    assert session.filled_at == NOW + timedelta(hours=1)


def test_raising_the_capacity_fills_it_from_the_waitlist_and_records_when(app):
    session = make_session(capacity=3)
    users = [make_user() for _ in range(4)]
    for user in users[:2]:
        signups.sign_up(user, session)
    session.capacity = 1  # an organiser lowered it, so the next two wait
    for user in users[2:]:
        signups.sign_up(user, session)
    assert session.filled_at is None
    session.capacity = 4
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        signups.fill_free_seats(session)
        db.session.flush()
    db.session.refresh(session)
    assert session.filled_at == NOW + timedelta(hours=2)
