"""Contract 1: `kruispunt ingest FILE --json` counts lines exactly and reports malformed lines."""

import re

from conftest import GENERATE_ARGS, InputCsv, Kruispunt, Pipeline

SUMMARY_KEYS = ("lines", "accepted", "duplicates", "quarantined")


def diagnostics(stderr: str, file_name: str) -> dict[int, str]:
    """Line number -> reason, from stderr lines of the form `FILE:LINE: reason`."""
    pattern = re.compile(rf"{re.escape(file_name)}:(\d+): (.*\S.*)$")
    found: dict[int, str] = {}
    for line in stderr.splitlines():
        match = pattern.search(line)
        if match:
            found.setdefault(int(match[1]), match[2])
    return found


def test_generator_writes_only_valid_lines(input_csv: InputCsv):
    assert not input_csv.generated_invalid, \
        f"`generate` wrote lines Python considers malformed: {dict(list(input_csv.generated_invalid.items())[:10])}"
    assert input_csv.detections, "`generate` wrote no detections"


def test_generate_accepts_global_options_and_is_deterministic(cli: Kruispunt, input_csv: InputCsv,
                                                              tmp_path):
    """`kruispunt --data-dir DIR generate ...` (global option first) writes the same bytes for
    the same seed."""
    again = tmp_path / "again.csv"
    cli.run("generate", "--out", str(again), *GENERATE_ARGS)
    assert again.read_bytes() == input_csv.generated_path.read_bytes()


def test_first_ingest_counts_are_exact(pipeline: Pipeline, input_csv: InputCsv):
    summary = pipeline.first_ingest.summary
    assert all(isinstance(summary.get(key), int) for key in SUMMARY_KEYS), summary
    assert {key: summary[key] for key in SUMMARY_KEYS} == input_csv.expected_summary
    assert summary["duplicates"] == 1 + input_csv.generated_duplicates
    assert summary["quarantined"] == 5
    assert summary["lines"] == summary["accepted"] + summary["duplicates"] + summary["quarantined"]


def test_each_malformed_line_is_reported_with_its_physical_line_number(pipeline: Pipeline,
                                                                        input_csv: InputCsv):
    reported = diagnostics(pipeline.first_ingest.stderr, input_csv.path.name)
    missing = {n: what for n, what in input_csv.malformed.items() if n not in reported}
    assert not missing, (f"malformed lines not reported as {input_csv.path.name}:LINE: reason: "
                         f"{missing}\nstderr:\n{pipeline.first_ingest.stderr[-3000:]}")
    for line_no in input_csv.malformed:
        assert reported[line_no].strip(), f"line {line_no} reported without a reason"
    # Valid lines and the blank line are not diagnosed (the duplicate may be mentioned).
    unexpected = set(reported) - set(input_csv.malformed) - {input_csv.duplicate_line_no}
    assert not unexpected, f"valid or blank lines reported as malformed: {sorted(unexpected)[:10]}"


def test_reingest_accepts_nothing_and_counts_everything_once(pipeline: Pipeline,
                                                             input_csv: InputCsv):
    first, second = pipeline.first_ingest.summary, pipeline.second_ingest.summary
    assert second["lines"] == first["lines"]
    assert second["accepted"] == 0
    assert second["duplicates"] == first["accepted"] + first["duplicates"]
    assert second["duplicates"] == first["accepted"] + 1 + input_csv.generated_duplicates
    assert second["quarantined"] == first["quarantined"]
