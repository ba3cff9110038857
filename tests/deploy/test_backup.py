"""`flask --app app backup [PATH]`: a consistent, checked, atomically written copy of the
SQLite database, also while the site writes to it; PostgreSQL is sent to pg_dump."""
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from community.db import db
from tests.conftest import TEST_DATABASE_URL
from tests.deploy.test_readiness import another_app
from tests.factories import make_user

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="backs up the SQLite test database")


def _open(path: Path) -> sqlite3.Connection:
    """The copy, opened read-only: it must stand on its own (no -wal file beside it)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@sqlite_only
def test_backup_writes_a_checked_copy_to_the_path_given(app, runner, tmp_path):
    for _ in range(3):
        make_user()
    db.session.commit()
    target = tmp_path / "copies" / "community.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"to {target}" in result.output
    with _open(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM users").fetchone() == (3,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert [p.name for p in target.parent.iterdir()] == ["community.sqlite"]  # no temporary file left
    assert target.stat().st_mode & 0o077 == 0  # members' data: readable by its owner only


@sqlite_only
def test_backup_without_a_path_goes_to_the_instance_folder_stamped_in_utc(app, runner):
    with time_machine.travel(datetime(2025, 3, 30, 0, 30, 5, tzinfo=UTC), tick=False):
        result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    expected = Path(app.instance_path) / "backups" / "community-20250330T003005Z.sqlite"
    assert expected.is_file()


@sqlite_only
def test_backup_replaces_an_older_copy_in_one_rename(app, runner, tmp_path):
    target = tmp_path / "community.sqlite"
    target.write_bytes(b"yesterday's copy")
    make_user()
    db.session.commit()
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with _open(target) as copy:
        assert copy.execute("SELECT count(*) FROM users").fetchone() == (1,)


@sqlite_only
def test_backup_while_the_site_writes_holds_whole_transactions_only(app, runner, tmp_path):
    """Another connection commits batches of ten rows as fast as it can while copies are taken:
    every copy passes the integrity check and holds whole batches only, more in each copy."""
    source = db.engine.url.database
    with sqlite3.connect(source) as setup:
        setup.execute("CREATE TABLE ledger (batch INTEGER NOT NULL, line INTEGER NOT NULL)")
    stop = threading.Event()
    batches = []

    def write_batches():
        conn = sqlite3.connect(source, timeout=30)
        while not stop.is_set():
            with conn:  # one transaction per batch
                conn.executemany("INSERT INTO ledger VALUES (?, ?)",
                                 [(len(batches), line) for line in range(10)])
            batches.append(len(batches))
        conn.close()

    writer = threading.Thread(target=write_batches)
    writer.start()
    copies = []
    try:
        for number in range(4):
            target = tmp_path / f"copy-{number}.sqlite"
            result = runner.invoke(args=["backup", str(target)])
            assert result.exit_code == 0, result.output
            with _open(target) as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                sizes = copy.execute("SELECT batch, count(*) FROM ledger GROUP BY batch").fetchall()
            assert all(size == 10 for _batch, size in sizes), sizes
            assert [batch for batch, _size in sizes] == list(range(len(sizes)))
            copies.append(len(sizes))
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not writer.is_alive()
    assert copies == sorted(copies) and copies[-1] <= len(batches)
    assert batches  # the writer committed while the copies were taken


def test_backup_of_a_postgresql_database_says_to_use_pg_dump(tmp_path, smtp_server):
    url = "postgresql+psycopg://community@127.0.0.1:5432/community"
    with another_app(tmp_path, smtp_server, SQLALCHEMY_DATABASE_URI=url) as app:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 1
    assert "pg_dump -Fc" in result.output and "pg_restore" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.sqlite").exists()
