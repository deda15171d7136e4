"""The scheduled descriptor refresh: a peer's descriptor is fetched again and checked
with the keys pinned at import; a key that was never pinned is flagged, not taken."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onceonly.audit.models import AuditEntry
from onceonly.federation import localpair, service
from onceonly.federation.trust import messages, refresh
from tests.federation.conftest import Node

pytestmark = pytest.mark.xdist_group("federation")


def test_a_new_key_is_flagged_not_accepted_until_the_operator_pins_it(
    nodes: dict[str, Node],
) -> None:
    a, b = nodes["A"], nodes["B"]
    # B's trust list may have grown since A imported it (an issuer's first licence).
    assert refresh.refresh_peers(a.db)["CN-340000"] in ("ok", "updated")
    assert refresh.refresh_peers(a.db) == {"CN-340000": "ok"}
    with b.db.session() as session:  # B rolls its node key (or someone took its gateway)
        fingerprint = messages.thumbprint(messages.create_key(session).public_jwk)
    try:
        assert refresh.refresh_peers(a.db) == {"CN-340000": "key-changed"}
        with a.db.session() as session:
            check = refresh.checks(session)["CN-340000"]
            assert check.unpinned_key == fingerprint and "not accepted" in check.detail
            pinned = service.get_peer(session, "CN-340000").jwks["keys"]
            assert fingerprint not in {messages.thumbprint(k) for k in pinned}
            flagged = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "federation.peer_key_changed")).all()  # fmt: skip
            assert flagged and flagged[-1].detail["thumbprint"] == fingerprint
    finally:  # A's operator re-imports with the fingerprint B's operator gives out of band
        localpair.link(a, b)
    assert refresh.refresh_peers(a.db) == {"CN-340000": "ok"}
