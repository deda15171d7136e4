"""Evidence as a citizen reads it: one card per material, saying which department it
came from, when and why, with each field labelled from the catalog's definition of
that resource's field (or the licence type's claim), coded values decoded and dates
written out. A licence reads as a licence (name, number, issuer, valid until, status);
its technical claims are kept apart, for a folded-away section.

The portal's application page and the reviewer's case page show the same cards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.catalog.models import Resource, ResourceField
from onceonly.core.calendar import CHINA_TZ
from onceonly.identity.models import Department
from onceonly.licences.kinds import CLAIM_CODES, CLAIM_LABELS, LICENCE_TYPES, TECHNICAL_CLAIMS
from onceonly.licences.models import Licence
from onceonly.services.items.labels import named
from onceonly.services.models import Application, ApplicationMaterial, MaterialState
from onceonly.services.reach import supply
from onceonly.web.i18n import current_locale, local
from onceonly.web.i18n import gettext as _

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UPLOAD_KEYS = ("filename", "size")
TIME_CLAIMS = ("iat", "nbf", "exp")


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    name: str = ""  # the field or claim, for tests and styling


@dataclass(frozen=True)
class LicenceView:
    name: str
    serial: str
    issuer: str
    valid_until: str
    status: str  # valid, suspended, revoked


@dataclass
class Card:
    key: str
    title: str
    state: str
    required: bool
    source: str = ""  # department · resource, or the licence's issuer
    when: str = ""
    why: str = ""
    note: str = ""
    rows: list[Row] = field(default_factory=list)
    licence: LicenceView | None = None
    technical: list[Row] = field(default_factory=list)
    download: bool = False


def _chinese() -> bool:
    return current_locale.get() == "zh_CN"


def format_day(value: date) -> str:
    return format_date(value, format="long", locale="zh_CN" if _chinese() else "en")


def show(value: Any, codes: Mapping[str, Sequence[str]] | None = None) -> str:
    """A value as people read it: a code decoded, an ISO date written out."""
    if value is None or value == "":
        return "—"
    if codes and str(value) in codes:
        zh, en = codes[str(value)][:2]
        return zh if _chinese() else en
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _when(value: datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def claim_rows(claims: Mapping[str, Any]) -> list[Row]:
    """A licence's claims as labelled rows (technical claims left out)."""
    index = 0 if _chinese() else 1
    return [
        Row(CLAIM_LABELS[k][index] if k in CLAIM_LABELS else k, show(v, CLAIM_CODES.get(k)), k)
        for k, v in claims.items()
        if k not in TECHNICAL_CLAIMS
    ]


def technical_rows(claims: Mapping[str, Any]) -> list[Row]:
    rows = []
    for k in TECHNICAL_CLAIMS:
        if k not in claims:
            continue
        value = claims[k]
        if k in TIME_CLAIMS and isinstance(value, int | float):
            value = _when(datetime.fromtimestamp(value, UTC))
        rows.append(Row(k, show(value), k))
    return rows


def _fields(session: Session, codes: Iterable[str]) -> dict[str, dict[str, ResourceField]]:
    found: dict[str, dict[str, ResourceField]] = {}
    rows = session.execute(
        select(Resource.code, ResourceField)
        .join(ResourceField, ResourceField.resource_id == Resource.id)
        .where(Resource.code.in_(set(codes)))
    )
    for code, spec in rows:
        found.setdefault(code, {})[spec.name] = spec
    return found


def field_rows(data: Mapping[str, Any], specs: Mapping[str, ResourceField]) -> list[Row]:
    rows = []
    for name, value in data.items():
        spec = specs.get(name)
        label = name
        if spec is not None:
            label = (spec.description if _chinese() else spec.description_en) or spec.description
        rows.append(Row(label or name, show(value, spec.codes if spec else None), name))
    return rows


def purpose(application: Application) -> str:
    """Why the data was fetched, as the tracker records it, in the reader's language."""
    if _chinese():
        return f"一网通办：{application.title}（申请 {application.ref}）"
    return _("One-stop service: %(title)s (application %(ref)s)",
             title=local(application, "title"), ref=application.ref)  # fmt: skip


def cards(
    session: Session, application: Application, materials: Sequence[ApplicationMaterial]
) -> list[Card]:
    origins = {m.origin for m in materials if m.state is MaterialState.FETCHED}
    resources = {
        r.code: r for r in session.scalars(select(Resource).where(Resource.code.in_(origins)))
    }
    held = {
        lic.serial: lic
        for lic in session.scalars(select(Licence).where(Licence.serial.in_(origins)))
    }
    specs = _fields(session, resources)
    why, when = purpose(application), _when(application.prefilled_at)
    result = []
    for m in materials:
        card = Card(m.key, named(m), m.state.value, m.required, note=m.note)
        if m.state is MaterialState.FETCHED and (resource := resources.get(m.origin)):
            card.source = f"{named(resource.department)} · {named(resource)}"
            card.when, card.why = when, why
            card.rows = field_rows(m.data, specs.get(resource.code, {}))
        elif m.state is MaterialState.FETCHED and (licence := held.get(m.origin)):
            card.licence = _licence_view(session, licence)
            card.source = card.licence.issuer
            card.when, card.why = when, why
            card.rows = claim_rows(m.data)
            card.technical = technical_rows(m.data)
        elif m.state is MaterialState.FETCHED and m.origin in supply.ORIGIN_LABELS:
            card.source, card.when = _(supply.ORIGIN_LABELS[m.origin]), when
            card.rows = field_rows(m.data, {})
        elif m.state is MaterialState.FETCHED:  # from another province's node (issue 17)
            card.source, card.when, card.why = m.origin, when, why
            card.rows = field_rows(m.data, {})
        elif m.state is MaterialState.PROVIDED and "text" in m.data:
            card.rows = [Row(_("Your answer"), str(m.data["text"]), "text")]
        elif m.state is MaterialState.PROVIDED:
            size = int(str(m.data.get("size", 0)))
            card.rows = [Row(_("File"), f"{m.data.get('filename', '')} ({size / 1024:.0f} KB)")]
            card.download = True
        result.append(card)
    return result


def _licence_view(session: Session, licence: Licence) -> LicenceView:
    kind = LICENCE_TYPES.get(licence.type_code)
    name = (kind.name if _chinese() else kind.name_en) if kind else licence.type_code
    issuer = session.get(Department, licence.issuer_department_id)
    return LicenceView(
        name,
        licence.serial,
        named(issuer) if issuer else "",
        format_day(licence.valid_until.astimezone(CHINA_TZ).date())
        if licence.valid_until
        else _("no end date"),
        licence.status,
    )
