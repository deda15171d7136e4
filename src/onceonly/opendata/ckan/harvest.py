"""Harvest another portal's catalog: a DCAT document (any serialisation rdflib reads) or
a CKAN Action API (package_search, page by page), as packages of a harvest source.

A re-run updates the packages it made before (matched by the remote id: the dataset's
IRI in DCAT, its id in CKAN) and withdraws those the portal no longer lists; the whole
run is one transaction, audited once.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.core.actors import Actor
from onceonly.core.db import utcnow
from onceonly.core.errors import Invalid, NotFound, UpstreamError
from onceonly.opendata.ckan.models import CkanPackage, CkanResource, HarvestSource
from onceonly.opendata.ckan.stored import find_department

PAGE_ROWS = 100
TIMEOUT = 30.0
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "text/n3": "n3",
    "application/trig": "trig",
}
SLUG = re.compile(r"[^a-z0-9_.-]+")


@dataclass
class Remote:
    """One dataset as another portal describes it."""

    guid: str
    name: str
    title: str
    notes: str = ""
    license_id: str = ""
    tags: list[str] = field(default_factory=list)
    resources: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Harvested:
    kind: str
    created: int = 0
    updated: int = 0
    withdrawn: int = 0


def _get(client: httpx.Client, url: str, **params: Any) -> httpx.Response:
    try:
        response = client.get(url, params=params or None)
    except httpx.HTTPError as error:
        raise UpstreamError(f"cannot fetch {url}: {error}") from None
    if response.status_code != 200:
        raise UpstreamError(f"{url} answered HTTP {response.status_code}")
    return response


def _ckan_api(url: str) -> str | None:
    """The Action API base of a CKAN portal URL (site root or /api/3/action/…)."""
    found = re.match(r"(.*?/api/(?:3/)?action/)", url)
    return found.group(1) if found else None


def _ckan_pages(
    client: httpx.Client, api: str, progress: Callable[[int, int], None]
) -> Iterator[dict[str, Any]]:
    start, total = 0, None
    while total is None or start < total:
        body = _get(client, f"{api}package_search", rows=PAGE_ROWS, start=start).json()
        if not isinstance(body, dict) or not body.get("success"):
            raise UpstreamError(f"{api}package_search did not answer as CKAN does")
        result = body["result"]
        total = int(result["count"])
        yield from result["results"]
        start += PAGE_ROWS
        progress(min(start, total), total)
        if not result["results"]:
            break


def _from_ckan(package: dict[str, Any]) -> Remote:
    return Remote(
        guid=str(package["id"]),
        name=str(package["name"]),
        title=str(package.get("title") or package["name"]),
        notes=str(package.get("notes") or ""),
        license_id=str(package.get("license_id") or ""),
        tags=[str(t["name"]) for t in package.get("tags", [])],
        resources=[
            {"name": str(r.get("name") or ""), "url": str(r.get("url") or ""),
             "format": str(r.get("format") or "")}
            for r in package.get("resources", [])
        ],
    )  # fmt: skip


def _text(graph: rdflib.Graph, node: Any, predicate: Any) -> str:
    values = list(graph.objects(node, predicate))
    english = [v for v in values if getattr(v, "language", None) in (None, "en")]
    chosen = english or values
    return str(chosen[0]) if chosen else ""


def _from_dcat(graph: rdflib.Graph, node: Any) -> Remote:
    identifier = _text(graph, node, DCTERMS.identifier) or str(node).rstrip("/").rsplit("/", 1)[-1]
    resources = []
    licence = ""
    for dist in graph.objects(node, DCAT.distribution):
        url = _text(graph, dist, DCAT.downloadURL) or _text(graph, dist, DCAT.accessURL)
        media = _text(graph, dist, DCAT.mediaType) or _text(graph, dist, DCTERMS["format"])
        fmt = media.rstrip("/").rsplit("/", 1)[-1].upper()
        resources.append({"name": _text(graph, dist, DCTERMS.title), "url": url, "format": fmt})
        licence = licence or _text(graph, dist, DCTERMS.license)
    return Remote(
        guid=str(node),
        name=identifier,
        title=_text(graph, node, DCTERMS.title) or identifier,
        notes=_text(graph, node, DCTERMS.description),
        license_id=(licence or _text(graph, node, DCTERMS.license)).rstrip("/").rsplit("/", 1)[-1],
        tags=sorted({str(k) for k in graph.objects(node, DCAT.keyword)}),
        resources=resources,
    )


def _dcat(response: httpx.Response) -> list[Remote]:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = RDF_FORMATS.get(media) or rdflib.util.guess_format(str(response.url)) or "turtle"
    graph = rdflib.Graph()
    try:
        graph.parse(data=response.content, format=fmt, publicID=str(response.url))
    except Exception as error:  # rdflib raises many kinds for a bad document
        raise Invalid(
            f"{response.url} is not a DCAT document ({fmt}): {str(error).splitlines()[0][:200]}"
        ) from None
    datasets = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if not datasets:
        raise Invalid(f"{response.url} has no dcat:Dataset")
    return [_from_dcat(graph, node) for node in datasets]


def fetch(url: str, progress: Callable[[int, int], None]) -> tuple[str, list[Remote]]:
    """The remote datasets at `url`: ("ckan" | "dcat", datasets)."""
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"not an http(s) URL: {url}")
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        api = _ckan_api(url)
        if api is None:
            response = _get(client, url)
            if "json" in response.headers.get("content-type", "") and _looks_like_ckan(response):
                api = f"{url.rstrip('/')}/api/3/action/"
            elif "html" in response.headers.get("content-type", ""):
                api = f"{url.rstrip('/')}/api/3/action/"  # a portal's home page
            else:
                remotes = _dcat(response)
                progress(len(remotes), len(remotes))
                return "dcat", remotes
        try:
            return "ckan", [_from_ckan(p) for p in _ckan_pages(client, api, progress)]
        except (ValueError, KeyError, TypeError):
            raise Invalid(f"{api}package_search did not answer as CKAN does") from None


def _looks_like_ckan(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except json.JSONDecodeError:
        return False
    return isinstance(body, dict) and "success" in body and "help" in body


def _name(
    session: Session, source: HarvestSource, remote: Remote, package: CkanPackage | None
) -> str:
    wanted = SLUG.sub("-", remote.name.lower()).strip("-")[:90] or "dataset"
    if package is not None and package.name.startswith(wanted):
        return package.name
    taken = session.scalar(select(CkanPackage.id).where(CkanPackage.name == wanted))
    return wanted if taken is None else f"{wanted}-h{source.id}"[:100]


def _store(session: Session, source: HarvestSource, remote: Remote) -> bool:
    """Create or update the package for `remote`; True if it is new."""
    package = session.scalar(
        select(CkanPackage).where(
            CkanPackage.harvest_source_id == source.id, CkanPackage.harvest_guid == remote.guid
        )
    )
    name = _name(session, source, remote, package)
    created = package is None
    if package is None:
        package = CkanPackage(id=str(uuid.uuid4()), harvest_source_id=source.id)
        package.harvest_guid, package.created_by = remote.guid, f"harvest:{source.id}"
        session.add(package)
    package.name = name
    package.title, package.notes, package.license_id = remote.title, remote.notes, remote.license_id
    package.department_id, package.state, package.modified_at = (
        source.department_id,
        "active",
        utcnow(),
    )
    package.meta = {
        "tags": remote.tags,
        "extras": [
            {"key": "harvest_source", "value": source.url},
            {"key": "harvest_guid", "value": remote.guid},
        ],
    }
    existing = {r.id: r for r in package.resources}
    resources = []
    for position, given in enumerate(remote.resources):
        resource_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{source.id}:{remote.guid}#{position}"))
        resource = existing.get(resource_id) or CkanResource(id=resource_id)
        resource.position, resource.modified_at = position, utcnow()
        resource.name, resource.url, resource.format = given["name"], given["url"], given["format"]
        resources.append(resource)
    package.resources = resources
    session.flush()
    return created


def harvest(
    session: Session, url: str, organization: str, by: Actor, progress: Callable[[int, int], None]
) -> Harvested:
    department = find_department(session, organization)
    if department is None:
        raise NotFound(f"no department {organization!r}")
    kind, remotes = fetch(url, progress)
    source = session.scalar(select(HarvestSource).where(HarvestSource.url == url))
    if source is None:
        source = HarvestSource(url=url, kind=kind, department_id=department.id)
        session.add(source)
        session.flush()
    source.kind, source.department_id = kind, department.id
    done = Harvested(kind)
    for remote in remotes:
        if _store(session, source, remote):
            done.created += 1
        else:
            done.updated += 1
    seen = {r.guid for r in remotes}
    for package in session.scalars(
        select(CkanPackage).where(CkanPackage.harvest_source_id == source.id)
    ):
        if package.harvest_guid not in seen and package.state == "active":
            package.state, done.withdrawn = "deleted", done.withdrawn + 1
    source.last_run_at, source.last_count = utcnow(), len(remotes)
    audit.record(
        session,
        audit.Event(
            "ckan.harvest", by, "ckan_harvest_source", str(source.id),
            detail={"url": url, "kind": kind, "created": done.created, "updated": done.updated,
                    "withdrawn": done.withdrawn},
        ),
    )  # fmt: skip
    return done
