"""Notes remember who created them (notes.created_by_id), filled from each note's first revision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FK_NAME = "fk_notes_created_by_id_users"
#: The full-text triggers on `notes`, copied from 0005: SQLite drops them with the old table.
SQLITE_NOTES_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS notes_search_ai AFTER INSERT ON notes BEGIN "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END",
    "CREATE TRIGGER IF NOT EXISTS notes_search_au AFTER UPDATE ON notes BEGIN "
    "DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; "
    "INSERT INTO search_index(kind, ref_id, title, body) "
    "VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END",
    "CREATE TRIGGER IF NOT EXISTS notes_search_ad AFTER DELETE ON notes BEGIN "
    "DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; END",
]


def _alter_notes(alter) -> None:
    """Run `alter(batch_op)` on the notes table.

    SQLite changes a foreign key only by copying the table (Alembic's batch mode). Dropping the
    old copy would cascade into note_authors, note_sessions, note_revisions, note_attachments
    and note_opens with foreign keys on, and PRAGMA foreign_keys changes only outside a
    transaction: so the pending work is committed (SQLite's DDL is not transactional anyway),
    foreign keys are off for the copy, back on after it and checked, and the full-text
    triggers that went with the old table are made again."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("notes") as batch_op:
            alter(batch_op)
        return
    raw = bind.connection.dbapi_connection
    raw.commit()
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        with op.batch_alter_table("notes", recreate="always") as batch_op:
            alter(batch_op)
        raw.commit()
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the notes table copy: {broken}")
    for statement in SQLITE_NOTES_TRIGGERS:
        op.execute(statement)


def upgrade():
    """Add the nullable creator column and fill it with whoever saved each note's revision 1."""
    def alter(batch_op):
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_NAME, "users", ["created_by_id"], ["id"], ondelete="SET NULL")

    _alter_notes(alter)
    op.execute("UPDATE notes SET created_by_id = (SELECT r.saved_by_id FROM note_revisions r "
               "WHERE r.note_id = notes.id ORDER BY r.number LIMIT 1)")


def downgrade():
    """Drop the creator column again."""
    def alter(batch_op):
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_column("created_by_id")

    _alter_notes(alter)
