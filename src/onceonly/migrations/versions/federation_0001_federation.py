"""federation

Revision ID: federation_0001
Revises: 0001
Create Date: 2026-12-04 17:29:53.697431
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "federation_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("federation",)
depends_on: str | Sequence[str] | None = ("sharing_0001",)


def upgrade() -> None:
    op.create_table(
        "federation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("peer_node", sa.String(length=60), nullable=False),
        sa.Column("resource_code", sa.String(length=60), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(length=60), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_messages")),
    )
    with op.batch_alter_table("federation_messages", schema=None) as batch_op:
        batch_op.create_index("ix_federation_messages_peer_at", ["peer_node", "at"], unique=False)

    op.create_table(
        "federation_node_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("sealed_private", sa.Text(), nullable=False),
        sa.Column("created_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_node_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_federation_node_keys_kid")),
    )
    op.create_table(
        "federation_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_node", sa.String(length=60), nullable=False),
        sa.Column("nonce", sa.String(length=80), nullable=False),
        sa.Column("expires_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_nonces")),
        sa.UniqueConstraint(
            "peer_node", "nonce", name=op.f("uq_federation_nonces_peer_node_nonce")
        ),
    )
    with op.batch_alter_table("federation_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_federation_nonces_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "federation_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=60), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_offers")),
        sa.UniqueConstraint("resource_code", name=op.f("uq_federation_offers_resource_code")),
    )
    op.create_table(
        "federation_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gateway_url", sa.String(length=300), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("descriptor", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("disabled_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_federation_peers_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_peers")),
        sa.UniqueConstraint("node_id", name=op.f("uq_federation_peers_node_id")),
    )


def downgrade() -> None:
    op.drop_table("federation_peers")
    op.drop_table("federation_offers")
    with op.batch_alter_table("federation_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_federation_nonces_expires_at"))

    op.drop_table("federation_nonces")
    op.drop_table("federation_node_keys")
    with op.batch_alter_table("federation_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_federation_messages_peer_at")

    op.drop_table("federation_messages")
