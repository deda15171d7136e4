"""Check the log against a checkpoint kept from before, without re-hashing all of it.

An auditor who kept a signed checkpoint (from the API, a witness file or a report) asks:
does today's log still extend it? The answer is a consistency proof (RFC 9162 §2.1.4)
from the stored tree between the kept checkpoint and the newest one, checked with the
RFC's algorithm, plus two cheap looks at the entries: none is missing below the tree's
size, and those added since the kept checkpoint still hash to their leaves. Cost: a few
dozen node reads and the entries added since, whatever the log's size.

What it cannot see: an entry from before the kept checkpoint edited in place without
recomputing the tree. Proofs would still verify for that place (they are made from the
stored tree), but the entry no longer hashes to its leaf: full `verify` and the
citizen's own proof check both catch it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.audit.checks.verify import VerifyReport, scan
from onceonly.audit.log import checkpoints, merkle, notes, proofs
from onceonly.audit.log.sequencer import tree_root
from onceonly.audit.models import AuditEntry, AuditLogState
from onceonly.core.db import Database

ENTRIES = AuditEntry.__table__


def verify_from_checkpoint(
    db: Database, note: str, trusted: list[notes.VerifierKey] | None = None
) -> VerifyReport:
    """`trusted`: the verifier keys to hold the checkpoints to (default: the platform's)."""
    report = VerifyReport()
    with db.session() as session:
        keys = trusted or checkpoints.verifier_keys(session)
        try:
            old = notes.open_checkpoint(note, keys)
        except notes.NoteError as exc:
            report.add("signature", 0, f"the kept checkpoint: {exc}")
            return report
        state = session.get(AuditLogState, 1)
        size, root = (state.size, state.root) if state else (0, merkle.EMPTY_ROOT)
        report.size = size
        if size < old.size:
            problem = f"the log is smaller ({size:,}) than the kept checkpoint ({old.size:,})"
            report.add("truncated", size + 1, problem)
            return report
        if not _extends(session, old.size, old.root, size, root):
            problem = (
                f"the log no longer extends the kept checkpoint of {old.size:,}: "
                "entries before it were changed and the tree recomputed"
            )
            report.add("rewritten", 1, problem)
            return report
        if tree_root(session, size) != root:
            report.add("rewritten", size, "the stored tree does not give the recorded root")
        _check_latest(session, report, keys, old, size, root)
        count, top = session.execute(
            select(func.count(), func.max(ENTRIES.c.seq)).where(ENTRIES.c.seq <= size)
        ).one()
        if count != size or (top or 0) != size:
            report.add("deleted", 0, f"{size - count:,} of the tree's {size:,} entries are missing")
    added = scan(db.engine.url.render_as_string(hide_password=False), old.size + 1, size)
    for expected, found in added.gaps:
        report.add("deleted", expected, f"entries {expected}–{found - 1} are missing")
    for seq, _data, _leaf in added.mismatches:
        report.add("altered", seq, "its content no longer matches its leaf in the tree")
    report.checked = len(added.leaves) // 32
    return report


def _extends(session: Session, first: int, first_root: bytes, second: int, root: bytes) -> bool:
    path = proofs.consistency_path(session, first, second) if first else []
    return merkle.verify_consistency(first, second, first_root, root, path)


def _check_latest(
    session: Session,
    report: VerifyReport,
    keys: list[notes.VerifierKey],
    old: notes.Checkpoint,
    size: int,
    root: bytes,
) -> None:
    """The newest signed checkpoint must be at least the kept one, and the tree must
    extend it too."""
    latest = checkpoints.latest(session)
    if latest is None or latest.size < old.size:
        report.add("checkpoint-missing", old.size, "newer checkpoints are gone from the database")
        return
    report.checkpoints = 2
    report.latest = (latest.size, latest.at.isoformat(timespec="seconds"))
    try:
        new = notes.open_checkpoint(latest.note, keys)
    except notes.NoteError as exc:
        report.add("signature", latest.size, f"the newest checkpoint: {exc}")
        return
    if new.size > size:
        report.add("truncated", size + 1, f"the log ends before its checkpoint of {new.size:,}")
    elif not _extends(session, new.size, new.root, size, root):
        report.add("rewritten", 1, "the tree does not extend the newest signed checkpoint")
