"""What the benchmarks share: a throwaway database for one run (a SQLite file, or a fresh
PostgreSQL database on the server `--postgres` names, dropped afterwards), a server
started on a free port and waited for, and a load run on threads."""

from __future__ import annotations

import random
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def make_database(postgres: str | None, workdir: Path, label: str) -> str:
    if postgres is None:
        return f"sqlite:///{workdir / f'bench-{label}.db'}"
    name = f"oo_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(postgres).set(database=name).render_as_string(hide_password=False)


def drop_database(postgres: str | None, url: str) -> None:
    if postgres is None:
        return
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait (a minute at most) until the server answers `url`; stop it if it never does."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {url}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"no answer from {url}")


def run_threads(worker: Callable[[int], None], count: int) -> float:
    """Run worker(0) … worker(count - 1) at once, one thread each; the seconds they took."""
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def hammer(
    seconds: float, clients: int, call: Callable[[httpx.Client, random.Random], bool]
) -> tuple[float, int, int]:
    """Run `call(client, rng)` from `clients` threads for `seconds`, each with its own seeded
    random source; (successful calls per second, ok, failed). `call` says whether it worked."""
    done = [0] * clients
    failed = [0] * clients
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop:
                if call(client, rng):
                    done[index] += 1
                else:
                    failed[index] += 1

    elapsed = run_threads(worker, clients)
    return sum(done) / elapsed, sum(done), sum(failed)
