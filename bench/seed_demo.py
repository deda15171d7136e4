"""Benchmark `onceonly seed demo` at two sizes: time, residents/s and peak memory.

Flat memory is shown as a ratio measured in the same run: peak RSS at the large size
over peak RSS at the small size (1.0 = independent of size).

    PYTHONPATH=src python bench/seed_demo.py --small 100000 --large 1000000 --backend sqlite
    PYTHONPATH=src python bench/seed_demo.py --backend postgresql \
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PEAK = re.compile(r"peak memory (\d+) MB")
SRC = str(Path(__file__).resolve().parents[1] / "src")


def scratch_url(backend: str, workdir: Path, postgres_url: str) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"oo_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False), name


def drop(postgres_url: str, name: str | None) -> None:
    if name:
        engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def run_seed(people: int, backend: str, postgres_url: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        url, name = scratch_url(backend, Path(tmp), postgres_url)
        env = dict(
            os.environ,
            ONCEONLY_DATABASE_URL=url,
            ONCEONLY_DEMO_MODE="true",
            ONCEONLY_DATA_DIR=str(Path(tmp) / "data"),
            COLUMNS="120",
            PYTHONPATH=os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")])),
        )
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "onceonly", "seed", "demo", "--people", str(people)],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        drop(postgres_url, name)
    if result.returncode != 0:
        raise SystemExit(f"seed failed: {result.stderr.strip().splitlines()[-1]}")
    match = PEAK.search(result.stderr)
    return seconds, int(match.group(1)) if match else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    rows = []
    for people in (args.small, args.large):
        seconds, peak = run_seed(people, args.backend, args.postgres_url)
        rows.append((people, seconds, peak))
        print(
            f"{args.backend:10} {people:>9,} residents  {seconds:7.1f} s  "
            f"{people / seconds:9,.0f} residents/s  peak {peak} MB",
            flush=True,
        )
    ratio = rows[1][2] / rows[0][2]
    print(
        f"peak memory ratio large/small: {ratio:.2f} (sizes differ {args.large / args.small:.0f}x)"
    )


if __name__ == "__main__":
    main()
