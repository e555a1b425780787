# Kruispunt: the two commands a new user needs are `make demo` and `make test`.
SWIFT ?= swift
PORT ?= 8080
DATA_DIR ?= .kruispunt
VENV := .venv/bin

.PHONY: bootstrap build release demo test test-swift test-e2e fuzz bench bench-load docs clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

## Generate a synthetic data set, ingest it, treat it and serve it on http://localhost:$(PORT).
demo: release
	.build/release/kruispunt --data-dir $(DATA_DIR) demo --port $(PORT)

## Swift unit and integration tests, then the independent end-to-end suite (rdflib, pyld, pySHACL, pyoxigraph).
test: build
	$(SWIFT) test
	KRUISPUNT_BIN=$(CURDIR)/.build/debug/kruispunt scripts/e2e

## The end-to-end suite alone, in two pytest processes (scripts/e2e), on the debug build.
test-e2e: build
	KRUISPUNT_BIN=$(CURDIR)/.build/debug/kruispunt scripts/e2e

## Property-based fuzzing (Hypothesis) of the ingest and SPARQL endpoints side by side, FUZZ_SECONDS
## each (default 600), against the debug build: no crash, no 5xx. Then schemathesis against the
## OpenAPI description with 100 examples per operation and every phase.
fuzz: build
	KRUISPUNT_BIN=$(CURDIR)/.build/debug/kruispunt $(VENV)/python scripts/fuzz.py
	SCHEMATHESIS_EXAMPLES=100 SCHEMATHESIS_PHASES=examples,coverage,fuzzing,stateful KRUISPUNT_BIN=$(CURDIR)/.build/debug/kruispunt \
		$(VENV)/python -m pytest -q -p no:cacheprovider tests/e2e/test_46_documentation.py -k schemathesis

## Throughput figures from a release build, with ratios against the references.
bench: release
	$(SWIFT) build -c release --product kruispunt-bench
	.build/release/kruispunt-bench

## Load under faults: LOAD_SECONDS (600) of LOAD_RATE (2,000) detections/s while 32 clients harvest
## the event stream and 4 load the dashboard, then the same with the database stopped OUTAGE_SECONDS
## (5) mid-run; raw results in test-output/bench-load/.
bench-load: release
	$(VENV)/python scripts/bench_load.py --binary .build/release/kruispunt

## The generated parts of docs/ (module table, configuration reference); make test checks them.
docs: build
	$(VENV)/python scripts/docs.py --binary .build/debug/kruispunt

clean:
	rm -rf .build .kruispunt
