"""Messages written together (an announcement's chunk): inserted when the block ends, handed
to the queue after the commit like any others, held ones kept back, nothing on a failure."""
import pytest
from sqlalchemy import func, select

from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxMessage, OutboxStatus
from community.queue import AFTER_COMMIT_KEY
from tests.factories import make_email, make_user


def test_rows_are_inserted_at_the_end_of_the_block_and_delivered_after_the_commit(app, mailbox):
    users = [make_user() for _ in range(3)]
    db.session.commit()
    with mail.written_together():
        rows = [make_email(user) for user in users]
        assert all(row.id is None for row in rows)  # not inserted one by one
    assert all(row.id is not None for row in rows)
    (task,) = db.session.info[AFTER_COMMIT_KEY]
    assert task == ("mail.deliver", ([row.id for row in rows],))
    assert mailbox.messages == []
    db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in users)


def test_a_held_message_is_written_but_not_handed_over(app, mailbox):
    bouncing, fine = make_user(), make_user()
    bouncing.email_bouncing_since = db.func.now()
    db.session.commit()
    with mail.written_together():
        for user in (bouncing, fine):
            mail.send_email(user.email, "Updated", "confirm_email", {"user": user, "confirm_url": "x"},
                            user=user, held_while_bouncing=True)
    db.session.commit()
    statuses = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status)).all())
    assert statuses == {bouncing.email: OutboxStatus.HELD, fine.email: OutboxStatus.SENT}
    assert [m["To"] for m in mailbox.messages] == [fine.email]


def test_a_failure_in_the_block_hands_nothing_over(app, mailbox):
    user = make_user()
    db.session.commit()
    with pytest.raises(RuntimeError), mail.written_together():
        make_email(user)
        raise RuntimeError("rendering the next one failed")
    assert AFTER_COMMIT_KEY not in db.session.info
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert mailbox.messages == []
