"""Crash safety of the whole pipeline (issue 11). A generated week of detections is delivered to
`kruispunt serve` half a day at a time, alternately as HTTP uploads (each with an
`Idempotency-Key`, retried by the client until answered 200) and as files dropped into its watch
folder.

Each life of the server gets one new part, and the server's process group is then killed with
SIGKILL, 20 times in all. The moments come in turn from three kinds:
- soon after the start (startup, an upload, the first treatment run);
- within 0.4 s of the next treatment run's start (a run in flight: runs on this data take about
  a second, so most of these kills fall inside one, publishing included);
- after a longer life (runs and uploads committed, then whatever came next, pages being served).

After each kill the server is started again on the same data folder, and the cluster the killed
process left running is reused.

Afterwards the published store (`export --latest --canonical`) must equal that of one `ingest`
and one `treat` of the same week without any kill. Data quality is the exception, because it
measures the delivery itself: arrival order, receipt and batches. It must cover the same
camera-hours. At least a quarter of the kills must have interrupted an open transaction, or the
test would prove little.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import _stop_leftover_cluster, clean_env, free_port, private_dir, psql_rows, wait_ready
from test_19_determinism import aborted_transactions, first_differences, wait_for_abort

KILLS = 20
PARTS = 14   # half days
INGEST = "crash-ingest-token-0123456789abcdef01"
SECRET = "crash-pipeline-secret-0123456789abcdef"
TIMEOUT_S = 300


def without_quality(text: str) -> tuple[str, set[str]]:
    """The export without data-quality lines, and the camera-hours (graphs) those describe."""
    kept, hours = [], set()
    for line in text.splitlines(keepends=True):
        graph = line.rsplit(" ", 2)[-2]
        if "/id/quality/" in graph:
            hours.add(graph)
        else:
            kept.append(line)
    return "".join(kept), hours


@pytest.mark.filterwarnings("ignore:stopped a cluster left running")
def test_twenty_kills_of_the_whole_pipeline_change_nothing_published(kruispunt_binary, tmp_path_factory):
    work = private_dir(tmp_path_factory, "crashpipeline")
    env = clean_env(KRUISPUNT_PSEUDONYM_SECRET=SECRET, KRUISPUNT_BASE_URL="http://127.0.0.1:8080", TZ="UTC")
    week, registry = work / "week.csv", work / "registry"
    subprocess.run([str(kruispunt_binary), "generate", "--cities", "Mechelen,Turnhout", "--cameras", "4", "--vehicles", "200", "--days", "7",
                    "--start", "2026-10-19",
                    "--seed", "41", "--out", str(week), "--registry", str(registry)],
                   check=True, env=env, timeout=TIMEOUT_S, capture_output=True)
    header, *lines = week.read_text().splitlines()
    lines.sort(key=lambda line: dt.datetime.fromisoformat(next(csv.reader([line]))[2]))
    size = -(-len(lines) // PARTS)
    parts = [header + "\n" + "\n".join(lines[i:i + size]) + "\n" for i in range(0, len(lines), size)]

    def cli(data: Path, *args: str) -> str:
        done = subprocess.run([str(kruispunt_binary), "--data-dir", str(data), *args], capture_output=True, text=True,
                              env=env, timeout=TIMEOUT_S)
        assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
        return done.stdout

    def prepare(data: Path) -> None:
        cli(data, "cameras", "import", str(registry / "cameras.csv"))
        cli(data, "zones", "import", str(registry / "zones.csv"))

    reference_dir, data = work / "reference", work / "killed"
    try:
        prepare(reference_dir)
        cli(reference_dir, "ingest", str(week))
        cli(reference_dir, "treat")
        reference = cli(reference_dir, "export", "--latest", "--canonical")
    finally:
        _stop_leftover_cluster(reference_dir)

    drop = work / "drop"
    drop.mkdir()
    rng = random.Random(4111)
    kills: list[dict] = []
    delivered: set[int] = set()
    interrupted_uploads = 0
    uploads_during_kills = 0
    instances = 0
    server: subprocess.Popen | None = None
    try:
        prepare(data)
        while True:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = work / f"serve-{instances:02d}.log"
            server = subprocess.Popen([str(kruispunt_binary), "--data-dir", str(data), "serve", "--port", str(port),
                                       "--treat-interval", "1", "--watch", str(drop)],
                                      stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True,
                                      env=env | {"KRUISPUNT_INGEST_TOKENS": INGEST, "KRUISPUNT_IDLE_CLOSE": "2",
                                                 "KRUISPUNT_DUMP_HOURS": "0"})
            instances += 1
            wait_ready(base, server)
            if len(kills) == KILLS:
                break
            # The kill comes from another thread, whatever the deliveries are doing.
            # Three kinds of moment, in turn, so the kills fall at every stage of the work: soon
            # after the start (startup, uploads, the first run), within 0.4 s of the next treatment
            # run's start (a run in flight), and after a longer life (runs and uploads committed,
            # then whatever comes next).
            mode = len(kills) % 3
            delay = rng.uniform(0.3, 4.0) if mode == 0 else rng.uniform(0.0, 0.4) if mode == 1 else rng.uniform(6.0, 14.0)
            before = aborted_transactions(data)
            victim = server
            started_runs = log.read_text(errors="replace").count("treatment started")

            def kill_later(victim=victim, mode=mode, delay=delay, started_runs=started_runs, log=log):
                if mode == 1:
                    give_up = time.monotonic() + 15
                    while log.read_text(errors="replace").count("treatment started") <= started_runs and time.monotonic() < give_up:
                        time.sleep(0.02)
                time.sleep(delay)
                os.killpg(victim.pid, signal.SIGKILL)

            timer = threading.Thread(target=kill_later)
            timer.start()
            # One new part per life (and any part a kill cut off before), so that every life
            # has ingestion and treatment to do.
            allowed = {n for n in range(len(parts)) if n not in delivered}
            allowed = set(sorted(allowed)[:1]) | {n for n in allowed if n < max(delivered, default=-1)}
            while victim.poll() is None:
                pending = [n for n in range(len(parts)) if n not in delivered and n in allowed]
                if not pending:
                    # Everything delivered: pages are read while the treatment catches up.
                    try:
                        requests.get(f"{base}/streams/vehicle-counts/by-time", headers={"Accept": "text/turtle"}, timeout=10)
                    except requests.RequestException:
                        pass
                    time.sleep(0.1)
                    continue
                n = pending[0]
                if n % 2 == 0:
                    try:
                        answer = requests.post(f"{base}/api/ingest", data=parts[n].encode(), timeout=60,
                                               headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv",
                                                        "Idempotency-Key": f"part-{n}"})
                        if answer.status_code == 200:
                            delivered.add(n)
                            uploads_during_kills += 1
                        else:
                            assert answer.status_code in (429, 503), answer.text
                    except requests.RequestException:
                        interrupted_uploads += 1
                else:
                    temporary = drop / f".part-{n}.csv"
                    temporary.write_text(parts[n])
                    temporary.rename(drop / f"part-{n:02d}.csv")   # atomic: the folder has it whole or not
                    delivered.add(n)
                time.sleep(0.2)
            timer.join()
            victim.wait(timeout=30)
            text = log.read_text(errors="replace")
            # A backend notices its client is gone within a second (client_connection_check_interval).
            kills.append({"after_s": round(delay, 2), "mode": mode, "aborted_transaction": wait_for_abort(data, before, seconds=2.5),
                          "treating": text.rfind("treatment started") > text.rfind("treatment run"),
                          "runs_committed": len(re.findall(r"detections=[1-9][0-9]* .*treatment run", text))})

        # The last instance runs undisturbed: every part delivered and ingested, every detection
        # treated, every bucket closed (idle close), nothing published for a few seconds.
        deadline = time.monotonic() + TIMEOUT_S
        for n in [n for n in range(len(parts)) if n not in delivered]:
            while True:
                answer = requests.post(f"{base}/api/ingest", data=parts[n].encode(), timeout=60,
                                       headers={"Authorization": f"Bearer {INGEST}", "Content-Type": "text/csv",
                                                "Idempotency-Key": f"part-{n}"})
                if answer.status_code == 200:
                    break
                assert time.monotonic() < deadline, answer.text
                time.sleep(1)
        settled, last = 0, None
        while settled < 3:
            assert time.monotonic() < deadline, "the pipeline did not settle"
            time.sleep(2)
            leftovers = [p.name for p in drop.iterdir() if p.is_file()]
            state = psql_rows(data, "SELECT count(*), (SELECT coalesce(sum(detections), 0) FROM treatment_runs), "
                                    "(SELECT coalesce(max(seq), 0) FROM stream_members) FROM detections")[0]
            quiet = not leftovers and state[0] == state[1] and state == last
            settled = settled + 1 if quiet else 0
            last = state
        assert not list((drop / "failed").iterdir())
        server.terminate()
        assert server.wait(timeout=60) == 0
        exported = cli(data, "export", "--latest", "--canonical")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        _stop_leftover_cluster(data)

    aborted = sum(k["aborted_transaction"] for k in kills)
    committed = sum(k["runs_committed"] for k in kills)
    print(f"\n{len(kills)} kills over {instances} server starts; {aborted} aborted an open transaction, "
          f"{sum(k['treating'] for k in kills)} during a treatment run; between the kills {committed} treatment runs "
          f"and {uploads_during_kills} uploads committed, {interrupted_uploads} uploads cut off")
    assert len(kills) == KILLS
    # A kill cut work off when it aborted an open transaction (seen in the database's statistics
    # within 2.5 s) or fell in a treatment run in flight (seen in the log): uploads are quick now
    # that they no longer wait for treatment runs, so fewer kills find one open.
    assert sum(k["aborted_transaction"] or k["treating"] for k in kills) >= KILLS // 4, kills
    # The kills fell between pieces of work that did commit, not 20 times into the same one.
    assert committed >= 2 and uploads_during_kills >= 2, kills
    (work / "reference.nq").write_text(reference)
    (work / "killed.nq").write_text(exported)
    expected, expected_hours = without_quality(reference)
    got, got_hours = without_quality(exported)
    assert expected.strip() and expected_hours
    assert got_hours == expected_hours, "the killed run measured other camera-hours"
    assert got == expected, first_differences(expected, got)
