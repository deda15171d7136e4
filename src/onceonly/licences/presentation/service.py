"""Verifier-initiated presentation in the style of OpenID for Verifiable Presentations.

A registered verifier (client id, name, response_uri) creates a request with a nonce and
the claims it needs. The holder sees who asks for what in the portal (same device, or by
scanning the request's QR code on another) and approves or declines. On approval the
presentation's key-binding JWT carries `aud` = the verifier's client id and the request's
nonce, and is posted to the verifier's response_uri as `vp_token` with `state` (OpenID4VP
response mode direct_post). A presentation made for one verifier fails at another (wrong
`aud`), and a request is answered once, so its nonce cannot be used again.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit.service import Event, record
from onceonly.core.actors import Actor
from onceonly.core.crypto import api_key_matches, new_api_key, split_api_key
from onceonly.core.db import get_or_not_found, utcnow
from onceonly.core.errors import Conflict, Invalid, NotFound, Unauthorized
from onceonly.core.settings import public_base_url
from onceonly.licences import service
from onceonly.licences.models import Licence, PresentationRequest, Verifier

REQUEST_TTL = timedelta(minutes=10)
DELIVERY_TIMEOUT = 10.0


def _check_uri(uri: str, field: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise Invalid(f"{field} must be an http(s) URL", code="bad-uri")
    return uri


def register(
    session: Session, client_id: str, name: str, response_uri: str, redirect_uri: str = ""
) -> tuple[Verifier, str]:
    """A new verifier and its API key (shown once)."""
    if session.scalar(select(Verifier.id).where(Verifier.client_id == client_id)):
        raise Conflict(f"verifier {client_id} exists already", code="verifier-exists")
    key, prefix, digest = new_api_key()
    verifier = Verifier(
        client_id=client_id,
        name=name,
        response_uri=_check_uri(response_uri, "response_uri"),
        redirect_uri=_check_uri(redirect_uri, "redirect_uri") if redirect_uri else "",
        key_prefix=prefix,
        key_hash=digest,
    )
    session.add(verifier)
    session.flush()
    record(session, Event("licence.verifier_register", Actor.system("cli"), "verifier", client_id))
    return verifier, key


def authenticate(session: Session, key: str | None) -> Verifier:
    prefix = split_api_key(key or "")
    verifier = (
        session.scalar(select(Verifier).where(Verifier.key_prefix == prefix)) if prefix else None
    )
    if (
        verifier is None
        or verifier.revoked_at is not None
        or not api_key_matches(str(key), verifier.key_hash)
    ):
        raise Unauthorized("a registered verifier's key is needed", code="bad-verifier-key")
    return verifier


def create_request(
    session: Session,
    verifier: Verifier,
    type_code: str,
    claims: list[str],
    purpose: str = "",
    nonce: str | None = None,
) -> PresentationRequest:
    kind = service.disclosable_type(type_code, claims)
    if not claims:
        raise Invalid(
            f"claims must be among: {', '.join(sorted(kind.selective()))}", code="bad-claims"
        )
    request = PresentationRequest(
        id=str(uuid.uuid4()),
        verifier_id=verifier.id,
        nonce=nonce or secrets.token_urlsafe(16),
        type_code=type_code,
        claims=sorted(set(claims)),
        purpose=purpose,
        expires_at=utcnow() + REQUEST_TTL,
    )
    session.add(request)
    actor = Actor("client", f"verifier:{verifier.id}", verifier.client_id)
    record(
        session,
        Event("licence.vp_request", actor, "presentation_request", request.id,
              detail={"type": type_code, "claims": request.claims}),
    )  # fmt: skip
    return request


def portal_url(request: PresentationRequest) -> str:
    """Where the holder answers: opened on the same device, or from the QR code."""
    return f"{public_base_url()}/portal/licences/requests/{request.id}"


@dataclass
class Pending:
    request: PresentationRequest
    verifier: Verifier
    licences: list[Licence]


def pending_for(session: Session, request_id: str, holder_code: str) -> Pending:
    """A pending request and the holder's licences that can answer it."""
    request = get_or_not_found(
        session, PresentationRequest, request_id, "no such request", "vp-request-not-found"
    )
    if request.status != "pending":
        raise Conflict("this request has been answered already", code="vp-request-answered")
    if request.expires_at < utcnow():
        raise Conflict("this request has expired; ask the verifier for a new one", code="expired")
    verifier = session.get(Verifier, request.verifier_id)
    assert verifier is not None  # the foreign key holds it
    licences = [
        licence
        for licence in service.find_for_holder(session, holder_code)
        if licence.type_code == request.type_code and licence.status == "valid"
    ]
    return Pending(request, verifier, licences)


def approve(session: Session, request_id: str, holder_code: str, serial: str) -> dict[str, Any]:
    """Present the chosen licence to the verifier; what its response_uri answered."""
    pending = pending_for(session, request_id, holder_code)
    licence = next((lic for lic in pending.licences if lic.serial == serial), None)
    if licence is None:
        raise NotFound("no such licence", code="licence-not-found")
    request, verifier = pending.request, pending.verifier
    vp_token = service.make_presentation(
        session, licence, holder_code, set(request.claims), verifier.client_id, request.nonce
    )
    request.status, request.answered_at = "approved", utcnow()
    answer = _deliver(verifier, {"vp_token": vp_token, "state": request.id})
    request.delivery = str(answer.get("outcome", ""))[:300]
    return answer


def decline(session: Session, request_id: str, holder_code: str) -> dict[str, Any]:
    pending = pending_for(session, request_id, holder_code)
    pending.request.status, pending.request.answered_at = "declined", utcnow()
    answer = _deliver(pending.verifier, {"error": "access_denied", "state": request_id})
    pending.request.delivery = str(answer.get("outcome", ""))[:300]
    return answer


def _deliver(verifier: Verifier, form: dict[str, str]) -> dict[str, Any]:
    """POST the response to the verifier (direct_post); it may answer {"redirect_uri"}."""
    try:
        response = httpx.post(verifier.response_uri, data=form, timeout=DELIVERY_TIMEOUT)
    except httpx.HTTPError as error:
        return {"outcome": f"not delivered: {type(error).__name__}"}
    answer: dict[str, Any] = {"outcome": f"HTTP {response.status_code}"}
    try:
        body = response.json()
    except ValueError:
        body = {}
    redirect = body.get("redirect_uri") if isinstance(body, dict) else None
    if response.is_success and isinstance(redirect, str) and redirect.startswith("http"):
        answer["redirect_uri"] = redirect
    elif response.is_success and verifier.redirect_uri:
        answer["redirect_uri"] = f"{verifier.redirect_uri}?state={form['state']}"
    return answer
