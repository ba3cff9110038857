"""A database that cannot be reached gives a 503 in the site layout (JSON below /api/) with
Retry-After, never a 500. (tests/faults/ restarts a real PostgreSQL under load.)"""
import pytest

from tests.conftest import free_port
from tests.deploy.test_readiness import another_app, unreachable_database

DATABASES = [
    pytest.param(unreachable_database, id="sqlite-file-missing"),
    pytest.param(lambda _tmp: f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/community",
                 id="postgresql-refused"),
]


@pytest.fixture(params=DATABASES)
def down_client(request, tmp_path, smtp_server):
    """A client of an app whose database refuses every connection."""
    with another_app(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=request.param(tmp_path)) as app:
        yield app.test_client()


@pytest.mark.parametrize("path", ["/", "/sessions/1", "/notes/1"])
def test_a_page_is_a_503_in_the_site_layout_with_retry_after(down_client, path):
    response = down_client.get(path)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Back in a moment" in page and "Digital Leadership Community" in page
    assert "Traceback" not in page


def test_an_api_request_gets_a_json_503(down_client):
    response = down_client.get("/api/v1/sessions")
    assert response.status_code == 503
    assert response.json == {"error": "The service is unavailable; try again shortly."}
    assert response.headers["Retry-After"] == "5"


def test_a_signed_in_members_request_is_a_503_too(auth, client, down_client):
    """The login cookie makes the page load the account, which the database cannot give: the
    503 page is drawn for a visitor, and the cookie is left as it was."""
    auth.log_in_new_user()
    cookie = client.get_cookie("session")
    down_client.set_cookie("session", cookie.value)  # both apps sign with the same key
    response = down_client.get("/account")
    assert response.status_code == 503
    assert "Back in a moment" in response.get_data(as_text=True)
    with down_client.session_transaction() as session_cookie:
        assert session_cookie.get("_user_id")  # still signed in once the database is back
