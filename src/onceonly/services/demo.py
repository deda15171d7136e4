"""Demo service catalog: the province's items (templates), the cities' implementations of
some of them, and three life-event bundles. Deterministic: the same data on every run.

A few items are deliberately incomplete (a missing legal basis, fee or time limit, a
material without a source or with an unknown licence type, a city's guide without a
place or phone) so that the completeness check has something to show.
"""

from __future__ import annotations

from sqlalchemy import select

from onceonly.audit import service as audit
from onceonly.core.errors import Problem
from onceonly.core.seeding import SeedContext
from onceonly.identity.models import Department, Person, User
from onceonly.services.applications import applications, starting
from onceonly.services.casework import review
from onceonly.services.items.demo_items import (
    BUNDLE_DESCRIPTIONS_EN,
    BUNDLES,
    IMPLEMENTED,
    ITEMS,
    VISITS,
    Spec,
)
from onceonly.services.items.demo_materials import MATERIAL_NAMES_EN, MATERIALS
from onceonly.services.models import (
    TYPED_SOURCES,
    Application,
    ItemKind,
    LifeEvent,
    LifeEventItem,
    ServiceItem,
    ServiceMaterial,
    SourceKind,
    SubjectKind,
)

DEMO_ANSWER = "6222 0210 0000 0000 000（示例）"
# GB/T 39554.1 item type codes (事项类型) that start a basic code.
TYPE_CODES = {
    ItemKind.LICENSING: "01",
    ItemKind.PAYMENT: "05",
    ItemKind.CONFIRMATION: "07",
    ItemKind.REGISTRATION: "10",
    ItemKind.PUBLIC_SERVICE: "20",
}
DEPARTMENT_NUMBERS = {"ps": 1, "ca": 2, "health": 3, "hrss": 4, "amr": 5, "hpf": 6, "edu": 7,
                      "tax": 8}  # fmt: skip


def basic_code(spec: Spec) -> str:
    """Type (2) + department (2) + item (3) + sub-item (3): e.g. 1001001000."""
    return f"{TYPE_CODES[spec.kind]}{DEPARTMENT_NUMBERS[spec.dept]:02d}{spec.seq:03d}000"


def seed(ctx: SeedContext) -> None:
    session = ctx.session
    if session.scalar(select(ServiceItem.id).limit(1)) is not None:
        return
    templates: dict[tuple[str, int], ServiceItem] = {}
    province = ctx.departments["dsb"].region_code  # the province this demo generates
    for spec in ITEMS:
        item = _item(spec, ctx.departments[spec.dept], province, {})
        session.add(item)
        templates[(spec.dept, spec.seq)] = item
    session.flush()
    specs = {(s.dept, s.seq): s for s in ITEMS}
    implemented = 0
    for key, cities in IMPLEMENTED.items():
        spec = specs[key]
        for city, overrides in cities.items():
            department = ctx.city_departments.get((spec.dept, city))
            if department is None:  # a smaller demo without this city's department
                continue
            item = _item(spec, department, city, overrides)
            item.template_id = templates[key].id
            session.add(item)
            implemented += 1
    for code, name, name_en, subject, days, entries, description in BUNDLES:
        bundle = LifeEvent(
            code=code,
            name=name,
            name_en=name_en,
            subject=subject,
            promised_days=days,
            description=description,
            description_en=BUNDLE_DESCRIPTIONS_EN.get(code, ""),
        )
        bundle.entries = [
            LifeEventItem(item_id=templates[entry].id, position=position)
            for position, entry in enumerate(entries)
        ]
        session.add(bundle)
    session.flush()
    audit.record(
        session,
        audit.Event(
            action="services.catalog_seeded",
            actor=ctx.actor,
            object_type="service_catalog",
            object_id=province,
            detail={
                "templates": len(templates),
                "implementations": implemented,
                "bundles": len(BUNDLES),
            },
        ),
    )
    ctx.console.print(
        f"services: {len(templates)} provincial items, {implemented} city implementations, "
        f"{len(BUNDLES)} life-event bundles"
    )
    seed_applications(ctx)


def seed_applications(ctx: SeedContext) -> None:
    """A retirement application in progress, so reviewers and figures have a case to
    show. The new parents are left alone: the demo walks them through having a baby."""
    session = ctx.session
    person = next((f for f in ctx.featured if str(f["story"]).startswith("turns 60")), None)
    if person is None or session.scalar(select(Application.id).limit(1)) is not None:
        return
    citizen = session.scalar(select(Person).where(Person.id_number == person["id_number"]))
    if citizen is None:
        return
    applicant = applications.Applicant(
        SubjectKind.PERSON, citizen.id_number, citizen.name, citizen.id, citizen.id_number
    )
    try:
        application = starting.start(
            session, applicant, bundle_code="retirement", settings=ctx.settings
        )
        for material in applications.missing(application):
            if material.source_kind in TYPED_SOURCES:
                applications.provide_text(session, application, material.key, DEMO_ANSWER)
            else:
                applications.provide_upload(
                    session, application, material.key, "scan.pdf", b"%PDF-1.4 demo scan"
                )
        applications.submit(session, application, confirmed=True)
        reviewer = session.scalar(select(User).where(User.username == "hrss.reviewer"))
        first = application.cases[0]
        if reviewer is not None:
            review.accept(session, reviewer, first)
            review.approve(session, reviewer, first)
    except Problem as problem:  # a smaller demo without a source or a reviewer
        ctx.console.print(f"services demo: retirement application skipped: {problem.detail}")
        return
    ctx.console.print(f"services: demo application {application.ref} (retirement) submitted")


def _item(
    spec: Spec, department: Department, region: str, overrides: dict[str, object]
) -> ServiceItem:
    region_name = department.region.name if department.region else ""
    places = f"{region_name}政务服务中心{department.name}窗口；浙里办App“{spec.name}”"
    item = ServiceItem(
        code=f"{region}{basic_code(spec)}",
        basic_code=basic_code(spec),
        name=spec.name,
        name_en=spec.name_en,
        department_id=department.id,
        region_code=region,
        kind=spec.kind,
        subject=spec.subject,
        legal_basis=spec.basis,
        conditions=spec.conditions,
        fees=spec.fees,
        statutory_days=spec.statutory,
        promised_days=spec.promised,
        online_depth=spec.depth,
        max_trips=spec.trips,
        places=places if spec.places and overrides.get("places", True) else "",
        phone=department.phone if spec.phone and overrides.get("phone", True) else "",
        cross_region=spec.cross_region,
        result_licence=spec.result,
        keywords=spec.keywords,
    )
    for name in ("promised_days", "max_trips", "online_depth"):
        if name in overrides:
            setattr(item, name, overrides[name])
    if item.max_trips:
        item.visit_for = VISITS.get((spec.dept, spec.seq))
    dropped = overrides.get("drop")
    item.materials = [
        material
        for position, entry in enumerate(spec.materials)
        if (material := _material(entry, position)).key != dropped
    ]
    return item


def _material(entry: str | tuple[str, str, str | None], position: int) -> ServiceMaterial:
    if isinstance(entry, str):
        key, (name, source) = entry, MATERIALS[entry]
    else:
        key, name, source = entry
    material = ServiceMaterial(
        key=key, name=name, name_en=MATERIAL_NAMES_EN.get(key, ""), position=position, required=True
    )
    if source is None:
        material.source_kind = None
    elif source.startswith("lic:"):
        material.source_kind = SourceKind.LICENCE
        material.licence_type = source.removeprefix("lic:")
    elif source.startswith(("ex:", "derived:")):
        prefix, code, fields = source.split(":")
        material.source_kind = SourceKind.EXCHANGE if prefix == "ex" else SourceKind.DERIVED
        material.resource_code = code
        material.fields = fields.split(",")
    else:
        material.source_kind = SourceKind(source)
    return material
