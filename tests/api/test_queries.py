"""Each answer costs the same number of queries however many rows it lists (no N+1)."""
from datetime import timedelta

from community.db import db, utcnow
from tests.conftest import count_page_queries
from tests.factories import make_note, make_poll, make_series, make_session, make_user


def _grow(n: int, offset: int) -> int:
    """Add `n` of everything: a series with sessions, each with hosts, seats, notes and polls."""
    series = make_series(title=f"Series {offset}", slug="s")
    polled = make_session(series=series, title=f"Polled {offset}", slug="p",
                          starts_at=utcnow() + timedelta(days=offset + 1, hours=1))
    for i in range(n):
        host = make_user(role="analyst")
        session = make_session(series=series, title=f"S {offset}-{i}", slug="s", hosts=[host],
                               starts_at=utcnow() + timedelta(days=offset + i + 1))
        past = make_session(series=series, title=f"P {offset}-{i}", slug="p", hosts=[host],
                            starts_at=utcnow() - timedelta(days=offset + i + 2),
                            ends_at=utcnow() - timedelta(days=offset + i + 2, hours=-1))
        make_note(author=host, title=f"N {offset}-{i}", sessions=[session, past])
        make_poll(polled, question=f"Q {i}", status="closed", position=i)
    db.session.commit()
    return polled.id


def _counts(client, session_id: int) -> list[int]:
    paths = ["/api/v1/series", "/api/v1/sessions", "/api/v1/sessions?when=past", "/api/v1/notes",
             f"/api/v1/sessions/{session_id}/polls"]
    return [count_page_queries(client, path) for path in paths]


def test_query_counts_do_not_grow_with_the_rows(client):
    few = _counts(client, _grow(2, 0))
    many = _counts(client, _grow(12, 100))
    assert few == many
    assert max(many) <= 6
