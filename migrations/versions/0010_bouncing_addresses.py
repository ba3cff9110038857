"""Bouncing addresses: when a member's address started bouncing and why, and a pending change
of address.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


#: Plain ALTER TABLE, not batch mode: on SQLite a batch copies the users table, and with foreign
#: keys on, dropping the old copy would cascade to every row that points at an account.
COLUMNS = (
    ("email_bouncing_since", sa.DateTime(timezone=True)),
    ("email_bounce_reason", sa.String(length=500)),
    ("pending_email", sa.String(length=254)),
)


def upgrade():
    """Add email_bouncing_since, email_bounce_reason and pending_email to users."""
    for name, type_ in COLUMNS:
        op.add_column("users", sa.Column(name, type_, nullable=True))


def downgrade():
    """Drop the three columns (held outbox messages go back in line for delivery first, since
    nothing would release them afterwards)."""
    op.execute(sa.text("UPDATE outbox SET status = 'pending', last_error = '' WHERE status = 'held'"))
    op.execute(sa.text("UPDATE outbox SET status = 'failed' WHERE status = 'superseded'"))
    for name, _type in reversed(COLUMNS):
        op.drop_column("users", name)
