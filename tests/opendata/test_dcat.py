"""DCAT-AP 3 as served: parsed by rdflib in each serialisation, validated by pyshacl
against the official DCAT-AP 3.0.1 SHACL shapes (vendored in shapes/)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS

SHAPES = Path(__file__).parent / "shapes" / "dcat-ap-3.0.1-SHACL.ttl"
FORMATS = {
    "jsonld": ("application/ld+json", "json-ld"),
    "ttl": ("text/turtle", "turtle"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}


def test_catalog_in_every_serialisation_is_dcat_ap_3(od_client: TestClient) -> None:
    graphs = []
    for ext, (media, rdf_format) in FORMATS.items():
        by_extension = od_client.get(f"/api/opendata/catalog.{ext}")
        assert by_extension.headers["content-type"].startswith(media)
        by_accept = od_client.get("/api/opendata/catalog", headers={"Accept": media})
        assert by_accept.headers["content-type"].startswith(media)
        for answer in (by_extension, by_accept):
            graphs.append(Graph().parse(data=answer.content, format=rdf_format))
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    graph = graphs[0]

    conforms, _report, text = validate(graph, shacl_graph=str(SHAPES), inference="none")
    assert conforms, text

    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert graph.value(catalog, DCTERMS.publisher) is not None
    assert graph.value(catalog, DCAT.themeTaxonomy) is not None
    datasets = {
        str(graph.value(d, DCTERMS.identifier)): d for d in graph.objects(catalog, DCAT.dataset)
    }
    assert set(datasets) == {"test.shops", "test.visits", "test.tiny"}
    shops = datasets["test.shops"]
    assert str(graph.value(shops, DCTERMS.accrualPeriodicity)).endswith("/DAILY")
    distributions = list(graph.objects(shops, DCAT.distribution))
    assert len(distributions) == 3
    media_types = {graph.value(d, DCAT.mediaType) for d in distributions}
    assert URIRef("http://www.iana.org/assignments/media-types/text/csv") in media_types
    assert all(isinstance(graph.value(d, DCTERMS.format), URIRef) for d in distributions)
    visits = datasets["test.visits"]
    assert list(graph.objects(visits, DCAT.distribution)) == []
    assert str(graph.value(visits, DCTERMS.accessRights)).endswith("RESTRICTED")


def test_content_negotiation_and_refusals(od_client: TestClient) -> None:
    for accept, media in (
        ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/ld+json"),
        ("text/*", "text/turtle"),
    ):
        answer = od_client.get("/api/opendata/catalog", headers={"Accept": accept})
        assert answer.headers["content-type"].startswith(media), accept
    refused = od_client.get("/api/opendata/catalog", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    assert od_client.get("/api/opendata/catalog.xlsx").status_code == 404
