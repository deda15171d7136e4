"""users: when the password was last changed by its holder (issue 20)

Revision ID: accounts_0001
Revises: 0001
Create Date: 2026-12-04 21:00:00

None means the password is still the one an administrator or the demo set; with
`ONCEONLY_FORCE_PASSWORD_CHANGE` such an account must choose its own at sign-in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "accounts_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("accounts",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "password_changed_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
