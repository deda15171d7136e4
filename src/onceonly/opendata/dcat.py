"""The catalog as DCAT-AP 2 JSON-LD and as data.json (DCAT-US / Project Open Data 1.1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from onceonly.core.deps import DbSession
from onceonly.opendata import service
from onceonly.opendata.ckan.shapes import FORMATS
from onceonly.opendata.downloads import MEDIA_TYPES
from onceonly.opendata.models import Dataset

router = APIRouter(tags=["dcat"])

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCIES = {
    "realtime": ("CONT", "R/PT1H"),
    "daily": ("DAILY", "R/P1D"),
    "weekly": ("WEEKLY", "R/P1W"),
    "monthly": ("MONTHLY", "R/P1M"),
    "quarterly": ("QUARTERLY", "R/P3M"),
    "yearly": ("ANNUAL", "R/P1Y"),
    "once": ("NEVER", "irregular"),
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _date(value: Any) -> dict[str, str] | None:
    return (
        {"@value": value.isoformat(timespec="seconds"), "@type": "xsd:dateTime"} if value else None
    )


def _distributions(dataset: Dataset, base: str) -> list[dict[str, Any]]:
    code = dataset.resource.code
    return [
        {
            "@id": f"{base}/opendata/datasets/{code}#{fmt}",
            "@type": "dcat:Distribution",
            "dct:title": f"{dataset.resource.name} ({label})",
            "dcat:accessURL": {"@id": f"{base}/opendata/datasets/{code}"},
            "dcat:downloadURL": {"@id": f"{base}/api/opendata/datasets/{code}/download.{fmt}"},
            "dcat:mediaType": MEDIA_TYPES[fmt].split(";")[0],
            "dct:format": label,
            "dct:license": {"@id": service.LICENCES.get(dataset.licence, dataset.licence)},
            "dct:modified": _date(dataset.last_updated),
        }
        for fmt, label in FORMATS.items()
    ]


def dcat_dataset(dataset: Dataset, base: str) -> dict[str, Any]:
    resource = dataset.resource
    department = resource.department
    public = service.is_public(dataset)
    return {
        "@id": f"{base}/opendata/datasets/{resource.code}",
        "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": resource.name,
        "dct:description": resource.description,
        "dcat:keyword": list(resource.tags),
        "dcat:theme": {"@id": EU_THEME + dataset.theme},
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": department.name},
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": dataset.contact_name,
            "vcard:hasEmail": {"@id": f"mailto:{dataset.contact_email}"},
        },
        "dct:accrualPeriodicity": {
            "@id": EU_FREQUENCY + FREQUENCIES[str(resource.update_frequency)][0]
        },
        "dct:issued": _date(dataset.published_at),
        "dct:modified": _date(dataset.last_updated),
        "dct:license": {"@id": service.LICENCES.get(dataset.licence, dataset.licence)},
        "dct:accessRights": {
            "@id": "http://publications.europa.eu/resource/authority/access-right/"
            + ("PUBLIC" if public else "RESTRICTED")
        },
        "dcat:distribution": _distributions(dataset, base) if public else [],
    }


def dcat_catalog(datasets: list[Dataset], base: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": f"{base}/api/opendata/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "onceonly open data",
        "dct:description": "Open government data published through the onceonly platform",
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "foaf:homepage": {"@id": f"{base}/opendata"},
        "dcat:dataset": [dcat_dataset(d, base) for d in datasets],
    }


def data_json(datasets: list[Dataset], base: str) -> dict[str, Any]:
    """Project Open Data metadata schema v1.1 (DCAT-US)."""
    entries = []
    for dataset in datasets:
        resource = dataset.resource
        downloads = f"{base}/api/opendata/datasets/{resource.code}/download"
        public = service.is_public(dataset)
        entries.append(
            {
                "@type": "dcat:Dataset",
                "identifier": f"{base}/opendata/datasets/{resource.code}",
                "title": resource.name,
                "description": resource.description or resource.name,
                "keyword": list(resource.tags) or [resource.department.code],
                "modified": (dataset.last_updated or dataset.published_at).isoformat(
                    timespec="seconds"
                ),
                "issued": dataset.published_at.date().isoformat(),
                "publisher": {"@type": "org:Organization", "name": resource.department.name},
                "contactPoint": {
                    "@type": "vcard:Contact",
                    "fn": dataset.contact_name,
                    "hasEmail": f"mailto:{dataset.contact_email}",
                },
                "accessLevel": "public" if public else "restricted public",
                **({} if public else {"rights": "Open on application: apply on the dataset page"}),
                "license": service.LICENCES.get(dataset.licence, dataset.licence),
                "accrualPeriodicity": FREQUENCIES[str(resource.update_frequency)][1],
                "theme": [service.THEME_TITLES.get(dataset.theme, dataset.theme)],
                "landingPage": f"{base}/opendata/datasets/{resource.code}",
                "distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "downloadURL": f"{downloads}.{fmt}",
                        "mediaType": MEDIA_TYPES[fmt].split(";")[0],
                        "format": label,
                        "title": f"{resource.name} ({label})",
                    }
                    for fmt, label in FORMATS.items()
                ]
                if public
                else [],
            }
        )
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{base}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": entries,
    }


@router.get("/api/opendata/catalog.jsonld")
def catalog_jsonld(request: Request, session: DbSession) -> JSONResponse:
    """The catalog as DCAT-AP JSON-LD."""
    body = dcat_catalog(list(service.list_datasets(session)), _base(request))
    return JSONResponse(body, media_type="application/ld+json")


@router.get("/data.json")
@router.get("/api/opendata/data.json")
def catalog_data_json(request: Request, session: DbSession) -> JSONResponse:
    """The catalog as data.json (DCAT-US 1.1)."""
    return JSONResponse(data_json(list(service.list_datasets(session)), _base(request)))
