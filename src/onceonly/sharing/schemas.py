"""Shapes of the sharing API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RequestIn(BaseModel):
    resource_code: str
    client_code: str
    fields: list[str] = Field(min_length=1)
    purpose: str = Field(min_length=4, max_length=2000)
    legal_basis: str = Field(min_length=2, max_length=2000)
    duration_days: int = Field(default=365, ge=1, le=3650)
    expected_volume: int = Field(default=100, ge=1, le=10**9, description="look-ups per day")


class DecisionIn(BaseModel):
    approve: bool
    fields: list[str] | None = Field(
        default=None, description="approve only these fields (a subset of those requested)"
    )
    reason: str = ""


class RevokeIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000)


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consumer_code: str
    provider_code: str
    client_code: str
    resource_code: str
    fields: list[str]
    purpose: str
    legal_basis: str
    duration_days: int
    expected_volume: int
    status: str
    submitted_at: datetime
    due_at: datetime
    overdue: bool
    decided_at: datetime | None
    approved_fields: list[str]
    reason: str
    grant_id: int | None


class GrantOut(BaseModel):
    id: int
    client_code: str
    resource_code: str
    fields: list[str]
    clear_fields: list[str]
    purpose: str
    rate_limit_per_minute: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool
