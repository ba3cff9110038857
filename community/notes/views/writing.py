"""Writing: new and edited notes with preview, history, diffs, restore and attachments."""
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from community.core.errors import DomainError
from community.core.markdown import render_markdown
from community.db import db
from community.notes import services
from community.notes.forms import NoteForm, UploadForm
from community.notes.models import Attachment
from community.notes.views.common import (
    author_options,
    back_to,
    bp,
    editable_or_refuse,
    note_or_404,
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
                "embargo_until": to_local(note.embargo_until, current_user.timezone),
                "sessions": [s.id for s in note.sessions], "authors": [a.id for a in note.authors]}
    return NoteForm(data=data, session_options=session_options(), author_options=author_options())


def _fields(form: NoteForm) -> dict:
    """Service arguments from a valid form."""
    chosen_sessions = {s.id: s for s in session_options()}
    chosen_authors = {u.id: u for u in author_options()}
    return {
        "title": form.title.data, "summary": form.summary.data or "", "body": form.body.data or "",
        "kind": form.kind.data, "visibility": form.visibility.data,
        "embargo_until": to_utc(form.embargo_until.data, current_user.timezone),
        "chatham_house": form.chatham_house.data,
        "sessions": [chosen_sessions[i] for i in form.sessions.data or [] if i in chosen_sessions],
        "authors": [chosen_authors[i] for i in form.authors.data or [] if i in chosen_authors],
    }


def _show_error(form, exc: DomainError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.get("/notes/mine")
def mine():
    """The notes I write, drafts included."""
    writer_or_refuse()
    return render_template("notes/mine.html", notes=services.drafts_of(current_user))


@bp.route("/notes/new", methods=["GET", "POST"])
def new():
    """Write a note."""
    writer_or_refuse()
    form = _form()
    preview = render_markdown(form.body.data) if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        try:
            note = services.create(current_user, message=form.message.data or "First version",
                                   **_fields(form))
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash("The note is saved.", "success")
            return back_to(note)
    return render_template("notes/edit.html", form=form, note=None, preview=preview)


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
def edit(note_id: int):
    """Change a note; every save of its content keeps a revision."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    form = _form(note)
    preview = render_markdown(form.body.data) if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        try:
            services.update(current_user, note, message=form.message.data or "", **_fields(form))
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash("The note is saved.", "success")
            return back_to(note)
    return render_template("notes/edit.html", form=form, note=note, preview=preview,
                           upload=UploadForm())


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
    try:
        services.restore(current_user, note, number)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("notes.history", note_id=note.id))
    db.session.commit()
    flash(f"Revision {number} is restored as the newest version.", "success")
    return back_to(note)


@bp.post("/notes/<int:note_id>/attachments")
def upload(note_id: int):
    """Attach a file (type checked by content, size limited, stored under a random name)."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(services.files.MAX_BYTES + 1)
        try:
            row = services.attach(current_user, note, form.file.data.filename, data)
        except DomainError as exc:
            db.session.rollback()
            form.file.errors = [exc.message]
        else:
            db.session.commit()
            flash(f"{row.filename} is attached.", "success")
            return redirect(url_for("notes.edit", note_id=note.id) + "#attachments")
    return render_template("notes/edit.html", form=_form(note), note=note, preview=None,
                           upload=form), 400


@bp.post("/notes/<int:note_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(note_id: int, attachment_id: int):
    """Remove an attachment."""
    note = note_or_404(note_id)
    editable_or_refuse(note)
    row = db.session.get(Attachment, attachment_id)
    if row is not None and row.note_id == note.id and FlaskForm().validate_on_submit():
        stored, name = row.stored_name, row.filename
        services.remove_attachment(current_user, row)
        db.session.commit()
        services.files.discard(stored)  # only once the row is gone for good
        flash(f"{name} is removed.", "success")
    return redirect(url_for("notes.edit", note_id=note.id) + "#attachments")
