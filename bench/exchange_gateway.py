"""Exchange gateway benchmark: keyed person look-ups, full gateway path vs bare route.

    PYTHONPATH=src python bench/exchange_gateway.py --people 100000            # SQLite
    PYTHONPATH=src python bench/exchange_gateway.py --people 100000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It seeds a fresh demo province with `onceonly seed demo --people N` (a new PostgreSQL
database next to the one named, or a SQLite file in a temp dir), registers the household
register resource if the catalog's demo has not (`ps.residents`), gives a system client a
grant on it, and starts one real server (`uvicorn onceonly.app:create_app --factory`)
with ONCEONLY_BENCH_ROUTES=1. Then, from C client threads for S seconds each, it looks
up random residents by ID number through

* bare: `POST /api/v1/exchange/ps.residents/bare` — the same source query, no key, no
  grant, no masking, no audit (the baseline), and
* full: `POST /api/v1/exchange/ps.residents/query` — key, grant, field check, subject-key
  check, rate limit, source query, masking, call log, one audit append,

alternating bare/full/bare/full so drift hits both. Targets: full-path throughput ≥ 70%
of bare, full p99 ≤ 2× bare p99.

With `--cache-ab` it starts a second server whose workers have the gateway's short
client/grant/resource caches switched off (`bench/uncached_app.py`) and alternates
**full** on each, reporting uncached/cached: what the caches buy. `--workers` sets the
uvicorn workers of each server.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from scratch import drop_database, free_port, make_database, run_threads, wait_for
from sqlalchemy import create_engine, select, text

from onceonly.core.settings import DEMO_MASTER_KEY, get_settings

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)
os.environ["ONCEONLY_DEMO_MODE"] = "true"
BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"
RESOURCE = "ps.residents"
FIELDS = ["id_number", "name", "gender", "birth_date", "household_no", "address"]


def child_env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ONCEONLY_DATABASE_URL": url,
        "ONCEONLY_DATA_DIR": str(data_dir),
        "ONCEONLY_DEMO_MODE": "true",
        "PYTHONPATH": os.pathsep.join([str(SRC), str(BENCH)]),
    }


def seed(url: str, data_dir: Path, people: int) -> float:
    began = time.perf_counter()
    command = [sys.executable, "-m", "onceonly", "seed", "demo", "--people", str(people)]
    subprocess.run(command, env=child_env(url, data_dir), check=True, capture_output=True)
    return time.perf_counter() - began


def grant_client(url: str, data_dir: Path) -> tuple[str, list[str]]:
    """A client with a grant on the household register; a sample of ID numbers."""
    from onceonly.catalog import service as catalog
    from onceonly.catalog.models import Resource
    from onceonly.catalog.schemas import ResourceIn
    from onceonly.core.actors import Actor
    from onceonly.core.db import Database
    from onceonly.demo.sources import source_url
    from onceonly.identity import service as identity
    from onceonly.sharing import service as sharing

    os.environ["ONCEONLY_DATABASE_URL"] = url
    os.environ["ONCEONLY_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    actor = Actor.system("bench")
    db = Database(url)
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == RESOURCE))
        if resource is None:  # the catalog's demo is not on this branch yet
            spec = ResourceIn.model_validate({
                "code": RESOURCE, "name": "常住人口登记", "subject_type": "person",
                "key_field": "id_number", "share_class": "conditional",
                "connector_kind": "sql",
                "connector_config": {"source": "ps", "table": "residents"},
                "fields": [{"name": f, "sensitivity": "personal"} for f in FIELDS],
            })  # fmt: skip
            ps = identity.department_by_code(session, "ps")
            resource = catalog.register_resource(session, spec, ps, actor)
        issued = identity.create_client(
            session, code=f"bench-{uuid.uuid4().hex[:6]}", name="bench",
            department=identity.department_by_code(session, "hrss"),
            scopes=["exchange:query"], by=actor,
        )  # fmt: skip
        sharing.grant_directly(
            session, client=issued.client, resource=resource, fields=FIELDS,
            purpose="benchmark", rate_limit_per_minute=10**9, by=actor,
        )  # fmt: skip
    db.dispose()
    source = create_engine(source_url(url, data_dir, "ps"))
    with source.connect() as conn:
        keys = list(conn.scalars(text("SELECT id_number FROM residents")))
    source.dispose()
    random.Random(1).shuffle(keys)
    return issued.api_key, keys[:5000]


def start_server(
    url: str, data_dir: Path, workers: int = 1, factory: str = "onceonly.app:create_app"
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = child_env(url, data_dir) | {"ONCEONLY_BENCH_ROUTES": "1"}
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers), "--timeout-worker-healthcheck", "30",  # as `onceonly serve`
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/api/v1/departments", server)
    return server, base


def run(base: str, mode: str, api_key: str, keys: list[str], seconds: float, threads: int):  # type: ignore[no-untyped-def]
    path = f"/api/v1/exchange/{RESOURCE}/" + ("bare" if mode == "bare" else "query")
    headers = {} if mode == "bare" else {"authorization": f"Bearer {api_key}"}
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while time.monotonic() < stop:
                body = {"subject_key": rng.choice(keys), "fields": FIELDS, "purpose": "bench"}
                began = time.perf_counter()
                response = client.post(path, json=body)
                latencies[n].append((time.perf_counter() - began) * 1000)
                if response.status_code != 200 or len(response.json()["rows"]) != 1:
                    failures[n] += 1

    elapsed = run_threads(worker, threads)
    samples = sorted(s for part in latencies for s in part)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    return {
        "calls": len(samples),
        "rps": len(samples) / elapsed,
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.fmean(samples),
        "failures": sum(failures),
    }


def merge(parts: list[dict[str, float]]) -> dict[str, float]:
    """Median of the rounds: a busy machine slows some rounds a lot, not all a little."""
    keys = ("rps", "p50", "p95", "p99", "mean")
    merged = {k: statistics.median(p[k] for p in parts) for k in keys}
    merged["calls"] = sum(p["calls"] for p in parts)
    merged["failures"] = sum(p["failures"] for p in parts)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--postgres", help="URL of an existing server database (else SQLite)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per round and mode")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server")
    parser.add_argument("--cache-ab", action="store_true", help="also full with caches off")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    data_dir = workdir / "data"
    url = make_database(args.postgres, workdir, "exchange")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    servers: list[subprocess.Popen[bytes]] = []
    try:
        print(f"seeding {args.people:,} people on {backend} …", flush=True)
        seeded = seed(url, data_dir, args.people)
        api_key, keys = grant_client(url, data_dir)
        server, base = start_server(url, data_dir, args.workers)
        servers.append(server)
        bases = {"bare": base, "full": base}
        if args.cache_ab:
            server, bases["uncached"] = start_server(
                url, data_dir, args.workers, "uncached_app:create_app"
            )
            servers.append(server)
        for mode, mode_base in bases.items():  # warm-up: pools, caches, every worker
            run(mode_base, mode, api_key, keys, 2, args.threads)
        results: dict[str, list[dict[str, float]]] = {mode: [] for mode in bases}
        for _ in range(args.rounds):
            for mode, mode_base in bases.items():
                part = run(mode_base, mode, api_key, keys, args.seconds, args.threads)
                results[mode].append(part)
                print(f"round {len(results[mode])} {mode}: {part['rps']:.0f} req/s, "
                      f"p50 {part['p50']:.1f}, p95 {part['p95']:.1f} ms", flush=True)  # fmt: skip
        merged = {mode: merge(parts) for mode, parts in results.items()}
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        drop_database(args.postgres, url)
    report(merged, args, backend, seeded)


def report(merged: dict[str, dict[str, float]], args, backend: str, seeded: float) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\n{backend}, {args.people:,} residents (seeded in {seeded:.0f} s), "
        f"{args.threads} client threads, {args.workers} uvicorn worker(s) per server, "
        f"{args.rounds} rounds × {args.seconds:.0f} s, medians, {platform.machine()}"
    )
    print("| mode | calls | req/s | p50 ms | p95 ms | p99 ms | failures |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in merged.items():
        print(
            f"| {name} | {r['calls']:,} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['p99']:.1f} | {r['failures']} |"
        )
    bare, full = merged["bare"], merged["full"]
    print(
        f"throughput full/bare: **{full['rps'] / bare['rps']:.0%}** (target ≥ 70%); "
        f"p99 full/bare: **{full['p99'] / bare['p99']:.2f}×** (target ≤ 2×)"
    )
    if uncached := merged.get("uncached"):
        print(
            f"uncached/cached: throughput **{uncached['rps'] / full['rps']:.0%}**, "
            f"p50 **{uncached['p50'] / full['p50']:.2f}×**, "
            f"p95 **{uncached['p95'] / full['p95']:.2f}×**"
        )


if __name__ == "__main__":
    main()
