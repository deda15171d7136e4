"""Open data against Datasette, the same million-row SQLite table, in the same run.

    python3 -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip install datasette   # not in the app's venv
    PYTHONPATH=src python bench/opendata_datasette.py --datasette /tmp/dsvenv/bin/datasette

It writes a source table of N rows (default 1,000,000), registers it as an
unconditionally open resource on a scratch SQLite platform database, publishes it and
takes a snapshot (timed), then starts both servers, each as one process:

* onceonly: `uvicorn onceonly.app:create_app --factory` (as deployed);
* Datasette: `datasette serve -i <the snapshot's rows.db>` — the very file onceonly
  serves, so both answer from the same table with the same indexes.

Then:
* rows: filtered queries returning 100 rows as JSON with the matching-row count
  (onceonly `/api/opendata/datasets/<code>/rows?district=…&industry=…&limit=100`,
  Datasette `/rows/rows.json?district=…&industry=…&_size=100&_shape=objects`), random
  filter values, C concurrent clients for S seconds, alternating servers over R rounds;
  requests per second and the ratio onceonly / Datasette.
* csv: the whole table as CSV from onceonly (rows/s), and the server's peak RSS after
  exporting a tenth of the rows versus after exporting all of them.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import httpx
from scratch import free_port, hammer, wait_for

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
from onceonly.core.settings import DEMO_MASTER_KEY  # noqa: E402

DISTRICTS = [f"区{i:02d}" for i in range(16)]
INDUSTRIES = [f"行业{i:02d}" for i in range(20)]
STATUSES = ["存续", "在业", "吊销", "注销"]


def make_source(path: Path, n: int) -> None:
    rng = random.Random(1)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute(
        "CREATE TABLE companies (company_no TEXT, name TEXT, district TEXT, industry TEXT,"
        " status TEXT, employees INTEGER, capital REAL, founded TEXT)"
    )
    start = date(1990, 1, 1)
    batch = 50_000
    for first in range(0, n, batch):
        conn.executemany(
            "INSERT INTO companies VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    f"C{i:08d}",
                    f"企业{i}号有限公司",
                    rng.choice(DISTRICTS),
                    rng.choice(INDUSTRIES),
                    rng.choice(STATUSES),
                    rng.randint(1, 5000),
                    round(rng.uniform(1, 10_000), 2),
                    (start + timedelta(days=rng.randint(0, 12_000))).isoformat(),
                )
                for i in range(first, min(n, first + batch))
            ],
        )
    conn.commit()
    conn.close()


def setup_platform(workdir: Path, source: Path, n: int) -> tuple[str, dict[str, float]]:
    """A scratch platform with the table published twice: all rows and a tenth."""
    os.environ.update(
        ONCEONLY_DATABASE_URL=f"sqlite:///{workdir / 'platform.db'}",
        ONCEONLY_DATA_DIR=str(workdir / "data"),
        ONCEONLY_MASTER_KEY=DEMO_MASTER_KEY,
    )
    from onceonly.catalog import service as catalog
    from onceonly.catalog.schemas import FieldIn, ResourceIn
    from onceonly.core.actors import Actor
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade
    from onceonly.core.settings import get_settings
    from onceonly.identity import service as identity
    from onceonly.identity.models import RegionLevel
    from onceonly.opendata import service
    from onceonly.opendata.publishing.snapshots import refresh

    settings = get_settings()
    db = Database(settings.database_url)
    upgrade(db)
    actor = Actor.system("bench")
    fields = [
        FieldIn(name="company_no", description="No.", sensitivity="public"),
        FieldIn(name="name", description="Name", sensitivity="public"),
        FieldIn(name="district", description="District", sensitivity="public"),
        FieldIn(name="industry", description="Industry", sensitivity="public"),
        FieldIn(name="status", description="Status", sensitivity="public"),
        FieldIn(name="employees", type="integer", description="Staff", sensitivity="public"),
        FieldIn(name="capital", type="number", description="Capital", sensitivity="public"),
        FieldIn(name="founded", type="date", description="Founded", sensitivity="public"),
    ]
    with db.session() as session:
        identity.add_region(session, "330000", "浙江省", RegionLevel.province, None, "Zhejiang")
        department = identity.add_department(
            session,
            code="amr",
            name="市场监督管理局",
            kind="market_regulation",
            region_code="330000",
        )
        for code, config in [
            ("bench.companies", {"url": f"sqlite:///{source}", "table": "companies"}),
            (
                "bench.tenth",
                {"url": f"sqlite:///{source}", "query": f"SELECT * FROM companies LIMIT {n // 10}"},
            ),
        ]:
            spec = ResourceIn(
                code=code, name=code, subject_type="entity", key_field="company_no",
                share_class="unconditional", open_class="unconditional",
                connector_kind="sql", connector_config=config, fields=fields,
            )  # fmt: skip
            resource = catalog.register_resource(session, spec, department, actor)
            service.publish(session, resource, actor)
    timings = {}
    for code in ("bench.companies", "bench.tenth"):
        started = time.perf_counter()
        result = refresh(db, settings, code, actor)
        assert result.ok, result.error
        timings[code] = time.perf_counter() - started
    db.dispose()
    return str(settings.data_dir), timings


def start_onceonly() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "uvicorn", "onceonly.app:create_app", "--factory",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/api/3/action/status_show", process)
    return process, base


def start_datasette(executable: str, db_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    settings = ["--setting", "suggest_facets", "off", "--setting", "default_facet_size", "0"]
    command = [executable, "serve", "-i", str(db_file), "--port", str(port), *settings]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/-/versions.json", process)
    return process, base


def hammer_pages(
    seconds: float, clients: int, url_for: Callable[[random.Random], str]
) -> tuple[float, int]:
    """Pages per second from `clients` threads for `seconds`, and how many failed: every
    answer is checked to be a full page of 100 rows."""

    def full_page(client: httpx.Client, rng: random.Random) -> bool:
        response = client.get(url_for(rng))
        return response.status_code == 200 and len(response.json()["rows"]) == 100

    rate, _, failed = hammer(seconds, clients, full_page)
    return rate, failed


def filters(rng: random.Random) -> str:
    query = f"district={rng.choice(DISTRICTS)}"
    if rng.random() < 0.5:
        query += f"&industry={rng.choice(INDUSTRIES)}"
    return query


def with_filters(url: str, rng: random.Random) -> str:
    return url + filters(rng)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def export_csv(url: str) -> tuple[int, float]:
    rows = 0
    started = time.perf_counter()
    with httpx.stream("GET", url, timeout=600) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes(1 << 20):
            rows += chunk.count(b"\n")
    return rows - 1, time.perf_counter() - started


def bench_csv(ours: str, theirs: str, pid: int) -> None:
    """Whole-table CSV (a tenth, then all: peak RSS must not grow), a filtered CSV
    encoded on the fly, and Datasette's streamed CSV of the whole table."""
    downloads = f"{ours}/api/opendata/datasets"
    before = peak_rss_mb(pid)
    runs = [
        ("onceonly, a tenth", f"{downloads}/bench.tenth/download.csv"),
        ("onceonly, all rows", f"{downloads}/bench.companies/download.csv"),
        ("onceonly, all rows, BOM", f"{downloads}/bench.companies/download.csv?bom=1"),
        (
            "onceonly, filtered (on the fly)",
            f"{downloads}/bench.companies/download.csv?status=存续",
        ),
        ("Datasette, all rows (_stream=on)", f"{theirs}/rows/rows.csv?_stream=on&_size=max"),
    ]
    print(f"onceonly peak RSS before exports: {before:.0f} MB")
    for label, url in runs:
        rows, seconds = export_csv(url)
        rss = peak_rss_mb(pid)
        print(f"csv {label}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
              f"onceonly peak RSS {rss:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--datasette", default="/tmp/dsvenv/bin/datasette", help="the datasette executable"
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.datasette).exists():
        raise SystemExit(
            f"no datasette at {args.datasette}: see the module docstring to install it"
        )
    version = subprocess.run(
        [args.datasette, "--version"], capture_output=True, text=True
    ).stdout.strip()
    machine = f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores"
    print(f"# {machine}, {version}")
    with tempfile.TemporaryDirectory(prefix="oo-bench-opendata-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        make_source(workdir / "source.db", args.rows)
        print(f"source: {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
        data_dir, timings = setup_platform(workdir, workdir / "source.db", args.rows)
        for code, seconds in timings.items():
            print(f"snapshot {code}: {seconds:.1f} s")
        snapshot_file = Path(data_dir) / "opendata" / "bench.companies" / "g000001" / "rows.db"

        onceonly, ours = start_onceonly()
        datasette, theirs = start_datasette(args.datasette, snapshot_file)
        try:
            ours_url = f"{ours}/api/opendata/datasets/bench.companies/rows?limit=100&"
            theirs_url = f"{theirs}/rows/rows.json?_size=100&_shape=objects&"
            # Warm both (page cache, connection pools) before measuring.
            hammer_pages(2, args.clients, lambda rng: ours_url + filters(rng))
            hammer_pages(2, args.clients, lambda rng: theirs_url + filters(rng))
            results: dict[str, list[float]] = {"onceonly": [], "datasette": []}
            for round_no in range(args.rounds):
                for name, url in (("onceonly", ours_url), ("datasette", theirs_url))[
                    :: 1 if round_no % 2 == 0 else -1
                ]:
                    rate, errors = hammer_pages(
                        args.seconds, args.clients, partial(with_filters, url)
                    )
                    results[name].append(rate)
                    print(f"round {round_no + 1} {name}: {rate:,.0f} req/s ({errors} errors)")
            ours_rate = sum(results["onceonly"]) / args.rounds
            theirs_rate = sum(results["datasette"]) / args.rounds
            print(
                f"rows: onceonly {ours_rate:,.0f} req/s, Datasette {theirs_rate:,.0f} req/s, "
                f"ratio {ours_rate / theirs_rate:.2f} (target >= 1.0)"
            )

            bench_csv(ours, theirs, onceonly.pid)
        finally:
            for process in (onceonly, datasette):
                process.terminate()
                process.wait(timeout=10)


if __name__ == "__main__":
    main()
