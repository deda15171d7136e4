"""The gateway's rules: who may read what, from which source, masked how, audited once.

`query` checks, in order: the resource exists (404), the client holds a live grant (403),
the fields and filters are granted (403; unknown ones 422), the subject key is valid
(422), the grant's rate limit (429); then it asks the provider's connector (502/504),
masks what the grant does not allow in clear, and appends one audit entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import ConnectorKind, Resource, Sensitivity, SubjectType
from onceonly.core.cache import SharedCache
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Forbidden, Invalid, NotFound, Problem, Unauthorized
from onceonly.core.settings import Settings, get_settings
from onceonly.exchange.connectors import SourceSpec, connector_for, spec_of
from onceonly.exchange.gateway import masking, ratelimit, records
from onceonly.exchange.gateway.cursors import decode_cursor, encode_cursor, query_hash_of
from onceonly.exchange.gateway.records import CallRecord
from onceonly.exchange.models import ExchangeCall
from onceonly.exchange.schemas import QueryIn, QueryOut
from onceonly.identity.models import Client
from onceonly.identity.service import actor_for_client
from onceonly.identity.validators import InvalidIdentifier, parse_citizen_id, parse_credit_code
from onceonly.sharing import service as sharing

MAX_PARALLEL = 8  # provider calls at once for one query_many


@dataclass(frozen=True)
class ResourceInfo:
    """What the hot path needs of a resource, detached from any session."""

    id: int
    code: str
    subject_type: SubjectType
    kind: ConnectorKind
    spec: SourceSpec
    sensitivity: dict[str, Sensitivity]


_resources: SharedCache[ResourceInfo] = SharedCache()


def resource_info(session: Session, code: str) -> ResourceInfo:
    """The resource by code (404 if unknown or retired), cached until the catalog changes."""
    return _resources.get(session, code, lambda: _read_resource(session, code))


def _read_resource(session: Session, code: str) -> ResourceInfo:
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None or resource.retired_at is not None:
        raise NotFound(f"no data resource with code {code!r}", resource=code)
    return ResourceInfo(
        id=resource.id,
        code=resource.code,
        subject_type=resource.subject_type,
        kind=resource.connector_kind,
        spec=spec_of(resource),
        sensitivity={f.name: f.sensitivity for f in resource.fields},
    )


# Grants -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantInfo:
    id: int
    fields: tuple[str, ...]
    clear_fields: frozenset[str]
    expires_at: datetime | None
    rate_limit: int


_grants: SharedCache[GrantInfo | None] = SharedCache()  # None: no live grant when read


def grant_problem(
    session: Session, client_id: int, client_code: str, resource: ResourceInfo
) -> Problem:
    """Why the client may not read the resource: its key or grant revoked or expired,
    or no grant at all."""
    client = session.get(Client, client_id)
    if client is not None and client.revoked_at is not None:
        return Unauthorized("the API key has been revoked", code="revoked-api-key")
    if client is not None and client.expires_at is not None and client.expires_at <= utcnow():
        return Unauthorized("the API key has expired", code="expired-api-key")
    last = sharing.latest_grant(session, client_id, resource.id)
    if last is None:
        return Forbidden(
            f"client {client_code} has no grant on resource {resource.code}; "
            "its department must request access first",
            code="no-grant",
            missing="grant",
        )
    if last.revoked_at is not None:
        return Forbidden(
            f"the grant of client {client_code} on {resource.code} was revoked "
            f"({last.revoke_reason or 'no reason given'})",
            code="grant-revoked",
            missing="grant",
        )
    if last.expires_at is not None and last.expires_at <= utcnow():
        return Forbidden(
            f"the grant of client {client_code} on {resource.code} expired at "
            f"{last.expires_at.isoformat()}",
            code="grant-expired",
            missing="grant",
        )
    return Forbidden(f"client {client_code} has no live grant", code="no-grant", missing="grant")


def live_grant(session: Session, client: Client, resource: ResourceInfo) -> GrantInfo:
    """The client's live grant (cached until a grant changes), or a 403 that says why not."""
    read = lambda: _read_grant(session, client.id, resource.id)  # noqa: E731
    grant = _grants.get(session, (client.id, resource.id), read)
    if grant is not None and grant.expires_at is not None and grant.expires_at <= utcnow():
        grant = read()  # expired since it was cached: another grant may be live
    if grant is None:
        raise grant_problem(session, client.id, client.code, resource)
    return grant


def _read_grant(session: Session, client_id: int, resource_id: int) -> GrantInfo | None:
    grant = sharing.active_grant(session, client_id, resource_id)
    if grant is None:
        return None
    return GrantInfo(
        grant.id,
        tuple(grant.fields),
        frozenset(grant.clear_fields),
        grant.expires_at,
        grant.rate_limit_per_minute,
    )


# Checks -----------------------------------------------------------------------------


def _check_names(names: list[str], resource: ResourceInfo, granted: set[str], what: str) -> None:
    if unknown := [n for n in names if n not in resource.sensitivity]:
        names_text = ", ".join(unknown)
        raise Invalid(
            f"resource {resource.code} has no {what} {names_text}", field=what, names=unknown
        )
    if outside := [n for n in names if n not in granted]:
        raise Forbidden(
            f"{what} not granted to this client: {', '.join(outside)}",
            code=f"{what}-not-granted",
            missing=what,
            names=outside,
        )


def normalise_key(resource: ResourceInfo, key: str | None) -> str | None:
    """A person's key must pass GB 11643, an entity's GB 32100: a 422 otherwise."""
    if key is None:
        return None
    try:
        if resource.subject_type is SubjectType.PERSON:
            return parse_citizen_id(key).number
        if resource.subject_type is SubjectType.ENTITY:
            return parse_credit_code(key)
    except InvalidIdentifier as exc:
        raise Invalid(f"subject_key: {exc}", field="subject_key") from None
    return key.strip()


# The query --------------------------------------------------------------------------


def _settings_for(session: Session, settings: Settings | None) -> Settings:
    if settings is not None:
        return settings
    base = get_settings()
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    return base if base.database_url == url else base.model_copy(update={"database_url": url})


def answer(
    session: Session,
    client: Client,
    resource_code: str,
    request: QueryIn,
    *,
    purpose_ref: str = "",
    settings: Settings | None = None,
) -> tuple[QueryOut, CallRecord]:
    """Check the query, ask the provider and mask: the answer and what recording it
    writes. Reads only; nothing is handed out until `records.apply` has run and committed."""
    started = time.perf_counter()
    resource = resource_info(session, resource_code)
    grant = live_grant(session, client, resource)
    granted = set(grant.fields)
    fields = list(dict.fromkeys(request.fields or grant.fields))
    _check_names(fields, resource, granted, "fields")
    _check_names(list(request.filters), resource, granted, "filters")
    key = normalise_key(resource, request.subject_key)
    if key is None and not request.filters and resource.subject_type is SubjectType.PERSON:
        raise Invalid("give a subject_key or filters: personal data is not listed in bulk")
    query_hash = query_hash_of(resource.code, key, request.filters, fields)
    offset = decode_cursor(request.cursor, query_hash)
    ratelimit.check(session, grant.id, grant.rate_limit)

    connector = connector_for(resource.kind, resource.spec, _settings_for(session, settings))
    rows = connector.fetch(key, request.filters, fields, request.page_size + 1, offset)
    more = len(rows) > request.page_size
    rows = rows[: request.page_size]
    masked = masking.to_mask(fields, resource.sensitivity, grant.clear_fields)
    masking.mask_rows(rows, masked)

    client_id, client_code = client.id, client.code
    record = CallRecord(
        grant_id=grant.id,
        rate_limit=grant.rate_limit,
        call=ExchangeCall(
            at=utcnow(),
            resource_code=resource.code,
            client_id=client_id,
            status=200,
            rows=len(rows),
            duration_ms=(time.perf_counter() - started) * 1000,
        ),
        event=audit.Event(
            "exchange.query",
            actor_for_client(client),
            "resource",
            resource.code,
            subject_id_number=key if resource.subject_type is SubjectType.PERSON else None,
            purpose=request.purpose,
            detail=_detail(grant.id, fields, request.filters, len(rows), masked, purpose_ref),
        ),
        refusal=lambda s: grant_problem(s, client_id, client_code, resource),
    )
    out = QueryOut(
        resource_code=resource.code,
        fields=fields,
        rows=rows,
        masked=masked,
        next_cursor=encode_cursor(offset + len(rows), query_hash) if more else None,
    )
    return out, record


def query(
    session: Session,
    client: Client,
    resource_code: str,
    request: QueryIn,
    *,
    purpose_ref: str = "",
    settings: Settings | None = None,
) -> QueryOut:
    """Answer a query and record it in `session` (the caller commits before handing the
    answer out: the gateway's request transaction, or the caller's own)."""
    out, record = answer(
        session, client, resource_code, request, purpose_ref=purpose_ref, settings=settings
    )
    if refused := records.apply(session, [record]):
        raise refused[0]
    return out


def query_many(
    session: Session,
    client: Client,
    requests: Sequence[tuple[str, QueryIn]],
    *,
    purpose_ref: str = "",
    settings: Settings | None = None,
    db: Database | None = None,
) -> list[QueryOut | Problem]:
    """Several queries for one purpose: with `db`, the providers are asked in parallel
    (one thread and read session each), so the whole takes about as long as the slowest;
    then every call is recorded in `session` at once. Each item is the answer or the
    problem that refused it."""

    def one(read: Session, code: str, request: QueryIn) -> tuple[QueryOut, CallRecord] | Problem:
        try:
            return answer(read, client, code, request, purpose_ref=purpose_ref, settings=settings)
        except Problem as problem:
            return problem

    if db is None:
        results = [one(session, code, request) for code, request in requests]
    else:
        results = _in_parallel(db, one, requests)
    answered = [r for r in results if not isinstance(r, Problem)]
    refused = records.apply(session, [record for _out, record in answered])
    outcomes: list[QueryOut | Problem] = []
    position = 0  # of the answered ones, as `refused` counts them
    for result in results:
        if isinstance(result, Problem):
            outcomes.append(result)
        else:
            outcomes.append(refused.get(position, result[0]))
            position += 1
    return outcomes


def _in_parallel(
    db: Database,
    one: Callable[[Session, str, QueryIn], tuple[QueryOut, CallRecord] | Problem],
    requests: Sequence[tuple[str, QueryIn]],
) -> list[tuple[QueryOut, CallRecord] | Problem]:
    def in_thread(item: tuple[str, QueryIn]) -> tuple[QueryOut, CallRecord] | Problem:
        read = db.sessionmaker()
        try:
            return one(read, *item)
        finally:
            read.close()

    workers = max(1, min(MAX_PARALLEL, len(requests)))
    with ThreadPoolExecutor(workers, thread_name_prefix="exchange") as pool:
        return list(pool.map(in_thread, requests))


def _detail(
    grant_id: int,
    fields: list[str],
    filters: dict[str, str],
    rows: int,
    masked: list[str],
    purpose_ref: str,
) -> dict[str, Any]:
    # Filter names only: the values may be personal data and the log is long-lived.
    detail: dict[str, Any] = {"grant": grant_id, "fields": fields, "rows": rows}
    if filters:
        detail["filters"] = sorted(filters)
    if masked:
        detail["masked"] = masked
    if purpose_ref:
        detail["purpose_ref"] = purpose_ref
    return detail


def record_failure(
    session: Session, resource_code: str, client_id: int | None, status: int, ms: float
) -> None:
    """A refused or failed call, for the traffic figures (its own transaction)."""
    session.add(
        ExchangeCall(
            at=utcnow(),
            resource_code=resource_code[:60],
            client_id=client_id,
            status=status,
            rows=0,
            duration_ms=ms,
        )
    )
