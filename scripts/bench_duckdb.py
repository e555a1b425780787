#!/usr/bin/env python3
"""DuckDB reference for `make bench`: the same work as Kruispunt's core counts, on 2 threads.

Usage: .venv/bin/python scripts/bench_duckdb.py FILE.csv

Loads a canonical detection CSV (explicit column types, timestamp as TIMESTAMPTZ) and computes
  1. hourly counts per camera: count(*) and count(DISTINCT plate_hash);
  2. hourly OD flows: per plate_hash and Europe/Brussels local day, detections ordered by
     (timestamp, camera_id); each consecutive pair A at t1 -> B at t2 with A != B and
     0 < t2 - t1 <= 3600 s is a trip, counted per (A, B, hour of t1).
Results are materialised as tables. Local hours start on UTC hours (Brussels offsets are whole
hours), so an hour bucket is floor(epoch / 3600); the two 02:00 hours of the autumn DST change
stay two buckets.

Prints one line of JSON on standard output:
  {"load_s", "counts_s", "flows_s", "total_s", "rows", "flows", "trips"}
or {"error": "..."} (exit status 0 for "duckdb missing", so the caller can go on without it).
"""

import json
import sys
import time

COLUMNS = {
    "camera_id": "VARCHAR",
    "backoffice_id": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "plate_hash": "VARCHAR",
    "nationality": "VARCHAR",
    "speed_kmh": "DOUBLE",
    "vehicle_type": "VARCHAR",
}
MAX_TRAVEL_S = 3600
THREADS = 2

COUNTS_SQL = """
CREATE TABLE hourly_counts AS
SELECT camera_id,
       CAST(floor(epoch("timestamp") / 3600) AS BIGINT) AS hour,
       count(*) AS vehicles,
       count(DISTINCT plate_hash) AS unique_vehicles
FROM detections
GROUP BY ALL
"""

FLOWS_SQL = f"""
CREATE TABLE hourly_flows AS
WITH ordered AS (
    SELECT camera_id AS origin,
           "timestamp" AS t1,
           lead(camera_id) OVER w AS destination,
           lead("timestamp") OVER w AS t2
    FROM detections
    WINDOW w AS (PARTITION BY plate_hash, CAST(timezone('Europe/Brussels', "timestamp") AS DATE)
                 ORDER BY "timestamp", camera_id)
)
SELECT origin, destination,
       CAST(floor(epoch(t1) / 3600) AS BIGINT) AS hour,
       count(*) AS trips
FROM ordered
WHERE destination IS NOT NULL
  AND origin <> destination
  AND t2 > t1
  AND epoch(t2) - epoch(t1) <= {MAX_TRAVEL_S}
GROUP BY ALL
"""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(json.dumps({"error": "usage: bench_duckdb.py FILE.csv"}))
        return 2
    try:
        import duckdb
    except ImportError:
        print(json.dumps({"error": "duckdb missing"}))
        return 0

    try:
        con = duckdb.connect()
        con.execute(f"SET threads = {THREADS}")
        con.execute("SET preserve_insertion_order = false")

        started = time.perf_counter()
        con.execute("CREATE TABLE detections AS SELECT * FROM read_csv(?, header = true, "
                    "delim = ',', quote = '\"', auto_detect = false, columns = ?)",
                    [argv[1], COLUMNS])
        loaded = time.perf_counter()
        con.execute(COUNTS_SQL)
        counted = time.perf_counter()
        con.execute(FLOWS_SQL)
        flowed = time.perf_counter()

        rows = con.execute("SELECT count(*) FROM detections").fetchone()[0]
        flows, trips = con.execute("SELECT count(*), coalesce(sum(trips), 0) FROM hourly_flows").fetchone()
    except Exception as error:  # a broken file or query: still one line of JSON
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        return 1

    print(json.dumps({
        "load_s": round(loaded - started, 4),
        "counts_s": round(counted - loaded, 4),
        "flows_s": round(flowed - counted, 4),
        "total_s": round(flowed - started, 4),
        "rows": int(rows),
        "flows": int(flows),
        "trips": int(trips),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
