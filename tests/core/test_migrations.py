"""The migrations produce exactly the models' schema."""
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
