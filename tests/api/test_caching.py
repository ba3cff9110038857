"""Strong ETags, 304 for a copy the caller holds, caching headers for public data."""
import hashlib

import pytest

from community.db import db
from tests.factories import make_note, make_session

PATHS = ["/api/v1/sessions", "/api/v1/series", "/api/v1/notes", "/api/v1/openapi.json"]


@pytest.fixture
def rows(app):
    session = make_session()
    note = make_note()
    db.session.commit()
    return {"session": session.id, "note": note.id}


def _all_paths(rows):
    return [*PATHS, f"/api/v1/sessions/{rows['session']}", f"/api/v1/sessions/{rows['session']}/polls",
            f"/api/v1/notes/{rows['note']}"]


def test_every_answer_has_a_strong_etag_that_hashes_its_body(client, rows):
    for path in _all_paths(rows):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["ETag"] == f'"{hashlib.sha256(response.get_data()).hexdigest()}"'
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert "Vary" not in response.headers and "Set-Cookie" not in response.headers


@pytest.mark.parametrize("header", ["{etag}", '"other", {etag}', "*", "W/{etag}", '"a",W/"b" , {etag}'])
def test_if_none_match_naming_the_current_etag_gives_304(client, rows, header):
    for path in _all_paths(rows):
        etag = client.get(path).headers["ETag"]
        response = client.get(path, headers={"If-None-Match": header.format(etag=etag)})
        assert response.status_code == 304, (path, header)
        assert response.get_data() == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=60"


def test_a_changed_answer_has_a_new_etag_and_an_old_copy_gets_200(client, rows):
    path = f"/api/v1/sessions/{rows['session']}"
    old = client.get(path).headers["ETag"]
    make_session(title="Another", slug="another")
    from community.sessions.models import Session

    db.session.get(Session, rows["session"]).title = "Renamed"
    db.session.commit()
    response = client.get(path, headers={"If-None-Match": old})
    assert response.status_code == 200 and response.get_json()["title"] == "Renamed"
    assert response.headers["ETag"] != old


@pytest.mark.parametrize("header", ['"unterminated', "garbage", '""', "W/", ",,,"])
def test_a_malformed_if_none_match_is_answered_in_full(client, rows, header):
    response = client.get("/api/v1/sessions", headers={"If-None-Match": header})
    assert response.status_code == 200 and response.get_json()["sessions"]


def test_errors_are_json_and_not_cached(client, rows):
    for path in ("/api/v1/sessions/999999", "/api/v1/no-such-thing", "/api/v1/sessions?limit=0"):
        response = client.get(path)
        assert response.status_code in (400, 404) and response.is_json
        assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


def test_any_site_may_read_the_public_answers(client, rows):
    response = client.get("/api/v1/sessions", headers={"Origin": "https://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"].replace(" ", "").split(",")
    assert set(exposed) == {"ETag", "Link"}


def test_publishing_a_polls_results_changes_the_polls_etag(client, community):
    from community.polls import services as polls
    from community.polls.models import Poll
    from tests.factories import make_user

    path = f"/api/v1/sessions/{community['soon']}/polls"
    before = client.get(path)
    organiser = make_user(role="organiser", email="olive@example.com")
    closed = db.session.get(Poll, community["closed"])
    assert polls.set_results_public(organiser, closed, True)
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    listed = {p["id"]: p for p in after.get_json()["polls"]}
    assert listed[closed.id]["results"]["current"]["respondents"] == 1
