"""The production shape as real processes: `onceonly serve --workers 3` on PostgreSQL,
traffic from several clients, one worker killed with SIGKILL. No request is lost beyond
those in flight at the kill, readiness reports the lost worker, and /metrics adds up
every worker's counts (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

CLIENTS = 4
WORKERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_loses_only_its_requests_in_flight(backend, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if backend.name != "postgresql":
        pytest.skip("the production topology runs on PostgreSQL")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(tmp_path / "data"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "ONCEONLY_LOG_FORMAT": "json",
        "ONCEONLY_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "onceonly", "serve", "--workers", str(WORKERS), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:

        def workers_detail() -> str:
            checks = httpx.get(f"{base}/readyz", timeout=5).json()["checks"]
            return next(c["detail"] for c in checks if c["name"] == "workers")

        _wait(lambda: workers_detail() == f"{WORKERS} process(es) alive", 180, "every worker")
        metrics_dir = tmp_path / "metrics"
        workers = [p for p in _children(server.pid) if any(metrics_dir.glob(f"*_{p}.db"))]
        assert len(workers) == WORKERS

        stop = threading.Event()
        ok: list[int] = []
        failed: list[str] = []

        def client() -> None:
            # A new connection per request: a dead worker only fails what it was doing.
            with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as http:
                while not stop.is_set():
                    try:
                        response = http.get(f"{base}/healthz", timeout=10)
                        if response.status_code == 200:
                            ok.append(1)
                        else:
                            failed.append(str(response.status_code))
                    except httpx.HTTPError as exc:
                        failed.append(type(exc).__name__)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        answered_at_kill = len(ok)
        time.sleep(2.5)
        stop.set()
        for t in threads:
            t.join()

        assert len(failed) <= CLIENTS, failed  # at most one in flight per client
        assert len(ok) > answered_at_kill + 20  # the others kept answering

        readiness = httpx.get(f"{base}/readyz", timeout=10)
        assert readiness.status_code == 200  # still ready: the survivors serve
        detail = workers_detail()
        assert f"gone since start: [{victim}]" in detail, detail

        text = httpx.get(f"{base}/metrics", timeout=10).text
        counted = sum(
            s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "onceonly_http_requests_total" and s.labels["route"] == "/healthz"
        )
        # Every answered request is counted once, whichever worker (dead or alive) served.
        assert len(ok) <= counted <= len(ok) + len(failed)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
