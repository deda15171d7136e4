"""The catalog's API shapes: a resource as a department declares it, and as we show it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onceonly.catalog.models import (
    ConnectorKind,
    FieldType,
    Frequency,
    OpenClass,
    Sensitivity,
    ShareClass,
    SubjectType,
)
from onceonly.core.pagination import Page

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,59}$")
FIELD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


CodeLabel = Annotated[
    list[Annotated[str, Field(max_length=100)]], Field(min_length=2, max_length=2)
]


class FieldIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    type: FieldType = FieldType.STRING
    description: str = Field(default="", max_length=300)
    sensitivity: Sensitivity = Sensitivity.INTERNAL
    description_en: str = Field(default="", max_length=300)
    # What coded values mean, in Chinese and English: {"F": ["女", "female"]}.
    codes: dict[str, CodeLabel] = Field(default_factory=dict, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not FIELD_PATTERN.match(value):
            raise ValueError("letters, digits and _ only, not starting with a digit")
        return value


class ResourceIn(BaseModel):
    """What a provider department declares; the rules beyond shape are in the service."""

    code: str = Field(min_length=2, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    description: str = ""
    description_en: str = ""
    subject_type: SubjectType
    key_field: str
    share_class: ShareClass
    open_class: OpenClass = OpenClass.NOT_OPEN
    legal_basis: str = ""
    update_frequency: Frequency = Frequency.DAILY
    connector_kind: ConnectorKind = ConnectorKind.SQL
    connector_config: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    fields: list[FieldIn] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError("letters, digits, '.', '_' and '-' only")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return sorted({t.strip() for t in value if t.strip()})


class FieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    type: FieldType
    description: str
    sensitivity: Sensitivity
    description_en: str = ""
    codes: dict[str, list[str]] = Field(default_factory=dict)


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str = ""
    description: str
    description_en: str = ""
    department_code: str
    department_name: str
    subject_type: SubjectType
    key_field: str
    share_class: ShareClass
    open_class: OpenClass
    legal_basis: str
    update_frequency: Frequency
    connector_kind: ConnectorKind
    tags: list[str]
    version: int
    fields: list[FieldOut]
    created_at: datetime
    updated_at: datetime


class NeedIn(BaseModel):
    """A department's need for data that no registered resource offers."""

    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=4000)
    provider_code: str = Field(description="the department presumed to hold the data")
    fields_wanted: list[str] = Field(default_factory=list, max_length=100)
    purpose: str = Field(min_length=4, max_length=2000)

    @field_validator("fields_wanted")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))


class NeedAnswerIn(BaseModel):
    """The provider's answer: will provide (optionally naming the resource that does),
    or cannot provide, with the reason."""

    provide: bool
    resource_code: str | None = None
    note: str = Field(default="", max_length=2000)


class NeedOut(BaseModel):
    id: int
    title: str
    description: str
    requester_code: str
    requester_name: str
    provider_code: str
    provider_name: str
    fields_wanted: list[str]
    purpose: str
    status: str
    posted_by: str
    posted_at: datetime
    due_at: datetime
    overdue: bool
    answered_by: str
    answered_at: datetime | None
    answer: str
    resource_code: str | None
    fulfilled_at: datetime | None


class FacetValueOut(BaseModel):
    value: str
    label: str
    count: int


class SearchOut(Page[ResourceOut]):
    facets: dict[str, list[FacetValueOut]] = Field(
        description="department, share_class, open_class and tags: value, label, count"
    )


class VersionOut(BaseModel):
    version: int
    note: str
    changed_by: str
    changed_at: datetime


class ResourceDetailOut(ResourceOut):
    versions: list[VersionOut]


class ImportReportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    errors: list[dict[str, Any]]
