"""The reload bus: requests every process follows, process heartbeats, results by request.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reload_requests",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("process", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reload_requests"),
    )
    op.create_table(
        "bot_processes",
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("shard_ids", sa.String(length=256), nullable=True),
        sa.Column("digest", sa.String(length=128), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("label", name="pk_bot_processes"),
    )
    with op.batch_alter_table("reloads") as batch:
        batch.add_column(sa.Column("request_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_reloads_request_id", ["request_id"])


def downgrade() -> None:
    with op.batch_alter_table("reloads") as batch:
        batch.drop_index("ix_reloads_request_id")
        batch.drop_column("request_id")
    op.drop_table("bot_processes")
    op.drop_table("reload_requests")
