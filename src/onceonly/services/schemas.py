"""The service catalog's and the applications' JSON answers (response models).

The routes build plain dicts; these models say in /openapi.json what the dicts hold
and drop nothing the routes send. Optional keys (an item's `differences` or its
`implementations`) are left out when unset: the routes use `response_model_exclude_unset`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ItemSummaryOut(BaseModel):
    code: str
    basic_code: str
    name: str
    name_en: str
    department: str
    region: str
    kind: str
    subject: str
    promised_days: int | None
    max_trips: int | None
    online_depth: int
    cross_region: bool


class GapOut(BaseModel):
    element: str
    material: str | None
    reason: str


class ItemGapsOut(ItemSummaryOut):
    gaps: list[GapOut]


class ItemMaterialOut(BaseModel):
    key: str
    name: str
    required: bool
    source: str | None
    licence_type: str | None
    resource: str | None
    fields: list[str]


class ElementDifferenceOut(BaseModel):
    element: str
    template: Any
    implementation: Any


class DifferencesOut(BaseModel):
    """How an implementation departs from its province template."""

    elements: list[ElementDifferenceOut]
    materials_added: list[str]
    materials_removed: list[str]
    materials_changed: list[str]


class ItemOut(ItemSummaryOut):
    legal_basis: str
    conditions: str
    fees: str
    statutory_days: int | None
    places: str
    phone: str
    result_licence: str | None
    template: str | None
    materials: list[ItemMaterialOut]
    differences: DifferencesOut | None = None  # an implementation of a template
    implementations: list[str] | None = None  # a template


class BundleOut(BaseModel):
    code: str
    name: str
    name_en: str
    subject: str
    promised_days: int | None
    items: list[str]
    materials: int
    materials_fetched: int


class BundleDetailOut(BundleOut):
    items: list[ItemSummaryOut]  # type: ignore[assignment]
    description: str
    shared_materials: dict[str, list[str]]


class GuideUpdateOut(BaseModel):
    changed: list[str]
    gaps: list[GapOut]


# Applications ---------------------------------------------------------------------------


class CorrectionOut(BaseModel):
    keys: list[str]
    note: str


class CaseOut(BaseModel):
    id: int
    item: str
    item_name: str
    department: str | None
    status: str
    due_at: datetime | None
    overdue: bool
    correction: CorrectionOut | None
    reason: str | None
    result_serial: str | None


class MaterialOut(BaseModel):
    key: str
    name: str
    required: bool
    source: str | None
    state: str
    origin: str
    data: dict[str, Any]
    note: str | None


class EventOut(BaseModel):
    at: datetime
    kind: str
    by: str
    note: str
    case: int | None


class ApplicationOut(BaseModel):
    ref: str
    title: str
    status: str
    applicant: str
    created_at: datetime
    submitted_at: datetime | None
    prefill_ms: float | None
    materials: list[MaterialOut]
    missing: list[str]
    cases: list[CaseOut]
    timeline: list[EventOut] | None = None  # only on GET /applications/{ref}


class CaseDetailOut(CaseOut):
    application: ApplicationOut


class NotificationOut(BaseModel):
    id: int
    subject: str
    body: str
    at: datetime
    read: bool
    application: int | None


class FiguresOut(BaseModel):
    department: str
    item: str | None
    cases: int
    decided: int
    approved: int
    fetched_share: float
    on_time_share: float
    overdue: int
    withdrawn: int
    average_working_days: float
    max_trips: int | None
