"""Disputes (数据纠错) as JSON."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DisputeIn(BaseModel):
    material_key: str = Field(max_length=60)
    claim: str = Field(max_length=2000)  # what is wrong
    field: str = Field(default="", max_length=60)  # the field said wrong, if one


class AnswerIn(BaseModel):
    corrected: bool
    note: str = Field(max_length=2000)  # what was corrected, or why not
    corrections: dict[str, str] = Field(default_factory=dict, max_length=50)


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    material_key: str
    material_name: str
    source: str
    field: str
    claim: str
    status: str
    opened_at: datetime
    due_at: datetime
    answered_at: datetime | None
    answer: str
    corrections: dict[str, str]


class DisputeFiguresOut(BaseModel):
    department: str  # the department's code
    department_name: str
    open: int
    answered: int
    corrected: int
    overdue: int
    median_answer_days: float | None
