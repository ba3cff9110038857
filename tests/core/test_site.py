"""The layout, static pages, health check, security headers and error pages."""
import pytest
from sqlalchemy import text

from community.db import db


def test_home_page_shows_the_community_and_a_way_to_join(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Digital Leadership Community" in page
    assert 'href="/register"' in page


def test_every_page_carries_a_strict_content_security_policy(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_fails(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "execute", broken)
    assert client.get("/healthz").status_code == 503


def test_unknown_address_gives_404_in_the_site_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "site-header" in page


def test_server_error_shows_the_500_page_in_the_layout(app, client):
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_privacy_notice_is_a_real_page(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Privacy notice" in page and "Your rights" in page and "Erasure" in page


def test_static_assets_are_served_locally(client):
    for path in ("/static/css/site.css", "/static/js/site.js", "/static/img/favicon.svg"):
        with client.get(path) as response:
            assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/privacy", "/password/forgot"])
def test_public_pages_render(client, path):
    assert client.get(path).status_code == 200


def test_database_is_reachable_in_tests(app):
    assert db.session.execute(text("SELECT 1")).scalar() == 1
