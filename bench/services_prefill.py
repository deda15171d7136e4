"""One-stop service prefill benchmark: five departments' sources fetched concurrently
against the slowest of them fetched alone.

    PYTHONPATH=src python bench/services_prefill.py --people 20000            # SQLite
    PYTHONPATH=src python bench/services_prefill.py --people 20000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It seeds a fresh demo province (`onceonly seed demo`, as bench/exchange_gateway.py does)
and prefills for the featured parents (who have a birth, a marriage, a household and
social insurance) from five departments' resources through the real path,
`services.prefill.fetch_exchange`: the portal's grant, field checks, masking, the source
query through each department's connector, the call log and one audit entry per fetch.
Each round, interleaved so that machine noise hits every mode:

* single: each of the five fetches alone (`fetch_exchange([one], db=…)`), five calls;
* concurrent: the five at once (`fetch_exchange(five, db=…)`), what an application does;
* sequential: the five one after another in one session (the reference without threads).

Target: concurrent p95 ≤ 1.5 × the slowest single source's p95, same run.

The demo's department sources are SQLite files on this machine that answer in well under
a millisecond, so a fetch is mostly Python work, which threads do not overlap (the GIL).
Real department systems are across a network: `--source-latency-ms N` adds N ms of
waiting to every source call (a sleep in the connector, which releases the GIL as a
socket read does) to measure the prefill as it runs against remote sources.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from exchange_gateway import seed
from scratch import drop_database, make_database
from sqlalchemy import select

from onceonly.core.db import Database
from onceonly.core.meta import get_meta
from onceonly.core.settings import DEMO_MASTER_KEY, Settings
from onceonly.exchange import service as exchange_service
from onceonly.identity.models import Person
from onceonly.services.applications import applications, prefill, starting
from onceonly.services.items import service as catalog

# One material per department: public security, health, civil affairs, HRSS, housing fund.
SOURCES = ("ps.residents", "health.births", "ca.marriages", "hrss.insured_persons",
           "hpf.fund_accounts")  # fmt: skip
TARGET = 1.5


def add_source_latency(ms: float) -> None:
    """Every connector's fetch waits `ms` first, as a call to a remote system would."""
    original = exchange_service.connector_for

    class Remote:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def fetch(self, *args: Any, **kwargs: Any) -> Any:
            time.sleep(ms / 1000)
            return self.inner.fetch(*args, **kwargs)

    exchange_service.connector_for = lambda *a, **k: Remote(original(*a, **k))  # type: ignore[assignment]


def subjects(db: Database) -> list[applications.Applicant]:
    with db.session() as session:
        core = get_meta(session, "demo.core")
        wanted = [f["id_number"] for f in core["featured"] if "new " in f["story"]]
        people = session.scalars(select(Person).where(Person.id_number.in_(wanted))).all()
        return [
            applications.Applicant(
                applications.SubjectKind.PERSON, p.id_number, p.name, p.id, p.id_number
            )
            for p in people
        ]


def fetches_for(db: Database, applicant: applications.Applicant) -> list[prefill.Fetch]:
    """The fetches an application would make, one per source (from the demo's items)."""
    with db.session() as session:
        items = [i for b in catalog.list_bundles(session) for i in catalog.bundle_items(b)]
        items += catalog.list_items(session)
        plan = starting.plan_materials(items)
        found, _, _ = starting.exchange_fetches(session, plan, applicant)
    by_source: dict[str, prefill.Fetch] = {}
    for fetch in found:
        by_source.setdefault(fetch.resource_code, fetch)
    missing = [s for s in SOURCES if s not in by_source]
    if missing:
        raise SystemExit(f"the demo has no material fetching from {', '.join(missing)}")
    return [by_source[s] for s in SOURCES]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_round(db: Database, settings: Settings, fetches: list[prefill.Fetch], results) -> None:  # type: ignore[no-untyped-def]
    ref = "BENCH"
    with db.session() as session:  # the bare source call, no gateway around it
        for fetch in fetches:
            info = exchange_service.resource_info(session, fetch.resource_code)
            connector = exchange_service.connector_for(info.kind, info.spec, settings)
            began = time.perf_counter()
            connector.fetch(fetch.subject_key, {}, list(fetch.fields), 2, 0)
            results["raw " + fetch.resource_code].append((time.perf_counter() - began) * 1000)
    for fetch in fetches:
        began = time.perf_counter()
        prefill.fetch_exchange([fetch], "bench", ref, db=db, settings=settings)
        results[fetch.resource_code].append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    answer = prefill.fetch_exchange(fetches, "bench", ref, db=db, settings=settings)
    results["concurrent"].append((time.perf_counter() - began) * 1000)
    failed = [r.error for r in answer.results if r.error and r.error != prefill.NOT_FOUND]
    if failed:
        raise SystemExit(f"a fetch failed: {failed}")
    began = time.perf_counter()
    with db.session() as session:  # committed inside the timing, as the others are
        prefill.fetch_exchange(fetches, "bench", ref, session=session, settings=settings)
    results["sequential"].append((time.perf_counter() - began) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--postgres", help="URL of an existing server database (else SQLite)")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--source-latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    if args.source_latency_ms:
        add_source_latency(args.source_latency_ms)

    workdir = Path(tempfile.mkdtemp(prefix="bench-prefill-"))
    data_dir = workdir / "data"
    url = make_database(args.postgres, workdir, "exchange")
    backend = "PostgreSQL" if args.postgres else "SQLite"
    settings = Settings(
        database_url=url, data_dir=data_dir, master_key=DEMO_MASTER_KEY, demo_mode=True
    )  # type: ignore[call-arg]
    try:
        print(f"seeding {args.people:,} people on {backend} …", flush=True)
        seeded = seed(url, data_dir, args.people)
        db = Database(url)
        plans = [fetches_for(db, person) for person in subjects(db)]
        modes = (*SOURCES, "concurrent", "sequential", *(f"raw {s}" for s in SOURCES))
        results: dict[str, list[float]] = {k: [] for k in modes}
        for n in range(10):  # warm-up: pools, caches, connectors
            run_round(db, settings, plans[n % len(plans)], {k: [] for k in results})
        for n in range(args.rounds):
            run_round(db, settings, plans[n % len(plans)], results)
        db.dispose()
    finally:
        drop_database(args.postgres, url)
    report(results, backend, args, seeded)


def report(results: dict[str, list[float]], backend: str, args, seeded: float) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\n{backend}, {args.people:,} residents (seeded in {seeded:.0f} s), "
        f"{args.rounds} rounds, source latency {args.source_latency_ms:g} ms, "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    print("| mode | p50 ms | p95 ms | p99 ms | mean ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in results.items():
        print(
            f"| {name} | {pct(values, 0.5):.1f} | {pct(values, 0.95):.1f} | "
            f"{pct(values, 0.99):.1f} | {statistics.fmean(values):.1f} |"
        )
    slowest = max(SOURCES, key=lambda s: pct(results[s], 0.95))
    ratio = pct(results["concurrent"], 0.95) / pct(results[slowest], 0.95)
    speedup = statistics.fmean(results["sequential"]) / statistics.fmean(results["concurrent"])
    verdict = "met" if ratio <= TARGET else "MISSED"
    raw = max(pct(results[f"raw {s}"], 0.95) for s in SOURCES)
    print(
        f"\nconcurrent p95 / slowest single p95 ({slowest}) = {ratio:.2f} "
        f"(target ≤ {TARGET}: {verdict}); sequential/concurrent mean = {speedup:.2f}×; "
        f"concurrent p95 / slowest bare source call p95 = "
        f"{pct(results['concurrent'], 0.95) / raw:.2f}"
    )


if __name__ == "__main__":
    main()
