"""The course catalog (providers, occasions with topics and search terms, import runs) and sign-ups with their
history; organisations may require a manager's approval; a person's municipality for "near me".

Revision ID: 0004
Revises: 0003
Created: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("signup_approval", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("municipality_code", sa.String(length=4), nullable=True))
    op.create_table(
        "course_provider",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("identifier", sa.String(length=200), nullable=False, unique=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "course_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("identifier", sa.String(length=200), nullable=False, unique=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("course_identifier", sa.String(length=200), nullable=True),
        sa.Column("provider_id", sa.Integer(), sa.ForeignKey("course_provider.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=True, index=True),
        sa.Column("county_code", sa.String(length=2), nullable=True, index=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("study_mode", sa.String(length=10), nullable=False),
        sa.Column("pace", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("apply_from", sa.Date(), nullable=True),
        sa.Column("apply_until", sa.Date(), nullable=True),
        sa.Column("application_url", sa.String(length=500), nullable=True),
        sa.Column("application_instruction", sa.Text(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("last_edited", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "course_topic",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("course_event.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("topic", sa.String(length=20), primary_key=True),
    )
    op.create_index("ix_course_topic_topic", "course_topic", ["topic", "event_id"])
    op.create_table(
        "course_term",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("course_event.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("term", sa.String(length=40).with_variant(sa.String(length=40, collation="C"), "postgresql"),
                  primary_key=True),
    )
    op.create_index("ix_course_term_term", "course_term", ["term", "event_id"])
    op.create_table(
        "catalog_sync",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=500), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_since", sa.String(length=40), nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
    )
    op.create_table(
        "sign_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("course_event.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("approval", sa.String(length=20), nullable=True),
        sa.Column("shared_gap", sa.String(length=20), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "event_id"),
    )
    op.create_table(
        "sign_up_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sign_up_id", sa.Integer(), sa.ForeignKey("sign_up.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by_person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sign_up_step")
    op.drop_table("sign_up")
    op.drop_table("catalog_sync")
    op.drop_index("ix_course_term_term", table_name="course_term")
    op.drop_table("course_term")
    op.drop_index("ix_course_topic_topic", table_name="course_topic")
    op.drop_table("course_topic")
    op.drop_table("course_event")
    op.drop_table("course_provider")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("municipality_code")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("signup_approval")
