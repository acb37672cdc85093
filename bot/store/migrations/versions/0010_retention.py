"""When a person inactive for long was warned that their data will be deleted (the retention rule).

Revision ID: 0010
Revises: 0009
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("retention_warned_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("retention_warned_at")
