"""GET-only JSON endpoints; the same visibility rules as the pages (cookie login or anonymous)."""
from flask import Blueprint, abort, jsonify, request

from community.api.openapi import document
from community.core.urls import external_url
from community.core.web import viewer
from community.notes import access
from community.notes import services as notes
from community.sessions import services as sessions
from community.sessions.models import Session
from community.signups.services import seat_counts

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _session_json(s: Session, counts) -> dict:
    """A session as JSON (never its join link)."""
    confirmed, waitlisted = counts.get(s.id, (0, 0))
    return {
        "id": s.id, "title": s.title, "status": s.status, "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(), "timezone": s.timezone, "format": s.format,
        "venue": s.venue, "capacity": s.capacity, "seats_left": max(s.capacity - confirmed, 0),
        "waitlisted": waitlisted, "hosts": [h.name for h in s.hosts],
        "url": external_url("sessions.detail", session_id=s.id, slug=s.slug),
        "ics": external_url("invites.session_ics", session_id=s.id),
    }


def _note_json(n, full: bool = False) -> dict:
    """A note as JSON, naming only the linked sessions the caller may see."""
    data = {
        "id": n.id, "title": n.title, "summary": n.summary, "kind": n.kind,
        "visibility": n.visibility, "chatham_house": n.chatham_house,
        "updated_at": n.updated_at.isoformat(), "authors": [a.name for a in n.authors],
        "sessions": [s.id for s in notes.linked_sessions(n, viewer())],
        "url": external_url("notes.detail", note_id=n.id, slug=n.slug),
    }
    if full:
        data["body_markdown"] = n.body
        data["attachments"] = [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                                "url": external_url("notes.attachment", note_id=n.id,
                                                    attachment_id=a.id, filename=a.filename)}
                               for a in n.attachments]
    return data


@bp.get("/sessions")
def session_list():
    """Upcoming published sessions."""
    rows = sessions.upcoming()
    counts = seat_counts(s.id for s in rows)
    return jsonify(sessions=[_session_json(s, counts) for s in rows])


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One published or cancelled session (what a visitor may see: the API shows no drafts)."""
    session = sessions.visible_session(session_id, None)
    if session is None:
        abort(404)
    return jsonify(_session_json(session, seat_counts([session.id])))


@bp.get("/notes")
def note_list():
    """Published notes the caller may read."""
    return jsonify(notes=[_note_json(n) for n in notes.library(viewer(), request.args.get("kind"))])


@bp.get("/notes/<int:note_id>")
def note_detail(note_id: int):
    """One note, if the caller may read it (404 otherwise, so nothing is revealed)."""
    note = notes.note_with_details(note_id)
    if note is None or not access.can_read(viewer(), note):
        abort(404)
    return jsonify(_note_json(note, full=True))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(document(external_url("api.session_list").rsplit("/sessions", 1)[0]))


@bp.errorhandler(404)
def not_found(exc):
    """JSON errors for API clients."""
    return jsonify(error="not found"), 404
