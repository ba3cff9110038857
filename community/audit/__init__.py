"""The audit log: every change an organiser or analyst makes, recorded in the same transaction
(from the signals the features send), browsable by organisers only."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Connect the receivers that record each change, and register the log's part of a
    member's data."""
    from community.accounts import gdpr
    from community.audit import models, receivers, services  # noqa: F401 - models: the table
    from community.core import signals

    signals.session_published.connect(receivers.session_published)
    signals.session_changed.connect(receivers.session_changed)
    signals.draft_changed.connect(receivers.session_changed)
    signals.session_cancelled.connect(receivers.session_cancelled)
    signals.role_changed.connect(receivers.role_changed)
    signals.account_deactivated.connect(receivers.account_deactivated)
    signals.account_reactivated.connect(receivers.account_reactivated)
    signals.seat_managed.connect(receivers.seat_managed)
    signals.attendance_marked.connect(receivers.attendance_marked)
    signals.message_sent.connect(receivers.message_sent)
    signals.poll_state_changed.connect(receivers.poll_state_changed)
    signals.note_visibility_changed.connect(receivers.note_visibility_changed)
    gdpr.register("audit", tables=("audit_entries",), export=services.export_entries,
                  erase=services.erase_entries)
