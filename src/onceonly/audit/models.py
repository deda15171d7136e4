"""The audit log: one append-only, hash-chained table and its head pointer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base


class AuditEntry(Base):
    """One recorded action. `hash` = SHA-256(prev_hash ‖ canonical JSON of the entry)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_subject_at", "subject_ref", "at"),
        Index("ix_audit_action_at", "action", "at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60), default="")
    object_id: Mapped[str] = mapped_column(String(120), default="")
    # Keyed hash of the person's ID number (never the number itself), for the tracker.
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's tip. Appenders lock this single row, which orders the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The chain's head at a moment, signed with the platform's Ed25519 key.

    Recomputing the whole chain after tampering keeps every link consistent; it cannot
    reproduce a signed checkpoint, which is how `verify` tells a rewritten log."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(200))  # base64url, Ed25519 over message()
