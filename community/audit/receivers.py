"""The audit log's signal receivers: each turns a feature's signal into entries, inside the
sender's transaction (connected in `community.audit.init_app`). `record` leaves out what
members and the system do; only organisers' and analysts' changes are kept."""
from community.audit.services import record

#: Which entry a session edit's fields go to: a move, a change of seats, or any other edit.
MOVE_FIELDS = ("starts_at", "ends_at")
CAPACITY_FIELDS = ("capacity",)
#: What the message's recipients are called.
RECIPIENTS = {True: "confirmed attendees and the waitlist", False: "confirmed attendees"}
#: Who may read a note of each visibility, for the summary.
READERS = {"public": "anyone", "members": "members", "attendees": "attendees of its sessions",
           "draft": "its authors and organisers"}


def _session_entry(session, actor, kind: str, summary: str, before=None, after=None) -> None:
    """An entry about a session itself."""
    record(actor, kind, session=session, target_type="session", target_id=session.id,
           target_label=session.title, summary=summary, before=before, after=after)


def session_published(session, actor=None, **_ignored) -> None:
    """A draft went public (a receiver of `signals.session_published`)."""
    _session_entry(session, actor, "session.published", "Published and open for sign-up",
                   {"status": "draft"}, {"status": "published"})


def session_cancelled(session, actor=None, **_ignored) -> None:
    """A published session was called off (a receiver of `signals.session_cancelled`)."""
    _session_entry(session, actor, "session.cancelled", "Cancelled; everyone signed up was told",
                   {"status": "published"}, {"status": "cancelled"})


def session_changed(session, changes=(), actor=None, **_ignored) -> None:
    """A session was edited (a receiver of `signals.session_changed` and `signals.draft_changed`):
    one entry for a move, one for a change of seats and one for the other fields, each with
    the old and new values of its fields."""
    draft = " (draft)" if session.status == "draft" else ""
    groups = [
        ("session.moved", [c for c in changes if c.field in MOVE_FIELDS], "Moved"),
        ("session.capacity_changed", [c for c in changes if c.field in CAPACITY_FIELDS], None),
        ("session.edited", [c for c in changes if c.field not in MOVE_FIELDS + CAPACITY_FIELDS], "Edited"),
    ]
    for kind, group, summary in groups:
        if not group:
            continue
        if kind == "session.capacity_changed":
            summary = f"Seats changed from {group[0].old} to {group[0].new}"
        elif kind == "session.edited":
            summary = "Edited: " + ", ".join(c.field.replace("_", " ") for c in group)
        _session_entry(session, actor, kind, summary + draft,
                       {c.field: c.old for c in group}, {c.field: c.new for c in group})


def role_changed(user, actor=None, before=None, after=None, **_ignored) -> None:
    """An organiser changed an account's role (a receiver of `signals.role_changed`)."""
    record(actor, "user.role_changed", target_type="user", target_id=user.id, target_label=user.name,
           summary=f"Role changed from {before} to {after}", before={"role": before},
           after={"role": after})


def account_deactivated(user, actor=None, **_ignored) -> None:
    """An organiser deactivated an account (a receiver of `signals.account_deactivated`)."""
    record(actor, "account.deactivated", target_type="user", target_id=user.id,
           target_label=user.name, summary="Deactivated: can no longer log in",
           before={"status": "active"}, after={"status": "deactivated"})


def account_reactivated(user, actor=None, **_ignored) -> None:
    """An organiser reactivated an account (a receiver of `signals.account_reactivated`)."""
    record(actor, "account.reactivated", target_type="user", target_id=user.id,
           target_label=user.name, summary="Reactivated: can log in again",
           before={"status": "deactivated"}, after={"status": "active"})


SEAT_SUMMARIES = {
    "added": ("seat.added", "Added by an organiser"),
    "removed": ("seat.removed", "Removed by an organiser"),
    "promoted": ("seat.promoted", "Given a seat from the waitlist"),
}


def seat_managed(reg, actor=None, action: str = "", before=None, after=None, **_ignored) -> None:
    """An organiser added, removed or promoted someone (a receiver of `signals.seat_managed`)."""
    if action not in SEAT_SUMMARIES:
        return
    kind, summary = SEAT_SUMMARIES[action]
    if action == "added":
        summary += ": on the waitlist" if after == "waitlisted" else ": a seat"
    record(actor, kind, session=reg.session, target_type="registration", target_id=reg.id,
           target_label=reg.display_name, summary=summary,
           before={"status": before} if before else None, after={"status": after})


def attendance_marked(reg, actor=None, attended: bool = True, source: str = "", **_ignored) -> None:
    """Someone was marked as there, or unmarked (a receiver of `signals.attendance_marked`)."""
    if attended:
        kind, summary = "attendance.marked", f"Marked as attended ({source or 'by hand'})"
        before, after = {"attended": False}, {"attended": True, "source": source}
    else:
        kind, summary = "attendance.unmarked", "Attendance taken back"
        before, after = {"attended": True, "source": source}, {"attended": False, "source": ""}
    record(actor, kind, session=reg.session, target_type="registration", target_id=reg.id,
           target_label=reg.display_name, summary=summary, before=before, after=after)


def message_sent(announcement, actor=None, **_ignored) -> None:
    """An organiser emailed a session's attendees, or sent its follow-up (a receiver of
    `signals.message_sent`)."""
    payload = announcement.payload or {}
    to = RECIPIENTS[bool(payload.get("include_waitlist"))]
    subject = payload.get("subject") or "Follow-up: summary, notes and poll results"
    record(actor, "message.sent", session=announcement.session, target_type="message",
           target_id=announcement.id, target_label=subject, summary=f"Emailed the {to}",
           after={"subject": subject, "recipients": to})


def poll_state_changed(poll, actor=None, before=None, after=None, **_ignored) -> None:
    """A poll was opened, asked again live or closed, or its results published or made private
    (a receiver of `signals.poll_state_changed`)."""
    before, after = before or {}, after or {}
    if "status" not in after:
        if after.get("results_public"):
            kind, summary = "poll.results_published", "Results published: anyone sees the counts"
        else:
            kind, summary = "poll.results_hidden", "Results made private again"
    elif after.get("status") == "open":
        kind = "poll.opened"
        if after.get("round") != before.get("round"):
            summary = "Live round opened"
        else:
            summary = "Reopened for answers" if before.get("status") == "closed" else "Opened for answers"
        if before.get("results_public"):
            summary += "; its published results are private again"
    else:
        kind, summary = "poll.closed", "Closed: no more answers"
    record(actor, kind, session=poll.session, target_type="poll", target_id=poll.id,
           target_label=poll.question, summary=summary, before=before or None, after=after)


def note_visibility_changed(note, actor=None, before=None, after=None, **_ignored) -> None:
    """A note was published, its readers changed or its embargo set, moved or lifted (a receiver
    of `signals.note_visibility_changed`): one entry for the readers, one for the embargo."""
    after = after or {}
    old = before or {"visibility": None, "embargo_until": None}
    session = note.sessions[0] if note.sessions else None

    def entry(kind: str, field: str, summary: str) -> None:
        record(actor, kind, session=session, target_type="note", target_id=note.id,
               target_label=note.title, summary=summary,
               before={field: old[field]} if before is not None else None,
               after={field: after.get(field)})

    visibility = after.get("visibility")
    readers = READERS.get(visibility, visibility)
    if old["visibility"] != visibility:
        if old["visibility"] in (None, "draft") and visibility != "draft":
            entry("note.published", "visibility", f"Published: readable by {readers}")
        elif visibility == "draft":
            entry("note.visibility_changed", "visibility", "Taken back to draft")
        else:
            entry("note.visibility_changed", "visibility", f"Readers changed: now {readers}")
    if old["embargo_until"] != after.get("embargo_until"):
        summary = "Embargo set" if after.get("embargo_until") else "Embargo lifted"
        if old["embargo_until"] and after.get("embargo_until"):
            summary = "Embargo moved"
        entry("note.embargoed", "embargo_until", summary)
