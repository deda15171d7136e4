"""federation: routed 跨省通办 cases, the items a node takes from each peer, and the
scheduled checks of peers' descriptors

Revision ID: fedrouted_0001
Revises: 0001
Create Date: 2026-12-04 20:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "fedrouted_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("fedrouted",)
depends_on: str | Sequence[str] | None = ("federation_0001", "services_0002")


def upgrade() -> None:
    op.create_table(
        "federation_routed_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("peer_node", sa.String(length=60), nullable=False),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
        sa.Column("remote_ref", sa.String(length=30), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("licence_type", sa.String(length=40), nullable=False),
        sa.Column("licence_serial", sa.String(length=40), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("created_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["service_applications.id"],
            name=op.f("fk_federation_routed_cases_application_id_service_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_cases.id"],
            name=op.f("fk_federation_routed_cases_case_id_service_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_routed_cases")),
        sa.UniqueConstraint(
            "direction", "peer_node", "case_ref",
            name=op.f("uq_federation_routed_cases_direction_peer_node_case_ref"),
        ),
    )  # fmt: skip
    with op.batch_alter_table("federation_routed_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_routed_cases_application_id"), ["application_id"]
        )
        batch_op.create_index(batch_op.f("ix_federation_routed_cases_state"), ["state"])
    op.create_table(
        "federation_case_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_node", sa.String(length=60), nullable=False),
        sa.Column("basic_code", sa.String(length=30), nullable=False),
        sa.Column("created_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_case_acceptances")),
        sa.UniqueConstraint(
            "peer_node",
            "basic_code",
            name=op.f("uq_federation_case_acceptances_peer_node_basic_code"),
        ),
    )

    op.create_table(
        "federation_peer_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_node", sa.String(length=60), nullable=False),
        sa.Column("checked_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("unpinned_key", sa.String(length=100), nullable=False),
        sa.Column("last_ok_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_peer_checks")),
        sa.UniqueConstraint("peer_node", name=op.f("uq_federation_peer_checks_peer_node")),
    )


def downgrade() -> None:
    op.drop_table("federation_peer_checks")
    op.drop_table("federation_case_acceptances")
    with op.batch_alter_table("federation_routed_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_routed_cases_state"))
        batch_op.drop_index(batch_op.f("ix_federation_routed_cases_application_id"))
    op.drop_table("federation_routed_cases")
