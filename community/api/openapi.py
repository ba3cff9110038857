"""The OpenAPI 3.1 document of the read-only API."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _get(summary: str, schema: dict, parameters=()) -> dict:
    return {"get": {"summary": summary, "parameters": list(parameters), "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "404": {"description": "Not found, or not visible to the caller",
                "content": {"application/json": {"schema": _ref("Error")}}}}}}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def document(server: str) -> dict:
    """The API description, with `server` as its base address."""
    string, integer = {"type": "string"}, {"type": "integer"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digital Leadership Community API", "version": "1.0.0",
                 "description": "Read-only. Anonymous callers see public data; a logged-in "
                                "browser session sees what its member may read."},
        "servers": [{"url": server}],
        "paths": {
            "/sessions": _get("Upcoming published sessions",
                              {"type": "object",
                               "properties": {"sessions": {"type": "array", "items": _ref("Session")}}}),
            "/sessions/{id}": _get("One session", _ref("Session"), [ID]),
            "/notes": _get("Briefing notes the caller may read",
                           {"type": "object",
                            "properties": {"notes": {"type": "array", "items": _ref("Note")}}},
                           [{"name": "kind", "in": "query", "required": False,
                             "schema": {"type": "string", "enum": ["pre_read", "summary"]}}]),
            "/notes/{id}": _get("One briefing note with its Markdown body", _ref("Note"), [ID]),
        },
        "components": {"schemas": {
            "Error": {"type": "object", "properties": {"error": string}, "required": ["error"]},
            "Session": {"type": "object", "required": ["id", "title", "status", "starts_at", "ends_at"],
                        "properties": {"id": integer, "title": string, "status": string,
                                       "starts_at": {"type": "string", "format": "date-time"},
                                       "ends_at": {"type": "string", "format": "date-time"},
                                       "timezone": string, "format": string, "venue": string,
                                       "capacity": integer, "seats_left": integer, "waitlisted": integer,
                                       "hosts": {"type": "array", "items": string},
                                       "url": {"type": "string", "format": "uri"},
                                       "ics": {"type": "string", "format": "uri"}}},
            "Note": {"type": "object", "required": ["id", "title", "kind", "visibility"],
                     "properties": {"id": integer, "title": string, "summary": string, "kind": string,
                                    "visibility": string, "chatham_house": {"type": "boolean"},
                                    "updated_at": {"type": "string", "format": "date-time"},
                                    "authors": {"type": "array", "items": string},
                                    "sessions": {"type": "array", "items": integer},
                                    "url": {"type": "string", "format": "uri"},
                                    "body_markdown": string,
                                    "attachments": {"type": "array", "items": {"type": "object"}}}},
        }},
    }
