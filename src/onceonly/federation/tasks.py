"""Scheduled work: drop the nonces of expired requests (`onceonly federation prune`).
A replay of one of them would be refused as expired anyway."""

from __future__ import annotations

from onceonly.core.db import Database
from onceonly.federation import service


def prune_nonces(db: Database) -> int:
    with db.session() as session:
        return service.forget_nonces(session)
