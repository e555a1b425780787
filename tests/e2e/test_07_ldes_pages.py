"""Event stream pages as a harvester relies on them: a full page says `ldes:immutable true` and may
be cached for a year (`immutable`), the open page only briefly; each relation says how many
members the pages behind it hold (`tree:remainingItems`), and every member behind a relation
satisfies it."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, XSD

from conftest import LDES, TREE, harvest, parse_xsd_datetime

YEAR = 31_536_000


def cache_control(response) -> dict[str, str]:
    out = {}
    for part in response.headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        out[name.lower()] = value
    return out


def test_full_pages_are_immutable_and_the_open_page_is_not(http, live_server):
    harvested = harvest(http, live_server.stream_url, "turtle")
    pages = list(harvested.pages)
    assert len(pages) >= 3, "the session's stream should span several pages"
    for url, graph in harvested.pages.items():
        has_next = any(True for _ in graph.objects(URIRef(url), TREE.relation))
        immutable = (URIRef(url), LDES.immutable, Literal(True)) in graph
        response = http.get(url, "text/turtle")
        cache = cache_control(response)
        if has_next:
            assert immutable, f"{url}: a full page must say ldes:immutable true"
            assert "immutable" in cache and int(cache["max-age"]) >= YEAR, f"{url}: {response.headers['Cache-Control']}"
        else:
            assert not immutable, f"{url}: the open page is not immutable"
            assert "immutable" not in cache and int(cache["max-age"]) <= 60, f"{url}: {response.headers['Cache-Control']}"
        assert response.headers.get("ETag"), url


def test_relations_count_and_bound_the_members_behind_them(http, live_server):
    harvested = harvest(http, live_server.stream_url, "turtle")
    order = list(harvested.pages)
    for i, url in enumerate(order):
        graph = harvested.pages[url]
        for relation in graph.objects(URIRef(url), TREE.relation):
            target = str(next(graph.objects(relation, TREE.node)))
            assert next(graph.objects(relation, TREE.path)) == PROV.generatedAtTime
            value = next(graph.objects(relation, TREE.value))
            assert value.datatype == XSD.dateTime and parse_xsd_datetime(str(value)).tzinfo is not None
            behind = order[order.index(target):]
            members = [m for page in behind for m in harvested.page_members[page]]
            remaining = next(graph.objects(relation, TREE.remainingItems))
            assert int(remaining) == len(members), f"{url}: remainingItems {remaining}, {len(members)} members behind"
            bound = parse_xsd_datetime(str(value))
            for member in harvested.page_members[target]:
                stamp = next(harvested.pages[target].objects(member, PROV.generatedAtTime))
                assert parse_xsd_datetime(str(stamp)) >= bound, f"{member} breaks the relation into {target}"
