"""Contract 6: the Dutch dashboard at / shows, for a chosen day (`?van=D&tot=D`), the daily
count of every camera with data in its table "Voertuigen per camera", equal to the CSV count or
marked as withheld ("< k") below the threshold, never as zero."""

import dataclasses
import re
from html.parser import HTMLParser

import pytest

from conftest import (MIN_COUNT, Http, InputCsv, Server, csv_expected_counts, local_day, local_day_bounds,
                      suppressed_days)


@dataclasses.dataclass
class CameraRow:
    camera_id: str
    text: str = ""
    count_attribute: str | None = None
    cell_seen: bool = False
    suppressed: bool = False


class DashboardParser(HTMLParser):
    """Collects <html lang> and the rows of the table in <section id="p-per-camera">: the camera
    in the row header's data-value, the count in the cell's data-value (or data-suppressed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.rows: list[CameraRow] = []
        self._section = False
        self._in_body = False
        self._row: CameraRow | None = None
        self._in_count = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "section":
            self._section = attributes.get("id") == "p-per-camera"
        elif self._section and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "th" and "data-value" in attributes:
            self._row = CameraRow(attributes["data-value"] or "")
            self.rows.append(self._row)
        elif self._in_body and tag == "td" and self._row is not None and "data-value" in attributes:
            self._row.cell_seen = True
            self._row.count_attribute = attributes["data-value"]
            self._row.suppressed |= "data-suppressed" in attributes
            self._in_count = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_count = False
        elif tag == "tr":
            self._row, self._in_count = None, False
        elif tag == "tbody":
            self._in_body = False
        elif tag == "section":
            self._section = False

    def handle_data(self, data):
        if self._in_count and self._row is not None:
            self._row.text += data


def displayed_count(row: CameraRow) -> int:
    """The integer a row shows (data-value="N" if given, otherwise the cell text)."""
    if row.count_attribute and row.count_attribute.strip().isdigit():
        return int(row.count_attribute)
    digits = re.sub(r"[\s.\u00a0\u202f]", "", row.text)
    assert digits.isdigit(), f"camera {row.camera_id}: count cell {row.text!r} is not an integer"
    return int(digits)


@pytest.fixture(scope="module")
def dashboard(server: Server, http: Http, input_csv: InputCsv):
    assert server.running, "the server is no longer running"
    latest_day = max(local_day(d.instant) for d in input_csv.detections)
    response = http.get(f"{server.base_url}/?van={latest_day}&tot={latest_day}", "text/html")
    assert response.status_code == 200
    parser = DashboardParser()
    parser.feed(response.content.decode("utf-8"))
    parser.close()
    return response, parser


def test_dashboard_is_dutch_utf8_html(dashboard):
    response, parser = dashboard
    content_type = [part.strip().lower().replace(" ", "")
                    for part in response.headers.get("Content-Type", "").split(";")]
    assert content_type[0] == "text/html"
    assert "charset=utf-8" in content_type[1:], response.headers.get("Content-Type")
    assert parser.lang in ("nl", "nl-BE")


def test_dashboard_lists_the_latest_day_counts(dashboard, input_csv: InputCsv):
    _, parser = dashboard
    latest_day = max(local_day(d.instant) for d in input_csv.detections)
    begin, end = local_day_bounds(latest_day)
    expected: dict[str, int] = {}
    for detection in input_csv.detections:
        if begin <= detection.instant < end:
            expected[detection.camera_id] = expected.get(detection.camera_id, 0) + 1

    complementary = suppressed_days(csv_expected_counts(input_csv.detections))
    rows = {row.camera_id: row for row in parser.rows}
    assert len(rows) == len(parser.rows), "a camera has several rows"
    # Cameras without detections that day may be listed, with a published zero.
    extra = {c: r for c, r in rows.items() if c not in expected}
    assert all(not r.suppressed and displayed_count(r) == 0 for r in extra.values()), extra
    assert set(expected) <= set(rows), \
        f"cameras on {latest_day}: expected {sorted(expected)}, listed {sorted(rows)}"
    problems = []
    for camera, count in sorted(expected.items()):
        row = rows[camera]
        if not row.cell_seen:
            problems.append(f"{camera}: no count cell")
        elif 0 < count < MIN_COUNT or (camera, begin) in complementary:
            shown = re.findall(r"\d+", row.text)
            if not row.suppressed or str(count) in shown or row.text.strip() != f"< {MIN_COUNT}":
                problems.append(f"{camera}: count {count} must be shown as '< {MIN_COUNT}' with data-suppressed, "
                                f"shows {row.text!r} suppressed={row.suppressed}")
        elif row.suppressed or displayed_count(row) != count:
            problems.append(f"{camera}: expected {count}, shows {row.text!r} suppressed={row.suppressed}")
    assert not problems, "\n".join(problems)
