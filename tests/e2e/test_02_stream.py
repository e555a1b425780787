"""Contract 2: the LDES root and its pages, the same graph in Turtle, JSON-LD and N-Triples."""

import datetime as dt
import re

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from conftest import (LDES, MEDIA_TYPES, SOSA, TREE, Harvest, Http, Server, header_tokens,
                      media_type, parse_xsd_datetime)


def _diff_summary(a, b, limit=10) -> str:
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    lines = [f"- {t}" for t in list(only_a)[:limit]] + [f"+ {t}" for t in list(only_b)[:limit]]
    return "\n".join(lines)


def test_root_describes_the_event_stream(harvested: Harvest, server: Server):
    root, stream = harvested.root, URIRef(server.stream_url)
    assert (stream, RDF.type, LDES.EventStream) in root
    assert list(root.objects(stream, LDES.timestampPath)) == [PROV.generatedAtTime]
    assert list(root.objects(stream, LDES.versionOfPath)) == [DCTERMS.isVersionOf]
    shapes = list(root.objects(stream, TREE.shape))
    assert len(shapes) == 1 and isinstance(shapes[0], URIRef), shapes
    assert list(root.objects(stream, TREE.view)) == [URIRef(f"{server.stream_url}/by-time")]


def test_the_view_is_a_tree_of_utc_periods(harvested: Harvest, server: Server):
    """The root view links years, a year months, a month days, a day hours (each named by its
    period), and an hour's pages link the next page of the same hour."""
    view = f"{server.stream_url}/by-time"
    pattern = re.compile(re.escape(view) + r"(/\d{4}(-\d{2}(-\d{2}(T\d{2}(/\d+)?)?)?)?)?$")
    assert view in harvested.pages
    for page, graph in harvested.pages.items():
        assert pattern.match(page), page
        for relation in graph.objects(URIRef(page), TREE.relation):
            target = str(next(graph.objects(relation, TREE.node)))
            if (relation, RDF.type, TREE.Relation) in graph:
                assert target.startswith(page.split("/by-time/")[0]) and "T" in target.rsplit("/", 2)[-2], target
                continue
            bound = parse_xsd_datetime(str(next(graph.objects(relation, TREE.value))))
            period = target.rsplit("/", 1)[-1]
            if (relation, RDF.type, TREE.GreaterThanOrEqualToRelation) in graph:
                start = bound.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H")
                assert start.startswith(period), f"{target} starts at {bound}"
    assert any(m for m in harvested.page_members.values()), "no page lists members"


def test_every_listed_member_is_described_on_its_page(harvested: Harvest):
    assert harvested.members, "the stream has no members"
    for page, members in harvested.page_members.items():
        graph = harvested.pages[page]
        undescribed = [m for m in members if (m, RDF.type, SOSA.Observation) not in graph]
        assert not undescribed, f"{page}: members without description: {undescribed[:5]}"


def test_three_formats_give_isomorphic_graphs(harvested: Harvest, http: Http, live_server: Server):
    urls = [live_server.stream_url, *harvested.pages]
    for url in urls:
        turtle = http.fetch_graph(url, "turtle")
        ntriples = http.fetch_graph(url, "ntriples")
        json_ld = http.fetch_graph(url, "jsonld")
        assert len(turtle) > 0, f"{url}: empty graph"
        assert isomorphic(turtle, ntriples), f"{url}: Turtle != N-Triples\n{_diff_summary(turtle, ntriples)}"
        assert isomorphic(turtle, json_ld), f"{url}: Turtle != JSON-LD\n{_diff_summary(turtle, json_ld)}"


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
def test_content_negotiation_sets_type_and_vary(live_server: Server, http: Http, fmt: str):
    for url in (live_server.stream_url, f"{live_server.stream_url}/by-time", f"{live_server.stream_url}/latest"):
        response = http.get(url, MEDIA_TYPES[fmt])
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        assert media_type(response) == MEDIA_TYPES[fmt], response.headers.get("Content-Type")
        assert "accept" in header_tokens(response, "Vary"), f"{url}: Vary {response.headers.get('Vary')}"


@pytest.mark.parametrize("accept", [None, "*/*"])
def test_turtle_is_the_default(live_server: Server, http: Http, accept):
    response = http.get(live_server.stream_url, accept)
    assert response.status_code == 200
    assert media_type(response) == "text/turtle", response.headers.get("Content-Type")


@pytest.mark.parametrize("page", ["0", "2999", "2001-01-01", "2001-01-01T00/1"])
def test_unknown_page_is_404(live_server: Server, http: Http, page: str):
    response = http.get(f"{live_server.stream_url}/by-time/{page}", "text/turtle")
    assert response.status_code == 404
