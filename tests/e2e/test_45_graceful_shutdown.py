"""Graceful shutdown with a deadline (issue 11). On SIGTERM `serve` stops accepting, lets open
requests and the treatment run finish, and exits 0; past `KRUISPUNT_SHUTDOWN_SECONDS` it abandons
what is still open: the upload still sending is dropped (nothing stored, nothing acknowledged),
and the treatment run in flight is cancelled, so its transaction rolls back. The lease is
released and the next run treats everything from the checkpoint.

The run is held in flight by a psql session that locks the table of days against writes: the run
reads the new detections, then waits on its first write. The upload that the run treats arrives
while it runs (uploads do not wait for treatment runs)."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import clean_env, free_port, private_dir, psql_rows, wait_ready

INGEST = "shutdown-ingest-token-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"}
DEADLINE = 3


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_sigterm_abandons_what_is_open_at_the_deadline_and_loses_nothing(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "shutdown")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="shutdown-secret-0123456789abcdef0123", KRUISPUNT_BASE_URL="http://127.0.0.1:8080",
                    TZ="UTC")
    detections = work / "d.csv"
    subprocess.run([str(kruispunt_binary), "generate", "--vehicles", "200", "--days", "1", "--start", "2026-10-20",
                    "--seed", "45", "--out", str(detections)], check=True, env=env, timeout=300, capture_output=True)
    lines = sum(1 for _ in detections.open()) - 1
    body = detections.read_bytes()

    data, port = work / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port), "--treat-interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True,
                              env=env | {"KRUISPUNT_INGEST_TOKENS": INGEST, "KRUISPUNT_SHUTDOWN_SECONDS": str(DEADLINE)})
    blocker = None
    sender = None
    try:
        wait_ready(base, server)
        blocker = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-h", str(data / "run"), "-U", "postgres", "-d", "kruispunt",
                                    "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        blocker.stdin.write("BEGIN;\nLOCK TABLE treatment_days IN EXCLUSIVE MODE;\nSELECT 'locked';\n")
        blocker.stdin.flush()
        assert blocker.stdout.readline().strip() == "locked"

        # Stored while no run is in flight; the next run reads it and waits on its first write.
        stored = requests.post(f"{base}/api/ingest", data=body, headers=HEADERS | {"Idempotency-Key": "shutdown-1"}, timeout=120)
        assert stored.status_code == 200 and stored.json()["accepted"] == lines, stored.text
        waiting = ("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND query LIKE '%INSERT INTO treatment_days%'")
        deadline = time.monotonic() + 60
        while psql_rows(data, waiting) != [["1"]]:
            assert time.monotonic() < deadline, "no treatment run waited on the table of days"
            time.sleep(0.2)

        # An upload that sends half its body and then waits past the deadline.
        released = threading.Event()
        outcome: dict[str, object] = {}

        def slow_body():
            yield body[: len(body) // 2]
            released.wait(timeout=60)
            yield body[len(body) // 2:]

        def send():
            try:
                outcome["response"] = requests.post(f"{base}/api/ingest", data=slow_body(),
                                                    headers=HEADERS | {"Idempotency-Key": "shutdown-2"}, timeout=60)
            except requests.RequestException as error:
                outcome["error"] = error

        sender = threading.Thread(target=send)
        sender.start()
        spool = data / "uploads"
        deadline = time.monotonic() + 30
        while not (spool.is_dir() and any(spool.iterdir())):
            assert time.monotonic() < deadline, "the slow upload never reached the server"
            time.sleep(0.05)

        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=DEADLINE + 30)
        took = time.monotonic() - started
        released.set()
        sender.join(timeout=60)
        text = log.read_text()
        assert code == 0, text[-3000:]
        # It waited for the deadline (the run and the upload were still open), then abandoned them.
        assert took >= DEADLINE - 0.5, took
        assert "treatment run abandoned at the shutdown deadline" in text, text[-3000:]
        assert "error" in outcome or outcome["response"].status_code != 200, "the abandoned upload was acknowledged"
    finally:
        if sender is not None:
            sender.join(timeout=60)
        if server.poll() is None:
            server.kill()
            server.wait()
        if blocker is not None:
            blocker.kill()
            blocker.wait()

    # Nothing of the abandoned run or upload was kept: the next run treats the stored upload (and
    # only it: the abandoned one stored nothing), and the one after treats nothing.
    for expected in (lines, 0):
        treat = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), "treat", "--json"], capture_output=True,
                               text=True, env=env, timeout=600)
        assert treat.returncode == 0, treat.stderr[-3000:]
        assert json.loads(treat.stdout)["detections"] == expected
