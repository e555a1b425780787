#!/usr/bin/env python3
"""Virtuoso 7 reference for quad loading: bulk-load one N-Quads file, report time and disk size.

Usage:
  scripts/bench_virtuoso.py FILE.nq [--loaders N] [--parts P] [--workdir DIR] [--keep]
  scripts/bench_virtuoso.py --generate N OUT.nq      # write a test file of about N quads

Installs Debian's virtuoso-opensource if `virtuoso-t` is missing (services kept from starting),
then runs its own `virtuoso-t` on a fresh database in a temporary directory (under --workdir if
given) with SQL and HTTP ports on 127.0.0.1. With N > 1 loaders the file is first split into
line-based parts (not timed; default 16 per loader, as fewer, larger parts make the parallel
loaders deadlock often). The timed part is ld_dir() registration, N parallel isql sessions
running rdf_loader_run(), and a checkpoint. A load whose files failed with "Transaction
deadlock" is redone on a new database (--attempts). Prints one JSON object on stdout:
  {"available": true, "quads", "seconds", "quads_per_second", "loaders", "disk_bytes", "errors", ...}
or {"available": false, "reason": "..."} (exit status 0) when Virtuoso cannot be installed.
The server is always shut down and the temporary directory removed (unless --keep).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_GRAPH = "http://example.org/default"
# Memory settings for about 2 GB, as in Virtuoso's own virtuoso.ini guidance (8 KiB pages).
NUMBER_OF_BUFFERS = 170000
MAX_DIRTY_BUFFERS = 130000
PARTS_PER_LOADER = 16
STARTUP_TIMEOUT_S = 300
SHUTDOWN_TIMEOUT_S = 120
COUNT_SPARQL = "SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } };"


def log(message: str) -> None:
    """Progress on stderr; stdout carries only the JSON result."""
    print(f"[bench_virtuoso] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------

def find_binaries() -> tuple[str, str] | None:
    server = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql-v")
    return (server, isql) if server and isql else None


def install_virtuoso() -> str | None:
    """Install virtuoso-opensource without starting its service. Returns an error or None."""
    if os.geteuid() != 0:
        return "virtuoso-t not installed and not running as root"
    if not shutil.which("apt-get"):
        return "virtuoso-t not installed and apt-get not available"
    log("installing virtuoso-opensource with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", DEBCONF_NONINTERACTIVE_SEEN="true")
    # Preseed the admin password so that debconf never asks.
    selections = "".join(
        f"virtuoso-opensource-7 virtuoso-opensource-7/{key} password dba\n"
        for key in ("dba-password", "dba-password-again")
    )
    subprocess.run(["debconf-set-selections"], input=selections, text=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    # Forbid the postinst from starting the service (exit 101); any existing policy is restored.
    policy = "/usr/sbin/policy-rc.d"
    backup = policy + ".bench-virtuoso-backup"
    had_policy = os.path.exists(policy)
    try:
        if had_policy:
            shutil.copy2(policy, backup)
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                   "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
                   "virtuoso-opensource"]
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log("apt-get install failed; running apt-get update and trying again")
            subprocess.run(["apt-get", "update", "-q"], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, check=False)
            result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            return "apt-get install virtuoso-opensource failed: " + " | ".join(tail)
    finally:
        if had_policy:
            shutil.move(backup, policy)
        elif os.path.exists(policy):
            os.remove(policy)
    if not find_binaries():
        return "virtuoso-opensource installed but virtuoso-t/isql-vt not found"
    return None


# ---------------------------------------------------------------------------------------------
# Input preparation (not timed)
# ---------------------------------------------------------------------------------------------

_LAST_TERM = re.compile(rb"(<[^>]*>|_:\S+)\s*\.\s*$")


def last_term(line: bytes) -> bytes | None:
    """The graph term of a quad line (the object for a triple); used to keep graphs together."""
    match = _LAST_TERM.search(line)
    return match.group(1) if match else None


def count_statements(path: str) -> int:
    """Non-blank, non-comment lines: the number of statements in an N-Quads file."""
    count = 0
    with open(path, "rb") as f:
        for line in f:
            stripped = line.lstrip()
            if stripped and not stripped.startswith(b"#"):
                count += 1
    return count


def split_boundaries(path: str, parts: int) -> list[int]:
    """Byte offsets that cut the file into `parts` line-based pieces of similar size.

    A cut is moved forward past lines of the same graph, so that a member graph (and the blank
    nodes in it, whose labels the loader scopes to one file) stays in one piece.
    """
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            start = max(size * k // parts, bounds[-1])
            f.seek(start)
            if start > 0:
                f.readline()  # finish the line the seek landed in
            offset = f.tell()
            first = f.readline()
            graph = last_term(first)
            offset_after = f.tell()
            for _ in range(100000):  # bounded look-ahead
                line = f.readline()
                if not line or last_term(line) != graph:
                    break
                offset_after = f.tell()
            cut = offset_after if first else offset
            bounds.append(min(cut, size))
    bounds.append(size)
    return bounds


def prepare_parts(path: str, parts: int, datadir: str) -> list[str]:
    """Files for the loaders in `datadir`: a link for one part, else split pieces."""
    os.makedirs(datadir, exist_ok=True)
    if parts <= 1:
        # The loader picks the parser by extension, so the link is always named *.nq.
        target = os.path.join(datadir, "part-000.nq")
        os.symlink(os.path.abspath(path), target)
        return [target]
    bounds = split_boundaries(path, parts)
    names = []
    with open(path, "rb") as src:
        for k in range(parts):
            if bounds[k + 1] <= bounds[k]:
                continue  # empty piece (tiny file or one huge graph)
            name = os.path.join(datadir, f"part-{k:03d}.nq")
            src.seek(bounds[k])
            remaining = bounds[k + 1] - bounds[k]
            with open(name, "wb") as dst:
                while remaining > 0:
                    chunk = src.read(min(remaining, 1 << 22))
                    if not chunk:
                        break
                    dst.write(chunk)
                    remaining -= len(chunk)
            names.append(name)
    return names


# ---------------------------------------------------------------------------------------------
# Virtuoso server
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_ini(dbdir: str, dirs_allowed: list[str], sql_port: int, http_port: int) -> str:
    allowed = ", ".join(["."] + dirs_allowed)
    ini = f"""\
[Database]
DatabaseFile = {dbdir}/virtuoso.db
ErrorLogFile = {dbdir}/virtuoso.log
LockFile = {dbdir}/virtuoso.lck
TransactionFile = {dbdir}/virtuoso.trx
xa_persistent_file = {dbdir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dbdir}/virtuoso-temp.db
TransactionFile = {dbdir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = {allowed}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RFC1123DateFormat = 0
NumberOfBuffers = {NUMBER_OF_BUFFERS}
MaxDirtyBuffers = {MAX_DIRTY_BUFFERS}
MaxQueryMem = 1G
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dbdir}/vsp
ServerThreads = 5
MaxKeepAlives = 5
KeepAliveTimeout = 10
EnabledDavVSP = 0
EnabledGzipContent = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 10000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultGraph = {DEFAULT_GRAPH}
"""
    path = os.path.join(dbdir, "virtuoso.ini")
    os.makedirs(os.path.join(dbdir, "vsp"), exist_ok=True)
    with open(path, "w") as f:
        f.write(ini)
    return path


class Virtuoso:
    """One virtuoso-t process on a fresh database, reached through isql-vt."""

    def __init__(self, server: str, isql: str, dbdir: str, dirs_allowed: list[str]):
        self.server, self.isql_bin, self.dbdir = server, isql, dbdir
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.ini = write_ini(dbdir, dirs_allowed, self.sql_port, self.http_port)
        self.proc: subprocess.Popen | None = None
        self.stdout = None
        self.loaders: list[subprocess.Popen] = []

    # --- process control ---

    def start(self) -> float:
        """Start the server (creates the database) and wait until isql answers; returns seconds."""
        began = time.monotonic()
        self.stdout = open(os.path.join(self.dbdir, "server.out"), "wb")
        self.proc = subprocess.Popen(
            [self.server, "+foreground", "+configfile", self.ini],
            cwd=self.dbdir, stdin=subprocess.DEVNULL, stdout=self.stdout,
            stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - began < STARTUP_TIMEOUT_S:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: "
                                   + self.log_tail())
            result = self.run_sql("status();", check=False, timeout=30)
            if result.returncode == 0 and "*** Error" not in result.stdout:
                return time.monotonic() - began
            time.sleep(1)
        raise RuntimeError(f"virtuoso-t did not answer within {STARTUP_TIMEOUT_S} s: "
                           + self.log_tail())

    def stop(self) -> None:
        """Shut down cleanly if possible, else kill the process group. Never raises."""
        for loader in self.loaders:
            if loader.poll() is None:
                loader.kill()
                loader.wait()
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.run_sql("shutdown;", check=False, timeout=SHUTDOWN_TIMEOUT_S)
                self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except Exception:  # noqa: BLE001 - falling back to signals below
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self.proc.poll() is not None:
                    break
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        if self.stdout is not None:
            self.stdout.close()

    def log_tail(self, lines: int = 5) -> str:
        try:
            with open(os.path.join(self.dbdir, "virtuoso.log"), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # --- SQL ---

    def isql_command(self, sql: str) -> list[str]:
        return [self.isql_bin, f"127.0.0.1:{self.sql_port}", "dba", "dba",
                "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT",
                f"EXEC={sql}"]

    def run_sql(self, sql: str, check: bool = True, timeout: float | None = None):
        result = subprocess.run(self.isql_command(sql), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout, check=False)
        if check and (result.returncode != 0 or "*** Error" in result.stdout):
            raise RuntimeError(f"isql failed for {sql!r}: "
                               + (result.stdout + result.stderr).strip()[-500:])
        return result

    def query_lines(self, sql: str) -> list[str]:
        """Non-blank output lines of a query (one a row; select one column to parse them)."""
        out = self.run_sql(sql).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]

    def scalar(self, sql: str) -> int:
        lines = self.query_lines(sql)
        for line in lines:
            if re.fullmatch(r"-?\d+", line):
                return int(line)
        raise RuntimeError(f"no number in the answer to {sql!r}: {lines!r}")

    def start_loader(self) -> subprocess.Popen:
        loader = subprocess.Popen(self.isql_command("rdf_loader_run();"),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.loaders.append(loader)
        return loader

    def peak_rss_bytes(self) -> int | None:
        """High-water mark of the server's resident memory (Linux /proc)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, AttributeError):
            pass
        return None

    def disk_bytes(self) -> dict[str, int]:
        sizes = {}
        for name in ("virtuoso.db", "virtuoso.trx"):
            path = os.path.join(self.dbdir, name)
            sizes[name] = os.path.getsize(path) if os.path.exists(path) else 0
        return sizes


# ---------------------------------------------------------------------------------------------
# Benchmark
# ---------------------------------------------------------------------------------------------

def is_deadlock(error: str) -> bool:
    return "40001" in error or "deadlock" in error.lower()


def benchmark(path: str, loaders: int, parts: int, workdir: str, binaries: tuple[str, str],
              attempts: int) -> dict:
    """Prepare the parts once, then load them into a fresh database until no deadlock.

    Parallel loaders can die with "40001 Transaction deadlock" on a file; what they had
    committed stays, and a reload would duplicate blank nodes, so the whole attempt is redone
    on a new database (at most `attempts` times). Other errors end the run as they are.
    """
    datadir = os.path.join(workdir, "data")
    log(f"preparing {parts} part(s) of {path}")
    input_quads = count_statements(path)
    files = prepare_parts(path, parts, datadir)
    dirs_allowed = [datadir, os.path.dirname(os.path.abspath(path))]
    failed = []
    for attempt in range(1, attempts + 1):
        dbdir = os.path.join(workdir, f"db-{attempt}")
        result = load_once(binaries, dbdir, dirs_allowed, datadir, loaders)
        errors = [e for e in result["errors"] if "not marked done" not in e]
        if not errors or not all(is_deadlock(e) for e in errors) or attempt == attempts:
            break
        log(f"attempt {attempt} deadlocked; starting again on a fresh database")
        failed.append({"seconds": result["seconds"], "quads": result["quads"]})
        shutil.rmtree(dbdir, ignore_errors=True)
    result.update({
        "file": os.path.abspath(path),
        "input_quads": input_quads,
        "parts": len(files),
        "deadlocked_attempts": failed,
    })
    return result


def load_once(binaries: tuple[str, str], dbdir: str, dirs_allowed: list[str], datadir: str,
              loaders: int) -> dict:
    """One timed load of the parts in `datadir` into a new database in `dbdir`."""
    os.makedirs(dbdir)
    server = Virtuoso(*binaries, dbdir, dirs_allowed)
    try:
        log(f"starting virtuoso-t (SQL 127.0.0.1:{server.sql_port}, "
            f"HTTP 127.0.0.1:{server.http_port}) in {dbdir}")
        startup_s = server.start()
        version = server.query_lines("SELECT sys_stat('st_dbms_ver');")
        server.run_sql("checkpoint;")
        empty_disk = sum(server.disk_bytes().values())
        quads_before = server.scalar(COUNT_SPARQL)  # Virtuoso's own system graph
        # No escalation of row locks to page locks: parallel loaders deadlock less.
        server.run_sql("set lock_escalation_pct = 110;")

        log(f"loading with {loaders} loader(s)")
        load_average = os.getloadavg()[0]  # other work on the machine skews the timing
        began = time.monotonic()
        server.run_sql(f"ld_dir('{datadir}', 'part-%.nq', '{DEFAULT_GRAPH}');")
        running = [server.start_loader() for _ in range(loaders)]
        loader_output = []
        for loader in running:
            out, _ = loader.communicate()
            loader_output.append((loader.returncode, out))
        server.run_sql("checkpoint;")
        seconds = time.monotonic() - began
        log(f"load and checkpoint took {seconds:.1f} s")

        disk = server.disk_bytes()
        peak_rss = server.peak_rss_bytes()
        quads = server.scalar(COUNT_SPARQL) - quads_before
        errors = server.query_lines(
            "SELECT concat(ll_file, ': ', ll_error) FROM DB.DBA.LOAD_LIST "
            "WHERE ll_error IS NOT NULL;")
        # A file left in state 1 shares a batch with a file that failed after it.
        errors += server.query_lines(
            "SELECT concat(ll_file, ': not marked done (ll_state ', "
            "cast(ll_state AS varchar), ')') FROM DB.DBA.LOAD_LIST WHERE ll_state <> 2;")
        for code, out in loader_output:
            if code != 0 or "*** Error" in out:
                errors.append("rdf_loader_run: " + out.strip()[-300:])
    finally:
        log("shutting down virtuoso-t")
        server.stop()

    return {
        "available": True,
        "system": "virtuoso",
        "version": version[0] if version else None,
        "quads": quads,
        "seconds": round(seconds, 3),
        "quads_per_second": round(quads / seconds) if seconds > 0 else None,
        "loaders": loaders,
        "disk_bytes": sum(disk.values()),
        "disk_files": disk,
        "empty_db_bytes": empty_disk,
        "system_quads": quads_before,
        "server_peak_rss_bytes": peak_rss,
        "load_average_1m": round(load_average, 2),
        "startup_seconds": round(startup_s, 1),
        "number_of_buffers": NUMBER_OF_BUFFERS,
        "max_dirty_buffers": MAX_DIRTY_BUFFERS,
        "errors": errors,
    }


# ---------------------------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------------------------

def generate(count: int, out_path: str) -> int:
    """Write about `count` quads: hourly vehicle-count observations, 8 quads per member graph.

    Each member graph holds one observation, with integer, decimal, dateTime (with offset) and
    language-tagged literals and one blank node (the phenomenon-time instant).
    """
    base = "https://kruispunt.example/id/"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    sosa = "http://www.w3.org/ns/sosa/"
    time_ns = "http://www.w3.org/2006/time#"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    speed = "<https://kruispunt.example/def/averageSpeed>"
    rng = random.Random(42)
    cameras = [f"CAM{n:04d}" for n in range(1, 201)]
    written = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for m in range(max(1, count // 8)):
            camera = cameras[m % len(cameras)]
            day, hour = divmod(m // len(cameras), 24)
            month, day = divmod(day, 28)
            stamp = f"2026-{3 + month % 9:02d}-{1 + day:02d}T{hour:02d}"
            obs = f"{base}observation/vehicle-count/camera/{camera}/hour/{stamp}"
            s, g, b = f"<{obs}>", f"<{obs}/v1>", f"_:t{m}"
            lines = (
                f"{s} {rdf_type} <{sosa}Observation> {g} .",
                f'{s} <{sosa}hasSimpleResult> "{rng.randint(0, 900)}"^^<{xsd}integer> {g} .',
                f"{s} <{sosa}madeBySensor> <{base}camera/{camera}> {g} .",
                f'{s} <{sosa}resultTime> "{stamp}:59:59+01:00"^^<{xsd}dateTime> {g} .',
                f"{s} <{sosa}phenomenonTime> {b} {g} .",
                f'{b} <{time_ns}inXSDDateTimeStamp> "{stamp}:00:00+01:00"^^<{xsd}dateTime> {g} .',
                f'{s} {speed} "{rng.randint(200, 900) / 10:.1f}"^^<{xsd}decimal> {g} .',
                f'{s} {label} "Voertuigtelling {camera} {stamp}u"@nl {g} .',
            )
            out.write("\n".join(lines))
            out.write("\n")
            written += len(lines)
    return written


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def exit_on_signal(signum, _frame) -> None:
    """Raise SystemExit once; further signals are ignored while cleaning up."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(128 + signum)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="N-Quads file to load")
    parser.add_argument("--loaders", type=int, default=1,
                        help="parallel rdf_loader_run() sessions (default 1)")
    parser.add_argument("--parts", type=int,
                        help=f"split the file in this many parts (default 1 for one loader, "
                             f"else {PARTS_PER_LOADER} per loader)")
    parser.add_argument("--attempts", type=int, default=5,
                        help="fresh-database attempts when parallel loaders deadlock (default 5)")
    parser.add_argument("--workdir", help="parent directory for the temporary work directory")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--generate", nargs=2, metavar=("N", "OUT"),
                        help="write a test N-Quads file of about N quads and exit")
    args = parser.parse_args(argv[1:])

    if args.generate:
        written = generate(int(args.generate[0]), args.generate[1])
        print(json.dumps({"generated": written, "file": args.generate[1]}))
        return 0
    if not args.file:
        parser.error("FILE is required (or --generate N OUT)")
    if not os.path.isfile(args.file):
        parser.error(f"no such file: {args.file}")
    if args.loaders < 1 or args.attempts < 1 or (args.parts is not None and args.parts < 1):
        parser.error("--loaders, --parts and --attempts must be at least 1")
    parts = args.parts or (1 if args.loaders == 1 else PARTS_PER_LOADER * args.loaders)

    binaries = find_binaries()
    if not binaries:
        reason = install_virtuoso()
        binaries = find_binaries()
        if reason or not binaries:
            print(json.dumps({"available": False, "reason": reason or "virtuoso-t not found"}))
            return 0

    # Turn SIGTERM/SIGHUP into SystemExit so that the finally blocks stop the server.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, exit_on_signal)
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-virtuoso-", dir=args.workdir)
    try:
        result = benchmark(args.file, args.loaders, parts, workdir, binaries, args.attempts)
    except Exception as error:  # noqa: BLE001 - reported as JSON, exit status 1
        print(json.dumps({"available": True, "error": str(error), "loaders": args.loaders}))
        return 1
    finally:
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
