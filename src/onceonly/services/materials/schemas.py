"""The material store as JSON: what the citizen keeps (never the value itself)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from onceonly.core.params import Id


class StoredMaterialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    kind: str  # "form" or "upload"
    filename: str
    size: int
    source_ref: str  # the application it was given in
    given_at: datetime
    expires_at: datetime


class ReuseIn(BaseModel):
    stored_id: Id


class ReusedOut(BaseModel):
    key: str
    name: str
    state: str
    origin: str  # "reused"
    reused_from: str
