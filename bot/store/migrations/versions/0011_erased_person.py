"""Anonymous counts of deleted people, so that the project's figures already reported stay the same.

Revision ID: 0011
Revises: 0010
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("gender", sa.String(length=12), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erased_person")
