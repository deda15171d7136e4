"""The reviewer's pages: the department's cases (overdue first), one case with every
material and where it came from, and the decisions; the service figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from onceonly.core.deps import DbSession
from onceonly.core.downloads import csv_attachment, csv_text
from onceonly.core.errors import NotFound
from onceonly.core.params import Id
from onceonly.identity.deps import staff_with
from onceonly.identity.models import Role, User
from onceonly.services.applications import applications, duplicates, evidence
from onceonly.services.casework import figures, notify, review
from onceonly.services.items.labels import labels
from onceonly.services.models import (
    Application,
    ApplicationCase,
    ApplicationMaterial,
    CaseStatus,
)
from onceonly.services.payments import service as payments
from onceonly.web import charts, nav
from onceonly.web.i18n import gettext as _
from onceonly.web.templating import attempt, redirect, render

# Mounted by pages.py, whose router checks the CSRF token of every unsafe request.
router = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(staff_with(*review.REVIEW_ROLES))]
FigureReader = Annotated[
    User,
    Depends(staff_with(Role.department_admin, Role.reviewer, Role.auditor, Role.data_steward)),
]

nav.register("workbench", "Cases", "/workbench/cases", roles=review.REVIEW_ROLES, order=20)
nav.register(
    "workbench",
    "Service figures",
    "/workbench/services/figures",
    roles=[Role.department_admin, Role.reviewer, Role.auditor, Role.data_steward],
    order=41,
)
nav.register("console", "Service figures", "/workbench/services/figures", roles=[Role.auditor])


def _status(value: str) -> CaseStatus | None:
    try:
        return CaseStatus(value) if value else None
    except ValueError:
        return None


@router.get("/workbench/cases")
def cases(
    request: Request, session: DbSession, user: Reviewer, status: str = "", overdue: str = ""
) -> Response:
    departments = review.departments_of(session, user)
    query = review.cases_query(departments, _status(status), overdue=bool(overdue))
    found = list(session.scalars(query.limit(500)))
    return render(
        request,
        "services/cases.html",
        {
            **labels(),
            "cases": found,
            "overdue_ids": {c.id for c in found if review.is_overdue(c)},
            "status": status,
            "overdue": bool(overdue),
            "statuses": list(CaseStatus)[1:],
        },
    )


@router.get("/workbench/cases/{case_id}")
def case_page(request: Request, session: DbSession, user: Reviewer, case_id: Id) -> Response:
    case = review.case_for(session, user, case_id)
    application = applications.by_id(session, case.application_id)
    own = {m.key for m in case.item.materials}
    return render(
        request,
        "services/case.html",
        {
            **labels(),
            "case": case,
            "application": application,
            "materials": [m for m in application.materials if m.key in own],
            "events": [
                e
                for e in applications.timeline(session, application)
                if e.case_id in (None, case.id)
            ],
            "overdue": review.is_overdue(case),
            "cards": evidence.cards(
                session, application, [m for m in application.materials if m.key in own]
            ),
            **_duplicates(session, case, application),
        },
    )


def _duplicates(
    session: Session, case: ApplicationCase, application: Application
) -> dict[str, Any]:
    """What the reviewer must see before deciding: the applicant's other applications for
    this item, and what approving issues (or the licence already issued for it)."""
    result = duplicates.preview_result(session, case)
    return {
        "parallel": duplicates.earlier_applications(
            session, application.applicant_code, [case.item], excluding=application.id
        ),
        "result": result,
        "will_issue": evidence.claim_rows(result.claims) if result else [],
    }


def _act(
    request: Request,
    session: Session,
    case_id: Id,
    action: str,
    run: Callable[[], None],
    background: BackgroundTasks | None = None,
) -> Response:
    """Run a decision; a refusal is shown on the case page. A decision that tells the
    applicant e-mails them once the transaction has committed."""

    def decide() -> None:
        run()
        if background is not None:
            notify.deliver_later(request, background)

    return attempt(request, session, decide, f"/workbench/cases/{case_id}", _(action))


@router.post("/workbench/cases/{case_id}/accept")
def accept(request: Request, session: DbSession, user: Reviewer, case_id: Id) -> Response:
    case = review.case_for(session, user, case_id)
    return _act(request, session, case_id, "Accepted", lambda: review.accept(session, user, case))


@router.get("/workbench/cases/{case_id}/approve")
def approve_form(request: Request, session: DbSession, user: Reviewer, case_id: Id) -> Response:
    """Before approving: what will be issued, to whom, or that it exists already."""
    case = review.case_for(session, user, case_id)
    application = applications.by_id(session, case.application_id)
    context = {
        **labels(),
        "case": case,
        "application": application,
        **_duplicates(session, case, application),
        "fee_unpaid": payments.fee_unpaid(session, case),
        "yuan": payments.yuan,
    }
    return render(request, "services/approve.html", context)


@router.post("/workbench/cases/{case_id}/approve")
def approve(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: Reviewer,
    case_id: Id,
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    case = review.case_for(session, user, case_id)
    if not confirmed:
        return redirect(f"/workbench/cases/{case_id}/approve")
    return _act(
        request,
        session,
        case_id,
        "Approved",
        lambda: review.approve(session, user, case),
        background,
    )


@router.post("/workbench/cases/{case_id}/reject")
def reject(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: Reviewer,
    case_id: Id,
    reason: Annotated[str, Form()] = "",
) -> Response:
    case = review.case_for(session, user, case_id)
    return _act(
        request,
        session,
        case_id,
        "Rejected",
        lambda: review.reject(session, user, case, reason),
        background,
    )


@router.post("/workbench/cases/{case_id}/correction")
async def correction(
    request: Request, background: BackgroundTasks, session: DbSession, user: Reviewer, case_id: Id
) -> Response:
    form = await request.form()
    keys = [str(k) for k in form.getlist("keys")]
    note = str(form.get("note") or "")
    case = review.case_for(session, user, case_id)
    return _act(
        request,
        session,
        case_id,
        "Correction asked",
        lambda: review.ask_correction(session, user, case, keys, note),
        background,
    )


@router.get("/workbench/cases/{case_id}/materials/{key}")
def download(
    request: Request, session: DbSession, user: Reviewer, case_id: Id, key: str
) -> Response:
    """An uploaded file, for the reviewer of a case that needs it."""
    case = review.case_for(session, user, case_id)
    if key not in {m.key for m in case.item.materials}:
        raise NotFound("this case has no such material", code="no-such-material")
    material = session.scalar(
        select(ApplicationMaterial)
        .options(undefer(ApplicationMaterial.content))
        .where(
            ApplicationMaterial.application_id == case.application_id,
            ApplicationMaterial.key == key,
        )
    )
    if material is None or material.content is None:
        raise NotFound("nothing was uploaded for this material", code="no-upload")
    return Response(
        material.content,
        media_type=str(material.data.get("media_type", "application/octet-stream")),
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(key, material)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _download_name(key: str, material: ApplicationMaterial) -> str:
    """ASCII only: the applicant's own file name may hold anything."""
    filename = str(material.data.get("filename", ""))
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"{key}-{str(material.data.get('sha256', ''))[:8]}{suffix}"


@router.get("/workbench/services/figures")
def figures_page(
    request: Request, session: DbSession, user: FigureReader, by: str = "department"
) -> Response:
    rows = figures.by_item(session) if by == "item" else figures.by_department(session)
    departments = figures.by_department(session) if by == "item" else rows
    decided = [r for r in departments if r.decided]
    periods, series = figures.weekly_days(session)
    context = {
        **labels(),
        "rows": rows,
        "by_item": by == "item",
        "slowest": charts.ranking(
            [r.department_name for r in decided], [r.average_days for r in decided]
        ),
        "on_time": charts.ranking(
            [r.department_name for r in decided], [100 * r.on_time_share for r in decided], "%"
        ),
        "trend": charts.trend(periods, series) if series else None,
    }
    return render(request, "services/figures.html", context)


@router.get("/workbench/services/figures.csv")
def figures_csv(session: DbSession, user: FigureReader, by: str = "department") -> Response:
    rows = figures.by_item(session) if by == "item" else figures.by_department(session)
    body = csv_text(
        ["department", "item", "cases", "decided", "approved", "on_time_share",
         "overdue", "withdrawn", "fetched_share", "average_working_days", "max_trips"],
        (
            [row.department_code, getattr(row, "item_code", ""), row.cases, row.decided,
             row.approved, f"{row.on_time_share:.3f}", row.overdue, row.withdrawn,
             f"{row.fetched_share:.3f}",
             f"{row.average_days:.2f}", "" if row.max_trips is None else row.max_trips]
            for row in rows
        ),
    )  # fmt: skip
    return csv_attachment(body, f"service-figures-{by}.csv")
