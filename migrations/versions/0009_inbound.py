"""Inbound email: the inbound_messages table and a registration's calendar answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    """Create inbound_messages; add calendar_reply and calendar_replied_at to registrations."""
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_messages_message_id")),
    )
    op.create_index(op.f("ix_inbound_messages_received_at"), "inbound_messages", ["received_at"])
    op.create_index("ix_inbound_messages_sender_received_at", "inbound_messages",
                    ["sender", "received_at"])
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_reply", sa.String(length=16), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("calendar_replied_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    """Drop the calendar answer and the inbound_messages table."""
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("calendar_replied_at")
        batch_op.drop_column("calendar_reply")
    op.drop_index("ix_inbound_messages_sender_received_at", table_name="inbound_messages")
    op.drop_index(op.f("ix_inbound_messages_received_at"), table_name="inbound_messages")
    op.drop_table("inbound_messages")
