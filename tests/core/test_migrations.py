"""The migrations produce exactly the models' schema, and keep the data they change."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from community import create_app
from community.db import db
from tests.conftest import TEST_DATABASE_URL, make_config


def include_name(name, type_, parent_names):
    """The same filter as migrations/env.py: the search index is raw SQL, not a model."""
    if type_ == "table":
        return not name.startswith("search_index")
    if type_ == "index":
        return name not in ("ix_notes_search", "ix_sessions_search")
    return True


def test_migrations_match_the_models(tmp_path, smtp_server):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app(make_config(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "include_name": include_name}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        assert diff == []
        downgrade(revision="base")
        tables = {t for t in inspect(db.engine).get_table_names()
                  if t != "alembic_version" and not t.startswith("search_index")}
        assert tables == set()
        if TEST_DATABASE_URL:
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
        db.engine.dispose()


def _insert(conn, table: str, **values) -> None:
    """One row, by column name."""
    names = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"),
                 values)


def _count(conn, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_note_creator_is_filled_from_the_first_revision_and_nothing_else_changes(tmp_path, smtp_server):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'creator.sqlite'}"
    app = create_app(make_config(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade(revision="0005")
        now = "2026-11-30 10:00:00"
        with db.engine.begin() as conn:
            for uid in (1, 2):
                _insert(conn, "users", id=uid, email=f"u{uid}@example.com", name=f"U{uid}",
                        organisation="", job_title="", password_hash="!", role="analyst",
                        timezone="Europe/London", created_at=now, privacy_version="",
                        session_token=f"t{uid}", calendar_token=f"c{uid}", waitlist_in_calendar=True)
            _insert(conn, "notes", id=1, title="Quokka ledger", slug="quokka-ledger", summary="",
                    body="zanzibarite", kind="pre_read", visibility="public", chatham_house=False,
                    created_at=now, updated_at=now)
            for number, saver in ((1, 2), (2, 1)):
                _insert(conn, "note_revisions", note_id=1, number=number, title="Quokka ledger",
                        summary="", body="zanzibarite", saved_by_id=saver, saved_at=now, message="")
            _insert(conn, "note_authors", note_id=1, user_id=1)
            _insert(conn, "note_authors", note_id=1, user_id=2)
            _insert(conn, "note_opens", note_id=1, user_id=1, opened_at=now)
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT created_by_id FROM notes WHERE id = 1")).scalar() == 2
            assert (_count(conn, "note_authors"), _count(conn, "note_revisions"),
                    _count(conn, "note_opens")) == (2, 2, 1)
            if db.engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text(
                    "SELECT ref_id FROM search_index WHERE search_index MATCH 'zanzibarite'")).all() == [(1,)]
                conn.execute(text("UPDATE notes SET body = 'wombatite' WHERE id = 1"))
                assert conn.execute(text(
                    "SELECT ref_id FROM search_index WHERE search_index MATCH 'wombatite'")).all() == [(1,)]
            conn.execute(text("DELETE FROM users WHERE id = 2"))
            assert conn.execute(text("SELECT created_by_id FROM notes WHERE id = 1")).scalar() is None
        downgrade(revision="0005")
        with db.engine.begin() as conn:
            assert "created_by_id" not in {c["name"] for c in inspect(conn).get_columns("notes")}
            counts = [_count(conn, t) for t in ("notes", "note_authors", "note_revisions", "note_opens")]
            assert counts == [1, 1, 2, 1]
        downgrade(revision="base")
        if TEST_DATABASE_URL:  # leave the shared PostgreSQL database as the other tests expect it
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
        db.engine.dispose()
