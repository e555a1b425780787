"""JSON-LD import in expanded, compacted and flattened form (checked against PyLD's own RDF
conversion), clear errors for what the reader does not support, and canonical N-Quads export.
(The served JSON-LD and its context are checked in test_07_jsonld_served.)"""

from __future__ import annotations

import json

import pytest
from pyld import jsonld
from rdflib import Dataset
from rdflib.compare import isomorphic

from conftest import Kruispunt, _stop_leftover_cluster, free_port, lower_tags, private_dir

# ---------------------------------------------------------------------------------------------
# Import


@pytest.fixture
def fresh(tmp_path_factory, kruispunt_binary):
    """A new, empty store for each test."""
    made = []

    def make(port: int | None = None) -> Kruispunt:
        kp = Kruispunt(kruispunt_binary, private_dir(tmp_path_factory, "jsonld") / "data", port or free_port())
        made.append(kp)
        return kp

    yield make
    for kp in made:
        _stop_leftover_cluster(kp.data_dir)


def context_of(kp: Kruispunt) -> dict:
    """The store's own context, as its inline JSON-LD export writes it."""
    return json.loads(kp.run("export", "--format", "jsonld").stdout)["@context"]


def loader_for(kp: Kruispunt, context: dict):
    def load(url: str, options=None) -> dict:
        assert url == kp.base_url + "/context.jsonld", f"unexpected remote context {url}"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": context}}
    return load


def pyld_dataset(document, base: str, loader=None) -> Dataset:
    options = {"format": "application/n-quads", "base": base}
    if loader is not None:
        options["documentLoader"] = loader
    ds = Dataset()
    ds.parse(data=jsonld.to_rdf(document, options), format="nquads")
    return ds


def store_dataset(kp: Kruispunt) -> Dataset:
    ds = Dataset()
    ds.parse(data=kp.run("export", "--format", "nquads").stdout, format="nquads")
    return ds


def quad_count(ds: Dataset) -> int:
    return len(list(ds.quads((None, None, None, None))))


def same_dataset(a: Dataset, b: Dataset) -> bool:
    graphs_a = {g.identifier: g for g in a.graphs() if len(g)}
    graphs_b = {g.identifier: g for g in b.graphs() if len(g)}
    return graphs_a.keys() == graphs_b.keys() and all(
        isomorphic(lower_tags(graphs_a[k]), lower_tags(graphs_b[k])) for k in graphs_a)


def observation_document(base: str) -> dict:
    """A member as a city tool would write it with Kruispunt's context."""
    return {
        "@context": base + "/context.jsonld",
        "@graph": [{
            "@id": "http://example.org/graph/member-1",
            "@graph": [{
                "@id": "http://example.org/obs/1/v1",
                "@type": "Observation",
                "observedProperty": "cot:passedByVehiclesCount",
                "hasFeatureOfInterest": "http://example.org/camera/A",
                "hasSimpleResult": 42,
                "resultTime": "2026-10-25T03:00:00+01:00",
                "generatedAtTime": "2026-10-25T02:00:00Z",
                "phenomenonTime": {"@type": "Interval",
                                   "hasBeginning": {"@type": "Instant", "inXSDDateTimeStamp": "2026-10-25T02:00:00+02:00"},
                                   "hasEnd": {"@type": "Instant", "inXSDDateTimeStamp": "2026-10-25T02:00:00+01:00"}},
                "kp:minimumCount": {"@value": "5", "@type": "xsd:integer"},
                "label": [{"@value": "Telling", "@language": "nl-BE"}, {"@value": "Count", "@language": "en"}],
            }],
        }, {
            "@id": "http://example.org/camera/A", "@type": "Sensor", "identifier": "A", "suppressed": False,
        }],
    }


FEATURES_DOCUMENT = {
    "@context": [
        {"@base": "http://example.org/base/", "@vocab": "http://example.org/vocab#", "@language": "nl",
         "id": "@id", "type": "@type", "ex": "http://example.org/vocab#",
         "items": {"@id": "ex:items", "@container": "@list"},
         "names": {"@id": "ex:names", "@container": "@language"},
         "byKey": {"@id": "ex:byKey", "@container": "@index"},
         "parent": {"@reverse": "ex:child"},
         "born": {"@id": "ex:born", "@type": "http://www.w3.org/2001/XMLSchema#date"},
         "link": {"@id": "ex:link", "@type": "@id"},
         "kind": {"@id": "ex:kind", "@type": "@vocab"},
         "untagged": {"@id": "ex:untagged", "@language": None}},
    ],
    "@graph": [
        {"id": "alice", "type": "Person", "name": "Alice", "untagged": "plain", "born": "1990-01-02",
         "link": "../other", "kind": "Friendly", "ratio": 1.5, "count": 42, "big": 1e25, "flag": True,
         "nothing": None, "items": ["one", 2, {"@id": "_:shared"}], "explicit": {"@list": [["nested"], []]},
         "names": {"en": "Alice", "fr": ["Alice", "Alix"]}, "byKey": {"a": "first", "b": {"@value": "second"}},
         "parent": {"id": "bob"}, "@reverse": {"ex:knows": {"id": "carol"}},
         "set": {"@set": ["x", "y"]}, "typed": {"@value": "7", "@type": "ex:custom"},
         "friend": {"name": "anonymous", "knows": {"@id": "_:shared"}}},
        {"@id": "_:shared", "name": {"@value": "gedeeld", "@language": "nl-BE"}},
        {"@id": "http://example.org/graph/g", "@graph": [{"id": "dave", "name": "Dave"}], "label": "with a graph"},
    ],
}


def import_json(kp: Kruispunt, path) -> dict:
    return json.loads(kp.run("import", "--json", str(path)).stdout)


def test_compacted_expanded_and_flattened_json_ld_import_like_pyld(fresh, tmp_path):
    kp = fresh()
    context = context_of(kp)
    loader = loader_for(kp, context)
    compacted = observation_document(kp.base_url)
    reference = pyld_dataset(compacted, "http://example.org/", loader)
    assert quad_count(reference) == 20
    forms = {
        "compacted": compacted,
        "expanded": jsonld.expand(compacted, {"documentLoader": loader}),
        "flattened": jsonld.flatten(compacted, None, {"documentLoader": loader}),
    }
    for form, document in forms.items():
        store = fresh(kp.port)  # the same base URL: the document's context is the store's own
        path = tmp_path / f"{form}.jsonld"
        path.write_text(json.dumps(document))
        done = import_json(store, path)
        assert done["quads"] == done["added"] == quad_count(reference), form
        assert same_dataset(store_dataset(store), reference), form
        assert import_json(store, path)["added"] == 0, f"{form}: the same file twice must add nothing"


def test_json_ld_features_import_like_pyld(fresh, tmp_path):
    kp = fresh()
    path = tmp_path / "features.json"
    path.write_text(json.dumps(FEATURES_DOCUMENT))
    reference = pyld_dataset(FEATURES_DOCUMENT, path.as_uri())
    done = import_json(kp, path)
    assert done["quads"] == quad_count(reference) >= 40
    assert same_dataset(store_dataset(kp), reference)


@pytest.mark.parametrize("document,message", [
    ({"@context": "http://example.org/other-context.jsonld", "@id": "http://example.org/a", "p": 1}, "remote context"),
    ({"@context": {"p": {"@id": "http://example.org/p", "@context": {}}}, "@id": "http://example.org/a", "p": 1},
     "not supported"),
    ({"@context": {"@vocab": "http://example.org/"}, "@id": "http://example.org/a", "@nest": {"p": 1}}, "@nest"),
    ({"@context": {"j": {"@id": "http://example.org/j", "@type": "@json"}}, "@id": "http://example.org/a", "j": {}},
     "@json"),
])
def test_unsupported_json_ld_is_refused_and_loads_nothing(fresh, tmp_path, document, message):
    kp = fresh()
    good = tmp_path / "good.jsonld"
    good.write_text(json.dumps({"@id": "http://example.org/kept", "http://example.org/p": "kept"}))
    import_json(kp, good)
    before = kp.run("export", "--canonical").stdout
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps({"@graph": [{"@id": "http://example.org/first", "http://example.org/p": "x"}, document]}))
    done = kp.run_unchecked("import", str(bad))
    assert done.returncode != 0 and message in done.stderr and "nothing was loaded" in done.stderr
    assert kp.run("export", "--canonical").stdout == before


def test_invalid_json_is_a_clear_error(fresh, tmp_path):
    kp = fresh()
    bad = tmp_path / "broken.jsonld"
    bad.write_text('{"@id": "http://example.org/a", ')
    done = kp.run_unchecked("import", str(bad))
    assert done.returncode != 0 and "not valid JSON" in done.stderr


# ---------------------------------------------------------------------------------------------
# Canonical export


def test_canonical_exports_of_isomorphic_stores_are_identical(fresh, tmp_path):
    """The same data with other blank-node labels (PyLD's N-Quads against Kruispunt's JSON-LD
    reader) gives byte-identical canonical N-Quads."""
    one, two = fresh(), fresh()
    source = tmp_path / "features.jsonld"
    source.write_text(json.dumps(FEATURES_DOCUMENT))
    import_json(one, source)
    relabelled = tmp_path / "features.nq"
    nquads = jsonld.to_rdf(FEATURES_DOCUMENT, {"format": "application/n-quads", "base": source.as_uri()})
    relabelled.write_text(nquads.replace("_:b", "_:other"))
    import_json(two, relabelled)
    first = one.run("export", "--canonical").stdout
    assert first == two.run("export", "--canonical").stdout
    assert "_:c" in first and first.splitlines() == sorted(set(first.splitlines()))
    ds = Dataset()
    ds.parse(data=first, format="nquads")
    assert same_dataset(ds, store_dataset(one))
