"""The DCAT-AP Vlaanderen catalogue (`/catalog`) and the VoID description (`/void`): no violation
of the official DCAT-AP Vlaanderen 2.0 and 3.0 and EU DCAT-AP 3.0.1 shapes (pySHACL), a dataset
per stream whose every distribution answers, coverage computed from the data, and a VoID
description that counts what the store holds."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from conftest import lower_tags, parse_rdf
from dcat_shapes import FILES, load, results

VOID = Namespace("http://rdfs.org/ns/void#")
STREAMS = ["vehicle-counts", "unique-vehicles", "od-flows", "travel-times", "zone-traffic", "speeds", "vehicle-types", "profiles", "data-quality"]


@pytest.fixture(scope="module")
def catalog(http, server) -> Graph:
    return http.fetch_graph(f"{server.base_url}/catalog", "turtle")


@pytest.mark.parametrize("shape_set", sorted(FILES))
def test_the_catalogue_has_no_violation_of_the_official_shapes(catalog, shared_dir, shape_set):
    severity, violations = results(catalog, load(shape_set, shared_dir))
    assert not violations, f"{shape_set}: {len(violations)} violations\n" + "\n".join(violations[:20])
    assert severity.get("Warning", 0) <= 2, f"{shape_set}: {severity}"


def test_a_dataset_per_stream_with_distributions_that_answer(catalog, http, live_server, cli):
    cli.run("dump")
    base = live_server.base_url
    root = URIRef(f"{base}/catalog")
    datasets = set(catalog.objects(root, DCAT.dataset))
    assert datasets == {URIRef(f"{base}/streams/{name}") for name in STREAMS}
    for dataset in datasets:
        titles = {t.language for t in catalog.objects(dataset, DCTERMS.title)}
        assert titles == {"nl", "en"}, dataset
        distributions = list(catalog.objects(dataset, DCAT.distribution))
        assert len(distributions) == 3
        for distribution in distributions:
            url = str(next(catalog.objects(distribution, DCAT.accessURL)))
            response = http.get(url, None)
            assert response.status_code == 200, f"{distribution}: {url} answers {response.status_code}"
    services = set(catalog.objects(root, DCAT.service))
    assert services
    for service in services:
        endpoint = str(next(catalog.objects(service, DCAT.endpointURL)))
        assert http.get(endpoint, "text/turtle").status_code == 200
    assert 'href="/catalog"' in http.get(base + "/", "text/html").text


def test_coverage_is_computed_from_the_data(catalog, cli, live_server):
    base = live_server.base_url
    vehicle_counts = URIRef(f"{base}/streams/vehicle-counts")
    period = next(catalog.objects(vehicle_counts, DCTERMS.temporal))
    start, end = next(catalog.objects(period, DCAT.startDate)), next(catalog.objects(period, DCAT.endDate))
    assert start.toPython() < end.toPython() and start.toPython().tzinfo is not None
    place = next(catalog.objects(vehicle_counts, DCTERMS.spatial))
    box = str(next(catalog.objects(place, DCAT.bbox)))
    numbers = [float(x) for x in box.removeprefix("POLYGON((").removesuffix("))").replace(",", " ").split()]
    west, south, east, north = min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2]), max(numbers[1::2])
    assert 2.5 <= west <= east <= 6.0 and 50.6 <= south <= north <= 51.6, box   # Flanders
    issued, modified = next(catalog.objects(vehicle_counts, DCTERMS.issued)), next(catalog.objects(vehicle_counts, DCTERMS.modified))
    assert issued.toPython() <= modified.toPython()


def test_json_ld_of_the_catalogue_expands_to_its_turtle(catalog, http, live_server):
    url = f"{live_server.base_url}/catalog"
    graph = parse_rdf(http.fetch(url, "jsonld").content, "jsonld", url, http._jsonld_loader)
    assert isomorphic(lower_tags(graph), lower_tags(catalog))


def test_void_counts_the_store_and_lists_its_dumps(http, live_server, cli):
    base = live_server.base_url
    void = http.fetch_graph(f"{base}/void", "turtle")
    dataset = next(void.subjects(RDF.type, VOID.Dataset))
    stats = json.loads(cli.run("stats", "--json").stdout)
    assert int(next(void.objects(dataset, VOID.triples))) == stats["quads"]
    assert {str(d) for d in void.objects(dataset, VOID.dataDump)} == {f"{base}/dumps/{n}.nq.gz" for n in STREAMS}
    assert {str(r) for r in void.objects(dataset, VOID.rootResource)} == {f"{base}/streams/{n}" for n in STREAMS}


def test_the_query_interfaces_are_data_services_that_answer(catalog, http, live_server):
    base = live_server.base_url
    services = set(catalog.objects(URIRef(f"{base}/catalog"), DCAT.service))
    assert services == {URIRef(f"{base}/id/dataservice/fragments"), URIRef(f"{base}/id/dataservice/sparql")}
    for service in services:
        assert (service, RDF.type, DCAT.DataService) in catalog
        endpoint = next(catalog.objects(service, DCAT.endpointURL))
        assert http.get(str(endpoint), "text/turtle").status_code == 200
        assert len(set(catalog.objects(service, DCAT.servesDataset))) == len(STREAMS)
