"""Key rotation keeps old checkpoints verifiable; a log written as a hash chain before
the transparency log still verifies after the migration, and its tree is built from it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import text

from onceonly.audit.checks.verify import verify_log
from onceonly.audit.log import checkpoints, notes
from onceonly.core.db import Database
from onceonly.core.migrate import upgrade
from tests.audit.conftest import fill


def test_rotation_keeps_old_checkpoints_verifiable(db, settings, client) -> None:  # type: ignore[no-untyped-def]
    fill(db, 5, settings=settings)
    with db.session() as session:
        old_note = checkpoints.latest(session).note  # type: ignore[union-attr]
        checkpoints.rotate_key(session)
    fill(db, 5, start=5, settings=settings)
    keys = [
        notes.parse_verifier_key(k) for k in client.get("/api/v1/audit/verifier-keys").text.split()
    ]
    assert len(keys) == 2
    assert len(client.get("/api/v1/audit/public-key").json()["keys"]) == 2
    with db.session() as session:
        new_note = checkpoints.latest(session).note  # type: ignore[union-attr]
    assert notes.open_checkpoint(old_note, keys).size == 5
    assert notes.open_checkpoint(new_note, keys).size == 10
    assert notes.open_checkpoint(new_note, keys[1:]).size == 10  # signed with the new key only
    assert verify_log(db, witness=checkpoints.witness_path(settings)).ok


def _legacy_hash(prev: str, body: dict[str, object]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev.encode() + canonical.encode()).hexdigest()


def test_a_hash_chain_log_migrates_and_still_verifies(backend) -> None:  # type: ignore[no-untyped-def]
    url = backend.new_url("legacy")
    db = Database(url)
    try:
        upgrade(db, "audit_0001")
        prev = "0" * 64
        with db.engine.begin() as conn:
            for seq in range(1, 8):
                at = datetime(2026, 11, 1, 9, seq, tzinfo=UTC)
                body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": "user:1",
                        "actor_label": "old", "department_id": None, "action": f"old.{seq}",
                        "object_type": "", "object_id": "", "subject_ref": None,
                        "purpose": "", "detail": {}}  # fmt: skip
                digest = _legacy_hash(prev, body)
                conn.execute(
                    text("INSERT INTO audit_entries (seq, at, actor, actor_label, action, "
                         "object_type, object_id, purpose, detail, prev_hash, hash) VALUES "
                         "(:seq, :at, 'user:1', 'old', :action, '', '', '', '{}', :prev, :hash)"),
                    {"seq": seq, "at": at, "action": f"old.{seq}", "prev": prev, "hash": digest},
                )  # fmt: skip
                prev = digest
            conn.execute(
                text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 7, :h)"), {"h": prev}
            )
        upgrade(db)
        fill(db, 3)  # new entries after the migration: numbered 8…10
        report = verify_log(db)
        assert report.ok and report.checked == 10 and report.size == 10, report.line()
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET action = 'old.x' WHERE seq = 3"))
        broken = verify_log(db)
        kinds = {f.kind for f in broken.findings}
        assert "chain" in kinds and "altered" in kinds
    finally:
        db.dispose()
        backend.drop(url)
