"""Issue 3: the synthetic network generator: deterministic, registry files that import, ground
truth that matches the detections, NDJSON, faults that ingestion catches, streaming to a server."""

import csv
import io
import json
import signal
import subprocess
from collections import Counter

import pytest

from conftest import clean_env, free_port, private_dir, wait_ready


@pytest.fixture
def work(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "generator")
    env = clean_env()

    def run(*args, extra_env=None, check=True):
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), *args], capture_output=True,
                              text=True, env={**env, **(extra_env or {})}, timeout=300, cwd=parent)
        if check:
            assert done.returncode == 0, done.stderr[-2000:]
        return done
    run.dir, run.env = parent, env
    return run


def test_registry_truth_and_determinism(work):
    args = ["generate", "--cities", "Mechelen,Kortrijk", "--cameras", "8", "--vehicles", "600", "--days", "1", "--seed", "5"]
    work(*args, "--out", "a.csv", "--registry", "reg", "--truth", "truth.csv")
    work(*args, "--out", "b.csv")
    a = (work.dir / "a.csv").read_text()
    assert a == (work.dir / "b.csv").read_text(), "same seed, different data"
    cameras = list(csv.DictReader((work.dir / "reg" / "cameras.csv").open()))
    assert len(cameras) == 16 and {c["municipality"] for c in cameras} == {"Mechelen", "Kortrijk"}
    zones = list(csv.DictReader((work.dir / "reg" / "zones.csv").open()))
    assert {z["zone_id"] for z in zones} == {"mechelen-centrum", "kortrijk-centrum"}
    assert Counter(z["role"] for z in zones) == Counter({"entry": 4, "exit": 4, "inside": 4})
    assert "16 cameras imported" in work("cameras", "import", str(work.dir / "reg" / "cameras.csv")).stdout
    # Each zone's outline encloses its entry, exit and inside cameras and leaves the ring outside.
    outlines = {f["properties"]["zone_id"]: f["geometry"]["coordinates"][0]
                for f in json.loads((work.dir / "reg" / "zones.geojson").read_text())["features"]}
    assert set(outlines) == {"mechelen-centrum", "kortrijk-centrum"}

    def inside(ring, lon, lat):
        crossings = 0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
        return crossings % 2 == 1
    where = {c["camera_id"]: (float(c["longitude"]), float(c["latitude"])) for c in cameras}
    for z in zones:
        assert inside(outlines[z["zone_id"]], *where[z["camera_id"]]), z
    in_zones = {z["camera_id"] for z in zones}
    assert not any(inside(ring, *where[c]) for ring in outlines.values() for c in where if c not in in_zones)
    assert "2 zones imported (12 camera roles, 2 outlines)" in work(
        "zones", "import", str(work.dir / "reg" / "zones.csv"), "--geojson", str(work.dir / "reg" / "zones.geojson")).stdout

    detections = list(csv.DictReader(io.StringIO(a)))
    truth = list(csv.DictReader((work.dir / "truth.csv").open()))
    assert len(truth) == len(detections) > 1000
    assert [(t["camera_id"], t["written_timestamp"], t["plate_hash"]) for t in truth] == \
        [(d["camera_id"], d["timestamp"], d["plate_hash"]) for d in detections]
    kinds = Counter(t["kind"] for t in truth)
    assert set(kinds) == {"through", "destination", "ring", "local"}, kinds
    # Every through trip enters at an entry camera and leaves at an exit camera.
    roles = {(z["camera_id"]): z["role"] for z in zones}
    trips: dict[str, list] = {}
    for t in truth:
        trips.setdefault(t["trip"], []).append(t)
    for trip in (v for v in trips.values() if v[0]["kind"] == "through" and len(v) == 3):
        assert roles[trip[0]["camera_id"]] == "entry" and roles[trip[-1]["camera_id"]] == "exit"
    assert json.loads(work("ingest", "--json", str(work.dir / "a.csv")).stdout)["accepted"] == len(detections)


def test_ndjson_and_faults(work):
    work("generate", "--format", "ndjson", "--faults", "all", "--vehicles", "3000", "--days", "2", "--seed", "9", "--out", "f.ndjson")
    lines = (work.dir / "f.ndjson").read_text().splitlines()
    result = json.loads(work("ingest", "--json", str(work.dir / "f.ndjson")).stdout)
    assert result["lines"] == len(lines)
    assert result["duplicates"] > 0 and result["quarantined"] > 0, result
    assert result["accepted"] + result["duplicates"] + result["quarantined"] == result["lines"]


def test_streaming_to_a_server(work, kruispunt_binary):
    port, token = free_port(), "a-stream-token-for-the-tests"
    server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(work.dir / "server"), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**work.env, "KRUISPUNT_INGEST_TOKENS": token})
    try:
        wait_ready(f"http://127.0.0.1:{port}", server)
        done = work("generate", "--vehicles", "200", "--days", "1", "--rate", "300", "--to", f"http://127.0.0.1:{port}",
                    extra_env={"KRUISPUNT_INGEST_TOKEN": token})
        total = int(done.stderr.strip().splitlines()[-1].split()[-2])
        assert done.stderr.count("sent ") == -(-total // 300)
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    # Everything arrived exactly once: ingesting the same data again finds only duplicates.
    work("generate", "--vehicles", "200", "--days", "1", "--out", "same.csv")
    result = json.loads(work("--data-dir", str(work.dir / "server"), "ingest", "--json", str(work.dir / "same.csv")).stdout)
    assert (result["accepted"], result["duplicates"]) == (0, total)
