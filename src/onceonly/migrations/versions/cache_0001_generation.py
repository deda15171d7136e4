"""cache: one generation row that every change to cached rows bumps (issue 21)

Revision ID: cache_0001_generation
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cache_0001_generation"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("cache",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "cache_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("cache_generation")
