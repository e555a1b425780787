"""The treatment's every published value against an independent Python computation from the CSV.

A generated network (4000 vehicles, two local days including the 25-hour DST day 2026-10-25,
the generator's zones plus an overlapping ring zone per city) is treated twice, each in its own
data directory: with `--min-count 1` (no suppression: the published set must be exactly the
README's definitions applied to the CSV) and with the default threshold 10 (every published
value still exact, nothing small published, hidden cells small or few complementary ones).
The reference lives in treatment_reference.py and never calls Kruispunt's code.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import parse_xsd_datetime, private_dir
from treatment_reference import (
    BASE_URL, COT, DEFAULT_K, KP, PROPERTY, SOSA, STAT_FUNCTION, STAT_METRICS, XSD,
    compute_truth, generate_network, load_published, sum_relations, treat_and_export,
    unavoidable_type_suppressions,
)

VEHICLES, DAYS, START, SEED = 4000, 2, "2026-10-24", 7
SPEED_TOLERANCE = 0.011          # speeds are stored as float32, published with 2 decimals
TRAVEL_TOLERANCE = 0.05 + 1e-6   # travel times are published with 1 decimal (any rounding of ties)
#: Beyond the hiding the vehicle-class mix forces, at most this share of the cells with a true
#: count >= k may be hidden (complementary suppression).
MAX_COMPLEMENTARY_SHARE = 0.10


@pytest.fixture(scope="module")
def treated(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "treatment-metrics")
    network = generate_network(kruispunt_binary, parent, VEHICLES, DAYS, START, SEED)
    for name in ("k1", "k10"):
        (parent / name).mkdir()
    with ThreadPoolExecutor(2) as pool:
        k1 = pool.submit(treat_and_export, kruispunt_binary, network, parent / "k1" / "data", 1)
        k10 = pool.submit(treat_and_export, kruispunt_binary, network, parent / "k10" / "data", DEFAULT_K)
        k1_text, k10_text = k1.result(), k10.result()
    truth = compute_truth(network.detections, network.zones)
    return network, truth, load_published(k1_text, BASE_URL), load_published(k10_text, BASE_URL)


def _examples(paths, n=8) -> str:
    paths = sorted(paths)
    by_metric = Counter(p.split("/")[0] + "/" + p.split("/")[1] for p in paths)
    return f"{len(paths)} cells {dict(by_metric)}, e.g. {paths[:n]}"


def _value_mismatch(pub, cell) -> str | None:
    """None when the published result is the true value in the right datatype and precision."""
    result = pub.result
    if result is None:
        return "no result"
    if cell.metric in STAT_METRICS:
        decimals = 2 if cell.metric == "speed" else 1
        tolerance = SPEED_TOLERANCE if cell.metric == "speed" else TRAVEL_TOLERANCE
        if result.datatype.value != XSD + "decimal":
            return f"datatype {result.datatype.value}"
        if not re.fullmatch(rf"-?\d+\.\d{{{decimals}}}", result.value):
            return f"lexical {result.value!r} is not {decimals} decimals"
        if abs(float(result.value) - cell.value) > tolerance:
            return f"expected {cell.value:.4f}, got {result.value}"
        return None
    if result.datatype.value != XSD + "integer":
        return f"datatype {result.datatype.value}"
    if int(result.value) != cell.value:
        return f"expected {cell.value}, got {result.value}"
    return None


def _assert_values(pubs, truth, what: str):
    bad = []
    for path, pub in pubs.items():
        if pub.result is None or path not in truth:
            continue
        problem = _value_mismatch(pub, truth[path])
        if problem:
            bad.append(f"{pub.iri}: {problem}")
    assert not bad, f"{what}: {len(bad)} published values differ from the CSV:\n" + "\n".join(bad[:25])


# --------------------------------------------------------------------------------------------
# Threshold 1: exactly the truth
# --------------------------------------------------------------------------------------------

def test_threshold_one_publishes_exactly_the_computed_observations(treated):
    _, truth, k1, _ = treated
    missing = set(truth) - set(k1)
    extra = set(k1) - set(truth)
    assert not missing and not extra, \
        f"--min-count 1:\nmissing {_examples(missing)}\nextra {_examples(extra)}"
    metrics = Counter(c.metric for c in truth.values())
    assert all(metrics[m] > 0 for m in PROPERTY), f"a metric has no cells at all: {metrics}"
    assert any(c.feature.startswith("zone-flow/") for c in truth.values()), "no zone pair flows"
    assert any(c.metric == "through-traffic" and c.value > 0 for c in truth.values())


def test_threshold_one_values_equal_the_csv(treated):
    _, truth, k1, _ = treated
    suppressed = [p.iri for p in k1.values() if p.suppressed or p.result is None]
    assert not suppressed, f"--min-count 1 suppressed {len(suppressed)} cells, e.g. {suppressed[:5]}"
    _assert_values(k1, truth, "--min-count 1")


def test_observation_descriptions(treated):
    _, truth, k1, _ = treated
    bad = []
    for path, pub in k1.items():
        cell = truth.get(path)
        if cell is None:
            continue
        problems = []
        expected = {
            SOSA + "observedProperty": PROPERTY[cell.metric],
            COT + "hasAggregationPeriod": COT + ("Hourly" if cell.period == "hour" else "Daily"),
            COT + "usingFunction": STAT_FUNCTION[cell.qualifier] if cell.metric in STAT_METRICS else COT + "Count",
            SOSA + "hasFeatureOfInterest": f"{BASE_URL}/id/{cell.feature}",
        }
        if cell.feature.startswith("camera/"):
            expected[SOSA + "madeBySensor"] = f"{BASE_URL}/id/{cell.feature}"
        for predicate, value in expected.items():
            if pub.props.get(predicate) != [value]:
                problems.append(f"{predicate} {pub.props.get(predicate)} (expected {value})")
        literal_extras = {"vehicleType": None, "travelTimeMinutes": XSD + "nonNegativeInteger",
                          "durationBin": XSD + "duration"}
        for name, datatype in literal_extras.items():
            values = pub.props.get(KP + name, [])
            if name not in cell.extra:
                if values:
                    problems.append(f"unexpected kp:{name} {values}")
                continue
            if len(values) != 1 or values[0].value != str(cell.extra[name]) or \
                    (datatype and values[0].datatype.value != datatype):
                problems.append(f"kp:{name} {values} (expected {cell.extra[name]})")
        if problems:
            bad.append(f"{pub.iri}: " + "; ".join(problems))
    assert not bad, f"{len(bad)} observations are described wrongly:\n" + "\n".join(bad[:20])


def test_phenomenon_time_is_local_and_the_dst_day_has_25_hours(treated):
    _, truth, k1, k10 = treated
    bad = []
    for pubs in (k1, k10):
        for path, pub in pubs.items():
            cell = truth.get(path)
            if cell is None:
                continue
            if (pub.begin, pub.end) != (cell.begin, cell.end):
                bad.append(f"{pub.iri}: [{pub.begin}, {pub.end}] (expected [{cell.begin}, {cell.end}])")
            elif not all(re.search(r"\+0[12]:00$", t) for t in (pub.begin, pub.end)):
                bad.append(f"{pub.iri}: [{pub.begin}, {pub.end}] not in Brussels local time")
    assert not bad, f"{len(bad)} wrong phenomenon times:\n" + "\n".join(bad[:20])

    # The DST day: a busy camera has 25 hourly cells, two of them local 02:00 (+02:00, +01:00).
    hours = defaultdict(set)
    for pub in k1.values():
        if pub.metric == "vehicle-count" and pub.period == "hour" and pub.local_day == "2026-10-25":
            hours[pub.feature].add(pub.stamp)
    feature, stamps = max(hours.items(), key=lambda item: len(item[1]))
    assert len(stamps) == 25, f"busiest camera {feature} has {len(stamps)} hours on 2026-10-25"
    assert {"20261025T0200+0200", "20261025T0200+0100"} <= stamps
    cells = sorted((k1[f"vehicle-count/{feature}/hour/{s}"] for s in stamps),
                   key=lambda pub: parse_xsd_datetime(pub.begin))
    assert cells[0].begin == "2026-10-25T00:00:00+02:00" and cells[-1].end == "2026-10-26T00:00:00+01:00"
    for a, b in zip(cells, cells[1:]):
        assert parse_xsd_datetime(a.end) == parse_xsd_datetime(b.begin), f"{a.iri} and {b.iri} do not touch"
    day = k1[f"vehicle-count/{feature}/day/2026-10-25"]
    assert (day.begin, day.end) == ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")


# --------------------------------------------------------------------------------------------
# Default threshold: exact where published, small or complementary where hidden
# --------------------------------------------------------------------------------------------

def test_default_threshold_publishes_true_values_and_nothing_small(treated):
    _, truth, _, k10 = treated
    k = DEFAULT_K
    extra = set(k10) - set(truth)
    assert not extra, f"k={k}: cells that do not exist in the CSV: {_examples(extra)}"
    _assert_values(k10, truth, f"k={k}")
    small = []
    for path, pub in k10.items():
        if pub.result is None:
            assert pub.suppressed, f"{pub.iri}: neither a result nor kp:suppressed"
            continue
        assert not pub.suppressed, f"{pub.iri}: both a result and kp:suppressed"
        cell = truth[path]
        if cell.metric in STAT_METRICS:
            if cell.support < k:
                small.append(f"{pub.iri}: statistic on {cell.support} values")
        elif 0 < cell.value < k:
            small.append(f"{pub.iri}: count {cell.value}")
    assert not small, f"k={k}: {len(small)} small cells published:\n" + "\n".join(small[:20])


def test_default_threshold_hides_only_small_cells_and_few_complementary_ones(treated, capsys):
    network, truth, _, k10 = treated
    k = DEFAULT_K
    dense_missing = [p for p, c in truth.items() if c.dense and p not in k10]
    assert not dense_missing, f"k={k}: dense cells left out instead of suppressed: {_examples(dense_missing)}"

    def published(path):
        return path in k10 and k10[path].result is not None

    hidden_small, complementary, large, stat_hidden = [], [], 0, []
    for path, cell in truth.items():
        if cell.metric in STAT_METRICS:
            if not published(path) and cell.vehicles >= k:
                stat_hidden.append(path)
        elif cell.value >= k:
            large += 1
            if not published(path):
                complementary.append(path)
        elif cell.value > 0 and not published(path):
            hidden_small.append(path)

    # A complementary suppression protects a hidden small cell: it shares a sum relation (over
    # the true cells) with another hidden, non-zero cell.
    relations = sum_relations(truth, network.zones)
    membership = defaultdict(list)
    for relation in relations:
        for path in [relation.total, *relation.parts]:
            membership[path].append(relation)
    unjustified = [
        path for path in complementary
        if not any(other != path and other in truth and truth[other].value > 0 and not published(other)
                   for relation in membership[path] for other in [relation.total, *relation.parts])]
    assert not unjustified, f"k={k}: cells >= k hidden outside any relation with a hidden cell: " \
                            f"{_examples(unjustified)}"

    # The vehicle-class mix forces some hiding (a lower bound, see unavoidable_type_suppressions);
    # beyond that, complementary suppression may hide only a small share of the cells >= k.
    forced = unavoidable_type_suppressions(truth, k)
    excess = len(complementary) - len(forced)
    share = excess / large
    by_metric = Counter(p.split("/")[0] for p in complementary)
    with capsys.disabled():
        print(f"\n[test_17] k={k}: {len(truth)} true cells; {len(hidden_small)} small count cells hidden; "
              f"{len(complementary)} of {large} count cells >= k hidden {dict(by_metric)}, "
              f"{len(forced)} of them forced by the vehicle-class mix, excess {excess} ({share:.2%}); "
              f"{len(stat_hidden)} statistics on >= k vehicles hidden")
    assert len(complementary) >= len(forced), "fewer cells >= k hidden than the vehicle-class rule requires"
    assert share <= MAX_COMPLEMENTARY_SHARE, \
        f"k={k}: {share:.1%} of the count cells >= k are hidden beyond the forced ones: {_examples(complementary)}"

    # A statistic on >= k vehicles is in no sum relation: it may only be hidden together with its flow cell.
    orphan = [p for p in stat_hidden
              if p.startswith("speed/") or published("od-flow/" + "/".join(p.split("/")[1:6]))]
    assert not orphan, f"k={k}: statistics on >= k vehicles hidden for no reason: {_examples(orphan)}"


def test_default_threshold_statistics_rest_on_k_distinct_vehicles(treated):
    _, truth, _, k10 = treated
    k = DEFAULT_K
    bad = [f"{pub.iri}: {truth[path].support} values from {truth[path].vehicles} vehicles"
           for path, pub in k10.items()
           if pub.result is not None and pub.metric in STAT_METRICS and truth[path].vehicles < k]
    assert not bad, f"k={k}: {len(bad)} statistics rest on fewer than k vehicles:\n" + "\n".join(bad[:12])
