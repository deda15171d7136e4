"""Masking by sensitivity: what a grant does not allow in clear is answered masked.

Citizen IDs keep their division code and last four (110105********002X), names their
family name (张*), phone numbers their first three and last four (138****5678); other
text keeps its first and last character. Non-text values are withheld (None).
"""

from __future__ import annotations

import re
from typing import Any

from onceonly.catalog.models import Sensitivity
from onceonly.identity.validators import mask_citizen_id

MASKED = frozenset({Sensitivity.SENSITIVE, Sensitivity.PERSONAL})
_ID = re.compile(r"^\d{17}[\dXx]$")
_CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_PHONE = re.compile(r"^\+?[\d -]{7,20}$")


def mask_value(field: str, value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        return None  # an amount or a date cannot be half-shown
    if _ID.match(value):
        return mask_citizen_id(value.upper())
    if _CHINESE_NAME.match(value) or ("name" in field and len(value) <= 6):
        return value[:1] + "*" * max(1, len(value) - 1)
    digits = re.sub(r"\D", "", value)
    if _PHONE.match(value) and len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def to_mask(
    fields: list[str], sensitivity: dict[str, Sensitivity], clear: frozenset[str]
) -> list[str]:
    """The fields of an answer that must be masked under this grant."""
    return [f for f in fields if sensitivity.get(f) in MASKED and f not in clear]


def mask_rows(rows: list[dict[str, Any]], masked: list[str]) -> list[dict[str, Any]]:
    if not masked:
        return rows
    for row in rows:
        for name in masked:
            row[name] = mask_value(name, row.get(name))
    return rows
