"""Contract 7: `export --format nquads` parses with pyoxigraph and rdflib, holds every served
member and the camera descriptions; no plate hash from the CSV leaks into any output."""

import re

import pyoxigraph
import pytest
from rdflib import Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, XSD

from conftest import (GEO, MEDIA_TYPES, SOSA, Export, Harvest, Http, InputCsv, Server,
                      camera_iri, description, union_of_nquads)

POINT_RE = re.compile(r"POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)")


@pytest.fixture(scope="module")
def exported(export_while_serving: Export):
    return union_of_nquads(export_while_serving.plain)


def oxigraph_quads(text: str) -> set:
    return set(pyoxigraph.parse(input=text.encode("utf-8"), format=pyoxigraph.RdfFormat.N_QUADS))


def test_export_parses_with_pyoxigraph_and_rdflib(export_while_serving: Export, exported):
    dataset, _ = exported
    quads = oxigraph_quads(export_while_serving.plain)
    assert quads, "the export is empty"
    rdflib_quads = sum(1 for _ in dataset.quads((None, None, None, None)))
    assert len(quads) == rdflib_quads
    canonical = oxigraph_quads(export_while_serving.canonical)
    assert len(canonical) == len(quads), "--canonical changes the number of quads"


def test_export_contains_every_served_member(harvested: Harvest, exported):
    _, union = exported
    missing, different = [], []
    for member, served in harvested.member_graphs.items():
        stored = description(union, member)
        if len(stored) == 0:
            missing.append(member)
        elif not isomorphic(served, stored):
            different.append(member)
    assert not missing, f"{len(missing)} served members not in the export, e.g. {missing[:5]}"
    assert not different, f"{len(different)} members differ from the export, e.g. {different[:5]}"


def test_export_describes_every_camera(input_csv: InputCsv, server: Server, exported):
    _, union = exported
    positions: dict[str, set[tuple[float, float]]] = {}
    for detection in input_csv.detections:
        positions.setdefault(detection.camera_id, set()).add((detection.longitude, detection.latitude))
    problems = []
    for camera_id, points in sorted(positions.items()):
        camera = camera_iri(server.base_url, camera_id)
        if (camera, RDF.type, SOSA.Sensor) not in union:
            problems.append(f"{camera}: not a sosa:Sensor")
        identifiers = list(union.objects(camera, DCTERMS.identifier))
        if [str(i) for i in identifiers] != [camera_id] or not isinstance(identifiers[0], Literal) \
                or identifiers[0].datatype not in (None, XSD.string):
            problems.append(f"{camera}: dct:identifier {identifiers}")
        wkts = [union.value(g, GEO.asWKT) for g in union.objects(camera, GEO.hasGeometry)]
        if len(wkts) != 1 or not isinstance(wkts[0], Literal) or wkts[0].datatype != GEO.wktLiteral:
            problems.append(f"{camera}: geometry {wkts!r}")
            continue
        match = POINT_RE.search(str(wkts[0]))
        if not match:
            problems.append(f"{camera}: {wkts[0]} is not a POINT")
            continue
        lon, lat = float(match[1]), float(match[2])
        if not any(abs(lon - x) < 1e-6 and abs(lat - y) < 1e-6 for x, y in points):
            problems.append(f"{camera}: POINT({lon} {lat}) is not (lon lat) of the CSV: {sorted(points)[:3]}")
    assert not problems, "\n".join(problems)


def test_no_plate_hash_leaks(input_csv: InputCsv, export_while_serving: Export, harvested: Harvest,
                             http: Http, server: Server):
    assert server.running, "the server is no longer running"
    # Fetch every served document in every format, so the check does not depend on test order.
    for url in [server.stream_url, *harvested.pages]:
        for fmt in MEDIA_TYPES:
            http.fetch(url, fmt)
    http.get(f"{server.base_url}/", "text/html")
    outputs = [text.lower() for text in (
        export_while_serving.plain, export_while_serving.canonical,
        *(body.decode("utf-8", errors="replace") for body in http.bodies))]
    hashes = sorted(h for h in input_csv.plate_hashes if len(h) >= 8)
    assert hashes, "no plate hash of 8 characters or more in the CSV to look for"
    leaks = {h for h in hashes if any(h.lower() in text for text in outputs)}
    assert not leaks, f"{len(leaks)} plate hashes appear in served or exported data, e.g. {sorted(leaks)[:3]}"
