"""Group-committed intake: concurrent appeals share transactions, a bad one fails alone,
and the audit chain stays whole."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from onceonly.appeals import service
from onceonly.appeals.intake import IntakeBatcher
from onceonly.appeals.models import Appeal
from onceonly.audit.verify import verify_log
from onceonly.core.actors import Actor
from onceonly.core.errors import NotFound

ACTOR = Actor("client", "1", "test client")


def _intake(n: int, code: str = "noise") -> service.Intake:
    return service.Intake(
        category_code=code,
        description=f"case {n}",
        channel="open311",
        lat=30.2,
        long=120.1,
        region_code="330105",
    )


def test_concurrent_appeals_share_commits(demo_db) -> None:  # type: ignore[no-untyped-def]
    with demo_db.session() as session:
        before = session.scalar(select(func.count()).select_from(Appeal)) or 0
    batcher = IntakeBatcher(demo_db)
    results: dict[int, object] = {}

    def send(n: int) -> None:
        try:
            results[n] = batcher.submit(_intake(n, "no-such" if n == 7 else "noise"), ACTOR)
        except Exception as exc:  # the one bad appeal
            results[n] = exc

    threads = [threading.Thread(target=send, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(results.pop(7), NotFound)
    ids = {r.appeal_id for r in results.values()}  # type: ignore[attr-defined]
    assert len(ids) == 23
    assert batcher.batches < 24 + 23  # some sharing happened (at worst: one retry round)
    with demo_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Appeal)) == before + 23
        stored = session.scalars(select(Appeal).where(Appeal.id.in_(ids))).all()
        assert {a.status for a in stored} == {"dispatched"}
        report = verify_log(session)
        assert report.ok, report.line()


def test_a_single_failure_is_the_callers(demo_db) -> None:  # type: ignore[no-untyped-def]
    batcher = IntakeBatcher(demo_db)
    with pytest.raises(NotFound):
        batcher.submit(_intake(1, "no-such"), ACTOR)
    assert batcher.submit(_intake(2), ACTOR).appeal_id > 0
