"""This node's identity and keys, the peers it trusts, what it offers them, and the
nonces and traffic of the signed messages between nodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onceonly.core.db import Base, utcnow


class NodeKey(Base):
    """This node's Ed25519 signing key (private half sealed under the master key)."""

    __tablename__ = "federation_node_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(40), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    sealed_private: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class Peer(Base):
    """Another province's node, known from the signed descriptor an operator imported."""

    __tablename__ = "federation_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    gateway_url: Mapped[str] = mapped_column(String(300))
    jwks: Mapped[dict[str, Any]] = mapped_column(JSON)
    resources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    descriptor: Mapped[str] = mapped_column(Text)  # the signed descriptor, as imported
    # The system client under which this peer's queries read local data (its grants).
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120))
    disabled_at: Mapped[datetime | None]


class Offer(Base):
    """A local resource this node offers to other provinces (named in its descriptor)."""

    __tablename__ = "federation_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(60), unique=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class Nonce(Base):
    """A request id seen from a peer: a second message with it is a replay. The unique
    key makes the check hold across every app process sharing the database."""

    __tablename__ = "federation_nonces"
    __table_args__ = (UniqueConstraint("peer_node", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_node: Mapped[str] = mapped_column(String(60))
    nonce: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Message(Base):
    """One signed exchange with a peer, either way, for the operator's traffic figures."""

    __tablename__ = "federation_messages"
    __table_args__ = (Index("ix_federation_messages_peer_at", "peer_node", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    direction: Mapped[str] = mapped_column(String(3))  # "in" (served) or "out" (asked)
    peer_node: Mapped[str] = mapped_column(String(60))
    resource_code: Mapped[str] = mapped_column(String(60))
    status: Mapped[int]  # HTTP status of the answer (0: no answer)
    problem: Mapped[str] = mapped_column(String(60), default="")
    duration_ms: Mapped[float]
