"""Several `kruispunt serve` replicas on one database (issue 11): exactly one runs the treatment
at a time, the holder of the treatment lease (an advisory lock on a connection of its own). When
the holder is killed in the middle of a treatment run, the other replica takes the lease over
and finishes the work. The export then equals that of a single `treat` on the same detections.

Replica A starts the embedded cluster in its data folder. Replica B has a folder of its own and
reaches A's cluster through `--database-url`, as replicas reach a shared server in production.
A is killed alone with SIGKILL, so the cluster (its own session) lives on for B.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import _stop_leftover_cluster, clean_env, free_port, private_dir, psql_rows, wait_ready

SECRET = "replicas-test-secret-0123456789abcdef0"
BASE_URL = "http://127.0.0.1:8080"
ADMIN = "replicas-admin-token-0123456789abcdef"
GENERATE_ARGS = ["--vehicles", "3000", "--days", "2", "--start", "2026-10-24", "--seed", "17"]
TIMEOUT_S = 300


def run(binary: Path, data: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([str(binary), "--data-dir", str(data), *args], capture_output=True, text=True,
                          env=env, timeout=TIMEOUT_S)
    assert done.returncode == 0, f"{args} exited with {done.returncode}\n{done.stderr[-3000:]}"
    return done.stdout


def lease_held(port: int) -> bool:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).text
    lines = [line for line in text.splitlines() if line.startswith("kruispunt_treatment_lease_held")]
    assert len(lines) == 1, text[-2000:]
    return float(lines[0].split()[-1]) == 1.0


def wait_for(condition, what: str, seconds: float = TIMEOUT_S, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_the_lease_moves_to_the_other_replica_when_its_holder_is_killed_mid_run(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "replicas")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL=BASE_URL, TZ="UTC")
    detections = work / "detections.csv"
    subprocess.run([str(kruispunt_binary), "generate", *GENERATE_ARGS, "--out", str(detections)],
                   check=True, env=env, timeout=TIMEOUT_S, capture_output=True)

    # The reference: one process, one `treat` that closes every bucket.
    reference_dir = work / "reference"
    try:
        run(kruispunt_binary, reference_dir, "ingest", str(detections), env=env)
        run(kruispunt_binary, reference_dir, "treat", env=env)
        reference = run(kruispunt_binary, reference_dir, "export", "--latest", "--canonical", env=env)
    finally:
        _stop_leftover_cluster(reference_dir)
    assert reference.count("\n") > 1000

    a_dir, b_dir = work / "a", work / "b"
    b_dir.mkdir()
    database_url = f"host={a_dir / 'run'} port=5432 user=postgres dbname=kruispunt"
    serve_env = env | {"KRUISPUNT_IDLE_CLOSE": "2", "KRUISPUNT_ADMIN_TOKENS": ADMIN, "KRUISPUNT_DUMP_HOURS": "0",
                          "KRUISPUNT_STATUS_INTERVAL": "1"}
    a_port, b_port = free_port(), free_port()
    a_log, b_log = work / "a.log", work / "b.log"
    a = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(a_dir), "serve", "--port", str(a_port), "--treat-interval", "1"],
                         stdout=subprocess.DEVNULL, stderr=a_log.open("wb"), env=serve_env | {"KRUISPUNT_INSTANCE": "replica-a"},
                         start_new_session=True)
    b = None
    try:
        wait_ready(f"http://127.0.0.1:{a_port}", a)
        wait_for(lambda: lease_held(a_port), "replica A to take the lease", seconds=30)
        b = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(b_dir), "--database-url", database_url, "serve",
                              "--port", str(b_port), "--treat-interval", "1"],
                             stdout=subprocess.DEVNULL, stderr=b_log.open("wb"), env=serve_env | {"KRUISPUNT_INSTANCE": "replica-b"},
                             start_new_session=True)
        wait_ready(f"http://127.0.0.1:{b_port}", b)
        # Exactly one holds the lease, and both say which one it is.
        time.sleep(2.5)
        assert lease_held(a_port) and not lease_held(b_port)
        for port in (a_port, b_port):
            status = requests.get(f"http://127.0.0.1:{port}/status", headers={"Authorization": f"Bearer {ADMIN}",
                                                                           "Accept": "application/json"}, timeout=10).json()
            treatment = next(c for c in status["components"] if c["name"] == "treatment")
            assert "uitgevoerd door replica-a" in treatment["detail"], treatment
        b_text = b_log.read_text(errors="replace")
        assert "treatment started" not in b_text and "this one stands by" in b_text

        # The detections arrive while both serve (the CLI reuses A's cluster); A starts treating
        # them and is killed before its run commits.
        run(kruispunt_binary, a_dir, "ingest", str(detections), env=env)
        wait_for(lambda: "treatment started" in a_log.read_text(errors="replace"), "replica A to start the treatment")
        time.sleep(0.5)
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
        killed_at = time.monotonic()
        a_text = a_log.read_text(errors="replace")
        committed = [line for line in a_text.splitlines() if "treatment run" in line and "detections=0" not in line
                     and "\"detections\":\"0\"" not in line]
        assert not committed, f"replica A committed its run before the kill, so the test proves nothing:\n{committed}"
        assert psql_rows(a_dir, "SELECT count(*) FROM treatment_checkpoints WHERE last_detection_id > 0") == [["0"]]

        # B takes over within seconds and finishes everything (the idle close included).
        wait_for(lambda: lease_held(b_port), "replica B to take the lease over", seconds=30)
        took_over = time.monotonic() - killed_at
        assert took_over < 30, took_over
        wait_for(lambda: "treatment started" in b_log.read_text(errors="replace"), "replica B to treat")

        def exported() -> str | None:
            text = run(kruispunt_binary, b_dir, "--database-url", database_url, "export", "--latest", "--canonical", env=env)
            return text if text == reference else None
        wait_for(exported, "replica B's store to equal the single run's", every=2)
        # Every detection was treated once: one run moved the checkpoint past all of them.
        rows = psql_rows(a_dir, "SELECT count(*), sum(detections) FROM treatment_runs WHERE detections > 0")
        ingested = psql_rows(a_dir, "SELECT count(*) FROM detections")[0][0]
        assert rows == [["1", ingested]], (rows, ingested)

        # SIGTERM: B stops cleanly and gives the lease up on its way out.
        b.send_signal(signal.SIGTERM)
        assert b.wait(timeout=60) == 0, b_log.read_text(errors="replace")[-3000:]
        assert psql_rows(a_dir, "SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = 7401 AND l.granted") == [["0"]]
    finally:
        for process in (a, b):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        _stop_leftover_cluster(a_dir)
