"""Prometheus metrics, correct with several worker processes.

With `PROMETHEUS_MULTIPROC_DIR` set before the process starts (`onceonly serve
--workers N` sets it), prometheus-client keeps each process's values in files there and
`/metrics` adds them up across workers; without it, values live in this process.
Figures that are facts of the database (overdue cases, job backlog) are not counted
here but read at scrape time (`onceonly.ops.scrape`), so every worker answers alike.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session
from starlette.types import Scope

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
if os.environ.get(MULTIPROC_ENV):  # prometheus-client writes there as metrics are made
    os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "onceonly_http_requests_total",
    "HTTP requests answered, by method, route template and status code",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "onceonly_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=SECONDS,
)
GATEWAY_CALLS = Counter(
    "onceonly_gateway_calls_total",
    "Exchange gateway queries, by calling department, resource and outcome (ok, refused)",
    ["department", "resource", "outcome"],
)
GATEWAY_REFUSALS = Counter(
    "onceonly_gateway_refusals_total",
    "Exchange gateway queries refused or failed, by calling department, resource and reason",
    ["department", "resource", "reason"],
)
SOURCE_LATENCY = Histogram(
    "onceonly_source_duration_seconds",
    "Time a department's source took to answer a connector, by connector kind and resource",
    ["kind", "resource"],
    buckets=SECONDS,
)
SOURCE_FAILURES = Counter(
    "onceonly_source_failures_total",
    "Connector calls that failed or timed out, by connector kind and resource",
    ["kind", "resource"],
)
JOB_RUNS = Counter(
    "onceonly_job_runs_total",
    "Background job runs, by job and outcome (done, failed, skipped)",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "onceonly_job_duration_seconds", "Time a background job run took", ["job"], buckets=SECONDS
)
# Fed by the audit sequencer: the oldest entry of each batch, from its time to its place
# in the log. (How many wait is read from the database at scrape time.)
AUDIT_MERGE_DELAY = Histogram(
    "onceonly_audit_merge_delay_seconds",
    "Time from an audit entry's commit to its place in the log",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)


def department_label(session: Session, department_id: int | None) -> str:
    """A department's code for a label (one primary-key read)."""
    from onceonly.identity.models import Department

    department = session.get(Department, department_id) if department_id else None
    return department.code if department is not None else "none"


def gateway_call(department: str, resource: str, refusal: str | None = None) -> None:
    """Count one gateway query; `refusal` is the problem code when it was refused."""
    GATEWAY_CALLS.labels(department, resource, "refused" if refusal else "ok").inc()
    if refusal:
        GATEWAY_REFUSALS.labels(department, resource, refusal).inc()


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The text `/metrics` answers: this process's (or all workers') metrics, then any
    `extra` collectors read at scrape time."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if extra:
        scraped = CollectorRegistry()
        for collector in extra:
            scraped.register(collector)
        body += generate_latest(scraped)
    return body, CONTENT_TYPE_LATEST


def route_of(scope: Scope) -> str:
    """The route template that answered (`/api/v1/exchange/{resource_code}/query`), never
    the raw path: paths hold ids and would explode the label set."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    root = scope.get("root_path") or ""
    app_root = scope.get("app_root_path")
    if isinstance(root, str) and root and root != app_root:
        return root  # a mount, e.g. /static
    return "unmatched"
