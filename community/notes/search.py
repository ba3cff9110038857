"""Full-text search over notes and sessions: SQLite FTS5, or PostgreSQL text search.

On SQLite an FTS5 table `search_index` is kept in step with `notes` and `sessions` by
triggers (created by the migration, and by `create_all` through the DDL events below).
On PostgreSQL the documents are searched with to_tsvector/websearch_to_tsquery, backed by
GIN expression indexes. Results are always filtered by what the viewer may read.
"""
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import DDL, event, text
from sqlalchemy.orm import selectinload

from community.core.forms import plain_query
from community.db import db
from community.notes import access
from community.notes.models import Note, note_sessions
from community.sessions.models import Session
from community.sessions.services import is_visible

START, STOP = "\x02", "\x03"
LIMIT = 50
#: The longest query searched, in characters.
MAX_QUERY = 200

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
    "kind UNINDEXED, ref_id UNINDEXED, title, body, tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS notes_search_ai AFTER INSERT ON notes BEGIN "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END",
    "CREATE TRIGGER IF NOT EXISTS notes_search_au AFTER UPDATE ON notes BEGIN "
    "DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END",
    "CREATE TRIGGER IF NOT EXISTS notes_search_ad AFTER DELETE ON notes BEGIN "
    "DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS sessions_search_ai AFTER INSERT ON sessions BEGIN "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('session', new.id, new.title, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS sessions_search_au AFTER UPDATE OF title, description ON sessions "
    "BEGIN DELETE FROM search_index WHERE kind = 'session' AND ref_id = old.id; "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('session', new.id, new.title, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS sessions_search_ad AFTER DELETE ON sessions BEGIN "
    "DELETE FROM search_index WHERE kind = 'session' AND ref_id = old.id; END",
]
NOTE_DOC = "setweight(to_tsvector('english', coalesce(title, '')), 'A') || " \
           "setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(body, '')), 'B')"
SESSION_DOC = "setweight(to_tsvector('english', coalesce(title, '')), 'A') || " \
              "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
POSTGRES_DDL = [
    f"CREATE INDEX IF NOT EXISTS ix_notes_search ON notes USING gin (({NOTE_DOC}))",
    f"CREATE INDEX IF NOT EXISTS ix_sessions_search ON sessions USING gin (({SESSION_DOC}))",
]

for statement in SQLITE_DDL:
    event.listen(note_sessions, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_DDL:
    event.listen(note_sessions, "after_create", DDL(statement).execute_if(dialect="postgresql"))


@dataclass(frozen=True)
class Hit:
    """One search result: a note or a session, with a highlighted snippet."""

    kind: str
    item: object
    snippet: Markup
    rank: float


def _highlight(raw: str) -> Markup:
    """Escape a snippet and turn the match markers into <mark> elements."""
    snippet = str(escape(raw or "")).replace(START, "<mark>").replace(STOP, "</mark>")
    return Markup(snippet)  # nosec B704  # escaped first; only the <mark> pairs are markup


def _terms(query: str) -> str:
    """The user's words as an FTS5 query of quoted terms (no operators from input)."""
    words = [w.replace('"', "") for w in query.split() if w.replace('"', "")]
    return " ".join(f'"{w}"' for w in words[:12])


def _sqlite(query: str) -> list[tuple[str, int, float, str]]:
    match = _terms(query)
    if not match:
        return []
    rows = db.session.execute(text(
        "SELECT kind, ref_id, bm25(search_index, 0.0, 0.0, 10.0, 1.0) AS rank, "
        "snippet(search_index, 3, :start, :stop, '…', 16) FROM search_index "
        "WHERE search_index MATCH :match ORDER BY rank LIMIT :limit"),
        {"match": match, "start": START, "stop": STOP, "limit": LIMIT * 4})
    return [(kind, int(ref), -float(rank), snip) for kind, ref, rank, snip in rows]


def _postgres(query: str) -> list[tuple[str, int, float, str]]:
    options = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
    sql = text((  # noqa: UP032 - one string literal, so bandit's nosec below covers all of it
        "SELECT 'note', id, ts_rank({note}, q), "
        "ts_headline('english', coalesce(summary, '') || ' ' || coalesce(body, ''), q, :opts) "
        "FROM notes, websearch_to_tsquery('english', :q) q WHERE ({note}) @@ q "
        "UNION ALL SELECT 'session', id, ts_rank({session}, q), "
        "ts_headline('english', coalesce(description, ''), q, :opts) "
        "FROM sessions, websearch_to_tsquery('english', :q) q WHERE ({session}) @@ q "
        "ORDER BY 3 DESC LIMIT :limit"
    ).format(note=NOTE_DOC, session=SESSION_DOC))  # nosec B608  # the indexes' expressions; input is bound
    rows = db.session.execute(sql, {"q": query, "opts": options, "limit": LIMIT * 4})
    return [(kind, int(ref), float(rank), snip) for kind, ref, rank, snip in rows]


def search(user, query: str) -> list[Hit]:
    """Ranked results the viewer may read, best first (control characters in the query are
    read as spaces)."""
    query = plain_query(query, MAX_QUERY)
    if not query:
        return []
    rows = _postgres(query) if db.engine.dialect.name == "postgresql" else _sqlite(query)
    note_ids = [ref for kind, ref, _, _ in rows if kind == "note"]
    session_ids = [ref for kind, ref, _, _ in rows if kind == "session"]
    notes = {n.id: n for n in db.session.scalars(
        db.select(Note).options(selectinload(Note.authors), selectinload(Note.sessions))
        .where(Note.id.in_(note_ids)))} if note_ids else {}
    sessions = {s.id: s for s in db.session.scalars(
        db.select(Session).where(Session.id.in_(session_ids)))} if session_ids else {}
    allowed_notes = {n.id for n in access.readable(user, notes.values())}
    hits = []
    for kind, ref, rank, snip in rows:
        if kind == "note" and ref in allowed_notes:
            hits.append(Hit("note", notes[ref], _highlight(snip), rank))
        elif kind == "session" and ref in sessions:
            session = sessions[ref]
            if is_visible(session, user):
                hits.append(Hit("session", session, _highlight(snip), rank))
    return hits[:LIMIT]
