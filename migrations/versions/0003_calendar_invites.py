"""Calendar invites: UIDs and sequences, personal feed tokens, reminders, announcements.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:05:00

"""
import secrets
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _backfill(table: str, column: str, make) -> None:
    """Give every existing row its own generated value."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id FROM {table}")).scalars().all()
    for row_id in rows:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                     {"v": make(), "id": row_id})


def upgrade():
    """Add the announcements table and the invite, reminder and feed columns."""
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expanded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_announcements_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_announcements_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements") as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_expanded_at"), ["expanded_at"])
        batch_op.create_index(batch_op.f("ix_announcements_session_id"), ["session_id"])

    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_dedupe_key"), ["dedupe_key"])

    with op.batch_alter_table("registrations") as batch_op:
        batch_op.add_column(sa.Column("personal_sequence", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("in_calendar", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("calendar_sent", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("reminded_day_before_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("reminded_hour_before_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("registrations") as batch_op:
        for column in ("personal_sequence", "in_calendar", "calendar_sent"):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("ical_uid", sa.String(length=255), nullable=True))
    _backfill("sessions", "ical_uid", lambda: f"session-{uuid.uuid4().hex}@community.invalid")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.alter_column("ical_uid", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_sessions_ical_uid"), ["ical_uid"])

    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("waitlist_in_calendar", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    _backfill("users", "calendar_token", lambda: secrets.token_urlsafe(24))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("calendar_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("waitlist_in_calendar", server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_users_calendar_token"), ["calendar_token"])


def downgrade():
    """Remove them again."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_calendar_token"), type_="unique")
        batch_op.drop_column("waitlist_in_calendar")
        batch_op.drop_column("calendar_token")
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_sessions_ical_uid"), type_="unique")
        batch_op.drop_column("ical_uid")
    with op.batch_alter_table("registrations") as batch_op:
        for column in ("reminded_hour_before_at", "reminded_day_before_at", "calendar_sent",
                       "in_calendar", "personal_sequence"):
            batch_op.drop_column(column)
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_dedupe_key"), type_="unique")
        batch_op.drop_column("dedupe_key")
    with op.batch_alter_table("announcements") as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_session_id"))
        batch_op.drop_index(batch_op.f("ix_announcements_expanded_at"))
    op.drop_table("announcements")
