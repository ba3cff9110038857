"""The panel's CSV exports: members with their consent state, a session's attendees with their
attendance, a poll's results (counts per option, never who answered what); every cell that a
spreadsheet would run as a formula is neutralised."""
import csv
import io
from datetime import timedelta

import pytest
import time_machine

from community.accounts import deactivation
from community.db import db
from community.polls import services as polls
from community.signups import services as signups
from tests.factories import make_poll, make_session, make_user, option_ids


def _rows(response) -> list[list[str]]:
    """The CSV body as rows (the header first)."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _by_name(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    """Data rows keyed by their name column, each as {column: value}."""
    header = rows[0]
    return {row[header.index("name")]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_members_csv_lists_accounts_with_consent_and_status(client, organiser):
    make_user(name="Cora Current", email="cora@example.com", organisation="Nordic Bank")
    earlier = make_user(name="Erik Earlier")
    earlier.privacy_version = "2025-01"
    none = make_user(name="Nils None", confirmed=False)
    none.privacy_consent_at, none.privacy_version = None, ""
    gone = make_user(name="Gita Gone")
    deactivation.deactivate(organiser, gone)
    db.session.commit()
    response = client.get("/admin/members.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="members.csv"'
    rows = _rows(response)
    assert rows[0][:5] == ["name", "email", "organisation", "job_title", "role"]
    people = _by_name(rows)
    cora = people["Cora Current"]
    assert (cora["email"], cora["organisation"], cora["privacy_consent"], cora["status"]) == \
        ("cora@example.com", "Nordic Bank", "current", "active")
    assert cora["privacy_version"] and cora["privacy_consent_at"] and cora["confirmed_at"]
    assert people["Erik Earlier"]["privacy_consent"] == "earlier"
    assert people["Nils None"]["privacy_consent"] == "none" and people["Nils None"]["confirmed_at"] == ""
    assert people["Gita Gone"]["status"] == "deactivated" and people["Gita Gone"]["deactivated_at"]


def test_members_csv_follows_the_lists_filters(client, organiser):
    make_user(name="Cecilia CIO", organisation="Nordic Bank")
    make_user(name="Mark CMO", organisation="Retail Group")
    make_user(name="Anna Analyst", organisation="Nordic Bank", role="analyst")
    db.session.commit()
    assert set(_by_name(_rows(client.get("/admin/members.csv?q=nordic")))) == {"Cecilia CIO", "Anna Analyst"}
    assert set(_by_name(_rows(client.get("/admin/members.csv?q=nordic&role=analyst")))) == {"Anna Analyst"}
    listing = client.get("/admin/members?q=nordic").get_data(as_text=True)
    assert 'href="/admin/members.csv?q=nordic"' in listing


def test_members_csv_neutralises_formulas(client, organiser):
    make_user(name="=HYPERLINK(\"http://evil\")", organisation="+Evil", job_title="@SUM(A1)")
    db.session.commit()
    row = _by_name(_rows(client.get("/admin/members.csv")))["'=HYPERLINK(\"http://evil\")"]
    assert row["organisation"] == "'+Evil" and row["job_title"] == "'@SUM(A1)"


def test_attendees_csv_shows_attendance_and_no_shows_once_the_session_is_over(client, organiser, auth):
    session = make_session(title="AI at work", capacity=2)
    there, absent, waiting = (make_user(name="Thea There"), make_user(name="Abe Absent"),
                              make_user(name="=Wanda Waiting"))
    for user in (there, absent, waiting):
        signups.sign_up(user, session)
    signups.registration_for(there, session).attended_at = session.starts_at + timedelta(minutes=3)
    signups.registration_for(there, session).attendance_source = "check-in"
    db.session.commit()
    with time_machine.travel(session.ends_at + timedelta(days=1), tick=False):
        auth.login(organiser)  # the log-in of a day ago has timed out
        people = _by_name(_rows(client.get(f"/admin/sessions/{session.id}/attendees.csv")))
    assert people["Thea There"]["outcome"] == "attended"
    assert people["Thea There"]["attendance_source"] == "check-in"
    assert people["Thea There"]["attended_at"] == \
        (session.starts_at + timedelta(minutes=3)).isoformat(timespec="seconds")
    assert people["Abe Absent"]["outcome"] == "no-show" and people["Abe Absent"]["attended_at"] == ""
    assert people["'=Wanda Waiting"]["outcome"] == "waitlisted"


def test_attendees_csv_before_the_session_shows_confirmed_seats(client, organiser):
    session = make_session()
    signups.sign_up(make_user(name="Cleo Coming"), session)
    db.session.commit()
    people = _by_name(_rows(client.get(f"/admin/sessions/{session.id}/attendees.csv")))
    assert people["Cleo Coming"]["outcome"] == "confirmed"


def test_poll_results_csv_counts_options_and_never_names_who_answered(client, organiser):
    poll = make_poll(options=["=cmd|' /C calc'!A0", "No"])
    formula, no = option_ids(poll, "=cmd|' /C calc'!A0", "No")
    voters = [make_user(name="Vera Voter", email="vera@example.com"), make_user(name="Otto Other")]
    polls.answer(voters[0], poll, [formula])
    polls.answer(voters[1], poll, [no])
    db.session.commit()
    response = client.get(f"/admin/sessions/{poll.session_id}/polls/{poll.id}/results.csv")
    rows = _rows(response)
    assert ["Only round", "All answers", "'=cmd|' /C calc'!A0", "1", "2", "50.0"] in rows
    body = response.get_data(as_text=True)
    assert "Vera" not in body and "vera@example.com" not in body and "Otto" not in body


@pytest.mark.parametrize("path", ["/admin/members.csv", "/admin/sessions/{session}/attendees.csv",
                                  "/admin/sessions/{session}/polls/{poll}/results.csv"])
@pytest.mark.parametrize("role", ["member", "analyst"])
def test_exports_are_for_organisers_only(client, auth, path, role):
    poll = make_poll()
    url = path.format(session=poll.session_id, poll=poll.id)
    db.session.commit()
    assert client.get(url).status_code == 302  # a visitor logs in first
    auth.log_in_new_user(role=role)
    assert client.get(url).status_code == 403
