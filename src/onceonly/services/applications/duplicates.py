"""One birth, one birth certificate: earlier applications for the same thing, and the
first issuance of a result licence made once per subject.

A citizen who starts an item or a bundle again is shown the application already open
or decided for it (and may continue it). An approval that would issue a licence
already issued for the same subject (the same child, whichever parent applies, or the
same holder) links the existing one instead; the database's unique idempotency key
makes that hold across processes as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.identity.validators import is_citizen_id, parse_citizen_id
from onceonly.licences import service as licences
from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.licences.models import Licence
from onceonly.services.applications import applications
from onceonly.services.models import (
    Application,
    ApplicationCase,
    ApplicationStatus,
    CaseStatus,
    MaterialState,
    ServiceItem,
)

# A case in one of these is no longer about to give the applicant anything.
_FINISHED_WITHOUT_RESULT = (CaseStatus.WITHDRAWN, CaseStatus.REJECTED)


def earlier_applications(
    session: Session,
    applicant_code: str,
    items: Sequence[ServiceItem],
    *,
    excluding: int | None = None,
) -> list[Application]:
    """The applicant's applications, open or decided, with a case for any of these items
    (by basic code, so a city's implementation counts as the province's item); newest
    first. Withdrawn applications and rejected or withdrawn cases do not count."""
    basic_codes = {item.basic_code for item in items}
    if not basic_codes:
        return []
    query = (
        select(Application)
        .join(ApplicationCase, ApplicationCase.application_id == Application.id)
        .join(ServiceItem, ServiceItem.id == ApplicationCase.item_id)
        .where(
            Application.applicant_code == applicant_code,
            Application.status != ApplicationStatus.WITHDRAWN,
            ApplicationCase.status.not_in(_FINISHED_WITHOUT_RESULT),
            ServiceItem.basic_code.in_(basic_codes),
        )
        .order_by(Application.id.desc())
    )
    if excluding is not None:
        query = query.where(Application.id != excluding)
    return list(session.scalars(query).unique())


def result_claims(application: Application, case: ApplicationCase) -> dict[str, Any]:
    """What the case's own materials say, the first listed first (a birth certificate's
    birth date is the child's, from the birth record, not the mother's from her ID
    card), then the rest of the application: a result licence's claims come from here."""
    order = {m.key: i for i, m in enumerate(case.item.materials)}
    given = [
        m
        for m in application.materials
        if m.state in (MaterialState.FETCHED, MaterialState.PROVIDED)
    ]
    claims: dict[str, Any] = {}
    for material in sorted(given, key=lambda m: order.get(m.key, len(order))):
        for name, value in material.data.items():
            claims.setdefault(name, value)
    kind = LICENCE_TYPES.get(case.item.result_licence)
    if kind is not None and not kind.subject_claims and is_citizen_id(application.applicant_code):
        # A licence about the holder: what the ID number itself says (GB 11643).
        parsed = parse_citizen_id(application.applicant_code)
        claims.setdefault("id_number", parsed.number)
        claims.setdefault("gender", parsed.gender)
        claims.setdefault("birth_date", parsed.birth_date.isoformat())
    return claims


def first_issue_key(type_code: str, holder_code: str, claims: dict[str, Any]) -> str:
    """The idempotency key of a first issuance: the licence type and its subject (the
    subject claims' values when the type names them and they are known, else the
    holder). Hashed: the key is no place for an ID number."""
    kind = LICENCE_TYPES.get(type_code)
    named = kind.subject_claims if kind else ()
    if named and all(claims.get(c) not in (None, "") for c in named):
        subject = "|".join(f"{c}={claims[c]}" for c in named)
    else:
        subject = f"holder={holder_code.upper()}"
    digest = hashlib.sha256(f"{type_code}|{subject}".encode()).hexdigest()[:40]
    return f"services:first:{type_code}:{digest}"


@dataclass(frozen=True)
class ResultPreview:
    """What approving a case will issue: a licence type with these claims to the holder,
    or nothing new because `existing` was issued for the same subject already."""

    type_code: str
    holder_code: str
    claims: dict[str, Any]
    key: str
    existing: Licence | None


def preview_result(session: Session, case: ApplicationCase) -> ResultPreview | None:
    """None when the item issues no licence."""
    type_code = case.item.result_licence
    if not type_code:
        return None
    application = applications.by_id(session, case.application_id)
    claims = result_claims(application, case)
    kind = LICENCE_TYPES.get(type_code)
    shown = {c: claims[c] for c in kind.claims if c in claims} if kind else claims
    key = first_issue_key(type_code, application.applicant_code, claims)
    existing = licences.issued_for(session, key) or _held(
        session, type_code, application.applicant_code, claims
    )
    return ResultPreview(type_code, application.applicant_code, shown, key, existing)


def _held(session: Session, type_code: str, holder: str, claims: dict[str, Any]) -> Licence | None:
    """A valid licence of the type already in the holder's library for the same subject
    (issued some other way, e.g. by a department's bulk issue)."""
    kind = LICENCE_TYPES.get(type_code)
    named = kind.subject_claims if kind else ()
    for licence in licences.find_for_holder(session, holder, type_code):
        if licence.status != "valid":
            continue
        held = licences.claims_of(licence)
        if all(str(held.get(c)) == str(claims.get(c)) for c in named):
            return licence
    return None
