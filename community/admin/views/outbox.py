"""The outbox in the panel: every message with its delivery record, and resending one."""
from flask import flash, redirect, render_template, request, url_for

from community.accounts.models import User
from community.admin.blueprint import bp
from community.admin.forms import ActionForm
from community.admin.views.common import PER_PAGE
from community.core.forms import plain_query
from community.core.web import attempt
from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxMessage, OutboxStatus


@bp.get("/outbox")
def outbox():
    """Every message: recipient, subject, status, attempts, last error, sent time."""
    status = request.args.get("status", "")
    query = plain_query(request.args.get("q", ""), 100)
    page = db.paginate(mail.outbox_query(status, query), per_page=PER_PAGE, error_out=False)
    return render_template("admin/outbox.html", page=page, status=status, q=query,
                           statuses=list(OutboxStatus), form=ActionForm())


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One message with its delivery record and its text (with link tokens hidden)."""
    row = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", row=row, text=mail.panel_text(row),
                           form=ActionForm())


@bp.post("/outbox/<int:message_id>/resend")
def resend(message_id: int):
    """Send a message again."""
    row = db.get_or_404(OutboxMessage, message_id)
    if ActionForm().validate_on_submit():
        with attempt() as outcome:
            mail.resend(row, db.session.get(User, row.user_id) if row.user_id else None)
        if outcome.ok:
            flash(f"The message to {row.recipient} is queued again.", "success")
    return redirect(url_for("admin.outbox_message", message_id=row.id))
