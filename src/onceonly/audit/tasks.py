"""Scheduled work of the audit log: sequencing (normally the sequencer process or the
embedded thread does it; this is for a one-off run, e.g. after a bulk import with the
sequencer stopped) and signing a checkpoint now."""

from __future__ import annotations

from onceonly.audit.log import sequencer
from onceonly.core.db import Database
from onceonly.core.settings import Settings


def sequence_pending(db: Database, settings: Settings | None = None) -> int:
    """Sequence every waiting entry and sign a checkpoint of the result; returns how
    many entries were numbered."""
    return sequencer.sequence_all(db, settings)


STALLED_SECONDS = 30.0  # as readiness: a live sequencer takes entries within about a second


def catch_up(db: Database, settings: Settings) -> str:
    """The job runner's safety net: if entries have waited longer than a live sequencer
    would let them (none is running, or it is stuck), sequence them here."""
    with db.session() as session:
        behind = sequencer.lag(session)
    if behind.waiting == 0 or behind.oldest_wait_s < STALLED_SECONDS:
        return (
            f"{behind.waiting} waiting, oldest {behind.oldest_wait_s:.1f} s: the sequencer keeps up"
        )
    return f"sequencer stalled: sequenced {sequence_pending(db, settings)} waiting entries"
