"""Open data API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from onceonly.core.pagination import Page
from onceonly.opendata.models import Delivery


class FieldOut(BaseModel):
    name: str
    type: str
    description: str


class DatasetOut(BaseModel):
    code: str
    name: str
    description: str
    department_code: str
    department_name: str
    access: Literal["public", "on_application"]
    licence: str
    licence_url: str
    contact_name: str
    contact_email: str
    theme: str
    tags: list[str]
    update_frequency: str
    published_at: datetime
    last_updated: datetime | None
    row_count: int
    fields: list[FieldOut]
    downloads: dict[str, str]
    quality: list[str]


class RowsOut(BaseModel):
    dataset: str
    fields: list[str]
    rows: list[dict[str, object]]
    total: int | None
    limit: int
    offset: int
    next: str | None


class DeliveryRowsOut(Page[dict[str, object]]):
    """A page of the rows an approved application was granted, `fields` their columns."""

    fields: list[str]


class QualityFlagOut(BaseModel):
    dataset_code: str
    department_code: str
    flag: str
    detail: str


class ApplicationIn(BaseModel):
    purpose: str = Field(min_length=10, max_length=2000)
    fields: list[str] = Field(min_length=1)
    period_from: date
    period_to: date
    delivery: Delivery = Delivery.LINK


class DecisionIn(BaseModel):
    approve: bool
    reason: str = Field(default="", max_length=2000)
    valid_days: int = Field(default=30, ge=1, le=365)


class PublicApplicationOut(BaseModel):
    """What anyone may see: dates and outcomes, never who applied."""

    id: int
    dataset_code: str
    department_code: str
    status: str
    submitted_at: datetime
    due_at: datetime
    decided_at: datetime | None
    overdue: bool
    reason: str


class DataJsonOut(BaseModel):
    """The catalog as DCAT-US 1.1 data.json (Project Open Data)."""

    context: str = Field(alias="@context")
    id: str = Field(alias="@id")
    type: str = Field(alias="@type")
    conformsTo: str
    describedBy: str
    dataset: list[dict[str, Any]]
