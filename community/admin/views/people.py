"""Admin pages: overview, members and the outbox."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.admin.blueprint import bp
from community.admin.forms import ActionForm, RoleForm
from community.admin.views.common import back_to
from community.core.errors import DomainError
from community.db import db
from community.mail import services as mail
from community.mail.models import OutboxMessage, OutboxStatus

PER_PAGE = 50


@bp.get("/")
def index():
    """Dashboard: the figures an organiser checks first."""
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    members = db.session.scalar(select(func.count(User.id)))
    unconfirmed = db.session.scalar(select(func.count(User.id)).where(User.confirmed_at.is_(None)))
    return render_template("admin/index.html", counts=counts, members=members, unconfirmed=unconfirmed)


@bp.get("/members")
def members():
    """All accounts, searchable, with role and confirmation state."""
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = db.paginate(accounts.search_users(query, role), per_page=PER_PAGE, error_out=False)
    return render_template("admin/members.html", page=page, q=query, role=role,
                           roles=list(Role), form=RoleForm())


@bp.post("/members/<int:user_id>/role")
def change_role(user_id: int):
    """Set a member's role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "error")
        return redirect(url_for("admin.members"))
    try:
        accounts.set_role(current_user, user, form.role.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{user.name} is now {user.role}.", "success")
    return redirect(back_to(url_for("admin.members")))


@bp.get("/outbox")
def outbox():
    """Every message: recipient, subject, status, attempts, last error, sent time."""
    status = request.args.get("status", "")
    query = request.args.get("q", "").strip()[:100]
    page = db.paginate(mail.outbox_query(status, query), per_page=PER_PAGE, error_out=False)
    return render_template("admin/outbox.html", page=page, status=status, q=query,
                           statuses=list(OutboxStatus), form=ActionForm())


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One message with its delivery record and its text."""
    row = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", row=row, text=mail.plain_text(row),
                           form=ActionForm())


@bp.post("/outbox/<int:message_id>/resend")
def resend(message_id: int):
    """Send a message again."""
    row = db.get_or_404(OutboxMessage, message_id)
    if ActionForm().validate_on_submit():
        mail.resend(row)
        db.session.commit()
        flash(f"The message to {row.recipient} is queued again.", "success")
    return redirect(url_for("admin.outbox_message", message_id=row.id))
