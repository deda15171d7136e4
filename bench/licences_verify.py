"""Licence benchmarks: verification throughput and bulk issue rate.

    PYTHONPATH=src python bench/licences_verify.py [--licences 100000] [--postgres URL]

Verification: presentations/s through `verification.verify_presentation` (parse, issuer keys,
ES256 issuer signature, disclosures, ES256 key binding, status) on one core, against the
limit of two bare ES256 verifications with `cryptography` (a presentation carries two
signatures). Bulk issue: `bulk.issue_bulk` of N marriage-certificate rows into a fresh
platform database, licences/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from onceonly.core.settings import DEMO_MASTER_KEY, get_settings

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)


def bare_verify_rate(seconds: float = 2.0) -> float:
    key = ec.generate_private_key(ec.SECP256R1())
    data = b"x" * 600
    sig = key.sign(data, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        public.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        n += 1
    return n / (time.perf_counter() - start)


def _platform(url: str, data_dir: Path):  # type: ignore[no-untyped-def]
    from onceonly.core.db import Database
    from onceonly.core.migrate import upgrade
    from onceonly.identity import service as identity
    from onceonly.identity.models import RegionLevel

    os.environ["ONCEONLY_DATABASE_URL"] = url
    get_settings.cache_clear()
    db = Database(url)
    upgrade(db)
    with db.session() as session:
        identity.add_region(session, "330000", "浙江省", RegionLevel.province)
        from onceonly.identity.models import Department

        for code, kind in (("bench-ps", "public_security"), ("bench-ca", "civil_affairs")):
            session.add(Department(code=code, name=code, kind=kind, region_code="330000"))
    return db


def verify_rate(db, seconds: float = 3.0) -> float:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from onceonly.core.actors import Actor
    from onceonly.identity.models import Department
    from onceonly.licences import service, verification

    with db.session() as session:
        ps = session.scalar(select(Department).where(Department.code == "bench-ps"))
        claims = {
            "id_number": "11010519491231002X",
            "name": "张三",
            "gender": "M",
            "birth_date": "1949-12-31",
            "address": "北京市",
        }
        request = service.IssueRequest("resident_id", "11010519491231002X", claims)
        licence = service.issue(session, ps, request, Actor.system("bench"))
        text = service.make_presentation(session, licence, licence.holder_code, {"name"})
    with db.session() as session:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            assert verification.verify_presentation(session, text).outcome == "valid"
            n += 1
        return n / (time.perf_counter() - start)


def make_marriages(url: str, rows: int) -> None:
    from onceonly.core.db import make_engine
    from onceonly.demo.sources import source_metadata

    engine = make_engine(url)
    table = source_metadata("ca").tables["marriages"]
    table.metadata.create_all(engine)
    base = date(2000, 1, 1)
    ids = ["11010519491231002X", "440524188001010014"]
    with engine.begin() as conn:
        conn.execute(table.delete())
        chunk = [
            {
                "cert_no": f"J{i:012d}",
                "husband_id_number": ids[1],
                "wife_id_number": ids[0],
                "registered_on": base + timedelta(days=i % 7000),
                "registry_division": "330100",
                "status": "married",
            }
            for i in range(rows)
        ]
        conn.execute(table.insert(), chunk)
    engine.dispose()


def bulk_rate(db, source_url: str, licences: int) -> float:  # type: ignore[no-untyped-def]
    from onceonly.core.actors import Actor
    from onceonly.licences import bulk

    make_marriages(source_url, licences // 2)  # two licences per marriage
    start = time.perf_counter()
    issued = bulk.issue_bulk(
        db, "marriage_cert", "bench-ca", source_url, Actor.system("bench"), batch=2000
    )
    assert issued == licences // 2 * 2, issued
    return issued / (time.perf_counter() - start)


def run(url: str, source_url: str, licences: int, label: str) -> list[str]:
    db = _platform(url, Path(tempfile.mkdtemp()))
    lines = []
    bare = bare_verify_rate() / 2  # a presentation needs two signature checks
    rate = verify_rate(db)
    lines.append(
        f"| {label} | verify | {rate:,.0f} presentations/s | limit {bare:,.0f}/s "
        f"(two bare ES256 verifies) | {rate / bare:.0%} |"
    )
    issue = bulk_rate(db, source_url, licences)
    lines.append(
        f"| {label} | bulk issue {licences:,} | {issue:,.0f} licences/s | target 2,000/s "
        f"| {issue / 2000:.1f}× |"
    )
    db.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--licences", type=int, default=100_000)
    parser.add_argument("--postgres", default="", help="postgresql+psycopg://… of an EMPTY db")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    lines = run(f"sqlite:///{tmp}/platform.db", f"sqlite:///{tmp}/ca.db", args.licences, "SQLite")
    if args.postgres:
        lines += run(args.postgres, args.postgres, args.licences, "PostgreSQL")
    print(
        f"python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print("| db | what | measured | baseline | ratio |\n| --- | --- | --- | --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
