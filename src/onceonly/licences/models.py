"""The licence library, issuer signing keys and the trust list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, DepartmentId, IntPk, JsonList, Name, Timestamp


class IssuerKey(Base):
    """One signing key of an issuer department; retired keys stay published (by kid)."""

    __tablename__ = "licence_issuer_keys"

    id: Mapped[IntPk]
    # None: the platform's own key that signs exported trust lists.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    sealed_private: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    retired_at: Mapped[datetime | None]


class Licence(Base):
    """A licence as issued: who holds it, who issued it, its status index."""

    __tablename__ = "licences"
    __table_args__ = (
        Index("ix_licences_holder_type", "holder_code", "type_code"),
        UniqueConstraint("issuer_department_id", "status_index"),
    )

    id: Mapped[IntPk]
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    type_code: Mapped[str] = mapped_column(String(40))
    # Citizen ID number or credit code: the holder must find their licences by it,
    # as the persons table does. It never goes to logs or the audit detail.
    holder_code: Mapped[str] = mapped_column(String(18))
    issuer_department_id: Mapped[DepartmentId]
    kid: Mapped[str] = mapped_column(String(64))
    # Idempotency key of the source row, so a resumed bulk issue makes no duplicates.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # Index into the issuer's Token Status List (2 bits per licence).
    status_index: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="valid")
    issued_at: Mapped[Timestamp]
    valid_until: Mapped[datetime | None]
    credential: Mapped[str] = mapped_column(Text)  # the full SD-JWT with every disclosure


class TrustedIssuer(Base):
    """An issuer of another region whose licences this platform recognises."""

    __tablename__ = "licence_trusted_issuers"

    id: Mapped[IntPk]
    iss: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(300))  # the platform whose list named it
    jwks: Mapped[dict[str, list[dict[str, str]]]] = mapped_column(JSON)
    # Licence type codes recognised from this issuer; empty = every type.
    types: Mapped[JsonList]
    imported_at: Mapped[Timestamp]


class Verifier(Base):
    """A registered verifier (a bank, another province's office) that asks citizens for
    presentations, OpenID4VP style: its client id goes into the key-binding JWT's `aud`,
    and results are posted to its `response_uri` (direct_post)."""

    __tablename__ = "licence_verifiers"

    id: Mapped[IntPk]
    client_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[Name]
    response_uri: Mapped[str] = mapped_column(String(1000))
    redirect_uri: Mapped[str] = mapped_column(String(1000), default="")
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    revoked_at: Mapped[datetime | None]


class PresentationRequest(Base):
    """A verifier's request for claims of one licence type, answered once by the holder."""

    __tablename__ = "licence_presentation_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # also OpenID4VP `state`
    verifier_id: Mapped[int] = mapped_column(
        ForeignKey("licence_verifiers.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(40))
    claims: Mapped[JsonList]
    purpose: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # approved, declined
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    delivery: Mapped[str] = mapped_column(String(300), default="")  # what response_uri said


class CredentialOffer(Base):
    """An OpenID4VCI credential offer (pre-authorised code flow) of one licence to the
    holder's own wallet: the code, then the access token, each usable once and briefly;
    only their SHA-256 digests are kept."""

    __tablename__ = "licence_credential_offers"

    id: Mapped[IntPk]
    licence_id: Mapped[int] = mapped_column(
        ForeignKey("licences.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    c_nonce: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12), default="offered")  # token, issued
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime]
