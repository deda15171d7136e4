"""Open311 benchmarks: `GET requests.json` over a million appeals, and intake rate.

    PYTHONPATH=src python bench/appeals_open311.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    PYTHONPATH=src python bench/appeals_open311.py --appeals 100000          # SQLite in a temp dir

It makes a fresh platform database (a new PostgreSQL database next to the one named, or
a SQLite file), loads N appeals spread over two years (COPY on PostgreSQL, executemany
on SQLite), starts the real server (`uvicorn onceonly.app:create_app --factory`, as
deployed) and then:

* query: `GET /open311/v2/requests.json` with a random 30-day `start_date`/`end_date`
  window and `status=open` or `closed` (a third also with a `service_code`), one client
  at a time; p50/p95/p99 in ms. Baselines measured in the same run: the same SQL alone
  (no HTTP, no JSON), and `GET discovery.json` (the HTTP stack with no database).
* intake: form-encoded `POST requests.json` with an api_key from C concurrent clients for
  S seconds; appeals per second accepted (each one routed, deadlined, audited).
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from scratch import drop_database, free_port, hammer, make_database, wait_for
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from onceonly.core.settings import DEMO_MASTER_KEY, get_settings

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)
SRC = Path(__file__).resolve().parents[1] / "src"
COLUMNS = (
    "token", "category_code", "urgency", "channel", "description", "address", "lat", "long",
    "region_code", "media_url", "contact_name", "contact_phone", "contact_email", "status",
    "is_open", "status_notes", "department_id", "requested_at", "updated_at", "due_at", "reply",
    "reopen_count",
)  # fmt: skip
STATUSES = ["closed"] * 80 + ["accepted"] * 12 + ["dispatched"] * 5 + ["pending"] * 3


def setup_platform(url: str) -> tuple[str, list[int], list[str]]:
    """Regions, urban-management departments, the categories and an Open311 client."""
    from onceonly.appeals.workflow import routing
    from onceonly.core.actors import Actor
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade
    from onceonly.identity import service as identity
    from onceonly.identity.models import RegionLevel

    os.environ["ONCEONLY_DATABASE_URL"] = url
    get_settings.cache_clear()
    db = Database(url)
    upgrade(db)
    actor = Actor.system("bench")
    with db.session() as session:
        identity.add_region(session, "330000", "示范省", RegionLevel.province)
        identity.add_region(session, "330100", "东湖市", RegionLevel.city, "330000")
        identity.add_region(session, "330105", "湖滨区", RegionLevel.county, "330100")
        routing.ensure_categories(session)
        kinds = {kind for *_, kind, _n, _u, _k in routing.DEFAULT_CATEGORIES}
        departments = []
        for kind in sorted(kinds):
            top = identity.add_department(
                session, code=kind, name=kind, kind=kind, region_code="330000"
            )
            city = identity.add_department(
                session, code=f"{kind}-city", name=f"{kind} city", kind=kind,
                region_code="330100", parent=top,
            )  # fmt: skip
            departments += [top.id, city.id]
        issued = identity.create_client(
            session, code="bench", name="bench", department=city,
            scopes=["appeals:submit"], by=actor,
        )  # fmt: skip
        codes = [c.code for c in routing.list_categories(session)]
    db.dispose()
    return issued.api_key, departments, codes


def rows(n: int, departments: list[int], codes: list[str], start: datetime, seed: int = 1):
    rng = random.Random(seed)
    span = (datetime.now(UTC) - start).total_seconds()
    for i in range(n):  # in arrival order, as a live system writes them
        at = start + timedelta(seconds=span * (i + rng.random()) / n)
        status = rng.choice(STATUSES)
        yield (
            f"bench{i}", rng.choice(codes), "normal", "phone", "路面破损，需要修补。",
            "湖滨区解放路 1 号", 30.27, 120.15, "330105", "", "", "13800000000", "", status,
            status != "closed", "已处理" if status == "closed" else "",
            rng.choice(departments), at, at, at + timedelta(days=7), "", 0,
        )  # fmt: skip


def load(url: str, n: int, departments: list[int], codes: list[str], start: datetime) -> float:
    began = time.perf_counter()
    if url.startswith("postgresql"):
        import psycopg

        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY appeals ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(n, departments, codes, start):
                    copy.write_row(row)
            cur.execute("ANALYZE appeals")
    else:
        from onceonly.appeals.models import Appeal

        engine = create_engine(url)
        batch: list[dict[str, object]] = []
        with engine.begin() as conn:
            for row in rows(n, departments, codes, start):
                batch.append(dict(zip(COLUMNS, row, strict=True)))
                if len(batch) == 20000:
                    conn.execute(insert(Appeal), batch)
                    batch = []
            if batch:
                conn.execute(insert(Appeal), batch)
            conn.execute(text("ANALYZE"))
        engine.dispose()
    return time.perf_counter() - began


def start_server(url: str, workers: int, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "ONCEONLY_DATABASE_URL": url,
        "ONCEONLY_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(SRC),
    }
    command = [
        sys.executable, "-m", "uvicorn", "onceonly.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}/open311/v2"
    wait_for(f"{base}/discovery.json", server)
    return server, base


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50": pick(0.5),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.fmean(ordered),
    }


def windows(count: int, start: datetime, codes: list[str], seed: int = 2):
    rng = random.Random(seed)
    span = (datetime.now(UTC) - timedelta(days=30) - start).total_seconds()
    for i in range(count):
        lo = start + timedelta(seconds=rng.random() * span)
        params = {
            "start_date": lo.isoformat(),
            "end_date": (lo + timedelta(days=30)).isoformat(),
            "status": rng.choice(["open", "closed"]),
        }
        if i % 3 == 0:
            params["service_code"] = rng.choice(codes)
        yield params


def bench_queries(base: str, url: str, count: int, start: datetime, codes: list[str]) -> None:
    from onceonly.appeals import queries
    from onceonly.appeals.api import parse_datetime
    from onceonly.core.db import Database

    plan = list(windows(count, start, codes))
    db = Database(url)
    sql: list[float] = []
    with db.session() as session:
        for params in plan:
            query = queries.RequestQuery(
                codes=[params["service_code"]] if "service_code" in params else [],
                start=parse_datetime("start_date", params["start_date"]),
                end=parse_datetime("end_date", params["end_date"]),
                is_open=params["status"] == "open",
            )
            began = time.perf_counter()
            queries.search(session, query)
            sql.append((time.perf_counter() - began) * 1000)
    db.dispose()
    http: list[float] = []
    sizes: list[int] = []
    bare: list[float] = []
    with httpx.Client(timeout=30) as client:
        for params in plan[:5]:  # warm up
            client.get(f"{base}/requests.json", params=params)
        for params in plan:
            began = time.perf_counter()
            response = client.get(f"{base}/requests.json", params=params)
            http.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
            sizes.append(len(response.json()))
        for _ in range(count):
            began = time.perf_counter()
            client.get(f"{base}/discovery.json")
            bare.append((time.perf_counter() - began) * 1000)
    show("GET requests.json (HTTP, ms)", percentiles(http))
    print(f"  results per page: mean {statistics.fmean(sizes):.0f}, max {max(sizes)}")
    show("baseline: same SQL only (ms)", percentiles(sql))
    show("baseline: GET discovery.json (ms)", percentiles(bare))


def show(label: str, stats: dict[str, float]) -> None:
    print(f"{label}: " + ", ".join(f"{k} {v:.1f}" for k, v in stats.items()))


def bench_intake(base: str, api_key: str, seconds: float, clients: int, codes: list[str]) -> None:
    def post(client: httpx.Client, rng: random.Random) -> bool:
        form = {
            "api_key": api_key,
            "service_code": rng.choice(codes),
            "lat": "30.27",
            "long": "120.15",
            "description": "井盖缺失，夜间行人容易踩空。",
            "jurisdiction_id": "330105",
            "phone": "13900000000",
        }
        return client.post(f"{base}/requests.json", data=form).status_code == 200

    def bare(client: httpx.Client, rng: random.Random) -> bool:
        return client.get(f"{base}/discovery.json").status_code == 200

    baseline, _, _ = hammer(min(seconds, 5), clients, bare)
    rate, ok, failed = hammer(seconds, clients, post)
    print(
        f"intake: {rate:.0f} appeals/s sustained over {seconds:.0f} s "
        f"({clients} clients, {ok} accepted, {failed} failed); "
        f"baseline GET discovery.json {baseline:.0f} requests/s, ratio {rate / baseline:.2f}"
    )
    print(f"  load average during the run: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL; a fresh database is made beside it")
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--intake-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = make_database(args.postgres, workdir, "appeals")
        server = None
        try:
            api_key, departments, codes = setup_platform(url)
            start = datetime.now(UTC) - timedelta(days=730)
            took = load(url, args.appeals, departments, codes, start)
            print(f"loaded {args.appeals} appeals in {took:.0f} s ({args.appeals / took:.0f}/s)")
            server, base = start_server(url, args.workers, workdir)
            bench_queries(base, url, args.queries, start, codes)
            bench_intake(base, api_key, args.intake_seconds, args.clients, codes)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            if not args.keep:
                drop_database(args.postgres, url)


if __name__ == "__main__":
    main()
