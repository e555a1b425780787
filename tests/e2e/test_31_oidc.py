"""Issue 10: OpenID Connect JWTs from Digitaal Vlaanderen's identity provider, signed here by PyJWT
with keys nobody else has. A token counts only with a signature by a key of the configured key set
(RS256 and ES256 here), the configured issuer and audience, not expired (with the clock skew),
already valid, and exactly one Kruispunt role; an analyst needs a tenant that exists. Forged,
`alg: none`, HMAC-with-the-public-key, unknown-key, expired, early, foreign and role-less tokens
all get 401 with the reason; the access log names the subject, never the token."""

import hashlib
import hmac
import json
import subprocess
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import clean_env, cli_runner, free_port, private_dir, serving

ISSUER = "https://authenticatie.vlaanderen.be/op"
AUDIENCE = "kruispunt"
ADMIN = "configured-admin-token-for-the-oidc-test"


def public_jwk(key, kid: str, alg: str) -> dict:
    algorithm = jwt.algorithms.RSAAlgorithm if alg.startswith("RS") else jwt.algorithms.ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def setup(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "oidc")
    data = parent / "data"
    keys = {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1()),
            "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    jwks = parent / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public_jwk(keys["rsa"], "dv-rsa", "RS256"), public_jwk(keys["ec"], "dv-ec", "ES256")]}))
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_OIDC_ISSUER=ISSUER, KRUISPUNT_OIDC_AUDIENCE=AUDIENCE,
                    KRUISPUNT_OIDC_JWKS=str(jwks), KRUISPUNT_OIDC_CLOCK_SKEW="60",
                    # Many refused tokens from one address in a row: the rate limit (test_30) would slow them.
                    KRUISPUNT_RATE_LIMIT="0")
    cli = cli_runner(kruispunt_binary, data, env)
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    # Every JWT starts with "eyJ" (a JSON header in base64url): none may reach the server's log.
    with serving(kruispunt_binary, data, env, never_logged=("eyJ",)) as base:
        yield base, keys, parent, env


def token(keys, key="rsa", kid="dv-rsa", alg="RS256", **claims) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "jan.peeters@mechelen.be", "iat": now, "exp": now + 600,
               "kruispunt_role": "operator", **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, keys[key], algorithm=alg, headers={"kid": kid})


def get(base, token_text, route="/api/quality"):
    return requests.get(f"{base}{route}", headers={"Authorization": f"Bearer {token_text}"}, timeout=30)


def test_valid_tokens_carry_their_role_and_tenant(setup):
    base, keys, _, _ = setup
    assert get(base, token(keys)).status_code == 200
    assert get(base, token(keys, kruispunt_role="operator"), "/api/access-log").status_code == 403
    assert get(base, token(keys, kruispunt_role="admin"), "/api/access-log").status_code == 200
    analyst = get(base, token(keys, key="ec", kid="dv-ec", alg="ES256", kruispunt_role="analyst", kruispunt_tenant="mechelen"))
    assert analyst.status_code == 200 and analyst.json()["tenant"] == "mechelen"
    # A list of roles is fine when it holds exactly one Kruispunt role.
    assert get(base, token(keys, kruispunt_role=["offline_access", "operator"])).status_code == 200
    # Expired 30 s ago: within the 60 s clock skew.
    assert get(base, token(keys, exp=int(time.time()) - 30)).status_code == 200


def unsigned(keys) -> str:
    header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "kid": "dv-rsa", "typ": "JWT"}).encode()).decode()
    body = jwt.utils.base64url_encode(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": int(time.time()) + 600,
                                                  "kruispunt_role": "admin"}).encode()).decode()
    return f"{header}.{body}."


def hmac_with_public_key(keys) -> str:
    """The classic algorithm confusion: HS256 keyed with the provider's public key."""
    pem = keys["rsa"].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "dv-rsa", "typ": "JWT"}).encode())
    body = jwt.utils.base64url_encode(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": int(time.time()) + 600,
                                                  "kruispunt_role": "admin"}).encode())
    signature = jwt.utils.base64url_encode(hmac.new(pem, header + b"." + body, hashlib.sha256).digest())
    return (header + b"." + body + b"." + signature).decode()


def test_bad_tokens_get_401_with_the_reason(setup):
    base, keys, _, _ = setup
    now = int(time.time())
    cases = {
        "forged (a stranger's key, the provider's kid)": (token(keys, key="stranger"), "Ongeldige JWT"),
        "alg none": (unsigned(keys), "Ongeldige JWT"),
        "HS256 keyed with the public key": (hmac_with_public_key(keys), "Ongeldige JWT"),
        "unknown kid": (token(keys, key="stranger", kid="dv-other"), "Ongeldige JWT"),
        "tampered payload": (None, "Ongeldige JWT"),
        "expired": (token(keys, exp=now - 300), "verlopen"),
        "not yet valid": (token(keys, nbf=now + 600), "nog niet geldig"),
        "issued in the future": (token(keys, iat=now + 600), "nog niet geldig"),
        "another issuer": (token(keys, iss="https://evil.example/op"), "andere uitgever"),
        "another audience": (token(keys, aud="other-app"), "ander publiek"),
        "no expiry": (token(keys, exp=None), "Ongeldige JWT"),
        "no subject": (token(keys, sub=None), "Ongeldige JWT"),
        "no role": (token(keys, kruispunt_role=None), "Kruispunt-rol"),
        "two roles": (token(keys, kruispunt_role=["analyst", "admin"]), "Kruispunt-rol"),
        "unknown role": (token(keys, kruispunt_role="superuser"), "Kruispunt-rol"),
        "analyst without tenant": (token(keys, kruispunt_role="analyst"), "tenant"),
        "analyst of an unknown tenant": (token(keys, kruispunt_role="analyst", kruispunt_tenant="gent"), "tenant"),
    }
    good = token(keys, kruispunt_role="admin").split(".")
    evil = jwt.utils.base64url_encode(json.dumps({**json.loads(jwt.utils.base64url_decode(good[1])), "sub": "mallory"}).encode())
    cases["tampered payload"] = (f"{good[0]}.{evil.decode()}.{good[2]}", "Ongeldige JWT")
    for name, (text, reason) in cases.items():
        response = get(base, text, "/api/access-log")
        assert response.status_code == 401, (name, response.status_code, response.text)
        assert reason in response.text, (name, response.text)
        assert 'error="invalid_token"' in response.headers.get("WWW-Authenticate", ""), name


def test_the_access_log_names_the_subject_never_the_token(setup):
    base, keys, _, _ = setup
    good = token(keys, sub="an.operator@vlaanderen.be")
    assert requests.get(f"{base}/streams/vehicle-counts", params={"oidc-marker": "1"},
                        headers={"Authorization": f"Bearer {good}"}, timeout=30).status_code == 200
    bad = token(keys, key="stranger", sub="mallory")
    assert get(base, bad, "/streams/vehicle-counts").status_code == 401
    time.sleep(1.5)   # the writer appends twice a second
    log = requests.get(f"{base}/api/access-log", params={"format": "csv", "path": "/streams/vehicle-counts"},
                       headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert log.status_code == 200
    assert "operator:oidc:an.operator@vlaanderen.be" in log.text
    assert "invalid-jwt-token:" in log.text and "mallory" not in log.text
    assert good not in log.text and bad not in log.text and "eyJ" not in log.text


def test_bad_configurations_stop_the_start(setup, kruispunt_binary):
    _, keys, parent, env = setup
    private = parent / "private.json"
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys["rsa"]))
    private.write_text(json.dumps({"keys": [{**jwk, "kid": "dv-rsa"}]}))
    for changes, says in [
        ({"KRUISPUNT_OIDC_AUDIENCE": ""}, "KRUISPUNT_OIDC_AUDIENCE"),
        ({"KRUISPUNT_OIDC_JWKS": str(parent / "missing.json")}, "cannot read"),
        ({"KRUISPUNT_OIDC_JWKS": str(private)}, "private key"),
        ({"KRUISPUNT_OIDC_ALGORITHMS": "RS256,HS256"}, "never none or HS"),
        ({"KRUISPUNT_OIDC_JWKS": "http://auth.example/jwks"}, "https"),
    ]:
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(parent / "bad-data"), "serve", "--port", str(free_port())],
                              env={**env, **changes}, capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and says in done.stderr, (changes, done.stderr[-1000:])
