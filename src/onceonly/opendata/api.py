"""Open data JSON API under /api/opendata: datasets, rows, downloads, quality, and
(from the sub-routers) the CKAN Action API, DCAT and applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from onceonly.core.db import Database
from onceonly.core.deps import DbSession, get_db
from onceonly.core.errors import Invalid, NotFound
from onceonly.core.openapi import register_answer_shape
from onceonly.core.params import Offset
from onceonly.core.settings import Settings
from onceonly.opendata import access, ckan, service
from onceonly.opendata.ckan.api import PREFIXES as CKAN_PREFIXES
from onceonly.opendata.publishing import datajson, dcat
from onceonly.opendata.publishing.downloads import MEDIA_TYPES, csv_chunks, file_chunks, json_chunks
from onceonly.opendata.publishing.rows import RowQuery, parse_filter_param, parse_sort
from onceonly.opendata.publishing.store import export_path
from onceonly.opendata.requests import applications_api
from onceonly.opendata.schemas import DatasetOut, QualityFlagOut, RowsOut

router = APIRouter(tags=["open data"])
router.include_router(ckan.router)
router.include_router(dcat.router)
router.include_router(datajson.router)
router.include_router(applications_api.router)

# Query parameters of the row API that are not field filters.
RESERVED = {"q", "sort", "fields", "limit", "offset", "bom", "count"}


def get_settings_for(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_for)]
Db = Annotated[Database, Depends(get_db)]


def row_query(request: Request, *, limit: int = 100, offset: int = 0) -> RowQuery:
    params = request.query_params
    filters = [parse_filter_param(k, v) for k, v in params.items() if k not in RESERVED]
    fields = [f for f in params.get("fields", "").split(",") if f] or None
    return RowQuery(
        filters=filters,
        q=params.get("q", ""),
        sort=parse_sort(params.get("sort", "")),
        fields=fields,
        limit=limit,
        offset=offset,
    )


@router.get("/api/opendata/datasets", response_model=list[DatasetOut])
def list_datasets(session: DbSession) -> list[DatasetOut]:
    """Every open dataset, unconditional and on application."""
    return [service.to_out(d) for d in service.list_datasets(session)]


@router.get("/api/opendata/datasets/{code}", response_model=DatasetOut)
def show_dataset(code: str, session: DbSession) -> DatasetOut:
    return service.to_out(service.get_dataset(session, code))


@router.get("/api/opendata/datasets/{code}/rows", response_model=RowsOut)
def rows(
    code: str,
    request: Request,
    db: Db,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
    offset: Offset = 0,
    count: bool = True,
) -> Response:
    """Rows of a public dataset: `field=value` (also `field__gte`, `__lt`, `__ne`,
    `__in=a,b`, `__isnull=1`), `q` full-text, `sort=a,-b`, `fields=a,b`, `limit`, `offset`."""
    snapshot = access.public_snapshot(db, settings.data_dir, code)
    query = row_query(request, limit=limit, offset=offset)
    names, records, total = snapshot.page(query, count=count)
    booleans = [n for n in names if snapshot.columns.get(n) == "BOOLEAN"]
    out = [dict(zip(names, r, strict=True)) for r in records]
    for row in out if booleans else ():
        for n in booleans:
            row[n] = None if row[n] is None else bool(row[n])
    more = (total is None and len(out) == limit) or (total is not None and offset + limit < total)
    next_url = (
        str(request.url.include_query_params(offset=offset + limit)) if more and limit else None
    )
    # A Response skips re-validating a page of rows against the model (the hot path).
    body = {
        "dataset": code,
        "fields": names,
        "rows": out,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next_url,
    }
    return JSONResponse(body)


DOWNLOAD_TYPES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The dataset as a file",
        "content": {
            MEDIA_TYPES["csv"]: {"schema": {"type": "string"}},
            MEDIA_TYPES["json"]: {"schema": {"type": "array", "items": {"type": "object"}}},
            MEDIA_TYPES["parquet"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
# CKAN's envelope: the result's shape depends on the action (docs/opendata.md).
CKAN_ANSWER = {
    "type": "object",
    "description": "CKAN's success envelope",
    "properties": {
        "help": {"type": "string"},
        "success": {"type": "boolean", "enum": [True]},
        "result": {},
    },
    "required": ["help", "success", "result"],
}
for _prefix in CKAN_PREFIXES:
    register_answer_shape(_prefix, "CkanAnswer", CKAN_ANSWER)


@router.get(
    "/api/opendata/datasets/{code}/download.{fmt}",
    response_class=Response,
    responses=DOWNLOAD_TYPES,
)
def download(
    code: str, fmt: str, request: Request, db: Db, settings: AppSettings, bom: bool = False
) -> Response:
    """The whole dataset (or, for CSV and JSON, the rows matching the same filters as
    /rows) as CSV (`bom=1` for spreadsheet programs), JSON or Parquet, streamed."""
    if fmt not in MEDIA_TYPES:
        raise NotFound(f"no {fmt} download: use csv, json or parquet")
    snapshot = access.public_snapshot(db, settings.data_dir, code)
    query = row_query(request, limit=0)
    headers = {"Content-Disposition": f'attachment; filename="{code}.{fmt}"'}
    if not query.filters and not query.q and not query.fields and not query.sort:
        generation, _ = access.pointer(db, code)
        path = export_path(settings.data_dir, code, generation, fmt)
        if bom and fmt == "csv":
            return StreamingResponse(
                file_chunks(path, bom=True), media_type=MEDIA_TYPES[fmt], headers=headers
            )
        return FileResponse(path, media_type=MEDIA_TYPES[fmt], headers=headers)
    if fmt == "csv":
        body = csv_chunks(snapshot, query, bom=bom)
    elif fmt == "json":
        body = json_chunks(snapshot, query)
    else:
        raise Invalid("the Parquet download is the whole dataset: filter with CSV or JSON")
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/api/opendata/quality", response_model=list[QualityFlagOut])
def quality(session: DbSession) -> list[QualityFlagOut]:
    """Quality flags of every dataset: stale, empty, fields without a description."""
    return [QualityFlagOut(**vars(f)) for f in service.quality_report(session)]
