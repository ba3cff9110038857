"""The invitations' worker loops: expanding announcements into per-person emails, reminders
before a session, and closing the waitlist's tentative entries once it starts. These run in
the queue and commit as they go; services never do.

An announcement is written a chunk of recipients per transaction, each message with a dedupe
key, so an interrupted expansion resumes where it stopped. It yields the interpreter after each
message: the delivery threads of the same worker process send the chunks already committed, and
each of their SMTP replies would otherwise wait for the interpreter's switch interval (5 ms)
while the expansion renders.

Each reminder is claimed by a guarded UPDATE of its `reminded_*_at` column in the same
transaction that writes its outbox message, so it goes out once even with two workers or a
restart in between.
"""
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from community.db import db, utcnow
from community.invites import ical
from community.invites import services as invites
from community.invites.models import Announcement
from community.mail import services as mail
from community.mail.models import OutboxMessage
from community.sessions.models import Format, Session, SessionStatus
from community.signups.models import Registration, RegistrationStatus

#: How many outbox messages are written per transaction when expanding an announcement.
EXPAND_CHUNK = 200
#: Failed expansions of one announcement before the sweeper gives up on it.
MAX_ATTEMPTS = 5


def _claim(reg_id: int, column, extra=()) -> Registration | None:
    """Mark one registration's reminder as sent unless another worker did; None if it did."""
    now = utcnow()
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == reg_id, column.is_(None),
               Registration.status == RegistrationStatus.CONFIRMED, *extra)
        .values({column.key: now})
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return None
    return db.session.get(Registration, reg_id, populate_existing=True)


def _due(column, lead: timedelta, *conditions) -> list[int]:
    """Confirmed registrations of published sessions starting within `lead` and not yet reminded."""
    now = utcnow()
    return list(db.session.scalars(
        select(Registration.id).join(Session, Session.id == Registration.session_id)
        .where(Registration.status == RegistrationStatus.CONFIRMED, column.is_(None),
               Session.status == SessionStatus.PUBLISHED, Session.starts_at > now,
               Session.starts_at <= now + lead, *conditions)
        .order_by(Session.starts_at, Registration.id)))


def send_due() -> int:
    """Send every reminder that is due; returns how many were written."""
    config = current_app.config
    plans = [(Registration.reminded_day_before_at, config["REMINDER_LEAD_HOURS"], ()),
             (Registration.reminded_hour_before_at, config["REMINDER_SHORT_LEAD_HOURS"],
              (Session.format.in_([Format.ONLINE, Format.HYBRID]), Session.join_url != ""))]
    sent = 0
    for column, hours, conditions in plans:
        if not hours:
            continue
        for reg_id in _due(column, timedelta(hours=hours), *conditions):
            reg = _claim(reg_id, column)
            if reg is None:
                continue
            try:
                invites.reminder(reg, hours=hours)
                db.session.commit()
            except Exception:  # noqa: BLE001 - one bad reminder must not stop the others
                db.session.rollback()
                current_app.logger.exception("reminder for registration %s failed", reg_id)
                continue
            sent += 1
    return sent


def close_started_waitlists() -> int:
    """Tell waitlisted people whose calendar holds a tentative entry that the session began."""
    now = utcnow()
    ids = db.session.scalars(
        select(Registration.id).join(Session, Session.id == Registration.session_id)
        .where(Registration.status == RegistrationStatus.WAITLISTED, Registration.in_calendar,
               Session.starts_at <= now, Session.status == SessionStatus.PUBLISHED)).all()
    closed = 0
    for reg_id in ids:
        result = db.session.execute(
            update(Registration).where(Registration.id == reg_id, Registration.in_calendar)
            .values(in_calendar=False).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            continue
        reg = db.session.get(Registration, reg_id, populate_existing=True)
        reg.in_calendar = True  # the CANCEL below is what takes it out
        invites.waitlist_closed(reg)
        db.session.commit()
        closed += 1
    return closed


# Announcements ------------------------------------------------------------------------

def expand(announcement_id: int) -> int:
    """Write the outbox messages of an announcement, a chunk per transaction; safe to repeat.
    Each chunk's recipients are loaded when it is written (with their accounts and the session,
    so the chunk runs no query per person), share the session's calendar (`ical.Invitations`)
    and are inserted together."""
    ann = db.session.get(Announcement, announcement_id)
    if ann is None or ann.expanded_at is not None:
        return 0
    prefix = f"a{ann.id}:"
    done = set(db.session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(prefix + "%"))))
    written = 0
    ids = invites.recipient_ids(ann)
    for start in range(0, len(ids), EXPAND_CHUNK):
        chunk = [reg for reg in invites.recipients(ann, ids[start:start + EXPAND_CHUNK])
                 if f"{prefix}r{reg.id}" not in done]
        if chunk:
            calendars = ical.Invitations(chunk[0].session, utcnow())
            with mail.written_together():
                for reg in chunk:
                    invites.write_one(ann, reg, f"{prefix}r{reg.id}", calendars)
                    time.sleep(0)  # let the delivery threads run (see the module's docstring)
            written += len(chunk)
        db.session.commit()
        ann = db.session.get(Announcement, announcement_id)
    ann.expanded_at = utcnow()
    ann.recipients = len(ids)
    db.session.commit()
    return written


def unexpanded() -> list[int]:
    """Announcements the worker has neither finished nor given up on (for the sweeper)."""
    return list(db.session.scalars(
        select(Announcement.id).where(Announcement.expanded_at.is_(None), Announcement.failed_at.is_(None))
        .order_by(Announcement.id)))


def _record_failure(announcement_id: int, exc: Exception) -> None:
    """Note a failed expansion on its row (after a rollback); give up after MAX_ATTEMPTS."""
    ann = db.session.get(Announcement, announcement_id)
    if ann is None:
        return
    ann.attempts += 1
    ann.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if ann.attempts >= MAX_ATTEMPTS:
        ann.failed_at = utcnow()
    db.session.commit()


def sweep_announcements() -> int:
    """Finish announcements whose expansion was interrupted or never enqueued. One that fails
    is logged and counted (and given up after MAX_ATTEMPTS); the others still go out."""
    ids = unexpanded()
    for announcement_id in ids:
        try:
            expand(announcement_id)
        except Exception as exc:  # noqa: BLE001 - one bad announcement must not stop the rest
            db.session.rollback()
            current_app.logger.exception("expanding announcement %s failed", announcement_id)
            _record_failure(announcement_id, exc)
    return len(ids)
