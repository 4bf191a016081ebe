"""inbound messages: keyed by (channel, sender, MsgId); claims with a lease, a token and the message kept

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

A claim used to be a bare ``processing`` row: after a kill -9 nothing released it and WeChat's
retries got ``success`` for a message nobody processed. Claims now carry a fencing ``token``,
a ``lease_until`` renewed while the turn runs, an ``attempts`` count and the message itself
(``payload``) so that a retry or the recovery sweep can process it again. Rows from before
keep no token and no lease: a ``processing`` one counts as expired.

The unique key gains the sender: the same MsgId from another sender is another message.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_constraint("uq_inbound_messages_channel_key", type_="unique")
        batch.create_unique_constraint("uq_inbound_messages_channel_user_key", ["channel", "user_id", "msg_key"])
        batch.add_column(sa.Column("token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("lease_until", store.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.create_index("ix_inbound_messages_status_lease", ["status", "lease_until"])


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_index("ix_inbound_messages_status_lease")
        batch.drop_column("payload")
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
        batch.drop_column("token")
        batch.drop_constraint("uq_inbound_messages_channel_user_key", type_="unique")
        batch.create_unique_constraint("uq_inbound_messages_channel_key", ["channel", "msg_key"])
