"""Request rates for the benchmark with wrk (Debian's, installed with apt-get when missing): the
paths in PATHS_FILE are first requested once each (a warm store and server), then in turn by 32
connections on 2 threads for DURATION seconds.
Prints one JSON line: {"requests_per_second": ..., "p50_ms": ..., "p99_ms": ..., "errors": ...}.

    python scripts/bench_pages.py BASE_URL PATHS_FILE [--accept TYPE] [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import http.client
from urllib.parse import urlsplit

LUA = """
local paths = {}
for line in io.lines(os.getenv("KRUISPUNT_WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept"] = os.getenv("KRUISPUNT_WRK_ACCEPT") })
end
"""


def ensure_wrk() -> str | None:
    if shutil.which("wrk"):
        return None
    if not shutil.which("apt-get"):
        return "wrk not installed and apt-get not available"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]
    if subprocess.run(command, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        if subprocess.run(command, env=env, capture_output=True).returncode != 0:
            return "apt-get install wrk failed"
    return None


def warm(base: str, paths: list[str], accept: str, threads: int = 4) -> None:
    """Requests every path once, on a few keep-alive connections."""
    target = urlsplit(base)

    def run(part: list[str]) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        for path in part:
            connection.request("GET", path, headers={"Accept": accept})
            connection.getresponse().read()

    workers = [threading.Thread(target=run, args=(paths[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths")
    parser.add_argument("--accept", default="application/n-quads")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    problem = ensure_wrk()
    if problem:
        print(json.dumps({"available": False, "reason": problem}))
        return 0
    with open(args.paths) as f:
        warm(args.base, [line.strip() for line in f if line.strip()], args.accept)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    env = dict(os.environ, KRUISPUNT_WRK_PATHS=args.paths, KRUISPUNT_WRK_ACCEPT=args.accept)
    done = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s", script.name, args.base],
                          env=env, capture_output=True, text=True)
    os.unlink(script.name)
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not (rate and p50 and p99):
        print(json.dumps({"available": False, "reason": (out + done.stderr)[-500:]}))
        return 0
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket:
        errors += sum(int(g) for g in socket.groups())
    print(json.dumps({"available": True, "requests_per_second": float(rate.group(1)), "p50_ms": milliseconds(*p50.groups()),
                      "p99_ms": milliseconds(*p99.groups()), "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
