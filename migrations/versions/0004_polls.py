"""Discussion polls: polls on a session, their options, members' answers and chosen options.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:22:43

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    """Create the polls, poll_options, poll_answers and poll_choices tables."""
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("context", sa.String(length=600), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("allow_comment", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("results_visibility", sa.String(length=16), nullable=False),
        sa.Column("two_rounds", sa.Boolean(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_polls_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"],
                                name=op.f("fk_polls_session_id_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    with op.batch_alter_table("polls") as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_session_id"), ["session_id"])

    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"],
                                name=op.f("fk_poll_options_poll_id_polls"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
    )
    with op.batch_alter_table("poll_options") as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_options_poll_id"), ["poll_id"])

    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"],
                                name=op.f("fk_poll_answers_poll_id_polls"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_poll_answers_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
        sa.UniqueConstraint("poll_id", "round", "user_id",
                            name=op.f("uq_poll_answers_poll_id_round_user_id")),
    )
    with op.batch_alter_table("poll_answers") as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_answers_user_id"), ["user_id"])

    op.create_table(
        "poll_choices",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["poll_answers.id"],
                                name=op.f("fk_poll_choices_answer_id_poll_answers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["option_id"], ["poll_options.id"],
                                name=op.f("fk_poll_choices_option_id_poll_options"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("answer_id", "option_id", name=op.f("pk_poll_choices")),
    )
    with op.batch_alter_table("poll_choices") as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_choices_option_id"), ["option_id"])


def downgrade():
    """Drop them again."""
    with op.batch_alter_table("poll_choices") as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_choices_option_id"))
    op.drop_table("poll_choices")
    with op.batch_alter_table("poll_answers") as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answers_user_id"))
    op.drop_table("poll_answers")
    with op.batch_alter_table("poll_options") as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_options_poll_id"))
    op.drop_table("poll_options")
    with op.batch_alter_table("polls") as batch_op:
        batch_op.drop_index(batch_op.f("ix_polls_session_id"))
    op.drop_table("polls")
