"""The panel's members pages (community/admin/views/members.py): the list, its search, and roles."""
import pytest

from community.db import db
from tests.factories import make_user


@pytest.mark.parametrize("role", ["member", "analyst"])
def test_admin_posts_are_refused_for_non_organisers(client, auth, role):
    user = make_user(role=role)
    db.session.commit()
    auth.login(user)
    assert client.post(f"/admin/members/{user.id}/role", data={"role": "organiser"}).status_code == 403
    db.session.refresh(user)
    assert user.role == role


def test_members_list_searches_and_shows_confirmation(client, organiser):
    make_user(name="Cecilia CIO", organisation="Nordic Bank", confirmed=False)
    make_user(name="Mark CMO", organisation="Retail Group")
    db.session.commit()
    page = client.get("/admin/members?q=nordic").get_data(as_text=True)
    assert "Cecilia CIO" in page and "Mark CMO" not in page and "Not yet" in page


def test_organiser_changes_a_role(client, organiser):
    user = make_user()
    db.session.commit()
    response = client.post(f"/admin/members/{user.id}/role", data={"role": "analyst"},
                           follow_redirects=True)
    assert "is now analyst" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role == "analyst"


def test_an_unknown_role_is_refused_clearly(client, organiser):
    user = make_user()
    db.session.commit()
    response = client.post(f"/admin/members/{user.id}/role", data={"role": "emperor"},
                           follow_redirects=True)
    assert "Choose one of the listed roles." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role == "member"


def test_organiser_cannot_demote_themselves(client, organiser):
    response = client.post(f"/admin/members/{organiser.id}/role", data={"role": "member"},
                           follow_redirects=True)
    assert "cannot remove your own organiser role" in response.get_data(as_text=True)


def test_unknown_member_gives_404(client, organiser):
    assert client.post("/admin/members/9999/role", data={"role": "member"}).status_code == 404
    assert client.get("/admin/outbox/9999").status_code == 404


@pytest.mark.parametrize("raw", ["nordic%00", "%00nordic", "nor%1Bdic%7F", "%00"])
def test_members_search_with_control_characters_answers_200_and_reads_them_as_spaces(client, organiser, raw):
    make_user(name="Cecilia CIO", organisation="Nordic Bank")
    db.session.commit()
    response = client.get(f"/admin/members?q={raw}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "\x00" not in page
    if raw.replace("%00", "") == "nordic":
        assert "Cecilia CIO" in page
