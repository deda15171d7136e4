"""Who is calling the gateway: the API key's client, cached until any client changes.

Checking a key costs a database read per call, a large share of the gateway's hot path
(docs/benchmarks.md), so a verified key's client is kept in `core.cache` (keyed by the
SHA-256 of the whole key, so a wrong secret never hits the cache). Revoking a key, or
any other change to a client, invalidates that cache in every process at commit; the
key's expiry, which comes with time, is checked on every hit.
"""

from __future__ import annotations

import hashlib

from fastapi import Request

from onceonly.core.cache import SharedCache
from onceonly.core.db import utcnow
from onceonly.core.deps import DbSession, bearer_token
from onceonly.core.errors import Unauthorized
from onceonly.identity import service as identity
from onceonly.identity.models import Client

SCOPE = "exchange:query"

_clients: SharedCache[Client] = SharedCache()


def gateway_client(request: Request, session: DbSession) -> Client:
    """The calling system client, holding the exchange scope (401/403 otherwise)."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized(
            "send the API key as 'Authorization: Bearer <key>'", code="missing-api-key"
        )
    read = lambda: _snapshot(identity.authenticate_client(session, token, SCOPE))  # noqa: E731
    client = _clients.get(session, hashlib.sha256(token.encode()).digest(), read)
    if client.expires_at is not None and client.expires_at <= utcnow():
        client = read()  # expired since it was cached: the check refuses it with why
    request.state.client = client
    return client


def _snapshot(client: Client) -> Client:
    """A copy bound to no session: a rolled-back request must not expire what other
    requests read from the cache."""
    columns = Client.__table__.columns.keys()
    return Client(**{name: getattr(client, name) for name in columns})
