# Aegis Memory (Swift). `make run` builds and starts the server; `make test` runs the whole suite.
SHELL := /bin/bash
SWIFT ?= swift
SYSTEM_PKGS := liblz4-dev libxxhash-dev pkg-config

.PHONY: deps build run test test-release bench torture clean

deps:
	@missing=""; for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

build: deps
	$(SWIFT) build -c release --product aegis-memory

run: build
	./.build/release/aegis-memory --help

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	cd Benchmarks && $(SWIFT) build -c release

torture: deps torture-storage
	@echo "no torture tests yet"

# Store crash tests at full strength: 1,000 SIGKILL rounds, 1,000 power-loss rounds per fsync policy, 10,000 snapshot bit flips.
torture-storage: deps
	$(SWIFT) build --build-tests
	AEGIS_TORTURE=1 $(SWIFT) test --skip-build --filter AegisStorageTests

clean:
	rm -rf .build

# AegisLog: heavy rounds (1,000 power losses per fsync policy, 10,000 bit flips, longer countdowns).
torture: torture-log
torture-log: deps
	$(SWIFT) build --build-tests
	AEGIS_TORTURE=1 $(SWIFT) test --skip-build --filter AegisLogTests

# AegisLog benchmark (figures in docs/benchmarks.md, section Log).
bench-log: deps
	cd Benchmarks && $(SWIFT) build -c release --product LogBench && ./.build/release/LogBench --dir ../.build/logbench
