"""What the job runner did: one row per run of a job (and per slot, for periodic jobs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, FreeText, IntPk, Timestamp

RUNNING, DONE, FAILED = "running", "done", "failed"


class JobRun(Base):
    """A run of a background job. A periodic job's `slot` is its scheduled minute, and
    (job, slot) is unique: however many runners the schedule fires in, one row wins and
    only its holder runs the job. A retry takes the same row over."""

    __tablename__ = "ops_job_runs"
    __table_args__ = (
        UniqueConstraint("job", "slot"),
        Index("ix_ops_job_runs_status_started_at", "status", "started_at"),
    )

    id: Mapped[IntPk]
    job: Mapped[str] = mapped_column(String(60))
    slot: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=RUNNING)
    attempts: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None]
    result: Mapped[FreeText]
    error: Mapped[FreeText]
    runner: Mapped[str] = mapped_column(String(80), default="")
