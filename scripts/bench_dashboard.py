"""Dashboard pages for `make bench`: server-side render time (p50/p95 over warm runs), the page's
total transfer before map tiles (HTML plus the scripts and style sheets it loads, as sent with
gzip and as decoded), and the first contentful paint in headless Chromium. Prints one JSON object."""

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from urllib.parse import urljoin

import requests


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def assets(base, html):
    urls = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html)
    return [urljoin(base, u) for u in urls]


def sizes(session, url):
    """(bytes on the wire, bytes decoded) of one GET, with the client's usual Accept-Encoding."""
    response = session.get(url, timeout=300, stream=True)
    wire = response.raw.read(decode_content=False)
    decoded = gzip.decompress(wire) if response.headers.get("Content-Encoding") == "gzip" else wire
    return len(wire), len(decoded)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pages", required=True, help="JSON list of [name, path]")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    pages = json.loads(args.pages)
    session = requests.Session()
    out = {"pages": {}}
    for name, path in pages:
        url = args.base + path
        for _ in range(2):
            session.get(url, timeout=300)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = session.get(url, timeout=300)
            times.append((time.perf_counter() - start) * 1000)
        html = response.text
        measured = [sizes(session, u) for u in [url] + assets(args.base, html)]
        transfer, decoded = sum(m[0] for m in measured), sum(m[1] for m in measured)
        errors = len(re.findall(r'class="error"', html))
        out["pages"][name] = {"status": response.status_code, "p50_ms": statistics.median(times), "p95_ms": percentile(times, 95),
                              "html_bytes": len(response.content), "transfer_bytes": transfer, "decoded_bytes": decoded,
                              "panel_errors": errors}
    if args.browser:
        try:
            sys.path.insert(0, "tests/e2e")
            from browser import chromium
            driver = chromium()
            try:
                for name, path in pages:
                    driver.get(args.base + path)
                    paint = driver.execute_script(
                        "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null")
                    out["pages"][name]["first_contentful_paint_ms"] = paint
            finally:
                driver.quit()
        except Exception as error:  # the render figures stand without the browser's
            out["browser_error"] = str(error)[:300]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
