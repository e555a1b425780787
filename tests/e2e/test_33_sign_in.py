"""Issue 10: browser sessions. `/aanmelden` takes a token in a form with a double-submit CSRF token
and opens a session in an HttpOnly, SameSite=Strict cookie (Secure behind TLS); the session's
pages show who is signed in with a sign-out form; every state-changing request of a session needs
its CSRF token; revoking the token ends its sessions; a refused token slows the address down."""

import re
import time

import pytest
import requests

from conftest import clean_env, cli_runner, private_dir, serving

ADMIN = "configured-admin-token-for-the-sign-in-test"


@pytest.fixture(scope="module")
def setup(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "sign-in")
    data = parent / "data"
    env = clean_env(KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_RATE_LIMIT="20")
    cli = cli_runner(kruispunt_binary, data, env)
    operator = cli("token", "create", "--role", "operator").stdout.strip()
    with serving(kruispunt_binary, data, env, never_logged=(operator, ADMIN)) as base:
        yield base, cli, operator


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def sign_in(base: str, token: str, browser: requests.Session | None = None, **extra) -> tuple[requests.Session, requests.Response]:
    browser = browser or requests.Session()
    page = browser.get(f"{base}/aanmelden", params={"volgende": "/quality"}, timeout=30)
    assert page.status_code == 200 and 'action="/aanmelden"' in page.text
    answer = browser.post(f"{base}/aanmelden", data={"csrf": form_token(page.text), "token": token, "volgende": "/quality", **extra},
                          allow_redirects=False, timeout=30)
    return browser, answer


def test_a_token_opens_a_session_in_a_strict_httponly_cookie(setup):
    base, _, operator = setup
    browser, answer = sign_in(base, operator)
    assert answer.status_code == 303 and answer.headers["Location"] == "/quality"
    cookies = answer.headers.get("Set-Cookie", "")
    assert re.search(r"kp_sessie=[A-Za-z0-9_-]{43}; Path=/; Max-Age=\d+; HttpOnly; SameSite=Strict", cookies), cookies
    assert "Secure" not in cookies and operator not in cookies
    page = browser.get(f"{base}/quality", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Aangemeld als operator" in page.text and 'action="/afmelden"' in page.text
    assert browser.get(f"{base}/api/stats", timeout=30).status_code == 200
    # The operator role, not more.
    assert browser.get(f"{base}/api/access-log", timeout=30).status_code == 403


def test_the_sign_in_form_needs_its_csrf_token_and_a_good_token(setup):
    base, _, operator = setup
    browser = requests.Session()
    browser.get(f"{base}/aanmelden", timeout=30)
    forged = browser.post(f"{base}/aanmelden", data={"csrf": "x" * 43, "token": operator}, allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and "kp_sessie" not in forged.headers.get("Set-Cookie", "")
    # Without the cookie (a form posted from another site): refused as well.
    bare = requests.post(f"{base}/aanmelden", data={"csrf": "y" * 43, "token": operator}, allow_redirects=False, timeout=30)
    assert bare.status_code == 403
    _, wrong = sign_in(base, "kp_" + "A" * 43)
    assert wrong.status_code == 401 and "Ongeldig token" in wrong.text and "kp_sessie" not in wrong.headers.get("Set-Cookie", "")
    # Another site as the next page: ignored, the role's own start page instead.
    _, elsewhere = sign_in(base, ADMIN, volgende="//evil.example/")
    assert elsewhere.status_code == 303 and elsewhere.headers["Location"] == "/status"


def test_behind_tls_the_cookies_are_secure(setup):
    base, _, operator = setup
    browser = requests.Session()
    page = browser.get(f"{base}/aanmelden", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert "; Secure" in page.headers["Set-Cookie"]
    # requests keeps Secure cookies from http only in its jar for https: send the value by hand.
    csrf = form_token(page.text)
    answer = requests.post(f"{base}/aanmelden", data={"csrf": csrf, "token": operator}, headers={"X-Forwarded-Proto": "https",
                           "Cookie": f"kp_csrf={csrf}"}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and re.search(r"kp_sessie=[^;]+;.*HttpOnly; SameSite=Strict; Secure", answer.headers["Set-Cookie"])


def test_changes_need_the_sessions_csrf_token_and_signing_out_ends_it(setup):
    base, _, operator = setup
    browser, _ = sign_in(base, operator)
    page = browser.get(f"{base}/stats", headers={"Accept": "text/html"}, timeout=30)
    csrf = form_token(page.text)
    # A state-changing request without the token (what a forged cross-site form would send).
    assert browser.post(f"{base}/afmelden", allow_redirects=False, timeout=30).status_code == 403
    assert browser.post(f"{base}/api/incidents/1/notes", json={"text": "x"}, timeout=30).status_code == 403
    assert browser.get(f"{base}/api/stats", timeout=30).status_code == 200
    out = browser.post(f"{base}/afmelden", data={"csrf": csrf}, allow_redirects=False, timeout=30)
    assert out.status_code == 303 and "kp_sessie=; Path=/; Max-Age=0" in out.headers["Set-Cookie"]
    assert browser.get(f"{base}/api/stats", timeout=30).status_code == 401


def test_signing_in_again_switches_the_session(setup):
    """Signed in as operator, the browser signs in as administrator: the form carries the
    session's CSRF token, the new session replaces the old one, which no longer counts."""
    base, _, operator = setup
    browser, _ = sign_in(base, operator)
    old = browser.cookies.get("kp_sessie")
    page = browser.get(f"{base}/aanmelden", timeout=30)
    assert page.status_code == 200 and "kp_csrf" not in page.headers.get("Set-Cookie", "")
    assert "hoogstens 8 uur" in page.text and "at most 8 hours" in page.text
    # Without the session's token: refused, and the session stays what it was.
    forged = browser.post(f"{base}/aanmelden", data={"csrf": "z" * 43, "token": ADMIN}, allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and browser.get(f"{base}/api/access-log", timeout=30).status_code == 403
    switched = browser.post(f"{base}/aanmelden", data={"csrf": form_token(page.text), "token": ADMIN}, allow_redirects=False, timeout=30)
    assert switched.status_code == 303 and switched.headers["Location"] == "/status", switched.text[:500]
    assert browser.cookies.get("kp_sessie") not in (None, old)
    assert browser.get(f"{base}/api/access-log", timeout=30).status_code == 200
    stale = requests.get(f"{base}/api/stats", cookies={"kp_sessie": old}, timeout=30)
    assert stale.status_code == 401, "the replaced session ended"


def test_revoking_the_token_ends_its_sessions(setup):
    base, cli, _ = setup
    token = cli("token", "create", "--role", "operator", "--label", "to revoke").stdout.strip()
    browser, answer = sign_in(base, token)
    assert answer.status_code == 303 and browser.get(f"{base}/api/stats", timeout=30).status_code == 200
    token_id = next(line.split(",")[0] for line in cli("token", "list").stdout.splitlines() if "to revoke" in line)
    cli("token", "revoke", token_id)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and browser.get(f"{base}/api/stats", timeout=30).status_code == 200:
        time.sleep(0.5)
    assert browser.get(f"{base}/api/stats", timeout=30).status_code == 401


def test_guessing_tokens_at_the_form_slows_down(setup):
    """Each refused token costs the address a quarter of its bucket (burst 40 at 20 a second)."""
    base, _, _ = setup
    browser = requests.Session()
    csrf = form_token(browser.get(f"{base}/aanmelden", timeout=30).text)
    codes = [browser.post(f"{base}/aanmelden", data={"csrf": csrf, "token": f"kp_guess{i:039d}"}, allow_redirects=False,
                          timeout=30).status_code for i in range(10)]
    assert codes[0] == 401 and 429 in codes, codes
