"""The organisers' panel: access control, members and the outbox."""
import pytest

from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxStatus
from tests.factories import make_user

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


@pytest.mark.parametrize("role", ["member", "analyst"])
def test_admin_posts_are_refused_for_non_organisers(client, auth, role):
    user = make_user(role=role)
    db.session.commit()
    auth.login(user)
    assert client.post(f"/admin/members/{user.id}/role", data={"role": "organiser"}).status_code == 403
    db.session.refresh(user)
    assert user.role == role


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_organisers_see_the_panel(client, organiser, path):
    assert client.get(path).status_code == 200


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


def test_outbox_lists_every_message_with_its_delivery_state(client, organiser, smtp_server, mailbox):
    user = make_user(email="cio@example.com")
    smtp_server.stop()
    try:
        mail.send_email(user.email, "Your invitation", "confirm_email",
                        {"user": user, "confirm_url": "x"}, user=user)
        db.session.commit()
    finally:
        smtp_server.start()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "cio@example.com" in page and "Your invitation" in page
    assert "Pending" in page and "refused" in page
    page = client.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert "Your invitation" not in page


def test_organiser_resends_a_message(client, organiser, mailbox):
    user = make_user(email="cio@example.com")
    row = mail.send_email(user.email, "Your invitation", "confirm_email",
                          {"user": user, "confirm_url": "x"}, user=user)
    db.session.commit()
    assert len(mailbox.to("cio@example.com")) == 1
    response = client.post(f"/admin/outbox/{row.id}/resend", follow_redirects=True)
    assert "queued again" in response.get_data(as_text=True)
    assert len(mailbox.to("cio@example.com")) == 2
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT


def test_message_page_shows_the_text(client, organiser, mailbox):
    user = make_user()
    row = mail.send_email(user.email, "Hello there", "confirm_email",
                          {"user": user, "confirm_url": "http://127.0.0.1:5000/confirm/abc"}, user=user)
    db.session.commit()
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "http://127.0.0.1:5000/confirm/abc" in page and row.message_id in page
