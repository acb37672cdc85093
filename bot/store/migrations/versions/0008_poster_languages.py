"""The languages an organisation wants on its invite poster, beside Swedish.

Revision ID: 0008
Revises: 0007
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("poster_languages", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("poster_languages")
