"""The members pages of the panel: the list and its export, one member's page (profile, sign-ups
with their outcomes, poll participation, emails), roles, deactivation and reactivation."""
from flask import flash, redirect, render_template, request, url_for

from community.accounts import deactivation
from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.admin.blueprint import bp
from community.admin.forms import ActionForm, RoleForm
from community.admin.views.common import PER_PAGE, back_url
from community.core.forms import plain_query
from community.core.spreadsheet import csv_response
from community.core.web import attempt, viewer
from community.db import db
from community.mail import services as mail
from community.polls import services as polls
from community.signups import members as places

#: How many of a member's emails their page lists (the outbox search shows them all).
EMAILS_SHOWN = 20
CSV_COLUMNS = ["name", "email", "organisation", "job_title", "role", "timezone", "joined_at",
               "confirmed_at", "privacy_consent", "privacy_version", "privacy_consent_at",
               "last_login_at", "status", "deactivated_at", "email_bouncing_since"]
#: The deactivate and reactivate buttons: the service and what to tell the organiser afterwards.
STATUS_ACTIONS = {
    "deactivate": (deactivation.deactivate,
                   "{name}'s account is deactivated: it can no longer log in or be emailed, and its "
                   "seats and waitlist places at upcoming sessions have been released."),
    "reactivate": (deactivation.reactivate,
                   "{name}'s account is active again: they can log in and are emailed again. Seats "
                   "released at deactivation are not restored."),
}


def _filters() -> tuple[str, str]:
    """The list's search words and role filter, from the query string."""
    return plain_query(request.args.get("q", ""), 100), request.args.get("role", "")


@bp.get("/members")
def members():
    """All accounts, searchable, with role, confirmation and deactivation state."""
    query, role = _filters()
    page = db.paginate(accounts.search_users(query, role), per_page=PER_PAGE, error_out=False)
    return render_template("admin/members.html", page=page, q=query, role=role,
                           roles=list(Role), form=RoleForm())


@bp.get("/members.csv")
def members_csv():
    """The accounts the list shows (its search and role filter), with consent state, as a spreadsheet."""
    query, role = _filters()

    def stamp(value) -> str:
        """A moment in UTC as ISO 8601, or empty."""
        return value.isoformat(timespec="seconds") if value else ""

    def rows():
        """One row per account."""
        for user in db.session.scalars(accounts.search_users(query, role)):
            yield (user.name, user.email, user.organisation, user.job_title, user.role, user.timezone,
                   stamp(user.created_at), stamp(user.confirmed_at), accounts.consent_state(user),
                   user.privacy_version, stamp(user.privacy_consent_at), stamp(user.last_login_at),
                   "active" if user.is_active else "deactivated", stamp(user.deactivated_at),
                   stamp(user.email_bouncing_since))

    return csv_response(CSV_COLUMNS, rows(), "members.csv")


@bp.get("/members/<int:user_id>")
def members_detail(user_id: int):
    """One member: profile, sign-ups with their outcomes, how many polls they answered (never
    what), the latest emails written to them, and the deactivate or reactivate button."""
    user = db.get_or_404(User, user_id)
    history = places.history(user)
    tally = {o: 0 for o in places.Outcome}
    for place in history:
        tally[place.outcome] += 1
    emails, email_count = mail.recent_messages_for(user.id, user.email if user.is_confirmed else None,
                                                   limit=EMAILS_SHOWN)
    return render_template(
        "admin/member.html", user=user, history=history, tally=tally,
        polls_answered=polls.answered_count(user), emails=emails, email_count=email_count,
        held=mail.held_counts([user.id]).get(user.id, 0), consent=accounts.consent_state(user),
        privacy_version=accounts.PRIVACY_VERSION, is_self=user.id == viewer().id)


@bp.post("/members/<int:user_id>/role")
def change_role(user_id: int):
    """Set a member's role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the listed roles.", "error")
        return redirect(url_for("admin.members"))
    with attempt() as outcome:
        accounts.set_role(viewer(), user, form.role.data)
    if outcome.ok:
        flash(f"{user.name} is now {user.role}.", "success")
    return redirect(back_url(url_for("admin.members")))


@bp.post("/members/<int:user_id>/<any(deactivate, reactivate):action>")
def members_status(user_id: int, action: str):
    """Deactivate an account (its log-ins end, no more email, its upcoming places released) or
    reactivate it."""
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit():
        service, done = STATUS_ACTIONS[action]
        with attempt() as outcome:
            service(viewer(), user)
        if outcome.ok:
            flash(done.format(name=user.name), "success")
    return redirect(url_for("admin.members_detail", user_id=user_id))
