"""Membership pages: register, confirm, login/logout, password reset and the account page."""
import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from community.accounts import addresses, gdpr, services
from community.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from community.core import ratelimit as rl
from community.core.urls import external_url, is_safe_next
from community.core.web import attempt, viewer
from community.extensions import limiter
from community.mail.services import sender_address

bp = Blueprint("accounts", __name__)
POST = ["POST"]
#: Session key of the address the next log-in form starts with (never put in a URL, where
#: access logs and browser history would keep it).
LOGIN_EMAIL = "login_email"


def keep_idle_timeout(sender, user=None, **_ignored) -> None:
    """A log-in restored from the remember cookie also ends after PERMANENT_SESSION_LIFETIME
    without a request (a receiver of Flask-Login's `user_loaded_from_cookie`)."""
    session.permanent = True


def _to_login(email: str):
    """Redirect to the log-in page, whose form starts with this address."""
    session[LOGIN_EMAIL] = email
    return redirect(url_for("accounts.login"))


@bp.get("/privacy")
def privacy():
    """The privacy notice members consent to when they register."""
    return render_template("accounts/privacy.html", version=services.PRIVACY_VERSION,
                           contact=sender_address())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(rl.REGISTER_PER_IP, methods=POST, key_func=rl.by_ip)
@limiter.limit(rl.REGISTER_PER_ACCOUNT, methods=POST, key_func=rl.by_email_typed)
def register():
    """Create a member account and email the confirmation link."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.register(
                email=form.email.data, name=form.name.data, password=form.password.data,
                organisation=form.organisation.data, job_title=form.job_title.data,
            )
        if outcome.ok:
            return render_template("accounts/check_email.html",
                                   email=services.normalise_email(form.email.data))
    return render_template("accounts/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Open an emailed confirmation link: a new account's, a bouncing address's confirmed
    again, or a new address's."""
    with attempt(quiet=True) as outcome:
        done = addresses.confirm(token)
    if not outcome.ok:
        return render_template("accounts/token_problem.html", message=outcome.error.message,
                               title="Confirmation link problem"), 400
    user = done.user
    flash(_CONFIRMED[done.what].format(email=user.email), "success")
    if done.released:
        flash(f"The {_emails(done.released)} held while your address bounced are on their way "
              f"to {user.email}.", "info")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("accounts.account"))
    return _to_login(user.email)


#: What the member reads after opening each kind of confirmation link.
_CONFIRMED = {
    "account": "Thank you, your email address is confirmed. Welcome to the community.",
    "again": "Thank you, {email} is confirmed again; calendar emails go to it again.",
    "changed": "Your email address is now {email}. Use it to log in.",
}


def _emails(count: int) -> str:
    """"1 calendar email" or "3 calendar emails"."""
    return f"{count} calendar email{'' if count == 1 else 's'}"


@bp.post("/confirm/resend")
@login_required
@limiter.limit(rl.RESEND_PER_ACCOUNT, key_func=rl.by_account)
def resend_confirmation():
    """Send the confirmation link again to the logged-in member (to confirm a bouncing address
    again, when it bounces)."""
    if current_user.is_bouncing:
        with attempt():
            addresses.send_reconfirmation(viewer())
        flash(f"We sent a confirmation link to {current_user.email}. Open it to have calendar "
              "emails sent there again.", "success")
    elif current_user.is_confirmed:
        flash("Your email address is already confirmed.", "info")
    else:
        with attempt():
            services.send_confirmation(viewer())
        flash(f"We sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(rl.LOGIN_PER_IP, methods=POST, key_func=rl.by_ip, deduct_when=rl.failed)
@limiter.limit(rl.LOGIN_PER_ACCOUNT, methods=POST, key_func=rl.by_email_typed, deduct_when=rl.failed)
def login():
    """Log in with email and password; the answer never says whether an email is registered."""
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("sessions.home"))
    form = LoginForm(email=session.pop(LOGIN_EMAIL, ""))
    if form.validate_on_submit():
        with attempt(form) as outcome:  # a deactivated account's refusal is shown on the form
            user = services.authenticate(form.email.data, form.password.data)
        if outcome.ok and user is None:
            form.form_errors.append("That email and password do not match an account.")
        elif outcome.ok:
            login_user(user, remember=form.remember.data)
            session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without a request
            flash(f"Welcome back, {user.name}.", "success")
            if user.is_bouncing:
                flash(addresses.bounce_notice(user), "warning")
            return redirect(next_url if is_safe_next(next_url) else url_for("sessions.home"))
    return render_template("accounts/login.html", form=form,
                           next=next_url if is_safe_next(next_url) else None)


@bp.post("/logout")
def logout():
    """Log out (a POST, so no link on another site can log a member out)."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("sessions.home"))


@bp.get("/logout")
def logout_page():
    """A plain page with the logout button, for those who type the address."""
    if not current_user.is_authenticated:
        return redirect(url_for("sessions.home"))
    return render_template("accounts/logout.html")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(rl.RESET_PER_IP, methods=POST, key_func=rl.by_ip)
@limiter.limit(rl.RESET_PER_ACCOUNT, methods=POST, key_func=rl.by_email_typed)
def forgot_password():
    """Ask for a reset link; the same answer whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with attempt():
            services.request_password_reset(form.email.data)
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data),
                               reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(rl.NEW_PASSWORD_PER_IP, methods=POST, key_func=rl.by_ip)
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    try:
        user = services.user_for_reset(token)
    except services.TokenError as exc:
        return render_template("accounts/token_problem.html", message=exc.message, reset=True,
                               title="Reset link problem"), 400
    form = ResetPasswordForm()
    form._email = user.email
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.reset_password(user, form.password.data)
        if outcome.ok:
            logout_user()
            flash("Your password is changed. Log in with the new one. Your calendar feed has a new "
                  "address too: subscribe to it again from your account page.", "success")
            return _to_login(user.email)
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The member's own page: profile, password, data export and deletion."""
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="pw")
    password._email = current_user.email
    delete = DeleteAccountForm(prefix="delete")
    if request.method == "POST":
        if "profile-submit" in request.form and profile.validate_on_submit():
            with attempt(profile) as outcome:
                services.update_profile(viewer(), name=profile.name.data,
                                        organisation=profile.organisation.data,
                                        job_title=profile.job_title.data, timezone=profile.timezone.data,
                                        waitlist_in_calendar=profile.waitlist_in_calendar.data)
            if outcome.ok:
                flash("Your profile is saved.", "success")
                return redirect(url_for("accounts.account"))
        if "pw-submit" in request.form and password.validate_on_submit():
            with attempt(password) as outcome:
                services.change_password(viewer(), password.current_password.data, password.password.data)
            if outcome.ok:
                login_user(current_user._get_current_object(), remember=False)
                flash("Your password is changed. Other devices have been logged out.", "success")
                return redirect(url_for("accounts.account"))
        if "profile-submit" not in request.form and "pw-submit" not in request.form:
            abort(400)
    return _account_page(profile=profile, password=password, delete=delete)


def _account_page(status: int = 200, **forms):
    """The account page with these forms (fresh ones for those not given)."""
    forms.setdefault("profile", ProfileForm(obj=current_user, prefix="profile"))
    forms.setdefault("password", ChangePasswordForm(prefix="pw"))
    forms.setdefault("delete", DeleteAccountForm(prefix="delete"))
    forms.setdefault("change_email", ChangeEmailForm(prefix="email"))
    return render_template("accounts/account.html", feed_url=_feed_url(),
                           missing_profile=_missing_profile(),
                           bounce_notice=addresses.bounce_notice(viewer()), **forms), status


@bp.post("/account/email")
@login_required
@limiter.limit(rl.RESEND_PER_ACCOUNT, key_func=rl.by_account)
def change_email():
    """Ask to move the account to a new address: a link is emailed to it."""
    form = ChangeEmailForm(prefix="email")
    if form.validate_on_submit():
        with attempt(form) as outcome:
            sent_to = addresses.request_change(viewer(), form.email.data, form.password.data)
        if outcome.ok:
            if sent_to == current_user.email:
                flash(f"We sent a confirmation link to {sent_to}. Open it to have calendar "
                      "emails sent there again.", "success")
            else:
                flash(f"We sent a link to {sent_to}. Your address changes when you open it; "
                      "until then we keep writing to the current one.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(400, change_email=form)


def _missing_profile() -> list[str]:
    """The profile fields the form requires that the account has never had (accounts made
    with `flask users create` or invited by an organiser start without them)."""
    user = viewer()
    return [label for label, value in (("organisation", user.organisation),
                                       ("job title", user.job_title)) if not value]


def _feed_url() -> str:
    """The member's personal calendar feed address."""
    return external_url("invites.personal_feed", token=current_user.calendar_token)


@bp.get("/account/export.json")
@login_required
def export():
    """Download everything we hold about the member as JSON (GDPR article 15 and 20)."""
    body = json.dumps(gdpr.export_data(viewer()), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-community-data.json"',
        "Cache-Control": "no-store",
    })


@bp.post("/account/delete")
@login_required
@limiter.limit(rl.DELETE_PER_ACCOUNT, key_func=rl.by_account)
def delete_account():
    """Erase the member's account and personal data (GDPR article 17)."""
    form = DeleteAccountForm(prefix="delete")
    if form.validate_on_submit():
        with attempt(form) as outcome:
            gdpr.delete_account(viewer(), form.password.data)
        if outcome.ok:
            logout_user()
            flash("Your account and personal data have been deleted. Goodbye, and thank you.", "success")
            return redirect(url_for("sessions.home"))
    return _account_page(400, delete=form)
