"""A community with something of every kind the API must show or hide, and helpers to page."""
from datetime import timedelta

import pytest

from community.db import db, utcnow
from community.polls import services as polls
from community.polls.models import ResultsVisibility
from tests.factories import make_note, make_poll, make_series, make_session, make_user

#: Words that appear only in rows a visitor must never see through the API.
SECRETS = ("Secret draft topic", "Members-only briefing", "Attendees-only briefing", "Draft briefing",
           "Embargoed briefing", "Unasked poll", "Poll on a draft", "https://meet.example.com/secret",
           "Hidden series", "A reason only members may read")


def build_community() -> dict:
    """Published, past, cancelled and draft sessions in a series, notes of every visibility,
    polls open, closed, draft and for organisers only, and one closed whose results an organiser
    published (with a comment), with answers; committed."""
    now = utcnow().replace(microsecond=0)
    host = make_user(name="Hal Host", role="analyst")
    voter = make_user(name="Vera Voter")
    organiser = make_user(name="Olga Organiser", role="organiser")
    series = make_series(title="Data leadership")
    hidden_series = make_series(title="Hidden series", slug="hidden-series")
    soon = make_session(series=series, title="Upcoming topic", slug="upcoming-topic", hosts=[host],
                        join_url="https://meet.example.com/secret")
    past = make_session(series=series, title="Past topic", slug="past-topic",
                        starts_at=now - timedelta(days=14), ends_at=now - timedelta(days=14, hours=-1))
    cancelled = make_session(title="Cancelled topic", slug="cancelled-topic", status="cancelled",
                             starts_at=now + timedelta(days=3))
    draft = make_session(series=hidden_series, title="Secret draft topic", slug="secret-draft-topic",
                         status="draft", starts_at=now + timedelta(days=2))
    notes = {
        "public": make_note(author=organiser, title="Public briefing", sessions=[soon, draft]),
        "members": make_note(author=host, title="Members-only briefing", visibility="members"),
        "attendees": make_note(author=host, title="Attendees-only briefing", visibility="attendees",
                               sessions=[soon]),
        "draft": make_note(author=host, title="Draft briefing", visibility="draft"),
        "embargoed": make_note(author=host, title="Embargoed briefing",
                               embargo_until=now + timedelta(days=1)),
    }
    open_poll = make_poll(soon, question="Open question?")
    closed = make_poll(soon, question="Closed question?", status="closed", position=2,
                       results_visibility=ResultsVisibility.AFTER_CLOSE)
    organisers_only = make_poll(soon, question="Organisers-only question?", status="closed", position=3,
                                results_visibility=ResultsVisibility.ORGANISERS)
    unasked = make_poll(soon, question="Unasked poll", status="draft", position=4)
    on_draft = make_poll(draft, question="Poll on a draft", status="draft")
    published = make_poll(soon, question="Published question?", status="closed", position=5,
                          results_visibility=ResultsVisibility.ORGANISERS, allow_comment=True,
                          results_public=True)
    db.session.commit()
    closed.status = published.status = "open"
    polls.answer(voter, closed, [closed.options[0].id])
    polls.answer(voter, published, [published.options[1].id], "A reason only members may read")
    polls.answer(host, published, [published.options[0].id])
    closed.status = published.status = "closed"
    db.session.commit()
    return {"series": series.id, "hidden_series": hidden_series.id, "soon": soon.id, "past": past.id,
            "cancelled": cancelled.id, "draft": draft.id, "open_poll": open_poll.id, "closed": closed.id,
            "organisers_only": organisers_only.id, "unasked": unasked.id, "on_draft": on_draft.id,
            "published": published.id,
            **{f"note:{k}": n.id for k, n in notes.items()}}


@pytest.fixture
def community(app) -> dict:
    """The ids of the rows of `build_community`."""
    return build_community()


def walk(client, path: str, key: str, limit: int | None = None) -> tuple[list[dict], list]:
    """Every item of a list, following `next` from page to page; and the responses."""
    url = f"{path}{'&' if '?' in path else '?'}limit={limit}" if limit else path
    items, responses = [], []
    while url:
        response = client.get(url.removeprefix("http://127.0.0.1:5000"))
        assert response.status_code == 200, response.get_data(as_text=True)
        responses.append(response)
        items += response.get_json()[key]
        url = response.get_json()["next"]
        assert len(responses) < 100
    return items, responses
