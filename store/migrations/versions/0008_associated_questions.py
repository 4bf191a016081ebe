"""associated questions: questions a passage answers (关联问题), tied by document file name and article label

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "associated_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("article", sa.String(length=255), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associated_questions")),
        sa.UniqueConstraint(
            "source_name", "article", "question", name=op.f("uq_associated_questions_passage_question")
        ),
    )
    op.create_index(op.f("ix_associated_questions_source_name"), "associated_questions", ["source_name"])


def downgrade() -> None:
    op.drop_index(op.f("ix_associated_questions_source_name"), table_name="associated_questions")
    op.drop_table("associated_questions")
