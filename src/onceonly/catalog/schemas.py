"""The catalog's API shapes: a resource as a department declares it, and as we show it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

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

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,59}$")
FIELD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


class FieldIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    type: FieldType = FieldType.STRING
    description: str = Field(default="", max_length=300)
    sensitivity: Sensitivity = Sensitivity.INTERNAL

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
    description: str = ""
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


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str
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
