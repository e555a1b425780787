"""Issue 9: statistics (`GET /api/stats`) and Prometheus metrics (`GET /metrics`). The counts are
checked against what this test computes itself from the uploads it sends (local days in
Europe/Brussels with Python's zoneinfo), and `/metrics` is read with prometheus_client's parser of
the text format, not with anything of ours."""

import datetime as dt
import json
import signal
import subprocess
import time
from html.parser import HTMLParser
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import clean_env, free_port, private_dir, wait_ready

ADMIN = "admin-token-for-the-statistics-test"
INGEST = "ingest-token-for-the-statistics-test"
HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
BRUSSELS = ZoneInfo("Europe/Brussels")
K = 10


def line(camera, instant, plate):
    return f"{camera},BO,{instant},51.0,4.4,{plate},BE,50,car\n"


# Upload A: 30 detections of camera 41001 and 3 of 41002 on 24 October, two lines that fail.
FIRST = [line("41001", f"2026-10-24T10:{m:02d}:00Z", f"statsplate{m}") for m in range(30)] \
    + [line("41002", f"2026-10-24T11:{m:02d}:00Z", f"statsother{m}") for m in range(3)]
BROKEN = ["4100X,BO,2026-10-24T10:00:00Z,51.0,4.4,statsbad1,BE,50,car\n",
          "41001,BO,not-a-time,51.0,4.4,statsbad2,BE,50,car\n"]
# Upload B: five detections again (duplicates) and twelve new ones at 23:30 UTC on 25 October,
# which is 00:30 on 26 October in Brussels (winter time since that night).
SECOND = FIRST[:5] + [line("41001", f"2026-10-25T23:{30 + m:02d}:00Z", f"statslate{m}") for m in range(12)]


def local_day(row):
    instant = dt.datetime.fromisoformat(row.split(",")[2].replace("Z", "+00:00"))
    return instant.astimezone(BRUSSELS).date().isoformat()


@pytest.fixture(scope="module")
def server(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "statistics")
    port = free_port()
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_INGEST_TOKENS=INGEST, KRUISPUNT_IDLE_CLOSE="1")
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(parent / "data"), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)
    for key, rows in (("stats-a", FIRST + BROKEN), ("stats-b", SECOND)):
        response = requests.post(f"{base}/api/ingest", data=(HEADER + "".join(rows)).encode(), timeout=60,
                                 headers={"Authorization": f"Bearer {INGEST}", "Idempotency-Key": key})
        assert response.status_code == 200, response.text
    # A replay is no new upload.
    replay = requests.post(f"{base}/api/ingest", data=(HEADER + "".join(SECOND)).encode(), timeout=60,
                           headers={"Authorization": f"Bearer {INGEST}", "Idempotency-Key": "stats-b"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    yield base
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 0, stderr[-2000:]
    assert "statsplate" not in stderr and ADMIN not in stderr


def stats(base, **params):
    response = requests.get(f"{base}/api/stats", params=params, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def test_statistics_need_the_operator_token(server):
    assert requests.get(f"{server}/api/stats", timeout=30).status_code == 401
    assert requests.get(f"{server}/metrics", timeout=30).status_code == 401
    wrong = {"Authorization": f"Bearer {INGEST}"}
    assert requests.get(f"{server}/api/stats", headers=wrong, timeout=30).status_code == 403
    assert requests.get(f"{server}/metrics", headers=wrong, timeout=30).status_code == 403
    unknown = {"Authorization": "Bearer not-a-token-anyone-was-given"}
    assert requests.get(f"{server}/api/stats", headers=unknown, timeout=30).status_code == 401
    bad = requests.get(f"{server}/api/stats", params={"van": "2026-13-01"}, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    backwards = requests.get(f"{server}/api/stats", params={"van": "2026-10-26", "tot": "2026-10-01"},
                             headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert backwards.status_code == 400


def test_lines_per_day_and_channel_equal_the_uploads(server):
    today = dt.datetime.now(BRUSSELS).date().isoformat()
    body = stats(server, van=today, tot=today)
    first_lines, second_lines = len(FIRST) + len(BROKEN), len(SECOND)
    assert body["per_source_day"] == [{
        "day": today, "channel": "upload", "batches": 2, "lines": first_lines + second_lines,
        "accepted": len(FIRST) + 12, "duplicates": 5, "quarantined": len(BROKEN)}]


def test_detections_per_camera_and_local_day_with_small_counts_withheld(server):
    received = Counter((local_day(r), r.split(",")[0]) for r in FIRST + SECOND)
    accepted = Counter((local_day(r), r.split(",")[0]) for r in set(FIRST + SECOND))
    assert ("2026-10-26", "41001") in received, "the late detections fall on the next local day"
    body = stats(server, van="2026-10-20", tot="2026-10-31")
    got = {(c["day"], c["camera"]): c for c in body["per_camera_day"]}
    assert set(got) == set(received)
    for key, n in received.items():
        cell = got[key]
        assert cell["channel"] == "upload"
        if n < K or accepted[key] < K:
            assert cell["withheld"] is True and cell["received"] is None and cell["accepted"] is None, cell
        else:
            assert (cell["received"], cell["accepted"], cell["withheld"]) == (n, accepted[key], False), cell
    assert got[("2026-10-24", "41001")]["received"] == 35 and got[("2026-10-24", "41001")]["accepted"] == 30
    # One camera only.
    only = stats(server, van="2026-10-20", tot="2026-10-31", camera="41002")
    assert [c["camera"] for c in only["per_camera_day"]] == ["41002"]


def test_store_streams_and_treatment_equal_independent_counts(server):
    # A vehicle count per camera and local hour, and per camera and local day, computed here;
    # one below the threshold is published as suppressed.
    cells = Counter()
    for row in set(FIRST + SECOND):
        camera, instant = row.split(",")[0], dt.datetime.fromisoformat(row.split(",")[2].replace("Z", "+00:00"))
        local = instant.astimezone(BRUSSELS)
        cells[(camera, "hour", local.replace(minute=0, second=0))] += 1
        cells[(camera, "day", local.date())] += 1
    # The treatment closes the buckets once the feed is idle (1 s here). An earlier run may already
    # have published the data-quality stream and the hours its watermark closed, so wait until every
    # detection is treated and the idle close has published the rest (or time out and fail below).
    body, counts = {}, {}
    for _ in range(120):
        body = stats(server, van="2026-10-01", tot=dt.datetime.now(BRUSSELS).date().isoformat())
        counts = {m["metric"]: m for m in body["per_metric"]}
        treated = sum(h["detections_treated"] for h in body["hours"])
        if body["watermark"] and treated == len(FIRST) + 12 \
                and counts.get("vehicle-count", {}).get("observations") == len(cells):
            break
        time.sleep(0.5)
    assert body["watermark"] and body["lag_seconds"] >= 0
    assert "vehicle-count" in counts, body["per_metric"]
    assert counts["vehicle-count"]["observations"] == len(cells)
    assert counts["vehicle-count"]["suppressed"] == sum(1 for n in cells.values() if n < K)
    assert counts["vehicle-count"]["withdrawn"] == 0
    # Every member of a stream is one observation version: the streams hold at least the
    # observations published now.
    assert sum(s["members"] for s in body["streams"]) >= sum(m["observations"] for m in body["per_metric"])
    hours = body["hours"]
    assert sum(h["lines_received"] for h in hours) == len(FIRST) + len(BROKEN) + len(SECOND)
    assert sum(h["detections_treated"] for h in hours) == len(FIRST) + 12
    # Table rows (PostgreSQL's live-row counts, which settle within a second or so).
    for _ in range(20):
        tables = {t["table"]: t for t in stats(server)["tables"]}
        if tables["detections"]["rows"] == len(FIRST) + 12:
            break
        time.sleep(0.5)
    assert tables["detections"]["rows"] == len(FIRST) + 12
    assert tables["quarantine"]["rows"] == len(BROKEN)
    assert all(t["bytes"] > 0 for t in tables.values())


def samples(base):
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = list(text_string_to_metric_families(response.text))
    assert families, "no metric families"
    return families, [s for f in families for s in f.samples]


def test_metrics_parse_and_count_what_happened(server):
    requests.get(f"{server}/streams/observations", timeout=30)
    families, all_samples = samples(server)
    by_name = {}
    for s in all_samples:
        by_name.setdefault(s.name, []).append(s)

    def value(name, **labels):
        found = [s.value for s in by_name.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]
        assert len(found) == 1, (name, labels, by_name.get(name))
        return found[0]

    assert value("kruispunt_ingest_uploads_total") == 2
    assert value("kruispunt_ingest_lines_total", outcome="accepted") == len(FIRST) + 12
    assert value("kruispunt_ingest_lines_total", outcome="duplicate") == 5
    assert value("kruispunt_ingest_lines_total", outcome="quarantined") == len(BROKEN)
    assert value("kruispunt_database_up") == 1
    assert value("kruispunt_db_pool_size", pool="read") >= 1
    assert value("kruispunt_store_terms") >= 0 and value("kruispunt_database_size_bytes") > 0
    # Requests per route, by the route's pattern (never the concrete path), with a latency histogram.
    ingests = [s for s in by_name["kruispunt_http_requests_total"] if s.labels.get("route") == "/api/ingest"]
    assert sum(s.value for s in ingests if s.labels.get("status") == "200" and s.labels.get("method") == "POST") == 3
    routes = {s.labels.get("route") for s in by_name["kruispunt_http_requests_total"]}
    assert "/streams/{name}" in routes, routes
    kinds = {f.name: f.type for f in families}
    assert kinds.get("kruispunt_http_request_duration_seconds") == "histogram"
    buckets = [s for s in by_name["kruispunt_http_request_duration_seconds_bucket"] if s.labels.get("route") == "/api/ingest"]
    assert buckets and any(s.labels["le"] == "+Inf" for s in buckets)
    assert all(s.labels.get("route") != "/streams/observations" for s in all_samples)
    # The treatment ran and is counted.
    for _ in range(60):
        _, all_samples = samples(server)
        runs = [s.value for s in all_samples if s.name == "kruispunt_treatment_runs_total"]
        if runs and runs[0] > 0:
            break
        time.sleep(0.5)
    assert runs and runs[0] > 0
    assert "statsplate" not in requests.get(f"{server}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30).text


def test_structured_logs_carry_the_request_id(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "jsonlogs")
    port = free_port()
    env = clean_env(KRUISPUNT_LOG_FORMAT="json", KRUISPUNT_LOG_LEVEL="debug", KRUISPUNT_ADMIN_TOKENS=ADMIN)
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(parent / "data"), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        found = requests.get(f"{base}/catalog", headers={"Accept": "text/turtle"}, timeout=30)
        missing = requests.get(f"{base}/api/stats", timeout=30)
        assert found.status_code == 200 and missing.status_code == 401
        ids = [found.headers["X-Request-Id"], missing.headers["X-Request-Id"]]
        assert all(ids) and ids[0] != ids[1]
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 0, stderr[-2000:]
    lines = [json.loads(text) for text in stderr.splitlines() if text.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    assert all(entry["time"].endswith("Z") and len(entry["time"]) == 24 for entry in lines)
    by_request = {entry.get("request_id") for entry in lines}
    assert set(ids) <= by_request, "each request's log lines carry the id its response sent"
    assert ADMIN not in stderr
    with pytest.raises(subprocess.CalledProcessError):
        subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "accesslog", "list"], check=True,
                       capture_output=True, env=clean_env(KRUISPUNT_LOG_FORMAT="xml"), timeout=60)


class Tables(HTMLParser):
    """The cells of every table on a page, by the table's id."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = dict(attrs).get("id")
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_the_statistics_page_shows_the_apis_numbers_and_draws_its_charts(server):
    # Up to today (Brussels), which holds the uploads' receipt: a fixed end date stops covering them.
    until = dt.datetime.now(BRUSSELS).date().isoformat()
    assert requests.get(f"{server}/stats", timeout=30).status_code == 401
    page = requests.get(f"{server}/stats", params={"van": "2026-10-01", "tot": until},
                        headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    parsed = Tables()
    parsed.feed(page.text)
    body = stats(server, van="2026-10-01", tot=until)
    sources = [[r["day"], r["channel"], str(r["batches"]), str(r["lines"]), str(r["accepted"]), str(r["duplicates"]),
                str(r["quarantined"])] for r in body["per_source_day"]]
    def rows(table):
        return [r for r in parsed.tables[table][1:] if r != ["Geen gegevens."]]
    assert rows("sources") == sources and sources
    cameras = {(r[0], r[1]): r[3] for r in rows("cameras")}
    for row in body["per_camera_day"]:
        assert cameras[(row["day"], row["camera"])] == ("afgeschermd" if row["withheld"] else str(row["received"]))
    assert [r[0] for r in rows("streams")] == [s["stream"] for s in body["streams"]]
    assert [r[0] for r in rows("hours")] == [h["hour"] for h in body["hours"]]

    from browser import accessibility_problems, chromium, console_errors
    driver = chromium()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {ADMIN}"}})
        for path in (f"/stats?van=2026-10-01&tot={until}", "/access-log", "/quality"):
            driver.get(server + path)
            assert driver.execute_script("return document.documentElement.lang") == "nl"
            assert accessibility_problems(driver) == [], path
            assert console_errors(driver) == [], path
        driver.get(server + f"/stats?van=2026-10-01&tot={until}")
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('.chart canvas')).map(c => !!Chart.getChart(c))")
        assert drawn == [True, True]
    finally:
        driver.quit()
