"""Backpressure on ingestion (issue 11). Uploads are held back in two ways, and a client retries
after `Retry-After`:
- too many at once (`KRUISPUNT_MAX_UPLOADS`): 429;
- a treatment too far behind (`KRUISPUNT_MAX_BACKLOG` detections stored and not yet treated):
  503.

Neither stores anything, so the retried upload is stored once. The treatment is held back here by
a treatment interval longer than the test, then caught up with `kruispunt treat`."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
import requests

from conftest import _stop_leftover_cluster, clean_env, free_port, private_dir, psql_rows, wait_ready

INGEST = "backpressure-ingest-token-0123456789ab"
HEADERS = {"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"}


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_uploads_wait_for_a_lagging_treatment_and_for_each_other(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "backpressure")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="backpressure-secret-0123456789abcdef", KRUISPUNT_BASE_URL="http://127.0.0.1:8080",
                    TZ="UTC")
    first, second = work / "first.csv", work / "second.csv"
    for path, seed in ((first, "21"), (second, "22")):
        subprocess.run([str(kruispunt_binary), "generate", "--vehicles", "300", "--days", "1", "--start", "2026-10-20",
                        "--seed", seed, "--out", str(path)], check=True, env=env, timeout=300, capture_output=True)
    lines = {path: sum(1 for _ in path.open()) - 1 for path in (first, second)}
    assert min(lines.values()) > 1000

    data, port = work / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port),
                               "--treat-interval", "3600"], stdout=subprocess.DEVNULL, stderr=(work / "serve.log").open("wb"),
                              env=env | {"KRUISPUNT_INGEST_TOKENS": INGEST, "KRUISPUNT_MAX_BACKLOG": "1000",
                                         "KRUISPUNT_MAX_UPLOADS": "1"}, start_new_session=True)
    try:
        wait_ready(base, server)

        # One upload at a time: a second one while the first is still sending is refused with 429.
        body = first.read_bytes()
        half = len(body) // 2
        refused_second = threading.Event()
        outcome: dict[str, requests.Response] = {}

        def slow_body():
            yield body[:half]
            refused_second.wait(timeout=60)
            yield body[half:]

        sender = threading.Thread(target=lambda: outcome.setdefault(
            "first", requests.post(f"{base}/api/ingest", data=slow_body(), headers=HEADERS, timeout=120)))
        sender.start()
        try:
            # The first upload is in the handler once its spool file exists.
            spool = data / "uploads"
            deadline = time.monotonic() + 60
            while not (spool.is_dir() and any(spool.iterdir())):
                assert time.monotonic() < deadline, "the slow upload never reached the server"
                time.sleep(0.05)
            busy = requests.post(f"{base}/api/ingest", data=second.read_bytes(), headers=HEADERS, timeout=60)
            assert busy.status_code == 429 and int(busy.headers["Retry-After"]) > 0, busy.text
        finally:
            refused_second.set()
            sender.join(timeout=120)
        assert outcome["first"].status_code == 200 and outcome["first"].json()["accepted"] == lines[first], outcome["first"].text
        assert psql_rows(data, "SELECT count(*) FROM detections") == [[str(lines[first])]]

        # The treatment has not run since: the backlog is over the limit, so the next upload waits.
        behind = requests.post(f"{base}/api/ingest", data=second.read_bytes(), headers=HEADERS, timeout=60)
        assert behind.status_code == 503 and int(behind.headers["Retry-After"]) > 0, behind.text
        assert f"{lines[first]} detecties achter" in behind.text and "grens 1000" in behind.text
        assert psql_rows(data, "SELECT count(*) FROM detections") == [[str(lines[first])]]

        # Once the treatment has caught up, the retried upload is stored, once.
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), "treat"], capture_output=True, text=True,
                              env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        retried = requests.post(f"{base}/api/ingest", data=second.read_bytes(), headers=HEADERS, timeout=60)
        assert retried.status_code == 200 and retried.json()["accepted"] == lines[second], retried.text
        assert psql_rows(data, "SELECT count(*) FROM detections") == [[str(lines[first] + lines[second])]]
        server.terminate()
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        _stop_leftover_cluster(data)
