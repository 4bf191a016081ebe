"""callback_nonces: signed (signature, timestamp, nonce) triples remembered for the timestamp window

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02

A signed query string replayed within 300 s with another body used to be accepted (in plaintext
mode the body is not covered by the signature). The triples seen are now kept, with a digest of
the body, until their timestamp's window ends; a replay with another body is refused.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.String(length=20), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_nonces")),
        sa.UniqueConstraint("channel", "signature", "timestamp", "nonce", name="uq_callback_nonces_triple"),
    )
    op.create_index("ix_callback_nonces_expires_at", "callback_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_nonces_expires_at", table_name="callback_nonces")
    op.drop_table("callback_nonces")
