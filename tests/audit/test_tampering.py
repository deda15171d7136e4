"""Tampering as a database administrator could do it, on copies of a real log: each
scenario is named by full `verify` (held to the witness file), and those that rewrite
history are also caught by the consistency check from an earlier checkpoint. The CLI
exits 1 with one line naming the entry and what happened."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from onceonly.audit.checks.consistency import verify_from_checkpoint
from onceonly.audit.checks.verify import verify_log
from onceonly.audit.log import checkpoints
from onceonly.audit.models import AuditCheckpoint, AuditEntry, AuditLogState, AuditTreeNode
from onceonly.core.meta import set_meta
from tests.audit.conftest import fill, rebuild_tree

Tamper = Callable[[object], None]


def _edit(db, seq: int = 5) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(purpose="forged"))


def _delete(db, seq: int = 5) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == seq))


def _renumber_after(db, seq: int) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        for later in session.scalars(
            select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
        ):
            later.seq = later.seq - 1  # type: ignore[operator]
            session.flush()


def _swap(db, a: int = 5, b: int = 6) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == a).values(seq=-1))
        session.execute(update(AuditEntry).where(AuditEntry.seq == b).values(seq=a))
        session.execute(update(AuditEntry).where(AuditEntry.seq == -1).values(seq=b))


def _truncate(db, keep: int) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
        session.execute(delete(AuditTreeNode))
        session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size > keep))
    rebuild_tree(db)


def edited(db) -> None:  # type: ignore[no-untyped-def]
    _edit(db)


def edited_and_rehashed(db) -> None:  # type: ignore[no-untyped-def]
    _edit(db)
    rebuild_tree(db)


def subject_moved(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 7).values(subject_ref="f" * 64))


def deleted(db) -> None:  # type: ignore[no-untyped-def]
    _delete(db)


def deleted_and_renumbered(db) -> None:  # type: ignore[no-untyped-def]
    _delete(db)
    _renumber_after(db, 5)
    rebuild_tree(db)


def last_deleted_state_moved_back(db) -> None:  # type: ignore[no-untyped-def]
    _truncate(db, 29)


def truncated_with_its_checkpoints(db) -> None:  # type: ignore[no-untyped-def]
    _truncate(db, 22)


def checkpoints_deleted(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(delete(AuditCheckpoint))


def one_checkpoint_deleted(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size == 20))


def reordered(db) -> None:  # type: ignore[no-untyped-def]
    _swap(db)


def reordered_and_rehashed(db) -> None:  # type: ignore[no-untyped-def]
    _swap(db)
    rebuild_tree(db)


def inserted_and_rehashed(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        for later in session.scalars(
            select(AuditEntry).where(AuditEntry.seq > 4).order_by(AuditEntry.seq.desc())
        ):
            later.seq = later.seq + 1  # type: ignore[operator]
            session.flush()
        fourth = session.scalars(select(AuditEntry).where(AuditEntry.seq == 4)).one()
        session.add(
            AuditEntry(
                seq=5,
                at=fourth.at,
                actor="user:9",
                actor_label="forger",
                action="x.forged",
                purpose="",
                detail={},
            )
        )
    rebuild_tree(db)


def checkpoint_note_edited(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        first = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)).first()
        assert first is not None
        first.note = first.note.replace("\n20\n", "\n21\n")


def forged_key_added(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        records = checkpoints.key_records(session)
        forged = {**records[-1], "kid": "forged", "public": "A" * 43}
        set_meta(session, checkpoints.KEYS_META, [*records, forged])


def leaf_edited(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 10).values(leaf=b"\x00" * 32))


def state_root_edited(db) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.execute(update(AuditLogState).values(root=b"\x01" * 32))


def everything_after_witness_rewritten(db) -> None:  # type: ignore[no-untyped-def]
    _edit(db, 25)
    rebuild_tree(db)
    with db.session() as session:
        session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size > 20))


# scenario, what full verify names first, and which kept checkpoint (0: of 20, -1: of
# 30) the consistency check must catch it from (None: only full verify can)
SCENARIOS: list[tuple[Tamper, str, int | None]] = [
    (edited, "altered", None),
    (edited_and_rehashed, "rewritten", 0),
    (subject_moved, "altered", None),
    (deleted, "deleted", 0),
    (deleted_and_renumbered, "rewritten", 0),
    (last_deleted_state_moved_back, "checkpoint-missing", -1),
    (truncated_with_its_checkpoints, "checkpoint-missing", -1),
    (checkpoints_deleted, "checkpoint-missing", None),
    (one_checkpoint_deleted, "checkpoint-missing", None),
    (reordered, "reordered", None),
    (reordered_and_rehashed, "rewritten", 0),
    (inserted_and_rehashed, "rewritten", 0),
    (checkpoint_note_edited, "signature", None),
    (forged_key_added, "signature", None),
    (leaf_edited, "altered", None),
    (state_root_edited, "rewritten", 0),
    (everything_after_witness_rewritten, "checkpoint-missing", -1),
]


@pytest.fixture
def log(db, settings):  # type: ignore[no-untyped-def]
    """30 entries, checkpoints at 20 and 30, both in the witness file."""
    fill(db, 20, settings=settings)
    fill(db, 10, start=20, settings=settings)
    witness = checkpoints.witness_path(settings)
    assert len(checkpoints.witnessed(witness)) == 2
    return witness


def test_an_intact_log_verifies(db, settings, log: Path) -> None:  # type: ignore[no-untyped-def]
    report = verify_log(db, witness=log)
    assert report.ok, report.line()
    assert (report.checked, report.size, report.checkpoints, report.witnessed) == (30, 30, 2, 2)
    first = checkpoints.witnessed(log)[0]
    assert verify_from_checkpoint(db, first).ok


@pytest.mark.parametrize(("tamper", "kind", "kept"), SCENARIOS,
                         ids=[s[0].__name__ for s in SCENARIOS])  # fmt: skip
def test_tampering_is_named(db, log: Path, tamper: Tamper, kind: str, kept: int | None) -> None:  # type: ignore[no-untyped-def]
    auditors_copies = checkpoints.witnessed(log)  # what an auditor kept before the tampering
    tamper(db)
    report = verify_log(db, witness=log)
    assert not report.ok
    assert report.findings[0].kind == kind, report.line()
    if kept is not None:
        assert not verify_from_checkpoint(db, auditors_copies[kept]).ok


def test_consistency_check_sees_edits_after_the_kept_checkpoint(db, log: Path) -> None:  # type: ignore[no-untyped-def]
    kept = checkpoints.witnessed(log)[0]
    _edit(db, 25)
    result = verify_from_checkpoint(db, kept)
    assert [f.kind for f in result.findings] == ["altered"] and result.findings[0].seq == 25


def test_cli_exits_1_with_one_line(db, settings, log: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
    }
    run = [sys.executable, "-m", "onceonly", "audit", "verify"]
    ok = subprocess.run(run, capture_output=True, text=True, env=_env(env))
    assert ok.returncode == 0, ok.stderr
    assert "30 entries verified" in ok.stderr and "2 witnessed" in ok.stderr
    kept = tmp_path / "kept.txt"
    kept.write_text(checkpoints.witnessed(log)[0])
    deleted_and_renumbered(db)
    full = subprocess.run(run, capture_output=True, text=True, env=_env(env))
    assert full.returncode == 1 and "rewritten" in full.stderr
    consistency = subprocess.run([*run, "--from-checkpoint", str(kept)],
                                 capture_output=True, text=True, env=_env(env))  # fmt: skip
    assert consistency.returncode == 1 and "no longer extends" in consistency.stderr
    missing = subprocess.run([*run, "--from-checkpoint", str(tmp_path / "nope")],
                             capture_output=True, text=True, env=_env(env))  # fmt: skip
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}
