"""`flask --app app backup [PATH]`: a consistent copy of the SQLite database, taken while the
site keeps running.

SQLite's online backup API copies the database as one snapshot (the database runs in WAL
mode, so writers carry on meanwhile), into a temporary file beside the target that is checked
and then renamed into place: a backup is either complete or absent, never half-written. A
PostgreSQL database is backed up with its own tools (`pg_dump -Fc`); see deploy/README.md.
"""
import os
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from community.db import db


def default_path(instance_path: str, now: datetime | None = None) -> Path:
    """instance/backups/community-20250101T120000Z.sqlite, stamped in UTC."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(instance_path) / "backups" / f"community-{stamp}.sqlite"


def sqlite_file(url: str) -> Path:
    """The file of a SQLite database URL; a ClickException for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        raise click.ClickException(
            "DATABASE_URL names a PostgreSQL database: back it up with PostgreSQL's own tools, "
            "e.g. `pg_dump -Fc -f community.dump DBNAME` (restore with `pg_restore`); "
            "see deploy/README.md.")
    if parsed.get_backend_name() != "sqlite":
        raise click.ClickException(f"`backup` copies SQLite databases only, not {parsed.get_backend_name()}.")
    if not parsed.database or parsed.database == ":memory:":
        raise click.ClickException("The database lives in memory: there is no file to back up.")
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` as one consistent snapshot; returns the copy's size in bytes.

    The copy is written to a temporary file in the target's folder, made self-contained (no
    WAL), checked with `PRAGMA integrity_check`, synced, and renamed over `target`."""
    if not source.is_file():
        raise click.ClickException(f"There is no database at {source}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)  # mode 0600: the copy holds members' data
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # all pages in one step: one snapshot, which writers do not disturb
            dst.execute("PRAGMA journal_mode=DELETE")
            (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
            src.close()
        if verdict != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {verdict}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)
    return target.stat().st_size


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def backup(path: Path | None):
    """Copy the SQLite database to PATH (default: instance/backups/community-<UTC time>.sqlite)."""
    source = sqlite_file(str(db.engine.url))
    target = path or default_path(current_app.instance_path)
    if target.is_dir():
        target = target / default_path(current_app.instance_path).name
    size = backup_sqlite(source.resolve(), target)
    click.echo(f"Backed up {source} to {target} ({size} bytes).")


def init_app(app: Flask) -> None:
    """Add the `backup` command."""
    app.cli.add_command(backup)
