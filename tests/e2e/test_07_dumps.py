"""Stream dumps (`kruispunt dump`, `/dumps/{stream}.nq.gz`): gzip N-Quads holding every member of
the stream once, each in its own named graph, with the same triples a harvester reads from the
pages; served with an ETag (304) and refused for unknown streams."""

from __future__ import annotations

import gzip

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from conftest import TREE, Harvest, lower_tags


def test_the_dump_holds_every_member_in_its_graph(cli, http, live_server, harvested: Harvest):
    done = cli.run("dump", "--stream", "vehicle-counts")
    assert "vehicle-counts.nq.gz" in done.stdout and f"{len(harvested.members)} members" in done.stdout
    url = f"{live_server.base_url}/dumps/vehicle-counts.nq.gz"
    response = http.get(url, None)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert 'filename="vehicle-counts.nq.gz"' in response.headers["Content-Disposition"]
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(response.content).decode("utf-8"), format="nquads")
    stream = URIRef(harvested.stream_url)
    members = set(dataset.objects(stream, TREE.member))
    assert members == harvested.members
    union = Graph()
    for member in members:
        graph = dataset.graph(member)
        assert len(graph) > 0, f"{member} has no named graph"
        union += graph
    assert isomorphic(lower_tags(union), lower_tags(harvested.members_graph))
    again = http.session.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_unknown_streams_are_refused(cli, http, live_server):
    assert http.get(f"{live_server.base_url}/dumps/no-such-stream.nq.gz", None).status_code == 404
    assert http.get(f"{live_server.base_url}/dumps/vehicle-counts.tar", None).status_code == 404
    refused = cli.run_unchecked("dump", "--stream", "no-such-stream")
    assert refused.returncode != 0 and "unknown stream no-such-stream" in refused.stderr
