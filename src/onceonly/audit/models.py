"""The audit log: entries, the Merkle tree the sequencer builds over them, its state and
its signed checkpoints.

A business transaction only INSERTs into `audit_entries` (no lock shared with anyone
else); the sequencer later gives each committed entry its `seq` and its leaf in the tree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, IntPk

# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    """One recorded action. `seq` is its place in the log (1-based; leaf `seq - 1` of
    the tree), empty until the sequencer has taken it."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_subject_at", "subject_ref", "at"),
        Index("ix_audit_action_at", "action", "at"),
        Index("uq_audit_entries_seq", "seq", unique=True),
        # The sequencer's queue: only the entries still waiting are in this index.
        Index(
            "ix_audit_pending",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
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
    # SHA-256(0x00 || canonical bytes): the entry's leaf in the tree, set with `seq`.
    leaf: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The hash chain of logs written before the tree (kept so that it still verifies).
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditTreeNode(Base):
    """A complete subtree above the leaves: level l ≥ 1 covers 2^l leaves (the leaves
    themselves are on their entries)."""

    __tablename__ = "audit_tree"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditLogState(Base):
    """The tree's size and root, one row. Only the sequencer writes it (never a business
    transaction), so locking it orders sequencers, not writers."""

    __tablename__ = "audit_log_state"

    id: Mapped[IntPk]
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    sequenced_at: Mapped[datetime | None]


class AuditCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note): origin, tree size and
    root, signed with the platform's Ed25519 key `key_id`."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[IntPk]
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text)


class AuditLegacyCheckpoint(Base):
    """A checkpoint of the hash chain that preceded the tree (before audit_0002)."""

    __tablename__ = "audit_legacy_checkpoints"

    id: Mapped[IntPk]
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(200))
