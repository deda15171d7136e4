"""Schemathesis against the app: every operation of the OpenAPI schema, as an anonymous
caller, a resident and a member of staff; no answer may be a 5xx, and every answer must
match the schema. Bounded: a few examples per operation, no shrinking, no example store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.helpers import sign_in_citizen, sign_in_staff

EXAMPLES = 6
STAFF = "dsb.platform"

pytestmark = pytest.mark.slow


def _cookies(client: Any, identity: str) -> dict[str, str]:
    if identity == "resident":
        from sqlalchemy import select

        from onceonly.identity.models import Person

        with client.app.state.db.session() as session:
            id_number = session.scalar(select(Person.id_number).order_by(Person.id).limit(1))
        sign_in_citizen(client, id_number)
    elif identity == "staff":
        sign_in_staff(client, STAFF)
    return dict(client.cookies)


def _check(operation: Any, cookies: dict[str, str]) -> list[str]:
    """The first failure of one operation, if any."""
    problems: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(cookies=cookies)
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except (AssertionError, BaseExceptionGroup) as failure:  # FailureGroup
            problems.append(f"{operation.label}: {failure}"[:600])

    run()
    return problems[:1]


# /readyz answers 503 by design when a check fails, e.g. audit entries waiting for a
# sequencer, which these tests don't run; its answers are tested in tests/ops.
SKIPPED_PATHS = ("/readyz",)


def _failures(schema: Any, cookies: dict[str, str]) -> Iterator[str]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in SKIPPED_PATHS:
            yield from _check(operation, cookies)


@pytest.mark.parametrize("identity", ["anonymous", "resident", "staff"])
def test_no_operation_answers_5xx_or_off_schema(demo_client, identity: str) -> None:  # type: ignore[no-untyped-def]
    cookies = _cookies(demo_client, identity)
    schema = schemathesis.openapi.from_asgi("/openapi.json", demo_client.app)
    failures = list(_failures(schema, cookies))
    assert not failures, "\n".join(failures)
