"""Admin pages for a session's polls: list, write, reorder, duplicate, copy, run, results, CSV,
and publishing a closed poll's results."""
from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from community.admin.blueprint import bp
from community.core.errors import DomainError
from community.core.spreadsheet import csv_response
from community.core.web import attempt, viewer
from community.db import db
from community.polls import services as polls
from community.polls.forms import CopyPollForm, PollForm
from community.polls.models import Poll
from community.polls.services.manage import STRUCTURE
from community.sessions.models import Session

#: The buttons of a poll's row: the service to call and what to tell the organiser.
ACTIONS = {
    "open": (polls.open_poll, "“{q}” is open for answers."),
    "close": (polls.close_poll, "“{q}” is closed."),
    "live": (polls.start_live_round, "The live round of “{q}” is open."),
    "up": (lambda actor, poll: polls.move_poll(actor, poll, -1), "“{q}” moved up."),
    "down": (lambda actor, poll: polls.move_poll(actor, poll, +1), "“{q}” moved down."),
    "duplicate": (lambda actor, poll: polls.copy_poll(actor, poll, poll.session),
                  "“{q}” duplicated as a draft at the end of the list."),
    "delete": (polls.delete_poll, "The draft “{q}” is deleted."),
}


def _poll(session_id: int, poll_id: int) -> Poll:
    """A poll of this session, or 404."""
    poll = db.get_or_404(Poll, poll_id)
    if poll.session_id != session_id:
        abort(404)
    return poll


def _copy_form(session: Session) -> CopyPollForm:
    """The "copy from an earlier session" form, its choices grouped by session."""
    form = CopyPollForm()
    form.source.choices = [
        SelectChoice(str(p.id), p.question, optgroup=f"{p.session.title} · {p.session.starts_at:%-d %b %Y}")
        for p in polls.copy_sources(session)]
    return form


def _render_list(session: Session, copy_form: CopyPollForm | None = None, status: int = 200):
    """The session's polls with their answer counts, and the copy form."""
    items = polls.session_polls(session)
    counts = polls.tally_rows(p.id for p in items)
    answers = {p.id: counts.get((p.id, p.round), (0, {}))[0] for p in items}
    return render_template("admin/polls.html", session=session, polls=items, answers=answers,
                           copy_form=copy_form or _copy_form(session)), status


@bp.get("/sessions/<int:session_id>/polls")
def sessions_polls(session_id: int):
    """A session's polls in order, with what can be done to each."""
    return _render_list(db.get_or_404(Session, session_id))


@bp.route("/sessions/<int:session_id>/polls/new", methods=["GET", "POST"])
def sessions_poll_new(session_id: int):
    """Write a new draft poll for the session."""
    session = db.get_or_404(Session, session_id)
    form = PollForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            poll = polls.create_poll(viewer(), session, **form.fields_for_service())
        if outcome.ok:
            flash(f"Draft poll “{poll.question}” added. Open it when members should answer.", "success")
            return redirect(url_for("admin.sessions_polls", session_id=session.id))
    return render_template("admin/polls_form.html", session=session, form=form, poll=None)


def _poll_data(poll: Poll) -> dict:
    """The form's values for an existing poll."""
    return {"question": poll.question, "context": poll.context, "kind": poll.kind,
            "options": "\n".join(o.label for o in poll.options), "max_choices": poll.max_choices,
            "allow_comment": poll.allow_comment, "two_rounds": poll.two_rounds,
            "audience": poll.audience, "results_visibility": poll.results_visibility}


@bp.route("/sessions/<int:session_id>/polls/<int:poll_id>/edit", methods=["GET", "POST"])
def sessions_poll_edit(session_id: int, poll_id: int):
    """Edit a poll; once opened, only its wording and settings, not its options."""
    poll = _poll(session_id, poll_id)
    form = PollForm(data=_poll_data(poll))
    if form.validate_on_submit():
        fields = form.fields_for_service()
        if not poll.is_draft:
            fields = {k: v for k, v in fields.items() if k not in STRUCTURE}
        with attempt(form) as outcome:
            polls.update_poll(viewer(), poll, **fields)
        if outcome.ok:
            flash("The poll is saved.", "success")
            return redirect(url_for("admin.sessions_polls", session_id=session_id))
    return render_template("admin/polls_form.html", session=poll.session, form=form, poll=poll)


@bp.post("/sessions/<int:session_id>/polls/<int:poll_id>/"
         "<any(open, close, live, up, down, duplicate, delete):action>")
def sessions_poll_action(session_id: int, poll_id: int, action: str):
    """Open, close, start the live round, move, duplicate or delete a poll."""
    poll = _poll(session_id, poll_id)
    question = poll.question
    run, message = ACTIONS[action]
    if FlaskForm().validate_on_submit():
        with attempt() as outcome:
            run(viewer(), poll)
        if outcome.ok:
            flash(message.format(q=question), "success")
    return redirect(url_for("admin.sessions_polls", session_id=session_id, _anchor=f"poll-{poll_id}"))


#: The results buttons: whether they make the results public, and what to tell the organiser
#: when they did, and when nothing changed.
RESULTS_ACTIONS = {
    "publish": (True, "The results of “{q}” are public: anyone sees the counts on the session page "
                      "and in the API, never the comments.", "The results of “{q}” were already public."),
    "hide": (False, "The results of “{q}” are private again.", "The results of “{q}” were not public."),
}


@bp.post("/sessions/<int:session_id>/polls/<int:poll_id>/results/<any(publish, hide):action>")
def sessions_poll_results_visibility(session_id: int, poll_id: int, action: str):
    """Publish the results of a closed poll to everyone, or make them private again."""
    poll = _poll(session_id, poll_id)
    question = poll.question
    public, changed, unchanged = RESULTS_ACTIONS[action]
    if FlaskForm().validate_on_submit():
        with attempt() as outcome:
            done = polls.set_results_public(viewer(), poll, public)
        if outcome.ok:
            flash((changed if done else unchanged).format(q=question), "success" if done else "info")
    return redirect(url_for("admin.sessions_polls", session_id=session_id, _anchor=f"poll-{poll_id}"))


@bp.post("/sessions/<int:session_id>/polls/copy")
def sessions_poll_copy(session_id: int):
    """Ask a poll of an earlier session again in this one (as a draft)."""
    session = db.get_or_404(Session, session_id)
    form = _copy_form(session)
    if form.validate_on_submit():
        source = db.session.get(Poll, form.source.data)
        with attempt(form, default="source") as outcome:
            if source is None:
                raise DomainError("That poll no longer exists; choose another.", "source")
            poll = polls.copy_poll(viewer(), source, session)
        if outcome.ok:
            flash(f"“{poll.question}” copied as a draft.", "success")
            return redirect(url_for("admin.sessions_polls", session_id=session.id))
    return _render_list(session, form, 400)


@bp.get("/sessions/<int:session_id>/polls/<int:poll_id>/results")
def sessions_poll_results(session_id: int, poll_id: int):
    """Every round's result, the shift, the breakdown by job title and the comments."""
    poll = _poll(session_id, poll_id)
    view = polls.poll_view(viewer(), poll)
    notes = polls.comments([poll.id], limit=5000)
    return render_template("admin/polls_results.html", session=poll.session, poll=poll, pv=view,
                           rounds=polls.rounds_with_results(poll), breakdowns=polls.breakdown(poll),
                           notes=notes)


@bp.get("/sessions/<int:session_id>/polls/<int:poll_id>/<any(results, comments):part>.csv")
def sessions_poll_csv(session_id: int, poll_id: int, part: str):
    """The results (overall and by job title) or the comments, as a spreadsheet."""
    poll = _poll(session_id, poll_id)
    filename = f"poll-{poll.id}-{part}.csv"
    if part == "results":
        return csv_response(["round", "group", "option", "answers", "respondents", "percent"],
                            _result_rows(poll), filename)
    comments = sorted(polls.comments([poll.id], limit=100000).items())
    return csv_response(["round", "comment"],
                        ((poll.round_label(round_) or "Only round", text)
                         for (_, round_), texts in comments for text in texts), filename)


def _result_rows(poll: Poll):
    """Each option's count per round, overall and by job-title group."""
    groups = {b.round: b.groups for b in polls.breakdown(poll)}
    for result in polls.rounds_with_results(poll):
        for group in [result, *groups.get(result.round, [])]:
            name = "All answers" if group is result else group.label
            for o in group.options:
                yield (result.label or "Only round", name, o.label, o.count, group.respondents,
                       f"{o.percent:.1f}")
