"""An independent Python reference of the treatment, for test_17 and test_18.

Everything here follows README.md, section "## Treatment", and is computed from the raw detection
CSV (and the registry's zones.csv) only: no Kruispunt code is imported or called, except that the
pipeline runner drives the `kruispunt` binary to produce the output under test. The published
side is read from `kruispunt export --latest --canonical` with pyoxigraph.

Observation cells are keyed by the path of their stable IRI after `BASE/id/observation/`, for
example `vehicle-count/camera/1202501/hour/20261025T0200+0100` or
`travel-time-distribution/flow/1202501/1202505/day/2026-10-25/3min`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, unquote

import pyoxigraph
import pytest

from conftest import BRUSSELS, UTC, _stop_leftover_cluster, clean_env, validate_row

# --------------------------------------------------------------------------------------------
# Parameters (README defaults)
# --------------------------------------------------------------------------------------------

DEFAULT_K = 10
MAX_TRAVEL_US = 3600 * 1_000_000          # od-flow: 0 < t2 - t1 <= 3600 s
TRANSIT_LIMIT_US = 1800 * 1_000_000       # through traffic: entry -> exit at most 1800 s
DWELL_LIMIT_US = 24 * 3600 * 1_000_000    # dwell: entry -> exit within 24 h
SPEED_MIN_EXCLUSIVE, SPEED_MAX = 0.0, 250.0

#: Dwell bins: (lower bound s, upper bound s (exclusive), IRI qualifier, kp:durationBin lexical).
DWELL_BINS = [
    (0, 15 * 60, "0-15min", "PT0S"),
    (15 * 60, 30 * 60, "15-30min", "PT15M"),
    (30 * 60, 60 * 60, "30-60min", "PT30M"),
    (60 * 60, 120 * 60, "60-120min", "PT1H"),
    (120 * 60, 240 * 60, "120-240min", "PT2H"),
    (240 * 60, 480 * 60, "240-480min", "PT4H"),
    (480 * 60, 1440 * 60 + 1, "480-1440min", "PT8H"),
]

SPEED_STATS = ("average", "minimum", "maximum", "stddev", "v85")

DENSE_METRICS = frozenset({"vehicle-count", "unique-vehicles", "entering-vehicles",
                           "through-traffic", "speed"})
STAT_METRICS = frozenset({"speed", "travel-time"})
#: Count metrics (the threshold applies to the value itself).
COUNT_METRICS = frozenset({"vehicle-count", "unique-vehicles", "od-flow", "travel-time-distribution",
                           "entering-vehicles", "through-traffic", "dwell-time", "vehicle-type"})

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

SOSA = "http://www.w3.org/ns/sosa/"
TIME = "http://www.w3.org/2006/time#"
COT = "https://w3id.org/cityofthings#"
KP = "https://w3id.org/kruispunt#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

PROPERTY = {
    "vehicle-count": COT + "passedByVehiclesCount",
    "unique-vehicles": COT + "passedByUniqueVehiclesCount",
    "od-flow": COT + "passedByVehiclesInFlowCount",
    "travel-time-distribution": COT + "passedByVehiclesPerMinuteInFlowCount",
    "travel-time": KP + "travelTime",
    "entering-vehicles": KP + "enteringVehiclesCount",
    "through-traffic": COT + "passedByTransitVehiclesCount",
    "dwell-time": KP + "dwellTime",
    "speed": KP + "vehicleSpeed",
    "vehicle-type": KP + "vehicleTypeCount",
}
STAT_FUNCTION = {
    "average": COT + "Average", "minimum": COT + "Minimum", "maximum": COT + "Maximum",
    "stddev": COT + "StdDev", "v85": KP + "Percentile85", "median": KP + "Median",
}

# --------------------------------------------------------------------------------------------
# Vehicle classes (mirrors the alias table documented in KruispuntANPR/Normalisation.swift)
# --------------------------------------------------------------------------------------------

_ALIASES = {
    "car": ["car", "cars", "personenwagen", "personenauto", "auto", "wagen", "pw", "passenger car",
            "voiture", "pkw"],
    "light_truck": ["light truck", "lichte vrachtwagen", "bestelwagen", "bestelauto", "van", "lcv",
                    "camionnette"],
    "heavy_truck": ["heavy truck", "zware vrachtwagen", "vrachtwagen", "vrachtauto", "truck", "lorry",
                    "hgv", "camion", "lkw", "trekker"],
    "bus": ["bus", "autobus", "autocar", "coach", "lijnbus", "touringcar"],
    "motorcycle": ["motorcycle", "moto", "motor", "motorfiets", "motorbike", "bromfiets", "scooter"],
    "unknown": ["unknown", "onbekend", ""],
}
VEHICLE_ALIASES = {alias: cls for cls, aliases in _ALIASES.items() for alias in aliases}
VEHICLE_CLASSES = tuple(_ALIASES)


def vehicle_class(raw: str) -> str:
    """Case (ASCII), spaces, '-', '_' and tabs do not matter; unknown words are `unknown`."""
    words = [w for w in re.split(r"[ \t_\-]+", raw) if w]
    key = " ".join(w.translate(_ASCII_LOWER) for w in words)
    return VEHICLE_ALIASES.get(key, "unknown")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Det:
    camera: str
    us: int               # instant, microseconds since the epoch (UTC)
    plate: str
    speed: float | None   # km/h, None when missing or outside 0 < s <= 250
    vclass: str

    @property
    def instant(self) -> dt.datetime:
        return _EPOCH + dt.timedelta(microseconds=self.us)


def read_detections(path: Path) -> list[Det]:
    """The accepted detections of a canonical CSV: valid lines, duplicates (same camera, instant
    and plate hash) once."""
    out: list[Det] = []
    seen: set[tuple[str, int, str]] = set()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header[:9] == ["camera_id", "backoffice_id", "timestamp", "latitude", "longitude",
                              "plate_hash", "nationality", "speed_kmh", "vehicle_type"], header
        for line_no, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if isinstance(validate_row(row, line_no), str):
                continue
            camera, stamp, plate = row[0].strip(), row[2], row[5]
            instant = dt.datetime.fromisoformat(stamp).astimezone(UTC)
            us = (instant - _EPOCH) // dt.timedelta(microseconds=1)
            key = (camera, us, plate)
            if key in seen:
                continue
            seen.add(key)
            speed = float(row[7]) if row[7].strip() else None
            if speed is not None and not (SPEED_MIN_EXCLUSIVE < speed <= SPEED_MAX):
                speed = None
            out.append(Det(camera, us, plate, speed, vehicle_class(row[8])))
    return out


def read_zones(path: Path) -> dict[str, dict[str, str]]:
    """zones.csv: zone id -> {camera id: role}."""
    zones: dict[str, dict[str, str]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            zones[row["zone_id"]][row["camera_id"]] = row["role"].strip().lower()
    return dict(zones)


# --------------------------------------------------------------------------------------------
# Buckets
# --------------------------------------------------------------------------------------------

_HOUR_US = 3600 * 1_000_000


def hour_of(us: int) -> int:
    """Start (µs) of the local hour: Brussels offsets are whole hours, so local hours are UTC hours."""
    return us - us % _HOUR_US


def local_day_of(us: int) -> dt.date:
    return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(BRUSSELS).date()


def _offset(local: dt.datetime, colon: bool) -> str:
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{sign}{hh:02d}:{mm:02d}" if colon else f"{sign}{hh:02d}{mm:02d}"


def hour_stamp(hour_us: int) -> str:
    local = (_EPOCH + dt.timedelta(microseconds=hour_us)).astimezone(BRUSSELS)
    return local.strftime("%Y%m%dT%H%M") + _offset(local, colon=False)


def local_lexical(instant: dt.datetime) -> str:
    """xsd:dateTimeStamp in Brussels local time with its offset, whole seconds."""
    local = instant.astimezone(BRUSSELS)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + _offset(local, colon=True)


def hour_interval(hour_us: int) -> tuple[str, str]:
    begin = _EPOCH + dt.timedelta(microseconds=hour_us)
    return local_lexical(begin), local_lexical(begin + dt.timedelta(hours=1))


def day_interval(day: dt.date) -> tuple[str, str]:
    nxt = day + dt.timedelta(days=1)
    begin = dt.datetime(day.year, day.month, day.day, tzinfo=BRUSSELS)
    end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=BRUSSELS)
    return local_lexical(begin), local_lexical(end)


# --------------------------------------------------------------------------------------------
# The truth
# --------------------------------------------------------------------------------------------

class _Bucketed:
    """What computed cells and published observations share: a feature path, a period, a stamp."""
    feature: str
    period: str
    stamp: str

    @property
    def feature_ids(self) -> list[str]:
        return [unquote(p) for p in self.feature.split("/")[1:]]

    @property
    def local_day(self) -> str:
        """The local calendar day of the bucket (YYYY-MM-DD)."""
        if self.period == "day":
            return self.stamp
        return f"{self.stamp[0:4]}-{self.stamp[4:6]}-{self.stamp[6:8]}"


@dataclasses.dataclass
class Cell(_Bucketed):
    """One observation the treatment should publish (threshold 1)."""
    path: str
    metric: str
    feature: str           # the feature path: camera/ID, zone/ID, flow/A/B, zone-flow/X/Y
    period: str            # "hour" or "day"
    stamp: str
    qualifier: str | None
    value: float           # int for counts
    support: int           # counts: the value; statistics: the number of values they rest on
    vehicles: int          # statistics: distinct pseudonyms they rest on (counts: the value)
    begin: str             # expected phenomenonTime bounds (lexical)
    end: str
    extra: dict            # expected kp:vehicleType / kp:travelTimeMinutes / kp:durationBin

    @property
    def dense(self) -> bool:
        return self.metric in DENSE_METRICS

    @property
    def is_count(self) -> bool:
        return self.metric in COUNT_METRICS


def _feature_path(kind: str, *ids: str) -> str:
    return "/".join([kind, *(quote(i, safe="") for i in ids)])


def cell_path(metric: str, feature: str, period: str, stamp: str, qualifier: str | None = None) -> str:
    return f"{metric}/{feature}/{period}/{stamp}" + (f"/{qualifier}" if qualifier else "")


class _Builder:
    def __init__(self):
        self.cells: dict[str, Cell] = {}

    def bucket(self, period: str, key) -> tuple[str, str, str]:
        if period == "hour":
            begin, end = hour_interval(key)
            return hour_stamp(key), begin, end
        begin, end = day_interval(key)
        return key.isoformat(), begin, end

    def add(self, metric, feature, period, key, qualifier, value, support=None, vehicles=None, **extra):
        stamp, begin, end = self.bucket(period, key)
        path = cell_path(metric, feature, period, stamp, qualifier)
        assert path not in self.cells, path
        support = value if support is None else support
        self.cells[path] = Cell(path, metric, feature, period, stamp, qualifier, value, support,
                                support if vehicles is None else vehicles, begin, end, extra)


def _median(values: list[int]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def compute_truth(dets: list[Det], zones: dict[str, dict[str, str]]) -> dict[str, Cell]:
    """Every observation of README "## Treatment" at threshold 1 (no suppression)."""
    b = _Builder()
    # Per-detection facts.
    by_pseudonym: dict[tuple[str, dt.date], list[Det]] = defaultdict(list)
    for d in dets:
        by_pseudonym[(d.plate, local_day_of(d.us))].append(d)
    for seq in by_pseudonym.values():
        seq.sort(key=lambda d: (d.us, d.camera))

    # vehicle-count, unique-vehicles (camera), vehicle-type, speed -----------------------------
    for period in ("hour", "day"):
        keyer = hour_of if period == "hour" else local_day_of
        count: dict = defaultdict(int)
        uniq: dict = defaultdict(set)
        types: dict = defaultdict(int)
        speeds: dict = defaultdict(list)
        speed_vehicles: dict = defaultdict(set)
        for d in dets:
            key = (d.camera, keyer(d.us))
            pseudonym = (d.plate, local_day_of(d.us))
            count[key] += 1
            uniq[key].add(pseudonym)
            types[key + (d.vclass,)] += 1
            if d.speed is not None:
                speeds[key].append(d.speed)
                speed_vehicles[key].add(pseudonym)
        for (camera, bk), n in count.items():
            feature = _feature_path("camera", camera)
            b.add("vehicle-count", feature, period, bk, None, n)
            b.add("unique-vehicles", feature, period, bk, None, len(uniq[(camera, bk)]))
        for (camera, bk, cls), n in types.items():
            b.add("vehicle-type", _feature_path("camera", camera), period, bk, cls, n, vehicleType=cls)
        for (camera, bk), values in speeds.items():
            n = len(values)
            ordered = sorted(values)
            mean = sum(values) / n
            stats = {"average": mean, "minimum": ordered[0], "maximum": ordered[-1],
                     "v85": ordered[(85 * n + 99) // 100 - 1]}
            if n >= 2:
                stats["stddev"] = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
            feature = _feature_path("camera", camera)
            for name, value in stats.items():
                b.add("speed", feature, period, bk, name, value, support=n,
                      vehicles=len(speed_vehicles[(camera, bk)]))

    # zones: unique vehicles (any role), entering, through traffic, dwell -----------------------
    camera_zones: dict[str, list[str]] = defaultdict(list)
    for zone, members in zones.items():
        for camera in members:
            camera_zones[camera].append(zone)
    zone_uniq: dict = defaultdict(set)
    for d in dets:
        for zone in camera_zones.get(d.camera, ()):
            zone_uniq[(zone, local_day_of(d.us))].add((d.plate, local_day_of(d.us)))
    for (zone, day), vehicles in zone_uniq.items():
        b.add("unique-vehicles", _feature_path("zone", zone), "day", day, None, len(vehicles))

    for zone, members in zones.items():
        feature = _feature_path("zone", zone)
        entering = {"hour": defaultdict(int), "day": defaultdict(int)}
        through = {"hour": defaultdict(int), "day": defaultdict(int)}
        dwell: dict = defaultdict(int)
        for seq in by_pseudonym.values():
            gates = [d for d in seq if members.get(d.camera) in ("entry", "exit")]
            for i, d in enumerate(gates):
                if members[d.camera] != "entry":
                    continue
                entering["hour"][hour_of(d.us)] += 1
                entering["day"][local_day_of(d.us)] += 1
                nxt = gates[i + 1] if i + 1 < len(gates) else None
                if nxt is None or members[nxt.camera] != "exit":
                    continue
                gap = nxt.us - d.us
                if 0 <= gap <= TRANSIT_LIMIT_US:
                    through["hour"][hour_of(d.us)] += 1
                    through["day"][local_day_of(d.us)] += 1
                if 0 <= gap <= DWELL_LIMIT_US:
                    seconds = gap / 1_000_000
                    label, lexical = next((q, lx) for lo, hi, q, lx in DWELL_BINS if lo <= seconds < hi)
                    dwell[(local_day_of(d.us), label, lexical)] += 1
        for period in ("hour", "day"):
            for bk, n in entering[period].items():
                b.add("entering-vehicles", feature, period, bk, None, n)
                b.add("through-traffic", feature, period, bk, None, through[period].get(bk, 0))
            assert set(through[period]) <= set(entering[period])
        for (day, label, lexical), n in dwell.items():
            b.add("dwell-time", feature, "day", day, label, n, durationBin=lexical)

    # trips: od-flow, zone flows, travel-time bins and statistics -------------------------------
    flow = {"hour": defaultdict(int), "day": defaultdict(int)}
    zone_flow: dict = defaultdict(int)
    bins: dict = defaultdict(int)
    durations: dict = defaultdict(list)
    trip_vehicles: dict = defaultdict(set)
    for pseudonym, seq in by_pseudonym.items():
        for a, c in zip(seq, seq[1:]):
            gap = c.us - a.us
            if a.camera == c.camera or not (0 < gap <= MAX_TRAVEL_US):
                continue
            pair, hour, day = (a.camera, c.camera), hour_of(a.us), local_day_of(a.us)
            flow["hour"][pair + (hour,)] += 1
            flow["day"][pair + (day,)] += 1
            bins[pair + (day, gap // 60_000_000)] += 1
            durations[pair + (hour,)].append(gap)
            trip_vehicles[pair + (hour,)].add(pseudonym)
            for x in camera_zones.get(a.camera, ()):
                for y in camera_zones.get(c.camera, ()):
                    if x != y:
                        zone_flow[(x, y, day)] += 1
    for period in ("hour", "day"):
        for (a, c, bk), n in flow[period].items():
            b.add("od-flow", _feature_path("flow", a, c), period, bk, None, n)
    for (x, y, day), n in zone_flow.items():
        b.add("od-flow", _feature_path("zone-flow", x, y), "day", day, None, n)
    for (a, c, day, minute), n in bins.items():
        b.add("travel-time-distribution", _feature_path("flow", a, c), "day", day, f"{minute}min", n,
              travelTimeMinutes=minute)
    for (a, c, hour), gaps in durations.items():
        n = len(gaps)
        feature = _feature_path("flow", a, c)
        vehicles = len(trip_vehicles[(a, c, hour)])
        b.add("travel-time", feature, "hour", hour, "average", sum(gaps) / n / 1_000_000, support=n,
              vehicles=vehicles)
        b.add("travel-time", feature, "hour", hour, "median", _median(gaps) / 1_000_000, support=n,
              vehicles=vehicles)
    return b.cells


# --------------------------------------------------------------------------------------------
# The published latest state
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Pub(_Bucketed):
    """One observation of `export --latest`, as read with pyoxigraph."""
    iri: str
    path: str
    metric: str
    feature: str
    period: str
    stamp: str
    qualifier: str | None
    props: dict            # predicate IRI -> list of objects (str IRIs, ("_", g, id) or Literal)
    result: pyoxigraph.Literal | None
    suppressed: bool
    begin: str | None
    end: str | None

    @property
    def value(self) -> float | None:
        if self.result is None:
            return None
        return int(self.result.value) if self.result.datatype.value == XSD + "integer" \
            else float(self.result.value)

    def one(self, predicate: str):
        values = self.props.get(predicate, [])
        assert len(values) == 1, f"{self.iri}: expected one {predicate}, got {values}"
        return values[0]


def split_path(path: str) -> tuple[str, str, str, str, str | None]:
    """(metric, feature, period, stamp, qualifier) of an observation IRI path."""
    parts = path.split("/")
    metric, kind = parts[0], parts[1]
    width = 1 if kind in ("camera", "zone") else 2
    feature = "/".join(parts[1:2 + width])
    rest = parts[2 + width:]
    assert len(rest) in (2, 3) and rest[0] in ("hour", "day"), f"unexpected observation path {path}"
    return metric, feature, rest[0], rest[1], rest[2] if len(rest) == 3 else None


def _node(term, graph):
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value
    if isinstance(term, pyoxigraph.BlankNode):
        return ("_", graph, term.value)
    return term


def load_published(nquads: str, base_url: str) -> dict[str, Pub]:
    """The observations of an `export --latest --canonical` N-Quads document, by IRI path."""
    subjects: dict = defaultdict(lambda: defaultdict(list))
    graphs: dict[str, set] = defaultdict(set)
    for quad in pyoxigraph.parse(nquads.encode("utf-8"), pyoxigraph.RdfFormat.N_QUADS):
        graph = quad.graph_name.value if isinstance(quad.graph_name, pyoxigraph.NamedNode) else None
        subject = _node(quad.subject, graph)
        subjects[subject][quad.predicate.value].append(_node(quad.object, graph))
        if isinstance(subject, str):
            graphs[subject].add(graph)
    prefix = f"{base_url}/id/observation/"
    out: dict[str, Pub] = {}
    for subject, props in subjects.items():
        if not (isinstance(subject, str) and subject.startswith(prefix)):
            continue
        assert graphs[subject] == {subject}, f"{subject} is described in graphs {graphs[subject]}"
        path = subject[len(prefix):]
        metric, feature, period, stamp, qualifier = split_path(path)
        results = props.get(SOSA + "hasSimpleResult", [])
        suppressed_values = props.get(KP + "suppressed", [])
        assert len(results) <= 1, f"{subject}: several results {results}"
        suppressed = any(isinstance(v, pyoxigraph.Literal) and v.value == "true"
                         and v.datatype.value == XSD + "boolean" for v in suppressed_values)
        begin = end = None
        intervals = props.get(SOSA + "phenomenonTime", [])
        if len(intervals) == 1:
            interval = subjects[intervals[0]]
            bounds = []
            for edge in (TIME + "hasBeginning", TIME + "hasEnd"):
                instants = interval.get(edge, [])
                stamps = subjects[instants[0]].get(TIME + "inXSDDateTimeStamp", []) if len(instants) == 1 else []
                bounds.append(stamps[0].value if len(stamps) == 1 else None)
            begin, end = bounds
        out[path] = Pub(subject, path, metric, feature, period, stamp, qualifier, dict(props),
                        results[0] if results else None, suppressed, begin, end)
    return out


# --------------------------------------------------------------------------------------------
# Running the pipeline
# --------------------------------------------------------------------------------------------

SECRET = "kruispunt-e2e-treatment-reference-secret-0123456789"
BASE_URL = "http://127.0.0.1:8080"


@dataclasses.dataclass
class Network:
    """A generated data set with its registry (the generator's zones plus the extra ones)."""
    dir: Path
    csv: Path
    cameras: Path
    zones_csv: Path
    detections: list[Det]
    zones: dict[str, dict[str, str]]


def extra_zones(generated_zones: Path) -> list[dict[str, str]]:
    """Per city a second, overlapping zone around the ring, so that zone pairs, cameras in two
    zones with different roles and cameras shared by two zones are exercised:
    `{city}-ring`: ring camera 7 entry, ring camera 8 exit, the centre's cordon-1 exit camera
    (also an exit of the centre) exit, and the centre's cordon-1 entry camera inside."""
    rows = list(csv.DictReader(generated_zones.open(newline="", encoding="utf-8")))
    out = []
    for zone in sorted({r["zone_id"] for r in rows}):
        cams = sorted(r["camera_id"] for r in rows if r["zone_id"] == zone)
        stem = cams[0][:-2]
        city = zone.split("-")[0]
        name = city.capitalize() + " ring"
        for suffix, role in (("07", "entry"), ("08", "exit"), ("02", "exit"), ("01", "inside")):
            out.append({"zone_id": f"{city}-ring", "name": name, "camera_id": stem + suffix, "role": role})
    return out


def run_binary(binary: Path, data_dir: Path, *args: str, timeout: float = 300) -> str:
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL=BASE_URL,
                    TZ=os.environ.get("KRUISPUNT_E2E_TZ", "UTC"))
    data_dir = data_dir.resolve()
    argv = [str(binary), "--data-dir", str(data_dir), *args]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=data_dir.parent)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(argv)}` exited with {done.returncode}\n{done.stderr[-3000:]}",
                    pytrace=False)
    return done.stdout


def generate_network(binary: Path, parent: Path, vehicles: int, days: int, start: str, seed: int,
                     cities: str | None = None) -> Network:
    parent = parent.resolve()
    run_binary(binary, parent / "unused", "generate", "--vehicles", str(vehicles), "--days", str(days),
               "--start", start, "--seed", str(seed), "--out", str(parent / "d.csv"),
               "--registry", str(parent / "reg"), *(["--cities", cities] if cities else []))
    generated = parent / "reg" / "zones.csv"
    zones_csv = parent / "zones.csv"
    rows = list(csv.DictReader(generated.open(newline="", encoding="utf-8"))) + extra_zones(generated)
    with zones_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["zone_id", "name", "camera_id", "role"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Network(parent, parent / "d.csv", parent / "reg" / "cameras.csv", zones_csv,
                   read_detections(parent / "d.csv"), read_zones(zones_csv))


def treat_and_export(binary: Path, network: Network, data_dir: Path, min_count: int) -> str:
    """Imports the registry, ingests, treats with `--min-count`, and returns the latest state."""
    try:
        run_binary(binary, data_dir, "cameras", "import", str(network.cameras))
        run_binary(binary, data_dir, "zones", "import", str(network.zones_csv))
        run_binary(binary, data_dir, "ingest", str(network.csv))
        run_binary(binary, data_dir, "treat", "--min-count", str(min_count))
        return run_binary(binary, data_dir, "export", "--latest", "--canonical")
    finally:
        _stop_leftover_cluster(data_dir)


# --------------------------------------------------------------------------------------------
# Sum relations over the published graph (the attacker's view)
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Relation:
    kind: str
    total: str            # cell path of the total
    parts: list[str]      # cell paths of the parts (published, suppressed or absent)


def sum_relations(pubs: dict, zones: dict[str, dict[str, str]]) -> list[Relation]:
    """Every sum relation of README "No differencing" among the given cells (Pub or Cell values):
    built from the published cells, the relations an attacker can write down. Parts that are
    not among the cells (absent) are not listed."""
    relations: list[Relation] = []
    camera_zones: dict[str, set[str]] = defaultdict(set)
    for zone, members in zones.items():
        for camera in members:
            camera_zones[camera].add(zone)
    cells = list(pubs.values())

    # hours -> day (same feature, same qualifier)
    days: dict = defaultdict(set)
    for p in cells:
        if p.metric in ("vehicle-count", "vehicle-type", "od-flow", "entering-vehicles", "through-traffic"):
            key = (p.metric, p.feature, p.local_day, p.qualifier)
            if p.period == "hour":
                days[key].add(p.path)
            else:
                days.setdefault(key, set())
    for (metric, feature, day, qualifier), hours in days.items():
        if feature.startswith("zone-flow/"):
            continue
        relations.append(Relation("hours->day", cell_path(metric, feature, "day", day, qualifier), sorted(hours)))

    # vehicle types of camera + bucket -> vehicle count
    types: dict = defaultdict(set)
    for p in cells:
        if p.metric == "vehicle-count":
            types.setdefault((p.feature, p.period, p.stamp), set())
        elif p.metric == "vehicle-type":
            types[(p.feature, p.period, p.stamp)].add(p.path)
    for (feature, period, stamp), parts in types.items():
        relations.append(Relation("types->count", cell_path("vehicle-count", feature, period, stamp), sorted(parts)))

    # travel-time bins of pair/day -> od-flow day
    ttbins: dict = defaultdict(set)
    for p in cells:
        if p.metric == "od-flow" and p.period == "day" and p.feature.startswith("flow/"):
            ttbins.setdefault((p.feature, p.stamp), set())
        elif p.metric == "travel-time-distribution":
            ttbins[(p.feature, p.stamp)].add(p.path)
    for (feature, stamp), parts in ttbins.items():
        relations.append(Relation("bins->flow", cell_path("od-flow", feature, "day", stamp), sorted(parts)))

    # camera-pair day flows between zone X and zone Y -> zone-flow X/Y
    zflows: dict = defaultdict(set)
    for p in cells:
        if p.metric == "od-flow" and p.period == "day":
            if p.feature.startswith("zone-flow/"):
                zflows.setdefault((p.feature, p.stamp), set())
            else:
                a, c = p.feature_ids
                for x in camera_zones.get(a, ()):
                    for y in camera_zones.get(c, ()):
                        if x != y:
                            zflows[(_feature_path("zone-flow", x, y), p.stamp)].add(p.path)
    for (feature, stamp), parts in zflows.items():
        relations.append(Relation("flows->zone-flow", cell_path("od-flow", feature, "day", stamp), sorted(parts)))

    # vehicle counts of a zone's entry cameras -> entering vehicles
    entering: dict = defaultdict(set)
    for p in cells:
        if p.metric == "entering-vehicles":
            entering.setdefault((p.feature, p.period, p.stamp), set())
    for p in cells:
        if p.metric == "vehicle-count":
            camera = p.feature_ids[0]
            for zone in camera_zones.get(camera, ()):
                if zones[zone][camera] == "entry":
                    entering[(_feature_path("zone", zone), p.period, p.stamp)].add(p.path)
    for (feature, period, stamp), parts in entering.items():
        relations.append(Relation("entries->entering", cell_path("entering-vehicles", feature, period, stamp),
                                  sorted(parts)))
    return relations


def possible_slots(relation: Relation, zones: dict[str, dict[str, str]]) -> int | None:
    """How many part cells a relation can have at most (None: its parts are dense, so an absent
    part is a known 0)."""
    metric = relation.total.split("/")[0]
    if relation.kind == "hours->day":
        if metric in DENSE_METRICS:
            return None
        day = dt.date.fromisoformat(relation.total.split("/")[-2 if metric == "vehicle-type" else -1])
        begin, end = local_day_bounds_utc(day)
        return int((end - begin).total_seconds() // 3600)
    if relation.kind == "types->count":
        return len(VEHICLE_CLASSES)
    if relation.kind == "bins->flow":
        return MAX_TRAVEL_US // 60_000_000 + 1
    if relation.kind == "flows->zone-flow":
        _, _, x, y, *_ = relation.total.split("/")
        xs, ys = zones[unquote(x)], zones[unquote(y)]
        return sum(1 for a in xs for c in ys if a != c)
    return None  # entries->entering: vehicle counts are dense


def local_day_bounds_utc(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    nxt = day + dt.timedelta(days=1)
    return (dt.datetime(day.year, day.month, day.day, tzinfo=BRUSSELS).astimezone(UTC),
            dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=BRUSSELS).astimezone(UTC))


@dataclasses.dataclass
class Attack:
    relations: int = 0
    checked_totals: int = 0            # relations with a published total
    remainders: list = dataclasses.field(default_factory=list)   # (relation, remainder) violating (a)
    pinned: dict = dataclasses.field(default_factory=dict)       # path -> pinned value
    leaks: list = dataclasses.field(default_factory=list)        # (path, value, why)
    rounds: int = 0


def attack(pubs: dict[str, Pub], relations: list[Relation], zones: dict[str, dict[str, str]], k: int) -> Attack:
    """(a) remainders of published totals, (b) propagation of single unknowns to a fixpoint.

    Known: published results; absent dense cells (0). Unknown: kp:suppressed cells, absent
    sparse cells. The absent sparse parts of a relation form one unknown 'pool' (the attacker
    learns at most their sum) unless every possible part is published."""
    out = Attack(relations=len(relations))
    known: dict[str, float] = {p: pub.value for p, pub in pubs.items() if pub.result is not None}

    def total_known(path: str) -> float | None:
        if path in known:
            return known[path]
        metric = path.split("/")[0]
        if path not in pubs and metric in DENSE_METRICS:
            return 0
        return None

    slots = [possible_slots(r, zones) for r in relations]
    for relation in relations:
        total = total_known(relation.total)
        if relation.total in pubs and pubs[relation.total].result is not None:
            out.checked_totals += 1
            remainder = total - sum(known.get(p, 0) for p in relation.parts)
            if not (remainder == 0 or remainder >= k):
                out.remainders.append((relation, remainder))

    changed = True
    while changed:
        changed = False
        out.rounds += 1
        for relation, slot_count in zip(relations, slots):
            unknown_parts = [p for p in relation.parts if p not in known]
            absent_slots = 0 if slot_count is None else slot_count - len(relation.parts)
            pool = absent_slots > 0
            total = total_known(relation.total)
            unknowns = len(unknown_parts) + (1 if pool else 0) + (1 if total is None else 0)
            if unknowns != 1:
                continue
            known_sum = sum(known[p] for p in relation.parts if p in known)
            if total is None:
                target, value = relation.total, known_sum
            elif pool:
                remainder = total - known_sum
                if absent_slots == 1 and remainder != 0:
                    out.leaks.append((f"{relation.kind} {relation.total} (its one absent part)", remainder,
                                      "the only absent part is pinned to a non-zero value"))
                continue
            else:
                target, value = unknown_parts[0], total - known_sum
            known[target] = value
            out.pinned[target] = value
            changed = True
            if target in pubs and pubs[target].suppressed:
                out.leaks.append((target, value, f"suppressed cell pinned by {relation.kind} {relation.total}"))
            elif target not in pubs and value != 0:
                out.leaks.append((target, value, f"absent cell pinned by {relation.kind} {relation.total}"))
    return out


def unavoidable_type_suppressions(truth: dict[str, Cell], k: int) -> list[str]:
    """Camera buckets whose vehicle classes force one cell >= k to be hidden: the vehicle count
    is >= k and its small classes (0 < v < k, hidden anyway) add up to 1..k-1, so README's rule
    (a published total has no hidden parts or hidden parts adding up to k or more) needs one more
    hidden cell, and every remaining candidate (a large class or the count) is >= k. The
    candidate sets of different buckets are disjoint: a lower bound on the large cells hidden."""
    small: dict = defaultdict(int)
    for cell in truth.values():
        if cell.metric == "vehicle-type" and cell.value < k:
            small[cell_path("vehicle-count", cell.feature, cell.period, cell.stamp)] += cell.value
    return sorted(path for path, s in small.items() if 0 < s < k and truth[path].value >= k)


def published_zones(nquads: str, base_url: str) -> dict[str, dict[str, str]]:
    """Zone membership from the published kp:Zone descriptions (kp:entryCamera, kp:exitCamera,
    kp:insideCamera) of a full `export`."""
    roles = {KP + "entryCamera": "entry", KP + "exitCamera": "exit", KP + "insideCamera": "inside"}
    zone_prefix, camera_prefix = f"{base_url}/id/zone/", f"{base_url}/id/camera/"
    typed: set[str] = set()
    members: dict[str, dict[str, str]] = defaultdict(dict)
    for quad in pyoxigraph.parse(nquads.encode("utf-8"), pyoxigraph.RdfFormat.N_QUADS):
        s, p, o = quad.subject, quad.predicate.value, quad.object
        if not isinstance(s, pyoxigraph.NamedNode) or not s.value.startswith(zone_prefix):
            continue
        zone = unquote(s.value[len(zone_prefix):])
        if p == RDF_TYPE and isinstance(o, pyoxigraph.NamedNode) and o.value == KP + "Zone":
            typed.add(zone)
        elif p in roles and isinstance(o, pyoxigraph.NamedNode) and o.value.startswith(camera_prefix):
            camera = unquote(o.value[len(camera_prefix):])
            assert camera not in members[zone], f"camera {camera} has two roles in zone {zone}"
            members[zone][camera] = roles[p]
    assert set(members) <= typed, f"zones with cameras but no kp:Zone type: {set(members) - typed}"
    return dict(members)
