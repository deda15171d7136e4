"""The audit log in `/readyz`: the platform is not ready while its log is not taking
entries (a stopped or stuck sequencer), since every action is recorded there."""

from __future__ import annotations

from onceonly.audit.log.sequencer import lag
from onceonly.core.db import Database
from onceonly.core.health import NotReady, register_check
from onceonly.core.settings import Settings

MAX_WAIT_SECONDS = 30.0  # a live sequencer takes entries within about a second


def merge_delay(db: Database, settings: Settings) -> str:
    with db.session() as session:
        behind = lag(session)
    if behind.waiting and behind.oldest_wait_s > MAX_WAIT_SECONDS:
        raise NotReady(
            f"{behind.waiting} audit entries wait, the oldest for {behind.oldest_wait_s:.0f} s: "
            "is `onceonly audit sequencer` running?"
        )
    return f"tree of {behind.size}, {behind.waiting} waiting ({behind.oldest_wait_s:.1f} s)"


register_check("audit-merge-delay", merge_delay, critical=True)
