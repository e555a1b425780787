"""Issue 3: a watched drop folder processes each file once, then moves it to processed/ or, when
refused as a whole, to failed/ with the reason; files still being written wait."""

import subprocess

from conftest import clean_env, private_dir

HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
GOOD = HEADER + "".join(f"31001,BO,2026-10-24T09:{m:02d}:00Z,51,4,dropplate{m},BE,50,car\n" for m in range(12))


def test_drop_folder(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "drop")
    drop = parent / "drop"
    drop.mkdir()
    (drop / "good.csv").write_text(GOOD)
    (drop / "bad.csv").write_text("camera_id,timestamp\n31001,2026-10-24T09:00:00Z\n")
    (drop / "coming.csv.part").write_text(GOOD)
    env = clean_env()

    def watch_once():
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "ingest", "--watch", str(drop), "--once"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    out = watch_once()
    assert "good.csv: 12 lines, 12 accepted, 0 duplicates, 0 quarantined" in out
    assert "bad.csv: refused" in out
    assert sorted(p.name for p in drop.iterdir()) == ["coming.csv.part", "failed", "processed"]
    assert (drop / "processed" / "good.csv").read_text() == GOOD
    assert "plate_hash" in (drop / "failed" / "bad.csv.reason.txt").read_text()
    assert watch_once() == "", "a second pass processed something again"

    (drop / "coming.csv.part").rename(drop / "coming.csv")     # the writer finished
    assert "coming.csv: 12 lines, 0 accepted, 12 duplicates, 0 quarantined" in watch_once()
    assert (drop / "processed" / "coming.csv").exists()
