"""The verifier's API: create a presentation request (OpenID4VP style) with its key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from onceonly.core.deps import DbSession, bearer_token
from onceonly.licences.credentials.qr import qr_svg
from onceonly.licences.models import Verifier
from onceonly.licences.presentation import service as verifiers

router = APIRouter(tags=["licences"])


def current_verifier(
    session: DbSession, token: Annotated[str | None, Depends(bearer_token)]
) -> Verifier:
    return verifiers.authenticate(session, token)


class RequestIn(BaseModel):
    type_code: str = Field(max_length=40)
    claims: list[str] = Field(max_length=20)
    purpose: str = Field(default="", max_length=300)
    nonce: str | None = Field(default=None, min_length=8, max_length=200)


class RequestOut(BaseModel):
    request_id: str = Field(description="also the `state` posted back to the response_uri")
    client_id: str
    nonce: str
    response_mode: str = "direct_post"
    response_uri: str
    request_url: str = Field(description="the holder opens this (same device) …")
    qr_svg: str = Field(description="… or scans this QR code of it (cross device)")
    expires_at: datetime


@router.post("/api/licences/vp/requests", response_model=RequestOut, status_code=201)
def create_request(
    body: RequestIn,
    session: DbSession,
    verifier: Annotated[Verifier, Depends(current_verifier)],
) -> RequestOut:
    """A registered verifier asks a holder for claims of one licence type."""
    request = verifiers.create_request(
        session, verifier, body.type_code, body.claims, body.purpose, body.nonce
    )
    url = verifiers.portal_url(request)
    return RequestOut(
        request_id=request.id,
        client_id=verifier.client_id,
        nonce=request.nonce,
        response_uri=verifier.response_uri,
        request_url=url,
        qr_svg=qr_svg(url),
        expires_at=request.expires_at,
    )
