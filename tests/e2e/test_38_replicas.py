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
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

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


def generate_and_treat_once(binary: Path, work: Path, env: dict[str, str], *generate: str) -> tuple[Path, str]:
    """Generated detections, and the reference: their export after one process's single `treat`,
    which closes every bucket."""
    detections = work / "detections.csv"
    subprocess.run([str(binary), "generate", *generate, "--out", str(detections)],
                   check=True, env=env, timeout=TIMEOUT_S, capture_output=True)
    reference_dir = work / "reference"
    try:
        run(binary, reference_dir, "ingest", str(detections), env=env)
        run(binary, reference_dir, "treat", env=env)
        return detections, run(binary, reference_dir, "export", "--latest", "--canonical", env=env)
    finally:
        _stop_leftover_cluster(reference_dir)


@contextmanager
def two_replicas(binary: Path, work: Path, env: dict[str, str]):
    """Replica A (`replica-a`) on the embedded cluster of its data folder, holding the lease, and
    replica B (`replica-b`) on A's cluster through `--database-url`, both `serve --treat-interval
    1` in sessions of their own; killed (continued first, if stopped) when still running at the
    end, and the cluster stopped."""
    a_dir, b_dir = work / "a", work / "b"
    b_dir.mkdir()
    database_url = f"host={a_dir / 'run'} port=5432 user=postgres dbname=kruispunt"
    r = SimpleNamespace(a=None, b=None, a_port=free_port(), b_port=free_port(), a_log=work / "a.log", b_log=work / "b.log",
                        a_dir=a_dir, database_url=database_url)

    def start(data: Path, port: int, log: Path, name: str, shared: list[str]) -> subprocess.Popen:
        return subprocess.Popen([str(binary), "--data-dir", str(data), *shared, "serve", "--port", str(port), "--treat-interval", "1"],
                                stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env | {"KRUISPUNT_INSTANCE": name},
                                start_new_session=True)
    try:
        r.a = start(a_dir, r.a_port, r.a_log, "replica-a", [])
        wait_ready(f"http://127.0.0.1:{r.a_port}", r.a)
        wait_for(lambda: lease_held(r.a_port), "replica A to take the lease", seconds=30)
        r.b = start(b_dir, r.b_port, r.b_log, "replica-b", ["--database-url", database_url])
        wait_ready(f"http://127.0.0.1:{r.b_port}", r.b)
        yield r
    finally:
        for process in (r.a, r.b):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait(timeout=30)
        _stop_leftover_cluster(a_dir)


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_the_lease_moves_to_the_other_replica_when_its_holder_is_killed_mid_run(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "replicas")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL=BASE_URL, TZ="UTC")
    detections, reference = generate_and_treat_once(kruispunt_binary, work, env, *GENERATE_ARGS)
    assert reference.count("\n") > 1000

    serve_env = env | {"KRUISPUNT_IDLE_CLOSE": "2", "KRUISPUNT_ADMIN_TOKENS": ADMIN, "KRUISPUNT_DUMP_HOURS": "0",
                       "KRUISPUNT_STATUS_INTERVAL": "1"}
    b_dir = work / "b"
    with two_replicas(kruispunt_binary, work, serve_env) as r:
        a, b, a_port, b_port, a_log, b_log, a_dir, database_url = r.a, r.b, r.a_port, r.b_port, r.a_log, r.b_log, r.a_dir, r.database_url
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


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_a_hung_holder_is_ended_by_a_standby_that_takes_the_lease_over(kruispunt_binary, tmp_path_factory):
    """A holder that hangs keeps its connections, and so the lease. Here replica A is stopped
    (SIGSTOP) once it treats: after KRUISPUNT_LEASE_STALE_SECONDS without a statement on A's lease
    connection, replica B ends A's lease and run connections, takes the lease and treats
    everything, and the store equals a single run's. A healthy holder, which shows progress every
    interval, is never ended; A, continued, finds the lease gone and stands by."""
    work = private_dir(tmp_path_factory, "hung-holder")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL=BASE_URL, TZ="UTC")
    detections, reference = generate_and_treat_once(kruispunt_binary, work, env, "--vehicles", "1500", "--days", "1",
                                                    "--start", "2026-10-24", "--seed", "23")
    stale = 10
    serve_env = env | {"KRUISPUNT_IDLE_CLOSE": "2", "KRUISPUNT_ADMIN_TOKENS": ADMIN, "KRUISPUNT_DUMP_HOURS": "0",
                       "KRUISPUNT_STATUS_INTERVAL": "1", "KRUISPUNT_LEASE_STALE_SECONDS": str(stale)}
    b_dir = work / "b"
    with two_replicas(kruispunt_binary, work, serve_env) as r:
        a, b, a_port, b_port, a_log, b_log, a_dir, database_url = r.a, r.b, r.a_port, r.b_port, r.a_log, r.b_log, r.a_dir, r.database_url
        # A healthy holder, idle, for longer than the threshold: it keeps the lease.
        time.sleep(stale + 3)
        assert lease_held(a_port) and not lease_held(b_port)
        assert "showed no progress" not in b_log.read_text(errors="replace")

        run(kruispunt_binary, a_dir, "ingest", str(detections), env=env)
        wait_for(lambda: "treatment started" in a_log.read_text(errors="replace"), "replica A to start the treatment")
        a.send_signal(signal.SIGSTOP)
        stopped_at = time.monotonic()
        wait_for(lambda: lease_held(b_port), "replica B to end the hung holder and take the lease", seconds=stale + 60)
        took_over = time.monotonic() - stopped_at
        print(f"\n[test_38] the hung holder was ended and the lease taken over {took_over:.1f} s after it stopped "
              f"(threshold {stale} s, interval 1 s)")
        assert stale - 1 <= took_over < stale + 30, took_over
        assert "treatment lease holder replica-a showed no progress" in b_log.read_text(errors="replace")
        left = psql_rows(a_dir, "SELECT count(*) FROM pg_stat_activity WHERE application_name IN "
                                "('kruispunt-lease:replica-a', 'kruispunt-run:replica-a')")
        assert left == [["0"]], left

        def exported() -> str | None:
            text = run(kruispunt_binary, b_dir, "--database-url", database_url, "export", "--latest", "--canonical", env=env)
            return text if text == reference else None
        wait_for(exported, "replica B's store to equal the single run's", every=2)

        # A continues: its connections are gone, it finds the lease held by B and stands by.
        a.send_signal(signal.SIGCONT)
        wait_for(lambda: not lease_held(a_port), "replica A to notice it lost the lease", seconds=60)
        assert a.poll() is None and lease_held(b_port)
        assert requests.get(f"http://127.0.0.1:{a_port}/health/live", timeout=10).status_code == 200
        wait_for(lambda: "this one stands by" in a_log.read_text(errors="replace"), "replica A to stand by", seconds=60)
        time.sleep(3)
        assert exported() is not None, "nothing changed after A came back"
        for process in (b, a):
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, (a_log if process is a else b_log).read_text(errors="replace")[-3000:]
