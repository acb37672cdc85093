"""When a person was last active (to the hour): the rule for people inactive while new courses fit them.

Revision ID: 0006
Revises: 0005
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("last_seen_at")
