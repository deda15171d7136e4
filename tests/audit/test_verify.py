"""`verify` names the first entry that was altered, deleted, inserted, reordered or
rewritten, and a forged checkpoint; the CLI exits non-zero with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, select, update

from onceonly.audit import service as audit
from onceonly.audit.checkpoints import make_checkpoint
from onceonly.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from onceonly.audit.verify import verify_log
from onceonly.core.actors import Actor

ACTOR = Actor("user", "1", "tester")


def fill(db, n: int = 10) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        audit.record_many(
            session, [audit.Event(f"x.{i}", ACTOR, purpose=f"p{i}") for i in range(n)]
        )


def report(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return verify_log(session)


def test_intact_log_with_checkpoints_verifies(db) -> None:  # type: ignore[no-untyped-def]
    fill(db, 25)
    with db.session() as session:
        make_checkpoint(session)
    fill(db, 5)
    result = report(db)
    assert result.ok and result.checked == 30 and result.checkpoints == 1
    assert "30 entries verified" in result.line()


def test_altered(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(purpose="forged"))
    result = report(db)
    assert (result.ok, result.first_bad_seq, result.kind) == (False, 4, "altered")


def test_deleted_in_the_middle_and_at_the_end(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 7))
    assert (report(db).first_bad_seq, report(db).kind) == (7, "deleted")
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 7))
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (7, "deleted")


def test_deleted_then_renumbered(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 7))
        for seq in range(8, 11):  # close the gap, hashes left as they were
            session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (7, "deleted")
    with db.session() as session:  # now also redo each moved entry's own hash
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq >= 7)):
            _rechain(session, [entry])
        session.execute(update(AuditHead).values(seq=9))
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (7, "deleted")
    assert "no longer in the log" in result.problem


def _rechain(session, rows) -> None:  # type: ignore[no-untyped-def]
    """Rewrite `rows` (AuditEntry objects) as given, recomputing each own hash only."""
    for row in rows:
        row.hash = audit.chain_hash(row.prev_hash, row)
    session.flush()


def test_inserted(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        # Make room at 5 by moving 5..10 up one, then slip a forged entry in at 5.
        for seq in range(10, 4, -1):
            session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
        later = {e.seq: e for e in session.scalars(select(AuditEntry).where(AuditEntry.seq > 5))}
        for entry in later.values():  # each keeps its link; only its own hash is redone
            _rechain(session, [entry])
        fourth = session.get(AuditEntry, 4)
        forged = AuditEntry(
            seq=5, at=fourth.at, actor="user:9", actor_label="mallory", action="x.forged",
            object_type="", object_id="", purpose="", detail={}, prev_hash=fourth.hash,
        )  # fmt: skip
        session.add(forged)
        _rechain(session, [forged])
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (5, "inserted")


def test_reordered(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(seq=-5))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 6).values(seq=5))
        session.execute(update(AuditEntry).where(AuditEntry.seq == -5).values(seq=6))
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.seq.in_([5, 6]))):
            _rechain(session, [entry])
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (5, "reordered")


def test_rewritten_chain_is_caught_by_the_signed_checkpoint(db) -> None:  # type: ignore[no-untyped-def]
    fill(db, 12)
    with db.session() as session:
        make_checkpoint(session)
    with db.session() as session:
        # Forge entry 3 and recompute every hash after it: all links hold again.
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        entries[2].purpose = "forged"
        prev = entries[1].hash
        for entry in entries[2:]:
            entry.prev_hash = prev
            entry.hash = prev = audit.chain_hash(prev, entry)
        session.execute(update(AuditHead).values(hash=prev))
    result = report(db)
    assert (result.first_bad_seq, result.kind) == (12, "rewritten")


def test_forged_checkpoint_signature(db) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    with db.session() as session:
        make_checkpoint(session)
    with db.session() as session:
        session.execute(update(AuditCheckpoint).values(seq=9))
    result = report(db)
    assert result.kind == "signature" and not result.ok


def test_cli_verify_exit_codes_and_public_key(settings, db, client) -> None:  # type: ignore[no-untyped-def]
    fill(db)
    env = {
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "onceonly", "audit", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert client.get("/api/v1/audit/public-key").status_code == 404
    assert run("checkpoint").returncode == 0
    keys = client.get("/api/v1/audit/public-key").json()["keys"]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    assert client.get("/api/v1/audit/checkpoints").json()[0]["seq"] == 10
    ok = run("verify")
    assert ok.returncode == 0 and "10 entries verified, last checkpoint at entry 10" in ok.stderr
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(action="x.gone"))
    bad = run("verify")
    assert bad.returncode == 1 and "entry 3: altered" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert run("checkpoint", "--every", "3600").returncode == 0  # nothing due: still exit 0
    tail = run("verify", "--from", "5")
    assert tail.returncode == 0 and "6 entries verified (entries 5 on)" in tail.stderr
    wrong = run("export", "--subject", "110105194912310021")
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
