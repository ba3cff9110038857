"""Stored HTML: session, series and note Markdown rendered once when saved, not on every view.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 04:10:00

"""
import sqlalchemy as sa
from alembic import op

from community.core.markdown import render_markdown

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: (table, Markdown column, HTML column)
COLUMNS = (("series", "description", "description_html"),
           ("sessions", "description", "description_html"),
           ("notes", "body", "body_html"))


def upgrade():
    """Add the HTML columns (plain ALTER TABLE, see 0010) and render every existing row."""
    conn = op.get_bind()
    for table, source, html in COLUMNS:
        op.add_column(table, sa.Column(html, sa.Text(), nullable=False, server_default=""))
        rows = conn.execute(sa.text(f"SELECT id, {source} FROM {table}")).all()  # noqa: S608  # nosec B608
        for row_id, text in rows:
            conn.execute(sa.text(f"UPDATE {table} SET {html} = :html WHERE id = :id"),  # noqa: S608  # nosec B608
                         {"html": str(render_markdown(text)), "id": row_id})


def downgrade():
    """Drop the HTML columns (pages would render the Markdown again)."""
    for table, _source, html in COLUMNS:
        op.drop_column(table, html)
