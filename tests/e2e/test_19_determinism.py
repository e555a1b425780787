"""Exactly-once determinism (README, "Treatment", Streaming): for the same input, the latest
versions are identical whatever the batch sizes, arrival order, or crashes and restarts in
between.

Three runs on the same generated data, each on its own fresh data directory, with the same
pseudonym secret and base URL:

    A  everything in one `ingest`, then `treat`;
    B  the lines sorted by time, split into 12 consecutive batches of random sizes, 2% of the lines
       moved 1 to 5 batches later (late data); `ingest` + `treat --watermark` per batch, then
       `treat` (closes every bucket);
    C  other random batches the same way, with SIGKILL at 5 random moments while an `ingest` or
       `treat --watermark` is in flight (connected, not yet committed); the killed command is run
       again to completion (it reuses the cluster the killed process left running), then `treat`.

`kruispunt export --latest --canonical` must be byte-identical for the three runs, and run B
must have re-versioned something (a member .../v2 in the full export), or the late data proved
nothing. Data quality (`/id/quality/...`) is the exception by design: it measures the delivery
itself (arrival order, batches, receipt), which differs between the runs; the three must measure
the same camera-hours.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import _stop_leftover_cluster, clean_env, private_dir

SECRET = "determinism-test-secret-0123456789abcdef"   # >= 32 characters
BASE_URL = "http://127.0.0.1:8080"
GENERATE_ARGS = ["--vehicles", "3000", "--days", "2", "--start", "2026-10-24", "--seed", "11"]
BATCHES = 12
LATE_FRACTION = 0.02
KILLS = 5
COMMAND_TIMEOUT_S = 300
METRICS = ("vehicle-count", "od-flow", "through-traffic", "speed")
#: Log lines of a command that has its database connection (started or reused the cluster).
CONNECTED_MARKERS = ("started the embedded PostgreSQL cluster", "reusing the running PostgreSQL cluster")
#: Log lines written inside the transaction, just before its commit (Treatment, Ingestor).
DONE_MARKERS = ("treatment run", "] ingested ")


class Cli:
    """`kruispunt` on one data directory, with the run's secret and base URL."""

    def __init__(self, binary: Path, data_dir: Path, log: Path):
        self.binary = binary
        self.data_dir = data_dir
        self.log = log
        self.env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL=BASE_URL, TZ="UTC")

    def argv(self, *args: str) -> list[str]:
        return [str(self.binary), "--data-dir", str(self.data_dir), *args]

    def run(self, *args: str) -> str:
        argv = self.argv(*args)
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env,
                              timeout=COMMAND_TIMEOUT_S)
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(args)} -> {done.returncode}\n{done.stderr}")
        assert done.returncode == 0, \
            f"`{' '.join(argv)}` exited with {done.returncode}\n{done.stderr[-3000:]}"
        return done.stdout

    def monitored(self, args: tuple[str, ...], kill_after: float | None = None) -> dict:
        """Runs a command in its own process group with debug logging, noting when it has its
        database connection (the cluster was started or reused). With `kill_after`, sends
        SIGKILL to the process (only: its helpers and the cluster live on) that many seconds
        after that moment. Returns what happened: exit code, seconds of work after connecting,
        whether it logged its completion (just before its commit), leftover helpers."""
        stderr_path = self.log.with_suffix(".cmd.log")
        with stderr_path.open("w", encoding="utf-8") as stderr:
            process = subprocess.Popen(self.argv(*args), stdout=subprocess.DEVNULL, stderr=stderr,
                                       env={**self.env, "KRUISPUNT_LOG_LEVEL": "debug"},
                                       start_new_session=True)
        started, connected, killed = time.monotonic(), None, False
        while process.poll() is None:
            now = time.monotonic()
            assert now - started < COMMAND_TIMEOUT_S, f"`{' '.join(args)}` hangs"
            if connected is None and any(marker in stderr_path.read_text(encoding="utf-8", errors="replace")
                                         for marker in CONNECTED_MARKERS):
                connected = now
            if kill_after is not None and connected is not None and now - connected >= kill_after:
                process.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.003)
        code = process.wait(timeout=60)
        ended = time.monotonic()
        # A kill during the cluster's start or stop leaves pg_ctl running, and a command started
        # meanwhile finds the pid file of a cluster that is shutting down, reuses it and fails to
        # connect (EmbeddedCluster.start). Let the killed command's helpers finish first.
        orphans = wait_for_orphans(process.pid)
        text = stderr_path.read_text(encoding="utf-8", errors="replace")
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(args)} (monitored{', SIGKILL' if killed else ''}) -> {code}\n{text}")
        if not killed:
            assert code == 0, f"`{' '.join(args)}` exited with {code}\n{text[-3000:]}"
        return {"code": code, "killed": killed and code == -signal.SIGKILL,
                "work": ended - (connected or started), "orphans": len(orphans),
                "done_logged": any(marker in text for marker in DONE_MARKERS)}


def live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (not zombies: PID 1 here may not
    reap orphans)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()   # after "pid (comm) "
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


def wait_for_orphans(group: int, seconds: float = 90) -> list[int]:
    """Waits until the helpers a killed command had started (pg_ctl start/stop, runuser: same
    process group; the postmaster itself leaves it with setsid) have finished. Returns the pids
    that were still running at the start, for the report."""
    leftover = live_members(group)
    deadline = time.monotonic() + seconds
    while live_members(group):
        assert time.monotonic() < deadline, f"helpers of a killed command still run: {live_members(group)}"
        time.sleep(0.05)
    return leftover


def aborted_transactions(data_dir: Path) -> int:
    """How often the cluster logged a client that went away inside a transaction."""
    try:
        text = (data_dir / "postgresql.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return text.count("unexpected EOF on client connection with an open transaction")


def wait_for_abort(data_dir: Path, before: int, seconds: float = 1.5) -> bool:
    """Whether the backend of a killed command reports an aborted open transaction."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if aborted_transactions(data_dir) > before:
            return True
        time.sleep(0.02)
    return False


def split_with_late_data(lines: list[str], seed: int) -> list[list[str]]:
    """Data lines sorted by timestamp, cut into BATCHES consecutive batches of random sizes,
    then LATE_FRACTION of the lines moved 1 to 5 batches later."""
    rng = random.Random(seed)

    def instant(line: str) -> dt.datetime:
        return dt.datetime.fromisoformat(next(csv.reader([line]))[2])

    ordered = sorted(lines, key=instant)
    cuts = sorted(rng.sample(range(1, len(ordered)), BATCHES - 1))
    bounds = [0, *cuts, len(ordered)]
    batches = [ordered[bounds[i]:bounds[i + 1]] for i in range(BATCHES)]
    movable = [(b, i) for b in range(BATCHES - 1) for i in range(len(batches[b]))]
    late = rng.sample(movable, round(LATE_FRACTION * len(ordered)))
    moved: list[list[str]] = [[] for _ in range(BATCHES)]
    removed: set[tuple[int, int]] = set()
    for b, i in late:
        moved[min(BATCHES - 1, b + rng.randint(1, 5))].append(batches[b][i])
        removed.add((b, i))
    result = []
    for b in range(BATCHES):
        kept = [line for i, line in enumerate(batches[b]) if (b, i) not in removed]
        result.append(kept + moved[b])
    assert sorted(sum(result, [])) == sorted(lines)
    return result


def write_batches(folder: Path, header: str, batches: list[list[str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, batch in enumerate(batches):
        path = folder / f"batch_{n:02d}.csv"
        path.write_text(header + "\n" + "".join(line + "\n" for line in batch), encoding="utf-8")
        paths.append(path)
    return paths


def prepare(cli: Cli, registry: Path) -> None:
    cli.run("cameras", "import", str(registry / "cameras.csv"))
    cli.run("zones", "import", str(registry / "zones.csv"))


def run_all_at_once(cli: Cli, registry: Path, data: Path) -> None:
    prepare(cli, registry)
    cli.run("ingest", str(data))
    cli.run("treat")


def run_batches(cli: Cli, registry: Path, batches: list[Path]) -> None:
    prepare(cli, registry)
    for path in batches:
        cli.run("ingest", str(path))
        cli.run("treat", "--watermark")
    cli.run("treat")


def run_with_kills(cli: Cli, registry: Path, batches: list[Path], seed: int) -> list[dict]:
    """Like run_batches, but SIGKILLs an `ingest` or `treat --watermark` at KILLS random moments
    in flight (after it connected, before it logged its completion) and runs the killed command
    again to completion. The moment is a random fraction of the work the last run of that
    command took; a kill that came too late (the command had finished its work) moves on to the
    next command. Returns what happened at each kill."""
    rng = random.Random(seed)
    planned = sorted(rng.sample(range(len(batches) - 4), KILLS))   # leaves room to move on
    last_work = {"ingest": 0.1, "treat": 0.5}
    kills: list[dict] = []
    too_late: list[dict] = []
    pending = 0   # kills due but not landed yet
    prepare(cli, registry)
    for n, path in enumerate(batches):
        pending += planned.count(n)
        for name, args in (("ingest", ("ingest", str(path))), ("treat", ("treat", "--watermark"))):
            if pending and (name == "treat" or rng.random() < 0.4):
                delay = rng.uniform(0.0, 0.9 * last_work[name])
                aborted_before = aborted_transactions(cli.data_dir)
                outcome = cli.monitored(args, kill_after=delay)
                record = {"batch": n, "command": name, "after_connect_s": round(delay, 3),
                          "orphaned_helpers": outcome["orphans"],
                          "aborted_transaction": wait_for_abort(cli.data_dir, aborted_before)
                          if outcome["killed"] else False}
                in_flight = outcome["killed"] and not outcome["done_logged"]
                # The last kill must abort an open transaction if none did before.
                if in_flight and (len(kills) < KILLS - 1 or record["aborted_transaction"]
                                  or any(kill["aborted_transaction"] for kill in kills)):
                    kills.append(record)
                    pending -= 1
                else:
                    too_late.append(record)
            outcome = cli.monitored(args)   # to completion (again, after a kill)
            last_work[name] = outcome["work"]
    cli.run("treat")
    assert len(kills) == KILLS, \
        f"only {len(kills)} of {KILLS} kills hit a command in flight: {kills}; too late: {too_late}"
    return kills


def first_differences(reference: str, other: str, limit: int = 12) -> str:
    """A short report of how two canonical exports differ."""
    left, right = reference.splitlines(), other.splitlines()
    index = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))
    only_left = sorted(set(left) - set(right))
    only_right = sorted(set(right) - set(left))
    out = [f"{len(left)} vs {len(right)} lines; first difference at line {index + 1}",
           f"  A: {left[index] if index < len(left) else '<end>'}",
           f"  X: {right[index] if index < len(right) else '<end>'}",
           f"{len(only_left)} lines only in A, e.g.:", *("  - " + l for l in only_left[:limit]),
           f"{len(only_right)} lines only in X, e.g.:", *("  + " + l for l in only_right[:limit])]
    return "\n".join(out)


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_latest_state_is_independent_of_batches_order_and_crashes(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "determinism")
    data, registry = parent / "d.csv", parent / "reg"
    subprocess.run([str(kruispunt_binary), "generate", *GENERATE_ARGS, "--out", str(data),
                    "--registry", str(registry)], check=True, env=clean_env(), timeout=300,
                   capture_output=True)
    text = data.read_text(encoding="utf-8").splitlines()
    header, lines = text[0], [line for line in text[1:] if line.strip()]
    assert len(lines) > 10_000, f"only {len(lines)} generated lines"

    batches_b = write_batches(parent / "batches_b", header, split_with_late_data(lines, seed=1911))
    batches_c = write_batches(parent / "batches_c", header, split_with_late_data(lines, seed=2911))

    clis = {name: Cli(kruispunt_binary, parent / f"run_{name}", parent / f"run_{name}.log")
            for name in "ABC"}
    timings = {}
    try:
        started = time.monotonic()
        run_all_at_once(clis["A"], registry, data)
        timings["A"] = time.monotonic() - started

        started = time.monotonic()
        run_batches(clis["B"], registry, batches_b)
        timings["B"] = time.monotonic() - started

        started = time.monotonic()
        kills = run_with_kills(clis["C"], registry, batches_c, seed=3911)
        timings["C"] = time.monotonic() - started

        exports = {name: cli.run("export", "--latest", "--canonical") for name, cli in clis.items()}
        full_b = clis["B"].run("export", "--canonical")
    finally:
        for cli in clis.values():
            _stop_leftover_cluster(cli.data_dir)
    for name, text in exports.items():
        (parent / f"latest_{name}.nq").write_text(text, encoding="utf-8")
    print(f"timings: { {k: round(v, 1) for k, v in timings.items()} }; kills: {kills}")

    reference = exports["A"]
    assert reference.strip(), "`export --latest --canonical` of run A is empty"
    for metric in METRICS:
        assert f"/id/observation/{metric}/" in reference, f"no {metric} observation in run A's export"
    reversioned = {line.rsplit(" ", 2)[1] for line in full_b.splitlines()
                   if re.search(r"/v([2-9]|[1-9][0-9]+)> \.$", line) and "/id/quality/" not in line}
    print(f"run B: {len(reversioned)} members with version 2 or later")
    assert reversioned, "run B has no observation with a second version: the late data re-versioned nothing"

    def split_quality(text: str) -> tuple[str, set[str]]:
        """The export without data-quality lines, and the camera-hours those describe (graphs)."""
        kept, hours = [], set()
        for line in text.splitlines(keepends=True):
            if "/id/quality/" in line.rsplit(" ", 2)[-2]:
                hours.add(line.rsplit(" ", 2)[-2])
            else:
                kept.append(line)
        return "".join(kept), hours
    split = {name: split_quality(text) for name, text in exports.items()}
    assert split["A"][1], "run A measured no data quality"
    reference = split["A"][0]
    for name, label in (("B", "20 batches with 2% late data"), ("C", "SIGKILL at 5 moments")):
        assert split[name][1] == split["A"][1], f"run {name} ({label}) measured other camera-hours than run A"
        exports[name] = split[name][0]
        assert exports[name] == reference, (
            f"run {name} ({label}) differs from run A (all at once); exports in {parent}\n"
            + first_differences(reference, exports[name]))

    # Passed: the three clusters (about 300 MB each) are of no further use.
    for cli in clis.values():
        shutil.rmtree(cli.data_dir, ignore_errors=True)
