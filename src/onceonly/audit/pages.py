"""The citizen's data tracker: who looked at my data, when and why (and a CSV of it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from onceonly.audit import tracker
from onceonly.audit.log import proofs
from onceonly.audit.service import subject_ref
from onceonly.catalog import service as catalog
from onceonly.core.deps import CurrentCitizen, DbSession, StreamingSession, csrf_protect
from onceonly.core.downloads import csv_attachment
from onceonly.core.errors import NotFound
from onceonly.core.params import Id
from onceonly.web import nav
from onceonly.web.i18n import gettext as _
from onceonly.web.period import DateFilter, OptionalPeriod
from onceonly.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
nav.register("portal", "My data", "/portal/my-data", order=20)
PAGE = 50


def action_labels() -> dict[str, str]:
    return {
        "exchange.query": _("Data looked up"),
        "federation.query.served": _("Data looked up by another province"),
        "licence.issue": _("Licence issued"),
        "licence.present": _("Licence shown"),
        "licence.verify": _("Licence verified"),
        "licence.revoke": _("Licence revoked"),
        "licence.suspend": _("Licence suspended"),
        "licence.reinstate": _("Licence reinstated"),
        "material.store": _("Material kept for reuse"),
        "material.reuse": _("Material reused"),
        "material.delete": _("Stored material deleted"),
        "dispute.open": _("Dispute opened"),
        "dispute.answer": _("Dispute answered"),
        "services.account_details_used": _("Contact details taken from your account"),
    }


@dataclass(frozen=True)
class AccessFilter:
    """What the person narrowed the list to: as typed (echoed in the form and the links)
    and as the tracker's keyword arguments."""

    period: DateFilter
    department: str
    data_only: str

    @property
    def query(self) -> dict[str, str]:
        return {
            "start": self.period.start,
            "end": self.period.end,
            "department": self.department,
            "data_only": self.data_only,
        }

    @property
    def tracker_filters(self) -> dict[str, Any]:
        return {
            "start": self.period.lo,
            "end": self.period.hi,
            "department_id": int(self.department) if self.department.isdigit() else None,
            "data_only": self.data_only == "1",
        }


def access_filter(
    period: OptionalPeriod, department: str = "", data_only: str = ""
) -> AccessFilter:
    return AccessFilter(period, department, data_only)


Filter = Annotated[AccessFilter, Depends(access_filter)]


@router.get("/portal/my-data")
def my_data(
    request: Request,
    session: DbSession,
    citizen: CurrentCitizen,
    chosen: Filter,
    before: Id | None = None,
) -> Response:
    rows = tracker.accesses(
        session, citizen.id_number, before=before, limit=PAGE, **chosen.tracker_filters
    )
    names = {r.code: r.name for r in catalog.list_resources(session)}
    context = {
        "rows": rows,
        "names": names,
        "labels": action_labels(),
        "departments": tracker.departments_seen(session, citizen.id_number),
        "query": chosen.query,
        "older": rows[-1].id if len(rows) == PAGE else None,
    }
    return render(request, "audit/my_data.html", context)


@router.get("/portal/my-data/{entry_id}/proof.json")
def my_data_proof(entry_id: Id, session: DbSession, citizen: CurrentCitizen) -> Response:
    """The proof bundle of one of the person's own entries, as a download."""
    entry = proofs.entry_for_subject(session, entry_id, subject_ref(citizen.id_number))
    bundle = proofs.bundle_for(session, entry)
    if bundle is None:
        raise NotFound(
            _("The proof is not ready yet: the entry is not under a signed checkpoint. "
              "Try again in a minute."),
            code="not-yet-checkpointed",
        )  # fmt: skip
    return JSONResponse(
        bundle,
        headers={"Content-Disposition": f'attachment; filename="onceonly-proof-{entry.seq}.json"'},
    )


@router.get("/portal/my-data.csv")
def my_data_csv(session: StreamingSession, citizen: CurrentCitizen, chosen: Filter) -> Response:
    lines = tracker.iter_csv(session, citizen.id_number, **chosen.tracker_filters)
    return csv_attachment(lines, "my-data-accesses.csv")
