"""Issue 10: what an attacker sends. Path traversal (plain, percent-encoded, double-encoded,
backslashes, NUL) on the static folders, SQL fragments in query parameters, SPARQL and upload
bodies, CRLF meant to inject headers, oversized headers and bodies, bodies that trickle in: every
one gets a 4xx, none leaks a file, none changes data, and the server keeps answering."""

import http.client
import json
import socket
import time

import pytest
import requests

from conftest import clean_env, cli_runner, private_dir, serving

ADMIN = "configured-admin-token-for-the-injection-test"
INGEST = "configured-ingest-token-for-the-injection-test"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture(scope="module")
def target(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "injection")
    data = parent / "data"
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_INGEST_TOKENS=INGEST, KRUISPUNT_MAX_UPLOAD_BYTES=str(1 << 20),
                    KRUISPUNT_RATE_LIMIT="0", KRUISPUNT_UPLOAD_IDLE_SECONDS="2", KRUISPUNT_UPLOAD_MIN_RATE="1000")
    cli = cli_runner(kruispunt_binary, data, env)
    cli("generate", "--cities", "Mechelen", "--cameras", "4", "--vehicles", "300", "--days", "1", "--start", "2026-10-24",
        "--seed", "4", "--registry", str(parent), "--out", str(parent / "d.csv"))
    cli("cameras", "import", str(parent / "cameras.csv"))
    cli("ingest", str(parent / "d.csv"))
    cli("treat")
    with serving(kruispunt_binary, data, env) as base:
        yield base


def raw(base: str, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, bytes]:
    """A request with the path sent exactly as given (no client-side normalisation)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def store_counts(base: str) -> dict:
    stats = requests.get(f"{base}/api/stats", headers=AUTH, timeout=30).json()
    return {t["table"]: t["rows"] for t in stats["tables"] if t["table"] in ("quads", "detections", "stream_members", "cameras")}


def test_path_traversal_never_leaves_the_static_folders(target):
    for prefix in ("/public", "/vendor"):
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
                     "/%252e%252e/%252e%252e/etc/passwd", "/....//....//....//etc/passwd", "/..\\..\\..\\etc\\passwd",
                     "/..%5c..%5c..%5cetc%5cpasswd", "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/kruispunt.css%00.png",
                     "/../../../../../../proc/self/environ", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd"):
            status, body = raw(target, prefix + path)
            assert 400 <= status < 500, (prefix + path, status)
            assert b"root:" not in body and b"KRUISPUNT_" not in body, prefix + path
    # The folder itself still serves what it holds.
    assert raw(target, "/public/kruispunt.css")[0] == 200


def test_sql_fragments_in_parameters_change_nothing(target):
    before = store_counts(target)
    fragments = ["' OR '1'='1", "1; DROP TABLE quads; --", "\" OR 1=1 --", "'); DELETE FROM detections; --", "1' UNION SELECT * FROM api_tokens --"]
    for fragment in fragments:
        for route, params, auth in [
            ("/api/access-log", {"identity": fragment, "path": fragment}, AUTH),
            ("/api/quality", {"camera": fragment}, AUTH),
            ("/api/quality", {"van": fragment}, AUTH),
            ("/api/stats", {"camera": fragment}, AUTH),
            ("/fragments", {"subject": fragment}, {}),
            ("/fragments", {"object": fragment}, {}),
            ("/streams/vehicle-counts", {"after": fragment}, {}),
            ("/zones", {"zone": fragment}, {}),
        ]:
            response = requests.get(f"{target}{route}", params=params, headers=auth, timeout=30)
            assert response.status_code < 500, (route, fragment, response.status_code, response.text[:300])
            if route == "/api/access-log":
                assert response.status_code == 200 and response.json()["items"] == [], fragment
        # SPARQL: the fragment inside a string literal is a string, nothing more.
        query = f'SELECT ?s WHERE {{ ?s ?p "{fragment.replace(chr(34), "")}" }} LIMIT 5'
        answer = requests.get(f"{target}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["results"]["bindings"] == [], (query, answer.text[:300])
    assert requests.get(f"{target}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } ; DROP TABLE quads"}, timeout=30).status_code == 400
    assert store_counts(target) == before


def test_an_upload_carrying_sql_is_quarantined_and_changes_nothing_else(target):
    before = store_counts(target)
    body = ("camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
            "1'; DROP TABLE detections; --,BO,2026-10-24T08:00:00+02:00,51.0,4.4,abc123,BE,50,personenwagen\n"
            "1202501,BO,2026-10-24T08:00:00+02:00'); DELETE FROM quads; --,51.0,4.4,abc124,BE,50,personenwagen\n")
    response = requests.post(f"{target}/api/ingest", data=body.encode(), timeout=60,
                             headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["quarantined"] == 2 and summary["accepted"] == 0, summary
    assert store_counts(target) == before


def test_crlf_never_becomes_a_header(target):
    for path in ("/aanmelden?volgende=/%0d%0aSet-Cookie:%20evil=1", "/streams/vehicle-counts?x=%0d%0aSet-Cookie:%20evil=1",
                 "/%0d%0aSet-Cookie:%20evil=1"):
        response = requests.get(f"{target}{path}", allow_redirects=False, timeout=30)
        assert "evil" not in response.headers.get("Set-Cookie", "") and "evil" not in response.headers.get("Location", ""), path
    # A next page with a line break is not a local path: ignored.
    browser = requests.Session()
    page = browser.get(f"{target}/aanmelden", timeout=30)
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = browser.post(f"{target}/aanmelden", data={"csrf": csrf, "token": ADMIN, "volgende": "/status\r\nSet-Cookie: evil=1"},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"] == "/status"
    assert "evil" not in answer.headers.get("Set-Cookie", "")


def test_oversized_headers_and_bodies_are_refused(target):
    host, port = target.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"GET /catalog HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        reply = b""
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply[:200]
    big = b"x" * (2 << 20)
    upload = requests.post(f"{target}/api/ingest", data=big, timeout=60, headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"})
    assert upload.status_code == 413
    sparql = requests.post(f"{target}/sparql", data=b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (5 << 20), timeout=60,
                           headers={"Content-Type": "application/sparql-query"})
    assert 400 <= sparql.status_code < 500
    form = requests.post(f"{target}/aanmelden", data=b"token=" + b"x" * (1 << 20), timeout=60,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= form.status_code < 500
    time.sleep(0.5)
    assert requests.get(f"{target}/health/ready", timeout=10).status_code == 200


def trickle(base: str, path: str, headers: dict, first: bytes, every: float, piece: bytes, seconds: float) -> tuple[bytes, float]:
    """Sends a request's headers and the start of its body, then `piece` every `every` seconds
    (nothing more when `piece` is empty) until the server answers or `seconds` pass; the
    answer's first bytes and when they came."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=seconds) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(head.encode() + b"\r\n" + first)
        s.settimeout(every)
        reply = b""
        while time.monotonic() - started < seconds and not reply:
            try:
                reply = s.recv(4096)
            except TimeoutError:
                if piece:
                    try:
                        s.sendall(piece)
                    except (BrokenPipeError, ConnectionResetError):
                        break
    return reply, time.monotonic() - started


@pytest.mark.parametrize("path,headers", [
    ("/api/ingest", {"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv"}),
    ("/sparql", {"Content-Type": "application/sparql-query"}),
    ("/aanmelden", {"Content-Type": "application/x-www-form-urlencoded"}),
])
def test_slow_bodies_get_408_and_change_nothing(target, path, headers):
    before = store_counts(target)
    line = b"camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
    # A body that stops (a gap over the 2 s allowed), and one that crawls (10 bytes a second, under 1,000).
    stalled, after = trickle(target, path, headers, line, every=0.5, piece=b"", seconds=15)
    assert stalled.startswith(b"HTTP/1.1 408"), stalled[:200]
    assert after < 6, after
    crawling, after = trickle(target, path, headers, line, every=0.5, piece=b"1202501,B", seconds=15)
    assert crawling.startswith(b"HTTP/1.1 408"), crawling[:200]
    assert after < 7, after
    assert b"too slow" in stalled + crawling
    assert store_counts(target) == before
    assert requests.get(f"{target}/health/ready", timeout=10).status_code == 200
