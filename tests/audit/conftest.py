"""Audit fixtures: the gateway fixture (real look-ups the log records) and helpers that
fill, sequence and tamper with a log the way a database administrator could."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from onceonly.audit import service as audit
from onceonly.audit.log import merkle
from onceonly.audit.log.sequencer import sequence_all
from onceonly.audit.models import AuditEntry, AuditLogState, AuditTreeNode
from onceonly.core.actors import Actor
from tests.exchange.conftest import gateway  # noqa: F401

ACTOR = Actor("user", "1", "tester")


def fill(db, n: int = 10, *, sequence: bool = True, start: int = 0, settings=None) -> None:  # type: ignore[no-untyped-def]
    """Record n entries (in one transaction) and, by default, sequence and sign them."""
    with db.session() as session:
        audit.record_many(
            session,
            [audit.Event(f"x.{i}", ACTOR, purpose=f"p{i}") for i in range(start, start + n)],
        )
    if sequence:
        sequence_all(db, settings)


def rebuild_tree(db) -> None:  # type: ignore[no-untyped-def]
    """What a careful attacker does after editing entries: recompute every leaf, every
    subtree and the state's root from the entries as they now are (they cannot sign)."""
    with db.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)
        ).all()
        leaves = [merkle.leaf_hash(audit.canonical(e)) for e in entries]
        for entry, leaf in zip(entries, leaves, strict=True):
            entry.leaf = leaf
        levels = merkle.build_levels(leaves)
        session.execute(delete(AuditTreeNode))
        rows = [
            {"level": level, "idx": idx, "hash": h}
            for level, nodes in enumerate(levels)
            for idx, h in enumerate(nodes)
            if level > 0
        ]
        if rows:
            session.execute(AuditTreeNode.__table__.insert(), rows)
        root = (
            merkle.range_hash(0, len(leaves), merkle.lookup_in(levels))
            if leaves
            else merkle.EMPTY_ROOT
        )
        session.execute(update(AuditLogState).values(size=len(leaves), root=root))
