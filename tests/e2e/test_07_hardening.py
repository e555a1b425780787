"""Regressions from review: CRLF exports, NUL bytes, truncated gzip, implausible timestamps,
values that could be plate hashes kept out of rejection reasons, and huge page numbers."""

import gzip
import json
import subprocess

import requests

from conftest import Http, Server, clean_env, private_dir

HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type"
GOOD = [f"31001,BO,2026-10-24T10:{m:02d}:00Z,51,4,crlfplate{m},BE,50,car" for m in range(5)]


def ingest(kruispunt_binary, parent, path):
    done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "ingest", "--json", str(path)],
                          capture_output=True, text=True, env=clean_env(), timeout=120)
    return done


def test_crlf_nul_and_implausible_timestamps(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "hardening")
    hash_like = "a" * 40 + "0123456789abcdef0123"
    lines = [HEADER] + GOOD + [
        "31001,BO,0001-01-01T00:30:00Z,51,4,oldplate,BE,50,car",        # year 1: the .NET MinValue
        "31001,BO,2099-01-01T00:00:00Z,51,4,futureplate,BE,50,car",     # a camera clock far ahead
        "31001,BO,2026-10-24T10:30:00Z,51,4,nul\x00plate,BE,50,car",    # a NUL byte
        f"31001,BO,{hash_like},51,4,x,BE,50,car",                        # misaligned: a hash as timestamp
    ]
    path = parent / "crlf.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    done = ingest(kruispunt_binary, parent, path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"lines": 9, "accepted": 5, "duplicates": 0, "quarantined": 4}
    assert "lies before 2000 or more than a day in the future" in done.stderr
    assert "NUL byte" in done.stderr
    assert hash_like not in done.stderr and "letters and digits, not shown" in done.stderr
    # The treatment still runs after such input.
    treated = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "treat"],
                             capture_output=True, text=True, env=clean_env(), timeout=120)
    assert treated.returncode == 0 and "5 detections treated" in treated.stdout, treated.stderr


def test_truncated_gzip_is_refused_whole(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "truncated")
    body = gzip.compress(("\n".join([HEADER] + GOOD * 200) + "\n").encode())
    path = parent / "cut.csv.gz"
    path.write_bytes(body[: len(body) // 2])
    done = ingest(kruispunt_binary, parent, path)
    assert done.returncode != 0 and "truncated or damaged" in done.stderr
    (parent / "whole.csv").write_text("\n".join([HEADER] + GOOD) + "\n")
    assert json.loads(ingest(kruispunt_binary, parent, parent / "whole.csv").stdout)["accepted"] == 5, \
        "part of the truncated file was applied"


def test_unknown_or_malformed_pages_are_404(http: Http, server: Server):
    for page in ("9223372036854775807", "0", "-1", "x", "2026-13", "2025-02-29", "2026-11-29T24", "1999",
                 "2026-11-29T07/9223372036854775807", "2026-11-29T07/0", "2026-11-29T07/x", "2026/1"):
        assert http.get(f"{server.stream_url}/by-time/{page}", "text/turtle").status_code == 404, page
    for after in ("0", "-1", "x", "9223372036854775807"):
        assert http.get(f"{server.stream_url}/latest/{after}", "text/turtle").status_code == 404, after
    assert http.get(f"{server.stream_url}/pages/1", "text/turtle").status_code == 404
    assert requests.get(f"{server.base_url}/health/live", timeout=5).status_code == 200


def test_one_base_url_per_store(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "baseurl")

    def treat(base=None):
        env = clean_env(**({"KRUISPUNT_BASE_URL": base} if base else {}))
        return subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "treat"],
                              capture_output=True, text=True, env=env, timeout=120)

    assert treat("https://kruispunt.example/").returncode == 0
    refused = treat("https://elsewhere.example")
    assert refused.returncode != 0 and "start with https://kruispunt.example" in refused.stderr
    assert treat().returncode == 0, "without a base URL the stored one applies"
