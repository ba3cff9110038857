"""The panel's outbox (community/admin/views/outbox.py): every message with its delivery state,
one message, and resending."""
from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxStatus
from tests.factories import make_user


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


def test_outbox_search_with_control_characters_answers_200_and_reads_them_as_spaces(
        client, organiser, mailbox):
    user = make_user(email="cio@example.com")
    mail.send_email(user.email, "Your invitation", "confirm_email", {"user": user, "confirm_url": "x"},
                    user=user)
    db.session.commit()
    for raw in ("cio%00", "%00cio", "%00", "%1B%7F"):
        response = client.get(f"/admin/outbox?q={raw}")
        assert response.status_code == 200 and "\x00" not in response.get_data(as_text=True)
    assert "cio@example.com" in client.get("/admin/outbox?q=cio%00").get_data(as_text=True)
