"""Verify the log: walk the chain in order and name the first thing wrong with it.

Kinds, in the order they are looked for at each entry:

- `altered`: the entry's content no longer matches its own hash;
- `deleted`: a sequence number is missing, entries are gone from the end, or the entry
  is chained to one that is no longer in the log (deleted, the rest renumbered);
- `inserted`: the entry is not chained to its predecessor, but the next one is — it was
  slipped in between;
- `reordered`: the entry is chained to one that comes later;
- `rewritten`: every link holds but a signed checkpoint says the chain's hash at that
  point was different — the chain was recomputed after tampering;
- `signature`: a checkpoint's signature does not verify with the platform's key.

Rows are read as plain tuples in keyset-paged batches, so memory stays flat and a
million entries take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from onceonly.audit.checkpoints import head_of, signature_ok
from onceonly.audit.models import AuditCheckpoint, AuditEntry
from onceonly.audit.service import GENESIS_HASH, chain_hash

BATCH = 10_000


@dataclass
class VerifyReport:
    checked: int
    ok: bool
    first_bad_seq: int | None = None
    kind: str = ""
    problem: str = ""
    checkpoints: int = 0
    start: int = 1
    last_checkpoint: tuple[int, datetime] | None = None

    def line(self) -> str:
        if not self.ok:
            return f"entry {self.first_bad_seq}: {self.kind} — {self.problem}"
        span = f" (entries {self.start:,} on)" if self.start > 1 else ""
        text = f"{self.checked:,} entries verified{span}"
        if self.last_checkpoint is None:
            return text + ", no signed checkpoint yet"
        seq, at = self.last_checkpoint
        when = at.isoformat(timespec="seconds")
        return (
            f"{text}, last checkpoint at entry {seq:,} ({when}), "
            f"{self.checkpoints} signed checkpoints"
        )


def _rows(session: Session, start: int) -> Iterator[Row[Any]]:
    table = AuditEntry.__table__
    last = start - 1
    while True:
        batch = session.execute(
            select(table).where(table.c.seq > last).order_by(table.c.seq).limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def _hash_at(row: Row[Any], seq: int) -> str:
    """The hash `row` would have under another sequence number."""
    return chain_hash(row.prev_hash, SimpleNamespace(**{**row._mapping, "seq": seq}))


def _hashes_of(row: Row[Any], former_seq: int) -> set[str]:
    """The hashes `row` has now and had at `former_seq`: an entry swapped with its
    neighbour had to be re-hashed under its new number, but the neighbour's link still
    holds the old hash."""
    return {row.hash, _hash_at(row, former_seq)}


def _bad(checked: int, seq: int, kind: str, problem: str) -> VerifyReport:
    return VerifyReport(checked, False, seq, kind, problem)


def _anchor(session: Session, start: int) -> tuple[str, int]:
    """The hash the entry at `start` must link to, and where the walk begins.

    From the beginning that is the genesis hash. From a later entry it is the stored
    hash of the one before; if that one's own content no longer matches, the walk
    begins there instead so that it is reported."""
    if start <= 1:
        return GENESIS_HASH, 1
    before = session.execute(
        select(AuditEntry.__table__).where(AuditEntry.seq == start - 1)
    ).first()
    if before is None:
        return GENESIS_HASH, 1  # nothing to anchor on: check from the start
    if chain_hash(before.prev_hash, before) != before.hash:
        return before.prev_hash, start - 1
    return before.hash, start


def verify_log(
    session: Session,
    *,
    start: int = 1,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Walk the chain from entry `start`; `progress(n)` is called every batch with the
    number of entries checked so far."""
    checkpoints = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).all()
    for checkpoint in checkpoints:
        if not signature_ok(session, checkpoint):
            return _bad(0, checkpoint.seq, "signature", "checkpoint signature does not verify")
    signed = {c.seq: c.hash for c in checkpoints}
    prev, expected = _anchor(session, start)
    before_prev: str | None = None
    checked = 0
    rows = _rows(session, expected)
    entry = next(rows, None)
    while entry is not None:
        following = next(rows, None)
        if chain_hash(entry.prev_hash, entry) != entry.hash:
            if (
                entry.seq == expected
                and entry.prev_hash != prev
                and (_hash_at(entry, entry.seq + 1) == entry.hash)
            ):
                problem = "an entry was removed and the rest renumbered"
                return _bad(checked, entry.seq, "deleted", problem)
            return _bad(checked, entry.seq, "altered", "its content does not match its hash")
        if entry.seq != expected:
            return _bad(checked, expected, "deleted", f"entries {expected}–{entry.seq - 1} missing")
        if entry.prev_hash != prev:
            if following is not None and entry.prev_hash in _hashes_of(following, entry.seq):
                return _bad(checked, entry.seq, "reordered", "chained to the entry after it")
            if following is not None and following.prev_hash == prev:
                return _bad(checked, entry.seq, "inserted", "not chained to the entry before it")
            if before_prev is not None and entry.prev_hash == before_prev:
                return _bad(checked, entry.seq - 1, "inserted", "the entry before was slipped in")
            return _bad(checked, entry.seq, "deleted", "chained to an entry no longer in the log")
        if entry.seq in signed and signed[entry.seq] != entry.hash:
            return _bad(checked, entry.seq, "rewritten", "differs from the signed checkpoint")
        before_prev, prev, expected, checked = prev, entry.hash, expected + 1, checked + 1
        if progress is not None and checked % BATCH == 0:
            progress(checked)
        entry = following
    last = expected - 1
    head_seq, head_hash = head_of(session)
    if head_seq > last:
        return _bad(checked, last + 1, "deleted", f"the log ends before its head ({head_seq})")
    if head_seq == last and head_hash != prev:
        return _bad(checked, last, "rewritten", "the last entry differs from the head")
    if checkpoints and checkpoints[-1].seq > last:
        return _bad(checked, last + 1, "deleted", "a signed checkpoint lies past the end")
    if progress is not None:
        progress(checked)
    latest = (checkpoints[-1].seq, checkpoints[-1].at) if checkpoints else None
    return VerifyReport(
        checked, True, checkpoints=len(checkpoints), start=start, last_checkpoint=latest
    )
