"""Issue 3 privacy: the pseudonyms of the staged detections (read straight from PostgreSQL)
appear in no HTTP response and in no export; the staging table holds no plate hash column."""

import subprocess

from conftest import Export, Harvest, Http, InputCsv, Kruispunt


def psql(cli: Kruispunt, sql: str) -> list[str]:
    argv = ["psql", "-X", "-A", "-t", "-h", str(cli.data_dir / "run"), "-U", "postgres", "-d", "kruispunt", "-c", sql]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_no_pseudonym_leaves_staging(cli: Kruispunt, http: Http, harvested: Harvest,
                                     export_while_serving: Export, input_csv: InputCsv):
    pseudonyms = psql(cli, "SELECT DISTINCT encode(pseudonym, 'hex') FROM detections")
    assert len(pseudonyms) > 100 and all(len(p) == 32 for p in pseudonyms)
    columns = psql(cli, "SELECT column_name FROM information_schema.columns WHERE table_name = 'detections'")
    assert "pseudonym" in columns and not any("plate" in c for c in columns)
    # A pseudonym is the keyed hash of a plate hash, never the plate hash itself.
    assert not set(pseudonyms) & {p.lower()[:32] for p in input_csv.plate_hashes}

    haystacks = [body.decode("utf-8", "replace").lower() for body in http.bodies]
    haystacks += [export_while_serving.plain.lower(), export_while_serving.canonical.lower()]
    leaked = [p for p in pseudonyms if any(p in h or p[:16] in h for h in haystacks)]
    assert not leaked, f"{len(leaked)} pseudonyms found in responses or exports, e.g. {leaked[:3]}"
