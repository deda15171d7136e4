"""OpenID4VCI endpoints: issuer and authorization-server metadata, token, credential.
Errors are OAuth's `{"error", "error_description"}`, as wallets expect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from onceonly.core.deps import DbSession, bearer_token
from onceonly.core.errors import Unauthorized
from onceonly.licences import oid4vci

router = APIRouter(tags=["licences"])
NO_STORE = {"Cache-Control": "no-store"}


class CredentialIn(BaseModel):
    credential_configuration_id: str | None = Field(default=None, max_length=40)
    proof: dict[str, str] | None = None


def wallet_token(token: Annotated[str | None, Depends(bearer_token)]) -> str:
    """The wallet's access token; without one, 401 before the body is read."""
    if not token:
        raise Unauthorized("a Bearer access token is needed", code="invalid_token")
    return token


def _oauth_error(error: oid4vci.OAuthError) -> JSONResponse:
    body = {"error": error.error, "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=NO_STORE)


@router.get("/.well-known/openid-credential-issuer")
def credential_issuer_metadata() -> dict[str, Any]:
    """OpenID4VCI credential issuer metadata: one configuration per licence type."""
    return oid4vci.issuer_metadata()


@router.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414 metadata of the token endpoint (pre-authorised code grant only)."""
    return oid4vci.authorization_metadata()


@router.post("/oid4vci/token")
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


@router.post("/oid4vci/credential")
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
