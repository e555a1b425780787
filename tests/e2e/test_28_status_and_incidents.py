"""Issue 9: status and incidents. The database of a running server is stopped and started again:
/status shows it down within seconds (anonymous: states only), an incident opens (the webhook
hears of it at once) and resolves by itself when the database answers again; an operator
acknowledges and annotates it, exports the history as CSV and prints the report."""

import csv
import glob
import io
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from conftest import clean_env, free_port, private_dir, wait_ready

ADMIN = "admin-token-for-the-status-test"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


class Hook(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(kruispunt_binary, tmp_path_factory):
    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    parent = private_dir(tmp_path_factory, "status")
    data = parent / "data"
    port = free_port()
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_STATUS_INTERVAL="0.5", KRUISPUNT_DISK_MIN_FREE_PERCENT="0",
                    KRUISPUNT_INCIDENT_WEBHOOK=f"http://127.0.0.1:{hook.server_port}/hook")
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)
    yield base, data
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=60)[1].decode()
    hook.shutdown()
    assert process.returncode == 0, stderr[-2000:]
    assert ADMIN not in stderr


def pg_ctl(data, *args):
    binary = shutil.which("pg_ctl") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    argv = [binary, "-D", str(data / "pg"), *args]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", (data / "pg").owner(), "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def status(base, **headers):
    response = requests.get(f"{base}/status", headers={"Accept": "application/json", **headers}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def when(value, test):
    return value if test(value) else None


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_status_shows_every_component_and_details_only_to_operators(server):
    base, _ = server
    body = wait_for(lambda: when(status(base), lambda s: len(s["components"]) == 8), 30, "a first check")
    assert body["status"] == "ok", body
    assert [c["name"] for c in body["components"]] == ["database", "ingestion", "treatment", "publishing", "dashboard", "disk", "retention", "quality"]
    assert all(set(c) == {"name", "label", "state"} for c in body["components"]), "anonymous users see states only"
    detailed = status(base, **AUTH)
    assert detailed["version"] and detailed["incidents_open"] == [] and detailed["database_outage"] is None
    database = detailed["components"][0]
    assert database["state"] == "ok" and database["last_success"] and database["detail"].startswith("bereikbaar")
    assert requests.get(f"{base}/status", headers={"Authorization": "Bearer wrong-token-of-enough-length"}, timeout=10).status_code == 401
    page = requests.get(f"{base}/status", headers={"Accept": "text/html"}, timeout=10)
    assert page.headers["Content-Type"].startswith("text/html") and "Databank" in page.text and "in orde" in page.text
    assert "bereikbaar; schema" not in page.text


def test_a_database_outage_opens_and_resolves_an_incident(server):
    base, data = server
    wait_for(lambda: status(base)["status"] == "ok", 30, "all components ok")
    socket_dir = (data / "pg" / "postmaster.pid").read_text().splitlines()[4]
    Hook.received.clear()
    pg_ctl(data, "stop", "-m", "fast", "-w")
    stopped = time.monotonic()
    body = wait_for(lambda: when(status(base), lambda s: s["components"][0]["state"] == "down"), 10, "the database shown down")
    assert body["status"] == "down"
    began = time.monotonic()
    ready = requests.get(f"{base}/health/ready", timeout=10)
    assert ready.status_code == 503 and time.monotonic() - began < 5
    detailed = status(base, **AUTH)
    assert detailed["database_outage"] and detailed["database_outage"]["since"]
    opened = wait_for(lambda: [h for h in Hook.received if h["event"] == "opened"], 10, "the webhook told of the outage")
    assert opened[0]["incident"]["component"] == "database" and opened[0]["incident"]["id"] is None
    metrics = requests.get(f"{base}/metrics", headers=AUTH, timeout=10).text
    assert "kruispunt_database_up 0" in metrics and "kruispunt_incidents_open 1" in metrics

    pg_ctl(data, "start", "-w", "-l", str(data / "postgresql.log"),
           "-o", f"-p 5432 -k '{socket_dir}' -c listen_addresses='' -c unix_socket_permissions=0700")
    restarted = time.monotonic()
    wait_for(lambda: status(base)["status"] == "ok", 10, "everything ok again within 10 s of the restart")
    assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200
    items = wait_for(lambda: requests.get(f"{base}/api/incidents", headers=AUTH, timeout=10).json()["items"], 10, "the incident stored")
    assert len(items) == 1
    incident = items[0]
    assert incident["component"] == "database" and incident["resolved_at"] and incident["title"]
    assert incident["opened_at"] < incident["resolved_at"]
    assert 0 < incident["duration_seconds"] <= (restarted - stopped) + 15
    assert [e["event"] for e in incident["events"]] == ["opened", "resolved"]
    resolved = wait_for(lambda: [h for h in Hook.received if h["event"] == "resolved"], 10, "the webhook told of the recovery")
    assert resolved[0]["incident"]["id"] == incident["id"] and resolved[0]["incident"]["resolved_at"]
    assert "kruispunt_incidents_open 0" in requests.get(f"{base}/metrics", headers=AUTH, timeout=10).text


def test_operators_acknowledge_annotate_export_and_print(server):
    base, _ = server
    incident = requests.get(f"{base}/api/incidents", headers=AUTH, timeout=10).json()["items"][0]
    url = f"{base}/api/incidents/{incident['id']}"
    assert requests.post(f"{url}/acknowledge", json={"note": "gezien"}, timeout=10).status_code == 401
    acknowledged = requests.post(f"{url}/acknowledge", json={"note": "gezien, databank herstart"}, headers=AUTH, timeout=10)
    assert acknowledged.status_code == 200, acknowledged.text
    body = acknowledged.json()
    assert body["acknowledged_at"] and body["acknowledged_by"].startswith("admin:") and ADMIN not in acknowledged.text
    noted = requests.post(f"{url}/notes", data="oorzaak: onderhoud", headers={**AUTH, "Content-Type": "text/plain"}, timeout=10).json()
    assert [e["event"] for e in noted["events"]] == ["opened", "resolved", "acknowledged", "note"]
    assert noted["events"][-1]["text"] == "oorzaak: onderhoud"
    assert requests.post(f"{url}/notes", data="  ", headers=AUTH, timeout=10).status_code == 400
    assert requests.post(f"{url}/notes", json=["not", "an", "object"], headers=AUTH, timeout=10).status_code == 400
    assert requests.post(f"{base}/api/incidents/999999/notes", data="x", headers=AUTH, timeout=10).status_code == 404
    assert requests.get(f"{base}/api/incidents", params={"state": "maybe"}, headers=AUTH, timeout=10).status_code == 400
    assert requests.get(f"{base}/api/incidents", params={"state": "open"}, headers=AUTH, timeout=10).json()["items"] == []

    exported = requests.get(f"{base}/api/incidents", params={"format": "csv"}, headers=AUTH, timeout=10)
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 1 and rows[0]["component"] == "database" and rows[0]["resolved_at"]
    assert "acknowledged" in rows[0]["timeline"] and "oorzaak: onderhoud" in rows[0]["timeline"]

    report = requests.get(f"{base}/incidents/report", params={"ids": str(incident["id"])}, headers=AUTH, timeout=10)
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html")
    sections = []

    class Sections(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "section" and ("class", "incident") in attrs:
                sections.append(dict(attrs)["id"])

    Sections().feed(report.text)
    assert sections == [f"incident-{incident['id']}"]
    assert "@media print" in report.text and "break-after: page" in report.text
    assert "gezien, databank herstart" in report.text and "opgelost" in report.text
    assert requests.get(f"{base}/incidents/report", timeout=10).status_code == 401
    assert requests.get(f"{base}/incidents/report", params={"ids": "1,x"}, headers=AUTH, timeout=10).status_code == 400
