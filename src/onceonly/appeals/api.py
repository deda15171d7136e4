"""Open311 GeoReport v2 (JSON and XML) under /open311/v2: discovery, services, requests,
tokens.

Paths take an optional `.json` or `.xml` suffix as the spec writes them
(`services.json`, `services.xml`): `.xml` answers, errors included, in GeoReport v2's XML
(`open311/xml.py`), anything else in JSON. Errors use the Open311 shape
`[{"code": …, "description": …}]` (`<errors><error>` in XML). A POST is form-encoded
and carries `api_key`: a system client's key with the `appeals:submit` scope.
Reporter contact details (names, e-mail, phone) are stored but never answered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from onceonly.appeals import queries, schemas, service
from onceonly.appeals.models import CLOSED_STATUSES, AppealCategory
from onceonly.appeals.open311.spec import POST_BODY
from onceonly.appeals.open311.xml import respond
from onceonly.appeals.workflow import routing
from onceonly.core import errors
from onceonly.core.actors import Actor
from onceonly.core.deps import DbSession
from onceonly.core.errors import Invalid, NotFound, Problem
from onceonly.core.params import parse_id
from onceonly.core.settings import public_base_url
from onceonly.identity import service as identity

router = APIRouter(prefix="/open311/v2", tags=["open311"])

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"
SCOPE = "appeals:submit"
DEFAULT_DAYS = 90  # without dates, GET requests answers the last 90 days
MAX_RESULTS = 1000


class Open311Error(Problem):
    """An error with the status code GeoReport v2 prescribes."""


def render_open311(request: Request, problem: Problem) -> Response:
    status = problem.status
    if status == 401:  # GeoReport: a missing or invalid api_key is a 403
        status = 403
    elif status == 422:
        status = 400
    return respond(request, "errors", [{"code": status, "description": problem.detail}], status)


errors.register_renderer("/open311/", render_open311)


def _strip_format(name: str) -> str:
    for suffix in (".json", ".xml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the offset the database gave (UTC): GeoReport v2 accepts any offset,
    and converting a page of a thousand requests to Beijing time would cost more than
    the query."""
    return value.isoformat(timespec="seconds") if value else None


def parse_datetime(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(f"{name} must be an ISO 8601 date and time", status=400) from None
    if parsed.tzinfo is None:
        raise Open311Error(f"{name} must carry a time zone (Z or ±hh:mm)", status=400)
    return parsed.astimezone(UTC)


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# Discovery and services ----------------------------------------------------------


def _discovery() -> dict[str, Any]:
    base = public_base_url()
    return {
        "changeset": CHANGESET,
        "contact": "12345 Hotline Centre, phone 12345",
        "key_service": "Ask the platform operator for a system client with the "
        f"'{SCOPE}' scope; its API key is the api_key.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": f"{base}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@router.get("/discovery.json", response_model=schemas.DiscoveryOut, responses=schemas.XML_TOO)
@router.get("/discovery.xml", response_model=schemas.DiscoveryOut, responses=schemas.XML_TOO)
@router.get("/discovery", response_model=schemas.DiscoveryOut, responses=schemas.XML_TOO)
def discovery(request: Request) -> Response:
    return respond(request, "discovery", _discovery())


def _service(category: AppealCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name_en,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.keywords),
        "group": category.group,
    }


@router.get("/services.json", response_model=list[schemas.ServiceOut], responses=schemas.XML_TOO)
@router.get("/services.xml", response_model=list[schemas.ServiceOut], responses=schemas.XML_TOO)
@router.get("/services", response_model=list[schemas.ServiceOut], responses=schemas.XML_TOO)
def services(request: Request, session: DbSession) -> Response:
    return respond(request, "services", [_service(c) for c in routing.list_categories(session)])


@router.get(
    "/services/{code}", response_model=schemas.ServiceDefinitionOut, responses=schemas.XML_TOO
)
def service_definition(code: str, request: Request, session: DbSession) -> Response:
    category = routing.get_category(session, _strip_format(code))
    return respond(
        request,
        "service_definition",
        {
            "service_code": category.code,
            "attributes": [
                {
                    "variable": True,
                    "code": "urgency",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "normal or urgent",
                    "order": 1,
                    "description": f"How urgent is it? Urgent: {category.days_urgent} working "
                    f"days, normal: {category.days_normal}",
                    "values": [
                        {"key": "normal", "name": "Normal"},
                        {"key": "urgent", "name": "Urgent"},
                    ],
                }
            ],
        },
    )


# Requests ------------------------------------------------------------------------


def _items(session: Session, rows: Any) -> list[dict[str, Any]]:
    """Rows from `queries.search` as GeoReport v2 requests (a hot loop: plain tuples)."""
    services, departments = queries.names_for_page(
        session, {r.department_id for r in rows if r.department_id}
    )
    closed = CLOSED_STATUSES
    items = []
    for (
        appeal_id, _token, status, notes, code, description, department_id,
        requested, updated, due, address, lat, long, media_url, _region,
    ) in rows:  # fmt: skip
        items.append(
            {
                "service_request_id": str(appeal_id),
                "status": "closed" if status in closed else "open",
                "status_notes": notes or None,
                "service_name": services.get(code, code),
                "service_code": code,
                "description": description,
                "agency_responsible": departments.get(department_id),
                "service_notice": None,
                "requested_datetime": iso(requested),
                "updated_datetime": iso(updated),
                "expected_datetime": iso(due),
                "address": address or None,
                "address_id": None,
                "zipcode": None,
                "lat": lat,
                "long": long,
                "media_url": media_url or None,
            }
        )
    return items


@router.get(
    "/requests.json", response_model=list[schemas.ServiceRequestOut], responses=schemas.XML_TOO
)
@router.get(
    "/requests.xml", response_model=list[schemas.ServiceRequestOut], responses=schemas.XML_TOO
)
@router.get("/requests", response_model=list[schemas.ServiceRequestOut], responses=schemas.XML_TOO)
def get_requests(
    request: Request,
    session: DbSession,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> Response:
    query = queries.RequestQuery(limit=MAX_RESULTS)
    if service_request_id:
        ids = [parse_id(part) for part in _csv(service_request_id)]
        if None in ids:
            raise Open311Error("service_request_id must be numbers", status=400)
        # GeoReport v2: service_request_id "overrides all other arguments".
        query.ids = [i for i in ids if i is not None][:MAX_RESULTS]
        return respond(request, "service_requests", _items(session, queries.search(session, query)))
    query.codes = _csv(service_code)
    statuses = _csv(status)
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error("status must be open, closed or both", status=400)
    if len(set(statuses)) == 1:
        query.is_open = statuses[0] == "open"
    if start_date:
        query.start = parse_datetime("start_date", start_date)
    if end_date:
        query.end = parse_datetime("end_date", end_date)
    if query.start and query.end and query.start > query.end:
        raise Open311Error("start_date is after end_date", status=400)
    if query.start is None and query.end is None:
        query.start = datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    # `respond` serialises with json.dumps directly: a page of 1,000 requests skips
    # FastAPI's per-field encoder, which would cost more than the query itself.
    return respond(request, "service_requests", _items(session, queries.search(session, query)))


def _number(form: Any, name: str) -> float | None:
    value = str(form.get(name) or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(f"{name} must be a decimal number", status=400) from None


async def form_fields(request: Request) -> dict[str, str]:
    """The POST body as fields: GeoReport v2 posts forms, never JSON."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise Open311Error("send the request form-encoded (application/x-www-form-urlencoded)")
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.post(
    "/requests.json",
    openapi_extra=POST_BODY,
    response_model=list[schemas.CreatedOut],
    responses=schemas.XML_TOO,
)
@router.post(
    "/requests.xml",
    openapi_extra=POST_BODY,
    response_model=list[schemas.CreatedOut],
    responses=schemas.XML_TOO,
)
@router.post(
    "/requests",
    openapi_extra=POST_BODY,
    response_model=list[schemas.CreatedOut],
    responses=schemas.XML_TOO,
)
def post_request(
    request: Request,
    session: DbSession,
    form: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    api_key = form.get("api_key") or ""
    if not api_key:
        raise Open311Error("api_key was not provided", status=403)
    client = identity.authenticate_client(session, api_key, SCOPE)
    code = str(form.get("service_code") or "").strip()
    if not code:
        raise Open311Error("service_code was not provided", status=400)
    if not routing.category_known(session, code):
        raise Open311Error(f"service_code {code!r} was not found", status=400)
    region = str(form.get("jurisdiction_id") or "").strip() or client.department.region_code
    if not routing.region_known(session, region):
        raise Open311Error(f"jurisdiction_id {region!r} was not found", status=404)
    media_url = str(form.get("media_url") or "").strip()
    if media_url and (not media_url.startswith(("http://", "https://")) or len(media_url) > 500):
        raise Open311Error("media_url must be an http(s) URL of at most 500 characters")
    name = " ".join(
        part
        for part in (str(form.get("last_name") or ""), str(form.get("first_name") or ""))
        if part
    )
    intake = service.Intake(
        category_code=code,
        description=str(form.get("description") or ""),
        channel="open311",
        address=str(form.get("address_string") or ""),
        lat=_number(form, "lat"),
        long=_number(form, "long"),
        region_code=region,
        media_url=media_url,
        urgency=str(form.get("attribute[urgency]") or "normal"),
        client_id=client.id,
        contact_name=name,
        contact_phone=str(form.get("phone") or ""),
        contact_email=str(form.get("email") or ""),
    )
    actor = Actor("client", str(client.id), client.code, client.department_id)
    try:
        service.validate(session, intake)
        # In the request's transaction, committed before the answer is sent.
        appeal = service.submit(session, intake, actor)
    except Invalid as problem:
        raise Open311Error(problem.detail, status=400) from None
    created = {
        "service_request_id": str(appeal.id),
        "token": appeal.token,
        "service_notice": f"Expected by {iso(appeal.due_at)}",
        "account_id": None,
    }
    return respond(request, "service_requests", [created])


@router.get(
    "/requests/{request_id}",
    response_model=list[schemas.ServiceRequestOut],
    responses=schemas.XML_TOO,
)
def get_request(request_id: str, request: Request, session: DbSession) -> Response:
    key = _strip_format(request_id)
    appeal_id = parse_id(key)
    if appeal_id is None:
        raise NotFound(f"service_request_id {key!r} was not found")
    rows = queries.search(session, queries.RequestQuery(ids=[appeal_id], limit=1))
    if not rows:
        raise NotFound(f"service_request_id {key} was not found")
    return respond(request, "service_requests", _items(session, rows))


@router.get("/tokens/{token}", response_model=list[schemas.TokenOut], responses=schemas.XML_TOO)
def get_token(token: str, request: Request, session: DbSession) -> Response:
    appeal = service.by_token(session, _strip_format(token))
    found = [{"service_request_id": str(appeal.id), "token": appeal.token}]
    return respond(request, "service_requests", found)
