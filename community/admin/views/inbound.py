"""Inbound email in the panel: what came in, what was done and why, the message itself with its
tokens redacted, and reprocessing a message that failed."""
from flask import flash, redirect, render_template, request, url_for

from community.admin.blueprint import bp
from community.admin.forms import ActionForm
from community.admin.views.common import PER_PAGE
from community.core.web import attempt, viewer
from community.db import db
from community.inbound import services as inbound
from community.inbound.models import InboundMessage, Kind, Outcome

KIND_LABELS = {Kind.CALENDAR_REPLY: "Calendar reply", Kind.CALENDAR_COUNTER: "New time proposed",
               Kind.SIGNUP_REQUEST: "Sign-up request", Kind.BOUNCE: "Bounce", Kind.AUTO_REPLY: "Auto-reply",
               Kind.OTHER: "Other"}
OUTCOME_LABELS = {Outcome.DONE: "Done", Outcome.AWAITING_CONFIRMATION: "Awaiting confirmation",
                  Outcome.RECORDED: "For organisers", Outcome.IGNORED: "Ignored",
                  Outcome.REJECTED: "Refused", Outcome.FAILED: "Failed"}


@bp.get("/inbound")
def inbound_list():
    """Every message received: sender, subject, kind, outcome and why."""
    kind, outcome = request.args.get("kind", ""), request.args.get("outcome", "")
    query = request.args.get("q", "").strip()[:100]
    page = db.paginate(inbound.inbound_query(kind, outcome, query), per_page=PER_PAGE, error_out=False)
    return render_template("admin/inbound.html", page=page, kind=kind, outcome=outcome, q=query,
                           kinds=KIND_LABELS, outcomes=OUTCOME_LABELS, form=ActionForm())


@bp.get("/inbound/<int:message_id>")
def inbound_message(message_id: int):
    """One received message: the record, and the message with its tokens redacted."""
    row = db.get_or_404(InboundMessage, message_id)
    return render_template("admin/inbound_message.html", row=row, text=inbound.readable(row),
                           kinds=KIND_LABELS, outcomes=OUTCOME_LABELS, form=ActionForm())


@bp.post("/inbound/<int:message_id>/reprocess")
def inbound_reprocess(message_id: int):
    """Run a failed message through the pipeline again."""
    row = db.get_or_404(InboundMessage, message_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.inbound_message", message_id=row.id))
    try:
        with attempt() as outcome:
            inbound.reprocess(viewer(), row)
    except Exception as exc:  # noqa: BLE001 - a failure again is recorded on the message
        db.session.rollback()
        inbound.record_failure(row.raw, exc)
        db.session.commit()
        flash("Processing failed again; the error is shown below.", "error")
        return redirect(url_for("admin.inbound_message", message_id=row.id))
    if outcome.ok:
        flash(f"Reprocessed: {OUTCOME_LABELS.get(row.outcome, row.outcome)}. {row.detail}", "success")
    return redirect(url_for("admin.inbound_message", message_id=row.id))
