"""The members list in the panel: search, role and confirmation state, changing a role."""
from flask import flash, redirect, render_template, request, url_for

from community.accounts import services as accounts
from community.accounts.models import Role, User
from community.admin.blueprint import bp
from community.admin.forms import RoleForm
from community.admin.views.common import PER_PAGE, back_url
from community.core.forms import without_control_characters
from community.core.web import attempt, viewer
from community.db import db


@bp.get("/members")
def members():
    """All accounts, searchable, with role and confirmation state."""
    query = without_control_characters(request.args.get("q", "")).strip()[:100]
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
    with attempt() as outcome:
        accounts.set_role(viewer(), user, form.role.data)
    if outcome.ok:
        flash(f"{user.name} is now {user.role}.", "success")
    return redirect(back_url(url_for("admin.members")))
