"""Issue 3 input formats through the real binary: gzip, semicolons with Dutch headers, NDJSON,
--map, standard input and patterns; every line ends up accepted, duplicate or quarantined."""

import gzip
import json
import subprocess

import pytest

from conftest import clean_env, private_dir

HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type"
ROWS = [
    ["31001", "BO-1", "2026-10-25T01:59:59.000+02:00", "51.02", "4.48", "aa11", "B", "45", "personenwagen"],
    ["31001", "BO-1", "2026-10-25T02:30:00.000+02:00", "51.02", "4.48", "aa12", "BEL", "0", "Bestelwagen"],
    ["31001", "BO-1", "2026-10-25T02:30:00.000+01:00", "51.02", "4.48", "aa13", "NL", "260", "bus"],
    ["31002", "BO-2", "2026-03-29T01:59:00Z", "", "", "aa14", "F", "", "moto"],
    ["31002", "BO-2", "2026-03-29T03:00:00+02:00", "51.03", "4.49", "aa15", "D", "50", "vrachtwagen"],
]
BAD = [
    ["3100X", "BO-1", "2026-10-25T02:30:00Z", "51", "4", "bb1", "BE", "50", "car"],   # camera id not digits
    ["31001", "BO-1", "2026-10-25 02:30", "51", "4", "bb2", "BE", "50", "car"],       # no seconds, no offset
    ["31001", "BO-1", "2026-10-25T02:30:00Z", "51", "4", "", "BE", "50", "car"],      # empty plate hash
    ["31001", "BO-1", "2026-10-25T02:30:00Z", "95", "4", "bb4", "BE", "50", "car"],   # latitude out of range
    ["31001", "BO-1", "2026-10-25T02:30:00Z", "51", "4", "bb5", "BE", "fast", "car"], # speed not a number
]


@pytest.fixture
def cli(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "formats")
    data = parent / "data"
    env = clean_env()

    def run(*args, stdin: bytes | None = None):
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), *args], input=stdin,
                              capture_output=True, env=env, timeout=120, cwd=parent)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        return done
    run.dir = parent
    return run


def summary(done) -> dict:
    result = json.loads(done.stdout)
    assert result["lines"] == result["accepted"] + result["duplicates"] + result["quarantined"]
    return result


def csv_text(rows, header=HEADER, sep=","):
    return "\n".join([header.replace(",", sep)] + [sep.join(r) for r in rows]) + "\n"


def test_gzip_semicolon_dutch_headers(cli):
    dutch = "cameranummer;backoffice;tijdstip;breedtegraad;lengtegraad;nummerplaat_hash;nationaliteit;snelheid;voertuigtype"
    path = cli.dir / "export.csv.gz"
    path.write_bytes(gzip.compress(csv_text(ROWS + BAD, header=dutch.replace(";", ","), sep=";").encode()))
    done = cli("ingest", "--json", str(path))
    assert summary(done) == {"lines": 10, "accepted": 5, "duplicates": 0, "quarantined": 5}
    for n in range(7, 12):
        assert f"{path}:{n}:" in done.stderr.decode(), f"line {n} not reported"
    # The same rows again, plain and through a pattern: all duplicates (across batches).
    (cli.dir / "again.csv").write_text(csv_text(ROWS))
    assert summary(cli("ingest", "--json", str(cli.dir / "again*.csv"))) == \
        {"lines": 5, "accepted": 0, "duplicates": 5, "quarantined": 0}


def test_ndjson_and_standard_input(cli):
    names = HEADER.split(",")
    objects = [dict(zip(names, r)) for r in ROWS]
    objects[0]["latitude"], objects[0]["longitude"] = 51.02, 4.48   # numbers, as JSON writers do
    lines = [json.dumps(o) for o in objects] + ["[1, 2]", "{broken"]
    done = cli("ingest", "--json", "-", stdin=("\n".join(lines) + "\n").encode())
    assert summary(done) == {"lines": 7, "accepted": 5, "duplicates": 0, "quarantined": 2}
    assert "<stdin>:6: not a JSON object" in done.stderr.decode()


def test_column_mapping(cli):
    header = "Cam,BO,When,Lat,Lon,Plate,Nat,Kmh,Kind"
    path = cli.dir / "mapped.csv"
    path.write_text(csv_text(ROWS, header=header))
    mapping = "camera_id=Cam,backoffice_id=BO,timestamp=When,latitude=Lat,longitude=Lon,plate_hash=Plate," \
              "nationality=Nat,speed_kmh=Kmh,vehicle_type=Kind"
    assert summary(cli("ingest", "--json", "--map", mapping, str(path)))["accepted"] == 5


def test_a_file_without_required_columns_is_refused_whole(kruispunt_binary, cli):
    path = cli.dir / "wrong.csv"
    path.write_text("camera_id,timestamp\n31001,2026-10-25T02:30:00Z\n")
    env = clean_env()
    done = subprocess.run([str(kruispunt_binary), "--data-dir", str(cli.dir / "data"), "ingest", "--json", str(path)],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "plate_hash" in done.stderr.decode() and "nothing of this file was applied" in done.stderr.decode()
