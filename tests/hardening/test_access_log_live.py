"""The access log of a real `onceonly serve` process keeps no ID number or phone number
(issue 20): not from a query string, not from a path, not from a request id a client
sent. The unit tests in test_privacy/test_logs prove the filters; this proves they are
the ones uvicorn's own access log passes through, in both log formats, as a server runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ID_NUMBER = "11010519491231002X"  # valid GB 11643 checksum
PHONE = "13812345678"
REQUESTS = [
    f"/catalog?q={ID_NUMBER}",
    f"/api/v1/catalog/resources?q={PHONE}&offset=0",
    f"/services?q={ID_NUMBER}&phone={PHONE}",
    f"/no/such/page/{ID_NUMBER}",  # a 404: the path itself is logged
    f"/workbench/people?id_number={ID_NUMBER.lower()}",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings, tmp_path: Path, log_format: str) -> tuple[subprocess.Popen[bytes], str, Path]:  # type: ignore[no-untyped-def]
    port = _free_port()
    log = tmp_path / f"server-{log_format}.log"
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": settings.database_url,
        "ONCEONLY_DATA_DIR": str(tmp_path / "data"),
        "ONCEONLY_LOG_FORMAT": log_format,
        "ONCEONLY_LOG_LEVEL": "INFO",
        "ONCEONLY_AUDIT_SEQUENCER": "external",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "onceonly", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return server, f"http://127.0.0.1:{port}", log


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("the server did not start")


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_running_server_logs_no_id_or_phone_number(
    backend, settings, tmp_path, log_format
) -> None:  # type: ignore[no-untyped-def]
    if backend.name != "sqlite":
        pytest.skip("the log does not depend on the database; one backend is enough")
    server, base, log = _serve(settings, tmp_path, log_format)
    try:
        _wait_until_up(base, server)
        with httpx.Client(base_url=base, timeout=30) as client:
            for path in REQUESTS:
                client.get(path)
            client.get("/healthz", headers={"x-request-id": f"req-{ID_NUMBER}"})
    finally:
        server.terminate()
        server.wait(30)
    raw = log.read_text(encoding="utf-8", errors="replace")
    text = raw.replace("\\u2026", "…").replace('\\"', '"')  # JSON lines escape these
    # The access log was on and saw the requests (else the test proves nothing) …
    assert '"GET /catalog?… HTTP/1.1" 200' in text, text[-2000:]
    assert '"GET /api/v1/catalog/resources?… HTTP/1.1" 200' in text
    assert '"GET /no/such/page/110105************ HTTP/1.1" 404' in text
    assert "req-110105************" in text  # the client's request id, masked
    # … and kept neither number, in any case or spelling.
    for secret in (ID_NUMBER, ID_NUMBER.lower(), PHONE, ID_NUMBER[6:14]):
        assert secret not in text, [line for line in text.splitlines() if secret in line]
