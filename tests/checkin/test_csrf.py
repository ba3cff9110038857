"""With CSRF protection on (as in production), the check-in forms do nothing without a token."""
import re

import pytest

from tests.factories import PASSWORD


@pytest.fixture
def app_config():
    """CSRF protection on."""
    return {"WTF_CSRF_ENABLED": True}


def _url(day, rest: str = "") -> str:
    return f"/sessions/{day.session.id}/check-in{rest}"


def test_marking_without_a_csrf_token_is_refused(day, auth, client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": day.host.email, "password": PASSWORD,
                                "csrf_token": token})
    response = client.post(_url(day, f"/{day.reg(day.ada).id}/attend"))
    assert response.status_code == 400
    assert client.post(_url(day, "/walk-in"), data={"email": "bob@example.com"}).status_code == 400
    assert day.reg(day.ada).attended_at is None and day.reg(day.member) is None


def test_with_the_pages_token_the_mark_goes_through(day, client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": day.host.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(_url(day)).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(_url(day, f"/{day.reg(day.ada).id}/attend"), data={"csrf_token": token})
    assert response.status_code == 302 and day.reg(day.ada).attended_at is not None
