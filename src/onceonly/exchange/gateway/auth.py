"""Who is calling the gateway: the API key's client, remembered for a moment.

Checking a key costs a database read per call, which on the gateway's hot path is a
tenth of the work. A verified key is therefore remembered for `CLIENT_CACHE_SECONDS`
(keyed by the SHA-256 of the whole key, so a wrong secret never hits the cache). A
revoked or expired client still stops getting data at once: `records.apply` checks, in
the transaction that records the call and before any data is returned, that the
client is live as well as its grant.
"""

from __future__ import annotations

import hashlib
import threading
import time

from fastapi import Request

from onceonly.core.deps import DbSession, bearer_token
from onceonly.core.errors import Unauthorized
from onceonly.exchange.gateway import ratelimit
from onceonly.identity import service as identity
from onceonly.identity.models import Client

SCOPE = "exchange:query"
CLIENT_CACHE_SECONDS = 2.0

_lock = threading.Lock()
_clients: dict[tuple[object, bytes], tuple[float, Client]] = {}


def gateway_client(request: Request, session: DbSession) -> Client:
    """The calling system client, holding the exchange scope (401/403 otherwise)."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized(
            "send the API key as 'Authorization: Bearer <key>'", code="missing-api-key"
        )
    key = (ratelimit.db_key(session), hashlib.sha256(token.encode()).digest())
    now = time.monotonic()
    cached = _clients.get(key)
    if cached is not None and now - cached[0] < CLIENT_CACHE_SECONDS:
        client = cached[1]
    else:
        client = _snapshot(identity.authenticate_client(session, token, SCOPE))
        with _lock:
            _clients[key] = (now, client)
    request.state.client = client
    return client


def _snapshot(client: Client) -> Client:
    """A copy bound to no session: a rolled-back request must not expire what other
    requests read from the cache."""
    columns = Client.__table__.columns.keys()
    return Client(**{name: getattr(client, name) for name in columns})


def forget_clients() -> None:
    with _lock:
        _clients.clear()
