"""Several app processes write at once (`onceonly serve --workers N`, real HTTP), the
sequencer runs as its own process and is killed in the middle of the load: afterwards
every accepted appeal has exactly one sequenced `appeal.submitted` entry, the log has no
gap, and it verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from onceonly.audit.checks.verify import verify_log
from onceonly.audit.log.sequencer import lag
from onceonly.audit.models import AuditEntry
from onceonly.core.actors import Actor
from onceonly.identity import service as identity
from onceonly.identity.models import Department

APPEALS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api_key(db) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        hotline = session.scalar(select(Department).where(Department.kind == "hotline"))
        client = identity.create_client(
            session, code="load-app", name="Load test app", department=hotline,
            scopes=["appeals:submit"], by=Actor("system", "test", "test"),
        )  # fmt: skip
        return client.api_key


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 240  # several workers importing the app on a busy machine
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/open311/v2/services.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start")


def _post(base: str, key: str, n: int) -> str | None:
    form = {
        "api_key": key, "service_code": "road-damage", "lat": "30.2741", "long": "120.1551",
        "description": f"load test appeal {n}", "jurisdiction_id": "330105",
    }  # fmt: skip
    for _attempt in range(3):
        try:
            answer = httpx.post(f"{base}/open311/v2/requests.json", data=form, timeout=60)
        except httpx.HTTPError:
            continue
        if answer.status_code == 200:
            return str(answer.json()[0]["service_request_id"])
        return None
    return None


@pytest.mark.slow
def test_writers_in_several_processes_and_a_killed_sequencer(  # type: ignore[no-untyped-def]
    demo_db, demo_settings, backend
) -> None:
    key = _api_key(demo_db)
    port = _free_port()
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": demo_settings.database_url,
        "ONCEONLY_DATA_DIR": str(demo_settings.data_dir),
        "ONCEONLY_AUDIT_SEQUENCER": "external",
        "ONCEONLY_AUDIT_BATCH": "40",
    }
    workers = "4" if backend.name == "postgresql" else "2"
    serve = [sys.executable, "-m", "onceonly", "serve", "--port", str(port), "--workers", workers]
    sequencer = [sys.executable, "-m", "onceonly", "audit", "sequencer"]
    server = subprocess.Popen(serve, env=env, stderr=subprocess.DEVNULL)
    seq = subprocess.Popen(sequencer, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, server)
        with ThreadPoolExecutor(12) as pool:
            first = list(pool.map(lambda n: _post(base, key, n), range(APPEALS // 2)))
            seq.send_signal(signal.SIGKILL)  # killed in the middle of the load
            seq.wait()
            rest = pool.map(lambda n: _post(base, key, n), range(APPEALS // 2, APPEALS))
            seq = subprocess.Popen(sequencer, env=env, stderr=subprocess.DEVNULL)
            accepted = [i for i in [*first, *rest] if i is not None]
        assert len(accepted) == APPEALS
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with demo_db.session() as session:
                if lag(session).waiting == 0:
                    break
            time.sleep(0.2)
    finally:
        for proc in (seq, server):
            proc.send_signal(signal.SIGTERM)
        for proc in (seq, server):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    with demo_db.session() as session:
        submitted = session.execute(
            select(AuditEntry.object_id, func.count(), func.count(AuditEntry.seq))
            .where(AuditEntry.action == "appeal.submitted", AuditEntry.object_id.in_(accepted))
            .group_by(AuditEntry.object_id)
        ).all()
        total, top = session.execute(select(func.count(), func.max(AuditEntry.seq))).one()
    assert len(submitted) == APPEALS
    assert all(count == 1 and sequenced == 1 for _id, count, sequenced in submitted)
    assert total == top  # numbered 1…n without a gap
    report = verify_log(demo_db)
    assert report.ok, report.line()
