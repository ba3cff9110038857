"""Briefing notes: notes, authors, linked sessions, revisions, attachments, opens, search.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:49:00.636435

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Copied from community/notes/search.py as it was when this revision was written.
SQLITE_DDL = ["CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(kind UNINDEXED, ref_id UNINDEXED, title, body, tokenize='porter unicode61')", "CREATE TRIGGER IF NOT EXISTS notes_search_ai AFTER INSERT ON notes BEGIN INSERT INTO search_index(kind, ref_id, title, body) VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END", "CREATE TRIGGER IF NOT EXISTS notes_search_au AFTER UPDATE ON notes BEGIN DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; INSERT INTO search_index(kind, ref_id, title, body) VALUES ('note', new.id, new.title, new.summary || ' ' || new.body); END", "CREATE TRIGGER IF NOT EXISTS notes_search_ad AFTER DELETE ON notes BEGIN DELETE FROM search_index WHERE kind = 'note' AND ref_id = old.id; END", "CREATE TRIGGER IF NOT EXISTS sessions_search_ai AFTER INSERT ON sessions BEGIN INSERT INTO search_index(kind, ref_id, title, body) VALUES ('session', new.id, new.title, new.description); END", "CREATE TRIGGER IF NOT EXISTS sessions_search_au AFTER UPDATE OF title, description ON sessions BEGIN DELETE FROM search_index WHERE kind = 'session' AND ref_id = old.id; INSERT INTO search_index(kind, ref_id, title, body) VALUES ('session', new.id, new.title, new.description); END", "CREATE TRIGGER IF NOT EXISTS sessions_search_ad AFTER DELETE ON sessions BEGIN DELETE FROM search_index WHERE kind = 'session' AND ref_id = old.id; END"]
POSTGRES_DDL = ["CREATE INDEX IF NOT EXISTS ix_notes_search ON notes USING gin ((setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(body, '')), 'B')))", "CREATE INDEX IF NOT EXISTS ix_sessions_search ON sessions USING gin ((setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')))"]


def upgrade():
    """Create the note tables and the full-text search index for the database in use."""
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('embargo_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chatham_house', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_visibility'), ['visibility'], unique=False)

    op.create_table('note_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_attachments_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_note_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_note_attachments_stored_name'))
    )
    with op.batch_alter_table('note_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_attachments_note_id'), ['note_id'], unique=False)

    op.create_table('note_authors',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_authors_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_authors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'user_id', name=op.f('pk_note_authors'))
    )
    op.create_table('note_opens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_opens_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_note_opens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_opens')),
    sa.UniqueConstraint('note_id', 'user_id', name=op.f('uq_note_opens_note_id_user_id'))
    )
    with op.batch_alter_table('note_opens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_opens_note_id'), ['note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_opens_user_id'), ['user_id'], unique=False)

    op.create_table('note_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_revisions_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_note_revisions_saved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_revisions')),
    sa.UniqueConstraint('note_id', 'number', name=op.f('uq_note_revisions_note_id_number'))
    )
    with op.batch_alter_table('note_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_revisions_note_id'), ['note_id'], unique=False)

    op.create_table('note_sessions',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_sessions_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_note_sessions_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'session_id', name=op.f('pk_note_sessions'))
    )
    _create_search()


def downgrade():
    """Drop the search index and the note tables."""
    _drop_search()
    op.drop_table('note_sessions')
    with op.batch_alter_table('note_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_revisions_note_id'))

    op.drop_table('note_revisions')
    with op.batch_alter_table('note_opens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_opens_user_id'))
        batch_op.drop_index(batch_op.f('ix_note_opens_note_id'))

    op.drop_table('note_opens')
    op.drop_table('note_authors')
    with op.batch_alter_table('note_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_attachments_note_id'))

    op.drop_table('note_attachments')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_visibility'))

    op.drop_table('notes')


def _create_search():
    """FTS5 table and triggers on SQLite; GIN expression indexes on PostgreSQL."""
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DDL if dialect == "sqlite" else POSTGRES_DDL if dialect == "postgresql" else ():
        op.execute(statement)
    if dialect == "sqlite":
        op.execute("INSERT INTO search_index(kind, ref_id, title, body) "
                   "SELECT 'session', id, title, description FROM sessions")


def _drop_search():
    """Remove what _create_search made."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("notes_search_ai", "notes_search_au", "notes_search_ad",
                        "sessions_search_ai", "sessions_search_au", "sessions_search_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_index")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_notes_search")
        op.execute("DROP INDEX IF EXISTS ix_sessions_search")
