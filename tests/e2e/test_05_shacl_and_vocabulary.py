"""Contract 5: every member conforms to Shapes/vehicle-count.ttl and has exactly the contract's
triples; every cot: and kp: term served is defined in its vocabulary."""

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from conftest import (COT, KP, MEMBER_PREDICATES, ONTOLOGY_PATH, SHAPE_PATH, SOSA, TIME, Harvest)


def test_members_conform_to_the_shape(harvested: Harvest):
    shapes = Graph().parse(SHAPE_PATH, format="turtle")
    conforms, _, text = pyshacl.validate(harvested.members_graph, shacl_graph=shapes,
                                         inference="none", advanced=False)
    assert conforms, text[:6000]


def test_members_have_exactly_the_contract_triples(harvested: Harvest):
    problems = []
    for member, graph in harvested.member_graphs.items():
        predicates = set(graph.predicates(member, None))
        expected_sets = (MEMBER_PREDICATES | {SOSA.hasSimpleResult}, MEMBER_PREDICATES | {KP.suppressed})
        if predicates not in expected_sets:
            missing = MEMBER_PREDICATES - predicates
            extra = predicates - MEMBER_PREDICATES - {SOSA.hasSimpleResult, KP.suppressed}
            problems.append(f"{member}: missing {sorted(missing)} extra {sorted(extra)} "
                            f"result/suppressed {sorted(predicates & {SOSA.hasSimpleResult, KP.suppressed})}")
            continue
        if set(graph.objects(member, RDF.type)) != {SOSA.Observation}:
            problems.append(f"{member}: types {set(graph.objects(member, RDF.type))}")
        if graph.value(member, SOSA.hasFeatureOfInterest) != graph.value(member, SOSA.madeBySensor):
            problems.append(f"{member}: feature of interest and sensor differ")
        interval = graph.value(member, SOSA.phenomenonTime)
        if not isinstance(interval, BNode) or set(graph.objects(interval, RDF.type)) != {TIME.Interval}:
            problems.append(f"{member}: phenomenonTime {interval!r} is not a blank time:Interval")
            continue
        for predicate in (TIME.hasBeginning, TIME.hasEnd):
            instant = graph.value(interval, predicate)
            if not isinstance(instant, BNode) or set(graph.objects(instant, RDF.type)) != {TIME.Instant}:
                problems.append(f"{member}: {predicate} {instant!r} is not a blank time:Instant")
    assert not problems, f"{len(problems)} members off contract:\n" + "\n".join(problems[:20])


def terms_in(graph: Graph, namespace: str) -> set[URIRef]:
    """IRIs (and literal datatypes) of one namespace used anywhere in a graph."""
    found = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, Literal) and term.datatype is not None:
                term = term.datatype
            if isinstance(term, URIRef) and str(term).startswith(namespace):
                found.add(term)
    return found


def test_cot_terms_exist_in_the_cot_vocabulary(harvested: Harvest, shared_dir):
    vocabulary = Graph().parse(shared_dir / "vocab" / "cot.ttl", format="turtle")
    used = terms_in(harvested.graph, str(COT))
    assert used, "no cot: terms in the served data"
    undefined = {t for t in used if (t, None, None) not in vocabulary}
    assert not undefined, f"cot: terms not defined in cot.ttl: {sorted(undefined)}"


def test_kp_terms_exist_in_the_kruispunt_ontology(harvested: Harvest):
    ontology = Graph().parse(ONTOLOGY_PATH, format="turtle")
    used = terms_in(harvested.graph, str(KP))
    undefined = {t for t in used if (t, None, None) not in ontology}
    assert not undefined, f"kp: terms not defined in Ontology/kruispunt.ttl: {sorted(undefined)}"
