"""Per-user CKAN API tokens, sent as CKAN clients send them (`Authorization: <token>`,
or the older `X-CKAN-API-Key`).

A token is `oo_<prefix>_<secret>` like the platform's other keys; only its SHA-256 is
stored, and it is shown once. A signed-in staff user creates, lists and revokes their own
tokens (on the workbench page, or with the api_token_* actions); a platform admin may
manage anyone's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.crypto import api_key_matches, new_api_key, split_api_key
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Invalid, NotFound
from onceonly.identity.models import Role, User
from onceonly.identity.service import actor_for_user
from onceonly.opendata.ckan.models import ApiToken
from onceonly.opendata.ckan.params import Call

# Roles that may publish through the CKAN API (and so hold tokens).
PUBLISHERS = (Role.platform_admin, Role.department_admin, Role.data_steward)
MAX_NAME = 200


def authenticate(session: Session, token: str) -> User:
    """The active staff user behind a token, or CKAN's Authorization Error."""
    prefix = split_api_key(token.strip())
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix)) if prefix else None
    if (
        row is None
        or row.revoked_at is not None
        or not row.user.active
        or not api_key_matches(token.strip(), row.token_hash)
    ):
        raise Forbidden("The API token is not valid or has been revoked", code="bad-token")
    row.last_access = utcnow()
    return row.user


def create(session: Session, user: User, name: str, by: User) -> tuple[ApiToken, str]:
    """A new token for `user`: (its row, the token itself, shown once)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(
            f"a token needs a name of 1 to {MAX_NAME} characters",
            errors=[{"field": "name", "reason": "Missing value"}],
        )
    _may_manage(by, user)
    token, prefix, digest = new_api_key()
    row = ApiToken(id=str(uuid.uuid4()), user_id=user.id, name=name, prefix=prefix)
    row.token_hash = digest
    session.add(row)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "ckan.token_create", actor_for_user(by), "ckan_token", row.id, detail={"name": name}
        ),
    )
    return row, token


def list_for(session: Session, user: User) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at)
    ).all()


def revoke(session: Session, token_id: str, by: User) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise NotFound("API token not found")
    _may_manage(by, row.user)
    row.revoked_at = utcnow()
    audit.record(
        session, audit.Event("ckan.token_revoke", actor_for_user(by), "ckan_token", row.id)
    )
    return row


def _may_manage(by: User, owner: User) -> None:
    if by.id != owner.id and Role.platform_admin not in by.roles:
        raise Forbidden("only the owner or a platform admin manages this user's tokens")
    if not owner.roles.intersection(PUBLISHERS):
        raise Forbidden("API tokens are for data stewards and department admins")


def token_dict(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "user_id": str(row.user_id),
        "created_at": row.created_at.replace(tzinfo=None).isoformat(),
        "last_access": row.last_access.replace(tzinfo=None).isoformat()
        if row.last_access
        else None,
    }


def _owner(call: Call, caller: User) -> User:
    wanted = call.text("user") or call.text("user_id")
    if not wanted:
        return caller
    user = call.session.scalar(
        select(User).where(User.username == wanted)
        if not wanted.isdigit()
        else select(User).where(User.id == int(wanted))
    )
    if user is None:
        raise NotFound("User not found")
    return user


def api_token_create(call: Call) -> Any:
    """Create an API token (shown once). Parameters: user (name or id), name."""
    caller = call.user()
    _, token = create(call.session, _owner(call, caller), call.required("name"), caller)
    return {"token": token}


def api_token_list(call: Call) -> Any:
    """A user's live API tokens (never the tokens themselves). Parameters: user."""
    caller = call.user()
    owner = _owner(call, caller)
    _may_manage(caller, owner)
    return [token_dict(row) for row in list_for(call.session, owner)]


def api_token_revoke(call: Call) -> Any:
    """Revoke an API token. Parameters: jti (the token's id) or token."""
    caller = call.user()
    token_id = call.text("jti")
    if not token_id:
        token = call.required("token")
        prefix = split_api_key(token)
        row = call.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
        token_id = row.id if row is not None else ""
    revoke(call.session, token_id, caller)
    return None
