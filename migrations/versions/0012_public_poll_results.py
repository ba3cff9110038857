"""Public poll results: whether an organiser made a closed poll's results public.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    """Add polls.results_public, false for every existing poll. Plain ALTER TABLE, not batch mode
    (see 0010: a batch copy of polls would cascade to its options and answers on SQLite)."""
    op.add_column("polls", sa.Column("results_public", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade():
    """Drop polls.results_public (the results become members-only again)."""
    op.drop_column("polls", "results_public")
