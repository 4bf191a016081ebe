"""kept photos (media_files) and the officer's approval to publish a ticket's place (tickets.place_public)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Issue 16 item 5: a photo sent with a complaint or an incident is downloaded while WeChat keeps it
(3 days) and stored with the record; ``media_files`` is the durable queue and the index of the
stored files. Issue 15 item 5: Open311 publishes the place as the citizen typed it only after an
officer approved it (``place_public``); existing tickets stay unpublished.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("place_public", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("owner_number", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("media_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("lease_until", store.types.UTCDateTime(), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("stored_at", store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
        sa.UniqueConstraint("owner", "owner_number", "media_id", name="uq_media_files_owner_media"),
    )
    with op.batch_alter_table("media_files") as batch:
        batch.create_index(batch.f("ix_media_files_owner_number"), ["owner_number"], unique=False)
        batch.create_index(batch.f("ix_media_files_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_files") as batch:
        batch.drop_index(batch.f("ix_media_files_status"))
        batch.drop_index(batch.f("ix_media_files_owner_number"))
    op.drop_table("media_files")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("place_public")
