"""catalog fields: an English label and a code list

Revision ID: catalog_0003_i22
Revises: catalog_0002
Create Date: 2026-12-04 18:00:00

A field's description is its Chinese label; `description_en` is the English one, and
`codes` decodes a coded value for people (e.g. "F" → 女 / female), so pages label and
decode each resource's fields from the catalog instead of guessing by field name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_0003_i22"
down_revision: str | Sequence[str] | None = "catalog_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_resource_fields", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("description_en", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("codes", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("catalog_resource_fields", schema=None) as batch_op:
        batch_op.drop_column("codes")
        batch_op.drop_column("description_en")
