"""The panel's inbound email (community/admin/views/inbound.py): the list with outcomes and
reasons, one message with its tokens redacted, and reprocessing a failed one."""
import pytest
from sqlalchemy import select

from community.db import db
from community.inbound import replies
from community.inbound.models import InboundMessage
from community.signups import services as signups
from tests.factories import make_session, make_user
from tests.inbound.conftest import AUTHSERV_ID
from tests.inbound.helpers import plain_message, receive, reply_message


@pytest.fixture
def app_config():
    """Trust the test receiving server, as the inbound tests do."""
    return {"INBOUND_AUTHSERV_ID": AUTHSERV_ID}


def test_organisers_see_what_came_in_what_was_done_and_why(client, organiser, runner, mailbox):
    receive(runner, plain_message("someone@example.org", "Out of office",
                                  headers={"Auto-Submitted": "auto-replied"}))
    receive(runner, plain_message("friend@example.org", "A question about membership"))
    page = client.get("/admin/inbound").get_data(as_text=True)
    assert "someone@example.org" in page and "Auto-reply" in page and "Ignored" in page
    assert "Automatic reply (Auto-Submitted: auto-replied); not answered." in page
    assert "A question about membership" in page and "For organisers" in page
    page = client.get("/admin/inbound?outcome=ignored").get_data(as_text=True)
    assert "A question about membership" not in page


def test_the_inbound_pages_are_for_organisers_only(client, auth, runner, mailbox):
    receive(runner, plain_message("friend@example.org"))
    row_id = db.session.scalar(select(InboundMessage.id))
    assert client.get("/admin/inbound").status_code == 302
    auth.log_in_new_user()
    assert client.get("/admin/inbound").status_code == 403
    assert client.get(f"/admin/inbound/{row_id}").status_code == 403
    assert client.post(f"/admin/inbound/{row_id}/reprocess").status_code == 403


def test_the_kept_message_is_shown_with_its_tokens_redacted(client, organiser, runner, mailbox):
    secret = "eyJyIjoxLCJ1IjoyfQ.Zx9-Signed_Token_1234567890"
    body = f"Can I still come?\n\n> Cancel: http://127.0.0.1:5000/signups/cancel/{secret}\n"
    receive(runner, plain_message("friend@example.org", "Re: your seat", body=body))
    row = db.session.scalar(select(InboundMessage))
    page = client.get(f"/admin/inbound/{row.id}").get_data(as_text=True)
    assert "Can I still come?" in page and "/signups/cancel/[redacted]" in page
    assert secret not in page


def test_a_failed_message_is_recorded_and_can_be_reprocessed(client, organiser, runner, mailbox,
                                                             monkeypatch):
    session = make_session(capacity=1)
    alice, bob = make_user(), make_user()
    signups.sign_up(alice, session)
    signups.sign_up(bob, session)
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("the calendar service broke")

    with monkeypatch.context() as patch:
        patch.setattr(replies, "handle", broken)
        result, row = receive(runner, reply_message(session.ical_uid, alice.email, "DECLINED"))
    assert result.exit_code == 0
    assert row.outcome == "failed" and "RuntimeError" in row.error
    assert signups.registration_for(alice, session).status == "confirmed"
    page = client.get(f"/admin/inbound/{row.id}").get_data(as_text=True)
    assert "the calendar service broke" in page and "Reprocess this message" in page

    done = client.post(f"/admin/inbound/{row.id}/reprocess", follow_redirects=True)
    assert "Reprocessed: Done." in done.get_data(as_text=True)
    db.session.expire_all()
    assert row.outcome == "done" and row.attempts == 2
    assert signups.registration_for(alice, session).status == "cancelled"
    assert signups.registration_for(bob, session).status == "confirmed"
    again = client.post(f"/admin/inbound/{row.id}/reprocess", follow_redirects=True)
    assert "Only a message that failed can be reprocessed." in again.get_data(as_text=True)


def test_a_new_time_proposed_from_a_calendar_shows_on_the_session_attendees_page(
        client, organiser, runner, mailbox):
    session, other = make_session(), make_session()
    alice = make_user(name="Alice Proposer")
    signups.sign_up(alice, session)
    db.session.commit()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "ACCEPTED", method="COUNTER"))
    assert row.session_id == session.id
    page = client.get(f"/admin/sessions/{session.id}/attendees").get_data(as_text=True)
    assert "New times proposed" in page and "Alice Proposer proposes a new time" in page
    assert f"/admin/inbound/{row.id}" in page
    elsewhere = client.get(f"/admin/sessions/{other.id}/attendees").get_data(as_text=True)
    assert "New times proposed" not in elsewhere


def test_a_reply_records_the_session_it_is_about_and_an_unknown_uid_none(runner, mailbox):
    session = make_session()
    alice = make_user()
    signups.sign_up(alice, session)
    db.session.commit()
    _result, row = receive(runner, reply_message(session.ical_uid, alice.email, "ACCEPTED"))
    assert row.session_id == session.id
    _result, row = receive(runner, reply_message("no-such-uid@x", alice.email, "ACCEPTED"))
    assert row.session_id is None
