"""Polls on the session page: answering with and without JavaScript, refusals, the presenter
view, its JSON feed, the short link, and a constant number of queries."""
import pytest
from sqlalchemy import func, select

from community.db import db
from community.polls import services
from community.polls.models import PollAnswer
from community.signups import services as signups
from tests.conftest import count_page_queries
from tests.factories import make_poll, make_session, make_user, option_ids
from tests.polls.helpers import bulk_answers, bulk_members

JSON = {"Accept": "application/json"}


def _page(client, session):
    return client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)


def _answers():
    return db.session.scalar(select(func.count(PollAnswer.id)))


def _url(poll, action="answer"):
    return f"/sessions/{poll.session_id}/polls/{poll.id}/{action}"


def test_visitors_see_the_question_and_are_asked_to_log_in(client):
    poll = make_poll(question="Is good enough, enough?")
    services.answer(make_user(), poll, option_ids(poll, "Yes"))
    db.session.commit()
    page = _page(client, poll.session)
    assert "Is good enough, enough?" in page and "to answer and see what other members think." in page
    assert 'name="option"' not in page and "Results" not in page


def test_member_answers_with_a_plain_form_and_sees_the_results(client, auth):
    poll = make_poll(allow_comment=True)
    member = make_user()
    db.session.commit()
    auth.login(member)
    page = _page(client, poll.session)
    assert "Choose one answer" in page and "Answer to see what others think." in page
    response = client.post(_url(poll), data={"option": option_ids(poll, "No"),
                                             "comment": "Customers notice."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/sessions/{poll.session_id}-is-good-enough-enough#poll-{poll.id}")
    page = _page(client, poll.session)
    assert "Your answer is saved." in page and "Change my answer" in page
    assert "Your answer: <strong>No</strong>" in page
    assert "1 answer" in page and "100%" in page and "your answer" in page and "“Customers notice.”" in page


def test_the_script_gets_json_with_the_fresh_poll(client, auth):
    poll = make_poll()
    auth.log_in_new_user()
    response = client.post(_url(poll), data={"option": option_ids(poll, "Yes")}, headers=JSON)
    data = response.get_json()
    assert response.status_code == 200 and data["ok"] is True
    assert f'id="poll-{poll.id}"' in data["html"] and "Your answer is saved." in data["html"]


def test_an_answer_with_errors_is_shown_again_with_the_errors(client, auth):
    poll = make_poll(allow_comment=True)
    auth.log_in_new_user()
    response = client.post(_url(poll), data={"option": option_ids(poll, "Yes"), "comment": "x" * 201})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answer was not saved" in page and "at most 200 characters" in page
    assert 'aria-invalid="true"' in page and "x" * 201 in page
    response = client.post(_url(poll), data={}, headers=JSON)
    assert response.status_code == 400 and "Choose an answer first." in response.get_json()["html"]
    assert _answers() == 0


def test_a_tampered_option_is_refused(client, auth):
    poll = make_poll()
    other = make_poll(question="Another")
    auth.log_in_new_user()
    response = client.post(_url(poll), data={"option": [other.options[0].id]}, headers=JSON)
    assert response.status_code == 400
    assert "not one of this poll's options" in response.get_json()["message"]
    response = client.post(_url(poll), data={"option": ["abc"]})
    assert response.status_code == 400 and "Choose an answer first." in response.get_data(as_text=True)
    assert _answers() == 0


def test_a_closed_poll_refuses_clearly(client, auth):
    poll = make_poll(status="closed")
    auth.log_in_new_user()
    response = client.post(_url(poll), data={"option": option_ids(poll, "Yes")})
    assert response.status_code == 400
    assert "This poll is closed; answers are no longer accepted." in response.get_data(as_text=True)
    assert _answers() == 0


def test_a_non_attendee_is_refused_on_an_attendees_poll(client, auth):
    poll = make_poll(audience="attendees")
    auth.log_in_new_user()
    assert "Only confirmed attendees of this session answer this poll." in _page(client, poll.session)
    response = client.post(_url(poll), data={"option": option_ids(poll, "Yes")}, headers=JSON)
    assert response.status_code == 403 and _answers() == 0


def test_answering_needs_a_login(client):
    poll = make_poll()
    db.session.commit()
    response = client.post(_url(poll), data={"option": option_ids(poll, "Yes")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _answers() == 0


def test_draft_polls_are_hidden_from_members(client, auth):
    poll = make_poll(status="draft", question="Secret draft question")
    auth.log_in_new_user()
    assert "Secret draft question" not in _page(client, poll.session)
    assert client.post(_url(poll), data={"option": option_ids(poll, "Yes")}).status_code == 404
    assert client.get(_url(poll, "results.json")).status_code == 404


@pytest.mark.parametrize(("visibility", "status", "answered", "shown"), [
    ("after_answer", "open", False, False), ("after_answer", "open", True, True),
    ("after_close", "open", True, False), ("after_close", "closed", False, True),
    ("organisers", "closed", True, False),
])
def test_members_see_results_as_the_poll_says(client, auth, visibility, status, answered, shown):
    poll = make_poll(results_visibility=visibility)
    member = make_user()
    if answered:
        services.answer(member, poll, option_ids(poll, "Yes"))
    poll.status = status
    db.session.commit()
    auth.login(member)
    data = client.get(_url(poll, "results.json")).get_json()
    assert data["visible"] is shown and ("rounds" in data) is shown
    assert ("class=\"poll-results\"" in _page(client, poll.session)) is shown


def test_hosts_and_organisers_always_see_results_and_run_the_poll(client, auth):
    host = make_user(role="analyst")
    poll = make_poll(make_session(hosts=[host]), status="draft", results_visibility="organisers")
    db.session.commit()
    auth.login(host)
    page = _page(client, poll.session)
    assert "Open the poll" in page and "Results" in page and "Present" in page
    response = client.post(_url(poll, "open"), follow_redirects=True)
    assert "The poll is open: members can answer now." in response.get_data(as_text=True)
    db.session.refresh(poll)
    assert poll.is_open


def test_members_cannot_open_or_close_polls(client, auth):
    poll = make_poll()
    auth.log_in_new_user()
    assert client.post(_url(poll, "close")).status_code == 403
    db.session.refresh(poll)
    assert poll.is_open


def test_presenter_view_for_hosts_only(client, auth):
    host = make_user(role="analyst")
    poll = make_poll(make_session(hosts=[host]), question="What is the real return of perfect data?")
    db.session.commit()
    assert client.get(_url(poll, "present")).status_code == 302
    auth.log_in_new_user()
    assert client.get(_url(poll, "present")).status_code == 403
    client.post("/logout")
    auth.login(host)
    page = client.get(_url(poll, "present")).get_data(as_text=True)
    assert "What is the real return of perfect data?" in page
    assert f"127.0.0.1:5000/p/{poll.id}" in page and "0 answers" in page and "data-poll-live" in page


def test_the_json_feed_has_the_worded_figures(client, auth):
    poll = make_poll()
    organiser = make_user(role="organiser")
    for label in ("Yes", "No", "No"):
        services.answer(make_user(), poll, option_ids(poll, label))
    db.session.commit()
    auth.login(organiser)
    response = client.get(_url(poll, "results.json"))
    data = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert data["status"] == "open" and data["visible"] is True
    (round_,) = data["rounds"]
    assert round_["respondents_text"] == "3 answers"
    assert [(o["count"], o["percent_text"]) for o in round_["options"]] == [(1, "33%"), (2, "67%"), (0, "0%")]


def test_the_short_link_leads_to_the_poll(client):
    poll = make_poll()
    db.session.commit()
    response = client.get(f"/p/{poll.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#poll-{poll.id}")
    assert client.get("/p/999").status_code == 404


def test_the_short_link_of_a_draft_poll_or_a_draft_session_tells_nothing(client, auth):
    draft_poll = make_poll(status="draft")
    hidden = make_poll(make_session(title="Unannounced merger talk", slug="unannounced-merger-talk",
                                    status="draft"), status="draft")
    db.session.commit()
    for poll in (draft_poll, hidden):
        response = client.get(f"/p/{poll.id}")
        assert response.status_code == 404 and "merger" not in response.headers.get("Location", "")
    auth.log_in_new_user()
    assert client.get(f"/p/{draft_poll.id}").status_code == 404
    assert client.get(f"/p/{hidden.id}").status_code == 404


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 0}])  # counts the drawing itself
def test_the_session_page_runs_a_constant_number_of_queries_whatever_the_polls(client, auth):
    session = make_session()
    member = make_user()
    signups.sign_up(member, session)
    first = make_poll(session, allow_comment=True, audience="attendees")
    services.answer(member, first, option_ids(first, "Yes"), "Why not.")
    db.session.commit()
    session_id, member_id = session.id, member.id
    auth.login(member)
    path = f"/sessions/{session_id}-{session.slug}"
    few = count_page_queries(client, path)
    from community.sessions.models import Session

    session = db.session.get(Session, session_id)
    for n in range(2, 6):
        poll = make_poll(session, question=f"Question {n}", position=n, allow_comment=True,
                         audience="attendees", kind="multiple")
        bulk_answers(poll, bulk_members(30), lambda i, poll=poll: [poll.options[i % 3].id])
        services.answer(db.session.get(type(member), member_id), poll, [poll.options[0].id], "Because.")
    db.session.commit()
    assert count_page_queries(client, path) == few


@pytest.mark.parametrize("viewer", ["visitor", "member", "analyst"])
def test_short_link_to_a_poll_of_a_draft_session_is_404_unless_the_viewer_may_see_the_session(
        client, auth, viewer):
    session = make_session(status="draft", title="Secret merger talks", slug="secret-merger-talks")
    poll = make_poll(session)
    if viewer != "visitor":
        auth.log_in_new_user(role="member" if viewer == "member" else "analyst")
    db.session.commit()
    response = client.get(f"/p/{poll.id}")
    assert response.status_code == 404
    assert "secret-merger" not in response.headers.get("Location", "")


def test_short_link_to_a_poll_of_a_draft_session_leads_organisers_to_the_preview(client, auth):
    poll = make_poll(make_session(status="draft"))
    auth.log_in_new_user(role="organiser")
    db.session.commit()
    response = client.get(f"/p/{poll.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#poll-{poll.id}")


def test_short_link_to_a_draft_poll_is_404_for_members_and_leads_its_managers_to_it(client, auth):
    host = make_user(role="analyst")
    poll = make_poll(make_session(hosts=[host]), status="draft")
    db.session.commit()
    assert client.get(f"/p/{poll.id}").status_code == 404
    auth.log_in_new_user()
    assert client.get(f"/p/{poll.id}").status_code == 404
    auth.logout()
    auth.login(host)
    assert client.get(f"/p/{poll.id}").status_code == 302
