"""Identity's JSON API: who am I (for systems), departments, identifier checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends

from onceonly.core.deps import DbSession
from onceonly.identity import service
from onceonly.identity.deps import bearer_client
from onceonly.identity.models import Client
from onceonly.identity.schemas import ClientOut, DepartmentOut, IdentifierCheck, IdentifierResult
from onceonly.identity.validators import InvalidIdentifier, parse_citizen_id, parse_credit_code

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.get("/whoami", response_model=ClientOut)
def whoami(client: Annotated[Client, Depends(bearer_client)]) -> Client:
    """The system client that the bearer key belongs to."""
    return client


@router.get("/departments", response_model=list[DepartmentOut])
def departments(session: DbSession) -> list[object]:
    return list(service.list_departments(session))


def _checked(kind: str, value: str, normalise: Callable[[str], str]) -> IdentifierResult:
    """The answer of an identifier check: the normalised form, or why it is not valid."""
    try:
        normalised = normalise(value)
    except InvalidIdentifier as exc:
        return IdentifierResult(valid=False, kind=kind, reason=str(exc))
    return IdentifierResult(valid=True, kind=kind, normalised=normalised)


@router.post("/identifiers/citizen-id", response_model=IdentifierResult)
def check_citizen_id(body: IdentifierCheck) -> IdentifierResult:
    """Check an ID number against GB 11643 (format, division, date, check character)."""
    return _checked("citizen_id", body.value, lambda value: parse_citizen_id(value).number)


@router.post("/identifiers/credit-code", response_model=IdentifierResult)
def check_credit_code(body: IdentifierCheck) -> IdentifierResult:
    """Check a unified social credit code against GB 32100."""
    return _checked("credit_code", body.value, parse_credit_code)
