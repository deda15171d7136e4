"""A revocation bites at once in every server process, not only in the one that made it:
`onceonly serve --workers 2` on PostgreSQL over real HTTP, the key and then the grant
revoked from this (third) process between one burst of calls and the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from onceonly.core.db import utcnow
from onceonly.identity.models import Client
from onceonly.sharing.models import Grant
from tests.audit.test_scale_out import _free_port, _wait_up
from tests.exchange.conftest import Gateway

URL = "/api/v1/exchange/t.residents/query"
BURST = 24  # concurrent calls, so that both workers answer some


def _burst(base: str, gateway: Gateway) -> list[tuple[int, str]]:
    body = {"subject_key": gateway.people[0]["id_number"], "purpose": "benefit check"}

    def one(_n: int) -> tuple[int, str]:
        answer = httpx.post(base + URL, json=body, headers=gateway.headers(), timeout=60)
        return answer.status_code, answer.json().get("type", "")

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(BURST)))


@pytest.mark.slow
def test_revocations_stop_every_worker_at_once(backend, request) -> None:  # type: ignore[no-untyped-def]
    if backend.name != "postgresql":
        pytest.skip("several workers on one database is the PostgreSQL deployment")
    settings = request.getfixturevalue("demo_settings")
    db = request.getfixturevalue("demo_db")
    gateway: Gateway = request.getfixturevalue("gateway")
    port = _free_port()
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(settings.data_dir),
    }
    serve = [sys.executable, "-m", "onceonly", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(serve, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, server)
        assert {status for status, _type in _burst(base, gateway)} == {200}
        with db.session() as session:
            client = session.scalar(select(Client).where(Client.code == gateway.client_code))
            client.revoked_at = utcnow()
        revoked_key = _burst(base, gateway)
        assert all(s == 401 and t.endswith("revoked-api-key") for s, t in revoked_key)

        with db.session() as session:
            client = session.scalar(select(Client).where(Client.code == gateway.client_code))
            client.revoked_at = None  # the key back, so that the grant is what refuses next
        assert {status for status, _type in _burst(base, gateway)} == {200}
        with db.session() as session:
            grant = session.get(Grant, gateway.grant_id)
            grant.revoked_at, grant.revoke_reason = utcnow(), "purpose ended"
        revoked_grant = _burst(base, gateway)
        assert all(s == 403 and t.endswith("grant-revoked") for s, t in revoked_grant)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
