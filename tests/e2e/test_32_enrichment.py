"""Issue 10: the vehicle-registry extract. `kruispunt generate --registry-extract` writes an extract
matching the generated vehicles; `kruispunt enrich import` pseudonymises it with the detections'
own period keys, so that (checked here in SQL against the detections) every detection of a vehicle
in the extract finds its record, only inside its own key period, while no plate hash and no exact
registration date is stored. A bad extract is refused whole, and a period's records go with its
detections when they are purged."""

import csv
import io
import json
import time

import pytest

from conftest import clean_env, cli_runner, private_dir, psql_rows as psql, serving


@pytest.fixture(scope="module")
def work(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "enrichment")
    data = parent / "data"
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="enrichment-test-secret-0123456789abcdef")
    cli = cli_runner(kruispunt_binary, data, env)
    cli("generate", "--cities", "Mechelen", "--cameras", "4", "--vehicles", "800", "--days", "2", "--start", "2026-10-24",
        "--seed", "3", "--registry", str(parent), "--registry-extract", str(parent / "extract.csv"), "--out", str(parent / "d.csv"))
    cli("cameras", "import", str(parent / "cameras.csv"))
    cli("ingest", str(parent / "d.csv"))
    return parent, data, env, cli, kruispunt_binary




def test_a_bad_extract_is_refused_whole(work):
    parent, _, _, cli, _ = work
    bad = parent / "bad.csv"
    bad.write_text("plate_hash,euro_class,first_registration,fuel,category,country\n"
                   "aaaa1111,6,2019-04,diesel,M1,BE\n"
                   "aaaa1111,5,2012,petrol,M1,BE\n"
                   "bbbb2222,Euro 9,2012,petrol,M1,BE\n"
                   "cccc3333,4,1850,petrol,M1,BE\n"
                   "dddd4444,4,2008,steam,M1,BE\n"
                   "eeee5555,4,2008,petrol,Z9,BE\n"
                   "ffff6666,4,2008,petrol,M1,Atlantis\n")
    done = cli("enrich", "import", str(bad), check=False)
    assert done.returncode != 0
    for says in ["line 4: euro_class", "line 5: first_registration", "line 6: fuel", "line 7: category", "line 8: country",
                 "line 3: the same plate_hash as line 2", "nothing was applied"]:
        assert says in done.stderr, (says, done.stderr)
    assert "cannot read" in cli("enrich", "import", str(parent / "missing.csv"), check=False).stderr


def test_the_extract_joins_each_detection_in_its_own_key_period_only(work):
    parent, data, env, cli, binary = work
    extract = list(csv.DictReader(io.StringIO((parent / "extract.csv").read_text())))
    known = {r["plate_hash"] for r in extract}
    detections = list(csv.DictReader(io.StringIO((parent / "d.csv").read_text())))
    assert 0.9 < len(known) / 800 < 1, "the generator leaves about one vehicle in twenty out"
    summary = json.loads(cli("enrich", "import", "--json", str(parent / "extract.csv")).stdout)
    assert summary["records"] == len(extract)
    assert {"2026-10-24", "2026-10-25"} <= set(summary["periods"])
    assert summary["rows"] == len(extract) * len(summary["periods"])
    expected_matches = sum(1 for d in detections if d["plate_hash"] in known)
    with serving(binary, data, env):
        assert int(psql(data, "SELECT count(*) FROM vehicle_registry")[0][0]) == summary["rows"]
        matched, outside = psql(data, """
            SELECT count(*), count(*) FILTER (WHERE (d.observed_at AT TIME ZONE 'Europe/Brussels')::date
                                                    NOT BETWEEN r.period_first AND r.period_last)
            FROM detections d JOIN vehicle_registry r ON r.pseudonym = d.pseudonym""")[0]
        assert int(matched) == expected_matches and int(outside) == 0
        # Each detection finds one record at most: pseudonyms of other periods never match.
        assert psql(data, "SELECT count(*) FROM (SELECT d.fingerprint FROM detections d JOIN vehicle_registry r "
                          "ON r.pseudonym = d.pseudonym GROUP BY 1 HAVING count(*) > 1) x")[0][0] == "0"
        # The same attributes as the extract, year only.
        by_fuel = dict(psql(data, "SELECT fuel, count(*) FROM vehicle_registry WHERE period_first = '2026-10-24' GROUP BY 1"))
        assert {k: int(v) for k, v in by_fuel.items()} == {f: sum(1 for r in extract if r["fuel"] == f) for f in {r["fuel"] for r in extract}}
        years = {int(y) for (y,) in psql(data, "SELECT DISTINCT first_registration_year FROM vehicle_registry")}
        assert years == {int(r["first_registration"][:4]) for r in extract}
        dump = "\n".join("\t".join(row) for row in psql(data, "SELECT encode(pseudonym, 'hex'), * FROM vehicle_registry"))
        assert not any(p in dump for p in list(known)[:200]) and not any(r["first_registration"] in dump for r in extract[:200])

        # Treated and purged: the periods of the purged days go, the days ahead stay.
        cli("treat")
        time.sleep(2)
        cli("purge", "--keep-hours", "0.0001")
        left = {day for (day,) in psql(data, "SELECT DISTINCT period_first::text FROM vehicle_registry")}
        assert "2026-10-24" not in left and "2026-10-25" not in left and left, left
