"""The whole way through the site: a member signs up in the browser's place (the test client),
declines by an emailed REPLY, and the session page and the waitlist follow; a spoofed decline
changes nothing until the member clicks the confirmation link."""
from community.db import db
from tests.factories import make_session, make_user
from tests.imip import calendar_part
from tests.inbound.helpers import receive, reply_message


def _page(client, session) -> str:
    return client.get(f"/sessions/{session.id}", follow_redirects=True).get_data(as_text=True)


def _link(message, fragment: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return next(w for w in text.split() if fragment in w).replace("http://127.0.0.1:5000", "")


def test_a_decline_by_email_frees_the_seat_on_the_page_and_promotes_the_waitlist(
        client, auth, runner, mailbox):
    session = make_session(capacity=1, title="Is good enough, enough?")
    waiting = make_user()
    db.session.commit()
    member = auth.log_in_new_user()
    client.post(f"/sessions/{session.id}/signup")
    auth.logout()
    auth.login(waiting)
    client.post(f"/sessions/{session.id}/signup")
    assert "Full · 1 on the waitlist" in _page(client, session)
    mailbox.clear()

    result, row = receive(runner, reply_message(session.ical_uid, member.email, "DECLINED"))
    assert result.exit_code == 0 and row.outcome == "done"

    (invitation,) = mailbox.to(waiting.email)
    assert invitation["Subject"] == "A seat is now yours: Is good enough, enough?"
    assert calendar_part(invitation) is not None
    assert "✓ Your seat is confirmed." in _page(client, session)  # the waitlisted member's view
    auth.logout()
    auth.login(member)
    page = _page(client, session)
    assert "You cancelled your earlier sign-up." in page and "All 1 seats are taken" in page


def test_a_spoofed_decline_changes_nothing_until_the_member_clicks(client, auth, runner, mailbox):
    session = make_session(capacity=2)
    member = auth.log_in_new_user()
    client.post(f"/sessions/{session.id}/signup")
    assert "1 of 2 left" in _page(client, session)
    mailbox.clear()

    forged = "mx.attacker.example; dkim=pass header.d=example.com"
    raw = reply_message(session.ical_uid, member.email, "DECLINED", authenticated=False,
                        headers={"Authentication-Results": forged})
    _result, row = receive(runner, raw)
    assert row.outcome == "awaiting_confirmation"
    assert "1 of 2 left" in _page(client, session)

    (ask,) = mailbox.to(member.email)
    link = _link(ask, "/inbound/decline/")
    client.post(link)
    assert "2 of 2 left" in _page(client, session)
    gave_up = [m for m in mailbox.to(member.email) if m["Subject"].startswith("You gave up your seat")]
    assert len(gave_up) == 1
    client.post(_link(gave_up[0], "/inbound/take-back/"))
    assert "1 of 2 left" in _page(client, session)
