"""ops: the job runner's record of runs

Revision ID: ops_0001
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onceonly.core.db

revision: str = "ops_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("ops",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", onceonly.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("runner", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_job_runs")),
        sa.UniqueConstraint("job", "slot", name=op.f("uq_ops_job_runs_job_slot")),
    )
    op.create_index("ix_ops_job_runs_status_started_at", "ops_job_runs", ["status", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_ops_job_runs_status_started_at", table_name="ops_job_runs")
    op.drop_table("ops_job_runs")
