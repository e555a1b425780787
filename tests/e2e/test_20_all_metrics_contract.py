"""Every metric's observations keep the publication contract: each member conforms to the
observation shape (pySHACL), every cot: term exists in the COT vocabulary and every kp: term in
the Kruispunt ontology, flows and zones are described, and each metric lands in its own stream."""

from __future__ import annotations

import pyshacl
import pytest
import requests
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF

from conftest import ONTOLOGY_PATH, REPO_ROOT, Kruispunt, Server, free_port, private_dir

from test_05_shacl_and_vocabulary import terms_in

COT = Namespace("https://w3id.org/cityofthings#")
KP = Namespace("https://w3id.org/kruispunt#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
TREE = Namespace("https://w3id.org/tree#")

EXPECTED_PROPERTIES = {
    COT.passedByVehiclesCount, COT.passedByUniqueVehiclesCount, COT.passedByVehiclesInFlowCount,
    COT.passedByVehiclesPerMinuteInFlowCount, COT.passedByTransitVehiclesCount, KP.travelTime,
    KP.enteringVehiclesCount, KP.dwellTime, KP.vehicleSpeed, KP.vehicleTypeCount,
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory, kruispunt_binary):
    work = private_dir(tmp_path_factory, "all-metrics")
    cli = Kruispunt(kruispunt_binary, work / "data", free_port())
    csv_path, registry = work / "d.csv", work / "registry"
    cli.run("generate", "--vehicles", "2500", "--days", "1", "--start", "2026-10-25", "--seed", "5",
            "--out", str(csv_path), "--registry", str(registry), with_data_dir=False)
    cli.run("cameras", "import", str(registry / "cameras.csv"))
    cli.run("zones", "import", str(registry / "zones.csv"))
    cli.run("ingest", str(csv_path))
    cli.run("treat")
    nquads = cli.run("export").stdout
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return cli, dataset, union


def test_every_metric_is_published(exported):
    _, _, union = exported
    used = set(union.objects(None, SOSA.observedProperty))
    assert EXPECTED_PROPERTIES <= used, f"missing: {sorted(EXPECTED_PROPERTIES - used)}"


def test_every_member_conforms_to_the_observation_shape(exported):
    _, _, union = exported
    shapes = Graph().parse(REPO_ROOT / "Shapes" / "observation.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(union, shacl_graph=shapes, inference="none")
    assert conforms, text[:4000]


def test_every_cot_and_kp_term_is_defined(exported, shared_dir):
    _, _, union = exported
    cot = Graph().parse(shared_dir / "vocab" / "cot.ttl", format="turtle")
    ontology = Graph().parse(ONTOLOGY_PATH, format="turtle")
    undefined_cot = {t for t in terms_in(union, str(COT)) if (t, None, None) not in cot}
    undefined_kp = {t for t in terms_in(union, str(KP)) if (t, None, None) not in ontology}
    assert not undefined_cot, sorted(undefined_cot)
    assert not undefined_kp, sorted(undefined_kp)


def test_flows_zones_and_the_treatment_are_described(exported):
    _, _, union = exported
    flows = set(union.objects(None, SOSA.hasFeatureOfInterest)) - set(union.subjects(RDF.type, SOSA.Sensor))
    assert flows, "no flow or zone features"
    for feature in flows:
        types = set(union.objects(feature, RDF.type))
        assert types & {KP.Flow, KP.Zone}, f"{feature} is not described"
        if KP.Flow in types:
            assert union.value(feature, KP.origin) is not None and union.value(feature, KP.destination) is not None
    activities = set(union.objects(None, URIRef("http://www.w3.org/ns/prov#wasGeneratedBy")))
    assert len(activities) == 1
    activity = activities.pop()
    assert (activity, RDF.type, KP.TreatmentRun) in union
    assert union.value(activity, KP.minimumCount) is not None


def test_each_metric_has_its_own_stream(exported, tmp_path):
    cli, _, _ = exported
    server = Server(cli, tmp_path / "serve.log")
    server.start()
    try:
        for name, allowed in [("vehicle-counts", {COT.passedByVehiclesCount}),
                              ("unique-vehicles", {COT.passedByUniqueVehiclesCount}),
                              ("od-flows", {COT.passedByVehiclesInFlowCount}),
                              ("travel-times", {KP.travelTime, COT.passedByVehiclesPerMinuteInFlowCount}),
                              ("zone-traffic", {KP.enteringVehiclesCount, COT.passedByTransitVehiclesCount, KP.dwellTime}),
                              ("speeds", {KP.vehicleSpeed}), ("vehicle-types", {KP.vehicleTypeCount})]:
            page = requests.get(f"{server.base_url}/streams/{name}/latest", headers={"Accept": "text/turtle"}, timeout=30)
            assert page.status_code == 200, name
            graph = Graph().parse(data=page.text, format="turtle", publicID=page.url)
            members = set(graph.objects(URIRef(f"{server.base_url}/streams/{name}"), TREE.member))
            assert members, f"stream {name} has no members"
            for member in members:
                assert graph.value(member, SOSA.observedProperty) is not None, member
            assert {graph.value(m, SOSA.observedProperty) for m in members} <= allowed, name
        assert requests.get(f"{server.base_url}/shapes/observation", timeout=10).status_code == 200
    finally:
        server.stop()
