"""What the API says about each object: only what a visitor may see on the pages (never a join
link, an attendee, a member's answer or a note that is not public). openapi.py describes each
shape; tests/api checks every answer against it."""
from community.core.urls import external_url
from community.notes.models import Note
from community.notes.services import linked_sessions
from community.polls import services as polls
from community.polls.models import Poll
from community.sessions.models import Series, Session


def _time(value) -> str:
    """An instant in RFC 3339, UTC."""
    return value.isoformat()


def series_json(s: Series) -> dict:
    """A series and its cadence (the join link is for confirmed attendees only)."""
    return {
        "id": s.id, "title": s.title, "description": s.description, "timezone": s.timezone,
        "start_date": s.start_date.isoformat(), "weekday": s.weekday,
        "local_time": s.local_time.strftime("%H:%M"), "interval_weeks": s.interval_weeks,
        "duration_minutes": s.duration_minutes, "capacity": s.capacity, "format": s.format,
        "venue": s.venue,
        "url": external_url("sessions.series", series_id=s.id, slug=s.slug),
        "sessions": external_url("api.session_list", series=s.id),
        "past_sessions": external_url("api.session_list", series=s.id, when="past"),
    }


def session_json(s: Session, counts: dict) -> dict:
    """A session as a visitor sees it (never its join link nor who signed up)."""
    confirmed, waitlisted = counts.get(s.id, (0, 0))
    return {
        "id": s.id, "title": s.title, "description": s.description, "status": s.status,
        "starts_at": _time(s.starts_at), "ends_at": _time(s.ends_at), "timezone": s.timezone,
        "format": s.format, "venue": s.venue, "capacity": s.capacity,
        "seats_left": max(s.capacity - confirmed, 0), "waitlisted": waitlisted,
        "hosts": [h.name for h in s.hosts], "series_id": s.series_id,
        "url": external_url("sessions.detail", session_id=s.id, slug=s.slug),
        "ics": external_url("invites.session_ics", session_id=s.id),
        "polls": external_url("api.session_polls", session_id=s.id),
    }


def note_json(n: Note, full: bool = False) -> dict:
    """A public note, naming only the linked sessions a visitor may see; `full` adds its
    Markdown body and attachments."""
    data = {
        "id": n.id, "title": n.title, "summary": n.summary, "kind": n.kind,
        "visibility": n.visibility, "chatham_house": n.chatham_house,
        "updated_at": _time(n.updated_at), "authors": [a.name for a in n.authors],
        "sessions": [s.id for s in linked_sessions(n, None)],
        "url": external_url("notes.detail", note_id=n.id, slug=n.slug),
    }
    if full:
        data["body_markdown"] = n.body
        data["attachments"] = [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                                "url": external_url("notes.attachment", note_id=n.id,
                                                    attachment_id=a.id, filename=a.filename)}
                               for a in n.attachments]
    return data


def _round_json(result) -> dict:
    """One round's figures: respondents, and per option its count and share of respondents."""
    return {"round": result.round, "label": result.label, "respondents": result.respondents,
            "mean": None if result.mean is None else round(result.mean, 2),
            "options": [{"option_id": o.option_id, "label": o.label, "count": o.count,
                         "percent": round(o.percent, 1)} for o in result.options]}


def poll_json(p: Poll, session: Session, results) -> dict:
    """A poll of `session` put to the room (never who answered); `results` only where the polls'
    own rule shows them to a visitor (a closed poll whose results an organiser published), else
    None; counts only, never the comments."""
    return {
        "id": p.id, "session_id": p.session_id, "position": p.position, "question": p.question,
        "context": p.context, "kind": p.kind, "max_choices": p.max_choices, "status": p.status,
        "audience": p.audience, "two_rounds": p.two_rounds, "round": p.round,
        "results_public": polls.results_public(p),
        "options": [{"id": o.id, "position": o.position, "label": o.label} for o in p.options],
        "results": None if results is None else {
            "current": _round_json(results.current),
            "before": None if results.before is None else _round_json(results.before)},
        "url": external_url("sessions.detail", session_id=session.id, slug=session.slug,
                            _anchor=f"poll-{p.id}"),
    }
