"""The sequencer: gives committed entries their place in the log and in the tree.

Writers only insert entries (`seq` empty). A sequencer batch, in one transaction:
1. takes the sequencer lock: on PostgreSQL `pg_try_advisory_xact_lock` (a second
   sequencer skips the batch instead of waiting), on SQLite the write lock, taken by
   touching the state row first;
2. numbers up to `batch` waiting entries after the highest `seq`, in insertion order;
3. hashes the entries past the tree's size into leaves (`SHA-256(0x00 || entry)`),
   stores every subtree they complete, and moves the state row to the new size and root;
4. signs a checkpoint when the last one is older than the checkpoint interval.
Killed anywhere, the transaction rolls back whole: nothing is lost and nothing is
sequenced twice (`seq` is unique, and a batch only takes entries whose `seq` is empty).

A long-running sequencer (`run`) also holds a session-level advisory lock on PostgreSQL,
so exactly one is active however many processes start one; the others wait to take over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

from onceonly.audit.log import checkpoints, merkle
from onceonly.audit.models import AuditEntry, AuditLogState, AuditTreeNode
from onceonly.audit.service import ENTRY_FIELDS, canonical, canonical_of
from onceonly.core import metrics
from onceonly.core.db import Database, utcnow
from onceonly.core.settings import Settings, get_settings

log = logging.getLogger(__name__)
# PostgreSQL advisory lock keys: one batch at a time, and one leader among the loops.
LOCK_KEY = 0x6F6E6365_6F6E6C79 & 0x7FFFFFFFFFFFFFFF  # "onceonly", as a bigint
LEADER_KEY = LOCK_KEY - 1
ENTRIES = cast(Table, AuditEntry.__table__)
NODES = cast(Table, AuditTreeNode.__table__)


@dataclass(frozen=True)
class Batch:
    numbered: int  # entries that got their seq
    added: int  # leaves added to the tree
    size: int  # the tree's size after the batch
    oldest: datetime | None  # the oldest entry numbered (for the merge delay)
    checkpoint: str | None  # a checkpoint signed in this batch (its note)


# Locks ---------------------------------------------------------------------------------


def _take_batch_lock(session: Session) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        got = session.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar()
        if not got:
            return False
    # On SQLite this takes the write lock before anything is read, so the batch reads a
    # state no other writer can change under it; on PostgreSQL it locks the row.
    session.execute(
        update(AuditLogState).where(AuditLogState.id == 1).values(size=AuditLogState.size)
    )
    return True


# Tree ----------------------------------------------------------------------------------


def fetch_nodes(session: Session, wanted: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes: leaves (level 0) from their entries, subtrees from `audit_tree`."""
    found: dict[merkle.Node, bytes] = {}
    leaves = sorted(idx + 1 for level, idx in wanted if level == 0)
    inner = sorted(node for node in wanted if node[0] > 0)
    for start in range(0, len(leaves), 500):
        stored = session.execute(
            select(ENTRIES.c.seq, ENTRIES.c.leaf).where(
                ENTRIES.c.seq.in_(leaves[start : start + 500])
            )
        )
        found.update({(0, seq - 1): bytes(h) for seq, h in stored if h is not None})
    for start in range(0, len(inner), 500):
        rows = session.execute(
            select(NODES.c.level, NODES.c.idx, NODES.c.hash).where(
                tuple_(NODES.c.level, NODES.c.idx).in_(inner[start : start + 500])
            )
        )
        found.update({(level, idx): bytes(h) for level, idx, h in rows})
    return found


def _new_nodes(
    session: Session, start: int, leaves: Sequence[bytes]
) -> tuple[dict[merkle.Node, bytes], int]:
    """Every subtree completed by appending `leaves` at leaf index `start`."""
    end = start + len(leaves)
    new: dict[merkle.Node, bytes] = {(0, start + i): h for i, h in enumerate(leaves)}
    for level in range(1, 64):
        first, last = start >> level, end >> level  # the new nodes are first .. last-1
        if first >= last:
            break  # none at this level, so none above either
        left = (level - 1, 2 * first)
        if left not in new:  # the first new node's left half was complete before
            new.update(fetch_nodes(session, {left}))
        for i in range(first, last):
            new[(level, i)] = merkle.node_hash(new[(level - 1, 2 * i)], new[(level - 1, 2 * i + 1)])
    return new, end


def tree_root(session: Session, size: int, known: dict[merkle.Node, bytes] | None = None) -> bytes:
    """MTH of the first `size` leaves from the stored subtrees."""
    known = dict(known or {})
    missing = {n for n in merkle.root_nodes(size) if n not in known}
    known.update(fetch_nodes(session, missing))
    return merkle.range_hash(0, size, known.__getitem__)


class GapError(RuntimeError):
    """Entries the tree should take next are missing: the log was tampered with."""


LEAF_COLUMNS = [ENTRIES.c[name] for name in ENTRY_FIELDS if name != "seq"]


def _take_waiting(session: Session, top: int, limit: int) -> tuple[list[bytes], datetime | None]:
    """Number up to `limit` waiting entries after `top` (insertion order) and hash them:
    their seq and leaf are written in one statement."""
    waiting = session.execute(
        select(ENTRIES.c.id, *LEAF_COLUMNS)
        .where(ENTRIES.c.seq.is_(None))
        .order_by(ENTRIES.c.id)
        .limit(limit)
    ).all()
    seqs = list(range(top + 1, top + 1 + len(waiting)))
    leaves = [
        merkle.leaf_hash(canonical_of({**row._mapping, "seq": seq}))
        for seq, row in zip(seqs, waiting, strict=True)
    ]
    if waiting:
        _set_seq_and_leaf(session, [row.id for row in waiting], seqs, leaves)
    return leaves, min((row.at for row in waiting), default=None)


# PostgreSQL takes the whole batch as three arrays in one statement; one UPDATE a row
# (even pipelined) made the sequencer slower than a single writer.
PG_NUMBER = text(
    "UPDATE audit_entries AS e SET seq = v.seq, leaf = v.leaf FROM unnest("
    "CAST(:ids AS bigint[]), CAST(:seqs AS bigint[]), CAST(:leaves AS bytea[])) "
    "AS v(id, seq, leaf) WHERE e.id = v.id"
)
PG_NODES = text(
    "INSERT INTO audit_tree (level, idx, hash) SELECT * FROM unnest("
    "CAST(:levels AS smallint[]), CAST(:idxs AS bigint[]), CAST(:hashes AS bytea[]))"
)


def _set_seq_and_leaf(
    session: Session, ids: list[int], seqs: list[int], leaves: list[bytes]
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(PG_NUMBER, {"ids": ids, "seqs": seqs, "leaves": leaves})
        return
    session.execute(
        update(ENTRIES)
        .where(ENTRIES.c.id == bindparam("eid"))
        .values(seq=bindparam("eseq"), leaf=bindparam("eleaf")),
        [{"eid": i, "eseq": q, "eleaf": h} for i, q, h in zip(ids, seqs, leaves, strict=True)],
    )


def _hash_numbered(session: Session, size: int, limit: int) -> list[bytes]:
    """Entries numbered but not yet in the tree (a migrated hash-chain log): hash them."""
    rows = session.execute(
        select(ENTRIES.c.seq, *LEAF_COLUMNS)
        .where(ENTRIES.c.seq > size, ENTRIES.c.seq <= size + limit)
        .order_by(ENTRIES.c.seq)
    ).all()
    if rows and (rows[0].seq != size + 1 or rows[-1].seq != size + len(rows)):
        raise GapError(f"entries after {size} are not numbered {size + 1} on without a gap")
    leaves = [merkle.leaf_hash(canonical(row)) for row in rows]
    if rows:
        session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.seq == bindparam("eseq"))
            .values(leaf=bindparam("eleaf")),
            [{"eseq": row.seq, "eleaf": leaf} for row, leaf in zip(rows, leaves, strict=True)],
        )
    return leaves


def _grow_tree(session: Session, size: int, leaves: list[bytes]) -> tuple[int, bytes]:
    """Append the leaves at `size`: store the subtrees they complete; the new root."""
    new, end = _new_nodes(session, size, leaves)
    inner = [
        (level, idx, h)
        for (level, idx), h in new.items()
        if level > 0 and (idx + 1) << level > size
    ]  # not the halves fetched from before
    if inner and session.get_bind().dialect.name == "postgresql":
        levels, idxs, hashes = (list(column) for column in zip(*inner, strict=True))
        session.execute(PG_NODES, {"levels": levels, "idxs": idxs, "hashes": hashes})
    elif inner:
        session.execute(
            insert(AuditTreeNode), [{"level": lv, "idx": i, "hash": h} for lv, i, h in inner]
        )
    return end, tree_root(session, end, new)


def sequence_batch(
    session: Session, *, limit: int = 5000, checkpoint_every: float = 5.0
) -> Batch | None:
    """One batch in `session` (the caller commits); None if another sequencer holds it."""
    if not _take_batch_lock(session):
        return None
    state = session.get(AuditLogState, 1, with_for_update=True)
    if state is None:
        state = AuditLogState(id=1, size=0, root=merkle.EMPTY_ROOT)
        session.add(state)
        session.flush()
    top = session.execute(select(func.max(ENTRIES.c.seq))).scalar() or 0
    oldest = None
    if top > state.size:  # catch up on entries numbered before the tree existed
        leaves = _hash_numbered(session, state.size, limit)
        numbered = 0
    else:
        leaves, oldest = _take_waiting(session, top, limit)
        numbered = len(leaves)
    root = None
    if leaves:
        size, root = _grow_tree(session, state.size, leaves)
    else:
        size = state.size
    added = size - state.size
    note = None
    if root is not None:
        state.size, state.root, state.sequenced_at = size, root, utcnow()
        last = checkpoints.latest(session)
        due = last is None or (utcnow() - last.at).total_seconds() >= checkpoint_every
        if due and (last is None or last.size < size):
            note = checkpoints.sign_checkpoint(session, size, root).note
    session.flush()
    return Batch(numbered, added, size, oldest, note)


def sequence_once(db: Database, settings: Settings | None = None) -> Batch | None:
    """One batch in its own transaction; the checkpoint it signed goes to the witness."""
    settings = settings or get_settings()
    every = settings.audit_checkpoint_interval
    with db.session() as session:
        batch = sequence_batch(session, limit=settings.audit_batch, checkpoint_every=every)
    if batch is not None and batch.checkpoint:
        checkpoints.witness(batch.checkpoint, checkpoints.witness_path(settings))
    return batch


def sequence_all(db: Database, settings: Settings | None = None, *, checkpoint: bool = True) -> int:
    """Sequence until nothing waits (tests, the CLI's `--once`, the demo seeder); with
    `checkpoint`, the last batch signs a checkpoint whatever the interval."""
    total = 0
    while True:
        batch = sequence_once(db, settings)
        if batch is None:
            time.sleep(0.05)  # another sequencer is at work
            continue
        total += batch.numbered
        if batch.numbered == 0 and batch.added == 0:
            break
    if checkpoint:
        with db.session() as session:
            state = session.get(AuditLogState, 1)
            last = checkpoints.latest(session)
            note = None
            if state is not None and state.size and (last is None or last.size < state.size):
                note = checkpoints.sign_checkpoint(session, state.size, state.root).note
        if note:
            checkpoints.witness(note, checkpoints.witness_path(settings))
    return total


# Lag -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lag:
    waiting: int
    oldest_wait_s: float  # how long the oldest waiting entry has waited
    size: int
    sequenced_at: datetime | None


def lag(session: Session) -> Lag:
    waiting, oldest = session.execute(
        select(func.count(), func.min(ENTRIES.c.at)).where(ENTRIES.c.seq.is_(None))
    ).one()
    state = session.get(AuditLogState, 1)
    age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return Lag(
        int(waiting),
        max(age, 0.0),
        state.size if state else 0,
        state.sequenced_at if state else None,
    )


# The long-running loop -----------------------------------------------------------------


class Leadership:
    """On PostgreSQL, a session-level advisory lock on a connection of its own: held while
    this sequencer is the active one, released by the server if the process dies."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Connection | None = None

    def acquire(self) -> bool:
        if self.db.is_sqlite:
            return True  # SQLite's write lock orders batches; every sequencer may run
        if self.conn is None:
            self.conn = self.db.engine.connect()
        try:
            got = self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_KEY})
            self.conn.commit()
            return bool(got.scalar())
        except Exception:
            self.release()
            return False

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()  # closing the session ends its advisory locks
            finally:
                self.conn = None


def run(
    db: Database,
    settings: Settings | None = None,
    *,
    stop: threading.Event,
    on_batch: Callable[[Batch], Any] | None = None,
) -> None:
    """Sequence until `stop` is set: as the leader, poll every interval (at once again
    when a batch was full); as a follower, try to lead every second."""
    settings = settings or get_settings()
    leadership = Leadership(db)
    led = False
    try:
        while not stop.is_set():
            if not led:
                led = leadership.acquire()
                if not led:
                    stop.wait(1.0)
                    continue
                log.info("audit sequencer active")
            try:
                batch = sequence_once(db, settings)
            except GapError:
                log.exception("audit sequencer stopped: the log has a gap")
                raise
            except Exception:
                log.exception("audit sequencer batch failed; retrying")
                stop.wait(1.0)
                continue
            if batch is not None:
                _observe(batch)
                if on_batch is not None:
                    on_batch(batch)
            full = batch is not None and batch.numbered >= settings.audit_batch
            if not full:
                stop.wait(settings.audit_sequencer_interval)
    finally:
        leadership.release()


def _observe(batch: Batch) -> None:
    if batch.oldest is not None:
        metrics.AUDIT_MERGE_DELAY.observe(max((utcnow() - batch.oldest).total_seconds(), 0.0))


def start_embedded(db: Database, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """A sequencer thread inside an app process (the demo, a small deployment)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(db, settings), kwargs={"stop": stop}, name="audit-sequencer", daemon=True
    )
    thread.start()
    return thread, stop
