"""Licence APIs: issuer metadata and JWKS, status lists, issuing for systems, verifying."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from onceonly.core.actors import Actor
from onceonly.core.deps import DbSession
from onceonly.identity.deps import client_with
from onceonly.identity.models import Client
from onceonly.licences import service, verification
from onceonly.licences.credentials import keys, status
from onceonly.licences.oid4vci import api as oid4vci_api
from onceonly.licences.presentation import api as presentation_api

router = APIRouter(tags=["licences"])
router.include_router(presentation_api.router)
router.include_router(oid4vci_api.router)


class VerifyIn(BaseModel):
    presentation: str = Field(max_length=20000)
    nonce: str | None = Field(default=None, max_length=200)
    aud: str | None = Field(default=None, max_length=200, description="the verifier's client id")


class VerifyOut(BaseModel):
    outcome: str
    reason: str
    issuer: str
    type_code: str
    claims: dict[str, Any]


class IssueIn(BaseModel):
    type_code: str = Field(max_length=40)
    holder: str = Field(max_length=18)
    claims: dict[str, Any]
    source_key: str | None = Field(default=None, max_length=120)


class JwksOut(BaseModel):
    keys: list[dict[str, Any]]  # public JWKs (RFC 7517)


class IssuerMetadataOut(BaseModel):
    issuer: str
    jwks: JwksOut


class IssuedOut(BaseModel):
    serial: str
    credential: str  # the SD-JWT VC
    media_type: str


class StatusOut(BaseModel):
    serial: str
    status: str


class StatusListResponse(Response):
    """A token status list (IETF draft-ietf-oauth-status-list): a signed JWT."""

    media_type = status.MEDIA_TYPE


class StatusIn(BaseModel):
    action: str = Field(pattern="^(revoke|suspend|resume)$")
    reason: str = Field(default="", max_length=200)


@router.get("/.well-known/jwt-vc-issuer/issuers/{code}", response_model=IssuerMetadataOut)
def issuer_metadata(code: str, session: DbSession) -> dict[str, Any]:
    """SD-JWT VC issuer metadata: the issuer identifier and its keys."""
    dept = service.department_by_code(session, code)
    return {"issuer": service.issuer_url(dept), "jwks": keys.jwks(session, dept.id)}


@router.get("/issuers/{code}/jwks.json", response_model=JwksOut)
def issuer_jwks(code: str, session: DbSession) -> dict[str, Any]:
    dept = service.department_by_code(session, code)
    return keys.jwks(session, dept.id)


@router.get("/issuers/{code}/status", response_class=StatusListResponse)
def issuer_status_list(code: str, session: DbSession) -> Response:
    dept = service.department_by_code(session, code)
    token = status.status_list_token(session, dept)
    return StatusListResponse(token)


@router.post("/api/licences/verify", response_model=VerifyOut)
def verify(body: VerifyIn, session: DbSession) -> VerifyOut:
    """Anyone may verify (a bank needs no account); the check is audited."""
    result = verification.verify_presentation(
        session, body.presentation, body.nonce, Actor.public(), aud=body.aud
    )
    return VerifyOut(**result.__dict__)


def _client_actor(client: Client) -> Actor:
    return Actor("client", str(client.id), client.code, client.department_id)


@router.post("/api/licences", status_code=201, response_model=IssuedOut)
def issue(
    body: IssueIn,
    session: DbSession,
    client: Annotated[Client, Depends(client_with("licences:issue"))],
) -> dict[str, Any]:
    request = service.IssueRequest(body.type_code, body.holder, body.claims, body.source_key)
    licence = service.issue(session, client.department, request, _client_actor(client))
    return {
        "serial": licence.serial,
        "credential": licence.credential,
        "media_type": "application/dc+sd-jwt",
    }


@router.post("/api/licences/{serial}/status", response_model=StatusOut)
def change_status(
    serial: str,
    body: StatusIn,
    session: DbSession,
    client: Annotated[Client, Depends(client_with("licences:issue"))],
) -> dict[str, str]:
    licence = service.change_status(
        session, serial, body.action, _client_actor(client), body.reason
    )
    return {"serial": licence.serial, "status": licence.status}
