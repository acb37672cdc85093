"""The reminder outbox: one row per planned reminder, claimed by workers under a lease; a person's quiet hours
and shift pattern; the coordinators' follow-up list.

Revision ID: 0005
Revises: 0004
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("quiet_start", sa.Time(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.Time(), nullable=True))
        batch.add_column(sa.Column("shift", sa.String(length=10), nullable=True))
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by_person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="SET NULL"),
                  nullable=True),
    )
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=140), nullable=False, unique=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=60), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_nudge_state_due", "nudge", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_nudge_state_due", table_name="nudge")
    op.drop_table("nudge")
    op.drop_table("follow_up")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("shift")
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
