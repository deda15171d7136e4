"""Signed payment callbacks: HMAC-SHA256 over the timestamp, the event id and the body.

The payment service sends `X-Pay-Timestamp` (Unix seconds), `X-Pay-Event` (an id it
never reuses) and `X-Pay-Signature` (hex). We refuse a missing or wrong signature, a
timestamp more than `MAX_AGE` seconds away from ours (a replay of an old capture), and an
event id already seen (a replay within the window; see `service.apply_callback`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from onceonly.core.errors import Unauthorized

TIMESTAMP, EVENT, SIGNATURE = "X-Pay-Timestamp", "X-Pay-Event", "X-Pay-Signature"
MAX_AGE = 300  # seconds


def signature(secret: bytes, timestamp: int, event_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{event_id}.".encode() + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, event_id: str, body: bytes, now: float) -> dict[str, str]:
    timestamp = int(now)
    return {
        TIMESTAMP: str(timestamp),
        EVENT: event_id,
        SIGNATURE: signature(secret, timestamp, event_id, body),
        "Content-Type": "application/json",
    }


def verify(secret: bytes, headers: Mapping[str, str], body: bytes, now: float) -> str:
    """The event id of a genuine, fresh callback; 401 problem+json otherwise."""
    given = {name: headers.get(name, "") for name in (TIMESTAMP, EVENT, SIGNATURE)}
    if not all(given.values()) or not given[TIMESTAMP].isdigit() or len(given[EVENT]) > 64:
        raise Unauthorized("the callback is not signed", code="bad-signature")
    timestamp = int(given[TIMESTAMP][:12])
    expected = signature(secret, timestamp, given[EVENT], body)
    if not hmac.compare_digest(expected, given[SIGNATURE].strip().lower()):
        raise Unauthorized("the callback's signature does not match", code="bad-signature")
    if abs(now - timestamp) > MAX_AGE:
        raise Unauthorized("the callback is too old (or from the future)", code="expired-callback")
    return given[EVENT]
