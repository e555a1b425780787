"""Contract 8: `serve` stops cleanly on SIGTERM (exit 0, embedded cluster stopped), and a later
`export` on the same data directory starts the cluster again and finds the same data.

This module stops the session server: it must stay the last one to run."""

from rdflib import BNode, Dataset

from conftest import STOP_TIMEOUT_S, Export, Kruispunt, Server, postmaster_pid, union_of_nquads


def all_quads(dataset: Dataset) -> list:
    return list(dataset.quads((None, None, None, None)))


def ground_quads(dataset: Dataset) -> set:
    """Quads without blank nodes (their labels may change between exports)."""
    return {quad for quad in all_quads(dataset) if not any(isinstance(t, BNode) for t in quad)}


def test_sigterm_stops_server_and_cluster(server: Server, export_while_serving: Export, cli: Kruispunt):
    assert server.running, "the server died before the restart test"
    code = server.stop()
    assert code == 0, f"`kruispunt serve` exited with {code} on SIGTERM\n{server.log_tail()}"
    assert server.stop_seconds is not None and server.stop_seconds <= STOP_TIMEOUT_S
    assert not postmaster_pid(cli.data_dir).exists(), \
        "postmaster.pid still exists: the embedded cluster was not stopped"


def test_export_after_restart_returns_the_same_data(server: Server, export_while_serving: Export,
                                                    cli: Kruispunt):
    if server.exit_code is None:
        server.stop()
    assert not postmaster_pid(cli.data_dir).exists()
    # Global options after the subcommand, on purpose.
    canonical = cli.run("export", "--format", "nquads", "--canonical", options_last=True).stdout
    plain = cli.run("export", "--format", "nquads").stdout
    assert not postmaster_pid(cli.data_dir).exists(), "`export` left the cluster running"

    assert canonical == export_while_serving.canonical, "canonical export changed after restart"
    before, _ = union_of_nquads(export_while_serving.plain)
    after, _ = union_of_nquads(plain)
    assert len(all_quads(after)) == len(all_quads(before))
    assert ground_quads(after) == ground_quads(before)
