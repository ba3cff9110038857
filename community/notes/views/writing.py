"""Writing: new and edited notes with preview, history, diffs, restore and attachments."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from community.accounts.roles import staff
from community.core.errors import DomainError
from community.core.markdown import render_markdown
from community.core.web import attempt, takes_files, viewer
from community.db import db
from community.notes import services
from community.notes.forms import NoteForm, UploadForm
from community.notes.models import Attachment
from community.notes.views.common import (
    bp,
    editable_or_refuse,
    note_or_404,
    redirect_to_note,
    session_options,
    to_local,
    to_utc,
    writer_or_refuse,
)


def _form(note=None) -> NoteForm:
    """The note form with its session and author choices (and the note's values on GET)."""
    data = None
    if note is not None and request.method == "GET":
        data = {"title": note.title, "summary": note.summary, "body": note.body, "kind": note.kind,
                "visibility": note.visibility, "chatham_house": note.chatham_house,
                "embargo_until": to_local(note.embargo_until, viewer().timezone),
                "sessions": [s.id for s in note.sessions], "authors": [a.id for a in note.authors]}
    return NoteForm(data=data, session_options=session_options(), author_options=staff())


def _fields(form: NoteForm) -> dict:
    """Service arguments from a valid form."""
    chosen_sessions = {s.id: s for s in session_options()}
    chosen_authors = {u.id: u for u in staff()}
    return {
        "title": form.title.data, "summary": form.summary.data or "", "body": form.body.data or "",
        "kind": form.kind.data, "visibility": form.visibility.data,
        "embargo_until": to_utc(form.embargo_until.data, viewer().timezone),
        "chatham_house": form.chatham_house.data,
        "sessions": [chosen_sessions[i] for i in form.sessions.data or [] if i in chosen_sessions],
        "authors": [chosen_authors[i] for i in form.authors.data or [] if i in chosen_authors],
    }


@bp.get("/notes/mine")
def mine():
    """The notes I write, drafts included."""
    writer_or_refuse()
    return render_template("notes/mine.html", notes=services.drafts_of(viewer()))


@bp.route("/notes/new", methods=["GET", "POST"])
def new():
    """Write a note."""
    writer_or_refuse()
    form = _form()
    preview = render_markdown(form.body.data) if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        with attempt(form) as outcome:
            note = services.create(viewer(), message=form.message.data or "First version",
                                   **_fields(form))
        if outcome.ok:
            flash("The note is saved.", "success")
            return redirect_to_note(note)
    return render_template("notes/edit.html", form=form, note=None, preview=preview,
                           authors_editable=True)


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id: int):
    """Change a note; every save of its content keeps a revision."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    form = _form(note)
    preview = render_markdown(form.body.data) if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        with attempt(form) as outcome:
            services.update(viewer(), note, message=form.message.data or "", **_fields(form))
        if outcome.ok:
            flash("The note is saved.", "success")
            return redirect_to_note(note)
    return render_template("notes/edit.html", form=form, note=note, preview=preview,
                           upload=UploadForm(),
                           authors_editable=services.may_change_authors(viewer(), note))


@bp.post("/notes/preview")
def preview():
    """The sanitised HTML of some Markdown, for the editor's live preview."""
    writer_or_refuse()
    if not FlaskForm().validate_on_submit():
        return jsonify(error="The form expired; reload the page."), 400
    return jsonify(html=str(render_markdown(request.form.get("body", "")[:100_000])))


@bp.get("/notes/<int:note_id>/history")
def history(note_id: int):
    """Every revision: who, when, what; pick two to compare."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    return render_template("notes/history.html", note=note, revisions=services.revisions(note),
                           action=FlaskForm())


@bp.get("/notes/<int:note_id>/diff")
def diff(note_id: int):
    """A readable diff between two revisions of this note."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    old, new = request.args.get("from", type=int), request.args.get("to", type=int)
    try:
        if old is None or new is None:
            raise DomainError("Choose two revisions to compare.")
        changes = services.diff(note, old, new)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("notes.history", note_id=note.id)), 303
    return render_template("notes/diff.html", note=note, changes=changes, old=old, new=new)


@bp.post("/notes/<int:note_id>/restore/<int:number>")
def restore(note_id: int, number: int):
    """Bring back an old revision as the newest one."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    with attempt() as outcome:
        services.restore(viewer(), note, number)
    if not outcome.ok:
        return redirect(url_for("notes.history", note_id=note.id))
    flash(f"Revision {number} is restored as the newest version.", "success")
    return redirect_to_note(note)


@bp.post("/notes/<int:note_id>/attachments")
@takes_files
def upload(note_id: int):
    """Attach a file (type checked by content, size limited, stored under a random name)."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(services.files.MAX_BYTES + 1)
        with attempt(form, default="file") as outcome:
            row = services.attach(viewer(), note, form.file.data.filename, data)
        if outcome.ok:
            flash(f"{row.filename} is attached.", "success")
            return redirect(url_for("notes.edit", note_id=note.id) + "#attachments")
    return render_template("notes/edit.html", form=_form(note), note=note, preview=None,
                           upload=form, authors_editable=services.may_change_authors(viewer(), note)), 400


@bp.post("/notes/<int:note_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(note_id: int, attachment_id: int):
    """Remove an attachment."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    row = db.session.get(Attachment, attachment_id)
    if row is not None and row.note_id == note.id and FlaskForm().validate_on_submit():
        stored, name = row.stored_name, row.filename
        with attempt() as outcome:
            services.remove_attachment(viewer(), row)
        if outcome.ok:
            services.files.discard(stored)  # only once the row is gone for good
            flash(f"{name} is removed.", "success")
    return redirect(url_for("notes.edit", note_id=note.id) + "#attachments")
