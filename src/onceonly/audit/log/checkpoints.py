"""Signed checkpoints: the platform's Ed25519 key signs the tree's size and root.

Private keys are sealed at rest under the master key (`core.crypto.seal`) in
`platform_meta`. A rotation adds a key and signs with it from then on; every key ever
used stays published (`/api/v1/audit/public-key`, `/api/v1/audit/verifier-keys`), so old
checkpoints keep verifying. Each checkpoint is also appended to the witness file
(`ONCEONLY_AUDIT_WITNESS_FILE`): a copy outside the database that `audit verify` holds
the log to.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.log import notes
from onceonly.audit.models import AuditCheckpoint, AuditLegacyCheckpoint
from onceonly.core.crypto import seal, unseal
from onceonly.core.db import utcnow
from onceonly.core.meta import get_meta, set_meta
from onceonly.core.settings import Settings, get_settings

KEYS_META = "audit.checkpoint_keys"
LEGACY_KEY_META = "audit.checkpoint_key"  # the one key of the hash-chain era
SEAL_PURPOSE = "audit-checkpoint-key"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def origin(settings: Settings | None = None) -> str:
    """The log's name: a schema-less URL, as the signed-note spec recommends."""
    settings = settings or get_settings()
    return settings.audit_origin or f"{urlsplit(settings.base_url).netloc}/audit"


# Keys --------------------------------------------------------------------------------


def key_records(session: Session) -> list[dict[str, Any]]:
    """Every checkpoint key, oldest first; the last signs."""
    records: list[dict[str, Any]] | None = get_meta(session, KEYS_META)
    if records is None:
        legacy = get_meta(session, LEGACY_KEY_META)
        records = [legacy] if legacy else []
    return records


def _new_key(session: Session) -> dict[str, Any]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    kid = hashlib.sha256(public).hexdigest()[:16]
    record = {
        "kid": kid,
        "public": _b64url(public),
        "sealed": seal(
            get_settings().master_key_bytes(), f"{SEAL_PURPOSE}:{kid}", private.private_bytes_raw()
        ),
        "created": utcnow().isoformat(),
        # The log's name when the key was made: a later change of address (another
        # port, a new domain) must not orphan the checkpoints it signed.
        "name": origin(),
    }
    set_meta(session, KEYS_META, [*key_records(session), record])
    return record


def rotate_key(session: Session) -> dict[str, Any]:
    """Sign with a new key from now on; the old ones stay published."""
    return _new_key(session)


def _signing_key(session: Session) -> tuple[dict[str, Any], Ed25519PrivateKey]:
    records = key_records(session)
    record = records[-1] if records else _new_key(session)
    raw = unseal(
        get_settings().master_key_bytes(), f"{SEAL_PURPOSE}:{record['kid']}", record["sealed"]
    )
    return record, Ed25519PrivateKey.from_private_bytes(raw)


def verifier_keys(session: Session, settings: Settings | None = None) -> list[notes.VerifierKey]:
    return [
        notes.VerifierKey(r.get("name") or origin(settings), _unb64url(r["public"]))
        for r in key_records(session)
    ]


def public_jwks(session: Session) -> list[dict[str, str]]:
    """Every checkpoint key as a JWK (RFC 8037 OKP)."""
    return [
        {"kty": "OKP", "crv": "Ed25519", "x": r["public"], "kid": r["kid"], "use": "sig"}
        for r in key_records(session)
    ]


# Checkpoints -------------------------------------------------------------------------


def sign_checkpoint(session: Session, size: int, root: bytes) -> AuditCheckpoint:
    """Sign (size, root) with the current key and keep it."""
    record, private = _signing_key(session)
    name = record.get("name") or origin()
    text = notes.checkpoint_text(notes.Checkpoint(name, size, root))
    checkpoint = AuditCheckpoint(
        size=size,
        root=root,
        at=utcnow(),
        key_id=record["kid"],
        note=notes.sign(text, name, private),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def latest(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc(), AuditCheckpoint.id.desc())
    ).first()


def list_checkpoints(session: Session, limit: int = 100) -> list[AuditCheckpoint]:
    return list(
        session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(limit))
    )


def covering(session: Session, size_at_least: int) -> AuditCheckpoint | None:
    """The oldest checkpoint whose tree holds `size_at_least` leaves."""
    return session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.size >= size_at_least)
        .order_by(AuditCheckpoint.size)
        .limit(1)
    ).first()


# The witness file --------------------------------------------------------------------


def witness_path(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return settings.audit_witness_file or settings.data_dir / "audit-witness.txt"


def witness(note: str, path: Path) -> None:
    """Append a checkpoint to a witness file (the sequencer does, after its commit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(note)


def witnessed(path: Path) -> list[str]:
    if not path.exists():
        return []
    return list(notes.split_notes(path.read_text(encoding="utf-8")))


# The hash chain's checkpoints (before audit_0002) ------------------------------------


def legacy_message(seq: int, chain_hash: str, at: Any) -> bytes:
    return f"onceonly-audit-checkpoint\n{seq}\n{chain_hash}\n{at.isoformat()}".encode()


def legacy_signature_ok(session: Session, checkpoint: AuditLegacyCheckpoint) -> bool:
    record = next((r for r in key_records(session) if r["kid"] == checkpoint.key_id), None)
    if record is None:
        return False
    public = Ed25519PublicKey.from_public_bytes(_unb64url(record["public"]))
    try:
        public.verify(
            _unb64url(checkpoint.signature),
            legacy_message(checkpoint.seq, checkpoint.hash, checkpoint.at),
        )
    except (InvalidSignature, ValueError):
        return False
    return True
