"""Issue 3: POST /api/ingest with a bearer token, Idempotency-Key (a retried upload is applied
once), gzip bodies, a body limit (413), and no plate hash in any answer."""

import gzip
import signal
import subprocess

import pytest
import requests

from conftest import clean_env, free_port, private_dir, wait_ready

TOKEN = "ingest-token-for-the-e2e-suite"
ADMIN = "admin-token-for-the-e2e-suite"
HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
BODY = HEADER + "".join(f"31001,BO,2026-10-24T08:{m:02d}:00Z,51,4,uploadplate{m},BE,50,car\n" for m in range(20)) \
    + "31001,BO,2026-10-24T08:59:00,51,4,uploadplateX,BE,50,car\n"


@pytest.fixture(scope="module")
def server(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "upload")
    port = free_port()
    env = clean_env(KRUISPUNT_INGEST_TOKENS=f"another-token-1234567,{TOKEN}", KRUISPUNT_MAX_UPLOAD_BYTES="4096",
                    KRUISPUNT_ADMIN_TOKENS=ADMIN)
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(parent / "data"), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)
    yield base
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=30)[1].decode()
    assert process.returncode == 0, stderr[-2000:]
    assert TOKEN not in stderr and "uploadplate" not in stderr, "a token or plate hash reached the log"


def post(base, body: bytes, token=TOKEN, key=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(f"{base}/api/ingest", data=body, headers=headers, timeout=60)


def test_tokens_are_required(server):
    assert post(server, BODY.encode(), token=None).status_code == 401
    refused = post(server, BODY.encode(), token="not-the-right-token-at-all")
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]


def test_idempotent_upload_is_applied_once(server):
    first = post(server, BODY.encode(), key="upload-1")
    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["lines"], result["accepted"], result["duplicates"], result["quarantined"]) == (21, 20, 0, 1)
    assert result["rejected"] == [{"line": 22, "reason": result["rejected"][0]["reason"]}]
    assert "uploadplate" not in first.text

    retry = post(server, BODY.encode(), key="upload-1")
    assert retry.status_code == 200 and retry.headers.get("Idempotent-Replayed") == "true"
    assert {k: retry.json()[k] for k in ("lines", "accepted", "duplicates", "quarantined", "batch")} == \
        {k: result[k] for k in ("lines", "accepted", "duplicates", "quarantined", "batch")}

    # The same key with another body is refused: it cannot be a retry.
    conflict = post(server, (BODY + "31001,BO,2026-10-24T08:58:00Z,51,4,uploadplateY,BE,50,car\n").encode(), key="upload-1")
    assert conflict.status_code == 422 and "Idempotency-Key" in conflict.text

    # The same data under another key is a new batch: all duplicates, nothing counted twice.
    other = post(server, gzip.compress(BODY.encode()), key="upload-2", **{"Content-Encoding": "identity"}).json()
    assert (other["accepted"], other["duplicates"], other["quarantined"]) == (0, 20, 1)


def test_body_limit_and_bad_input(server):
    assert post(server, b"x" * 5000, key="too-big").status_code == 413
    refused = post(server, b"camera_id,timestamp\n1,2026-10-24T08:00:00Z\n", key="bad-header")
    assert refused.status_code == 400 and "plate_hash" in refused.text
    assert post(server, b"", key="empty").status_code == 400


def test_quarantine_api_is_for_operators_and_shows_no_raw_lines(server):
    post(server, BODY.encode(), key="for-quarantine")
    assert requests.get(f"{server}/api/quarantine", timeout=10).status_code == 401
    # An ingest token is valid, but not an operator's: 403.
    assert requests.get(f"{server}/api/quarantine", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).status_code == 403
    listed = requests.get(f"{server}/api/quarantine?limit=5", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert items and all(i["line"] == 22 and "offset" in i["reason"] for i in items)
    assert "uploadplate" not in listed.text
