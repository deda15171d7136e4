"""Fetch one material of an application again, after its department corrected it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from sqlalchemy.orm import Session

from onceonly.core.settings import Settings
from onceonly.identity.models import Person
from onceonly.licences.service import claims_of
from onceonly.services.applications import applications, prefill, starting
from onceonly.services.applications.applications import Applicant
from onceonly.services.applications.starting import PlannedMaterial, purpose_of
from onceonly.services.models import Application, ApplicationMaterial, SourceKind

REFRESHED_BY = "一网通办 portal services"


def _plain(value: object) -> object:
    """A value the JSON column keeps as it is (dates and decimals as text)."""
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _applicant(session: Session, application: Application) -> Applicant:
    person = session.get(Person, application.person_id)
    person_code = person.id_number if person is not None else application.applicant_code
    return Applicant(application.applicant_kind, application.applicant_code,
                     application.applicant_name, application.person_id, person_code)  # fmt: skip


def _planned(application: Application, key: str) -> PlannedMaterial | None:
    for case in application.cases:
        for spec in case.item.materials:
            if spec.key == key:
                return PlannedMaterial(spec, spec.required, [case.item])
    return None


def _exchange_row(
    session: Session, application: Application, planned: PlannedMaterial, applicant: Applicant,
    settings: Settings | None,
) -> dict[str, object] | None:  # fmt: skip
    plan = {planned.spec.key: planned}
    fetches, _notes, resources = starting.exchange_fetches(session, plan, applicant)
    purpose = purpose_of(application.title, application.ref)
    fetch = partial(prefill.fetch_exchange, purpose=purpose, ref=application.ref,
                    session=session, settings=settings)  # fmt: skip
    fetched = fetch(fetches)
    retries = prefill.follow_ups(fetched.results, resources)
    if retries:
        fetched.results += fetch(retries).results
    rows = [r.row for r in fetched.results if r.row is not None]
    return rows[0] if rows else None


def _licence_claims(
    session: Session, planned: PlannedMaterial, applicant: Applicant
) -> dict[str, object] | None:
    for holder in dict.fromkeys([applicant.code, applicant.person_code]):
        licence = prefill.licence_for(session, holder, planned.spec.licence_type)
        if licence is not None:
            return dict(claims_of(licence))
    return None


def material(
    session: Session,
    application: Application,
    target: ApplicationMaterial,
    corrections: Mapping[str, str],
    settings: Settings | None = None,
) -> None:
    """Fetch the material again (logged by the gateway like the first fetch) and lay the
    department's recorded correction over it; a note on the timeline says so."""
    applicant = _applicant(session, application)
    planned = _planned(application, target.key)
    fresh: dict[str, object] | None = None
    if planned is not None and planned.spec.source_kind is SourceKind.EXCHANGE:
        fresh = _exchange_row(session, application, planned, applicant, settings)
    elif planned is not None and planned.spec.source_kind is SourceKind.LICENCE:
        fresh = _licence_claims(session, planned, applicant)
    data = {k: _plain(v) for k, v in (fresh or target.data).items()}
    target.data = {**data, **corrections}  # a new dict: JSON columns see reassignment only
    target.note = ""
    applications.add_event(session, application, "Refreshed", REFRESHED_BY, target.name)
