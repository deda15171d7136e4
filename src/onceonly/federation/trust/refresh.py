"""Keeping peers' descriptors fresh (the `federation.refresh` job, hourly).

Each active peer's descriptor is fetched again from its gateway (outside any
transaction) and checked against the keys pinned when the operator imported it:
- signed by a pinned key and unchanged: the check is `ok`;
- signed by a pinned key and changed (a key added for a roll-over, new offers, a new
  trust list): it is imported as a re-import would be (`updated`, audited);
- signed by a key this node never pinned: **not accepted**. The check is flagged
  `key-changed` with that key's thumbprint, audited, and shown on the console; the
  operator re-imports with the fingerprint the peer's operator gives out of band;
- not reachable, or not a descriptor of that node: recorded as such.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Problem
from onceonly.federation import service
from onceonly.federation.models import Peer, PeerCheck
from onceonly.federation.trust import messages

REFRESHER = Actor("system", "federation-refresh", "descriptor refresh")
SAME = ("name", "gateway_url", "jwks", "resources", "trust_list", "trust_list_key")


@dataclass
class Outcome:
    status: str
    detail: str = ""
    unpinned_key: str = ""


def refresh_peers(db: Database) -> dict[str, str]:
    """Re-fetch and check every active peer's descriptor; each peer's status."""
    with db.session() as session:
        targets = [(p.node_id, p.gateway_url) for p in service.peers(session)
                   if p.disabled_at is None]  # fmt: skip
    statuses = {}
    for node_id, url in targets:
        try:
            document = service.fetch_descriptor(url)
        except Problem as problem:
            outcome = Outcome("unreachable", problem.detail)
        else:
            with db.session() as session:
                outcome = check(session, service.get_peer(session, node_id), document)
        with db.session() as session:
            record(session, node_id, outcome)
        statuses[node_id] = outcome.status
    return statuses


def check(session: Session, peer: Peer, document: str) -> Outcome:
    """Compare a freshly fetched descriptor with what is on file; import it only when it
    is signed by a pinned key and says something new."""
    try:
        header, claimed = messages.peek(document)
    except Problem as problem:
        return Outcome("bad-descriptor", problem.detail)
    if claimed.get("iss") != peer.node_id:
        return Outcome("bad-descriptor", f"the descriptor is of {claimed.get('iss')!r}")
    try:
        fresh = messages.verify(document, peer.jwks, messages.DESCRIPTOR)
    except Problem:
        return _unpinned(session, peer, header, claimed)
    if _content(fresh) == _content(messages.peek(peer.descriptor)[1]):
        return Outcome("ok")
    try:
        with session.begin_nested():
            service.import_descriptor(session, document, REFRESHER)
    except Problem as problem:
        return Outcome(problem.code, problem.detail)
    return Outcome("updated", "the descriptor changed and was imported")


def _content(payload: dict[str, Any]) -> dict[str, Any]:
    """What a descriptor says, less when it was signed (the trust list is a JWS of its
    own, signed afresh at each fetch: its issuers are what counts)."""
    content = {k: payload.get(k) for k in SAME}
    with suppress(Problem):
        trust_list = messages.peek(str(payload.get("trust_list", "")))[1]
        content["trust_list"] = trust_list.get("issuers")
    return content


def _unpinned(
    session: Session, peer: Peer, header: dict[str, Any], claimed: dict[str, Any]
) -> Outcome:
    published = claimed.get("jwks") if isinstance(claimed.get("jwks"), dict) else {}
    keys = [k for k in (published or {}).get("keys", [])
            if isinstance(k, dict) and k.get("kid") == header.get("kid")]  # fmt: skip
    try:
        thumb = messages.thumbprint(keys[0]) if keys else ""
    except (ValueError, KeyError, TypeError):
        thumb = ""
    detail = ("the descriptor is signed by a key that was never pinned for this peer: "
              "not accepted; re-import it with the fingerprint its operator gives you")  # fmt: skip
    audit.record(session, audit.Event("federation.peer_key_changed", REFRESHER, "peer",
                                      peer.node_id, detail={"kid": str(header.get("kid", "")),
                                                            "thumbprint": thumb}))  # fmt: skip
    return Outcome("key-changed", detail, thumb)


def record(session: Session, node_id: str, outcome: Outcome) -> PeerCheck:
    row = session.scalar(select(PeerCheck).where(PeerCheck.peer_node == node_id))
    if row is None:
        row = PeerCheck(peer_node=node_id)
        session.add(row)
    row.checked_at, row.status = utcnow(), outcome.status
    row.detail, row.unpinned_key = outcome.detail[:2000], outcome.unpinned_key[:100]
    if outcome.status in ("ok", "updated"):
        row.last_ok_at = row.checked_at
    session.flush()
    return row


def checks(session: Session) -> dict[str, PeerCheck]:
    return {c.peer_node: c for c in session.scalars(select(PeerCheck))}
