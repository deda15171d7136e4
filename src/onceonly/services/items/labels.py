"""Words the service pages show for the domain's codes: English message ids, translated
in the template, and each thing's name in the reader's language."""

from __future__ import annotations

import re
from typing import Any

from onceonly.licences.kinds import LICENCE_TYPES
from onceonly.services.items import service
from onceonly.services.models import (
    CaseStatus,
    ItemKind,
    MaterialState,
    SourceKind,
    VisitFor,
    reach_of,
)
from onceonly.web.i18n import current_locale
from onceonly.web.i18n import gettext as _

KIND_LABELS = {
    ItemKind.LICENSING: "Administrative licensing",
    ItemKind.CONFIRMATION: "Administrative confirmation",
    ItemKind.PAYMENT: "Administrative payment",
    ItemKind.REGISTRATION: "Registration",
    ItemKind.PUBLIC_SERVICE: "Public service",
}
SOURCE_LABELS = {
    SourceKind.LICENCE: "Fetched: e-licence",
    SourceKind.EXCHANGE: "Fetched: department data",
    SourceKind.DERIVED: "Derived from department data",
    SourceKind.GENERATED: "Generated from your application",
    SourceKind.ACCOUNT: "From your account",
    SourceKind.FORM: "Filled in online",
    SourceKind.UPLOAD: "Uploaded",
}
VISIT_LABELS = {
    VisitFor.CHECK: "for a check in person",
    VisitFor.COLLECTION: "to collect the result",
}
DEPTH_LABELS = {
    1: "Information online",
    2: "Forms to download",
    3: "Apply online",
    4: "Fully online",
}
# Reasons (service.Gap.reason) are English message ids too, translated in the .po.
ELEMENT_LABELS = {
    **service.GUIDE_ELEMENTS,
    "materials": "Materials",
    "material": "Material",
    "online_depth": "Online depth",
    "cross_region": "Anywhere in the province",
}


CASE_LABELS = {
    CaseStatus.DRAFT: "Not submitted",
    CaseStatus.SUBMITTED: "Waiting for acceptance",
    CaseStatus.ACCEPTED: "Being handled",
    CaseStatus.CORRECTION: "Corrections asked",
    CaseStatus.APPROVED: "Approved",
    CaseStatus.REJECTED: "Rejected",
    CaseStatus.WITHDRAWN: "Withdrawn",
}
STATE_LABELS = {
    MaterialState.FETCHED: "Fetched",
    MaterialState.FROM_BUNDLE: "Issued by an earlier step",
    MaterialState.PROVIDED: "Given by you",
    MaterialState.MISSING: "Still needed",
}
APPLICATION_LABELS = {
    "draft": "Draft",
    "submitted": "In progress",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
}
# Timeline event kinds are English message ids already (see applications.add_event).
EVENT_KINDS = ("Started", "Submitted", "Accepted", "Correction asked", "Corrected",
               "Approved", "Rejected", "Completed", "Withdrawn")  # fmt: skip


def named(thing: Any, chinese: bool | None = None) -> str:
    """A department's, item's or bundle's name in the reader's language."""
    if chinese is None:
        chinese = current_locale.get() == "zh_CN"
    return str(thing.name if chinese or not thing.name_en else thing.name_en)


# How `applications.start` writes the "Started" note (stored as written, in English).
STARTED_NOTE = re.compile(r"^(\d+)/(\d+) fetched, (\d+) ms$")


def event_note(event: Any, application: Any) -> str:
    """A timeline note in the reader's language: the prefill summary is translated, and
    a submission names its case's department (stored in Chinese) as the reader reads it;
    anything a person wrote (a reviewer's reason) is shown as written."""
    if event.kind == "Started" and (match := STARTED_NOTE.match(event.note)):
        got, total, ms = match.groups()
        return _("%(got)s/%(total)s fetched, %(ms)s ms", got=got, total=total, ms=ms)
    if event.kind == "Submitted" and event.case_id is not None:
        case = next((c for c in application.cases if c.id == event.case_id), None)
        if case is not None and case.department is not None:
            return named(case.department)
    return str(event.note)


def labels() -> dict[str, object]:
    chinese = current_locale.get() == "zh_CN"
    return {
        "kind_labels": KIND_LABELS,
        "source_labels": SOURCE_LABELS,
        "depth_labels": DEPTH_LABELS,
        "visit_labels": VISIT_LABELS,
        "element_labels": ELEMENT_LABELS,
        "case_labels": CASE_LABELS,
        "state_labels": STATE_LABELS,
        "application_labels": APPLICATION_LABELS,
        "licence_names": {
            code: kind.name if chinese else kind.name_en for code, kind in LICENCE_TYPES.items()
        },
        "named": lambda thing: named(thing, chinese),
        # Whether a material spares the citizen (fetched, reused) or is asked of them.
        "reach_of": reach_of,
        "event_note": event_note,
    }
