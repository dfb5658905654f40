"""Create the question log: questions, feedback, faq, guild_settings, reloads.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Types are spelled out rather than imported from geobot.questions.models so that this
revision keeps creating the same schema whatever the models become later. UTCDateTime is
a Python-side TypeDecorator over DateTime(timezone=True), so the DDL is the plain type.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("interaction_id", sa.BigInteger(), nullable=True),
        sa.Column("client_key", sa.String(length=36), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", TIMESTAMP, nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'dismissed')", name="ck_questions_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
        sa.UniqueConstraint("interaction_id", name="uq_questions_interaction_id"),
        sa.UniqueConstraint("client_key", name="uq_questions_client_key"),
        sqlite_autoincrement=True,  # never reuse a deleted question's id
    )
    op.create_index("ix_questions_created", "questions", ["created_at"])
    op.create_index("ix_questions_guild_created", "questions", ["guild_id", "created_at"])
    op.create_index(
        "ix_questions_guild_status_created", "questions", ["guild_id", "status", "created_at"]
    )
    op.create_index("ix_questions_user", "questions", ["user_id"])

    op.create_table(
        "feedback",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("question_id", ROW_ID, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name="fk_feedback_question", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("question_id", "user_id", name="uq_feedback_question_user"),
    )
    op.create_index("ix_feedback_user", "feedback", ["user_id"])

    op.create_table(
        "faq",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source_question_id", ROW_ID, nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_question_id"],
            ["questions.id"],
            name="fk_faq_source_question",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_faq"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_faq_guild", "faq", ["guild_id"])

    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("moderator_role_id", sa.BigInteger(), nullable=True),
        sa.Column("notify_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name="pk_guild_settings"),
    )

    op.create_table(
        "reloads",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("digest", sa.String(length=128), nullable=True),
        sa.Column("summary", JSON, nullable=True),
        sa.Column("errors", JSON, nullable=True),
        sa.Column("process", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reloads"),
    )
    op.create_index("ix_reloads_started", "reloads", ["started_at"])


def downgrade() -> None:
    op.drop_table("reloads")
    op.drop_table("guild_settings")
    op.drop_table("faq")
    op.drop_table("feedback")
    op.drop_table("questions")
