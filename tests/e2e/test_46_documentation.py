"""Documentation checked against the running system (issue 12).

- The OpenAPI 3.1 description (`API/openapi.json`) is served at `/openapi.json` and is valid
  (openapi-spec-validator); the server compares it with its router at start-up, and the test
  reads that verdict from the log: no undocumented route, no documented route without one.
- `/api` renders every documented operation as HTML.
- schemathesis (an independent client) runs against `/openapi.json` on the live server, as
  anonymous and as administrator: no 5xx, every status code, media type, header and body as
  documented, and an operation that declares authentication refuses a request without it.
  `SCHEMATHESIS_EXAMPLES` bounds the examples per operation (3 here; `make fuzz` uses 100 and
  every phase).
- The generated parts of docs/ are up to date (`scripts/docs.py --check`: the module table of
  docs/architecture.md from Package.swift and the sources, the configuration reference of
  docs/operator-guide.md from `kruispunt config reference`), and every `KRUISPUNT_*` variable the
  sources read is in that reference.
- `kruispunt privacy report` describes this installation (threshold, key rotation, retention,
  tenants and their purposes, fields the controller fills in), holds no pseudonym, secret or
  token, and its checks pass; a small count planted in the published state makes it fail (exit 3)
  and name the observation.
- The analysts' guides (`docs/handleiding-analisten.md`, `docs/analyst-guide.md`) quote every
  observable property's label and definition from the ontology verbatim, in their language, and
  include every example query of `docs/examples/sparql/`; each example runs on the live server's
  `/sparql` and answers as its `# expect:` and `# columns:` lines say.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, Namespace, RDF, RDFS

from conftest import cli_runner, clean_env, free_port, generated_network, private_dir, psql_rows, wait_ready

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples" / "sparql").glob("*.rq"))
ADMIN = "documentation-admin-token-0123456789ab"
INGEST = "documentation-ingest-token-0123456789a"
SOSA = Namespace("http://www.w3.org/ns/sosa/")
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def world(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "documentation")
    data, port = parent / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET="documentation-secret-0123456789abcdef", KRUISPUNT_BASE_URL=base,
                    KRUISPUNT_ADMIN_TOKENS=ADMIN, KRUISPUNT_INGEST_TOKENS=INGEST, KRUISPUNT_RATE_LIMIT="0")
    cli = cli_runner(kruispunt_binary, data, env)
    generated_network(cli, parent, "--cities", "Mechelen", "--cameras", "12", "--vehicles", "3000", "--days", "2",
                      "--start", "2026-10-24", "--seed", "46")
    cli("treat")
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    cli("purpose", "grant", "--tenant", "mechelen", "--purpose", "lez-monitoring", "--metrics", "euro-class", "--until", "2099-12-31")
    log = parent / "serve.log"
    process = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env, start_new_session=True)
    try:
        wait_ready(base, process)
        yield base, log, cli, data
    finally:
        process.terminate()
        process.wait(timeout=60)


def document(base: str) -> dict:
    response = requests.get(f"{base}/openapi.json", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    return response.json()


def operations(doc: dict) -> list[tuple[str, str]]:
    return sorted((method, path) for path, item in doc["paths"].items()
                  for method in ("get", "head", "post", "put", "patch", "delete") if method in item)


def test_the_openapi_description_is_valid_and_matches_the_router(world):
    base, log, _, _ = world
    doc = document(base)
    from openapi_spec_validator import validate
    validate(doc)
    assert doc["openapi"].startswith("3.1.")
    assert doc["servers"][0]["url"] == base
    text = log.read_text()
    assert "the OpenAPI description does not match the router" not in text, text[-3000:]
    matched = re.search(r"routes=(\d+) .*the OpenAPI description matches the router", text)
    assert matched and int(matched.group(1)) == len(operations(doc)), text[-3000:]
    # The router's own view (Hummingbird's route table) is what the server compared; the
    # operations the issue names are among them.
    paths = set(doc["paths"])
    for path in ["/api/ingest", "/api/quarantine", "/status", "/health/ready", "/health/live", "/api/stats",
                 "/api/access-log", "/api/quality", "/timeseries/{camera}/{metric}", "/dumps/{file}", "/openapi.json",
                 "/api", "/sparql", "/streams/{name}", "/fragments", "/catalog"]:
        assert path in paths, path
    # Every operation is described, and RDF endpoints link to their specification.
    for method, path in operations(doc):
        operation = doc["paths"][path][method]
        assert operation.get("summary") and operation.get("responses"), (method, path)
    for path in ["/sparql", "/streams/{name}", "/fragments", "/catalog"]:
        operation = doc["paths"][path]["get"]
        tags = {t["name"]: t for t in doc.get("tags", [])}
        linked = operation.get("externalDocs") or any(tags.get(t, {}).get("externalDocs") for t in operation.get("tags", []))
        assert linked, path
    # An unchanged document answers 304.
    first = requests.get(f"{base}/openapi.json", timeout=30)
    again = requests.get(f"{base}/openapi.json", headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_the_api_reference_page_shows_every_operation(world):
    base, _, _, _ = world
    doc = document(base)
    page = requests.get(f"{base}/api", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="nl">' in page.text and "API-referentie" in page.text
    for method, path in operations(doc):
        assert f'<code class="method">{method}</code> <code>{path}</code>' in page.text, (method, path)


def schemathesis(base: str, phases: str, *options: str) -> subprocess.CompletedProcess:
    """schemathesis against the live server. `/live` (a Server-Sent Events stream that never ends)
    is left out; SCHEMATHESIS_EXAMPLES and SCHEMATHESIS_PHASES (set by `make fuzz`) widen the run."""
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES", "3")
    phases = os.environ.get("SCHEMATHESIS_PHASES", phases)
    return subprocess.run([str(VENV_BIN / "schemathesis"), "run", f"{base}/openapi.json", "--workers", "2",
                           "--max-examples", examples, "--phases", phases, "--seed", "46", "--exclude-path", "/live",
                           "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                                       "response_headers_conformance,response_schema_conformance",
                           "--request-timeout", "60", "--no-color", *options],
                          capture_output=True, text=True, timeout=3600,
                          env=os.environ | {"SCHEMATHESIS_TELEMETRY": "false",
                                            "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("schemathesis_hooks.py"))})


def test_schemathesis_finds_nothing_anonymously(world):
    base, _, _, _ = world
    done = schemathesis(base, "examples,fuzzing")
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]


def test_schemathesis_finds_nothing_as_administrator_and_authentication_is_required(world):
    base, _, _, _ = world
    done = schemathesis(base, "examples,coverage,fuzzing", "--header", f"Authorization: Bearer {ADMIN}", "--checks", "ignored_auth")
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]


def test_the_generated_documentation_is_up_to_date(kruispunt_binary):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--check", "--binary", str(kruispunt_binary)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_setting_the_sources_read_is_in_the_reference(kruispunt_binary):
    done = subprocess.run([str(kruispunt_binary), "config", "reference", "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    reference = json.loads(done.stdout)
    documented = {v for option in reference for v in option["variables"]}
    assert all(option["meaning"] and option["defaultValue"] is not None for option in reference)
    files = [p.read_text() for p in (ROOT / "Sources").rglob("*.swift") if p.name != "ConfigurationReference.swift"]
    read = {v for v in re.findall(r'"(KRUISPUNT_[A-Z0-9_]+)"', "\n".join(files)) if not v.endswith("_")}
    # Names built from a prefix (the OpenID Connect settings): `value("NAME")` in the file that
    # reads `"PREFIX_" + name`.
    for text in files:
        for prefix in re.findall(r'"(KRUISPUNT_[A-Z0-9_]+_)" \+ name', text):
            read |= {prefix + name for name in re.findall(r'value\("([A-Z0-9_]+)"\)', text)}
    assert len(read) >= 40
    assert not read - documented, f"read by the sources, missing from Configuration.reference: {sorted(read - documented)}"
    assert not documented - read, f"in Configuration.reference, read by no source: {sorted(documented - read)}"


def test_a_numeric_setting_never_falls_back_silently(kruispunt_binary, tmp_path):
    """Every setting whose default is a number refuses a value it cannot read, by name, before
    anything starts (no data folder is made), instead of quietly using its default."""
    done = subprocess.run([str(kruispunt_binary), "config", "reference", "--json"], capture_output=True, text=True, timeout=60)
    numeric = [option["variables"][0] for option in json.loads(done.stdout)
               if re.fullmatch(r"`?[0-9][0-9_.]*`?", option["defaultValue"]) and len(option["variables"]) == 1]
    assert len(numeric) >= 20, numeric
    for variable in numeric:
        for bad in ("veel", "-5", "1e999"):
            data = tmp_path / f"{variable}-{bad}"
            refused = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), "accesslog", "list"], capture_output=True,
                                     text=True, env=clean_env(**{variable: bad}), timeout=60)
            assert refused.returncode != 0, f"{variable}={bad} was accepted"
            assert variable in refused.stderr or variable.removeprefix("KRUISPUNT_").lower().replace("_", "-") in refused.stderr, \
                (variable, bad, refused.stderr[-500:])
            assert not data.exists(), f"{variable}={bad}: something started before the setting was refused"
    port = subprocess.run([str(kruispunt_binary), "--data-dir", str(tmp_path / "port"), "serve"], capture_output=True, text=True,
                          env=clean_env(KRUISPUNT_PORT="achtduizend"), timeout=60)
    assert port.returncode != 0 and "KRUISPUNT_PORT" in port.stderr and not (tmp_path / "port").exists()


def ontology_properties() -> list[tuple[str, dict[str, str], dict[str, str]]]:
    graph = Graph().parse(ROOT / "Ontology" / "kruispunt.ttl")
    found = []
    for prop in graph.subjects(RDF.type, SOSA.ObservableProperty):
        labels = {o.language: str(o) for o in graph.objects(prop, RDFS.label) if isinstance(o, Literal)}
        comments = {o.language: str(o) for o in graph.objects(prop, RDFS.comment) if isinstance(o, Literal)}
        found.append((str(prop), labels, comments))
    assert len(found) >= 10
    return sorted(found)


@pytest.mark.parametrize("guide,language", [("handleiding-analisten.md", "nl"), ("analyst-guide.md", "en")])
def test_the_guides_quote_every_metric_definition_and_example(guide, language):
    text = (DOCS / guide).read_text()
    for prop, labels, comments in ontology_properties():
        local = prop.rsplit("#", 1)[-1]
        assert f"kp:{local}" in text, (guide, prop)
        assert labels[language] in text, (guide, prop, labels[language])
        assert comments[language] in text, (guide, prop, comments[language])
    assert EXAMPLES, "no example queries"
    for example in EXAMPLES:
        assert example.read_text().strip() in text, (guide, example.name)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_query_answers_on_the_live_server(world, example):
    base, _, _, _ = world
    text = example.read_text()
    header = dict(re.findall(r"^# (nl|en|expect|columns): (.*)$", text, re.M))
    assert header.get("nl") and header.get("en") and header.get("expect"), example.name
    response = requests.post(f"{base}/sparql", data={"query": text},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text[:2000]
    results = response.json()
    expect = header["expect"].strip()
    if expect == "boolean":
        assert "boolean" in results
        return
    columns = [c.strip() for c in header.get("columns", "").split(",") if c.strip()]
    assert results["head"]["vars"] == columns, (results["head"]["vars"], columns)
    rows = results["results"]["bindings"]
    minimum = int(re.fullmatch(r"rows>=(\d+)", expect).group(1))
    assert len(rows) >= minimum, f"{example.name}: {len(rows)} rows"


def test_the_query_page_offers_the_guides_examples_and_each_one_answers(world):
    """The /sparql page for people lists the guides' examples (the same files, so the same tests
    hold for them), and each of its links answers with a table of results."""
    import html
    base, _, _, _ = world
    page = requests.get(f"{base}/sparql", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200
    titles = {dict(re.findall(r"^# (nl|en): (.*)$", p.read_text(), re.M))["nl"] for p in EXAMPLES}
    listed = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', page.text)
    assert {html.unescape(title) for _, title in listed} == titles
    assert "# expect:" not in html.unescape(page.text)
    for link, title in listed:
        answer = requests.get(html.unescape(link), headers={"Accept": "text/html"}, timeout=60)
        assert answer.status_code == 200 and "<table" in answer.text and "<td" in answer.text, (title, answer.text[:1000])


def test_the_privacy_dossier_describes_this_installation_and_its_checks(world, tmp_path):
    base, _, cli, data = world
    done = cli("privacy", "report")
    text = done.stdout
    for expected in ["# Privacydossier Kruispunt", "k = 10", "per kalenderdag", "72 uur", "Stad Mechelen", "lez-monitoring",
                     "`euro-class`", "[in te vullen door de verwerkingsverantwoordelijke]", "```text"]:
        assert expected in text, expected
    assert text.count("| geslaagd |") == 5 and "GEFAALD" not in text, text[-3000:]
    pseudonyms = [r[0] for r in psql_rows(data, "SELECT DISTINCT encode(pseudonym, 'hex') FROM detections LIMIT 5000")]
    assert len(pseudonyms) > 100
    for secret in pseudonyms + [ADMIN, INGEST, "documentation-secret-0123456789abcdef"]:
        assert secret not in text

    page = tmp_path / "dossier.html"
    cli("privacy", "report", "--format", "html", "--output", str(page))
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="nl">' in html and html.count("<table") >= 5
    from html.parser import HTMLParser
    HTMLParser().feed(html)

    # A count below the threshold planted in the published state: the check fails and names it.
    key, state = psql_rows(data, "SELECT key, state FROM published_cells WHERE key LIKE 'vehicle-count/camera/%/hour/%' "
                                 "AND state LIKE '=%' ORDER BY key LIMIT 1")[0]
    try:
        psql_rows(data, f"UPDATE published_cells SET state = '=3' WHERE key = '{key}'")
        failed = cli("privacy", "report", check=False)
        assert failed.returncode == 3, failed.stderr[-2000:]
        assert "GEFAALD" in failed.stdout and key in failed.stdout
    finally:
        psql_rows(data, f"UPDATE published_cells SET state = '{state}' WHERE key = '{key}'")


def test_the_guides_python_harvester_harvests_the_stream(world, monkeypatch):
    """The rdflib loop of the guides (section 7.4), pointed at this server, for one round."""
    base, _, _, _ = world
    blocks = [re.search(r"```python\n(.*?)```", (DOCS / guide).read_text(), re.S).group(1)
              for guide in ("analyst-guide.md", "handleiding-analisten.md")]
    assert blocks[0] == blocks[1]
    code = blocks[0].replace('"http://localhost:8080/streams/vehicle-counts"', f'"{base}/streams/vehicle-counts"')
    assert base in code

    class OneRound(Exception):
        pass

    def stop(_seconds):
        raise OneRound

    import time
    monkeypatch.setattr(time, "sleep", stop)
    names: dict = {}
    with pytest.raises(OneRound):
        exec(compile(code, "the guide's harvester", "exec"), names)
    observations = requests.post(f"{base}/sparql", data={"query": """
        PREFIX dct: <http://purl.org/dc/terms/> PREFIX sosa: <http://www.w3.org/ns/sosa/>
        PREFIX cot: <https://w3id.org/cityofthings#>
        SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?m dct:isVersionOf ?o ; sosa:observedProperty cot:passedByVehiclesCount }
        """}, headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    expected = int(observations["results"]["bindings"][0]["n"]["value"])
    assert expected > 100
    assert len(names["latest"]) == expected and len(names["members"]) >= expected
