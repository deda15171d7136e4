"""Scheduled work: drop the nonces of expired requests (`onceonly federation prune`; a
replay of one of them would be refused as expired anyway); send routed cases and
their decisions (`onceonly federation cases`, the `federation.cases` job)."""

from __future__ import annotations

from onceonly.core.db import Database
from onceonly.federation import service
from onceonly.federation.cases import home, routed


def prune_nonces(db: Database) -> int:
    with db.session() as session:
        return service.forget_nonces(session)


def exchange_cases(db: Database) -> str:
    """Routed cases still to send, and decisions still to report back (each attempt is a
    fresh signed message; the HTTP calls hold no transaction open)."""
    sent = routed.send_pending(db)
    reported = home.report_decided(db)
    return f"cases sent: {sent or 'none'}; decisions reported: {reported or 'none'}"
