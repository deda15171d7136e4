"""Identity rules: departments, staff and roles, system clients, persons and entities."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core import sessions
from onceonly.core.actors import Actor
from onceonly.core.crypto import (
    api_key_matches,
    hash_password,
    new_api_key,
    split_api_key,
    verify_password,
)
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from onceonly.identity.models import (
    Client,
    Department,
    EntityAgent,
    LegalEntity,
    Person,
    Region,
    RegionLevel,
    Role,
    User,
    UserRole,
)
from onceonly.identity.validators import InvalidIdentifier, parse_citizen_id, parse_credit_code

MIN_PASSWORD_LENGTH = 10

# Scopes a system client may hold; each API checks the one it needs.
SCOPES: dict[str, str] = {
    "exchange:query": "Query shared data through the exchange gateway",
    "catalog:write": "Register and update data resources",
    "licences:issue": "Issue and revoke electronic licences",
    "licences:verify": "Verify licence presentations",
    "appeals:submit": "Submit 12345 appeals (Open311)",
    "opendata:read": "Read conditionally open data granted to the client",
    "services:submit": "Submit service applications",
}


def actor_for_user(user: User) -> Actor:
    return Actor("user", str(user.id), user.username, user.department_id)


def actor_for_client(client: Client) -> Actor:
    return Actor("client", str(client.id), client.code, client.department_id)


# Regions and departments -----------------------------------------------------------


def add_region(
    session: Session,
    code: str,
    name: str,
    level: RegionLevel,
    parent_code: str | None = None,
    name_en: str = "",
) -> Region:
    if len(code) != 6 or not code.isdigit():
        raise Invalid(f"region code {code!r} must be 6 digits (GB/T 2260)", field="code")
    if session.get(Region, code) is not None:
        raise Conflict(f"region {code} exists already")
    if parent_code is not None and session.get(Region, parent_code) is None:
        raise NotFound(f"parent region {parent_code} does not exist")
    region = Region(code=code, name=name, name_en=name_en, level=level, parent_code=parent_code)
    session.add(region)
    return region


def add_department(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    region_code: str,
    parent: Department | None = None,
    name_en: str = "",
    phone: str = "",
) -> Department:
    if session.get(Region, region_code) is None:
        raise NotFound(f"region {region_code} does not exist")
    if session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise Conflict(f"department code {code} exists already")
    department = Department(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        region_code=region_code,
        parent_id=parent.id if parent else None,
        phone=phone,
    )
    session.add(department)
    session.flush()
    return department


def department_by_code(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"no department with code {code}")
    return department


def list_departments(session: Session) -> list[Department]:
    return list(
        session.scalars(select(Department).order_by(Department.region_code, Department.code))
    )


# Staff users ------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    department: Department,
    roles: Iterable[Role],
    by: Actor,
    email: str = "",
) -> User:
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("username must be 1 to 80 characters", field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username} is taken")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        department_id=department.id,
        email=email,
        role_rows=[UserRole(role=Role(r)) for r in set(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "user.create",
            by,
            "user",
            str(user.id),
            detail={"username": username, "roles": sorted(r.value for r in user.roles)},
        ),
    )
    return user


def authenticate_user(session: Session, username: str, password: str) -> User:
    """The user with this password, or Unauthorized (the same answer for any failure)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise Unauthorized("username or password is wrong", code="bad-credentials")
    user.last_login_at = utcnow()
    return user


def set_password(
    session: Session, user: User, password: str, by: Actor, keep_session: str | None = None
) -> int:
    """A new password; every session the account has open ends at once (on every app
    process: sessions live in the database), but `keep_session` (the cookie value of
    the session making the change). Returns how many ended."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    ended = sessions.end_for_user(session, user.id, keep=keep_session)
    audit.record(
        session,
        audit.Event("user.password", by, "user", str(user.id), detail={"sessions_ended": ended}),
    )
    return ended


def set_roles(session: Session, user: User, roles: Iterable[Role], by: Actor) -> None:
    user.role_rows = [UserRole(role=Role(r)) for r in set(roles)]
    session.flush()
    audit.record(
        session,
        audit.Event(
            "user.roles",
            by,
            "user",
            str(user.id),
            detail={"roles": sorted(r.value for r in user.roles)},
        ),
    )


def can_manage_department(user: User, department_id: int) -> bool:
    """Platform admins manage every department; department admins their own."""
    if user.is_platform_admin:
        return True
    return Role.department_admin in user.roles and user.department_id == department_id


def require_role(user: User, *roles: Role, department_id: int | None = None) -> None:
    """Forbidden unless the user holds one of `roles` (in `department_id`, if given)."""
    if user.is_platform_admin:
        return
    if not user.roles.intersection(roles):
        names = ", ".join(r.value for r in roles)
        raise Forbidden(f"this needs one of the roles: {names}", code="missing-role")
    if department_id is not None and user.department_id != department_id:
        raise Forbidden("this belongs to another department", code="other-department")


# System clients ---------------------------------------------------------------------


@dataclass
class IssuedClient:
    client: Client
    api_key: str  # shown once, never stored


def create_client(
    session: Session,
    *,
    code: str,
    name: str,
    department: Department,
    scopes: Iterable[str],
    by: Actor,
    expires_at: datetime | None = None,
) -> IssuedClient:
    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in SCOPES]
    if unknown:
        raise Invalid(f"unknown scopes: {', '.join(unknown)}", field="scopes")
    if session.scalar(select(Client.id).where(Client.code == code)) is not None:
        raise Conflict(f"client code {code} exists already")
    key, prefix, key_hash = new_api_key()
    client = Client(
        code=code,
        name=name,
        department_id=department.id,
        key_prefix=prefix,
        key_hash=key_hash,
        scopes=scope_list,
        expires_at=expires_at,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        audit.Event(
            "client.create",
            by,
            "client",
            str(client.id),
            detail={"code": code, "scopes": scope_list},
        ),
    )
    return IssuedClient(client, key)


def rotate_client_key(session: Session, client: Client, by: Actor) -> str:
    key, prefix, key_hash = new_api_key()
    client.key_prefix, client.key_hash = prefix, key_hash
    audit.record(session, audit.Event("client.rotate", by, "client", str(client.id)))
    return key


def revoke_client(session: Session, client: Client, by: Actor) -> None:
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        audit.record(session, audit.Event("client.revoke", by, "client", str(client.id)))


def client_by_code(session: Session, code: str) -> Client:
    client = session.scalar(select(Client).where(Client.code == code))
    if client is None:
        raise NotFound(f"no client with code {code}")
    return client


def authenticate_client(session: Session, api_key: str, scope: str | None = None) -> Client:
    """The client holding this key, checked for expiry, revocation and scope."""
    prefix = split_api_key(api_key)
    client = session.scalar(select(Client).where(Client.key_prefix == prefix)) if prefix else None
    if client is None or not api_key_matches(api_key, client.key_hash):
        raise Unauthorized("the API key is not valid", code="bad-api-key")
    now = utcnow()
    if client.revoked_at is not None:
        raise Unauthorized("the API key has been revoked", code="revoked-api-key")
    if client.expires_at is not None and client.expires_at <= now:
        raise Unauthorized("the API key has expired", code="expired-api-key")
    if scope is not None and scope not in client.scopes:
        raise Forbidden(f"the client lacks the scope {scope}", code="missing-scope", scope=scope)
    return client


# Persons and legal entities ---------------------------------------------------------


def upsert_person(
    session: Session, id_number: str, name: str, *, phone: str = "", email: str = ""
) -> Person:
    try:
        parsed = parse_citizen_id(id_number)
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), field="id_number") from None
    person = session.scalar(select(Person).where(Person.id_number == parsed.number))
    if person is None:
        person = Person(
            id_number=parsed.number,
            name=name,
            gender=parsed.gender,
            birth_date=parsed.birth_date,
            phone=phone,
            email=email,
        )
        session.add(person)
        session.flush()
    return person


def person_by_id_number(session: Session, id_number: str) -> Person:
    person = session.scalar(select(Person).where(Person.id_number == id_number.upper()))
    if person is None:
        raise NotFound("no person with this ID number is registered")
    return person


def upsert_entity(
    session: Session,
    credit_code: str,
    name: str,
    *,
    representative: Person | None = None,
    region_code: str | None = None,
) -> LegalEntity:
    try:
        code = parse_credit_code(credit_code)
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), field="credit_code") from None
    entity = session.scalar(select(LegalEntity).where(LegalEntity.credit_code == code))
    if entity is None:
        entity = LegalEntity(
            credit_code=code,
            name=name,
            region_code=region_code,
            representative_id=representative.id if representative else None,
        )
        session.add(entity)
        session.flush()
        if representative is not None:
            session.add(EntityAgent(entity_id=entity.id, person_id=representative.id))
    return entity


def entities_for(session: Session, person: Person) -> list[LegalEntity]:
    return list(
        session.scalars(
            select(LegalEntity)
            .join(EntityAgent, EntityAgent.entity_id == LegalEntity.id)
            .where(EntityAgent.person_id == person.id)
            .order_by(LegalEntity.name)
        )
    )
