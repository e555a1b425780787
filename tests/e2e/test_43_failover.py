"""Database high availability on an existing engine (issue 11). pg_auto_failover (Debian's
postgresql-15-auto-failover) runs a monitor, a primary and a secondary on this machine, on free
ports, with synchronous replication (its default with one standby). Kruispunt reaches them
through a multi-host connection string with `target_session_attrs=read-write`, and reads
published data from the secondary (`KRUISPUNT_READ_DATABASE_URL`), whose replay lag the status
page shows.

The primary (its keeper and every PostgreSQL process) is killed while detections are being
uploaded and treated. The monitor promotes the secondary, and Kruispunt follows it without a
restart:
- ready again within 30 s of the kill;
- every upload that was answered 200 is on the new primary;
- an upload in flight at the kill is retried by its client with the same `Idempotency-Key`, so
  it is stored once;
- the treatment treats every detection once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import child_pids, clean_env, free_port, private_dir, wait_ready

PG_BIN = "/usr/lib/postgresql/15/bin"
INGEST = "failover-ingest-token-0123456789abcdef"
ADMIN = "failover-admin-token-0123456789abcdef"
CHUNK_LINES = 400


def as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class AutoFailover:
    """A pg_auto_failover formation in `root`: the monitor and two nodes, each `pg_autoctl` in a
    session of its own so that a node can be killed whole."""

    def __init__(self, root: Path):
        self.root = root
        self.env = {**os.environ, "PATH": f"{PG_BIN}:{os.environ['PATH']}"}
        self.ports = {"monitor": free_port(), "node1": free_port(), "node2": free_port()}
        self.keepers: dict[str, subprocess.Popen] = {}
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")

    def autoctl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(as_postgres(["pg_autoctl", *args]), capture_output=True, text=True, env=self.env,
                              cwd=self.root, timeout=300)
        assert not check or done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def psql(self, name: str, sql: str, database: str = "kruispunt") -> list[list[str]]:
        done = subprocess.run(as_postgres(["psql", "-X", "-A", "-t", "-F", "\t", "-h", "127.0.0.1", "-p", str(self.ports[name]),
                                           "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql]),
                              capture_output=True, text=True, env=self.env, timeout=60)
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def keep(self, name: str, argv: list[str]) -> None:
        log = (self.root / f"{name}.log").open("wb")
        self.keepers[name] = subprocess.Popen(as_postgres(argv), stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                              cwd=self.root, start_new_session=True)

    @property
    def monitor_uri(self) -> str:
        return f"postgres://autoctl_node@127.0.0.1:{self.ports['monitor']}/pg_auto_failover?sslmode=disable"

    def states(self) -> dict[str, tuple[str, str]]:
        text = self.autoctl("show", "state", "--pgdata", str(self.root / "monitor"), "--json", check=False)
        try:
            nodes = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return {n["nodename"]: (n["current_group_state"], n["assigned_group_state"]) for n in nodes}

    def start(self) -> None:
        monitor = self.root / "monitor"
        self.autoctl("create", "monitor", "--pgdata", str(monitor), "--pgport", str(self.ports["monitor"]),
                     "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl")
        self.keep("monitor", ["pg_autoctl", "run", "--pgdata", str(monitor)])
        wait(lambda: subprocess.run(as_postgres([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.ports["monitor"])]),
                                    capture_output=True).returncode == 0, "the monitor", 60)
        # Failover in seconds rather than the defaults' half minute: the monitor checks every
        # second and gives a silent primary 3 s, then 5 s to demote itself.
        for setting, value in (("health_check_period", 1000), ("health_check_retry_delay", 500), ("health_check_timeout", 1000),
                               ("health_check_max_retries", 1), ("node_considered_unhealthy_timeout", 3000),
                               ("primary_demote_timeout", 5000)):
            self.psql("monitor", f"ALTER SYSTEM SET pgautofailover.{setting} = {value}", database="pg_auto_failover")
        self.psql("monitor", "SELECT pg_reload_conf()", database="pg_auto_failover")
        for name in ("node1", "node2"):
            self.keep(name, ["pg_autoctl", "create", "postgres", "--pgdata", str(self.root / name), "--pgport", str(self.ports[name]),
                             "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl", "--dbname", "kruispunt",
                             "--name", name, "--monitor", self.monitor_uri, "--run"])
            if name == "node1":
                wait(lambda: self.states().get("node1", ("", ""))[0] in ("single", "wait_primary", "primary"), "the first node", 120)

        def ready() -> bool:
            # pg_basebackup waits for a checkpoint; an idle primary would take minutes to reach one.
            subprocess.run(as_postgres(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.ports["node1"]), "-d", "postgres", "-c", "CHECKPOINT"]),
                           capture_output=True, env=self.env, timeout=60)
            return self.states() == {"node1": ("primary", "primary"), "node2": ("secondary", "secondary")}
        wait(ready, "a primary and a secondary", 180, every=1)
        assert self.psql("node1", "SHOW synchronous_standby_names") != [[""]], "replication is not synchronous"

    def kill(self, name: str) -> None:
        """SIGKILL to the node's keeper session and to every PostgreSQL process of the node."""
        # Listed before the keeper dies: the postmaster may die with it, and its children then
        # belong to no one.
        helpers = self.postgres_processes(name)
        os.killpg(self.keepers[name].pid, signal.SIGKILL)
        for pid in helpers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.keepers[name].wait(timeout=30)

    def postgres_processes(self, name: str) -> list[int]:
        pid_file = self.root / name / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = int(pid_file.read_text().split()[0])
        return [postmaster, *child_pids(postmaster)]

    def stop(self) -> None:
        # Every PostgreSQL process listed first: a keeper's postmaster may die with the keeper,
        # and the monitor's background worker outlives its postmaster. Nothing may stay behind.
        helpers = {name: self.postgres_processes(name) for name in ("monitor", "node1", "node2")}
        for name, keeper in self.keepers.items():
            if keeper.poll() is None:
                os.killpg(keeper.pid, signal.SIGKILL)
                keeper.wait(timeout=30)
        for name, pids in helpers.items():
            if (self.root / name / "postmaster.pid").exists():
                subprocess.run(as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.root / name), "-m", "immediate", "stop"]),
                               capture_output=True, timeout=60)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def replica_status(base: str) -> str:
    status = requests.get(f"{base}/status", headers={"Authorization": f"Bearer {ADMIN}", "Accept": "application/json"}, timeout=10).json()
    replica = [c for c in status["components"] if c["name"] == "replica"]
    return f"{replica[0]['state']}: {replica[0]['detail']}" if replica else ""


def wait(condition, what: str, seconds: float, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def test_kruispunt_follows_a_failover_and_loses_nothing_acknowledged(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "failover")
    formation_root = work / "formation"
    formation_root.mkdir()
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="failover-test-secret-0123456789abcdef", KRUISPUNT_BASE_URL="http://127.0.0.1:8080",
                    TZ="UTC")
    detections = work / "d.csv"
    subprocess.run([str(kruispunt_binary), "generate", "--vehicles", "1500", "--days", "1", "--start", "2026-10-20",
                    "--seed", "31", "--out", str(detections)], check=True, env=env, timeout=300, capture_output=True)
    header, *rows = detections.read_text().splitlines(keepends=True)
    chunks = [header + "".join(rows[i:i + CHUNK_LINES]) for i in range(0, len(rows), CHUNK_LINES)]
    assert len(chunks) >= 12

    formation = AutoFailover(formation_root)
    server = None
    try:
        formation.start()
        port = formation.ports
        url = (f"host=127.0.0.1,127.0.0.1 port={port['node1']},{port['node2']} user=postgres dbname=kruispunt "
               "target_session_attrs=read-write connect_timeout=2")
        base_port = free_port()
        base = f"http://127.0.0.1:{base_port}"
        (work / "kruispunt").mkdir()
        server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(work / "kruispunt"), "--database-url", url, "serve",
                                   "--port", str(base_port), "--treat-interval", "1"],
                                  stdout=subprocess.DEVNULL, stderr=(work / "serve.log").open("wb"), start_new_session=True,
                                  env=env | {"KRUISPUNT_INGEST_TOKENS": INGEST, "KRUISPUNT_IDLE_CLOSE": "2",
                                             "KRUISPUNT_ADMIN_TOKENS": ADMIN, "KRUISPUNT_STATUS_INTERVAL": "1",
                                             "KRUISPUNT_READ_DATABASE_URL": f"host=127.0.0.1 port={port['node2']} user=postgres "
                                                                            "dbname=kruispunt connect_timeout=2"})
        wait_ready(base, server)

        # Publishing reads from the streaming replica: with its replay paused, the published
        # members are on the primary but not yet in the pages, and the status shows the lag.
        formation.psql("node2", "SELECT pg_wal_replay_pause()")
        first = requests.post(f"{base}/api/ingest", data=chunks[0].encode(), timeout=60,
                              headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv", "Idempotency-Key": "chunk-0"})
        assert first.status_code == 200, first.text
        wait(lambda: formation.psql("node1", "SELECT count(*) FROM stream_members")[0][0] != "0", "published members", 120, every=0.5)
        assert formation.psql("node2", "SELECT count(*) FROM stream_members") == [["0"]]
        view = lambda: requests.get(f"{base}/streams/vehicle-counts/by-time", headers={"Accept": "text/turtle"}, timeout=30)
        assert view().status_code == 200 and "GreaterThanOrEqualToRelation" not in view().text
        wait(lambda: "achterstand" in replica_status(base) and "achterstand 0.0 s" not in replica_status(base),
             "the replica's lag on the status page", 30)
        formation.psql("node2", "SELECT pg_wal_replay_resume()")
        wait(lambda: "GreaterThanOrEqualToRelation" in view().text, "the replica to catch up", 60, every=0.5)

        # The client: each chunk until it is answered 200, the same Idempotency-Key on every retry.
        acknowledged: list[dict] = []
        failures: list[str] = []

        def client() -> None:
            for n, chunk in enumerate(chunks):
                if n == 0:
                    acknowledged.append(first.json())
                    continue
                deadline = time.monotonic() + 120
                while True:
                    try:
                        answer = requests.post(f"{base}/api/ingest", data=chunk.encode(), timeout=30,
                                               headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv",
                                                        "Idempotency-Key": f"chunk-{n}"})
                        if answer.status_code == 200:
                            acknowledged.append(answer.json())
                            break
                        failures.append(f"{n}: {answer.status_code}")
                        assert answer.status_code in (429, 503), answer.text
                    except requests.RequestException as error:
                        failures.append(f"{n}: {error}")
                    assert time.monotonic() < deadline, f"chunk {n} was never stored: {failures[-5:]}"
                    time.sleep(0.5)

        uploader = threading.Thread(target=client)
        uploader.start()
        wait(lambda: len(acknowledged) >= 5, "the first uploads", 120, every=0.05)
        formation.kill("node1")
        killed = time.monotonic()
        # Kruispunt is ready again, on the promoted node, within 30 s and without a restart.
        def ready() -> bool:
            try:
                return requests.get(f"{base}/health/ready", timeout=5).status_code == 200 and \
                    formation.states().get("node2", ("", ""))[0] in ("wait_primary", "primary")
            except requests.RequestException:
                return False
        wait(ready, "Kruispunt on the promoted node", 30, every=0.2)
        followed = time.monotonic() - killed
        uploader.join(timeout=240)
        assert not uploader.is_alive() and len(acknowledged) == len(chunks), failures[-10:]
        assert server.poll() is None

        # Nothing acknowledged is lost, nothing retried is doubled, everything treated once.
        # One answer per chunk (a replay repeats the first answer's counts).
        assert sum(a["lines"] for a in acknowledged) == len(rows)
        count = lambda: formation.psql("node2", "SELECT count(*), coalesce((SELECT sum(detections) FROM treatment_runs), 0) FROM detections")[0]
        assert int(count()[0]) == sum(a["accepted"] for a in acknowledged)
        wait(lambda: count()[0] == count()[1], "the treatment on the promoted node", 120, every=0.5)
        print(f"\nfailover: Kruispunt ready on the promoted node {followed:.1f} s after the kill; "
              f"{len(failures)} refused or failed attempts, {sum(a['replayed'] for a in acknowledged)} replayed")
        server.terminate()
        assert server.wait(timeout=60) == 0
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        formation.stop()
