"""Two provinces as two real servers: each seeded and served by its own `onceonly`
process (own database, data directory, address), on SQLite and on PostgreSQL, linked
the way operators link them: descriptors fetched over HTTP, imported by fingerprint,
grants reviewed on the providing side."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from onceonly.core.db import Database
from onceonly.core.settings import DEMO_MASTER_KEY
from tests.conftest import Backend

PEOPLE = 40
PURPOSE = "婚育户一链办：核验配偶户籍"
CLI = [sys.executable, "-m", "onceonly"]
OPERATOR = "federation test operator"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    key: str  # "A" or "B"
    url: str
    db: Database
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def node_id(self) -> str:
        return "CN-330000" if self.key == "A" else "CN-340000"


def _env(key: str, db_url: str, data_dir: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "ONCEONLY_DATABASE_URL": db_url,
        "ONCEONLY_DATA_DIR": str(data_dir),
        "ONCEONLY_BASE_URL": url,
        "ONCEONLY_DEMO_PROVINCE": key,
        "ONCEONLY_MASTER_KEY": DEMO_MASTER_KEY,
        "ONCEONLY_DEMO_MODE": "true",
    }


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            if httpx.get(url + "/api/v1/federation/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def link(importer: Node, exporter: Node) -> None:
    """`importer`'s operator imports `exporter`'s descriptor, checking its fingerprint."""
    from onceonly.federation import messages, service
    from onceonly.federation.cli import CLI_ACTOR

    with exporter.db.session() as session:
        fingerprint = messages.thumbprint(messages.current_key(session).public_jwk)
    document = service.fetch_descriptor(exporter.url)
    with importer.db.session() as session:
        service.import_descriptor(session, document, CLI_ACTOR, fingerprint)


@pytest.fixture(scope="module")
def nodes(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    work = tmp_path_factory.mktemp(f"federation-{backend.name}")
    made: dict[str, Node] = {}
    seeding = []
    for key in ("A", "B"):
        db_url = backend.new_url(f"fed{key.lower()}")
        url = f"http://127.0.0.1:{free_port()}"
        env = _env(key, db_url, work / f"data-{key}", url)
        made[key] = Node(key, url, Database(db_url), env)
        command = [*CLI, "seed", "demo", "--people", str(PEOPLE)]
        seeding.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE))  # fmt: skip
    for process in seeding:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()[-2000:]
    try:
        for node in made.values():
            port = node.url.rsplit(":", 1)[1]
            node.process = subprocess.Popen(
                [*CLI, "serve", "--port", port], env=node.env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for node in made.values():
            assert node.process is not None
            _wait(node.url, node.process)
        link(made["A"], made["B"])
        link(made["B"], made["A"])
        from onceonly.federation import service
        from onceonly.federation.cli import CLI_ACTOR

        with made["B"].db.session() as session:  # B's review: A may read residents
            service.grant(session, "CN-330000", "ps.residents",
                          ["id_number", "name", "gender", "birth_date", "household_no",
                           "division_code", "address", "status"], PURPOSE, CLI_ACTOR)  # fmt: skip
        yield made
    finally:
        for node in made.values():
            if node.process is not None:
                node.process.terminate()
                node.process.wait(timeout=20)
            node.db.dispose()
            backend.drop(node.db.url)
