"""materials: the citizen's material store (材料复用)

Revision ID: materials_0001
Revises: 0001
Create Date: 2026-12-04 20:35:12.701767
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "materials_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("materials",)
depends_on: str | Sequence[str] | None = ("services_0002",)


def upgrade() -> None:
    op.create_table(
        "citizen_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("owner_code", sa.String(length=18), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=30), nullable=False),
        sa.Column("given_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_citizen_materials_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_materials")),
    )
    with op.batch_alter_table("citizen_materials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_citizen_materials_owner_key", ["person_id", "owner_code", "key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen_materials", schema=None) as batch_op:
        batch_op.drop_index("ix_citizen_materials_owner_key")
    op.drop_table("citizen_materials")
