"""Scheduled work of the audit log: sequencing (normally the sequencer process or the
embedded thread does it; this is for a one-off run, e.g. after a bulk import with the
sequencer stopped) and signing a checkpoint now."""

from __future__ import annotations

from onceonly.audit import sequencer
from onceonly.core.db import Database
from onceonly.core.settings import Settings


def sequence_pending(db: Database, settings: Settings | None = None) -> int:
    """Sequence every waiting entry and sign a checkpoint of the result; returns how
    many entries were numbered."""
    return sequencer.sequence_all(db, settings)
