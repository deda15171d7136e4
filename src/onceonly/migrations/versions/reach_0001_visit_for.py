"""reach: why an item's remaining trip is needed (a check in person, or collecting)

Revision ID: reach_0001
Revises: 0001
Create Date: 2026-12-04 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reach_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("reach",)
depends_on: str | Sequence[str] | None = ("services_0002",)


def upgrade() -> None:
    with op.batch_alter_table("service_items") as batch:
        batch.add_column(
            sa.Column(
                "visit_for",
                sa.Enum("check", "collection", name="visitfor", native_enum=False, length=30),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service_items") as batch:
        batch.drop_column("visit_for")
