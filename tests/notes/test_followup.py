"""The follow-up email carries to each recipient only what they may see: the notes they may
read and the results of the closed polls the polls' own rule shows them."""
from datetime import timedelta

import pytest

from community.core.errors import DomainError
from community.db import db, utcnow
from community.notes import followup
from community.polls.models import ResultsVisibility
from community.signups import services as signups
from tests.factories import make_poll, make_session, make_user, option_ids
from tests.polls.helpers import bulk_answers, bulk_members

SHARED = "Should data quality block a launch?"
KEPT = "Would you bet your bonus on this roadmap?"


def _past_session(*people, **fields):
    """A session that took place, at which each of `people` held a seat."""
    session = make_session(starts_at=utcnow() + timedelta(days=1), capacity=10, **fields)
    for person in people:
        signups.sign_up(person, session)
    session.starts_at = utcnow() - timedelta(hours=3)
    session.ends_at = utcnow() - timedelta(hours=2)
    return session


def _closed_poll(session, question, visibility, options=("Yes", "No", "It depends"),
                 picks=("Yes", "Yes", "No")):
    """A closed poll with a few answers."""
    poll = make_poll(session, question=question, status="closed", results_visibility=visibility,
                     options=list(options),
                     position=1 if visibility != ResultsVisibility.ORGANISERS else 2)
    voters = bulk_members(len(picks))
    bulk_answers(poll, voters, lambda i: option_ids(poll, picks[i]))
    return poll


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_follow_up_leaves_out_results_kept_for_organisers(app, mailbox):
    organiser = make_user(role="organiser")
    attendee = make_user(email="ada@example.com")
    session = _past_session(attendee)
    _closed_poll(session, SHARED, ResultsVisibility.AFTER_CLOSE)
    _closed_poll(session, KEPT, ResultsVisibility.ORGANISERS, options=("All in", "Not a cent"),
                 picks=("All in", "Not a cent", "Not a cent", "Not a cent"))
    db.session.commit()
    mailbox.clear()
    followup.send(organiser, session)
    db.session.commit()
    (message,) = mailbox.to("ada@example.com")
    for body in (_text(message), _html(message)):
        assert SHARED in body
        assert KEPT not in body
        assert "Not a cent" not in body and "75%" not in body  # the hidden poll's figures


def test_follow_up_gives_a_host_with_a_seat_the_results_kept_for_organisers(app, mailbox):
    organiser = make_user(role="organiser")
    host = make_user(role="analyst", email="host@example.com")
    attendee = make_user(email="ada@example.com")
    session = _past_session(host, attendee, hosts=[host])
    _closed_poll(session, SHARED, ResultsVisibility.AFTER_CLOSE)
    _closed_poll(session, KEPT, ResultsVisibility.ORGANISERS)
    db.session.commit()
    mailbox.clear()
    followup.send(organiser, session)
    db.session.commit()
    assert KEPT in _text(mailbox.to("host@example.com")[0])
    assert KEPT not in _text(mailbox.to("ada@example.com")[0])


def test_follow_up_preview_shows_what_an_attendee_gets(app):
    organiser = make_user(role="organiser")
    session = _past_session(make_user())
    shared = _closed_poll(session, SHARED, ResultsVisibility.AFTER_CLOSE)
    kept = _closed_poll(session, KEPT, ResultsVisibility.ORGANISERS)
    db.session.flush()
    content = followup.preview(session, organiser)
    assert [p.id for p, _ in content["polls"]] == [shared.id]
    assert [p.id for p in content["withheld"]] == [kept.id]


def test_follow_up_with_only_results_kept_for_organisers_is_refused_as_empty(app, mailbox):
    organiser = make_user(role="organiser")
    session = _past_session(make_user())
    _closed_poll(session, KEPT, ResultsVisibility.ORGANISERS)
    db.session.commit()
    mailbox.clear()
    with pytest.raises(DomainError, match="nothing to send"):
        followup.send(organiser, session)
