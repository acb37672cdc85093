"""Self-assessment and company analysis: a person's job role, company target profiles (versioned),
assessments with their answers and per-area results.

Revision ID: 0003
Revises: 0002
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("job_role", sa.String(length=40), nullable=True))
    op.create_table(
        "company_profile",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(),
                  sa.ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("targets", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.Integer(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("completed_by_person_id", sa.Integer(),
                  sa.ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
        sa.UniqueConstraint("organisation_id", "version"),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("job_role", sa.String(length=40), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_assessment_person_completed", "assessment", ["person_id", "completed_at"])
    op.create_table(
        "assessment_answer",
        sa.Column("assessment_id", sa.Integer(),
                  sa.ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("statement", sa.String(length=60), primary_key=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "area_result",
        sa.Column("assessment_id", sa.Integer(),
                  sa.ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("area", sa.String(length=20), primary_key=True),
        sa.Column("level", sa.Float(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("area_result")
    op.drop_table("assessment_answer")
    op.drop_index("ix_assessment_person_completed", table_name="assessment")
    op.drop_table("assessment")
    op.drop_table("company_profile")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("job_role")
