"""The organisers' day: the audit log, attendance, when a session filled, deactivated
accounts, and the session an inbound message is about.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: Plain ALTER TABLE ADD COLUMN, not batch mode (see 0010: a batch copy of a table that other
#: tables point at would cascade on SQLite). New columns are nullable or have a server default.
ADDED = (
    ("users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True)),
    ("registrations", sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True)),
    ("registrations", sa.Column("attendance_source", sa.String(length=16), nullable=False,
                                server_default="")),
    ("sessions", sa.Column("filled_at", sa.DateTime(timezone=True), nullable=True)),
    ("inbound_messages", sa.Column("session_id", sa.Integer(), nullable=True)),
)


def upgrade():
    """Create audit_entries; add the columns in ADDED with their indexes."""
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("target_type", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_entries_actor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_audit_entries_session_id_sessions"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"])
    op.create_index(op.f("ix_audit_entries_actor_id"), "audit_entries", ["actor_id"])
    op.create_index(op.f("ix_audit_entries_kind"), "audit_entries", ["kind"])
    op.create_index(op.f("ix_audit_entries_session_id"), "audit_entries", ["session_id"])
    for table, column in ADDED:
        op.add_column(table, column)
    op.create_index(op.f("ix_inbound_messages_session_id"), "inbound_messages", ["session_id"])


def downgrade():
    """Drop what upgrade added."""
    op.drop_index(op.f("ix_inbound_messages_session_id"), table_name="inbound_messages")
    for table, column in reversed(ADDED):
        op.drop_column(table, column.name)
    for name in ("session_id", "kind", "actor_id", "at"):
        op.drop_index(op.f(f"ix_audit_entries_{name}"), table_name="audit_entries")
    op.drop_table("audit_entries")
