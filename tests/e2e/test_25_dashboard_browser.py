"""Issue 8: the dashboard in headless Chromium on the data `kruispunt demo` publishes. Every page
opens without a console error, draws its charts from the embedded answers, passes our WCAG A/AA
checks and leaves a screenshot; filters live in the URL; a chart's query link runs at /sparql and
its CSV holds the chart's numbers; an upload reaches the open page as a live update."""

import csv
import datetime as dt
import io
import json
import re
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from rdflib import Graph
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import accessibility_problems, chromium, console_errors, screenshot, wait_for_charts
from conftest import clean_env, free_port, private_dir, wait_ready

TOKEN = "ingest-token-for-the-dashboard-test"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PAGES = {"overzicht": "/", "camera": "/camera/1202501", "stromen": "/stromen", "zones": "/zones", "vergelijk": "/vergelijk",
         "overview-en": "/?taal=en"}


@pytest.fixture(scope="module")
def demo(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "dashboard")
    port = free_port()
    env = clean_env(KRUISPUNT_TILE_URL="", KRUISPUNT_INGEST_TOKENS=TOKEN)
    log = parent / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(kruispunt_binary), "--data-dir", str(parent / "data"), "demo", "--port", str(port),
             "--cameras", "4", "--vehicles", "3000", "--days", "3"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process, seconds=600)
    yield base, parent / "data"
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    output = log.read_text(errors="replace")
    assert process.returncode == 0, output[-3000:]
    assert "feed0000" not in output and TOKEN not in output, "a plate hash or token reached the log"


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def test_every_page_opens_draws_and_passes_the_accessibility_checks(demo, browser):
    base, _ = demo
    report = []
    for name, path in PAGES.items():
        browser.get(base + path)
        wait_for_charts(browser)
        errors = console_errors(browser)
        assert not errors, f"{path}: console errors {errors}"
        assert not browser.find_elements(By.CSS_SELECTOR, "p.error"), \
            f"{path}: a panel failed: {[e.text for e in browser.find_elements(By.CSS_SELECTOR, 'p.error')]}"
        charts = browser.execute_script("return document.querySelectorAll('.chart[data-chart]').length")
        assert charts >= 1, f"{path}: no chart"
        problems = accessibility_problems(browser)
        assert not problems, f"{path}: WCAG problems {problems[:20]}"
        # Every panel shows its query, runs it at /sparql and offers the downloads.
        for section in browser.find_elements(By.CSS_SELECTOR, "section.panel[data-panel]:not(#p-live)"):
            assert section.find_element(By.CSS_SELECTOR, "details.query code").get_attribute("textContent").strip()
            links = [a.get_attribute("href") for a in section.find_elements(By.CSS_SELECTOR, ".downloads a")]
            assert any("/sparql?query=" in h for h in links), f"{path} {section.get_attribute('id')}: no query link"
            assert any("format=csv" in h for h in links)
        # The page describes its data for portals (schema.org Dataset and DCAT, in JSON-LD).
        ld = json.loads(browser.find_element(By.CSS_SELECTOR, "script[type='application/ld+json']").get_attribute("textContent"))
        graph = Graph().parse(data=json.dumps(ld), format="json-ld")
        assert any(str(o) == "https://schema.org/Dataset" for o in graph.objects()), f"{path}: no schema:Dataset"
        assert any(str(o) == "http://www.w3.org/ns/dcat#Dataset" for o in graph.objects()), f"{path}: no dcat:Dataset"
        paint = browser.execute_script(
            "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null")
        transfer = browser.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".reduce((s, e) => s + (e.transferSize || e.encodedBodySize || 0), 0)")
        report.append(f"{path}: {charts} charts, first contentful paint {paint} ms, {transfer} bytes")
        screenshot(browser, SCREENSHOTS, name)
    print("\n".join(report))


def test_pages_fit_a_tablet_and_work_from_the_keyboard(demo, browser):
    """A tablet (768x1024) gets no horizontal page scroll (wide tables scroll in their own box);
    Tab starts at the skip link, which leads to the content, and reaches the filters."""
    from selenium.webdriver.common.keys import Keys
    base, _ = demo
    browser.set_window_size(768, 1024)
    try:
        for path in PAGES.values():
            browser.get(base + path)
            wait_for_charts(browser)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path}: {overflow} px wider than a tablet"
    finally:
        browser.set_window_size(1366, 768)
    browser.get(base + "/")
    wait_for_charts(browser)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    first = browser.switch_to.active_element
    assert first.get_attribute("class") == "skip" and first.get_attribute("href").endswith("#inhoud")
    assert browser.execute_script("const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.width > 0"), \
        "the skip link stays off screen when focused"
    first.send_keys(Keys.ENTER)
    reached = set()
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(browser.switch_to.active_element.get_attribute("name") or "")
    assert {"camera", "zone", "van", "tot"} <= reached, f"Tab did not reach the filters: {sorted(reached)}"
    assert not console_errors(browser)


def test_filters_live_in_the_url_and_narrow_the_answers(demo, browser):
    base, _ = demo
    browser.get(base + "/")
    wait_for_charts(browser)
    days = [td.get_attribute("datetime") for td in browser.find_elements(By.CSS_SELECTOR, "#p-per-dag tbody time")]
    assert len(days) >= 2, days
    # Choose one day and one camera in the form, apply: the URL carries them, the page shows them.
    browser.execute_script("""
        document.querySelector('input[name=van]').value = arguments[0];
        document.querySelector('input[name=tot]').value = arguments[0];
        const select = document.querySelector('select[name=camera]');
        for (const o of select.options) o.selected = o.value === '1202501';
    """, days[-1])
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda d: "van=" in d.current_url)
    wait_for_charts(browser)
    query = parse_qs(urlparse(browser.current_url).query)
    assert query["van"] == [days[-1]] and query["tot"] == [days[-1]] and query["camera"] == ["1202501"], browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "#p-per-camera tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "th").get_attribute("data-value") for r in rows] == ["1202501"]
    assert not console_errors(browser)
    # The same URL opened again (a bookmark) gives the same page.
    shared = browser.current_url
    browser.get(shared)
    wait_for_charts(browser)
    assert [r.find_element(By.CSS_SELECTOR, "th").get_attribute("data-value")
            for r in browser.find_elements(By.CSS_SELECTOR, "#p-per-camera tbody tr")] == ["1202501"]
    # A malformed filter is a clear 400, not a page with wrong numbers.
    bad = requests.get(base + "/?van=2026-13-01", timeout=30)
    assert bad.status_code == 400 and "van" in bad.text


def test_the_map_draws_each_zones_imported_outline(demo, browser):
    """The demo imports a 24-sided outline per centre zone: the zones panel's answer carries it as
    WKT (from the published graph) and the map draws it, not the hull of the zone's three cameras."""
    base, _ = demo
    browser.get(base + "/?gemeente=Mechelen")
    wait_for_charts(browser)
    answer = json.loads(browser.find_element(By.ID, "p-zones-data").get_attribute("textContent"))
    outlines = {b["zone"]["value"]: b["wkt"]["value"] for b in answer["results"]["bindings"] if "wkt" in b}
    assert list(outlines) == [base + "/id/zone/mechelen-centrum"], outlines
    wkt = outlines[base + "/id/zone/mechelen-centrum"]
    assert wkt.startswith("POLYGON((") and wkt.count(",") == 24, wkt
    vertices = browser.execute_script("""
        return Array.from(document.querySelectorAll('#p-kaart .leaflet-overlay-pane path'))
          .filter(p => p.getAttribute('stroke') === '#d9480f')
          .map(p => (p.getAttribute('d').match(/L/g) || []).length + 1);""")
    assert len(vertices) == 1 and vertices[0] >= 12, f"zone outlines drawn: {vertices}"
    assert not console_errors(browser)


def test_a_charts_query_link_and_csv_give_the_charts_numbers(demo, browser):
    base, _ = demo
    browser.get(base + "/")
    wait_for_charts(browser)
    chart = browser.execute_script("""
        const c = Chart.getChart(document.querySelector('#p-per-dag canvas'));
        return {labels: c.data.labels, values: c.data.datasets[0].data};""")
    csv_link = browser.find_element(By.CSS_SELECTOR, "#p-per-dag a[data-download=csv]").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(requests.get(csv_link, timeout=60).text)))
    assert [float(r["vehicles"]) if not (int(r["withheld"]) and not float(r["vehicles"])) else None for r in rows] == chart["values"]
    # The query link runs the shown query at /sparql (the browser follows it).
    run = browser.find_element(By.CSS_SELECTOR, "#p-per-dag a.run")
    shown_query = browser.find_element(By.CSS_SELECTOR, "#p-per-dag-query").get_attribute("textContent")
    assert parse_qs(urlparse(run.get_attribute("href")).query)["query"] == [shown_query]
    run.click()
    WebDriverWait(browser, 30).until(lambda d: "/sparql" in d.current_url and d.find_elements(By.ID, "results"))
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#results thead th")]
    column = headers.index("?vehicles")
    shown = [float(tr.find_elements(By.TAG_NAME, "td")[column].get_attribute("data-value"))
             for tr in browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")]
    assert shown == [float(r["vehicles"]) for r in rows]
    assert browser.find_element(By.ID, "query").get_attribute("value") == shown_query
    assert not console_errors(browser)
    # The RDF downloads are the observations behind the chart.
    browser.back()
    turtle_link = browser.find_element(By.CSS_SELECTOR, "#p-per-dag a[data-download=turtle]").get_attribute("href")
    graph = Graph().parse(data=requests.get(turtle_link, timeout=60).text, format="turtle")
    assert len(set(graph.subjects())) > len(rows)
    jsonld = requests.get(browser.find_element(By.CSS_SELECTOR, "#p-per-dag a[data-download=jsonld]").get_attribute("href"), timeout=60)
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


def test_an_upload_reaches_the_open_page_live(demo, browser):
    base, data_dir = demo
    browser.get(base + "/")
    wait_for_charts(browser)
    WebDriverWait(browser, 30).until(
        lambda d: "Live" in d.find_element(By.CSS_SELECTOR, "[data-live-status]").text)
    before = int(browser.find_element(By.ID, "p-live").get_attribute("data-last"))
    # New vehicles at two cameras in the latest hour of the demo's data.
    detections = (data_dir / "demo-detections.csv").read_text().splitlines()
    last = detections[-1].split(",")
    body = detections[0] + "\n" + "".join(
        f"{camera},BO,{last[2]},{last[3]},{last[4]},{'%064x' % (0xfeed0000 + i)},BE,50,car\n"
        for i in range(30) for camera in ("1202501", "1202502"))
    response = requests.post(f"{base}/api/ingest", data=body.encode(),
                             headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"}, timeout=60)
    assert response.status_code in (200, 201, 202), response.text
    WebDriverWait(browser, 90).until(
        lambda d: d.execute_script("return Number(document.body.getAttribute('data-live-seq') || 0)") > before)
    newest = browser.find_element(By.CSS_SELECTOR, "[data-live-feed] li").get_attribute("data-seq")
    assert int(newest) > before
    # The open charts were redrawn from the fresh answers, without reloading the page.
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-refreshed"))
    assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1
    assert not console_errors(browser)
    # The cells republished with the upload are counted once: the dashboard's day total of a
    # camera equals the latest version in its time series, and the superseded version links to it.
    day = last[2][:10]
    next_day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()  # `to` is exclusive
    page = requests.get(f"{base}/?van={day}&tot={day}&camera=1202501", timeout=60).text
    shown = re.search(r'<th scope="row" data-value="1202501">.*?<td class="num" data-value="(\d+)"', page[page.index('id="p-per-camera"'):], re.S)
    series = list(csv.DictReader(io.StringIO(requests.get(
        f"{base}/timeseries/1202501/vehicle-count?period=day&from={day}&to={next_day}&format=csv", timeout=60).text)))
    assert shown and series and int(shown.group(1)) == int(series[0]["value"]), (shown and shown.group(1), series)
    ask = requests.get(f"{base}/sparql", params={"query": "ASK { ?old <http://purl.org/dc/terms/isReplacedBy> ?new }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    assert ask["boolean"] is True
    # The polling fallback gives the same observations.
    polled = requests.get(f"{base}/live.json?after={before}", timeout=30).json()
    assert polled["observations"] and all(o["seq"] > before for o in polled["observations"])
    assert not any(re.fullmatch(r"[0-9a-f]{64}", str(v)) for o in polled["observations"] for v in o.values())
