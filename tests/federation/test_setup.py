"""Importing a peer's descriptor: only with the fingerprint told out of band the first
time, then only when signed by a key on file; tampered, foreign and own descriptors are
refused and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.errors import Forbidden, Invalid, Problem, Unauthorized
from onceonly.federation import service
from onceonly.federation.models import Peer
from onceonly.federation.trust import messages
from onceonly.identity import service as identity
from onceonly.identity.models import RegionLevel
from onceonly.licences.credentials import keys
from onceonly.licences.models import TrustedIssuer
from tests.conftest import Backend

OPERATOR = Actor("system", "test", "operator")


def _node(db: Database, code: str, name: str) -> None:
    with db.session() as session:
        identity.add_region(session, code, name, RegionLevel.province)
        identity.add_department(session, code="dsb", name=name + "大数据局", kind="data_bureau",
                                region_code=code)  # fmt: skip
        service.init_node(session, f"CN-{code}", name, f"http://{code}.example", OPERATOR)


@pytest.fixture
def pair(db: Database, backend: Backend, template_url: str) -> Iterator[tuple[Database, Database]]:
    other_url = backend.clone(template_url, "peer")
    other = Database(other_url)
    _node(db, "330000", "示范省")
    _node(other, "340000", "示范二省")
    yield db, other
    other.dispose()
    backend.drop(other_url)


def _descriptor(db: Database) -> tuple[str, str]:
    with db.session() as session:
        document = service.descriptor(session)
        return document, messages.thumbprint(messages.current_key(session).public_jwk)


def _import(db: Database, document: str, fingerprint: str | None = None) -> Peer:
    with db.session() as session:
        peer = service.import_descriptor(session, document, OPERATOR, fingerprint)
        session.expunge(peer)
        return peer


def _peers(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Peer.node_id)))


def test_a_first_import_needs_the_right_fingerprint(pair: tuple[Database, Database]) -> None:
    a, b = pair
    document, fingerprint = _descriptor(b)
    with pytest.raises(Forbidden) as unknown:
        _import(a, document)
    assert unknown.value.code == "fingerprint-required"
    with pytest.raises(Forbidden) as wrong:
        _import(a, document, _descriptor(a)[1])
    assert wrong.value.code == "fingerprint-mismatch"
    assert _peers(a) == []

    peer = _import(a, document, fingerprint)
    assert (peer.node_id, peer.name, peer.gateway_url) == ("CN-340000", "示范二省",
                                                           "http://340000.example")  # fmt: skip
    # A refreshed descriptor signed by a key on file needs no fingerprint.
    again, _ = _descriptor(b)
    assert _import(a, again).node_id == "CN-340000"
    assert _peers(a) == ["CN-340000"]


def test_tampered_and_own_descriptors_are_refused(pair: tuple[Database, Database]) -> None:
    a, b = pair
    document, fingerprint = _descriptor(b)
    head, body, signature = document.split(".")
    tampered = f"{head}.{body[:-6]}AAAAAA.{signature}"
    with pytest.raises(Problem) as bad:
        _import(a, tampered, fingerprint)
    assert isinstance(bad.value, Unauthorized | Forbidden)
    with pytest.raises(Unauthorized):
        _import(a, "not a descriptor", fingerprint)
    own, own_fingerprint = _descriptor(a)
    with pytest.raises(Invalid):
        _import(a, own, own_fingerprint)
    assert _peers(a) == []


def test_importing_a_peer_recognises_its_licence_issuers(pair: tuple[Database, Database]) -> None:
    a, b = pair
    with b.session() as session:
        keys.current_key(session, identity.department_by_code(session, "dsb").id)
    document, fingerprint = _descriptor(b)
    _import(a, document, fingerprint)
    with a.session() as session:
        issuers = session.scalars(select(TrustedIssuer.iss)).all()
    assert [i.endswith("/issuers/dsb") for i in issuers] == [True]


def test_prune_drops_only_the_nonces_of_expired_requests(db: Database) -> None:
    from datetime import timedelta

    from onceonly.core.db import utcnow
    from onceonly.federation.models import Nonce
    from onceonly.federation.tasks import prune_nonces

    with db.session() as session:
        session.add(Nonce(peer_node="CN-1", nonce="old-nonce", expires_at=utcnow() - timedelta(1)))
        session.add(Nonce(peer_node="CN-1", nonce="live-nonce", expires_at=utcnow() + timedelta(1)))
    assert prune_nonces(db) == 1
    with db.session() as session:
        assert session.scalars(select(Nonce.nonce)).all() == ["live-nonce"]
