"""This node's identity and keys, the peers it trusts, what it offers them, and the
nonces and traffic of the signed messages between nodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, FreeText, IntPk, Name, Timestamp


class NodeKey(Base):
    """This node's Ed25519 signing key (private half sealed under the master key)."""

    __tablename__ = "federation_node_keys"

    id: Mapped[IntPk]
    kid: Mapped[str] = mapped_column(String(40), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    sealed_private: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    retired_at: Mapped[datetime | None]


class Peer(Base):
    """Another province's node, known from the signed descriptor an operator imported."""

    __tablename__ = "federation_peers"

    id: Mapped[IntPk]
    node_id: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[Name]
    gateway_url: Mapped[str] = mapped_column(String(300))
    jwks: Mapped[dict[str, Any]] = mapped_column(JSON)
    resources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    descriptor: Mapped[str] = mapped_column(Text)  # the signed descriptor, as imported
    # The system client under which this peer's queries read local data (its grants).
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    imported_at: Mapped[Timestamp]
    imported_by: Mapped[str] = mapped_column(String(120))
    disabled_at: Mapped[datetime | None]


class Offer(Base):
    """A local resource this node offers to other provinces (named in its descriptor)."""

    __tablename__ = "federation_offers"

    id: Mapped[IntPk]
    resource_code: Mapped[str] = mapped_column(String(60), unique=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(120))


class Nonce(Base):
    """A request id seen from a peer: a second message with it is a replay. The unique
    key makes the check hold across every app process sharing the database."""

    __tablename__ = "federation_nonces"
    __table_args__ = (UniqueConstraint("peer_node", "nonce"),)

    id: Mapped[IntPk]
    peer_node: Mapped[str] = mapped_column(String(60))
    nonce: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Message(Base):
    """One signed exchange with a peer, either way, for the operator's traffic figures."""

    __tablename__ = "federation_messages"
    __table_args__ = (Index("ix_federation_messages_peer_at", "peer_node", "at"),)

    id: Mapped[IntPk]
    at: Mapped[Timestamp]
    direction: Mapped[str] = mapped_column(String(3))  # "in" (served) or "out" (asked)
    peer_node: Mapped[str] = mapped_column(String(60))
    resource_code: Mapped[str] = mapped_column(String(60))
    status: Mapped[int]  # HTTP status of the answer (0: no answer)
    problem: Mapped[str] = mapped_column(String(60), default="")
    duration_ms: Mapped[float]


class RoutedCase(Base):
    """A 跨省通办 case between two nodes. On the node where it was applied for
    (direction "out") it tracks sending the case and the decision coming back; on the
    home node (direction "in") it ties the peer's case reference to the local
    application, and tracks reporting the decision back."""

    __tablename__ = "federation_routed_cases"
    __table_args__ = (UniqueConstraint("direction", "peer_node", "case_ref"),)

    id: Mapped[IntPk]
    direction: Mapped[str] = mapped_column(String(3))
    peer_node: Mapped[str] = mapped_column(String(60))
    # The applying node's application reference (the case reference both sides use).
    case_ref: Mapped[str] = mapped_column(String(40))
    remote_ref: Mapped[str] = mapped_column(String(30), default="")  # the home node's
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_cases.id"))
    # out: pending → sent → decided, or refused; in: received → reported.
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[FreeText]
    reason: Mapped[FreeText]  # a refusal's or rejection's
    licence_type: Mapped[str] = mapped_column(String(40), default="")
    licence_serial: Mapped[str] = mapped_column(String(40), default="")
    credential: Mapped[FreeText]  # the e-licence as issued
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class CaseAcceptance(Base):
    """The home node's review: it takes routed cases of this item from this peer."""

    __tablename__ = "federation_case_acceptances"
    __table_args__ = (UniqueConstraint("peer_node", "basic_code"),)

    id: Mapped[IntPk]
    peer_node: Mapped[str] = mapped_column(String(60))
    basic_code: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(120))


class PeerCheck(Base):
    """The latest scheduled re-fetch of a peer's descriptor: reachable, still signed by
    a key pinned at import, or flagged for the operator (a key this node never pinned)."""

    __tablename__ = "federation_peer_checks"

    id: Mapped[IntPk]
    peer_node: Mapped[str] = mapped_column(String(60), unique=True)
    checked_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(40))  # ok, updated, unreachable, key-changed…
    detail: Mapped[FreeText]
    # The thumbprint of an unpinned key a descriptor was signed with (for the operator
    # to compare with what the peer's operator tells them), else "".
    unpinned_key: Mapped[str] = mapped_column(String(100), default="")
    last_ok_at: Mapped[datetime | None]
