"""Every IRI Kruispunt mints and links to dereferences: cameras (linked from the dashboard),
member versions and the stable observation IRIs they are versions of."""

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from conftest import GEO, SOSA, Http, Server


def test_camera_iris_dereference(http: Http, server: Server, latest):
    camera = URIRef(f"{server.base_url}/id/camera/{latest[0].camera_id}")
    graph = http.fetch_graph(str(camera), "turtle")
    assert (camera, RDF.type, SOSA.Sensor) in graph
    assert str(graph.value(camera, DCTERMS.identifier)) == latest[0].camera_id
    geometry = graph.value(camera, GEO.hasGeometry)
    wkt = graph.value(geometry, GEO.asWKT)
    assert wkt is not None and wkt.datatype == GEO.wktLiteral and str(wkt).startswith("POINT(")


def test_observation_and_version_iris_dereference(http: Http, latest):
    member = latest[0]
    version = http.fetch_graph(str(member.iri), "ntriples")
    assert (member.iri, RDF.type, SOSA.Observation) in version
    assert (member.iri, DCTERMS.isVersionOf, member.version_of) in version
    observation = http.fetch_graph(str(member.version_of), "jsonld")
    assert (member.iri, DCTERMS.isVersionOf, member.version_of) in observation


def test_unknown_iri_is_404(http: Http, server: Server):
    response = http.get(f"{server.base_url}/id/camera/DOES-NOT-EXIST", "text/turtle")
    assert response.status_code == 404
