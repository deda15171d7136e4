"""Record actions in the audit log.

Every domain records through `record` (or `record_many` for bulk work) inside its own
transaction, so an action and its audit entry commit or roll back together. Recording
is a plain INSERT: no row is locked that another transaction needs, so writers in any
number of processes never queue behind each other. The sequencer (`audit.log.sequencer`)
later gives each committed entry its place in the log and in the Merkle tree.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from onceonly.audit.models import AuditEntry
from onceonly.core.actors import Actor
from onceonly.core.crypto import derive_key
from onceonly.core.db import utcnow
from onceonly.core.logs import audit_context
from onceonly.core.settings import get_settings

# The fields of an entry that its leaf hash covers, in the order they are written.
ENTRY_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_label",
    "department_id",
    "action",
    "object_type",
    "object_id",
    "subject_ref",
    "purpose",
    "detail",
)


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
    """The bytes of an entry that its leaf hashes: every field in `ENTRY_FIELDS` as
    sorted, compact JSON. `entry` is an AuditEntry or anything with its attribute names
    (a result row, when verifying). The same bytes are handed to a citizen with a proof."""
    return canonical_of({name: getattr(entry, name) for name in ENTRY_FIELDS})


def canonical_of(values: Mapping[str, Any]) -> bytes:
    """`canonical` of the entry's fields given as a mapping (extra keys are ignored)."""
    body = {name: values[name] for name in ENTRY_FIELDS}
    body["at"] = values["at"].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record(session: Session, event: Event) -> None:
    record_many(session, [event])


def record_many(session: Session, events: Iterable[Event]) -> int:
    """Insert the events as entries waiting to be sequenced; returns how many.

    One multi-row INSERT: building ORM objects and flushing them cost more than the
    rows themselves."""
    now = utcnow()
    context = audit_context()  # the request id, inside a request (to follow it in the logs)
    rows = [
        {
            "at": (event.at or now).astimezone(UTC),
            "actor": event.actor.ref(),
            "actor_label": event.actor.label,
            "department_id": event.actor.department_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": str(event.object_id),
            "subject_ref": subject_ref(event.subject_id_number)
            if event.subject_id_number
            else None,
            "purpose": event.purpose,
            "detail": {**context, **event.detail} if context else event.detail,
        }
        for event in events
    ]
    if rows:
        session.execute(insert(AuditEntry), rows)
    return len(rows)
