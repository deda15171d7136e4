"""Dependencies that resolve the caller: a staff user (pages) or a system client (APIs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from onceonly.core.deps import DbSession, bearer_token, session_user_id
from onceonly.core.errors import Forbidden, Unauthorized
from onceonly.identity import service
from onceonly.identity.models import DEPARTMENT_STAFF, Client, Role, User
from onceonly.identity.passwords import MUST_CHANGE, PASSWORD_PAGE


def optional_user(request: Request, session: DbSession) -> User | None:
    user_id = session_user_id(request)
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        request.session.pop("uid", None)
        return None
    return user


def require_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized(
            "sign in with a staff account first", code="not-signed-in", sign_in="/sign-in"
        )
    if MUST_CHANGE in request.session and request.url.path != PASSWORD_PAGE:
        # Signed in with a password someone else chose: nothing else until it is changed.
        raise Forbidden(
            "choose your own password first", code="password-change-required", go_to=PASSWORD_PAGE
        )
    return user


CurrentUser = Annotated[User, Depends(require_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def staff_with(*roles: Role) -> Callable[..., User]:
    """A dependency: the signed-in user, who must hold one of `roles`."""

    def dependency(user: CurrentUser) -> User:
        service.require_role(user, *roles)
        return user

    return dependency


DepartmentStaff = Annotated[User, Depends(staff_with(*DEPARTMENT_STAFF))]
"""A department administrator, data steward or reviewer."""


def client_with(scope: str) -> Callable[..., Client]:
    """A dependency: the system client behind the bearer key, holding `scope`."""

    def dependency(request: Request, session: DbSession) -> Client:
        token = bearer_token(request)
        if token is None:
            raise Unauthorized(
                "send the API key as 'Authorization: Bearer <key>'", code="missing-api-key"
            )
        client = service.authenticate_client(session, token, scope)
        request.state.client = client
        return client

    return dependency


def bearer_client(request: Request, session: DbSession) -> Client:
    """Any valid client, whatever its scopes."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized(
            "send the API key as 'Authorization: Bearer <key>'", code="missing-api-key"
        )
    return service.authenticate_client(session, token)
