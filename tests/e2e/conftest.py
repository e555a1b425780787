"""Fixtures and helpers for the Kruispunt end-to-end conformance suite.

The suite drives the real `kruispunt` binary against its real embedded PostgreSQL cluster and
checks what it serves with independent clients only (rdflib, PyLD, pySHACL, pyoxigraph), never
with Kruispunt's own code. Everything expensive happens once per session, in this order:

    generate CSV -> append malformed lines -> ingest (twice) -> treat -> serve -> harvest

Environment:
    KRUISPUNT_BIN       the binary (default: <repo>/.build/debug/kruispunt; relative paths are
                        resolved against the repository root)
    KRUISPUNT_SHARED    the shared reference material (default: <repo>/../shared)
    KRUISPUNT_E2E_TZ    the TZ the binary runs under (default: UTC), to show that bucketing in
                        Europe/Brussels does not depend on the host's zone

Every command runs with KRUISPUNT_BASE_URL=http://127.0.0.1:PORT (PORT: the one `serve` will
use), so that the IRIs `treat` mints, `export` writes and `serve` publishes are the same.

Test modules import the plain helpers from here (`from conftest import harvest, ...`).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import glob
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
import warnings
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest
import requests
from pyld import jsonld
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ONTOLOGY_PATH = REPO_ROOT / "Ontology" / "kruispunt.ttl"
SHAPE_PATH = REPO_ROOT / "Shapes" / "vehicle-count.ttl"
SHAPE_IRI = URIRef("https://w3id.org/kruispunt/shapes#VehicleCountObservation")

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = dt.timezone.utc

#: The default small-count threshold of `kruispunt treat` (the suite relies on the default).
MIN_COUNT = 10

CANONICAL_HEADER = [
    "camera_id", "backoffice_id", "timestamp", "latitude", "longitude",
    "plate_hash", "nationality", "speed_kmh", "vehicle_type",
]

#: Arguments for `kruispunt generate`: two days spanning the DST change of 2026-10-25 (25 hours).
GENERATE_ARGS = ["--cities", "Mechelen", "--cameras", "8", "--vehicles", "400", "--days", "2",
                 "--start", "2026-10-24", "--seed", "7"]
DST_DAY = dt.date(2026, 10, 25)

SOSA = Namespace("http://www.w3.org/ns/sosa/")
TIME = Namespace("http://www.w3.org/2006/time#")
COT = Namespace("https://w3id.org/cityofthings#")
KP = Namespace("https://w3id.org/kruispunt#")
TREE = Namespace("https://w3id.org/tree#")
LDES = Namespace("https://w3id.org/ldes#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")

#: Media types the stream serves, by the short names the helpers use.
MEDIA_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}

#: Predicates every member has (besides exactly one of hasSimpleResult / kp:suppressed).
MEMBER_PREDICATES = frozenset({
    RDF.type, DCTERMS.isVersionOf, PROV.generatedAtTime, SOSA.observedProperty,
    SOSA.hasFeatureOfInterest, SOSA.madeBySensor, COT.hasAggregationPeriod, COT.usingFunction,
    SOSA.phenomenonTime, SOSA.resultTime, PROV.wasGeneratedBy,
})

COMMAND_TIMEOUT_S = 120
LIVE_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30

_TIMESTAMP_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_XSD_DATETIME_RE = re.compile(
    r"^(?P<main>-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?(?P<tz>Z|[+-]\d{2}:\d{2})?$")


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------

def binary_path() -> Path:
    """The kruispunt binary under test (KRUISPUNT_BIN, relative to the repository root)."""
    path = Path(os.environ.get("KRUISPUNT_BIN") or ".build/debug/kruispunt")
    return path if path.is_absolute() else REPO_ROOT / path


def shared_path() -> Path:
    """The shared reference material (KRUISPUNT_SHARED, default <repo>/../shared)."""
    path = Path(os.environ.get("KRUISPUNT_SHARED") or REPO_ROOT.parent / "shared")
    return path if path.is_absolute() else REPO_ROOT / path


# --------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------

def parse_xsd_datetime(lexical: str) -> dt.datetime:
    """Parses an xsd:dateTime / xsd:dateTimeStamp lexical form (fractions of any length).

    Returns an aware datetime when the lexical form has a zone, a naive one otherwise."""
    match = _XSD_DATETIME_RE.match(lexical)
    if not match:
        raise ValueError(f"not an xsd:dateTime lexical form: {lexical!r}")
    text = match["main"]
    if match["frac"]:
        text += "." + (match["frac"] + "000000")[:6]
    if match["tz"]:
        text += "+00:00" if match["tz"] == "Z" else match["tz"]
    return dt.datetime.fromisoformat(text)


def offset_of(lexical: str) -> str | None:
    """The zone part of a date-time lexical form ('Z', '+02:00', ...) or None."""
    match = _XSD_DATETIME_RE.match(lexical)
    return match["tz"] if match else None


def brussels_offset(instant: dt.datetime) -> str:
    """The Europe/Brussels UTC offset at an instant, as '+01:00' or '+02:00'."""
    offset = instant.astimezone(BRUSSELS).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def hour_begin(instant: dt.datetime) -> dt.datetime:
    """Start (UTC) of the Europe/Brussels local hour containing an instant.

    Brussels offsets are whole hours, so local hours start exactly on UTC hours; the two local
    02:00 hours of the autumn DST change are therefore two different UTC hours."""
    utc = instant.astimezone(UTC)
    assert brussels_offset(utc).endswith(":00")
    return utc.replace(minute=0, second=0, microsecond=0)


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(begin, end) in UTC of a Brussels calendar day: local midnight to next local midnight."""
    begin = dt.datetime(day.year, day.month, day.day, tzinfo=BRUSSELS)
    following = day + dt.timedelta(days=1)
    end = dt.datetime(following.year, following.month, following.day, tzinfo=BRUSSELS)
    return begin.astimezone(UTC), end.astimezone(UTC)


def local_day(instant: dt.datetime) -> dt.date:
    """The Brussels calendar day of an instant."""
    return instant.astimezone(BRUSSELS).date()


# --------------------------------------------------------------------------------------------
# The input CSV
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Detection:
    """One valid CSV line, as Python understands the canonical format."""
    line_no: int
    camera_id: str
    instant: dt.datetime  # UTC
    plate_hash: str
    latitude: float | None
    longitude: float | None

    @property
    def key(self) -> tuple[str, dt.datetime, str]:
        """Detections are unique by (camera_id, timestamp instant, plate_hash)."""
        return (self.camera_id, self.instant, self.plate_hash)


def validate_row(row: list[str], line_no: int) -> Detection | str:
    """A Detection for a valid canonical row, or the reason it is malformed."""
    if len(row) != len(CANONICAL_HEADER):
        return f"expected {len(CANONICAL_HEADER)} columns, got {len(row)}"
    fields = dict(zip(CANONICAL_HEADER, row))
    if not re.fullmatch(r"[0-9]{1,13}", fields["camera_id"].strip()):
        return "camera_id is not 1 to 13 digits"
    if not fields["plate_hash"].strip():
        return "empty plate_hash"
    if not _TIMESTAMP_RE.match(fields["timestamp"]):
        return f"bad timestamp {fields['timestamp']!r}"
    try:
        instant = dt.datetime.fromisoformat(fields["timestamp"]).astimezone(UTC)
    except ValueError:
        return f"bad timestamp {fields['timestamp']!r}"
    latitude = longitude = None
    if fields["latitude"].strip() or fields["longitude"].strip():  # optional, but valid when given
        try:
            latitude, longitude = float(fields["latitude"]), float(fields["longitude"])
        except ValueError:
            return "unparseable coordinates"
        if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
            return "coordinates out of range"
    if fields["speed_kmh"].strip():
        try:
            float(fields["speed_kmh"])
        except ValueError:
            return "speed is not a number"
    return Detection(line_no, fields["camera_id"], instant, fields["plate_hash"],
                     latitude, longitude)


@dataclasses.dataclass
class InputCsv:
    """The generated CSV plus the lines the suite appended, and what Python expects of them."""
    path: Path
    generated_path: Path
    data_lines: int                       # non-blank lines after the header
    detections: list[Detection]           # accepted detections (valid, deduplicated)
    generated_invalid: dict[int, str]     # lines of the generator's output Python rejects
    generated_duplicates: int             # duplicates inside the generator's output
    malformed: dict[int, str]             # appended malformed lines: line number -> what is wrong
    blank_line_no: int                    # an appended blank line (not counted)
    duplicate_line_no: int                # an appended exact copy of the first data line
    plate_hashes: frozenset[str]          # every plate_hash value in the file

    @property
    def expected_summary(self) -> dict[str, int]:
        duplicates = self.generated_duplicates + 1
        quarantined = len(self.generated_invalid) + len(self.malformed)
        return {"lines": self.data_lines, "accepted": len(self.detections),
                "duplicates": duplicates, "quarantined": quarantined}


def _fresh_plate_hash(n: int, like: str) -> str:
    """A plate hash in the same shape as `like` that occurs nowhere else in the data."""
    digest = hashlib.sha256(f"kruispunt-e2e-malformed-{n}".encode()).hexdigest()
    digest = (digest * (len(like) // len(digest) + 1))[:max(len(like), 16)]
    return digest.upper() if like.isupper() else digest


def build_input_csv(generated: Path, out: Path) -> InputCsv:
    """Copies the generated CSV to `out`, appending a blank line, five malformed lines and one
    exact duplicate, and computes what a correct ingest must make of the result."""
    text = generated.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines, f"{generated} is empty"
    header = next(csv.reader([lines[0]]))
    assert header == CANONICAL_HEADER, f"generated header {header} is not {CANONICAL_HEADER}"

    detections: list[Detection] = []
    invalid: dict[int, str] = {}
    seen: set[tuple[str, dt.datetime, str]] = set()
    plate_hashes: set[str] = set()
    generated_duplicates = 0
    data_lines = 0
    first_data: tuple[int, str, list[str]] | None = None
    for line_no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        data_lines += 1
        row = next(csv.reader([line]))
        if len(row) > 5 and row[5]:
            plate_hashes.add(row[5])
        outcome = validate_row(row, line_no)
        if isinstance(outcome, str):
            invalid[line_no] = outcome
            continue
        if first_data is None:
            first_data = (line_no, line, row)
        if outcome.key in seen:
            generated_duplicates += 1
            continue
        seen.add(outcome.key)
        detections.append(outcome)
    assert first_data is not None, f"{generated} has no valid data line"
    _, first_line, template = first_data

    def variant(n: int, **changes: str) -> list[str]:
        fields = dict(zip(CANONICAL_HEADER, template))
        fields["plate_hash"] = _fresh_plate_hash(n, template[5])
        fields.update(changes)
        return [fields[name] for name in CANONICAL_HEADER]

    wrong_columns = variant(1)[:-1]
    appended_rows = [
        ("wrong column count", wrong_columns),
        ("unparseable timestamp", variant(2, timestamp="2026-13-45T99:00:00Z")),
        ("latitude 123.0", variant(3, latitude="123.0")),
        ("empty camera_id", variant(4, camera_id="")),
        ("empty plate_hash", variant(5, plate_hash="")),
    ]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    blank_line_no = len(lines) + 1
    malformed: dict[int, str] = {}
    for offset, (what, row) in enumerate(appended_rows, start=blank_line_no + 1):
        assert isinstance(validate_row(row, offset), str), f"appended line '{what}' is valid"
        writer.writerow(row)
        malformed[offset] = what
        if len(row) > 5 and row[5]:
            plate_hashes.add(row[5])
    duplicate_line_no = blank_line_no + len(appended_rows) + 1

    body = text if text.endswith("\n") else text + "\n"
    out.write_text(body + "\n" + buffer.getvalue() + first_line + "\n", encoding="utf-8")
    return InputCsv(
        path=out, generated_path=generated,
        data_lines=data_lines + len(appended_rows) + 1,
        detections=detections, generated_invalid=invalid,
        generated_duplicates=generated_duplicates, malformed=malformed,
        blank_line_no=blank_line_no, duplicate_line_no=duplicate_line_no,
        plate_hashes=frozenset(plate_hashes),
    )


def csv_expected_counts(detections: list[Detection]) -> dict[str, dict[tuple[str, dt.datetime], int]]:
    """Counts computed directly from the accepted detections.

    Returns {"hourly": {(camera_id, begin_utc): n}, "daily": {(camera_id, begin_utc): n}} where
    begin_utc is the start of the Brussels local hour or day."""
    hourly: dict[tuple[str, dt.datetime], int] = defaultdict(int)
    daily: dict[tuple[str, dt.datetime], int] = defaultdict(int)
    for detection in detections:
        hourly[(detection.camera_id, hour_begin(detection.instant))] += 1
        daily[(detection.camera_id, local_day_bounds(local_day(detection.instant))[0])] += 1
    return {"hourly": dict(hourly), "daily": dict(daily)}


def suppressed_days(expected: dict[str, dict[tuple[str, dt.datetime], int]], k: int = MIN_COUNT) -> set:
    """Daily cells the complementary rule suppresses: their own count may be published, but the
    suppressed hours of that camera-day add up to between 1 and k-1 (they would follow by
    subtraction)."""
    hidden: dict[tuple[str, dt.datetime], int] = defaultdict(int)
    for (camera, begin), count in expected["hourly"].items():
        if 0 < count < k:
            hidden[(camera, local_day_bounds(local_day(begin))[0])] += count
    return {key for key, count in expected["daily"].items() if count >= k and 0 < hidden.get(key, 0) < k}


def camera_iri(base_url: str, camera_id: str) -> URIRef:
    return URIRef(f"{base_url}/id/camera/{quote(camera_id, safe='')}")


# --------------------------------------------------------------------------------------------
# The command-line tool
# --------------------------------------------------------------------------------------------

def _child_env(base_url: str) -> dict[str, str]:
    """Every command gets the server's base URL through KRUISPUNT_BASE_URL, so that IRIs minted
    by `treat` and written by `export` are the ones `serve` publishes (serve's default,
    http://HOST:PORT, is the same URL)."""
    # Nothing from the developer's KRUISPUNT_* settings (database URL, threshold, port, ...).
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRUISPUNT_")}
    env["KRUISPUNT_BASE_URL"] = base_url
    env["TZ"] = os.environ.get("KRUISPUNT_E2E_TZ", "UTC")
    return env


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


class Kruispunt:
    """Runs `kruispunt` subcommands on one data directory, one after another."""

    def __init__(self, binary: Path, data_dir: Path, port: int):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"

    def command(self, *args: str, options_last: bool = False,
                with_data_dir: bool = True) -> list[str]:
        """The argv; global options go before the subcommand, or after it with options_last."""
        global_options = ["--data-dir", str(self.data_dir)] if with_data_dir else []
        if options_last:
            return [str(self.binary), *args, *global_options]
        return [str(self.binary), *global_options, *args]

    def run_unchecked(self, *args: str, with_data_dir: bool = True,
                      timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        """Runs a subcommand to completion whatever its exit status (for tests of failures)."""
        return subprocess.run(self.command(*args, with_data_dir=with_data_dir), capture_output=True, text=True,
                              env=_child_env(self.base_url), cwd=self.data_dir.parent, timeout=timeout)

    def run(self, *args: str, options_last: bool = False, with_data_dir: bool = True,
            timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        """Runs a subcommand to completion; fails the test if it exits non-zero."""
        argv = self.command(*args, options_last=options_last, with_data_dir=with_data_dir)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=_child_env(self.base_url),
                                  timeout=timeout, cwd=self.data_dir.parent)
        except subprocess.TimeoutExpired as error:
            stderr = error.stderr or ""
            if isinstance(stderr, bytes):
                stderr = stderr.decode("utf-8", errors="replace")
            pytest.fail(f"`{' '.join(argv)}` did not finish within {timeout} s\n"
                        f"stderr:\n{_tail(stderr)}", pytrace=False)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(argv)}` exited with {done.returncode}\n"
                        f"stderr:\n{_tail(done.stderr)}", pytrace=False)
        return done


def postmaster_pid(data_dir: Path) -> Path:
    """The embedded cluster's pid file; it exists exactly while the cluster runs."""
    return data_dir / "pg" / "postmaster.pid"


def _stop_leftover_cluster(data_dir: Path) -> None:
    """Last-resort cleanup after a failed run: stops a cluster the binary left running."""
    if not postmaster_pid(data_dir).exists():
        return
    pg_ctl = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                                                        reverse=True)), None)
    if pg_ctl is None:
        warnings.warn(f"a cluster is still running in {data_dir / 'pg'} and pg_ctl was not found")
        return
    argv = [pg_ctl, "stop", "-m", "fast", "-D", str(data_dir / "pg")]
    if os.geteuid() == 0:
        owner = (data_dir / "pg").owner()
        if owner != "root":
            argv = ["runuser", "-u", owner, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if done.returncode == 0:
        warnings.warn(f"stopped a cluster left running in {data_dir / 'pg'}")
    else:
        warnings.warn(f"could not stop the cluster in {data_dir / 'pg'}: {done.stderr.strip()}")


def _allow_traversal(path: Path, up_to: Path) -> None:
    """Lets other users (the `postgres` account the binary may run the cluster as, when the
    suite runs as root) traverse `path` and its parents up to `up_to`; pytest creates its
    temporary directories with mode 0700. Traversal only: listing stays forbidden."""
    chain = [path, *path.parents]
    if up_to not in chain:
        chain = [path]
    for directory in chain:
        mode = directory.stat().st_mode
        directory.chmod(mode | stat.S_IXGRP | stat.S_IXOTH)
        if directory == up_to:
            break


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A `kruispunt serve` process on a free local port."""

    def __init__(self, cli: Kruispunt, log_path: Path):
        self.cli = cli
        self.port = cli.port
        self.base_url = cli.base_url
        self.stream_url = f"{self.base_url}/streams/vehicle-counts"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None
        self.stop_seconds: float | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return "(no log)"

    def start(self) -> None:
        argv = self.cli.command("serve", "--host", "127.0.0.1", "--port", str(self.port))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            env=_child_env(self.base_url), cwd=self.cli.data_dir.parent,
                                            start_new_session=True)
        deadline = time.monotonic() + LIVE_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`kruispunt serve` exited with {self.process.returncode} before "
                            f"becoming live\n{self.log_tail()}", pytrace=False)
            try:
                if requests.get(f"{self.base_url}/health/live", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        self.kill()
        pytest.fail(f"GET /health/live did not answer 200 within {LIVE_TIMEOUT_S} s\n"
                    f"{self.log_tail()}", pytrace=False)

    def stop(self) -> int:
        """SIGTERM, then waits up to STOP_TIMEOUT_S; returns the exit code (idempotent)."""
        if self.process is None:
            raise RuntimeError("server was never started")
        if self.exit_code is None:
            started = time.monotonic()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.exit_code = self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"`kruispunt serve` did not exit within {STOP_TIMEOUT_S} s of "
                            f"SIGTERM\n{self.log_tail()}", pytrace=False)
            self.stop_seconds = time.monotonic() - started
        return self.exit_code

    def kill(self) -> None:
        """Kills the server's own process group (it was started in a new session)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.exit_code = self.process.returncode


# --------------------------------------------------------------------------------------------
# HTTP and RDF
# --------------------------------------------------------------------------------------------

class Http:
    """A requests session that keeps every response body, for the privacy check."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.bodies: list[bytes] = []

    def get(self, url: str, accept: str | None = None) -> requests.Response:
        assert url.startswith(self.base_url + "/") or url == self.base_url, \
            f"refusing to fetch {url}: not under the base URL {self.base_url}"
        headers = {"Accept": accept}  # None removes the header entirely
        response = self.session.get(url, headers=headers, timeout=30)
        self.bodies.append(response.content)
        return response

    def fetch(self, url: str, fmt: str) -> requests.Response:
        """GETs `url` asking for one of MEDIA_TYPES; fails unless 200 with that media type."""
        response = self.get(url, MEDIA_TYPES[fmt])
        assert response.status_code == 200, f"GET {url} ({fmt}): {response.status_code}"
        assert media_type(response) == MEDIA_TYPES[fmt], \
            f"GET {url} Accept {MEDIA_TYPES[fmt]}: Content-Type {response.headers.get('Content-Type')}"
        return response

    def fetch_graph(self, url: str, fmt: str) -> Graph:
        """GETs `url` in a format and parses it with an independent client."""
        return parse_rdf(self.fetch(url, fmt).content, fmt, url, self._jsonld_loader)

    def _jsonld_loader(self, url: str, options: dict | None = None) -> dict:
        """PyLD document loader: remote contexts only from the server under test."""
        if not url.startswith(self.base_url + "/"):
            raise RuntimeError(f"JSON-LD refers to a remote document outside the server: {url}")
        response = self.get(url, "application/ld+json")
        response.raise_for_status()
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": response.json()}


def fetch_graph(http: Http, url: str, fmt: str) -> Graph:
    """Module-level spelling of Http.fetch_graph."""
    return http.fetch_graph(url, fmt)


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def header_tokens(response: requests.Response, name: str) -> set[str]:
    return {token.strip().lower() for token in response.headers.get(name, "").split(",") if token.strip()}


def parse_rdf(body: bytes, fmt: str, url: str, document_loader=None) -> Graph:
    """Parses a response body: Turtle and N-Triples with rdflib, JSON-LD with PyLD (to N-Quads,
    then rdflib). JSON-LD must describe the default graph only."""
    if fmt == "turtle":
        return Graph().parse(data=body.decode("utf-8"), format="turtle", publicID=url)
    if fmt == "ntriples":
        return Graph().parse(data=body.decode("utf-8"), format="nt")
    if fmt == "jsonld":
        options = {"format": "application/n-quads"}
        if document_loader is not None:
            options["documentLoader"] = document_loader
        nquads = jsonld.to_rdf(json.loads(body.decode("utf-8")), options)
        return default_graph_of(nquads, where=f"JSON-LD of {url}")
    raise ValueError(fmt)



def lower_tags(graph: Graph) -> Graph:
    """Language tags compare case-insensitively (RDF 1.1); raptor2 writes them in lower case."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def default_graph_of(nquads: str, where: str) -> Graph:
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    graph = Graph()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        assert g == DATASET_DEFAULT_GRAPH_ID, f"{where} puts triples in named graph {g}"
        graph.add((s, p, o))
    return graph


def union_of_nquads(nquads: str) -> tuple[Dataset, Graph]:
    """Parses N-Quads; returns the dataset and the union of all its graphs (blank nodes are
    document-scoped, so they stay shared across graphs)."""
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return dataset, union


def description(graph: Graph, subject) -> Graph:
    """The star pattern around `subject` plus, recursively, the blank nodes it reaches."""
    out = Graph()
    todo, seen = [subject], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for s, p, o in graph.triples((node, None, None)):
            out.add((s, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


# --------------------------------------------------------------------------------------------
# Harvesting the event stream
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Harvest:
    """Everything reachable from the stream: its root, its pages in link order, the members."""
    stream_url: str
    root: Graph
    pages: dict[str, Graph]                 # page IRI -> graph, in discovery order
    page_members: dict[str, list[URIRef]]   # page IRI -> members listed on it
    member_graphs: dict[URIRef, Graph]      # member -> its description on the first page listing it
    graph: Graph                            # union of root and pages

    @property
    def members(self) -> set[URIRef]:
        return set(self.member_graphs)

    @property
    def members_graph(self) -> Graph:
        """The union of the member descriptions (each member once)."""
        union = Graph()
        for graph in self.member_graphs.values():
            union += graph
        return union


def harvest(http: Http, stream_url: str, fmt: str = "turtle", max_pages: int = 10_000) -> Harvest:
    """Follows tree:view, then every tree:relation/tree:node, until no new node appears."""
    stream = URIRef(stream_url)
    root = http.fetch_graph(stream_url, fmt)
    queue = [str(node) for node in root.objects(stream, TREE.view)]
    pages: dict[str, Graph] = {}
    page_members: dict[str, list[URIRef]] = {}
    while queue:
        node = queue.pop(0)
        if node in pages:
            continue
        assert len(pages) < max_pages, f"more than {max_pages} pages: a relation loop?"
        graph = http.fetch_graph(node, fmt)
        pages[node] = graph
        page_members[node] = sorted(graph.objects(stream, TREE.member))
        for relation in graph.objects(URIRef(node), TREE.relation):
            queue.extend(str(target) for target in graph.objects(relation, TREE.node))
    member_graphs: dict[URIRef, Graph] = {}
    for node, listed in page_members.items():
        for member in listed:
            if member not in member_graphs:
                member_graphs[member] = description(pages[node], member)
    union = Graph()
    for graph in [root, *pages.values()]:
        union += graph
    return Harvest(stream_url, root, pages, page_members, member_graphs, union)


# --------------------------------------------------------------------------------------------
# Members as Python values
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CountMember:
    """One member (a version of an hourly or daily count), read with rdflib."""
    iri: URIRef
    version_of: URIRef
    generated_at: dt.datetime
    camera_id: str
    period: str                 # "hourly" or "daily"
    begin_literal: Literal
    end_literal: Literal
    begin: dt.datetime          # aware
    end: dt.datetime            # aware
    value: int | None
    suppressed: bool

    @property
    def key(self) -> tuple[str, dt.datetime]:
        """(camera_id, begin instant in UTC): what the CSV counts are keyed by."""
        return (self.camera_id, self.begin.astimezone(UTC))


def _one(graph: Graph, subject, predicate, what: str):
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, f"{what}: expected one {predicate}, found {values}"
    return values[0]


def read_member(graph: Graph, member: URIRef, base_url: str) -> CountMember:
    where = f"member {member}"
    camera = _one(graph, member, SOSA.hasFeatureOfInterest, where)
    prefix = f"{base_url}/id/camera/"
    assert str(camera).startswith(prefix), f"{where}: camera {camera} is not under {prefix}"
    period_iri = _one(graph, member, COT.hasAggregationPeriod, where)
    assert period_iri in (COT.Hourly, COT.Daily), f"{where}: period {period_iri}"
    interval = _one(graph, member, SOSA.phenomenonTime, where)
    begin_literal = _one(graph, _one(graph, interval, TIME.hasBeginning, where),
                         TIME.inXSDDateTimeStamp, where)
    end_literal = _one(graph, _one(graph, interval, TIME.hasEnd, where),
                       TIME.inXSDDateTimeStamp, where)
    begin, end = parse_xsd_datetime(str(begin_literal)), parse_xsd_datetime(str(end_literal))
    assert begin.tzinfo and end.tzinfo, f"{where}: interval bounds without offset"
    generated_at = parse_xsd_datetime(str(_one(graph, member, PROV.generatedAtTime, where)))
    assert generated_at.tzinfo, f"{where}: prov:generatedAtTime without time zone"
    results = list(graph.objects(member, SOSA.hasSimpleResult))
    suppressed_values = list(graph.objects(member, KP.suppressed))
    suppressed = any(isinstance(v, Literal) and v.datatype == XSD.boolean and v.toPython() is True
                     for v in suppressed_values)
    value = None
    if results:
        assert len(results) == 1, f"{where}: several results {results}"
        assert isinstance(results[0], Literal) and results[0].datatype == XSD.integer, \
            f"{where}: result {results[0]!r} is not an xsd:integer"
        value = int(str(results[0]))
    return CountMember(
        iri=member, version_of=_one(graph, member, DCTERMS.isVersionOf, where),
        generated_at=generated_at, camera_id=unquote(str(camera)[len(prefix):]),
        period="hourly" if period_iri == COT.Hourly else "daily",
        begin_literal=begin_literal, end_literal=end_literal, begin=begin, end=end,
        value=value, suppressed=suppressed,
    )


def latest_versions(members: list[CountMember]) -> dict[URIRef, CountMember]:
    """The latest version (greatest prov:generatedAtTime) of each observation."""
    latest: dict[URIRef, CountMember] = {}
    for member in members:
        current = latest.get(member.version_of)
        if current is not None:
            assert current.generated_at != member.generated_at, \
                f"{current.iri} and {member.iri} share version_of and generatedAtTime"
        if current is None or member.generated_at > current.generated_at:
            latest[member.version_of] = member
    return latest


# --------------------------------------------------------------------------------------------
# Session fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kruispunt_binary() -> Path:
    path = binary_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"kruispunt binary not found or not executable: {path}\n"
                    "Build it first (swift build) or point KRUISPUNT_BIN at it.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if not (path / "vocab" / "cot.ttl").is_file():
        pytest.fail(f"shared material not found: {path}/vocab/cot.ttl (set KRUISPUNT_SHARED)",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory) -> Path:
    """Scratch space for the CSV files and logs."""
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The data directory, not created yet: the binary creates it with the owners and modes
    its embedded cluster needs."""
    parent = tmp_path_factory.mktemp("kruispunt")
    if os.geteuid() == 0:
        _allow_traversal(parent, up_to=tmp_path_factory.getbasetemp().parent)
    path = parent / "data"
    yield path
    _stop_leftover_cluster(path)


@pytest.fixture(scope="session")
def cli(kruispunt_binary: Path, data_dir: Path) -> Kruispunt:
    """The command-line tool on the session's data directory. The server's port is chosen now,
    because every command is told the base URL (http://127.0.0.1:PORT)."""
    return Kruispunt(kruispunt_binary, data_dir, free_port())


@pytest.fixture(scope="session")
def input_csv(cli: Kruispunt, work_dir: Path) -> InputCsv:
    """The generated CSV with the suite's malformed and duplicate lines appended.

    `generate` needs no data directory; test_01 checks separately that it accepts one."""
    generated = work_dir / "generated.csv"
    cli.run("generate", "--out", str(generated), *GENERATE_ARGS, with_data_dir=False)
    assert generated.is_file(), f"`kruispunt generate` did not write {generated}"
    return build_input_csv(generated, work_dir / "detections.csv")


@dataclasses.dataclass
class IngestOutcome:
    summary: dict
    stdout: str
    stderr: str


@dataclasses.dataclass
class Pipeline:
    first_ingest: IngestOutcome
    second_ingest: IngestOutcome


def _ingest(cli: Kruispunt, path: Path) -> IngestOutcome:
    done = cli.run("ingest", str(path), "--json")
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        pytest.fail(f"`ingest --json` stdout is not one JSON object ({error}):\n{done.stdout[:2000]}",
                    pytrace=False)
    assert isinstance(summary, dict), f"`ingest --json` printed {summary!r}, not an object"
    return IngestOutcome(summary, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def pipeline(cli: Kruispunt, input_csv: InputCsv) -> Pipeline:
    """Ingests the CSV twice (the second time everything is a duplicate), then treats it with
    the default threshold. The treat command takes its global option after the subcommand."""
    first = _ingest(cli, input_csv.path)
    second = _ingest(cli, input_csv.path)
    cli.run("treat", options_last=True)
    return Pipeline(first, second)


@pytest.fixture(scope="session")
def server(cli: Kruispunt, pipeline: Pipeline, work_dir: Path) -> Server:
    """One `kruispunt serve` for the session. test_08 stops it on purpose; otherwise it is
    stopped here, and must exit 0 within STOP_TIMEOUT_S with its cluster stopped."""
    srv = Server(cli, work_dir / "serve.log")
    srv.start()
    try:
        yield srv
    finally:
        if srv.exit_code is None and srv.process is not None:
            code = srv.stop()
            assert code == 0, f"`kruispunt serve` exited with {code} on SIGTERM\n{srv.log_tail()}"
            assert not postmaster_pid(cli.data_dir).exists(), \
                "the embedded cluster is still running after `serve` exited"


@pytest.fixture
def live_server(server: Server) -> Server:
    """The session server, which must still be running."""
    if not server.running:
        pytest.fail("the server is no longer running (stopped by test_08_restart?)", pytrace=False)
    return server


@pytest.fixture(scope="session")
def http(server: Server) -> Http:
    return Http(server.base_url)


@pytest.fixture(scope="session")
def harvested(server: Server, http: Http) -> Harvest:
    """The whole stream, harvested in Turtle."""
    return harvest(http, server.stream_url, "turtle")


@pytest.fixture(scope="session")
def count_members(harvested: Harvest, server: Server) -> list[CountMember]:
    return [read_member(graph, member, server.base_url)
            for member, graph in harvested.member_graphs.items()]


@pytest.fixture(scope="session")
def latest(count_members: list[CountMember]) -> list[CountMember]:
    return list(latest_versions(count_members).values())


@pytest.fixture(scope="session")
def expected_counts(input_csv: InputCsv) -> dict[str, dict[tuple[str, dt.datetime], int]]:
    return csv_expected_counts(input_csv.detections)


@dataclasses.dataclass
class Export:
    plain: str
    canonical: str


@pytest.fixture(scope="session")
def export_while_serving(cli: Kruispunt, server: Server) -> Export:
    """`export --format nquads` (plain and --canonical) while `serve` runs on the same dir."""
    assert server.running, "export_while_serving needs the server running"
    plain = cli.run("export", "--format", "nquads").stdout
    canonical = cli.run("export", "--format", "nquads", "--canonical").stdout
    return Export(plain, canonical)


# --------------------------------------------------------------------------------------------
# Helpers for the tests that run their own data directory or server
# --------------------------------------------------------------------------------------------

def private_dir(tmp_path_factory, name: str) -> Path:
    """A fresh folder the `postgres` user can traverse (when the suite runs as root)."""
    parent = tmp_path_factory.mktemp(name)
    if os.geteuid() == 0:
        _allow_traversal(parent, up_to=tmp_path_factory.getbasetemp().parent)
    return parent


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's KRUISPUNT_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRUISPUNT_")}
    env.update(extra)
    return env


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a postmaster's backends and helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_ready(base_url: str, process: subprocess.Popen | None = None, seconds: float = 90) -> None:
    """Waits until `base_url`/health/ready answers 200 (fails early if `process` exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before it was ready")
        time.sleep(0.2)
    raise AssertionError(f"{base_url} was not ready within {seconds} s")


def psql_rows(data: Path, sql: str) -> list[list[str]]:
    """Runs SQL as `postgres` on the embedded cluster of data folder `data` (while it runs);
    the rows, tab-separated fields split."""
    done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", str(data / "run"), "-U", "postgres", "-d", "kruispunt",
                           "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def generated_network(cli, parent: Path, *options: str) -> None:
    """`kruispunt generate OPTIONS` into `parent` (registry files, `extract.csv` and `d.csv`), then
    its cameras, zones and detections loaded through `cli` (from `cli_runner`)."""
    cli("generate", *options, "--registry", str(parent), "--registry-extract", str(parent / "extract.csv"), "--out", str(parent / "d.csv"))
    cli("cameras", "import", str(parent / "cameras.csv"))
    cli("zones", "import", str(parent / "zones.csv"))
    cli("ingest", str(parent / "d.csv"))


def cli_runner(binary: Path, data: Path, env: dict[str, str]):
    """`cli(*args, check=True)`: runs `kruispunt --data-dir DATA ARGS` with `env`, text output;
    with `check`, a non-zero exit fails the test with the end of its standard error."""
    def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(binary), "--data-dir", str(data), *args], capture_output=True, text=True,
                              env=env, timeout=120)
        if check:
            assert done.returncode == 0, done.stderr[-2000:]
        return done
    return cli


@contextlib.contextmanager
def serving(binary: Path, data: Path, env: dict[str, str], never_logged: tuple[str, ...] = ()):
    """`kruispunt serve` on a free port with `env`, ready; yields its base URL. On leaving, stops
    it with SIGTERM and checks that it exited cleanly and that none of `never_logged` (tokens,
    say) reached its standard error."""
    port = free_port()
    process = subprocess.Popen([str(binary), "--data-dir", str(data), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process)
    try:
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=60)[1].decode()
        assert process.returncode == 0, stderr[-2000:]
        assert not any(secret in stderr for secret in never_logged), "a secret reached the server's log"
