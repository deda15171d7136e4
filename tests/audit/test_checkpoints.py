"""Checkpoints are made only when due; `verify --from N` checks the tail only, anchored
on the entry before; the last checkpoint is named in the report."""

from __future__ import annotations

from sqlalchemy import update

from onceonly.audit import tasks
from onceonly.audit.models import AuditEntry
from onceonly.audit.verify import verify_log
from tests.audit.test_verify import fill


def test_checkpoint_only_when_the_head_moved_and_the_interval_passed(db) -> None:  # type: ignore[no-untyped-def]
    fill(db, 3)
    first = tasks.checkpoint_if_due(db, min_interval=3600)
    assert first is not None and first.seq == 3
    assert tasks.checkpoint_if_due(db) is None  # the head has not moved
    fill(db, 2)
    assert tasks.checkpoint_if_due(db, min_interval=3600) is None  # too soon
    second = tasks.checkpoint_if_due(db, min_interval=0)
    assert second is not None and second.seq == 5
    with db.session() as session:
        result = verify_log(session)
    assert result.ok and result.checkpoints == 2 and result.last_checkpoint is not None
    assert "last checkpoint at entry 5" in result.line()


def test_verify_from_checks_the_tail_only(db) -> None:  # type: ignore[no-untyped-def]
    fill(db, 20)
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(purpose="forged"))
    with db.session() as session:
        tail = verify_log(session, start=11)
        assert tail.ok and tail.checked == 10 and "(entries 11 on)" in tail.line()
        # The anchor's own content is checked: starting at 5 finds entry 4 altered.
        anchored = verify_log(session, start=5)
        assert (anchored.ok, anchored.first_bad_seq, anchored.kind) == (False, 4, "altered")
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 15).values(purpose="forged"))
    with db.session() as session:
        result = verify_log(session, start=11)
    assert (result.ok, result.first_bad_seq, result.kind) == (False, 15, "altered")
