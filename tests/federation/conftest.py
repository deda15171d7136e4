"""Two provinces as two real servers: each seeded and served by its own `onceonly`
process (own database, data directory, address), on SQLite and on PostgreSQL, linked
the way operators link them: descriptors fetched over HTTP, imported by fingerprint,
grants reviewed on the providing side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onceonly.federation import localpair, service
from onceonly.federation.localpair import LocalNode as Node
from onceonly.federation.localpair import free_port
from onceonly.federation.query.spouse import SPOUSE_PURPOSE
from tests.conftest import Backend

__all__ = ["PURPOSE", "Node", "free_port"]
PEOPLE = 40
PURPOSE = SPOUSE_PURPOSE
GRANTED = ["id_number", "name", "gender", "birth_date", "household_no", "division_code",
           "address", "status"]  # fmt: skip


@pytest.fixture(scope="session")
def nodes(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    work = tmp_path_factory.mktemp(f"federation-{backend.name}")
    made = {
        key: localpair.make_node(key, backend.new_url(f"fed{key.lower()}"), work / key)
        for key in ("A", "B")
    }
    try:
        localpair.seed(list(made.values()), PEOPLE)
        localpair.start(list(made.values()))
        localpair.link(made["A"], made["B"])
        localpair.link(made["B"], made["A"])
        with made["B"].db.session() as session:  # B's review: A may read residents
            service.grant(
                session, "CN-330000", "ps.residents", GRANTED, PURPOSE, localpair.OPERATOR
            )
        yield made
    finally:
        localpair.stop(list(made.values()))
        for node in made.values():
            backend.drop(node.db.url)
