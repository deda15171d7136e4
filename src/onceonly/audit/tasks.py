"""Scheduled work: sign the chain's head now and then (`onceonly audit checkpoint`).

A checkpoint is only worth making when entries were appended since the last one; from
cron, `onceonly audit checkpoint --every 3600` run every few minutes signs at most
hourly and never an idle head twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from onceonly.audit.checkpoints import head_of, make_checkpoint
from onceonly.audit.models import AuditCheckpoint
from onceonly.core.db import Database, utcnow


def checkpoint_if_due(db: Database, *, min_interval: float = 0) -> AuditCheckpoint | None:
    """A new signed checkpoint, or None if the head has not moved since the last one or
    the last one is younger than `min_interval` seconds."""
    with db.session() as session:
        last = session.scalars(
            select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
        ).first()
        head_seq, _hash = head_of(session)
        if last is not None:
            if last.seq >= head_seq:
                return None
            if utcnow() - last.at < timedelta(seconds=min_interval):
                return None
        return make_checkpoint(session)
