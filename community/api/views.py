"""GET-only JSON endpoints over what a visitor may see: the answers never depend on who asks
(no cookie is read), so they carry strong ETags and may be cached publicly. Every list is paged
by cursor (`?cursor=&limit=`), with the next page in the body and in a Link header."""
from datetime import datetime

from flask import Blueprint, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from community.api import representations as rep
from community.api.openapi import document
from community.api.pagination import BadPage, Order, Page, decode_cursor, page_of, page_of_list, parse_limit
from community.api.responses import answer, error
from community.core.urls import external_url
from community.db import MAX_ID, utcnow
from community.notes import access
from community.notes import services as notes
from community.notes.models import Note, NoteKind
from community.polls import services as polls
from community.polls.models import Poll
from community.sessions import services as sessions
from community.sessions.models import Series, Session, SessionStatus
from community.signups.services import seat_counts

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SERIES = Order("series", Series, (("title", False, str), ("id", False, int)))
UPCOMING = Order("sessions:upcoming", Session, (("starts_at", False, datetime), ("id", False, int)))
PAST = Order("sessions:past", Session, (("starts_at", True, datetime), ("id", True, int)))
NOTES = Order("notes", Note, (("updated_at", True, datetime), ("id", True, int)))
POLLS = Order("polls", Poll, (("position", False, int), ("id", False, int)))


def _page(query_or_items, order: Order, **params) -> tuple[Page, str | None]:
    """The page the request's cursor and limit ask for, and the address of the next one (with
    the list's own parameters `params`)."""
    limit = parse_limit(request.args.get("limit"))
    cursor = decode_cursor(order, request.args.get("cursor"))
    if isinstance(query_or_items, list):
        page = page_of_list(query_or_items, order, cursor, limit)
    else:
        page = page_of(query_or_items, order, cursor, limit)
    if page.next_cursor is None:
        return page, None
    if "limit" in request.args:
        params["limit"] = limit
    return page, external_url(request.endpoint, **(request.view_args or {}), **params,
                              cursor=page.next_cursor)


def _choice(name: str, allowed, default: str | None = None) -> str | None:
    """A query parameter that takes one of `allowed` values (or is left out)."""
    value = request.args.get(name, default)
    if value is not None and value not in allowed:
        raise BadPage(f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _id_parameter(name: str) -> int | None:
    """A query parameter that names a row by id (or is left out)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_ID):
        raise BadPage(f"{name} must be the id of a {name}, a whole number.")
    return int(raw)


@bp.get("/series")
def series_list():
    """The series a visitor may see (those with a published or cancelled session), by title."""
    shown = select(Session.id).where(Session.series_id == Series.id, sessions.visible_to(None)).exists()
    page, next_url = _page(select(Series).where(shown), SERIES)
    return answer({"series": [rep.series_json(s) for s in page.items], "next": next_url}, next_url)


@bp.get("/series/<int:series_id>")
def series_detail(series_id: int):
    """One series, if a visitor may see it."""
    series = sessions.visible_series(series_id, None)
    if series is None:
        return error(404, "not found")
    return answer(rep.series_json(series))


@bp.get("/sessions")
def session_list():
    """Published sessions: upcoming (not ended) soonest first, or with ?when=past those that
    have ended, latest first; ?series= keeps one series' sessions."""
    when = _choice("when", ("upcoming", "past"), "upcoming")
    series_id = _id_parameter("series")
    now = utcnow()
    query = select(Session).options(selectinload(Session.hosts)).where(
        Session.status == SessionStatus.PUBLISHED,
        Session.ends_at <= now if when == "past" else Session.ends_at > now)
    if series_id is not None:
        query = query.where(Session.series_id == series_id)
    params = {"when": when} if when == "past" else {}
    if series_id is not None:
        params["series"] = series_id
    page, next_url = _page(query, PAST if when == "past" else UPCOMING, **params)
    counts = seat_counts(s.id for s in page.items)
    return answer({"sessions": [rep.session_json(s, counts) for s in page.items], "next": next_url},
                  next_url)


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    """One published or cancelled session (what a visitor may see: the API shows no drafts)."""
    session = sessions.visible_session(session_id, None)
    if session is None:
        return error(404, "not found")
    return answer(rep.session_json(session, seat_counts([session.id])))


@bp.get("/sessions/<int:session_id>/polls")
def session_polls(session_id: int):
    """The polls put to a session (no drafts), in their order on the page, with the results a
    visitor may see by the polls' own rule."""
    session = sessions.visible_session(session_id, None)
    if session is None:
        return error(404, "not found")
    page, next_url = _page(polls.session_polls(session, drafts=False), POLLS)
    results = polls.visible_results(None, session, page.items)
    return answer({"polls": [rep.poll_json(p, session, results.get(p.id)) for p in page.items],
                   "next": next_url}, next_url)


@bp.get("/notes")
def note_list():
    """Public briefing notes, newest first; ?kind= keeps pre-reads or summaries."""
    kind = _choice("kind", tuple(NoteKind))
    query = (select(Note).options(selectinload(Note.authors), selectinload(Note.sessions))
             .where(access.readable_by_visitors()))
    if kind is not None:
        query = query.where(Note.kind == kind)
    page, next_url = _page(query, NOTES, **({"kind": kind} if kind else {}))
    shown = [n for n in page.items if access.can_read(None, n, set())]
    return answer({"notes": [rep.note_json(n) for n in shown], "next": next_url}, next_url)


@bp.get("/notes/<int:note_id>")
def note_detail(note_id: int):
    """One public note with its Markdown body (404 for any other, so nothing is revealed)."""
    note = notes.note_with_details(note_id)
    if note is None or not access.can_read(None, note, set()):
        return error(404, "not found")
    return answer(rep.note_json(note, full=True))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return answer(document(external_url("api.session_list").rsplit("/sessions", 1)[0]))


@bp.get("/<path:unknown>")
def unknown(unknown: str):
    """Any other address below /api/v1/: a JSON 404, as API clients expect."""
    return error(404, "not found")


@bp.errorhandler(BadPage)
def bad_parameter(exc: BadPage):
    """A parameter the API cannot use: 400 with what is wrong."""
    return error(400, str(exc))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """JSON errors for API clients."""
    return error(exc.code or 500, "not found" if exc.code == 404 else exc.name.lower())
