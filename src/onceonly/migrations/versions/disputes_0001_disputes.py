"""disputes: data correction (数据纠错) of fetched application materials

Revision ID: disputes_0001
Revises: 0001
Create Date: 2026-12-04 20:35:12.701767
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "disputes_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("disputes",)
depends_on: str | Sequence[str] | None = ("services_0002",)


def upgrade() -> None:
    op.create_table(
        "data_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("material_key", sa.String(length=60), nullable=False),
        sa.Column("material_name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "corrected", "refused", name="disputestatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("opened_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_data_disputes_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["service_applications.id"],
            name=op.f("fk_data_disputes_application_id_service_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_data_disputes_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_data_disputes_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_disputes")),
    )
    with op.batch_alter_table("data_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_disputes_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            "ix_data_disputes_department_status", ["department_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_data_disputes_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_disputes_person_id"))
        batch_op.drop_index("ix_data_disputes_department_status")
        batch_op.drop_index(batch_op.f("ix_data_disputes_application_id"))
    op.drop_table("data_disputes")
