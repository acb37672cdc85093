"""An optional gender, asked once when a person joins a workplace, for the project's figures (totals only).

Revision ID: 0009
Revises: 0008
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("gender", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("gender")
