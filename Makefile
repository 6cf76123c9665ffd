# reactivate — two commands: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT ?= swift
# DATABASE_URL from the environment wins; otherwise the throwaway cluster in .pg/.
DB_URL = $(shell scripts/db.sh url)
DEMO_MEMBERS ?= 200000
DEMO_STORES ?= 120
DEMO_SEED ?= 7
DEMO_AS_OF ?= 2026-11-01
PIPELINE ?= pipelines/spring-wakeup.toml
BIN = .build/release/reactivate
PREFIX ?= /usr/local
# The self-contained binary (Swift runtime and Foundation linked in) needs objects compiled for static
# linking, so it is built in a scratch folder of its own; mixing the two in .build/ fails to link.
STATIC = --static-swift-stdlib --scratch-path .build/static --product reactivate

.PHONY: help deps build release install db-start db-stop test reliability demo bench bench-shards clean

help:
	@echo "make demo    set up everything, generate demo data, run the pipeline, print the summary"
	@echo "make test    run the test suite against a real PostgreSQL (started if needed)"
	@echo "make bench   release-mode benchmarks on a kept 1M-member database (BENCH_MEMBERS=…, BENCH_SHARDS=1)"
	@echo "make bench-shards   only the sharded-source extract (three kept servers in .bench/shards/)"
	@echo "make reliability   the longer fault soak (SOAK_ROUNDS=40)"
	@echo "make install PREFIX=/usr/local   one self-contained binary in PREFIX/bin (needs only libpq5, libzstd1)"
	@echo "make db-start / db-stop / clean"

deps:
	@scripts/deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product reactivate

# One file, $(PREFIX)/bin/reactivate: migrations inside, Swift runtime linked statically, libpq and libzstd shared.
install: deps
	@scripts/embed-sql.sh
	$(SWIFT) build -c release $(STATIC)
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 .build/static/release/reactivate '$(DESTDIR)$(PREFIX)/bin/reactivate'
	@echo "installed $(DESTDIR)$(PREFIX)/bin/reactivate"

db-start: deps
	@scripts/db.sh start

db-stop:
	@scripts/db.sh stop

test: db-start
	$(SWIFT) build --build-tests
	$(SWIFT) build $(STATIC)
	DATABASE_URL='$(DB_URL)' REACTIVATE_BIN=$(CURDIR)/.build/debug/reactivate \
	  REACTIVATE_STATIC_BIN=$(CURDIR)/.build/static/debug/reactivate $(SWIFT) test --skip-build

# The longer soak: hundreds of kill points while issuing, repeated database outages mid-run.
reliability: db-start
	$(SWIFT) build --build-tests
	DATABASE_URL='$(DB_URL)' REACTIVATE_BIN=$(CURDIR)/.build/debug/reactivate REACTIVATE_SOAK_ROUNDS=$${SOAK_ROUNDS:-40} \
	  $(SWIFT) test --skip-build --filter 'ReliabilityTests|IssueExactlyOnceTests' 2>&1 | tee .build/reliability.log
	@echo; { echo "fault|injected|recovered|coupons checked|duplicates|lost"; \
	  grep -h '^reliability|' .build/reliability.log | cut -d'|' -f2-; } | \
	  awk -F'|' '{ printf "%-52s %9s %10s %16s %11s %5s\n", $$1, $$2, $$3, $$4, $$5, $$6 }'
	@! grep -qE '^✘' .build/reliability.log

demo: db-start release
	@export DATABASE_URL='$(DB_URL)'; set -e; \
	$(BIN) migrate; \
	$(BIN) generate --members $(DEMO_MEMBERS) --stores $(DEMO_STORES) --seed $(DEMO_SEED) --as-of $(DEMO_AS_OF) --replace; \
	scripts/demo-run.sh $(BIN) $(PIPELINE) $(DEMO_AS_OF)

bench: db-start release
	@DATABASE_URL='$(DB_URL)' scripts/bench.sh $(BIN)

bench-shards: db-start release
	@DATABASE_URL='$(DB_URL)' BENCH_SHARDS=1 BENCH_LAYOUTS=0 BENCH_STAGES=0 scripts/bench.sh $(BIN)

clean: db-stop
	@scripts/bench-shards.sh --stop
	rm -rf .build .pg artifacts out .bench
