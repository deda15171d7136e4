"""Append to and verify the hash-chained audit log.

Every domain records through `record` (or `record_many` for bulk work) inside its own
transaction, so an action and its audit entry commit or roll back together. Appenders
take the head row's lock, which serialises the chain; record as late as possible in a
transaction to hold it briefly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from onceonly.audit.models import AuditEntry, AuditHead
from onceonly.core.actors import Actor
from onceonly.core.crypto import derive_key
from onceonly.core.db import utcnow
from onceonly.core.settings import get_settings

GENESIS_HASH = "0" * 64


@dataclass
class Event:
    """An action to record; `subject_id_number` is hashed before it is stored."""

    action: str
    actor: Actor
    object_type: str = ""
    object_id: str = ""
    subject_id_number: str | None = None
    purpose: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def subject_ref(id_number: str) -> str:
    """The keyed hash under which a person's entries are filed (HMAC, platform secret)."""
    key = _subject_key(get_settings().master_key_bytes())
    return hmac.new(key, id_number.upper().encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _subject_key(master_key: bytes) -> bytes:
    # Derived once per master key: HKDF on every entry cost as much as the hashing.
    return derive_key(master_key, "keyed-hash:audit-subject")


def canonical(entry: Any) -> bytes:
    """The bytes that are hashed: every field but the hashes, in a fixed form. `entry` is
    an AuditEntry or anything with its attribute names (a result row, when verifying)."""
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "actor_label": entry.actor_label,
        "department_id": entry.department_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "subject_ref": entry.subject_ref,
        "purpose": entry.purpose,
        "detail": entry.detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, entry: Any) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(entry)).hexdigest()


def lock_head(session: Session) -> AuditHead:
    # A no-op UPDATE takes the write lock on both backends before the head is read:
    # SQLite ignores FOR UPDATE and would otherwise read the head outside the write
    # transaction, letting two appenders claim the same sequence number.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


def record(session: Session, event: Event) -> None:
    record_many(session, [event])


def record_many(session: Session, events: Iterable[Event]) -> int:
    """Append events in order under one lock of the head; returns how many.

    Rows go in with one multi-row INSERT: building ORM objects and flushing them cost
    more than hashing the chain."""
    head = lock_head(session)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    seq, prev = head.seq, head.hash
    for event in events:
        seq += 1
        row = SimpleNamespace(
            seq=seq,
            at=(event.at or now).astimezone(UTC),
            actor=event.actor.ref(),
            actor_label=event.actor.label,
            department_id=event.actor.department_id,
            action=event.action,
            object_type=event.object_type,
            object_id=str(event.object_id),
            subject_ref=subject_ref(event.subject_id_number) if event.subject_id_number else None,
            purpose=event.purpose,
            detail=event.detail,
            prev_hash=prev,
        )
        row.hash = prev = chain_hash(prev, row)
        rows.append(vars(row))
    if rows:
        session.execute(insert(AuditEntry), rows)
        head.seq, head.hash = seq, prev
        session.flush()
    return len(rows)
