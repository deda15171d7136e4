"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint's text is three lines, origin, tree size and base64 root hash, each ending
in a newline. It is followed by a blank line and one signature line per key:
`— <key name> base64(key ID || Ed25519 signature over the text)`, where the key ID is
`SHA-256(key name || 0x0A || 0x01 || public key)[:4]`. Anyone can check it with the
verifier key `<name>+<key ID hex>+base64(0x01 || public key)`.

Pure functions over bytes and text; the keys live in `checkpoints`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014 "


class NoteError(ValueError):
    """The note is malformed, or no signature from a known key verifies."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public: bytes  # 32 bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def parse_verifier_key(text: str) -> VerifierKey:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise NoteError("a verifier key is name+keyid+base64(0x01||key)") from None
    if raw[:1] != ED25519 or len(raw) != 33:
        raise NoteError("only Ed25519 verifier keys are known")
    key = VerifierKey(name, raw[1:])
    if key.key_id.hex() != hex_id:
        raise NoteError("the verifier key's ID does not match its name and key")
    return key


def checkpoint_text(checkpoint: Checkpoint) -> str:
    root = base64.b64encode(checkpoint.root).decode()
    return f"{checkpoint.origin}\n{checkpoint.size}\n{root}\n"


def sign(text: str, name: str, private: Ed25519PrivateKey) -> str:
    """The signed note: text, blank line, signature line."""
    public = private.public_key().public_bytes_raw()
    signature = key_id(name, public) + private.sign(text.encode())
    return f"{text}\n{DASH}{name} {base64.b64encode(signature).decode()}\n"


def _split(note: str) -> tuple[str, list[str]]:
    if "\n\n" not in note or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines")
    text, _, signatures = note.rpartition("\n\n")
    lines = signatures.rstrip("\n").split("\n")
    if not lines or not all(line.startswith(DASH) for line in lines):
        raise NoteError("signature lines start with an em dash")
    return text + "\n", lines


def open_note(note: str, keys: Iterable[VerifierKey]) -> str:
    """The note's text once a signature from one of `keys` verifies (NoteError if
    none does, or if one from a known key fails)."""
    text, lines = _split(note)
    known = {(k.name, k.key_id): k for k in keys}
    verified = False
    for line in lines:
        name, _, encoded = line[len(DASH) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise NoteError("a signature is not base64") from None
        key = known.get((name, raw[:4]))
        if key is None:
            continue  # another party's signature (a witness's cosignature, say)
        try:
            Ed25519PublicKey.from_public_bytes(key.public).verify(raw[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature of {name} does not verify") from None
        verified = True
    if not verified:
        raise NoteError("no signature from a known key")
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise NoteError("a checkpoint is origin, tree size and root hash, one per line")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise NoteError("the checkpoint's root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(lines[0], int(lines[1]), root)


def open_checkpoint(note: str, keys: Iterable[VerifierKey]) -> Checkpoint:
    return parse_checkpoint(open_note(note, keys))


def split_notes(text: str) -> Iterator[str]:
    """The notes in a file of notes written one after another (a witness file)."""
    current: list[str] = []
    in_signatures = False
    for line in text.splitlines(keepends=True):
        if in_signatures and not line.startswith(DASH):
            yield "".join(current)
            current, in_signatures = [], False
        if not current and not line.strip():
            continue
        current.append(line)
        if line == "\n":
            in_signatures = True
    if current:
        yield "".join(current)
