"""The hash-chained audit log: appends verify; any change to an entry is found."""

from __future__ import annotations

from sqlalchemy import select, update

from onceonly.audit import service as audit
from onceonly.audit.models import AuditEntry
from onceonly.audit.verify import verify_log
from onceonly.core.actors import Actor

ACTOR = Actor("user", "1", "tester")


def test_chain_verifies_and_hides_id_numbers(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        audit.record(session, audit.Event("x.read", ACTOR, subject_id_number="11010519491231002X"))
        audit.record_many(session, [audit.Event(f"x.{i}", ACTOR) for i in range(20)])
    with db.session() as session:
        report = verify_log(session)
        assert report.ok and report.checked == 21
        first = session.get(AuditEntry, 1)
        assert first.subject_ref == audit.subject_ref("11010519491231002X")
        assert "11010519491231002X" not in repr(first.detail) + str(first.subject_ref)


def test_altered_and_deleted_entries_are_named(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        audit.record_many(session, [audit.Event(f"x.{i}", ACTOR) for i in range(10)])
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(purpose="forged"))
    with db.session() as session:
        report = verify_log(session)
        assert not report.ok and report.first_bad_seq == 4 and report.kind == "altered"
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(purpose=""))
        session.delete(session.get(AuditEntry, 7))
    with db.session() as session:
        report = verify_log(session)
        assert not report.ok and report.first_bad_seq == 7 and report.kind == "deleted"


def test_concurrent_appenders_keep_one_chain(db) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    with db.session() as session:
        audit.record(session, audit.Event("genesis", ACTOR))

    def append(worker: int) -> None:
        for i in range(15):
            with db.session() as session:
                session.execute(select(AuditEntry.seq).limit(1)).all()  # read first, then write
                audit.record(session, audit.Event(f"w{worker}.{i}", ACTOR))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append, range(4)))
    with db.session() as session:
        report = verify_log(session)
    assert report.ok, report.problem
    assert report.checked == 61
