"""A database outage (issue 11). PostgreSQL is stopped under a running `kruispunt serve` and
started again. No hand touches the server in between.

While the database is away:
- the server stays up and `/health/live` says so;
- `/health/ready` answers 503;
- pages, streams, SPARQL and APIs answer 503 with `Retry-After` at once (never a 500, never a
  hanging request);
- an upload answers 503 with `Retry-After` and stores nothing;
- the status page shows the database down.

When it is back:
- the server is ready again without a restart;
- the upload, retried as its client would, is stored once;
- the treatment treats every detection once;
- the database incident opens and closes by itself;
- the requests made during the outage are in the access log, whose chain still verifies. They
  waited in memory up to `KRUISPUNT_ACCESS_LOG_MEMORY` entries (3 here) and on disk beyond.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import _stop_leftover_cluster, clean_env, free_port, private_dir, psql_rows, wait_ready

ADMIN = "outage-admin-token-0123456789abcdef"
INGEST = "outage-ingest-token-0123456789abcdef"
SECRET = "outage-test-secret-0123456789abcdef01"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
#: What "at once" means here: far below any client's patience, far above this machine's jitter.
PROMPT_S = 5


def pg_ctl(data: Path, *args: str) -> None:
    argv = [str(PG_BIN / "pg_ctl"), "-D", str(data / "pg"), *args]
    if os.geteuid() == 0 and (data / "pg").owner() != "root":
        argv = ["runuser", "-u", (data / "pg").owner(), "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def restart_options(data: Path) -> str:
    """The options the embedded cluster was started with (postmaster.opts), for `pg_ctl -o`."""
    words = shlex.split((data / "pg" / "postmaster.opts").read_text())[1:]
    i = words.index("-D")
    return " ".join(shlex.quote(w) for w in words[:i] + words[i + 2:])


def upload(base: str, body: bytes) -> requests.Response:
    return requests.post(f"{base}/api/ingest", data=body, timeout=PROMPT_S * 12,
                         headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"})


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_the_server_survives_a_database_outage_and_resumes_by_itself(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "outage")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL="http://127.0.0.1:8080", TZ="UTC")
    first, second = work / "first.csv", work / "second.csv"
    for path, seed in ((first, "5"), (second, "6")):
        subprocess.run([str(kruispunt_binary), "generate", "--vehicles", "300", "--days", "1", "--start", "2026-10-20",
                        "--seed", seed, "--out", str(path)], check=True, env=env, timeout=300, capture_output=True)
    lines = {path: sum(1 for _ in path.open()) - 1 for path in (first, second)}

    data, port = work / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port), "--treat-interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True,
                              env=env | {"KRUISPUNT_ADMIN_TOKENS": ADMIN, "KRUISPUNT_INGEST_TOKENS": INGEST,
                                         "KRUISPUNT_STATUS_INTERVAL": "1", "KRUISPUNT_IDLE_CLOSE": "2",
                                         # A few entries in memory, the rest spooled to disk.
                                         "KRUISPUNT_ACCESS_LOG_MEMORY": "3"})
    admin = {"Authorization": f"Bearer {ADMIN}"}
    try:
        wait_ready(base, server)
        accepted = upload(base, first.read_bytes())
        assert accepted.status_code == 200 and accepted.json()["accepted"] == lines[first], accepted.text

        options = restart_options(data)
        pg_ctl(data, "-m", "fast", "-w", "stop")
        outage_paths = ["/", "/streams/vehicle-counts", "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/api/stats",
                        "/catalog", "/quality"]
        try:
            assert requests.get(f"{base}/health/live", timeout=PROMPT_S).status_code == 200
            assert requests.get(f"{base}/health/ready", timeout=PROMPT_S).status_code == 503
            for path in outage_paths:
                answer = requests.get(base + path, headers=admin, timeout=PROMPT_S)
                assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
                assert int(answer.headers["Retry-After"]) > 0
                assert "onbereikbaar" in answer.text and "unreachable" in answer.text
            refused = upload(base, second.read_bytes())
            assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0, refused.text
            # The status page, which needs no database, says where the trouble is.
            def database_down():
                status = requests.get(f"{base}/status", headers=admin | {"Accept": "application/json"}, timeout=PROMPT_S).json()
                return next(c for c in status["components"] if c["name"] == "database")["state"] == "down"
            deadline = time.monotonic() + 30
            while not database_down():
                assert time.monotonic() < deadline, "the status page never showed the database down"
                time.sleep(0.2)
            assert server.poll() is None, "the server exited during the outage"
            spool = data / "access-log.spool"
            assert spool.exists() and oct(spool.stat().st_mode & 0o777) == "0o600"
            assert len(spool.read_text().splitlines()) >= 3
        finally:
            pg_ctl(data, "-l", str(data / "postgresql.log"), "-o", options, "-w", "start")

        # Back within 10 s, without a restart of the server.
        back = time.monotonic()
        while requests.get(f"{base}/health/ready", timeout=PROMPT_S).status_code != 200:
            assert time.monotonic() - back < 10, "not ready 10 s after the database came back"
            time.sleep(0.1)
        for path in outage_paths:
            answer = requests.get(base + path, headers=admin, timeout=60)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        retried = upload(base, second.read_bytes())
        assert retried.status_code == 200 and retried.json()["accepted"] == lines[second], retried.text

        # Every detection stored once and treated once.
        total = lines[first] + lines[second]
        deadline = time.monotonic() + 120
        while True:
            treated = psql_rows(data, "SELECT coalesce(sum(detections), 0) FROM treatment_runs")[0][0]
            if int(treated) >= total:
                break
            assert time.monotonic() < deadline, f"the treatment treated {treated} of {total} detections"
            time.sleep(0.5)
        assert psql_rows(data, "SELECT count(*), (SELECT sum(detections) FROM treatment_runs) FROM detections") == [[str(total), str(total)]]

        # The incident opened and closed by itself.
        deadline = time.monotonic() + 30
        while True:
            incidents = requests.get(f"{base}/api/incidents", headers=admin, timeout=30).json()
            items = incidents["items"] if isinstance(incidents, dict) else incidents
            database = [i for i in items if i["component"] == "database"]
            if database and all(i["resolved_at"] for i in database):
                break
            assert time.monotonic() < deadline, f"no resolved database incident: {items}"
            time.sleep(0.5)

        # The requests refused during the outage were kept and written once the database was back.
        deadline = time.monotonic() + 30
        while True:
            logged = requests.get(f"{base}/api/access-log", params={"status": "503", "limit": "1000"}, headers=admin, timeout=30).json()["items"]
            if {e["path"] for e in logged} >= {p.split("?")[0] for p in outage_paths} | {"/api/ingest"}:
                break
            assert time.monotonic() < deadline, f"outage requests missing from the access log: {sorted({e['path'] for e in logged})}"
            time.sleep(0.5)
        assert not (data / "access-log.spool").exists()
        verify = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), "accesslog", "verify"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr

        server.terminate()
        assert server.wait(timeout=60) == 0
        text = log.read_text(errors="replace")
        # The access log's writer says it once when it starts failing, not twice a second.
        assert text.count("the access log could not be written") <= 2, text[-3000:]
        assert "the access log is written again" in text
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        _stop_leftover_cluster(data)
