"""Polls on the session page: answer (with or without JavaScript), open and close, the
presenter view, its JSON feed, and the short link for the room."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from community.core.errors import NotAllowed
from community.core.urls import external_url, is_safe_next
from community.core.web import attempt, viewer
from community.db import db
from community.extensions import limiter
from community.polls import services
from community.polls.forms import AnswerForm
from community.polls.models import Poll
from community.sessions.models import Session
from community.sessions.services import visible_session

bp = Blueprint("polls", __name__)

#: The state buttons: the service to call and what to tell the person afterwards.
ACTIONS = {
    "open": (services.open_poll, "The poll is open: members can answer now."),
    "close": (services.close_poll, "The poll is closed; no more answers are taken."),
    "live": (services.start_live_round, "The live round is open; the pre-read answers are kept "
                                        "as the “before” figures."),
}
SAVED = "Your answer is saved. You can change it while the poll is open."


def _session_and_poll(session_id: int, poll_id: int) -> tuple[Session, Poll]:
    """The poll and its session, if the viewer may see them (drafts: managers only), else 404."""
    session = visible_session(session_id, viewer())
    poll = db.session.get(Poll, poll_id)
    if session is None or poll is None or poll.session_id != session.id:
        abort(404)
    if poll.is_draft and not services.is_manager(viewer(), session):
        abort(404)
    return session, poll


def poll_url(poll: Poll) -> str:
    """The poll on its session page."""
    session = poll.session
    return url_for("sessions.detail", session_id=session.id, slug=session.slug, _anchor=f"poll-{poll.id}")


def _wants_json() -> bool:
    """Whether the script on the page sent this (it asks for JSON), not a plain form."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _partial(poll: Poll, **extra) -> str:
    """The poll as the viewer sees it now, rendered for the page."""
    return render_template("polls/_poll.html", pv=services.poll_view(viewer(), poll), **extra)


@bp.get("/p/<int:poll_id>")
def short_link(poll_id: int):
    """The short link shown to the room: goes to the poll on its session page (404 for a poll,
    or a session, the viewer may not see, as on the session page)."""
    poll = db.get_or_404(Poll, poll_id)
    _, poll = _session_and_poll(poll.session_id, poll.id)
    return redirect(poll_url(poll))


@bp.post("/sessions/<int:session_id>/polls/<int:poll_id>/answer")
@login_required
@limiter.limit("30 per minute")
def answer(session_id: int, poll_id: int):
    """Save the member's answer: a redirect for a plain form, JSON for the page's script."""
    session, poll = _session_and_poll(session_id, poll_id)
    form = AnswerForm()
    status, problem = 400, "Your answer was not saved: please check it below."
    if form.validate_on_submit():
        with attempt(quiet=True) as outcome:
            services.answer(viewer(), poll, form.option.data, form.comment.data)
        if outcome.error is not None:
            exc = outcome.error
            status, problem = (403 if isinstance(exc, NotAllowed) else 400), exc.message
            if exc.field in ("option", "comment"):
                form[exc.field].errors = [exc.message]
        else:
            if _wants_json():
                return {"ok": True, "message": SAVED, "html": _partial(poll, message=SAVED)}
            flash(SAVED, "success")
            return redirect(poll_url(poll))
    elif "csrf_token" in form.errors:
        problem = "This form has expired. Reload the page and answer again."
    if _wants_json():
        return {"ok": False, "message": problem, "html": _partial(poll, form=form, problem=problem)}, status
    return render_template("polls/answer.html", session=session, pv=services.poll_view(viewer(), poll),
                           form=form, problem=problem), status


@bp.post("/sessions/<int:session_id>/polls/<int:poll_id>/<any(open, close, live):action>")
@login_required
def change_state(session_id: int, poll_id: int, action: str):
    """Open, close or start the live round (organisers and the session's hosts)."""
    _, poll = _session_and_poll(session_id, poll_id)
    back = request.form.get("back", "")
    target = back if is_safe_next(back) else poll_url(poll)
    if not FlaskForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(target)
    run, message = ACTIONS[action]
    with attempt(quiet=True) as outcome:
        run(viewer(), poll)
    if isinstance(outcome.error, NotAllowed):
        abort(403)
    flash(message if outcome.ok else outcome.error.message, "success" if outcome.ok else "error")
    return redirect(target)


@bp.get("/sessions/<int:session_id>/polls/<int:poll_id>/present")
@login_required
def present(session_id: int, poll_id: int):
    """Full-screen view for screen sharing: the question, the short link and live results."""
    session, poll = _session_and_poll(session_id, poll_id)
    if not services.is_manager(viewer(), session):
        abort(403)
    short = external_url("polls.short_link", poll_id=poll.id)
    host, _, path = short.split("://", 1)[-1].partition("/")
    return render_template("polls/present.html", session=session, pv=services.poll_view(viewer(), poll),
                           short_url=short, short_host=host, short_path="/" + path)


@bp.get("/sessions/<int:session_id>/polls/<int:poll_id>/results.json")
def results_json(session_id: int, poll_id: int):
    """The current results for the page's script to show without a reload."""
    _, poll = _session_and_poll(session_id, poll_id)
    pv = services.poll_view(viewer(), poll)
    body = {"poll": poll.id, "status": poll.status, "round": poll.round, "visible": pv.show_results}
    if pv.show_results:
        body["rounds"] = [_round_json(r) for r in (pv.results.before, pv.results.current) if r]
        body["shift"] = [{"option": s.live.option_id, "points": s.points, "text": s.text}
                         for s in pv.results.shift]
    return body, 200, {"Cache-Control": "no-store"}


def _round_json(result) -> dict:
    """One round's figures, already worded, so the script only places them."""
    return {"round": result.round, "respondents": result.respondents,
            "respondents_text": result.respondents_text,
            "mean": None if result.mean is None else f"{result.mean:.1f}",
            "options": [{"option": o.option_id, "count": o.count, "percent": round(o.percent, 1),
                         "percent_text": o.percent_text} for o in result.options]}
