"""core.cache: entries live until a watched row changes, in this process or another."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onceonly.core.cache import SharedCache, generation
from onceonly.identity.models import Client


def test_a_changed_client_drops_every_cached_entry(demo_db) -> None:  # type: ignore[no-untyped-def]
    cache: SharedCache[str] = SharedCache()
    with demo_db.session() as session:
        assert cache.get(session, "k", lambda: "first") == "first"
    with demo_db.session() as session:
        assert cache.get(session, "k", lambda: "second") == "first"  # nothing changed
        before = generation(session)
    with demo_db.session() as session:
        client = session.scalar(select(Client).limit(1))
        client.name += " (renamed)"
    with demo_db.session() as session:
        assert generation(session) == (before or 0) + 1
        assert cache.get(session, "k", lambda: "third") == "third"


def test_what_fails_to_load_is_not_cached(demo_db) -> None:  # type: ignore[no-untyped-def]
    cache: SharedCache[str] = SharedCache()

    def missing() -> str:
        raise LookupError("no such row")

    with demo_db.session() as session:
        for _attempt in range(2):
            with pytest.raises(LookupError):
                cache.get(session, "k", missing)
        assert cache.get(session, "k", lambda: "found") == "found"
