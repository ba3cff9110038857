"""Public poll results: an organiser publishes the results of a closed poll, and then visitors
(the session page, its results feed, the API) see its counts, never who answered nor why; a
poll still open cannot be published, and making the results private or reopening the poll
hides them again."""
import pytest

from community.core.errors import DomainError, NotAllowed
from community.db import db
from community.polls import services
from community.polls.models import Poll, ResultsVisibility
from tests.factories import make_poll, make_session, make_user, option_ids

COMMENT = "Because the board asked for it"


def _answered_poll(**kwargs) -> Poll:
    """A poll of a published session with three answers (two Yes, one No, one comment), closed."""
    poll = make_poll(session=make_session(title="Data debt", slug="data-debt"), allow_comment=True,
                     **kwargs)
    for label, comment in (("Yes", COMMENT), ("Yes", ""), ("No", "")):
        services.answer(make_user(), poll, option_ids(poll, label), comment)
    poll.status = "closed"
    db.session.flush()
    return poll


def _visitor_sees(poll: Poll) -> bool:
    """Whether a visitor without an account sees the poll's results, by the one rule."""
    return poll.id in services.visible_results(None, poll.session, [poll])


def _base(poll: Poll) -> str:
    return f"/admin/sessions/{poll.session_id}/polls/{poll.id}/results"


def _state(poll: Poll) -> bool:
    """The poll's results_public as stored."""
    db.session.expire_all()
    return db.session.get(Poll, poll.id).results_public


# The rule ------------------------------------------------------------------------------------

@pytest.mark.usefixtures("app")
def test_a_visitor_sees_the_counts_only_once_an_organiser_publishes_a_closed_poll():
    poll = _answered_poll()
    olga = make_user(role="organiser")
    assert not _visitor_sees(poll)
    assert services.set_results_public(olga, poll, True)
    results = services.visible_results(None, poll.session, [poll])[poll.id]
    assert results.current.respondents == 3
    assert [(o.label, o.count) for o in results.current.options] == [("Yes", 2), ("No", 1), ("It depends", 0)]


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize(("status", "message"), [
    ("open", "Close the poll before publishing its results: closing fixes the numbers."),
    ("draft", "A draft has no results to publish; open and close it first.")])
def test_a_poll_not_closed_cannot_be_published(status, message):
    poll = make_poll(status=status)
    with pytest.raises(DomainError) as caught:
        services.set_results_public(make_user(role="organiser"), poll, True)
    assert caught.value.message == message
    assert not _state(poll) and not _visitor_sees(poll)


@pytest.mark.usefixtures("app")
def test_making_the_results_private_hides_them_again():
    poll = _answered_poll()
    olga = make_user(role="organiser")
    services.set_results_public(olga, poll, True)
    assert services.set_results_public(olga, poll, False)
    assert not _visitor_sees(poll)
    assert not services.set_results_public(olga, poll, False), "nothing left to change"


@pytest.mark.usefixtures("app")
def test_reopening_a_published_poll_makes_its_results_private_until_published_again():
    poll = _answered_poll()
    olga = make_user(role="organiser")
    services.set_results_public(olga, poll, True)
    services.open_poll(olga, poll)
    assert not poll.results_public and not _visitor_sees(poll)
    services.close_poll(olga, poll)
    assert not _visitor_sees(poll), "new answers may have come in: publishing is a new choice"


@pytest.mark.usefixtures("app")
def test_starting_the_live_round_makes_published_results_private():
    poll = _answered_poll(two_rounds=True)
    olga = make_user(role="organiser")
    services.set_results_public(olga, poll, True)
    services.start_live_round(olga, poll)
    assert not poll.results_public and not _visitor_sees(poll)


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("role", ["member", "analyst"])
def test_only_organisers_publish_results(role):
    poll = _answered_poll()
    user = make_user(role=role)
    poll.session.hosts = [user] if role == "analyst" else []
    with pytest.raises(NotAllowed):
        services.set_results_public(user, poll, True)
    assert not _state(poll)


@pytest.mark.usefixtures("app")
def test_visitors_never_get_the_comments_and_members_still_do():
    poll = _answered_poll()
    services.set_results_public(make_user(role="organiser"), poll, True)
    visitor = services.poll_view(None, poll)
    assert visitor.show_results and visitor.public and visitor.comments == []
    assert services.poll_view(make_user(), poll).comments == [COMMENT]


@pytest.mark.usefixtures("app")
def test_published_results_reach_members_of_a_poll_kept_for_organisers():
    poll = _answered_poll(results_visibility=ResultsVisibility.ORGANISERS)
    member = make_user()
    assert not services.poll_view(member, poll).show_results
    services.set_results_public(make_user(role="organiser"), poll, True)
    assert services.poll_view(member, poll).show_results


# The admin pages -----------------------------------------------------------------------------

def test_organiser_publishes_and_hides_results_from_the_polls_list(client, organiser):
    poll = _answered_poll(question="Is good enough, enough?")
    db.session.commit()
    page = client.get(f"/admin/sessions/{poll.session_id}/polls").get_data(as_text=True)
    assert "Results not public" in page and f"{_base(poll)}/publish" in page
    page = client.post(f"{_base(poll)}/publish", follow_redirects=True).get_data(as_text=True)
    assert "The results of “Is good enough, enough?” are public" in page
    assert "Results public" in page and f"{_base(poll)}/hide" in page and "Make results private" in page
    assert _state(poll)
    page = client.post(f"{_base(poll)}/hide", follow_redirects=True).get_data(as_text=True)
    assert "The results of “Is good enough, enough?” are private again." in page
    assert not _state(poll)


def test_publishing_an_open_poll_is_refused_with_a_message(client, organiser):
    poll = make_poll(question="Still open?")
    db.session.commit()
    page = client.get(f"/admin/sessions/{poll.session_id}/polls").get_data(as_text=True)
    assert "Publish results" not in page
    response = client.post(f"{_base(poll)}/publish", follow_redirects=True)
    assert response.status_code == 200
    assert "Close the poll before publishing its results: closing fixes the numbers." in response.get_data(
        as_text=True)
    assert not _state(poll)


def test_a_poll_of_another_session_is_not_found(client, organiser):
    poll = _answered_poll()
    other = make_session(title="Other", slug="other")
    db.session.commit()
    assert client.post(f"/admin/sessions/{other.id}/polls/{poll.id}/results/publish").status_code == 404
    assert not _state(poll)


@pytest.mark.parametrize("role", [None, "member", "analyst"])
def test_visitors_members_and_analysts_may_not_publish(client, auth, role):
    poll = _answered_poll()
    if role:
        user = auth.log_in_new_user(role=role)
        poll.session.hosts = [user] if role == "analyst" else []
    db.session.commit()
    response = client.post(f"{_base(poll)}/publish")
    if role is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert not _state(poll)


# What a visitor sees ---------------------------------------------------------------------------

def test_a_visitor_sees_published_results_on_the_session_page_without_comments(client, app):
    poll = _answered_poll()
    db.session.commit()
    page = client.get(f"/sessions/{poll.session_id}", follow_redirects=True).get_data(as_text=True)
    assert "2 of 3" not in page and "3 answers" not in page
    services.set_results_public(make_user(role="organiser"), poll, True)
    db.session.commit()
    page = client.get(f"/sessions/{poll.session_id}", follow_redirects=True).get_data(as_text=True)
    assert "3 answers" in page and "2 of 3" in page and "67%" in page
    assert "The organisers have published these results" in page
    assert COMMENT not in page


def test_the_results_feed_shows_published_results_to_a_visitor(client, app):
    poll = _answered_poll()
    db.session.commit()
    feed = f"/sessions/{poll.session_id}/polls/{poll.id}/results.json"
    assert client.get(feed).get_json()["visible"] is False
    services.set_results_public(make_user(role="organiser"), poll, True)
    db.session.commit()
    body = client.get(feed).get_json()
    assert body["visible"] is True and body["rounds"][0]["respondents"] == 3
    assert COMMENT not in str(body)
