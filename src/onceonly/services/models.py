"""One-stop service catalog: service items with their guide, materials, life-event bundles.

A service item (政务服务事项) follows GB/T 39554.1: a basic code shared by every region
that implements the same item, and an implementation code that adds the region and the
department. A province publishes the item once as a template; a city's item points at
it with `template_id` and may differ (shorter promised time, fewer trips), which the
service layer shows.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onceonly.core.db import Base, FreeText, IntPk, JsonList, Name, NameEn, Timestamp, str_enum
from onceonly.identity.models import Department


class ItemKind(enum.StrEnum):
    """The item types of the national catalog (行政权力 and 公共服务 kinds)."""

    LICENSING = "licensing"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    PAYMENT = "payment"  # 行政给付
    REGISTRATION = "registration"  # 登记备案 (other administrative power)
    PUBLIC_SERVICE = "public_service"  # 公共服务


class SubjectKind(enum.StrEnum):
    PERSON = "person"
    ENTITY = "entity"


class SourceKind(enum.StrEnum):
    """Where a material comes from; `reach_of` says whether the citizen is asked."""

    LICENCE = "licence"  # an e-licence from the library, by type
    EXCHANGE = "exchange"  # fields of an exchange resource
    # A statement derived from an exchange resource by a named rule (services.reach),
    # e.g. "no spouse" from the marriage register having no current marriage.
    DERIVED = "derived"
    GENERATED = "generated"  # produced from the application's own data (an application form)
    ACCOUNT = "account"  # from the citizen's portal account (contact details)
    FORM = "form"  # filled online by the applicant
    UPLOAD = "upload"  # a scan or photo the applicant uploads


class Reach(enum.StrEnum):
    """The once-only figure's three shares (一次不跑 / 材料免提交)."""

    FETCHED = "fetched"  # a department or the platform supplies it
    REUSED = "reused"  # the citizen gave it to the platform once, and it is offered again
    ASKED = "asked"  # the citizen is asked for it in this application


# The one place that says which source kinds spare the citizen: a new kind (e.g. the
# citizen's material store) gets a line here and every figure counts it.
REACH: dict[SourceKind, Reach] = {
    SourceKind.LICENCE: Reach.FETCHED,
    SourceKind.EXCHANGE: Reach.FETCHED,
    SourceKind.DERIVED: Reach.FETCHED,
    SourceKind.GENERATED: Reach.FETCHED,
    SourceKind.ACCOUNT: Reach.REUSED,
    SourceKind.FORM: Reach.ASKED,
    SourceKind.UPLOAD: Reach.ASKED,
}


def reach_of(kind: SourceKind | None) -> Reach:
    """Whether a material of this kind is fetched, reused or asked (no source: asked)."""
    return REACH.get(kind, Reach.ASKED) if kind is not None else Reach.ASKED


FETCHED_SOURCES = tuple(kind for kind, reach in REACH.items() if reach is Reach.FETCHED)
# Kinds the applicant types in when they are asked for them (the rest: a scan).
TYPED_SOURCES = (SourceKind.FORM, SourceKind.ACCOUNT, SourceKind.DERIVED)
# Kinds whose value comes through the exchange gateway (with a purpose, logged).
QUERIED_SOURCES = (SourceKind.EXCHANGE, SourceKind.DERIVED)


class VisitFor(enum.StrEnum):
    """Why an item still needs its one trip (最多跑一次): for nothing else."""

    CHECK = "check"  # an in-person check: identity, signature, fingerprints, the premises
    COLLECTION = "collection"  # collecting a paper result that cannot be posted


class ServiceItem(Base):
    __tablename__ = "service_items"
    __table_args__ = (
        Index("ix_service_items_department_id_active", "department_id", "active"),
        Index("ix_service_items_basic_code", "basic_code"),
    )

    id: Mapped[IntPk]
    # Implementation code: basic code + region + department, unique on the platform.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    # The basic code (基本编码) shared by every implementation of the same item.
    basic_code: Mapped[str] = mapped_column(String(30))
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, length=30))
    subject: Mapped[SubjectKind] = mapped_column(
        str_enum(SubjectKind, length=30), default=SubjectKind.PERSON
    )
    # The guide elements (办事指南要素); an empty text is a missing element.
    legal_basis: Mapped[FreeText]
    conditions: Mapped[FreeText]
    fees: Mapped[FreeText]
    statutory_days: Mapped[int | None]  # 法定办结时限, working days
    promised_days: Mapped[int | None]  # 承诺办结时限, working days
    # Online depth 1-4 (1 information, 2 download forms, 3 apply online, 4 fully online).
    online_depth: Mapped[int] = mapped_column(default=1)
    max_trips: Mapped[int | None]  # 最多跑几次; 0 means never in person
    # What the remaining trip is for (None: no trip, or not said); set with max_trips 1.
    visit_for: Mapped[VisitFor | None] = mapped_column(str_enum(VisitFor, length=30))
    places: Mapped[FreeText]
    phone: Mapped[str] = mapped_column(String(40), default="")
    # 全省通办: may be submitted anywhere in the province and is routed to the home region.
    cross_region: Mapped[bool] = mapped_column(default=False)
    # The e-licence type an approval issues (e.g. a birth certificate), or "".
    result_licence: Mapped[str] = mapped_column(String(60), default="")
    # Words people search with besides the name, space-separated (plain text so that
    # a LIKE search finds Chinese words on both backends; JSON would escape them).
    keywords: Mapped[str] = mapped_column(String(300), default="")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]

    department: Mapped[Department] = relationship(lazy="joined")
    materials: Mapped[list[ServiceMaterial]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceMaterial.position", lazy="selectin"
    )


class ServiceMaterial(Base):
    """A material (申请材料) of an item and what can supply it instead of the applicant."""

    __tablename__ = "service_materials"

    id: Mapped[IntPk]
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Shared by the items of a bundle that need the same thing: asked for once.
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    required: Mapped[bool] = mapped_column(default=True)
    # None: nobody has said where it comes from yet (a completeness gap).
    source_kind: Mapped[SourceKind | None] = mapped_column(str_enum(SourceKind, length=30))
    licence_type: Mapped[str] = mapped_column(String(60), default="")
    resource_code: Mapped[str] = mapped_column(String(60), default="")
    fields: Mapped[JsonList]
    note: Mapped[FreeText]


class LifeEvent(Base):
    """A bundle of items done together (一件事), e.g. having a baby."""

    __tablename__ = "service_bundles"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    description: Mapped[FreeText]
    description_en: Mapped[FreeText]
    subject: Mapped[SubjectKind] = mapped_column(
        str_enum(SubjectKind, length=30), default=SubjectKind.PERSON
    )
    promised_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]

    entries: Mapped[list[LifeEventItem]] = relationship(
        cascade="all, delete-orphan", order_by="LifeEventItem.position", lazy="selectin"
    )


class LifeEventItem(Base):
    __tablename__ = "service_bundle_items"
    __table_args__ = (UniqueConstraint("bundle_id", "item_id"),)

    id: Mapped[IntPk]
    bundle_id: Mapped[int] = mapped_column(ForeignKey("service_bundles.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[ServiceItem] = relationship(lazy="joined")


# Applications --------------------------------------------------------------------------


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"  # started, being filled: nothing sent to a department yet
    SUBMITTED = "submitted"  # every case is with its department
    COMPLETED = "completed"  # every case is decided (or some decided, the rest withdrawn)
    WITHDRAWN = "withdrawn"  # the applicant withdrew it before any case was decided


class CaseStatus(enum.StrEnum):
    """One item of an application as its department handles it (办件)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for acceptance (受理)
    ACCEPTED = "accepted"  # accepted; the promised time runs
    CORRECTION = "correction"  # sent back once for everything missing (一次性告知补正)
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the applicant withdrew it before the decision (撤回申请)


OPEN_CASES = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.CORRECTION)
DECIDED_CASES = (CaseStatus.APPROVED, CaseStatus.REJECTED)
# Nothing more will happen to these: decided, or withdrawn by the applicant.
CLOSED_CASES = (*DECIDED_CASES, CaseStatus.WITHDRAWN)


class MaterialState(enum.StrEnum):
    FETCHED = "fetched"  # from the exchange or the licence library, to be confirmed
    FROM_BUNDLE = "from_bundle"  # an earlier item of the same bundle issues it
    PROVIDED = "provided"  # filled in or uploaded by the applicant
    MISSING = "missing"  # still to be given by the applicant


class Application(Base):
    """What a citizen or company applies for at once: one item, or a life-event bundle."""

    __tablename__ = "service_applications"
    __table_args__ = (Index("ix_service_applications_applicant", "applicant_code", "created_at"),)

    id: Mapped[IntPk]
    ref: Mapped[str] = mapped_column(String(30), unique=True)  # shown to people, e.g. YW…
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("service_bundles.id"))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    applicant_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind, length=30))
    # The ID number or credit code the application is about (and the tracker's key).
    applicant_code: Mapped[str] = mapped_column(String(18))
    applicant_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # Where it is submitted (办理地); cross-region items go to the home region instead.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    home_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    email: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, length=30), default=ApplicationStatus.DRAFT
    )
    created_at: Mapped[Timestamp]
    prefilled_at: Mapped[datetime | None]
    prefill_ms: Mapped[float | None]  # how long the concurrent fetches took
    submitted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    bundle: Mapped[LifeEvent | None] = relationship(lazy="joined")
    cases: Mapped[list[ApplicationCase]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationCase.position", lazy="selectin"
    )
    materials: Mapped[list[ApplicationMaterial]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationMaterial.position", lazy="selectin"
    )


class ApplicationCase(Base):
    """One item of an application, routed to the department competent for it."""

    __tablename__ = "service_cases"
    __table_args__ = (Index("ix_service_cases_department_status", "department_id", "status"),)

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # The item applied for: the implementation of the region it was routed to.
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, length=30), default=CaseStatus.DRAFT
    )
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # the promised time limit, in working days
    correction_asked_at: Mapped[datetime | None]
    # Material keys the reviewer asked for again, and what they said (once, all at once).
    correction_keys: Mapped[JsonList]
    correction_note: Mapped[FreeText]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[FreeText]
    result_serial: Mapped[str] = mapped_column(String(40), default="")  # an issued e-licence

    item: Mapped[ServiceItem] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")


class ApplicationMaterial(Base):
    """A material of an application, once per key however many items need it."""

    __tablename__ = "service_application_materials"
    __table_args__ = (UniqueConstraint("application_id", "key"),)

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[Name]
    name_en: Mapped[NameEn]
    required: Mapped[bool] = mapped_column(default=True)
    source_kind: Mapped[SourceKind | None] = mapped_column(str_enum(SourceKind, length=30))
    state: Mapped[MaterialState] = mapped_column(str_enum(MaterialState, length=30))
    # Who supplied it: the department (fetched), the licence serial, or the applicant.
    origin: Mapped[str] = mapped_column(String(200), default="")
    # Fetched fields or disclosed claims; a form's text; an upload's name, size, digest.
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Why a fetch found nothing (shown to the applicant, who then supplies it).
    note: Mapped[FreeText]
    confirmed: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class ApplicationEvent(Base):
    """The status timeline the applicant sees, and the reviewer's trail."""

    __tablename__ = "service_application_events"

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("service_cases.id"))
    at: Mapped[Timestamp]
    kind: Mapped[str] = mapped_column(String(40))  # an English message id, e.g. "Accepted"
    by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[FreeText]


class Notification(Base):
    """A message to an applicant: shown in the portal, and e-mailed when an address is
    known (written here in the same transaction as the change, sent after commit)."""

    __tablename__ = "service_notifications"
    __table_args__ = (Index("ix_service_notifications_person", "person_id", "created_at"),)

    id: Mapped[IntPk]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("service_applications.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    read_at: Mapped[datetime | None]
    email: Mapped[str] = mapped_column(String(200), default="")
    # "" no e-mail; "pending" to send; "sent"; "failed: <why>" (retried by `deliver`).
    email_state: Mapped[str] = mapped_column(String(200), default="", index=True)
    emailed_at: Mapped[datetime | None]
