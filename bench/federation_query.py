"""Federation benchmark: a signed cross-province query against a local gateway query.

    PYTHONPATH=src python bench/federation_query.py --people 10000            # SQLite
    PYTHONPATH=src python bench/federation_query.py --people 10000 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Seeds province A and province B (`onceonly seed demo --people N`, side by side), serves
each with its own `onceonly serve` process, links them (descriptors over HTTP, imported by
fingerprint) and has B grant A the household register. Then, from this process acting
as A's application:

* local: `POST A/api/v1/exchange/ps.residents/query` for a random A resident (key,
  grant, source query, masking, audit — the gateway path inside one province);
* cross: `federation.query.client.query` for a random B resident — A signs the request and
  sends it to B, B checks signature, freshness, nonce, offer, grant and purpose, runs
  its own gateway query, signs the answer; A verifies it and writes its audit entry.

Sequential runs, alternating local/cross, give the median ratio; then C client threads
for S seconds of cross queries give throughput and p95 under load.

With `--routed N`, N B residents then apply in A for 居民身份证换领 (cross-region): each
routed case is timed as it is sent (A signs, B checks, opens, prefills and submits its
own application, signs a receipt) and, once B's reviewer approved it, as the decision
and e-licence go back to A.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from onceonly.core.settings import DEMO_MASTER_KEY

os.environ.setdefault("ONCEONLY_MASTER_KEY", DEMO_MASTER_KEY)
os.environ["ONCEONLY_DEMO_MODE"] = "true"

from scratch import make_database

from onceonly.catalog import service as catalog
from onceonly.core.actors import Actor
from onceonly.demo.sources import source_metadata, source_url
from onceonly.federation import localpair, service
from onceonly.federation.cases import home, routed
from onceonly.federation.models import RoutedCase
from onceonly.federation.query import client
from onceonly.identity import service as identity
from onceonly.identity.models import User
from onceonly.services.applications import applications, starting
from onceonly.services.casework import review
from onceonly.services.models import ServiceItem, SubjectKind
from onceonly.sharing import service as sharing

PURPOSE = "bench: 核验户籍"
FIELDS = ["id_number", "name", "gender", "birth_date", "household_no", "address"]
CLERK = Actor("system", "bench", "federation bench")


def residents(node: localpair.LocalNode, n: int, issued_in: str = "") -> list[str]:
    """Up to n residents' ID numbers (issued in the province `issued_in`, e.g. "34")."""
    url = source_url(node.env["ONCEONLY_DATABASE_URL"], Path(node.env["ONCEONLY_DATA_DIR"]), "ps")
    table = source_metadata("ps").tables["residents"]
    engine = create_engine(url)
    query = select(table.c.id_number).where(table.c.id_number.startswith(issued_in)).limit(n)
    with engine.connect() as conn:
        ids = [r for (r,) in conn.execute(query)]
    engine.dispose()
    return ids


def local_key(a: localpair.LocalNode) -> str:
    with a.db.session() as session:
        issued = identity.create_client(
            session,
            code="bench-local",
            name="bench",
            department=identity.department_by_code(session, "ca"),
            scopes=["exchange:query"],
            by=CLERK,
        )
        resource = catalog.get_resource(session, "ps.residents")
        sharing.grant_directly(
            session,
            client=issued.client,
            resource=resource,
            fields=FIELDS,
            clear_fields=FIELDS,
            purpose=PURPOSE,
            rate_limit_per_minute=1_000_000,
            by=CLERK,
        )
        return issued.api_key


def timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--queries", type=int, default=200, help="sequential, each kind")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per node")
    parser.add_argument("--routed", type=int, default=0, help="routed 跨省通办 cases to time")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="oo-bench-fed-"))
    nodes = [
        localpair.make_node(k, make_database(args.postgres, work, f"fed_{k.lower()}"), work / k)
        for k in ("A", "B")
    ]
    a, b = nodes
    started = time.perf_counter()
    localpair.seed(nodes, args.people)
    print(f"seeded two provinces of {args.people:,} in {time.perf_counter() - started:.0f} s")
    try:
        localpair.start(nodes, workers=args.workers)
        localpair.link(a, b)
        localpair.link(b, a)
        with b.db.session() as session:
            service.grant(session, a.node_id, "ps.residents", FIELDS, PURPOSE, CLERK)
            limit = sharing.active_grant(
                session,
                service.get_peer(session, a.node_id).client_id,
                catalog.get_resource(session, "ps.residents").id,
            )
            assert limit is not None
            limit.rate_limit_per_minute = 1_000_000
        key = local_key(a)
        run(a, b, key, args)
        if args.routed:
            routed_cases(a, b, args.routed)
    finally:
        localpair.stop(nodes)
        if args.postgres:
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for node in nodes:
                    name = make_url(node.db.url).database
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def run(a: localpair.LocalNode, b: localpair.LocalNode, key: str, args: argparse.Namespace) -> None:
    own, theirs = residents(a, 2000), residents(b, 2000)
    rng = random.Random(7)
    http = httpx.Client(timeout=10, headers={"authorization": f"Bearer {key}"})
    body = {"fields": FIELDS, "purpose": PURPOSE}

    def local() -> None:
        reply = http.post(
            a.url + "/api/v1/exchange/ps.residents/query",
            json={**body, "subject_key": rng.choice(own)},
        )
        assert reply.status_code == 200, reply.text

    def cross(session_http: httpx.Client) -> None:
        with a.db.session() as session:
            client.query(
                session,
                b.node_id,
                "ps.residents",
                subject_key=rng.choice(theirs),
                purpose=PURPOSE,
                fields=FIELDS,
                actor=CLERK,
                http=session_http,
            )

    peer_http = httpx.Client(timeout=client.TIMEOUT)
    for _ in range(10):  # warm up both paths
        local()
        cross(peer_http)
    loc, fed = [], []
    for _ in range(args.queries):
        loc.append(timed(local))
        fed.append(timed(lambda: cross(peer_http)))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    print(
        f"sequential, {args.queries} each: local median {statistics.median(loc):.1f} ms "
        f"p95 {p95(loc):.1f}; cross median {statistics.median(fed):.1f} ms p95 {p95(fed):.1f}; "
        f"ratio of medians {statistics.median(fed) / statistics.median(loc):.2f}"
    )

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(timeout=client.TIMEOUT) as own_http:
            while time.monotonic() < stop_at:
                try:
                    mine.append(timed(lambda: cross(own_http)))
                except Exception:
                    with lock:
                        failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(
        f"load, {args.clients} clients for {args.seconds:.0f} s: {len(latencies)} cross "
        f"queries ({len(latencies) / args.seconds:.1f}/s), {failures[0]} failed, "
        f"median {statistics.median(latencies):.1f} ms, p95 {p95(latencies):.1f} ms"
    )


RENEWAL = "居民身份证换领"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048


def _renewal(node: localpair.LocalNode) -> ServiceItem:
    return localpair.province_item(node, RENEWAL)


def _apply_in_a(a: localpair.LocalNode, id_number: str, item_code: str) -> None:
    with a.db.session() as session:
        person = identity.upsert_person(session, id_number, "bench")
        applicant = applications.Applicant(
            SubjectKind.PERSON, person.id_number, person.name, person.id, person.id_number
        )
        application = starting.start(
            session, applicant, item_code=item_code, settings=a.settings(), again=True
        )
        for material in applications.missing(application):
            applications.provide_upload(session, application, material.key, "scan.png", PNG)
        applications.submit(session, application, confirmed=True)


def _ids(node: localpair.LocalNode, direction: str) -> list[int]:
    with node.db.session() as session:
        return list(session.scalars(select(RoutedCase.id).where(RoutedCase.direction == direction)))


def _approve_in_b(b: localpair.LocalNode) -> None:
    with b.db.session() as session:
        reviewer = session.scalar(select(User).where(User.username == "ps.reviewer"))
        for row in session.scalars(select(RoutedCase).where(RoutedCase.direction == "in")):
            case = applications.get_application(session, row.remote_ref).cases[0]
            review.accept(session, reviewer, case)  # type: ignore[arg-type]
            review.approve(session, reviewer, case)  # type: ignore[arg-type]


def routed_cases(a: localpair.LocalNode, b: localpair.LocalNode, n: int) -> None:
    with b.db.session() as session:
        home.accept_cases(session, a.node_id, _renewal(b).basic_code, CLERK)
    item_code = _renewal(a).code
    for id_number in residents(b, n, issued_in=b.node_id[3:5]):  # routed home to B
        _apply_in_a(a, id_number, item_code)
    http = httpx.Client(timeout=client.TIMEOUT)
    states: list[str] = []

    def send(routed_id: int) -> None:
        states.append(routed.send_one(a.db, routed_id, http))

    def report(routed_id: int) -> None:
        states.append(home.report_one(b.db, routed_id, http))

    sent = [timed(lambda i=i: send(i)) for i in _ids(a, "out")]
    _approve_in_b(b)
    back = [timed(lambda i=i: report(i)) for i in _ids(b, "in")]
    print(
        f"routed cases, {n}: sent median {statistics.median(sent):.1f} ms p95 {p95(sent):.1f} "
        f"(A signs; B checks, opens, prefills and submits, signs a receipt); decision and "
        f"e-licence back median {statistics.median(back):.1f} ms p95 {p95(back):.1f}; "
        f"outcomes {sorted(set(states))}"
    )


if __name__ == "__main__":
    main()
