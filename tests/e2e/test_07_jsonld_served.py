"""JSON-LD as the server publishes it: the context at /context.jsonld, and compacted JSON-LD for
every kind of resource the server emits, which PyLD must expand to exactly the triples of the
Turtle of the same URL. (Runs on the session server, before test_08 stops it; JSON-LD import and
canonical export are in test_24.)"""

from __future__ import annotations

import json

from pyld import jsonld
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV

from conftest import SOSA, TREE, lower_tags, parse_rdf
STREAMS = ["vehicle-counts", "unique-vehicles", "od-flows", "travel-times", "zone-traffic", "speeds",
           "vehicle-types", "profiles", "data-quality"]




def test_the_context_is_published_with_long_caching(http, live_server):
    url = live_server.base_url + "/context.jsonld"
    response = http.get(url, "application/ld+json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 86_400
    context = response.json()["@context"]
    assert context["@version"] == 1.1 and context["sosa"] == SOSA
    # A processor accepts it: a term from it expands to its IRI.
    expanded = jsonld.expand({"@context": context, "@id": "http://example.org/x", "hasSimpleResult": 3})
    assert expanded[0][SOSA + "hasSimpleResult"] == [{"@value": 3}]
    again = http.session.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def resources_to_check(http, base_url: str) -> list[str]:
    """One URL of every kind the server describes: stream roots, views and latest pages, a member and
    its observation of every stream, a camera, a zone, a flow, a treatment run, shapes, vocabulary."""
    urls = [base_url + "/shapes/observation", base_url + "/shapes/vehicle-count", base_url + "/shapes/data-quality",
            base_url + "/ontology"]
    features: set[str] = set()
    with_members = 0
    for name in STREAMS:
        root_url = f"{base_url}/streams/{name}"
        urls.append(root_url)
        root = http.fetch_graph(root_url, "turtle")
        view = next(root.objects(URIRef(root_url), URIRef(TREE + "view")))
        urls.append(str(view))
        latest = f"{root_url}/latest"
        page = http.fetch_graph(latest, "turtle")
        urls.append(latest)
        members = sorted(page.objects(URIRef(root_url), URIRef(TREE + "member")))
        if not members:  # the session's data set registers no zones: zone-traffic stays empty
            continue
        with_members += 1
        member = members[0]
        urls.append(str(member))
        described = http.fetch_graph(str(member), "turtle")
        urls.append(str(next(described.objects(member, URIRef("http://purl.org/dc/terms/isVersionOf")))))
        # Observations name their feature of interest; data-quality members what they were computed on.
        features.add(str(next(described.objects(member, URIRef(SOSA + "hasFeatureOfInterest")),
                              next(described.objects(member, URIRef("http://www.w3.org/ns/dqv#computedOn")), None))))
        activity = str(next(described.objects(member, URIRef(PROV + "wasGeneratedBy"))))
    assert with_members >= 6
    urls.append(activity)
    for kind in ("/id/camera/", "/id/zone/", "/id/flow/"):
        found = sorted(f for f in features if kind in f)
        if found:
            urls.append(found[0])
    assert any("/id/camera/" in u for u in urls) and any("/id/treatment/" in u for u in urls)
    return urls


def test_every_served_resource_expands_to_its_turtle(http, live_server):
    base = live_server.base_url
    urls = resources_to_check(http, base)
    assert len(urls) >= 30
    for url in urls:
        turtle = http.fetch_graph(url, "turtle")
        body = http.fetch(url, "jsonld").content
        document = json.loads(body)
        assert document["@context"] == base + "/context.jsonld", f"{url}: JSON-LD must use the published context"
        graph = parse_rdf(body, "jsonld", url, http._jsonld_loader)
        assert len(graph) == len(turtle) > 0, url
        assert isomorphic(lower_tags(graph), lower_tags(turtle)), f"{url}: JSON-LD and Turtle differ"


def test_an_observation_reads_as_compacted_json_ld(http, live_server):
    base = live_server.base_url
    page = http.fetch_graph(f"{base}/streams/vehicle-counts/latest", "turtle")
    member = sorted(page.objects(URIRef(f"{base}/streams/vehicle-counts"), URIRef(TREE + "member")))[0]
    document = http.fetch(str(member), "jsonld").json()
    nodes = document.get("@graph", [document])
    observation = next(n for n in nodes if n.get("@id") == str(member))
    assert observation["@type"] == "Observation"
    assert observation["observedProperty"] == "cot:passedByVehiclesCount"
    interval = observation["phenomenonTime"]
    assert interval["@type"] == "Interval" and "@id" not in interval  # embedded blank node
    assert isinstance(interval["hasBeginning"]["inXSDDateTimeStamp"], str)
    assert "hasSimpleResult" in observation or observation.get("suppressed") is True
    if "hasSimpleResult" in observation:
        assert isinstance(observation["hasSimpleResult"], int)


def test_the_inline_context_of_an_export_is_the_published_one(cli, http, live_server):
    published = http.get(live_server.base_url + "/context.jsonld", "application/ld+json").json()["@context"]
    exported = json.loads(cli.run("export", "--format", "jsonld", "--graph", live_server.base_url + "/graph/cameras").stdout)
    assert exported["@context"] == published
