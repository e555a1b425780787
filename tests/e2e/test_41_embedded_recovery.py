"""The embedded mode recovers its private cluster after everything was killed at once (issue 11).
The test uses `serve`, the postmaster and every backend, with SIGKILL. That leaves a stale
`postmaster.pid` and the cluster's shared memory behind. The next `serve` starts the cluster
again by itself (crash recovery replays the WAL) and serves everything that was committed
before the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import child_pids, _stop_leftover_cluster, clean_env, free_port, private_dir, psql_rows, wait_ready

INGEST = "recovery-ingest-token-0123456789abcdef"


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_serve_starts_again_after_its_cluster_was_killed_with_it(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "recovery")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="recovery-test-secret-0123456789abcdef",
                    KRUISPUNT_BASE_URL="http://127.0.0.1:8080", TZ="UTC",
                    KRUISPUNT_INGEST_TOKENS=INGEST, KRUISPUNT_IDLE_CLOSE="1")
    detections = work / "d.csv"
    subprocess.run([str(kruispunt_binary), "generate", "--vehicles", "300", "--days", "1", "--start", "2026-10-20",
                    "--seed", "9", "--out", str(detections)], check=True, env=env, timeout=300, capture_output=True)
    data = work / "data"

    def serve(log: Path) -> tuple[subprocess.Popen, str]:
        port = free_port()
        process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port),
                                    "--treat-interval", "1"], stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                                   env=env, start_new_session=True)
        wait_ready(f"http://127.0.0.1:{port}", process)
        return process, f"http://127.0.0.1:{port}"

    first, base = serve(work / "first.log")
    try:
        answer = requests.post(f"{base}/api/ingest", data=detections.read_bytes(), timeout=120,
                               headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"})
        assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 120
        while psql_rows(data, "SELECT count(*) FROM stream_members") == [["0"]]:
            assert time.monotonic() < deadline, "nothing was published"
            time.sleep(0.5)
        time.sleep(3)   # the idle close, then quiet
        before = psql_rows(data, "SELECT count(*), max(seq) FROM stream_members")

        # Everything at once: the server, the postmaster and every backend.
        postmaster = int((data / "pg" / "postmaster.pid").read_text().split()[0])
        victims = [first.pid, postmaster, *child_pids(postmaster)]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                assert pid not in (first.pid, postmaster), "the server or the postmaster was already gone"   # a backend that just ended
        first.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in victims):
            assert time.monotonic() < deadline, "killed processes still run"
            time.sleep(0.05)
        assert (data / "pg" / "postmaster.pid").exists(), "no stale pid file: the test proves nothing"
    finally:
        if first.poll() is None:
            first.kill()

    second, base = serve(work / "second.log")
    try:
        assert psql_rows(data, "SELECT count(*), max(seq) FROM stream_members") == before
        page = requests.get(f"{base}/streams/vehicle-counts", headers={"Accept": "text/turtle"}, timeout=60)
        assert page.status_code == 200
        # The same upload again: every line a duplicate, so nothing was lost or half-stored.
        again = requests.post(f"{base}/api/ingest", data=detections.read_bytes(), timeout=120,
                              headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"}).json()
        assert again["accepted"] == 0 and again["duplicates"] == again["lines"], again
        second.terminate()
        assert second.wait(timeout=60) == 0
    finally:
        if second.poll() is None:
            second.kill()
        _stop_leftover_cluster(data)
