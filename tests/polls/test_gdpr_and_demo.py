"""Personal data in polls (export, anonymised on deletion) and the demo roundtable's polls."""
import json

from sqlalchemy import select

from community.db import db
from community.demo import CX_TITLE
from community.polls import services
from community.polls.models import Poll, PollAnswer
from community.sessions.models import Session
from tests.factories import PASSWORD, make_poll, make_user, option_ids


def test_the_data_export_lists_the_members_answers(client, auth):
    poll = make_poll(question="Is good enough, enough?", allow_comment=True)
    member = make_user()
    services.answer(member, poll, option_ids(poll, "It depends"), "Depends on the journey.")
    services.answer(make_user(), poll, option_ids(poll, "Yes"), "Someone else's view.")
    db.session.commit()
    auth.login(member)
    data = json.loads(client.get("/account/export.json").get_data(as_text=True))
    (entry,) = data["poll_answers"]
    assert entry["question"] == "Is good enough, enough?" and entry["answer"] == ["It depends"]
    assert entry["comment"] == "Depends on the journey." and entry["session"] == poll.session.title


def test_deleting_an_account_keeps_its_answers_in_the_totals_without_the_person(client, auth):
    poll = make_poll(allow_comment=True)
    leaving = make_user(email="leaving@example.com")
    services.answer(leaving, poll, option_ids(poll, "No"), "At Banca Alpina we learnt this the hard way.")
    db.session.commit()
    leaving_id = leaving.id
    auth.login(leaving)
    client.post("/account/delete", data={"delete-password": PASSWORD, "delete-understand": "y"})
    db.session.expire_all()
    (answer,) = db.session.scalars(select(PollAnswer)).all()
    assert answer.user_id is None and answer.comment == ""
    assert not db.session.scalars(select(PollAnswer).where(PollAnswer.user_id == leaving_id)).all()
    current = services.tally(db.session.get(Poll, poll.id)).current
    assert current.respondents == 1 and current.options[1].count == 1


def test_the_demo_roundtable_carries_the_three_polls_with_answers(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    session = db.session.scalar(select(Session).where(Session.title == CX_TITLE))
    polls = services.session_polls(session)
    assert [(p.question, p.kind, p.status) for p in polls] == [
        ("Is good enough, enough?", "single", "open"),
        ("How well does my organisation really need to know our customers?", "scale", "open"),
        ("What is the real return of perfect data at the right place and time?", "multiple", "open"),
    ]
    assert all(services.tally(p).current.respondents == 6 for p in polls)
    assert polls[0].two_rounds and polls[2].max_choices == 2
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.query(Poll).count() == 3 and db.session.query(PollAnswer).count() == 18
