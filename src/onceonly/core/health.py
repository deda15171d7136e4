"""Readiness checks: a small registry that `/readyz` runs.

A check is a function of the database and the settings that returns a short detail
on success and raises (any exception) on failure. A *critical* check that fails makes
the platform unready (503); a non-critical one is reported but does not, e.g. one
department's source being down. Any domain, or an operator's plug-in, adds its own:

    from onceonly.core.health import register_check
    register_check("audit-merge-delay", check_merge_delay, critical=True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from dataclasses import dataclass

from onceonly.core.db import Database
from onceonly.core.settings import Settings

CheckFn = Callable[[Database, Settings], str | None]
# A check that takes longer than this is reported as failed (it may still be running).
CHECK_TIMEOUT = 3.0


class NotReady(Exception):
    """Raise from a check to fail it with a readable reason."""


@dataclass(frozen=True)
class Check:
    name: str
    fn: CheckFn
    critical: bool


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    critical: bool
    detail: str
    ms: float


# The registry holds code (which checks exist), not state: every process registers the
# same checks at import, so several app processes answer alike.
_checks: dict[str, Check] = {}
# Checks that expand into several results (one per connector, say).
_groups: dict[str, Callable[[Database, Settings], Iterable[Check]]] = {}


def register_check(name: str, fn: CheckFn, *, critical: bool = True) -> None:
    """Add (or replace) the check called `name`."""
    _checks[name] = Check(name, fn, critical)


def register_group(name: str, expand: Callable[[Database, Settings], Iterable[Check]]) -> None:
    """Add (or replace) a family of checks computed at each run, e.g. one per connector."""
    _groups[name] = expand


def registered() -> list[str]:
    return sorted(_checks) + sorted(_groups)


def _run_one(check: Check, db: Database, settings: Settings) -> Result:
    started = time.perf_counter()
    try:
        detail = check.fn(db, settings) or "ok"
        ok = True
    except Exception as exc:  # a failing check is a report, never a crash
        detail, ok = (str(exc) or type(exc).__name__)[:300], False
    return Result(check.name, ok, check.critical, detail, (time.perf_counter() - started) * 1000)


def run_checks(db: Database, settings: Settings, timeout: float = CHECK_TIMEOUT) -> list[Result]:
    """Every registered check, run side by side, each within `timeout` seconds."""
    checks = list(_checks.values())
    for name, expand in _groups.items():
        try:
            checks.extend(expand(db, settings))
        except Exception as exc:
            checks.append(Check(name, _failing(str(exc) or type(exc).__name__), False))
    if not checks:
        return []
    pool = ThreadPoolExecutor(max_workers=min(8, len(checks)), thread_name_prefix="readyz")
    try:
        futures = [(c, pool.submit(_run_one, c, db, settings)) for c in checks]
        deadline = time.monotonic() + timeout
        results = []
        for check, future in futures:
            try:
                results.append(future.result(max(0.0, deadline - time.monotonic())))
            except TimeoutError:
                results.append(
                    Result(check.name, False, check.critical, f"no answer in {timeout:g} s", 0.0)
                )
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _failing(reason: str) -> CheckFn:
    def fail(db: Database, settings: Settings) -> str:
        raise NotReady(reason)

    return fail


def is_ready(results: list[Result]) -> bool:
    return all(r.ok for r in results if r.critical)
