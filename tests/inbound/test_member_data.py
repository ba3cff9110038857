"""A member's inbound mail in their data export, and erased with their account."""
from sqlalchemy import select

from community.accounts import gdpr
from community.db import db
from community.inbound.models import InboundMessage
from tests.factories import PASSWORD, make_user
from tests.inbound.helpers import plain_message, receive


def test_a_members_inbound_mail_is_in_their_export_and_goes_with_their_account(runner, mailbox):
    alice = make_user()
    db.session.commit()
    receive(runner, plain_message(alice.email, "About my seat"))
    receive(runner, plain_message("someone.else@example.org", "Unrelated"))
    exported = gdpr.export_data(alice)["inbound_email"]
    assert [e["subject"] for e in exported] == ["About my seat"]
    gdpr.delete_account(alice, PASSWORD)
    db.session.commit()
    assert db.session.scalars(select(InboundMessage.sender)).all() == ["someone.else@example.org"]
