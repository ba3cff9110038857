"""Deleting an account (community/accounts/gdpr.py): the last calendar message reaches the
member, and afterwards nothing keeps their address; the export shows every email to them."""
from sqlalchemy import func, select

from community.accounts import gdpr
from community.db import db
from community.mail import delivery
from community.mail.models import OutboxMessage, OutboxStatus
from community.signups import services as signups
from tests.accounts.helpers import link_in
from tests.factories import PASSWORD, make_session, make_user
from tests.imip import calendar_part, event_of

ADDRESS = "leaving@example.com"


def _rows_to(address: str) -> list[OutboxMessage]:
    """Every outbox row that still holds the address."""
    return list(db.session.scalars(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient) == address)))


def _delete(client):
    return client.post("/account/delete", data={"delete-password": PASSWORD, "delete-understand": "y"})


def test_a_deleted_member_gets_the_calendar_cancel_and_no_row_keeps_their_address(client, auth,
                                                                                 mailbox):
    session = make_session()
    user = auth.log_in_new_user(email=ADDRESS)
    signups.sign_up(user, session)
    db.session.commit()
    mailbox.clear()
    assert _delete(client).status_code == 302
    (farewell,) = mailbox.to(ADDRESS)
    assert calendar_part(farewell).get_param("method") == "CANCEL"
    assert str(event_of(farewell)["UID"]) == session.ical_uid
    text = farewell.get_body(preferencelist=("plain",)).get_content()
    assert "Your seat is cancelled, as you asked." in text and "An organiser" not in text
    db.session.expire_all()
    assert _rows_to(ADDRESS) == []


def test_a_cancel_that_cannot_be_sent_yet_waits_unlinked_and_goes_once_delivered(app, smtp_server,
                                                                              mailbox):
    session = make_session()
    user = make_user(email=ADDRESS)
    signups.sign_up(user, session)
    db.session.commit()
    smtp_server.stop()
    try:
        gdpr.delete_account(user, PASSWORD)
        db.session.commit()
        (waiting,) = _rows_to(ADDRESS)
        assert waiting.status == OutboxStatus.PENDING and waiting.user_id is None
    finally:
        smtp_server.start()
    db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=waiting.created_at))
    db.session.commit()
    assert delivery.sweep() == 1
    assert [calendar_part(m).get_param("method") for m in mailbox.to(ADDRESS)][-1] == "CANCEL"
    db.session.expire_all()
    assert _rows_to(ADDRESS) == []


def test_emails_to_the_address_before_the_account_existed_are_exported_and_erased(client, auth,
                                                                                 mailbox):
    organiser = make_user(role="organiser")
    session = make_session()
    signups.add_by_email(organiser, session, ADDRESS)  # held seat: written before any account
    db.session.commit()
    data = {"name": "Lea Ving", "email": ADDRESS, "organisation": "Acme", "job_title": "CIO",
            "password": PASSWORD, "confirm": PASSWORD, "consent": "y"}
    client.post("/register", data=data)
    client.get(link_in(mailbox.to(ADDRESS)[-1], "/confirm/"))
    auth.login(ADDRESS)
    kinds = [m["kind"] for m in client.get("/account/export.json").get_json()["emails"]]
    assert kinds == ["held_seat", "confirm_email"]
    _delete(client)
    db.session.expire_all()
    assert _rows_to(ADDRESS) == []


def test_an_unconfirmed_account_does_not_see_emails_sent_to_the_address_before_it(client, auth,
                                                                                 mailbox):
    organiser = make_user(role="organiser")
    signups.add_by_email(organiser, make_session(), ADDRESS)
    squatter = make_user(email=ADDRESS, confirmed=False)
    db.session.commit()
    assert [m["kind"] for m in gdpr.export_data(squatter)["emails"]] == []
    gdpr.delete_account(squatter, PASSWORD)
    db.session.commit()
    assert [r.kind for r in _rows_to(ADDRESS)] == ["held_seat"]  # the organiser's invitation stays
