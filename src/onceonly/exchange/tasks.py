"""Scheduled work: drop finished rate-limit windows (`onceonly connectors prune`)."""

from __future__ import annotations

from onceonly.core.db import Database
from onceonly.exchange.gateway import ratelimit


def prune_windows(db: Database) -> int:
    with db.session() as session:
        return ratelimit.prune(session)
