"""The panel's overview, /admin/ (community/admin/views/overview.py), and who may open the panel's
overview, members and outbox pages."""
import pytest

from community.db import db
from community.sessions.models import SessionStatus
from tests.admin.helpers import THURSDAY_2PM, text
from tests.factories import make_session, make_user

ADMIN_PAGES = ["/admin/", "/admin/members", "/admin/outbox"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["member", "analyst"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_members_and_analysts_get_403(client, auth, role, path):
    user = make_user(role=role)
    db.session.commit()
    auth.login(user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_organisers_see_the_panel(client, organiser, path):
    assert client.get(path).status_code == 200


@pytest.mark.usefixtures("frozen_time")  # THURSDAY_2PM is ten days after the frozen NOW
def test_overview_lists_the_next_sessions(client, organiser):
    make_session(title="Coming up next", starts_at=THURSDAY_2PM)
    make_session(title="Not announced", status=SessionStatus.CANCELLED)
    db.session.commit()
    page = text(client.get("/admin/"))
    assert "Next sessions" in page and "Coming up next" in page and "Not announced" not in page
