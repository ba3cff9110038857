"""Writing and running polls: drafts, options, order, copies, and who opens and closes them."""
import pytest

from community.core.errors import DomainError, NotAllowed
from community.db import db
from community.polls import services
from community.polls.models import DEFAULT_SCALE_LABELS, LIVE, Poll, PollStatus
from community.sessions.models import SessionStatus
from tests.factories import make_poll, make_session, make_user, option_ids

pytestmark = pytest.mark.usefixtures("app")


def _create(organiser, session, **overrides):
    fields = {"question": "Is good enough, enough?", "kind": "single",
              "options": ["Yes", "No", "It depends"]}
    return services.create_poll(organiser, session, **{**fields, **overrides})


def test_organiser_adds_draft_polls_at_the_end_of_the_session(organiser_user):
    session = make_session()
    first = _create(organiser_user, session, context="  Where is the line?  ")
    second = _create(organiser_user, session, question="  What is   the return?  ")
    assert first.status == PollStatus.DRAFT and first.context == "Where is the line?"
    assert [o.label for o in first.options] == ["Yes", "No", "It depends"]
    assert (first.position, second.position) == (1, 2)
    assert second.question == "What is the return?"


def test_a_scale_without_labels_gets_the_agreement_labels(organiser_user):
    poll = _create(organiser_user, make_session(), kind="scale", options=[])
    assert [o.label for o in poll.options] == list(DEFAULT_SCALE_LABELS)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"question": "   "}, "Enter the question."),
    ({"kind": "ranking"}, "Choose single choice, multiple choice or a 1–5 scale."),
    ({"options": ["Only one"]}, "Give between 2 and 12 options"),
    ({"options": [f"Option {i}" for i in range(13)]}, "Give between 2 and 12 options"),
    ({"options": ["Yes", "yes"]}, "Two options say the same thing"),
    ({"options": ["Yes", "x" * 201]}, "Keep each option under 200 characters."),
    ({"kind": "scale", "options": ["Low", "Mid", "High"]}, "A scale needs exactly 5 labels"),
    ({"kind": "multiple", "max_choices": 1}, "The most a member may pick is between 2 and"),
    ({"kind": "multiple", "max_choices": 4}, "The most a member may pick is between 2 and"),
    ({"audience": "everyone"}, "Choose who may answer."),
])
def test_poll_fields_are_checked(organiser_user, overrides, message):
    with pytest.raises(DomainError, match=message):
        _create(organiser_user, make_session(), **overrides)
    assert db.session.query(Poll).count() == 0


def test_a_maximum_equal_to_the_number_of_options_means_no_limit(organiser_user):
    poll = _create(organiser_user, make_session(), kind="multiple", max_choices=3)
    assert poll.max_choices is None


@pytest.mark.parametrize("role", ["member", "analyst"])
def test_only_organisers_write_polls(role):
    with pytest.raises(NotAllowed):
        _create(make_user(role=role), make_session())


def test_options_kind_and_rounds_are_fixed_once_a_poll_was_opened(organiser_user):
    poll = _create(organiser_user, make_session())
    services.update_poll(organiser_user, poll, options=["Yes", "No"], kind="multiple")
    assert [o.label for o in poll.options] == ["Yes", "No"]
    services.open_poll(organiser_user, poll)
    for change in ({"options": ["Yes", "No", "Maybe"]}, {"kind": "single"}, {"two_rounds": True}):
        with pytest.raises(DomainError, match="cannot change"):
            services.update_poll(organiser_user, poll, **change)
    services.update_poll(organiser_user, poll, question="Is good enough, really enough?",
                         results_visibility="after_close", audience="attendees")
    assert (poll.question, poll.results_visibility, poll.audience) == \
        ("Is good enough, really enough?", "after_close", "attendees")


def test_polls_move_up_and_down(organiser_user):
    session = make_session()
    a, b, c = (_create(organiser_user, session, question=q) for q in "ABC")
    services.move_poll(organiser_user, c, -1)
    assert [p.question for p in services.session_polls(session)] == ["A", "C", "B"]
    services.move_poll(organiser_user, a, +1)
    assert [p.question for p in services.session_polls(session)] == ["C", "A", "B"]
    with pytest.raises(DomainError, match="already first"):
        services.move_poll(organiser_user, c, -1)
    with pytest.raises(DomainError, match="already last"):
        services.move_poll(organiser_user, b, +1)


def test_duplicate_and_copy_from_an_earlier_session_make_drafts(organiser_user):
    earlier = make_session(title="Earlier", slug="earlier")
    source = make_poll(earlier, kind="multiple", max_choices=2, allow_comment=True, two_rounds=True,
                       options=["Revenue", "Cost", "Risk"])
    later = make_session(title="Later", slug="later")
    copy = services.copy_poll(organiser_user, source, later)
    twin = services.copy_poll(organiser_user, source, earlier)
    for poll in (copy, twin):
        assert poll.status == PollStatus.DRAFT and poll.id != source.id
        assert [o.label for o in poll.options] == ["Revenue", "Cost", "Risk"]
        assert (poll.kind, poll.max_choices, poll.allow_comment, poll.two_rounds) == \
            ("multiple", 2, True, True)
    assert copy.session_id == later.id and twin.position == 2
    assert services.copy_sources(later) == [source, twin]


def test_only_drafts_can_be_deleted(organiser_user):
    draft = _create(organiser_user, make_session())
    opened = make_poll()
    services.delete_poll(organiser_user, draft)
    with pytest.raises(DomainError, match="Only a draft can be deleted"):
        services.delete_poll(organiser_user, opened)
    assert db.session.query(Poll).all() == [opened]


def test_open_close_reopen(organiser_user):
    poll = _create(organiser_user, make_session())
    services.open_poll(organiser_user, poll)
    assert poll.status == PollStatus.OPEN and poll.opened_at is not None
    with pytest.raises(DomainError, match="already open"):
        services.open_poll(organiser_user, poll)
    services.close_poll(organiser_user, poll)
    assert poll.status == PollStatus.CLOSED and poll.closed_at is not None
    with pytest.raises(DomainError, match="not open"):
        services.close_poll(organiser_user, poll)
    services.open_poll(organiser_user, poll)
    assert poll.status == PollStatus.OPEN and poll.closed_at is None


def test_a_hosting_analyst_runs_the_sessions_polls_but_no_other_analyst_or_member():
    host = make_user(role="analyst")
    session = make_session(hosts=[host])
    poll = make_poll(session, status="draft")
    for outsider in (make_user(role="analyst"), make_user()):
        with pytest.raises(NotAllowed, match="organisers and the session's hosts"):
            services.open_poll(outsider, poll)
    services.open_poll(host, poll)
    services.close_poll(host, poll)
    assert poll.status == PollStatus.CLOSED


def test_polls_open_only_on_a_published_session(organiser_user):
    poll = make_poll(make_session(status=SessionStatus.DRAFT), status="draft")
    with pytest.raises(DomainError, match="Publish the session"):
        services.open_poll(organiser_user, poll)


def test_the_live_round_follows_the_pre_read_round(organiser_user):
    once = make_poll()
    with pytest.raises(DomainError, match="asked once"):
        services.start_live_round(organiser_user, once)
    poll = make_poll(two_rounds=True, status="draft")
    with pytest.raises(DomainError, match="Open the pre-read round first"):
        services.start_live_round(organiser_user, poll)
    services.open_poll(organiser_user, poll)
    voter = make_user()
    services.answer(voter, poll, option_ids(poll, "Yes"))
    services.start_live_round(organiser_user, poll)
    assert (poll.round, poll.status) == (LIVE, PollStatus.OPEN)
    with pytest.raises(DomainError, match="already started"):
        services.start_live_round(organiser_user, poll)
    assert services.my_answers(voter, [poll.id]).keys() == {(poll.id, 1)}
