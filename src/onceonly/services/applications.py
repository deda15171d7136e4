"""Applications: start an item or a bundle, fetch what the government holds, ask only for
the rest (once per bundle), confirm and submit; answer a correction request.

The reviewers' side is in `review.py`. No HTTP here.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import Resource
from onceonly.core.actors import Actor
from onceonly.core.calendar import WorkCalendar, load_calendar
from onceonly.core.db import Database, utcnow
from onceonly.core.deps import Citizen
from onceonly.core.errors import Conflict, Invalid, NotFound
from onceonly.core.settings import Settings
from onceonly.identity.models import Person, Region
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.service import claims_of
from onceonly.services import crossborder, duplicates, notify, prefill, routing
from onceonly.services import service as catalog
from onceonly.services.models import (
    CLOSED_CASES,
    Application,
    ApplicationCase,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStatus,
    CaseStatus,
    LifeEvent,
    MaterialState,
    ServiceItem,
    ServiceMaterial,
    SourceKind,
    SubjectKind,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
MAX_TEXT = 2000
PORTAL_ACTOR = Actor("client", "portal-services", "一网通办 portal services")


@dataclass(frozen=True)
class Applicant:
    """Who applies: a person, or a company through its signed-in representative."""

    kind: SubjectKind
    code: str  # ID number or credit code: whose data is fetched and who holds results
    name: str
    person_id: int
    person_code: str  # the signed-in person's ID number
    email: str = ""

    @property
    def entity_code(self) -> str | None:
        return self.code if self.kind is SubjectKind.ENTITY else None


def applicant_of(session: Session, citizen: Citizen) -> Applicant:
    person = session.get(Person, citizen.person_id)
    email = person.email if person is not None else ""
    if citizen.entity_id is not None and citizen.entity_code:
        return Applicant(
            SubjectKind.ENTITY,
            citizen.entity_code,
            citizen.entity_name or "",
            citizen.person_id,
            citizen.id_number,
            email,
        )
    return Applicant(
        SubjectKind.PERSON,
        citizen.id_number,
        citizen.name,
        citizen.person_id,
        citizen.id_number,
        email,
    )


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
    codes = {
        p.spec.resource_code for p in plan.values() if p.spec.source_kind is SourceKind.EXCHANGE
    }
    resources = {
        r.code: r
        for r in session.scalars(
            select(Resource).where(Resource.code.in_(codes), Resource.retired_at.is_(None))
        )
    }
    for key, planned in plan.items():
        if planned.spec.source_kind is not SourceKind.EXCHANGE:
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
    for position, (key, planned) in enumerate(plan.items()):
        material = _material(planned, rows.get(key), notes.get(key, ""))
        material.position = position
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


# Reading ---------------------------------------------------------------------------


def get_application(session: Session, ref: str) -> Application:
    application = session.scalar(select(Application).where(Application.ref == ref))
    if application is None:
        raise NotFound(f"no application {ref}", code="application-not-found")
    return application


def own_application(session: Session, ref: str, applicant: Applicant) -> Application:
    """The application, if it is this applicant's (404 otherwise: no probing refs)."""
    application = get_application(session, ref)
    if application.applicant_code != applicant.code or application.person_id != applicant.person_id:
        raise NotFound(f"no application {ref}", code="application-not-found")
    return application


def list_for(session: Session, applicant: Applicant, limit: int = 100) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.applicant_code == applicant.code,
                Application.person_id == applicant.person_id,
            )
            .order_by(Application.id.desc())
            .limit(limit)
        )
    )


def timeline(session: Session, application: Application) -> list[ApplicationEvent]:
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


def material(application: Application, key: str) -> ApplicationMaterial:
    for item in application.materials:
        if item.key == key:
            return item
    raise NotFound(f"application {application.ref} has no material {key}", code="no-such-material")


def missing(application: Application) -> list[ApplicationMaterial]:
    return [m for m in application.materials if m.required and m.state is MaterialState.MISSING]


def correction_keys(application: Application) -> set[str]:
    return {
        key
        for case in application.cases
        if case.status is CaseStatus.CORRECTION
        for key in case.correction_keys
    }


# Writing ---------------------------------------------------------------------------


def add_event(
    session: Session,
    application: Application,
    kind: str,
    by: str,
    note: str = "",
    case: ApplicationCase | None = None,
) -> None:
    session.add(
        ApplicationEvent(
            application_id=application.id,
            case_id=case.id if case is not None else None,
            kind=kind,
            by=by,
            note=note,
        )
    )


def _editable(application: Application, key: str) -> None:
    if application.status is ApplicationStatus.DRAFT:
        return
    if key in correction_keys(application):
        return
    raise Conflict(
        "this material can't be changed now: the application was submitted",
        code="application-submitted",
    )


def provide_text(session: Session, application: Application, key: str, text: str) -> None:
    """The applicant fills in a material (a form field)."""
    target = material(application, key)
    _editable(application, key)
    text = text.strip()
    if not text:
        raise Invalid(f"fill in {target.name}", code="empty-material", material=key)
    if len(text) > MAX_TEXT:
        raise Invalid(f"{target.name}: at most {MAX_TEXT} characters", code="material-too-long")
    target.state = MaterialState.PROVIDED
    target.data = {"text": text}
    target.origin = "applicant"
    target.content = None
    target.confirmed = True


def provide_upload(
    session: Session, application: Application, key: str, filename: str, content: bytes
) -> None:
    """The applicant uploads a scan or photo of a material."""
    target = material(application, key)
    _editable(application, key)
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_TYPES:
        raise Invalid(
            f"{target.name}: upload a PDF, JPEG or PNG file", code="bad-upload-type", material=key
        )
    if not content:
        raise Invalid(f"{target.name}: the file is empty", code="empty-upload", material=key)
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid(
            f"{target.name}: the file is larger than 10 MB", code="upload-too-large", material=key
        )
    target.state = MaterialState.PROVIDED
    target.data = {
        "filename": name[:200],
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "media_type": UPLOAD_TYPES[suffix],
    }
    target.origin = "applicant"
    target.content = content
    target.confirmed = True


def submit(session: Session, application: Application, *, confirmed: bool) -> None:
    """Send every case to its competent department, with its promised deadline."""
    if application.status is not ApplicationStatus.DRAFT:
        raise Conflict(
            f"application {application.ref} was already submitted", code="already-submitted"
        )
    if not confirmed:
        raise Invalid(
            "confirm that the data fetched for you is right (or correct it) before submitting",
            code="not-confirmed",
        )
    gaps = missing(application)
    if gaps:
        raise Invalid(
            "still missing: " + ", ".join(m.name for m in gaps),
            code="materials-missing",
            missing=[m.key for m in gaps],
        )
    now = utcnow()
    calendar = load_calendar(session)
    for case in application.cases:
        route = routing.route(
            session, case.item, application.region_code, application.home_region_code
        )
        case.item_id, case.item = route.item.id, route.item
        case.department_id, case.department = route.department.id, route.department
        _send(case, now, calendar)
        add_event(session, application, "Submitted", application.applicant_name,
                  route.department.name, case)  # fmt: skip
    for item in application.materials:
        if item.state is MaterialState.FETCHED:
            item.confirmed = True
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    crossborder.route_elsewhere(session, application)
    notify.to_applicant(
        session,
        application,
        f"已提交：{application.title}",
        f"您的申请 {application.ref} 已提交，共 {len(application.cases)} 个事项，"
        "已分送各主管部门办理。您可在“我的办件”查看进度。",
    )


def _send(case: ApplicationCase, now: datetime, calendar: WorkCalendar) -> None:
    """The case waits for its department; the promised (else statutory) time starts."""
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    days = case.item.promised_days or case.item.statutory_days
    case.due_at = calendar.deadline(now, days) if days else None


def resubmit(session: Session, application: Application) -> None:
    """Answer the correction request: every material asked for again must be given.
    The promised time starts again in full (补正 restarts acceptance)."""
    waiting = [c for c in application.cases if c.status is CaseStatus.CORRECTION]
    if not waiting:
        raise Conflict("no correction was asked for", code="no-correction")
    keys = correction_keys(application)
    still = [
        m.name for m in application.materials if m.key in keys and m.state is MaterialState.MISSING
    ]
    if still:
        raise Invalid("still missing: " + ", ".join(still), code="materials-missing")
    now = utcnow()
    calendar = load_calendar(session)
    for case in waiting:
        _send(case, now, calendar)
        add_event(session, application, "Corrected", application.applicant_name, "", case)


def withdraw(session: Session, application: Application, reason: str) -> None:
    """The applicant withdraws what no department has decided yet (撤回申请). A draft is
    simply closed; decided cases keep their result."""
    if application.status in (ApplicationStatus.COMPLETED, ApplicationStatus.WITHDRAWN):
        raise Conflict(
            f"application {application.ref} is {application.status.value}: nothing to withdraw",
            code="nothing-to-withdraw",
        )
    reason = reason.strip()
    if len(reason) > MAX_TEXT:
        raise Invalid(f"the reason is at most {MAX_TEXT} characters", code="reason-too-long")
    if application.status is ApplicationStatus.DRAFT:
        # Never sent: no department saw it, so its cases stay drafts nobody lists.
        application.status = ApplicationStatus.WITHDRAWN
        add_event(session, application, "Withdrawn", application.applicant_name, reason)
    else:
        for case in application.cases:
            if case.status in CLOSED_CASES:
                continue
            case.status, case.reason = CaseStatus.WITHDRAWN, reason
            # Each department's trail names it; the applicant's timeline says where.
            note = case.department.name if case.department else ""
            add_event(session, application, "Withdrawn", application.applicant_name,
                      f"{note}：{reason}" if reason else note, case)  # fmt: skip
        decided = any(c.status is not CaseStatus.WITHDRAWN for c in application.cases)
        application.status = ApplicationStatus.COMPLETED if decided else ApplicationStatus.WITHDRAWN
    application.completed_at = utcnow()
    notify.to_applicant(
        session,
        application,
        f"已撤回：{application.title}",
        f"您的申请 {application.ref} 已撤回，未办结的事项不再办理。如需办理，请重新申请。",
    )
