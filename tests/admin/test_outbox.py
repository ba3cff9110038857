"""The panel's outbox (community/admin/views/outbox.py): every message with its delivery state,
one message, and resending."""
import re

from sqlalchemy import select

from community.accounts import services as accounts
from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxMessage, OutboxStatus
from community.signups import services as signups
from tests.accounts.helpers import link_in
from tests.factories import make_session, make_user


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
    assert f"Hello {user.name}" in page and row.message_id in page
    assert "http://127.0.0.1:5000/confirm/[hidden]" in page and "/confirm/abc" not in page


TOKEN_PATHS = ("/password/reset/", "/confirm/", "/signups/cancel/", "/calendar/")


def _tokens_in(message) -> set[str]:
    """The secret part of every token-carrying link in a delivered email's text and HTML."""
    found = set()
    for part in ("plain", "html"):
        body = message.get_body(preferencelist=(part,)).get_content()
        for prefix in TOKEN_PATHS:
            for match in re.finditer(re.escape(prefix) + r"([^/\s\"'<>?#]+)", body):
                found.add(match.group(1).removesuffix(".ics"))
    return found


def test_panel_hides_the_reset_link_one_organiser_asks_for_another(client, organiser, mailbox):
    make_user(role="organiser", email="rival@example.com")
    db.session.commit()
    client.post("/password/forgot", data={"email": "rival@example.com"})
    (email,) = mailbox.to("rival@example.com")
    path = link_in(email, "/password/reset/")
    token = path.removeprefix("/password/reset/")
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "rival@example.com"))
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert token not in page
    assert "/password/reset/[hidden]" in page  # the organiser still sees which kind of link it was
    client.post("/logout")
    assert client.get(path).status_code == 200  # the real email's link works
    response = client.post(path, data={"password": "a brand new passphrase",
                                       "confirm": "a brand new passphrase"})
    assert response.status_code == 302


def test_panel_shows_no_token_of_any_real_message(client, organiser, mailbox):
    session = make_session(capacity=1)
    member = make_user(email="member@example.com")
    signups.sign_up(member, session)  # seat confirmed: a cancel link
    signups.add_by_email(organiser, session, "newcomer@example.com")  # held place: cancel link
    accounts.send_confirmation(make_user(email="fresh@example.com", confirmed=False))
    accounts.request_password_reset("member@example.com")
    db.session.commit()
    rows = db.session.scalars(select(OutboxMessage)).all()
    tokens = set()
    for row in rows:
        (delivered,) = [m for m in mailbox.messages if m["Message-ID"].strip("<>") == row.message_id]
        secrets = _tokens_in(delivered)
        page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
        assert [t for t in secrets if t in page] == [], row.kind
        tokens |= secrets
    assert len(tokens) == 4  # a cancel link in each of the two sign-up emails, a confirmation, a reset
    cancel = link_in(mailbox.to("member@example.com")[0], "/signups/cancel/")
    assert "Cancel your sign-up?" in client.get(cancel).get_data(as_text=True)


def test_every_route_with_a_token_in_its_path_is_hidden(app):
    paths = [str(rule) for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert {"/password/reset/<token>", "/confirm/<token>", "/signups/cancel/<token>",
            "/calendar/<token>.ics"} <= set(paths)
    for rule in paths:
        secret = "Zm9v.YmFy-baz_0123456789"
        link = "http://127.0.0.1:5000" + rule.replace("<token>", secret).replace("<int:session_id>", "7")
        shown = mail.hide_link_secrets(f"Open {link} now.\n<a href=\"{link}\">here</a>")
        assert secret not in shown and "[hidden]" in shown, rule


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
