"""`make fuzz`: property-based fuzzing of the ingest endpoint and the SPARQL endpoint.

A server (the debug build: its overflow and bounds traps are on) is started on a small generated
data set. Two Hypothesis-driven workers then send, side by side for FUZZ_SECONDS each (default
600): upload bodies (CSV rows built from adversarial field values, NDJSON of arbitrary JSON,
raw bytes, odd Content-Types and Idempotency-Keys) to `POST /api/ingest`, and SPARQL queries
(built from the grammar's pieces, then mutated byte-wise) to `GET` and `POST /sparql`. The
property: no response is a 5xx, and the server never stops answering. At the end the server
must still be healthy and exit cleanly on SIGTERM with no fatal error in its log. Every failure
is printed with the input that caused it (Hypothesis shrinks it first). Exit 0 when no property
failed."""

import datetime
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from hypothesis import HealthCheck, given, settings, strategies as st

ROOT = Path(__file__).resolve().parents[1]
BINARY = Path(os.environ.get("KRUISPUNT_BIN", ROOT / ".build/debug/kruispunt"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "600"))
INGEST_TOKEN = "fuzz-ingest-token-0123456789abcdefghij"
HEADER = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type"

# --------------------------------------------------------------------------------------------
# Ingest bodies
# --------------------------------------------------------------------------------------------

weird_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
specials = st.sampled_from(["", " ", "\"", "\"\"", ",", ";", "\t", "\r", "\n", "\x00", "NaN", "Infinity", "-0", "1e309",
                            "9" * 40, "-1", "null", "' OR 1=1 --", "'); DROP TABLE detections; --", "\u202e", "ﬀ", "😀",
                            "2026-02-30T25:61:61+02:00", "0000-00-00T00:00:00Z", "2026-10-25T02:30:00+01:00",
                            "2026-10-24T12:00:00.000+14:00", "2026-10-24T12:00:00.000-12:00", "99999-01-01T00:00:00Z"])
camera = st.one_of(st.sampled_from(["1202501", "1202502", "3402201", "0", "1" * 13, "1" * 14]), specials, weird_text)
timestamp = st.one_of(
    st.tuples(st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
              st.sampled_from(["Z", "+02:00", "+01:00", "", "+2", "+99:00"])).map(lambda t: t[0].isoformat(timespec="milliseconds") + t[1]),
    specials, weird_text)
number = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str), specials)
plate = st.one_of(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), st.text(alphabet="0123456789abcdefXYZ", max_size=130),
                  specials)
vehicle = st.one_of(st.sampled_from(["personenwagen", "vrachtwagen", "bus", "motor", "bestelwagen", "onbekend", "car",
                                     "heavy_truck"]), specials, weird_text)
nationality = st.one_of(st.sampled_from(["BEL", "B", "BE", "NL", "D", "F", "GB", "XX", "unknown"]), specials, weird_text)


@st.composite
def csv_body(draw) -> bytes:
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.one_of(st.just(HEADER), st.just(HEADER.replace(",", separator)),
                            st.lists(weird_text, max_size=12).map(lambda xs: separator.join(xs)),
                            st.permutations(HEADER.split(",")).map(lambda xs: ",".join(xs))))
    rows = draw(st.lists(st.tuples(camera, st.one_of(st.just("BO-12025"), weird_text), timestamp, number, number, plate,
                                   nationality, number, vehicle), max_size=25))
    lines = [header] + [separator.join(r) for r in rows]
    if draw(st.booleans()):
        lines.append(draw(weird_text))   # a ragged last line
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    body = newline.join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        body = b"\xef\xbb\xbf" + body   # a byte-order mark
    return body


json_values = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | weird_text | specials,
                           lambda children: st.lists(children, max_size=5) | st.dictionaries(weird_text, children, max_size=5),
                           max_leaves=20)


@st.composite
def ndjson_body(draw) -> bytes:
    records = draw(st.lists(st.one_of(
        st.fixed_dictionaries({"camera_id": camera, "timestamp": timestamp, "plate_hash": plate, "nationality": nationality,
                               "vehicle_type": vehicle, "speed_kmh": st.one_of(number, st.floats(), st.integers())},
                              optional={"latitude": json_values, "longitude": json_values, "extra": json_values}),
        json_values), max_size=20))
    lines = [json.dumps(r, allow_nan=True) for r in records]
    if draw(st.booleans()):
        lines.append(draw(weird_text))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


upload = st.tuples(
    st.one_of(csv_body(), ndjson_body(), st.binary(max_size=2000)),
    st.sampled_from(["text/csv", "text/csv; charset=utf-8", "application/x-ndjson", "application/json", "text/plain",
                     "application/octet-stream", "multipart/form-data; boundary=x", "", "text/csv; charset=latin1", "\x7f"]),
    st.one_of(st.none(), weird_text.filter(lambda s: "\n" not in s and "\r" not in s), st.text(alphabet="abc", max_size=3)),
    st.sampled_from([None, "gzip", "deflate", "br", "identity"]),
)

# --------------------------------------------------------------------------------------------
# SPARQL queries
# --------------------------------------------------------------------------------------------

PREFIXES = ("PREFIX sosa: <http://www.w3.org/ns/sosa/> PREFIX cot: <https://w3id.org/cityofthings#> "
            "PREFIX kp: <https://w3id.org/kruispunt#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
            "PREFIX time: <http://www.w3.org/2006/time#> PREFIX dct: <http://purl.org/dc/terms/> ")
variables = st.sampled_from(["?s", "?p", "?o", "?obs", "?v", "?t", "?g", "?x", "?n"])
iris = st.sampled_from(["sosa:observedProperty", "sosa:hasSimpleResult", "cot:passedByVehiclesCount", "sosa:madeBySensor",
                        "sosa:phenomenonTime", "time:hasBeginning", "time:inXSDDateTimeStamp", "a", "sosa:Observation",
                        "<http://127.0.0.1:8080/id/camera/1202501>", "<urn:x>", "<>", "kp:suppressed", "dct:isVersionOf",
                        "<http://127.0.0.1:8080/id/restricted/euro-class/camera/1202501/day/2026-10-24/euro-6>"])
literals = st.one_of(st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=False, allow_infinity=False).map(repr),
                     st.sampled_from(['"x"', '"2026-10-24T00:00:00+02:00"^^xsd:dateTimeStamp', '"1"^^xsd:integer', '"abc"@nl',
                                      '"\\u0000"', '"\'"', 'true', '"x"^^<urn:bogus>', '"9999999999999999999999"^^xsd:integer']),
                     weird_text.map(lambda s: json.dumps(s, ensure_ascii=False)))
terms = st.one_of(variables, iris, literals)
# SPARQL-lite refuses property paths (400): they come now and then, to check that refusal.
predicates = st.one_of(iris, variables, iris, variables, iris, variables,
                       st.sampled_from(["sosa:hasFeatureOfInterest/dct:identifier", "(a|^a)*", "sosa:phenomenonTime+"]))
functions = st.sampled_from(["STR", "LANG", "DATATYPE", "BOUND", "ISIRI", "ISLITERAL", "STRLEN", "UCASE", "ABS", "CEIL", "ROUND",
                             "YEAR", "HOURS", "TZ", "NOW", "RAND", "MD5", "SHA256", "STRUUID", "COALESCE", "IF", "REGEX",
                             "CONTAINS", "SUBSTR", "CONCAT", "xsd:integer", "xsd:dateTime", "xsd:decimal", "UNKNOWNFN"])
operators = st.sampled_from(["=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "&&", "||"])


@st.composite
def expression(draw, depth=0):
    if depth > 2 or draw(st.booleans()):
        return draw(terms)
    kind = draw(st.integers(0, 9))   # EXISTS (refused by SPARQL-lite) one time in ten
    if kind >= 5:
        kind = draw(st.integers(0, 2))
    if kind == 4:
        listed = ", ".join(draw(st.lists(expression(depth + 1), max_size=3)))
        return f"({draw(expression(depth + 1))} {draw(st.sampled_from(['IN', 'NOT IN']))} ({listed}))"
    if kind == 0:
        return f"({draw(expression(depth + 1))} {draw(operators)} {draw(expression(depth + 1))})"
    if kind == 1:
        args = draw(st.lists(expression(depth + 1), max_size=3))
        return f"{draw(functions)}({', '.join(args)})"
    if kind == 2:
        return f"!{draw(expression(depth + 1))}"
    return f"EXISTS {{ {draw(pattern(depth + 1))} }}"


@st.composite
def pattern(draw, depth=0):
    parts = [f"{draw(terms)} {draw(predicates)} {draw(terms)} ."
             for _ in range(draw(st.integers(1, 3)))]
    if depth < 2:
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from([0, 0, 1, 1, 3, 3, 4, 4, 5, 5, 6, 6, 2]))   # MINUS (refused) seldom
            inner = draw(pattern(depth + 1))
            parts.append([f"OPTIONAL {{ {inner} }}", f"{{ {inner} }} UNION {{ {draw(pattern(depth + 1))} }}", f"MINUS {{ {inner} }}",
                          f"FILTER ({draw(expression())})", f"BIND ({draw(expression())} AS {draw(variables)})",
                          f"VALUES {draw(variables)} {{ {' '.join(draw(st.lists(terms, max_size=3)))} }}",
                          f"GRAPH {draw(st.one_of(variables, iris))} {{ {inner} }}"][kind])
    return " ".join(parts)


@st.composite
def sparql_query(draw) -> str:
    form = draw(st.integers(0, 3))
    body = draw(pattern())
    projection = draw(st.sampled_from(['*', 'DISTINCT *', '?s ?o', '(COUNT(*) AS ?n)', '(SUM(?v) AS ?n) ?g', 'REDUCED ?x',
                                       '?g (AVG(?v) AS ?n) (MAX(?t) AS ?m)', '(GROUP_CONCAT(?o; SEPARATOR=",") AS ?n)']))
    modifiers = ""
    if "?g" in projection and form == 0:
        modifiers += " GROUP BY ?g" + (f" HAVING ({draw(expression())})" if draw(st.booleans()) else "")
    if draw(st.booleans()):
        modifiers += f" ORDER BY {draw(st.sampled_from(['', 'DESC', 'ASC']))}({draw(variables)})"
    limit = draw(st.integers(0, 60))
    modifiers += f" LIMIT {limit if limit <= 50 else [10**30, -1][limit % 2]}"
    if draw(st.booleans()):
        modifiers += f" OFFSET {draw(st.integers(0, 10**6))}"
    head = [f"SELECT {projection}",
            "ASK", f"CONSTRUCT {{ {draw(terms)} {draw(iris)} {draw(terms)} }}", f"DESCRIBE {draw(st.one_of(variables, iris))}"][form]
    dataset = draw(st.sampled_from(["", " FROM <urn:g>", " FROM NAMED <urn:g>"]))
    # Mostly well-formed (prefixes declared, sensible limits), so that evaluation is reached; the
    # mutations below break a share of them on purpose.
    query = f"{PREFIXES if draw(st.integers(0, 9)) != 9 else ''}{head}{dataset} WHERE {{ {body} }}{modifiers if form != 1 else ''}"
    # Byte-wise mutations of a well-formed query reach the parser's corners.
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        if not query:
            break
        at = draw(st.integers(0, len(query) - 1))
        op = draw(st.integers(0, 2))
        if op == 0:
            query = query[:at] + query[at + 1:]
        elif op == 1:
            query = query[:at] + draw(st.sampled_from(["{", "}", "(", ")", "\"", "<", ">", "\\", "#", "\x00", "?", "*", ".", " ",
                                                       "SELECT", "FILTER", "^^", "@", "'"])) + query[at:]
        else:
            query = query[:at] + query[at:at + 20] * 3 + query[at + 20:]
    return query


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

class Target:
    def __init__(self, name: str, base: str):
        self.name, self.base = name, base
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.failures: list[str] = []

    def record(self, what: str, response: requests.Response | None, error: Exception | None = None) -> None:
        self.requests += 1
        if response is not None:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if error is not None or response is None:
            self.failures.append(f"no answer ({error!r}) to {what[:500]!r}")
            raise AssertionError(self.failures[-1])
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {response.text[:200]!r} for {what[:500]!r}")
            raise AssertionError(self.failures[-1])


def fuzz_ingest(target: Target, deadline: float) -> None:
    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(upload)
    def one(case):
        body, content_type, key, encoding = case
        headers = {"Authorization": f"Bearer {INGEST_TOKEN}"}
        if content_type:
            headers["Content-Type"] = content_type
        if key is not None:
            headers["Idempotency-Key"] = key
        if encoding:
            headers["Content-Encoding"] = encoding
        try:
            r = requests.post(target.base + "/api/ingest", data=body, headers=headers, timeout=60)
        except (requests.ConnectionError, requests.Timeout) as e:
            return target.record(repr(case), None, e)
        except (ValueError, UnicodeError):
            return   # a header requests itself refuses to send
        target.record(repr(case), r)
    run_until(one, deadline, target)


def fuzz_sparql(target: Target, deadline: float) -> None:
    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(sparql_query(), st.sampled_from(["GET", "POST-form", "POST-direct"]),
           st.sampled_from(["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/turtle",
                            "application/n-triples", "text/html", "*/*", "image/png"]))
    def one(query, how, accept):
        headers = {"Accept": accept}
        try:
            if how == "GET":
                r = requests.get(target.base + "/sparql", params={"query": query}, headers=headers, timeout=120)
            elif how == "POST-form":
                r = requests.post(target.base + "/sparql", data={"query": query}, headers=headers, timeout=120)
            else:
                r = requests.post(target.base + "/sparql", data=query.encode("utf-8", "surrogatepass"),
                                  headers={**headers, "Content-Type": "application/sparql-query"}, timeout=120)
        except (requests.ConnectionError, requests.Timeout) as e:
            return target.record(query, None, e)
        target.record(query, r)
    run_until(one, deadline, target)


def run_until(test, deadline: float, target: Target) -> None:
    while time.monotonic() < deadline and not target.failures:
        try:
            test()
        except AssertionError:
            return   # recorded; Hypothesis shrank the input first, so the last failure is the smallest


def worker(name: str, base: str, deadline: float, results) -> None:
    """One target in its own process (Hypothesis runs one test per thread of control)."""
    target = Target(name, base)
    (fuzz_ingest if name == "ingest" else fuzz_sparql)(target, deadline)
    results.put((name, target.requests, target.statuses, target.failures[-1:], len(target.failures)))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kruispunt-fuzz-") as folder:
        work = Path(folder)
        os.chmod(work, 0o755)
        data = work / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KRUISPUNT_")}
        env.update(KRUISPUNT_INGEST_TOKENS=INGEST_TOKEN, KRUISPUNT_RATE_LIMIT="0", KRUISPUNT_ACCESS_LOG="off")

        def cli(*args):
            subprocess.run([str(BINARY), "--data-dir", str(data), *args], check=True, env=env, capture_output=True, timeout=600)
        cli("generate", "--cities", "Mechelen", "--cameras", "4", "--vehicles", "300", "--days", "1", "--registry", str(work),
            "--out", str(work / "d.csv"))
        cli("cameras", "import", str(work / "cameras.csv"))
        cli("zones", "import", str(work / "zones.csv"))
        cli("ingest", str(work / "d.csv"))
        cli("treat")
        port = 18000 + os.getpid() % 2000
        log = open(work / "server.log", "wb")
        server = subprocess.Popen([str(BINARY), "--data-dir", str(data), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if requests.get(base + "/health/ready", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            print("the server did not start", file=sys.stderr)
            return 1
        started = time.monotonic()
        deadline = started + SECONDS
        results = multiprocessing.get_context("fork").Queue()
        workers = [multiprocessing.get_context("fork").Process(target=worker, args=(name, base, deadline, results))
                   for name in ["ingest", "sparql"]]
        for w in workers:
            w.start()
        outcome = [results.get(timeout=SECONDS + 900) for _ in workers]
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        healthy = requests.get(base + "/health/ready", timeout=10).status_code == 200
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=120)
        log.close()
        text = (work / "server.log").read_text(errors="replace")
        fatal = [line for line in text.splitlines() if any(w in line for w in ("Fatal error", "Illegal instruction", "Segmentation"))]
        print(f"fuzzed for {elapsed:.0f} s (FUZZ_SECONDS={SECONDS:.0f}), both targets side by side:")
        failed = False
        for name, count, statuses, last, failures in sorted(outcome):
            listed = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
            print(f"  {name}: {count} requests, {count / elapsed:.1f}/s; statuses {listed}")
            for f in last:
                failed = True
                print(f"  FAILED {name} ({failures} failing inputs while shrinking), smallest: {f}")
        print(f"  server healthy after the run: {healthy}; exit code on SIGTERM: {code}; fatal lines in its log: {len(fatal)}")
        for line in fatal[:5]:
            print("   ", line)
        ok = healthy and code == 0 and not fatal and not failed
        print("fuzz: " + ("no crash, no 5xx" if ok else "FAILED"))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
