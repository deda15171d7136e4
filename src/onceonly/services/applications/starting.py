"""Starting an application: plan the materials of an item or a bundle once per key,
fetch what the government holds (exchange, licence library, another province's
register) and write the draft. No HTTP here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import Resource
from onceonly.core.actors import Actor
from onceonly.core.db import Database, utcnow
from onceonly.core.errors import Conflict, Invalid
from onceonly.core.settings import Settings
from onceonly.identity.models import Region
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.service import claims_of
from onceonly.services.applications import crossborder, duplicates, prefill
from onceonly.services.applications.applications import Applicant, add_event
from onceonly.services.casework import routing
from onceonly.services.items import service as catalog
from onceonly.services.models import (
    QUERIED_SOURCES,
    Application,
    ApplicationCase,
    ApplicationMaterial,
    LifeEvent,
    MaterialState,
    ServiceItem,
    ServiceMaterial,
    SourceKind,
    SubjectKind,
)
from onceonly.services.reach import supply

PORTAL_ACTOR = Actor("client", "portal-services", "一网通办 portal services")


@dataclass
class PlannedMaterial:
    """A material as the application needs it: once per key across the items."""

    spec: ServiceMaterial
    required: bool
    items: list[ServiceItem] = field(default_factory=list)


def plan_materials(items: Sequence[ServiceItem]) -> dict[str, PlannedMaterial]:
    plan: dict[str, PlannedMaterial] = {}
    for item in items:
        for material in item.materials:
            planned = plan.setdefault(material.key, PlannedMaterial(material, False))
            planned.required = planned.required or material.required
            planned.items.append(item)
    return plan


def _what_to_apply(
    session: Session, item_code: str | None, bundle_code: str | None
) -> tuple[list[ServiceItem], LifeEvent | None]:
    if bool(item_code) == bool(bundle_code):
        raise Invalid("start either one service item or one life-event bundle", code="bad-start")
    # Both lookups answer 404 for a code that is unknown or no longer offered.
    if bundle_code:
        bundle = catalog.get_bundle(session, bundle_code)
        return catalog.bundle_items(bundle), bundle
    assert item_code is not None
    return [catalog.get_item(session, item_code)], None


def _check_subject(items: Sequence[ServiceItem], applicant: Applicant) -> None:
    wrong = [i.name for i in items if i.subject is not applicant.kind]
    if wrong:
        who = "a company" if applicant.kind is SubjectKind.PERSON else "a person"
        raise Invalid(
            f"only {who} can apply for: {', '.join(wrong)}; sign in accordingly",
            code="wrong-applicant-kind",
        )


def new_ref() -> str:
    return f"YW{utcnow():%Y%m%d}{secrets.token_hex(3).upper()}"


def purpose_of(title: str, ref: str) -> str:
    return f"一网通办：{title}（申请 {ref}）"


def exchange_fetches(
    session: Session, plan: dict[str, PlannedMaterial], applicant: Applicant
) -> tuple[list[prefill.Fetch], dict[str, str], dict[str, set[str]]]:
    """What to ask the exchange for, and why a material cannot be asked for."""
    fetches: list[prefill.Fetch] = []
    notes: dict[str, str] = {}
    codes = {p.spec.resource_code for p in plan.values() if p.spec.source_kind in QUERIED_SOURCES}
    resources = {
        r.code: r
        for r in session.scalars(
            select(Resource).where(Resource.code.in_(codes), Resource.retired_at.is_(None))
        )
    }
    for key, planned in plan.items():
        if planned.spec.source_kind not in QUERIED_SOURCES:
            continue
        resource = resources.get(planned.spec.resource_code)
        if resource is None:
            notes[key] = "the resource is not in the catalog"
            continue
        subject = prefill.subject_key_for(resource, applicant.person_code, applicant.entity_code)
        if subject is None:
            notes[key] = "this data is not kept per applicant"
            continue
        fields = tuple(planned.spec.fields or resource.field_names)
        fetches.append(prefill.Fetch(key, resource.code, fields, subject))
    return fetches, notes, {code: set(r.field_names) for code, r in resources.items()}


def start(
    session: Session,
    applicant: Applicant,
    *,
    item_code: str | None = None,
    bundle_code: str | None = None,
    region_code: str | None = None,
    db: Database | None = None,
    settings: Settings | None = None,
    again: bool = False,
) -> Application:
    """Start an application and prefill it. With `db` the exchange fetches run
    concurrently, each in its own transaction, before anything is written here.
    An open or decided application for any of the same items is refused (409, naming
    it) unless `again` says the applicant saw it and wants another."""
    items, bundle = _what_to_apply(session, item_code, bundle_code)
    _check_subject(items, applicant)
    earlier = duplicates.earlier_applications(session, applicant.code, items)
    if earlier and not again:
        raise Conflict(
            f"you already applied for this: {', '.join(a.ref for a in earlier)}; "
            "continue that application, or confirm that you want another",
            code="already-applied",
            existing=[a.ref for a in earlier],
        )
    if region_code is not None:
        routing.region_chain(session, region_code)  # 422 for an unknown region
    title = bundle.name if bundle else items[0].name
    ref = new_ref()
    plan = plan_materials(items)
    fetches, notes, resources = exchange_fetches(session, plan, applicant)
    fetch = partial(
        prefill.fetch_exchange,
        purpose=purpose_of(title, ref),
        ref=ref,
        db=db,
        session=None if db else session,
        settings=settings,
    )
    fetched = fetch(fetches)
    retries = prefill.follow_ups(fetched.results, resources)
    if retries:
        more = fetch(retries)
        fetched.results += more.results
        fetched.elapsed_ms += more.elapsed_ms
    rows = {r.fetch.key: r for r in fetched.results if r.row is not None}
    rows.update({r.fetch.key: r for r in fetched.results if r.fetch.key not in rows})
    home = _home_region(session, [r.row for r in fetched.results if r.row])
    # A spouse registered in another province: their register entry from that province,
    # asked before this session writes anything (no write lock held while a peer answers).
    spouse = None
    if applicant.kind is SubjectKind.PERSON:
        spouse = crossborder.spouse_material(
            session, rows, applicant.person_code, ref, PORTAL_ACTOR
        )
    application = Application(
        ref=ref,
        bundle_id=bundle.id if bundle else None,
        title=title,
        title_en=(bundle.name_en if bundle else items[0].name_en) or "",
        applicant_kind=applicant.kind,
        applicant_code=applicant.code,
        applicant_name=applicant.name,
        person_id=applicant.person_id,
        region_code=region_code or home or _province(session),
        home_region_code=home,
        email=applicant.email,
        prefilled_at=utcnow(),
        prefill_ms=fetched.elapsed_ms,
    )
    for position, item in enumerate(items):
        application.cases.append(ApplicationCase(position=position, item_id=item.id))
    results_in_bundle = {i.result_licence: i for i in items if i.result_licence}
    who = supply.Who(
        applicant.code, applicant.name, applicant.person_id, purpose_of(title, ref), PORTAL_ACTOR
    )
    for position, (key, planned) in enumerate(plan.items()):
        material = _material(planned, rows.get(key), notes.get(key, ""))
        material.position = position
        supply.supply(session, material, rows.get(key), who, application, items)
        if planned.spec.source_kind is SourceKind.LICENCE:
            _licence_material(session, material, planned, applicant, application)
            producer = results_in_bundle.get(planned.spec.licence_type)
            # Issued by an earlier item of this bundle: the citizen isn't asked. (Not by an
            # item that needs it itself: renewing an ID card needs the old one.)
            if (
                material.state is MaterialState.MISSING
                and producer is not None
                and producer not in planned.items
            ):
                material.state = MaterialState.FROM_BUNDLE
                material.origin = producer.code
                material.note = ""
        application.materials.append(material)
    if spouse is not None:
        spouse.position = len(application.materials)
        application.materials.append(spouse)
    session.add(application)
    session.flush()
    got = sum(m.state is not MaterialState.MISSING for m in application.materials)
    add_event(
        session,
        application,
        "Started",
        applicant.name,
        f"{got}/{len(application.materials)} fetched, {fetched.elapsed_ms:.0f} ms",
    )
    return application


def _material(
    planned: PlannedMaterial,
    fetched: prefill.Fetched | None,
    note: str,
) -> ApplicationMaterial:
    spec = planned.spec
    material = ApplicationMaterial(
        key=spec.key,
        name=spec.name,
        name_en=spec.name_en,
        required=planned.required,
        source_kind=spec.source_kind,
        state=MaterialState.MISSING,
        data={},
        note=note,
    )
    if fetched is not None and fetched.row is not None:
        material.state = MaterialState.FETCHED
        material.data = {k: _plain(v) for k, v in fetched.row.items()}
        material.origin = fetched.fetch.resource_code
    elif fetched is not None:
        material.note = fetched.error
    return material


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _licence_material(
    session: Session,
    material: ApplicationMaterial,
    planned: PlannedMaterial,
    applicant: Applicant,
    application: Application,
) -> None:
    """Take the licence from the holder's library, and log that it was shown."""
    type_code = planned.spec.licence_type
    for holder in dict.fromkeys([applicant.code, applicant.person_code]):
        licence = prefill.licence_for(session, holder, type_code)
        if licence is None:
            continue
        material.state = MaterialState.FETCHED
        material.origin = licence.serial
        material.data = {k: _plain(v) for k, v in claims_of(licence).items()}
        material.note = ""
        audit.record(
            session,
            audit.Event(
                "licence.present",
                PORTAL_ACTOR,
                "licence",
                licence.serial,
                subject_id_number=holder if len(holder) == 18 and holder[:2].isdigit() else None,
                purpose=purpose_of(application.title, application.ref),
                detail={"type": type_code, "purpose_ref": application.ref},
            ),
        )
        return
    if type_code not in LICENCE_TYPES:
        material.note = "unknown licence type"
    elif not material.note:
        material.note = "no such licence in your library"


def _home_region(session: Session, rows: list[dict[str, Any]]) -> str | None:
    """The household's division, when a fetched register row says it."""
    for row in rows:
        code = str(row.get("division_code") or "")[:6]
        if code and session.get(Region, code) is not None:
            return code
    return None


def _province(session: Session) -> str:
    code = session.scalar(select(Region.code).where(Region.parent_code.is_(None)).limit(1))
    if code is None:
        raise Invalid("no regions are set up", code="no-regions")
    return code
