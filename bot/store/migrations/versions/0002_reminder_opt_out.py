"""A person's opt-out from reminders: stop means stop, in the store, for every sender.

Revision ID: 0002
Revises: 0001
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("reminders_stopped_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("reminders_stopped_at")
