"""OpenID4VCI endpoints: issuer and authorization-server metadata, token, credential.
Errors are OAuth's `{"error", "error_description"}`, as wallets expect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from onceonly.core.deps import DbSession, bearer_token
from onceonly.core.errors import Unauthorized
from onceonly.licences.oid4vci import service as oid4vci

router = APIRouter(tags=["licences"])
NO_STORE = {"Cache-Control": "no-store"}


class CredentialIn(BaseModel):
    credential_configuration_id: str | None = Field(default=None, max_length=40)
    proof: dict[str, str] | None = None


class TokenOut(BaseModel):
    """RFC 6749 token answer with OpenID4VCI's c_nonce."""

    access_token: str
    token_type: str
    expires_in: int
    c_nonce: str
    c_nonce_expires_in: int


class IssuedCredential(BaseModel):
    credential: str  # the SD-JWT VC, bound to the wallet's key


class CredentialOut(BaseModel):
    credentials: list[IssuedCredential]


class IssuerMetadataOut(BaseModel, extra="allow"):
    """OpenID4VCI credential issuer metadata (the spec's fields, as served)."""

    credential_issuer: str
    credential_endpoint: str
    credential_configurations_supported: dict[str, Any]


class AuthorizationMetadataOut(BaseModel, extra="allow"):
    """RFC 8414 authorization server metadata."""

    issuer: str
    token_endpoint: str
    grant_types_supported: list[str]


def wallet_token(token: Annotated[str | None, Depends(bearer_token)]) -> str:
    """The wallet's access token; without one, 401 before the body is read."""
    if not token:
        raise Unauthorized("a Bearer access token is needed", code="invalid_token")
    return token


def _oauth_error(error: oid4vci.OAuthError) -> JSONResponse:
    body = {"error": error.error, "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=NO_STORE)


@router.get("/.well-known/openid-credential-issuer", response_model=IssuerMetadataOut)
def credential_issuer_metadata() -> dict[str, Any]:
    """OpenID4VCI credential issuer metadata: one configuration per licence type."""
    return oid4vci.issuer_metadata()


@router.get("/.well-known/oauth-authorization-server", response_model=AuthorizationMetadataOut)
def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414 metadata of the token endpoint (pre-authorised code grant only)."""
    return oid4vci.authorization_metadata()


@router.post("/oid4vci/token", responses={200: {"model": TokenOut}})
def token(
    session: DbSession,
    grant_type: Annotated[str, Form(max_length=100)],
    pre_authorized_code: Annotated[str, Form(alias="pre-authorized_code", max_length=100)],
) -> JSONResponse:
    """Trade a credential offer's pre-authorised code for an access token and c_nonce."""
    try:
        return JSONResponse(
            oid4vci.token(session, grant_type, pre_authorized_code), headers=NO_STORE
        )
    except oid4vci.OAuthError as error:
        return _oauth_error(error)


@router.post("/oid4vci/credential", responses={200: {"model": CredentialOut}})
def credential(
    body: CredentialIn,
    session: DbSession,
    access_token: Annotated[str, Depends(wallet_token)],
) -> JSONResponse:
    """The offered licence, bound to the key in the wallet's proof JWT."""
    try:
        issued = oid4vci.credential(session, access_token, body.model_dump())
    except oid4vci.OAuthError as error:
        return _oauth_error(error)
    return JSONResponse(issued, headers=NO_STORE)
