"""Issue 10: the authorisation matrix. Every route and method, asked by every kind of caller
(anonymous; analysts of tenants A and B; operator; admin; ingest; an expired, a revoked and an
unknown token; a forged JWT, a JWT with `alg: none` and one signed by a key the provider never
had), gets exactly the status the roles allow, and no response carries a restricted member its
caller may not see: the bodies are searched for restricted IRIs and property names.

Tenant A (Mechelen) and tenant B (Kortrijk) both hold a purpose for `euro-class`, none for
`nationality`; so A's analyst reads A's Euro-class members, B's analyst B's, and neither the
other's nor any nationality."""

import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import clean_env, cli_runner, generated_network, private_dir, serving

ISSUER = "https://authenticatie.vlaanderen.be/op"
AUDIENCE = "kruispunt"
SECRET = "authorisation-matrix-secret-0123456789abcdef"
CSV = ("camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
       "1202501,BO-12025,2026-10-24T12:00:00.000+02:00,51.0279,4.4931,{plate},BEL,50,personenwagen\n")

IDENTITIES = ["anonymous", "analyst_a", "analyst_b", "operator", "admin", "ingest",
              "expired", "revoked", "unknown", "forged_jwt", "none_jwt", "stranger_jwt"]
REFUSED = {"expired", "revoked", "unknown", "forged_jwt", "none_jwt", "stranger_jwt"}


def expect(kind: str) -> dict[str, int]:
    """The status each identity gets on a route of a kind (refused tokens: 401 everywhere)."""
    table = {
        "open": dict(anonymous=200, analyst_a=200, analyst_b=200, operator=200, admin=200, ingest=200),
        "operator": dict(anonymous=401, analyst_a=403, analyst_b=403, operator=200, admin=200, ingest=403),
        "status": dict(anonymous=200, analyst_a=403, analyst_b=403, operator=200, admin=200, ingest=403),
        "quality": dict(anonymous=401, analyst_a=200, analyst_b=200, operator=200, admin=200, ingest=403),
        "quality_of_a": dict(anonymous=401, analyst_a=200, analyst_b=403, operator=200, admin=200, ingest=403),
        "admin": dict(anonymous=401, analyst_a=403, analyst_b=403, operator=403, admin=200, ingest=403),
        "ingest": dict(anonymous=401, analyst_a=403, analyst_b=403, operator=403, admin=403, ingest=200),
        "no_incident": dict(anonymous=401, analyst_a=403, analyst_b=403, operator=404, admin=404, ingest=403),
        "restricted_granted": dict(anonymous=401, analyst_a=200, analyst_b=200, operator=403, admin=403, ingest=403),
        "restricted_of_a": dict(anonymous=401, analyst_a=200, analyst_b=403, operator=403, admin=403, ingest=403),
        "restricted_not_granted": dict(anonymous=401, analyst_a=403, analyst_b=403, operator=403, admin=403, ingest=403),
        "health": {i: 200 for i in IDENTITIES},
    }[kind]
    return {i: table.get(i, 401) for i in IDENTITIES}


@pytest.fixture(scope="module")
def world(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "matrix")
    data = parent / "data"
    provider, stranger = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.public_key()))
    (parent / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "dv", "alg": "RS256", "use": "sig"}]}))
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_OIDC_ISSUER=ISSUER, KRUISPUNT_OIDC_AUDIENCE=AUDIENCE,
                    KRUISPUNT_OIDC_JWKS=str(parent / "jwks.json"), KRUISPUNT_RATE_LIMIT="0")
    cli = cli_runner(kruispunt_binary, data, env)
    generated_network(cli, parent, "--cities", "Mechelen,Kortrijk", "--cameras", "8", "--vehicles", "1500", "--days", "1", "--start", "2026-10-24",
                      "--seed", "4")
    cli("enrich", "import", str(parent / "extract.csv"))
    cli("treat")
    cli("dump")
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    cli("tenant", "create", "kortrijk", "--name", "Stad Kortrijk", "--municipality", "Kortrijk")
    for tenant in ["mechelen", "kortrijk"]:
        cli("purpose", "grant", "--tenant", tenant, "--purpose", "lez-monitoring", "--metrics", "euro-class", "--until", "2099-12-31")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory@example.org", "iat": now, "exp": now + 3600, "kruispunt_role": "admin"}
    good = jwt.encode(claims, provider, algorithm="RS256", headers={"kid": "dv"}).split(".")
    forged_claims = jwt.utils.base64url_encode(json.dumps({**claims, "kruispunt_role": "admin", "sub": "root"}).encode()).decode()
    unsigned = (jwt.utils.base64url_encode(json.dumps({"alg": "none", "kid": "dv", "typ": "JWT"}).encode()).decode()
                + "." + good[1] + ".")
    tokens = {
        "analyst_a": cli("token", "create", "--role", "analyst", "--tenant", "mechelen").stdout.strip(),
        "analyst_b": cli("token", "create", "--role", "analyst", "--tenant", "kortrijk").stdout.strip(),
        "operator": cli("token", "create", "--role", "operator").stdout.strip(),
        "admin": cli("token", "create", "--role", "admin").stdout.strip(),
        "ingest": cli("token", "create", "--role", "ingest").stdout.strip(),
        "expired": cli("token", "create", "--role", "admin", "--expires", "PT1S").stdout.strip(),
        "revoked": cli("token", "create", "--role", "admin", "--label", "to-revoke").stdout.strip(),
        "unknown": "kp_" + "A" * 43,
        "forged_jwt": f"{good[0]}.{forged_claims}.{good[2]}",
        "none_jwt": unsigned,
        "stranger_jwt": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "dv"}),
    }
    revoked = next(line for line in cli("token", "list").stdout.splitlines() if ",to-revoke," in line).split(",")[0]
    cli("token", "revoke", revoked)
    time.sleep(1.5)   # the expired token's second has passed
    with serving(kruispunt_binary, data, env, never_logged=tuple(tokens.values())) as base:
        yield dict(base=base, tokens=tokens, cli=cli, data=data)


def restricted_paths(world, analyst: str) -> list[str]:
    """The paths of the restricted members an analyst sees (one page)."""
    r = requests.get(world["base"] + "/streams/euro-classes/pages", timeout=60,
                     headers={"Accept": "application/n-triples", "Authorization": f"Bearer {world['tokens'][analyst]}"})
    assert r.status_code == 200
    return sorted({line.split(" ")[0].strip("<>").split("/id/restricted/", 1)[1] for line in r.text.splitlines()
                   if "/id/restricted/" in line.split(" ")[0]})


def test_every_route_answers_every_identity_as_its_role_allows(world):
    base, tokens = world["base"], world["tokens"]
    a_members = restricted_paths(world, "analyst_a")
    b_members = restricted_paths(world, "analyst_b")
    assert a_members and b_members
    assert all("/camera/12025" in p or "/zone/mechelen" in p for p in a_members)
    assert all("/camera/34022" in p or "/zone/kortrijk" in p for p in b_members)
    a_member = "/id/restricted/" + a_members[0]
    b_member = "/id/restricted/" + b_members[0]
    routes = [
        ("GET", "/", "open"), ("GET", "/camera/1202501", "open"), ("GET", "/stromen", "open"), ("GET", "/zones", "open"),
        ("GET", "/vergelijk", "open"), ("GET", "/live.json", "open"), ("GET", "/streams/vehicle-counts", "open"),
        ("GET", "/streams/vehicle-counts/by-time", "open"), ("GET", "/streams/vehicle-counts/latest", "open"),
        ("GET", "/catalog", "open"), ("GET", "/void", "open"), ("GET", "/dumps/vehicle-counts.nq.gz", "open"),
        ("GET", "/timeseries", "open"), ("GET", "/timeseries/1202501/vehicle-count", "open"),
        ("GET", "/shapes/observation", "open"), ("GET", "/id/camera/1202501", "open"), ("GET", "/context.jsonld", "open"),
        ("GET", "/fragments", "open"), ("GET", "/ontology", "open"), ("GET", "/sparql?query=ASK%20%7B%7D", "open"),
        ("POST", "/sparql", "open"), ("GET", "/aanmelden", "open"), ("GET", "/public/kruispunt.css", "open"),
        ("GET", "/health/live", "health"), ("GET", "/health/ready", "health"),
        ("GET", "/status", "status"),
        ("GET", "/metrics", "operator"), ("GET", "/api/quarantine", "operator"), ("GET", "/api/stats", "operator"),
        ("GET", "/stats", "operator"), ("GET", "/api/incidents", "operator"), ("GET", "/incidents/report", "operator"),
        ("GET", "/api/incidents/999999", "no_incident"), ("POST", "/api/incidents/999999/notes", "no_incident"),
        ("POST", "/api/incidents/999999/acknowledge", "no_incident"),
        ("GET", "/api/quality", "quality"), ("GET", "/quality", "quality"), ("GET", "/api/quality?camera=1202501", "quality_of_a"),
        ("GET", "/api/access-log", "admin"), ("GET", "/access-log", "admin"),
        ("POST", "/api/ingest", "ingest"),
        ("GET", "/beperkt", "restricted_granted"), ("GET", "/streams/euro-classes", "restricted_granted"), ("GET", "/streams/euro-classes/pages", "restricted_granted"),
        ("GET", a_member, "restricted_of_a"), ("GET", a_member.rsplit("/v", 1)[0], "restricted_of_a"),
        ("GET", "/streams/nationalities", "restricted_not_granted"),
        ("GET", "/streams/nationalities/pages", "restricted_not_granted"),
    ]
    mismatches, leaks = [], []
    for n, (method, path, kind) in enumerate(routes):
        for identity, status in expect(kind).items():
            headers = {"Accept": "application/n-triples, application/json;q=0.9, text/html;q=0.5, */*;q=0.1"}
            if identity != "anonymous":
                headers["Authorization"] = f"Bearer {tokens[identity]}"
            body = None
            if path == "/api/ingest":
                headers["Content-Type"] = "text/csv"
                body = CSV.format(plate=f"{n:02d}{IDENTITIES.index(identity):02d}" + "ab" * 30)
            elif path == "/sparql":
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = "query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%205"
            elif method == "POST":
                headers["Content-Type"] = "application/json"
                body = json.dumps({"note": "matrix"})
            r = requests.request(method, base + path, headers=headers, data=body, timeout=120)
            if r.status_code != status:
                mismatches.append((method, path, identity, status, r.status_code, r.text[:120]))
            text = r.content.decode("utf-8", "replace") if not path.endswith(".gz") else ""
            if path not in ("/ontology", "/shapes/observation"):
                may_see = {"analyst_a": a_members, "analyst_b": b_members}.get(identity, []) if r.status_code == 200 else []
                for seen in [p for p in a_members + b_members if p not in may_see]:
                    if seen in text:
                        leaks.append((path, identity, seen))
                if not may_see and ("/id/restricted/" in text or "euroClassCount" in text):
                    leaks.append((path, identity, "restricted IRI or property"))
    assert not mismatches, "\n".join(map(str, mismatches))
    assert not leaks, leaks[:20]


def test_b_cannot_name_a_members_and_a_cannot_name_b(world):
    base, tokens = world["base"], world["tokens"]
    for reader, other in [("analyst_a", "analyst_b"), ("analyst_b", "analyst_a")]:
        for path in restricted_paths(world, other)[:5]:
            r = requests.get(f"{base}/id/restricted/{path}", headers={"Authorization": f"Bearer {tokens[reader]}"}, timeout=60)
            assert r.status_code == 403 and "/id/restricted/" not in r.text, (reader, path, r.status_code)


def test_the_operator_navigation_links_only_to_pages_the_role_may_open(world):
    """The navigation of the operator pages, read from each role's own page: every link it shows
    opens for that role, and the pages the role may not open are not linked."""
    import re
    base, tokens = world["base"], world["tokens"]
    pages = {"analyst_a": "/quality", "operator": "/quality", "admin": "/access-log"}
    expected = {"analyst_a": {"/", "/quality"}, "operator": {"/", "/status", "/quality", "/stats"},
                "admin": {"/", "/status", "/quality", "/stats", "/access-log"}}
    for identity, page in pages.items():
        headers = {"Authorization": f"Bearer {tokens[identity]}", "Accept": "text/html"}
        html = requests.get(base + page, headers=headers, timeout=60).text
        nav = re.search(r'<nav aria-label="Beheer">(.*?)</nav>', html, re.S)
        assert nav, html[:1000]
        links = set(re.findall(r'href="([^"]+)"', nav.group(1)))
        assert links == expected[identity], (identity, links)
        for link in links:
            assert requests.get(base + link, headers=headers, timeout=60).status_code == 200, (identity, link)
