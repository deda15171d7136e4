"""A department keeps its service guides: the guide elements of an item and where each
material comes from. This is how the gaps the completeness check lists get fixed.

A blank element may be saved (it stays listed as a gap until someone fills it), but a
source that names nothing real, or a promise longer than the law allows, is refused:
those are mistakes, not omissions. A save is one transaction, materials included.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Invalid
from onceonly.identity.models import Role, User
from onceonly.services.items import service
from onceonly.services.models import QUERIED_SOURCES, ServiceItem, ServiceMaterial, SourceKind

# Who keeps the guides: the department's administrators and data stewards, for their
# department and those under it (a province bureau answers for its cities' guides).
EDITOR_ROLES = (Role.department_admin, Role.data_steward)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class MaterialIn(BaseModel):
    # The key is what the items of a bundle share: the same key is asked for once.
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    required: bool = True
    source_kind: SourceKind | None = None
    licence_type: Line = ""
    resource_code: Line = ""
    fields: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = []
    note: Text = ""

    @model_validator(mode="after")
    def _only_its_source(self) -> MaterialIn:
        """Forget what another kind of source would need (a form has no resource)."""
        if self.source_kind is not SourceKind.LICENCE:
            self.licence_type = ""
        if self.source_kind not in QUERIED_SOURCES:
            self.resource_code, self.fields = "", []
        return self


class GuideIn(BaseModel):
    """The guide elements (办事指南要素) and the materials, in order."""

    legal_basis: Text = ""
    conditions: Text = ""
    fees: Text = ""
    statutory_days: int | None = Field(default=None, ge=1, le=365)
    promised_days: int | None = Field(default=None, ge=1, le=365)
    online_depth: int = Field(default=1, ge=1, le=4)
    max_trips: int | None = Field(default=None, ge=0, le=5)
    places: Text = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    cross_region: bool = False
    materials: list[MaterialIn] = Field(default_factory=list, max_length=60)

    @field_validator("materials")
    @classmethod
    def _keys_once(cls, materials: list[MaterialIn]) -> list[MaterialIn]:
        seen: set[str] = set()
        for material in materials:
            if material.key in seen:
                raise ValueError(f"the material key {material.key!r} is used twice")
            seen.add(material.key)
        return materials


# What the guide form edits: the elements every guide must state, and two more.
ELEMENTS = (*service.GUIDE_ELEMENTS, "online_depth", "cross_region")


def can_edit(session: Session, user: User, item: ServiceItem) -> bool:
    if user.is_platform_admin:
        return True
    if not user.roles.intersection(EDITOR_ROLES) or user.department_id is None:
        return False
    return item.department_id in service.department_tree(session, user.department_id)


def require_editor(session: Session, user: User, item: ServiceItem) -> None:
    if not can_edit(session, user, item):
        raise Forbidden(
            "only the item's department (its administrators and data stewards) or a "
            "department above it keeps this guide",
            code="not-the-items-department",
        )


def guide_of(item: ServiceItem) -> GuideIn:
    """The item's guide as the form and the API show it."""
    return GuideIn.model_validate(
        {name: getattr(item, name) for name in ELEMENTS}
        | {
            "materials": [
                {
                    "key": m.key,
                    "name": m.name,
                    "required": m.required,
                    "source_kind": m.source_kind,
                    "licence_type": m.licence_type,
                    "resource_code": m.resource_code,
                    "fields": list(m.fields),
                    "note": m.note,
                }
                for m in item.materials
            ]
        }
    )


def check(session: Session, guide: GuideIn) -> None:
    """Refuse the mistakes, naming each: a promise beyond the law, unusable sources."""
    errors: list[dict[str, str]] = []
    if (
        guide.promised_days is not None
        and guide.statutory_days is not None
        and guide.promised_days > guide.statutory_days
    ):
        errors.append({"field": "promised_days", "reason": "longer than the statutory time limit"})
    resources = service.resource_fields(session)
    for material in guide.materials:
        reason = _source_problem(material, resources)
        if reason:
            errors.append({"field": f"materials.{material.key}", "reason": reason})
    if errors:
        raise Invalid("the guide was not saved", code="bad-guide", errors=errors)


def _source_problem(material: MaterialIn, resources: dict[str, set[str]]) -> str:
    kind = material.source_kind
    if kind is None:
        return ""  # not yet known: saved, and listed as a gap
    problem = service.material_problem(material, resources)
    if problem == "fields not in the data resource" and material.fields:
        missing = sorted(set(material.fields) - resources[material.resource_code])
        return f"fields not in the data resource: {', '.join(missing)}"
    return problem


def update(session: Session, item: ServiceItem, guide: GuideIn, by: Actor) -> list[str]:
    """Save the guide; returns what changed (element names, and "materials")."""
    check(session, guide)
    before = guide_of(item)
    changed = [name for name in ELEMENTS if getattr(before, name) != getattr(guide, name)]
    for name in changed:
        setattr(item, name, getattr(guide, name))
    if before.materials != guide.materials:
        changed.append("materials")
        _replace_materials(session, item, guide.materials)
    if changed:
        item.updated_at = utcnow()
        audit.record(
            session,
            audit.Event(
                "services.item.updated", by, "service_item", item.code, detail={"changed": changed}
            ),
        )
    return changed


def _replace_materials(session: Session, item: ServiceItem, materials: list[MaterialIn]) -> None:
    """Rows keep their identity by key (applications copy what they need, so a change
    here never alters one already started)."""
    existing = {m.key: m for m in item.materials}
    rows = []
    for position, spec in enumerate(materials):
        row = existing.get(spec.key) or ServiceMaterial(key=spec.key)
        row.position = position
        row.name, row.required, row.note = spec.name, spec.required, spec.note
        row.source_kind, row.licence_type = spec.source_kind, spec.licence_type
        row.resource_code, row.fields = spec.resource_code, list(spec.fields)
        rows.append(row)
    item.materials = rows
    session.flush()
