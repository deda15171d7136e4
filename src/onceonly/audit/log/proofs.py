"""Proofs served from the stored tree: inclusion (RFC 9162 §2.1.3) and consistency
(§2.1.4), and the bundle a citizen downloads to check one entry of their own.

A bundle holds everything needed to check it offline: the entry's bytes (the canonical
JSON its leaf hashes), its leaf index, the inclusion path to a signed checkpoint, the
checkpoint itself and the verifier key. `onceonly audit check-proof FILE` checks one, and
docs/audit.md shows the same check with nothing but hashlib and an Ed25519 library.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.log import checkpoints, merkle, notes
from onceonly.audit.log.sequencer import fetch_nodes
from onceonly.audit.models import AuditEntry, AuditLogState
from onceonly.audit.service import canonical
from onceonly.core.errors import Invalid, NotFound

BUNDLE_FORMAT = "onceonly-audit-proof/1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def tree_size(session: Session) -> int:
    state = session.get(AuditLogState, 1)
    return state.size if state is not None else 0


def _hashes(session: Session, ranges: list[tuple[int, int]]) -> list[bytes]:
    nodes = fetch_nodes(session, merkle.nodes_for(ranges))
    return merkle.hashes_for(ranges, nodes.__getitem__)


def _check_size(session: Session, size: int) -> None:
    have = tree_size(session)
    if not 1 <= size <= have:
        raise Invalid(f"tree_size must be between 1 and {have}", field="tree_size")


def inclusion_path(session: Session, leaf_index: int, size: int) -> list[bytes]:
    _check_size(session, size)
    if not 0 <= leaf_index < size:
        raise Invalid(f"leaf_index must be below tree_size ({size})", field="leaf_index")
    return _hashes(session, merkle.inclusion_ranges(leaf_index, size))


def consistency_path(session: Session, first: int, second: int) -> list[bytes]:
    _check_size(session, second)
    if not 1 <= first <= second:
        raise Invalid("first must be between 1 and second", field="first")
    return _hashes(session, merkle.consistency_ranges(first, second))


@dataclass(frozen=True)
class EntryProof:
    entry: AuditEntry
    bundle: dict[str, Any] | None  # None while no checkpoint covers the entry yet


def bundle_for(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """The entry's proof against the oldest checkpoint that covers it, or None."""
    if entry.seq is None:
        return None
    checkpoint = checkpoints.covering(session, entry.seq)
    if checkpoint is None:
        return None
    path = inclusion_path(session, entry.seq - 1, checkpoint.size)
    return {
        "format": BUNDLE_FORMAT,
        "entry": canonical(entry).decode(),
        "leaf_index": entry.seq - 1,
        "tree_size": checkpoint.size,
        "inclusion_path": [b64(h) for h in path],
        "checkpoint": checkpoint.note,
        "verifier_keys": [k.text() for k in checkpoints.verifier_keys(session)],
    }


def entry_for_subject(session: Session, entry_id: int, subject: str) -> AuditEntry:
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.id == entry_id, AuditEntry.subject_ref == subject)
    )
    if entry is None:
        raise NotFound("no such entry about you in the log", code="no-audit-entry")
    return entry


# Checking a bundle (the CLI and the tests use this; the docs show it without onceonly).


class ProofError(ValueError):
    pass


def check_bundle(
    bundle: dict[str, Any], keys: list[notes.VerifierKey] | None = None
) -> notes.Checkpoint:
    """The checkpoint the bundle's entry is proven in; ProofError saying what fails.
    Without `keys`, the keys in the bundle are trusted (get them from the platform's
    published keys or a witness to trust them independently)."""
    try:
        if bundle.get("format") != BUNDLE_FORMAT:
            raise ProofError(f"not a {BUNDLE_FORMAT} bundle")
        keys = keys or [notes.parse_verifier_key(k) for k in bundle["verifier_keys"]]
        checkpoint = notes.open_checkpoint(bundle["checkpoint"], keys)
        entry = bundle["entry"].encode()
        index, size = int(bundle["leaf_index"]), int(bundle["tree_size"])
        path = [base64.b64decode(h, validate=True) for h in bundle["inclusion_path"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"malformed bundle: {exc}") from None
    if checkpoint.size != size:
        raise ProofError("the bundle's tree size is not the checkpoint's")
    if json.loads(entry).get("seq") != index + 1:
        raise ProofError("the entry's number is not its leaf index + 1")
    if not merkle.verify_inclusion(index, size, merkle.leaf_hash(entry), path, checkpoint.root):
        raise ProofError("the entry is not in the tree of the signed checkpoint")
    return checkpoint
