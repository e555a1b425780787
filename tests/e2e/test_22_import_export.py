"""`kruispunt import` and `export` in every syntax: what goes in comes out (isomorphic, checked
with rdflib), the same file twice adds nothing, and a file with a syntax error leaves no trace."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from conftest import Kruispunt, _stop_leftover_cluster, free_port, lower_tags, private_dir

EX = Namespace("http://example.org/")


def sample_graph() -> Graph:
    g = Graph()
    b = BNode()
    g.add((EX.a, RDF.type, EX.Thing))
    g.add((EX.a, EX.name, Literal("Kruispunt \u201cé\u201d \\ \"quoted\"\nnew line", lang="nl-BE")))
    g.add((EX.a, EX["count"], Literal(42)))
    g.add((EX.a, EX.at, Literal("2026-10-25T02:00:00+01:00", datatype=XSD.dateTimeStamp)))
    g.add((EX.a, EX.node, b))
    g.add((b, EX.value, Literal("3.50", datatype=XSD.decimal)))
    g.add((b, EX.plain, Literal("plain")))
    return g


def sample_dataset(tag: str) -> Dataset:
    ds = Dataset()
    for t in sample_graph():
        ds.graph(EX["g1-" + tag]).add(t)
    ds.graph(EX["g2-" + tag]).add((EX.b, EX.label, Literal("tweede", lang="nl")))
    ds.add((EX.c, EX.label, Literal("default graph " + tag)))
    return ds


@pytest.fixture(scope="module")
def cli(tmp_path_factory, kruispunt_binary):
    work = private_dir(tmp_path_factory, "import")
    kp = Kruispunt(kruispunt_binary, work / "data", free_port())
    yield kp
    _stop_leftover_cluster(kp.data_dir)


def same(a: Graph, b: Graph) -> bool:
    return isomorphic(lower_tags(a), lower_tags(b))


def exported(cli: Kruispunt, *args: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=cli.run("export", "--format", "nquads", *args).stdout, format="nquads")
    return ds


@pytest.mark.parametrize("syntax,extension", [("turtle", "ttl"), ("nt", "nt"), ("xml", "rdf"), ("trig", "trig"), ("nquads", "nq")])
def test_import_then_export_gives_the_same_graph(cli, tmp_path, syntax, extension):
    graph_iri = f"http://example.org/graph/{extension}"
    path = tmp_path / f"sample.{extension}"
    if syntax in ("trig", "nquads"):
        source = sample_dataset(extension)
        path.write_text(source.serialize(format=syntax))
        done = json.loads(cli.run("import", "--json", str(path)).stdout)
        assert done["quads"] == 9 and done["added"] == 9
        back = exported(cli)
        for name in (EX["g1-" + extension], EX["g2-" + extension]):
            assert same(back.graph(name), source.graph(name)), name
        # The default graph of the file stays the store's default graph.
        assert (EX.c, EX.label, Literal("default graph " + extension)) in back.default_context
    else:
        source = sample_graph()
        path.write_text(source.serialize(format=syntax))
        done = json.loads(cli.run("import", "--json", "--graph", graph_iri, str(path)).stdout)
        assert done["quads"] == len(source) and done["added"] == len(source)
        back = exported(cli, "--graph", graph_iri)
        assert same(back.graph(URIRef(graph_iri)), source)
    # The same file again: nothing new.
    again = json.loads(cli.run("import", "--json", *(["--graph", graph_iri] if syntax not in ("trig", "nquads") else []),
                               str(path)).stdout)
    assert again["added"] == 0


def test_every_export_syntax_holds_the_same_triples(cli, tmp_path):
    path = tmp_path / "one.ttl"
    path.write_text(sample_graph().serialize(format="turtle"))
    cli.run("import", "--graph", "http://example.org/graph/one", str(path))
    reference = exported(cli, "--graph", "http://example.org/graph/one").graph(URIRef("http://example.org/graph/one"))
    turtle = Graph().parse(data=cli.run("export", "--format", "turtle", "--graph", "http://example.org/graph/one").stdout,
                           format="turtle")
    assert same(turtle, reference)
    trig = Dataset()
    trig.parse(data=cli.run("export", "--format", "trig", "--graph", "http://example.org/graph/one").stdout, format="trig")
    assert same(trig.graph(URIRef("http://example.org/graph/one")), reference)
    document = json.loads(cli.run("export", "--format", "jsonld", "--graph", "http://example.org/graph/one").stdout)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    from_jsonld = Dataset()
    from_jsonld.parse(data=nquads, format="nquads")
    union = Graph()
    for s, p, o, _ in from_jsonld.quads((None, None, None, None)):
        union.add((s, p, o))
    assert same(union, reference)


def test_a_syntax_error_leaves_no_trace(cli, tmp_path):
    before = cli.run("export", "--format", "nquads", "--canonical").stdout
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://example.org/x> <http://example.org/p> \"fine\" .\n" * 3 + "<http://example.org/x> <broken\n")
    done = cli.run_unchecked("import", str(bad))
    assert done.returncode != 0
    assert "line 4" in done.stderr and "nothing was loaded" in done.stderr
    assert cli.run("export", "--format", "nquads", "--canonical").stdout == before


def test_stats_count_what_export_writes(cli):
    stats = json.loads(cli.run("stats", "--json").stdout)
    lines = cli.run("export", "--format", "nquads", "--canonical").stdout.splitlines()
    assert stats["quads"] == len(lines) > 0
    assert stats["graphs"] >= 2 and stats["terms"] > 0 and stats["quadsBytes"] > 0


def test_published_retention_from_the_command_line(cli):
    """Purging published observations older than N days: a dry run on a store without stream
    members removes nothing, imported registry data included, and a bad value is a clear error."""
    before = cli.run("export", "--format", "nquads", "--canonical").stdout
    done = cli.run("purge", "--published-days", "30", "--dry-run")
    assert "would delete: 0 published observations" in done.stdout
    done = cli.run("purge", "--published-days", "30")
    assert "deleted: 0 published observations, 0 whole load tables (0 quads) and 0 more quads (kept: 30 days)" in done.stdout
    assert cli.run("export", "--format", "nquads", "--canonical").stdout == before
    refused = cli.run_unchecked("purge", "--published-days", "0")
    assert refused.returncode != 0 and "--published-days must be a positive whole number" in refused.stderr
