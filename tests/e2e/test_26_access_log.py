"""Issue 9: the access log. Every request (and every command) is recorded with who, what, status,
rows, bytes and duration; an operator reads it at /api/access-log (JSON or CSV); its hash chain
verifies with `kruispunt accesslog verify`, which names the first entry a manual UPDATE or DELETE
broke; the log never shows a token."""

import csv
import glob
import io
import re
import signal
import subprocess
import time

import pytest
import requests

from conftest import clean_env, cli_runner, free_port, private_dir, wait_ready

ADMIN = "admin-token-for-the-access-log-test"
INGEST = "ingest-token-for-the-access-log-test"


@pytest.fixture(scope="module")
def server(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "accesslog")
    data = parent / "data"
    port = free_port()
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_INGEST_TOKENS=INGEST)
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)

    cli = cli_runner(kruispunt_binary, data, env)

    def psql(sql):
        done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", str(data / "run"), "-U", "postgres", "-d", "kruispunt",
                               "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=60)
        return done

    yield base, cli, psql
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 0, stderr[-2000:]
    assert ADMIN not in stderr and INGEST not in stderr


def entries(base, **params):
    """The log through the API, waiting for the writer (it appends twice a second)."""
    for _ in range(40):
        response = requests.get(f"{base}/api/access-log", params=params, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        if items:
            return items
        time.sleep(0.25)
    return []


def test_requests_are_logged_with_who_what_and_how_much(server):
    base, cli, _ = server
    marker = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } # access-log-test"
    answer = requests.post(f"{base}/sparql", data={"query": marker}, timeout=30,
                           headers={"Accept": "application/sparql-results+json", "Accept-Encoding": "identity"})
    assert answer.status_code == 200
    assert requests.get(f"{base}/streams/vehicle-counts", headers={"Accept": "text/turtle"}, timeout=30).status_code == 200
    assert requests.get(f"{base}/api/quarantine", headers={"Authorization": f"Bearer {INGEST}x"}, timeout=30).status_code == 401
    assert requests.get(f"{base}/api/access-log", timeout=30).status_code == 401
    time.sleep(1.2)

    logged = entries(base, path="/sparql")
    sparql = [e for e in logged if e["method"] == "POST" and "access-log-test" in (e.get("query") or "")]
    assert len(sparql) == 1, logged
    e = sparql[0]
    assert e["identity"] == "anonymous" and e["status"] == 200 and e["rows"] == 1
    assert e["bytes"] == len(answer.content) and e["duration_ms"] > 0 and e["at"].endswith("Z")
    stream = entries(base, path="/streams/vehicle-counts")
    assert stream and stream[0]["status"] == 200 and stream[0]["bytes"] > 0
    refused = entries(base, path="/api/quarantine", status="401")
    assert refused and refused[0]["identity"].startswith("unknown-token:")
    # Operators are named by a digest of their token, never the token.
    time.sleep(1.2)
    mine = entries(base, path="/api/access-log")
    assert any(x["identity"].startswith("admin:") for x in mine)
    text = requests.get(f"{base}/api/access-log", params={"format": "csv", "limit": "100000"},
                        headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30).text
    assert ADMIN not in text and INGEST not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"seq", "at", "identity", "method", "path", "query", "status", "rows", "bytes", "duration_ms"} <= set(rows[0])
    assert [int(r["seq"]) for r in rows] == sorted((int(r["seq"]) for r in rows), reverse=True)
    # Health probes are not logged; commands are, as administrative actions.
    requests.get(f"{base}/health/ready", timeout=30)
    cli("cameras", "list")
    time.sleep(1.2)
    health = requests.get(f"{base}/api/access-log", params={"path": "/health/"}, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert health.json()["items"] == []
    commands = [r for r in csv.DictReader(io.StringIO(cli("accesslog", "list", "--path", "kruispunt cameras").stdout))]
    assert commands and commands[0]["kind"] == "admin" and commands[0]["identity"].startswith("os:")
    bad = requests.get(f"{base}/api/access-log", params={"from": "yesterday"}, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert bad.status_code == 400 and "from" in bad.text


def test_direct_database_sessions_are_audited_into_the_log(server):
    base, _, psql = server
    assert glob.glob("/usr/lib/postgresql/*/lib/pgaudit.so"), "pgaudit is not installed (scripts/bootstrap installs it)"
    done = psql("SELECT count(*) AS audited_marker FROM terms")
    assert done.returncode == 0, done.stderr
    found, items = [], []
    for _ in range(60):
        response = requests.get(f"{base}/api/access-log", params={"identity": "db:postgres", "limit": "100000"},
                                headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
        items = response.json()["items"]
        found = [e for e in items if "audited_marker" in (e.get("query") or "")]
        if found:
            break
        time.sleep(0.25)
    assert len(found) == 1, items[:5]
    entry = found[0]
    assert entry["kind"] == "database" and entry["method"] == "READ" and entry["client"] == "local"
    assert entry["path"] == "database:kruispunt/psql" and entry["at"].endswith("Z")
    # The platform's own sessions are not audited (their requests are in the log already).
    assert not any("pg_advisory_xact_lock" in (e.get("query") or "") or "COPY access_log" in (e.get("query") or "") for e in items)
    # Read once: another round of imports adds nothing.
    time.sleep(2.5)
    again = requests.get(f"{base}/api/access-log", params={"identity": "db:postgres", "limit": "100000"},
                         headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30).json()["items"]
    assert len([e for e in again if "audited_marker" in (e.get("query") or "")]) == 1


def test_the_chain_verifies_and_names_the_first_altered_or_removed_entry(server):
    base, cli, psql = server
    for i in range(5):
        requests.get(f"{base}/sparql", params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=30)
    time.sleep(1.2)
    ok = cli("accesslog", "verify")
    assert ok.stdout.startswith("intact: ") and int(ok.stdout.split()[1]) >= 10, ok.stdout
    # The table refuses changes outright ...
    refused = psql("UPDATE access_log SET status = 200 WHERE seq = 3")
    assert refused.returncode != 0 and "append-only" in refused.stderr
    assert psql("DELETE FROM access_log WHERE seq = 4").returncode != 0
    # ... and one who switches the guard off is found out by the chain.
    altered = psql("SET session_replication_role = replica; UPDATE access_log SET identity = 'anonymous', status = 404 WHERE seq = 3")
    assert altered.returncode == 0, altered.stderr
    broken = cli("accesslog", "verify", check=False)
    assert broken.returncode == 1 and "BROKEN at entry 3" in broken.stdout and "altered" in broken.stdout, broken.stdout
    assert psql("SET session_replication_role = replica; DELETE FROM access_log WHERE seq = 3").returncode == 0
    gone = cli("accesslog", "verify", check=False)
    assert gone.returncode == 1 and "BROKEN at entry 3" in gone.stdout and "missing" in gone.stdout, gone.stdout


def test_the_access_log_page_filters_like_the_api(server):
    base, _, _ = server
    requests.get(f"{base}/api/stats", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert entries(base, path="/api/stats")
    assert requests.get(f"{base}/access-log", timeout=30).status_code == 401
    page = requests.get(f"{base}/access-log", params={"path": "/api/stats", "limit": "50"},
                        headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td>(.*?)</tr>", page.text)
    api = entries(base, path="/api/stats", limit="50")
    assert [int(seq) for seq, _ in rows] == [item["seq"] for item in api]
    assert all("<td>/api/stats</td>" in cells for _, cells in rows)
    assert 'href="/api/access-log?path=%2Fapi%2Fstats&amp;format=csv"' in page.text
    assert 'name="path" value="/api/stats"' in page.text
    bad = requests.get(f"{base}/access-log", params={"status": "abc"}, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert bad.status_code == 400


def test_a_switchable_log_records_its_mode_and_every_pause(kruispunt_binary, tmp_path_factory):
    """`KRUISPUNT_ACCESS_LOG=switchable` exists for `make bench`: SIGUSR1 pauses and resumes the
    log, and the log says so, so that a gap in it is never silent."""
    parent = private_dir(tmp_path_factory, "accesslog-switchable")
    port = free_port()
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_ACCESS_LOG="switchable")
    bad = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "data"), "serve", "--port", str(port)],
                         env={**env, "KRUISPUNT_ACCESS_LOG": "sometimes"}, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "on, off or switchable" in bad.stderr
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(parent / "data"), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        for n, then in [("1", signal.SIGUSR1), ("2", signal.SIGUSR1), ("3", None)]:
            assert requests.get(f"{base}/streams/vehicle-counts", params={"switch-test": n}, timeout=30).status_code == 200
            if then:
                process.send_signal(then)
                time.sleep(0.5)
        time.sleep(1.5)   # the writer appends twice a second
        logged = {e["query"] for e in entries(base, path="/streams/vehicle-counts")}
        assert logged == {"switch-test=1", "switch-test=3"}, logged
        events = [e["path"] for e in sorted(entries(base, path="access log"), key=lambda e: e["seq"])]
        assert events == ["access log switchable (KRUISPUNT_ACCESS_LOG)", "access log paused (SIGUSR1)",
                          "access log resumed (SIGUSR1)"], events
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert cli_runner(kruispunt_binary, parent / "data", env)("accesslog", "verify").stdout.startswith("intact: ")
