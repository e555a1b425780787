"""`kruispunt demo` (what `make demo` runs): generates, ingests and treats a data set, then serves
the dashboard and the event stream; Ctrl-C (SIGINT) stops it and its embedded cluster."""

import gzip
import re
import signal
import subprocess

import requests
from rdflib import Graph, Namespace, URIRef

from conftest import clean_env, free_port, postmaster_pid, private_dir, wait_ready

LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")


def test_demo_serves_the_dashboard_and_the_stream(kruispunt_binary, tmp_path_factory):
    parent = private_dir(tmp_path_factory, "demo")
    data_dir = parent / "data"
    port = free_port()
    env = clean_env()
    process = subprocess.Popen(
        [str(kruispunt_binary), "--data-dir", str(data_dir), "demo", "--port", str(port),
         "--cameras", "5", "--vehicles", "2400", "--days", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)

        page = requests.get(f"{base}/", timeout=10)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert '<html lang="nl-BE">' in page.text
        table = page.text[page.text.index('id="p-per-camera"'):]
        table = table[:table.index("</section>")]
        rows = re.findall(r'<th scope="row" data-value="([^"]+)"', table)
        # Four pilot cities (NIS codes), five cameras each, named from the imported registry.
        assert sorted(rows) == sorted(f"{nis}0{i}" for nis in ("12025", "13040", "34022", "11002") for i in range(1, 6)), rows
        assert "Mechelen cordon 1 inkomend" in page.text or "1202501" in page.text
        assert re.search(r'<td class="num" data-value="\d+"', table), "no published count on the demo page"

        root = requests.get(f"{base}/streams/vehicle-counts", headers={"Accept": "text/turtle"}, timeout=10)
        graph = Graph().parse(data=root.text, format="turtle", publicID=root.url)
        stream = URIRef(f"{base}/streams/vehicle-counts")
        assert (stream, None, LDES.EventStream) in graph
        assert graph.value(stream, TREE.view) is not None
        first_page = requests.get(f"{base}/streams/vehicle-counts/latest", headers={"Accept": "text/turtle"}, timeout=10)
        first = Graph().parse(data=first_page.text, format="turtle")
        assert len(list(first.objects(stream, TREE.member))) == 100
        # Text answers go gzip-compressed to clients that accept it and decode to the same bytes;
        # a compressed page's ETag still answers a conditional request; the live feed is never compressed.
        for path in ("/public/dashboard.js", "/vendor/chart.js/chart.min.js", "/streams/vehicle-counts/latest"):
            plain = requests.get(base + path, headers={"Accept-Encoding": "identity", "Accept": "text/turtle"}, timeout=10)
            assert plain.status_code == 200 and "Content-Encoding" not in plain.headers, path
            packed = requests.get(base + path, headers={"Accept-Encoding": "gzip", "Accept": "text/turtle"}, timeout=10, stream=True)
            wire = packed.raw.read(decode_content=False)
            assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"], path
            assert gzip.decompress(wire) == plain.content and len(wire) < len(plain.content) / 2, path
        etag = packed.headers["ETag"]
        assert etag.endswith('-gzip"'), etag
        again = requests.get(base + "/streams/vehicle-counts/latest", timeout=10,
                             headers={"Accept-Encoding": "gzip", "Accept": "text/turtle", "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag
        with requests.get(f"{base}/live", headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True) as live:
            assert live.headers["Content-Type"].startswith("text/event-stream") and "Content-Encoding" not in live.headers
        bodies = [page.text, root.text, first_page.text]
        bodies += [requests.get(str(c), timeout=10).text for c in set(first.objects(None, SOSA.madeBySensor))]
        pseudonyms = subprocess.run(["psql", "-X", "-A", "-t", "-h", str(data_dir / "run"), "-U", "postgres", "-d", "kruispunt",
                                     "-c", "SELECT DISTINCT encode(pseudonym, 'hex') FROM detections"],
                                    capture_output=True, text=True, timeout=60).stdout.split()
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output[-3000:]
    assert "Dashboard (nl)" in output and f"{base}/" in output, "the demo does not print its URLs"
    assert not postmaster_pid(data_dir).exists(), "the demo left its cluster running"

    # After the demo run: no plate hash and no pseudonym in any response or anywhere in the store.
    export = subprocess.run([str(kruispunt_binary), "--data-dir", str(data_dir), "export", "--format", "nquads"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert export.returncode == 0 and export.stdout.count("\n") > 1000, export.stderr[-2000:]
    with (data_dir / "demo-detections.csv").open() as f:
        plates = {line.split(",")[5] for line in list(f)[1:]}
    assert len(plates) > 1000 and len(pseudonyms) > 1000
    haystack = "\n".join(bodies + [export.stdout]).lower()
    leaked = [v for v in list(plates) + pseudonyms if v.lower() in haystack]
    assert not leaked, f"{len(leaked)} plate hashes or pseudonyms leaked, e.g. {leaked[:3]}"
