"""How long the log keeps entries (AUDIT_RETENTION_DAYS, the daily audit.purge job) and its part
of a member's data: the export lists what they changed, the erasure stops naming them."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from community import queue
from community.accounts import gdpr
from community.accounts import services as accounts
from community.audit import worker
from community.audit.models import AuditEntry
from community.db import db
from community.signups import services as signups
from tests.admin.helpers import NOW, THURSDAY_2PM
from tests.factories import PASSWORD, make_session, make_user


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEntry.id)))


def _role_change(actor, user, role: str) -> None:
    """An organiser changes a role (one entry), committed."""
    accounts.set_role(actor, user, role)
    db.session.commit()


def test_the_default_keeping_time_is_two_years(app):
    assert app.config["AUDIT_RETENTION_DAYS"] == 730


def test_the_keeping_time_comes_from_the_environment(monkeypatch, tmp_path):
    from community.config import from_environment

    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "90")
    assert from_environment(str(tmp_path))["AUDIT_RETENTION_DAYS"] == 90
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "soon")
    with pytest.raises(RuntimeError, match="AUDIT_RETENTION_DAYS must be a whole number"):
        from_environment(str(tmp_path))


def test_the_purge_deletes_only_entries_past_the_keeping_time(app):
    olga, member = make_user(role="organiser"), make_user()
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, member, "analyst")
    with time_machine.travel(NOW + timedelta(days=400), tick=False):
        _role_change(olga, member, "member")
    with time_machine.travel(NOW + timedelta(days=730), tick=False):
        assert worker.purge() == 0  # the first is exactly 730 days old: still kept
    with time_machine.travel(NOW + timedelta(days=731), tick=False):
        assert worker.purge() == 1
    remaining = db.session.scalars(select(AuditEntry)).all()
    assert [e.after for e in remaining] == [{"role": "member"}]


@pytest.mark.parametrize("app_config", [{"AUDIT_RETENTION_DAYS": 30}])
def test_the_purge_follows_the_configured_keeping_time(app):
    olga, member = make_user(role="organiser"), make_user()
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, member, "analyst")
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert worker.purge() == 1
    assert _count() == 0


def test_the_worker_runs_the_purge_as_a_periodic_job(app):
    olga, member = make_user(role="organiser"), make_user()
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, member, "analyst")
    with time_machine.travel(NOW + timedelta(days=800), tick=False):
        queue.run_now("audit.purge")
    assert _count() == 0


def test_the_export_lists_the_changes_the_member_made(app):
    olga, member = make_user(role="organiser", name="Olga"), make_user(name="Ada")
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, member, "analyst")
    assert gdpr.export_data(olga)["audit"] == [
        {"at": "2027-01-04T09:00:00+00:00", "kind": "user.role_changed", "target": "Ada",
         "summary": "Role changed from member to analyst"}]
    assert gdpr.export_data(member)["audit"] == []


def test_an_erased_member_is_no_longer_named_in_the_log(app):
    olga, ada = make_user(role="organiser", name="Olga"), make_user(name="Ada Lovelace")
    session = make_session(starts_at=THURSDAY_2PM)
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, ada, "analyst")
        signups.add_by_email(olga, session, ada.email)
        db.session.commit()
        gdpr.delete_account(ada, PASSWORD)
        db.session.commit()
    labels = {e.kind: e.target_label for e in db.session.scalars(select(AuditEntry))}
    assert labels == {"user.role_changed": "A deleted account", "seat.added": "A deleted account"}


def test_an_erased_organiser_keeps_the_name_they_acted_under(app):
    olga, ada = make_user(role="organiser", name="Olga"), make_user()
    make_user(role="organiser")  # so that Olga is not the only organiser
    with time_machine.travel(NOW, tick=False):
        _role_change(olga, ada, "analyst")
        gdpr.delete_account(olga, PASSWORD)
        db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.actor_name) == (None, "Olga")
