"""Federation set-up: this node's identity and signed descriptor, the peers an operator
imported, the resources offered to other provinces and the grants reviewed for each peer.

The queries themselves are in `serve` (the providing side) and `client` (the asking side).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog import service as catalog
from onceonly.catalog.models import ShareClass
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, Forbidden, Invalid, NotFound, UpstreamError
from onceonly.core.meta import get_meta, set_meta
from onceonly.federation.models import Message, Nonce, Offer, Peer
from onceonly.federation.trust import messages
from onceonly.identity import service as identity
from onceonly.identity.models import Client, Department
from onceonly.licences.credentials import trust
from onceonly.sharing import service as sharing
from onceonly.sharing.models import Grant

NODE_META = "federation.node"
DESCRIPTOR_DAYS = 30


@dataclass(frozen=True)
class Node:
    node_id: str
    name: str
    name_en: str
    gateway_url: str


def init_node(
    session: Session, node_id: str, name: str, gateway_url: str, by: Actor, name_en: str = ""
) -> Node:
    """Name this node (once; a second call may only change the name and gateway URL)."""
    node_id = node_id.strip()
    if not node_id or len(node_id) > 60 or not node_id.replace("-", "").isalnum():
        raise Invalid("a node id is letters, digits and dashes, at most 60", field="node_id")
    if not gateway_url.startswith(("http://", "https://")):
        raise Invalid("the gateway URL must start with http:// or https://", field="gateway_url")
    current = get_meta(session, NODE_META)
    if current and current["node_id"] != node_id:
        raise Conflict(f"this node is {current['node_id']} already; a node id never changes")
    node = Node(node_id, name.strip(), name_en.strip(), gateway_url.rstrip("/"))
    set_meta(session, NODE_META, node.__dict__)
    messages.current_key(session)
    audit.record(session, audit.Event("federation.node_set", by, "node", node_id, detail={
        "name": node.name, "gateway_url": node.gateway_url}))  # fmt: skip
    return node


def this_node(session: Session) -> Node:
    value = get_meta(session, NODE_META)
    if not value:
        raise Conflict(
            "this platform has no federation identity yet: run `onceonly federation init`",
            code="no-node-identity",
        )
    return Node(**value)


# Offers and grants -------------------------------------------------------------------


def offer(session: Session, resource_code: str, fields: list[str] | None, by: Actor) -> Offer:
    """Offer a resource to other provinces; its share class must allow sharing."""
    resource = catalog.get_resource(session, resource_code)
    if resource.share_class is ShareClass.NOT_SHARED:
        raise Forbidden(
            f"{resource.code} is classed not shared (不予共享): it cannot be offered",
            code="not-shareable",
        )
    names = [f.name for f in resource.fields]
    chosen = list(dict.fromkeys(fields or names))
    if unknown := [f for f in chosen if f not in names]:
        raise Invalid(f"{resource.code} has no fields {', '.join(unknown)}", field="fields")
    row = session.scalar(select(Offer).where(Offer.resource_code == resource.code))
    if row is None:
        row = Offer(resource_code=resource.code, created_by=by.label or by.ref())
        session.add(row)
    row.fields = chosen
    session.flush()
    audit.record(session, audit.Event("federation.offer", by, "resource", resource.code,
                                      detail={"fields": chosen}))  # fmt: skip
    return row


def offers(session: Session) -> list[Offer]:
    return list(session.scalars(select(Offer).order_by(Offer.resource_code)))


def offered(session: Session, resource_code: str) -> Offer:
    row = session.scalar(select(Offer).where(Offer.resource_code == resource_code))
    if row is None:
        raise Forbidden(
            f"resource {resource_code} is not offered to other provinces", code="not-offered"
        )
    return row


def grant(
    session: Session,
    peer_node: str,
    resource_code: str,
    fields: list[str],
    purpose: str,
    by: Actor,
    clear_fields: list[str] | None = None,
    days: int = 365,
) -> Grant:
    """A cross-province grant, decided on the providing side: the peer's client may read
    these offered fields for this purpose (the purpose its requests must name)."""
    peer = get_peer(session, peer_node)
    row = offered(session, resource_code)
    if outside := [f for f in fields if f not in row.fields]:
        raise Invalid(f"fields not offered: {', '.join(outside)}", field="fields")
    if len(purpose.strip()) < 2:
        raise Invalid("name the purpose the peer may query for", field="purpose")
    resource = catalog.get_resource(session, resource_code)
    if resource.share_class is ShareClass.NOT_SHARED:
        raise Forbidden(f"{resource.code} is classed not shared", code="not-shareable")
    client = peer_client(session, peer)
    return sharing.grant_directly(
        session,
        client=client,
        resource=resource,
        fields=fields,
        clear_fields=clear_fields or fields,
        purpose=purpose.strip(),
        expires_at=utcnow() + timedelta(days=days),
        by=by,
    )


# Descriptors -------------------------------------------------------------------------


def descriptor(session: Session) -> str:
    """This node's signed descriptor: identity, gateway, offers, keys and licence issuers."""
    node = this_node(session)
    resources = []
    for row in offers(session):
        resource = catalog.get_resource(session, row.resource_code)
        resources.append({"code": resource.code, "name": resource.name, "fields": row.fields,
                          "share_class": resource.share_class.value})  # fmt: skip
    now = int(time.time())
    payload = {
        "iss": node.node_id,
        "name": node.name,
        "name_en": node.name_en,
        "gateway_url": node.gateway_url,
        "iat": now,
        "exp": now + DESCRIPTOR_DAYS * 86400,
        "jwks": messages.public_keys(session),
        "resources": resources,
        # Licence issuers, so that the peer recognises this province's e-licences.
        "trust_list": trust.export_list(session),
        "trust_list_key": trust.platform_jwk(session),
    }
    return messages.sign(session, messages.DESCRIPTOR, payload)


def import_descriptor(
    session: Session, document: str, by: Actor, fingerprint: str | None = None
) -> Peer:
    """Verify a peer's descriptor and store the peer, its keys and its licence issuers.

    A first import must name the fingerprint of the signing key the operator got from
    the peer's operator out of band (`fingerprint`); a later one is accepted when signed
    by a key already on file (the peer rolled its keys) or with a fingerprint again.
    """
    header, claimed = messages.peek(document)
    node_id = str(claimed.get("iss", ""))[:60]
    if not node_id:
        raise Invalid("the descriptor names no node", code="bad-descriptor")
    me = this_node(session)
    if node_id == me.node_id:
        raise Invalid("that is this node's own descriptor", code="bad-descriptor")
    peer = session.scalar(select(Peer).where(Peer.node_id == node_id))
    published = claimed.get("jwks")
    candidates = published.get("keys", []) if isinstance(published, dict) else []
    keys = [k for k in candidates if isinstance(k, dict) and k.get("kid") == header.get("kid")]
    if fingerprint is not None:
        if not keys or messages.thumbprint(keys[0]) != fingerprint.strip():
            raise Forbidden(
                f"the descriptor of {node_id} is not signed by the key with that fingerprint",
                code="fingerprint-mismatch",
            )
        payload = messages.verify(document, {"keys": keys}, messages.DESCRIPTOR)
    elif peer is not None:
        payload = messages.verify(document, peer.jwks, messages.DESCRIPTOR)
    else:
        raise Forbidden(
            f"{node_id} is not known yet: give the fingerprint of its key "
            "(its operator reads it from `onceonly federation descriptor`)",
            code="fingerprint-required",
        )
    if int(payload.get("exp", 0)) < time.time():
        raise Invalid("the descriptor has expired: fetch a fresh one", code="bad-descriptor")
    gateway = str(payload.get("gateway_url", ""))
    if not gateway.startswith(("http://", "https://")):
        raise Invalid("the descriptor names no gateway URL", code="bad-descriptor")
    if peer is None:
        peer = Peer(node_id=node_id, client_id=_peer_client(session, node_id, by).id)
        session.add(peer)
    peer.name = str(payload.get("name", node_id))[:200]
    peer.gateway_url = gateway.rstrip("/")[:300]
    peer.jwks = {"keys": list(payload["jwks"]["keys"])}
    peer.resources = [r for r in payload.get("resources", []) if isinstance(r, dict)]
    peer.descriptor = document.strip()
    peer.imported_at = utcnow()
    peer.imported_by = by.label or by.ref()
    peer.disabled_at = None
    session.flush()
    issuers = trust.import_list(session, payload["trust_list"], payload["trust_list_key"], by)
    audit.record(session, audit.Event("federation.peer_imported", by, "peer", node_id, detail={
        "gateway_url": peer.gateway_url, "resources": [r.get("code") for r in peer.resources],
        "issuers": len(issuers), "descriptor": peer.descriptor}))  # fmt: skip
    return peer


def fetch_descriptor(url: str, timeout: float = 5.0) -> str:
    """A peer's descriptor fetched from its gateway (`…/api/v1/federation/descriptor`)."""
    if not url.startswith(("http://", "https://")):
        raise Invalid("give the peer's http:// or https:// address", field="url")
    if "/api/v1/federation/descriptor" not in url:
        url = url.rstrip("/") + "/api/v1/federation/descriptor"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise UpstreamError(f"could not fetch {url}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise UpstreamError(f"{url} answered {response.status_code}")
    return response.text.strip()


def _peer_client(session: Session, node_id: str, by: Actor) -> Client:
    """The system client the peer's queries are made under; its grants are the peer's."""
    operator = session.scalar(
        select(Department).where(Department.kind == "data_bureau").order_by(Department.id)
    )
    if operator is None:
        raise Conflict("no data bureau department to hold the peer's client")
    issued = identity.create_client(
        session, code=f"fed-{node_id}", name=f"federation peer {node_id}",
        department=operator, scopes=["exchange:query"], by=by,
    )  # fmt: skip
    return issued.client  # its API key is never used: peers authenticate by signature


def peer_client(session: Session, peer: Peer) -> Client:
    """The system client the peer's queries read under (made when it was imported)."""
    client = session.get(Client, peer.client_id)
    if client is None:
        raise Conflict(f"the system client of peer {peer.node_id} is gone: import it again")
    return client


def peers(session: Session) -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.node_id)))


def get_peer(session: Session, node_id: str) -> Peer:
    peer = session.scalar(select(Peer).where(Peer.node_id == node_id))
    if peer is None:
        raise NotFound(f"no federation peer {node_id!r}: import its descriptor first")
    return peer


def disable_peer(session: Session, node_id: str, by: Actor) -> None:
    peer = get_peer(session, node_id)
    peer.disabled_at = utcnow()
    audit.record(session, audit.Event("federation.peer_disabled", by, "peer", node_id))


# Bookkeeping --------------------------------------------------------------------------


def log_message(
    session: Session, direction: str, peer_node: str, resource: str, status: int,
    problem: str, ms: float,
) -> None:  # fmt: skip
    session.add(Message(direction=direction, peer_node=peer_node[:60], resource_code=resource[:60],
                        status=status, problem=problem[:60], duration_ms=ms))  # fmt: skip


def forget_nonces(session: Session, now: datetime | None = None) -> int:
    """Drop nonces whose messages have expired anyway (a replay would be refused as late)."""
    rows = session.scalars(select(Nonce).where(Nonce.expires_at < (now or utcnow()))).all()
    for row in rows:
        session.delete(row)
    return len(rows)


@dataclass
class Traffic:
    peer_node: str
    direction: str
    ok: int
    refused: int
    last_at: datetime | None
    avg_ms: float


def traffic(session: Session, since: datetime | None = None) -> list[Traffic]:
    """Messages per peer and direction: answered, refused or failed, the latest, mean time."""
    ok = func.sum(case((Message.status == 200, 1), else_=0))
    query = select(
        Message.peer_node, Message.direction, func.count(), ok, func.max(Message.at),
        func.avg(Message.duration_ms),
    ).group_by(Message.peer_node, Message.direction)  # fmt: skip
    if since is not None:
        query = query.where(Message.at >= since)
    out = []
    for node, direction, count, good, last, avg in session.execute(query):
        good = int(good or 0)
        out.append(Traffic(node, direction, good, int(count) - good, last, float(avg or 0)))
    return sorted(out, key=lambda t: (t.peer_node, t.direction))


def as_dict(peer: Peer) -> dict[str, Any]:
    return {
        "node_id": peer.node_id,
        "name": peer.name,
        "gateway_url": peer.gateway_url,
        "resources": [r.get("code") for r in peer.resources],
        "imported_at": peer.imported_at.isoformat(),
        "disabled": peer.disabled_at is not None,
    }
