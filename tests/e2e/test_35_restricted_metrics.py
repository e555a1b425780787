"""Issue 10: the restricted (scenario-2) metrics. With a vehicle-registry extract loaded and LEZ rules
set, the treatment publishes nationality, vehicle category, vehicle age, Euro class, heavy through
traffic and LEZ compliance into restricted streams of their own (never the open quad store); the
values are checked here against counts made independently from the generated CSV and extract, and
no published mix lets anyone subtract a small count from an open total. Only an analyst whose
tenant holds a purpose for the metric reads them, and only for its own cameras and zones; every
other identity gets 401 or 403, and no open read path shows a restricted IRI or property. Recurring
vehicles are refused under daily key rotation and computed under weekly rotation."""

import collections
import csv
import io
import json
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import Graph, Namespace, URIRef

from conftest import UTC, clean_env, cli_runner, generated_network, hour_begin, local_day, parse_xsd_datetime, private_dir, psql_rows as psql, serving

KP = Namespace("https://w3id.org/kruispunt#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
TREE = Namespace("https://w3id.org/tree#")
TIME = Namespace("http://www.w3.org/2006/time#")
K = 10
SECRET = "restricted-metrics-test-secret-0123456789abcdef"
RESTRICTED_PROPERTIES = ["nationalityCount", "vehicleCategoryCount", "vehicleAgeCount", "euroClassCount",
                         "heavyTransitVehiclesCount", "recurringVehiclesCount", "lezComplianceShare"]
LEZ = ("zone_id,fuel,minimum_euro,valid_from\n"
       "mechelen-centrum,diesel,5,2026-01-01\n"
       "mechelen-centrum,petrol,3,2026-01-01\n"
       "mechelen-centrum,lpg,,2026-10-25\n"
       "kortrijk-centrum,diesel,6,2026-01-01\n")




@pytest.fixture(scope="module")
def world(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "restricted")
    data = parent / "data"
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET)
    cli = cli_runner(kruispunt_binary, data, env)
    generated_network(cli, parent, "--cities", "Mechelen,Kortrijk", "--cameras", "20", "--vehicles", "3000", "--days", "2", "--start", "2026-10-24",
                      "--seed", "7")
    plain = json.loads(cli("treat", "--json").stdout)
    assert plain["restricted_observations"] == 0, "without an extract there is no scenario-2 data"
    cli("enrich", "import", str(parent / "extract.csv"))
    (parent / "lez.csv").write_text(LEZ)
    assert cli("zones", "lez-rules", str(parent / "lez.csv")).stdout.strip() == "4 LEZ rules for 2 zones"
    summary = json.loads(cli("treat", "--json").stdout)
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    cli("tenant", "create", "kortrijk", "--name", "Stad Kortrijk", "--municipality", "Kortrijk")
    cli("purpose", "grant", "--tenant", "mechelen", "--purpose", "lez-monitoring", "--metrics", "euro-class,lez-compliance",
        "--until", "2099-12-31")
    cli("purpose", "grant", "--tenant", "kortrijk", "--purpose", "mobility-plan", "--until", "2099-12-31",
        "--metrics", "nationality,vehicle-category,vehicle-age,euro-class,heavy-through-traffic,lez-compliance")
    tokens = {
        "mechelen": cli("token", "create", "--role", "analyst", "--tenant", "mechelen").stdout.strip(),
        "kortrijk": cli("token", "create", "--role", "analyst", "--tenant", "kortrijk").stdout.strip(),
        "operator": cli("token", "create", "--role", "operator").stdout.strip(),
        "admin": cli("token", "create", "--role", "admin").stdout.strip(),
        "ingest": cli("token", "create", "--role", "ingest").stdout.strip(),
        "revoked": cli("token", "create", "--role", "analyst", "--tenant", "kortrijk", "--label", "to-revoke").stdout.strip(),
    }
    token_id = next(line for line in cli("token", "list").stdout.splitlines() if ",to-revoke," in line).split(",")[0]
    cli("token", "revoke", token_id)
    with serving(kruispunt_binary, data, env, never_logged=tuple(tokens.values())) as base:
        yield dict(parent=parent, data=data, cli=cli, base=base, tokens=tokens, summary=summary)


def get(base, path, token=None, accept="application/n-triples", **params):
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(base + path, headers=headers, params=params, timeout=60)


def harvest(world, stream, token, pages=None) -> Graph:
    """Every member of a restricted stream a token may see, following the pages' relations (each
    page's text appended to `pages` as served)."""
    graph, url, seen = Graph(), world["base"] + f"/streams/{stream}/pages", set()
    while url and url not in seen:
        seen.add(url)
        r = requests.get(url, headers={"Accept": "application/n-triples", "Authorization": f"Bearer {token}"}, timeout=60)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        assert r.headers["Cache-Control"] == "private, no-store" and "Access-Control-Allow-Origin" not in r.headers
        page = Graph().parse(data=r.text, format="nt")
        graph += page
        if pages is not None:
            pages.append(r.text)
        nxt = [o for s, o in page.subject_objects(TREE.node)]
        url = world["base"] + urlsplit(str(nxt[0])).path if nxt else None
    return graph


def observations(graph: Graph, prop: str):
    """(feature id, begin, qualifier triples, value) of each published observation of a property."""
    out = []
    for obs in graph.subjects(SOSA.observedProperty, KP[prop]):
        value = graph.value(obs, SOSA.hasSimpleResult)
        feature = str(graph.value(obs, SOSA.hasFeatureOfInterest)).rsplit("/", 1)[-1]
        begin = str(graph.value(graph.value(graph.value(obs, SOSA.phenomenonTime), TIME.hasBeginning), TIME.inXSDDateTimeStamp))
        period = str(graph.value(obs, URIRef("https://w3id.org/cityofthings#hasAggregationPeriod"))).rsplit("#", 1)[-1]
        out.append(dict(obs=str(obs), feature=feature, begin=begin, hour=parse_xsd_datetime(begin).astimezone(UTC), period=period, value=value.toPython() if value is not None else None,
                        euro=graph.value(obs, KP.euroClass), age=graph.value(obs, KP.vehicleAgeBin),
                        nationality=graph.value(obs, KP.nationality)))
    return out


@pytest.fixture(scope="module")
def truth(world):
    """Counts made from the generated CSV and extract, without Kruispunt."""
    parent = world["parent"]
    extract = {r["plate_hash"]: r for r in csv.DictReader(io.StringIO((parent / "extract.csv").read_text()))}
    detections = list(csv.DictReader(io.StringIO((parent / "d.csv").read_text())))
    for d in detections:   # timestamps come with an offset or in UTC: the local day and (UTC) hour
        instant = parse_xsd_datetime(d["timestamp"])
        d["day"], d["hour"] = local_day(instant).isoformat(), hour_begin(instant)
    zones = collections.defaultdict(dict)
    for r in csv.DictReader(io.StringIO((parent / "zones.csv").read_text())):
        zones[r["zone_id"]][r["camera_id"]] = r["role"]
    return extract, detections, zones


def euro_of(record):
    if record is None:
        return "unknown"
    if record["euro_class"]:
        return record["euro_class"].lower().replace("euro", "").strip()
    return "zero-emission" if record["fuel"] in ("electric", "hydrogen") else "unknown"


def test_the_treatment_says_what_it_published_and_what_it_refused(world):
    s = world["summary"]
    assert s["restricted_observations"] > 200
    assert any(line.startswith("recurring-vehicles:") and "--key-rotation week" in line for line in s["not_computed"])
    # Nothing restricted is in the open quad store or its observation index.
    data = world["data"]
    restricted_terms = "SELECT id FROM terms WHERE lex LIKE '%/id/restricted/%' OR lex LIKE '%euroClassCount%'"
    assert psql(data, f"SELECT count(*) FROM quads WHERE g IN ({restricted_terms}) OR s IN ({restricted_terms}) "
                      f"OR p IN ({restricted_terms}) OR o IN ({restricted_terms})")[0][0] == "0"
    assert psql(data, f"SELECT count(*) FROM observation_rows WHERE s IN ({restricted_terms})")[0][0] == "0"
    metrics = dict(psql(data, "SELECT metric, count(*) FROM restricted_members GROUP BY 1"))
    # Each member is also dictionary-encoded (for SPARQL), its triples those of its N-Triples body.
    encoded = psql(data, """SELECT count(*) FILTER (WHERE NOT encoded), sum(array_length(string_to_array(trim(trailing E'\n' FROM body), E'\n'), 1)),
                                   (SELECT count(*) FROM restricted_quads) FROM restricted_members""")[0]
    assert encoded[0] == "0" and encoded[1] == encoded[2], encoded
    assert set(metrics) == {"nationality", "vehicle-category", "vehicle-age", "euro-class", "heavy-through-traffic", "lez-compliance"}


def test_euro_class_and_age_match_an_independent_count_and_hide_small_ones(world, truth):
    extract, detections, _ = truth
    expected_euro, expected_age, totals = collections.Counter(), collections.Counter(), collections.Counter()
    for d in detections:
        day, record = d["day"], extract.get(d["plate_hash"])
        expected_euro[(d["camera_id"], day, euro_of(record))] += 1
        if record and record["first_registration"]:
            age = 2026 - int(record["first_registration"][:4])
            age_bin = "0-2" if age < 3 else "3-5" if age <= 5 else "6-9" if age <= 9 else "10-14" if age <= 14 else "15+"
        else:
            age_bin = "unknown"
        expected_age[(d["camera_id"], day, age_bin)] += 1
        totals[(d["camera_id"], day)] += 1
    graph = harvest(world, "euro-classes", world["tokens"]["kortrijk"]) + harvest(world, "euro-classes", world["tokens"]["mechelen"])
    published = {(o["feature"], o["begin"][:10], str(o["euro"])): o["value"] for o in observations(graph, "euroClassCount")}
    assert len(published) > 40
    assert all(o["period"] == "Daily" for o in observations(graph, "euroClassCount")), "Euro classes per day only"
    for key, value in published.items():
        assert value == expected_euro[key] and value >= K, (key, value, expected_euro[key])
    for key, n in expected_euro.items():
        if 0 < n < K:
            assert key not in published, key
    # No mix of a camera-day lets a reader subtract a small count from the open vehicle count.
    for (camera, day), total in totals.items():
        shown = {e: v for (c, d, e), v in published.items() if (c, d) == (camera, day)}
        hidden = [e for (c, d, e), n in expected_euro.items() if (c, d) == (camera, day) and n > 0 and e not in shown]
        rest = total - sum(shown.values())
        assert rest == 0 or (rest >= K and len(hidden) >= 2), (camera, day, rest, hidden)

    ages = harvest(world, "vehicle-ages", world["tokens"]["kortrijk"])
    shown_ages = {(o["feature"], o["begin"][:10], str(o["age"])): o["value"] for o in observations(ages, "vehicleAgeCount")}
    assert shown_ages and all(k[0].startswith("34022") for k in shown_ages), "Kortrijk sees its own cameras only"
    for key, value in shown_ages.items():
        assert value == expected_age[key] and value >= K, (key, value)


def test_nationality_hours_add_up_without_revealing_a_small_hour(world, truth):
    _, detections, zones = truth
    graph = harvest(world, "nationalities", world["tokens"]["kortrijk"])
    obs = observations(graph, "nationalityCount")
    hourly = collections.defaultdict(dict)
    daily = {}
    for o in obs:
        assert o["value"] >= K
        if o["period"] == "Hourly":
            hourly[(o["feature"], o["begin"][:10], str(o["nationality"]))][o["hour"]] = o["value"]
        else:
            daily[(o["feature"], o["begin"][:10], str(o["nationality"]))] = o["value"]
    assert daily and hourly
    per_hour = collections.Counter((d["camera_id"], d["hour"]) for d in detections if d["camera_id"].startswith("34022"))
    for key, total in daily.items():
        rest = total - sum(hourly.get(key, {}).values())
        assert rest == 0 or rest >= K, (key, rest)
    # Every hourly mix is a part of the camera-hour's count: what is hidden adds up to 0 or at least k.
    by_hour = collections.defaultdict(int)
    for (camera, _, _), hours in hourly.items():
        if not camera.startswith("34022"):
            continue   # zones below
        for hour, v in hours.items():
            by_hour[(camera, hour)] += v
    for key, shown in by_hour.items():
        rest = per_hour[key] - shown
        assert rest == 0 or rest >= K, (key, rest)
    # A zone's mix is over the passages at its entry cameras: what it hides adds up to 0 or at least k.
    entries = {c for c, role in zones["kortrijk-centrum"].items() if role == "entry"}
    entering = collections.Counter(d["hour"] for d in detections if d["camera_id"] in entries)
    zone_hours = collections.defaultdict(int)
    for o in obs:
        if o["feature"] == "kortrijk-centrum" and o["period"] == "Hourly":
            zone_hours[o["hour"]] += o["value"]
    assert zone_hours, "the zone's nationality mix is published"
    for hour, shown in zone_hours.items():
        rest = entering[hour] - shown
        assert rest == 0 or rest >= K, (hour, rest)


def test_lez_compliance_follows_the_rules_of_its_day(world, truth):
    extract, detections, zones = truth
    rules = {"mechelen-centrum": {"diesel": "5", "petrol": "3"}, "kortrijk-centrum": {"diesel": "6"}}
    order = ["0", "1", "2", "3", "4", "5", "6", "6d"]
    tallies = collections.defaultdict(lambda: [set(), set()])
    for d in detections:
        record = extract.get(d["plate_hash"])
        for zone, cams in zones.items():
            if cams.get(d["camera_id"]) != "entry" or record is None:
                continue
            fuel, euro = record["fuel"], record["euro_class"]
            day = d["day"]
            rule = dict(rules[zone])
            if zone == "mechelen-centrum" and day >= "2026-10-25":
                rule["lpg"] = None
            if fuel not in rule:
                ok = True
            elif rule[fuel] is None:
                ok = False
            elif fuel in ("electric", "hydrogen"):
                ok = True
            else:
                ok = euro in order and order.index(euro) >= order.index(rule[fuel])
            tallies[(zone, d["hour"])][0 if ok else 1].add(d["plate_hash"])
    graph = harvest(world, "lez-compliance", world["tokens"]["mechelen"]) + harvest(world, "lez-compliance", world["tokens"]["kortrijk"])
    obs = observations(graph, "lezComplianceShare")
    assert {o["feature"] for o in obs} == {"mechelen-centrum", "kortrijk-centrum"}
    shown = {(o["feature"], o["hour"]): o["value"] for o in obs}
    for key, (allowed, refused) in tallies.items():
        a, r = len(allowed), len(refused)
        safe = a + r >= K and (r == 0 or r >= K) and (a == 0 or a >= K)
        if safe:
            assert key in shown and abs(float(shown[key]) - a / (a + r)) < 0.0006, (key, shown.get(key), a, r)
        else:
            assert key not in shown, (key, a, r)


def test_each_tenant_sees_only_its_own_cameras_and_zones(world):
    for tenant, prefix, zone in [("mechelen", "12025", "mechelen-centrum"), ("kortrijk", "34022", "kortrijk-centrum")]:
        graph = harvest(world, "euro-classes", world["tokens"][tenant])
        features = {str(o).rsplit("/", 2)[-2:][1] for o in graph.objects(None, SOSA.hasFeatureOfInterest)}
        assert features and all(f.startswith(prefix) for f in features), (tenant, features)
        text = graph.serialize(format="nt")
        other = "34022" if prefix == "12025" else "12025"
        assert f"/camera/{other}" not in text
        lez = harvest(world, "lez-compliance", world["tokens"][tenant])
        assert {str(o).rsplit("/", 1)[-1] for o in lez.objects(None, SOSA.hasFeatureOfInterest)} == {zone}


def test_who_gets_what(world):
    base, t = world["base"], world["tokens"]
    mech_member = next(iter(harvest(world, "euro-classes", t["mechelen"]).subjects(SOSA.observedProperty, KP.euroClassCount)))
    path = urlsplit(str(mech_member)).path
    stable = path.rsplit("/v", 1)[0]
    cases = [
        # (identity, path, status)
        (None, "/streams/euro-classes", 401), (None, "/streams/euro-classes/pages", 401), (None, path, 401),
        (t["revoked"], "/streams/euro-classes/pages", 401), ("kp_" + "x" * 43, "/streams/euro-classes", 401),
        (t["operator"], "/streams/euro-classes/pages", 403), (t["admin"], "/streams/euro-classes/pages", 403),
        (t["ingest"], "/streams/euro-classes/pages", 403), (t["operator"], path, 403),
        (t["mechelen"], "/streams/nationalities/pages", 403), (t["mechelen"], "/streams/vehicle-ages", 403),
        (t["mechelen"], "/streams/euro-classes", 200), (t["mechelen"], path, 200), (t["mechelen"], stable, 200),
        (t["kortrijk"], path, 403), (t["kortrijk"], stable, 403),
        (t["kortrijk"], "/streams/recurring-vehicles/pages", 403),
        (t["mechelen"], "/streams/euro-classes/pages/999999999", 404),
        (t["mechelen"], "/id/restricted/no-such-metric/camera/1202501/day/2026-10-24", 404),
    ]
    for token, p, status in cases:
        r = get(base, p, token)
        assert r.status_code == status, (token and token[:8], p, r.status_code, r.text[:200])
        if status != 200:
            assert "/id/restricted/" not in r.text and "euroClassCount" not in r.text
    described = Graph().parse(data=get(base, stable, t["mechelen"]).text, format="nt")
    assert (mech_member, SOSA.observedProperty, KP.euroClassCount) in described
    root = Graph().parse(data=get(base, "/streams/euro-classes", t["mechelen"]).text, format="nt")
    assert [urlsplit(str(v)).path for v in root.objects(None, TREE.view)] == ["/streams/euro-classes/pages"]


def test_no_open_path_shows_restricted_data(world):
    base, t = world["base"], world["tokens"]
    sparql = base + "/sparql"
    urls = ["/streams/vehicle-counts", "/streams/vehicle-counts/latest", "/streams/zone-traffic/latest", "/catalog", "/void",
            "/fragments", "/fragments?predicate=" + requests.utils.quote("http://www.w3.org/ns/sosa/observedProperty"),
            "/timeseries", "/dumps/vehicle-counts.nq.gz", "/", "/ontology"]
    for token in [None, t["mechelen"], t["kortrijk"], t["operator"], t["admin"]]:
        open_sparql = token not in (t["mechelen"], t["kortrijk"])   # analysts query their own restricted graphs (below)
        for u in urls:
            r = get(base, u, token, accept="application/n-quads, text/html;q=0.5")
            assert r.status_code in (200, 302, 404), (u, r.status_code)
            body = r.content
            if u.endswith(".gz"):
                import gzip
                body = gzip.decompress(body) if r.status_code == 200 else b""
            text = body.decode("utf-8", "replace")
            assert "/id/restricted/" not in text, u
            if u != "/ontology":   # the vocabulary defines the restricted properties; no data names them
                assert not any(p in text for p in RESTRICTED_PROPERTIES), u
        everything = requests.post(sparql, data={"query": "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"},
                                   headers={"Accept": "application/sparql-results+json",
                                            **({"Authorization": f"Bearer {token}"} if token else {})}, timeout=120)
        assert everything.status_code == 200
        if open_sparql:
            assert not any(p in everything.text for p in RESTRICTED_PROPERTIES)
    named = f"SELECT * WHERE {{ GRAPH <{base}/id/restricted/euro-class/camera/1202501/day/2026-10-24/euro-6/v1> {{ ?s ?p ?o }} }}"
    for token in [None, t["operator"], t["kortrijk"].replace("kp_", "kp_x")]:
        r = requests.get(sparql, params={"query": named}, headers={"Accept": "application/sparql-results+json",
                                                                   **({"Authorization": f"Bearer {token}"} if token else {})}, timeout=60)
        assert r.status_code in (401, 403) and "/id/restricted/" not in r.text.replace(named, "")
    r = requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                                     "named-graph-uri": f"{base}/id/restricted/euro-class/x"}, timeout=60)
    assert r.status_code == 403


def sparql_rows(world, query, token, expect=200, reads_restricted=True):
    headers = {"Accept": "application/sparql-results+json", **({"Authorization": f"Bearer {token}"} if token else {})}
    r = requests.post(world["base"] + "/sparql", data={"query": query}, headers=headers, timeout=120)
    assert r.status_code == expect, (r.status_code, r.text[:300])
    if expect != 200:
        return r
    assert r.headers["Cache-Control"] == ("private, no-store" if token and reads_restricted else "no-store")
    if token and reads_restricted:
        assert "Access-Control-Allow-Origin" not in r.headers and "Authorization" in r.headers["Vary"]
    body = r.json()
    return {tuple((v, b[v]["value"]) for v in body["head"]["vars"] if v in b) for b in body["results"]["bindings"]}


def test_sparql_answers_an_analyst_over_its_own_restricted_graphs_like_an_independent_engine(world):
    """An analyst's SPARQL sees the open graphs plus the restricted graphs of its purposes and its
    own cameras and zones: the same answers pyoxigraph gives over what the analyst harvested from the
    restricted streams, nothing of another city or metric, and 403 when it names one."""
    from decimal import Decimal
    import pyoxigraph
    t = world["tokens"]
    query = """PREFIX sosa: <http://www.w3.org/ns/sosa/> PREFIX kp: <https://w3id.org/kruispunt#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?member ?feature ?value ?stable WHERE {
          VALUES ?property { %s }
          ?member sosa:observedProperty ?property ; sosa:hasFeatureOfInterest ?feature ; dct:isVersionOf ?stable .
          OPTIONAL { ?member sosa:hasSimpleResult ?value } }"""
    for tenant, streams, properties, foreign in [
            ("mechelen", ["euro-classes", "lez-compliance"], "kp:euroClassCount kp:lezComplianceShare", "34022"),
            ("kortrijk", ["nationalities", "vehicle-ages", "heavy-through-traffic", "euro-classes", "vehicle-categories", "lez-compliance"],
             "kp:nationalityCount kp:vehicleAgeCount kp:heavyTransitVehiclesCount", "12025")]:
        harvested = pyoxigraph.Store()
        for stream in streams:
            pages = []
            harvest(world, stream, t[tenant], pages)
            for text in pages:   # as served: rdflib would normalise the literals
                harvested.load(text.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
        # Values compared as numbers: oxigraph keeps decimals in canonical form (0.73 for 0.730).
        def same(rows):
            return {tuple((k, str(Decimal(v).normalize()) if k == "value" else v) for k, v in row) for row in rows}
        expected = same({tuple((str(v), str(s[v].value)) for v in ("member", "feature", "value", "stable") if s[v] is not None)
                         for s in harvested.query(query % properties)})
        got = same(sparql_rows(world, query % properties, t[tenant]))
        assert len(expected) > 50 and got == expected, (tenant, len(got), len(expected))
        assert not any(foreign in value for row in got for _, value in row)
        # A query naming no property reads the open observations from the index and the
        # reader's restricted ones beside it: exactly the harvested ones more than anonymously.
        readings = """PREFIX sosa: <http://www.w3.org/ns/sosa/> PREFIX time: <http://www.w3.org/2006/time#>
            SELECT (COUNT(*) AS ?n) WHERE { ?o sosa:madeBySensor ?camera ; sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i .
              ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start }"""
        restricted_readings = len(list(harvested.query(readings.replace("SELECT (COUNT(*) AS ?n)", "SELECT ?o"))))
        as_analyst = int(dict(next(iter(sparql_rows(world, readings, t[tenant]))))["n"])
        anonymously = int(dict(next(iter(sparql_rows(world, readings, None))))["n"])
        assert restricted_readings > 50 and as_analyst - anonymously == restricted_readings, (tenant, as_analyst, anonymously)
        # Every member is a named graph of its own; metrics outside the purposes stay invisible.
        graphs = sparql_rows(world, """PREFIX kp: <https://w3id.org/kruispunt#>
            SELECT ?g WHERE { VALUES ?property { %s } GRAPH ?g { ?g <http://www.w3.org/ns/sosa/observedProperty> ?property } }"""
                             % properties, t[tenant])
        assert {row[0][1] for row in graphs} == {row[0][1] for row in got}, tenant
        if tenant == "mechelen":   # Mechelen's cameras have nationality members, outside Mechelen's purposes
            assert int(psql(world["data"], "SELECT count(*) FROM restricted_members WHERE metric = 'nationality' AND feature_id LIKE '12025%'")[0][0]) > 0
            counted = sparql_rows(world, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), '/nationality/')) }", t[tenant])
            assert counted == {(("n", "0"),)}
    # Named explicitly: its own member graph answers, another city's or metric's is refused.
    mine = next(v for row in sparql_rows(world, query % "kp:euroClassCount", t["mechelen"]) for k, v in row if k == "member")
    own = sparql_rows(world, f"SELECT ?p ?o WHERE {{ GRAPH <{mine}> {{ <{mine}> ?p ?o }} }}", t["mechelen"])
    assert ("p", "http://www.w3.org/ns/sosa/observedProperty") in {row[0] for row in own}
    described = requests.get(world["base"] + "/sparql", params={"query": f"DESCRIBE <{mine}>"},
                             headers={"Accept": "application/n-triples", "Authorization": f"Bearer {t['mechelen']}"}, timeout=60)
    assert described.status_code == 200 and "euroClassCount" in described.text
    assert described.headers["Cache-Control"] == "private, no-store"
    for token in [t["kortrijk"], None, t["operator"]]:
        r = sparql_rows(world, f"SELECT ?p ?o WHERE {{ GRAPH <{mine}> {{ ?s ?p ?o }} }}", token, expect=403)
        assert "euroClassCount" not in r.text
    sparql_rows(world, f"DESCRIBE <{mine.replace('/euro-class/', '/nationality/')}>", t["mechelen"], expect=403)


def panel_answer(html, panel):
    """The SPARQL JSON a dashboard panel was drawn from (embedded for its chart)."""
    import re
    match = re.search(rf'<script type="application/sparql-results\+json" id="p-{panel}-data">(.*?)</script>', html, re.S)
    assert match, panel
    return json.loads(match.group(1))


def test_the_restricted_page_shows_an_analyst_its_own_figures_and_nobody_else_anything(world):
    """`/beperkt`: one panel per metric of the city's purposes, drawn from the analyst's restricted
    graphs; the Euro classes add up to what the analyst harvests from the stream (latest versions of
    its own cameras' cells), the panel's query answers the same at /sparql for that analyst, and
    every other identity gets 401 or 403 without a figure."""
    base, t = world["base"], world["tokens"]
    period = {"van": "2026-10-24", "tot": "2026-10-25"}
    page = get(base, "/beperkt", t["mechelen"], accept="text/html", **period)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store", page.text[:300]
    html = page.text
    assert 'id="p-euronorm"' in html and 'id="p-lez"' in html
    assert 'id="p-nationaliteit"' not in html and 'id="p-leeftijd"' not in html   # not among Mechelen's purposes
    assert "34022" not in html   # no Kortrijk camera
    # Latest version of each Euro-class cell from the stream, summed per class.
    graph = harvest(world, "euro-classes", t["mechelen"])
    latest = {}
    for o in observations(graph, "euroClassCount"):
        stable, version = o["obs"].rsplit("/v", 1)
        if stable not in latest or int(version) > latest[stable][0]:
            latest[stable] = (int(version), o)
    expected = collections.Counter()
    withheld = collections.Counter()
    for _, o in latest.values():
        if o["value"] is None:
            withheld[str(o["euro"])] += 1
        else:
            expected[str(o["euro"])] += int(o["value"])
    answer = panel_answer(html, "euronorm")
    drawn = {b["class"]["value"]: (int(b["vehicles"]["value"]), int(b["withheld"]["value"])) for b in answer["results"]["bindings"]}
    assert drawn == {c: (expected[c], withheld[c]) for c in set(expected) | set(withheld)}
    assert sum(expected.values()) > 1000
    # The query shown with the panel answers the same at /sparql, for this analyst.
    import html as html_module, re
    query = html_module.unescape(re.search(r'<code id="p-euronorm-query">(.*?)</code>', html, re.S).group(1))
    rows = sparql_rows(world, query, t["mechelen"])
    assert {dict(r)["class"]: (int(dict(r)["vehicles"]), int(dict(r)["withheld"])) for r in rows} == drawn
    # LEZ shares are shares.
    shares = [float(b["share"]["value"]) for b in panel_answer(html, "lez")["results"]["bindings"] if "share" in b]
    assert shares and all(0 <= x <= 1 for x in shares)
    # Kortrijk's page: its own metrics, none of Mechelen's cameras.
    other = get(base, "/beperkt", t["kortrijk"], accept="text/html", **period)
    assert other.status_code == 200 and 'id="p-nationaliteit"' in other.text and "12025" not in other.text
    # The public pages link to it for a signed-in analyst only.
    assert 'href="/beperkt"' in get(base, "/zones", t["mechelen"], accept="text/html").text
    assert 'href="/beperkt"' not in get(base, "/zones", None, accept="text/html").text
    for token, status in [(None, 401), (t["revoked"], 401), (t["operator"], 403), (t["admin"], 403), (t["ingest"], 403)]:
        r = get(base, "/beperkt", token, accept="text/html", **period)
        assert r.status_code == status, (token and token[:8], r.status_code)
        assert "euroClassCount" not in r.text and "p-euronorm" not in r.text
    assert "/aanmelden?volgende=/beperkt" in get(base, "/beperkt", None, accept="text/html").text


def test_the_restricted_page_in_a_browser_after_signing_in(world):
    """Headless Chromium: the refusal page leads to the sign-in form, the session opens the page,
    its charts draw without a console error and pass the accessibility checks, and a panel's CSV
    download (a query at /sparql, under the session) holds the chart's numbers."""
    from browser import accessibility_problems, chromium, console_errors, wait_for_charts
    from selenium.webdriver.common.by import By
    base, t = world["base"], world["tokens"]
    driver = chromium()
    try:
        driver.get(base + "/beperkt")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Beperkte gegevens"
        driver.find_element(By.CSS_SELECTOR, 'a[href="/aanmelden?volgende=/beperkt"]').click()
        driver.find_element(By.ID, "token").send_keys(t["mechelen"])
        driver.find_element(By.CSS_SELECTOR, "form[action='/aanmelden'] button[type=submit]").click()
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(driver, 60).until(lambda d: urlsplit(d.current_url).path == "/beperkt" and d.find_elements(By.ID, "p-euronorm"))
        console_errors(driver)   # the 401 before signing in is logged as a failed load
        driver.get(base + "/beperkt?van=2026-10-24&tot=2026-10-25")
        wait_for_charts(driver)
        assert not console_errors(driver)
        errors = [e.get_attribute("textContent") for e in driver.find_elements(By.CSS_SELECTOR, "p.error")]
        assert not errors, errors
        assert driver.execute_script("return document.querySelectorAll('.chart[data-chart] canvas').length") >= 2
        assert not accessibility_problems(driver)
        href = driver.find_element(By.CSS_SELECTOR, "#p-euronorm .downloads a[data-download=csv]").get_attribute("href")
        text = driver.execute_async_script("fetch(arguments[0]).then(r => r.text()).then(arguments[1])", href)
        answer = json.loads(driver.find_element(By.ID, "p-euronorm-data").get_attribute("textContent"))
        drawn = {b["class"]["value"]: b["vehicles"]["value"] for b in answer["results"]["bindings"]}
        assert {r["class"]: r["vehicles"] for r in csv.DictReader(io.StringIO(text))} == drawn and drawn
    finally:
        driver.quit()


def test_a_revoked_purpose_closes_the_stream_at_once(world):
    cli, base, t = world["cli"], world["base"], world["tokens"]
    assert get(base, "/streams/vehicle-ages/pages", t["kortrijk"]).status_code == 200
    grant = [line for line in cli("purpose", "list", "--tenant", "kortrijk").stdout.splitlines()[1:] if "mobility-plan" in line]
    cli("purpose", "revoke", grant[0].split(",")[0])
    r = get(base, "/streams/vehicle-ages/pages", t["kortrijk"])
    assert r.status_code == 403 and "euroClassCount" not in r.text
    assert get(base, "/beperkt", t["kortrijk"], accept="text/html").status_code == 403
    ages = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/ns/sosa/observedProperty> <https://w3id.org/kruispunt#vehicleAgeCount> }"
    assert sparql_rows(world, ages, t["kortrijk"], reads_restricted=False) == {(("n", "0"),)}
    cli("purpose", "grant", "--tenant", "kortrijk", "--purpose", "mobility-plan", "--until", "2099-12-31",
        "--metrics", "nationality,vehicle-category,vehicle-age,euro-class,heavy-through-traffic,lez-compliance")
    assert get(base, "/streams/vehicle-ages/pages", t["kortrijk"]).status_code == 200
    assert sparql_rows(world, ages, t["kortrijk"]) != {(("n", "0"),)}


def test_bad_lez_rules_are_refused_whole(world):
    cli, parent, data = world["cli"], world["parent"], world["data"]
    bad = parent / "bad-lez.csv"
    bad.write_text("zone_id,fuel,minimum_euro,valid_from\n"
                   "mechelen-centrum,steam,4,2026-01-01\n"
                   "mechelen-centrum,diesel,Euro 9,2026-01-01\n"
                   "mechelen-centrum,petrol,4,1 januari\n"
                   "mechelen-centrum,diesel,4,2026-01-01\n"
                   "mechelen-centrum,diesel,5,2026-01-01\n")
    done = cli("zones", "lez-rules", str(bad), check=False)
    assert done.returncode != 0
    for says in ["line 2: fuel", "line 3: minimum_euro", "line 4: valid_from", "line 6: the same zone, fuel and day as line 5"]:
        assert says in done.stderr, (says, done.stderr)
    unknown = parent / "unknown-zone.csv"
    unknown.write_text("zone_id,fuel,minimum_euro,valid_from\ngent-centrum,diesel,5,2026-01-01\n")
    done = cli("zones", "lez-rules", str(unknown), check=False)
    assert done.returncode != 0 and "no zone 'gent-centrum'" in done.stderr
    listed = cli("zones", "lez-rules").stdout.splitlines()
    assert listed[0] == "zone_id,fuel,minimum_euro,valid_from" and len(listed) == 5, listed


def test_recurring_vehicles_need_weekly_key_rotation(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "recurring")
    data = parent / "data"
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_KEY_ROTATION="week")
    cli = cli_runner(kruispunt_binary, data, env)
    generated_network(cli, parent, "--cities", "Mechelen", "--cameras", "6", "--vehicles", "400", "--days", "7", "--start", "2026-10-19",
                      "--seed", "11")
    cli("enrich", "import", str(parent / "extract.csv"))
    summary = json.loads(cli("treat", "--json").stdout)
    assert summary["not_computed"] == []
    zone_cameras = {r["camera_id"] for r in csv.DictReader(io.StringIO((parent / "zones.csv").read_text()))}
    days_seen = collections.defaultdict(set)
    for d in csv.DictReader(io.StringIO((parent / "d.csv").read_text())):
        if d["camera_id"] in zone_cameras:
            days_seen[d["plate_hash"]].add(local_day(parse_xsd_datetime(d["timestamp"])))
    expected = collections.Counter("1" if len(v) == 1 else "2-4" if len(v) <= 4 else "5+" for v in days_seen.values())
    cli("tenant", "create", "mechelen", "--name", "Stad Mechelen", "--municipality", "Mechelen")
    cli("purpose", "grant", "--tenant", "mechelen", "--purpose", "parking-policy", "--metrics", "recurring-vehicles",
        "--until", "2099-12-31")
    token = cli("token", "create", "--role", "analyst", "--tenant", "mechelen").stdout.strip()
    with serving(kruispunt_binary, data, env, never_logged=(token,)) as base:
        graph = harvest(dict(base=base), "recurring-vehicles", token)
    shown = {str(graph.value(o, KP.daysSeen)): graph.value(o, SOSA.hasSimpleResult).toPython()
             for o in graph.subjects(SOSA.observedProperty, KP.recurringVehiclesCount)}
    assert shown, "a complete week was treated"
    for o in graph.subjects(SOSA.observedProperty, KP.recurringVehiclesCount):
        assert str(graph.value(o, URIRef("https://w3id.org/cityofthings#hasAggregationPeriod"))) == str(KP.Weekly)
    for bin_, n in expected.items():
        if n >= K:
            assert shown.get(bin_) == n, (bin_, shown, expected)
        else:
            assert bin_ not in shown


def test_every_restricted_member_conforms_and_uses_defined_terms(world):
    import pyshacl
    from conftest import ONTOLOGY_PATH, REPO_ROOT
    members = Graph()
    for stream in ["nationalities", "vehicle-categories", "vehicle-ages", "euro-classes", "heavy-through-traffic", "lez-compliance"]:
        members += harvest(world, stream, world["tokens"]["kortrijk"])
    observations_ = set(members.subjects(SOSA.observedProperty, None))
    assert len(observations_) > 300
    shapes = Graph().parse(REPO_ROOT / "Shapes" / "observation.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(members, shacl_graph=shapes, inference="none", advanced=False)
    assert conforms, text[:4000]
    ontology = Graph().parse(ONTOLOGY_PATH, format="turtle")
    used = {t for triple in members for t in triple if isinstance(t, URIRef) and str(t).startswith(str(KP))}
    assert used and all((t, None, None) in ontology for t in used), sorted(t for t in used if (t, None, None) not in ontology)
    # Heavy through traffic is part of the zone's open through traffic of the hour.
    assert set(members.subjects(SOSA.observedProperty, KP.heavyTransitVehiclesCount)), "heavy through traffic published"
