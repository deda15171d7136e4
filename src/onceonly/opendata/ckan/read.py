"""CKAN's read actions over the public datasets (packages = datasets, organizations =
departments, groups = DCAT-AP themes)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from onceonly.core.errors import NotFound
from onceonly.opendata import service
from onceonly.opendata.ckan.params import Call
from onceonly.opendata.ckan.search import search_packages
from onceonly.opendata.ckan.shapes import (
    LICENCE_TITLES,
    find_organization,
    find_package,
    group_dict,
    group_id,
    organization_dict,
    organization_id,
    package_dict,
    packages,
)
from onceonly.web.i18n import current_locale

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000  # CKAN's ckan.search.rows_max: larger `rows` are capped, not refused


def package_list(call: Call) -> Any:
    """The names of the public datasets. Parameters: limit, offset."""
    names = [d.resource.code for d in call.published.datasets]
    names += [p["name"] for p in call.published.written]
    offset = call.int("offset", 0, 10**9)
    limit = call.int("limit", len(names), 10**6)
    return names[offset : offset + limit]


def package_search(call: Call) -> Any:
    """Search datasets. Parameters: q, fq (Solr forms: field:value, field:(a OR b),
    field:pre*, -field:value), rows (capped at 1000), start, sort, facet.field,
    facet.limit, include_private."""
    facet_fields = call.json("facet.field", [])
    if isinstance(facet_fields, str):
        facet_fields = [facet_fields]
    return search_packages(
        call.published,
        call.base,
        q=call.text("q"),
        fq=call.text("fq"),
        rows=call.int("rows", 10, MAX_ROWS, cap=True),
        start=call.int("start", 0, 10**9),
        sort=call.text("sort"),
        facet_fields=list(facet_fields),
        facet_limit=call.int("facet.limit", 50, 10**6),
    )


def package_show(call: Call) -> Any:
    """One dataset. Parameters: id (UUID, name, or the old numeric id)."""
    wanted = call.required("id")
    for written in call.published.written:
        if wanted in (written["id"], written["name"]):
            return written
    dataset = find_package(call.published, wanted)
    return package_dict(
        dataset, call.base, counts=call.published.counts, data_dir=call.published.data_dir
    )


def resource_show(call: Call) -> Any:
    """One resource (a download of a dataset). Parameters: id."""
    wanted = call.required("id")
    for package in packages(call.published, call.base):
        for resource in package["resources"]:
            if resource["id"] == wanted:
                return resource
    raise NotFound("Resource was not found.")


def organization_list(call: Call) -> Any:
    """Departments with public datasets. Parameters: all_fields, sort, limit, offset."""
    departments = {
        d.resource.department.code: d.resource.department for d in call.published.datasets
    } | call.published.written_orgs
    names = sorted(departments)
    names = names[call.int("offset", 0, 10**9) :][: call.int("limit", 1000, 10**6)]
    if call.flag("all_fields"):
        return [organization_dict(departments[c], call.published.counts[c]) for c in names]
    return names


def organization_show(call: Call) -> Any:
    """One department. Parameters: id (UUID, name or old numeric id), include_datasets."""
    wanted = call.required("id")
    written_orgs = call.published.written_orgs
    department = next(
        (d for d in written_orgs.values() if wanted in (d.code, organization_id(d), str(d.id))),
        None,
    )
    try:
        datasets = find_organization(call.published, wanted)
        department = datasets[0].resource.department
    except NotFound:
        if department is None:
            raise
        datasets = []
    written = [p for p in call.published.written if p["organization"]["name"] == department.code]
    result = organization_dict(department, call.published.counts[department.code])
    if call.flag("include_datasets"):
        result["packages"] = [
            package_dict(d, call.base, counts=call.published.counts, data_dir=call.data_dir)
            for d in datasets
        ] + written
    return result


def _themes(call: Call) -> Counter[str]:
    return Counter(d.theme.lower() for d in call.published.datasets)


def group_list(call: Call) -> Any:
    """DCAT-AP themes with public datasets. Parameters: all_fields."""
    themes = _themes(call)
    if call.flag("all_fields"):
        return [group_dict(t, themes[t]) for t in sorted(themes)]
    return sorted(themes)


def group_show(call: Call) -> Any:
    """One theme. Parameters: id (UUID or name), include_datasets."""
    wanted = call.required("id").lower()
    themes = _themes(call)
    theme = next((t for t in themes if wanted in (t, group_id(t))), None)
    if theme is None:
        raise NotFound("Group was not found.")
    result = group_dict(theme, themes[theme])
    if call.flag("include_datasets", True):
        result["packages"] = [
            package_dict(d, call.base, counts=call.published.counts, data_dir=call.data_dir)
            for d in call.published.datasets
            if d.theme.lower() == theme
        ]
    return result


def tag_list(call: Call) -> Any:
    """Tags of public datasets. Parameters: query."""
    tags = sorted({t for d in call.published.datasets for t in d.resource.tags})
    query = call.text("query").lower()
    return [t for t in tags if query in t.lower()]


def license_list(call: Call) -> Any:
    """The licences datasets are published under."""
    return [
        {
            "id": key,
            "title": title,
            "url": service.LICENCES[key],
            "od_conformance": "approved",
            "osd_conformance": "not reviewed",
            "status": "active",
            "maintainer": "",
            "family": "",
            "domain_content": True,
            "domain_data": True,
            "domain_software": False,
            "is_generic": False,
            "is_okd_compliant": True,
            "is_osi_compliant": False,
        }
        for key, title in LICENCE_TITLES.items()
    ]


def status_show(call: Call) -> Any:
    """The site and its version."""
    return {
        "site_title": "onceonly open data",
        "site_url": call.base.rstrip("/"),
        "site_description": "Open government data published by the onceonly platform",
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": current_locale.get().replace("_", "-"),
        "extensions": ["datastore", "dcat"],
    }
