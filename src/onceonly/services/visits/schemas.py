"""Appointments and postings as JSON."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from onceonly.core.params import Id


class BookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: Id
    slot_id: Id


class SlotOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    free: int


class AppointmentOut(BaseModel):
    code: str
    case_id: int
    item: str
    office: str
    address: str
    starts_at: datetime
    status: str


class VisitNeedOut(BaseModel):
    case_id: int
    item: str
    office: str
    reason: str
    appointment: AppointmentOut | None
    free_slots: list[SlotOut]


class PostingOut(BaseModel):
    recipient: str
    address: str
    address_source: str
    state: str
    carrier: str
    tracking_no: str
    posted_at: datetime | None
    delivered_at: datetime | None
