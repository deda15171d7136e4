"""appeals: a "public" choice; appeals about a person are private unless they say so (issue 20)

Revision ID: appeals_0002_i20
Revises: appeals_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "appeals_0002_i20"
down_revision: str | Sequence[str] | None = "appeals_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(
            sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    # Appeals filed about a person before there was a choice: private.
    op.execute(sa.text("UPDATE appeals SET public = false WHERE person_id IS NOT NULL"))


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("public")
