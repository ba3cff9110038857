"""Staleness: which transactions start a new generation of the kept pages."""
from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from community.core.pagecache.store import QUIET_TABLES, STALE_KEY, current


def _tables(objects) -> set[str]:
    """The tables of ORM objects."""
    return {obj.__table__.name for obj in objects if hasattr(obj, "__table__")}


def _after_flush(db_session, _context) -> None:
    """Note a write to a table shown on pages (the lists still hold what was just flushed)."""
    changed = _tables(db_session.new) | _tables(db_session.dirty) | _tables(db_session.deleted)
    if changed - QUIET_TABLES:
        db_session.info[STALE_KEY] = True


def _on_execute(state) -> None:
    """Note an UPDATE or DELETE statement run through the ORM session on a shown table."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.local_table.name not in QUIET_TABLES:
            state.session.info[STALE_KEY] = True


def _after_commit(db_session) -> None:
    """The change is durable: start a new generation so no process serves the old pages."""
    if not db_session.info.pop(STALE_KEY, False):
        return
    pages = current()
    if pages is None:
        return
    try:
        pages.bump()
    except Exception:  # noqa: BLE001 - Redis unreachable: start it on the next request
        pages.pending_bump = True
        current_app.logger.warning("page cache: could not start a new generation", exc_info=True)


def _after_rollback(db_session) -> None:
    """Nothing was written after all."""
    db_session.info.pop(STALE_KEY, None)


def invalidate() -> None:
    """Start a new generation now (for a change made outside the ORM, such as a restore)."""
    pages = current()
    if pages is not None:
        pages.bump()


def listen() -> None:
    """Connect the hooks to every database session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
