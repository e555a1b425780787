"""The time-fragmented view as a harvester relies on it. Starting from the stream only and
following links (no knowledge of the URL scheme): every member of the store is found exactly once;
every comparison relation has one node, one path and one time-zoned value, comes as a
greater-or-equal / less-than pair, and holds for every member behind it; `tree:remainingItems`
counts the members behind a relation; members are in chronological order inside a page (TREE
profile); a page that says `ldes:immutable true` is cached for a year and others only briefly. The
latest-state view lists the newest version of each observation once.

The MUST cases of Informatievlaanderen's VSDS test bed, and where they are checked: member
discovery and full retrieval from `tree:view` (test_a_harvester_finds_every_member_exactly_once),
the node-to-collection link (test_every_page_links_to_its_stream: `dct:isPartOf`, or `tree:view`
on the root), one `tree:node` per relation (`relations`, on every page), relation-value
consistency (test_relations_come_in_bounded_pairs_that_every_member_behind_them_satisfies) and
time ordering (test_the_tree_profile_groups_hypermedia_then_members_in_chronological_order)."""

from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from conftest import LDES, TREE, Harvest, parse_xsd_datetime

YEAR = 31_536_000
COMPARISONS = {TREE.GreaterThanOrEqualToRelation: lambda stamp, bound: stamp >= bound,
               TREE.LessThanRelation: lambda stamp, bound: stamp < bound}


def cache_control(response) -> dict[str, str]:
    out = {}
    for part in response.headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        out[name.lower()] = value
    return out


def relations(graph: Graph, page: str) -> list[tuple]:
    """(relation, its types, its node) for every relation of a page: exactly one tree:node each."""
    out = []
    for relation in graph.objects(URIRef(page), TREE.relation):
        nodes = list(graph.objects(relation, TREE.node))
        assert len(nodes) == 1 and isinstance(nodes[0], URIRef), f"{page}: a relation needs one tree:node IRI"
        out.append((relation, set(graph.objects(relation, RDF.type)), str(nodes[0])))
    return out


def behind(harvested: Harvest, node: str) -> list[URIRef]:
    """Every member listed on `node` and on the pages reachable from it."""
    seen, todo, members = set(), [node], []
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        members += harvested.page_members[page]
        todo += [target for _, _, target in relations(harvested.pages[page], page)]
    return members


def stamp(harvested: Harvest, member: URIRef):
    values = list(harvested.member_graphs[member].objects(member, PROV.generatedAtTime))
    assert len(values) == 1, f"{member}: one prov:generatedAtTime"
    return parse_xsd_datetime(str(values[0]))


def test_a_harvester_finds_every_member_exactly_once(harvested: Harvest, cli):
    listings = [m for members in harvested.page_members.values() for m in members]
    assert len(listings) == len(set(listings)), "a member is listed on two pages"
    stats = json.loads(cli.run("stats", "--json").stdout)
    assert len(harvested.members) == stats["membersPerStream"]["vehicle-counts"] > 100
    view = next(harvested.root.objects(URIRef(harvested.stream_url), TREE.view))
    assert int(next(harvested.root.objects(view, TREE.remainingItems))) == len(harvested.members)


def test_relations_come_in_bounded_pairs_that_every_member_behind_them_satisfies(harvested: Harvest):
    pairs = 0
    for page, graph in harvested.pages.items():
        by_node: dict[str, set] = {}
        for relation, types, node in relations(graph, page):
            kinds = types & set(COMPARISONS)
            if not kinds:
                assert types == {TREE.Relation}, f"{page}: unexpected relation types {types}"
                continue
            assert len(kinds) == 1
            paths, values = list(graph.objects(relation, TREE.path)), list(graph.objects(relation, TREE.value))
            assert paths == [PROV.generatedAtTime], f"{page}: tree:path {paths}"
            assert len(values) == 1 and values[0].datatype == XSD.dateTime, f"{page}: tree:value {values}"
            bound = parse_xsd_datetime(str(values[0]))
            assert bound.tzinfo is not None, f"{page}: {values[0]} has no time zone"
            kind = kinds.pop()
            by_node.setdefault(node, set()).add((kind, bound))
            members = behind(harvested, node)
            assert members, f"{page}: a relation into {node} with nothing behind it"
            for member in members:
                assert COMPARISONS[kind](stamp(harvested, member), bound), f"{member} breaks {kind} {bound} into {node}"
        for node, bounds in by_node.items():
            kinds = sorted(k for k, _ in bounds)
            assert kinds == sorted([TREE.GreaterThanOrEqualToRelation, TREE.LessThanRelation]), f"{page} -> {node}: {bounds}"
            low = next(b for k, b in bounds if k == TREE.GreaterThanOrEqualToRelation)
            high = next(b for k, b in bounds if k == TREE.LessThanRelation)
            assert low < high
            pairs += 1
    assert pairs >= 4, "the view should have a year, a month, a day and an hour"


def test_remaining_items_count_the_members_behind_a_relation(harvested: Harvest):
    counted = 0
    for page, graph in harvested.pages.items():
        for relation, _, node in relations(graph, page):
            for remaining in graph.objects(relation, TREE.remainingItems):
                counted += 1
                # A pair counts its period; a link inside an hour counts the pages after it.
                expected = len(behind(harvested, node))
                assert int(remaining) == expected, f"{page} -> {node}: remainingItems {remaining}, {expected} behind"
    assert counted >= 8


def test_immutable_pages_are_cached_for_good_and_the_others_briefly(harvested: Harvest, http):
    view = str(next(harvested.root.objects(URIRef(harvested.stream_url), TREE.view)))
    for url, graph in [(view, None), *harvested.pages.items()]:
        graph = graph if graph is not None else harvested.pages[view]
        immutable = (URIRef(url), LDES.immutable, Literal(True)) in graph
        response = http.get(url, "text/turtle")
        cache = cache_control(response)
        assert response.headers.get("ETag"), url
        if immutable:
            assert "immutable" in cache and int(cache["max-age"]) >= YEAR, f"{url}: {response.headers['Cache-Control']}"
        else:
            assert "immutable" not in cache and int(cache["max-age"]) <= 60, f"{url}: {response.headers['Cache-Control']}"
    assert (URIRef(view), LDES.immutable, Literal(True)) not in harvested.pages[view], "the root view always grows"


def test_every_page_links_to_its_stream(harvested: Harvest):
    stream = URIRef(harvested.stream_url)
    for page, graph in harvested.pages.items():
        assert (stream, RDF.type, LDES.EventStream) in graph, page
        assert (URIRef(page), RDF.type, TREE.Node) in graph, page
        assert (URIRef(page), DCTERMS.isPartOf, stream) in graph, page


def test_the_tree_profile_groups_hypermedia_then_members_in_chronological_order(harvested: Harvest, http):
    profile = 'application/n-quads;profile="https://w3id.org/tree/profile"'
    leaves = [page for page, members in harvested.page_members.items() if members]
    assert leaves
    member_predicate = f"<{TREE.member}>"
    for page in leaves[:5]:
        response = http.get(page, profile)
        assert response.status_code == 200
        assert 'profile="https://w3id.org/tree/profile"' in response.headers["Content-Type"], response.headers["Content-Type"]
        lines = [line for line in response.text.splitlines() if line.strip()]
        starts = [i for i, line in enumerate(lines) if f"<{harvested.stream_url}> {member_predicate}" in line]
        assert starts and all(member_predicate not in line for line in lines[:starts[0]])
        order = [URIRef(lines[i].split()[2][1:-1]) for i in starts]
        assert order == sorted(order, key=lambda m: (stamp(harvested, m))), f"{page}: members not in chronological order"
        assert set(order) == set(harvested.page_members[page])
        # Each group holds its member's quads: every subject IRI in it is the member itself.
        for a, b in zip(starts, starts[1:] + [len(lines)]):
            member = lines[a].split()[2]
            for line in lines[a + 1:b]:
                subject = line.split()[0]
                assert subject == member or subject.startswith("_:"), f"{page}: {line} in the group of {member}"
    plain = http.get(leaves[0], "application/n-quads")
    assert "profile" not in plain.headers["Content-Type"]


def test_the_latest_state_view_holds_the_newest_version_of_each_observation_once(harvested: Harvest, http):
    stream = URIRef(harvested.stream_url)
    newest: dict[URIRef, tuple] = {}
    for member, graph in harvested.member_graphs.items():
        observation = next(graph.objects(member, DCTERMS.isVersionOf))
        key = (stamp(harvested, member), str(member))
        if observation not in newest or key > newest[observation]:
            newest[observation] = key
    url, listed, pages = f"{harvested.stream_url}/latest", [], 0
    while url:
        pages += 1
        graph = http.fetch_graph(url, "turtle")
        listed += list(graph.objects(stream, TREE.member))
        assert (URIRef(url), TREE.viewDescription, None) in graph
        nxt = [node for _, _, node in relations(graph, url)]
        assert len(nxt) <= 1
        url = nxt[0] if nxt else None
    assert len(listed) == len(set(listed)) == len(newest)
    assert {str(m) for m in listed} == {member for _, member in newest.values()}
    assert pages >= 2
