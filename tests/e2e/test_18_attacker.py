"""The attacker: differencing and propagation over the published latest state at k = 10.

The attacker sees only what Kruispunt publishes: the latest state of every observation
(`export --latest --canonical`) and the zone descriptions (kp:Zone with kp:entryCamera,
kp:exitCamera, kp:insideCamera, from the full `export`). From these alone it writes down every
sum relation of README "No differencing" and checks:

(a) every published total minus its published parts is 0 or at least k;
(b) repeatedly solving every relation with exactly one unknown (a kp:suppressed cell, the total,
    or the single absent part) pins no hidden cell;
(c) utility: at least 90% of the count cells with a true value >= k are published (the truth,
    from the CSV, is used for this check only).

Two generated networks: the four pilot cities with 4000 vehicles (about 15 detections per
camera-hour: there the vehicle-class mix alone forces roughly one large cell per camera-hour to be
hidden, so (c) is asserted over the cells the rules allow to publish), and one city with the same
4000 vehicles (four times as dense), where (c) is asserted as stated. Both carry the generator's
zones plus an overlapping ring zone per city (see treatment_reference.extra_zones).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph
import pytest

from conftest import _stop_leftover_cluster, private_dir
from treatment_reference import (
    BASE_URL, COUNT_METRICS, DEFAULT_K, XSD, attack, compute_truth, generate_network, load_published,
    published_zones, run_binary, sum_relations, treat_and_export, unavoidable_type_suppressions,
)

K = DEFAULT_K
MIN_RETENTION = 0.90
NETWORKS = {
    # name: (vehicles, days, start, seed, cities)
    "four-cities": (4000, 2, "2026-10-24", 21, None),
    "mechelen-dense": (4000, 2, "2026-10-24", 11, "Mechelen"),
}


def _publish(binary, parent, spec):
    vehicles, days, start, seed, cities = spec
    network = generate_network(binary, parent, vehicles, days, start, seed, cities)
    (parent / "k10").mkdir()
    data_dir = parent / "k10" / "data"
    latest = treat_and_export(binary, network, data_dir, K)
    try:
        full = run_binary(binary, data_dir, "export", "--canonical")
    finally:
        _stop_leftover_cluster(data_dir)
    return network, latest, full


@pytest.fixture(scope="module")
def published(kruispunt_binary, tmp_path_factory):
    parents = {name: private_dir(tmp_path_factory, f"attacker-{name}") for name in NETWORKS}
    with ThreadPoolExecutor(len(NETWORKS)) as pool:
        futures = {name: pool.submit(_publish, kruispunt_binary, parents[name], spec)
                   for name, spec in NETWORKS.items()}
        done = {name: future.result() for name, future in futures.items()}
    out = {}
    for name, (network, latest, full) in done.items():
        pubs = load_published(latest, BASE_URL)
        zones = published_zones(full, BASE_URL)
        relations = sum_relations(pubs, zones)
        out[name] = {"network": network, "pubs": pubs, "zones": zones, "relations": relations,
                     "attack": attack(pubs, relations, zones, K)}
    return out


@pytest.fixture(params=list(NETWORKS))
def view(request, published):
    return request.param, published[request.param]


def test_zone_descriptions_are_the_registry(view):
    name, v = view
    assert v["zones"] == v["network"].zones, f"{name}: published zones differ from zones.csv"


def test_relations_are_nontrivial(view, capsys):
    name, v = view
    kinds = Counter(r.kind for r in v["relations"])
    assert set(kinds) == {"hours->day", "types->count", "bins->flow", "flows->zone-flow",
                          "entries->entering"}, f"{name}: relation kinds {kinds}"
    suppressed = sum(1 for p in v["pubs"].values() if p.suppressed)
    hidden_in_relations = sum(1 for r in v["relations"]
                              if any(p in v["pubs"] and v["pubs"][p].suppressed for p in r.parts))
    with capsys.disabled():
        print(f"\n[test_18 {name}] {len(v['pubs'])} observations, {suppressed} kp:suppressed; "
              f"{len(v['relations'])} sum relations {dict(kinds)}, "
              f"{hidden_in_relations} with a suppressed part")
    assert suppressed > 0 and hidden_in_relations > 0, f"{name}: nothing for the attacker to attack"


def test_published_totals_leave_no_small_remainder(view, capsys):
    """(a) remainder = total - sum(published parts) is 0 or >= k."""
    name, v = view
    result = v["attack"]
    with capsys.disabled():
        print(f"\n[test_18 {name}] (a) {result.checked_totals} relations with a published total checked, "
              f"{len(result.remainders)} small remainders")
    assert result.checked_totals > 0
    assert not result.remainders, f"{name}: small remainders:\n" + "\n".join(
        f"{r.kind} {BASE_URL}/id/observation/{r.total}: remainder {rem} (parts {r.parts[:6]})"
        for r, rem in result.remainders[:20])


def test_propagation_pins_no_hidden_cell(view, capsys):
    """(b) solve single-unknown relations to a fixpoint: no suppressed or absent cell is pinned."""
    name, v = view
    result = v["attack"]
    pinned_hidden = [path for path in result.pinned
                     if path not in v["pubs"] or v["pubs"][path].suppressed]
    with capsys.disabled():
        print(f"\n[test_18 {name}] (b) propagation: {result.rounds} rounds, {len(result.pinned)} cells pinned "
              f"({len(pinned_hidden)} of them hidden), {len(result.leaks)} leaks")
    assert not result.leaks, f"{name}: the attacker learns hidden values:\n" + "\n".join(
        f"{what}: {value} ({why})" for what, value, why in result.leaks[:20])


def test_the_attacker_finds_a_planted_leak(published):
    """The attack itself works: publish the true values of all but one suppressed hour of a
    camera-day (using the truth from the CSV) and the last one must be pinned and reported."""
    v = published["four-cities"]
    pubs, relations = v["pubs"], v["relations"]
    truth = compute_truth(v["network"].detections, v["network"].zones)
    relation = next(r for r in relations
                    if r.kind == "hours->day" and r.total.startswith("vehicle-count/")
                    and pubs[r.total].result is not None
                    and sum(1 for p in r.parts if pubs[p].suppressed) >= 2)
    hidden = [p for p in relation.parts if pubs[p].suppressed]
    planted = dict(pubs)
    integer = pyoxigraph.NamedNode(XSD + "integer")
    for path in hidden[1:]:
        planted[path] = dataclasses.replace(
            pubs[path], suppressed=False, result=pyoxigraph.Literal(str(truth[path].value), datatype=integer))
    result = attack(planted, relations, v["zones"], K)
    assert result.pinned.get(hidden[0]) == truth[hidden[0]].value, result.pinned
    assert any(leak[0] == hidden[0] for leak in result.leaks), result.leaks[:5]
    assert any(r.total == relation.total for r, _ in result.remainders)


def test_retention(view, capsys):
    """(c) the share of count cells with a true value >= k that are published."""
    name, v = view
    network, pubs = v["network"], v["pubs"]
    truth = compute_truth(network.detections, network.zones)
    large = [c for c in truth.values() if c.metric in COUNT_METRICS and c.value >= K]
    kept = [c for c in large if c.path in pubs and pubs[c.path].result is not None]
    forced = unavoidable_type_suppressions(truth, K)
    retention = len(kept) / len(large)
    possible = len(kept) / (len(large) - len(forced))
    hidden = Counter(c.metric for c in large if c.path not in pubs or pubs[c.path].result is None)
    with capsys.disabled():
        print(f"\n[test_18 {name}] (c) retention {len(kept)}/{len(large)} = {retention:.2%} of the count "
              f"cells >= k; {len(forced)} forced hidden by the vehicle-class mix; {possible:.2%} of the "
              f"publishable ones; hidden >= k by metric {dict(hidden)}")
    assert possible >= MIN_RETENTION, f"{name}: only {possible:.1%} of the publishable cells >= k published"
    if name == "mechelen-dense":
        assert retention >= MIN_RETENTION, f"{name}: only {retention:.1%} of the cells >= k published"
