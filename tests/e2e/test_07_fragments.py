"""Triple Pattern Fragments (`/fragments`) on the session server, read with rdflib only: for 200
random patterns the union of all pages (followed through hydra:next) is exactly the store's
matching quads, counts follow the TPF rules (0 iff empty, exact under a page), controls are in a
graph of their own, and hydra:previous walks back over the same quads."""

from __future__ import annotations

import random
from collections import Counter
from urllib.parse import quote

import pytest
from pyld import jsonld
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PAGE_SIZE = 100


def explicit(term) -> str:
    """A term in the TPF explicit representation."""
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype:
            return f'"{term}"^^{term.datatype}'
        return f'"{term}"'
    return str(term)


def key(s, p, o, g) -> tuple:
    """A quad with blank nodes made anonymous (their labels are not comparable across parses)."""
    def norm(t):
        return "_:b" if isinstance(t, BNode) else t
    graph = None if g is None or g == DATASET_DEFAULT_GRAPH_ID else norm(g)
    return (norm(s), p, norm(o), graph)


@pytest.fixture(scope="module")
def store_quads(cli, server) -> list[tuple]:
    ds = Dataset()
    ds.parse(data=cli.run("export", "--format", "nquads").stdout, format="nquads")
    quads = [(s, p, o, None if g == DATASET_DEFAULT_GRAPH_ID else g) for s, p, o, g in ds.quads((None, None, None, None))]
    assert len(quads) > 1000
    return quads


class Page:
    def __init__(self, http, url: str):
        response = http.fetch(url, "nquads")
        self.url = url
        self.location = response.headers.get("Content-Location")
        ds = Dataset()
        ds.parse(data=response.text, format="nquads")
        self.metadata_graph = URIRef((self.location or url) + "#metadata")
        self.data: list[tuple] = []
        self.meta = ds.graph(self.metadata_graph)
        for s, p, o, g in ds.quads((None, None, None, None)):
            if g == self.metadata_graph:
                continue
            self.data.append(key(s, p, o, g))

    def value(self, subject: str, predicate: str):
        values = list(self.meta.objects(URIRef(subject), URIRef(predicate)))
        assert len(values) <= 1, f"{self.url}: several {predicate}"
        return values[0] if values else None


def fragment_url(base: str, bound: dict) -> str:
    query = "&".join(f"{name}={quote(explicit(term), safe='')}" for name, term in bound.items())
    return f"{base}/fragments" + (f"?{query}" if query else "")


def harvest(http, url: str) -> tuple[list[tuple], Page, list[Page]]:
    pages = [Page(http, url)]
    while (next_url := pages[-1].value(pages[-1].location, HYDRA + "next")) is not None:
        assert len(pages) < 200, "too many pages"
        pages.append(Page(http, str(next_url)))
    data = [q for page in pages for q in page.data]
    return data, pages[0], pages


def exact_lexical(term) -> bool:
    """rdflib rewrites some lexical forms (date-times, decimals): bind only terms it keeps as written."""
    return not isinstance(term, Literal) or term.language is not None or term.datatype in (None, XSD.string, XSD.integer, XSD.boolean)


def random_patterns(quads: list[tuple], n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    by_predicate = Counter(q[1] for q in quads)
    patterns: list[dict] = []
    while len(patterns) < n:
        s, p, o, g = rng.choice(quads)
        positions = {"subject": s, "predicate": p, "object": o, "graph": g}
        chosen = {name: term for name, term in positions.items()
                  if term is not None and not isinstance(term, BNode) and exact_lexical(term) and rng.random() < 0.5}
        if not chosen or (list(chosen) == ["predicate"] and by_predicate[p] > 1500):
            continue
        patterns.append(chosen)
    # Patterns that match nothing.
    patterns[0] = {"subject": URIRef("http://example.org/nothing")}
    patterns[1] = {"object": Literal("no such value")}
    return patterns


def expected_matches(quads: list[tuple], bound: dict) -> list[tuple]:
    index = {"subject": 0, "predicate": 1, "object": 2, "graph": 3}
    return [key(*q) for q in quads if all(q[index[name]] == term for name, term in bound.items())]


def test_random_patterns_page_through_exactly_the_matching_quads(http, live_server, store_quads):
    base = live_server.base_url
    checked_pages = 0
    for bound in random_patterns(store_quads, 200):
        expected = expected_matches(store_quads, bound)
        url = fragment_url(base, bound)
        data, first, pages = harvest(http, url)
        checked_pages += len(pages)
        assert first.location == url, f"{url}: the first page's canonical IRI is {first.location}"
        assert Counter(data) == Counter(expected), f"{url}: {len(data)} quads paged, {len(expected)} expected"
        assert all(len(page.data) <= PAGE_SIZE for page in pages)
        total = first.value(url, HYDRA + "totalItems")
        triples = first.value(url, VOID + "triples")
        assert total is not None and triples is not None and int(total) == int(triples), url
        assert (int(total) == 0) == (not expected), f"{url}: totalItems {total}, {len(expected)} matches"
        if len(expected) <= PAGE_SIZE:
            assert int(total) == len(expected), f"{url}: totalItems {total} must be exact under a page"
        assert first.value(url, HYDRA + "view") == URIRef(url)
    assert checked_pages > 200


def test_fragment_controls_follow_the_specification(http, live_server, store_quads):
    base = live_server.base_url
    page = Page(http, f"{base}/fragments?predicate={quote(RDF + 'type', safe='')}")
    dataset = URIRef(f"{base}/fragments#dataset")
    meta = page.meta
    assert (dataset, URIRef(VOID + "subset"), URIRef(page.location)) in meta
    search = meta.value(dataset, URIRef(HYDRA + "search"))
    assert str(meta.value(search, URIRef(HYDRA + "template"))) == f"{base}/fragments{{?subject,predicate,object,graph}}"
    assert meta.value(search, URIRef(HYDRA + "variableRepresentation")) == URIRef(HYDRA + "ExplicitRepresentation")
    mappings = {str(meta.value(m, URIRef(HYDRA + "variable"))): meta.value(m, URIRef(HYDRA + "property"))
                for m in meta.objects(search, URIRef(HYDRA + "mapping"))}
    assert mappings == {"subject": URIRef(RDF + "subject"), "predicate": URIRef(RDF + "predicate"),
                        "object": URIRef(RDF + "object"),
                        "graph": URIRef("http://www.w3.org/ns/sparql-service-description#graph")}
    assert page.value(page.location, HYDRA + "first") == URIRef(page.location)
    assert page.value(page.location, HYDRA + "next") is not None
    # Turtle has no graphs: data and controls in one graph. JSON-LD keeps the metadata graph.
    graph = http.fetch_graph(page.location, "turtle")
    assert (dataset, URIRef(HYDRA + "search"), None) in graph
    document = http.fetch(page.location, "jsonld").json()
    expanded = Dataset()
    expanded.parse(data=jsonld.to_rdf(document, {"format": "application/n-quads",
                                                 "documentLoader": http._jsonld_loader}), format="nquads")
    assert (dataset, URIRef(HYDRA + "search"), None, page.metadata_graph) in expanded
    # Malformed terms and cursors are a 400 with a message.
    for bad in ("subject=%22lit%22", "object=%22unterminated", "predicate=relative", "after=1.2"):
        response = http.get(f"{base}/fragments?{bad}", "application/n-quads")
        assert response.status_code == 400, bad


def test_previous_links_walk_back_over_the_same_quads(http, live_server, store_quads):
    base = live_server.base_url
    url = f"{base}/fragments?predicate={quote(RDF + 'type', safe='')}"
    forward, _, pages = harvest(http, url)
    assert len(pages) >= 3
    backward = list(pages[-1].data)
    page = pages[-1]
    while (previous := page.value(page.location, HYDRA + "previous")) is not None:
        page = Page(http, str(previous))
        backward += page.data
    assert Counter(backward) == Counter(forward)
