"""Issue 3: camera and zone registry, cameras learned from detections flagged for review, and the
quarantine round trip (list without raw text, export, correct, ingest again)."""

import csv
import io
import json
import stat
import subprocess

import pytest

from conftest import clean_env, private_dir

HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"


@pytest.fixture
def cli(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "registry")
    env = clean_env()

    def run(*args, check=True):
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), *args],
                              capture_output=True, text=True, env=env, timeout=120)
        if check:
            assert done.returncode == 0, done.stderr[-2000:]
        return done
    run.dir = parent
    return run


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_registry_import_and_review_flags(cli):
    cameras = cli.dir / "cameras.csv"
    cameras.write_text("camera_id,backoffice_id,name,latitude,longitude,municipality,bearing\n"
                       "31001,BO-1,\"Mechelen, Grote Markt\",51.0279,4.4803,Mechelen,90\n"
                       "31002,BO-1,Mechelen Station,51.0176,4.4832,Mechelen,\n")
    # A quoted name with a comma is not supported by the registry's simple CSV: it must be refused whole.
    assert cli("cameras", "import", str(cameras), check=False).returncode != 0
    cameras.write_text("camera_id;backoffice_id;name;latitude;longitude;municipality;bearing\n"
                       "31001;BO-1;Mechelen, Grote Markt;51.0279;4.4803;Mechelen;90\n"
                       "31002;BO-1;Mechelen Station;51.0176;4.4832;Mechelen;\n")
    assert "2 cameras imported" in cli("cameras", "import", str(cameras)).stdout
    bad = cli.dir / "bad-cameras.csv"
    bad.write_text("camera_id,backoffice_id,name,latitude,longitude,municipality\nABC,BO,x,51,4,M\n31003,BO,y,951,4,M\n")
    refused = cli("cameras", "import", str(bad), check=False)
    assert refused.returncode != 0
    assert "line 2" in refused.stderr and "line 3" in refused.stderr and "nothing was applied" in refused.stderr

    zones = cli.dir / "zones.csv"
    zones.write_text("zone_id,name,camera_id,role\ncentrum,Centrum,31001,entry\ncentrum,Centrum,31002,exit\n")
    outline = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"zone_id": "centrum"},
               "geometry": {"type": "Polygon", "coordinates": [[[4.47, 51.02], [4.49, 51.02], [4.49, 51.03], [4.47, 51.02]]]}}]}
    (cli.dir / "zones.geojson").write_text(json.dumps(outline))
    assert "1 zones imported (2 camera roles, 1 outlines)" in cli("zones", "import", str(zones), "--geojson", str(cli.dir / "zones.geojson")).stdout
    assert [(r["zone_id"], r["camera_id"], r["role"]) for r in rows(cli("zones", "list").stdout)] == \
        [("centrum", "31001", "entry"), ("centrum", "31002", "exit")]
    refused = cli("zones", "import", str(bad), check=False)
    assert refused.returncode != 0 and "zone_id" in refused.stderr
    # An outline that is no polygon (or an open ring) refuses the file, naming the feature.
    wrong = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"zone_id": "centrum"}, "geometry": {"type": "Point", "coordinates": [4.48, 51.02]}},
        {"type": "Feature", "properties": {"zone_id": "rand"},
         "geometry": {"type": "Polygon", "coordinates": [[[4.4, 51.0], [4.5, 51.0], [4.5, 51.1], [4.4, 51.1]]]}}]}
    (cli.dir / "wrong.geojson").write_text(json.dumps(wrong))
    refused = cli("zones", "import", str(zones), "--geojson", str(cli.dir / "wrong.geojson"), check=False)
    assert refused.returncode != 0
    assert "feature 1 (zone centrum)" in refused.stderr and "Point" in refused.stderr, refused.stderr
    assert "feature 2 (zone rand)" in refused.stderr and "end where it starts" in refused.stderr, refused.stderr

    detections = cli.dir / "d.csv"
    detections.write_text(HEADER + "31001,BO-1,2026-10-24T08:00:00Z,,,p1,BE,50,car\n"
                                   "31009,BO-3,2026-10-24T08:00:00Z,51.05,4.45,p2,BE,50,car\n")
    cli("ingest", str(detections))
    listed = {r["camera_id"]: r for r in rows(cli("cameras", "list").stdout)}
    assert listed["31001"]["name"] == "Mechelen, Grote Markt" and listed["31001"]["needs_review"] == "f"
    assert listed["31009"]["source"] == "detection" and listed["31009"]["needs_review"] == "t"
    assert listed["31009"]["latitude"] == "51.05"
    assert [r["camera_id"] for r in rows(cli("cameras", "list", "--review").stdout)] == ["31009"]


def test_quarantine_round_trip(cli):
    source = cli.dir / "in.csv"
    source.write_text(HEADER + "31001,BO,2026-10-24T08:00:00Z,51,4,secretplate1,BE,50,car\n"
                               "31001,BO,2026-10-24T08:00:01,51,4,secretplate2,BE,50,car\n"
                               "31001,BO,2026-10-24T08:00:02Z,51,4,secretplate3,BE,quick,car\n")
    assert json.loads(cli("ingest", "--json", str(source)).stdout)["quarantined"] == 2
    listed = cli("quarantine", "list")
    assert [(r["line"], r["source"]) for r in rows(listed.stdout)] == [("3", str(source)), ("4", str(source))]
    assert "secretplate" not in listed.stdout + listed.stderr, "the quarantine list shows raw lines"

    exported = cli.dir / "to-fix.csv"
    cli("quarantine", "export", "--out", str(exported))
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    text = exported.read_text()
    assert text.startswith(HEADER) and "secretplate2" in text and "secretplate3" in text
    fixed = text.replace("08:00:01,", "08:00:01Z,").replace(",quick,", ",48,")
    exported.write_text(fixed)
    again = json.loads(cli("ingest", "--json", str(exported)).stdout)
    assert again == {"lines": 2, "accepted": 2, "duplicates": 0, "quarantined": 0}
    assert "2 quarantined lines deleted" in cli("quarantine", "delete", "--batch", "1").stdout
    assert rows(cli("quarantine", "list").stdout) == []
