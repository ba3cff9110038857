"""One member's page in the panel (/admin/members/<id>): profile, sign-ups with their outcomes,
poll participation without the answers, emails, and who may open it."""
from datetime import timedelta

import pytest
import time_machine

from community.accounts import deactivation
from community.db import db, utcnow
from community.polls import services as polls
from community.sessions.models import SessionStatus
from community.signups import services as signups
from tests.admin.helpers import text
from tests.conftest import count_page_queries
from tests.factories import make_email, make_poll, make_session, make_user, option_ids

WEEK = timedelta(days=7)


def _session(title: str, starts_in: timedelta, **kwargs):
    """A published session `starts_in` from now (negative: in the past)."""
    return make_session(title=title, slug=title.lower().replace(" ", "-"),
                        starts_at=utcnow().replace(microsecond=0) + starts_in, **kwargs)


def _history(member) -> dict[str, object]:
    """Sign the member up for six sessions now; two weeks later they turned out: attended,
    no-show, cancelled, waitlisted (an upcoming session), confirmed (upcoming), session cancelled."""
    sessions = {
        "attended": _session("Data maturity", 3 * WEEK / 7),
        "no-show": _session("Cloud costs", 4 * WEEK / 7),
        "cancelled": _session("Security culture", 5 * WEEK / 7),
        "waitlisted": _session("AI at work", 4 * WEEK, capacity=1),
        "confirmed": _session("Platform teams", 5 * WEEK),
        "session cancelled": _session("Vendor lock-in", 6 * WEEK),
    }
    signups.sign_up(make_user(), sessions["waitlisted"])
    for session in sessions.values():
        signups.sign_up(member, session)
    signups.cancel(member, sessions["cancelled"])
    reg = signups.registration_for(member, sessions["attended"])
    reg.attended_at, reg.attendance_source = sessions["attended"].starts_at, "zoom"
    sessions["session cancelled"].status = SessionStatus.CANCELLED
    return sessions


def test_member_page_shows_the_profile(client, organiser):
    member = make_user(name="Maria Member", email="maria@example.com", organisation="Nordic Bank",
                       job_title="Group CIO", timezone="Europe/Paris")
    db.session.commit()
    page = text(client.get(f"/admin/members/{member.id}"))
    for shown in ("Maria Member", "maria@example.com", "Nordic Bank", "Group CIO", "Europe/Paris",
                  "Member", "Current notice", "Never", "Normal"):
        assert shown in page
    assert "Deactivate Maria Member's account" in page


def test_member_page_shows_each_outcome_of_the_sign_ups_once_sessions_are_over(client, organiser, auth):
    member = make_user(name="Maria Member")
    sessions = _history(member)
    db.session.commit()
    with time_machine.travel(utcnow() + 2 * WEEK, tick=False):
        auth.login(organiser)
        page = text(client.get(f"/admin/members/{member.id}"))
    rows = {title: page.split(title, 1)[1].split("</tr>", 1)[0]
            for title in (s.title for s in sessions.values())}
    assert ">Attended<" in rows["Data maturity"] and "Zoom report" in rows["Data maturity"]
    assert ">No-show<" in rows["Cloud costs"]
    assert ">Cancelled<" in rows["Security culture"]
    assert ">Waitlisted<" in rows["AI at work"]
    assert ">Confirmed<" in rows["Platform teams"]
    assert ">Session cancelled<" in rows["Vendor lock-in"]
    # Latest first, times in the organiser's zone with its name.
    assert page.index("Vendor lock-in") < page.index("Platform teams") < page.index("Data maturity")
    assert "Times in Europe/London" in page


def test_member_page_counts_polls_answered_and_never_shows_the_answers(client, organiser):
    member = make_user(name="Maria Member")
    first = make_poll(question="Is the cloud cheaper?", options=["Strongly in favour", "Against"],
                      allow_comment=True)
    second = make_poll(first.session, question="Who owns data?", options=["The CDO", "The business"],
                       position=2)
    make_poll(first.session, question="Not answered", position=3)
    polls.answer(member, first, option_ids(first, "Strongly in favour"), "my private reason")
    polls.answer(member, second, option_ids(second, "The business"))
    db.session.commit()
    page = text(client.get(f"/admin/members/{member.id}"))
    assert "Answered 2 polls." in page
    for secret in ("Strongly in favour", "The business", "my private reason", "Is the cloud cheaper?"):
        assert secret not in page


def test_member_page_lists_the_latest_emails_with_their_status_and_a_count(client, organiser):
    member = make_user(name="Maria Member", email="maria@example.com")
    for n in range(22):
        make_email(member, subject=f"Note number {n:02d}")
    db.session.commit()
    page = text(client.get(f"/admin/members/{member.id}"))
    assert "The latest 20 of 22 emails" in page
    assert "Note number 21" in page and "Note number 02" in page and "Note number 01" not in page
    assert "Pending" in page or "Sent" in page
    assert "All 22 in the outbox" in page and 'href="/admin/outbox?q=maria' in page


def test_member_page_shows_a_bouncing_address(client, organiser):
    member = make_user(name="Maria Member")
    member.email_bouncing_since, member.email_bounce_reason = utcnow(), "550 5.1.1 mailbox unknown"
    db.session.commit()
    page = text(client.get(f"/admin/members/{member.id}"))
    assert "Address bouncing" in page and "550 5.1.1 mailbox unknown" in page


def test_deactivated_state_shows_on_the_list_and_the_page(client, organiser):
    member = make_user(name="Maria Member")
    deactivation.deactivate(organiser, member)
    db.session.commit()
    listing = text(client.get("/admin/members"))
    assert f'href="/admin/members/{member.id}"' in listing and "Deactivated" in listing
    page = text(client.get(f"/admin/members/{member.id}"))
    assert "cannot log in and is not emailed" in page and "Reactivate Maria Member's account" in page
    assert "Deactivate Maria Member's account" not in page


def test_an_organisers_own_page_has_no_deactivate_button(client, organiser):
    page = text(client.get(f"/admin/members/{organiser.id}"))
    assert "This is your own account" in page and "Deactivate" not in page


def test_member_page_queries_do_not_grow_with_sign_ups(client, organiser):
    member = make_user()
    for n in range(2):
        signups.sign_up(member, _session(f"Topic {n}", WEEK + n * timedelta(hours=1)))
    make_email(member)
    db.session.commit()
    few = count_page_queries(client, f"/admin/members/{member.id}")
    for n in range(2, 12):
        signups.sign_up(member, _session(f"Topic {n}", WEEK + n * timedelta(hours=1)))
        make_email(member)
    db.session.commit()
    assert count_page_queries(client, f"/admin/members/{member.id}") == few


def test_an_unknown_member_is_not_found(client, organiser):
    assert client.get("/admin/members/9999").status_code == 404


@pytest.mark.parametrize("role", ["member", "analyst"])
def test_member_page_is_for_organisers_only(client, auth, role):
    target = make_user()
    db.session.commit()
    response = client.get(f"/admin/members/{target.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    auth.log_in_new_user(role=role)
    assert client.get(f"/admin/members/{target.id}").status_code == 403
