"""The outbox marks the last messages to a deleted account, erased once delivered.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    """Add outbox.erase_after_delivery (false for every existing message)."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("erase_after_delivery", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    """Remove it again."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("erase_after_delivery")
