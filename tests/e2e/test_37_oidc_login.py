"""Issue 10: signing in through the identity provider's own login (OpenID Connect authorization
code flow with PKCE). A small provider stands in for Digitaal Vlaanderen's here: its token
endpoint checks the client, the code, the redirect URI and the PKCE verifier against the challenge
it was sent, and returns an ID token signed by PyJWT with a key only it has. Kruispunt must send
the browser there with a fresh state, nonce and S256 challenge, accept the way back only with the
state of the browser's own cookie, and open a session only for an ID token that passes every JWT
check and carries the nonce it sent; every other way back ends on the sign-in page with the
reason, and no session."""

import base64
import hashlib
import http.server
import json
import threading
import time
import urllib.parse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import clean_env, cli_runner, free_port, private_dir, serving

ISSUER = "https://authenticatie.vlaanderen.be/op"
CLIENT = "kruispunt-test-client"
SECRET = "client-secret-of-the-login-test"


class Provider:
    """The provider's token endpoint: one code per authorization, used once."""

    def __init__(self, key):
        self.key = key
        self.codes: dict[str, dict] = {}   # code -> what the authorization request carried and the claims to sign
        self.exchanges: list[dict] = []

    def authorize(self, location: str, **claims) -> str:
        """What the provider's login page does: remember the request, hand out a code."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        code = base64.urlsafe_b64encode(hashlib.sha256(location.encode() + str(time.time()).encode()).digest()).decode().rstrip("=")
        now = int(time.time())
        self.codes[code] = {"query": query, "claims": {"iss": ISSUER, "aud": CLIENT, "sub": "an.analyst@mechelen.be", "iat": now,
                                                      "exp": now + 600, "nonce": query.get("nonce"), "kruispunt_role": "analyst",
                                                      "kruispunt_tenant": "mechelen", **claims}}
        return code

    def handler(self):
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                provider.exchanges.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
                ok = (grant is not None and form.get("grant_type") == "authorization_code" and form.get("client_id") == CLIENT
                      and form.get("client_secret") == SECRET and form.get("redirect_uri") == grant["query"]["redirect_uri"]
                      and base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).decode().rstrip("=")
                      == grant["query"]["code_challenge"])
                body = (json.dumps({"id_token": jwt.encode({k: v for k, v in grant["claims"].items() if v is not None}, provider.key,
                                                           algorithm="RS256", headers={"kid": "dv"}),
                                    "token_type": "Bearer"}) if ok else json.dumps({"error": "invalid_grant"})).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        return Handler


@pytest.fixture(scope="module")
def world(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "oidc-login")
    data = parent / "data"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (parent / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "dv", "alg": "RS256", "use": "sig"}]}))
    provider = Provider(key)
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), provider.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = clean_env(KRUISPUNT_OIDC_ISSUER=ISSUER, KRUISPUNT_OIDC_AUDIENCE=CLIENT, KRUISPUNT_OIDC_JWKS=str(parent / "jwks.json"),
                    KRUISPUNT_OIDC_CLIENT_ID=CLIENT, KRUISPUNT_OIDC_CLIENT_SECRET=SECRET,
                    KRUISPUNT_OIDC_AUTHORIZATION_ENDPOINT="https://authenticatie.vlaanderen.be/op/v1/auth",
                    KRUISPUNT_OIDC_TOKEN_ENDPOINT=f"http://127.0.0.1:{port}/op/v1/token", KRUISPUNT_RATE_LIMIT="0")
    cli = cli_runner(kruispunt_binary, data, env)
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    with serving(kruispunt_binary, data, env, never_logged=("eyJ", SECRET)) as base:
        yield dict(base=base, provider=provider, port=port)
    server.shutdown()


def start(world) -> tuple[requests.Session, str]:
    """A browser that asks to sign in through the provider: its cookie jar and where it is sent."""
    browser = requests.Session()
    r = browser.get(world["base"] + "/aanmelden/oidc", allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("kp_oidc=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/aanmelden/oidc" in cookie
    return browser, r.headers["Location"]


def come_back(world, browser, **query):
    return browser.get(world["base"] + "/aanmelden/oidc/terug", params=query, allow_redirects=False, timeout=30)


def test_the_sign_in_page_offers_the_provider(world):
    page = requests.get(world["base"] + "/aanmelden", timeout=30)
    assert page.status_code == 200 and 'href="/aanmelden/oidc"' in page.text


def test_the_browser_goes_to_the_provider_with_state_nonce_and_pkce(world):
    _, location = start(world)
    _, second = start(world)
    url = urllib.parse.urlsplit(location)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://authenticatie.vlaanderen.be/op/v1/auth"
    query = dict(urllib.parse.parse_qsl(url.query))
    assert query["response_type"] == "code" and query["client_id"] == CLIENT and query["scope"] == "openid"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"].endswith("/aanmelden/oidc/terug")
    assert len(query["state"]) == 43 and len(query["nonce"]) == 43
    other = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(second).query))
    assert other["state"] != query["state"] and other["nonce"] != query["nonce"] and other["code_challenge"] != query["code_challenge"]
    assert SECRET not in location


def test_a_good_way_back_opens_a_session(world):
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    code = world["provider"].authorize(location)
    back = come_back(world, browser, code=code, state=state)
    assert back.status_code == 303 and back.headers["Location"] == "/quality", back.text[:300]
    assert "kp_sessie" in browser.cookies and "kp_oidc" not in browser.cookies
    exchange = world["provider"].exchanges[-1]
    assert exchange["client_secret"] == SECRET and len(exchange["code_verifier"]) == 43
    quality = browser.get(world["base"] + "/api/quality", timeout=30)
    assert quality.status_code == 200 and quality.json()["tenant"] == "mechelen"
    # The code was used once: coming back with it again opens nothing.
    again = come_back(world, browser, code=code, state=state)
    assert again.status_code in (403, 502)


def test_every_bad_way_back_ends_on_the_sign_in_page_without_a_session(world):
    provider = world["provider"]
    cases = []
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("another state", browser, dict(code=provider.authorize(location), state="x" * 43), 403, "verlopen"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("no cookie (another browser)", requests.Session(), dict(code=provider.authorize(location), state=state), 403, "verlopen"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("the provider's error", browser, dict(error="access_denied", state=state), 401, "access_denied"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("an unknown code", browser, dict(code="nonsense", state=state), 502, "invalid_grant"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("another nonce", browser, dict(code=provider.authorize(location, nonce="n" * 43), state=state), 401, "nonce"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("an expired ID token", browser, dict(code=provider.authorize(location, exp=int(time.time()) - 3600), state=state),
                  401, "verlopen"))
    browser, location = start(world)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
    cases.append(("an unknown tenant", browser, dict(code=provider.authorize(location, kruispunt_tenant="gent"), state=state),
                  401, "tenant"))
    for name, browser, query, status, says in cases:
        r = come_back(world, browser, **query)
        assert r.status_code == status and says in r.text, (name, r.status_code, r.text[:300])
        assert "kp_sessie" not in browser.cookies, name
        assert "<form" in r.text, name


def test_without_the_login_configured_there_is_no_way_there(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "no-oidc-login")
    env = clean_env()
    with serving(kruispunt_binary, parent / "data", env) as base:
        assert requests.get(base + "/aanmelden/oidc", allow_redirects=False, timeout=30).status_code == 404
        assert 'href="/aanmelden/oidc"' not in requests.get(base + "/aanmelden", timeout=30).text
