"""Issue 3: Lambert 72 (EPSG:31370) and Lambert 2008 (EPSG:3812) coordinates are converted to
WGS84 with PROJ; checked against pyproj (its own bundled PROJ build) on known points."""

import csv
import io
import subprocess

import pytest
from pyproj import Transformer

from conftest import clean_env, private_dir

# Mechelen, Grote Markt (Lambert 72) and Kortrijk station area (Lambert 2008).
POINTS_72 = [("31001", 157_432.0, 189_234.0), ("31002", 152_100.5, 212_050.25)]
POINTS_08 = [("31003", 573_210.0, 668_940.0)]


def run(kruispunt_binary, parent, *args):
    env = clean_env()
    done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("header,points,crs,extra", [
    ("x_lambert72,y_lambert72", POINTS_72, "EPSG:31370", []),
    ("x,y", POINTS_08, "EPSG:3812", ["--crs", "EPSG:3812"]),
])
def test_lambert_points_match_pyproj(kruispunt_binary, tmp_path_factory, header, points, crs, extra):
    parent = private_dir(tmp_path_factory, "lambert")
    lines = [f"camera_id,backoffice_id,timestamp,{header},plate_hash,nationality,speed_kmh,vehicle_type"]
    lines += [f"{cam},BO,2026-10-24T08:00:00Z,{x},{y},p{cam},BE,50,car" for cam, x, y in points]
    lines += ["31009,BO,2026-10-24T08:00:00Z,east,north,p9,BE,50,car"]
    path = parent / "lambert.csv"
    path.write_text("\n".join(lines) + "\n")
    out = run(kruispunt_binary, parent, "ingest", *extra, str(path))
    assert f"{len(points) + 1} lines: {len(points)} accepted, 0 duplicates, 1 quarantined" in out
    cameras = {r["camera_id"]: r for r in csv.DictReader(io.StringIO(run(kruispunt_binary, parent, "cameras", "list")))}
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    for cam, x, y in points:
        lon, lat = to_wgs84.transform(x, y)
        assert abs(float(cameras[cam]["latitude"]) - lat) < 1e-9, (cam, cameras[cam], lat)
        assert abs(float(cameras[cam]["longitude"]) - lon) < 1e-9, (cam, cameras[cam], lon)
        assert 49.4 < lat < 51.6 and 2.5 < lon < 6.5, "the point is not in Belgium"
