"""Load under faults (`make bench-load`, issue 11). It runs against a release `kruispunt serve` and
its embedded database, and is the same for both runs. For LOAD_SECONDS (default 600):
- one client ingests detections at LOAD_RATE lines per second (default 2,000, the national
  peak): one upload a second, each with an Idempotency-Key, retried after Retry-After until
  answered 200;
- 32 clients harvest the event stream, following tree:view and tree:node links in N-Quads;
- 4 clients load the dashboard and the status page.

Every second it samples the server's and PostgreSQL's memory (RSS) and the treatment's backlog
(`kruispunt_treatment_backlog_detections`). The second run restarts the database in the middle
(stopped for OUTAGE_SECONDS, default 5, then started). That run must lose or double nothing, and
its errors must fall within the outage window.

Prints, per run:
- throughput and the p50/p95/p99 latency per client kind;
- errors, and the errors outside the outage;
- peak and final memory, and peak and final backlog;
- stored detections against acknowledged lines, once the treatment has caught up.

Keeps the raw samples in test-output/bench-load/.

    python scripts/bench_load.py --binary .build/release/kruispunt [--seconds 600] [--rate 2000]
        [--runs both|steady|outage] [--server-env KRUISPUNT_PAGE_CACHE_MB=32 ...]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from conftest import child_pids  # noqa: E402  (the e2e suite's process helpers)

INGEST = "load-ingest-token-0123456789abcdef0123"
ADMIN = "load-admin-token-0123456789abcdef01234"
TREE = "https://w3id.org/tree#"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def proc_kib(pid: int, file: str, field: str) -> int:
    """A size in KiB from /proc/PID/FILE (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid: int) -> int:
    return proc_kib(pid, "status", "VmRSS")


def pss_kib(pid: int) -> int:
    """The proportional set size: shared pages (PostgreSQL's shared buffers) split between the
    processes that map them, so a sum over processes counts them once."""
    return proc_kib(pid, "smaps_rollup", "Pss")


def postgres_pids(data: Path) -> list[int]:
    try:
        postmaster = int((data / "pg" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [postmaster, *child_pids(postmaster)]


class Recorder:
    """Latencies and errors per client kind, with the time of each error."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[tuple[float, str]]] = {}

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors.setdefault(kind, []).append((time.monotonic(), what))


def detections(binary: Path, lines_needed: int, work: Path) -> tuple[str, list[str]]:
    """Generated detections sorted by time, at least `lines_needed` of them."""
    vehicles = max(500, lines_needed // 20)
    out = work / "load.csv"
    while True:
        subprocess.run([str(binary), "generate", "--vehicles", str(vehicles), "--days", "1", "--seed", "77",
                        "--start", "2026-11-02", "--out", str(out)], check=True, capture_output=True, timeout=1800)
        header, *lines = out.read_text().splitlines()
        if len(lines) >= lines_needed:
            break
        vehicles = int(vehicles * 1.3 * lines_needed / max(1, len(lines)))
    lines.sort(key=lambda line: line.split(",")[2])
    return header, lines


def run(binary: Path, seconds: float, rate: int, harvesters: int, outage: float | None, header: str, lines: list[str],
        work: Path, server_env: dict[str, str]) -> dict:
    data = work / ("data-outage" if outage else "data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRUISPUNT_")} | {
        "KRUISPUNT_BASE_URL": base, "KRUISPUNT_INGEST_TOKENS": INGEST, "KRUISPUNT_ADMIN_TOKENS": ADMIN,
        "KRUISPUNT_PSEUDONYM_SECRET": "load-bench-secret-0123456789abcdef0123", "KRUISPUNT_IDLE_CLOSE": "30",
        "KRUISPUNT_DUMP_HOURS": "0", "TZ": "UTC"} | server_env
    server = subprocess.Popen([str(binary), "--data-dir", str(data), "serve", "--port", str(port), "--treat-interval", "5"],
                              stdout=subprocess.DEVNULL, stderr=(work / f"serve{'-outage' if outage else ''}.log").open("wb"),
                              env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{base}/health/ready", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.25)

    recorder = Recorder()
    stop = threading.Event()
    acknowledged = {"lines": 0, "accepted": 0, "batches": 0, "replayed": 0}
    started = time.monotonic()

    def ingest() -> None:
        session = requests.Session()
        n = 0
        while not stop.is_set() and (n + 1) * rate <= len(lines):
            body = (header + "\n" + "\n".join(lines[n * rate:(n + 1) * rate]) + "\n").encode()
            due = started + n
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    answer = session.post(f"{base}/api/ingest", data=body, timeout=60,
                                          headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv",
                                                   "Idempotency-Key": f"load-{n}"})
                    if answer.status_code == 200:
                        recorder.ok("ingest", time.monotonic() - t0)
                        summary = answer.json()
                        acknowledged["lines"] += summary["lines"]
                        acknowledged["accepted"] += summary["accepted"]
                        acknowledged["batches"] += 1
                        acknowledged["replayed"] += bool(summary["replayed"])
                        break
                    recorder.error("ingest", str(answer.status_code))
                    time.sleep(min(5, float(answer.headers.get("Retry-After", "1"))))
                except requests.RequestException as error:
                    recorder.error("ingest", type(error).__name__)
                    time.sleep(1)
            n += 1
            pause = started + n - time.monotonic()
            if pause > 0:
                stop.wait(pause)

    def harvest() -> None:
        session = requests.Session()
        rng = random.Random(threading.get_ident())
        while not stop.is_set():
            url = f"{base}/streams/vehicle-counts"
            for _ in range(8):   # one path down the tree, from the stream to a page
                t0 = time.monotonic()
                try:
                    answer = session.get(url, headers={"Accept": "application/n-quads"}, timeout=60)
                except requests.RequestException as error:
                    recorder.error("harvest", type(error).__name__)
                    time.sleep(0.5)
                    break
                if answer.status_code != 200:
                    recorder.error("harvest", str(answer.status_code))
                    time.sleep(0.5)
                    break
                recorder.ok("harvest", time.monotonic() - t0)
                links = re.findall(rf"<({re.escape(TREE)}(?:node|view))> <([^>]+)>", answer.text)
                if not links:
                    break
                url = rng.choice(links)[1]

    def dashboard() -> None:
        session = requests.Session()
        pages = ["/", "/status", "/streams/vehicle-counts/by-time"]
        while not stop.is_set():
            for page in pages:
                t0 = time.monotonic()
                try:
                    answer = session.get(base + page, headers={"Accept": "text/html"}, timeout=60)
                    if answer.status_code == 200:
                        recorder.ok("dashboard", time.monotonic() - t0)
                    else:
                        recorder.error("dashboard", str(answer.status_code))
                except requests.RequestException as error:
                    recorder.error("dashboard", type(error).__name__)
                stop.wait(0.5)

    samples: list[dict] = []

    def sample() -> None:
        while not stop.is_set():
            backlog = None
            try:
                metrics = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=5).text
                found = re.search(r"^kruispunt_treatment_backlog_detections (\S+)", metrics, re.M)
                backlog = float(found.group(1)) if found else None
            except requests.RequestException:
                pass
            samples.append({"t": round(time.monotonic() - started, 1), "server_rss_kib": rss_kib(server.pid),
                            "postgres_rss_kib": sum(rss_kib(pid) for pid in postgres_pids(data)),
                            "postgres_pss_kib": sum(pss_kib(pid) for pid in postgres_pids(data)), "backlog": backlog})
            stop.wait(1)

    threads = [threading.Thread(target=ingest), threading.Thread(target=sample)]
    threads += [threading.Thread(target=harvest) for _ in range(harvesters)]
    threads += [threading.Thread(target=dashboard) for _ in range(4)]
    for thread in threads:
        thread.start()
    window = None
    if outage:
        time.sleep(seconds / 2)
        options = " ".join(shlex.quote(w) for w in _restart_options(data))
        down = time.monotonic()
        _pg_ctl(data, "-m", "fast", "-w", "stop")
        time.sleep(outage)
        _pg_ctl(data, "-l", str(data / "postgresql.log"), "-o", options, "-w", "start")
        while requests.get(f"{base}/health/ready", timeout=5).status_code != 200:
            time.sleep(0.1)
        window = (down, time.monotonic())
        time.sleep(max(0, started + seconds - time.monotonic()))
    else:
        time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started

    # The treatment catches up; then every acknowledged line must be stored once.
    drained = time.monotonic()
    while True:
        metrics = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30).text
        found = re.search(r"^kruispunt_treatment_backlog_detections (\S+)", metrics, re.M)
        if found and float(found.group(1)) == 0:
            break
        if time.monotonic() - drained > 900:
            break
        time.sleep(2)
    drain_seconds = time.monotonic() - drained
    stored = int(subprocess.run(["psql", "-X", "-A", "-t", "-h", str(data / "run"), "-U", "postgres", "-d", "kruispunt", "-c",
                                 "SELECT count(*) FROM detections"], capture_output=True, text=True, check=True).stdout)
    server.terminate()
    code = server.wait(timeout=120)

    margin = 5.0
    outside = {kind: [e for e in errs if not window or not (window[0] - margin <= e[0] <= window[1] + margin)]
               for kind, errs in recorder.errors.items()}
    return {
        "outage_seconds": outage, "seconds": round(elapsed, 1), "rate": rate, "harvesters": harvesters,
        "exit_code": code, "drain_seconds": round(drain_seconds, 1),
        "acknowledged": acknowledged, "stored": stored,
        "window": [round(window[0] - started, 1), round(window[1] - started, 1)] if window else None,
        "kinds": {kind: {"requests": len(values), "per_second": round(len(values) / elapsed, 1),
                         "p50_ms": round(1000 * percentile(values, 0.5), 1), "p95_ms": round(1000 * percentile(values, 0.95), 1),
                         "p99_ms": round(1000 * percentile(values, 0.99), 1),
                         "errors": len(recorder.errors.get(kind, [])), "errors_outside_outage": len(outside.get(kind, []))}
                  for kind, values in recorder.latencies.items()},
        "memory": {"server_peak_mib": round(max(s["server_rss_kib"] for s in samples) / 1024, 1),
                   "server_final_mib": round(samples[-1]["server_rss_kib"] / 1024, 1),
                   "postgres_peak_mib": round(max(s["postgres_rss_kib"] for s in samples) / 1024, 1),
                   "postgres_pss_peak_mib": round(max(s["postgres_pss_kib"] for s in samples) / 1024, 1)},
        "backlog": {"peak": max((s["backlog"] or 0) for s in samples), "final": samples[-1]["backlog"]},
        "samples": samples,
    }


def _restart_options(data: Path) -> list[str]:
    words = shlex.split((data / "pg" / "postmaster.opts").read_text())[1:]
    i = words.index("-D")
    return words[:i] + words[i + 2:]


def _pg_ctl(data: Path, *args: str) -> None:
    argv = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(data / "pg"), *args]
    if os.geteuid() == 0 and (data / "pg").owner() != "root":
        argv = ["runuser", "-u", (data / "pg").owner(), "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(ROOT / ".build/release/kruispunt"))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 600)))
    parser.add_argument("--rate", type=int, default=int(os.environ.get("LOAD_RATE", 2000)))
    parser.add_argument("--harvesters", type=int, default=32)
    parser.add_argument("--outage", type=float, default=float(os.environ.get("OUTAGE_SECONDS", 5)))
    parser.add_argument("--runs", choices=["both", "steady", "outage"], default=os.environ.get("LOAD_RUNS", "both"))
    parser.add_argument("--server-env", action="append", default=[], metavar="KRUISPUNT_NAME=VALUE",
                        help="a setting for the server (repeatable), e.g. KRUISPUNT_PAGE_CACHE_MB=32")
    args = parser.parse_args()
    binary = Path(args.binary).resolve()
    work = Path(tempfile.mkdtemp(prefix="kruispunt-load-"))
    os.chmod(work, 0o755)
    out_dir = ROOT / "test-output" / "bench-load"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    try:
        header, lines = detections(binary, int(args.rate * args.seconds * 1.05), work)
        results = []
        server_env = dict(setting.split("=", 1) for setting in args.server_env)
        for outage in {"both": (None, args.outage), "steady": (None,), "outage": (args.outage,)}[args.runs]:
            result = run(binary, args.seconds, args.rate, args.harvesters, outage, header, lines, work, server_env)
            results.append(result)
            label = f"database stopped {outage:g} s mid-run" if outage else "steady"
            print(f"\n== {label}: {result['seconds']} s, {args.rate} detections/s offered, {args.harvesters} harvesters ==")
            print(f"{'client':<10} {'requests/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'outside outage':>15}")
            for kind, k in result["kinds"].items():
                print(f"{kind:<10} {k['per_second']:>10} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['p99_ms']:>8} {k['errors']:>7} "
                      f"{k['errors_outside_outage']:>15}")
            a = result["acknowledged"]
            print(f"ingested: {a['lines'] / result['seconds']:.0f} lines/s acknowledged ({a['batches']} uploads, {a['replayed']} replayed); "
                  f"stored {result['stored']} of {a['accepted']} accepted: "
                  f"{'nothing lost or doubled' if result['stored'] == a['accepted'] else 'MISMATCH'}")
            m, b = result["memory"], result["backlog"]
            print(f"memory: server peak {m['server_peak_mib']} MiB (final {m['server_final_mib']}), PostgreSQL peak "
                  f"{m['postgres_pss_peak_mib']} MiB proportional ({m['postgres_peak_mib']} MiB summed RSS); "
                  f"treatment backlog peak {b['peak']:.0f}, at the end {b['final']}, drained {result['drain_seconds']} s after the load"
                  + (f"; outage window {result['window']} s" if result["window"] else ""))
        (out_dir / f"{stamp}.json").write_text(json.dumps(results, indent=1))
        print(f"\nraw results: {out_dir / (stamp + '.json')}")
    finally:
        for name in ("data", "data-outage"):
            if (work / name / "pg" / "postmaster.pid").exists():
                try:
                    _pg_ctl(work / name, "-m", "immediate", "stop")
                except subprocess.CalledProcessError:
                    pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
