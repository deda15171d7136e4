"""Shapes of the gateway API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

MAX_PAGE = 500


class QueryIn(BaseModel):
    subject_key: str | None = Field(
        default=None, max_length=100, description="the subject's key (ID number, credit code…)"
    )
    filters: dict[str, str] = Field(default_factory=dict, description="field → exact value")
    fields: list[str] | None = Field(default=None, description="default: every granted field")
    purpose: str = Field(min_length=2, max_length=500)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(default=None, max_length=500)


class QueryOut(BaseModel):
    resource_code: str
    fields: list[str]
    rows: list[dict[str, Any]]
    masked: list[str] = Field(description="fields whose values were masked")
    next_cursor: str | None = None
