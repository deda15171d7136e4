"""The catalog as DCAT-AP 3, built as an rdflib graph and serialised by rdflib.

`GET /api/opendata/catalog` chooses the serialisation by `Accept`; the extensions
`.jsonld`, `.ttl`, `.rdf` and `.nt` name one. Controlled vocabularies are the EU
Publications Office's (data themes, frequencies, file types, access rights, languages)
and IANA's media types, as IRIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

from onceonly.core.deps import DbSession
from onceonly.core.errors import Problem
from onceonly.opendata import service
from onceonly.opendata.ckan.shapes import FORMATS, MIMETYPES
from onceonly.opendata.models import Dataset

router = APIRouter(tags=["dcat"])

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
EU_FREQUENCY = Namespace(EU + "frequency/")
EU_THEME = Namespace(EU + "data-theme/")
EU_FILE_TYPE = Namespace(EU + "file-type/")
EU_ACCESS = Namespace(EU + "access-right/")
IANA = "http://www.iana.org/assignments/media-types/"
FREQUENCIES = {
    "realtime": ("CONT", "R/PT1H"),
    "daily": ("DAILY", "R/P1D"),
    "weekly": ("WEEKLY", "R/P1W"),
    "monthly": ("MONTHLY", "R/P1M"),
    "quarterly": ("QUARTERLY", "R/P3M"),
    "yearly": ("ANNUAL", "R/P1Y"),
    "once": ("NEVER", "irregular"),
}
# extension → (rdflib format, media type); the first is the default.
SERIALISATIONS = {
    "jsonld": ("json-ld", "application/ld+json"),
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "nt": ("nt", "application/n-triples"),
}
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "xsd": str(XSD),
}


def _typed(graph: Graph, iri: str, kind: URIRef) -> URIRef:
    node = URIRef(iri)
    graph.add((node, RDF.type, kind))
    return node


def _date(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def _licence(graph: Graph, dataset: Dataset) -> URIRef:
    return _typed(
        graph, service.LICENCES.get(dataset.licence, dataset.licence), DCTERMS.LicenseDocument
    )


def _agent(graph: Graph, base: str, code: str, name: str) -> URIRef:
    agent = _typed(graph, f"{base}/api/3/action/organization_show?id={code}", FOAF.Agent)
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(name)))
    return agent


def _distributions(graph: Graph, node: URIRef, dataset: Dataset, base: str) -> None:
    code = dataset.resource.code
    for fmt, label in FORMATS.items():
        dist = _typed(graph, f"{base}/opendata/datasets/{code}#{fmt}", DCAT.Distribution)
        graph.add((node, DCAT.distribution, dist))
        graph.add((dist, DCTERMS.title, Literal(f"{dataset.resource.name} ({label})")))
        graph.add((dist, DCAT.accessURL, URIRef(f"{base}/opendata/datasets/{code}")))
        graph.add(
            (dist, DCAT.downloadURL, URIRef(f"{base}/api/opendata/datasets/{code}/download.{fmt}"))
        )
        graph.add((dist, DCAT.mediaType, _typed(graph, IANA + MIMETYPES[fmt], DCTERMS.MediaType)))
        file_type = _typed(graph, str(EU_FILE_TYPE[label.upper()]), DCTERMS.MediaTypeOrExtent)
        graph.add((dist, DCTERMS.format, file_type))
        graph.add((dist, DCTERMS.license, _licence(graph, dataset)))
        if dataset.last_updated:
            graph.add((dist, DCTERMS.modified, _date(dataset.last_updated)))


def add_dataset(graph: Graph, dataset: Dataset, base: str) -> URIRef:
    resource = dataset.resource
    department = resource.department
    public = service.is_public(dataset)
    node = _typed(graph, f"{base}/opendata/datasets/{resource.code}#dataset", DCAT.Dataset)
    graph.add((node, DCTERMS.identifier, Literal(resource.code)))
    graph.add((node, DCTERMS.title, Literal(resource.name)))
    graph.add((node, DCTERMS.description, Literal(resource.description or resource.name)))
    for tag in resource.tags:
        graph.add((node, DCAT.keyword, Literal(tag)))
    theme = _typed(graph, str(EU_THEME[dataset.theme]), SKOS.Concept)
    title = service.THEME_TITLES.get(dataset.theme, dataset.theme)
    graph.add((theme, SKOS.prefLabel, Literal(title, lang="en")))
    graph.add((theme, SKOS.inScheme, URIRef(EU + "data-theme")))
    graph.add((node, DCAT.theme, theme))
    graph.add((node, DCTERMS.publisher, _agent(graph, base, department.code, department.name)))
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    graph.add((node, DCAT.contactPoint, contact))
    frequency = EU_FREQUENCY[FREQUENCIES[str(resource.update_frequency)][0]]
    graph.add((node, DCTERMS.accrualPeriodicity, _typed(graph, str(frequency), DCTERMS.Frequency)))
    graph.add((node, DCTERMS.issued, _date(dataset.published_at)))
    if dataset.last_updated:
        graph.add((node, DCTERMS.modified, _date(dataset.last_updated)))
    access = EU_ACCESS["PUBLIC" if public else "RESTRICTED"]
    graph.add((node, DCTERMS.accessRights, _typed(graph, str(access), DCTERMS.RightsStatement)))
    graph.add(
        (
            node,
            DCAT.landingPage,
            _typed(graph, f"{base}/opendata/datasets/{resource.code}", FOAF.Document),
        )
    )
    if public:
        _distributions(graph, node, dataset, base)
    return node


def catalog_graph(datasets: Sequence[Dataset], base: str) -> Graph:
    graph = Graph()
    for prefix, iri in CONTEXT.items():
        graph.bind(prefix, Namespace(iri))
    catalog = _typed(graph, f"{base}/api/opendata/catalog", DCAT.Catalog)
    graph.add((catalog, DCTERMS.title, Literal("onceonly open data", lang="en")))
    graph.add((catalog, DCTERMS.title, Literal("政务数据开放", lang="zh")))
    graph.add(
        (
            catalog,
            DCTERMS.description,
            Literal("Open government data published through the onceonly platform", lang="en"),
        )
    )
    graph.add((catalog, DCTERMS.publisher, _agent(graph, base, "platform", "onceonly platform")))
    language = _typed(graph, EU + "language/ZHO", DCTERMS.LinguisticSystem)
    graph.add((catalog, DCTERMS.language, language))
    graph.add((catalog, FOAF.homepage, _typed(graph, f"{base}/opendata", FOAF.Document)))
    licence = _typed(graph, service.LICENCES["CC-BY-4.0"], DCTERMS.LicenseDocument)
    graph.add((catalog, DCTERMS.license, licence))
    taxonomy = _typed(graph, EU + "data-theme", SKOS.ConceptScheme)
    graph.add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    graph.add((catalog, DCAT.themeTaxonomy, taxonomy))
    if datasets:
        graph.add((catalog, DCTERMS.issued, _date(min(d.published_at for d in datasets))))
        graph.add(
            (
                catalog,
                DCTERMS.modified,
                _date(max(d.last_updated or d.published_at for d in datasets)),
            )
        )
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, base)))
    return graph


def serialise(graph: Graph, ext: str) -> bytes:
    rdf_format, _media = SERIALISATIONS[ext]
    extra: dict[str, Any] = {"context": CONTEXT, "auto_compact": True} if ext == "jsonld" else {}
    return graph.serialize(format=rdf_format, encoding="utf-8", **extra)


def _quality(params: list[str]) -> float:
    for param in params:
        if param.startswith("q="):
            try:
                return float(param[2:])
            except ValueError:
                return 0.0
    return 1.0


def _accepts(media: str, offered: str) -> bool:
    if media in (offered, "*/*") or (media == "application/json" and offered.endswith("ld+json")):
        return True
    return media.endswith("/*") and offered.startswith(media[:-1])


def negotiate(accept: str) -> str:
    """The extension for an Accept header (q-values honoured; JSON-LD by default)."""
    if not accept.strip():
        return "jsonld"
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip().lower() for p in part.split(";"))
        quality = _quality(params)
        ext = next((e for e, (_f, m) in SERIALISATIONS.items() if _accepts(media, m)), None)
        if ext and quality > 0 and (best is None or (-quality, position) < best[:2]):
            best = (-quality, position, ext)
    if best is None:
        raise Problem(
            "the catalog is offered as " + ", ".join(m for _f, m in SERIALISATIONS.values()),
            status=406,
            code="not-acceptable",
            title="Not acceptable",
        )
    return best[2]


def _answer(session: Any, base: str, ext: str) -> Response:
    graph = catalog_graph(list(service.list_datasets(session)), base)
    return Response(serialise(graph, ext), media_type=SERIALISATIONS[ext][1])


# JSON-LD is a JSON object; the other serialisations are RDF text.
CATALOG_TYPES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            m: {"schema": {"type": "object"} if f == "json-ld" else {"type": "string"}}
            for f, m in SERIALISATIONS.values()
        }
    }
}


@router.get(
    "/api/opendata/catalog",
    response_class=Response,
    responses=CATALOG_TYPES,
)
def catalog(request: Request, session: DbSession) -> Response:
    """The catalog as DCAT-AP 3, in the serialisation `Accept` asks for."""
    ext = negotiate(request.headers.get("accept", ""))
    response = _answer(session, str(request.base_url).rstrip("/"), ext)
    response.headers["Vary"] = "Accept"
    return response


@router.get(
    "/api/opendata/catalog.{ext}",
    response_class=Response,
    responses=CATALOG_TYPES,
)
def catalog_file(ext: str, request: Request, session: DbSession) -> Response:
    """The catalog as DCAT-AP 3: .jsonld, .ttl (Turtle), .rdf (RDF/XML) or .nt (N-Triples)."""
    if ext not in SERIALISATIONS:
        raise Problem(
            f"no catalog.{ext}: use one of " + ", ".join(f".{e}" for e in SERIALISATIONS),
            status=404,
            code="not-found",
            title="Not found",
        )
    return _answer(session, str(request.base_url).rstrip("/"), ext)
