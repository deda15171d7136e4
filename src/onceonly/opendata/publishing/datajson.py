"""The catalog as data.json (DCAT-US / Project Open Data metadata schema 1.1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from onceonly.core.deps import DbSession
from onceonly.opendata import service
from onceonly.opendata.ckan.shapes import FORMATS
from onceonly.opendata.models import Dataset
from onceonly.opendata.publishing.dcat import FREQUENCIES
from onceonly.opendata.publishing.downloads import MEDIA_TYPES
from onceonly.opendata.schemas import DataJsonOut

router = APIRouter(tags=["dcat"])


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


@router.get("/data.json", response_model=DataJsonOut)
@router.get("/api/opendata/data.json", response_model=DataJsonOut)
def catalog_data_json(request: Request, session: DbSession) -> JSONResponse:
    """The catalog as data.json (DCAT-US 1.1)."""
    return JSONResponse(
        data_json(list(service.list_datasets(session)), str(request.base_url).rstrip("/"))
    )
