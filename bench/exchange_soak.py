"""Exchange soak: the full gateway path at capacity for N minutes — errors and memory.

    PYTHONPATH=src python bench/exchange_soak.py --minutes 10                  # SQLite
    PYTHONPATH=src python bench/exchange_soak.py --minutes 10 --workers 2 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Same set-up as `exchange_gateway.py` (whose helpers it uses): a fresh demo province, a
client with a grant on the household register, one real uvicorn server on loopback.
Then C client threads send `POST /api/v1/exchange/ps.residents/query` as fast as the
server answers, for N minutes, in windows of W seconds. Each window reports calls,
req/s, p95, p99, failures (any answer but 200 with one row, or a transport error), of
them the 5xx answers, and the server's resident memory (VmRSS, summed over the uvicorn
process and its workers with `--workers N`). Targets: zero failures; memory flat — the last
window's RSS within 10% of the first window's (after a warm-up window).
Bounded: loopback only, at most 60 minutes, at most 32 threads.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The sibling benchmark's set-up (seed, grant, server), not repeated here.
from exchange_gateway import (
    FIELDS,
    RESOURCE,
    grant_client,
    seed,
    start_server,
)
from scratch import drop_database, make_database, run_threads


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (uvicorn's worker processes)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += rss_mb(int(child))
    return total


def soak(base: str, api_key: str, keys: list[str], seconds: float, threads: int):  # type: ignore[no-untyped-def]
    """One window: (calls, failures, 5xx answers, sorted latencies in ms, elapsed s)."""
    path = f"/api/v1/exchange/{RESOURCE}/query"
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures = [0] * threads
    errors = [0] * threads  # of the failures, answers 500-599
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n + int(time.time()))
        headers = {"authorization": f"Bearer {api_key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while time.monotonic() < stop:
                body = {"subject_key": rng.choice(keys), "fields": FIELDS, "purpose": "soak"}
                began = time.perf_counter()
                try:
                    response = client.post(path, json=body)
                    ok = response.status_code == 200 and len(response.json()["rows"]) == 1
                    errors[n] += response.status_code >= 500
                except httpx.HTTPError:
                    ok = False
                latencies[n].append((time.perf_counter() - began) * 1000)
                failures[n] += 0 if ok else 1

    elapsed = run_threads(worker, threads)
    samples = sorted(s for part in latencies for s in part)
    return len(samples), sum(failures), sum(errors), samples, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--postgres", help="URL of an existing server database (else SQLite)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=30.0, help="seconds per report line")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    if not 0 < args.minutes <= 60 or not 1 <= args.threads <= 32 or not 1 <= args.workers <= 8:
        raise SystemExit("--minutes in (0, 60], --threads in [1, 32], --workers in [1, 8]")

    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    data_dir = workdir / "data"
    url = make_database(args.postgres, workdir, "exchange")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    server = None
    rows: list[tuple[int, int, int, float, float, float, float]] = []
    try:
        print(f"seeding {args.people:,} people on {backend} …", flush=True)
        seed(url, data_dir, args.people)
        api_key, keys = grant_client(url, data_dir)
        server, base = start_server(url, data_dir, args.workers)
        soak(base, api_key, keys, min(args.window, 10), args.threads)  # warm-up
        windows = max(1, round(args.minutes * 60 / args.window))
        print("| window | calls | req/s | p95 ms | p99 ms | failures | 5xx | server RSS MB |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
        for n in range(windows):
            window = soak(base, api_key, keys, args.window, args.threads)
            calls, failed, errors, samples, elapsed = window
            p95, p99 = percentile(samples, 0.95), percentile(samples, 0.99)
            rows.append((calls, failed, errors, calls / elapsed, p95, p99, rss_mb(server.pid)))
            print(
                f"| {n + 1} | {calls:,} | {calls / elapsed:,.0f} | {p95:.1f} | {p99:.1f} "
                f"| {failed} | {errors} | {rows[-1][6]:.1f} |",
                flush=True,
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        drop_database(args.postgres, url)
    total = sum(r[0] for r in rows)
    failed = sum(r[1] for r in rows)
    errors = sum(r[2] for r in rows)
    growth = rows[-1][6] / rows[0][6] - 1
    p95 = sorted(r[4] for r in rows)[len(rows) // 2]
    print(
        f"\n{backend}, {args.people:,} residents, {args.threads} client threads, "
        f"{args.workers} uvicorn worker(s), {args.minutes:g} min, {platform.machine()}: "
        f"{total:,} calls, **{failed} failures, {errors} 5xx** (target 0); median window p95 "
        f"{p95:.0f} ms; RSS {rows[0][6]:.0f} → {rows[-1][6]:.0f} MB, **{growth:+.1%}** "
        f"(target within ±10%)"
    )


def percentile(samples: list[float], share: float) -> float:
    return samples[min(len(samples) - 1, int(share * len(samples)))] if samples else 0.0


if __name__ == "__main__":
    main()
