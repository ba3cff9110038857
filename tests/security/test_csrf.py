"""CSRF protection on: no POST route of `app.url_map` does anything without a token.

Each POST rule is posted the valid form the authorisation matrix posts, without a CSRF token,
by a visitor and by a logged-in organiser (who may do everything). CSRFProtect checks the token
before any view or blueprint hook runs, so even the routes that need a login refuse a token-less
post with 400 before they would ask a visitor to log in; the table keeps that decision per rule,
and a new POST route without a row fails. Every refusal must be the CSRF page and leave every
table of the database exactly as it was.
"""
import re

import pytest
from sqlalchemy import select

from community.db import db
from tests.factories import PASSWORD
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import app_with_world, build_url

#: What a POST without a token gets, as (a visitor, a logged-in organiser).
REFUSED = ("400", "400")
TOKENLESS_POST = {
    "/account": REFUSED,
    "/account/calendar/renew": REFUSED,
    "/account/delete": REFUSED,
    "/account/email": REFUSED,
    "/admin/members/<int:user_id>/role": REFUSED,
    "/admin/members/<int:user_id>/<any(deactivate, reactivate):action>": REFUSED,
    "/admin/inbound/<int:message_id>/reprocess": REFUSED,
    "/admin/outbox/<int:message_id>/resend": REFUSED,
    "/inbound/decline/<token>": REFUSED,
    "/inbound/take-back/<token>": REFUSED,
    "/inbound/signup/<token>": REFUSED,
    "/admin/series/<int:series_id>/edit": REFUSED,
    "/admin/series/<int:series_id>/generate": REFUSED,
    "/admin/series/new": REFUSED,
    "/admin/sessions/<int:session_id>/<any(publish, cancel, skip, restore):action>": REFUSED,
    "/admin/sessions/<int:session_id>/attendees": REFUSED,
    "/admin/sessions/<int:session_id>/attendees/<int:reg_id>/<any(remove, promote):action>": REFUSED,
    "/admin/sessions/<int:session_id>/edit": REFUSED,
    "/admin/sessions/<int:session_id>/follow-up": REFUSED,
    "/admin/sessions/<int:session_id>/message": REFUSED,
    "/admin/sessions/<int:session_id>/polls/<int:poll_id>/"
    "<any(open, close, live, up, down, duplicate, delete):action>": REFUSED,
    "/admin/sessions/<int:session_id>/polls/<int:poll_id>/edit": REFUSED,
    "/admin/sessions/<int:session_id>/polls/<int:poll_id>/results/<any(publish, hide):action>": REFUSED,
    "/admin/sessions/<int:session_id>/polls/copy": REFUSED,
    "/admin/sessions/<int:session_id>/polls/new": REFUSED,
    "/admin/sessions/new": REFUSED,
    "/confirm/resend": REFUSED,
    "/login": REFUSED,
    "/logout": REFUSED,
    "/notes/<int:note_id>/attachments": REFUSED,
    "/notes/<int:note_id>/attachments/<int:attachment_id>/delete": REFUSED,
    "/notes/<int:note_id>/edit": REFUSED,
    "/notes/<int:note_id>/restore/<int:number>": REFUSED,
    "/notes/new": REFUSED,
    "/notes/preview": REFUSED,
    "/password/forgot": REFUSED,
    "/password/reset/<token>": REFUSED,
    "/register": REFUSED,
    "/series/<int:series_id>/follow": REFUSED,
    "/series/<int:series_id>/unfollow": REFUSED,
    "/sessions/<int:session_id>/cancel": REFUSED,
    "/sessions/<int:session_id>/check-in/<int:reg_id>/<any(attend, undo):action>": REFUSED,
    "/sessions/<int:session_id>/check-in/import": REFUSED,
    "/sessions/<int:session_id>/check-in/walk-in": REFUSED,
    "/sessions/<int:session_id>/polls/<int:poll_id>/<any(open, close, live):action>": REFUSED,
    "/sessions/<int:session_id>/polls/<int:poll_id>/answer": REFUSED,
    "/sessions/<int:session_id>/signup": REFUSED,
    "/signups/cancel/<token>": REFUSED,
}
CSRF_PAGE = "This form has expired or was not sent from this site."
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def csrf_world(tmp_path_factory, smtp_server):
    """An app with CSRF protection on, over the matrix's world."""
    with app_with_world(tmp_path_factory.mktemp("csrf"), smtp_server, WTF_CSRF_ENABLED=True) as app_and_world:
        yield app_and_world


def _snapshot() -> dict[str, list[str]]:
    """Every row of every table."""
    return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}


def _token(client, path: str = "/login") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def _logged_in_organiser(app, world):
    client = app.test_client()
    response = client.post("/login", data={"email": world["email:organiser"], "password": PASSWORD,
                                           "csrf_token": _token(client)})
    assert response.status_code == 302, "the organiser logs in with a token"
    return client


def _post_rules(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_post_route_is_in_the_table(csrf_world):
    app, _ = csrf_world
    missing = sorted(_post_rules(app) - TOKENLESS_POST.keys())
    assert not missing, "add it to TOKENLESS_POST in tests/security/test_csrf.py: " + ", ".join(missing)
    assert not TOKENLESS_POST.keys() - _post_rules(app), "the table names POST routes that are gone"


@pytest.mark.parametrize("rule", sorted(TOKENLESS_POST))
def test_a_post_without_a_token_changes_nothing(csrf_world, rule):
    app, world = csrf_world
    with app.app_context():
        for who, expected in zip(("visitor", "organiser"), TOKENLESS_POST[rule], strict=True):
            client = app.test_client() if who == "visitor" else _logged_in_organiser(app, world)
            for c in MATRIX[("POST", rule)]:
                url = build_url(rule, c, world)
                before = _snapshot()
                data = c.data(world) if callable(c.data) else c.data
                response = client.post(url, data=data)
                assert str(response.status_code) == expected, f"{who}: POST {url}"
                assert CSRF_PAGE in response.get_data(as_text=True), f"{who}: POST {url}"
                assert _snapshot() == before, f"{who}: POST {url} without a token changed the database"
        db.session.remove()


def test_a_token_from_another_browser_is_refused_too(csrf_world):
    app, world = csrf_world
    with app.app_context():
        stranger_token = _token(app.test_client())
        organiser = _logged_in_organiser(app, world)
        before = _snapshot()
        response = organiser.post(f"/admin/sessions/{world['draft']}/publish",
                                  data={"csrf_token": stranger_token})
        assert response.status_code == 400 and _snapshot() == before
        db.session.remove()


def test_with_its_own_token_the_same_post_goes_through(csrf_world):
    app, world = csrf_world
    with app.app_context():
        organiser = _logged_in_organiser(app, world)
        token = _token(organiser, "/admin/series")
        response = organiser.post(f"/series/{world['series']}/follow", data={"csrf_token": token})
        assert response.status_code == 302
        assert organiser.post("/logout", data={"csrf_token": token}).status_code == 302
        db.session.remove()
