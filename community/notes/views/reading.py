"""Reading: the briefings library, a note, its attachments, and search."""
from flask import abort, redirect, render_template, request, send_file, url_for

from community.core.forms import plain_query
from community.core.web import attempt, viewer
from community.db import db
from community.notes import access, files, search, services
from community.notes.models import KIND_LABELS, Attachment
from community.notes.views.common import bp, note_or_404, readable_or_refuse


@bp.get("/notes")
def library():
    """Every briefing the viewer may read, newest first."""
    kind = request.args.get("kind", "")
    return render_template("notes/library.html", notes=services.library(viewer(), kind),
                           kind=kind, kinds=KIND_LABELS)


@bp.get("/notes/<int:note_id>")
@bp.get("/notes/<int:note_id>-<slug>")
def detail(note_id: int, slug: str | None = None):
    """One note, for those allowed to read it."""
    note = note_or_404(note_id)
    readable_or_refuse(note)
    if slug != note.slug:
        return redirect(url_for("notes.detail", note_id=note.id, slug=note.slug), 301)
    with attempt():
        services.record_open(viewer(), note)
    editor = access.is_editor(viewer(), note)
    return render_template("notes/detail.html", note=note, editor=editor,
                           sessions=services.linked_sessions(note, viewer()),
                           opened=services.open_count(note) if editor else None,
                           published=access.is_published(note))


@bp.get("/notes/<int:note_id>/files/<int:attachment_id>/<path:filename>")
def attachment(note_id: int, attachment_id: int, filename: str):
    """An attachment, served only to those who may read the note, with its checked type."""
    note = note_or_404(note_id)
    readable_or_refuse(note)
    row = db.session.get(Attachment, attachment_id)
    if row is None or row.note_id != note.id:
        abort(404)
    response = send_file(files.path_of(row.stored_name), mimetype=row.content_type,
                         as_attachment=row.content_type not in files.INLINE,
                         download_name=row.filename, max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/search")
def search_page():
    """Full-text search over the sessions and notes the viewer may read."""
    query = plain_query(request.args.get("q", ""), search.MAX_QUERY)
    hits = search.search(viewer(), query) if query else []
    return render_template("notes/search.html", q=query, hits=hits)
