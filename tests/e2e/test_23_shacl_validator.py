"""`kruispunt validate` (Kruispunt's own SHACL Core validator) gives the same verdicts as pySHACL:
on real members (conform) and on a corpus of deliberately broken ones (each broken in one way),
focus node by focus node, for both shapes in Shapes/."""

from __future__ import annotations


import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, XSD

from conftest import COT, KP, REPO_ROOT, SOSA, TIME, Kruispunt, _stop_leftover_cluster, free_port, private_dir

SH = Namespace("http://www.w3.org/ns/shacl#")
EX = Namespace("http://example.org/")


@pytest.fixture(scope="module")
def members(tmp_path_factory, kruispunt_binary):
    """A few dozen real members of several metrics, each as its own graph."""
    work = private_dir(tmp_path_factory, "shacl")
    cli = Kruispunt(kruispunt_binary, work / "data", free_port())
    cli.run("generate", "--vehicles", "600", "--days", "1", "--seed", "9", "--out", str(work / "d.csv"),
            "--registry", str(work / "reg"), with_data_dir=False)
    cli.run("zones", "import", str(work / "reg" / "zones.csv"))
    cli.run("ingest", str(work / "d.csv"))
    cli.run("treat")
    dataset = Dataset()
    dataset.parse(data=cli.run("export").stdout, format="nquads")
    _stop_leftover_cluster(cli.data_dir)
    graphs = {}
    for g in dataset.graphs():
        if (g.identifier, RDF.type, SOSA.Observation) in g:
            metric = str(g.identifier).split("/id/observation/")[1].split("/")[0]
            graphs.setdefault(metric, [])
            if len(graphs[metric]) < 6:
                graphs[metric].append(g)
    return cli, work, graphs


def copy(graph: Graph) -> Graph:
    out = Graph()
    for t in graph:
        out.add(t)
    return out


def interval_of(g: Graph, m):
    return g.value(m, SOSA.phenomenonTime)


def mutations():
    """(name, function(graph, member)) pairs; each breaks one rule of the observation shape."""
    def drop_result(g, m):
        g.remove((m, SOSA.hasSimpleResult, None)); g.remove((m, KP.suppressed, None))
    def both(g, m):
        g.add((m, KP.suppressed, Literal(True))); g.add((m, SOSA.hasSimpleResult, Literal(12)))
    def string_result(g, m):
        drop_result(g, m); g.add((m, SOSA.hasSimpleResult, Literal("12")))
    def negative(g, m):
        drop_result(g, m); g.add((m, SOSA.hasSimpleResult, Literal(-3)))
    def ill_formed(g, m):
        drop_result(g, m); g.add((m, SOSA.hasSimpleResult, Literal("abc", datatype=XSD.integer)))
    def zulu_begin(g, m):
        begin = g.value(interval_of(g, m), TIME.hasBeginning)
        g.remove((begin, TIME.inXSDDateTimeStamp, None))
        g.add((begin, TIME.inXSDDateTimeStamp, Literal("2026-10-24T06:00:00Z", datatype=XSD.dateTimeStamp)))
    def no_time(g, m):
        g.remove((m, SOSA.phenomenonTime, None))
    def two_properties(g, m):
        g.add((m, SOSA.observedProperty, COT.passedByUniqueVehiclesCount if (m, SOSA.observedProperty, COT.passedByVehiclesCount) in g else COT.passedByVehiclesCount))
    def unknown_property(g, m):
        g.remove((m, SOSA.observedProperty, None)); g.add((m, SOSA.observedProperty, EX.speedOfLight))
    def literal_feature(g, m):
        g.remove((m, SOSA.hasFeatureOfInterest, None)); g.add((m, SOSA.hasFeatureOfInterest, Literal("camera 1")))
    def monthly(g, m):
        g.remove((m, COT.hasAggregationPeriod, None)); g.add((m, COT.hasAggregationPeriod, COT.Monthly))
    def result_time_not_stamp(g, m):
        g.remove((m, SOSA.resultTime, None)); g.add((m, SOSA.resultTime, Literal("2026-10-24T06:00:00", datatype=XSD.dateTime)))
    def no_end(g, m):
        g.remove((interval_of(g, m), TIME.hasEnd, None))
    def untyped_interval(g, m):
        g.remove((interval_of(g, m), RDF.type, None))
    def no_activity(g, m):
        g.remove((m, PROV.wasGeneratedBy, None))
    def numeric_type(g, m):
        g.add((m, KP.vehicleType, Literal(3)))
    def bad_duration(g, m):
        g.add((m, KP.durationBin, Literal("15 minutes", datatype=XSD.duration)))
    def suppressed_false(g, m):
        drop_result(g, m); g.add((m, KP.suppressed, Literal(False)))
    def blank_member(g, m):
        b = BNode()
        for p, o in list(g.predicate_objects(m)):
            g.add((b, p, o))
        for t in list(g.triples((m, None, None))):
            g.remove(t)
    return [(f.__name__, f) for f in (drop_result, both, string_result, negative, ill_formed, zulu_begin, no_time,
                                       two_properties, unknown_property, literal_feature, monthly, result_time_not_stamp,
                                       no_end, untyped_interval, no_activity, numeric_type, bad_duration,
                                       suppressed_false, blank_member)]


def rename(graph: Graph, old, new) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((new if s == old else s, p, new if o == old else o))
    return out


def kruispunt_focus(cli: Kruispunt, data: Path, shapes: Path) -> tuple[bool, set]:
    done = cli.run_unchecked("validate", str(data), "--shapes", str(shapes), with_data_dir=False, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = Graph().parse(data=done.stdout, format="turtle")
    conforms = next(report.objects(None, SH.conforms), None)
    assert conforms is not None and conforms.toPython() == (done.returncode == 0)
    return done.returncode == 0, {f for f in report.objects(None, SH.focusNode) if not isinstance(f, BNode)}


def pyshacl_focus(data: Graph, shapes: Path) -> tuple[bool, set]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=Graph().parse(shapes, format="turtle"), inference="none")
    return conforms, {f for f in report.objects(None, SH.focusNode) if not isinstance(f, BNode)}


from pathlib import Path  # noqa: E402


@pytest.mark.parametrize("shape_file,metrics", [("observation.ttl", None), ("vehicle-count.ttl", ["vehicle-count"])])
def test_same_verdicts_as_pyshacl(members, tmp_path, shape_file, metrics):
    cli, _, graphs = members
    shapes = REPO_ROOT / "Shapes" / shape_file
    chosen = [g for metric, gs in sorted(graphs.items()) if metrics is None or metric in metrics for g in gs]
    assert len(chosen) >= 6
    corpus = Graph()
    broken = set()
    for i, g in enumerate(chosen):
        corpus += copy(g)                        # the real member, unchanged
    for i, (name, mutate) in enumerate(mutations()):
        source = chosen[i % len(chosen)]
        member = URIRef(f"{source.identifier}/broken/{name}")
        g = rename(copy(source), source.identifier, member)
        # Fresh blank nodes for the interval, so the mutation does not touch the original.
        mapping = {}
        g2 = Graph()
        for s, p, o in g:
            s2 = mapping.setdefault(s, BNode()) if isinstance(s, BNode) else s
            o2 = mapping.setdefault(o, BNode()) if isinstance(o, BNode) else o
            g2.add((s2, p, o2))
        mutate(g2, member)
        corpus += g2
        if name != "blank_member":
            broken.add(member)
    data = tmp_path / "corpus.nt"
    data.write_text(corpus.serialize(format="nt"))
    ours = kruispunt_focus(cli, data, shapes)
    theirs = pyshacl_focus(corpus, shapes)
    assert ours[0] == theirs[0] is False
    assert ours[1] == theirs[1], f"only Kruispunt: {sorted(ours[1] - theirs[1])[:5]}; only pySHACL: {sorted(theirs[1] - ours[1])[:5]}"
    if metrics is None:
        assert broken <= ours[1], f"mutations not caught: {sorted(broken - ours[1])}"
    # The real members alone conform for both.
    clean = Graph()
    for g in chosen:
        clean += copy(g)
    clean_file = tmp_path / "clean.nt"
    clean_file.write_text(clean.serialize(format="nt"))
    assert kruispunt_focus(cli, clean_file, shapes) == pyshacl_focus(clean, shapes) == (True, set())
