"""Verify the log: every entry against its leaf, the tree against every signed and
witnessed checkpoint, and the hash chain of the entries written before the tree.

What a report can name (`Finding.kind`):
- `altered`: an entry's content no longer hashes to its leaf (edited in place);
- `reordered`: two entries hash to each other's leaves (their places were swapped);
- `deleted`: numbers are missing inside the log;
- `truncated`: the log ends before a checkpoint's or the tree's size;
- `rewritten`: entries and tree agree with each other but not with a signed checkpoint:
  the range was edited and the tree recomputed after the checkpoint was signed;
- `checkpoint-missing`: a witnessed checkpoint is no longer in the database;
- `signature`: a checkpoint or a key does not verify;
- `chain`: the hash chain of the entries from before the tree is broken.

Full verification streams the entries in ranges over worker processes (each with its
own connection), so a million entries take seconds. `verify_from_checkpoint` checks that
the log still extends an earlier checkpoint with a consistency proof and re-hashes only
the entries added since.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onceonly.audit.log import checkpoints, merkle, notes
from onceonly.audit.models import (
    AuditCheckpoint,
    AuditEntry,
    AuditLegacyCheckpoint,
    AuditLogState,
)
from onceonly.audit.service import ENTRY_FIELDS, canonical
from onceonly.core.crypto import unseal
from onceonly.core.db import Database
from onceonly.core.meta import get_meta
from onceonly.core.settings import get_settings

ENTRIES = AuditEntry.__table__
GENESIS_HASH = "0" * 64  # what the first entry of the old hash chain links to
PARALLEL_FROM = 40_000  # smaller logs are checked in this process
READ_BATCH = 5_000
MAX_FINDINGS = 20


@dataclass(frozen=True)
class Finding:
    kind: str
    seq: int
    problem: str

    def line(self) -> str:
        return f"entry {self.seq}: {self.kind} — {self.problem}"


@dataclass
class VerifyReport:
    checked: int = 0
    size: int = 0
    checkpoints: int = 0
    witnessed: int = 0
    findings: list[Finding] = field(default_factory=list)
    latest: tuple[int, str] | None = None  # (size, time) of the newest checkpoint

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, seq: int, problem: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, seq, problem))

    def line(self) -> str:
        if self.findings:
            more = len(self.findings) - 1
            return self.findings[0].line() + (f" (and {more} more findings)" if more else "")
        text = f"{self.checked:,} entries verified, tree of {self.size:,}"
        if self.latest is None:
            return text + ", no signed checkpoint yet"
        witnessed = f", {self.witnessed} witnessed" if self.witnessed else ""
        size, when = self.latest
        return (
            f"{text}, {self.checkpoints} signed checkpoints{witnessed}, last at {size:,} ({when})"
        )


# Scanning entries (in worker processes) ------------------------------------------------


@dataclass
class Scan:
    leaves: bytes = b""  # the recomputed leaves, 32 bytes each, in seq order
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (expected, found)
    mismatches: list[tuple[int, str, bytes]] = field(default_factory=list)
    chain: list[Finding] = field(default_factory=list)
    chain_ends: tuple[str | None, str | None] = (None, None)  # first prev, last hash
    last_seq: int = 0


def _chain_hash(prev: str, row: Any) -> str:
    return hashlib.sha256(prev.encode() + canonical(row)).hexdigest()


def scan(url: str, lo: int, hi: int) -> Scan:
    """Entries numbered lo..hi: recompute each leaf, compare it with the stored one,
    note gaps, and check the old chain's links inside the range."""
    db = Database(url)
    out, leaves = Scan(), bytearray()
    expected, prev = lo, None
    columns = [*(ENTRIES.c[n] for n in ENTRY_FIELDS), ENTRIES.c.leaf, ENTRIES.c.prev_hash,
               ENTRIES.c.hash]  # fmt: skip
    try:
        with db.engine.connect() as conn:
            for start in range(lo, hi + 1, READ_BATCH):
                stop = min(start + READ_BATCH, hi + 1)
                rows = conn.execute(
                    select(*columns)
                    .where(ENTRIES.c.seq >= start, ENTRIES.c.seq < stop)
                    .order_by(ENTRIES.c.seq)
                )
                for row in rows:
                    if row.seq != expected:
                        out.gaps.append((expected, row.seq))
                    expected = row.seq + 1
                    data = canonical(row)
                    leaf = hashlib.sha256(b"\x00" + data).digest()
                    leaves += leaf
                    stored = bytes(row.leaf) if row.leaf is not None else leaf
                    if stored != leaf and len(out.mismatches) < 1000:
                        out.mismatches.append((row.seq, data.decode(), bytes(row.leaf)))
                    if row.hash is not None:
                        prev = _check_chain_row(out, row, prev)
    finally:
        db.dispose()
    out.leaves, out.last_seq = bytes(leaves), expected - 1
    return out


def _check_chain_row(out: Scan, row: Any, prev: str | None) -> str:
    first, _ = out.chain_ends
    if first is None:
        out.chain_ends = (row.prev_hash, None)
    elif row.prev_hash != prev and len(out.chain) < MAX_FINDINGS:
        out.chain.append(Finding("chain", row.seq, "not linked to the entry before it"))
    if _chain_hash(row.prev_hash or "", row) != row.hash and len(out.chain) < MAX_FINDINGS:
        out.chain.append(Finding("chain", row.seq, "its content does not match its chain hash"))
    out.chain_ends = (out.chain_ends[0], row.hash)
    return str(row.hash)


def _ranges(top: int, parts: int) -> list[tuple[int, int]]:
    step = max(1, -(-top // parts))
    return [(lo, min(lo + step - 1, top)) for lo in range(1, top + 1, step)]


def _scan_all(
    url: str, top: int, workers: int, progress: Callable[[int], None] | None
) -> list[Scan]:
    if top < PARALLEL_FROM or workers <= 1:
        return [scan(url, 1, top)] if top else []
    ranges = _ranges(top, workers * 4)
    results: list[Scan] = []
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        los, his = [lo for lo, _ in ranges], [hi for _, hi in ranges]
        for hi, result in zip(his, pool.map(scan, [url] * len(ranges), los, his), strict=True):
            results.append(result)
            if progress is not None:
                progress(hi)
    return results


# Findings ------------------------------------------------------------------------------


def _rehash(data: str, seq: int) -> bytes:
    body = json.loads(data)
    body["seq"] = seq
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return merkle.leaf_hash(text.encode())


def _content_findings(report: VerifyReport, mismatches: list[tuple[int, str, bytes]]) -> None:
    """A mismatching entry that hashes, under another mismatching number, to its own
    leaf or to that number's leaf was moved there from that number."""
    stored = {seq: leaf for seq, _data, leaf in mismatches}
    for seq, data, leaf in mismatches:
        moved_from = next(
            (s for s in stored if s != seq and _rehash(data, s) in (leaf, stored[s])), None
        )
        if moved_from is not None:
            report.add("reordered", seq, f"this entry was number {moved_from}")
        else:
            report.add("altered", seq, "its content no longer matches its leaf in the tree")


def _opened(note: str, keys: list[notes.VerifierKey]) -> notes.Checkpoint | None:
    try:
        return notes.open_checkpoint(note, keys)
    except notes.NoteError:
        return None


def _keys_sound(session: Session, report: VerifyReport) -> list[notes.VerifierKey]:
    """The checkpoint keys whose sealed private half opens under the master key: a key
    slipped into the database by someone without the master key does not count."""
    master = get_settings().master_key_bytes()
    sound = []
    for record, key in zip(
        checkpoints.key_records(session), checkpoints.verifier_keys(session), strict=True
    ):
        try:
            private = unseal(
                master, f"{checkpoints.SEAL_PURPOSE}:{record['kid']}", record["sealed"]
            )
        except Exception:
            report.add(
                "signature", 0, f"checkpoint key {record['kid']} was not made by this platform"
            )
            continue
        if (
            Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
            != key.public
        ):
            report.add("signature", 0, f"checkpoint key {record['kid']} does not match its seal")
            continue
        sound.append(key)
    return sound


def _check_checkpoints(
    session: Session,
    report: VerifyReport,
    levels: list[list[bytes]],
    top: int,
    witness: Path | None,
) -> None:
    keys = _keys_sound(session, report)
    lookup = merkle.lookup_in(levels)
    stored = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)).all()
    held: dict[int, bytes] = {}
    for row in stored:
        opened = _opened(row.note, keys)
        if opened is None or (opened.size, opened.root) != (row.size, row.root):
            report.add("signature", row.size, "a checkpoint's signature does not verify")
            continue
        held[row.size] = row.root
    report.checkpoints = len(held)
    if stored:
        report.latest = (stored[-1].size, stored[-1].at.isoformat(timespec="seconds"))
    outside = [(c.size, c.root) for n in (checkpoints.witnessed(witness) if witness else [])
               if (c := _opened(n, keys)) is not None]  # fmt: skip
    report.witnessed = len(outside)
    for size, root in outside:
        if held.get(size) != root:
            report.add("checkpoint-missing", size, "a witnessed checkpoint is not in the database")
    before = 0
    for size, root in sorted({*held.items(), *outside}):
        if size > top:
            report.add("truncated", top + 1, f"the log ends before a checkpoint of {size:,}")
        elif size and merkle.range_hash(0, size, lookup) != root:
            report.add("rewritten", before + 1, f"entries {before + 1}–{size} differ from the "
                       "signed checkpoint: edited and re-hashed after it was signed")  # fmt: skip
        before = max(before, size)


def _check_legacy(session: Session, report: VerifyReport, scans: list[Scan]) -> None:
    head = get_meta(session, "audit.legacy_head")
    ends = [s.chain_ends for s in scans if s.chain_ends[0] is not None]
    for scan_ in scans:
        for finding in scan_.chain:
            report.add(finding.kind, finding.seq, finding.problem)
    if not ends and head is None:
        return
    if not ends or ends[0][0] != GENESIS_HASH:
        report.add("chain", 1, "the old hash chain does not start at the beginning")
    for (_, last), (first, _) in pairwise(ends):
        if first != last:
            report.add("chain", 0, "the old hash chain breaks between two ranges")
    if head is not None and (not ends or ends[-1][1] != head["hash"]):
        report.add("chain", head["seq"], "the old hash chain does not end at its recorded head")
    hashes = dict(session.execute(select(ENTRIES.c.seq, ENTRIES.c.hash).where(
        ENTRIES.c.seq.in_(session.scalars(select(AuditLegacyCheckpoint.seq))))).all())  # fmt: skip
    for old in session.scalars(select(AuditLegacyCheckpoint)):
        if not checkpoints.legacy_signature_ok(session, old) or hashes.get(old.seq) != old.hash:
            report.add("chain", old.seq, "the old chain differs from its signed checkpoint")


def verify_log(
    db: Database,
    *,
    witness: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Verify the whole log (see the module's doc); `progress(n)` as ranges finish."""
    report = VerifyReport()
    with db.session() as session:
        state = session.get(AuditLogState, 1)
        size, root = (state.size, state.root) if state else (0, merkle.EMPTY_ROOT)
        top = session.execute(select(func.max(ENTRIES.c.seq))).scalar() or 0
    url = db.engine.url.render_as_string(hide_password=False)
    scans = _scan_all(url, top, workers or min(4, os.cpu_count() or 1), progress)
    leaves = b"".join(part.leaves for part in scans)
    report.checked, report.size = len(leaves) // 32, size
    for scan_ in scans:
        for expected, found in scan_.gaps:
            report.add("deleted", expected, f"entries {expected}–{found - 1} are missing")
    if top < size:
        report.add("truncated", top + 1, f"the log ends at {top:,}, before the tree's {size:,}")
    _content_findings(report, [m for s in scans for m in s.mismatches])
    levels = merkle.build_levels([leaves[i : i + 32] for i in range(0, min(size, top) * 32, 32)])
    if top >= size and size and merkle.range_hash(0, size, merkle.lookup_in(levels)) != root:
        report.add("rewritten", size, "the tree's recorded root is not the root of its entries")
    with db.session() as session:
        _check_checkpoints(session, report, levels, min(size, top), witness)
        _check_legacy(session, report, scans)
    if progress is not None:
        progress(top)
    return report
