"""Per-camera time series (`/timeseries/{camera}/{metric}`): following `hydra:first` and
`hydra:next` gives exactly the latest version of every hourly (or daily) observation of that camera
in the event stream, with the same triples; JSON-LD expands to the Turtle's triples; CSV has one
row per point, in chronological order, with the published values; bad requests get clear errors."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from rdflib import Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from conftest import COT, KP, MIN_COUNT, SOSA, TREE, Harvest, lower_tags, parse_rdf

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


def latest_hourly(http, base: str, camera: URIRef, period: str) -> dict[URIRef, URIRef]:
    """Observation -> newest member, for the camera's vehicle counts, from the latest-state view."""
    stream = URIRef(f"{base}/streams/vehicle-counts")
    url, out = f"{base}/streams/vehicle-counts/latest", {}
    aggregation = COT.Hourly if period == "hour" else COT.Daily
    while url:
        graph = http.fetch_graph(url, "turtle")
        for member in graph.objects(stream, TREE.member):
            if (member, SOSA.hasFeatureOfInterest, camera) in graph and (member, COT.hasAggregationPeriod, aggregation) in graph:
                out[graph.value(member, DCTERMS.isVersionOf)] = member
        nodes = [o for r in graph.objects(URIRef(url), TREE.relation) for o in graph.objects(r, TREE.node)]
        url = str(nodes[0]) if nodes else None
    return out


def walk(http, url: str):
    """Every page of a series from its first page: (page url, graph)."""
    graph = http.fetch_graph(url, "turtle")
    views = list(graph.objects(None, HYDRA.view))
    assert len(views) == 1, f"{url}: one hydra:view"
    url = str(next(graph.objects(views[0], HYDRA.first)))
    pages, seen = [], set()
    while url and url not in seen:
        seen.add(url)
        graph = http.fetch_graph(url, "turtle")
        pages.append((url, graph))
        nxt = graph.value(URIRef(url), HYDRA.next)
        url = str(nxt) if nxt else None
    return pages


def some_camera(harvested: Harvest) -> URIRef:
    cameras = sorted({o for g in harvested.member_graphs.values() for o in g.objects(None, SOSA.hasFeatureOfInterest)})
    return cameras[0]


def test_the_series_holds_the_newest_version_of_every_observation_once(http, live_server, harvested):
    base, camera = live_server.base_url, some_camera(harvested)
    camera_id = str(camera).rsplit("/", 1)[-1]
    for period in ("hour", "day"):
        expected = latest_hourly(http, base, camera, period)
        assert expected, f"camera {camera_id} has no {period} counts"
        pages = walk(http, f"{base}/timeseries/{quote(camera_id)}/vehicle-count?period={period}")
        listed = [m for _, g in pages for m in g.objects(None, HYDRA.member)]
        assert len(listed) == len(set(listed))
        assert set(listed) == set(expected.values()), f"{period}: series and latest-state view differ"
        for url, graph in pages:
            for member in graph.objects(None, HYDRA.member):
                assert (member, SOSA.hasFeatureOfInterest, camera) in graph
                result = graph.value(member, SOSA.hasSimpleResult)
                assert (result is not None and int(result) >= MIN_COUNT) or \
                    (member, KP.suppressed, Literal(True)) in graph, f"{member}: neither a count >= k nor suppressed"
            if len(pages) > 1:
                assert graph.value(URIRef(url), HYDRA.next) or graph.value(URIRef(url), HYDRA.previous)


def test_json_ld_and_csv_say_what_the_turtle_says(http, live_server, harvested):
    base, camera = live_server.base_url, some_camera(harvested)
    camera_id = str(camera).rsplit("/", 1)[-1]
    url = walk(http, f"{base}/timeseries/{quote(camera_id)}/vehicle-count")[0][0]
    turtle = http.fetch_graph(url, "turtle")
    body = http.fetch(url, "jsonld").content
    assert isomorphic(lower_tags(parse_rdf(body, "jsonld", url, http._jsonld_loader)), lower_tags(turtle))
    response = http.get(url, "text/csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Location"] == url
    rows = list(csv.DictReader(io.StringIO(response.text)))
    members = set(turtle.objects(None, HYDRA.member))
    assert len(rows) == len(members) > 0
    assert [r["begin"] for r in rows] == sorted(r["begin"] for r in rows)
    for row in rows:
        member = URIRef(row["member"])
        assert member in members
        result = turtle.value(member, SOSA.hasSimpleResult)
        assert row["value"] == (str(result) if result is not None else "")
        assert row["suppressed"] == ("true" if result is None else "false")
        assert URIRef(row["observation"]) == turtle.value(member, DCTERMS.isVersionOf)
    assert http.get(url + "&format=csv", "text/turtle").text == response.text


def test_speeds_carry_their_statistic(http, live_server, harvested):
    base, camera = live_server.base_url, some_camera(harvested)
    pages = walk(http, f"{base}/timeseries/{quote(str(camera).rsplit('/', 1)[-1])}/speed?period=day")
    rows = list(csv.DictReader(io.StringIO(http.get(pages[0][0], "text/csv").text)))
    assert rows and {r["qualifier"] for r in rows} <= {"Average", "Minimum", "Maximum", "StdDev", "Percentile85", "Median"}


def test_bad_requests_are_clear_errors(http, live_server, harvested):
    base, camera = live_server.base_url, some_camera(harvested)
    series = f"{base}/timeseries/{quote(str(camera).rsplit('/', 1)[-1])}"
    for query, status, words in [("/vehicle-count?period=week", 400, "period"),
                                 ("/vehicle-count?from=2026-02-30", 400, "from"),
                                 ("/vehicle-count?from=2026-10-25&to=2026-10-25", 400, "from"),
                                 ("/no-such-metric", 404, "vehicle-count")]:
        response = http.get(series + query, "text/turtle")
        assert response.status_code == status and words in response.text, (query, response.status_code, response.text)
    assert http.get(f"{base}/timeseries/NO-SUCH-CAMERA/vehicle-count", "text/turtle").status_code == 404
    graph = http.fetch_graph(f"{series}/vehicle-count", "turtle")
    assert (None, RDF.type, HYDRA.Collection) in graph
