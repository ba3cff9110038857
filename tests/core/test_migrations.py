"""The migrations produce exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from community import create_app
from community.db import db
from tests.conftest import TEST_DATABASE_URL, make_config


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
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    db.metadata)
        assert diff == []
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        if TEST_DATABASE_URL:
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
        db.engine.dispose()
