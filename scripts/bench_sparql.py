#!/usr/bin/env python3
"""SPARQL query timings for the benchmark: the same queries on Kruispunt's endpoint (HTTP), on
pyoxigraph (in process, bulk-loaded from the N-Quads file, default graph = union of the graphs)
and on Virtuoso 7 (HTTP, its bulk loader on the same file; skipped when it cannot be installed).
Each query runs twice to warm up, then --runs times; prints one JSON object:
  {"systems": {name: {"available", "load_seconds", "queries": {query: {"p50_ms", "p95_ms", "rows"}}}},
   "agree": bool, "disagreements": [...]}

    python scripts/bench_sparql.py --nquads FILE --queries Q.json --endpoint URL [--runs 10] [--systems a,b]
        [--analyst-token T]   (also as an analyst whose city holds a purpose: kruispunt-analyst)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(run, runs: int) -> dict:
    rows = 0
    for _ in range(2):
        rows = run()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1), "rows": rows}


def http_rows(endpoint: str, query: str, timeout: float = 300, token: str | None = None) -> int:
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    headers = {"Accept": "application/sparql-results+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return len(json.load(response)["results"]["bindings"])


def kruispunt(endpoint: str, queries: list[dict], runs: int, token: str | None = None) -> dict:
    out = {"available": True, "queries": {}}
    for q in queries:
        try:
            out["queries"][q["name"]] = timed(lambda: http_rows(endpoint, q["query"], token=token), runs)
        except Exception as error:  # reported per query
            out["queries"][q["name"]] = {"error": str(error)[:300]}
    return out


def oxigraph(path: str, queries: list[dict], runs: int, workdir: str) -> dict:
    try:
        import pyoxigraph
    except ImportError as error:
        return {"available": False, "reason": str(error)}
    directory = tempfile.mkdtemp(dir=workdir, prefix="oxigraph-")
    try:
        store = pyoxigraph.Store(directory)
        began = time.perf_counter()
        store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_QUADS)
        load = time.perf_counter() - began
        out = {"available": True, "load_seconds": round(load, 1), "queries": {}}
        for q in queries:
            out["queries"][q["name"]] = timed(lambda: sum(1 for _ in store.query(q["query"], use_default_graph_as_union=True)), runs)
        del store
        return out
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def for_virtuoso(query: str) -> str:
    """The same question in a form Virtuoso 7 answers: it does not know xsd:dateTimeStamp (date
    parts over one are an error, comparisons with an xsd:dateTime are false), so it reads the
    stamp's text, whose fixed layout and single offset in the generated data order and cut it
    exactly as the typed value does."""
    q = re.sub(r'\?start (>=|<|>|<=) "([^"]+)"\^\^xsd:dateTime', r'STR(?start) \1 "\2"', query)
    for name, (start, length) in {"YEAR": (1, 4), "MONTH": (6, 2), "DAY": (9, 2), "HOURS": (12, 2)}.items():
        q = q.replace(f"{name}(?start)", f"xsd:integer(SUBSTR(STR(?start), {start}, {length}))")
    return q


def virtuoso(path: str, queries: list[dict], runs: int, workdir: str) -> dict:
    import bench_virtuoso as bv
    binaries = bv.find_binaries()
    if not binaries:
        reason = bv.install_virtuoso()
        binaries = bv.find_binaries()
        if not binaries:
            return {"available": False, "reason": reason or "virtuoso-t not found"}
    dbdir = tempfile.mkdtemp(dir=workdir, prefix="virtuoso-")
    datadir = os.path.dirname(os.path.abspath(path))
    server = bv.Virtuoso(*binaries, dbdir, [datadir])
    try:
        server.start()
        began = time.perf_counter()
        server.run_sql(f"ld_dir('{datadir}', '{os.path.basename(path)}', '{bv.DEFAULT_GRAPH}');")
        loader = server.start_loader()
        loader.communicate()
        server.run_sql("checkpoint;")
        load = time.perf_counter() - began
        endpoint = f"http://127.0.0.1:{server.http_port}/sparql"
        out = {"available": True, "load_seconds": round(load, 1), "queries": {}}
        for q in queries:
            try:
                out["queries"][q["name"]] = timed(lambda: http_rows(endpoint, for_virtuoso(q["query"])), runs)
            except Exception as error:
                out["queries"][q["name"]] = {"error": str(error)[:300]}
        return out
    except Exception as error:
        return {"available": False, "reason": str(error)[:300]}
    finally:
        server.stop()
        shutil.rmtree(dbdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nquads", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    parser.add_argument("--systems", default="kruispunt,pyoxigraph,virtuoso", help="comma-separated")
    parser.add_argument("--analyst-token", help="also time Kruispunt for an analyst with this token (kruispunt-analyst)")
    args = parser.parse_args()
    with open(args.queries) as f:
        queries = json.load(f)
    wanted = set(args.systems.split(","))
    systems = {}
    if "kruispunt" in wanted:
        systems["kruispunt"] = kruispunt(args.endpoint, queries, args.runs)
        if args.analyst_token:
            systems["kruispunt-analyst"] = kruispunt(args.endpoint, queries, args.runs, args.analyst_token)
    if "pyoxigraph" in wanted:
        systems["pyoxigraph"] = oxigraph(args.nquads, queries, args.runs, args.workdir)
    if "virtuoso" in wanted:
        systems["virtuoso"] = virtuoso(args.nquads, queries, args.runs, args.workdir)
    disagreements = []
    for q in queries:
        counts = {name: s["queries"][q["name"]].get("rows") for name, s in systems.items()
                  if s.get("available") and q["name"] in s.get("queries", {})}
        if len(set(counts.values())) > 1:
            disagreements.append({q["name"]: counts})
    print(json.dumps({"systems": systems, "agree": not disagreements, "disagreements": disagreements}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
