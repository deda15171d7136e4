"""The log's proofs checked by a verifier written here from RFC 9162 §2.1, not by the
platform's code: MTH, PATH and PROOF by the RFC's recursive definitions over the
entries' own bytes, and the RFC's verification algorithms, run against the live API.
Edge cases: tree sizes 1 and powers of two, leaves at both ends, first == second."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from tests.audit.conftest import fill


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def k_of(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = k_of(len(d))
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = k_of(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if whole else [mth(d)]
    k = k_of(n)
    if m <= k:
        return [*subproof(m, d[:k], whole), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def check_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            r = sha(b"\x01" + r + p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == root


def check_consistency(first: int, second: int, h1: bytes, h2: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2, step by step (first == second: an empty proof, equal roots)."""
    if first == second:
        return proof == [] and h1 == h2
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [h1, *proof]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = sha(b"\x01" + c + fr)
            sr = sha(b"\x01" + c + sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            sr = sha(b"\x01" + sr + c)
        fn //= 2
        sn //= 2
    return fr == h1 and sr == h2 and sn == 0


def entry_bytes(db) -> list[bytes]:  # type: ignore[no-untyped-def]
    """Each entry's canonical bytes, rebuilt here from its columns as docs/audit.md says."""
    out = []
    with db.session() as session:
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            body = {
                "seq": e.seq, "at": e.at.isoformat(timespec="microseconds"), "actor": e.actor,
                "actor_label": e.actor_label, "department_id": e.department_id,
                "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                "subject_ref": e.subject_ref, "purpose": e.purpose, "detail": e.detail,
            }  # fmt: skip
            text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            out.append(text.encode())
    return out


def hashes(items: list[str]) -> list[bytes]:
    return [base64.b64decode(h) for h in items]


@pytest.fixture
def log_of_19(db, client):  # type: ignore[no-untyped-def]
    fill(db, 19)
    return entry_bytes(db)


def test_checkpoint_is_a_signed_note_over_the_rfc_root(client, log_of_19) -> None:  # type: ignore[no-untyped-def]
    note = client.get("/api/v1/audit/checkpoint").text
    text, _, signature_line = note.rpartition("\n\n")
    origin, size, root = text.split("\n")[:3]
    assert int(size) == 19 and base64.b64decode(root) == mth(log_of_19)
    vkey = client.get("/api/v1/audit/verifier-keys").text.split()[-1]
    name, key_id, public = vkey.split("+", 2)
    raw = base64.b64decode(public)
    assert name == origin and raw[0] == 1
    assert sha(name.encode() + b"\n" + raw)[:4].hex() == key_id
    dash, signer, sig = signature_line.strip().split(" ")
    assert dash == "\u2014" and signer == name
    sig_raw = base64.b64decode(sig)
    assert sig_raw[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig_raw[4:], (text + "\n").encode())


def test_inclusion_proofs_for_every_leaf_and_size(client, log_of_19) -> None:  # type: ignore[no-untyped-def]
    d = log_of_19
    for size in (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 19):
        root = mth(d[:size])
        for index in range(size):
            got = client.get(
                "/api/v1/audit/proof/inclusion", params={"leaf_index": index, "tree_size": size}
            ).json()
            proof = hashes(got["inclusion_path"])
            assert proof == path(index, d[:size]), (index, size)
            assert check_inclusion(index, size, sha(b"\x00" + d[index]), proof, root)
            assert not check_inclusion(index, size, sha(b"\x00" + d[index] + b" "), proof, root)


def test_consistency_proofs_between_every_pair(client, log_of_19) -> None:  # type: ignore[no-untyped-def]
    d = log_of_19
    for second in (1, 2, 4, 7, 8, 16, 19):
        for first in range(1, second + 1):
            got = client.get(
                "/api/v1/audit/proof/consistency", params={"first": first, "second": second}
            ).json()
            proof = hashes(got["consistency_path"])
            assert proof == subproof(first, d[:second], True), (first, second)
            assert check_consistency(first, second, mth(d[:first]), mth(d[:second]), proof)
            if first < second:
                assert not check_consistency(first, second, sha(b"x"), mth(d[:second]), proof)


def test_bad_proof_requests_are_problems(client, log_of_19) -> None:  # type: ignore[no-untyped-def]
    bad = [(19, 19), (0, 20), (-1, 3), (2**63, 3)]
    for params in ({"leaf_index": i, "tree_size": n} for i, n in bad):
        response = client.get("/api/v1/audit/proof/inclusion", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
    response = client.get("/api/v1/audit/proof/consistency", params={"first": 5, "second": 4})
    assert response.status_code == 422
