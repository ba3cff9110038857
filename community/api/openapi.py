"""The OpenAPI 3.1 document of the read-only API: every path, parameter, response and header."""
from community.api.pagination import MAX_LIMIT
from community.db import MAX_ID
from community.notes.models import NoteKind
from community.polls.models import Audience, PollKind, PollStatus
from community.sessions.models import Format, SessionStatus

STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE_TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict) -> dict:
    """An object whose every property is always present, and no other."""
    return {"type": "object", "required": list(properties), "properties": properties,
            "additionalProperties": False}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


def _enum(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


def _list(key: str, item: str) -> dict:
    """A page of a list: its items and the address of the next page (null on the last)."""
    return _object({key: {"type": "array", "items": _ref(item)}, "next": _nullable(URI)})


def _json(description: str, schema: dict, headers: dict) -> dict:
    return {"description": description, "headers": headers,
            "content": {"application/json": {"schema": schema}}}


def _header(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def _get(summary: str, description: str, schema: dict, *, parameters=(), paged: bool = False,
         found: bool = True) -> dict:
    """A GET operation: 200 (or 304), 400 for bad query parameters, 404 when `found` may fail."""
    headers = {"ETag": _header("ETag"), "Cache-Control": _header("Cache-Control")}
    if paged:
        headers["Link"] = _header("Link")
    responses = {
        "200": _json("OK", schema, headers),
        "304": {"description": "Not modified: If-None-Match named the current ETag (or `*`)",
                "headers": {"ETag": _header("ETag"), "Cache-Control": _header("Cache-Control")}},
    }
    if paged or any("$ref" not in p and p["in"] == "query" for p in parameters):
        responses["400"] = _json("A query parameter (cursor, limit or a filter) is not valid",
                                 _ref("Error"), {"Cache-Control": _header("Cache-Control")})
    if found:
        responses["404"] = _json("Not found, or not visible to visitors", _ref("Error"),
                                 {"Cache-Control": _header("Cache-Control")})
    refs = [{"$ref": "#/components/parameters/IfNoneMatch"}]
    if paged:
        refs += [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit"}]
    return {"get": {"summary": summary, "description": description,
                    "parameters": [*parameters, *refs], "responses": responses}}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


ROUND = _object({
    "round": {"type": "integer", "enum": [1, 2], "description": "1 before the session, 2 live"},
    "label": STRING,
    "respondents": {"type": "integer", "minimum": 0},
    "mean": _nullable({"type": "number", "minimum": 1, "maximum": 5}),
    "options": {"type": "array", "items": _object({
        "option_id": INTEGER, "label": STRING, "count": {"type": "integer", "minimum": 0},
        "percent": {"type": "number", "minimum": 0, "maximum": 100}})},
})


#: When a poll's results are null in the API.
RESULTS_NULL = ("Null unless the poll is closed and an organiser published its results "
                "(`results_public`); members see more on the site, but the API shows what a "
                "visitor may see.")


def _schemas() -> dict:
    return {
        "Error": _object({"error": STRING}),
        "Series": _object({
            "id": INTEGER, "title": STRING, "description": STRING,
            "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/London"},
            "start_date": {"type": "string", "format": "date"},
            "weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "Monday = 0"},
            "local_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$",
                           "description": "Start time in the series' zone"},
            "interval_weeks": {"type": "integer", "minimum": 1},
            "duration_minutes": {"type": "integer", "minimum": 1},
            "capacity": {"type": "integer", "minimum": 1},
            "format": _enum(Format), "venue": STRING,
            "url": URI, "sessions": URI, "past_sessions": URI,
        }),
        "Session": _object({
            "id": INTEGER, "title": STRING, "description": STRING,
            "status": _enum([SessionStatus.PUBLISHED, SessionStatus.CANCELLED]),
            "starts_at": DATE_TIME, "ends_at": DATE_TIME, "timezone": STRING,
            "format": _enum(Format), "venue": STRING, "capacity": {"type": "integer", "minimum": 1},
            "seats_left": {"type": "integer", "minimum": 0}, "waitlisted": {"type": "integer", "minimum": 0},
            "hosts": {"type": "array", "items": STRING}, "series_id": _nullable(INTEGER),
            "url": URI, "ics": URI, "polls": URI,
        }),
        "NoteSummary": _object(_note_fields()),
        "Note": _object({
            **_note_fields(), "body_markdown": STRING,
            "attachments": {"type": "array", "items": _object({
                "filename": STRING, "content_type": STRING, "size": {"type": "integer", "minimum": 0},
                "url": URI})},
        }),
        "Round": ROUND,
        "Results": {**_object({
            "current": {**_ref("Round"), "description": "The poll's round: its only one, or the "
                                                        "live round of a poll asked twice"},
            "before": {**_nullable(_ref("Round")),
                       "description": "The pre-read round of a poll asked twice, once the live round "
                                      "has started; else null"}}),
            "description": "Counts only: how many answered each round and how many picked each "
                           "option. Never who answered, nor the members' free-text comments."},
        "Poll": _object({
            "id": INTEGER, "session_id": INTEGER, "position": INTEGER, "question": STRING,
            "context": STRING, "kind": _enum(PollKind), "max_choices": _nullable(INTEGER),
            "status": _enum([PollStatus.OPEN, PollStatus.CLOSED]), "audience": _enum(Audience),
            "two_rounds": BOOLEAN, "round": {"type": "integer", "enum": [1, 2]},
            "options": {"type": "array", "items": _object({"id": INTEGER, "position": INTEGER,
                                                           "label": STRING})},
            "results_public": {**BOOLEAN, "description": "Whether an organiser published the "
                               "results of this closed poll to everyone"},
            "results": {**_nullable(_ref("Results")), "description": RESULTS_NULL},
            "url": URI,
        }),
    }


def _note_fields() -> dict:
    return {"id": INTEGER, "title": STRING, "summary": STRING, "kind": _enum(NoteKind),
            "visibility": _enum(["public"]), "chatham_house": BOOLEAN, "updated_at": DATE_TIME,
            "authors": {"type": "array", "items": STRING},
            "sessions": {"type": "array", "items": INTEGER,
                         "description": "Ids of the linked sessions a visitor may see"},
            "url": URI}


def _components() -> dict:
    return {
        "schemas": _schemas(),
        "parameters": {
            "Cursor": {"name": "cursor", "in": "query", "required": False,
                       "description": "The `next` address of the previous page carries it; opaque",
                       "schema": {"type": "string", "maxLength": 500}},
            "Limit": {"name": "limit", "in": "query", "required": False,
                      "description": "Items per page (20 when left out)",
                      "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
            "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": False,
                            "description": "ETags of copies the caller holds, or `*`: 304 if one is current",
                            "schema": STRING},
        },
        "headers": {
            "ETag": {"description": "Strong validator: a hash of the body", "schema": STRING},
            "Cache-Control": {"description": "`public, max-age=60` for answers; `no-store` for errors",
                              "schema": STRING},
            "Link": {"description": 'RFC 8288: `<next page>; rel="next"` unless this is the last page',
                     "schema": STRING},
        },
    }


def document(server: str) -> dict:
    """The API description, with `server` as its base address."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digital Leadership Community API", "version": "1.2.0",
                 "description": "Read-only, and the same for every caller: what a visitor without an "
                                "account may see (published sessions, public notes, polls without "
                                "anyone's answers). No cookie is read, so answers are cacheable. Lists "
                                "are paged by cursor: follow `next` (also in the Link header)."},
        "servers": [{"url": server}],
        "paths": {
            "/series": _get("Series", "Series with a published or cancelled session, by title.",
                            _list("series", "Series"), paged=True, found=False),
            "/series/{id}": _get("One series", "A series and its cadence.", _ref("Series"),
                                        parameters=[_id("id")]),
            "/sessions": _get(
                "Sessions", "Published sessions: upcoming soonest first, or past latest first.",
                _list("sessions", "Session"), paged=True, found=False, parameters=[
                    {"name": "when", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["upcoming", "past"], "default": "upcoming"}},
                    {"name": "series", "in": "query", "required": False,
                     "description": "Only this series' sessions",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}]),
            "/sessions/{id}": _get("One session", "A published or cancelled session.",
                                           _ref("Session"), parameters=[_id("id")]),
            "/sessions/{id}/polls": _get(
                "A session's polls", "Polls put to the session in page order (no drafts). "
                "`results` holds the counts of a closed poll whose results an organiser published, "
                "and is null for every other poll.", _list("polls", "Poll"), paged=True,
                parameters=[_id("id")]),
            "/notes": _get("Public briefing notes", "Public notes, newest first.",
                           _list("notes", "NoteSummary"), paged=True, found=False, parameters=[
                               {"name": "kind", "in": "query", "required": False,
                                "schema": _enum(NoteKind)}]),
            "/notes/{id}": _get("One public note", "A public note with its Markdown body.",
                                     _ref("Note"), parameters=[_id("id")]),
            "/openapi.json": _get("This document", "The OpenAPI description of the API.",
                                  {"type": "object"}, found=False),
        },
        "components": _components(),
    }
