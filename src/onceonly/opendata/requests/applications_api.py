"""Applications for conditionally open data over JSON, and the delivered data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from onceonly.core.deps import CurrentCitizen, DbSession, bearer_token
from onceonly.core.errors import Unauthorized
from onceonly.core.pagination import PageParams, page_params
from onceonly.core.settings import Settings
from onceonly.opendata.models import OpenDataApplication
from onceonly.opendata.publishing.downloads import MEDIA_TYPES, csv_chunks
from onceonly.opendata.publishing.rows import RowQuery, snapshot_for
from onceonly.opendata.requests import applications
from onceonly.opendata.schemas import ApplicationIn, DeliveryRowsOut, PublicApplicationOut

router = APIRouter(tags=["open data applications"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _view(application: OpenDataApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "dataset_code": application.dataset_code,
        "status": str(application.status),
        "fields": application.fields,
        "period_from": application.period_from.isoformat(),
        "period_to": application.period_to.isoformat(),
        "submitted_at": application.submitted_at.isoformat(),
        "due_at": application.due_at.isoformat(),
        "decided_at": application.decided_at.isoformat() if application.decided_at else None,
        "reason": application.reason,
    }


@router.get("/api/opendata/applications", response_model=list[PublicApplicationOut])
def public_applications(session: DbSession) -> list[PublicApplicationOut]:
    """Every application's dates and outcome; who applied is never shown."""
    return applications.public_list(session)


@router.post("/api/opendata/datasets/{code}/applications", status_code=201)
def apply(
    code: str, spec: ApplicationIn, citizen: CurrentCitizen, session: DbSession
) -> dict[str, Any]:
    """Apply for a conditionally open dataset (signed-in portal users)."""
    return _view(applications.apply(session, code, citizen, spec))


def _delivery_rows(
    session: DbSession, settings: Settings, secret: str, what: str
) -> tuple[OpenDataApplication, Any]:
    application, dataset = applications.by_secret(session, secret)
    applications.record_delivery(session, application, what)
    snapshot = snapshot_for(settings.data_dir, dataset.resource.code, dataset.generation)
    return application, snapshot


@router.get("/api/opendata/delivery/rows", response_model=DeliveryRowsOut)
def delivery_rows(
    request: Request,
    session: DbSession,
    settings: Annotated[Settings, Depends(_settings)],
    paging: Annotated[PageParams, Depends(page_params(default=100, most=1000))],
) -> DeliveryRowsOut:
    """Rows of an approved application, with its key as `Authorization: Bearer <key>`."""
    secret = bearer_token(request)
    if secret is None:
        raise Unauthorized("send the delivery key as 'Authorization: Bearer <key>'")
    application, snapshot = _delivery_rows(session, settings, secret, "rows")
    names, records, total = snapshot.page(
        RowQuery(fields=application.fields, limit=paging.limit, offset=paging.offset)
    )
    rows = [dict(zip(names, r, strict=True)) for r in records]
    return DeliveryRowsOut.of(rows, total or 0, paging, request, fields=names)


@router.get("/opendata/delivery/{secret}/data.csv", include_in_schema=False)
def delivery_download(
    secret: str,
    session: DbSession,
    settings: Annotated[Settings, Depends(_settings)],
    bom: bool = False,
) -> Response:
    """The expiring download link of an approved application: its fields, as CSV."""
    application, snapshot = _delivery_rows(session, settings, secret, "download")
    query = RowQuery(fields=application.fields)
    return StreamingResponse(
        csv_chunks(snapshot, query, bom=bom),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{application.dataset_code}.csv"'},
    )
