"""Static checks of Ontology/kruispunt.ttl and Shapes/vehicle-count.ttl (no binary needed).

The shape is exercised on hand-written members, valid and invalid, so that a shape which accepts
everything (a vacuous target, a typo in a path) cannot make test_05 pass."""

import pytest
import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

from conftest import COT, KP, ONTOLOGY_PATH, SHAPE_IRI, SHAPE_PATH, SOSA

CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPE_PATH, format="turtle")


def kp_subjects(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KP))}


def test_ontology_is_licensed_owl_ontology(ontology):
    ontologies = set(ontology.subjects(RDF.type, OWL.Ontology))
    assert len(ontologies) == 1
    (iri,) = ontologies
    assert CC_BY_4 in set(ontology.objects(iri, DCTERMS.license))


def test_every_term_is_labelled_and_commented_in_dutch_and_english(ontology):
    subjects = kp_subjects(ontology) | set(ontology.subjects(RDF.type, OWL.Ontology))
    problems = []
    for term in sorted(subjects):
        for predicate in (RDFS.label, RDFS.comment):
            languages = {o.language for o in ontology.objects(term, predicate) if isinstance(o, Literal)}
            if not {"nl", "en"} <= languages:
                problems.append(f"{term} {predicate}: languages {sorted(filter(None, languages))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("term, kind", [
    (KP.suppressed, OWL.DatatypeProperty),
    (KP.minimumCount, OWL.DatatypeProperty),
    (KP.TreatmentRun, OWL.Class),
    (KP.Zone, OWL.Class),
    (KP.origin, OWL.ObjectProperty),
    (KP.destination, OWL.ObjectProperty),
    (KP.enteringVehiclesCount, SOSA.ObservableProperty),
    (KP.vehicleSpeed, SOSA.ObservableProperty),
    (KP.travelTime, SOSA.ObservableProperty),
    (KP.dwellTime, SOSA.ObservableProperty),
    (KP.vehicleTypeCount, SOSA.ObservableProperty),
    (KP.typicalHourlyCount, SOSA.ObservableProperty),
    (KP.Median, COT.AggregationFunction),
    (KP.Percentile85, COT.AggregationFunction),
    (KP.vehicleType, OWL.DatatypeProperty),
    (KP.travelTimeMinutes, OWL.DatatypeProperty),
    (KP.durationBin, OWL.DatatypeProperty),
])
def test_required_term_is_defined(ontology, term, kind):
    assert (term, RDF.type, kind) in ontology


def test_suppressed_is_boolean_and_zone_is_feature_of_interest(ontology):
    assert (KP.suppressed, RDFS.range, XSD.boolean) in ontology
    assert (KP.Zone, RDFS.subClassOf, SOSA.FeatureOfInterest) in ontology


def test_shape_iri_is_a_node_shape(shapes):
    assert (SHAPE_IRI, RDF.type, SH.NodeShape) in shapes


# --- the shape on hand-written members -------------------------------------------------------

MEMBER = """
@prefix sosa: <http://www.w3.org/ns/sosa/> . @prefix time: <http://www.w3.org/2006/time#> .
@prefix cot: <https://w3id.org/cityofthings#> . @prefix kp: <https://w3id.org/kruispunt#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/m/1> a sosa:Observation ;
  dct:isVersionOf <http://example.org/obs/1> ;
  prov:generatedAtTime "2026-10-26T10:00:00.123Z"^^xsd:dateTime ;
  sosa:observedProperty cot:passedByVehiclesCount ;
  sosa:hasFeatureOfInterest <http://example.org/id/camera/CAM1> ;
  sosa:madeBySensor <http://example.org/id/camera/CAM1> ;
  cot:hasAggregationPeriod PERIOD ;
  cot:usingFunction cot:Count ;
  sosa:phenomenonTime [ a time:Interval ;
    time:hasBeginning [ a time:Instant ; time:inXSDDateTimeStamp "BEGIN"^^xsd:dateTimeStamp ] ;
    time:hasEnd [ a time:Instant ; time:inXSDDateTimeStamp "2026-10-25T03:00:00+01:00"^^xsd:dateTimeStamp ] ] ;
  sosa:resultTime "2026-10-25T03:00:00+01:00"^^xsd:dateTimeStamp ;
  RESULT .
"""


def member(result='sosa:hasSimpleResult "12"^^xsd:integer', period="cot:Hourly",
           begin="2026-10-25T02:00:00+01:00") -> Graph:
    text = MEMBER.replace("RESULT", result).replace("PERIOD", period).replace("BEGIN", begin)
    return Graph().parse(data=text, format="turtle")


def conforms(shapes: Graph, data: Graph) -> bool:
    ok, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False)
    return ok


@pytest.mark.parametrize("result", [
    'sosa:hasSimpleResult "12"^^xsd:integer',
    'sosa:hasSimpleResult 0',
    'kp:suppressed true',
])
def test_shape_accepts_valid_members(shapes, result):
    assert conforms(shapes, member(result))


@pytest.mark.parametrize("case, kwargs", [
    ("no result, not suppressed", {"result": "dct:title \"x\""}),
    ("result and suppressed", {"result": 'sosa:hasSimpleResult 12 ; kp:suppressed true'}),
    ("suppressed false without result", {"result": "kp:suppressed false"}),
    ("negative result", {"result": "sosa:hasSimpleResult -1"}),
    ("result not xsd:integer", {"result": 'sosa:hasSimpleResult "12"^^xsd:int'}),
    ("two results", {"result": "sosa:hasSimpleResult 12, 13"}),
    ("unknown period", {"period": "cot:Weekly"}),
    ("Z instead of offset", {"begin": "2026-10-25T01:00:00Z"}),
    ("no offset", {"begin": "2026-10-25T02:00:00"}),
    ("month 13", {"begin": "2026-13-25T02:00:00+01:00"}),
])
def test_shape_rejects_invalid_members(shapes, case, kwargs):
    assert not conforms(shapes, member(**kwargs)), case


def test_shape_rejects_missing_interval_end(shapes):
    data = member()
    interval = data.value(URIRef("http://example.org/m/1"), SOSA.phenomenonTime)
    end = data.value(interval, URIRef("http://www.w3.org/2006/time#hasEnd"))
    data.remove((interval, None, end))
    assert not conforms(shapes, data)
