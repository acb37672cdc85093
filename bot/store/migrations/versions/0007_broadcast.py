"""Broadcasts of course offers: one row per offer; its recipients are rows in the outbox.

Revision ID: 0007
Revises: 0006
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("coordinator_person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("course_event.id", ondelete="SET NULL"), nullable=True),
        sa.Column("own_text", sa.Text(), nullable=True),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("broadcast")
