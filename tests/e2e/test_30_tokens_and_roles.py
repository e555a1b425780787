"""Issue 10 (first part): tenants and API tokens. `kruispunt token create` prints a token once and
stores only its SHA-256; roles decide what a token may do (operator: status, quality, statistics,
metrics; admin: the access log too; analyst: its tenant's camera quality; ingest: uploads); an expired,
revoked, unknown or forged token gets 401, a token of the wrong role 403; the access log names
the role, the token's digest and the tenant, never the token."""

import hashlib
import signal
import subprocess
import time

import pytest
import requests

from conftest import clean_env, cli_runner, free_port, private_dir, serving, wait_ready

CONFIGURED_ADMIN = "configured-admin-token-for-the-roles-test"


@pytest.fixture(scope="module")
def setup(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "roles")
    data = parent / "data"
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=CONFIGURED_ADMIN)

    cli = cli_runner(kruispunt_binary, data, env)

    # Tenants and tokens are made before the server starts and while it runs.
    assert cli("tenant", "create", "mechelen", "--name", "Stad Mechelen").stdout.strip() == \
        "tenant mechelen: Stad Mechelen (no municipality; 0 cameras now)"
    cli("tenant", "create", "kortrijk", "--name", "Stad Kortrijk")
    tokens = {
        "operator": cli("token", "create", "--role", "operator", "--label", "Digitaal Vlaanderen", "--expires", "P90D").stdout.strip(),
        "admin": cli("token", "create", "--role", "admin", "--until", "2099-12-31").stdout.strip(),
        "analyst": cli("token", "create", "--role", "analyst", "--tenant", "mechelen", "--expires", "P2W").stdout.strip(),
        "ingest": cli("token", "create", "--role", "ingest").stdout.strip(),
        "expired": cli("token", "create", "--role", "operator", "--expires", "PT1S").stdout.strip(),
        "revoked": cli("token", "create", "--role", "operator").stdout.strip(),
    }
    with serving(kruispunt_binary, data, env, never_logged=tuple(tokens.values())) as base:
        yield base, cli, tokens, data


def get(base, route, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{base}{route}", params=params, headers=headers, timeout=60)


def test_the_cli_refuses_what_makes_no_token(setup):
    _, cli, tokens, _ = setup
    assert all(t.startswith("kp_") and len(t) == 46 for t in tokens.values())
    assert len(set(tokens.values())) == len(tokens)
    for args, says in [
        (["--role", "analyst"], "needs a tenant"),
        (["--role", "operator", "--tenant", "mechelen"], "only an analyst"),
        (["--role", "analyst", "--tenant", "gent"], "no tenant 'gent'"),
        (["--role", "root"], "--role must be one of"),
        (["--role", "operator", "--expires", "P1Y"], "ISO 8601 duration"),
        (["--role", "operator", "--expires", "90"], "ISO 8601 duration"),
        (["--role", "operator", "--until", "2020-01-01"], "in the past"),
        (["--role", "operator", "--expires", "P1D", "--until", "2099-01-01"], "not both"),
    ]:
        done = cli("token", "create", *args, check=False)
        assert done.returncode != 0 and says in done.stderr, (args, done.stderr)
    assert "exists already" in cli("tenant", "create", "mechelen", "--name", "x", check=False).stderr
    assert "lower-case" in cli("tenant", "create", "Gent!", "--name", "Gent", check=False).stderr
    assert cli("tenant", "list").stdout.splitlines() == ["id,name,municipalities,cameras", "kortrijk,Stad Kortrijk,,0",
                                                          "mechelen,Stad Mechelen,,0"]
    assert "no tenant 'gent'" in cli("tenant", "update", "gent", "--name", "Gent", check=False).stderr
    assert "give --name or --municipality" in cli("tenant", "update", "kortrijk", check=False).stderr


def test_only_digests_are_stored_and_listed(setup):
    _, cli, tokens, data = setup
    listed = cli("token", "list").stdout
    for token in tokens.values():
        assert token not in listed
        assert hashlib.sha256(token.encode()).hexdigest()[:12] in listed
    rows = [line.split(",") for line in listed.splitlines()[1:]]
    assert {r[1] for r in rows} == {"operator", "admin", "analyst", "ingest"}
    assert any(r[1] == "analyst" and r[2] == "mechelen" for r in rows)
    assert any(r[3] == "Digitaal Vlaanderen" for r in rows)
    dump = subprocess.run(["psql", "-X", "-A", "-t", "-h", str(data / "run"), "-U", "postgres", "-d", "kruispunt", "-c",
                           "SELECT id, encode(sha256, 'hex'), role, tenant, label FROM api_tokens"],
                          capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    for token in tokens.values():
        assert token not in dump.stdout and hashlib.sha256(token.encode()).hexdigest() in dump.stdout


def test_roles_decide_what_a_token_may_do(setup):
    base, _, tokens, _ = setup
    expected = {
        # path: status per caller
        "/api/stats": {"anonymous": 401, "operator": 200, "admin": 200, "configured": 200, "analyst": 403, "ingest": 403},
        "/api/quality": {"anonymous": 401, "operator": 200, "admin": 200, "configured": 200, "analyst": 200, "ingest": 403},
        "/metrics": {"anonymous": 401, "operator": 200, "admin": 200, "configured": 200, "analyst": 403, "ingest": 403},
        "/api/access-log": {"anonymous": 401, "operator": 403, "admin": 200, "configured": 200, "analyst": 403, "ingest": 403},
        "/access-log": {"anonymous": 401, "operator": 403, "admin": 200, "configured": 200, "analyst": 403, "ingest": 403},
        "/api/quarantine": {"anonymous": 401, "operator": 200, "admin": 200, "configured": 200, "analyst": 403, "ingest": 403},
        "/streams/vehicle-counts": {"anonymous": 200, "operator": 200, "admin": 200, "configured": 200, "analyst": 200, "ingest": 200},
    }
    callers = dict(tokens, configured=CONFIGURED_ADMIN, anonymous=None)
    for path, statuses in expected.items():
        for who, status in statuses.items():
            response = get(base, path, callers[who])
            assert response.status_code == status, (path, who, response.status_code, response.text[:300])
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # The status page shows details to operators only; any other token is refused rather than
    # silently shown the public summary.
    def status(token=None):
        headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        return requests.get(f"{base}/status", headers=headers, timeout=60)
    assert status().status_code == 200 and status(tokens["operator"]).status_code == 200
    assert len(status(tokens["operator"]).text) > len(status().text)
    assert status(tokens["analyst"]).status_code == 403
    assert get(base, "/api/incidents", tokens["operator"]).status_code == 200
    assert get(base, "/api/incidents", tokens["ingest"]).status_code == 403
    # Uploads take the ingest role.
    line = "camera_id,timestamp,plate_hash\n"
    for who, status in [("analyst", 403), ("operator", 403), ("anonymous", 401)]:
        headers = {"Content-Type": "text/csv"}
        if callers[who]:
            headers["Authorization"] = f"Bearer {callers[who]}"
        response = requests.post(f"{base}/api/ingest", data=line, headers=headers, timeout=60)
        assert response.status_code == status, (who, response.text)
    ingest = requests.post(f"{base}/api/ingest", data=line, timeout=60,
                           headers={"Content-Type": "text/csv", "Authorization": f"Bearer {tokens['ingest']}"})
    assert ingest.status_code not in (401, 403), ingest.text


def test_expired_revoked_unknown_and_forged_tokens_get_401(setup):
    base, cli, tokens, _ = setup
    time.sleep(1.5)   # the PT1S token has expired
    for token, says in [(tokens["expired"], "expired"), ("kp_" + "A" * 43, "invalid"), (tokens["operator"][:-1] + "x", "invalid"),
                        ("not a token at all", "invalid"), (tokens["operator"] + " ", None)]:
        response = get(base, "/api/stats", token)
        if says is None:   # surrounding white space is not part of a token
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (token, response.text)
        assert says in response.text and "invalid_token" in response.headers["WWW-Authenticate"]
    assert get(base, "/api/stats", tokens["revoked"]).status_code == 200
    token_id = next(line.split(",")[0] for line in cli("token", "list").stdout.splitlines()[1:]
                    if line.split(",")[4] == hashlib.sha256(tokens["revoked"].encode()).hexdigest()[:12])
    assert cli("token", "revoke", token_id).stdout.strip() == f"revoked token {token_id}"
    assert "revoked already" in cli("token", "revoke", token_id, check=False).stderr
    deadline = time.time() + 15
    while get(base, "/api/stats", tokens["revoked"]).status_code == 200:   # the server asks again within 5 s
        assert time.time() < deadline, "a revoked token still works after 15 s"
        time.sleep(0.5)
    response = get(base, "/api/stats", tokens["revoked"])
    assert response.status_code == 401 and "revoked" in response.text
    listed = {line.split(",")[0]: line.split(",")[-1] for line in cli("token", "list").stdout.splitlines()[1:]}
    assert listed[token_id] == "revoked"


def test_purposes_are_granted_listed_and_revoked_on_the_record(setup):
    _, cli, _, _ = setup
    granted = cli("purpose", "grant", "--tenant", "kortrijk", "--purpose", "lez-monitoring", "--metrics", "lez-compliance,euro-class",
                  "--until", "2099-12-31", "--basis", "Gemeenteraad 2026-05-12").stdout.strip()
    assert granted.endswith("kortrijk lez-monitoring (euro-class, lez-compliance) until 2099-12-31"), granted
    grant_id = granted.split()[1].rstrip(":")
    for args, says in [
        (["--tenant", "gent"], "no tenant 'gent'"),
        (["--tenant", "kortrijk", "--metrics", "plates"], "not a restricted metric"),
        (["--tenant", "kortrijk", "--until", "2020-01-01", "--purpose", "other"], "in the past"),
        (["--tenant", "kortrijk"], "holds lez-monitoring already"),
    ]:
        base_args = {"--tenant": "kortrijk", "--purpose": "lez-monitoring", "--metrics": "euro-class", "--until": "2099-12-31"}
        for flag, value in zip(args[::2], args[1::2]):
            base_args[flag] = value
        done = cli("purpose", "grant", *[x for kv in base_args.items() for x in kv], check=False)
        assert done.returncode != 0 and says in done.stderr, (args, done.stderr)
    listed = cli("purpose", "list", "--tenant", "kortrijk").stdout.splitlines()
    assert listed[0] == "id,tenant,purpose,metrics,until,basis,granted,revoked"
    assert listed[1].startswith(f"{grant_id},kortrijk,lez-monitoring,euro-class;lez-compliance,2099-12-31,Gemeenteraad 2026-05-12,")
    assert cli("purpose", "revoke", grant_id).stdout.strip() == f"revoked grant {grant_id}"
    assert "revoked already" in cli("purpose", "revoke", grant_id, check=False).stderr
    assert cli("purpose", "list").stdout.splitlines()[1].split(",")[-1] != ""
    commands = cli("accesslog", "list", "--path", "kruispunt purpose").stdout
    assert "purpose grant" in commands and "purpose revoke" in commands and "--purpose lez-monitoring" in commands


def test_the_access_log_names_role_digest_and_tenant_never_the_token(setup):
    base, cli, tokens, _ = setup
    assert get(base, "/streams/vehicle-counts", tokens["analyst"], **{"roles-test-marker": "1"}).status_code == 200
    digest = hashlib.sha256(tokens["analyst"].encode()).hexdigest()[:12]
    for _ in range(40):
        response = get(base, "/api/access-log", tokens["admin"], path="/streams/vehicle-counts", identity=f"analyst:{digest}")
        items = [e for e in response.json()["items"] if e.get("query") == "roles-test-marker=1"]
        if items:
            break
        time.sleep(0.5)
    assert items, "the analyst's request is not in the log"
    assert items[0]["tenant"] == "mechelen" and items[0]["status"] == 200, items[0]
    everything = get(base, "/api/access-log", tokens["admin"], format="csv", limit="100000").text
    assert not any(t in everything for t in tokens.values())
    assert "revoked-token:" in everything and "expired-token:" in everything and "unknown-token:" in everything
    commands = cli("accesslog", "list", "--path", "kruispunt token").stdout
    assert "token create" in commands and "token revoke" in commands and "--role analyst --tenant mechelen" in commands
    assert not any(t in commands for t in tokens.values())


def test_security_headers_and_no_inline_script(setup):
    base, _, tokens, _ = setup
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inline, self.handlers = [], []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self.handlers += [name for name in a if name.startswith("on")]
            data_block = (a.get("type") or "").startswith("application/")
            if tag == "script" and "src" not in a and not data_block:
                self.inline.append(a)

    pages = ["/", "/stromen", "/zones", "/sparql", "/status", "/catalog", "/quality", "/stats", "/access-log", "/aanmelden",
             "/no-such-page"]
    for path in pages:
        response = requests.get(f"{base}{path}", headers={"Accept": "text/html", "Authorization": f"Bearer {tokens['admin']}"},
                                timeout=60)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", path
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            assert path == "/no-such-page" or path == "/catalog", (path, response.headers.get("Content-Type"))
            continue
        assert response.status_code == 200, (path, response.status_code)
        policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert "https://tile.openstreetmap.org" in policy["img-src"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers
        parser = Scripts()
        parser.feed(response.text)
        assert parser.inline == [] and parser.handlers == [], (path, parser.inline, parser.handlers)
    # JSON and errors carry nosniff too; HSTS only behind a TLS-terminating proxy.
    for path in ["/api/stats", "/streams/vehicle-counts"]:
        response = requests.get(f"{base}{path}", headers={"Authorization": f"Bearer {tokens['operator']}"}, timeout=60)
        assert response.headers.get("X-Content-Type-Options") == "nosniff" and "Content-Security-Policy" not in response.headers
    refused = requests.get(f"{base}/api/stats", timeout=60)
    assert refused.status_code == 401 and refused.headers.get("X-Content-Type-Options") == "nosniff"
    proxied = requests.get(f"{base}/", headers={"X-Forwarded-Proto": "https"}, timeout=60)
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_rate_limits_per_token_and_per_address(kruispunt_binary, tmp_path_factory):
    data = private_dir(tmp_path_factory, "ratelimit") / "data"
    env = clean_env(KRUISPUNT_RATE_LIMIT="5")
    cli = cli_runner(kruispunt_binary, data, env)
    token = cli("token", "create", "--role", "operator").stdout.strip()
    port = free_port()
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        with requests.Session() as s:
            def burst(n, headers):
                return [s.get(f"{base}/streams/vehicle-counts", headers=headers, timeout=30) for _ in range(n)]
            # Five a second, bursts of ten: a quick run of 30 from one address meets 429 with Retry-After.
            statuses = [r.status_code for r in burst(30, {"X-Forwarded-For": "203.0.113.7"})]
            assert statuses.count(200) >= 10 and 429 in statuses, statuses
            limited = next(r for r in burst(3, {"X-Forwarded-For": "203.0.113.7"}) if r.status_code == 429)
            assert int(limited.headers["Retry-After"]) >= 1 and "too many requests" in limited.text
            # Another address, and a token's holder, have buckets of their own.
            assert burst(1, {"X-Forwarded-For": "203.0.113.8"})[0].status_code == 200
            assert burst(1, {"X-Forwarded-For": "203.0.113.7", "Authorization": f"Bearer {token}"})[0].status_code == 200
            # A mistyped token gets its 401; guessing empties the address's bucket four times as fast.
            guesses = [s.get(f"{base}/api/stats", headers={"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer kp_guess"},
                             timeout=30).status_code for _ in range(6)]
            assert guesses[0] == 401 and guesses[-1] == 429, guesses
            # Health probes are never limited.
            assert all(s.get(f"{base}/health/ready", timeout=30).status_code == 200 for _ in range(30))
            time.sleep(2.5)
            assert burst(1, {"X-Forwarded-For": "203.0.113.7"})[0].status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
