"""Two demo provinces on one machine, each a real `onceonly` process with its own
database, data directory and address, linked the way operators link them. Used by the
federation tests and benchmark; also a recipe for trying federation by hand."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from onceonly.core.actors import Actor
from onceonly.core.db import Database
from onceonly.core.settings import DEMO_MASTER_KEY, Settings, load_settings
from onceonly.federation import service
from onceonly.federation.trust import messages
from onceonly.services.models import ServiceItem

CLI = [sys.executable, "-m", "onceonly"]
OPERATOR = Actor("system", "operator", "federation operator")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalNode:
    key: str  # demo province "A" or "B"
    url: str
    db: Database
    env: dict[str, str] = field(repr=False)
    process: subprocess.Popen[bytes] | None = None

    def settings(self) -> Settings:
        """This node's settings, for calling its services from this process."""
        return load_settings(
            database_url=self.env["ONCEONLY_DATABASE_URL"],
            data_dir=Path(self.env["ONCEONLY_DATA_DIR"]),
            base_url=self.url,
            master_key=DEMO_MASTER_KEY,
            demo_mode=True,
        )

    @property
    def node_id(self) -> str:
        return "CN-330000" if self.key == "A" else "CN-340000"


def make_node(key: str, db_url: str, data_dir: Path) -> LocalNode:
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": db_url,
        "ONCEONLY_DATA_DIR": str(data_dir),
        "ONCEONLY_BASE_URL": url,
        "ONCEONLY_DEMO_PROVINCE": key,
        "ONCEONLY_MASTER_KEY": DEMO_MASTER_KEY,
        "ONCEONLY_DEMO_MODE": "true",
    }
    return LocalNode(key, url, Database(db_url), env)


def seed(nodes: list[LocalNode], people: int) -> None:
    """`onceonly seed demo` for every node, side by side."""
    running = [
        subprocess.Popen([*CLI, "seed", "demo", "--people", str(people)], env=node.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for node in nodes
    ]  # fmt: skip
    for process in running:
        _, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise RuntimeError("seeding failed: " + err.decode()[-2000:])


def start(nodes: list[LocalNode], workers: int = 1) -> None:
    for node in nodes:
        port = node.url.rsplit(":", 1)[1]
        node.process = subprocess.Popen(
            [*CLI, "serve", "--port", port, "--workers", str(workers)], env=node.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    for node in nodes:
        _wait(node)


def _wait(node: LocalNode, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if node.process is not None and node.process.poll() is not None:
            raise RuntimeError(f"the server for {node.url} exited ({node.process.returncode})")
        try:
            if httpx.get(node.url + "/api/v1/federation/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{node.url} did not start")


def link(importer: LocalNode, exporter: LocalNode) -> None:
    """`importer`'s operator imports `exporter`'s descriptor, checking its fingerprint."""
    with exporter.db.session() as session:
        fingerprint = messages.thumbprint(messages.current_key(session).public_jwk)
    document = service.fetch_descriptor(exporter.url)
    with importer.db.session() as session:
        service.import_descriptor(session, document, OPERATOR, fingerprint)


def stop(nodes: list[LocalNode]) -> None:
    for node in nodes:
        if node.process is not None:
            node.process.terminate()
            node.process.wait(timeout=30)
        node.db.dispose()


def province_item(node: LocalNode, name: str) -> ServiceItem:
    """A node's province-level service item (the template) by name, detached."""
    with node.db.session() as session:
        query = select(ServiceItem).where(ServiceItem.name == name)
        item = session.scalar(query.where(ServiceItem.template_id.is_(None)))
        if item is None:
            raise LookupError(f"{node.key} has no item {name}")
        session.expunge(item)
        return item
