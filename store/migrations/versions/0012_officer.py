"""officers' side of complaints: the unit a ticket is passed to; an incident's source ticket

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

``tickets.assignee`` names the unit a complaint was passed to (转办), one of the units of
``handlers/complaints/data/process.toml`` [assign] or the words the officer used.
``incidents.ticket_id`` links an incident made from an urgent complaint ("T… 转为事件") to
its ticket; the ticket finds its incident through it (one link, read both ways).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("assignee", sa.String(length=64), server_default="", nullable=False))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.create_index("ix_incidents_ticket_id", ["ticket_id"], unique=False)
        batch.create_foreign_key(
            "fk_incidents_ticket_id_tickets", "tickets", ["ticket_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint("fk_incidents_ticket_id_tickets", type_="foreignkey")
        batch.drop_index("ix_incidents_ticket_id")
        batch.drop_column("ticket_id")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("assignee")
