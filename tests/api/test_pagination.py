"""Cursor pages: stable order with ties, the next page in the body and in a Link header, and a
400 for a cursor or limit the API cannot use."""
from datetime import timedelta

import pytest
import time_machine

from community.db import db, utcnow
from tests.api.conftest import walk
from tests.factories import make_note, make_poll, make_series, make_session, make_user


def test_sessions_with_the_same_start_page_by_id_without_loss_or_repeat(client):
    start = utcnow().replace(microsecond=0) + timedelta(days=5)
    made = [make_session(title=f"Tie {i}", slug="tie",
                         starts_at=start if i < 5 else start + timedelta(hours=i)) for i in range(8)]
    db.session.commit()
    for limit in (1, 2, 3, 7):
        items, responses = walk(client, "/api/v1/sessions", "sessions", limit=limit)
        assert [s["id"] for s in items] == [s.id for s in made]
        assert len(responses) == -(-8 // limit)


def test_past_sessions_page_latest_first_with_ties_by_id_descending(client):
    start = utcnow().replace(microsecond=0) - timedelta(days=30)
    made = [make_session(title=f"Old {i}", slug="old", starts_at=start + timedelta(days=i // 2),
                         ends_at=start + timedelta(days=i // 2, hours=1)) for i in range(6)]
    db.session.commit()
    items, _ = walk(client, "/api/v1/sessions?when=past", "sessions", limit=4)
    expected = sorted(made, key=lambda s: (s.starts_at, s.id), reverse=True)
    assert [s["id"] for s in items] == [s.id for s in expected]


def test_notes_updated_at_the_same_instant_page_by_id(client):
    author = make_user(role="analyst")
    with time_machine.travel(utcnow().replace(microsecond=0), tick=False):
        made = [make_note(author=author, title=f"Same moment {i}") for i in range(5)]
    db.session.commit()
    items, _ = walk(client, "/api/v1/notes", "notes", limit=2)
    assert [n["id"] for n in items] == sorted((n.id for n in made), reverse=True)


def test_series_with_the_same_title_page_by_id(client):
    made = []
    for i in range(4):
        series = make_series(title="Same title" if i < 3 else "Another", slug="s")
        make_session(series=series, title="T", slug="t", starts_at=utcnow() + timedelta(days=i + 1))
        made.append(series)
    db.session.commit()
    items, _ = walk(client, "/api/v1/series", "series", limit=1)
    assert [s["id"] for s in items] == [made[3].id, made[0].id, made[1].id, made[2].id]


def test_polls_page_in_their_order_on_the_page(client):
    session = make_session()
    made = [make_poll(session, question=f"Q{i}", position=1 if i < 2 else i) for i in range(4)]
    db.session.commit()
    items, _ = walk(client, f"/api/v1/sessions/{session.id}/polls", "polls", limit=3)
    assert [p["id"] for p in items] == [p.id for p in made]


def test_the_next_page_is_in_the_body_and_in_a_link_header_keeping_the_filters(client):
    series = make_series()
    for day in range(3):
        make_session(series=series, title=f"In series {day}", slug="x",
                     starts_at=utcnow() + timedelta(days=day + 1))
    make_session(title="Elsewhere", slug="elsewhere")
    db.session.commit()
    first = client.get(f"/api/v1/sessions?series={series.id}&limit=2")
    body = first.get_json()
    assert body["next"].startswith(f"http://127.0.0.1:5000/api/v1/sessions?series={series.id}&limit=2&cursor=")
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    last = client.get(body["next"].removeprefix("http://127.0.0.1:5000"))
    assert [s["title"] for s in last.get_json()["sessions"]] == ["In series 2"]
    assert last.get_json()["next"] is None and "Link" not in last.headers


@pytest.mark.parametrize("query", [
    "limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1.5", "limit=%00", "limit=", "limit=%EF%BC%91",
    "cursor=", "cursor=abc", "cursor=%00", "cursor=" + "a" * 600, "cursor=WyJzZXNzaW9ucyJd.forged",
    "when=later", "when=", "series=0", "series=-1", "series=x", "series=99999999999",
])
def test_a_parameter_the_api_cannot_use_is_a_400_with_a_json_message(client, query):
    response = client.get(f"/api/v1/sessions?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("query", ["kind=other", "kind=%00", "limit=1000", "cursor=x"])
def test_notes_refuse_an_unknown_kind_or_a_bad_page(client, query):
    response = client.get(f"/api/v1/notes?{query}")
    assert response.status_code == 400 and set(response.get_json()) == {"error"}


def test_a_cursor_signed_with_another_key_is_refused(client, app):
    from itsdangerous import URLSafeSerializer

    make_session()
    db.session.commit()
    signer = URLSafeSerializer("another-key", salt="community.api.cursor")
    forged = signer.dumps(["sessions:upcoming", ["2000-01-01T00:00:00+00:00", 0]])
    assert client.get(f"/api/v1/sessions?cursor={forged}").status_code == 400


def test_a_cursor_with_keys_of_the_wrong_type_is_refused(client, app):
    from community.api.pagination import encode_cursor
    from community.api.views import UPCOMING

    for keys in (["yesterday", 1], ["2000-01-01T00:00:00", 1], ["2000-01-01T00:00:00+00:00", "1"],
                 ["2000-01-01T00:00:00+00:00", True], ["2000-01-01T00:00:00+00:00", 2**40], [1]):
        cursor = encode_cursor(UPCOMING, keys)
        assert client.get(f"/api/v1/sessions?cursor={cursor}").status_code == 400, keys
