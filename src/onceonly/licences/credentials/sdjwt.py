"""The SD-JWT parts that are ours: disclosures, digests, presentation, key binding.

JWS signing and JWK handling are joserfc's. Format per IETF SD-JWT (RFC 9901) and
SD-JWT VC: `<issuer-jwt>~<disclosure>~…~<kb-jwt>`, typ `dc+sd-jwt`, `_sd_alg` sha-256.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

MEDIA_TYPE = "application/dc+sd-jwt"
TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
Key = ECKey | OKPKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(disclosure: str) -> str:
    return b64(hashlib.sha256(disclosure.encode("ascii")).digest())


def make_disclosure(name: str, value: Any) -> str:
    salt = b64(secrets.token_bytes(16))
    return b64(json.dumps([salt, name, value], ensure_ascii=False).encode())


def issue(
    claims: dict[str, Any],
    selective: set[str],
    key: Key,
    header: dict[str, Any],
) -> str:
    """Sign `claims`, moving those named in `selective` into salted disclosures."""
    payload = {k: v for k, v in claims.items() if k not in selective}
    disclosures = [make_disclosure(k, v) for k, v in claims.items() if k in selective]
    payload["_sd"] = sorted(digest(d) for d in disclosures)
    payload["_sd_alg"] = "sha-256"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    jwt = jws.serialize_compact({**header, "typ": TYP}, body, key)
    return "~".join([jwt, *disclosures, ""])


@dataclass
class Parsed:
    jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    disclosures: list[str]
    kb_jwt: str
    decoded: dict[str, tuple[str, Any]] = field(default_factory=dict)  # digest → (name, v)


class Malformed(ValueError):
    """The text is not an SD-JWT at all."""


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = json.loads(unb64(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("not base64url JSON") from exc
    if not isinstance(value, dict):
        raise Malformed("not a JSON object")
    return value


def parse(text: str) -> Parsed:
    """Split and decode without checking any signature."""
    parts = text.strip().split("~")
    if len(parts) < 2:
        raise Malformed("no ~ separators")
    jwt, disclosures, kb = parts[0], parts[1:-1], parts[-1]
    segments = jwt.split(".")
    if len(segments) != 3:
        raise Malformed("issuer JWT is not compact JWS")
    parsed = Parsed(jwt, _json_part(segments[0]), _json_part(segments[1]), disclosures, kb)
    for disclosure in disclosures:
        try:
            item = json.loads(unb64(disclosure))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Malformed("a disclosure is not base64url JSON") from exc
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[1], str)):
            raise Malformed("a disclosure is not [salt, name, value]")
        parsed.decoded[digest(disclosure)] = (item[1], item[2])
    return parsed


def disclosed_claims(parsed: Parsed) -> dict[str, Any] | None:
    """Plain claims plus disclosed ones; None when a disclosure matches no digest."""
    sd = parsed.payload.get("_sd", [])
    if not isinstance(sd, list) or parsed.payload.get("_sd_alg", "sha-256") != "sha-256":
        return None
    claims = {k: v for k, v in parsed.payload.items() if k not in ("_sd", "_sd_alg")}
    for dig, (name, value) in parsed.decoded.items():
        if dig not in sd or name in claims:
            return None
        claims[name] = value
    return claims


def present(credential: str, names: set[str], holder_key: Key, aud: str, nonce: str) -> str:
    """Keep only the disclosures named, then bind them to the holder's key."""
    parsed = parse(credential)
    kept = [d for d in parsed.disclosures if parsed.decoded[digest(d)][0] in names]
    sd_jwt = "~".join([parsed.jwt, *kept, ""])
    kb_payload = {
        "iat": int(time.time()),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": b64(hashlib.sha256(sd_jwt.encode("ascii")).digest()),
    }
    alg = "ES256" if isinstance(holder_key, ECKey) else "EdDSA"
    kb = jws.serialize_compact(
        {"alg": alg, "typ": KB_TYP}, json.dumps(kb_payload).encode(), holder_key
    )
    return sd_jwt + kb


def verify_kb(parsed: Parsed) -> dict[str, Any] | None:
    """The key-binding JWT's payload if signed by the `cnf` key over these disclosures."""
    cnf = parsed.payload.get("cnf")
    if not parsed.kb_jwt or not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
        return None
    try:
        holder = import_public(cnf["jwk"])
        token = jws.deserialize_compact(parsed.kb_jwt, holder)
        payload = json.loads(token.payload)
    except Exception:  # any failure of an untrusted token means "not bound"
        return None
    sd_jwt = "~".join([parsed.jwt, *parsed.disclosures, ""])
    expected = b64(hashlib.sha256(sd_jwt.encode("ascii")).digest())
    if not isinstance(payload, dict) or payload.get("sd_hash") != expected:
        return None
    if token.protected.get("typ") != KB_TYP:
        return None
    return payload


def import_public(jwk: dict[str, Any]) -> Key:
    return _import_public(json.dumps(jwk, sort_keys=True))


@lru_cache(maxsize=1024)
def _import_public(jwk_json: str) -> Key:
    jwk = json.loads(jwk_json)
    if jwk.get("kty") == "EC":
        return ECKey.import_key(jwk)
    if jwk.get("kty") == "OKP":
        return OKPKey.import_key(jwk)
    raise Malformed("unsupported key type")


def signature_ok(parsed: Parsed, key: Key) -> bool:
    try:
        jws.deserialize_compact(parsed.jwt, key)
    except Exception:  # joserfc raises several types for a bad token
        return False
    return True
