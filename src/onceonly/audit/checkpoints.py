"""Signed checkpoints: the platform's Ed25519 key signs the chain's head now and then.

The private key is sealed at rest under the master key (`core.crypto.seal`) in
`platform_meta`; anyone can check a checkpoint with the public key published at
`/api/v1/audit/public-key`. Run `onceonly audit checkpoint` from cron (e.g. hourly).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.models import AuditCheckpoint, AuditHead
from onceonly.audit.service import GENESIS_HASH, lock_head
from onceonly.core.crypto import seal, unseal
from onceonly.core.db import utcnow
from onceonly.core.meta import get_meta, set_meta
from onceonly.core.settings import get_settings

META_KEY = "audit.checkpoint_key"
SEAL_PURPOSE = "audit-checkpoint-key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def message(seq: int, chain_hash: str, at: datetime) -> bytes:
    """What is signed: fixed text, so that other tools can check it too."""
    return f"onceonly-audit-checkpoint\n{seq}\n{chain_hash}\n{at.isoformat()}".encode()


def _create_key(session: Session) -> dict[str, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = hashlib.sha256(public).hexdigest()[:16]
    raw = private.private_bytes_raw()
    record = {
        "kid": kid,
        "public": _b64(public),
        "sealed": seal(get_settings().master_key_bytes(), f"{SEAL_PURPOSE}:{kid}", raw),
    }
    set_meta(session, META_KEY, record)
    return record


def _key_record(session: Session, *, create: bool) -> dict[str, str] | None:
    record: dict[str, str] | None = get_meta(session, META_KEY)
    if record is None and create:
        record = _create_key(session)
    return record


def public_jwk(session: Session) -> dict[str, str] | None:
    """The checkpoint key as a JWK (RFC 8037 OKP), or None before the first checkpoint."""
    record = _key_record(session, create=False)
    if record is None:
        return None
    return {"kty": "OKP", "crv": "Ed25519", "x": record["public"], "kid": record["kid"]}


def make_checkpoint(session: Session) -> AuditCheckpoint:
    """Sign the chain's head as it is now (under the head lock, so it cannot move)."""
    record = _key_record(session, create=True)
    assert record is not None
    head = lock_head(session)
    raw = unseal(
        get_settings().master_key_bytes(), f"{SEAL_PURPOSE}:{record['kid']}", record["sealed"]
    )
    private = Ed25519PrivateKey.from_private_bytes(raw)
    at = utcnow()
    checkpoint = AuditCheckpoint(
        seq=head.seq,
        hash=head.hash,
        at=at,
        key_id=record["kid"],
        signature=_b64(private.sign(message(head.seq, head.hash, at))),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def signature_ok(session: Session, checkpoint: AuditCheckpoint) -> bool:
    record = _key_record(session, create=False)
    if record is None or record["kid"] != checkpoint.key_id:
        return False
    public = Ed25519PublicKey.from_public_bytes(_unb64(record["public"]))
    try:
        public.verify(
            _unb64(checkpoint.signature),
            message(checkpoint.seq, checkpoint.hash, checkpoint.at),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def list_checkpoints(session: Session, limit: int = 100) -> list[AuditCheckpoint]:
    return list(
        session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(limit))
    )


def head_of(session: Session) -> tuple[int, str]:
    head = session.get(AuditHead, 1)
    return (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
