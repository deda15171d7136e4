"""Open311 GeoReport v2 answers as /openapi.json documents them (JSON; the `.xml` paths
answer the same fields as XML).

The routes serialise with `open311.xml.respond` directly, for speed: these models
describe the answers, they do not filter them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from onceonly.appeals.open311.xml import MEDIA_TYPE as XML_MEDIA_TYPE

# The XML form of every answer, for the `responses=` of each route.
XML_TOO: dict[int | str, dict[str, Any]] = {200: {"content": {XML_MEDIA_TYPE: {}}}}


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValueOut]


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class ServiceRequestOut(BaseModel):
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class CreatedOut(BaseModel):
    """The answer to a POST: where to follow the new request."""

    service_request_id: str
    token: str
    service_notice: str
    account_id: str | None


class TokenOut(BaseModel):
    service_request_id: str
    token: str
