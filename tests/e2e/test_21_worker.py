"""`kruispunt worker` treats continuously: it publishes what the watermark closed, closes every
bucket once the feed has been idle for KRUISPUNT_IDLE_CLOSE seconds, and stops on SIGTERM.
`zones import` takes a per-zone transit limit."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import Kruispunt, _child_env, _stop_leftover_cluster, free_port, private_dir


def test_worker_publishes_then_closes_when_idle_and_stops_on_sigterm(tmp_path_factory, kruispunt_binary):
    work = private_dir(tmp_path_factory, "worker")
    cli = Kruispunt(kruispunt_binary, work / "data", free_port())
    csv_path, registry = work / "d.csv", work / "registry"
    cli.run("generate", "--vehicles", "400", "--days", "1", "--seed", "3", "--out", str(csv_path),
            "--registry", str(registry), with_data_dir=False)
    # A zone with its own, very short transit limit.
    zones = (registry / "zones.csv").read_text().splitlines()
    (registry / "zones.csv").write_text("\n".join([zones[0] + ",transit_limit_seconds"] +
                                                  [line + (",1" if line.startswith("mechelen") else ",") for line in zones[1:]]) + "\n")
    cli.run("zones", "import", str(registry / "zones.csv"))
    listed = cli.run("zones", "list").stdout
    assert "mechelen-centrum" in listed
    cli.run("ingest", str(csv_path))

    env = _child_env(cli.base_url) | {"KRUISPUNT_IDLE_CLOSE": "2"}
    log = open(work / "worker.log", "wb")
    worker = subprocess.Popen(cli.command("worker", "--interval", "0.5", "--json"), stdout=subprocess.PIPE, stderr=log,
                              env=env, cwd=work, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline and len(lines) < 2:
            line = worker.stdout.readline().decode()
            if line:
                lines.append(line)
        # First the buckets the watermark closed, then (idle) everything else.
        assert len(lines) >= 2, (work / "worker.log").read_text()[-2000:]
        assert '"detections":' in lines[0]
        nquads = cli.run("export", "--latest", "--canonical").stdout
        assert "/id/observation/vehicle-count/camera/" in nquads
        # The 1-second limit leaves Mechelen with no through traffic; other zones have some.
        transit = [l for l in nquads.splitlines() if "through-traffic/zone/" in l and "hasSimpleResult" in l]
        mechelen = [l for l in transit if "zone/mechelen-centrum/" in l]
        assert mechelen and all('"0"^^' in l for l in mechelen)
        assert any('"0"^^' not in l for l in transit if "zone/mechelen-centrum/" not in l)
        # The zone's own limit is published on the zone; zones without one carry none.
        zones_graph = cli.run("export", "--graph", f"{cli.base_url}/graph/zones").stdout
        assert "/id/zone/mechelen-centrum>" in zones_graph
        limits = [l for l in zones_graph.splitlines() if "#transitLimit>" in l]
        assert [l.split(" ")[0] for l in limits] == [f"<{cli.base_url}/id/zone/mechelen-centrum>"], limits
        assert '"PT1S"^^<http://www.w3.org/2001/XMLSchema#duration>' in limits[0]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) in (0, 128 + signal.SIGTERM)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        _stop_leftover_cluster(cli.data_dir)
