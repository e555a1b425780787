"""The official DCAT-AP shapes in ../shared/shapes-external, loaded for pySHACL with the load-time
fixes their README describes (applied to in-memory copies; the files are never changed):

* DCAT-AP Vlaanderen 3.0 writes its cardinalities as strings: "n" (unbounded) is dropped, "1"
  becomes an xsd:integer.
* EU DCAT-AP 3.0.1's DataService shape refers to two property shapes (endpointURL,
  endpointDescription) defined only in ranges.ttl: they are copied in from there, or pySHACL
  aborts on any dcat:DataService.
* DCAT-AP Vlaanderen 2.0 has two property shapes without sh:path (catalogue records): dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDF, XSD

SH = Namespace("http://www.w3.org/ns/shacl#")
FILES = {
    "DCAT-AP Vlaanderen 2.0": "dcat-ap-vl-2/DCAT-AP-VL-20-SHACL.ttl",
    "EU DCAT-AP 3.0.1": "dcat-ap-3.0.1/dcat-ap-SHACL.ttl",
    "DCAT-AP Vlaanderen 3.0": "dcat-ap-vl-3/DCAT-AP-VL-SHACL.ttl",
}


def _fix_cardinalities(g: Graph) -> None:
    for p in (SH.minCount, SH.maxCount):
        for s, o in list(g.subject_objects(p)):
            if isinstance(o, Literal) and not (o.datatype == XSD.integer and isinstance(o.value, int)):
                g.remove((s, p, o))
                if str(o).strip().isdigit():
                    g.add((s, p, Literal(int(str(o)), datatype=XSD.integer)))


def _complete_pathless(g: Graph, donor: Graph | None) -> None:
    for shape in {o for o in g.objects(None, SH.property) if (o, SH.path, None) not in g}:
        if donor is not None and (shape, SH.path, None) in donor:
            for p, o in donor.predicate_objects(shape):
                g.add((shape, p, o))
        else:
            for s in list(g.subjects(SH.property, shape)):
                g.remove((s, SH.property, shape))


def load(name: str, shared: Path) -> Graph:
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    base = shared / "shapes-external"
    g = Graph().parse(base / FILES[name], format="turtle")
    if name == "DCAT-AP Vlaanderen 3.0":
        _fix_cardinalities(g)
    elif name == "EU DCAT-AP 3.0.1":
        _complete_pathless(g, Graph().parse(base / "dcat-ap-3.0.1/ranges.ttl", format="turtle"))
    else:
        _complete_pathless(g, None)
    return g


def results(data: Graph, shapes: Graph) -> tuple[Counter, list[str]]:
    """Top-level results by severity, and a line per violation."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True)
    top = [r for rep in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(rep, SH.result)]
    severity = Counter(str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1] for r in top)
    violations = [f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
                  for r in top if report.value(r, SH.resultSeverity) == SH.Violation]
    return severity, violations
