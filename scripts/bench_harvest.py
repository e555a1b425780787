"""A harvester for the benchmark: starting from an event stream's IRI only, it follows
tree:view and every tree:relation's tree:node, in N-Quads or JSON-LD, with a few requests in
flight, and counts the distinct members it finds. Prints one JSON line:
{"members": ..., "pages": ..., "bytes": ..., "seconds": ...}.

    python scripts/bench_harvest.py STREAM_IRI [--format nquads|jsonld] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import sys
import threading
import time
from urllib.parse import urlsplit

TREE = "https://w3id.org/tree#"
MEDIA = {"nquads": "application/n-quads", "jsonld": "application/ld+json"}


class Client:
    """One keep-alive connection."""

    def __init__(self, host: str, port: int):
        self.connection = http.client.HTTPConnection(host, port, timeout=120)

    def get(self, path: str, accept: str) -> bytes:
        for attempt in range(5):
            try:
                self.connection.request("GET", path, headers={"Accept": accept})
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                continue
            if response.status == 429 or response.status >= 500:
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status == 410:
                return b""
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status}")
            return body
        raise RuntimeError(f"GET {path}: no answer after 5 attempts")


def links_nquads(body: bytes, stream: str) -> tuple[list[str], list[str]]:
    nodes, members = [], []
    node_p, member_p = f"<{TREE}node>".encode(), f"<{stream}> <{TREE}member> ".encode()
    for line in body.split(b"\n"):
        if member_p in line:
            members.append(line.split(b" ")[2][1:-1].decode())
        elif node_p in line:
            nodes.append(line.split(b" ")[2][1:-1].decode())
        elif b"<" + TREE.encode() + b"view>" in line:
            nodes.append(line.split(b" ")[2][1:-1].decode())
    return nodes, members


def links_jsonld(body: bytes, stream: str) -> tuple[list[str], list[str]]:
    """Compacted JSON-LD with Kruispunt's context: the top-level nodes, the stream's `member`
    and `view`, and the `node` of each embedded `relation` (the client stays cheap, so that the
    figure is the server's)."""
    nodes, members = [], []

    def ids(value):
        for v in value if isinstance(value, list) else [value]:
            yield v["@id"] if isinstance(v, dict) else v

    document = json.loads(body)
    for node in document.get("@graph", [document]):
        if node.get("@id") == stream:
            members.extend(ids(node.get("member", [])))
            nodes.extend(ids(node.get("view", [])))
        for relation in node.get("relation", []) if isinstance(node.get("relation"), list) else [node["relation"]] if "relation" in node else []:
            if isinstance(relation, dict) and "node" in relation:
                nodes.extend(ids(relation["node"]))
    return nodes, members


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("stream")
    parser.add_argument("--format", choices=sorted(MEDIA), default="nquads")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    target = urlsplit(args.stream)
    parse = links_nquads if args.format == "nquads" else links_jsonld
    todo: queue.Queue = queue.Queue()
    seen, members, lock = {args.stream}, set(), threading.Lock()
    totals = {"pages": 0, "bytes": 0, "pending": 1, "error": None}
    done = threading.Event()
    todo.put(args.stream)

    def worker():
        client = Client(target.hostname, target.port or 80)
        while not done.is_set():
            try:
                url = todo.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                parts = urlsplit(url)
                body = client.get(parts.path + (f"?{parts.query}" if parts.query else ""), MEDIA[args.format])
                nodes, listed = parse(body, args.stream)
            except Exception as error:  # reported, then every worker stops
                with lock:
                    totals["error"] = f"{url}: {error}"
                done.set()
                return
            with lock:
                totals["pages"] += 1
                totals["bytes"] += len(body)
                members.update(listed)
                for node in nodes:
                    if node not in seen and node.startswith(f"{target.scheme}://{target.netloc}/"):
                        seen.add(node)
                        totals["pending"] += 1
                        todo.put(node)
                totals["pending"] -= 1
                if totals["pending"] == 0:
                    done.set()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    if totals["error"]:
        print(json.dumps({"error": totals["error"]}))
        return 1
    print(json.dumps({"members": len(members), "pages": totals["pages"], "bytes": totals["bytes"], "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
