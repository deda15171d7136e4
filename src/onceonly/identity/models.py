"""Who is who: regions, departments, staff, system clients, persons and legal entities."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core import cache
from onceonly.core.db import Base, DepartmentId, IntPk, JsonList, Name, NameEn, Timestamp, str_enum


class RegionLevel(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"


class Role(enum.StrEnum):
    platform_admin = "platform_admin"
    department_admin = "department_admin"
    data_steward = "data_steward"
    reviewer = "reviewer"
    hotline_operator = "hotline_operator"
    auditor = "auditor"


# The roles of a department's own staff, who work its queues (casework, appeals).
DEPARTMENT_STAFF = (Role.department_admin, Role.data_steward, Role.reviewer)


class Region(Base):
    """An administrative division (GB/T 2260 code), province → city → county."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    # What the department does (public_security, civil_affairs, …): services and
    # dispatch rules route by kind and region rather than by one named department.
    kind: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[Timestamp]

    region: Mapped[Region] = relationship(lazy="joined")


class User(Base):
    """A member of staff who signs in to the workbench or the console."""

    __tablename__ = "users"

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[DepartmentId]
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    last_login_at: Mapped[datetime | None]
    # None: the password is still the one an administrator (or the demo) gave.
    password_changed_at: Mapped[datetime | None]

    department: Mapped[Department] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def is_platform_admin(self) -> bool:
        """Sees and manages every department (the other roles stay in their own)."""
        return Role.platform_admin in self.roles

    def acts_for(self, department_id: int, *roles: Role) -> bool:
        """A platform admin acts for every department; anyone else for their own, with one of
        `roles`."""
        if self.is_platform_admin:
            return True
        return self.department_id == department_id and bool(self.roles.intersection(roles))

    @property
    def department_scope(self) -> int | None:
        """The department a list is limited to: none for a platform administrator."""
        return None if self.is_platform_admin else self.department_id


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, length=30), primary_key=True)


class Client(Base):
    """A department system that calls the APIs with a key (X-Road's 'subsystem')."""

    __tablename__ = "clients"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[Name]
    department_id: Mapped[DepartmentId]
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[JsonList]
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    department: Mapped[Department] = relationship(lazy="joined")

    @classmethod
    def live_at(cls, now: datetime) -> ColumnElement[bool]:
        """SQL: the client's key is neither revoked nor expired at `now`."""
        return and_(cls.revoked_at.is_(None), or_(cls.expires_at.is_(None), cls.expires_at > now))


class Person(Base):
    """A natural person known to the platform, keyed by citizen ID number (GB 11643)."""

    __tablename__ = "persons"

    id: Mapped[IntPk]
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[Timestamp]


class LegalEntity(Base):
    """A company or organisation, keyed by unified social credit code (GB 32100)."""

    __tablename__ = "legal_entities"

    id: Mapped[IntPk]
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[Name]
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    created_at: Mapped[Timestamp]


class EntityAgent(Base):
    """A person allowed to act for a legal entity in the portal."""

    __tablename__ = "entity_agents"
    __table_args__ = (UniqueConstraint("entity_id", "person_id"),)

    id: Mapped[IntPk]
    entity_id: Mapped[int] = mapped_column(ForeignKey("legal_entities.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)


# The exchange gateway caches clients (core.cache): a change must reach every process.
cache.watch(Client)
