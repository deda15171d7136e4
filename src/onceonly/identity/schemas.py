"""Identity's API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str
    kind: str
    region_code: str


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    department: DepartmentOut
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class IdentifierCheck(BaseModel):
    value: str = Field(min_length=1, max_length=40)


class IdentifierResult(BaseModel):
    valid: bool
    kind: str
    reason: str = ""
    normalised: str = ""
