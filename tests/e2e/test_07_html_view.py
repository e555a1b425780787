"""Linked Data for people who click a link: a browser's Accept header gets an HTML page (Dutch
first) with the same data as the Turtle of the URL, every IRI a link; RDF clients keep getting
RDF, and `?format=` still wins."""

from __future__ import annotations

from html.parser import HTMLParser

from rdflib import URIRef

from conftest import TREE

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: set[str] = set()
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.add(attrs["href"])
        if tag == "html":
            self.lang = attrs.get("lang")


def test_a_browser_gets_a_readable_page_with_the_same_links(http, live_server):
    url = f"{live_server.stream_url}/latest"
    turtle = http.fetch_graph(url, "turtle")
    response = http.get(url, BROWSER)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Accept" in response.headers.get("Vary", "")
    page = Links()
    page.feed(response.text)
    assert page.lang == "nl"
    members = set(turtle.objects(URIRef(live_server.stream_url), TREE.member))
    assert members and all(str(m) in page.hrefs for m in members)
    iris = {str(t) for triple in turtle for t in triple if isinstance(t, URIRef)}
    assert iris <= page.hrefs, f"IRIs without a link: {sorted(iris - page.hrefs)[:5]}"
    assert any("format=turtle" in href for href in page.hrefs)


def test_rdf_clients_and_format_still_get_rdf(http, live_server):
    url = f"{live_server.stream_url}/latest"
    assert http.get(url, "text/turtle, text/html;q=0.5").headers["Content-Type"].startswith("text/turtle")
    assert http.get(url, None).headers["Content-Type"].startswith("text/turtle")
    assert http.get(url + "?format=ntriples", BROWSER).headers["Content-Type"].startswith("application/n-triples")
    assert http.get(url + "?format=html", "text/turtle").headers["Content-Type"].startswith("text/html")
