"""Answering: one answer per member and round, changeable while open; bad input changes nothing;
an answer takes a fixed, small number of statements."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from community.accounts.models import User
from community.core.errors import DomainError, NotAllowed
from community.db import db
from community.polls import services
from community.polls.models import Poll, PollAnswer
from community.sessions.models import Session
from community.signups import services as signups
from tests.conftest import count_queries
from tests.factories import make_poll, make_session, make_user, option_ids

pytestmark = pytest.mark.usefixtures("app")


def _stored():
    """Every answer as (poll, round, member, comment, chosen option ids)."""
    db.session.expire_all()
    rows = db.session.scalars(select(PollAnswer).order_by(PollAnswer.id)).all()
    return [(a.poll_id, a.round, a.user_id, a.comment, sorted(c.option_id for c in a.choices)) for a in rows]


def test_member_answers_and_changes_the_answer_keeping_one_row():
    poll = make_poll(allow_comment=True)
    member = make_user()
    first = services.answer(member, poll, option_ids(poll, "Yes"), "Good enough frees budget.")
    again = services.answer(member, poll, option_ids(poll, "It depends"), "  Depends on the   journey. ")
    assert first == again
    assert _stored() == [(poll.id, 1, member.id, "Depends on the journey.", option_ids(poll, "It depends"))]
    mine = services.my_answers(member, [poll.id])[(poll.id, 1)]
    assert mine.option_ids == set(option_ids(poll, "It depends"))


def test_a_changed_answer_keeps_when_it_was_first_given():
    poll = make_poll()
    member = make_user()
    first = datetime(2027, 1, 14, 14, 5, tzinfo=UTC)
    with time_machine.travel(first, tick=False):
        services.answer(member, poll, option_ids(poll, "Yes"))
    with time_machine.travel(first + timedelta(minutes=20), tick=False):
        services.answer(member, poll, option_ids(poll, "No"))
    db.session.expire_all()
    answer = db.session.scalar(select(PollAnswer))
    assert (answer.created_at, answer.updated_at) == (first, first + timedelta(minutes=20))


def test_multiple_choice_keeps_every_picked_option_up_to_the_maximum():
    poll = make_poll(kind="multiple", max_choices=2, options=["Revenue", "Cost", "Loyalty", "Risk"])
    member = make_user()
    services.answer(member, poll, option_ids(poll, "Revenue", "Risk"))
    services.answer(member, poll, option_ids(poll, "Cost", "Loyalty"))
    assert _stored() == [(poll.id, 1, member.id, "", option_ids(poll, "Cost", "Loyalty"))]


def test_an_attendee_answers_a_poll_for_attendees():
    session = make_session()
    poll = make_poll(session, audience="attendees")
    member = make_user()
    signups.sign_up(member, session)
    services.answer(member, poll, option_ids(poll, "No"))
    assert len(_stored()) == 1


BAD_INPUT = {
    "an option of another poll": (
        {}, lambda poll, member: make_poll(question="Another").options[0].id,
        DomainError, "not one of this poll's options"),
    "a second option on a single-choice poll": (
        {}, lambda poll, member: option_ids(poll, "Yes", "No"), DomainError, "Choose one answer only."),
    "too many options": (
        {"kind": "multiple", "max_choices": 2},
        lambda poll, member: option_ids(poll, "Yes", "No", "It depends"),
        DomainError, "Choose at most 2 answers."),
    "no option at all": ({}, lambda poll, member: [], DomainError, "Choose an answer first."),
    "a comment over the limit": (
        {"allow_comment": True}, lambda poll, member: (option_ids(poll, "No"), "x" * 201),
        DomainError, "at most 200 characters"),
    "an option of another poll among its own": (
        {"kind": "multiple"},
        lambda poll, member: [*option_ids(poll, "No"), make_poll(question="Another").options[0].id],
        DomainError, "not one of this poll's options"),
    "an id no option can have": (
        {}, lambda poll, member: 2**70, DomainError, "not one of this poll's options"),
    "a comment where none is asked": (
        {}, lambda poll, member: (option_ids(poll, "No"), "Because."), DomainError, "takes no comments"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gets_a_clear_refusal_and_changes_nothing(case):
    settings, make_input, error, message = BAD_INPUT[case]
    poll = make_poll(**settings)
    member = make_user()
    services.answer(member, poll, option_ids(poll, "Yes"))
    db.session.commit()
    given = make_input(poll, member)
    if isinstance(given, int):
        given = [given]
    choice, comment = given if isinstance(given, tuple) else (given, "")
    before = _stored()
    with pytest.raises(error, match=message):
        services.answer(member, poll, choice, comment)
    db.session.rollback()
    assert _stored() == before


REFUSED_STATES = {
    "a draft poll": ({"status": "draft"}, {}, DomainError, "This poll is not open yet."),
    "a closed poll": ({"status": "closed"}, {}, DomainError, "This poll is closed"),
    "a member who has not confirmed the email": ({}, {"confirmed": False}, NotAllowed, "Confirm your email"),
    "a member without a seat, on an attendees' poll": (
        {"audience": "attendees"}, {}, NotAllowed, "Only confirmed attendees"),
}


@pytest.mark.parametrize("case", REFUSED_STATES, ids=list(REFUSED_STATES))
def test_answers_out_of_turn_are_refused_and_change_nothing(case):
    poll_settings, member_settings, error, message = REFUSED_STATES[case]
    poll = make_poll(**poll_settings)
    member = make_user(**member_settings)
    db.session.commit()
    with pytest.raises(error, match=message):
        services.answer(member, poll, option_ids(poll, "Yes"))
    db.session.rollback()
    assert _stored() == []


def test_a_waitlisted_member_is_not_an_attendee():
    session = make_session(capacity=1)
    poll = make_poll(session, audience="attendees")
    signups.sign_up(make_user(), session)
    waiting = make_user()
    signups.sign_up(waiting, session)
    with pytest.raises(NotAllowed, match="Only confirmed attendees"):
        services.answer(waiting, poll, option_ids(poll, "Yes"))


def test_the_live_round_takes_a_second_answer_and_keeps_the_first():
    organiser = make_user(role="organiser")
    poll = make_poll(two_rounds=True)
    member = make_user()
    services.answer(member, poll, option_ids(poll, "Yes"))
    services.start_live_round(organiser, poll)
    services.answer(member, poll, option_ids(poll, "No"))
    assert _stored() == [(poll.id, 1, member.id, "", option_ids(poll, "Yes")),
                         (poll.id, 2, member.id, "", option_ids(poll, "No"))]



def _as_a_request_holds_them(member, poll):
    """The member, the poll and its session, committed and loaded again into an empty session,
    as a request holds them when it calls the service (the caller keeps the session alive)."""
    db.session.commit()
    ids = member.id, poll.id, poll.session_id
    db.session.remove()
    session = db.session.get(Session, ids[2])
    return db.session.get(User, ids[0]), db.session.get(Poll, ids[1]), session


def _dialect_statements() -> int:
    """What an answer costs: the guarded upsert, then the options replaced (one statement on
    PostgreSQL, a DELETE and an INSERT on SQLite)."""
    return 2 if db.engine.dialect.name == "postgresql" else 3


def test_an_answer_takes_two_statements_on_postgresql_and_three_on_sqlite():
    poll = make_poll(kind="multiple", allow_comment=True)
    member, ids = make_user(), option_ids(poll, "Yes", "No")
    for choice in (ids, ids[1:]):  # the first answer, then a change of mind
        member, poll, _session = _as_a_request_holds_them(member, poll)
        with count_queries() as statements:
            services.answer(member, poll, choice, "Because.")
        assert len(statements) == _dialect_statements(), statements
        assert not any(s.lstrip().startswith("SELECT") for s in statements), "nothing is loaded again"
    assert _stored() == [(poll.id, 1, member.id, "Because.", ids[1:])]


def test_a_poll_for_attendees_costs_one_statement_more_to_find_the_seat():
    session = make_session()
    member = make_user()
    signups.sign_up(member, session)
    poll = make_poll(session, audience="attendees")
    choice = option_ids(poll, "Yes")
    member, poll, _session = _as_a_request_holds_them(member, poll)
    with count_queries() as statements:
        services.answer(member, poll, choice)
    assert len(statements) == _dialect_statements() + 1


@pytest.mark.parametrize("change", ["close", "live"])
def test_an_answer_to_a_poll_that_moved_on_since_the_request_read_it_is_refused(app, change):
    organiser_id = make_user(role="organiser").id
    poll = make_poll(two_rounds=True)
    member = make_user()
    services.answer(member, poll, option_ids(poll, "Yes"))
    member, poll, _session = _as_a_request_holds_them(member, poll)
    with app.app_context():  # another request, with a session of its own
        other = db.session.get(Poll, poll.id)
        (services.close_poll if change == "close" else services.start_live_round)(
            db.session.get(User, organiser_id), other)
        db.session.commit()
    assert poll.is_open and poll.round == 1, "the request still holds the poll as it read it"
    with pytest.raises(DomainError, match="This poll closed before your answer arrived"):
        services.answer(member, poll, option_ids(poll, "No"))
    db.session.rollback()
    assert _stored() == [(poll.id, 1, member.id, "", option_ids(poll, "Yes"))]
