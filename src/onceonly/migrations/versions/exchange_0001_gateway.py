"""exchange: rate-limit windows and call log

Revision ID: exchange_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "exchange_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("exchange",)
depends_on: str | Sequence[str] | None = ("sharing_0001",)


def upgrade() -> None:
    op.create_table(
        "exchange_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resource_code", sa.String(length=60), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_calls")),
    )
    with op.batch_alter_table("exchange_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_calls_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_exchange_calls_resource_at", ["resource_code", "at"], unique=False
        )

    op.create_table(
        "exchange_rate_windows",
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["sharing_grants.id"],
            name=op.f("fk_exchange_rate_windows_grant_id_sharing_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grant_id", "minute", name=op.f("pk_exchange_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("exchange_rate_windows")
    op.drop_table("exchange_calls")
