"""Identity's JSON API: who am I (for systems), departments, identifier checks."""

from __future__ import annotations

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


@router.post("/identifiers/citizen-id", response_model=IdentifierResult)
def check_citizen_id(body: IdentifierCheck) -> IdentifierResult:
    """Check an ID number against GB 11643 (format, division, date, check character)."""
    try:
        parsed = parse_citizen_id(body.value)
    except InvalidIdentifier as exc:
        return IdentifierResult(valid=False, kind="citizen_id", reason=str(exc))
    return IdentifierResult(valid=True, kind="citizen_id", normalised=parsed.number)


@router.post("/identifiers/credit-code", response_model=IdentifierResult)
def check_credit_code(body: IdentifierCheck) -> IdentifierResult:
    """Check a unified social credit code against GB 32100."""
    try:
        code = parse_credit_code(body.value)
    except InvalidIdentifier as exc:
        return IdentifierResult(valid=False, kind="credit_code", reason=str(exc))
    return IdentifierResult(valid=True, kind="credit_code", normalised=code)
