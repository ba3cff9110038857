"""The API shows what a visitor may see and nothing else, whoever asks and whatever the cursor."""
import pytest

from community.db import db
from tests.api.conftest import SECRETS, walk

LISTS = [("/api/v1/series", "series"), ("/api/v1/sessions", "sessions"),
         ("/api/v1/sessions?when=past", "sessions"), ("/api/v1/notes", "notes")]


def _everything(client, community) -> bytes:
    """Every answer of every list and detail of the API, as one body."""
    bodies = []
    for path, key in LISTS:
        _, responses = walk(client, path, key, limit=1)
        bodies += [r.get_data() for r in responses]
    for path in (f"/api/v1/sessions/{community['soon']}", f"/api/v1/sessions/{community['soon']}/polls",
                 f"/api/v1/series/{community['series']}", f"/api/v1/notes/{community['note:public']}"):
        bodies.append(client.get(path).get_data())
    return b"\n".join(bodies)


def test_no_list_or_detail_names_a_draft_a_non_public_note_a_draft_poll_or_a_join_link(client, community):
    everything = _everything(client, community).decode()
    for secret in SECRETS:
        assert secret not in everything


def test_an_organiser_gets_the_same_bytes_as_a_visitor(client, auth, community):
    from community.accounts.models import User
    from tests.factories import make_user

    visitor = _everything(client, community)
    organiser = make_user(role="organiser")
    db.session.commit()
    auth.login(db.session.get(User, organiser.id))
    assert _everything(client, community) == visitor


@pytest.mark.parametrize("name", ["draft", "hidden_series", "note:members", "note:attendees", "note:draft",
                                  "note:embargoed", "on_draft"])
def test_hidden_rows_are_not_found_one_by_one(client, community, name):
    path = {"draft": "/api/v1/sessions/{}", "hidden_series": "/api/v1/series/{}",
            "on_draft": "/api/v1/sessions/{}/polls"}.get(name, "/api/v1/notes/{}")
    row_id = community["draft"] if name == "on_draft" else community[name]
    response = client.get(path.format(row_id))
    assert response.status_code == 404 and response.get_json() == {"error": "not found"}


def test_lists_hold_the_published_rows_in_their_order(client, community):
    upcoming, _ = walk(client, "/api/v1/sessions", "sessions")
    past, _ = walk(client, "/api/v1/sessions?when=past", "sessions")
    notes, _ = walk(client, "/api/v1/notes", "notes")
    series, _ = walk(client, "/api/v1/series", "series")
    assert [s["id"] for s in upcoming] == [community["soon"]]
    assert [s["id"] for s in past] == [community["past"]]
    assert [n["id"] for n in notes] == [community["note:public"]]
    assert [s["id"] for s in series] == [community["series"]]
    assert client.get(f"/api/v1/sessions/{community['cancelled']}").get_json()["status"] == "cancelled"


def test_a_public_note_names_only_its_visible_sessions(client, community):
    note = client.get(f"/api/v1/notes/{community['note:public']}").get_json()
    assert note["sessions"] == [community["soon"]]


def test_polls_list_the_asked_questions_with_results_only_where_published(client, community):
    polls = client.get(f"/api/v1/sessions/{community['soon']}/polls").get_json()["polls"]
    assert [p["question"] for p in polls] == ["Open question?", "Closed question?",
                                              "Organisers-only question?", "Published question?"]
    # The polls' own rule shows results to members only, unless an organiser published a
    # closed poll's (rules.results_visible).
    assert [p["results"] is None for p in polls] == [True, True, True, False]
    assert [p["results_public"] for p in polls] == [False, False, False, True]
    assert [o["label"] for o in polls[1]["options"]] == ["Yes", "No", "It depends"]


def test_published_results_give_counts_and_never_who_answered_or_why(client, community):
    listed = client.get(f"/api/v1/sessions/{community['soon']}/polls").get_json()["polls"]
    published = {p["id"]: p for p in listed}[community["published"]]
    assert published["results"]["before"] is None
    current = published["results"]["current"]
    assert (current["round"], current["respondents"], current["mean"]) == (1, 2, None)
    assert [(o["label"], o["count"], o["percent"]) for o in current["options"]] == [
        ("Yes", 1, 50.0), ("No", 1, 50.0), ("It depends", 0, 0.0)]
    body = client.get(f"/api/v1/sessions/{community['soon']}/polls").get_data(as_text=True)
    assert "A reason only members may read" not in body
    assert "Vera Voter" not in body and "Hal Host" not in body


def test_a_cursor_placed_just_before_a_hidden_row_does_not_reach_it(client, community):
    """A cursor carries sort keys only: every page applies its list's rules again."""
    from datetime import timedelta

    from community.api.pagination import encode_cursor
    from community.api.views import NOTES, UPCOMING
    from community.notes.models import Note
    from community.sessions.models import Session

    draft = db.session.get(Session, community["draft"])
    cursor = encode_cursor(UPCOMING, [draft.starts_at - timedelta(seconds=1), 0])
    ids = [s["id"] for s in client.get(f"/api/v1/sessions?cursor={cursor}").get_json()["sessions"]]
    assert ids == [community["soon"]]
    for name in ("members", "attendees", "draft", "embargoed"):
        note = db.session.get(Note, community[f"note:{name}"])
        cursor = encode_cursor(NOTES, [note.updated_at + timedelta(seconds=1), 0])
        listed = client.get(f"/api/v1/notes?cursor={cursor}").get_json()["notes"]
        assert community[f"note:{name}"] not in [n["id"] for n in listed]


def test_a_cursor_for_one_list_is_refused_by_another(client, community, app):
    from datetime import timedelta

    from community.db import utcnow
    from tests.factories import make_session

    for day in (20, 21):
        make_session(title=f"Later {day}", slug="later", starts_at=utcnow() + timedelta(days=day))
    db.session.commit()
    cursor = client.get("/api/v1/sessions?limit=1").get_json()["next"].split("cursor=")[1]
    for path in (f"/api/v1/sessions?when=past&cursor={cursor}", f"/api/v1/notes?cursor={cursor}",
                 f"/api/v1/series?cursor={cursor}",
                 f"/api/v1/sessions/{community['soon']}/polls?cursor={cursor}"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "cursor" in response.get_json()["error"]


def test_the_api_ignores_the_login_cookie(client, auth, community):
    from community.accounts.models import User
    from tests.factories import make_user

    member = make_user()
    db.session.commit()
    auth.login(db.session.get(User, member.id))
    response = client.get("/api/v1/notes")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert [n["id"] for n in response.get_json()["notes"]] == [community["note:public"]]
    # The rest of the site still knows the member.
    assert client.get("/account").status_code == 200
