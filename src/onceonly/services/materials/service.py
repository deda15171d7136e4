"""The citizen's material store: keep what they gave when an application is submitted,
offer it again (with its origin and age) to a later application that needs the same
material, copy it in only when they choose to (consent), and let them delete it.

A reused material is an ordinary given material of the new application (state
`provided`) whose `origin` is `REUSED_ORIGIN` and whose data names where it came from
(`reused_from`, `given_at`): that is how figures count the reused share. The store
itself is never read by a department; only the copy in an application that needs it is,
and each copy is logged (`material.reuse`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.crypto import seal, unseal
from onceonly.core.db import utcnow
from onceonly.core.errors import Conflict, NotFound
from onceonly.core.settings import get_settings
from onceonly.identity.models import Person
from onceonly.services.applications import applications
from onceonly.services.applications.applications import Applicant
from onceonly.services.applications.starting import PORTAL_ACTOR, purpose_of
from onceonly.services.materials.models import StoredMaterial
from onceonly.services.models import (
    Application,
    ApplicationMaterial,
    ApplicationStatus,
    MaterialState,
)

KEEP_DAYS = 365  # a material given once is offered again for a year
REUSED_ORIGIN = "reused"  # ApplicationMaterial.origin of a material taken from the store
GIVEN_ORIGIN = "applicant"  # what applications.provide_* write: typed or uploaded now


def _purpose(person_id: int) -> str:
    # Bound to the person: a sealed value copied to another person's row won't open.
    return f"citizen-material:{person_id}"


def _seal(person_id: int, value: bytes) -> str:
    return seal(get_settings().master_key_bytes(), _purpose(person_id), value)


def _unseal(stored: StoredMaterial) -> bytes:
    return unseal(get_settings().master_key_bytes(), _purpose(stored.person_id), stored.sealed)


def _id_number(session: Session, person_id: int) -> str | None:
    person = session.get(Person, person_id)
    return person.id_number if person is not None else None


def _given(application: Application) -> list[ApplicationMaterial]:
    return [
        m
        for m in application.materials
        if m.state is MaterialState.PROVIDED and m.origin == GIVEN_ORIGIN
    ]


def _kept(session: Session, application: Application, key: str) -> StoredMaterial | None:
    return session.scalar(
        select(StoredMaterial).where(
            _owned(application.person_id, application.applicant_code), StoredMaterial.key == key
        )
    )


def keep_given(session: Session, application: Application) -> int:
    """Keep what the applicant typed or uploaded in this (just submitted or corrected)
    application, replacing an older one of the same material; how many were kept."""
    now = utcnow()
    kept = []
    for material in _given(application):
        is_text = "text" in material.data
        value = str(material.data["text"]).encode() if is_text else (material.content or b"")
        digest = hashlib.sha256(value).hexdigest()
        earlier = _kept(session, application, material.key)
        if earlier is not None and (earlier.source_ref, earlier.sha256) == (
            application.ref,
            digest,
        ):
            continue  # kept when this application was first submitted
        if earlier is not None:
            session.delete(earlier)
        session.add(
            StoredMaterial(
                person_id=application.person_id,
                owner_code=application.applicant_code,
                key=material.key,
                name=material.name,
                kind="form" if is_text else "upload",
                sealed=_seal(application.person_id, value),
                filename=str(material.data.get("filename", "")),
                media_type=str(material.data.get("media_type", "")),
                size=len(value),
                sha256=digest,
                source_ref=application.ref,
                given_at=now,
                expires_at=now + timedelta(days=KEEP_DAYS),
            )
        )
        kept.append(material.key)
    if kept:
        audit.record(
            session,
            audit.Event(
                "material.store",
                PORTAL_ACTOR,
                "application",
                application.ref,
                subject_id_number=_id_number(session, application.person_id),
                purpose="材料复用：保存申请人提交的材料，供其以后的申请选用",
                detail={"keys": kept},
            ),
        )
    return len(kept)


def _owned(person_id: int, owner_code: str) -> ColumnElement[bool]:
    return and_(StoredMaterial.person_id == person_id, StoredMaterial.owner_code == owner_code)


def mine(session: Session, applicant: Applicant) -> list[StoredMaterial]:
    """The applicant's stored materials, newest first (expired ones too, marked)."""
    return list(
        session.scalars(
            select(StoredMaterial)
            .where(_owned(applicant.person_id, applicant.code))
            .order_by(StoredMaterial.given_at.desc(), StoredMaterial.id.desc())
        )
    )


def is_expired(stored: StoredMaterial, now: datetime | None = None) -> bool:
    return stored.expires_at <= (now or utcnow())


def offers(session: Session, application: Application) -> dict[str, StoredMaterial]:
    """For each material the application still needs from the applicant (or asked again
    in a correction), the stored one they could reuse."""
    open_keys = {m.key for m in application.materials if m.state is MaterialState.MISSING}
    if application.status is not ApplicationStatus.DRAFT:
        open_keys = applications.correction_keys(application)
    if not open_keys:
        return {}
    rows = session.scalars(
        select(StoredMaterial).where(
            _owned(application.person_id, application.applicant_code),
            StoredMaterial.key.in_(open_keys),
            StoredMaterial.expires_at > utcnow(),
            # What this application itself gave (and a reviewer sent back) isn't offered.
            StoredMaterial.source_ref != application.ref,
        )
    )
    return {row.key: row for row in rows}


def _stored(session: Session, applicant: Applicant, stored_id: int) -> StoredMaterial:
    """The applicant's stored material (404 for anyone else's: no probing ids)."""
    stored = session.get(StoredMaterial, stored_id)
    if stored is None or (stored.person_id, stored.owner_code) != (
        applicant.person_id,
        applicant.code,
    ):
        raise NotFound(f"no stored material {stored_id}", code="stored-material-not-found")
    return stored


def reuse(
    session: Session, application: Application, key: str, stored_id: int, applicant: Applicant
) -> ApplicationMaterial:
    """The applicant chooses to give a stored material to this application."""
    stored = _stored(session, applicant, stored_id)
    if stored.key != key:
        raise Conflict(
            f"the stored {stored.name} is not the material {key}", code="wrong-stored-material"
        )
    if is_expired(stored):
        raise Conflict(
            f"the stored {stored.name} has expired; give it again", code="stored-material-expired"
        )
    value = _unseal(stored)
    if stored.kind == "form":
        applications.provide_text(session, application, key, value.decode())
    else:
        applications.provide_upload(session, application, key, stored.filename, value)
    target = applications.material(application, key)
    target.origin = REUSED_ORIGIN
    target.data = {
        **target.data,
        "reused_from": stored.source_ref,
        "given_at": stored.given_at.isoformat(),
    }
    applications.add_event(
        session, application, "Reused", applicant.name, f"{stored.name} ← {stored.source_ref}"
    )
    audit.record(
        session,
        audit.Event(
            "material.reuse",
            PORTAL_ACTOR,
            "application",
            application.ref,
            subject_id_number=applicant.person_code,
            purpose=purpose_of(application.title, application.ref),
            detail={"key": key, "stored_id": stored.id, "from": stored.source_ref},
        ),
    )
    return target


def remove(session: Session, applicant: Applicant, stored_id: int) -> None:
    """The applicant deletes a stored material; applications it was given to keep
    their copy (they were submitted with it)."""
    stored = _stored(session, applicant, stored_id)
    audit.record(
        session,
        audit.Event(
            "material.delete",
            PORTAL_ACTOR,
            "stored_material",
            str(stored.id),
            subject_id_number=applicant.person_code,
            detail={"key": stored.key, "from": stored.source_ref},
        ),
    )
    session.delete(stored)


def age_days(stored: StoredMaterial, now: datetime | None = None) -> int:
    return max(0, ((now or utcnow()) - stored.given_at).days)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete stored materials past their offer period: nothing keeps a sealed value that
    is no longer offered. Returns how many went."""
    gone = list(
        session.scalars(
            select(StoredMaterial).where(StoredMaterial.expires_at <= (now or utcnow()))
        )
    )
    for stored in gone:
        session.delete(stored)
    return len(gone)
