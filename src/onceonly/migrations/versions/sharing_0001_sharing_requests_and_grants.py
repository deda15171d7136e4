"""sharing: access requests and grants

Revision ID: sharing_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "sharing_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("sharing",)
depends_on: str | Sequence[str] | None = ("catalog_0001",)


def upgrade() -> None:
    op.create_table(
        "sharing_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("clear_fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("expires_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=120), nullable=False),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_sharing_grants_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_sharing_grants_resource_id_catalog_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_grants")),
    )
    with op.batch_alter_table("sharing_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sharing_grants_client_resource", ["client_id", "resource_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_grants_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "sharing_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("expected_volume", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                name="requeststatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("approved_fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_sharing_requests_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["departments.id"],
            name=op.f("fk_sharing_requests_consumer_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["sharing_grants.id"],
            name=op.f("fk_sharing_requests_grant_id_sharing_grants"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["departments.id"],
            name=op.f("fk_sharing_requests_provider_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_sharing_requests_resource_id_catalog_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_requests")),
    )
    with op.batch_alter_table("sharing_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_requests_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_requests_consumer_id"), ["consumer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_requests_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sharing_requests_resource_id"), ["resource_id"], unique=False
        )
        batch_op.create_index("ix_sharing_requests_status_due", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_requests")
    op.drop_table("sharing_grants")
