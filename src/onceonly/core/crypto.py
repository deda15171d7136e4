"""Crypto helpers that every domain shares: passwords, API keys, sealing.

Passwords use argon2 (argon2-cffi). API keys are 256-bit random secrets, so a single
SHA-256 is the right hash for them (an attacker cannot guess them) and keeps the
gateway's per-call check cheap. Secrets at rest are sealed with AES-GCM under a key
derived from the master key, with a purpose label so one sealed value cannot be
replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_hasher = PasswordHasher()
API_KEY_PREFIX = "oo"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """Return (full key shown once, lookup prefix, hash to store)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}_{prefix}_{secret}"
    return key, prefix, hash_api_key(key)


def split_api_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1]


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)


def derive_key(master_key: bytes, purpose: str, length: int = 32) -> bytes:
    """A sub-key for one purpose, so the master key itself is never used directly."""
    return HKDF(algorithm=SHA256(), length=length, salt=None, info=purpose.encode()).derive(
        master_key
    )


def seal(master_key: bytes, purpose: str, plaintext: bytes) -> str:
    """Encrypt a secret for storage: base64(nonce || AES-GCM ciphertext)."""
    key = derive_key(master_key, "seal:" + purpose)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext, purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(master_key: bytes, purpose: str, token: str) -> bytes:
    key = derive_key(master_key, "seal:" + purpose)
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode())
